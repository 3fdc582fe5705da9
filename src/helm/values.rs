//! The chart's values: their Rust types, from which `values.schema.json` is generated, so
//! that a value of the wrong type (`--set web.replicas=two`) or a key that does not exist
//! is refused before anything reaches a cluster.

use std::collections::BTreeMap;

use schemars::{JsonSchema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// Settings of the whole chart. Helm hands `global` to subcharts too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Global {
    /// Registry put before every image whose own `registry` is empty.
    pub image_registry: String,
    /// Secrets (of type `kubernetes.io/dockerconfigjson`) every pod pulls its images with.
    pub image_pull_secrets: Vec<String>,
    /// Labels added to every object (not to selectors, which cannot change).
    pub labels: BTreeMap<String, String>,
}

/// One compose service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceValues {
    /// Whether the service's objects are rendered.
    pub enabled: bool,
    /// The image of the service's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Pods of a Deployment or StatefulSet; null leaves it to Kubernetes (1) or, with
    /// autoscaling, to the autoscaler.
    #[serde(default, skip_serializing_if = "Unset::is_unset")]
    #[schemars(with = "Option<u32>")]
    pub replicas: Unset<u32>,
    /// The container's `command` (Compose's `entrypoint`); null keeps the image's.
    #[serde(default, skip_serializing_if = "Unset::is_unset")]
    #[schemars(with = "Option<Vec<String>>")]
    pub command: Unset<Vec<String>>,
    /// The container's `args` (Compose's `command`); null keeps the image's.
    #[serde(default, skip_serializing_if = "Unset::is_unset")]
    #[schemars(with = "Option<Vec<String>>")]
    pub args: Unset<Vec<String>>,
    /// Environment variables that are not secrets, by name (secret ones are read from
    /// Secrets, see `secrets`). A null value removes the variable.
    #[serde(default)]
    pub env: BTreeMap<String, Option<Scalar>>,
    /// The container's `ports` (the Service's are under `service`).
    #[serde(default)]
    pub container_ports: Vec<Map<String, Json>>,
    /// The container's `resources` (`limits`, `requests`).
    #[serde(default)]
    pub resources: BTreeMap<String, BTreeMap<String, Scalar>>,
    /// Annotations of the pods.
    #[serde(default)]
    pub pod_annotations: BTreeMap<String, String>,
    /// The pods' `nodeSelector` (Compose's `platform` gives `kubernetes.io/arch`).
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    /// The pods' `tolerations`.
    #[serde(default)]
    pub tolerations: Vec<Map<String, Json>>,
    /// The pods' `affinity` (Compose's placement constraints give node affinity).
    #[serde(default)]
    pub affinity: Map<String, Json>,
    /// Secrets the pods pull images with, besides `global.imagePullSecrets`.
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
    /// The Service that makes the service reachable by its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceExposure>,
    /// The Ingress (present where `x-kubernetes.ingress` asked for one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressValues>,
    /// The HorizontalPodAutoscaler (present where `x-kubernetes.autoscale` asked for one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// The claims of a StatefulSet's `volumeClaimTemplates`, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub persistence: BTreeMap<String, Claim>,
}

/// A value that may be absent: serialized as null where the service has the field (so
/// the user sees it), left out where it has none.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Unset<T> {
    /// The service has no such field (a DaemonSet's replicas).
    #[default]
    NotApplicable,
    Null,
    Value(T),
}

impl<T> Unset<T> {
    fn is_unset(&self) -> bool {
        matches!(self, Unset::NotApplicable)
    }

    pub fn from_option(value: Option<T>) -> Self {
        match value {
            Some(value) => Unset::Value(value),
            None => Unset::Null,
        }
    }
}

impl<T: Serialize> Serialize for Unset<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Unset::Value(value) => value.serialize(serializer),
            _ => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Unset<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Unset::from_option(Option::<T>::deserialize(deserializer)?))
    }
}

