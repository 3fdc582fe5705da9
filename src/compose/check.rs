//! Project-level rules that no single key can check: which services the active profiles
//! enable, references between services and to volumes, networks, secrets and configs,
//! dependency cycles, and the resources no enabled service uses (dropped, as Compose drops
//! them). Every violation is reported, each at the key that makes it.

use std::collections::{HashMap, HashSet};

use crate::compose::model::{parse_short_volume, MountKind};
use crate::diagnostic::Diagnostic;
use crate::value::{KeyPath, Kind, Value};

/// Keeps the services the profiles enable, checks the project, drops unused resources.
pub fn check_document(document: &mut Value, profiles: &[String]) -> Result<(), Vec<Diagnostic>> {
    let disabled = apply_profiles(document, profiles);
    let errors = consistency_errors(document, &disabled);
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(cycle) = dependency_cycle(document) {
        return Err(vec![cycle_error(document, &cycle)]);
    }
    drop_unused_resources(document);
    Ok(())
}

fn services(document: &Value) -> impl Iterator<Item = (&String, &Value)> {
    document
        .get("services")
        .and_then(Value::as_map)
        .into_iter()
        .flat_map(|m| m.iter())
}

/// Removes services whose profiles are all inactive; returns their names. A service
/// without profiles is always enabled; `*` enables every profile.
fn apply_profiles(document: &mut Value, profiles: &[String]) -> HashSet<String> {
    let all = profiles.iter().any(|p| p == "*");
    let mut disabled = HashSet::new();
    if let Some(services) = document.get_mut("services").and_then(Value::as_map_mut) {
        services.retain(|name, service| {
            let own = strings(service.get("profiles"));
            let enabled = own.is_empty() || all || own.iter().any(|p| profiles.contains(p));
            if !enabled {
                disabled.insert(name.clone());
            }
            enabled
        });
    }
    disabled
}

fn consistency_errors(document: &Value, disabled: &HashSet<String>) -> Vec<Diagnostic> {
    let defined = |section: &str| -> HashSet<String> {
        document
            .get(section)
            .and_then(Value::as_map)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let service_names: HashSet<String> = services(document).map(|(n, _)| n.clone()).collect();
    let resources = Resources {
        services: service_names,
        disabled,
        volumes: defined("volumes"),
        networks: defined("networks"),
        secrets: defined("secrets"),
        configs: defined("configs"),
        models: defined("models"),
    };
    let mut errors = Vec::new();
    for (name, service) in services(document) {
        let path = KeyPath::root().key("services").key(name);
        resources.check_service(name, service, &path, &mut errors);
    }
    if let Some(secrets) = document.get("secrets").and_then(Value::as_map) {
        for (name, secret) in secrets {
            let external = secret.get("external").is_some_and(is_true);
            let has_source = ["file", "environment", "content"]
                .iter()
                .any(|k| secret.get(k).is_some_and(|v| !v.is_null()));
            if !external && !has_source {
                errors.push(
                    Diagnostic::error(format!(
                        "secret {name:?} must declare either `file` or `environment`"
                    ))
                    .at_span(&secret.span)
                    .at_path(KeyPath::root().key("secrets").key(name)),
                );
            }
        }
    }
    errors
}

struct Resources<'a> {
    services: HashSet<String>,
    disabled: &'a HashSet<String>,
    volumes: HashSet<String>,
    networks: HashSet<String>,
    secrets: HashSet<String>,
    configs: HashSet<String>,
    models: HashSet<String>,
}

