//! Reading a compose project: which files, which environment, and the per-file steps in
//! Compose's order — YAML, interpolation, `include`, `extends` — then the merge of all files
//! into one document. All file reading of the loader happens here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use crate::compose::{dotenv, extends, include, interpolate, merge, paths, unicity};
use crate::diagnostic::Diagnostic;
use crate::files::{ReadError, ReadScope};
use crate::translate::Code;
use crate::value::{KeyPath, Kind, Map, PathCrumb, Value};
use crate::yaml;

/// Variables for interpolation: the process environment plus `.env`/`--env-file`.
pub type Environment = IndexMap<String, String>;

/// The names Compose looks for, in order, when no file is given.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// What the user asked for on the command line, plus the process's own context.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub project_name: Option<String>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// The directory relative paths on the command line are relative to.
    pub current_dir: PathBuf,
    /// The process environment.
    pub environment: Environment,
    /// Directories outside the project's tree that files may name (`--allow-path`).
    pub allowed_paths: Vec<PathBuf>,
    /// The text of standard input, when `files` names it (`-f -`): read by the caller, once,
    /// with [`read_stdin`].
    pub stdin: Option<String>,
}

/// The `-f` argument that means standard input, as in `docker compose -f -`.
pub const STDIN_ARGUMENT: &str = "-";

/// How standard input is named once read: in the loaded files and in diagnostics. It is
/// not a path on disk; for its relative references it sits in the project directory.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether a loaded file is standard input.
pub fn is_stdin(file: &Path) -> bool {
    file == Path::new(STDIN_NAME)
}

/// A project's files merged into one document, with the context needed to finish it.
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    pub files: Vec<PathBuf>,
    pub working_dir: PathBuf,
    pub environment: Environment,
    pub profiles: Vec<String>,
    pub project_name: Option<String>,
    pub document: Value,
    pub warnings: Vec<Diagnostic>,
    /// Where the files of the project may be read from.
    pub scope: ReadScope,
}

/// Reads and merges the project's files. Errors carry every problem found.
pub fn load_document(options: &LoadOptions) -> Result<LoadedDocument, Vec<Diagnostic>> {
    let files = config_files(options).map_err(|d| vec![d])?;
    // As Compose: standard input has no directory, so the first file that has one names
    // the project directory, else the current directory does.
    let working_dir = match &options.project_directory {
        Some(dir) => paths::clean(&options.current_dir.join(dir)),
        None => files
            .iter()
            .find(|f| !is_stdin(f))
            .and_then(|f| f.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| options.current_dir.clone()),
    };
    let on_disk = files.iter().filter(|f| !is_stdin(f));
    let scope = ReadScope::new(&working_dir, &options.allowed_paths)
        .with_files(on_disk.chain(&named_env_files(options)));
    let environment = project_environment(options, &working_dir, &scope).map_err(|d| vec![d])?;
    let mut loader = Loader::new(scope);
    let context = FileContext {
        working_dir: working_dir.clone(),
        environment: environment.clone(),
    };
    let mut document = Value::map(Map::default());
    // Standard input is read once: as in Compose, a second `-f -` finds it at its end.
    let mut stdin = Some(options.stdin.as_deref());
    for file in &files {
        let read;
        let text = if is_stdin(file) {
            match stdin.take() {
                Some(Some(text)) => text,
                Some(None) => return Err(vec![Diagnostic::error("standard input was not read")]),
                None => "",
            }
        } else {
            read = read_text(file, &loader.scope).map_err(|d| vec![d])?;
            read.as_str()
        };
        document = loader.load_source(text, file, &context, &[], document)?;
    }
    finish_document(document, files, context, loader, options)
}

/// Like [`load_document`] for one compose file whose text is already in memory: nothing is
/// read for the file itself and no `.env` is read (`options.environment` is the whole
/// environment); what the file refers to (`include`, `extends`, env files) is still read
/// from disk. `file` names the text in diagnostics and anchors its relative paths.
pub fn load_document_from_text(
    text: &str,
    file: &Path,
    options: &LoadOptions,
) -> Result<LoadedDocument, Vec<Diagnostic>> {
    let file = paths::clean(&options.current_dir.join(file));
    let working_dir = match &options.project_directory {
        Some(dir) => paths::clean(&options.current_dir.join(dir)),
        None => file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| options.current_dir.clone()),
    };
    let mut loader = Loader::new(ReadScope::new(&working_dir, &options.allowed_paths));
    let context = FileContext {
        working_dir,
        environment: options.environment.clone(),
    };
    let document = loader.load_source(text, &file, &context, &[], Value::map(Map::default()))?;
    finish_document(document, vec![file], context, loader, options)
}

