//! Compose's normalisation of the merged document, before it becomes typed: the project
//! name, the implicit `default` network, resource names prefixed with the project, build
//! defaults, environment variables without a value looked up in the environment, and the
//! dependencies that `links`, `network_mode: service:…` and `volumes_from` imply.

use crate::compose::load::Environment;
use crate::compose::model::clean_path;
use crate::value::{Kind, Map, Value};

/// Applies Compose's defaults to a merged document of project `name`.
pub fn normalize_document(document: &mut Value, name: &str, environment: &Environment) {
    let Some(root) = document.as_map_mut() else {
        return;
    };
    root.insert("name".to_string(), Value::string(name));
    normalize_networks(root);
    if let Some(services) = root.get_mut("services").and_then(Value::as_map_mut) {
        for service in services.values_mut() {
            if let Some(map) = service.as_map_mut() {
                normalize_service(map, environment);
            }
        }
    }
    set_names_from_keys(root, name);
}

fn normalize_service(service: &mut Map, environment: &Environment) {
    if service.get("pull_policy").and_then(Value::as_str) == Some("if_not_present") {
        service.insert("pull_policy".into(), Value::string("missing"));
    }
    if let Some(build) = service.get_mut("build") {
        normalize_build(build, environment);
    }
    if let Some(env) = service.get_mut("environment") {
        resolve_from_environment(env, environment, true);
    }
    add_implied_dependencies(service);
    clean_volume_targets(service);
}

/// Mount targets are clean paths (`/data/` is `/data`), as Compose normalises them.
fn clean_volume_targets(service: &mut Map) {
    let Some(volumes) = service.get_mut("volumes").and_then(Value::as_seq_mut) else {
        return;
    };
    for volume in volumes {
        if let Some(Kind::String(target)) = volume.get_mut("target").map(|t| &mut t.kind) {
            *target = clean_path(target);
        }
    }
}

fn normalize_build(build: &mut Value, environment: &Environment) {
    if let Kind::String(context) = &build.kind {
        let mut map = Map::default();
        map.insert(
            "context".into(),
            Value::string(context.clone()).at(&build.span),
        );
        build.kind = Kind::Map(Box::new(map));
    }
    let Some(map) = build.as_map_mut() else {
        return;
    };
    if map.get("context").is_none_or(Value::is_null) {
        map.insert("context".into(), Value::string("."));
    }
    let has_dockerfile = ["dockerfile", "dockerfile_inline"]
        .iter()
        .any(|k| map.get(*k).is_some_and(|v| !v.is_null()));
    if !has_dockerfile {
        map.insert("dockerfile".into(), Value::string("Dockerfile"));
    }
    if let Some(args) = map.get_mut("args") {
        resolve_from_environment(args, environment, false);
    }
}

/// Entries without a value take it from the environment; when it has none they stay
/// (null) for `environment`, and are dropped for build args.
fn resolve_from_environment(node: &mut Value, environment: &Environment, keep_unset: bool) {
    match &mut node.kind {
        Kind::Map(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let is_null = map.get(&key).is_some_and(Value::is_null);
                if !is_null {
                    continue;
                }
                match environment.get(&key) {
                    Some(value) => {
                        map.insert(key, Value::string(value.clone()));
                    }
                    None if keep_unset => {}
                    None => {
                        map.shift_remove(&key);
                    }
                }
            }
        }
        Kind::Seq(items) => {
            items.retain_mut(|item| {
                let Some(text) = item.as_str() else {
                    return true;
                };
                if text.contains('=') {
                    return true;
                }
                match environment.get(text) {
                    Some(value) => {
                        item.kind = Kind::String(format!("{text}={value}"));
                        true
                    }
                    None => keep_unset,
                }
            });
        }
        _ => {}
    }
}

/// `links`, `network_mode: service:x` (and ipc, pid, …) and `volumes_from` make the
/// service depend on the other one, as Compose starts them in that order.
fn add_implied_dependencies(service: &mut Map) {
    let mut implied: Vec<(String, bool)> = Vec::new();
    if let Some(links) = service.get("links").and_then(Value::as_seq) {
        for link in links.iter().filter_map(Value::as_str) {
            let name = link.split(':').next().unwrap_or(link);
            implied.push((name.to_string(), true));
        }
    }
    for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(shared) = service
            .get(namespace)
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("service:"))
        {
            implied.push((shared.to_string(), true));
        }
    }
    if let Some(volumes_from) = service.get("volumes_from").and_then(Value::as_seq) {
        for source in volumes_from.iter().filter_map(Value::as_str) {
            if !source.starts_with("container:") {
                let name = source.split(':').next().unwrap_or(source);
                implied.push((name.to_string(), false));
            }
        }
    }
    if implied.is_empty() {
        return;
    }
    let depends_on = service
        .entry("depends_on".to_string())
        .or_insert_with(|| Value::map(Map::default()));
    if let Kind::Seq(names) = &depends_on.kind {
        let as_map: Map = names
            .iter()
            .filter_map(Value::scalar_to_string)
            .map(|n| (n, dependency("service_started", false, true)))
            .collect();
        depends_on.kind = Kind::Map(Box::new(as_map));
    }
    if depends_on.is_null() {
        depends_on.kind = Kind::Map(Box::default());
    }
    if let Some(map) = depends_on.as_map_mut() {
        for (name, restart) in implied {
            map.entry(name)
                .or_insert_with(|| dependency("service_started", restart, true));
        }
    }
}

