//! The types of `x-kubernetes`. Every struct is closed (`deny_unknown_fields`): a misspelt
//! key is an error, not a silently ignored setting. Field names follow Kubernetes
//! (`nodePort`, `imagePullSecrets`), except `depends-on`, which mirrors Compose's key.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::translate::Code;

/// `x-kubernetes` at the top level of a compose file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[serde(expecting = "a mapping of x-kubernetes settings")]
#[schemars(title = "x-kubernetes")]
pub struct ProjectExtension {
    /// Namespace of every object, unless `--namespace` gives one.
    pub namespace: Option<String>,
    /// Storage class of every claim whose volume names none.
    pub storage_class: Option<String>,
    /// Size of every claim whose volume gives none (a Kubernetes quantity, e.g. `5Gi`).
    pub volume_size: Option<String>,
    /// Prefix of every image without a registry, e.g. `registry.example.com/team`.
    pub image_registry: Option<String>,
    /// Ingress class of every Ingress that names none.
    pub ingress_class: Option<String>,
    /// Labels added to every object.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations added to every object.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Report codes the project accepts everywhere: their entries stay in the report, marked
    /// allowed, and `--strict` does not count them.
    #[serde(default)]
    pub allow: Vec<Code>,
}

/// `x-kubernetes` on a top-level named volume.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[serde(expecting = "a mapping of x-kubernetes settings for a volume")]
pub struct VolumeExtension {
    /// Requested size, a Kubernetes quantity (`10Gi`).
    pub size: Option<String>,
    pub storage_class: Option<String>,
    #[serde(default)]
    pub access_modes: Vec<AccessMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadOnlyMany,
    ReadWriteMany,
    ReadWriteOncePod,
}

impl AccessMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadOnlyMany => "ReadOnlyMany",
            AccessMode::ReadWriteMany => "ReadWriteMany",
            AccessMode::ReadWriteOncePod => "ReadWriteOncePod",
        }
    }
}

/// `x-kubernetes` on a service.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[serde(expecting = "a mapping of x-kubernetes settings for a service")]
pub struct ServiceExtension {
    /// The workload kind (default: Deployment, DaemonSet for `deploy.mode: global`, Job for
    /// a service others wait for with `service_completed_successfully`).
    pub workload: Option<WorkloadKind>,
    /// The CronJob schedule (`*/5 * * * *` or `@hourly`); only with `workload: cronjob`.
    pub schedule: Option<String>,
    pub service: Option<ServiceSettings>,
    pub ingress: Option<IngressSettings>,
    pub probes: Option<Probes>,
    pub autoscale: Option<Autoscale>,
    pub disruption: Option<Disruption>,
    /// `ignore`: no init containers wait for `depends_on`.
    #[serde(rename = "depends-on")]
    pub depends_on: Option<DependsOnMode>,
    pub service_account: Option<String>,
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default)]
    pub tolerations: Vec<Toleration>,
    /// Labels on the workload and its pods (not in the selector).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations on the workload.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Container paths of bind mounts to mount from the node instead (hostPath volumes of
    /// the mounts' source paths), e.g. `/var/run/docker.sock` or a node-exporter's `/host/proc`.
    #[serde(default)]
    pub host_paths: Vec<String>,
    /// `environment` and env-file variables whose names say they are secrets (PASSWORD,
    /// SECRET, TOKEN, KEY, …) go into a Secret by default; `true` keeps them all as plain
    /// values, a list of names keeps those.
    pub literal_environment: Option<LiteralEnvironment>,
    /// Report codes accepted in this service's entries (see the top-level `allow`).
    #[serde(default)]
    pub allow: Vec<Code>,
}

/// `literalEnvironment`: `true` (every variable), `false` (none), or the names to keep.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum LiteralEnvironment {
    All(bool),
    Names(Vec<String>),
}

impl LiteralEnvironment {
    /// Whether the variable `name` stays a plain value.
    pub fn keeps(&self, name: &str) -> bool {
        match self {
            LiteralEnvironment::All(all) => *all,
            LiteralEnvironment::Names(names) => names.iter().any(|n| n == name),
        }
    }
}