impl Resources<'_> {
    fn check_service(
        &self,
        name: &str,
        service: &Value,
        path: &KeyPath,
        errors: &mut Vec<Diagnostic>,
    ) {
        let mut fail = |node: &Value, at: KeyPath, message: String| {
            errors.push(Diagnostic::error(message).at_span(&node.span).at_path(at));
        };
        let has = |key: &str| service.get(key).is_some_and(|v| !v.is_null());
        if !has("image") && !has("build") && !has("provider") {
            fail(
                service,
                path.clone(),
                format!("service {name:?} has neither an image nor a build context specified"),
            );
        }
        if has("network_mode") && service.get("networks").is_some_and(non_empty) {
            fail(
                service,
                path.key("network_mode"),
                format!("service {name} declares mutually exclusive `network_mode` and `networks`"),
            );
        }
        if let Some(networks) = service.get("networks") {
            for network in names(networks) {
                if !self.networks.contains(&network) {
                    fail(
                        networks,
                        path.key("networks"),
                        format!("service {name:?} refers to undefined network {network}"),
                    );
                }
            }
        }
        let network_target = service
            .get("network_mode")
            .and_then(Value::as_str)
            .and_then(|m| m.strip_prefix("service:"));
        if let Some(depends_on) = service.get("depends_on") {
            for (dependency, required) in dependencies(depends_on) {
                // The dependency that `network_mode: service:X` implies is X's own error.
                if network_target == Some(dependency.as_str()) {
                    continue;
                }
                let known = self.services.contains(&dependency);
                let optional_disabled = !required && self.disabled.contains(&dependency);
                if !known && !optional_disabled {
                    fail(
                        depends_on,
                        path.key("depends_on").key(&dependency),
                        format!("service {name:?} depends on undefined service {dependency:?}"),
                    );
                }
            }
        }
        if let Some(target) = network_target {
            if !self.services.contains(target) {
                fail(
                    service.get("network_mode").unwrap_or(service),
                    path.key("network_mode"),
                    format!("service {target:?} not found for network_mode 'service:{target}'"),
                );
            }
        }
        if let Some(Kind::Seq(volumes)) = service.get("volumes").map(|v| &v.kind) {
            for (i, volume) in volumes.iter().enumerate() {
                if let Some(source) = named_volume(volume) {
                    if !self.volumes.contains(&source) {
                        fail(
                            volume,
                            path.key("volumes").index(i),
                            format!("service {name:?} refers to undefined volume {source}"),
                        );
                    }
                }
            }
        }
        for (section, defined, what) in [
            ("secrets", &self.secrets, "secret"),
            ("configs", &self.configs, "config"),
        ] {
            if let Some(Kind::Seq(items)) = service.get(section).map(|v| &v.kind) {
                for (i, item) in items.iter().enumerate() {
                    let source = match &item.kind {
                        Kind::Map(_) => item.get("source").and_then(Value::scalar_to_string),
                        _ => item.scalar_to_string(),
                    };
                    if let Some(source) = source.filter(|s| !defined.contains(s)) {
                        fail(
                            item,
                            path.key(section).index(i),
                            format!("service {name:?} refers to undefined {what} {source}"),
                        );
                    }
                }
            }
        }
        if let Some(models) = service.get("models") {
            for model in names(models) {
                if !self.models.contains(&model) {
                    fail(
                        models,
                        path.key("models"),
                        format!("service {name:?} refers to undefined model {model}"),
                    );
                }
            }
        }
    }
}

/// The named volume a mount uses, if it is one (not a bind, tmpfs or anonymous volume).
pub fn named_volume(volume: &Value) -> Option<String> {
    match &volume.kind {
        Kind::String(spec) => {
            let parsed = parse_short_volume(spec).ok()?;
            (parsed.kind == MountKind::Volume).then_some(parsed.source?)
        }
        Kind::Map(_) => {
            let kind = volume
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("volume");
            if kind != "volume" {
                return None;
            }
            volume
                .get("source")
                .and_then(Value::scalar_to_string)
                .filter(|s| !s.is_empty())
        }
        _ => None,
    }
}

/// Names listed by a key that takes a list of names or a mapping keyed by name.
fn names(node: &Value) -> Vec<String> {
    match &node.kind {
        Kind::Map(map) => map.keys().cloned().collect(),
        Kind::Seq(items) => items.iter().filter_map(Value::scalar_to_string).collect(),
        _ => Vec::new(),
    }
}

/// `depends_on` entries with whether each is required (the default).
fn dependencies(node: &Value) -> Vec<(String, bool)> {
    match &node.kind {
        Kind::Map(map) => map
            .iter()
            .map(|(name, entry)| {
                let required = entry.get("required").is_none_or(is_true);
                (name.clone(), required)
            })
            .collect(),
        Kind::Seq(items) => items
            .iter()
            .filter_map(Value::scalar_to_string)
            .map(|n| (n, true))
            .collect(),
        _ => Vec::new(),
    }
}

