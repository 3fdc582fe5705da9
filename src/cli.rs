//! The command line: clap definitions, turned into options for the pipeline, and `run`,
//! which executes a command and maps the outcome to an exit code (0 success, 1 the input
//! has errors, 2 usage or I/O error).

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::compose::load::LoadOptions;
use crate::compose::{self, model};
use crate::diagnostic::Diagnostic;
use crate::translate::Report;
use crate::{diff, emit, output_dir, translate};

#[derive(Debug, Parser)]
#[command(
    name = "compose2k8s",
    version,
    about = "Translate Docker Compose projects into Kubernetes manifests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Translate the project into Kubernetes manifests.
    Convert {
        #[command(flatten)]
        input: InputArgs,
        /// Write one file per object into DIR (`-` for stdout, the default).
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        #[command(flatten)]
        layout: LayoutArgs,
        /// Exit 1 when the report has any warning (the loader's warnings included).
        #[arg(long)]
        strict: bool,
        /// Report format, on stderr.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
        /// With -o DIR: write nothing, print what would change in DIR (as `diff`).
        #[arg(long)]
        dry_run: bool,
    },
    /// Show what `convert -o DIR` would change in DIR; exit 0 if nothing, 1 if something.
    Diff {
        #[command(flatten)]
        input: InputArgs,
        /// The directory of manifests (or, with --kustomize, the tree) to compare with.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        #[command(flatten)]
        layout: LayoutArgs,
        /// Format of the loader's warnings and the errors, on stderr.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
    },
    /// Print the resolved compose project, as `docker compose config` does.
    Config {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
        /// Format of the loader's warnings and the errors, on stderr.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
    },
    /// Print a JSON Schema (the same files as in schemas/).
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Compose)]
        kind: SchemaKind,
    },
}

impl Command {
    /// How the command's stderr is written: everything it says there is one report.
    fn report_format(&self) -> ReportFormat {
        match self {
            Command::Convert { report, .. }
            | Command::Diff { report, .. }
            | Command::Config { report, .. } => *report,
            Command::Schema { .. } => ReportFormat::Text,
        }
    }
}

/// Which compose files make the project, as Docker Compose takes them.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Compose file (repeatable; later files override earlier ones). Default: COMPOSE_FILE,
    /// else compose.yaml / docker-compose.yml (and their .override file) found from the
    /// current directory upwards.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Directory that relative paths are resolved against (default: the first file's).
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Project name (default: COMPOSE_PROJECT_NAME, the top-level `name`, the directory).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Environment file for interpolation (repeatable; default: .env in the project directory).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Enable services of this profile (repeatable; default: COMPOSE_PROFILES).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Let files name paths under DIR too (repeatable). By default only the project's tree
    /// is read: the git work tree holding the project directory, else that directory.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allowed_paths: Vec<PathBuf>,
}

/// How the objects are made and laid out: what `convert` and `diff` share, so that `diff`
/// given the same flags renders exactly what `convert` writes.
#[derive(Debug, Args, Clone)]
pub(crate) struct LayoutArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub(crate) format: Format,
    /// Namespace to set on every object.
    #[arg(long, value_name = "NS", value_parser = parse_namespace)]
    namespace: Option<String>,
    /// Image of the init containers that wait for dependencies.
    #[arg(long, value_name = "IMAGE", default_value = translate::DEFAULT_WAIT_IMAGE)]
    wait_image: String,
    /// Compose networks as NetworkPolicies, and pods labelled with their networks.
    #[arg(long)]
    network_policies: bool,
    /// A kustomize base (DIR/base) and overlays (DIR/overlays/NAME) instead of plain files.
    #[arg(long)]
    kustomize: bool,
    /// A Helm chart (DIR/Chart.yaml, values.yaml, templates/) instead of plain files.
    #[arg(long, conflicts_with = "kustomize")]
    pub(crate) helm: bool,
    /// An overlay from override files: NAME=FILE[,FILE…] (repeatable; with --kustomize,
    /// or with --helm, which writes DIR/values-NAME.yaml).
    #[arg(long = "overlay", value_name = "NAME=FILES", value_parser = parse_overlay)]
    pub(crate) overlays: Vec<OverlayArg>,
}

impl LayoutArgs {
    pub(crate) fn options(&self) -> translate::Options {
        translate::Options {
            namespace: self.namespace.clone(),
            wait_image: self.wait_image.clone(),
            network_policies: self.network_policies,
            data_by_reference: self.kustomize,
        }
    }

