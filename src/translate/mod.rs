//! Translation: the resolved compose project → Kubernetes objects and a report.
//!
//! This stage is pure: it reads no file and no environment variable. Everything it needs
//! from outside (env file contents, host files, the interpolation environment) was read by
//! the load stage and arrives in [`Input`]. It never fails on a valid project: what cannot be
//! carried over becomes a report entry.
//!
//! Each service is assembled from parts: `network` gives it a Service and container ports,
//! `storage` its volumes (claims, ConfigMaps for bind mounts, memory emptyDirs), `config` its
//! env files, configs and secrets (with `env_secrets`, the Secrets of secret-named
//! variables), and `workload` builds the workload around them (of the kind `kinds`
//! chooses). `extension` then adds what `x-kubernetes` asks for.

pub(crate) mod alias;
pub mod codes;
pub(crate) mod config;
pub(crate) mod container;
pub(crate) mod dependencies;
pub(crate) mod env_secrets;
pub(crate) mod extension;
pub(crate) mod index;
pub(crate) mod inferred_ports;
pub(crate) mod keys;
pub(crate) mod kinds;
pub mod names;
pub(crate) mod network;
pub(crate) mod placement;
pub(crate) mod pod;
pub(crate) mod policy;
pub(crate) mod probe;
pub(crate) mod referrers;
pub mod report;
pub(crate) mod resources;
pub(crate) mod secret_variables;
pub(crate) mod security;
pub(crate) mod shared_pod;
pub(crate) mod storage;
pub(crate) mod workload;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ContainerPort, EnvFromSource, Volume, VolumeMount};

use crate::compose::env_file::ServiceEnvFiles;
use crate::compose::host_files::HostFiles;
use crate::compose::load::Environment;
use crate::compose::model::{Project, Service};
use crate::extension::{WorkloadKind, XKubernetes};
use crate::manifest::{self, Identity, Manifest};
pub use codes::Code;
pub use report::{Allowed, Report};

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
    /// Compose networks as NetworkPolicies (`--network-policies`).
    pub network_policies: bool,
    /// What the output does with the values of Secrets that come from outside the compose
    /// file.
    pub secret_values: SecretValues,
}

/// Where the values of Secrets from files and variables end up, by kind of output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretValues {
    /// In the manifests (plain output).
    Written,
    /// Read at build time from files the user writes (kustomize generators).
    Generated,
    /// Not in the output: the user creates the Secrets (a Helm chart's default values).
    LeftToUser,
}

/// A small, pinned image with `nc` to wait for dependencies.
pub const DEFAULT_WAIT_IMAGE: &str = "busybox:1.36.1";

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: None,
            wait_image: DEFAULT_WAIT_IMAGE.to_string(),
            network_policies: false,
            secret_values: SecretValues::Written,
        }
    }
}

/// The objects, in their fixed order, the report, and where the data of ConfigMaps and
/// Secrets came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub manifests: Vec<Manifest>,
    pub report: Report,
    /// Secrets whose values come from a file, a variable or a secret-named variable, by
    /// object: outputs that read values at build time (kustomize generators) leave them to
    /// the user instead of copying them. Secrets written in the compose file are not listed.
    pub provided: BTreeMap<Identity, ProvidedValues>,
    /// The report codes the project's `x-kubernetes` accepts. Applied by the command to the
    /// whole report, which has the loader's warnings too.
    pub allowed: Allowed,
}

/// The values of a Secret that an output may leave to the user: each key with where its
/// value is found.
pub type ProvidedValues = Vec<(String, ValueOrigin)>;

/// Where the value of a Secret's key is found, when not in the compose file itself; told to
/// the user who provides it (kustomize's generator files, the chart's NOTES.txt).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueOrigin {
    /// The `file:` of a config or secret, with why it was not read when it was not.
    File {
        path: String,
        unread: Option<String>,
    },
    /// The `environment:` variable of a config or secret.
    Variable(String),
    /// A secret-named entry of a service's `environment`.
    Environment { service: String, variable: String },
    /// A secret-named variable of a service's env file.
    EnvFile { variable: String, path: String },
}

