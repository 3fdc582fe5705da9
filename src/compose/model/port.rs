//! [`Port`]: one entry of a service's `ports`, and the short syntax
//! `[[ip:]published:]target[/protocol]` that may stand for several of them.
//!
//! The short syntax is Docker's (`nat.ParsePortSpec`): a range of targets maps onto an
//! equally long range of published ports, one entry per target; a single target with a range
//! of published ports keeps the range, for the engine to pick from. Compose orders the entries
//! of one short value by the text of their target port (so `9-10` yields 10 before 9), and so
//! does this reader.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, Serializer};

use super::extensions::{extensions_of, Extensions};
use super::syntax::{ShortOrLong, ShortSyntax};

/// A published port: the container's `target` port as seen from the host.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub struct Port {
    /// A human-readable name for the port.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub name: Option<String>,
    /// `ingress` (the default) or `host`.
    #[serde(default = "ingress", skip_serializing_if = "String::is_empty")]
    pub mode: String,
    /// The host address to bind to.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub host_ip: Option<String>,
    /// The port inside the container.
    pub target: u16,
    /// The host port or range of ports; none lets the engine pick one.
    #[serde(
        default,
        deserialize_with = "optional_published",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<PublishedPorts>")]
    pub published: Option<PublishedPorts>,
    #[serde(default)]
    pub protocol: Protocol,
    /// The application protocol (`http`, `https`, …), a hint for tools.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub app_protocol: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, Port>"
    )]
    pub extensions: Extensions,
}

impl Port {
    /// Published only on a loopback address (`127.0.0.1:3000:3000`): only the host itself
    /// reaches it there, not other machines.
    pub fn published_on_loopback(&self) -> bool {
        self.host_ip
            .as_deref()
            .map(|ip| ip.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| ip.is_loopback())
    }
}

fn ingress() -> String {
    "ingress".to_string()
}

/// The transport protocol of a port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }

    /// Reads a protocol name in any case, as the engine does.
    pub fn parse(name: &str) -> Option<Protocol> {
        match name.to_ascii_lowercase().as_str() {
            "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Protocol::parse(&name).ok_or_else(|| {
            de::Error::custom(format_args!(
                "invalid protocol {name:?}: expected tcp, udp or sctp"
            ))
        })
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl JsonSchema for Protocol {
    fn schema_name() -> Cow<'static, str> {
        "Protocol".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "description": "tcp (the default), udp or sctp." })
    }
}

/// A host port, or a range of host ports `start-end` (printed as Compose prints it: `"8080"`,
/// `"8000-8010"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublishedPorts {
    pub start: u16,
    pub end: u16,
}

impl PublishedPorts {
    pub fn single(port: u16) -> Self {
        PublishedPorts {
            start: port,
            end: port,
        }
    }

    pub fn is_range(&self) -> bool {
        self.start != self.end
    }
}

impl fmt::Display for PublishedPorts {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.is_range() {
            write!(f, "{}-{}", self.start, self.end)
        } else {
            write!(f, "{}", self.start)
        }
    }
}

/// Reads `8080` or `8000-8010`; `None` when the text is not a port or a range of ports.
fn parse_port_range(text: &str) -> Option<PublishedPorts> {
    let (start, end) = match text.split_once('-') {
        Some((start, end)) => (start.parse().ok()?, end.parse().ok()?),
        None => {
            let port = text.parse().ok()?;
            (port, port)
        }
    };
    (start <= end).then_some(PublishedPorts { start, end })
}

/// Reads `published`, which may be a number or a string; an empty string publishes nothing.
fn optional_published<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<PublishedPorts>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => parse_port_range(&text)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format_args!("invalid published port {text:?}: expected a port such as 8080 or a range such as 8000-8010"))),
    }
}

impl Serialize for PublishedPorts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublishedPorts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        optional_published(deserializer)?.ok_or_else(|| de::Error::custom("invalid published port \"\": expected a port such as 8080 or a range such as 8000-8010"))
    }
}

impl JsonSchema for PublishedPorts {
    fn schema_name() -> Cow<'static, str> {
        "PublishedPorts".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "integer"],
            "description": "A host port such as 8080, or a range such as 8000-8010."
        })
    }
}

/// The grammar of a short port, for error messages.
const SHORT_PORT_GRAMMAR: &str = "[[ip:]published:]target[/protocol]";

/// The entries one item of `ports` stands for: several for a short range, else one.
pub(crate) struct PortEntries(Vec<Port>);

impl ShortSyntax for PortEntries {
    type Long = Port;
    const EXPECTED: &'static str = "a port such as \"8080:80/tcp\" ([[ip:]published:]target[/protocol]), a number or a mapping";
    const ACCEPTS_NUMBER: bool = true;

