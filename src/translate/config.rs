//! Configuration that Compose hands to containers: env files (ConfigMaps used with
//! envFrom), `configs` (ConfigMaps) and `secrets` (Secrets), mounted where Compose mounts
//! them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;

use super::{Context, PodParts};
use crate::compose::model::Service;
use crate::manifest::Manifest;

/// ConfigMaps and Secrets for the project's top-level `configs` and `secrets`.
pub fn project_objects(_cx: &mut Context<'_>) -> Vec<Manifest> {
    Vec::new()
}

/// Adds the service's env files, configs and secrets to its pod; returns the objects.
pub fn attach(
    _cx: &mut Context<'_>,
    _name: &str,
    _service: &Service,
    _parts: &mut PodParts,
) -> Vec<Manifest> {
    Vec::new()
}

/// A ConfigMap of files: text in `data`, anything not UTF-8 in `binaryData`.
pub(super) fn config_map(
    name: &str,
    labels: BTreeMap<String, String>,
    files: &[(String, &[u8])],
) -> ConfigMap {
    let mut data = BTreeMap::new();
    let mut binary_data = BTreeMap::new();
    for (key, bytes) in files {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                data.insert(key.clone(), text.to_string());
            }
            Err(_) => {
                binary_data.insert(key.clone(), ByteString(bytes.to_vec()));
            }
        }
    }
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..Default::default()
        },
        data: (!data.is_empty()).then_some(data),
        binary_data: (!binary_data.is_empty()).then_some(binary_data),
        ..Default::default()
    }
}

/// The ConfigMap (or Secret) key for a name: characters a key cannot hold (anything but
/// letters, digits, `-`, `_` and `.`) become `_`, and it may not start with `..`.
pub(super) fn config_key(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if is_key_char(c) { c } else { '_' })
        .take(MAX_KEY)
        .collect();
    if mapped.is_empty() {
        "file".to_string()
    } else if mapped == "." || mapped.starts_with("..") {
        format!("_{}", &mapped[..mapped.len().min(MAX_KEY - 1)])
    } else {
        mapped
    }
}

const MAX_KEY: usize = 253;

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}
