//! From a translation to values and skeletons: each object as `convert` writes it, with
//! the fields the values expose replaced by placeholders ([`Action`]), and the values that
//! give those fields back exactly.
//!
//! One function per kind of object says which fields are exposed; each takes the field's
//! value out of the object into the typed values and puts a placeholder in its place, so
//! the two cannot drift apart.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use super::template::{values_expr, Action};
use super::values::{
    Autoscaling, Claim, Image, IngressValues, PullPolicy, Scalar, SecretValues, ServiceExposure,
    ServiceValues, Unset, Values,
};
use crate::manifest::{Identity, Manifest};
use crate::translate::names::dns_label;
use crate::translate::Translation;

const NAME_LABEL: &str = "app.kubernetes.io/name";
/// `convert`'s own label, which Helm's `app.kubernetes.io/managed-by: Helm` replaces.
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// One object of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Skeleton {
    pub identity: Identity,
    pub file: String,
    /// The services whose `enabled` renders it (any of them); none: always rendered.
    pub owners: Vec<String>,
    /// Further conditions (all must hold): `autoscaling.enabled`, a Secret's `create`.
    pub conditions: Vec<String>,
    pub body: Json,
}

/// A translation as values and skeletons.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub values: Values,
    pub objects: Vec<Skeleton>,
    /// The Secrets (name → type, keys) the chart leaves to the user.
    pub secrets: BTreeMap<String, (String, Vec<String>)>,
}

/// Extracts the values and skeletons of `translation`, whose services are `services`
/// (their names as written in the compose files).
pub fn extract(services: &[String], translation: &Translation) -> Extracted {
    let by_label: BTreeMap<String, String> = services
        .iter()
        .map(|name| (dns_label(name), name.clone()))
        .collect();
    let mut extractor = Extractor {
        by_label,
        values: Values::default(),
        secrets: BTreeMap::new(),
        exposed_services: BTreeSet::new(),
    };
    for service in services {
        extractor.values.services.insert(
            service.clone(),
            ServiceValues {
                enabled: true,
                ..ServiceValues::default()
            },
        );
    }
    let users = claim_and_config_users(&extractor, &translation.manifests);
    let mut objects = Vec::new();
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    for manifest in &translation.manifests {
        let mut body = manifest.to_json();
        let owner = manifest
            .metadata()
            .labels
            .as_ref()
            .and_then(|labels| labels.get(NAME_LABEL))
            .and_then(|label| extractor.by_label.get(label))
            .cloned();
        let owners = match &owner {
            Some(owner) => vec![owner.clone()],
            None => users.get(manifest.name()).cloned().unwrap_or_default(),
        };
        let mut conditions = Vec::new();
        labels(&mut body["metadata"]);
        match (manifest, &owner) {
            (
                Manifest::Deployment(_)
                | Manifest::StatefulSet(_)
                | Manifest::DaemonSet(_)
                | Manifest::Job(_)
                | Manifest::CronJob(_),
                Some(owner),
            ) => {
                extractor.workload(manifest, owner, &mut body);
                if let Manifest::Deployment(_) | Manifest::StatefulSet(_) = manifest {
                    let origin = origins.entry(owner.clone()).or_default();
                    origin.workload = Some((manifest.kind(), body["metadata"].clone()));
                }
            }
            (Manifest::Service(_), Some(owner)) => {
                if let Some(port) = extractor.service(owner, &mut body) {
                    let origin = origins.entry(owner.clone()).or_default();
                    origin.service = Some((body["metadata"].clone(), port));
                }
            }
            (Manifest::Ingress(_), Some(owner)) => {
                extractor.ingress(owner, &mut body);
                conditions.push(values_expr(&[owner, "ingress", "enabled"]));
            }
            (Manifest::HorizontalPodAutoscaler(_), Some(owner)) => {
                extractor.autoscaling(owner, &mut body);
                conditions.push(values_expr(&[owner, "autoscaling", "enabled"]));
            }
            (Manifest::PersistentVolumeClaim(_), _) => {
                let name = manifest.name().to_string();
                let claim = claim(&mut body, &["persistence", &name]);
                extractor.values.persistence.insert(name, claim);
            }
            (Manifest::Secret(_), _) => {
                conditions.push(extractor.secret(manifest.name(), &mut body));
            }
            _ => {}
        }
        objects.push(Skeleton {
            identity: manifest.identity(),
            file: format!("templates/{}", manifest.file_name("yaml")),
            owners,
            conditions,
            body,
        });
    }
    for (service, origin) in &origins {
        objects.extend(extractor.disabled_extras(service, origin));
    }
    Extracted {
        values: extractor.values,
        objects,
        secrets: extractor.secrets,
    }
}

