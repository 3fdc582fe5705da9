//! [`EnvFile`]: a file of environment variables for a service, written as a path, a list of
//! paths, or a list mixing paths and `{path, required, format}` mappings.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::syntax::{ShortOrLong, ShortSyntax};

/// One environment file. The path is as written; the loader resolves it and reads the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvFile {
    pub path: String,
    /// Whether a missing file is an error (true unless said otherwise).
    #[serde(default = "required_by_default")]
    pub required: bool,
    /// The file's format when it is not Compose's `.env` format (`raw`).
    #[serde(default)]
    pub format: Option<String>,
}

fn required_by_default() -> bool {
    true
}

impl EnvFile {
    pub fn required(path: impl Into<String>) -> Self {
        EnvFile {
            path: path.into(),
            required: true,
            format: None,
        }
    }
}

/// Compose prints a required file as its path alone, and any other as a mapping.
impl Serialize for EnvFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.required && self.format.is_none() {
            return serializer.serialize_str(&self.path);
        }
        let mut fields = serializer.serialize_struct("EnvFile", 3)?;
        fields.serialize_field("path", &self.path)?;
        fields.serialize_field("required", &self.required)?;
        if let Some(format) = &self.format {
            fields.serialize_field("format", format)?;
        }
        fields.end()
    }
}

impl ShortSyntax for EnvFile {
    type Long = EnvFile;
    const EXPECTED: &'static str = "the path of an environment file or a mapping with its path";

    fn from_short(path: &str) -> Result<Self, String> {
        Ok(EnvFile::required(path))
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        EnvFile::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// `deserialize_with` for `env_file`: one path, or a list of paths and mappings.
pub(crate) fn env_files<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<EnvFile>, D::Error> {
    deserializer.deserialize_any(EnvFilesVisitor)
}

struct EnvFilesVisitor;

impl<'de> Visitor<'de> for EnvFilesVisitor {
    type Value = Vec<EnvFile>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("the path of an environment file, or a list of paths and mappings")
    }

    fn visit_str<E: de::Error>(self, path: &str) -> Result<Self::Value, E> {
        Ok(vec![EnvFile::required(path)])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut files = Vec::new();
        while let Some(ShortOrLong(file)) = seq.next_element::<ShortOrLong<EnvFile>>()? {
            files.push(file);
        }
        Ok(files)
    }
}

/// The schema of `env_file`.
pub(crate) struct EnvFilesSchema;

impl JsonSchema for EnvFilesSchema {
    fn schema_name() -> Cow<'static, str> {
        "EnvFiles".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "string" },
                { "type": "array", "items": generator.subschema_for::<ShortOrLong<EnvFile>>() }
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
        let files = env_files(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(files).map_err(|e| e.to_string())
    }

    #[test]
    fn paths_are_required_files() {
        assert_eq!(read(json!("./a.env")), Ok(json!(["./a.env"])));
        assert_eq!(
            read(
                json!(["./a.env", {"path": "./b.env", "required": false}, {"path": "./c.env", "format": "raw"}])
            ),
            Ok(
                json!(["./a.env", {"path": "./b.env", "required": false}, {"path": "./c.env", "required": true, "format": "raw"}])
            )
        );
    }

    #[test]
    fn a_mapping_needs_a_path() {
        assert_eq!(
            read(json!([{"required": false}])),
            Err("missing field `path`".to_string())
        );
    }
}