/// What follows the merge of the files: the empty-project check, relative paths, profiles
/// and the project name from the environment.
fn finish_document(
    mut document: Value,
    files: Vec<PathBuf>,
    context: FileContext,
    loader: Loader,
    options: &LoadOptions,
) -> Result<LoadedDocument, Vec<Diagnostic>> {
    let FileContext {
        working_dir,
        environment,
    } = context;
    if document.as_map().is_none_or(Map::is_empty) {
        let file = files.first().cloned().unwrap_or_default();
        return Err(vec![Diagnostic::error("empty compose file").in_file(&file)]);
    }
    paths::resolve_relative_paths(&mut document, &working_dir, home(&environment).as_deref());
    let profiles = if options.profiles.is_empty() {
        environment
            .get("COMPOSE_PROFILES")
            .map(|p| split_list(p, ','))
            .unwrap_or_default()
    } else {
        options.profiles.clone()
    };
    let project_name = options
        .project_name
        .clone()
        .or_else(|| non_empty(environment.get("COMPOSE_PROJECT_NAME")));
    Ok(LoadedDocument {
        files,
        working_dir,
        environment,
        profiles,
        project_name,
        document,
        warnings: loader.warnings,
        scope: loader.scope,
    })
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.is_empty()).cloned()
}

fn split_list(value: &str, separator: char) -> Vec<String> {
    value
        .split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn home(environment: &Environment) -> Option<PathBuf> {
    environment.get("HOME").map(PathBuf::from)
}

/// `-f` files (`-` being standard input, named [`STDIN_NAME`]), else `COMPOSE_FILE`, else
/// the default names found in the current directory or the nearest parent that has one
/// (with its `.override` file).
pub(crate) fn config_files(options: &LoadOptions) -> Result<Vec<PathBuf>, Diagnostic> {
    let absolute = |f: &Path| paths::clean(&options.current_dir.join(f));
    if !options.files.is_empty() {
        return Ok(options
            .files
            .iter()
            .map(|f| {
                if f.as_os_str() == STDIN_ARGUMENT {
                    PathBuf::from(STDIN_NAME)
                } else {
                    absolute(f)
                }
            })
            .collect());
    }
    if let Some(list) = non_empty(options.environment.get("COMPOSE_FILE")) {
        let separator = options
            .environment
            .get("COMPOSE_PATH_SEPARATOR")
            .and_then(|s| s.chars().next())
            .unwrap_or(':');
        return Ok(split_list(&list, separator)
            .iter()
            .map(|f| absolute(Path::new(f)))
            .collect());
    }
    let start = match &options.project_directory {
        Some(dir) => absolute(dir),
        None => options.current_dir.clone(),
    };
    discover(&start).ok_or_else(|| {
        Diagnostic::error(format!(
            "no configuration file provided: none of {} found in {} or its parents",
            DEFAULT_FILES.join(", "),
            start.display()
        ))
    })
}

fn discover(start: &Path) -> Option<Vec<PathBuf>> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        for name in DEFAULT_FILES {
            let candidate = current.join(name);
            if candidate.is_file() {
                let mut files = vec![candidate];
                let (stem, extension) = name.rsplit_once('.').unwrap_or((name, "yaml"));
                for ext in [extension, if extension == "yaml" { "yml" } else { "yaml" }] {
                    let over = current.join(format!("{stem}.override.{ext}"));
                    if over.is_file() {
                        files.push(over);
                        break;
                    }
                }
                return Some(files);
            }
        }
        dir = current.parent();
    }
    None
}

/// The `--env-file` files, absolute.
fn named_env_files(options: &LoadOptions) -> Vec<PathBuf> {
    options
        .env_files
        .iter()
        .map(|f| paths::clean(&options.current_dir.join(f)))
        .collect()
}

