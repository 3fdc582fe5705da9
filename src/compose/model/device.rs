//! Devices: host devices mapped into a container ([`Device`], short syntax
//! `source[:target[:permissions]]`) and requests for devices such as GPUs ([`DeviceRequest`],
//! used by `gpus` and by `deploy.resources.reservations.devices`).

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::collections::Mapping;
use super::extensions::{extensions_of, Extensions};
use super::syntax::ShortSyntax;

/// A host device made available in the container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct Device {
    /// The device on the host.
    pub source: String,
    /// The device in the container.
    pub target: String,
    /// cgroup permissions: any of `r`, `w`, `m` (`rwm` for the short syntax).
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub permissions: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Device>"
    )]
    pub extensions: Extensions,
}

impl ShortSyntax for Device {
    type Long = Device;
    const EXPECTED: &'static str = "a device such as \"/dev/ttyUSB0:/dev/ttyUSB0:rwm\" (source[:target[:permissions]]) or a mapping";

    fn from_short(spec: &str) -> Result<Self, String> {
        let parts: Vec<&str> = spec.split(':').collect();
        let (source, target, permissions) = match parts.as_slice() {
            [source] => (*source, *source, "rwm"),
            [source, target] => (*source, *target, "rwm"),
            [source, target, permissions] => (*source, *target, *permissions),
            _ => {
                return Err(format!(
                    "invalid device {spec:?}: too many colons; expected source[:target[:permissions]], or the long syntax"
                ))
            }
        };
        Ok(Device {
            source: source.to_string(),
            target: if target.is_empty() { source } else { target }.to_string(),
            permissions: Some(permissions.to_string()),
            extensions: Extensions::default(),
        })
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Device::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

/// A request for devices of some kind, such as GPUs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(default)]
pub struct DeviceRequest {
    /// What the devices must be able to do (`gpu`, `compute`, `utility`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    #[serde(skip_serializing_if = "crate::compose::model::is_unset_or_empty")]
    pub driver: Option<String>,
    /// How many devices; all of them when neither a count nor ids are given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<DeviceCount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_ids: Vec<String>,
    #[serde(skip_serializing_if = "Mapping::is_empty")]
    pub options: Mapping,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, DeviceRequest>"
    )]
    pub extensions: Extensions,
}

impl DeviceRequest {
    /// Compose's checks and default: a count or ids, not both; neither means all devices.
    fn complete(mut self) -> Result<Self, String> {
        match (&self.count, self.device_ids.is_empty()) {
            (Some(_), false) => {
                return Err("a device request takes `count` or `device_ids`, not both".to_string())
            }
            (None, true) => self.count = Some(DeviceCount::All),
            _ => {}
        }
        Ok(self)
    }
}

/// `deserialize_with` for `deploy.resources.reservations.devices`.
pub(crate) fn device_requests<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<DeviceRequest>, D::Error> {
    Vec::<DeviceRequest>::deserialize(deserializer)?
        .into_iter()
        .map(|request| request.complete().map_err(de::Error::custom))
        .collect()
}

/// `deserialize_with` for `gpus`: `all`, or a list of device requests.
pub(crate) fn gpus<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<DeviceRequest>, D::Error> {
    deserializer.deserialize_any(GpusVisitor)
}

struct GpusVisitor;

impl<'de> Visitor<'de> for GpusVisitor {
    type Value = Vec<DeviceRequest>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("\"all\" or a list of device requests")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if text != "all" {
            return Err(E::invalid_value(de::Unexpected::Str(text), &self));
        }
        Ok(vec![DeviceRequest {
            count: Some(DeviceCount::All),
            ..DeviceRequest::default()
        }])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut requests = Vec::new();
        while let Some(request) = seq.next_element::<DeviceRequest>()? {
            requests.push(request.complete().map_err(de::Error::custom)?);
        }
        Ok(requests)
    }
}

/// The schema of `gpus`.
pub(crate) struct GpusSchema;

