//! The `kompose.*` service labels that Kompose users have, read into the same typed
//! settings as `x-kubernetes`, so that a project moving from Kompose converts to the same
//! kinds of objects. Each honoured label gets a report line naming its x-kubernetes
//! equivalent; a value Kompose would have cast to 0 or ignored is an error here; a label
//! with no equivalent is reported, not dropped.
//!
//! `x-kubernetes` wins over a label that says the same thing.

use super::types::*;
use super::XKubernetes;
use crate::compose::model::{MountKind, Project, Service};
use crate::diagnostic::Diagnostic;
use crate::value::KeyPath;

/// What the kompose labels of one service did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KomposeLabels {
    /// Label → the x-kubernetes (or compose) setting that now says it.
    pub honoured: Vec<(String, String)>,
    /// Label → why it has no effect.
    pub ignored: Vec<(String, String)>,
    /// `kompose.image-pull-policy`.
    pub image_pull_policy: Option<&'static str>,
    /// `kompose.volume.size` and `kompose.volume.storage-class-name`: for the claims of
    /// the named volumes the service mounts (see [`adopt_volume_labels`]).
    pub volume: VolumeExtension,
}

impl KomposeLabels {
    pub fn is_empty(&self) -> bool {
        self.honoured.is_empty() && self.ignored.is_empty()
    }
}

