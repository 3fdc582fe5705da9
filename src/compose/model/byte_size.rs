//! [`ByteSize`]: an amount of memory or disk such as `512m`, read and printed as Compose does.
//!
//! Compose reads sizes with go-units' `RAMInBytes`: a decimal number, an optional space and an
//! optional binary unit (`k`, `m`, `g`, `t`, `p`, each 1024 times the one before, in either
//! case, optionally followed by `b` or `ib`). A YAML integer is taken as bytes as it is, which
//! is how `memswap_limit: -1` stays -1. Compose prints a size as its byte count in a string.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// A number of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub i64);

impl ByteSize {
    pub const fn bytes(self) -> i64 {
        self.0
    }

    pub const fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

/// `skip_serializing_if` for an optional size Go tags `omitempty`: unset and zero are not printed.
pub(crate) fn is_unset(size: &Option<ByteSize>) -> bool {
    size.is_none_or(|size| size.is_zero())
}

/// A size Compose cannot read, with the text it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidByteSize(pub String);

impl fmt::Display for InvalidByteSize {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "invalid size {:?}: expected a number of bytes, optionally with a unit b, k, m, g, t or p (such as 512m or 1.5gb)",
            self.0
        )
    }
}

impl std::error::Error for InvalidByteSize {}

impl FromStr for ByteSize {
    type Err = InvalidByteSize;

    fn from_str(text: &str) -> Result<Self, InvalidByteSize> {
        // A whole number is bytes as it is, negative included: `-1` (unlimited) is how Compose
        // prints `memswap_limit: -1`, and it must read back.
        if let Ok(bytes) = text.parse::<i64>() {
            return Ok(ByteSize(bytes));
        }
        let invalid = || InvalidByteSize(text.to_string());
        let number_end = text
            .rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
            .ok_or_else(invalid)?;
        let (number, unit) = if text.as_bytes()[number_end] == b' ' {
            (&text[..number_end], &text[number_end + 1..])
        } else {
            text.split_at(number_end + 1)
        };
        let amount: f64 = number.parse().map_err(|_| invalid())?;
        if !amount.is_finite() || amount < 0.0 {
            return Err(invalid());
        }
        let multiplier = unit_multiplier(unit).ok_or_else(invalid)?;
        Ok(ByteSize((amount * multiplier) as i64))
    }
}

/// The multiplier of a unit suffix: empty, `b`, or `k`/`m`/`g`/`t`/`p` followed by nothing,
/// `b` or `ib`, in any case.
fn unit_multiplier(unit: &str) -> Option<f64> {
    let unit = unit.to_ascii_lowercase();
    let mut chars = unit.chars();
    let power = match chars.next() {
        None | Some('b') if unit.len() <= 1 => return Some(1.0),
        Some('k') => 1,
        Some('m') => 2,
        Some('g') => 3,
        Some('t') => 4,
        Some('p') => 5,
        _ => return None,
    };
    match chars.as_str() {
        "" | "b" | "ib" => Some(1024f64.powi(power)),
        _ => None,
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ByteSizeVisitor)
    }
}

struct ByteSizeVisitor;

impl Visitor<'_> for ByteSizeVisitor {
    type Value = ByteSize;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a size such as 512m or a number of bytes")
    }

    fn visit_i64<E: de::Error>(self, bytes: i64) -> Result<ByteSize, E> {
        Ok(ByteSize(bytes))
    }

    fn visit_u64<E: de::Error>(self, bytes: u64) -> Result<ByteSize, E> {
        i64::try_from(bytes)
            .map(ByteSize)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(bytes), &self))
    }

    fn visit_f64<E: de::Error>(self, bytes: f64) -> Result<ByteSize, E> {
        if bytes.is_finite() && bytes.fract() == 0.0 {
            Ok(ByteSize(bytes as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(bytes), &self))
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
        text.parse().map_err(E::custom)
    }
}

/// Compose prints the byte count as a string (`"536870912"`).
impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> Cow<'static, str> {
        "ByteSize".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "integer"],
            "description": "A size in bytes, or a string with a unit b, k, m, g, t or p (such as 512m or 1.5gb; units are powers of 1024)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(text: &str) -> Option<i64> {
        text.parse::<ByteSize>().ok().map(ByteSize::bytes)
    }

    #[test]
    fn reads_binary_units_in_any_case() {
        assert_eq!(bytes("512m"), Some(512 * 1024 * 1024));
        assert_eq!(bytes("512M"), Some(512 * 1024 * 1024));
        assert_eq!(bytes("1g"), Some(1 << 30));
        assert_eq!(bytes("1gb"), Some(1 << 30));
        assert_eq!(bytes("1GiB"), Some(1 << 30));
        assert_eq!(bytes("1.5g"), Some(1_610_612_736));
        assert_eq!(bytes("12mb"), Some(12_582_912));
        assert_eq!(bytes("100 k"), Some(102_400));
        assert_eq!(bytes("2048"), Some(2048));
        assert_eq!(bytes("64b"), Some(64));
        assert_eq!(bytes("1p"), Some(1 << 50));
    }

    #[test]
    fn rejects_unknown_units_and_negative_sizes_with_units() {
        for text in ["", "m", "1x", "1mm", "1mxb", "1bb", "-1m", "1 2m", "abc"] {
            assert_eq!(bytes(text), None, "{text}");
        }
    }

    #[test]
    fn names_the_text() {
        let error = "1x".parse::<ByteSize>().err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("invalid size \"1x\": expected a number of bytes, optionally with a unit b, k, m, g, t or p (such as 512m or 1.5gb)")
        );
    }

    #[test]
    fn prints_bytes_as_a_string() {
        let printed = serde_json::to_string(&ByteSize(536_870_912)).ok();
        assert_eq!(printed.as_deref(), Some("\"536870912\""));
    }
}
