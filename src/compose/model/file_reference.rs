//! [`FileReference`]: how a service (or a build) mounts one of the project's secrets or
//! configs, written as the secret's name or as a mapping.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::extensions::{extensions_of, Extensions};
use super::syntax::{seq_short_or_long, ShortSyntax};

/// A secret or config mounted into a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct FileReference {
    /// The name of the secret or config in the project's top-level `secrets` or `configs`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Where the file appears in the container.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub gid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, FileReference>"
    )]
    pub extensions: Extensions,
}

impl ShortSyntax for FileReference {
    type Long = FileReference;
    const EXPECTED: &'static str = "the name of a secret or config, or a mapping";

    fn from_short(name: &str) -> Result<Self, String> {
        Ok(FileReference {
            source: name.to_string(),
            ..FileReference::default()
        })
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        FileReference::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// `deserialize_with` for a service's `secrets`: a secret without a target is mounted at
/// `/run/secrets/<name>`, as Compose does.
pub(crate) fn service_secrets<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<FileReference>, D::Error> {
    let mut secrets: Vec<FileReference> = seq_short_or_long(deserializer)?;
    for secret in &mut secrets {
        if secret.target.is_none() {
            secret.target = Some(format!("/run/secrets/{}", secret.source));
        }
    }
    Ok(secrets)
}

/// Unix permission bits, written as an octal string (`"0440"`) or a number (`0o440`, which
/// YAML 1.1 writes `0440`); printed as Compose prints them, an octal string with a leading 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FileMode(pub u32);

impl fmt::Display for FileMode {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "0{:o}", self.0)
    }
}

impl Serialize for FileMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FileMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FileModeVisitor)
    }
}

struct FileModeVisitor;

impl Visitor<'_> for FileModeVisitor {
    type Value = FileMode;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a file mode such as \"0440\" (octal) or a number")
    }

    fn visit_u64<E: de::Error>(self, mode: u64) -> Result<FileMode, E> {
        u32::try_from(mode)
            .map(FileMode)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(mode), &self))
    }

    fn visit_i64<E: de::Error>(self, mode: i64) -> Result<FileMode, E> {
        u32::try_from(mode)
            .map(FileMode)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(mode), &self))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<FileMode, E> {
        u32::from_str_radix(text, 8).map(FileMode).map_err(|_| {
            E::custom(format_args!(
                "invalid file mode {text:?}: expected octal digits such as 0440"
            ))
        })
    }
}

impl JsonSchema for FileMode {
    fn schema_name() -> Cow<'static, str> {
        "FileMode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "integer"],
            "description": "Permission bits: an octal string such as \"0440\", or a number."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn secrets(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let value = Value::from_json(&json);
        let secrets = service_secrets(&value).map_err(|e| e.to_string())?;
        serde_json::to_value(secrets).map_err(|e| e.to_string())
    }

    #[test]
    fn a_name_mounts_under_run_secrets() {
        assert_eq!(
            secrets(
                json!(["db_password", {"source": "key", "target": "/etc/key", "mode": "0440", "uid": 103}])
            ),
            Ok(json!([
                {"source": "db_password", "target": "/run/secrets/db_password"},
                {"source": "key", "target": "/etc/key", "uid": "103", "mode": "0440"}
            ]))
        );
    }

    #[test]
    fn modes_read_as_octal_strings_or_numbers() {
        let mode = |json: serde_json::Value| {
            FileMode::deserialize(&Value::from_json(&json))
                .map(|m| m.to_string())
                .map_err(|e| e.to_string())
        };
        assert_eq!(mode(json!("0440")), Ok("0440".to_string()));
        assert_eq!(mode(json!(292)), Ok("0444".to_string()));
        assert_eq!(
            mode(json!("0999")),
            Err("invalid file mode \"0999\": expected octal digits such as 0440".to_string())
        );
    }
}