    /// The output directory when the layout is a kustomize tree; an error when the flags
    /// ask for a tree without a directory.
    fn kustomize_dir<'d>(
        &self,
        dir: Option<&'d std::path::Path>,
    ) -> Result<Option<&'d std::path::Path>, Failure> {
        if !self.kustomize && self.overlays.is_empty() {
            return Ok(None);
        }
        if !self.kustomize {
            return Err(Failure::Io(anyhow::anyhow!(
                "--overlay needs --kustomize or --helm"
            )));
        }
        match dir {
            Some(dir) => Ok(Some(dir)),
            None => Err(Failure::Io(anyhow::anyhow!("--kustomize needs -o DIR"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Yaml,
    Json,
}

/// `--overlay prod=compose.prod.yaml,compose.extra.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayArg {
    pub name: String,
    pub files: Vec<PathBuf>,
}

/// A namespace is checked as `x-kubernetes.namespace` is, with the same message.
fn parse_namespace(text: &str) -> Result<String, String> {
    match crate::validation::dns_label_problem(text) {
        Some(problem) => Err(problem),
        None => Ok(text.to_string()),
    }
}

fn parse_overlay(text: &str) -> Result<OverlayArg, String> {
    let (name, files) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=FILE[,FILE…], got {text:?}"))?;
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_name {
        return Err(format!(
            "overlay name {name:?} must be letters, digits, `-` or `_`"
        ));
    }
    let files: Vec<PathBuf> = files
        .split(',')
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        return Err(format!("overlay {name:?} names no file"));
    }
    Ok(OverlayArg {
        name: name.to_string(),
        files,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaKind {
    Compose,
    XKubernetes,
}

/// Why a command failed, which decides the exit code.
pub(crate) enum Failure {
    /// The input has errors (exit 1); each diagnostic is printed.
    Input(Vec<Diagnostic>),
    /// Usage or I/O (exit 2).
    Io(anyhow::Error),
    /// `--strict` and the report has warnings (exit 1).
    Strict(usize),
    /// `diff` (or `--dry-run`) found changes (exit 1); they were printed.
    Changed,
    /// The input has errors where exit 1 already means "changes" (`diff`): exit 2.
    InputOfDiff(Vec<Diagnostic>),
}

/// Runs the command line given by `args` (the program name first) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() && asks_for_json_report(&args) => {
            // Plain text: the styled form's escape codes have no place in a JSON string.
            let text = error.render().to_string();
            let message = text.trim().trim_start_matches("error: ");
            print_outcome(
                Report::default(),
                &[Diagnostic::error(message)],
                ReportFormat::Json,
            );
            return 2;
        }
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return code;
        }
    };
    let format = cli.command.report_format();
    let mut report = Report::default();
    let (code, errors) = match execute(cli.command, &mut report) {
        Ok(()) => (0, Vec::new()),
        Err(Failure::Input(diagnostics)) => (1, diagnostics),
        Err(Failure::Io(error)) => (2, vec![Diagnostic::error(format!("{error:#}"))]),
        Err(Failure::Changed) => (1, Vec::new()),
        Err(Failure::InputOfDiff(diagnostics)) => (2, diagnostics),
        Err(Failure::Strict(warnings)) => {
            let message = format!("--strict: the report has {warnings} warning(s)");
            (1, vec![Diagnostic::error(message)])
        }
    };
    print_outcome(report, &errors, format);
    code
}

/// Whether a command line that clap refused asked for `--report json`, so that even a
/// usage error keeps stderr one JSON document.
fn asks_for_json_report(args: &[OsString]) -> bool {
    args.iter()
        .zip(args.iter().skip(1).map(Some).chain([None]))
        .any(|(arg, next)| {
            arg == "--report=json" || (arg == "--report" && next.is_some_and(|n| n == "json"))
        })
}

