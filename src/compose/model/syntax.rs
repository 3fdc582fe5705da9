//! Building blocks for Compose's alternative syntaxes and for printing values the way Docker
//! Compose prints them.
//!
//! Reading: a value that may be a string (its short syntax) or a mapping (its long syntax),
//! and a collection that may be a list of `KEY=VALUE` strings or a mapping. Each has one
//! visitor here, so every type in the model reports a bad value the same way: what it got and
//! what it expected.
//!
//! Printing: `docker compose config --format json` is Go's `encoding/json`, which sorts map
//! keys, omits empty fields tagged `omitempty`, and prints a whole float without a fraction.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};

/// Gives a newtype over a collection the collection's methods, and the `is_empty` that
/// `skip_serializing_if` names.
macro_rules! deref_to_inner {
    ($name:ident => $inner:ty) => {
        impl std::ops::Deref for $name {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl std::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.0
            }
        }

        impl $name {
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }
    };
}

pub(crate) use deref_to_inner;

/// A type written either as a string (short syntax) or as a mapping (long syntax).
pub(crate) trait ShortSyntax: Sized {
    /// The long syntax, whose schema documents the mapping form.
    type Long: JsonSchema;
    /// What a valid value looks like, for error messages and the schema.
    const EXPECTED: &'static str;
    /// Whether a bare number is a short form too (`- 8080` in `ports`).
    const ACCEPTS_NUMBER: bool = false;

    fn from_short(text: &str) -> Result<Self, String>;

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Reads a [`ShortSyntax`] type from either of its forms.
pub(crate) struct ShortOrLong<T>(pub T);

impl<'de, T: ShortSyntax> Deserialize<'de> for ShortOrLong<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ShortOrLongVisitor(PhantomData))
            .map(ShortOrLong)
    }
}

struct ShortOrLongVisitor<T>(PhantomData<T>);

impl<T: ShortSyntax> ShortOrLongVisitor<T> {
    fn number<E: de::Error>(self, number: String, unexpected: de::Unexpected) -> Result<T, E> {
        if T::ACCEPTS_NUMBER {
            T::from_short(&number).map_err(E::custom)
        } else {
            Err(E::invalid_type(unexpected, &self))
        }
    }
}

impl<'de, T: ShortSyntax> Visitor<'de> for ShortOrLongVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(T::EXPECTED)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        T::from_short(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<T, E> {
        self.number(number.to_string(), de::Unexpected::Signed(number))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<T, E> {
        self.number(number.to_string(), de::Unexpected::Unsigned(number))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_long(map)
    }
}

impl<T: ShortSyntax> JsonSchema for ShortOrLong<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("{}OrShortSyntax", T::Long::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let short_types = if T::ACCEPTS_NUMBER {
            json_schema!({ "type": ["string", "integer"], "description": T::EXPECTED })
        } else {
            json_schema!({ "type": "string", "description": T::EXPECTED })
        };
        json_schema!({ "anyOf": [short_types, generator.subschema_for::<T::Long>()] })
    }
}

/// `deserialize_with` for an optional field of a [`ShortSyntax`] type.
pub(crate) fn optional_short_or_long<'de, D: Deserializer<'de>, T: ShortSyntax>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<ShortOrLong<T>>::deserialize(deserializer).map(|value| value.map(|v| v.0))
}

/// [`optional_short_or_long`] for a large value kept out of line.
pub(crate) fn optional_boxed_short_or_long<'de, D: Deserializer<'de>, T: ShortSyntax>(
    deserializer: D,
) -> Result<Option<Box<T>>, D::Error> {
    optional_short_or_long(deserializer).map(|value| value.map(Box::new))
}

/// `deserialize_with` for a list whose items use a [`ShortSyntax`].
pub(crate) fn seq_short_or_long<'de, D: Deserializer<'de>, T: ShortSyntax>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Vec::<ShortOrLong<T>>::deserialize(deserializer)
        .map(|items| items.into_iter().map(|item| item.0).collect())
}

/// A collection written either as a list of strings (`["A=1", "B"]`) or as a mapping.
pub(crate) trait ListOrMap: Default {
    /// What a valid value looks like, for error messages.
    const EXPECTED: &'static str;

    /// Adds one list item such as `A=1`.
    fn insert_item(&mut self, item: String) -> Result<(), String>;