    fn from_short(text: &str) -> Result<Self, String> {
        parse_short_port(text).map(PortEntries)
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let port = Port::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if let Some(ip) = &port.host_ip {
            if ip.parse::<IpAddr>().is_err() {
                return Err(de::Error::custom(format_args!(
                    "invalid host_ip {ip:?}: expected an IP address"
                )));
            }
        }
        Ok(PortEntries(vec![port]))
    }
}

/// `deserialize_with` for `ports`: each item in short or long syntax, short ranges expanded.
pub(crate) fn deserialize_ports<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Port>, D::Error> {
    deserializer.deserialize_seq(PortsVisitor)
}

struct PortsVisitor;

impl<'de> Visitor<'de> for PortsVisitor {
    type Value = Vec<Port>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a list of ports")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Port>, A::Error> {
        let mut ports = Vec::new();
        while let Some(ShortOrLong(PortEntries(entries))) = seq.next_element()? {
            ports.extend(entries);
        }
        Ok(ports)
    }
}

/// Parses `[[ip:]published:]target[/protocol]` into its entries.
pub fn parse_short_port(spec: &str) -> Result<Vec<Port>, String> {
    let invalid =
        |reason: &str| format!("invalid port {spec:?}: {reason}expected {SHORT_PORT_GRAMMAR}");
    let (host_ip, published, target) = split_short_port(spec);
    let (target, protocol) = match target.split_once('/') {
        Some((target, protocol)) if !protocol.is_empty() => {
            let protocol = Protocol::parse(protocol)
                .ok_or_else(|| invalid(&format!("unknown protocol {protocol:?}; ")))?;
            (target, protocol)
        }
        Some((target, _)) => (target, Protocol::Tcp),
        None => (target, Protocol::Tcp),
    };
    // An empty address (`"${BIND:-}:8080:80"` with BIND unset) is no address to Compose:
    // the port is published on every interface.
    let host_ip = host_ip
        .filter(|ip| !ip.is_empty())
        .map(|ip| parse_host_ip(ip).ok_or_else(|| invalid(&format!("invalid IP address {ip:?}; "))))
        .transpose()?;
    let targets = parse_port_range(target).ok_or_else(|| invalid(""))?;
    // Docker reads a target of 0 as none, and Compose refuses the entry.
    if targets.start == 0 {
        return Err(format!(
            "invalid port {spec:?}: it is missing a target port"
        ));
    }
    let published = match published {
        "" => None,
        text => Some(parse_port_range(text).ok_or_else(|| invalid(""))?),
    };
    if let Some(range) = published {
        if targets.is_range() && range.end - range.start != targets.end - targets.start {
            return Err(invalid(
                "a range of targets needs a range of published ports as long; ",
            ));
        }
    }
    let mut ports: Vec<Port> = (targets.start..=targets.end)
        .map(|target| Port {
            name: None,
            mode: ingress(),
            host_ip: host_ip.clone(),
            target,
            published: published.map(|range| {
                if targets.is_range() {
                    PublishedPorts::single(range.start + (target - targets.start))
                } else {
                    range
                }
            }),
            protocol,
            app_protocol: None,
            extensions: Extensions::default(),
        })
        .collect();
    ports.sort_by_key(|port| port.target.to_string());
    Ok(ports)
}

/// Splits `ip:published:target` at its colons; an IPv6 address keeps its own colons.
fn split_short_port(spec: &str) -> (Option<&str>, &str, &str) {
    let mut parts = spec.rsplitn(3, ':');
    let target = parts.next().unwrap_or_default();
    let published = parts.next().unwrap_or_default();
    let host_ip = parts.next();
    (host_ip, published, target)
}

