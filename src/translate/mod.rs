//! Translation: the resolved compose project → Kubernetes objects and a report.
//!
//! This stage is pure: it reads no file and no environment variable. Everything it needs
//! from outside (env file contents, host files, the interpolation environment) was read by
//! the load stage and arrives in [`Input`]. It never fails on a valid project: what cannot be
//! carried over becomes a report entry.
//!
//! Each service is assembled from parts: `network` gives it a Service and container ports,
//! `storage` its volumes (claims, ConfigMaps for bind mounts, memory emptyDirs), `config` its
//! env files, configs and secrets, and `workload` builds the workload around them (of the
//! kind `kinds` chooses). `extension` then adds what `x-kubernetes` asks for.

pub mod config;
pub mod container;
pub mod dependencies;
pub mod extension;
pub mod keys;
pub mod kinds;
pub mod names;
pub mod network;
pub mod placement;
pub mod pod;
pub mod probe;
pub mod report;
pub mod resources;
pub mod security;
pub mod storage;
pub mod workload;

use k8s_openapi::api::core::v1::{ContainerPort, EnvFromSource, Volume, VolumeMount};

use crate::compose::env_file::ServiceEnvFiles;
use crate::compose::host_files::HostFiles;
use crate::compose::load::Environment;
use crate::compose::model::{Project, Service};
use crate::extension::XKubernetes;
use crate::manifest::{self, Manifest};
pub use report::Report;

/// Everything translation reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub project: &'a Project,
    /// What each service's env files set, file by file.
    pub env_files: &'a ServiceEnvFiles,
    /// Bind-mount sources and config/secret files, as found on the host.
    pub host_files: &'a HostFiles,
    /// The interpolation environment (for configs and secrets taken from a variable).
    pub environment: &'a Environment,
    /// The project's `x-kubernetes`, read and checked.
    pub extensions: &'a XKubernetes,
}

/// Choices of the user that are not in the compose files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Namespace written on every object; none leaves it to `kubectl`.
    pub namespace: Option<String>,
    /// The image of the init containers that wait for a dependency.
    pub wait_image: String,
}

/// A small, pinned image with `nc` to wait for dependencies.
pub const DEFAULT_WAIT_IMAGE: &str = "busybox:1.36.1";

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: None,
            wait_image: DEFAULT_WAIT_IMAGE.to_string(),
        }
    }
}

/// The objects, in their fixed order, and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub manifests: Vec<Manifest>,
    pub report: Report,
}

/// What the parts of a service contribute to its pod and main container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodParts {
    pub volumes: Vec<Volume>,
    pub mounts: Vec<VolumeMount>,
    pub env_from: Vec<EnvFromSource>,
    pub ports: Vec<ContainerPort>,
    /// The pod mounts a ReadWriteOnce claim: two pods cannot run at once, so a rolling
    /// update would hang; the Deployment uses the Recreate strategy.
    pub mounts_exclusive_claim: bool,
}

/// The shared state of one translation.
pub struct Context<'a> {
    pub input: Input<'a>,
    pub options: &'a Options,
    pub report: Report,
}

impl Context<'_> {
    pub fn project_name(&self) -> &str {
        self.input.project.name.as_deref().unwrap_or_default()
    }
}

/// Translates a project. Deterministic: the same input gives the same objects in the same
/// order.
pub fn translate(input: Input<'_>, options: &Options) -> Translation {
    let mut cx = Context {
        input,
        options,
        report: Report::default(),
    };
    let mut manifests = Vec::new();
    manifests.extend(storage::claims(&mut cx));
    manifests.extend(config::project_objects(&mut cx));
    for (name, service) in &input.project.services {
        manifests.extend(translate_service(&mut cx, name, service));
    }
    kinds::claims_to_templates(&mut manifests);
    extension::finish_project(&cx, &mut manifests);
    let namespace = options
        .namespace
        .as_ref()
        .or(input.extensions.project.namespace.as_ref());
    if let Some(namespace) = namespace {
        for manifest in &mut manifests {
            manifest.metadata_mut().namespace = Some(namespace.clone());
        }
    }
    manifest::sort(&mut manifests);
    let mut report = cx.report;
    report.sort();
    Translation { manifests, report }
}

fn translate_service(cx: &mut Context<'_>, name: &str, service: &Service) -> Vec<Manifest> {
    let mut parts = PodParts::default();
    let mut objects = Vec::new();
    objects.extend(network::attach(cx, name, service, &mut parts));
    objects.extend(storage::attach(cx, name, service, &mut parts));
    objects.extend(config::attach(cx, name, service, &mut parts));
    objects.push(workload::workload(cx, name, service, parts));
    extension::finish_service(cx, name, service, &mut objects);
    objects
}
