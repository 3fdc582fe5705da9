//! [`Service`]: one entry of `services`, with the small settings objects only a service has.
//!
//! Fields are in the order Compose prints them. Paths (build context, bind sources, env
//! files, …) are as written: the loader's normalize stage resolves them.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess};
use serde::{Deserialize, Serialize};

use super::attachments::{ServiceModels, ServiceNetworks};
use super::build::Build;
use super::byte_size::{self, ByteSize};
use super::collections::{Environment, ExtraHosts, Mapping, MultiOptions, Options, StringList};
use super::command::Command;
use super::depends_on::DependsOn;
use super::deploy::Deploy;
use super::develop::{Develop, ServiceHook};
use super::device::{gpus, Device, DeviceRequest, GpusSchema};
use super::duration::Duration;
use super::env_file::{env_files, EnvFile, EnvFilesSchema};
use super::extensions::{extensions_of, Extensions};
use super::file_reference::{service_secrets, FileReference};
use super::healthcheck::Healthcheck;
use super::mount::ServiceVolume;
use super::port::{deserialize_ports, Port, PortEntries};
use super::syntax::{
    is_false, is_zero, optional_boxed_short_or_long, optional_short_or_long, seq_short_or_long,
    serialize_go_float, serialize_sorted, ShortOrLong, ShortSyntax, StringOrNumber,
};
use super::ulimit::Ulimit;

