//! `env_file` and `label_file`: the variables a service reads from files. The files are
//! read here, in the load stage. Env files are kept apart, file by file, so that later
//! stages can tell the service's own `environment` from what its files provide (Compose
//! merges them with the service's own values winning; see [`merged_environment`]). Label
//! files are merged under the service's `labels` right away.

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::compose::dotenv;
use crate::compose::load::{read_env_files, read_text, refusal, Environment};
use crate::diagnostic::Diagnostic;
use crate::files::ReadScope;
use crate::value::{KeyPath, Kind, Map, Value};

/// One `env_file` entry in long form.
struct EnvFileEntry {
    path: PathBuf,
    required: bool,
}

/// The variables one env file gives a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileVariables {
    pub path: PathBuf,
    pub variables: Environment,
}

/// Each service's env files, read in order; by service name.
pub type ServiceEnvFiles = IndexMap<String, Vec<EnvFileVariables>>;

/// Reads every service's env files and merges its label files into its labels.
pub fn resolve_env_files(
    document: &mut Value,
    environment: &Environment,
    scope: &ReadScope,
) -> Result<ServiceEnvFiles, Vec<Diagnostic>> {
    let mut by_service = ServiceEnvFiles::new();
    let Some(services) = document.get_mut("services").and_then(Value::as_map_mut) else {
        return Ok(by_service);
    };
    let mut errors = Vec::new();
    for (name, service) in services.iter_mut() {
        let path = KeyPath::root().key("services").key(name);
        match resolve_service(service, environment, scope, &path) {
            Ok(files) if !files.is_empty() => {
                by_service.insert(name.clone(), files);
            }
            Ok(_) => {}
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(by_service)
    } else {
        Err(errors)
    }
}

/// A service's environment as the container sees it: its env files in order, then its own
/// `environment`, which wins (a variable it lists without a value included).
pub fn merged_environment(
    own: &IndexMap<String, Option<String>>,
    files: &[EnvFileVariables],
) -> IndexMap<String, Option<String>> {
    let mut merged: IndexMap<String, Option<String>> = IndexMap::new();
    for file in files {
        for (key, value) in &file.variables {
            merged.insert(key.clone(), Some(value.clone()));
        }
    }
    for (key, value) in own {
        merged.insert(key.clone(), value.clone());
    }
    merged
}

fn resolve_service(
    service: &mut Value,
    environment: &Environment,
    scope: &ReadScope,
    path: &KeyPath,
) -> Result<Vec<EnvFileVariables>, Diagnostic> {
    let mut env_file_variables = Vec::new();
    let Some(map) = service.as_map_mut() else {
        return Ok(env_file_variables);
    };
    if let Some(env_files) = map.get("env_file") {
        let entries = read_entries(env_files, &path.key("env_file"))?;
        let own = as_mapping(map.get("environment"));
        let mut files = Vec::new();
        for entry in entries {
            if let Some(message) = refusal(scope, &entry.path) {
                return Err(Diagnostic::error(message)
                    .at_span(&env_files.span)
                    .at_path(path.key("env_file")));
            }
            if entry.path.is_file() {
                files.push(entry.path);
            } else if entry.required {
                return Err(Diagnostic::error(format!(
                    "env file {} not found",
                    entry.path.display()
                ))
                .at_span(&env_files.span)
                .at_path(path.key("env_file")));
            }
        }
        let lookup_env = combined_lookup(environment, &own);
        env_file_variables = read_each_env_file(&files, &lookup_env, scope)?;
    }
    if let Some(label_files) = map.get("label_file") {
        let files = strings(label_files);
        let mut labels = Map::default();
        for file in files.iter().map(PathBuf::from) {
            if let Some(message) = refusal(scope, &file) {
                return Err(Diagnostic::error(message)
                    .at_span(&label_files.span)
                    .at_path(path.key("label_file")));
            }
            let content = read_text(&file, scope)?;
            let known: Environment = labels
                .iter()
                .filter_map(|(k, v): (&String, &Value)| Some((k.clone(), v.scalar_to_string()?)))
                .collect();
            let lookup = |name: &str| known.get(name).cloned();
            let parsed = dotenv::parse(&content, &lookup).map_err(|e| {
                Diagnostic::error(e.message.clone())
                    .in_file(&file)
                    .at_position(e.line as u32, 1)
                    .without_source_line()
            })?;
            for (key, value) in parsed {
                labels.insert(key, Value::string(value));
            }
        }
        for (key, value) in as_mapping(map.get("labels")) {
            labels.insert(key, value);
        }
        map.insert("labels".into(), Value::map(labels));
    }
    Ok(env_file_variables)
}

/// Reads env files one by one, each seeing the ones before it, and keeps what each file
/// itself sets.
fn read_each_env_file(
    files: &[PathBuf],
    environment: &Environment,
    scope: &ReadScope,
) -> Result<Vec<EnvFileVariables>, Diagnostic> {
    let mut read = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let cumulative = read_env_files(&files[..=i], environment, scope)?;
        let own_keys = read_env_files(std::slice::from_ref(file), environment, scope)?;
        let variables = own_keys
            .keys()
            .filter_map(|k| cumulative.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        read.push(EnvFileVariables {
            path: file.clone(),
            variables,
        });
    }
    Ok(read)
}

/// The project environment first, then the service's own values, for `${VAR}` in env files.
fn combined_lookup(environment: &Environment, own: &Map) -> Environment {
    let mut combined = environment.clone();
    for (key, value) in own {
        if let Some(text) = value.scalar_to_string() {
            combined.entry(key.clone()).or_insert(text);
        }
    }
    combined
}

/// `environment`/`labels` as a mapping: list entries `K=V` split, bare `K` null.
fn as_mapping(node: Option<&Value>) -> Map {
    let Some(node) = node else {
        return Map::default();
    };
    match &node.kind {
        Kind::Map(map) => map.as_ref().clone(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(|item| {
                let text = item.scalar_to_string()?;
                Some(match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Value::string(v).at(&item.span)),
                    None => (text, Value::null().at(&item.span)),
                })
            })
            .collect(),
        _ => Map::default(),
    }
}