impl ValueOrigin {
    /// The file the value is in, when it is in a file of its own.
    pub fn file(&self) -> Option<&str> {
        match self {
            ValueOrigin::File { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl std::fmt::Display for ValueOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueOrigin::File { path, unread: None } => write!(f, "the file {path}"),
            ValueOrigin::File {
                path,
                unread: Some(why),
            } => write!(f, "the file {path} (which {why})"),
            ValueOrigin::Variable(name) => write!(f, "the variable {name}"),
            ValueOrigin::Environment { service, variable } => {
                write!(f, "services.{service}.environment.{variable}")
            }
            ValueOrigin::EnvFile { variable, path } => write!(f, "{variable} of {path}"),
        }
    }
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
    /// The containers of the services that join this pod (`network_mode: service:…`).
    pub guest_containers: Vec<Container>,
    /// The `environment` variables the container reads from a Secret (under their own
    /// names as keys), by variable: the Secret's name.
    pub secret_env: BTreeMap<String, String>,
}

/// The shared state of one translation.
pub struct Context<'a> {
    pub input: Input<'a>,
    pub options: &'a Options,
    pub report: Report,
    /// ConfigMap names handed out so far: top-level configs, bind mounts and env files all
    /// become ConfigMaps, and their generated names must not meet.
    pub config_map_names: names::UniqueNames,
    /// Secret names handed out so far: the project's own secrets and the Secrets named in
    /// `x-kubernetes` first, then the Secrets of secret-named environment variables.
    pub secret_names: names::UniqueNames,
    /// The Secrets whose values come from outside the compose file, by name (namespaces
    /// are set at the end).
    pub provided: Vec<(String, ProvidedValues)>,
    /// Lookups across services, computed once.
    pub index: index::ProjectIndex<'a>,
    /// The claims of bind-mounted data directories, by host path (made with the claims).
    pub bind_claims: storage::BindClaims,
}

impl<'a> Context<'a> {
    pub fn new(input: Input<'a>, options: &'a Options) -> Self {
        Context {
            input,
            options,
            report: Report::default(),
            config_map_names: names::UniqueNames::default(),
            secret_names: names::UniqueNames::default(),
            provided: Vec::new(),
            index: index::ProjectIndex::new(input.project),
            bind_claims: storage::BindClaims::new(),
        }
    }

    pub fn project_name(&self) -> &str {
        self.input.project.name.as_deref().unwrap_or_default()
    }

    /// The kind of workload `service` becomes (see [`crate::extension::effective_kind`]).
    pub fn workload_kind(&self, service: &str) -> WorkloadKind {
        crate::extension::kind_given(
            self.input.project,
            service,
            self.input.extensions.service(service),
            &self.index.awaited,
        )
    }
}

/// Translates a project. Deterministic: the same input gives the same objects in the same
/// order.
pub fn translate(input: Input<'_>, options: &Options) -> Translation {
    let mut cx = Context::new(input, options);
    let mut manifests = Vec::new();
    manifests.extend(storage::claims(&mut cx));
    manifests.extend(config::project_objects(&mut cx));
    report_project_keys(&mut cx);
    for (name, service) in &input.project.services {
        manifests.extend(translate_service(&mut cx, name, service));
    }
    let policies = policy::policies(&mut cx, &manifests);
    manifests.extend(policies);
    kinds::claims_to_templates(&mut manifests);
    extension::finish_project(&cx, &mut manifests);
    let namespace = options
        .namespace
        .as_ref()
        .or(input.extensions.project.namespace.as_ref())
        .cloned();
    if let Some(namespace) = &namespace {
        for manifest in &mut manifests {
            manifest.metadata_mut().namespace = Some(namespace.clone());
        }
    }
    manifest::sort(&mut manifests);
    let provided = cx
        .provided
        .into_iter()
        .map(|(name, values)| {
            let identity = Identity {
                api_version: "v1".to_string(),
                kind: "Secret".to_string(),
                // The objects' own namespace, or a generator would not find its object.
                namespace: namespace.clone(),
                name,
            };
            (identity, values)
        })
        .collect();
    let mut report = cx.report;
    report.sort();
    Translation {
        manifests,
        report,
        provided,
        allowed: Allowed::from_extensions(input.extensions),
    }
}

