//! [`Network`]: one entry of the project's top-level `networks`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::collections::{Mapping, Options};
use super::extensions::{extensions_of, Extensions};
use super::external::{named_resource, External};
use super::syntax::is_false;

/// A network services can join.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Network {
    /// The engine's name for the network (the loader sets `<project>_<key>` when none is given).
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub name: Option<String>,
    /// `bridge` (the default), `overlay`, `host`, `none` or a plugin.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub driver_opts: Options,
    /// Compose prints it always, empty when unset.
    pub ipam: Ipam,
    #[serde(skip_serializing_if = "External::is_not_external")]
    pub external: External,
    /// No route to the outside.
    #[serde(skip_serializing_if = "is_false")]
    pub internal: bool,
    /// Standalone containers may join.
    #[serde(skip_serializing_if = "is_false")]
    pub attachable: bool,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv4: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<bool>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Network>"
    )]
    pub extensions: Extensions,
}

/// IP address management of a network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct Ipam {
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
    /// Driver options. Compose 2.40 accepts them but does not keep them, so they are not
    /// printed.
    #[serde(skip_serializing)]
    pub options: Options,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Ipam>"
    )]
    pub extensions: Extensions,
}

/// One subnet of a network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct IpamPool {
    /// In CIDR notation.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub subnet: Option<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub gateway: Option<String>,
    /// The range containers get addresses from.
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub ip_range: Option<String>,
    /// Addresses the driver must not hand out, by host name.
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub aux_addresses: Options,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, IpamPool>"
    )]
    pub extensions: Extensions,
}

named_resource!(Network);
