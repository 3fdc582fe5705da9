//! The workload of a service: a Deployment whose pod runs the service's container as
//! Compose ran it, after init containers that wait for its dependencies.
//!
//! The container is built by `container`, the pod-level settings by `pod` and `security`;
//! this module adds what belongs to the Deployment (replicas, update strategy, restart
//! policy, annotations) and reports the keys nothing maps (`keys`).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::DeploymentStrategy;
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::container::main_container;
use super::dependencies::wait_containers;
use super::names::{dns_label, labels, selector};
use super::Code;
use super::{extension, keys, kinds, placement, pod, policy, security, Context, PodParts};
use crate::compose::model::{Mapping, Service};
use crate::extension::{DependsOnMode, WorkloadKind};
use crate::manifest::Manifest;
use crate::validation::is_qualified_name;

/// The workload that runs `service`: a Deployment unless `x-kubernetes.workload`,
/// `deploy.mode` or a `service_completed_successfully` dependency asks for another kind.
pub fn workload(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    mut parts: PodParts,
) -> Manifest {
    let extensions = cx.input.extensions;
    let extension = extensions.service(name);
    let kind = cx.workload_kind(name);
    let project = cx.project_name().to_string();
    let deploy_labels = service
        .deploy
        .as_ref()
        .map(|d| ("deploy.labels", &d.labels));
    let mut workload_annotations = annotations(cx, name, deploy_labels.as_slice());
    extend_map(&mut workload_annotations, &extension.annotations);
    let pod_annotations = annotations(
        cx,
        name,
        &[
            ("labels", &service.labels),
            ("annotations", &service.annotations),
        ],
    );
    report_restart(cx, name, service, kind);
    report_overridden_mode(cx, name, service, kind);
    let mut spec = pod_spec(cx, name, service, &mut parts);
    extension::apply_to_pod(cx, name, extension, &mut spec);
    if matches!(kind, WorkloadKind::Job | WorkloadKind::Cronjob) {
        spec.restart_policy = Some(job_restart_policy(service).to_string());
    }
    let mut workload_labels = labels(&project, name);
    workload_labels.extend(extension.labels.clone());
    let mut pod_labels = workload_labels.clone();
    pod_labels.extend(policy::pod_labels(cx, service));
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels),
            annotations: pod_annotations,
            ..Default::default()
        }),
        spec: Some(spec),
    };
    let runs_once = matches!(kind, WorkloadKind::Job | WorkloadKind::Cronjob);
    let mut mapped: Vec<&str> = Vec::new();
    if runs_once {
        mapped.push("deploy.restart_policy");
    }
    if cx.options.network_policies && service.network_mode.as_deref() == Some("none") {
        // A NetworkPolicy isolates the pod (`policy`).
        mapped.push("network_mode");
    }
    keys::report_unmapped(cx, name, service, &mapped);
    let metadata = ObjectMeta {
        name: Some(dns_label(name)),
        labels: Some(workload_labels),
        annotations: workload_annotations,
        ..Default::default()
    };
    let selector = LabelSelector {
        match_labels: Some(selector(&project, name)),
        ..Default::default()
    };
    let shape = kinds::Shape {
        metadata,
        selector,
        template,
        replicas: replicas(cx, name, service),
        strategy: strategy(&parts),
    };
    kinds::build(cx, name, service, kind, extension, shape)
}