/// A service: the containers of one image and their settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Service {
    /// The profiles that enable the service; none means always enabled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub annotations: Mapping,
    /// Whether `docker compose up` attaches to the service's output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<bool>,
    // Build and deploy are the largest parts of a service (about 2 KiB of its 5): out of
    // line, a project of many services takes less memory.
    #[serde(
        deserialize_with = "optional_boxed_short_or_long",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<ShortOrLong<Build>>")]
    pub build: Option<Box<Build>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<Develop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<BlkioConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub cgroup_parent: Option<String>,
    /// The cgroup namespace: `host` or `private`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub cgroup: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_count: i64,
    #[serde(serialize_with = "serialize_go_float", skip_serializing_if = "is_zero")]
    pub cpu_percent: f32,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_period: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_quota: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_rt_period: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_rt_runtime: i64,
    /// CPU cores, fractions allowed.
    #[serde(serialize_with = "serialize_go_float", skip_serializing_if = "is_zero")]
    pub cpus: f32,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub cpuset: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub cpu_shares: i64,
    /// Overrides the image's command; an empty one clears it. Compose prints null when
    /// unset.
    pub command: Option<Command>,
    #[serde(
        deserialize_with = "seq_short_or_long",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<FileReference>>")]
    pub configs: Vec<FileReference>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub container_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<CredentialSpec>,
    #[serde(skip_serializing_if = "DependsOn::is_empty")]
    pub depends_on: DependsOn,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Box<Deploy>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    #[serde(
        deserialize_with = "seq_short_or_long",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<Device>>")]
    pub devices: Vec<Device>,
    /// DNS servers. Empty entries are dropped, as Compose does, so that an interpolated
    /// `dns: ${DNS:-}` means none.
    #[serde(
        deserialize_with = "non_empty_strings",
        skip_serializing_if = "StringList::is_empty"
    )]
    pub dns: StringList,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    #[serde(skip_serializing_if = "StringList::is_empty")]
    pub dns_search: StringList,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub domainname: Option<String>,
    /// Overrides the image's entrypoint; an empty one clears it. Compose prints null when
    /// unset.
    pub entrypoint: Option<Command>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    #[serde(skip_serializing_if = "Environment::is_empty")]
    pub environment: Environment,
    #[serde(deserialize_with = "env_files", skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "EnvFilesSchema")]
    pub env_file: Vec<EnvFile>,
    /// Ports reachable from other services without being published, `port[/protocol]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<StringOrNumber>")]
    pub expose: Vec<String>,
    #[serde(
        deserialize_with = "optional_short_or_long",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<ShortOrLong<Extends>>")]
    pub extends: Option<Extends>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_links: Vec<String>,
    #[serde(skip_serializing_if = "ExtraHosts::is_empty")]
    pub extra_hosts: ExtraHosts,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<StringOrNumber>")]
    pub group_add: Vec<String>,
    #[serde(deserialize_with = "gpus", skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "GpusSchema")]
    pub gpus: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub image: Option<String>,
    /// Run an init process that forwards signals and reaps processes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub ipc: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub isolation: Option<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    /// Files of labels, as written (the loader reads them).
    #[serde(skip_serializing_if = "StringList::is_empty")]
    pub label_file: StringList,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub mem_limit: Option<ByteSize>,
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub mem_reservation: Option<ByteSize>,
    /// -1 for unlimited swap.
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub memswap_limit: Option<ByteSize>,
    /// A percentage (0 to 100), which Compose reads and prints as it does sizes.
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub mem_swappiness: Option<ByteSize>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub mac_address: Option<String>,
    #[serde(skip_serializing_if = "ServiceModels::is_empty")]
    pub models: ServiceModels,
    /// `bridge`, `host`, `none`, `service:<name>` or `container:<name>`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub network_mode: Option<String>,
    #[serde(skip_serializing_if = "ServiceNetworks::is_empty")]
    pub networks: ServiceNetworks,
    #[serde(skip_serializing_if = "is_false")]
    pub oom_kill_disable: bool,
    #[serde(skip_serializing_if = "is_zero")]
    pub oom_score_adj: i64,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub pid: Option<String>,
    /// -1 for unlimited.
    #[serde(skip_serializing_if = "is_zero")]
    pub pids_limit: i64,
    /// `os/arch[/variant]`, such as `linux/amd64`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub platform: Option<String>,
    #[serde(
        deserialize_with = "deserialize_ports",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<PortEntries>>")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    /// `always`, `never`, `missing`, `build`, `daily`, `weekly` or `every_<duration>`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub pull_policy: Option<String>,
    /// Compose 2.40 accepts this key and ignores it, and does not print it.
    #[serde(skip_serializing)]
    pub pull_refresh_after: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// `no`, `always`, `on-failure[:max-retries]` or `unless-stopped`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub restart: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    #[serde(
        deserialize_with = "service_secrets",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<FileReference>>")]
    pub secrets: Vec<FileReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub shm_size: Option<ByteSize>,
    #[serde(skip_serializing_if = "is_false")]
    pub stdin_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub storage_opt: Options,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub sysctls: Mapping,
    /// Paths mounted as tmpfs, `path[:options]`.
    #[serde(skip_serializing_if = "StringList::is_empty")]
    pub tmpfs: StringList,
    #[serde(skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(
        serialize_with = "serialize_sorted",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub ulimits: IndexMap<String, Ulimit>,
    /// Mount the engine's API socket and credentials into the container.
    #[serde(skip_serializing_if = "is_false")]
    pub use_api_socket: bool,
    /// `user[:group]`, by name or number.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub userns_mode: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub uts: Option<String>,
    #[serde(
        deserialize_with = "seq_short_or_long",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<ServiceVolume>>")]
    pub volumes: Vec<ServiceVolume>,
    /// `service[:ro|rw]` or `container:<name>[:ro|rw]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_start: Vec<ServiceHook>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_stop: Vec<ServiceHook>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Service>"
    )]
    pub extensions: Extensions,
}

impl Service {
    /// The service whose network this one joins directly (`network_mode: service:X`).
    pub fn joined_service(&self) -> Option<&str> {
        self.network_mode
            .as_deref()
            .and_then(|mode| mode.strip_prefix("service:"))
    }
}

fn non_empty_strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<StringList, D::Error> {
    let mut list = StringList::deserialize(deserializer)?;
    list.retain(|item| !item.is_empty());
    Ok(list)
}

/// Block IO limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BlkioConfig {
    /// Relative weight, 10 to 1000.
    #[serde(skip_serializing_if = "is_zero")]
    pub weight: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_iops: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_iops: Vec<ThrottleDevice>,
}

