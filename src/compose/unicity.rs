//! After a merge, entries that name the same thing collapse into one, the later winning in
//! the earlier one's place: an environment variable set twice, a port published twice, two
//! mounts at one target. This is Compose's de-duplication, keyed per list by key path.

use std::collections::HashMap;

use crate::compose::model::parse_short_volume;
use crate::value::{Kind, Value};

#[derive(Clone, Copy)]
enum Indexer {
    /// `KEY=VALUE` entries by `KEY`.
    KeyValue,
    /// Mounts by target path (short or long syntax).
    Volume,
    /// Devices by container path.
    Device,
    /// Plain entries by their text.
    Plain,
    /// Secrets and configs by target, defaulting under a directory.
    Mount(&'static str),
    /// Ports by `host_ip:published:target/protocol`.
    Port,
    /// Env files by path.
    EnvFile,
}

type Pattern = &'static [&'static str];

const UNIQUE: &[(Pattern, Indexer)] = &[
    (&["networks", "*", "labels"], Indexer::KeyValue),
    (&["networks", "*", "ipam", "options"], Indexer::KeyValue),
    (&["services", "*", "annotations"], Indexer::KeyValue),
    (&["services", "*", "build", "args"], Indexer::KeyValue),
    (
        &["services", "*", "build", "additional_contexts"],
        Indexer::KeyValue,
    ),
    (&["services", "*", "build", "platforms"], Indexer::KeyValue),
    (&["services", "*", "build", "tags"], Indexer::KeyValue),
    (&["services", "*", "build", "labels"], Indexer::KeyValue),
    (&["services", "*", "cap_add"], Indexer::KeyValue),
    (&["services", "*", "cap_drop"], Indexer::KeyValue),
    (&["services", "*", "configs"], Indexer::Mount("")),
    (&["services", "*", "deploy", "labels"], Indexer::KeyValue),
    (&["services", "*", "dns"], Indexer::KeyValue),
    (&["services", "*", "dns_opt"], Indexer::KeyValue),
    (&["services", "*", "dns_search"], Indexer::KeyValue),
    (&["services", "*", "environment"], Indexer::KeyValue),
    (&["services", "*", "env_file"], Indexer::EnvFile),
    (&["services", "*", "expose"], Indexer::Plain),
    (&["services", "*", "labels"], Indexer::KeyValue),
    (&["services", "*", "links"], Indexer::KeyValue),
    (
        &["services", "*", "networks", "*", "aliases"],
        Indexer::KeyValue,
    ),
    (
        &["services", "*", "networks", "*", "link_local_ips"],
        Indexer::KeyValue,
    ),
    (&["services", "*", "ports"], Indexer::Port),
    (&["services", "*", "profiles"], Indexer::KeyValue),
    (
        &["services", "*", "secrets"],
        Indexer::Mount("/run/secrets"),
    ),
    (&["services", "*", "sysctls"], Indexer::KeyValue),
    (&["services", "*", "tmpfs"], Indexer::KeyValue),
    (&["services", "*", "volumes"], Indexer::Volume),
    (&["services", "*", "devices"], Indexer::Device),
];

/// Collapses duplicate entries everywhere in a compose document.
pub fn enforce_unicity(value: &mut Value) {
    walk(value, &mut Vec::new());
}

/// `path` borrows the keys it passes through: the walk visits every key of the upper
/// levels, and a copy of each was a good part of its cost.
fn walk<'a>(value: &'a mut Value, path: &mut Vec<&'a str>) {
    match &mut value.kind {
        Kind::Map(map) => {
            for (key, entry) in map.iter_mut() {
                path.push(key);
                // Only the lists the patterns name are deduplicated: a subtree no pattern
                // reaches into (a service's environment values, its healthcheck) is skipped.
                if leads_to_a_pattern(path) {
                    walk(entry, path);
                }
                path.pop();
            }
        }
        // A list of one entry has nothing to collapse.
        Kind::Seq(items) if items.len() > 1 => {
            if let Some(indexer) = indexer_for(path) {
                let taken = std::mem::take(items);
                *items = dedupe(taken, indexer);
            }
        }
        _ => {}
    }
}

/// Whether some pattern starts with `path` (or is `path`).
fn leads_to_a_pattern(path: &[&str]) -> bool {
    UNIQUE
        .iter()
        .any(|(pattern, _)| pattern.len() >= path.len() && starts_with(pattern, path))
}

fn indexer_for(path: &[&str]) -> Option<Indexer> {
    UNIQUE
        .iter()
        .find(|(pattern, _)| pattern.len() == path.len() && starts_with(pattern, path))
        .map(|(_, indexer)| *indexer)
}

