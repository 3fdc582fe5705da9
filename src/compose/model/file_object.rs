//! [`Secret`] and [`Config`]: entries of the project's top-level `secrets` and `configs`, the
//! files services mount. Their content comes from a file, an environment variable or (for a
//! config) inline text; the loader reads it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::collections::{Mapping, Options};
use super::extensions::{extensions_of, Extensions};
use super::external::{named_resource, External};

/// A secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Secret {
    /// The engine's name for the secret (the loader sets `<project>_<key>` when none is given).
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub name: Option<String>,
    /// The file holding the secret, as written.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub file: Option<String>,
    /// The environment variable holding the secret.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "External::is_not_external")]
    pub external: External,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub driver_opts: Options,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub template_driver: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Secret>"
    )]
    pub extensions: Extensions,
}

/// A config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Config {
    /// The engine's name for the config (the loader sets `<project>_<key>` when none is given).
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub name: Option<String>,
    /// The file holding the config, as written.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub file: Option<String>,
    /// The environment variable holding the config.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub environment: Option<String>,
    /// The config itself.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "External::is_not_external")]
    pub external: External,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub template_driver: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Config>"
    )]
    pub extensions: Extensions,
}

named_resource!(Secret, Config);
