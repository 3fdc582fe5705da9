//! The collections Compose lets a file write in more than one way: `KEY=VALUE` lists or
//! mappings ([`Mapping`], [`Environment`], [`ExtraHosts`]), plain option mappings
//! ([`Options`], [`MultiOptions`]) and a string standing for a one-item list ([`StringList`]).
//!
//! Each keeps its entries in source order and prints them as Compose does: maps sorted by key,
//! extra hosts as a sorted `host=ip` list.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};

use super::syntax::{
    deref_to_inner, deserialize_list_or_map, list_or_map_schema, scalar_schema, serialize_sorted,
    ListOrMap, ScalarOrNull,
};
use crate::value::format_float;

/// Compose's `list_or_dict` with string values, used for labels, annotations, sysctls and
/// similar: `["A=1", "B"]` or `{A: 1, B: null}`. A key without a value maps to `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping(pub IndexMap<String, String>);

deref_to_inner!(Mapping => IndexMap<String, String>);

impl ListOrMap for Mapping {
    const EXPECTED: &'static str = "a list of KEY=VALUE strings or a mapping";

    fn insert_item(&mut self, item: String) -> Result<(), String> {
        let (key, value) = item.split_once('=').unwrap_or((&item, ""));
        self.0.insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        key: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let ScalarOrNull(value) = map.next_value()?;
        self.0.insert(key, value);
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Mapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list_or_map(deserializer)
    }
}

impl Serialize for Mapping {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_sorted(&self.0, serializer)
    }
}

impl JsonSchema for Mapping {
    fn schema_name() -> Cow<'static, str> {
        "ListOrDict".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        list_or_map_schema(
            scalar_schema(),
            "A mapping, or a list of KEY=VALUE strings (a KEY alone maps to the empty string).",
        )
    }
}

/// Environment variables (`environment`, `build.args`, a hook's `environment`): `["A=1", "B"]`
/// or `{A: 1, B: null}`. A variable without a value (`B`) is `None`: Compose resolves it from
/// the environment later, or drops it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment(pub IndexMap<String, Option<String>>);

deref_to_inner!(Environment => IndexMap<String, Option<String>>);

impl ListOrMap for Environment {
    const EXPECTED: &'static str = "a list of KEY=VALUE strings or a mapping";

    fn insert_item(&mut self, item: String) -> Result<(), String> {
        let (key, value) = match item.split_once('=') {
            Some((key, value)) => (key, Some(value.to_string())),
            None => (item.as_str(), None),
        };
        if key.ends_with(char::is_whitespace) {
            return Err(format!(
                "environment variable {key:?} is declared with a trailing space"
            ));
        }
        self.0.insert(key.to_string(), value);
        Ok(())
    }

    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        key: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let value: Option<String> = map.next_value()?;
        self.0.insert(key, value);
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Environment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list_or_map(deserializer)
    }
}

impl Serialize for Environment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_sorted(&self.0, serializer)
    }
}

impl JsonSchema for Environment {
    fn schema_name() -> Cow<'static, str> {
        "Environment".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        list_or_map_schema(
            scalar_schema(),
            "A mapping, or a list of KEY=VALUE strings; a KEY without a value is taken from the environment.",
        )
    }
}

/// Driver and logging options: a mapping whose values are scalars (null reads as `""`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options(pub IndexMap<String, String>);

deref_to_inner!(Options => IndexMap<String, String>);

impl<'de> Deserialize<'de> for Options {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = IndexMap::<String, ScalarOrNull>::deserialize(deserializer)?;
        Ok(Options(
            entries.into_iter().map(|(k, v)| (k, v.0)).collect(),
        ))
    }
}

impl Serialize for Options {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_sorted(&self.0, serializer)
    }
}

impl JsonSchema for Options {
    fn schema_name() -> Cow<'static, str> {
        "Options".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "additionalProperties": scalar_schema() })
    }
}

/// Options that may repeat (a provider's `options`): each value is a scalar or a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MultiOptions(pub IndexMap<String, Vec<String>>);

