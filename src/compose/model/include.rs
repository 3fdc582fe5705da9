//! [`Include`]: one entry of the top-level `include`, another Compose application whose
//! resources join this one. The loader resolves includes before the model is built; the
//! model still knows the key so that a file can be read and checked on its own.

use schemars::JsonSchema;
use serde::de::{self, MapAccess};
use serde::{Deserialize, Serialize};

use super::collections::StringList;
use super::syntax::ShortSyntax;

/// An included application, written as the path of its Compose file or as a mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Include {
    /// Its Compose files.
    #[serde(skip_serializing_if = "StringList::is_empty")]
    pub path: StringList,
    /// The directory its relative paths are resolved against.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub project_directory: Option<String>,
    /// Files of variables for interpolating it.
    #[serde(skip_serializing_if = "StringList::is_empty")]
    pub env_file: StringList,
}

impl ShortSyntax for Include {
    type Long = Include;
    const EXPECTED: &'static str = "the path of a Compose file or a mapping";

    fn from_short(path: &str) -> Result<Self, String> {
        Ok(Include {
            path: StringList(vec![path.to_string()]),
            ..Include::default()
        })
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Include::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}
