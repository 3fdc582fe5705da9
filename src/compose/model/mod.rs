//! The typed Compose model: every key of the Compose specification, read from the loader's
//! untyped tree and printed as `docker compose config --format json` prints it.
//!
//! Reading accepts every syntax the specification allows (short and long forms, lists or
//! mappings, strings for numbers after interpolation) and turns it into one long form, with
//! the defaults Compose applies while reading (a port's `tcp` and `ingress`, a dependency's
//! `service_started`, a secret's `/run/secrets/<name>`, a build's `.` context, …). Unknown
//! keys are errors; `x-` keys are kept in each object's `extensions`.
//!
//! What needs the project's context is left to the loader's normalize stage: relative paths
//! stay as written, resource names are not prefixed with the project name, the default
//! network is not added, `env_file`s are not read and references between services are not
//! checked.
//!
//! Printing follows Compose: field order, maps sorted by key, durations like `1m30s`, sizes as
//! byte counts in strings, `command` as a list, and no `x-` keys below the top level (Compose's
//! JSON drops them there).

mod ai_model;
mod attachments;
mod build;
mod byte_size;
mod collections;
mod command;
mod depends_on;
mod deploy;
mod develop;
mod device;
mod duration;
mod env_file;
mod extensions;
mod external;
mod file_object;
mod file_reference;
mod healthcheck;
mod include;
mod mount;
mod network;
mod port;
mod service;
mod syntax;
mod ulimit;
mod volume;

use indexmap::IndexMap;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};

pub use ai_model::Model;
pub use attachments::{Attachments, ServiceModel, ServiceModels, ServiceNetwork, ServiceNetworks};
pub use build::{Build, SshKeys};
pub use byte_size::{ByteSize, InvalidByteSize};
pub use collections::{Environment, ExtraHosts, Mapping, MultiOptions, Options, StringList};
pub use command::{split_words, Command};
pub use depends_on::{Condition, Dependency, DependsOn};
pub use deploy::{
    Deploy, DiscreteResourceSpec, GenericResource, Placement, PlacementPreference, ResourceLimits,
    ResourceReservations, Resources, RestartPolicy, UpdateConfig,
};
pub use develop::{Develop, ServiceHook, WatchAction, WatchRule};
pub use device::{Device, DeviceCount, DeviceRequest};
pub use duration::{Duration, InvalidDuration};
pub use env_file::EnvFile;
pub use extensions::Extensions;
pub use external::External;
pub use file_object::{Config, Secret};
pub use file_reference::{FileMode, FileReference};
pub use healthcheck::Healthcheck;
pub use include::Include;
pub use mount::{
    clean_path, parse_short_volume, BindOptions, ImageOptions, MountKind, ServiceVolume,
    TmpfsOptions, VolumeOptions,
};
pub use network::{Ipam, IpamPool, Network};
pub use port::{parse_short_port, Port, Protocol, PublishedPorts};
pub use service::{
    BlkioConfig, CredentialSpec, Extends, Logging, Provider, Service, ThrottleDevice, WeightDevice,
};
pub use ulimit::{Ulimit, UlimitRange};
pub use volume::Volume;

use extensions::extensions_of;
use external::named_resources;
use syntax::{reserved_map, seq_short_or_long, serialize_sorted, ShortOrLong};

/// A Compose project: the root of a Compose file, or of several merged.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Project {
    /// Obsolete and ignored; Compose does not print it.
    #[serde(skip_serializing)]
    pub version: Option<String>,
    #[serde(
        deserialize_with = "named_resources",
        serialize_with = "serialize_sorted",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    #[schemars(with = "IndexMap<String, Option<Config>>")]
    pub configs: IndexMap<String, Config>,
    /// Other Compose applications to include; the loader resolves them.
    #[serde(
        deserialize_with = "seq_short_or_long",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<Include>>")]
    pub include: Vec<Include>,
    /// The project name, unless the command line or the environment gives one.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub name: Option<String>,
    #[serde(
        deserialize_with = "named_resources",
        serialize_with = "serialize_sorted",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    #[schemars(with = "IndexMap<String, Option<Network>>")]
    pub networks: IndexMap<String, Network>,
    #[serde(
        deserialize_with = "named_resources",
        serialize_with = "serialize_sorted",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    #[schemars(with = "IndexMap<String, Option<Secret>>")]
    pub secrets: IndexMap<String, Secret>,
    #[serde(deserialize_with = "reserved_map", serialize_with = "serialize_sorted")]
    pub services: IndexMap<String, Service>,
    #[serde(
        deserialize_with = "named_resources",
        serialize_with = "serialize_sorted",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    #[schemars(with = "IndexMap<String, Option<Volume>>")]
    pub volumes: IndexMap<String, Volume>,
    /// AI models; Compose 2.40 does not print them.
    #[serde(skip_serializing)]
    pub models: IndexMap<String, Model>,
    #[serde(flatten, deserialize_with = "extensions_of::<_, Project>")]
    pub extensions: Extensions,
}

/// The JSON Schema (draft 7) of a Compose file as this model reads it: every short and long
/// syntax, and strings wherever a number or a boolean may come from interpolation.
/// Compose prints no empty string field (its types mark them all `omitempty`): an empty
/// value is kept in the model, as Compose keeps it, and left out of `config`.
pub(crate) fn is_unset_or_empty(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(str::is_empty)
}

pub fn json_schema() -> serde_json::Value {
    SchemaSettings::draft07()
        .with_transform(RecursiveTransform(accept_interpolated_scalars))
        .with_transform(RecursiveTransform(deny_keys_besides_extensions))
        .into_generator()
        .into_root_schema_for::<Project>()
        .to_value()
}

/// Widens every number and boolean type to accept a string too: after interpolation any
/// scalar may be a string, and the model reads `"3"` as 3 and `"true"` as true.
fn accept_interpolated_scalars(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let widened = match object.get("type") {
        Some(serde_json::Value::String(kind)) if is_widened(kind) => {
            serde_json::json!([kind, "string"])
        }
        Some(serde_json::Value::Array(kinds))
            if kinds.iter().any(|k| k.as_str().is_some_and(is_widened))
                && !kinds.contains(&"string".into()) =>
        {
            let mut kinds = kinds.clone();
            kinds.push("string".into());
            serde_json::Value::Array(kinds)
        }
        _ => return,
    };
    object.insert("type".to_string(), widened);
}

fn is_widened(kind: &str) -> bool {
    matches!(kind, "integer" | "number" | "boolean")
}

/// An object that takes `x-` keys takes no other unknown key. (Schemars leaves
/// `additionalProperties` open around a flattened field, here the [`Extensions`].)
fn deny_keys_besides_extensions(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let takes_extensions = object
        .get("patternProperties")
        .and_then(|patterns| patterns.as_object())
        .is_some_and(|patterns| patterns.contains_key("^x-"));
    if takes_extensions {
        object.entry("additionalProperties").or_insert(false.into());
    }
}

#[cfg(test)]
mod tests;