/// A scalar as YAML gives it: `cpu: 1` and `cpu: "1"` both mean one CPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    /// The registry host (`registry.example.com`); empty for Docker Hub, or to use `global.imageRegistry`.
    pub registry: String,
    /// The image's path (`library/nginx`, `org/app`).
    pub repository: String,
    /// The tag; empty for none (`latest`).
    pub tag: String,
    /// `sha256:…`, pinned after the tag.
    pub digest: String,
    /// The container's `imagePullPolicy`.
    pub pull_policy: PullPolicy,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Kubernetes' default for the tag.
    #[default]
    #[serde(rename = "")]
    Default,
    Always,
    IfNotPresent,
    Never,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceExposure {
    /// The Service's type.
    #[serde(rename = "type")]
    pub type_: ServiceType,
    /// The Service's ports.
    pub ports: Vec<ServicePort>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    #[default]
    ClusterIP,
    NodePort,
    LoadBalancer,
    ExternalName,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServicePort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<PortOrName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortOrName {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum Protocol {
    TCP,
    UDP,
    SCTP,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngressValues {
    /// Whether the Ingress is rendered.
    pub enabled: bool,
    /// The IngressClass; empty for the cluster's default.
    pub class_name: String,
    /// The Ingress's annotations.
    pub annotations: BTreeMap<String, String>,
    /// The host of the Ingress's one rule; empty for any host. (Not used when the Ingress
    /// has several rules or paths.)
    #[serde(default)]
    pub host: String,
    /// The path of the Ingress's one rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `hosts` and `secretName` of each TLS entry.
    pub tls: Vec<Map<String, Json>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Autoscaling {
    /// Whether the HorizontalPodAutoscaler is rendered.
    pub enabled: bool,
    /// Fewest pods; null for Kubernetes' default (1).
    #[schemars(range(min = 1))]
    pub min_replicas: Option<u32>,
    /// Most pods.
    #[schemars(range(min = 1))]
    pub max_replicas: u32,
    /// The autoscaler's `metrics`.
    pub metrics: Vec<Map<String, Json>>,
}

/// A PersistentVolumeClaim's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claim {
    /// The storage requested (`10Gi`).
    pub size: Scalar,
    /// The StorageClass; empty for the cluster's default.
    pub storage_class: String,
    /// The claim's access modes.
    pub access_modes: Vec<AccessMode>,
}

impl Default for Scalar {
    fn default() -> Self {
        Scalar::Text(String::new())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

/// A Secret the chart leaves to the user unless `create` is true.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretValues {
    /// Render the Secret from `stringData` and `data` (base64); otherwise it must exist.
    pub create: bool,
    /// The keys the workloads read (for reference: the chart does not check them).
    pub keys: Vec<String>,
    /// The values, as text (with `create`; keep them out of the chart's files).
    #[serde(default)]
    pub string_data: BTreeMap<String, String>,
    /// The values, base64-encoded (with `create`).
    #[serde(default)]
    pub data: BTreeMap<String, String>,
}

/// The whole values document. Service names are keys at the top level, beside `global`,
/// `secrets` and `persistence`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Values {
    pub global: Global,
    /// Secrets the workloads read, by name.
    pub secrets: BTreeMap<String, SecretValues>,
    /// PersistentVolumeClaims, by name.
    pub persistence: BTreeMap<String, Claim>,
    #[serde(flatten)]
    pub services: BTreeMap<String, ServiceValues>,
}

/// Keys of the values that are not services.
pub const RESERVED_KEYS: [&str; 3] = ["global", "secrets", "persistence"];

/// The JSON Schema of the values of a chart whose services are `services`: each is a
/// property of its own and any other top-level key is refused, so a misspelt service name
/// fails like a misspelt field.
pub fn json_schema(services: &[String]) -> Json {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = root_schema(generator);
    if let Some(root) = schema.as_object_mut() {
        let service_ref = root
            .get("additionalProperties")
            .cloned()
            .unwrap_or(Json::Bool(true));
        if let Some(Json::Object(properties)) = root.get_mut("properties") {
            for service in services {
                properties.insert(service.clone(), service_ref.clone());
            }
        }
        root.insert("additionalProperties".into(), Json::Bool(false));
    }
    schema
}

fn root_schema(generator: SchemaGenerator) -> Json {
    generator.into_root_schema_for::<Values>().to_value()
}

/// The values reference of the README: one row per key of the values (`<service>` for
/// any service's, `<name>` for any entry of a collection), with its type and description,
/// from the schema.
pub fn reference_markdown() -> String {
    let schema = json_schema(&[]);
    let definitions = &schema["definitions"];
    let mut rows = Vec::new();
    let mut walker = Walker {
        definitions,
        rows: &mut rows,
    };
    for key in RESERVED_KEYS {
        walker.walk(&schema["properties"][key], key, "");
    }
    walker.walk(&definitions["ServiceValues"], "<service>", "");
    let mut out = String::from("| Key | Type | Description |\n|---|---|---|\n");
    for (key, type_, description) in rows {
        out.push_str(&format!("| `{key}` | {type_} | {description} |\n"));
    }
    out
}

struct Walker<'a> {
    definitions: &'a Json,
    rows: &'a mut Vec<(String, String, String)>,
}

/// The schema `node` points to (through `$ref`, `allOf: [$ref]`, `anyOf: [X, null]`), and
/// whether null is allowed too.
fn resolve<'n>(definitions: &'n Json, node: &'n Json) -> (&'n Json, bool) {
    if let Some(reference) = node["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return resolve(definitions, &definitions[name]);
    }
    if let Some([only]) = node["allOf"].as_array().map(Vec::as_slice) {
        return resolve(definitions, only);
    }
    if let Some([first, second]) = node["anyOf"].as_array().map(Vec::as_slice) {
        if second["type"] == "null" {
            return (resolve(definitions, first).0, true);
        }
    }
    (node, false)
}

impl<'a> Walker<'a> {
    fn walk(&mut self, node: &'a Json, path: &str, inherited: &str) {
        let description = node["description"]
            .as_str()
            .unwrap_or(inherited)
            .replace('\n', " ");
        let (target, nullable) = resolve(self.definitions, node);
        let description = if description.is_empty() {
            target["description"]
                .as_str()
                .unwrap_or_default()
                .replace('\n', " ")
        } else {
            description
        };
        if let Some(Json::Object(properties)) = target.get("properties") {
            for (key, property) in properties {
                self.walk(property, &format!("{path}.{key}"), "");
            }
            return;
        }
        if let Some(entry) = target.get("additionalProperties") {
            let (entry_target, _) = resolve(self.definitions, entry);
            if entry_target.get("properties").is_some() {
                let name = if path.ends_with("persistence") {
                    "<claim>"
                } else {
                    "<name>"
                };
                self.walk(entry, &format!("{path}.{name}"), &description);
                return;
            }
        }
        let mut type_ = self.type_name(target);
        if nullable {
            type_.push_str(" or null");
        }
        self.rows.push((path.to_string(), type_, description));
    }

    fn type_name(&self, node: &'a Json) -> String {
        let (node, _) = resolve(self.definitions, node);
        if let Some(values) = node["enum"].as_array() {
            let names: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            return names.join(", ");
        }
        if let Some(options) = node["oneOf"].as_array().or(node["anyOf"].as_array()) {
            let names: Vec<String> = options
                .iter()
                .map(|o| match o.get("const") {
                    Some(value) => format!("`{value}`"),
                    None => self.type_name(o),
                })
                .collect();
            return names.join(" or ");
        }
        if let Some(Json::Object(properties)) = node.get("properties") {
            let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
            return format!("object ({})", keys.join(", "));
        }
        match node["type"].as_str() {
            Some("array") => format!("list of {}", self.type_name(&node["items"])),
            Some("object") => match node.get("additionalProperties") {
                Some(Json::Bool(true)) | None => "object".to_string(),
                Some(entry) => format!("map of {}", self.type_name(entry)),
            },
            Some(name) => name.to_string(),
            None => match node["type"].as_array() {
                Some(names) => {
                    let names: Vec<String> = names
                        .iter()
                        .filter_map(Json::as_str)
                        .map(|name| match name {
                            "array" => format!("list of {}", self.type_name(&node["items"])),
                            other => other.to_string(),
                        })
                        .collect();
                    names.join(" or ")
                }
                None => "any".to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_is_a_property_and_nothing_else_is_accepted() {
        let schema = json_schema(&["web".to_string(), "my-db".to_string()]);
        assert_eq!(schema["additionalProperties"], Json::Bool(false));
        assert_eq!(
            schema["properties"]["my-db"], schema["properties"]["web"],
            "{schema:#}"
        );
        assert!(
            schema["properties"]["web"]["$ref"]
                .as_str()
                .is_some_and(|r| r.ends_with("ServiceValues")),
            "{schema:#}"
        );
    }

    #[test]
    fn absent_fields_are_left_out_and_unset_ones_are_null() {
        let values = ServiceValues {
            enabled: true,
            replicas: Unset::Null,
            ..ServiceValues::default()
        };
        let json = serde_json::to_value(&values).unwrap();
        assert_eq!(json["replicas"], Json::Null);
        assert!(json.get("replicas").is_some() && json.get("command").is_none());
    }
}