/// The block IO weight of one device. Compose prints these keys capitalised (`Path`), and
/// this reader accepts that spelling too so its output reads back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WeightDevice {
    #[serde(rename(serialize = "Path", deserialize = "path"), alias = "Path")]
    pub path: String,
    #[serde(rename(serialize = "Weight", deserialize = "weight"), alias = "Weight")]
    pub weight: u16,
}

/// A rate limit on one device, in bytes or operations per second. Compose prints these keys
/// capitalised (`Path`), and this reader accepts that spelling too so its output reads back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleDevice {
    #[serde(rename(serialize = "Path", deserialize = "path"), alias = "Path")]
    pub path: String,
    #[serde(rename(serialize = "Rate", deserialize = "rate"), alias = "Rate")]
    pub rate: ByteSize,
}

/// A Windows managed service account's credential spec.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct CredentialSpec {
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub config: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub registry: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, CredentialSpec>"
    )]
    pub extensions: Extensions,
}

/// Where a service's logs go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Logging {
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub options: Options,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Logging>"
    )]
    pub extensions: Extensions,
}

/// The service this one extends, written as its name or as a mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extends {
    pub service: String,
    /// The file that defines it, when not this one.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub file: Option<String>,
}

impl ShortSyntax for Extends {
    type Long = Extends;
    const EXPECTED: &'static str = "the name of a service or a mapping with service and file";

    fn from_short(service: &str) -> Result<Self, String> {
        Ok(Extends {
            service: service.to_string(),
            file: None,
        })
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Extends::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// A service managed by an external provider instead of by the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct Provider {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "MultiOptions::is_empty")]
    pub options: MultiOptions,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Provider>"
    )]
    pub extensions: Extensions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let service = Service::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(service).map_err(|e| e.to_string())
    }

    #[test]
    fn short_forms_print_in_long_form() {
        assert_eq!(
            read(json!({
                "image": "nginx",
                "build": ".",
                "command": "nginx -g 'daemon off;'",
                "environment": ["A=1", "B"],
                "extends": "base",
                "secrets": ["s"],
                "dns": ["", "8.8.8.8"],
                "expose": [80, "90/udp"],
                "stop_grace_period": "90s",
                "mem_limit": "512m",
                "ulimits": {"nproc": 65535, "nofile": {"soft": 1, "hard": 2}},
                "blkio_config": {"device_read_bps": [{"path": "/dev/sda", "rate": "1mb"}]},
                "x-note": "kept, not printed"
            })),
            Ok(json!({
                "build": {"context": "."},
                "command": ["nginx", "-g", "daemon off;"],
                "entrypoint": null,
                "environment": {"A": "1", "B": null},
                "extends": {"service": "base"},
                "secrets": [{"source": "s", "target": "/run/secrets/s"}],
                "dns": ["8.8.8.8"],
                "expose": ["80", "90/udp"],
                "stop_grace_period": "1m30s",
                "mem_limit": "536870912",
                "ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 65535},
                "blkio_config": {"device_read_bps": [{"Path": "/dev/sda", "Rate": "1048576"}]},
                "image": "nginx"
            }))
        );
    }

    #[test]
    fn extensions_are_kept() {
        let service = Service::deserialize(&Value::from_json(
            &json!({"x-kubernetes": {"workload": "Job"}}),
        ));
        let workload = service.ok().and_then(|s| {
            s.extensions
                .get("x-kubernetes")
                .map(|x| x["workload"].clone())
        });
        assert_eq!(workload, Some(json!("Job")));
    }

    #[test]
    fn an_unknown_key_is_named_with_the_known_ones() {
        let error = read(json!({"imgae": "nginx"})).err().unwrap_or_default();
        assert!(
            error.starts_with("unknown field `imgae`, expected one of `profiles`, `annotations`,"),
            "{error}"
        );
        assert!(error.contains(", `image`, "), "{error}");
    }

    #[test]
    fn a_bad_value_says_what_was_expected() {
        assert_eq!(
            read(json!({"cpus": "half"})),
            Err("invalid value: string \"half\", expected f32".to_string())
        );
        assert_eq!(
            read(json!({"mem_limit": "lots"})),
            Err("invalid size \"lots\": expected a number of bytes, optionally with a unit b, k, m, g, t or p (such as 512m or 1.5gb)".to_string())
        );
    }
}
