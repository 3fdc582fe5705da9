//! `include`: another compose project loaded on its own — its own project directory, its
//! own `.env` — whose services, volumes, networks, secrets, configs and models join this
//! one. A resource defined both by an included file and by the including file (or by two
//! included files) is refused unless both definitions are the same, as Compose refuses it:
//! an included project is used as it is, not as a base to override. Include cycles are
//! refused.

use std::path::{Path, PathBuf};

use crate::compose::load::{refusal, with_env_files, FileContext, Loader};
use crate::compose::paths;
use crate::diagnostic::Diagnostic;
use crate::value::{KeyPath, Kind, Map, Value};

const RESOURCES: [&str; 6] = [
    "services", "volumes", "networks", "secrets", "configs", "models",
];

/// The deepest nesting of included files: each level is a level of recursion in the
/// loader, and real projects nest a few levels at most.
const MAX_DEPTH: usize = 100;

/// One `include` entry in long form.
struct IncludeEntry {
    paths: Vec<String>,
    project_directory: Option<String>,
    env_files: Vec<String>,
}

/// Loads every `include` of `document` and imports its resources; removes `include`.
/// `chain` lists the files being loaded, outermost first.
pub fn apply_include(
    loader: &mut Loader,
    document: &mut Value,
    context: &FileContext,
    chain: &[PathBuf],
) -> Result<(), Vec<Diagnostic>> {
    let Some(include) = document
        .as_map_mut()
        .and_then(|m| m.shift_remove("include"))
    else {
        return Ok(());
    };
    let entries = read_entries(&include).map_err(|d| vec![d])?;
    for (index, entry) in entries.iter().enumerate() {
        let at = KeyPath::root().key("include").index(index);
        let imported = load_entry(loader, entry, context, chain, &include, &at)?;
        import_resources(document, imported, &include, &at).map_err(|d| vec![d])?;
    }
    Ok(())
}

fn load_entry(
    loader: &mut Loader,
    entry: &IncludeEntry,
    context: &FileContext,
    chain: &[PathBuf],
    include: &Value,
    at: &KeyPath,
) -> Result<Value, Vec<Diagnostic>> {
    let error = |message: String| {
        vec![Diagnostic::error(message)
            .at_span(&include.span)
            .at_path(at.clone())]
    };
    let files: Vec<PathBuf> = entry
        .paths
        .iter()
        .map(|p| PathBuf::from(paths::absolute(p, &context.working_dir, None)))
        .collect();
    let Some(main) = files.first() else {
        return Err(error("`path` is required".to_string()));
    };
    if chain.contains(main) {
        let mut names: Vec<String> = chain.iter().map(|f| f.display().to_string()).collect();
        names.push(main.display().to_string());
        return Err(error(format!(
            "include cycle detected: {}",
            names.join(" includes ")
        )));
    }
    if chain.len() >= MAX_DEPTH {
        return Err(error(format!(
            "includes nest more than {MAX_DEPTH} files deep"
        )));
    }
    if let Some(message) = files.iter().find_map(|f| refusal(&loader.scope, f)) {
        return Err(error(message));
    }
    let project_dir = match &entry.project_directory {
        Some(dir) => PathBuf::from(paths::absolute(dir, &context.working_dir, None)),
        None => main.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let env_files: Vec<PathBuf> = if entry.env_files.is_empty() {
        let default = project_dir.join(".env");
        if default.is_file() {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        entry
            .env_files
            .iter()
            .filter(|f| f.as_str() != "/dev/null")
            .map(|f| PathBuf::from(paths::absolute(f, &context.working_dir, None)))
            .collect()
    };
    let environment =
        with_env_files(&context.environment, &env_files, &loader.scope).map_err(|d| vec![d])?;
    let included_context = FileContext {
        working_dir: project_dir.clone(),
        environment,
    };
    let mut imported = loader.load_files(&files, &included_context, chain)?;
    let home = context.environment.get("HOME").map(PathBuf::from);
    paths::resolve_relative_paths(&mut imported, &project_dir, home.as_deref());
    Ok(imported)
}

fn read_entries(include: &Value) -> Result<Vec<IncludeEntry>, Diagnostic> {
    let path = KeyPath::root().key("include");
    let Some(items) = include.as_seq() else {
        return Err(
            Diagnostic::error(format!("expected a list, found {}", include.type_name()))
                .at_span(&include.span)
                .at_path(path),
        );
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| read_entry(item, &path.index(i)))
        .collect()
}

fn read_entry(item: &Value, path: &KeyPath) -> Result<IncludeEntry, Diagnostic> {
    let invalid = |message: String| {
        Diagnostic::error(message)
            .at_span(&item.span)
            .at_path(path.clone())
    };
    match &item.kind {
        Kind::String(p) => Ok(IncludeEntry {
            paths: vec![p.clone()],
            project_directory: None,
            env_files: Vec::new(),
        }),
        Kind::Map(map) => {
            for key in map.keys() {
                if !["path", "project_directory", "env_file"].contains(&key.as_str()) {
                    return Err(invalid(format!(
                        "unknown key `{key}`, expected one of `path`, `project_directory`, `env_file`"
                    )));
                }
            }
            let strings = |key: &str| -> Result<Vec<String>, Diagnostic> {
                match map.get(key).map(|v| &v.kind) {
                    None | Some(Kind::Null) => Ok(Vec::new()),
                    Some(Kind::String(s)) => Ok(vec![s.clone()]),
                    Some(Kind::Seq(items)) => items
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .map(String::from)
                                .ok_or_else(|| invalid(format!("`{key}` must list strings")))
                        })
                        .collect(),
                    Some(_) => Err(invalid(format!(
                        "`{key}` must be a string or a list of strings"
                    ))),
                }
            };
            let project_directory = match map.get("project_directory") {
                None => None,
                Some(v) => Some(
                    v.as_str()
                        .ok_or_else(|| invalid("`project_directory` must be a string".to_string()))?
                        .to_string(),
                ),
            };
            Ok(IncludeEntry {
                paths: strings("path")?,
                project_directory,
                env_files: strings("env_file")?,
            })
        }
        _ => Err(invalid(format!(
            "expected a path or a mapping with `path`, found {}",
            item.type_name()
        ))),
    }
}