/// The process environment, completed (never overridden) by `--env-file` or the project's
/// `.env`.
fn project_environment(
    options: &LoadOptions,
    working_dir: &Path,
    scope: &ReadScope,
) -> Result<Environment, Diagnostic> {
    let env_files: Vec<PathBuf> = if options.env_files.is_empty() {
        let default = working_dir.join(".env");
        if default.is_file() {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        named_env_files(options)
    };
    with_env_files(&options.environment, &env_files, scope)
}

/// `environment` completed by the variables of `files`: a later file overrides an earlier
/// one, and the environment itself wins over both.
pub fn with_env_files(
    environment: &Environment,
    files: &[PathBuf],
    scope: &ReadScope,
) -> Result<Environment, Diagnostic> {
    let from_files = read_env_files(files, environment, scope)?;
    let mut combined = environment.clone();
    for (key, value) in from_files {
        combined.entry(key).or_insert(value);
    }
    Ok(combined)
}

/// Reads env files into one map, as Compose does: `${VAR}` in a file sees the environment
/// first, then the variables of the files before it and its own earlier lines.
pub fn read_env_files(
    files: &[PathBuf],
    environment: &Environment,
    scope: &ReadScope,
) -> Result<Environment, Diagnostic> {
    let lookup = |name: &str| environment.get(name).cloned();
    let mut variables = Environment::new();
    for file in files {
        let content = read_text(file, scope)?;
        dotenv::parse_into(&content, &lookup, &mut variables).map_err(|e| {
            Diagnostic::error(e.message.clone())
                .in_file(file)
                .at_position(e.line as u32, 1)
                .without_source_line()
        })?;
    }
    Ok(variables)
}

/// The largest compose or env file read. The benchmark's 10,000-service project is about
/// 8 MiB; the bound keeps `-f /dev/zero` (or an env file pointing at a device) from
/// reading forever.
pub const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// Reads standard input as UTF-8 text, at most [`MAX_TEXT_BYTES`] of it (`-f -`).
pub fn read_stdin(input: impl std::io::Read) -> Result<String, Diagnostic> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let stdin = Path::new(STDIN_NAME);
    input
        .take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Diagnostic::error(format!("cannot read standard input: {e}")).in_file(stdin)
        })?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        let error = ReadError::TooLarge(MAX_TEXT_BYTES);
        return Err(
            Diagnostic::error(format!("the input is {error}; refusing to read it")).in_file(stdin),
        );
    }
    utf8_text(bytes, stdin)
}

/// Reads a file as UTF-8 text, with a message that names it: only a regular file the run
/// may read (see [`ReadScope`]), of at most [`MAX_TEXT_BYTES`].
pub fn read_text(file: &Path, scope: &ReadScope) -> Result<String, Diagnostic> {
    let bytes = scope.read(file, MAX_TEXT_BYTES).map_err(|e| {
        let message = match e {
            ReadError::TooLarge(_) => format!("the file is {e}; refusing to read it"),
            ReadError::Outside { .. } | ReadError::Kernel(_) => format!("not read: {e}"),
            _ => format!("cannot read file: {e}"),
        };
        Diagnostic::error(message).in_file(file)
    })?;
    utf8_text(bytes, file)
}