    /// Reads the value of the mapping entry `key` and adds it.
    fn insert_entry<'de, A: MapAccess<'de>>(
        &mut self,
        key: String,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

/// The `Deserialize` implementation shared by every [`ListOrMap`] type.
pub(crate) fn deserialize_list_or_map<'de, D: Deserializer<'de>, T: ListOrMap>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_any(ListOrMapVisitor(PhantomData))
}

struct ListOrMapVisitor<T>(PhantomData<T>);

impl<'de, T: ListOrMap> Visitor<'de> for ListOrMapVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(T::EXPECTED)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut collection = T::default();
        while let Some(item) = seq.next_element::<String>()? {
            collection.insert_item(item).map_err(de::Error::custom)?;
        }
        Ok(collection)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut collection = T::default();
        while let Some(key) = map.next_key::<String>()? {
            collection.insert_entry(key, &mut map)?;
        }
        Ok(collection)
    }
}

/// A string that may be written as any scalar, with null read as the empty string
/// (Compose's reading of a label or option value).
pub(crate) struct ScalarOrNull(pub String);

impl<'de> Deserialize<'de> for ScalarOrNull {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(deserializer)
            .map(|value| ScalarOrNull(value.unwrap_or_default()))
    }
}

/// `deserialize_with` for a map of large values (the services): the map is reserved at the
/// length its deserializer gives. Serde's own map visitor reserves at most 1 MiB and grows
/// from there, copying every entry at each step; at 3 KiB a service, 10,000 services were
/// copied five times over and took twice the memory they need. The loader deserializes its
/// own document, whose lengths are real.
pub(crate) fn reserved_map<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, V>, D::Error> {
    struct ReservedMap<V>(PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for ReservedMap<V> {
        type Value = IndexMap<String, V>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a map")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = IndexMap::with_capacity(map.size_hint().unwrap_or(0));
            while let Some((key, value)) = map.next_entry()? {
                entries.insert(key, value);
            }
            Ok(entries)
        }
    }

    deserializer.deserialize_map(ReservedMap(PhantomData))
}

/// Serializes a map sorted by key, as Go's `encoding/json` prints every map.
pub(crate) fn serialize_sorted<S: Serializer, V: Serialize>(
    map: &IndexMap<String, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&String, &V)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    serializer.collect_map(entries)
}

/// Serializes a Go `float32` as Go prints it: the shortest decimal that reads back as the
/// same `float32`, and a whole number without a fraction (`0.3`, `2`).
pub(crate) fn serialize_go_float<S: Serializer>(
    value: &f32,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let shortest: f64 = value.to_string().parse().unwrap_or(f64::from(*value));
    if shortest.fract() == 0.0 && shortest.abs() < 1e15 {
        serializer.serialize_i64(shortest as i64)
    } else {
        serializer.serialize_f64(shortest)
    }
}

/// `skip_serializing_if` for fields Go tags `omitempty`: zero numbers are not printed.
pub(crate) fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// `skip_serializing_if` for booleans Go tags `omitempty`.
pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}

/// The schema of a list item Compose accepts as a string or a number (`expose: [80, "90/udp"]`).
pub(crate) struct StringOrNumber;

impl JsonSchema for StringOrNumber {
    fn schema_name() -> Cow<'static, str> {
        "StringOrNumber".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number"] })
    }
}

/// The schema of a scalar map value: string, number, boolean or null.
pub(crate) fn scalar_schema() -> Schema {
    json_schema!({ "type": ["string", "number", "boolean", "null"] })
}

/// The schema of a `list_or_dict` value whose mapping values are described by `values`.
pub(crate) fn list_or_map_schema(values: Schema, description: &str) -> Schema {
    json_schema!({
        "description": description,
        "oneOf": [
            { "type": "object", "additionalProperties": values },
            { "type": "array", "items": { "type": "string" } }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_floats_print_shortest_and_whole_numbers_without_fraction() {
        let print = |value: f32| {
            serialize_go_float(&value, serde_json::value::Serializer)
                .map(|json| json.to_string())
                .unwrap_or_default()
        };
        assert_eq!(print(0.3), "0.3");
        assert_eq!(print(2.0), "2");
        assert_eq!(print(0.25), "0.25");
    }
}