/// Adds the included project's resources. One this document already has is accepted only
/// when the two definitions are the same: Compose's loader (compose-go, `importResources`)
/// refuses any other with "<section>.<name> conflicts with imported resource", and that
/// comparison is of the included definition with its paths resolved, as here. Override
/// files given with `-f` are unaffected: each file's includes are resolved before the files
/// are merged.
fn import_resources(
    document: &mut Value,
    imported: Value,
    include: &Value,
    at: &KeyPath,
) -> Result<(), Diagnostic> {
    let Some(target) = document.as_map_mut() else {
        return Ok(());
    };
    let Kind::Map(mut imported) = imported.kind else {
        return Ok(());
    };
    for section in RESOURCES {
        let Some(Value {
            kind: Kind::Map(resources),
            ..
        }) = imported.shift_remove(section)
        else {
            continue;
        };
        let entry = target
            .entry(section.to_string())
            .or_insert_with(|| Value::map(Map::default()));
        if entry.is_null() {
            *entry = Value::map(Map::default());
        }
        let Some(existing) = entry.as_map_mut() else {
            return Err(Diagnostic::error(format!("`{section}` must be a mapping"))
                .at_span(&include.span)
                .at_path(at.clone()));
        };
        for (name, resource) in *resources {
            match existing.get(&name) {
                None => {
                    existing.insert(name, resource);
                }
                Some(local) if local.same_content(&resource) => {}
                Some(local) => return Err(conflict(section, &name, local, &resource)),
            }
        }
    }
    Ok(())
}

/// The refusal of a resource defined twice, differently, at the definition already there.
fn conflict(section: &str, name: &str, local: &Value, imported: &Value) -> Diagnostic {
    let span = &imported.span;
    let other = match &span.file {
        Some(file) if span.line > 0 => {
            format!("{}:{}:{}", file.display(), span.line, span.column)
        }
        Some(file) => file.display().to_string(),
        None => "the included file".to_string(),
    };
    Diagnostic::error(format!(
        "{section}.{name} conflicts with imported resource: {other} defines it differently, and \
         Compose accepts a resource defined twice only when both definitions are the same"
    ))
    .at_span(&local.span)
    .at_path(KeyPath::root().key(section).key(name))
}