/// Runs a command. What it has to say on stderr goes into `report` (the loader's warnings,
/// the conversion's report), which the caller prints once, with the errors if it failed.
fn execute(command: Command, report: &mut Report) -> Result<(), Failure> {
    match command {
        Command::Convert {
            input,
            output,
            layout,
            strict,
            report: _,
            dry_run,
        } => {
            let dir = output.as_deref().filter(|dir| dir.as_os_str() != "-");
            if layout.helm {
                return crate::helm_cli::convert(&input, &layout, dir, report, strict, dry_run);
            }
            if let Some(dir) = layout.kustomize_dir(dir)? {
                return convert_kustomize(&input, &layout, dir, report, strict, dry_run);
            }
            let mut translation =
                translate_project(&input, &layout.options(), report).map_err(|f| match f {
                    Failure::Input(d) if dry_run => Failure::InputOfDiff(d),
                    other => other,
                })?;
            report.append(std::mem::take(&mut translation.report));
            report.sort();
            let emit_format = emit_format(layout.format);
            match dir {
                Some(dir) if dry_run => {
                    if show_diff(dir, &translation)? {
                        return Err(Failure::Changed);
                    }
                }
                Some(dir) => {
                    // A run that fails leaves DIR as it was, a --strict failure included.
                    strict_check(strict, report)?;
                    let files = emit::render_files(&translation.manifests, emit_format);
                    output_dir::write_directory(dir, &files).map_err(Failure::Io)?;
                }
                None if dry_run => {
                    return Err(Failure::Io(anyhow::anyhow!("--dry-run needs -o DIR")));
                }
                None => {
                    write_stdout(&emit::render_stream(&translation.manifests, emit_format))?;
                }
            }
            strict_check(strict, report)
        }
        Command::Diff {
            input,
            dir,
            layout,
            report: _,
        } => {
            let as_diff_error = |f| match f {
                Failure::Input(d) => Failure::InputOfDiff(d),
                other => other,
            };
            // The conversion's own report is `convert`'s to show; `diff` says only what
            // stops it or what the loader found.
            let changed = if layout.helm {
                let chart =
                    crate::helm_cli::render(&input, &layout, report).map_err(as_diff_error)?;
                show_text_tree_diff(&dir, &chart.files)?
            } else if layout.kustomize_dir(Some(&dir))?.is_some() {
                let tree =
                    render_kustomize(&input, &layout, &dir, report).map_err(as_diff_error)?;
                show_tree_diff(&dir, &tree.files)?
            } else {
                let translation =
                    translate_project(&input, &layout.options(), report).map_err(as_diff_error)?;
                show_diff(&dir, &translation)?
            };
            if changed {
                Err(Failure::Changed)
            } else {
                Ok(())
            }
        }
        Command::Config {
            input,
            format,
            report: _,
        } => {
            let loaded = compose::load_project(&load_options(&input)?).map_err(Failure::Input)?;
            add_loader_warnings(report, &loaded.warnings);
            let json = compose::config_json(&loaded);
            let text = match format {
                Format::Json => {
                    compose::config_json_text(&json).map_err(|e| Failure::Io(e.into()))?
                }
                Format::Yaml => {
                    crate::yaml::to_string(&json).map_err(|e| Failure::Io(anyhow::anyhow!(e)))?
                }
            };
            write_stdout(&text)?;
            Ok(())
        }
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Compose => model::json_schema(),
                SchemaKind::XKubernetes => crate::extension::json_schema(),
            };
            let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::Io(e.into()))?;
            write_stdout(&(text + "\n"))
        }
    }
}

/// A kustomize tree as `convert --kustomize` would write it, and what to tell about it.
struct KustomizeTree {
    files: Vec<(String, String)>,
    /// The reports of the base and of each overlay.
    reports: Vec<Report>,
    /// Notes on env files whose values had to be copied.
    notes: std::collections::BTreeSet<String>,
    /// Secret values the user must put in the tree: the file, and the variable to take it from.
    secret_values: Vec<(String, String)>,
}

/// The base from INPUT, each overlay from INPUT's files plus its own; the loader's warnings
/// go into `report`.
fn render_kustomize(
    input: &InputArgs,
    layout: &LayoutArgs,
    dir: &std::path::Path,
    report: &mut Report,
) -> Result<KustomizeTree, Failure> {
    let options = layout.options();
    let (base_files, mut base) = translate_with_files(input, &options, report)?;
    let mut rendered_overlays = Vec::new();
    for overlay in &layout.overlays {
        let mut overlay_input = input.clone();
        overlay_input.files = base_files.clone();
        overlay_input.files.extend(overlay.files.iter().cloned());
        let (_, translation) = translate_with_files(&overlay_input, &options, report)?;
        rendered_overlays.push((overlay.name.clone(), translation));
    }
    // The base's files are the overlays' too: each note once.
    let mut notes = keep_literal_env_files_only(&mut base);
    for (_, translation) in &mut rendered_overlays {
        notes.extend(keep_literal_env_files_only(translation));
    }
    let out_dir = std::path::absolute(dir)
        .map_err(|e| Failure::Io(anyhow::anyhow!("cannot resolve {}: {e}", dir.display())))?;
    let format = emit_format(layout.format);
    let files = crate::kustomize::render_tree(&base, &rendered_overlays, &out_dir, format);
    let translations: Vec<&translate::Translation> = std::iter::once(&base)
        .chain(rendered_overlays.iter().map(|(_, t)| t))
        .collect();
    let secret_values = crate::kustomize::secret_values_needed(&base, &rendered_overlays);
    let reports = translations.iter().map(|t| t.report.clone()).collect();
    Ok(KustomizeTree {
        files,
        reports,
        notes,
        secret_values,
    })
}