fn dependency(condition: &str, restart: bool, required: bool) -> Value {
    let mut map = Map::default();
    map.insert("condition".into(), Value::string(condition));
    if restart {
        map.insert("restart".into(), Value::synthetic(Kind::Bool(true)));
    }
    map.insert("required".into(), Value::synthetic(Kind::Bool(required)));
    Value::map(map)
}

/// Services without `networks` (and not sharing another's network) join `default`, which
/// then exists even when not declared.
fn normalize_networks(root: &mut Map) {
    let mut uses_default = false;
    if let Some(services) = root.get_mut("services").and_then(Value::as_map_mut) {
        for service in services.values_mut() {
            let Some(map) = service.as_map_mut() else {
                continue;
            };
            if map.contains_key("provider") || map.contains_key("network_mode") {
                continue;
            }
            let networks = map.get("networks");
            let empty = match networks.map(|n| &n.kind) {
                None | Some(Kind::Null) => true,
                Some(Kind::Map(m)) => m.is_empty(),
                Some(Kind::Seq(s)) => s.is_empty(),
                Some(_) => false,
            };
            if empty {
                let default = Map::from_iter([("default".to_string(), Value::null())]);
                map.insert("networks".into(), Value::map(default));
                uses_default = true;
            } else if networks.is_some_and(|n| names_network(n, "default")) {
                uses_default = true;
            }
        }
    }
    if !uses_default {
        return;
    }
    let networks = root
        .entry("networks".to_string())
        .or_insert_with(|| Value::map(Map::default()));
    if networks.is_null() {
        *networks = Value::map(Map::default());
    }
    if let Some(map) = networks.as_map_mut() {
        map.entry("default".to_string()).or_insert_with(Value::null);
    }
}

fn names_network(networks: &Value, name: &str) -> bool {
    match &networks.kind {
        Kind::Map(m) => m.contains_key(name),
        Kind::Seq(items) => items.iter().any(|i| i.as_str() == Some(name)),
        _ => false,
    }
}

/// Volumes, networks, secrets and configs are named `<project>_<key>` unless they set a
/// `name` or are external (then the key is the name).
fn set_names_from_keys(root: &mut Map, project: &str) {
    for section in ["networks", "volumes", "secrets", "configs"] {
        let Some(entries) = root.get_mut(section).and_then(Value::as_map_mut) else {
            continue;
        };
        for (key, entry) in entries.iter_mut() {
            if entry.is_null() {
                *entry = Value::map(Map::default());
            }
            let Some(map) = entry.as_map_mut() else {
                continue;
            };
            if map.get("name").is_some_and(|n| !n.is_null()) {
                continue;
            }
            let external = map.get("external");
            let legacy_name = external
                .and_then(|e| e.get("name"))
                .and_then(Value::scalar_to_string);
            let name = match (legacy_name, external.is_some_and(is_true)) {
                // The obsolete `external: {name: x}` names the resource.
                (Some(legacy), _) => legacy,
                (None, true) => key.clone(),
                (None, false) => format!("{project}_{key}"),
            };
            map.insert("name".into(), Value::string(name));
        }
    }
}

fn is_true(value: &Value) -> bool {
    match &value.kind {
        Kind::Bool(b) => *b,
        Kind::String(s) => crate::value::parse_bool(s).unwrap_or(false),
        Kind::Map(_) => true,
        _ => false,
    }
}

/// A project name as Compose accepts it: lower case letters, digits, `-` and `_`, starting
/// with a letter or digit. Other characters are dropped.
pub fn normalize_project_name(name: &str) -> String {
    let lowered: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    lowered
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;
    use serde_json::json;

    fn normalized(source: &str, env: &[(&str, &str)]) -> serde_json::Value {
        let mut doc = yaml::parse(source, None).unwrap().remove(0);
        let environment: Environment = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        normalize_document(&mut doc, "proj", &environment);
        doc.to_json()
    }

    #[test]
    fn services_join_the_default_network() {
        assert_eq!(
            normalized("services: {web: {image: a}}", &[]),
            json!({"services": {"web": {"image": "a", "networks": {"default": null}}},
                   "name": "proj", "networks": {"default": {"name": "proj_default"}}})
        );
    }

    #[test]
    fn environment_without_value_is_looked_up() {
        let out = normalized(
            "services: {web: {image: a, network_mode: host, environment: [A, B, C=1]}}",
            &[("A", "x")],
        );
        assert_eq!(
            out["services"]["web"]["environment"],
            json!(["A=x", "B", "C=1"])
        );
    }

    #[test]
    fn external_resources_keep_their_key_as_name() {
        let out = normalized(
            "volumes: {data: {}, ext: {external: true}, named: {name: n}}",
            &[],
        );
        assert_eq!(
            out["volumes"],
            json!({"data": {"name": "proj_data"}, "ext": {"external": true, "name": "ext"}, "named": {"name": "n"}})
        );
    }

    #[test]
    fn links_imply_dependencies() {
        let out = normalized(
            "services: {web: {image: a, links: ['db:database']}, db: {image: b}}",
            &[],
        );
        assert_eq!(
            out["services"]["web"]["depends_on"],
            json!({"db": {"condition": "service_started", "restart": true, "required": true}})
        );
    }

    #[test]
    fn project_names_are_normalised_like_compose() {
        assert_eq!(normalize_project_name("My.App_1"), "myapp_1");
        assert_eq!(normalize_project_name("_x"), "x");
    }
}