/// Applies the service's `kompose.*` labels to `ext` (where `ext` does not say otherwise).
pub fn adopt(
    name: &str,
    service: &Service,
    ext: &mut ServiceExtension,
    errors: &mut Vec<Diagnostic>,
) -> KomposeLabels {
    let mut out = KomposeLabels::default();
    let autoscale_in_extension = ext.autoscale.is_some();
    let labels_path = KeyPath::root().key("services").key(name).key("labels");
    let mut cx = Adoption {
        out: &mut out,
        errors,
        labels_path: &labels_path,
    };
    let mut traffic_policy = None;
    for (label, value) in service.labels.iter() {
        if !label.starts_with("kompose.") {
            continue;
        }
        let value = value.trim();
        match label.as_str() {
            "kompose.service.type" => {
                let kind = match value.to_ascii_lowercase().as_str() {
                    "clusterip" => Some(ServiceType::ClusterIP),
                    "nodeport" => Some(ServiceType::NodePort),
                    "loadbalancer" => Some(ServiceType::LoadBalancer),
                    "headless" => Some(ServiceType::Headless),
                    _ => None,
                };
                let Some(kind) = kind else {
                    cx.invalid(
                        label,
                        value,
                        "one of clusterip, nodeport, loadbalancer, headless",
                    );
                    continue;
                };
                let settings = ext.service.get_or_insert_with(Default::default);
                cx.choose(
                    label,
                    &mut settings.type_,
                    kind,
                    "service.type",
                    service_type_name,
                );
            }
            "kompose.service.nodeport.port" => {
                let Ok(port) = value.parse::<u16>() else {
                    cx.invalid(label, value, "a port number");
                    continue;
                };
                let settings = ext.service.get_or_insert_with(Default::default);
                settings.node_port.get_or_insert(port);
                cx.honoured(label, format!("x-kubernetes.service.nodePort: {port}"));
            }
            "kompose.service.external-traffic-policy" => {
                let policy = match value.to_ascii_lowercase().as_str() {
                    "cluster" => TrafficPolicy::Cluster,
                    "local" => TrafficPolicy::Local,
                    _ => {
                        cx.invalid(label, value, "one of cluster, local");
                        continue;
                    }
                };
                // Applied after the loop: it depends on the Service type, which another
                // label may set.
                traffic_policy = Some((label.clone(), policy));
            }
            "kompose.service.expose" => {
                if value.eq_ignore_ascii_case("false") {
                    continue;
                }
                let ingress = ext.ingress.get_or_insert_with(Default::default);
                if !value.eq_ignore_ascii_case("true") {
                    let mut hosts = value.split(',').map(str::trim).filter(|h| !h.is_empty());
                    if let Some(first) = hosts.next() {
                        let (host, path) = match first.split_once('/') {
                            Some((host, path)) => (host, Some(format!("/{path}"))),
                            None => (first, None),
                        };
                        if ingress.host.is_none() {
                            ingress.host = Some(host.to_string());
                            ingress.path = ingress.path.take().or(path);
                        }
                    }
                    let others: Vec<&str> = hosts.collect();
                    if !others.is_empty() {
                        cx.ignored(
                            label,
                            format!("the Ingress has one host: {} left out", others.join(", ")),
                        );
                    }
                }
                cx.honoured(label, "x-kubernetes.ingress (host, path)".to_string());
            }
            "kompose.service.expose.tls-secret" => {
                let ingress = ext.ingress.get_or_insert_with(Default::default);
                ingress.tls_secret.get_or_insert_with(|| value.to_string());
                cx.honoured(label, "x-kubernetes.ingress.tlsSecret".to_string());
            }
            "kompose.service.expose.ingress-class-name" => {
                let ingress = ext.ingress.get_or_insert_with(Default::default);
                ingress.class.get_or_insert_with(|| value.to_string());
                cx.honoured(label, "x-kubernetes.ingress.class".to_string());
            }
            "kompose.controller.type" => {
                let kind = match value.to_ascii_lowercase().as_str() {
                    "deployment" => Some(WorkloadKind::Deployment),
                    "daemonset" => Some(WorkloadKind::Daemonset),
                    "statefulset" => Some(WorkloadKind::Statefulset),
                    _ => None,
                };
                let Some(kind) = kind else {
                    cx.invalid(label, value, "one of deployment, daemonset, statefulset");
                    continue;
                };
                cx.choose(label, &mut ext.workload, kind, "workload", workload_name);
            }
            "kompose.cronjob.schedule" => {
                if ext.workload.is_none() {
                    ext.workload = Some(WorkloadKind::Cronjob);
                }
                ext.schedule.get_or_insert_with(|| value.to_string());
                cx.honoured(
                    label,
                    "x-kubernetes.workload: cronjob with schedule".to_string(),
                );
            }
            "kompose.image-pull-policy" => {
                let policy = match value.to_ascii_lowercase().as_str() {
                    "always" => "Always",
                    "ifnotpresent" => "IfNotPresent",
                    "never" => "Never",
                    _ => {
                        cx.invalid(label, value, "one of Always, IfNotPresent, Never");
                        continue;
                    }
                };
                cx.out.image_pull_policy = Some(policy);
                cx.honoured(label, "the compose key pull_policy".to_string());
            }
            "kompose.image-pull-secret" => {
                if !ext.image_pull_secrets.iter().any(|s| s == value) {
                    ext.image_pull_secrets.push(value.to_string());
                }
                cx.honoured(label, "x-kubernetes.imagePullSecrets".to_string());
            }
            "kompose.serviceaccount-name" | "kompose.service-account-name" => {
                ext.service_account.get_or_insert_with(|| value.to_string());
                cx.honoured(label, "x-kubernetes.serviceAccount".to_string());
            }
            "kompose.hpa.replicas.min"
            | "kompose.hpa.replicas.max"
            | "kompose.hpa.cpu"
            | "kompose.hpa.memory" => {
                let Ok(number) = value.parse::<u16>() else {
                    cx.invalid(label, value, "a whole number");
                    continue;
                };
                let autoscale = ext.autoscale.get_or_insert(Autoscale {
                    min: None,
                    max: 0,
                    cpu: None,
                    memory: None,
                });
                let field = match label.as_str() {
                    "kompose.hpa.replicas.min" => {
                        autoscale.min.get_or_insert(number);
                        "min"
                    }
                    "kompose.hpa.replicas.max" => {
                        if autoscale.max == 0 {
                            autoscale.max = number;
                        }
                        "max"
                    }
                    "kompose.hpa.cpu" => {
                        autoscale.cpu.get_or_insert(number);
                        "cpu"
                    }
                    _ => {
                        autoscale.memory.get_or_insert(number);
                        "memory"
                    }
                };
                cx.honoured(label, format!("x-kubernetes.autoscale.{field}"));
            }
            "kompose.volume.size" => {
                if !matches!(crate::validation::quantity_suffix(value), Some(unit) if !unit.is_empty())
                {
                    cx.invalid(label, value, "a size with a unit, such as 5Gi or 500Mi");
                    continue;
                }
                cx.out.volume.size = Some(value.to_string());
            }
            "kompose.service.group" if group_of(service).is_none() => {
                // `shared_pod` lets network_mode decide the pod of a service that has both.
                cx.ignored(
                    label,
                    "`network_mode: service:…` already puts the service in another's pod"
                        .to_string(),
                );
            }
            "kompose.service.group" => {
                // The pod itself is made by translate (`shared_pod`), which reads the label.
                cx.honoured(
                    label,
                    format!(
                        "`network_mode: service:…` towards the pod of the group `{value}` (its \
                         services run as containers of one pod)"
                    ),
                );
            }
            "kompose.volume.storage-class-name" => {
                cx.out.volume.storage_class = Some(value.to_string());
            }
            _ => cx.ignored(
                label,
                "compose2k8s does not read this kompose label".to_string(),
            ),
        }
    }
    if let Some((label, policy)) = traffic_policy {
        cx.adopt_traffic_policy(&label, policy, ext);
    }
    // Kompose's defaults for an autoscaler its labels give only in part (never for one
    // that x-kubernetes gives: there a missing value is an error).
    if let Some(autoscale) = ext.autoscale.as_mut().filter(|_| !autoscale_in_extension) {
        if autoscale.max == 0 {
            autoscale.max = autoscale.min.unwrap_or(1).max(3);
        }
        if autoscale.cpu.is_none() && autoscale.memory.is_none() {
            autoscale.cpu = Some(50);
        }
    }
    out
}

