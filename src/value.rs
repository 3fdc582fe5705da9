//! The untyped compose tree: what every file becomes after YAML parsing, and what
//! interpolation, include, extends and merging work on before the typed model is built.
//!
//! Every node remembers where it came from ([`Span`]) so that a later stage can point a
//! diagnostic at the file, line and column of the value it rejects. The tree deserializes
//! into typed structs through serde; scalars are read leniently, as Compose reads them after
//! interpolation (`"3"` is a fine integer, `"true"` a fine boolean, `8080` a fine string).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// A mapping with keys in source order.
pub type Map = IndexMap<String, Value, foldhash::fast::RandomState>;

/// Where a node starts in its source file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Span {
    pub file: Option<Arc<Path>>,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
}

impl Span {
    pub fn new(file: Option<Arc<Path>>, line: u32, column: u32) -> Self {
        Span { file, line, column }
    }
}

/// Compose's YAML tags that change how a node merges with the files before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeTag {
    /// `!reset`: drop the value inherited from earlier files.
    Reset,
    /// `!override`: replace the inherited value instead of merging with it.
    Override,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Value>),
    Map(Box<Map>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub span: Span,
    pub tag: Option<MergeTag>,
}

impl Value {
    pub fn new(kind: Kind, span: Span) -> Self {
        Value {
            kind,
            span,
            tag: None,
        }
    }

    /// A node made by the loader itself (a default, a converted short syntax).
    pub fn synthetic(kind: Kind) -> Self {
        Value::new(kind, Span::default())
    }

    pub fn string(s: impl Into<String>) -> Self {
        Value::synthetic(Kind::String(s.into()))
    }

    pub fn null() -> Self {
        Value::synthetic(Kind::Null)
    }

    pub fn map(map: Map) -> Self {
        Value::synthetic(Kind::Map(Box::new(map)))
    }

    pub fn seq(items: Vec<Value>) -> Self {
        Value::synthetic(Kind::Seq(items))
    }

