//! Compose's override rules: how a later file (or an extending service) merges into what
//! came before, and how duplicate entries are then collapsed.
//!
//! The default is that mappings merge key by key, sequences append and scalars replace.
//! Some keys have their own rule, named by key path: `command`, `entrypoint` and
//! `healthcheck.test` replace; `environment`, `labels` and the like merge by key; ports,
//! volumes, secrets and configs are de-duplicated by what they mount or publish. A node
//! tagged `!reset` removes the inherited value, one tagged `!override` replaces it whole.

use crate::value::{Kind, Map, MergeTag, Value};

/// A key path pattern: `*` matches any one key.
type Pattern = &'static [&'static str];

#[derive(Clone, Copy)]
enum Rule {
    /// The later value replaces the earlier one.
    Replace,
    /// Both sides become `KEY=VALUE` sequences, appended (then de-duplicated by key).
    ToSequence,
    /// Like `ToSequence`, without repeating entries already present.
    ExtraHosts,
    /// Lists of names become mappings, then merge.
    ToMapping,
    /// `depends_on`: lists become mappings with the default condition, then merge.
    DependsOn,
    /// `build`: a string is the context.
    Build,
    /// `logging`: options merge only when both use the same driver.
    Logging,
    /// `ulimits.*`: a mapping merges, a number replaces.
    Ulimit,
}

const MERGE_RULES: &[(Pattern, Rule)] = &[
    (&["networks", "*", "labels"], Rule::ToSequence),
    (&["volumes", "*", "labels"], Rule::ToSequence),
    (&["services", "*", "annotations"], Rule::ToSequence),
    (&["services", "*", "build"], Rule::Build),
    (&["services", "*", "build", "args"], Rule::ToSequence),
    (
        &["services", "*", "build", "additional_contexts"],
        Rule::ToSequence,
    ),
    (&["services", "*", "build", "extra_hosts"], Rule::ExtraHosts),
    (&["services", "*", "build", "labels"], Rule::ToSequence),
    (&["services", "*", "command"], Rule::Replace),
    (&["services", "*", "depends_on"], Rule::DependsOn),
    (&["services", "*", "deploy", "labels"], Rule::ToSequence),
    (&["services", "*", "dns"], Rule::ToSequence),
    (&["services", "*", "dns_opt"], Rule::ToSequence),
    (&["services", "*", "dns_search"], Rule::ToSequence),
    (&["services", "*", "entrypoint"], Rule::Replace),
    (&["services", "*", "env_file"], Rule::ToSequence),
    (&["services", "*", "label_file"], Rule::ToSequence),
    (&["services", "*", "environment"], Rule::ToSequence),
    (&["services", "*", "extra_hosts"], Rule::ExtraHosts),
    (&["services", "*", "healthcheck", "test"], Rule::Replace),
    (&["services", "*", "labels"], Rule::ToSequence),
    (
        &["services", "*", "volumes", "*", "volume", "labels"],
        Rule::ToSequence,
    ),
    (&["services", "*", "logging"], Rule::Logging),
    (&["services", "*", "models"], Rule::ToMapping),
    (&["services", "*", "networks"], Rule::ToMapping),
    (&["services", "*", "sysctls"], Rule::ToSequence),
    (&["services", "*", "tmpfs"], Rule::ToSequence),
    (&["services", "*", "ulimits", "*"], Rule::Ulimit),
];

fn matches(pattern: Pattern, path: &[String]) -> bool {
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(path)
            .all(|(p, k)| *p == "*" || *p == k.as_str())
}

fn rule_for(path: &[String]) -> Option<Rule> {
    MERGE_RULES
        .iter()
        .find(|(pattern, _)| matches(pattern, path))
        .map(|(_, rule)| *rule)
}

/// Merges `over` into `base` at the document root (both whole compose documents).
pub fn merge_documents(base: Value, over: Value) -> Result<Value, String> {
    merge(base, over, &mut Vec::new())
}