/// Gives the named volumes each service mounts the size and storage class of the service's
/// `kompose.volume.*` labels, where the volume's own x-kubernetes does not set them, and
/// records for each label whether it was honoured.
pub fn adopt_volume_labels(project: &Project, result: &mut XKubernetes) {
    for (name, labels) in result.kompose.iter_mut() {
        let Some(service) = project.services.get(name) else {
            continue;
        };
        let wanted = labels.volume.clone();
        let claims: Vec<&str> = service
            .volumes
            .iter()
            .filter(|m| m.kind == MountKind::Volume)
            .filter_map(|m| m.source.as_deref())
            .filter(|source| {
                project
                    .volumes
                    .get(*source)
                    .is_some_and(|v| !v.external.is_external)
            })
            .collect();
        for (label, value, field) in [
            ("kompose.volume.size", &wanted.size, "size"),
            (
                "kompose.volume.storage-class-name",
                &wanted.storage_class,
                "storageClass",
            ),
        ] {
            let Some(value) = value else { continue };
            if claims.is_empty() {
                labels.ignored.push((
                    label.to_string(),
                    "the service mounts no named volume; bind mounts and anonymous volumes \
                     do not become claims"
                        .to_string(),
                ));
                continue;
            }
            for claim in &claims {
                let volume = result.volumes.entry(claim.to_string()).or_default();
                let slot = match field {
                    "size" => &mut volume.size,
                    _ => &mut volume.storage_class,
                };
                slot.get_or_insert_with(|| value.clone());
            }
            labels.honoured.push((
                label.to_string(),
                format!(
                    "x-kubernetes.{field} on the volume{} {}",
                    if claims.len() > 1 { "s" } else { "" },
                    claims.join(", ")
                ),
            ));
        }
    }
}

struct Adoption<'a> {
    out: &'a mut KomposeLabels,
    errors: &'a mut Vec<Diagnostic>,
    labels_path: &'a KeyPath,
}

impl Adoption<'_> {
    fn honoured(&mut self, label: &str, equivalent: String) {
        self.out.honoured.push((label.to_string(), equivalent));
    }

    /// Sets `slot` to the label's `choice`, unless x-kubernetes already says otherwise.
    fn choose<T: Copy + PartialEq>(
        &mut self,
        label: &str,
        slot: &mut Option<T>,
        choice: T,
        field: &str,
        name: fn(T) -> &'static str,
    ) {
        match *slot {
            Some(set) if set != choice => {
                self.ignored(label, format!("x-kubernetes.{field} says {}", name(set)))
            }
            _ => {
                *slot = Some(choice);
                self.honoured(label, format!("x-kubernetes.{field}: {}", name(choice)));
            }
        }
    }

    fn ignored(&mut self, label: &str, reason: String) {
        self.out.ignored.push((label.to_string(), reason));
    }

    fn adopt_traffic_policy(
        &mut self,
        label: &str,
        policy: TrafficPolicy,
        ext: &mut ServiceExtension,
    ) {
        let settings = ext.service.get_or_insert_with(Default::default);
        if !matches!(
            settings.type_,
            Some(ServiceType::NodePort | ServiceType::LoadBalancer)
        ) {
            // Kubernetes refuses the field on other Services; Kompose writes it anyway.
            self.ignored(
                label,
                "only a NodePort or LoadBalancer Service has an external traffic policy"
                    .to_string(),
            );
            return;
        }
        let set = *settings.external_traffic_policy.get_or_insert(policy);
        self.honoured(
            label,
            format!(
                "x-kubernetes.service.externalTrafficPolicy: {}",
                set.as_str()
            ),
        );
    }

    fn invalid(&mut self, label: &str, value: &str, expected: &str) {
        self.errors.push(
            Diagnostic::error(format!("{value:?} is not valid: expected {expected}"))
                .at_path(self.labels_path.key(label)),
        );
    }
}

fn service_type_name(kind: ServiceType) -> &'static str {
    match kind {
        ServiceType::ClusterIP => "ClusterIP",
        ServiceType::NodePort => "NodePort",
        ServiceType::LoadBalancer => "LoadBalancer",
        ServiceType::Headless => "headless",
    }
}

fn workload_name(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "deployment",
        WorkloadKind::Statefulset => "statefulset",
        WorkloadKind::Daemonset => "daemonset",
        WorkloadKind::Job => "job",
        WorkloadKind::Cronjob => "cronjob",
    }
}

/// The label Kompose users put on services that must run in one pod.
pub const GROUP_LABEL: &str = "kompose.service.group";

/// The `kompose.service.group` a service is in, if any. A service in another's network
/// (`network_mode: service:…`) follows that service instead.
pub fn group_of(service: &Service) -> Option<&str> {
    if service.joined_service().is_some() {
        return None;
    }
    service
        .labels
        .get(GROUP_LABEL)
        .map(|group| group.trim())
        .filter(|group| !group.is_empty())
}