fn translate_service(cx: &mut Context<'_>, name: &str, service: &Service) -> Vec<Manifest> {
    if cx.index.pods.is_guest(name) {
        // Its container is built with the pod it joins.
        return Vec::new();
    }
    let mut parts = PodParts::default();
    let mut objects = Vec::new();
    objects.extend(network::attach(cx, name, service, &mut parts));
    objects.extend(storage::attach(cx, name, service, &mut parts));
    objects.extend(config::attach(cx, name, service, &mut parts));
    let guests = cx.index.pods.guests(name).to_vec();
    for (guest, definition) in guests {
        let (container, guest_objects) =
            shared_pod::guest_container(cx, name, guest, definition, &mut parts);
        parts.guest_containers.push(container);
        objects.extend(guest_objects);
    }
    objects.push(workload::workload(cx, name, service, parts));
    extension::finish_service(cx, name, service, &mut objects);
    let aliases = alias::alias_services(cx, name, service, &objects);
    let link_aliases = alias::link_alias_services(cx, name, &objects);
    objects.extend(aliases);
    objects.extend(link_aliases);
    objects
}

/// Top-level keys that have no Kubernetes object of their own yet: each gets a line.
fn report_project_keys(cx: &mut Context<'_>) {
    let project = cx.input.project;
    let networks_reported = if cx.options.network_policies {
        // Each network becomes a NetworkPolicy, which `policy` reports.
        Vec::new()
    } else {
        project.networks.keys().collect()
    };
    for name in networks_reported
        .into_iter()
        .filter(|n| n.as_str() != "default")
    {
        cx.report.warn_project(
            Code::NetworksNotIsolated,
            &format!("networks.{name}"),
            "networks are not translated: every pod can reach every Service of the namespace, \
             so services Compose kept apart can reach each other",
            Some("`--network-policies` writes one NetworkPolicy per network".to_string()),
        );
    }
    for name in project.models.keys() {
        cx.report.warn_project(
            Code::ModelNotProvisioned,
            &format!("models.{name}"),
            "AI models have no Kubernetes equivalent here; the model is not provisioned",
            None,
        );
    }
    // `x-kubernetes` is interpreted (src/extension/); other extension fields are not.
    for key in project
        .extensions
        .0
        .keys()
        .filter(|k| k.as_str() != "x-kubernetes")
    {
        cx.report.info_project(
            Code::ExtensionKeyIgnored,
            key,
            "extension field kept by Compose, not interpreted",
        );
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use serde::Deserialize;

    use super::*;
    use crate::value::Value;

    /// What translation reads besides the project.
    #[derive(Default)]
    pub struct Surroundings {
        pub env_files: ServiceEnvFiles,
        pub host_files: HostFiles,
        pub environment: Environment,
        pub extensions: XKubernetes,
    }

    pub type Attach = fn(&mut Context<'_>, &str, &Service, &mut PodParts) -> Vec<Manifest>;

    /// Runs one part's `attach` on one service of a project written as JSON, for the parts'
    /// own tests: what it adds to the pod, the objects it returns and the report.
    pub fn attach_one(
        project: serde_json::Value,
        surroundings: &Surroundings,
        service: &str,
        attach: Attach,
    ) -> (PodParts, Vec<Manifest>, Report) {
        let mut parts = PodParts::default();
        let (objects, report) = run_one(project, surroundings, service, |cx, name, definition| {
            attach(cx, name, definition, &mut parts)
        });
        (parts, objects, report)
    }

    /// Runs `step` on one service of a project written as JSON: what it returns and the
    /// report.
    pub fn run_one<T>(
        project: serde_json::Value,
        surroundings: &Surroundings,
        service: &str,
        step: impl FnOnce(&mut Context<'_>, &str, &Service) -> T,
    ) -> (T, Report) {
        let project = Project::deserialize(&Value::from_json(&project))
            .unwrap_or_else(|e| panic!("test project: {e}"));
        let options = Options::default();
        let input = Input {
            project: &project,
            env_files: &surroundings.env_files,
            host_files: &surroundings.host_files,
            environment: &surroundings.environment,
            extensions: &surroundings.extensions,
        };
        let mut cx = Context::new(input, &options);
        let definition = project.services.get(service).cloned().unwrap_or_default();
        let out = step(&mut cx, service, &definition);
        (out, cx.report)
    }
}