/// An IP address, IPv6 possibly in brackets (`[::1]`); returns it without brackets.
fn parse_host_ip(text: &str) -> Option<String> {
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>().ok().map(|_| bare.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn ports(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let value = Value::from_json(&json!({ "ports": json }));
        #[derive(serde::Deserialize)]
        struct Holder {
            #[serde(deserialize_with = "deserialize_ports")]
            ports: Vec<Port>,
        }
        let holder = Holder::deserialize(&value).map_err(|e| e.to_string())?;
        serde_json::to_value(holder.ports).map_err(|e| e.to_string())
    }

    #[test]
    fn short_range_with_ip_and_protocol_expands() {
        assert_eq!(
            ports(json!(["127.0.0.1:8080-8081:80-81/udp"])),
            Ok(json!([
                {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "udp"},
                {"mode": "ingress", "host_ip": "127.0.0.1", "target": 81, "published": "8081", "protocol": "udp"}
            ]))
        );
    }

    #[test]
    fn short_forms_read_like_compose() {
        assert_eq!(
            ports(json!([
                3000,
                "3001-3002",
                "49100:22",
                "127.0.0.1::80",
                "[::1]:6001:6001",
                "6060:6060/UDP",
                "80/",
                ":8080:8080"
            ])),
            Ok(json!([
                {"mode": "ingress", "target": 3000, "protocol": "tcp"},
                {"mode": "ingress", "target": 3001, "protocol": "tcp"},
                {"mode": "ingress", "target": 3002, "protocol": "tcp"},
                {"mode": "ingress", "target": 22, "published": "49100", "protocol": "tcp"},
                {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "protocol": "tcp"},
                {"mode": "ingress", "host_ip": "::1", "target": 6001, "published": "6001", "protocol": "tcp"},
                {"mode": "ingress", "target": 6060, "published": "6060", "protocol": "udp"},
                {"mode": "ingress", "target": 80, "protocol": "tcp"},
                {"mode": "ingress", "target": 8080, "published": "8080", "protocol": "tcp"}
            ]))
        );
    }

    #[test]
    fn a_single_target_keeps_a_published_range() {
        assert_eq!(
            ports(json!(["127.0.0.1:5000-5010:5000"])),
            Ok(
                json!([{"mode": "ingress", "host_ip": "127.0.0.1", "target": 5000, "published": "5000-5010", "protocol": "tcp"}])
            )
        );
    }

    #[test]
    fn entries_of_one_range_are_ordered_as_text() {
        let targets = ports(json!(["9-10:9-10"])).map(|p| {
            p.as_array()
                .map(|a| a.iter().map(|p| p["target"].clone()).collect::<Vec<_>>())
        });
        assert_eq!(targets, Ok(Some(vec![json!(10), json!(9)])));
    }

    #[test]
    fn long_syntax_takes_defaults_and_numbers_as_strings() {
        assert_eq!(
            ports(
                json!([{"target": "80", "published": 8080, "protocol": "UDP", "app_protocol": "http", "name": "web", "x-note": 1}])
            ),
            Ok(
                json!([{"name": "web", "mode": "ingress", "target": 80, "published": "8080", "protocol": "udp", "app_protocol": "http"}])
            )
        );
    }

    #[test]
    fn bad_short_ports_say_what_was_expected() {
        let error = |spec: &str| ports(json!([spec])).err().unwrap_or_default();
        assert_eq!(
            error("80:abc"),
            "invalid port \"80:abc\": expected [[ip:]published:]target[/protocol]"
        );
        assert_eq!(
            error("70000"),
            "invalid port \"70000\": expected [[ip:]published:]target[/protocol]"
        );
        assert_eq!(
            error("81-80"),
            "invalid port \"81-80\": expected [[ip:]published:]target[/protocol]"
        );
        assert_eq!(
            error("80:"),
            "invalid port \"80:\": expected [[ip:]published:]target[/protocol]"
        );
        assert_eq!(
            error("80:90/xyz"),
            "invalid port \"80:90/xyz\": unknown protocol \"xyz\"; expected [[ip:]published:]target[/protocol]"
        );
        assert_eq!(
            error("1.2.3:80:90"),
            "invalid port \"1.2.3:80:90\": invalid IP address \"1.2.3\"; expected [[ip:]published:]target[/protocol]"
        );
        assert_eq!(
            error("80-81:90-93"),
            "invalid port \"80-81:90-93\": a range of targets needs a range of published ports as long; expected [[ip:]published:]target[/protocol]"
        );
    }

    #[test]
    fn bad_item_types_name_the_syntaxes() {
        assert_eq!(
            ports(json!([true])),
            Err("invalid type: boolean `true`, expected a port such as \"8080:80/tcp\" ([[ip:]published:]target[/protocol]), a number or a mapping".to_string())
        );
    }

    #[test]
    fn long_syntax_rejects_unknown_keys() {
        assert_eq!(
            ports(json!([{"target": 80, "publish": 8080}])),
            Err("unknown field `publish`, expected one of `name`, `mode`, `host_ip`, `target`, `published`, `protocol`, `app_protocol`".to_string())
        );
    }

    #[test]
    fn long_syntax_needs_a_plain_ip_address() {
        assert_eq!(
            ports(json!([{"target": 80, "host_ip": "[::1]"}])),
            Err("invalid host_ip \"[::1]\": expected an IP address".to_string())
        );
    }

    #[test]
    fn a_port_published_on_a_loopback_address_is_the_host_s_alone() {
        let on_loopback = |spec: &str| parse_short_port(spec).unwrap()[0].published_on_loopback();
        assert!(on_loopback("127.0.0.1:5432:5432"));
        assert!(on_loopback("127.0.0.2:80:80"));
        assert!(on_loopback("[::1]:80:80"));
        assert!(!on_loopback("0.0.0.0:80:80"));
        assert!(!on_loopback("192.168.1.5:80:80"));
        assert!(!on_loopback("80:80"));
    }
}
