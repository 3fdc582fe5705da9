//! The merged document becomes the typed [`Project`]. Type and value errors name the key
//! path and point at the source position of the offending value. To report every
//! independent problem in one run, a failing document is parsed again one top-level
//! section and one service at a time, and each part again without the key at fault until
//! it parses (`imag:` and `prots:` in one service are two errors of one run).

use serde::Deserialize as _;

use crate::compose::model::{Mapping, Project};
use crate::diagnostic::Diagnostic;
use crate::value::{KeyPath, Map, PathSegment, Value};

/// Parses the document; on failure, one diagnostic per key at fault.
pub fn parse_project(document: &Value) -> Result<Project, Vec<Diagnostic>> {
    match parse_one(document) {
        Ok(project) => Ok(project),
        Err((first, _)) => {
            let mut all = parse_parts(document);
            if all.is_empty() {
                all.push(first);
            }
            Err(all)
        }
    }
}

/// Brings a project parsed before the checks up to date with the document after them,
/// without parsing it all again: the checks only remove services (inactive profiles) and
/// unused top-level resources, and merge label files into `labels`.
pub fn follow_document(project: &mut Project, document: &Value) -> Result<(), Vec<Diagnostic>> {
    let section = |name: &str| document.get(name).and_then(Value::as_map);
    let kept = |name: &str, key: &String| section(name).is_some_and(|m| m.contains_key(key));
    project.services.retain(|name, _| kept("services", name));
    project.networks.retain(|name, _| kept("networks", name));
    project.volumes.retain(|name, _| kept("volumes", name));
    project.secrets.retain(|name, _| kept("secrets", name));
    project.configs.retain(|name, _| kept("configs", name));
    project.models.retain(|name, _| kept("models", name));
    let mut errors = Vec::new();
    for (name, service) in project.services.iter_mut() {
        if service.label_file.is_empty() {
            continue;
        }
        let path = KeyPath::root().key("services").key(name).key("labels");
        let labels = section("services")
            .and_then(|services| services.get(name))
            .and_then(|service| service.get("labels"));
        let Some(labels) = labels else {
            continue;
        };
        match Mapping::deserialize(labels) {
            Ok(parsed) => service.labels = parsed,
            Err(error) => errors.push(
                Diagnostic::error(error.0)
                    .at_span(&labels.span)
                    .at_path(path),
            ),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The project, or the first problem and the path of the key at fault (for an unknown
/// key, the key itself).
fn parse_one(document: &Value) -> Result<Project, (Diagnostic, KeyPath)> {
    // Tracking the key path slows every parse down, and only a message needs it.
    if let Ok(project) = Project::deserialize(document) {
        return Ok(project);
    }
    serde_path_to_error::deserialize(document).map_err(|error| {
        let path = KeyPath::root().join_serde(error.path());
        // An unknown key is shown where it is written, not where its mapping starts.
        let at_fault = match unknown_key(&error.inner().0) {
            Some(key) => path.key(key),
            None => path.clone(),
        };
        let diagnostic = Diagnostic::error(friendly_message(&error.inner().0))
            .at_span(&document.locate(&at_fault.0).span)
            .at_path(path);
        (diagnostic, at_fault)
    })
}

/// The key of serde's "unknown field `key`, expected …" message.
fn unknown_key(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(key, _)| key)
}

/// Parses each service and each other top-level key alone, collecting their errors.
fn parse_parts(document: &Value) -> Vec<Diagnostic> {
    let Some(root) = document.as_map() else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for (key, value) in root {
        let parts: Vec<Value> = match (key.as_str(), value.as_map()) {
            ("services", Some(services)) => services
                .iter()
                .map(|(name, service)| {
                    let only = Map::from_iter([(name.clone(), service.clone())]);
                    Value::map(Map::from_iter([(key.clone(), Value::map(only))]))
                })
                .collect(),
            _ => vec![Value::map(Map::from_iter([(key.clone(), value.clone())]))],
        };
        // What is set aside after an error: a service's key (`services.web.ports`), or an
        // entry of another section (`volumes.data`).
        let depth = if key == "services" { 3 } else { 2 };
        for part in parts {
            errors.extend(part_errors(part, depth));
        }
    }
    errors
}

/// Every problem of one part: after each, the key at fault (cut to `depth` keys) is
/// removed and the part parsed again. Positions come from the part, which shares the
/// document's spans. Each round removes a key, so the rounds are at most the part's keys.
fn part_errors(mut part: Value, depth: usize) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    while let Err((diagnostic, at_fault)) = parse_one(&part) {
        errors.push(diagnostic);
        if !remove(&mut part, &at_fault.0[..depth.min(at_fault.0.len())], depth) {
            break;
        }
    }
    // Found in the order the fields are read; shown in the order they are written.
    errors.sort_by_key(|d| (d.line, d.column));
    errors
}

/// Removes the node at `path` if `path` has `depth` keys and leads to it.
fn remove(node: &mut Value, path: &[PathSegment], depth: usize) -> bool {
    let [parents @ .., PathSegment::Key(last)] = path else {
        return false;
    };
    if path.len() != depth {
        return false;
    }
    let mut map = node.as_map_mut();
    for segment in parents {
        let PathSegment::Key(key) = segment else {
            return false;
        };
        map = map.and_then(|m| m.get_mut(key)).and_then(Value::as_map_mut);
    }
    map.is_some_and(|m| m.shift_remove(last).is_some())
}

/// Serde's wording made into the project's: "unknown field" is an unknown key, and a
/// near miss gets a suggestion instead of the list of every valid key.
fn friendly_message(message: &str) -> String {
    let Some(key) = unknown_key(message) else {
        return message.to_string();
    };
    let expected = &message["unknown field `".len() + key.len() + 1..];
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::diagnostic::nearest(key, candidates, 2) {
        Some(suggestion) => format!("unknown key `{key}`; did you mean `{suggestion}`?"),
        None => format!("unknown key `{key}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_become_unknown_keys_with_a_suggestion() {
        assert_eq!(
            friendly_message("unknown field `imgae`, expected one of `image`, `build`"),
            "unknown key `imgae`; did you mean `image`?"
        );
        assert_eq!(
            friendly_message("unknown field `zzz`, expected one of `image`, `build`"),
            "unknown key `zzz`"
        );
    }
}