impl JsonSchema for GpusSchema {
    fn schema_name() -> Cow<'static, str> {
        "Gpus".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "oneOf": [
                { "type": "string", "enum": ["all"] },
                { "type": "array", "items": generator.subschema_for::<DeviceRequest>() }
            ]
        })
    }
}

/// How many devices a request asks for. Compose prints "all" as -1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceCount {
    All,
    Count(u64),
}

impl Serialize for DeviceCount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            DeviceCount::All => serializer.serialize_i64(-1),
            DeviceCount::Count(count) => serializer.serialize_u64(*count),
        }
    }
}

impl<'de> Deserialize<'de> for DeviceCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DeviceCountVisitor)
    }
}

struct DeviceCountVisitor;

impl Visitor<'_> for DeviceCountVisitor {
    type Value = DeviceCount;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("\"all\" or a number of devices")
    }

    fn visit_u64<E: de::Error>(self, count: u64) -> Result<DeviceCount, E> {
        Ok(DeviceCount::Count(count))
    }

    fn visit_i64<E: de::Error>(self, count: i64) -> Result<DeviceCount, E> {
        match count {
            -1 => Ok(DeviceCount::All),
            count => u64::try_from(count)
                .map(DeviceCount::Count)
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(count), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<DeviceCount, E> {
        if text.eq_ignore_ascii_case("all") {
            return Ok(DeviceCount::All);
        }
        match text.parse::<i64>() {
            Ok(count) => self.visit_i64(count),
            Err(_) => Err(E::invalid_value(de::Unexpected::Str(text), &self)),
        }
    }
}

impl JsonSchema for DeviceCount {
    fn schema_name() -> Cow<'static, str> {
        "DeviceCount".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "integer"], "description": "\"all\" or a number of devices." })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::syntax::ShortOrLong;
    use crate::value::Value;
    use serde_json::json;

    fn device(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let device: Device = ShortOrLong::deserialize(&Value::from_json(&json))
            .map(|v: ShortOrLong<_>| v.0)
            .map_err(|e| e.to_string())?;
        serde_json::to_value(device).map_err(|e| e.to_string())
    }

    fn gpu_requests(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let requests = gpus(&Value::from_json(&json)).map_err(|e| e.to_string())?;
        serde_json::to_value(requests).map_err(|e| e.to_string())
    }

    #[test]
    fn short_devices_default_target_and_permissions() {
        assert_eq!(
            device(json!("/dev/ttyUSB0")),
            Ok(json!({"source": "/dev/ttyUSB0", "target": "/dev/ttyUSB0", "permissions": "rwm"}))
        );
        assert_eq!(
            device(json!("/dev/sda:/dev/xvda:r")),
            Ok(json!({"source": "/dev/sda", "target": "/dev/xvda", "permissions": "r"}))
        );
        assert_eq!(
            device(json!("a:b:c:d")),
            Err("invalid device \"a:b:c:d\": too many colons; expected source[:target[:permissions]], or the long syntax".to_string())
        );
    }

    #[test]
    fn gpus_all_means_every_device() {
        assert_eq!(gpu_requests(json!("all")), Ok(json!([{"count": -1}])));
        assert_eq!(
            gpu_requests(json!([{"driver": "nvidia"}])),
            Ok(json!([{"driver": "nvidia", "count": -1}]))
        );
        assert_eq!(
            gpu_requests(json!([{"count": "2"}, {"device_ids": ["0"]}])),
            Ok(json!([{"count": 2}, {"device_ids": ["0"]}]))
        );
        assert_eq!(
            gpu_requests(json!([{"count": -1}])),
            Ok(json!([{"count": -1}]))
        );
    }

    #[test]
    fn a_count_and_ids_exclude_each_other() {
        assert_eq!(
            gpu_requests(json!([{"count": 1, "device_ids": ["0"]}])),
            Err("a device request takes `count` or `device_ids`, not both".to_string())
        );
    }
}
