//! The shared parts of the project's named resources (`networks`, `volumes`, `secrets`,
//! `configs`): their `external` flag, and reading the map of them, where an entry may be null
//! and where the deprecated `external: {name: …}` form gets its name moved to `name`.

use std::borrow::Cow;
use std::fmt;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::value::parse_bool;

/// Whether a resource exists outside the project (Compose neither creates nor removes it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct External {
    pub is_external: bool,
    /// The name given by the deprecated `external: {name: …}`, until reading the project
    /// moves it to the resource's `name`.
    legacy_name: Option<String>,
}

impl From<bool> for External {
    fn from(is_external: bool) -> Self {
        External {
            is_external,
            legacy_name: None,
        }
    }
}

impl External {
    /// `skip_serializing_if`: Compose prints `external` only when true.
    pub(crate) fn is_not_external(&self) -> bool {
        !self.is_external
    }
}

impl Serialize for External {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(self.is_external)
    }
}

impl<'de> Deserialize<'de> for External {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ExternalVisitor)
    }
}

struct ExternalVisitor;

impl<'de> Visitor<'de> for ExternalVisitor {
    type Value = External;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("true, false or a mapping with the external name")
    }

    fn visit_bool<E: de::Error>(self, is_external: bool) -> Result<External, E> {
        Ok(External::from(is_external))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<External, E> {
        parse_bool(text)
            .map(External::from)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<External, A::Error> {
        #[derive(Deserialize)]
        struct LegacyExternal {
            #[serde(default)]
            name: Option<String>,
            #[serde(flatten)]
            _extensions: super::extensions::Extensions,
        }
        let legacy = LegacyExternal::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(External {
            is_external: true,
            legacy_name: legacy.name,
        })
    }
}

impl JsonSchema for External {
    fn schema_name() -> Cow<'static, str> {
        "External".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Whether the resource exists outside the project. The mapping form, with the resource's name, is deprecated: use `name`.",
            "oneOf": [
                { "type": ["boolean", "string"] },
                {
                    "type": "object",
                    "properties": { "name": { "type": "string" } },
                    "patternProperties": { "^x-": {} },
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A top-level resource that may be external and named.
pub(crate) trait NamedResource: DeserializeOwned + Default {
    fn name_mut(&mut self) -> &mut Option<String>;
    fn external_mut(&mut self) -> &mut External;
}

/// Implements [`NamedResource`] for structs with `name` and `external` fields.
macro_rules! named_resource {
    ($($resource:ty),+) => {
        $(
            impl $crate::compose::model::external::NamedResource for $resource {
                fn name_mut(&mut self) -> &mut Option<String> {
                    &mut self.name
                }

                fn external_mut(&mut self) -> &mut External {
                    &mut self.external
                }
            }
        )+
    };
}

pub(crate) use named_resource;

/// `deserialize_with` for a top-level map of resources: null entries read as defaults, and
/// `external: {name: x}` becomes `name: x` with `external: true`, as Compose does.
pub(crate) fn named_resources<'de, D: Deserializer<'de>, T: NamedResource>(
    deserializer: D,
) -> Result<IndexMap<String, T>, D::Error> {
    let entries = IndexMap::<String, Option<T>>::deserialize(deserializer)?;
    entries
        .into_iter()
        .map(|(key, resource)| {
            let mut resource = resource.unwrap_or_default();
            adopt_legacy_name(&key, &mut resource).map_err(de::Error::custom)?;
            Ok((key, resource))
        })
        .collect()
}

fn adopt_legacy_name<T: NamedResource>(key: &str, resource: &mut T) -> Result<(), String> {
    let Some(legacy_name) = resource.external_mut().legacy_name.take() else {
        return Ok(());
    };
    match resource.name_mut() {
        Some(name) if *name != legacy_name => Err(format!(
            "{key}: name {name:?} and external.name {legacy_name:?} conflict; use name only"
        )),
        Some(_) => Ok(()),
        unnamed => {
            *unnamed = Some(legacy_name);
            Ok(())
        }
    }
}
