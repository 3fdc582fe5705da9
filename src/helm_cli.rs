//! `convert --helm` and `diff --helm`: the base and each overlay translated as `convert`
//! translates them, made into a chart (`helm`), written through `output_dir` with its
//! whole-or-nothing guarantees, or compared with a chart directory.

use std::path::Path;

use anyhow::{bail, Context as _, Result};

use crate::cli::{
    strict_check, translate_whole, Failure, Format, InputArgs, KustomizeFlags, LayoutArgs,
};
use crate::diagnostic::Diagnostic;
use crate::helm::{self, Chart, Source};
use crate::output_dir;
use crate::translate::{Allowed, Code, Report};

/// The chart `convert --helm` writes and the report codes its projects accept; the reports
/// of the base and of the overlays go into `report`, with what the overlays change that
/// their values cannot say.
pub(crate) fn render(
    input: &InputArgs,
    layout: &LayoutArgs,
    report: &mut Report,
) -> Result<(Chart, Allowed), Failure> {
    if layout.format() == Format::Json {
        return Err(Failure::Io(anyhow::anyhow!(
            "--helm writes YAML templates; --format json does not apply"
        )));
    }
    let options = layout.options();
    let mut base = translate_whole(input, &options, report)?;
    let mut overlays = Vec::new();
    for overlay in &layout.overlays {
        let mut overlay_input = input.clone();
        overlay_input.files = base.files.clone();
        overlay_input.files.extend(overlay.files.iter().cloned());
        overlays.push((
            overlay.name.clone(),
            translate_whole(&overlay_input, &options, report)?,
        ));
    }
    // The overlays' reports repeat the base's, and sorting drops the repeats; what an
    // overlay adds is shown, and counted by --strict.
    report.append(std::mem::take(&mut base.translation.report));
    for (_, overlay) in &mut overlays {
        report.append(std::mem::take(&mut overlay.translation.report));
    }
    let base_source = Source {
        services: base.services.clone(),
        translation: &base.translation,
    };
    let overlay_sources: Vec<(String, Source)> = overlays
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                Source {
                    services: t.services.clone(),
                    translation: &t.translation,
                },
            )
        })
        .collect();
    let chart = helm::render_chart(&base.project_name, &base_source, &overlay_sources)
        .map_err(|message| Failure::Input(vec![Diagnostic::error(message)]))?;
    for (key, message) in &chart.unexpressed {
        report.warn_project(Code::OverrideNotInValues, key, message.clone(), None);
    }
    for secret in &chart.secrets_left_to_user {
        report.info_project(
            Code::SecretLeftToUser,
            "",
            format!(
                "the chart does not render the Secret `{secret}` with its default values: \
                 the user creates it (NOTES.txt says how) or sets `secrets.{secret}.create`"
            ),
        );
    }
    report.sort();
    let mut allowed = base.translation.allowed.clone();
    for (_, overlay) in &overlays {
        allowed.extend(&overlay.translation.allowed);
    }
    Ok((chart, allowed))
}

/// `convert --helm -o DIR`.
pub(crate) fn convert(
    input: &InputArgs,
    layout: &LayoutArgs,
    dir: Option<&Path>,
    report: &mut Report,
    flags: &KustomizeFlags,
) -> Result<(), Failure> {
    let KustomizeFlags {
        strict, dry_run, ..
    } = *flags;
    let Some(dir) = dir else {
        return Err(Failure::Usage("--helm needs -o DIR"));
    };
    let (chart, chart_allowed) = render(input, layout, report).map_err(|f| match f {
        Failure::Input(d) if dry_run => Failure::InputOfDiff(d),
        other => other,
    })?;
    let mut allowed = flags.allowed.clone();
    allowed.extend(&chart_allowed);
    report.allow(&allowed);
    if dry_run {
        let text = text_tree_diff(dir, &chart.files).map_err(Failure::Io)?;
        crate::cli::write_stdout(&text)?;
        if !text.is_empty() {
            return Err(Failure::Changed);
        }
        return strict_check(strict, report);
    }
    // A run that fails leaves DIR as it was, a --strict failure included.
    strict_check(strict, report)?;
    let record = layout.record(dir);
    output_dir::write_directory_with_record(dir, &files_in_order(chart.files), Some(&record))
        .map_err(Failure::Io)
}

fn files_in_order(mut files: Vec<(String, String)>) -> Vec<(String, String)> {
    files.sort();
    files
}

/// No chart file of ours is larger; a larger one is not ours.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// A unified diff, file by file, between the files compose2k8s wrote in `dir` (by its
/// index, or those of `files` that exist when it has none) and `files`: empty when they
/// are the same. Templates are not YAML, so charts are compared as text.
pub(crate) fn text_tree_diff(dir: &Path, files: &[(String, String)]) -> Result<String> {
    let mut names = if dir.exists() {
        output_dir::read_index(dir)?
    } else {
        Default::default()
    };
    names.extend(files.iter().map(|(name, _)| name.clone()));
    let mut out = String::new();
    for name in names {
        let new = files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| text.as_str());
        let old = read_existing(&dir.join(&name))?;
        if old.as_deref() == new {
            continue;
        }
        let (old_text, new_text) = (old.as_deref().unwrap_or(""), new.unwrap_or(""));
        let old_name = if old.is_some() {
            format!("a/{name}")
        } else {
            "/dev/null".to_string()
        };
        let new_name = if new.is_some() {
            format!("b/{name}")
        } else {
            "/dev/null".to_string()
        };
        let diff = similar::TextDiff::from_lines(old_text, new_text);
        out.push_str(
            &diff
                .unified_diff()
                .header(&old_name, &new_name)
                .context_radius(3)
                .to_string(),
        );
    }
    Ok(out)
}

/// A file of an existing chart, or none; never read through a link.
fn read_existing(path: &Path) -> Result<Option<String>> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        Ok(meta) if !meta.is_file() => {
            bail!("{} is not a regular file", path.display())
        }
        Ok(_) => {
            let bytes = crate::files::read_regular(path, MAX_FILE_BYTES)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
        }
    }
}
