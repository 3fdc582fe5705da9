//! `x-` extension keys: the only keys Compose lets a file add to its objects.
//!
//! A struct keeps them in a `#[serde(flatten)]` field of type [`Extensions`]. Serde hands such
//! a field every key the struct does not know, and serde cannot combine `flatten` with
//! `deny_unknown_fields`, so [`Extensions`] itself rejects any key that does not start with
//! `x-`: that is where a misspelt key in an extensible object becomes an error. Read through
//! [`extensions_of`], the error names the struct's keys in serde's own words (`unknown field
//! `imgae`, expected one of …`), as a closed struct's error does, so that the loader can
//! suggest the near miss for both alike.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The `x-` keys of one object, in source order, with their values as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions(pub IndexMap<String, serde_json::Value>);

impl Extensions {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }
}

impl<'de> Deserialize<'de> for Extensions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ExtensionsVisitor { known_keys: None })
    }
}

/// `deserialize_with` for the flattened `extensions` of `T`: an unknown key is reported with
/// the keys `T` knows, taken from its schema.
pub(crate) fn extensions_of<'de, D: Deserializer<'de>, T: JsonSchema>(
    deserializer: D,
) -> Result<Extensions, D::Error> {
    deserializer.deserialize_map(ExtensionsVisitor {
        known_keys: Some(schema_keys::<T>),
    })
}

/// The property names in `T`'s schema. Only computed for an error message.
fn schema_keys<T: JsonSchema>() -> Vec<String> {
    let schema = T::json_schema(&mut SchemaGenerator::default());
    schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// Serde's message for an unknown field of a closed struct.
fn unknown_field_message(key: &str, known_keys: &[String]) -> String {
    let quoted: Vec<String> = known_keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.as_slice() {
        [] => format!("unknown field `{key}`, there are no fields"),
        [only] => format!("unknown field `{key}`, expected {only}"),
        [first, second] => format!("unknown field `{key}`, expected {first} or {second}"),
        all => format!("unknown field `{key}`, expected one of {}", all.join(", ")),
    }
}

struct ExtensionsVisitor {
    known_keys: Option<fn() -> Vec<String>>,
}

impl<'de> Visitor<'de> for ExtensionsVisitor {
    type Value = Extensions;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a mapping of x- extension keys")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extensions, A::Error> {
        let mut extensions = IndexMap::new();
        while let Some(key) = map.next_key::<String>()? {
            if !key.starts_with("x-") {
                return Err(de::Error::custom(match self.known_keys {
                    Some(known_keys) => unknown_field_message(&key, &known_keys()),
                    None => format!("unknown key `{key}`"),
                }));
            }
            let value = map.next_value::<serde_json::Value>()?;
            extensions.insert(key, value);
        }
        Ok(Extensions(extensions))
    }
}

/// Prints the keys sorted at every level, as Go prints a `map[string]any`.
impl Serialize for Extensions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        let mut entries: Vec<_> = self.0.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, value) in entries {
            map.serialize_entry(key, &SortedJson(value))?;
        }
        map.end()
    }
}

struct SortedJson<'a>(&'a serde_json::Value);

impl Serialize for SortedJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            serde_json::Value::Object(object) => {
                let mut entries: Vec<_> = object.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                serializer.collect_map(entries.into_iter().map(|(k, v)| (k, SortedJson(v))))
            }
            serde_json::Value::Array(items) => serializer.collect_seq(items.iter().map(SortedJson)),
            scalar => scalar.serialize(serializer),
        }
    }
}

impl JsonSchema for Extensions {
    fn schema_name() -> Cow<'static, str> {
        "Extensions".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "patternProperties": { "^x-": {} },
            "additionalProperties": false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn read(json: serde_json::Value) -> Result<Extensions, String> {
        Extensions::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())
    }

    #[test]
    fn keeps_x_keys_in_source_order() {
        let extensions = read(serde_json::json!({"x-b": 1, "x-a": {"k": true}}));
        let keys: Vec<String> = extensions
            .map(|e| e.0.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["x-b", "x-a"]);
    }

    #[test]
    fn rejects_other_keys_by_name() {
        assert_eq!(
            read(serde_json::json!({"x-a": 1, "imgae": "nginx"})),
            Err("unknown key `imgae`".to_string())
        );
    }

    #[test]
    fn names_the_known_keys_like_a_closed_struct() {
        #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
        struct Probe {
            #[serde(default)]
            _interval: u8,
            #[serde(default)]
            _timeout: u8,
            #[serde(flatten, deserialize_with = "extensions_of::<_, Probe>")]
            _extensions: Extensions,
        }
        let error = Probe::deserialize(&Value::from_json(&serde_json::json!({"intervall": 1})));
        assert_eq!(
            error.err().map(|e| e.to_string()).as_deref(),
            Some("unknown field `intervall`, expected `_interval` or `_timeout`")
        );
    }

    #[test]
    fn prints_keys_sorted_at_every_level() {
        let extensions =
            read(serde_json::json!({"x-b": {"z": 1, "a": [{"y": 1, "b": 2}]}, "x-a": 1}));
        let printed = extensions.map(|e| serde_json::to_string(&e).unwrap_or_default());
        assert_eq!(
            printed,
            Ok(r#"{"x-a":1,"x-b":{"a":[{"b":2,"y":1}],"z":1}}"#.to_string())
        );
    }
}