/// `convert --kustomize`: writes the tree (or, with `--dry-run`, shows what would change).
fn convert_kustomize(
    input: &InputArgs,
    layout: &LayoutArgs,
    dir: &std::path::Path,
    report: &mut Report,
    strict: bool,
    dry_run: bool,
) -> Result<(), Failure> {
    let tree = render_kustomize(input, layout, dir, report).map_err(|f| match f {
        Failure::Input(d) if dry_run => Failure::InputOfDiff(d),
        other => other,
    })?;
    // The overlays' reports repeat the base's, and sorting drops the repeats; what an
    // overlay adds is shown, and counted by --strict.
    for overlay_report in tree.reports {
        report.append(overlay_report);
    }
    for note in &tree.notes {
        report.info_project("", note.as_str());
    }
    for (file, origin) in &tree.secret_values {
        // The value is in this process's environment or the compose files, but writing it
        // would copy a secret into the output tree; the user puts it there (and keeps it
        // out of git).
        let message = format!(
            "the Secret value from {origin} is not written; put it in {} (not in git) before \
             `kubectl kustomize`",
            dir.join(file).display()
        );
        report.warn_project("", message, None);
    }
    report.sort();
    if dry_run {
        if show_tree_diff(dir, &tree.files)? {
            return Err(Failure::Changed);
        }
        return strict_check(strict, report);
    }
    // A run that fails leaves DIR as it was, a --strict failure included.
    strict_check(strict, report)?;
    output_dir::write_directory(dir, &tree.files).map_err(Failure::Io)
}

/// `--strict` fails the run when the report has warnings.
pub(crate) fn strict_check(strict: bool, report: &Report) -> Result<(), Failure> {
    match report.warnings() {
        warnings if strict && warnings > 0 => Err(Failure::Strict(warnings)),
        _ => Ok(()),
    }
}

/// Env files become `envs:` generators only where kustomize reads them as Compose did;
/// the others stay ConfigMaps with their values copied; returns the notes that say so.
fn keep_literal_env_files_only(
    translation: &mut translate::Translation,
) -> std::collections::BTreeSet<String> {
    let mut notes = std::collections::BTreeSet::new();
    let manifests = &translation.manifests;
    translation.sources.retain(|identity, source| {
        let translate::DataSource::EnvFile(path) = &*source else {
            return true;
        };
        let data = manifests
            .iter()
            .find(|m| &m.identity() == identity)
            .and_then(|m| match m {
                crate::manifest::Manifest::ConfigMap(c) => c.data.clone(),
                _ => None,
            })
            .unwrap_or_default();
        let literal = std::fs::read_to_string(path)
            .map(|text| crate::kustomize::env_file_reads_the_same(&text, &data))
            .unwrap_or(false);
        if !literal {
            notes.insert(format!(
                "{} is copied into the ConfigMap `{}`: kustomize would read it differently \
                 (quotes, `${{…}}`, `export` or comments)",
                path.display(),
                identity.name
            ));
        }
        literal
    });
    notes
}

/// Loads and translates a project: everything `convert` and `diff` share. The loader's
/// warnings go into `report`.
fn translate_project(
    input: &InputArgs,
    options: &translate::Options,
    report: &mut Report,
) -> Result<translate::Translation, Failure> {
    translate_with_files(input, options, report).map(|(_, translation)| translation)
}

/// Like [`translate_project`], also giving the compose files that made the project.
fn translate_with_files(
    input: &InputArgs,
    options: &translate::Options,
    report: &mut Report,
) -> Result<(Vec<PathBuf>, translate::Translation), Failure> {
    translate_whole(input, options, report).map(|t| (t.files, t.translation))
}

/// A translation with what outputs other than plain files need of the project.
pub(crate) struct Translated {
    /// The compose files that made the project.
    pub files: Vec<PathBuf>,
    pub project_name: String,
    /// The services' names as written in the compose files.
    pub services: Vec<String>,
    pub translation: translate::Translation,
}

/// Loads and translates a project (the loader's warnings go into `report`).
pub(crate) fn translate_whole(
    input: &InputArgs,
    options: &translate::Options,
    report: &mut Report,
) -> Result<Translated, Failure> {
    let mut loaded = compose::load_project(&load_options(input)?).map_err(Failure::Input)?;
    add_loader_warnings(report, &loaded.warnings);
    let translation =
        crate::convert::translate_loaded(&mut loaded, options).map_err(Failure::Input)?;
    Ok(Translated {
        files: std::mem::take(&mut loaded.files),
        project_name: loaded.project.name.clone().unwrap_or_default(),
        services: loaded.project.services.keys().cloned().collect(),
        translation,
    })
}

