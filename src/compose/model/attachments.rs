//! [`Attachments`]: a service's `networks` and `models`, written as a list of names or as a
//! mapping of names to settings (or to null, for none).

use std::borrow::Cow;
use std::ops::{Deref, DerefMut};

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{DeserializeOwned, Deserializer, MapAccess};
use serde::{Deserialize, Serialize, Serializer};

use super::collections::Options;
use super::extensions::{extensions_of, Extensions};
use super::syntax::{deserialize_list_or_map, is_zero, serialize_sorted, ListOrMap};

/// Named things a service attaches to, each with optional settings (`None` prints as null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachments<T>(pub IndexMap<String, Option<T>>);

/// The networks a service joins.
pub type ServiceNetworks = Attachments<ServiceNetwork>;

/// The AI models a service uses.
pub type ServiceModels = Attachments<ServiceModel>;

impl<T> Default for Attachments<T> {
    fn default() -> Self {
        Attachments(IndexMap::new())
    }
}

impl<T> Attachments<T> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T> Deref for Attachments<T> {
    type Target = IndexMap<String, Option<T>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> DerefMut for Attachments<T> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<T: DeserializeOwned> ListOrMap for Attachments<T> {
    const EXPECTED: &'static str = "a list of names or a mapping of names to settings";

    fn insert_item(&mut self, name: String) -> Result<(), String> {
        self.0.insert(name, None);
        Ok(())
    }

    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        name: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let settings = map.next_value()?;
        self.0.insert(name, settings);
        Ok(())
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Attachments<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list_or_map(deserializer)
    }
}

impl<T: Serialize> Serialize for Attachments<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_sorted(&self.0, serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Attachments<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("{}s", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "array", "items": { "type": "string" } },
                { "type": "object", "additionalProperties": generator.subschema_for::<Option<T>>() }
            ]
        })
    }
}

/// How a service joins one network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct ServiceNetwork {
    /// Other host names for the service on this network.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub driver_opts: Options,
    /// Which network provides the default gateway (highest wins).
    #[serde(skip_serializing_if = "is_zero")]
    pub gw_priority: i64,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub interface_name: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub ipv6_address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub mac_address: Option<String>,
    /// The order in which the service connects to its networks (highest first).
    #[serde(skip_serializing_if = "is_zero")]
    pub priority: i64,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ServiceNetwork>"
    )]
    pub extensions: Extensions,
}

/// How a service sees one AI model: the environment variables that receive its endpoint and
/// name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct ServiceModel {
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub endpoint_var: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub model_var: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ServiceModel>"
    )]
    pub extensions: Extensions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let networks =
            ServiceNetworks::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(networks).map_err(|e| e.to_string())
    }

    #[test]
    fn a_list_attaches_without_settings() {
        assert_eq!(
            read(json!(["front", "back"])),
            Ok(json!({"back": null, "front": null}))
        );
    }

    #[test]
    fn a_mapping_keeps_settings() {
        assert_eq!(
            read(json!({"front": {"aliases": ["web"], "priority": 10}, "back": null})),
            Ok(json!({"back": null, "front": {"aliases": ["web"], "priority": 10}}))
        );
    }

    #[test]
    fn unknown_settings_are_errors() {
        assert_eq!(
            read(json!({"front": {"alias": ["web"]}})),
            Err("unknown field `alias`, expected one of `aliases`, `driver_opts`, `gw_priority`, `interface_name`, `ipv4_address`, `ipv6_address`, `link_local_ips`, `mac_address`, `priority`".to_string())
        );
    }
}
