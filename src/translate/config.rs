//! Configuration that Compose hands to containers: env files (ConfigMaps used with
//! envFrom), `configs` (ConfigMaps) and `secrets` (Secrets), mounted where Compose mounts
//! them.

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
