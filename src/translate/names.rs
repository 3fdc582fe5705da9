//! Kubernetes names and labels. Every object name is the DNS-1123 form of its compose
//! source, and the same form is used for a Service, its workload, their selector and every
//! reference to them, so they always agree (unlike `front_end` vs `front-end`).

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::compose::model::Project;
use crate::diagnostic::Diagnostic;
use crate::value::KeyPath;

/// The longest DNS-1123 label.
pub const MAX_NAME: usize = 63;

/// The DNS-1123 label form of a compose name: lower case, `_` and `.` (and any other
/// character a label cannot hold) become `-`, no `-` at either end, at most 63 characters.
pub fn dns_label(source: &str) -> String {
    // Most names are labels already; they are copied without the three passes below.
    if is_dns_label(source) {
        return source.to_string();
    }
    let mapped: String = source
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    // Runs of separators collapse (`app.env` in `web-env-.env` gives `web-env-env`).
    let mut collapsed = String::with_capacity(mapped.len());
    for c in mapped.chars() {
        if !(c == '-' && collapsed.ends_with('-')) {
            collapsed.push(c);
        }
    }
    let trimmed = collapsed.trim_matches('-');
    let mut name: String = trimmed.chars().take(MAX_NAME).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        name.push('x');
    }
    name
}

/// Whether `text` is a DNS-1123 label as [`dns_label`] writes one: what it returns
/// unchanged.
fn is_dns_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_NAME
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
}

/// A name built from parts (`web`, `env`, `app.env` → `web-env-app-env`), as a label.
pub fn joined(parts: &[&str]) -> String {
    dns_label(&parts.join("-"))
}

/// Reports compose names that become the same Kubernetes name: each pair is an error that
/// names both sources. Services, volumes, configs and secrets are checked within their kind;
/// network aliases and container names against the Services of services and other aliases.
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
    if errors.is_empty() {
        // Aliases are compared with the services' names, which must be apart first.
        errors.extend(super::alias::check_collisions(project));
    }
    errors
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

/// Hands out names that no earlier call handed out: generated names (a ConfigMap per bind
/// mount, per env file, …) are built from several sources and may meet after shortening.
#[derive(Debug, Clone, Default)]
pub struct UniqueNames {
    taken: BTreeSet<String>,
}

impl UniqueNames {
    /// `base` (a DNS label) if it is free, else the first free `base-2`, `base-3`, ….
    pub fn claim(&mut self, base: &str) -> String {
        let name = unique(base, MAX_NAME, |candidate| self.taken.contains(candidate));
        self.taken.insert(name.clone());
        name
    }
}

/// `base` unless `is_taken` says so, else the first of `base-2`, `base-3`, … it accepts; every
/// candidate is at most `max_len` characters, the base shortened to make room for the suffix.
pub fn unique(base: &str, max_len: usize, is_taken: impl Fn(&str) -> bool) -> String {
    let fits = shorten(base, max_len);
    if !is_taken(&fits) {
        return fits;
    }
    let mut n = 2u32;
    loop {
        let suffix = format!("-{n}");
        let candidate = format!(
            "{}{suffix}",
            shorten(base, max_len.saturating_sub(suffix.len()))
        );
        if !is_taken(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// The first `max_len` characters of a label, without a `-` at the end.
fn shorten(label: &str, max_len: usize) -> String {
    let mut short: String = label.chars().take(max_len).collect();
    while short.ends_with('-') {
        short.pop();
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(dns_label("front_end"), "front-end");
        assert_eq!(dns_label("My.Service"), "my-service");
        assert_eq!(dns_label("_x_"), "x");
        assert_eq!(dns_label("minio-env-.env"), "minio-env-env");
        assert_eq!(dns_label(&"a".repeat(70)).len(), 63);
        assert_eq!(dns_label(&format!("{}_b", "a".repeat(62))), "a".repeat(62));
        assert_eq!(dns_label("a--b"), "a-b");
        assert_eq!(dns_label("-web-"), "web");
        for label in ["web", "svc-00042", "a", &"z".repeat(63)] {
            assert_eq!(dns_label(label), label);
        }
    }

    #[test]
    fn unique_names_get_a_number_that_fits() {
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("web-env"), "web-env");
        assert_eq!(names.claim("web-env"), "web-env-2");
        assert_eq!(names.claim("web-env"), "web-env-3");
        let long = "a".repeat(63);
        assert_eq!(names.claim(&long), long);
        assert_eq!(names.claim(&long), format!("{}-2", "a".repeat(61)));
        assert_eq!(unique("tcp-80", 15, |n| n == "tcp-80"), "tcp-80-2");
    }
}