fn utf8_text(bytes: Vec<u8>, file: &Path) -> Result<String, Diagnostic> {
    let what = if is_stdin(file) { "input" } else { "file" };
    String::from_utf8(bytes).map_err(|e| {
        Diagnostic::error(format!(
            "the {what} is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
        .in_file(file)
    })
}

/// Why `file`, named by a compose file, is not read: it is outside the directories the run
/// may read, or under /proc, /sys or /dev. `None` when it may be read or does not exist
/// (reading it then says so). For a message at the key that names the file.
pub fn refusal(scope: &ReadScope, file: &Path) -> Option<String> {
    match scope.locate(file) {
        Err(e @ (ReadError::Outside { .. } | ReadError::Kernel(_))) => {
            Some(format!("not read: {e}"))
        }
        _ => None,
    }
}

/// Where a file's relative references point and which variables it sees.
#[derive(Debug, Clone)]
pub struct FileContext {
    pub working_dir: PathBuf,
    pub environment: Environment,
}

pub struct Loader {
    pub warnings: Vec<Diagnostic>,
    warned_variables: HashSet<String>,
    /// Where files may be read from.
    pub scope: ReadScope,
}

impl Loader {
    pub fn new(scope: ReadScope) -> Self {
        Loader {
            warnings: Vec::new(),
            warned_variables: HashSet::new(),
            scope,
        }
    }

    /// Loads files in order, each merged over the ones before it.
    pub fn load_files(
        &mut self,
        files: &[PathBuf],
        context: &FileContext,
        included: &[PathBuf],
    ) -> Result<Value, Vec<Diagnostic>> {
        let mut merged = Value::map(Map::default());
        for file in files {
            let source = read_text(file, &self.scope).map_err(|d| vec![d])?;
            merged = self.load_source(&source, file, context, included, merged)?;
        }
        Ok(merged)
    }

    /// Parses, interpolates and resolves the documents of one file's text (`source`), each
    /// merged over `merged`.
    pub fn load_source(
        &mut self,
        source: &str,
        file: &Path,
        context: &FileContext,
        included: &[PathBuf],
        mut merged: Value,
    ) -> Result<Value, Vec<Diagnostic>> {
        for document in self.parse_documents(source, file, context)? {
            let document = self.process_document(document, file, context, included)?;
            merged = merge::merge_documents(merged, document)
                .map_err(|m| vec![Diagnostic::error(m).in_file(file)])?;
            unicity::enforce_unicity(&mut merged);
        }
        Ok(merged)
    }

    /// Parses and interpolates one file, checking that each document is a mapping.
    pub fn read_documents(
        &mut self,
        file: &Path,
        context: &FileContext,
    ) -> Result<Vec<Value>, Vec<Diagnostic>> {
        let source = read_text(file, &self.scope).map_err(|d| vec![d])?;
        self.parse_documents(&source, file, context)
    }

    /// [`Loader::read_documents`] for text already read.
    fn parse_documents(
        &mut self,
        source: &str,
        file: &Path,
        context: &FileContext,
    ) -> Result<Vec<Value>, Vec<Diagnostic>> {
        let shared: Arc<Path> = Arc::from(file);
        let documents = yaml::parse(source, Some(shared)).map_err(|e| {
            vec![Diagnostic::error(e.message)
                .in_file(file)
                .at_position(e.line, e.column)]
        })?;
        let mut out = Vec::new();
        for mut document in documents {
            if document.is_null() {
                continue;
            }
            if document.as_map().is_none() {
                return Err(vec![Diagnostic::error(format!(
                    "the top level must be a mapping of compose keys, found {}",
                    document.type_name()
                ))
                .at_span(&document.span)]);
            }
            self.interpolate(&mut document, &context.environment)?;
            if let Some(version) = document
                .as_map_mut()
                .and_then(|m| m.shift_remove("version"))
            {
                self.warnings.push(
                    Diagnostic::warning(
                        Code::ObsoleteVersion,
                        "the attribute `version` is obsolete, it will be ignored; remove it to avoid confusion",
                    )
                    .at_span(&version.span)
                    .at_path(KeyPath::root().key("version")),
                );
            }
            out.push(document);
        }
        Ok(out)
    }

    fn process_document(
        &mut self,
        mut document: Value,
        file: &Path,
        context: &FileContext,
        included: &[PathBuf],
    ) -> Result<Value, Vec<Diagnostic>> {
        let mut chain = included.to_vec();
        chain.push(file.to_path_buf());
        include::apply_include(self, &mut document, context, &chain)?;
        extends::apply_extends(self, &mut document, file, context)?;
        Ok(document)
    }

    /// Substitutes variables in every string of the document (keys stay as written).
    fn interpolate(
        &mut self,
        document: &mut Value,
        environment: &Environment,
    ) -> Result<(), Vec<Diagnostic>> {
        let lookup = |name: &str| environment.get(name).cloned();
        let mut errors = Vec::new();
        let mut unset = Vec::new();
        let root = KeyPath::root();
        interpolate_node(
            document,
            &PathCrumb::Start(&root),
            &lookup,
            &mut errors,
            &mut unset,
        );
        for (name, span, key_path) in unset {
            if self.warned_variables.insert(name.clone()) {
                self.warnings.push(
                    Diagnostic::warning(
                        Code::UnsetVariable,
                        format!("the {name:?} variable is not set, defaulting to a blank string"),
                    )
                    .at_span(&span)
                    .at_path(key_path),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn interpolate_node(
    node: &mut Value,
    path: &PathCrumb<'_>,
    lookup: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<Diagnostic>,
    unset: &mut Vec<(String, crate::value::Span, KeyPath)>,
) {
    match &mut node.kind {
        Kind::String(text) => {
            if !text.contains('$') {
                return;
            }
            match interpolate::substitute(text, lookup) {
                Ok(done) => {
                    *text = done.value;
                    let key_path = path.to_path();
                    unset.extend(
                        done.unset
                            .into_iter()
                            .map(|n| (n, node.span.clone(), key_path.clone())),
                    );
                }
                Err(e) => errors.push(
                    Diagnostic::error(e.to_string())
                        .at_span(&node.span)
                        .at_path(path.to_path()),
                ),
            }
        }
        Kind::Map(map) => {
            for (key, value) in map.iter_mut() {
                interpolate_node(value, &PathCrumb::Key(path, key), lookup, errors, unset);
            }
        }
        Kind::Seq(items) => {
            for (i, value) in items.iter_mut().enumerate() {
                interpolate_node(value, &PathCrumb::Index(path, i), lookup, errors, unset);
            }
        }
        _ => {}
    }
}
