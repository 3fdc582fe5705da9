//! `x-kubernetes`: the typed extension for what Compose cannot say about Kubernetes.
//!
//! The loader keeps every `x-` key as raw JSON and never interprets it. This module gives
//! `x-kubernetes` its types (at the top level, on a service and on a named volume), reads
//! them with every unknown key and every wrong value an error with its key path
//! (`services.web.x-kubernetes.service.type`), and checks what types alone cannot (a
//! CronJob needs a schedule, `autoscale.min` is at most `max`, …). Translation receives the
//! result, [`XKubernetes`], and never sees an invalid value: nothing is silently defaulted.
//!
//! The `kompose.*` labels Kompose users have are read here too (`kompose`), into the same
//! settings.

mod check;
mod kompose;
mod types;

pub use check::{awaited_services, check, effective_kind, kind_given};
pub use kompose::{group_of, KomposeLabels, GROUP_LABEL};
pub use types::*;

use indexmap::IndexMap;
use schemars::generate::SchemaSettings;

/// The `x-kubernetes` extensions of a project, read and checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct XKubernetes {
    pub project: ProjectExtension,
    /// By service name; a service without `x-kubernetes` has no entry.
    pub services: IndexMap<String, ServiceExtension>,
    /// By the key of the top-level volume; a volume without `x-kubernetes` has no entry.
    pub volumes: IndexMap<String, VolumeExtension>,
    /// By service name: what its `kompose.*` labels did (already applied to `services`).
    pub kompose: IndexMap<String, KomposeLabels>,
}

impl XKubernetes {
    /// The service's extension, or the empty one.
    pub fn service(&self, name: &str) -> &ServiceExtension {
        static EMPTY: std::sync::OnceLock<ServiceExtension> = std::sync::OnceLock::new();
        self.services
            .get(name)
            .unwrap_or_else(|| EMPTY.get_or_init(ServiceExtension::default))
    }
}

/// The JSON Schema (draft 7) of `x-kubernetes`: the top-level form, with the service and
/// volume forms under `definitions` (`ServiceExtension`, `VolumeExtension`).
pub fn json_schema() -> serde_json::Value {
    let mut generator = SchemaSettings::draft07().into_generator();
    generator.subschema_for::<ServiceExtension>();
    generator.subschema_for::<VolumeExtension>();
    generator
        .into_root_schema_for::<ProjectExtension>()
        .to_value()
}