impl<'de> Deserialize<'de> for LiteralEnvironment {
    // By hand rather than `untagged`, for a message that says what is expected.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LiteralVisitor;
        impl<'de> serde::de::Visitor<'de> for LiteralVisitor {
            type Value = LiteralEnvironment;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false, or a list of variable names")
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(LiteralEnvironment::All(value))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                Vec::<String>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(LiteralEnvironment::Names)
            }
        }
        deserializer.deserialize_any(LiteralVisitor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Deployment,
    Statefulset,
    Daemonset,
    Job,
    Cronjob,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DependsOnMode {
    Wait,
    Ignore,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSettings {
    #[serde(rename = "type")]
    pub type_: Option<ServiceType>,
    /// The node port of the first port (NodePort and LoadBalancer, 30000-32767).
    pub node_port: Option<u16>,
    /// Whether external traffic may leave the node it arrives on (NodePort and
    /// LoadBalancer): `Local` keeps the client's address.
    pub external_traffic_policy: Option<TrafficPolicy>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TrafficPolicy {
    Cluster,
    Local,
}

impl TrafficPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficPolicy::Cluster => "Cluster",
            TrafficPolicy::Local => "Local",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
    #[serde(rename = "headless")]
    Headless,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressSettings {
    pub host: Option<String>,
    /// URL path prefix (default `/`).
    pub path: Option<String>,
    /// The Secret holding the TLS certificate for `host`.
    pub tls_secret: Option<String>,
    /// Ingress class (default: the top-level `ingressClass`).
    pub class: Option<String>,
    /// The Service port to route to (default: the first).
    pub port: Option<u16>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    /// Replaces the readiness probe made from the health check.
    pub readiness: Option<Probe>,
    /// None by default: Docker never restarts an unhealthy container. `true` adds the health
    /// check as a liveness probe; a probe replaces it. Either way a startup probe holds it
    /// off for the health check's `start_period + retries × interval`.
    pub liveness: Option<Liveness>,
}

/// `probes.liveness`: `true` (the health check), `false` (none), or a probe of its own.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum Liveness {
    FromHealthcheck(bool),
    Probe(Probe),
}

impl<'de> Deserialize<'de> for Liveness {
    // By hand rather than `untagged`: a mistake inside the probe keeps its own message and
    // key path instead of "did not match any variant".
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LivenessVisitor;
        impl<'de> serde::de::Visitor<'de> for LivenessVisitor {
            type Value = Liveness;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false, or a probe (one of http, tcp and exec)")
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Liveness, E> {
                Ok(Liveness::FromHealthcheck(value))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Liveness, A::Error> {
                Probe::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Liveness::Probe)
            }
        }
        deserializer.deserialize_any(LivenessVisitor)
    }
}

/// One probe: exactly one of `http`, `tcp` and `exec`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    pub http: Option<HttpProbe>,
    pub tcp: Option<TcpProbe>,
    /// The command, run as is (no shell).
    pub exec: Option<Vec<String>>,
    pub initial_delay_seconds: Option<u16>,
    pub period_seconds: Option<u16>,
    pub timeout_seconds: Option<u16>,
    pub failure_threshold: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpProbe {
    /// Default `/`.
    pub path: Option<String>,
    pub port: u16,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpProbe {
    pub port: u16,
}

/// An autoscaling/v2 HorizontalPodAutoscaler.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Autoscale {
    /// Default 1.
    pub min: Option<u16>,
    pub max: u16,
    /// Target average CPU utilization, in percent of the request.
    pub cpu: Option<u16>,
    /// Target average memory utilization, in percent of the request.
    pub memory: Option<u16>,
}

/// A policy/v1 PodDisruptionBudget: exactly one of the two, a count or a percentage.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Disruption {
    pub min_available: Option<CountOrPercent>,
    pub max_unavailable: Option<CountOrPercent>,
}

/// `2` or `"50%"`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CountOrPercent {
    Count(u32),
    Percent(String),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<TolerationOperator>,
    pub value: Option<String>,
    pub effect: Option<TaintEffect>,
    pub toleration_seconds: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}
