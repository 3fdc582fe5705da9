//! [`Healthcheck`]: how the engine decides that a service's container is healthy.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::duration::Duration;
use super::extensions::{extensions_of, Extensions};
use super::syntax::is_false;

/// A container health check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Healthcheck {
    /// The check: `["CMD", args…]` runs a program, `["CMD-SHELL", line]` runs a shell
    /// command line, `["NONE"]` disables the image's check. A string is a `CMD-SHELL` line.
    #[serde(
        deserialize_with = "healthcheck_test",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(with = "HealthcheckTestSchema")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Consecutive failures before the container is unhealthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    /// Time to start up, during which failures do not count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    /// Time between checks during the start period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    /// Disable the image's health check.
    #[serde(skip_serializing_if = "is_false")]
    pub disable: bool,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Healthcheck>"
    )]
    pub extensions: Extensions,
}

fn healthcheck_test<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    deserializer.deserialize_any(HealthcheckTestVisitor)
}

struct HealthcheckTestVisitor;

impl<'de> Visitor<'de> for HealthcheckTestVisitor {
    type Value = Vec<String>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a shell command line, or a list starting with CMD, CMD-SHELL or NONE")
    }

    fn visit_str<E: de::Error>(self, line: &str) -> Result<Vec<String>, E> {
        Ok(vec!["CMD-SHELL".to_string(), line.to_string()])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut words = Vec::new();
        while let Some(word) = seq.next_element::<String>()? {
            words.push(word);
        }
        Ok(words)
    }
}

struct HealthcheckTestSchema;

impl JsonSchema for HealthcheckTestSchema {
    fn schema_name() -> Cow<'static, str> {
        "HealthcheckTest".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "string", "description": "A command line run by the container's shell." },
                { "type": "array", "items": { "type": "string" }, "description": "NONE, CMD followed by a program and its arguments, or CMD-SHELL followed by a command line." }
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
        let healthcheck =
            Healthcheck::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(healthcheck).map_err(|e| e.to_string())
    }

    #[test]
    fn a_string_test_runs_in_a_shell_and_durations_print_like_compose() {
        assert_eq!(
            read(
                json!({"test": "curl -f http://localhost", "interval": "90s", "timeout": "1.5s", "retries": "3", "start_period": "1m"})
            ),
            Ok(
                json!({"test": ["CMD-SHELL", "curl -f http://localhost"], "timeout": "1.5s", "interval": "1m30s", "retries": 3, "start_period": "1m0s"})
            )
        );
    }

    #[test]
    fn a_bad_duration_names_the_key_value() {
        assert_eq!(
            read(json!({"interval": "10"})),
            Err("invalid duration \"10\": a unit is missing; expected a number with a unit (ns, us, ms, s, m, h, d, w) such as 10s, 1m30s or 1.5s".to_string())
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert_eq!(
            read(json!({"intervall": "10s"})),
            Err("unknown field `intervall`, expected one of `test`, `timeout`, `interval`, `retries`, `start_period`, `start_interval`, `disable`".to_string())
        );
    }
}