fn emit_format(format: Format) -> emit::Format {
    match format {
        Format::Yaml => emit::Format::Yaml,
        Format::Json => emit::Format::Json,
    }
}

/// The loader's warnings (unset variables, an obsolete `version`) are report entries: they
/// are shown with the rest and `--strict` counts them.
fn add_loader_warnings(report: &mut Report, warnings: &[Diagnostic]) {
    for warning in warnings {
        report.push_diagnostic(warning);
    }
}

/// Writes everything a command has to say on stderr: the report and, if it failed, the
/// errors. In JSON that is one document whatever happened, the errors being entries of
/// level `error`; in text the errors follow the report, each with its source line.
fn print_outcome(mut report: Report, errors: &[Diagnostic], format: ReportFormat) {
    report.sort();
    // Buffered: the text form is written a few words at a time, and stderr is unbuffered.
    let mut stderr = std::io::BufWriter::with_capacity(1 << 16, std::io::stderr().lock());
    let written = match format {
        ReportFormat::Text => report
            .write_text(&mut stderr)
            .and_then(|()| write_diagnostics(&mut stderr, errors)),
        ReportFormat::Json => {
            // In the order found: the first error is often the cause of the next.
            for error in errors {
                report.push_diagnostic(error);
            }
            report.write_json(&mut stderr)
        }
    };
    // As with `eprint!`, a closed stderr does not stop the command.
    let _ = written.and_then(|()| stderr.flush());
}

/// Prints what writing the translation to `dir` would change; true when anything would.
fn show_diff(dir: &std::path::Path, translation: &translate::Translation) -> Result<bool, Failure> {
    let existing = if dir.exists() {
        diff::read_directory(dir).map_err(Failure::Io)?
    } else {
        Vec::new()
    };
    let changes = diff::compare(existing, diff::rendered(&translation.manifests));
    let colour = std::io::stdout().is_terminal();
    write_stdout(&diff::render(&changes, colour))?;
    Ok(!changes.is_empty())
}

/// Like [`show_diff`], for files compared as text (a Helm chart, whose templates are not
/// YAML): the files compose2k8s wrote in `dir` (its index) against `files`.
fn show_text_tree_diff(dir: &std::path::Path, files: &[(String, String)]) -> Result<bool, Failure> {
    let text = crate::helm_cli::text_tree_diff(dir, files).map_err(Failure::Io)?;
    write_stdout(&text)?;
    Ok(!text.is_empty())
}

/// Like [`show_diff`], for a kustomize tree.
fn show_tree_diff(dir: &std::path::Path, files: &[(String, String)]) -> Result<bool, Failure> {
    let existing = if dir.exists() {
        diff::read_tree(dir).map_err(Failure::Io)?
    } else {
        Vec::new()
    };
    let rendered = diff::rendered_tree(files).map_err(Failure::Io)?;
    let changes = diff::compare(existing, rendered);
    let colour = std::io::stdout().is_terminal();
    write_stdout(&diff::render(&changes, colour))?;
    Ok(!changes.is_empty())
}

fn load_options(input: &InputArgs) -> Result<LoadOptions, Failure> {
    let current_dir = std::env::current_dir()
        .map_err(|e| Failure::Io(anyhow::anyhow!("cannot read the current directory: {e}")))?;
    Ok(LoadOptions {
        files: input.files.clone(),
        project_directory: input.project_directory.clone(),
        project_name: input.project_name.clone(),
        env_files: input.env_files.clone(),
        profiles: input.profiles.clone(),
        allowed_paths: input
            .allowed_paths
            .iter()
            .map(|dir| current_dir.join(dir))
            .collect(),
        current_dir,
        environment: std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
    })
}

pub(crate) fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Io(anyhow::anyhow!("cannot write to stdout: {e}"))),
    }
}

/// Writes diagnostics, each with its source line when the file can be read.
fn write_diagnostics(out: &mut impl Write, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    for diagnostic in diagnostics {
        let source = diagnostic
            .file
            .as_ref()
            .filter(|_| diagnostic.line > 0 && diagnostic.quote_source)
            .and_then(|f| crate::files::read_regular(f, compose::load::MAX_TEXT_BYTES).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok());
        writeln!(out, "{}", diagnostic.render(source.as_deref()))?;
    }
    Ok(())
}
