//! [`DependsOn`]: the services a service waits for, written as a list of names or as a
//! mapping of names to conditions.

use std::borrow::Cow;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{Deserializer, MapAccess};
use serde::{Deserialize, Serialize, Serializer};

use super::extensions::{extensions_of, Extensions};
use super::syntax::{
    deref_to_inner, deserialize_list_or_map, is_false, serialize_sorted, ListOrMap,
};

/// The dependencies of a service, by service name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DependsOn(pub IndexMap<String, Dependency>);

deref_to_inner!(DependsOn => IndexMap<String, Dependency>);

/// How a service depends on another.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct Dependency {
    #[serde(default)]
    pub condition: Condition,
    /// Restart this service when the dependency is updated.
    #[serde(default, skip_serializing_if = "is_false")]
    pub restart: bool,
    /// Whether the dependency must exist and start (true unless said otherwise).
    #[serde(default = "required_by_default")]
    pub required: bool,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Dependency>"
    )]
    pub extensions: Extensions,
}

fn required_by_default() -> bool {
    true
}

impl Default for Dependency {
    /// What a name in the list form means: started, required.
    fn default() -> Self {
        Dependency {
            condition: Condition::ServiceStarted,
            restart: false,
            required: true,
            extensions: Extensions::default(),
        }
    }
}

/// What a dependency must reach before the dependent service starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The dependency's container has started.
    #[default]
    ServiceStarted,
    /// The dependency's health check passes.
    ServiceHealthy,
    /// The dependency ran to completion with exit code 0.
    ServiceCompletedSuccessfully,
}

impl ListOrMap for DependsOn {
    const EXPECTED: &'static str =
        "a list of service names or a mapping of service names to conditions";

    fn insert_item(&mut self, service: String) -> Result<(), String> {
        self.0.insert(service, Dependency::default());
        Ok(())
    }

    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        service: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let dependency = map.next_value()?;
        self.0.insert(service, dependency);
        Ok(())
    }
}

impl<'de> Deserialize<'de> for DependsOn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list_or_map(deserializer)
    }
}

impl Serialize for DependsOn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_sorted(&self.0, serializer)
    }
}

impl JsonSchema for DependsOn {
    fn schema_name() -> Cow<'static, str> {
        "DependsOn".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "array", "items": { "type": "string" } },
                { "type": "object", "additionalProperties": generator.subschema_for::<Dependency>() }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let depends_on =
            DependsOn::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(depends_on).map_err(|e| e.to_string())
    }

    #[test]
    fn a_list_means_started_and_required() {
        assert_eq!(
            read(json!(["db", "cache"])),
            Ok(
                json!({"cache": {"condition": "service_started", "required": true}, "db": {"condition": "service_started", "required": true}})
            )
        );
    }

    #[test]
    fn a_mapping_keeps_its_conditions() {
        assert_eq!(
            read(
                json!({"db": {"condition": "service_healthy", "restart": true}, "init": {"condition": "service_completed_successfully", "required": false}})
            ),
            Ok(json!({
                "db": {"condition": "service_healthy", "restart": true, "required": true},
                "init": {"condition": "service_completed_successfully", "required": false}
            }))
        );
    }

    #[test]
    fn an_unknown_condition_is_named() {
        assert!(read(json!({"db": {"condition": "healthy"}}))
            .is_err_and(|e| e.starts_with("unknown variant `healthy`")));
    }
}
