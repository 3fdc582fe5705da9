//! [`Volume`]: one entry of the project's top-level `volumes`, a named volume services can
//! mount.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::collections::{Mapping, Options};
use super::extensions::{extensions_of, Extensions};
use super::external::{named_resource, External};

/// A named volume.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Volume {
    /// The engine's name for the volume (the loader sets `<project>_<key>` when none is given).
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub driver_opts: Options,
    #[serde(skip_serializing_if = "External::is_not_external")]
    pub external: External,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Volume>"
    )]
    pub extensions: Extensions,
}

named_resource!(Volume);