deref_to_inner!(MultiOptions => IndexMap<String, Vec<String>>);

impl<'de> Deserialize<'de> for MultiOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = IndexMap::<String, StringList>::deserialize(deserializer)?;
        Ok(MultiOptions(
            entries.into_iter().map(|(k, v)| (k, v.0)).collect(),
        ))
    }
}

impl Serialize for MultiOptions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_sorted(&self.0, serializer)
    }
}

impl JsonSchema for MultiOptions {
    fn schema_name() -> Cow<'static, str> {
        "MultiOptions".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": {
                "oneOf": [
                    { "type": ["string", "number", "boolean"] },
                    { "type": "array", "items": { "type": ["string", "number", "boolean"] } }
                ]
            }
        })
    }
}

/// `extra_hosts`: host names and the addresses they resolve to, written as `["host=ip"]`
/// (or the older `host:ip`), or as a mapping to one address or a list of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraHosts(pub IndexMap<String, Vec<String>>);

deref_to_inner!(ExtraHosts => IndexMap<String, Vec<String>>);

impl ExtraHosts {
    fn add(
        &mut self,
        host: &str,
        addresses: impl IntoIterator<Item = String>,
    ) -> Result<(), String> {
        if host.is_empty() || host.contains([':', '=']) {
            return Err(format!("bad host name {host:?} in extra_hosts"));
        }
        let entry = self.0.entry(host.to_string()).or_default();
        entry.extend(
            addresses
                .into_iter()
                .map(|address| strip_brackets(&address).to_string()),
        );
        Ok(())
    }
}

/// `[::1]` → `::1`: brackets around an IPv6 address are for the reader only.
fn strip_brackets(address: &str) -> &str {
    match address.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        Some(inner) if !inner.is_empty() => inner,
        _ => address,
    }
}

impl ListOrMap for ExtraHosts {
    const EXPECTED: &'static str =
        "a list of host=ip strings or a mapping of host names to addresses";

    fn insert_item(&mut self, item: String) -> Result<(), String> {
        let (host, addresses) = item
            .split_once('=')
            .or_else(|| item.split_once(':'))
            .ok_or_else(|| format!("invalid extra host {item:?}: expected host=ip"))?;
        self.add(host, addresses.split(',').map(str::to_string))
    }

    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        key: String,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let addresses = map
            .next_value::<Option<StringList>>()?
            .map(|list| list.0)
            .unwrap_or_else(|| vec![String::new()]);
        self.add(&key, addresses).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for ExtraHosts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_list_or_map(deserializer)
    }
}

/// Compose prints extra hosts as a sorted list of `host=ip`.
impl Serialize for ExtraHosts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut lines: Vec<String> = self
            .0
            .iter()
            .flat_map(|(host, addresses)| {
                addresses
                    .iter()
                    .map(move |address| format!("{host}={address}"))
            })
            .collect();
        lines.sort();
        serializer.collect_seq(lines)
    }
}

impl JsonSchema for ExtraHosts {
    fn schema_name() -> Cow<'static, str> {
        "ExtraHosts".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Host names and their addresses: a mapping, or a list of host=ip strings.",
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": {
                        "oneOf": [
                            { "type": "string" },
                            { "type": "array", "items": { "type": "string" } }
                        ]
                    }
                },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

/// A list of strings that may be written as one string (`dns: 8.8.8.8`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

deref_to_inner!(StringList => Vec<String>);

impl From<Vec<String>> for StringList {
    fn from(items: Vec<String>) -> Self {
        StringList(items)
    }
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringListVisitor)
    }
}

struct StringListVisitor;

