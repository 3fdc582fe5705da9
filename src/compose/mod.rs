//! The compose loader: files → resolved, typed project, in Compose's order.
//!
//! load (files, discovery, `.env`, YAML) → interpolate (per file) → include → extends →
//! merge (override rules) → env files → normalize (defaults) → parse (typed model) → check
//! (profiles, references).

pub(crate) mod check;
pub(crate) mod dotenv;
pub mod env_file;
pub(crate) mod extends;
pub mod host_files;
pub(crate) mod include;
pub(crate) mod interpolate;
pub mod load;
pub(crate) mod merge;
pub mod model;
pub(crate) mod normalize;
pub(crate) mod parse;
pub(crate) mod paths;
pub(crate) mod unicity;

use crate::diagnostic::Diagnostic;
use load::LoadOptions;
use model::Project;

/// A resolved project and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct LoadedProject {
    pub project: Project,
    /// What each service's env files set, file by file (the project keeps only the paths).
    pub env_files: env_file::ServiceEnvFiles,
    /// The interpolation environment (process environment and `.env`).
    pub environment: load::Environment,
    /// The compose files that made the project, in order.
    pub files: Vec<std::path::PathBuf>,
    pub warnings: Vec<Diagnostic>,
    /// The resolved document the project was parsed from, with source positions: checks
    /// after loading find the file, line and column of a key path here.
    pub document: crate::value::Value,
    /// Where the project's files may be read from: host files too.
    pub scope: crate::files::ReadScope,
}

impl LoadedProject {
    /// Points diagnostics that know only their key path at the source of that key.
    pub fn locate(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let located = diagnostics
            .into_iter()
            .map(|d| match d.file {
                None if !d.path.is_root() => {
                    let span = self.document.locate(&d.path.0).span.clone();
                    d.at_span(&span)
                }
                _ => d,
            })
            .collect();
        quote_only_from(&self.files, located)
    }
}

/// Loads a project exactly as Docker Compose resolves it. On failure, every problem found.
pub fn load_project(options: &LoadOptions) -> Result<LoadedProject, Vec<Diagnostic>> {
    let loaded = load::load_document(options).and_then(resolve_project);
    loaded.map_err(|errors| {
        let files = load::config_files(options).unwrap_or_default();
        quote_only_from(&files, errors)
    })
}

/// Source lines are shown only from the compose files the user named (or that were found
/// for them). A file reached through `include` or `extends` may be any file of the tree, a
/// file of secrets that CI wrote among them, and a CI log is public: its diagnostics give
/// the line and column, not the line.
fn quote_only_from(files: &[std::path::PathBuf], diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .map(|d| match &d.file {
            Some(file) if !files.contains(file) => d.without_source_line(),
            _ => d,
        })
        .collect()
}

/// [`load_project`] for one compose file whose text is in memory (see
/// [`load::load_document_from_text`]); the fuzz targets load through it.
pub fn load_project_from_text(
    text: &str,
    file: &std::path::Path,
    options: &LoadOptions,
) -> Result<LoadedProject, Vec<Diagnostic>> {
    resolve_project(load::load_document_from_text(text, file, options)?)
}

/// The stages after the merge: name, normalize, parse, check, env files.
fn resolve_project(mut loaded: load::LoadedDocument) -> Result<LoadedProject, Vec<Diagnostic>> {
    let name = project_name(&loaded).map_err(|d| vec![d])?;
    normalize::normalize_document(&mut loaded.document, &name, &loaded.environment);
    // The whole document is validated before profiles set services aside, as Compose does.
    let mut project = parse::parse_project(&loaded.document)?;
    check::check_document(&mut loaded.document, &loaded.profiles)?;
    let env_files =
        env_file::resolve_env_files(&mut loaded.document, &loaded.environment, &loaded.scope)?;
    parse::follow_document(&mut project, &loaded.document)?;
    dedupe_expanded_entries(&mut project);
    Ok(LoadedProject {
        project,
        env_files,
        environment: loaded.environment,
        files: loaded.files,
        warnings: loaded.warnings,
        document: loaded.document,
        scope: loaded.scope,
    })
}

/// The project as `docker compose config --format json` prints it: env files and label
/// files merged into `environment` and `labels` (so not shown themselves), and a literal
/// `$` written `$$` so that the output loads again as the same project.
pub fn config_json(loaded: &LoadedProject) -> serde_json::Value {
    let mut project = loaded.project.clone();
    for (name, service) in project.services.iter_mut() {
        let files = loaded.env_files.get(name).map(Vec::as_slice).unwrap_or(&[]);
        service.environment.0 = env_file::merged_environment(&service.environment.0, files);
        service.env_file.clear();
        service.label_file.0.clear();
    }
    let mut json = serde_json::to_value(&project).unwrap_or(serde_json::Value::Null);
    escape_dollars(&mut json);
    json
}

/// The text of `config --format json`: escaped as Go's encoding/json escapes it (`<`, `>`,
/// `&`, U+2028 and U+2029 as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`), so that it
/// is Compose's output byte for byte. Those characters occur only inside strings in JSON
/// text, so escaping the whole text escapes exactly them.
pub fn config_json_text(json: &serde_json::Value) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(json)?;
    let mut escaped = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            c => escaped.push(c),
        }
    }
    escaped.push('\n');
    Ok(escaped)
}

fn escape_dollars(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(escape_dollars),
        serde_json::Value::Object(map) => map.values_mut().for_each(escape_dollars),
        _ => {}
    }
}

/// Port ranges expand to one entry per port only when parsed, so two entries that publish
/// the same port (`"3000"` and `"3000-3005"`) collapse here, the later winning, as Compose
/// collapses them after its own expansion. Mounts likewise, by target.
fn dedupe_expanded_entries(project: &mut Project) {
    for service in project.services.values_mut() {
        service.ports = keep_last_in_place(std::mem::take(&mut service.ports), |port| {
            format!(
                "{}:{:?}:{}/{:?}",
                port.host_ip.as_deref().unwrap_or("0.0.0.0"),
                port.published,
                port.target,
                port.protocol
            )
        });
        service.volumes = keep_last_in_place(std::mem::take(&mut service.volumes), |volume| {
            volume.target.clone()
        });
    }
}

/// De-duplicates by key: a later entry replaces the earlier one in the earlier one's place.
fn keep_last_in_place<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashMap::new();
    for item in items {
        let k = key(&item);
        match seen.get(&k) {
            Some(&at) => out[at] = item,
            None => {
                seen.insert(k, out.len());
                out.push(item);
            }
        }
    }
    out
}

/// `-p`, `COMPOSE_PROJECT_NAME`, the top-level `name`, then the project directory's name.
/// A name the user gave must already be valid; the directory's name is normalised.
fn project_name(loaded: &load::LoadedDocument) -> Result<String, Diagnostic> {
    let declared = loaded
        .document
        .get("name")
        .and_then(|n| n.scalar_to_string())
        .filter(|n| !n.is_empty());
    match loaded.project_name.clone().or(declared) {
        Some(name) if normalize::normalize_project_name(&name) == name => Ok(name),
        Some(name) => Err(Diagnostic::error(format!(
            "invalid project name {name:?}: must consist only of lowercase alphanumeric \
             characters, hyphens, and underscores as well as start with a letter or number"
        ))),
        None => {
            let directory = loaded
                .working_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(normalize::normalize_project_name(&directory))
        }
    }
}