/// Merges an extending service's own definition over the service it extends.
pub fn extend_service(base: Value, service: Value) -> Result<Value, String> {
    let mut path = vec!["services".to_string(), "x".to_string()];
    merge(base, service, &mut path)
}

fn merge(base: Value, over: Value, path: &mut Vec<String>) -> Result<Value, String> {
    match over.tag {
        Some(MergeTag::Override) => return Ok(strip_tags(over)),
        Some(MergeTag::Reset) => return Ok(Value::null()),
        None => {}
    }
    if let Some(rule) = rule_for(path) {
        return apply_rule(rule, base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    match (base.kind, over.kind) {
        (Kind::Map(base_map), Kind::Map(over_map)) => Ok(Value::new(
            Kind::Map(Box::new(merge_maps(*base_map, *over_map, path)?)),
            base.span,
        )),
        (Kind::Map(_), _) => Err(format!("cannot override {}", path.join("."))),
        (Kind::Seq(mut items), Kind::Seq(more)) => {
            items.extend(more.into_iter().filter(|v| v.tag != Some(MergeTag::Reset)));
            Ok(Value::new(Kind::Seq(items), base.span))
        }
        (Kind::Seq(_), _) => Err(format!("cannot override {}", path.join("."))),
        (_, kind) => Ok(strip_tags(Value {
            kind,
            span: over.span,
            tag: None,
        })),
    }
}

fn merge_maps(mut base: Map, over: Map, path: &mut Vec<String>) -> Result<Map, String> {
    for (key, value) in over {
        if value.tag == Some(MergeTag::Reset) {
            base.shift_remove(&key);
            continue;
        }
        match base.shift_remove_full(&key) {
            None => {
                base.insert(key, strip_tags(value));
            }
            Some((index, _, existing)) => {
                path.push(key.clone());
                let merged = merge(existing, value, path);
                path.pop();
                let (last, _) = base.insert_full(key, merged?);
                base.move_index(last, index);
            }
        }
    }
    Ok(base)
}

fn apply_rule(
    rule: Rule,
    base: Value,
    over: Value,
    path: &mut Vec<String>,
) -> Result<Value, String> {
    let span = base.span.clone();
    match rule {
        Rule::Replace => Ok(strip_tags(over)),
        Rule::ToSequence => {
            let mut items = into_sequence(base);
            items.extend(into_sequence(over));
            Ok(Value::new(Kind::Seq(items), span))
        }
        Rule::ExtraHosts => {
            let mut items = into_sequence(base);
            for item in into_sequence(over) {
                if !items.iter().any(|existing| existing.kind == item.kind) {
                    items.push(item);
                }
            }
            Ok(Value::new(Kind::Seq(items), span))
        }
        Rule::ToMapping => {
            let merged = merge_maps(into_mapping(base, None), into_mapping(over, None), path)?;
            Ok(Value::new(Kind::Map(Box::new(merged)), span))
        }
        Rule::DependsOn => {
            let default = depends_on_default();
            let merged = merge_maps(
                into_mapping(base, Some(&default)),
                into_mapping(over, Some(&default)),
                path,
            )?;
            Ok(Value::new(Kind::Map(Box::new(merged)), span))
        }
        Rule::Build => {
            let merged = merge_maps(build_mapping(base), build_mapping(over), path)?;
            Ok(Value::new(Kind::Map(Box::new(merged)), span))
        }
        Rule::Logging => {
            let same_driver = match (base.get("driver"), over.get("driver")) {
                (Some(a), Some(b)) => a.kind == b.kind,
                _ => true,
            };
            match (same_driver, base.kind, over.kind) {
                (true, Kind::Map(b), Kind::Map(o)) => Ok(Value::new(
                    Kind::Map(Box::new(merge_maps(*b, *o, path)?)),
                    span,
                )),
                (_, _, kind) => Ok(strip_tags(Value::new(kind, over.span))),
            }
        }
        Rule::Ulimit => match (base.kind, over.kind) {
            (Kind::Map(b), Kind::Map(o)) => Ok(Value::new(
                Kind::Map(Box::new(merge_maps(*b, *o, path)?)),
                span,
            )),
            (_, kind) => Ok(strip_tags(Value::new(kind, over.span))),
        },
    }
}

fn depends_on_default() -> Map {
    let mut default = Map::default();
    default.insert("condition".into(), Value::string("service_started"));
    default.insert("required".into(), Value::synthetic(Kind::Bool(true)));
    default
}

/// A mapping or list as `KEY=VALUE` entries (a key without value stays bare), as Compose
/// merges environment-like keys. Mapping entries are sorted, as Compose sorts them.
fn into_sequence(value: Value) -> Vec<Value> {
    match value.kind {
        Kind::Map(map) => {
            let mut items: Vec<Value> = Vec::new();
            for (key, entry) in *map {
                let span = entry.span.clone();
                match entry.kind {
                    Kind::Null => items.push(Value::string(key).at(&span)),
                    Kind::Seq(values) => {
                        for v in values {
                            let text = v.scalar_to_string().unwrap_or_default();
                            items.push(Value::string(format!("{key}={text}")).at(&v.span));
                        }
                    }
                    _ => {
                        let text = entry.scalar_to_string().unwrap_or_default();
                        items.push(Value::string(format!("{key}={text}")).at(&span));
                    }
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        Kind::Seq(items) => items,
        Kind::String(_) => vec![value],
        _ => Vec::new(),
    }
}

/// A list of names as a mapping (each name to `default`, or null), or the mapping itself.
fn into_mapping(value: Value, default: Option<&Map>) -> Map {
    match value.kind {
        Kind::Map(map) => *map,
        Kind::Seq(items) => items
            .into_iter()
            .filter_map(|item| {
                let name = item.scalar_to_string()?;
                let entry = match default {
                    Some(d) => Value::map(d.clone()),
                    None => Value::null(),
                };
                Some((name, entry))
            })
            .collect(),
        _ => Map::default(),
    }
}

fn build_mapping(value: Value) -> Map {
    match value.kind {
        Kind::String(context) => {
            let mut map = Map::default();
            map.insert("context".into(), Value::string(context).at(&value.span));
            map
        }
        Kind::Map(map) => *map,
        _ => Map::default(),
    }
}

/// Removes merge tags below a node that no earlier value needs them for: a `!reset` with
/// nothing to reset simply leaves the key out.
pub fn strip_tags(mut value: Value) -> Value {
    clear_tags(&mut value);
    value
}

/// [`strip_tags`] in place: the whole document passes through here on its first merge, so
/// no node is moved, and a collection is only filtered when it holds a `!reset`.
fn clear_tags(value: &mut Value) {
    value.tag = None;
    let is_reset = |v: &Value| v.tag == Some(MergeTag::Reset);
    match &mut value.kind {
        Kind::Map(map) => {
            if map.values().any(is_reset) {
                map.retain(|_, v| !is_reset(v));
            }
            map.values_mut().for_each(clear_tags);
        }
        Kind::Seq(items) => {
            if items.iter().any(is_reset) {
                items.retain(|v| !is_reset(v));
            }
            items.iter_mut().for_each(clear_tags);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;
    use serde_json::json;

    fn doc(source: &str) -> Value {
        yaml::parse(source, None).expect("yaml").remove(0)
    }

    fn check(base: &str, over: &str, expected: serde_json::Value) {
        let merged = merge_documents(strip_tags(doc(base)), doc(over)).expect("merge");
        assert_eq!(merged.to_json(), expected);
    }

    #[test]
    fn mappings_merge_and_scalars_replace() {
        check(
            "services: {web: {image: a, restart: always}}",
            "services: {web: {image: b}}",
            json!({"services": {"web": {"image": "b", "restart": "always"}}}),
        );
    }

    #[test]
    fn sequences_append() {
        check(
            "services: {web: {ports: ['80:80']}}",
            "services: {web: {ports: ['443:443']}}",
            json!({"services": {"web": {"ports": ["80:80", "443:443"]}}}),
        );
    }

    #[test]
    fn command_entrypoint_and_healthcheck_test_replace() {
        check(
            "services: {web: {command: [a, b], entrypoint: [x], healthcheck: {test: [CMD, a], retries: 3}}}",
            "services: {web: {command: [c], entrypoint: [y], healthcheck: {test: [CMD, b]}}}",
            json!({"services": {"web": {"command": ["c"], "entrypoint": ["y"], "healthcheck": {"test": ["CMD", "b"], "retries": 3}}}}),
        );
    }

    #[test]
    fn environment_merges_as_key_value_sequence() {
        check(
            "services: {web: {environment: {B: 1, A: x}}}",
            "services: {web: {environment: [C=3]}}",
            json!({"services": {"web": {"environment": ["A=x", "B=1", "C=3"]}}}),
        );
    }

    #[test]
    fn depends_on_lists_become_mappings() {
        check(
            "services: {web: {depends_on: [db]}}",
            "services: {web: {depends_on: {cache: {condition: service_healthy}}}}",
            json!({"services": {"web": {"depends_on": {
                "db": {"condition": "service_started", "required": true},
                "cache": {"condition": "service_healthy"}}}}}),
        );
    }

    #[test]
    fn build_string_is_the_context() {
        check(
            "services: {web: {build: ./app}}",
            "services: {web: {build: {target: prod}}}",
            json!({"services": {"web": {"build": {"context": "./app", "target": "prod"}}}}),
        );
    }

    #[test]
    fn reset_removes_and_override_replaces() {
        check(
            "services: {web: {ports: ['80:80'], environment: {A: 1}, image: a}}",
            "services: {web: {ports: !reset [], environment: !override {B: 2}}}",
            json!({"services": {"web": {"environment": {"B": 2}, "image": "a"}}}),
        );
    }

    #[test]
    fn logging_options_merge_only_for_the_same_driver() {
        check(
            "services: {web: {logging: {driver: json-file, options: {a: 1}}}}",
            "services: {web: {logging: {driver: syslog, options: {b: 2}}}}",
            json!({"services": {"web": {"logging": {"driver": "syslog", "options": {"b": 2}}}}}),
        );
    }

    #[test]
    fn extra_hosts_append_without_repeating() {
        check(
            "services: {web: {extra_hosts: ['a=1.1.1.1', 'b=2.2.2.2']}}",
            "services: {web: {extra_hosts: {b: 2.2.2.2, c: 3.3.3.3}}}",
            json!({"services": {"web": {"extra_hosts": ["a=1.1.1.1", "b=2.2.2.2", "c=3.3.3.3"]}}}),
        );
    }

    #[test]
    fn network_lists_become_mappings_and_merge() {
        check(
            "services: {web: {networks: [front]}}",
            "services: {web: {networks: {back: {aliases: [api]}}}}",
            json!({"services": {"web": {"networks": {"front": null, "back": {"aliases": ["api"]}}}}}),
        );
    }

    #[test]
    fn ulimits_merge_as_mappings_and_numbers_replace() {
        check(
            "services: {web: {ulimits: {nofile: {soft: 1, hard: 2}, nproc: 10}}}",
            "services: {web: {ulimits: {nofile: {hard: 4}, nproc: 20}}}",
            json!({"services": {"web": {"ulimits": {"nofile": {"soft": 1, "hard": 4}, "nproc": 20}}}}),
        );
    }

    #[test]
    fn labels_merge_by_key_whatever_their_syntax() {
        check(
            "services: {web: {labels: [a=1]}}",
            "services: {web: {labels: {a: 2}}}",
            json!({"services": {"web": {"labels": ["a=1", "a=2"]}}}),
        );
    }

    #[test]
    fn a_mapping_cannot_be_replaced_by_a_scalar() {
        let err = merge_documents(
            doc("services: {web: {build: {context: .}, deploy: {replicas: 1}}}"),
            doc("services: {web: {deploy: 3}}"),
        );
        assert_eq!(err.unwrap_err(), "cannot override services.web.deploy");
    }
}
