//! [`ServiceVolume`]: one entry of a service's `volumes`, and the short syntax
//! `[source:]target[:options]` that stands for it.
//!
//! The short syntax is Compose's (`format.ParseVolume`): a source that starts with `.`, `/`,
//! `~`, `\\` or a Windows drive letter is a bind mount of a host path (created if missing,
//! for compatibility with the first docker-compose); any other source names a volume; no
//! source makes an anonymous volume. Options are `ro`, `rw`, `nocopy`, the SELinux labels `z`
//! and `Z` and the bind propagations; Compose ignores any other option, and so does this
//! reader. Relative host paths stay relative here: the loader resolves them against the
//! project directory.

use schemars::JsonSchema;
use serde::de::{self, MapAccess};
use serde::{Deserialize, Serialize};

use super::byte_size::ByteSize;
use super::collections::Mapping;
use super::extensions::{extensions_of, Extensions};
use super::syntax::{is_false, is_zero, ShortSyntax};

/// A mount into a service's containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct ServiceVolume {
    #[serde(rename = "type")]
    pub kind: MountKind,
    /// A host path (bind), a volume name (volume), an image reference (image) or a pipe
    /// (npipe); none for tmpfs and anonymous volumes.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub source: Option<String>,
    /// The path in the container.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// Platform-specific consistency requirements (`cached`, `delegated`, …).
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub consistency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageOptions>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ServiceVolume>"
    )]
    pub extensions: Extensions,
}

/// What a mount mounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    #[default]
    Volume,
    /// A memory-backed file system.
    Tmpfs,
    /// A Windows named pipe.
    Npipe,
    /// A cluster (CSI) volume.
    Cluster,
    /// The file system of an image.
    Image,
}

/// Options of a bind mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct BindOptions {
    /// SELinux relabelling: `z` (shared) or `Z` (private).
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub selinux: Option<String>,
    /// `rprivate`, `private`, `rshared`, `shared`, `rslave` or `slave`.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub propagation: Option<String>,
    /// Whether a missing host path is created (true for the short syntax).
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_host_path: bool,
    /// `enabled`, `disabled`, `writable` or `readonly`.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub recursive: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, BindOptions>"
    )]
    pub extensions: Extensions,
}

/// Options of a volume mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct VolumeOptions {
    #[serde(default, skip_serializing_if = "Mapping::is_empty")]
    pub labels: Mapping,
    /// Do not copy the image's content at the target into a new volume.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nocopy: bool,
    /// A path inside the volume to mount instead of its root.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub subpath: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, VolumeOptions>"
    )]
    pub extensions: Extensions,
}

/// Options of a tmpfs mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct TmpfsOptions {
    #[serde(default, skip_serializing_if = "ByteSize::is_zero")]
    pub size: ByteSize,
    /// The file mode, as a number (`0o1777` is 1023).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub mode: u32,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, TmpfsOptions>"
    )]
    pub extensions: Extensions,
}

/// Options of an image mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub struct ImageOptions {
    /// A path inside the image to mount instead of its root.
    #[serde(
        default,
        skip_serializing_if = "crate::compose::model::is_unset_or_empty"
    )]
    pub subpath: Option<String>,
    #[serde(
        flatten,
        skip_serializing,
        deserialize_with = "extensions_of::<_, ImageOptions>"
    )]
    pub extensions: Extensions,
}

const SHORT_VOLUME_GRAMMAR: &str = "[source:]target[:options]";

impl ShortSyntax for ServiceVolume {
    type Long = ServiceVolume;
    const EXPECTED: &'static str =
        "a volume such as \"./data:/data:ro\" ([source:]target[:options]) or a mapping";

    fn from_short(text: &str) -> Result<Self, String> {
        parse_short_volume(text)
    }

    fn from_long<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let volume = ServiceVolume::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if volume.target.is_empty() {
            return Err(de::Error::custom(
                "a volume needs a `target`, the path in the container",
            ));
        }
        Ok(volume)
    }
}

/// Parses `[source:]target[:options]`.
pub fn parse_short_volume(spec: &str) -> Result<ServiceVolume, String> {
    let invalid = |reason: &str| {
        format!("invalid volume {spec:?}: {reason}; expected {SHORT_VOLUME_GRAMMAR}")
    };
    if spec.is_empty() {
        return Err(invalid("it is empty"));
    }
    let mut volume = ServiceVolume::default();
    // One or two bytes are a target: a drive letter like `c:` must not read as a source.
    if spec.len() <= 2 {
        volume.target = clean_path(spec);
        return Ok(volume);
    }
    let sections = split_sections(spec);
    if sections.iter().any(|section| section.is_empty()) {
        return Err(invalid("a section between colons is empty"));
    }
    match sections.as_slice() {
        [target] => volume.target = target.to_string(),
        [source, target] => {
            volume.source = Some(source.to_string());
            volume.target = target.to_string();
        }
        [source, target, options] => {
            volume.source = Some(source.to_string());
            volume.target = target.to_string();
            apply_options(&mut volume, options);
        }
        _ => return Err(invalid("it has too many colons")),
    }
    volume.target = clean_path(&volume.target);
    set_kind(&mut volume);
    Ok(volume)
}

/// Splits at colons, except the colon of a Windows drive (`C:\data`) and colons inside
/// `${…}` (a variable the interpolation left for the engine).
fn split_sections(spec: &str) -> Vec<String> {
    let mut sections = Vec::new();
    let mut section = String::new();
    let mut braces = 0usize;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'{') => braces += 1,
            '}' if braces > 0 => braces -= 1,
            ':' if braces == 0 && !is_drive_letter(&section) => {
                sections.push(std::mem::take(&mut section));
                continue;
            }
            _ => {}
        }
        section.push(c);
    }
    sections.push(section);
    sections
}

