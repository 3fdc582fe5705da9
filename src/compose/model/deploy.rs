//! [`Deploy`]: a service's deployment settings (replicas, resources, placement, update and
//! restart policies), from Compose's Swarm heritage.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::byte_size::{self, ByteSize};
use super::collections::Mapping;
use super::device::{device_requests, DeviceRequest};
use super::duration::Duration;
use super::extensions::{extensions_of, Extensions};
use super::syntax::{is_zero, serialize_go_float};

/// A service's deployment settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Deploy {
    /// `replicated` (the default), `global`, `replicated-job` or `global-job`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    /// Compose prints it always, empty when unset.
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// Compose prints it always, empty when unset.
    pub placement: Placement,
    /// `vip` (the default) or `dnsrr`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub endpoint_mode: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Deploy>"
    )]
    pub extensions: Extensions,
}

/// How a service is updated (or rolled back) when it changes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct UpdateConfig {
    /// Containers changed at a time; 0 means all at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "Duration::is_zero")]
    pub delay: Duration,
    /// `continue`, `pause` or `rollback`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub failure_action: Option<String>,
    #[serde(skip_serializing_if = "Duration::is_zero")]
    pub monitor: Duration,
    #[serde(serialize_with = "serialize_go_float", skip_serializing_if = "is_zero")]
    pub max_failure_ratio: f32,
    /// `stop-first` (the default) or `start-first`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub order: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, UpdateConfig>"
    )]
    pub extensions: Extensions,
}

/// Resource limits and reservations.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceLimits>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ResourceReservations>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Resources>"
    )]
    pub extensions: Extensions,
}

/// The most a container may use.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct ResourceLimits {
    /// CPU cores, fractions allowed.
    #[serde(serialize_with = "serialize_go_float", skip_serializing_if = "is_zero")]
    pub cpus: f32,
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub memory: Option<ByteSize>,
    /// The most processes.
    #[serde(skip_serializing_if = "is_zero")]
    pub pids: i64,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ResourceLimits>"
    )]
    pub extensions: Extensions,
}

/// What a container is guaranteed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct ResourceReservations {
    /// CPU cores, fractions allowed.
    #[serde(serialize_with = "serialize_go_float", skip_serializing_if = "is_zero")]
    pub cpus: f32,
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub memory: Option<ByteSize>,
    /// Devices such as GPUs.
    #[serde(
        deserialize_with = "device_requests",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub devices: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<GenericResource>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ResourceReservations>"
    )]
    pub extensions: Extensions,
}

/// A user-defined resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct GenericResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteResourceSpec>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, GenericResource>"
    )]
    pub extensions: Extensions,
}

/// A countable user-defined resource, such as `{kind: SSD, value: 2}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct DiscreteResourceSpec {
    pub kind: String,
    pub value: i64,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, DiscreteResourceSpec>"
    )]
    pub extensions: Extensions,
}

/// When and how containers are restarted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct RestartPolicy {
    /// `none`, `on-failure` or `any`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    /// The time over which restarts are counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, RestartPolicy>"
    )]
    pub extensions: Extensions,
}

/// Where containers may run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Placement {
    /// Node constraints such as `node.role==manager`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreference>,
    #[serde(skip_serializing_if = "is_zero")]
    pub max_replicas_per_node: u64,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Placement>"
    )]
    pub extensions: Extensions,
}

/// A placement preference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct PlacementPreference {
    /// Spread containers evenly over the values of this node label.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub spread: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, PlacementPreference>"
    )]
    pub extensions: Extensions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let deploy = Deploy::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(deploy).map_err(|e| e.to_string())
    }

    #[test]
    fn prints_like_compose() {
        assert_eq!(
            read(json!({
                "replicas": "2",
                "labels": ["a=b"],
                "update_config": {"parallelism": 2, "delay": "10s", "monitor": "1m", "max_failure_ratio": 0.3},
                "resources": {"limits": {"cpus": "0.50", "memory": "50M"}, "reservations": {"devices": [{"capabilities": ["gpu"]}]}},
                "restart_policy": {"condition": "on-failure", "window": "120s"}
            })),
            Ok(json!({
                "replicas": 2,
                "labels": {"a": "b"},
                "update_config": {"parallelism": 2, "delay": "10s", "monitor": "1m0s", "max_failure_ratio": 0.3},
                "resources": {"limits": {"cpus": 0.5, "memory": "52428800"}, "reservations": {"devices": [{"capabilities": ["gpu"], "count": -1}]}},
                "restart_policy": {"condition": "on-failure", "window": "2m0s"},
                "placement": {}
            }))
        );
    }

    #[test]
    fn limits_reject_reservation_keys() {
        assert_eq!(
            read(json!({"resources": {"limits": {"devices": []}}})),
            Err("unknown field `devices`, expected one of `cpus`, `memory`, `pids`".to_string())
        );
    }
}