impl<'de> Visitor<'de> for StringListVisitor {
    type Value = StringList;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string or a list of strings")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<StringList, E> {
        Ok(StringList(vec![text.to_string()]))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<StringList, E> {
        Ok(StringList(vec![value.to_string()]))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<StringList, E> {
        Ok(StringList(vec![value.to_string()]))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<StringList, E> {
        Ok(StringList(vec![value.to_string()]))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<StringList, E> {
        Ok(StringList(vec![format_float(value)]))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(StringList(items))
    }
}

impl JsonSchema for StringList {
    fn schema_name() -> Cow<'static, str> {
        "StringOrList".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn read<T: for<'de> Deserialize<'de>>(json: serde_json::Value) -> Result<T, String> {
        T::deserialize(&Value::from_json(&json)).map_err(|e| e.to_string())
    }

    fn printed<T: Serialize>(value: Result<T, String>) -> Result<serde_json::Value, String> {
        value.and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
    }

    #[test]
    fn environment_list_and_map_agree() {
        let expected = json!({"A": "1", "B": null, "C": "", "D": "x=y"});
        assert_eq!(
            printed(read::<Environment>(json!(["D=x=y", "A=1", "B", "C="]))),
            Ok(expected.clone())
        );
        assert_eq!(
            printed(read::<Environment>(
                json!({"A": 1, "B": null, "C": "", "D": "x=y"})
            )),
            Ok(expected)
        );
    }

    #[test]
    fn environment_keys_stay_in_source_order() {
        let environment = read::<Environment>(json!(["Z=1", "A=2"])).unwrap_or_default();
        assert_eq!(environment.keys().collect::<Vec<_>>(), ["Z", "A"]);
    }

    #[test]
    fn environment_rejects_a_trailing_space_in_a_name() {
        assert_eq!(
            read::<Environment>(json!(["A =1"])),
            Err("environment variable \"A \" is declared with a trailing space".to_string())
        );
    }

    #[test]
    fn a_label_without_value_is_empty() {
        assert_eq!(
            printed(read::<Mapping>(json!(["a=1", "b"]))),
            Ok(json!({"a": "1", "b": ""}))
        );
        assert_eq!(
            printed(read::<Mapping>(json!({"a": true, "b": null, "c": 1.5}))),
            Ok(json!({"a": "true", "b": "", "c": "1.5"}))
        );
    }

    #[test]
    fn mapping_says_what_it_expected() {
        assert_eq!(
            read::<Mapping>(json!("a=1")),
            Err(
                "invalid type: string \"a=1\", expected a list of KEY=VALUE strings or a mapping"
                    .to_string()
            )
        );
    }

    #[test]
    fn extra_hosts_print_as_sorted_host_equals_ip() {
        let hosts = read::<ExtraHosts>(json!(["b=1.2.3.4", "a:::1", "c=10.0.0.1,[::2]"]));
        assert_eq!(
            printed(hosts),
            Ok(json!(["a=::1", "b=1.2.3.4", "c=10.0.0.1", "c=::2"]))
        );
        let hosts = read::<ExtraHosts>(json!({"b": "1.2.3.4", "a": ["::1", "[::2]"]}));
        assert_eq!(printed(hosts), Ok(json!(["a=::1", "a=::2", "b=1.2.3.4"])));
    }

    #[test]
    fn extra_hosts_reject_an_entry_without_address() {
        assert_eq!(
            read::<ExtraHosts>(json!(["somehost"])),
            Err("invalid extra host \"somehost\": expected host=ip".to_string())
        );
    }

    #[test]
    fn string_list_accepts_one_string() {
        assert_eq!(
            read::<StringList>(json!("8.8.8.8")),
            Ok(StringList(vec!["8.8.8.8".to_string()]))
        );
        assert_eq!(
            read::<StringList>(json!(["a", "b"])).map(|l| l.len()),
            Ok(2)
        );
    }

    #[test]
    fn options_read_null_as_empty_and_print_sorted() {
        assert_eq!(
            printed(read::<Options>(json!({"b": 1, "a": null}))),
            Ok(json!({"a": "", "b": "1"}))
        );
        assert_eq!(
            printed(read::<MultiOptions>(json!({"m": "x", "f": ["a", 2]}))),
            Ok(json!({"f": ["a", "2"], "m": ["x"]}))
        );
    }
}
