//! Volumes: named volumes as PersistentVolumeClaims, bind mounts of small host files as
//! ConfigMaps, tmpfs and shm_size as memory emptyDirs.

use super::{Context, PodParts};
use crate::compose::model::Service;
use crate::manifest::Manifest;

/// One PersistentVolumeClaim per named volume that a service mounts.
pub fn claims(_cx: &mut Context<'_>) -> Vec<Manifest> {
    Vec::new()
}

/// Adds the service's volumes and mounts to its pod; returns the objects they need.
pub fn attach(
    _cx: &mut Context<'_>,
    _name: &str,
    _service: &Service,
    _parts: &mut PodParts,
) -> Vec<Manifest> {
    Vec::new()
}
