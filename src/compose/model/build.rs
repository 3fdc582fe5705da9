//! [`Build`]: how to build a service's image, written as the build context alone or as a
//! mapping.

use std::borrow::Cow;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess};
use serde::{Deserialize, Serialize, Serializer};

use super::byte_size::{self, ByteSize};
use super::collections::{Environment, ExtraHosts, Mapping};
use super::extensions::{extensions_of, Extensions};
use super::file_reference::FileReference;
use super::syntax::{
    deserialize_list_or_map, is_false, seq_short_or_long, serialize_sorted, ListOrMap, ShortOrLong,
    ShortSyntax,
};
use super::ulimit::Ulimit;

/// A service's image build. Paths are as written; the loader resolves them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Build {
    /// The build context: a directory or a URL (`.` when not given).
    pub context: String,
    /// The Dockerfile, relative to the context.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub dockerfile: Option<String>,
    /// A Dockerfile written inline, instead of `dockerfile`.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub dockerfile_inline: Option<String>,
    /// Extra privileges granted to the build (`network.host`, `security.insecure`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<String>,
    #[serde(skip_serializing_if = "Environment::is_empty")]
    pub args: Environment,
    /// A provenance attestation: `true`, `false` or BuildKit's `mode=…` options.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub provenance: Option<String>,
    /// An SBOM attestation: `true`, `false` or BuildKit's options.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub sbom: Option<String>,
    #[serde(skip_serializing_if = "SshKeys::is_empty")]
    pub ssh: SshKeys,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_from: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_to: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub no_cache: bool,
    /// Named contexts the Dockerfile can refer to.
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub additional_contexts: Mapping,
    /// Always pull newer base images.
    #[serde(skip_serializing_if = "is_false")]
    pub pull: bool,
    #[serde(skip_serializing_if = "ExtraHosts::is_empty")]
    pub extra_hosts: ExtraHosts,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub isolation: Option<String>,
    /// The network of the build's RUN steps.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub network: Option<String>,
    /// The stage of a multi-stage Dockerfile to build.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub target: Option<String>,
    /// Secrets the build can read (no default target, unlike a service's secrets).
    #[serde(
        deserialize_with = "seq_short_or_long",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "Vec<ShortOrLong<FileReference>>")]
    pub secrets: Vec<FileReference>,
    #[serde(skip_serializing_if = "byte_size::is_unset")]
    pub shm_size: Option<ByteSize>,
    /// More names for the built image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(
        serialize_with = "serialize_sorted",
        skip_serializing_if = "IndexMap::is_empty"
    )]
    pub ulimits: IndexMap<String, Ulimit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Build>"
    )]
    pub extensions: Extensions,
}

impl Default for Build {
    fn default() -> Self {
        Build {
            context: ".".to_string(),
            dockerfile: None,
            dockerfile_inline: None,
            entitlements: Vec::new(),
            args: Environment::default(),
            provenance: None,
            sbom: None,
            ssh: SshKeys::default(),
            labels: Mapping::default(),
            cache_from: Vec::new(),
            cache_to: Vec::new(),
            no_cache: false,
            additional_contexts: Mapping::default(),
            pull: false,
            extra_hosts: ExtraHosts::default(),
            isolation: None,
            network: None,
            target: None,
            secrets: Vec::new(),
            shm_size: None,
            tags: Vec::new(),
            ulimits: IndexMap::new(),
            platforms: Vec::new(),
            privileged: false,
            extensions: Extensions::default(),
        }
    }
}

impl ShortSyntax for Build {
    type Long = Build;
    const EXPECTED: &'static str = "a build context (a path or a URL) or a mapping";

    fn from_short(context: &str) -> Result<Self, String> {
        Ok(Build {
            context: context.to_string(),
            ..Build::default()
        })
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Build::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// SSH agent sockets or keys the build may use, by id: `["default", "id=path"]` or
/// `{id: path}`. `None` is the default agent socket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshKeys(pub IndexMap<String, Option<String>>);

impl SshKeys {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ListOrMap for SshKeys {
    const EXPECTED: &'static str =
        "a list of SSH keys such as \"default\" or \"id=path\", or a mapping";

    fn insert_item(&mut self, item: String) -> Result<(), String> {
        match item.split_once('=') {
            Some((id, path)) => self.0.insert(id.to_string(), Some(path.to_string())),
            None if item == "default" => self.0.insert(item, None),
            None => {
                return Err(format!(
                    "invalid ssh key {item:?}: expected default or id=path"
                ))
            }
        };
        Ok(())
    }

    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        id: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let path: Option<String> = map.next_value()?;
        self.0.insert(id, path);
        Ok(())
    }
}

impl<'de> Deserialize<'de> for SshKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list_or_map(deserializer)
    }
}

/// Printed as the list form, `id` or `id=path`, in source order. (Compose's own JSON printer
/// produces invalid JSON for a key with a path; the list form reads back the same.)
impl Serialize for SshKeys {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(id, path)| match path {
            Some(path) => format!("{id}={path}"),
            None => id.clone(),
        }))
    }
}

impl JsonSchema for SshKeys {
    fn schema_name() -> Cow<'static, str> {
        "SshKeys".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "array", "items": { "type": "string" }, "description": "default, or id=path" },
                { "type": "object", "additionalProperties": { "type": ["string", "null"] } }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::syntax::ShortOrLong;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let build: Build = ShortOrLong::deserialize(&Value::from_json(&json))
            .map(|v: ShortOrLong<_>| v.0)
            .map_err(|e| e.to_string())?;
        serde_json::to_value(build).map_err(|e| e.to_string())
    }

    #[test]
    fn a_string_is_the_context() {
        assert_eq!(read(json!("./web")), Ok(json!({"context": "./web"})));
    }

    #[test]
    fn a_mapping_without_context_builds_the_current_directory() {
        assert_eq!(
            read(
                json!({"dockerfile": "web.Dockerfile", "args": ["A=1", "B"], "ssh": ["default", "key=/k"], "provenance": true, "shm_size": "2gb"})
            ),
            Ok(
                json!({"context": ".", "dockerfile": "web.Dockerfile", "args": {"A": "1", "B": null}, "provenance": "true", "ssh": ["default", "key=/k"], "shm_size": "2147483648"})
            )
        );
    }

    #[test]
    fn an_ssh_entry_needs_an_id() {
        assert_eq!(
            read(json!({"ssh": ["mykey"]})),
            Err("invalid ssh key \"mykey\": expected default or id=path".to_string())
        );
    }
}
