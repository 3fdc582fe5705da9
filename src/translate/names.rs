//! Kubernetes names and labels. Every object name is the DNS-1123 form of its compose
//! source, and the same form is used for a Service, its workload, their selector and every
//! reference to them, so they always agree (unlike `front_end` vs `front-end`).

use std::collections::BTreeMap;

use indexmap::IndexMap;

use crate::compose::model::Project;
use crate::diagnostic::Diagnostic;
use crate::value::KeyPath;

/// The longest DNS-1123 label.
pub const MAX_NAME: usize = 63;

/// The DNS-1123 label form of a compose name: lower case, `_` and `.` (and any other
/// character a label cannot hold) become `-`, no `-` at either end, at most 63 characters.
pub fn dns_label(source: &str) -> String {
    let mapped: String = source
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    let mut name: String = trimmed.chars().take(MAX_NAME).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        name.push('x');
    }
    name
}

/// A name built from parts (`web`, `env`, `app.env` → `web-env-app-env`), as a label.
pub fn joined(parts: &[&str]) -> String {
    dns_label(&parts.join("-"))
}

/// Reports compose names that become the same Kubernetes name: each pair is an error that
/// names both sources. Services, volumes, configs and secrets are checked within their kind.
pub fn check_collisions(project: &Project) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let sections: [(&str, Vec<&String>); 4] = [
        ("services", project.services.keys().collect()),
        ("volumes", project.volumes.keys().collect()),
        ("configs", project.configs.keys().collect()),
        ("secrets", project.secrets.keys().collect()),
    ];
    for (section, names) in sections {
        let mut seen: IndexMap<String, &String> = IndexMap::new();
        for name in names {
            let label = dns_label(name);
            match seen.get(&label) {
                Some(first) => errors.push(
                    Diagnostic::error(format!(
                        "`{section}.{first}` and `{section}.{name}` both become the Kubernetes \
                         name `{label}`; rename one of them"
                    ))
                    .at_path(KeyPath::root().key(section).key(name)),
                ),
                None => {
                    seen.insert(label, name);
                }
            }
        }
    }
    errors
}

/// Kubernetes' qualified name: an optional DNS subdomain prefix and `/`, then a name.
pub fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let name_ok = (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|prefix| {
        (1..=253).contains(&prefix.len())
            && prefix.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    name_ok && prefix_ok
}

/// The labels on every object of a service: name, part-of and managed-by.
pub fn labels(project: &str, service: &str) -> BTreeMap<String, String> {
    let mut labels = selector(project, service);
    labels.insert(
        "app.kubernetes.io/managed-by".to_string(),
        "compose2k8s".to_string(),
    );
    labels
}

/// The labels on project-level objects (claims, config maps shared by services).
pub fn project_labels(project: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/part-of".to_string(), dns_label(project)),
        (
            "app.kubernetes.io/managed-by".to_string(),
            "compose2k8s".to_string(),
        ),
    ])
}

/// What a Service and a workload select a service's pods by: name and part-of.
pub fn selector(project: &str, service: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), dns_label(service)),
        ("app.kubernetes.io/part-of".to_string(), dns_label(project)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(dns_label("front_end"), "front-end");
        assert_eq!(dns_label("My.Service"), "my-service");
        assert_eq!(dns_label("_x_"), "x");
        assert_eq!(dns_label(&"a".repeat(70)).len(), 63);
        assert_eq!(dns_label(&format!("{}_b", "a".repeat(62))), "a".repeat(62));
    }
}