    /// The same node kind with the span of `other`, for values that replace a source node.
    pub fn at(mut self, span: &Span) -> Self {
        self.span = span.clone();
        self
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Value>> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Value>> {
        match &mut self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// The scalar as Compose prints it when a string is expected (`8080` → `"8080"`).
    pub fn scalar_to_string(&self) -> Option<String> {
        match &self.kind {
            Kind::String(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(format_float(*f)),
            Kind::Null | Kind::Seq(_) | Kind::Map(_) => None,
        }
    }

    /// [`Value::scalar_to_string`], moving a string out rather than copying it.
    pub fn into_scalar_string(self) -> Option<String> {
        match self.kind {
            Kind::String(s) => Some(s),
            _ => self.scalar_to_string(),
        }
    }

    /// A short name of the node's type, for messages: "a mapping", "a string", ….
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) | Kind::Float(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
        }
    }

    /// Whether two nodes hold the same content wherever they were written: spans are
    /// ignored, mapping order too; node types and merge tags count (`1` is not `"1"`).
    pub fn same_content(&self, other: &Value) -> bool {
        self.tag == other.tag
            && match (&self.kind, &other.kind) {
                (Kind::Seq(a), Kind::Seq(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_content(y))
                }
                (Kind::Map(a), Kind::Map(b)) => {
                    a.len() == b.len()
                        && a.iter()
                            .all(|(key, x)| b.get(key).is_some_and(|y| x.same_content(y)))
                }
                (a, b) => a == b,
            }
    }

    /// The node at a key path, or the deepest node on the way there (for locating errors).
    pub fn locate(&self, path: &[PathSegment]) -> &Value {
        let mut node = self;
        for segment in path {
            let next = match (segment, &node.kind) {
                (PathSegment::Key(k), Kind::Map(m)) => m.get(k.as_str()),
                (PathSegment::Index(i), Kind::Seq(s)) => s.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node
    }

    /// Converts to JSON, for output and for comparing trees in tests.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            Kind::Null => serde_json::Value::Null,
            Kind::Bool(b) => serde_json::Value::Bool(*b),
            Kind::Int(i) => serde_json::Value::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Kind::String(s) => serde_json::Value::String(s.clone()),
            Kind::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Kind::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// Builds a synthetic tree from JSON (used for values the loader makes up).
    pub fn from_json(json: &serde_json::Value) -> Value {
        let kind = match json {
            serde_json::Value::Null => Kind::Null,
            serde_json::Value::Bool(b) => Kind::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Kind::Int(i),
                None => Kind::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Kind::String(s.clone()),
            serde_json::Value::Array(a) => Kind::Seq(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Kind::Map(Box::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            )),
        };
        Value::synthetic(kind)
    }
}

/// Formats a float the way Go's YAML/JSON encoders print it when it is whole (`1` not `1.0`).
pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// One step of a key path: `services`, `web`, `[1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// A key path built on the stack while a walk descends a tree, each step borrowing its
/// key: nothing is allocated unless [`PathCrumb::to_path`] is called, for a message.
pub enum PathCrumb<'a> {
    Start(&'a KeyPath),
    Key(&'a PathCrumb<'a>, &'a str),
    Index(&'a PathCrumb<'a>, usize),
}

impl PathCrumb<'_> {
    pub fn to_path(&self) -> KeyPath {
        match self {
            PathCrumb::Start(path) => (*path).clone(),
            PathCrumb::Key(parent, key) => parent.to_path().key(key),
            PathCrumb::Index(parent, index) => parent.to_path().index(*index),
        }
    }
}

/// A key path such as `services.web.ports[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<PathSegment>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub fn key(&self, key: &str) -> KeyPath {
        let mut next = self.clone();
        next.0.push(PathSegment::Key(key.to_string()));
        next
    }

    pub fn index(&self, index: usize) -> KeyPath {
        let mut next = self.clone();
        next.0.push(PathSegment::Index(index));
        next
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Converts the path serde_path_to_error reports, relative to `self`.
    pub fn join_serde(&self, path: &serde_path_to_error::Path) -> KeyPath {
        let mut next = self.clone();
        for segment in path.iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    next.0.push(PathSegment::Index(*index))
                }
                serde_path_to_error::Segment::Map { key } => {
                    next.0.push(PathSegment::Key(key.clone()))
                }
                serde_path_to_error::Segment::Enum { variant } => {
                    next.0.push(PathSegment::Key(variant.clone()))
                }
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        next
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// An error found while reading the tree into a typed struct.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError(pub String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

impl<'de> IntoDeserializer<'de, DeError> for &'de Value {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl Value {
    fn invalid_type<V>(&self, expected: &dyn de::Expected) -> Result<V, DeError> {
        let unexpected = match &self.kind {
            Kind::Null => de::Unexpected::Unit,
            Kind::Bool(b) => de::Unexpected::Bool(*b),
            Kind::Int(i) => de::Unexpected::Signed(*i),
            Kind::Float(f) => de::Unexpected::Float(*f),
            Kind::String(s) => de::Unexpected::Str(s),
            Kind::Seq(_) => de::Unexpected::Seq,
            Kind::Map(_) => de::Unexpected::Map,
        };
        Err(de::Error::invalid_type(unexpected, expected))
    }

    fn parse_int<T: std::str::FromStr>(
        &self,
        visitor_expects: &dyn de::Expected,
    ) -> Result<T, DeError> {
        let out_of_range = |unexpected: de::Unexpected<'_>| -> DeError {
            de::Error::invalid_value(unexpected, visitor_expects)
        };
        match &self.kind {
            Kind::Int(i) => i
                .to_string()
                .parse::<T>()
                .map_err(|_| out_of_range(de::Unexpected::Signed(*i))),
            // YAML integers beyond 64 bits arrive as floats.
            Kind::Float(f) => Err(out_of_range(de::Unexpected::Float(*f))),
            Kind::String(s) => s
                .trim()
                .parse::<T>()
                .map_err(|_| out_of_range(de::Unexpected::Str(s))),
            _ => self.invalid_type(visitor_expects),
        }
    }
}

macro_rules! lenient_int {
    ($($method:ident => $ty:ty, $visit:ident;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                let n: $ty = self.parse_int(&visitor)?;
                visitor.$visit(n)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for &'de Value {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Null => visitor.visit_unit(),
            Kind::Bool(b) => visitor.visit_bool(*b),
            Kind::Int(i) => visitor.visit_i64(*i),
            Kind::Float(f) => visitor.visit_f64(*f),
            Kind::String(s) => visitor.visit_borrowed_str(s),
            Kind::Seq(items) => visitor.visit_seq(SeqDeserializer(items.iter())),
            Kind::Map(map) => visitor.visit_map(MapDeserializer {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Bool(b) => visitor.visit_bool(*b),
            Kind::String(s) => match parse_bool(s) {
                Some(b) => visitor.visit_bool(b),
                None => Err(de::Error::invalid_value(de::Unexpected::Str(s), &visitor)),
            },
            _ => self.invalid_type(&visitor),
        }
    }

    lenient_int! {
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Int(i) => visitor.visit_f64(*i as f64),
            Kind::Float(f) => visitor.visit_f64(*f),
            Kind::String(s) => match s.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => visitor.visit_f64(f),
                _ => Err(de::Error::invalid_value(de::Unexpected::Str(s), &visitor)),
            },
            _ => self.invalid_type(&visitor),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::String(s) => visitor.visit_borrowed_str(s),
            Kind::Bool(_) | Kind::Int(_) | Kind::Float(_) => {
                visitor.visit_string(self.scalar_to_string().unwrap_or_default())
            }
            _ => self.invalid_type(&visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Null => visitor.visit_unit(),
            _ => self.invalid_type(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Seq(items) => visitor.visit_seq(SeqDeserializer(items.iter())),
            _ => self.invalid_type(&visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::Map(map) => visitor.visit_map(MapDeserializer {
                iter: map.iter(),
                value: None,
            }),
            _ => self.invalid_type(&visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.kind {
            Kind::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Kind::Map(map) if map.len() == 1 => {
                let (variant, value) = map.iter().next().expect("one entry");
                visitor.visit_enum(EnumDeserializer { variant, value })
            }
            _ => self.invalid_type(&visitor),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// Compose's reading of a boolean written as a string (after interpolation).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

struct SeqDeserializer<'de>(std::slice::Iter<'de, Value>);

impl<'de> SeqAccess<'de> for SeqDeserializer<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(value) => seed.deserialize(value).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDeserializer<'de> {
    iter: indexmap::map::Iter<'de, String, Value>,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for MapDeserializer<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDeserializer(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("value requested before key"))?;
        seed.deserialize(value)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Keys are strings; numeric map keys (a `sysctls` key, say) parse from them leniently.
struct KeyDeserializer<'de>(&'de str);

impl<'de> de::Deserializer<'de> for KeyDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.parse() {
            Ok(n) => visitor.visit_u32(n),
            Err(_) => Err(de::Error::invalid_value(
                de::Unexpected::Str(self.0),
                &visitor,
            )),
        }
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.parse() {
            Ok(n) => visitor.visit_u16(n),
            Err(_) => Err(de::Error::invalid_value(
                de::Unexpected::Str(self.0),
                &visitor,
            )),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct EnumDeserializer<'de> {
    variant: &'de str,
    value: &'de Value,
}

impl<'de> de::EnumAccess<'de> for EnumDeserializer<'de> {
    type Error = DeError;
    type Variant = VariantDeserializer<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let variant = seed.deserialize(KeyDeserializer(self.variant))?;
        Ok((variant, VariantDeserializer(self.value)))
    }
}

struct VariantDeserializer<'de>(&'de Value);

impl<'de> de::VariantAccess<'de> for VariantDeserializer<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.0.kind {
            Kind::Null => Ok(()),
            _ => self.0.invalid_type(&"a unit variant"),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self.0, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self.0, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn int(i: i64) -> Value {
        Value::synthetic(Kind::Int(i))
    }

    #[test]
    fn same_content_ignores_spans_and_mapping_order_but_not_types() {
        let at = |line| Span::new(None, line, 1);
        let map = |entries: Vec<(&str, Value)>| {
            Value::map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        };
        let a = map(vec![
            ("image", Value::string("x").at(&at(2))),
            ("n", int(1)),
        ]);
        let b = map(vec![
            ("n", int(1).at(&at(9))),
            ("image", Value::string("x")),
        ]);
        assert!(a.same_content(&b));
        assert!(!a.same_content(&map(vec![
            ("image", Value::string("x")),
            ("n", Value::string("1"))
        ])));
        assert!(!a.same_content(&map(vec![("image", Value::string("x"))])));
        assert!(!Value::null().same_content(&map(vec![])));
        let mut tagged = Value::seq(vec![int(1)]);
        assert!(tagged.same_content(&Value::seq(vec![int(1)])));
        tagged.tag = Some(MergeTag::Override);
        assert!(!tagged.same_content(&Value::seq(vec![int(1)])));
    }

    #[test]
    fn strings_read_as_numbers_and_booleans_after_interpolation() {
        assert_eq!(u16::deserialize(&Value::string("8080")), Ok(8080));
        assert_eq!(bool::deserialize(&Value::string("yes")), Ok(true));
        assert_eq!(String::deserialize(&int(3)), Ok("3".to_string()));
    }

    #[test]
    fn a_non_number_string_names_what_was_expected() {
        let err = u16::deserialize(&Value::string("http")).unwrap_err();
        assert_eq!(err.0, "invalid value: string \"http\", expected u16");
    }

    #[test]
    fn key_path_renders_like_compose() {
        let path = KeyPath::root()
            .key("services")
            .key("web")
            .key("ports")
            .index(1);
        assert_eq!(path.to_string(), "services.web.ports[1]");
    }
}