/// Whether `path` matches the start of `pattern`, where `*` matches any key.
fn starts_with(pattern: Pattern, path: &[&str]) -> bool {
    pattern.iter().zip(path).all(|(p, k)| *p == "*" || p == k)
}

fn dedupe(items: Vec<Value>, indexer: Indexer) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items {
        let Some(key) = key_of(&item, indexer) else {
            out.push(item);
            continue;
        };
        match seen.get(&key) {
            Some(&at) => out[at] = item,
            None => {
                seen.insert(key, out.len());
                out.push(item);
            }
        }
    }
    out
}

fn key_of(item: &Value, indexer: Indexer) -> Option<String> {
    match indexer {
        Indexer::KeyValue => {
            let text = item.scalar_to_string()?;
            Some(match text.split_once('=') {
                Some((key, _)) => key.to_string(),
                None => text,
            })
        }
        Indexer::Plain => item.scalar_to_string(),
        Indexer::Volume => match &item.kind {
            Kind::Map(_) => item.get("target").and_then(Value::scalar_to_string),
            Kind::String(s) => Some(short_volume_target(s)),
            _ => None,
        },
        Indexer::Device => match &item.kind {
            Kind::Map(_) => item.get("target").and_then(Value::scalar_to_string),
            Kind::String(s) => {
                let mut parts = s.split(':');
                let first = parts.next().unwrap_or_default();
                Some(parts.next().unwrap_or(first).to_string())
            }
            _ => None,
        },
        Indexer::Mount(dir) => match &item.kind {
            Kind::String(s) => Some(format!("{dir}/{s}")),
            Kind::Map(_) => match item.get("target").and_then(Value::scalar_to_string) {
                Some(target) => Some(target),
                None => {
                    let source = item.get("source").and_then(Value::scalar_to_string);
                    Some(format!("{dir}/{}", source.unwrap_or_default()))
                }
            },
            _ => None,
        },
        Indexer::Port => match &item.kind {
            Kind::Map(_) => {
                let field = |name: &str, default: &str| {
                    item.get(name)
                        .and_then(Value::scalar_to_string)
                        .unwrap_or_else(|| default.to_string())
                };
                Some(format!(
                    "{}:{}:{}/{}",
                    field("host_ip", "0.0.0.0"),
                    field("published", ""),
                    field("target", ""),
                    field("protocol", "tcp")
                ))
            }
            _ => item.scalar_to_string(),
        },
        Indexer::EnvFile => match &item.kind {
            Kind::Map(_) => item.get("path").and_then(Value::scalar_to_string),
            _ => item.scalar_to_string(),
        },
    }
}

/// The container path of a short-syntax volume `[source:]target[:mode]`.
fn short_volume_target(spec: &str) -> String {
    parse_short_volume(spec)
        .map(|v| v.target)
        .unwrap_or_else(|_| spec.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;
    use serde_json::json;

    fn check(source: &str, expected: serde_json::Value) {
        let mut doc = yaml::parse(source, None).expect("yaml").remove(0);
        enforce_unicity(&mut doc);
        assert_eq!(doc.to_json(), expected);
    }

    #[test]
    fn the_later_entry_wins_in_the_earlier_place() {
        check(
            "services: {web: {environment: [A=1, B=2, A=3]}}",
            json!({"services": {"web": {"environment": ["A=3", "B=2"]}}}),
        );
    }

    #[test]
    fn volumes_collapse_by_target() {
        check(
            "services: {web: {volumes: ['./a:/data', {type: volume, source: v, target: /data}, '/other']}}",
            json!({"services": {"web": {"volumes": [{"type": "volume", "source": "v", "target": "/data"}, "/other"]}}}),
        );
    }

    #[test]
    fn ports_collapse_by_address_and_protocol() {
        check(
            "services: {web: {ports: [{target: 80, published: '8080'}, {target: 80, published: '8080', host_ip: 0.0.0.0}, {target: 80, published: '8080', protocol: udp}]}}",
            json!({"services": {"web": {"ports": [
                {"target": 80, "published": "8080", "host_ip": "0.0.0.0"},
                {"target": 80, "published": "8080", "protocol": "udp"}]}}}),
        );
    }

    #[test]
    fn secrets_collapse_by_target() {
        check(
            "services: {web: {secrets: [a, {source: a, target: /run/secrets/a}]}}",
            json!({"services": {"web": {"secrets": [{"source": "a", "target": "/run/secrets/a"}]}}}),
        );
    }
}