fn strings(node: &Value) -> Vec<String> {
    match &node.kind {
        Kind::String(s) => vec![s.clone()],
        Kind::Seq(items) => items.iter().filter_map(Value::scalar_to_string).collect(),
        _ => Vec::new(),
    }
}

fn read_entries(node: &Value, path: &KeyPath) -> Result<Vec<EnvFileEntry>, Diagnostic> {
    let invalid = |message: &str, at: &Value| {
        Diagnostic::error(message.to_string())
            .at_span(&at.span)
            .at_path(path.clone())
    };
    let items: Vec<&Value> = match &node.kind {
        Kind::String(_) => vec![node],
        Kind::Seq(items) => items.iter().collect(),
        Kind::Null => Vec::new(),
        _ => return Err(invalid("expected a path or a list of paths", node)),
    };
    items
        .into_iter()
        .map(|item| match &item.kind {
            Kind::String(p) => Ok(EnvFileEntry {
                path: PathBuf::from(p),
                required: true,
            }),
            Kind::Map(map) => {
                let path = map
                    .get("path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("an env_file entry needs a `path`", item))?;
                let required = match map.get("required").map(|v| &v.kind) {
                    None => true,
                    Some(Kind::Bool(b)) => *b,
                    Some(Kind::String(s)) => crate::value::parse_bool(s).unwrap_or(true),
                    Some(_) => return Err(invalid("`required` must be a boolean", item)),
                };
                Ok(EnvFileEntry {
                    path: PathBuf::from(path),
                    required,
                })
            }
            _ => Err(invalid("expected a path or a mapping with `path`", item)),
        })
        .collect()
}