fn extend_map(map: &mut Option<BTreeMap<String, String>>, extra: &BTreeMap<String, String>) {
    if !extra.is_empty() {
        map.get_or_insert_with(BTreeMap::new)
            .extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

fn pod_spec(cx: &mut Context<'_>, name: &str, service: &Service, parts: &mut PodParts) -> PodSpec {
    let waits = cx.input.extensions.service(name).depends_on != Some(DependsOnMode::Ignore);
    let init_containers = if waits {
        wait_containers(cx, name, service)
    } else {
        if !service.depends_on.is_empty() {
            cx.report.info(
                Code::DependencyNotWaited,
                name,
                "depends_on",
                "not waited for: x-kubernetes.depends-on is `ignore`",
            );
        }
        Vec::new()
    };
    let container = main_container(cx, name, service, parts);
    let dns_config = pod::dns_config(cx, name, service);
    let (hostname, subdomain) = pod::hostname_and_subdomain(cx, name, service);
    let (affinity, topology_spread_constraints) = placement::placement(cx, name, service);
    PodSpec {
        affinity,
        topology_spread_constraints,
        init_containers: (!init_containers.is_empty()).then_some(init_containers),
        containers: std::iter::once(container)
            .chain(std::mem::take(&mut parts.guest_containers))
            .collect(),
        volumes: (!parts.volumes.is_empty()).then(|| std::mem::take(&mut parts.volumes)),
        host_aliases: pod::host_aliases(cx, name, service),
        dns_config,
        hostname,
        subdomain,
        node_selector: pod::node_selector(cx, name, service),
        security_context: security::pod_context(cx, name, service),
        termination_grace_period_seconds: pod::termination_grace_period(cx, name, service),
        ..Default::default()
    }
}

/// A Job's pod restarts in place on `on-failure`, else a failed pod is replaced.
fn job_restart_policy(service: &Service) -> &'static str {
    let on_failure = service
        .restart
        .as_deref()
        .is_some_and(|r| r.starts_with("on-failure"))
        || service
            .deploy
            .as_ref()
            .and_then(|d| d.restart_policy.as_ref())
            .and_then(|p| p.condition.as_deref())
            == Some("on-failure");
    if on_failure {
        "OnFailure"
    } else {
        "Never"
    }
}

/// `deploy.replicas`, else `scale` (Compose refuses the two with different values).
pub(super) fn declared_replicas(service: &Service) -> Option<i32> {
    service
        .deploy
        .as_ref()
        .and_then(|d| d.replicas)
        .or(service.scale)
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

/// The replica count written: [`declared_replicas`], except for a workload that
/// `x-kubernetes.autoscale` scales, which has none: the autoscaler owns the count, and a
/// fixed one would be reset to the file's value by every `kubectl apply`.
fn replicas(cx: &mut Context<'_>, name: &str, service: &Service) -> Option<i32> {
    let count = declared_replicas(service);
    let Some(autoscale) = cx.input.extensions.service(name).autoscale.as_ref() else {
        return count;
    };
    if let Some(count) = count {
        let key = if service.deploy.as_ref().and_then(|d| d.replicas).is_some() {
            "deploy.replicas"
        } else {
            "scale"
        };
        cx.report.info(
            Code::ReplicasByAutoscaler,
            name,
            key,
            format!(
                "{count} is not written as the replica count: the HorizontalPodAutoscaler \
                 keeps it between {} and {}",
                autoscale.min.unwrap_or(1),
                autoscale.max
            ),
        );
    }
    None
}

/// Recreate while the pod mounts a ReadWriteOnce claim: a second pod could not mount it, so
/// a rolling update would never finish.
fn strategy(parts: &PodParts) -> Option<DeploymentStrategy> {
    parts.mounts_exclusive_claim.then(|| DeploymentStrategy {
        type_: Some("Recreate".to_string()),
        ..Default::default()
    })
}

/// `deploy.mode` asks for a kind that `x-kubernetes.workload` overrides.
fn report_overridden_mode(cx: &mut Context<'_>, name: &str, service: &Service, kind: WorkloadKind) {
    let mode = service.deploy.as_ref().and_then(|d| d.mode.as_deref());
    let asked = match mode {
        Some("global") => WorkloadKind::Daemonset,
        Some("replicated-job" | "global-job") => WorkloadKind::Job,
        _ => return,
    };
    if asked != kind {
        cx.report.warn(
            Code::ExtensionOverrides,
            name,
            "deploy.mode",
            format!(
                "{:?} would be a {}; x-kubernetes.workload makes it a {}",
                mode.unwrap_or_default(),
                kinds::kind_name(asked),
                kinds::kind_name(kind)
            ),
        );
    }
}

/// Long-running pods always restart, so `no` and `on-failure` cannot be kept there; a
/// Job's pods are never restarted after success, so `always` cannot be kept there.
fn report_restart(cx: &mut Context<'_>, name: &str, service: &Service, kind: WorkloadKind) {
    let Some(restart) = service.restart.as_deref() else {
        return;
    };
    let never_restarted = restart == "no";
    let runs_once = matches!(kind, WorkloadKind::Job | WorkloadKind::Cronjob);
    if runs_once {
        if restart == "always" || restart == "unless-stopped" {
            cx.report.warn(
                Code::RestartPolicyChanged,
                name,
                "restart",
                format!("{restart:?}: a Job's pod is not restarted once it has succeeded"),
            );
        }
        return;
    }
    if never_restarted || restart.starts_with("on-failure") {
        let hint = if never_restarted {
            "`x-kubernetes.workload: job` runs it once, with restartPolicy Never"
        } else {
            "`x-kubernetes.workload: job` runs it to completion, with restartPolicy OnFailure"
        };
        cx.report.warn_with_hint(
            Code::RestartPolicyChanged,
            name,
            "restart",
            format!(
                "{restart:?}: a {} restarts its containers always",
                kinds::kind_name(kind)
            ),
            hint,
        );
    }
}

/// Compose labels and annotations as Kubernetes annotations, sorted; the later source wins
/// on a key both set. Keys Kubernetes would refuse are reported instead.
fn annotations(
    cx: &mut Context<'_>,
    name: &str,
    sources: &[(&str, &Mapping)],
) -> Option<BTreeMap<String, String>> {
    let mut annotations = BTreeMap::new();
    let entries = sources
        .iter()
        .flat_map(|(key, map)| map.iter().map(move |entry| (*key, entry)));
    for (key, (annotation, value)) in entries {
        if !is_qualified_name(annotation) {
            cx.report.warn(
                Code::InvalidValue,
                name,
                key,
                format!(
                    "{annotation:?} is not a valid annotation key: a DNS subdomain and `/` may \
                     precede a name of at most 63 letters, digits, `-`, `_` and `.`; it is left out"
                ),
            );
            continue;
        }
        let earlier = annotations.insert(annotation.clone(), value.clone());
        if earlier.is_some_and(|earlier| earlier != *value) {
            cx.report.warn(
                Code::LabelConflict,
                name,
                key,
                format!("{annotation:?} is also a label, with another value: this one is kept"),
            );
        }
    }
    (!annotations.is_empty()).then_some(annotations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_keys_follow_kubernetes_rules() {
        for valid in [
            "com.example.description",
            "example.com/team",
            "traefik.http.routers.web.rule",
            "a",
            "My_Key",
        ] {
            assert!(is_qualified_name(valid), "{valid}");
        }
        for invalid in [
            "",
            "a/b/c",
            "Example.com/x",
            "has space",
            "-leading",
            "/name",
            "prefix/",
            &"n".repeat(64),
        ] {
            assert!(!is_qualified_name(invalid), "{invalid}");
        }
    }

    #[test]
    fn a_claim_only_one_pod_can_mount_means_recreate() {
        let exclusive = PodParts {
            mounts_exclusive_claim: true,
            ..Default::default()
        };
        let kind = |parts: &PodParts| strategy(parts).and_then(|s| s.type_);
        assert_eq!(kind(&exclusive).as_deref(), Some("Recreate"));
        assert_eq!(kind(&PodParts::default()), None);
    }
}
