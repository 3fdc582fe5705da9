//! [`Ulimit`]: a process limit, written as one number for both the soft and hard limits or as
//! a `{soft, hard}` mapping.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::extensions::{extensions_of, Extensions};

/// One `ulimits` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ulimit {
    /// The same value for the soft and the hard limit.
    Single(i64),
    Range(UlimitRange),
}

/// Separate soft and hard limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct UlimitRange {
    pub soft: i64,
    pub hard: i64,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, UlimitRange>"
    )]
    pub extensions: Extensions,
}

impl Ulimit {
    pub fn soft(&self) -> i64 {
        match self {
            Ulimit::Single(limit) => *limit,
            Ulimit::Range(range) => range.soft,
        }
    }

    pub fn hard(&self) -> i64 {
        match self {
            Ulimit::Single(limit) => *limit,
            Ulimit::Range(range) => range.hard,
        }
    }
}

impl Serialize for Ulimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Ulimit::Single(limit) => serializer.serialize_i64(*limit),
            Ulimit::Range(range) => range.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Ulimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UlimitVisitor)
    }
}

struct UlimitVisitor;

impl<'de> Visitor<'de> for UlimitVisitor {
    type Value = Ulimit;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a number or a mapping with soft and hard")
    }

    fn visit_i64<E: de::Error>(self, limit: i64) -> Result<Ulimit, E> {
        Ok(Ulimit::Single(limit))
    }

    fn visit_u64<E: de::Error>(self, limit: u64) -> Result<Ulimit, E> {
        i64::try_from(limit)
            .map(Ulimit::Single)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(limit), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Ulimit, E> {
        text.trim()
            .parse()
            .map(Ulimit::Single)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Ulimit, A::Error> {
        UlimitRange::deserialize(de::value::MapAccessDeserializer::new(map)).map(Ulimit::Range)
    }
}

impl JsonSchema for Ulimit {
    fn schema_name() -> Cow<'static, str> {
        "Ulimit".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": ["integer", "string"], "description": "The soft and hard limit." },
                generator.subschema_for::<UlimitRange>()
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read(json: serde_json::Value) -> Result<Ulimit, String> {
        Ulimit::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())
    }

    #[test]
    fn one_number_sets_both_limits() {
        let limit = read(json!(65535));
        assert_eq!(
            limit.as_ref().map(|l| (l.soft(), l.hard())),
            Ok((65535, 65535))
        );
        assert_eq!(
            limit.and_then(|l| serde_json::to_value(l).map_err(|e| e.to_string())),
            Ok(json!(65535))
        );
    }

    #[test]
    fn a_mapping_needs_both_limits() {
        assert_eq!(
            read(json!({"soft": 1, "hard": "2"})).map(|l| (l.soft(), l.hard())),
            Ok((1, 2))
        );
        assert_eq!(
            read(json!({"soft": 1})),
            Err("missing field `hard`".to_string())
        );
    }
}
