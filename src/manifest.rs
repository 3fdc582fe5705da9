//! The Kubernetes objects compose2k8s writes: one enum over the typed k8s-openapi objects,
//! their identity (apiVersion, kind, namespace, name), the fixed order they are written in,
//! and their rendering as YAML or JSON.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Resource;
use serde::Serialize;

/// One object of the output. Each is boxed: the typed objects are kilobytes each (a
/// Deployment's inline size is close to 3 KiB), and a list of them unboxed costs the largest
/// size per entry, copied again at every growth of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Manifest {
    ConfigMap(Box<ConfigMap>),
    Secret(Box<Secret>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    Service(Box<Service>),
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    DaemonSet(Box<DaemonSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
    Ingress(Box<Ingress>),
    HorizontalPodAutoscaler(Box<HorizontalPodAutoscaler>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
    NetworkPolicy(Box<NetworkPolicy>),
}

/// What identifies an object in a cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

macro_rules! each_manifest {
    ($self:expr, $object:ident => $body:expr) => {
        match $self {
            Manifest::ConfigMap($object) => $body,
            Manifest::Secret($object) => $body,
            Manifest::PersistentVolumeClaim($object) => $body,
            Manifest::Service($object) => $body,
            Manifest::Deployment($object) => $body,
            Manifest::StatefulSet($object) => $body,
            Manifest::DaemonSet($object) => $body,
            Manifest::Job($object) => $body,
            Manifest::CronJob($object) => $body,
            Manifest::Ingress($object) => $body,
            Manifest::HorizontalPodAutoscaler($object) => $body,
            Manifest::PodDisruptionBudget($object) => $body,
            Manifest::NetworkPolicy($object) => $body,
        }
    };
}

fn api_version_and_kind<T: Resource>(_: &T) -> (&'static str, &'static str) {
    (T::API_VERSION, T::KIND)
}

impl Manifest {
    pub fn metadata(&self) -> &ObjectMeta {
        each_manifest!(self, o => &o.metadata)
    }

    pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
        each_manifest!(self, o => &mut o.metadata)
    }

    pub fn api_version(&self) -> &'static str {
        each_manifest!(self, o => api_version_and_kind(o.as_ref()).0)
    }

    pub fn kind(&self) -> &'static str {
        each_manifest!(self, o => api_version_and_kind(o.as_ref()).1)
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    pub fn identity(&self) -> Identity {
        Identity {
            api_version: self.api_version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.metadata().namespace.clone(),
            name: self.name().to_string(),
        }
    }

    /// Objects are written in the order a cluster needs them: configuration and storage,
    /// then Services, then workloads, then what refers to workloads.
    fn rank(&self) -> u8 {
        match self {
            Manifest::ConfigMap(_) => 0,
            Manifest::Secret(_) => 1,
            Manifest::PersistentVolumeClaim(_) => 2,
            Manifest::Service(_) => 3,
            Manifest::Deployment(_) => 4,
            Manifest::StatefulSet(_) => 5,
            Manifest::DaemonSet(_) => 6,
            Manifest::Job(_) => 7,
            Manifest::CronJob(_) => 8,
            Manifest::Ingress(_) => 9,
            Manifest::HorizontalPodAutoscaler(_) => 10,
            Manifest::PodDisruptionBudget(_) => 11,
            Manifest::NetworkPolicy(_) => 12,
        }
    }

    /// The file name in an output directory: `<name>-<kind in lower case>.yaml`.
    pub fn file_name(&self, extension: &str) -> String {
        format!("{}-{}.{extension}", self.name(), self.kind().to_lowercase())
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// The fixed order of the output: by kind, then by name. A stable sort, and the list holds
/// only pointers to the objects, so comparing their names where they are is cheaper than
/// copying each name into a key first (30,000 names at 10,000 services).
pub fn sort(manifests: &mut [Manifest]) {
    manifests.sort_by(|a, b| a.rank().cmp(&b.rank()).then_with(|| a.name().cmp(b.name())));
}

/// One YAML document.
pub fn to_yaml(manifest: &Manifest) -> String {
    crate::yaml::to_string(manifest).unwrap_or_default()
}

/// A YAML stream: documents separated by `---`, ready for `kubectl apply -f -`.
pub fn to_yaml_stream(manifests: &[Manifest]) -> String {
    let mut out = String::new();
    for (i, manifest) in manifests.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml(manifest));
    }
    out
}

/// A `v1` `List` holding the objects, as `kubectl get -o json` prints several.
pub fn to_json_list(manifests: &[Manifest]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": manifests.iter().map(Manifest::to_json).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
}