fn is_drive_letter(section: &str) -> bool {
    let mut chars = section.chars();
    matches!((chars.next(), chars.next()), (Some(letter), None) if letter.is_alphabetic())
}

fn apply_options(volume: &mut ServiceVolume, options: &str) {
    for option in options.split(',') {
        match option {
            "ro" => volume.read_only = true,
            "rw" => volume.read_only = false,
            "nocopy" => {
                volume.volume = Some(VolumeOptions {
                    nocopy: true,
                    ..VolumeOptions::default()
                })
            }
            "z" | "Z" => {
                volume.bind.get_or_insert_with(BindOptions::default).selinux =
                    Some(option.to_string())
            }
            "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                volume
                    .bind
                    .get_or_insert_with(BindOptions::default)
                    .propagation = Some(option.to_string())
            }
            _ => {}
        }
    }
}

/// A host path makes a bind mount (created when missing), anything else a volume.
fn set_kind(volume: &mut ServiceVolume) {
    if volume.source.as_deref().is_some_and(is_host_path) {
        volume.kind = MountKind::Bind;
        volume
            .bind
            .get_or_insert_with(BindOptions::default)
            .create_host_path = true;
    } else {
        volume.kind = MountKind::Volume;
        volume.volume.get_or_insert_with(VolumeOptions::default);
    }
}

fn is_host_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with("\\\\") {
        return true;
    }
    let mut chars = source.chars();
    matches!((chars.next(), chars.next()), (Some(letter), Some(':')) if letter.is_alphabetic())
}

/// Go's `path.Clean`: the shortest equivalent slash-separated path.
pub fn clean_path(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Volume => "volume",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Npipe => "npipe",
            MountKind::Cluster => "cluster",
            MountKind::Image => "image",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::syntax::ShortOrLong;
    use crate::value::Value;
    use serde::Deserialize;
    use serde_json::json;

    fn short(spec: &str) -> Result<serde_json::Value, String> {
        parse_short_volume(spec).and_then(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
    }

    fn long(json: serde_json::Value) -> Result<serde_json::Value, String> {
        let value = Value::from_json(&json);
        let volume: ServiceVolume = ShortOrLong::<ServiceVolume>::deserialize(&value)
            .map(|v| v.0)
            .map_err(|e| e.to_string())?;
        serde_json::to_value(volume).map_err(|e| e.to_string())
    }

    #[test]
    fn host_paths_are_bind_mounts_created_when_missing() {
        assert_eq!(
            short("./data:/var/lib/x:ro"),
            Ok(
                json!({"type": "bind", "source": "./data", "target": "/var/lib/x", "read_only": true, "bind": {"create_host_path": true}})
            )
        );
        assert_eq!(
            short("~/configs:/etc/configs/:ro"),
            Ok(
                json!({"type": "bind", "source": "~/configs", "target": "/etc/configs", "read_only": true, "bind": {"create_host_path": true}})
            )
        );
        assert_eq!(
            short("./a:/b:z,rslave"),
            Ok(
                json!({"type": "bind", "source": "./a", "target": "/b", "bind": {"selinux": "z", "propagation": "rslave", "create_host_path": true}})
            )
        );
    }

    #[test]
    fn names_are_volumes() {
        assert_eq!(
            short("mydata:/x:ro,nocopy"),
            Ok(
                json!({"type": "volume", "source": "mydata", "target": "/x", "read_only": true, "volume": {"nocopy": true}})
            )
        );
        assert_eq!(
            short("/anon"),
            Ok(json!({"type": "volume", "target": "/anon", "volume": {}}))
        );
        assert_eq!(
            short("db:/var/lib/db:rw"),
            Ok(json!({"type": "volume", "source": "db", "target": "/var/lib/db", "volume": {}}))
        );
    }

    #[test]
    fn windows_paths_keep_their_drive_colon() {
        assert_eq!(
            short("C:\\data:/data"),
            Ok(
                json!({"type": "bind", "source": "C:\\data", "target": "/data", "bind": {"create_host_path": true}})
            )
        );
    }

    #[test]
    fn bad_short_volumes_say_what_was_expected() {
        assert_eq!(short("vol::b"), Err("invalid volume \"vol::b\": a section between colons is empty; expected [source:]target[:options]".to_string()));
        assert_eq!(short("vol:/a:ro:x"), Err("invalid volume \"vol:/a:ro:x\": it has too many colons; expected [source:]target[:options]".to_string()));
    }

    #[test]
    fn long_syntax_needs_a_target() {
        assert_eq!(
            long(json!({"type": "volume", "source": "v"})),
            Err("a volume needs a `target`, the path in the container".to_string())
        );
        assert_eq!(
            long(json!({"type": "tmpfs", "target": "/t", "tmpfs": {"size": "10m", "mode": 1023}})),
            Ok(
                json!({"type": "tmpfs", "target": "/t", "tmpfs": {"size": "10485760", "mode": 1023}})
            )
        );
    }

    #[test]
    fn long_syntax_names_unknown_types() {
        assert!(long(json!({"type": "disk", "target": "/t"}))
            .is_err_and(|e| e.starts_with("unknown variant `disk`")));
    }

    #[test]
    fn clean_path_matches_go() {
        for (path, clean) in [
            ("/a/b/", "/a/b"),
            ("a//b/./c/..", "a/b"),
            ("/../x", "/x"),
            ("../../x", "../../x"),
            ("", "."),
            ("/", "/"),
        ] {
            assert_eq!(clean_path(path), clean, "{path}");
        }
    }
}