/// What a service's Service and workload look like in the chart, for the objects the
/// values can turn on (an Ingress, an autoscaler) where `convert` wrote none.
#[derive(Default)]
struct Origin {
    /// The Service's metadata (labels as placeholders) and first port.
    service: Option<(Json, i64)>,
    /// A Deployment's or StatefulSet's kind and metadata.
    workload: Option<(&'static str, Json)>,
}

/// Autoscaling values where `convert` wrote no autoscaler: off, and when turned on, one
/// to three pods at 80% CPU.
fn default_autoscaling() -> Autoscaling {
    let metric = serde_json::json!({
        "resource": {"name": "cpu", "target": {"averageUtilization": 80, "type": "Utilization"}},
        "type": "Resource",
    });
    Autoscaling {
        enabled: false,
        min_replicas: Some(1),
        max_replicas: 3,
        metrics: metric.as_object().cloned().into_iter().collect(),
    }
}

struct Extractor {
    /// Service names by the DNS label their objects carry.
    by_label: BTreeMap<String, String>,
    values: Values,
    secrets: BTreeMap<String, (String, Vec<String>)>,
    /// Services whose Service object the values already describe.
    exposed_services: BTreeSet<String>,
}

impl Extractor {
    fn service_values(&mut self, service: &str) -> &mut ServiceValues {
        self.values
            .services
            .entry(service.to_string())
            .or_insert_with(|| ServiceValues {
                enabled: true,
                ..ServiceValues::default()
            })
    }