fn strings(node: Option<&Value>) -> Vec<String> {
    match node.map(|n| &n.kind) {
        Some(Kind::Seq(items)) => items.iter().filter_map(Value::scalar_to_string).collect(),
        Some(Kind::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn non_empty(node: &Value) -> bool {
    match &node.kind {
        Kind::Map(m) => !m.is_empty(),
        Kind::Seq(s) => !s.is_empty(),
        Kind::Null => false,
        _ => true,
    }
}

fn is_true(value: &Value) -> bool {
    match &value.kind {
        Kind::Bool(b) => *b,
        Kind::String(s) => crate::value::parse_bool(s).unwrap_or(false),
        _ => false,
    }
}

/// The first `depends_on` cycle found, as the list of services around it. The walk keeps
/// its own stack: a dependency chain thousands of services long must not exhaust the
/// thread's stack.
fn dependency_cycle(document: &Value) -> Option<Vec<String>> {
    let graph: HashMap<&str, Vec<String>> = services(document)
        .map(|(name, service)| {
            let deps = service
                .get("depends_on")
                .map(dependencies)
                .unwrap_or_default()
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            (name.as_str(), deps)
        })
        .collect();
    let mut done: HashSet<&str> = HashSet::new();
    let mut starts: Vec<&str> = graph.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        if let Some(cycle) = walk_from(start, &graph, &mut done) {
            return Some(cycle);
        }
    }
    None
}

/// The cycle's error, at the `depends_on` of its first service that names the second.
fn cycle_error(document: &Value, cycle: &[String]) -> Diagnostic {
    let first = cycle.first().map(String::as_str).unwrap_or_default();
    let second = cycle.get(1).map(String::as_str).unwrap_or_default();
    let error = Diagnostic::error(format!("dependency cycle detected: {}", cycle.join(" -> ")))
        .at_path(
            KeyPath::root()
                .key("services")
                .key(first)
                .key("depends_on")
                .key(second),
        );
    match document
        .get("services")
        .and_then(|services| services.get(first))
        .and_then(|service| service.get("depends_on"))
    {
        Some(depends_on) => error.at_span(&depends_on.span),
        None => error,
    }
}

/// Depth-first from `start`; `path` holds the services being visited with the index of
/// the next dependency to look at.
fn walk_from<'a>(
    start: &'a str,
    graph: &'a HashMap<&'a str, Vec<String>>,
    done: &mut HashSet<&'a str>,
) -> Option<Vec<String>> {
    if done.contains(start) {
        return None;
    }
    let mut path: Vec<(&str, usize)> = vec![(start, 0)];
    let mut on_path: HashSet<&str> = HashSet::from([start]);
    while let Some((node, next)) = path.last_mut() {
        let dependencies = graph.get(*node).map(Vec::as_slice).unwrap_or_default();
        let Some(dependency) = dependencies.get(*next) else {
            done.insert(*node);
            on_path.remove(*node);
            path.pop();
            continue;
        };
        *next += 1;
        let Some((&dependency, _)) = graph.get_key_value(dependency.as_str()) else {
            continue;
        };
        if on_path.contains(dependency) {
            let from = path.iter().position(|(n, _)| *n == dependency).unwrap_or(0);
            let mut cycle: Vec<String> = path[from..].iter().map(|(n, _)| n.to_string()).collect();
            cycle.push(dependency.to_string());
            return Some(cycle);
        }
        if !done.contains(dependency) {
            on_path.insert(dependency);
            path.push((dependency, 0));
        }
    }
    None
}

/// Drops networks, volumes, secrets and configs that no enabled service uses.
fn drop_unused_resources(document: &mut Value) {
    let mut used: HashMap<&str, HashSet<String>> = HashMap::new();
    for (_, service) in services(document) {
        if let Some(networks) = service.get("networks") {
            used.entry("networks").or_default().extend(names(networks));
        }
        if let Some(Kind::Seq(volumes)) = service.get("volumes").map(|v| &v.kind) {
            used.entry("volumes")
                .or_default()
                .extend(volumes.iter().filter_map(named_volume));
        }
        for section in ["secrets", "configs"] {
            if let Some(Kind::Seq(items)) = service.get(section).map(|v| &v.kind) {
                used.entry(section)
                    .or_default()
                    .extend(items.iter().filter_map(|item| match &item.kind {
                        Kind::Map(_) => item.get("source").and_then(Value::scalar_to_string),
                        _ => item.scalar_to_string(),
                    }));
            }
        }
        if let Some(build_secrets) = service
            .get("build")
            .and_then(|b| b.get("secrets"))
            .and_then(Value::as_seq)
        {
            used.entry("secrets")
                .or_default()
                .extend(build_secrets.iter().filter_map(|item| match &item.kind {
                    Kind::Map(_) => item.get("source").and_then(Value::scalar_to_string),
                    _ => item.scalar_to_string(),
                }));
        }
        if let Some(models) = service.get("models") {
            used.entry("models").or_default().extend(names(models));
        }
    }
    let Some(root) = document.as_map_mut() else {
        return;
    };
    for section in ["networks", "volumes", "secrets", "configs", "models"] {
        let keep = used.remove(section).unwrap_or_default();
        if let Some(Value {
            kind: Kind::Map(entries),
            ..
        }) = root.get_mut(section)
        {
            entries.retain(|name, _| keep.contains(name));
            if entries.is_empty() {
                root.shift_remove(section);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn checked(source: &str, profiles: &[&str]) -> Result<serde_json::Value, Vec<String>> {
        let mut doc = yaml::parse(source, None).unwrap().remove(0);
        let profiles: Vec<String> = profiles.iter().map(|p| p.to_string()).collect();
        check_document(&mut doc, &profiles)
            .map(|()| doc.to_json())
            .map_err(|ds| ds.iter().map(|d| d.headline()).collect())
    }

    #[test]
    fn profiles_enable_services() {
        let source = "services: {a: {image: x}, b: {image: y, profiles: [debug]}}";
        let names = |v: serde_json::Value| -> Vec<String> {
            v["services"].as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(names(checked(source, &[]).unwrap()), ["a"]);
        assert_eq!(names(checked(source, &["debug"]).unwrap()), ["a", "b"]);
        assert_eq!(names(checked(source, &["*"]).unwrap()), ["a", "b"]);
    }

    #[test]
    fn a_dependency_on_a_disabled_service_is_an_error() {
        let source = "services: {a: {image: x, depends_on: [b]}, b: {image: y, profiles: [debug]}}";
        assert_eq!(
            checked(source, &[]).unwrap_err(),
            ["error: services.a.depends_on.b: service \"a\" depends on undefined service \"b\""]
        );
    }

    #[test]
    fn an_optional_dependency_on_a_disabled_service_is_fine() {
        let source = "services: {a: {image: x, depends_on: {b: {condition: service_started, required: false}}}, b: {image: y, profiles: [p]}}";
        assert!(checked(source, &[]).is_ok());
    }

    #[test]
    fn cycles_are_refused() {
        let source = "services: {a: {image: x, depends_on: [b]}, b: {image: y, depends_on: [a]}}";
        assert_eq!(
            checked(source, &[]).unwrap_err(),
            ["error: services.a.depends_on.b: dependency cycle detected: a -> b -> a"]
        );
    }

    #[test]
    fn a_long_dependency_chain_is_walked_without_recursion() {
        let mut source = String::from("services:\n  s0: {image: x}\n");
        for i in 1..20_000 {
            source.push_str(&format!("  s{i}: {{image: x, depends_on: [s{}]}}\n", i - 1));
        }
        assert!(checked(&source, &[]).is_ok());
    }

    #[test]
    fn undefined_resources_are_each_reported() {
        let source = "services: {a: {image: x, volumes: ['data:/d'], secrets: [s], networks: [n]}}";
        assert_eq!(
            checked(source, &[]).unwrap_err(),
            [
                "error: services.a.networks: service \"a\" refers to undefined network n",
                "error: services.a.volumes[0]: service \"a\" refers to undefined volume data",
                "error: services.a.secrets[0]: service \"a\" refers to undefined secret s",
            ]
        );
    }

    #[test]
    fn unused_resources_are_dropped() {
        let out = checked(
            "services: {a: {image: x, volumes: ['data:/d']}}\nvolumes: {data: {}, unused: {}}",
            &[],
        )
        .unwrap();
        assert_eq!(out["volumes"], serde_json::json!({"data": {}}));
    }
}
