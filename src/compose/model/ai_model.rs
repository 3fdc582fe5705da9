//! [`Model`]: one entry of the top-level `models`, an AI model services can use.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::extensions::{extensions_of, Extensions};
use super::syntax::is_zero;

/// An AI model run for the project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct Model {
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub name: Option<String>,
    /// The model to run, such as `ai/smollm2`.
    pub model: String,
    /// The context window, in tokens.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub context_size: i64,
    /// Flags passed to the inference engine as they are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runtime_flags: Vec<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Model>"
    )]
    pub extensions: Extensions,
}