    fn workload(&mut self, manifest: &Manifest, owner: &str, body: &mut Json) {
        let replicated = matches!(manifest, Manifest::Deployment(_) | Manifest::StatefulSet(_));
        if replicated {
            let replicas = put(
                &mut body["spec"],
                "replicas",
                Action::IfSet {
                    expr: values_expr(&[owner, "replicas"]),
                    scalar: true,
                },
            )
            .and_then(|r| r.as_u64());
            self.service_values(owner).replicas =
                Unset::from_option(replicas.and_then(|r| u32::try_from(r).ok()));
        }
        if let Manifest::StatefulSet(_) = manifest {
            // The claim templates stay as `convert` wrote them, labels included: a
            // StatefulSet's volumeClaimTemplates cannot change once it exists.
            if let Some(Json::Array(templates)) = body["spec"].get_mut("volumeClaimTemplates") {
                for template in templates {
                    let name = template["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let claim = claim(template, &[owner, "persistence", &name]);
                    self.service_values(owner).persistence.insert(name, claim);
                }
            }
        }
        let pod_path = match manifest {
            Manifest::CronJob(_) => {
                if let Some(metadata) = body.pointer_mut("/spec/jobTemplate/metadata") {
                    labels(metadata);
                }
                "/spec/jobTemplate/spec/template"
            }
            _ => "/spec/template",
        };
        let Some(pod) = body.pointer_mut(pod_path) else {
            return;
        };
        if let Some(metadata) = pod.get_mut("metadata") {
            labels(metadata);
            let annotations = put(
                metadata,
                "annotations",
                Action::IfNotEmpty {
                    expr: values_expr(&[owner, "podAnnotations"]),
                    scalar: false,
                },
            );
            self.service_values(owner).pod_annotations = string_map(annotations.as_ref());
        }
        let Some(spec) = pod.get_mut("spec") else {
            return;
        };
        let mut optional = |key: &str| {
            put(
                spec,
                key,
                Action::IfNotEmpty {
                    expr: values_expr(&[owner, key]),
                    scalar: false,
                },
            )
        };
        let node_selector = optional("nodeSelector");
        let tolerations = optional("tolerations");
        let affinity = optional("affinity");
        let pull_secrets = put(
            spec,
            "imagePullSecrets",
            Action::PullSecrets(values_expr(&[owner, "imagePullSecrets"])),
        );
        {
            let values = self.service_values(owner);
            values.node_selector = string_map(node_selector.as_ref());
            values.tolerations = object_list(tolerations.as_ref());
            values.affinity = match affinity {
                Some(Json::Object(map)) => map,
                _ => Map::new(),
            };
            values.image_pull_secrets = pull_secrets
                .as_ref()
                .and_then(Json::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|s| s["name"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
        }
        if let Some(Json::Array(containers)) = spec.get_mut("containers") {
            for container in containers {
                let service = container["name"]
                    .as_str()
                    .and_then(|name| self.by_label.get(name))
                    .cloned();
                if let Some(service) = service {
                    self.container(&service, container);
                }
            }
        }
    }

    /// The fields of a service's container: image, command, args, env, resources.
    fn container(&mut self, service: &str, container: &mut Json) {
        if let Some(Json::String(reference)) = container.get("image").cloned() {
            put(
                container,
                "image",
                Action::Image(values_expr(&[service, "image"])),
            );
            let pull_policy = put(
                container,
                "imagePullPolicy",
                Action::IfNotEmpty {
                    expr: values_expr(&[service, "image", "pullPolicy"]),
                    scalar: true,
                },
            )
            .and_then(|p| serde_json::from_value(p).ok())
            .unwrap_or(PullPolicy::Default);
            let mut image = split_image(&reference);
            image.pull_policy = pull_policy;
            self.service_values(service).image = Some(image);
        }
        for key in ["command", "args"] {
            let action = Action::IfSet {
                expr: values_expr(&[service, key]),
                scalar: false,
            };
            let list: Option<Vec<String>> =
                put(container, key, action).and_then(|v| serde_json::from_value(v).ok());
            let values = self.service_values(service);
            let slot = if key == "command" {
                &mut values.command
            } else {
                &mut values.args
            };
            *slot = Unset::from_option(list);
        }
        let mut literal = BTreeMap::new();
        let mut fixed = Vec::new();
        if let Some(Json::Array(entries)) = container.get("env").cloned() {
            for entry in entries {
                let plain = entry
                    .as_object()
                    .is_some_and(|e| e.len() == 2 && e.get("name").is_some_and(Json::is_string));
                match (plain, entry.get("value").and_then(Json::as_str)) {
                    (true, Some(value)) => {
                        let name = entry["name"].as_str().unwrap_or_default().to_string();
                        literal.insert(name, Some(Scalar::Text(value.to_string())));
                    }
                    _ => fixed.push(entry),
                }
            }
        }
        let ports = Action::IfNotEmpty {
            expr: values_expr(&[service, "containerPorts"]),
            scalar: false,
        };
        self.service_values(service).container_ports =
            object_list(put(container, "ports", ports).as_ref());
        self.service_values(service).env = literal;
        let env = Action::Env {
            values: values_expr(&[service, "env"]),
            fixed,
        };
        put(container, "env", env);
        let resources = Action::IfNotEmpty {
            expr: values_expr(&[service, "resources"]),
            scalar: false,
        };
        self.service_values(service).resources = put(container, "resources", resources)
            .and_then(|r| serde_json::from_value(r).ok())
            .unwrap_or_default();
    }

    /// The Service named after the service: its type and ports. Other Services of the
    /// service (network aliases) stay as they are.
    /// Returns the Service's first port when the values describe it.
    fn service(&mut self, owner: &str, body: &mut Json) -> Option<i64> {
        if body["metadata"]["name"].as_str() != Some(dns_label(owner).as_str())
            || !self.exposed_services.insert(owner.to_string())
        {
            return None;
        }
        let spec = &mut body["spec"];
        let exposure = (|| {
            Some(ServiceExposure {
                type_: serde_json::from_value(spec.get("type")?.clone()).ok()?,
                ports: serde_json::from_value(spec.get("ports")?.clone()).ok()?,
            })
        })();
        let exposure = exposure?;
        let first_port = exposure.ports.first().map(|p| i64::from(p.port))?;
        self.service_values(owner).service = Some(exposure);
        put(
            spec,
            "type",
            Action::Scalar(values_expr(&[owner, "service", "type"])),
        );
        put(
            spec,
            "ports",
            Action::Yaml(values_expr(&[owner, "service", "ports"])),
        );
        Some(first_port)
    }

    /// An Ingress and an autoscaler for a service that has none, off in the values, as
    /// `convert` would write them for `x-kubernetes.ingress` and `x-kubernetes.autoscale`.
    fn disabled_extras(&mut self, service: &str, origin: &Origin) -> Vec<Skeleton> {
        let mut extras = Vec::new();
        let has = |values: &ServiceValues| (values.ingress.is_some(), values.autoscaling.is_some());
        let (has_ingress, has_autoscaling) = has(self.service_values(service));
        let name = dns_label(service);
        let skeleton = |kind: &str, api_version: &str, origin: &Json, body: Json, condition| {
            // The labels and namespace of the object it goes with; not its annotations.
            let mut metadata = serde_json::json!({"labels": origin["labels"], "name": name});
            let namespace = origin["namespace"].as_str().map(str::to_string);
            if let Some(namespace) = &namespace {
                metadata["namespace"] = Json::from(namespace.clone());
            }
            let mut object = serde_json::json!({"apiVersion": api_version, "kind": kind});
            object["metadata"] = metadata;
            object["spec"] = body;
            Skeleton {
                identity: Identity {
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                    namespace,
                    name: name.clone(),
                },
                file: format!("templates/{name}-{}.yaml", kind.to_lowercase()),
                owners: vec![service.to_string()],
                conditions: vec![condition],
                body: object,
            }
        };
        if let (false, Some((metadata, port))) = (has_ingress, &origin.service) {
            let mut body = serde_json::json!({
                "rules": [{"http": {"paths": [{
                    "backend": {"service": {"name": name, "port": {"number": port}}},
                    "pathType": "Prefix",
                }]}}],
            });
            let mut object = skeleton(
                "Ingress",
                "networking.k8s.io/v1",
                metadata,
                Json::Null,
                values_expr(&[service, "ingress", "enabled"]),
            );
            object.body["spec"] = std::mem::take(&mut body);
            // The same fields as an Ingress `convert` wrote, which fills the values.
            self.ingress(service, &mut object.body);
            if let Some(ingress) = &mut self.service_values(service).ingress {
                ingress.enabled = false;
                ingress.path = Some("/".to_string());
            }
            extras.push(object);
        }
        if let (false, Some((kind, metadata))) = (has_autoscaling, &origin.workload) {
            let target = metadata["name"].as_str().unwrap_or(&name);
            let body = serde_json::json!({
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
            });
            let mut object = skeleton(
                "HorizontalPodAutoscaler",
                "autoscaling/v2",
                metadata,
                body,
                values_expr(&[service, "autoscaling", "enabled"]),
            );
            self.autoscaling(service, &mut object.body);
            self.service_values(service).autoscaling = Some(default_autoscaling());
            extras.push(object);
        }
        extras
    }

    fn ingress(&mut self, owner: &str, body: &mut Json) {
        let expr = |key: &str| values_expr(&[owner, "ingress", key]);
        let annotations = put(
            &mut body["metadata"],
            "annotations",
            Action::IfNotEmpty {
                expr: expr("annotations"),
                scalar: false,
            },
        );
        let spec = &mut body["spec"];
        let class_name = put(
            spec,
            "ingressClassName",
            Action::IfNotEmpty {
                expr: expr("className"),
                scalar: true,
            },
        )
        .and_then(|c| c.as_str().map(str::to_string))
        .unwrap_or_default();
        let tls = put(
            spec,
            "tls",
            Action::IfNotEmpty {
                expr: expr("tls"),
                scalar: false,
            },
        );
        let mut host = None;
        let mut path = None;
        if let Some(Json::Array(rules)) = spec.get_mut("rules") {
            if let [rule] = rules.as_mut_slice() {
                let single_path = rule
                    .pointer("/http/paths")
                    .and_then(Json::as_array)
                    .is_some_and(|paths| paths.len() == 1);
                if single_path {
                    let action = Action::IfNotEmpty {
                        expr: expr("host"),
                        scalar: true,
                    };
                    host = put(rule, "host", action).and_then(|h| h.as_str().map(str::to_string));
                    if let Some(only) = rule.pointer_mut("/http/paths/0") {
                        path = put(only, "path", Action::Scalar(expr("path")))
                            .and_then(|p| p.as_str().map(str::to_string));
                    }
                }
            }
        }
        self.service_values(owner).ingress = Some(IngressValues {
            enabled: true,
            class_name,
            annotations: string_map(annotations.as_ref()),
            host: host.unwrap_or_default(),
            path,
            tls: object_list(tls.as_ref()),
        });
    }

    fn autoscaling(&mut self, owner: &str, body: &mut Json) {
        let spec = &mut body["spec"];
        let expr = |key: &str| values_expr(&[owner, "autoscaling", key]);
        let min = put(
            spec,
            "minReplicas",
            Action::IfSet {
                expr: expr("minReplicas"),
                scalar: true,
            },
        )
        .and_then(|m| m.as_u64());
        let max =
            put(spec, "maxReplicas", Action::Scalar(expr("maxReplicas"))).and_then(|m| m.as_u64());
        let metrics = put(
            spec,
            "metrics",
            Action::IfNotEmpty {
                expr: expr("metrics"),
                scalar: false,
            },
        );
        self.service_values(owner).autoscaling = Some(Autoscaling {
            enabled: true,
            min_replicas: min.and_then(|m| u32::try_from(m).ok()),
            max_replicas: max.and_then(|m| u32::try_from(m).ok()).unwrap_or(1),
            metrics: object_list(metrics.as_ref()),
        });
    }

    /// A Secret: rendered only when the user asks, from data the user gives. Returns the
    /// condition.
    fn secret(&mut self, name: &str, body: &mut Json) -> String {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for field in ["data", "stringData"] {
            let action = Action::IfNotEmpty {
                expr: values_expr(&["secrets", name, field]),
                scalar: false,
            };
            if let Some(Json::Object(map)) = put(body, field, action) {
                keys.extend(map.keys().cloned());
            }
        }
        let keys: Vec<String> = keys.into_iter().collect();
        let type_ = body["type"].as_str().unwrap_or("Opaque").to_string();
        self.secrets.insert(name.to_string(), (type_, keys.clone()));
        self.values.secrets.insert(
            name.to_string(),
            SecretValues {
                create: false,
                keys,
                ..SecretValues::default()
            },
        );
        values_expr(&["secrets", name, "create"])
    }
}

/// A claim's size, storage class and access modes, as values under `path`.
fn claim(body: &mut Json, path: &[&str]) -> Claim {
    let expr = |key: &str| {
        let mut full = path.to_vec();
        full.push(key);
        values_expr(&full)
    };
    let Some(spec) = body.get_mut("spec") else {
        return Claim::default();
    };
    let size = spec
        .pointer_mut("/resources/requests")
        .and_then(|requests| put(requests, "storage", Action::Scalar(expr("size"))))
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default();
    let storage_class = put(
        spec,
        "storageClassName",
        Action::IfNotEmpty {
            expr: expr("storageClass"),
            scalar: true,
        },
    )
    .and_then(|s| s.as_str().map(str::to_string))
    .unwrap_or_default();
    let access_modes = put(spec, "accessModes", Action::Yaml(expr("accessModes")))
        .and_then(|a| serde_json::from_value(a).ok())
        .unwrap_or_default();
    Claim {
        size,
        storage_class,
        access_modes,
    }
}

/// Replaces an object's `labels` by Helm's common labels and its own, but for `convert`'s
/// `managed-by`, which Helm's replaces.
fn labels(metadata: &mut Json) {
    let Some(Json::Object(own)) = metadata.get("labels").cloned() else {
        return;
    };
    let own: BTreeMap<String, String> = own
        .into_iter()
        .filter(|(key, _)| key != MANAGED_BY)
        .filter_map(|(key, value)| Some((key, value.as_str()?.to_string())))
        .collect();
    put(metadata, "labels", Action::Labels(own));
}

/// The services whose workloads use each claim, ConfigMap or Secret that carries no
/// service label: such an object is rendered when any of them is enabled.
fn claim_and_config_users(
    extractor: &Extractor,
    manifests: &[Manifest],
) -> BTreeMap<String, Vec<String>> {
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for manifest in manifests {
        let workload = matches!(
            manifest,
            Manifest::Deployment(_)
                | Manifest::StatefulSet(_)
                | Manifest::DaemonSet(_)
                | Manifest::Job(_)
                | Manifest::CronJob(_)
        );
        let owner = manifest
            .metadata()
            .labels
            .as_ref()
            .and_then(|labels| labels.get(NAME_LABEL))
            .and_then(|label| extractor.by_label.get(label));
        let (true, Some(owner)) = (workload, owner) else {
            continue;
        };
        let mut names = BTreeSet::new();
        referenced_names(&manifest.to_json(), &mut names);
        for name in names {
            let list = users.entry(name).or_default();
            if !list.contains(owner) {
                list.push(owner.clone());
            }
        }
    }
    users
}

/// Names of claims, ConfigMaps and Secrets a pod refers to.
fn referenced_names(value: &Json, into: &mut BTreeSet<String>) {
    match value {
        Json::Object(map) => {
            for (key, item) in map {
                let name = match key.as_str() {
                    "persistentVolumeClaim" => item.get("claimName"),
                    "secret" => item.get("secretName"),
                    "configMap" | "configMapRef" | "secretRef" | "configMapKeyRef"
                    | "secretKeyRef" => item.get("name"),
                    _ => None,
                };
                if let Some(Json::String(name)) = name {
                    into.insert(name.clone());
                }
                referenced_names(item, into);
            }
        }
        Json::Array(items) => items.iter().for_each(|item| referenced_names(item, into)),
        _ => {}
    }
}

/// Puts the placeholder of `action` at `key` of `target`, where the field is or, when the
/// object has none, where its name sorts among the fields (k8s-openapi writes them in
/// that order, after `apiVersion` and `kind`); returns the field's value.
fn put(target: &mut Json, key: &str, action: Action) -> Option<Json> {
    let map = target.as_object_mut()?;
    let placeholder = action.placeholder();
    if let Some(slot) = map.get_mut(key) {
        return Some(std::mem::replace(slot, placeholder));
    }
    let index = map
        .keys()
        .position(|k| k != "apiVersion" && k != "kind" && k.as_str() > key)
        .unwrap_or(map.len());
    map.shift_insert(index, key.to_string(), placeholder);
    None
}

fn string_map(value: Option<&Json>) -> BTreeMap<String, String> {
    value
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn object_list(value: Option<&Json>) -> Vec<Map<String, Json>> {
    value
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// An image reference as registry, repository, tag and digest, which the chart's `image`
/// helper joins back into the same text.
pub fn split_image(reference: &str) -> Image {
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, digest.to_string()),
        None => (reference, String::new()),
    };
    let (registry, path) = match rest.split_once('/') {
        Some((first, path))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), path)
        }
        _ => (String::new(), rest),
    };
    let last_slash = path.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match path[last_slash..].rfind(':') {
        Some(colon) => (
            path[..last_slash + colon].to_string(),
            path[last_slash + colon + 1..].to_string(),
        ),
        None => (path.to_string(), String::new()),
    };
    let image = Image {
        registry,
        repository,
        tag,
        digest,
        pull_policy: PullPolicy::Default,
    };
    if join_image(&image) == reference {
        image
    } else {
        // An unusual reference (`nginx:`, with an empty tag) is kept whole.
        Image {
            repository: reference.to_string(),
            ..Image::default()
        }
    }
}

/// What the chart's `image` helper makes of the parts, `global.imageRegistry` unset.
fn join_image(image: &Image) -> String {
    let mut out = String::new();
    if !image.registry.is_empty() {
        out.push_str(&image.registry);
        out.push('/');
    }
    out.push_str(&image.repository);
    if !image.tag.is_empty() {
        out.push(':');
        out.push_str(&image.tag);
    }
    if !image.digest.is_empty() {
        out.push('@');
        out.push_str(&image.digest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_into_parts_that_join_back() {
        let check = |reference: &str, parts: [&str; 4]| {
            let image = split_image(reference);
            assert_eq!(
                [
                    image.registry.as_str(),
                    &image.repository,
                    &image.tag,
                    &image.digest
                ],
                parts,
                "{reference}"
            );
        };
        check("nginx", ["", "nginx", "", ""]);
        check("nginx:1.27", ["", "nginx", "1.27", ""]);
        check(
            "joindevops/mysql:1.0.0",
            ["", "joindevops/mysql", "1.0.0", ""],
        );
        check(
            "registry.example.com/org/app:v2@sha256:ab",
            ["registry.example.com", "org/app", "v2", "sha256:ab"],
        );
        check("localhost:5000/app", ["localhost:5000", "app", "", ""]);
        check(
            "registry:5000/team/app:1",
            ["registry:5000", "team/app", "1", ""],
        );
        check("nginx:", ["", "nginx:", "", ""]);
    }
}
