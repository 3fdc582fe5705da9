//! The workload of a service: a Deployment whose pod runs the service's container as
//! Compose ran it, after init containers that wait for its dependencies.
//!
//! The container is built by `container`, the pod-level settings by `pod` and `security`;
//! this module adds what belongs to the Deployment (replicas, update strategy, restart
//! policy, annotations) and reports the keys nothing maps (`keys`).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::container::main_container;
use super::dependencies::wait_containers;
use super::names::{dns_label, labels, selector};
use super::{keys, pod, security, Context, PodParts};
use crate::compose::model::{Mapping, Service};
use crate::manifest::Manifest;

/// The Deployment that runs `service`.
pub fn workload(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    mut parts: PodParts,
) -> Manifest {
    let project = cx.project_name().to_string();
    let deploy_labels = service
        .deploy
        .as_ref()
        .map(|d| ("deploy.labels", &d.labels));
    let deployment_annotations = annotations(cx, name, deploy_labels.as_slice());
    let pod_annotations = annotations(
        cx,
        name,
        &[
            ("labels", &service.labels),
            ("annotations", &service.annotations),
        ],
    );
    report_restart(cx, name, service);
    let template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(&project, name)),
            annotations: pod_annotations,
            ..Default::default()
        }),
        spec: Some(pod_spec(cx, name, service, &mut parts)),
    };
    keys::report_unmapped(cx, name, service);
    Manifest::Deployment(Deployment {
        metadata: ObjectMeta {
            name: Some(dns_label(name)),
            labels: Some(labels(&project, name)),
            annotations: deployment_annotations,
            ..Default::default()
        },
        spec: Some(DeploymentSpec {
            replicas: replicas(service),
            selector: LabelSelector {
                match_labels: Some(selector(&project, name)),
                ..Default::default()
            },
            strategy: strategy(&parts),
            template,
            ..Default::default()
        }),
        ..Default::default()
    })
}

fn pod_spec(cx: &mut Context<'_>, name: &str, service: &Service, parts: &mut PodParts) -> PodSpec {
    let init_containers = wait_containers(cx, name, service);
    let container = main_container(cx, name, service, parts);
    let (dns_policy, dns_config) = pod::dns(cx, name, service);
    let (hostname, subdomain) = pod::hostname_and_subdomain(cx, name, service);
    PodSpec {
        init_containers: (!init_containers.is_empty()).then_some(init_containers),
        containers: vec![container],
        volumes: (!parts.volumes.is_empty()).then(|| std::mem::take(&mut parts.volumes)),
        host_aliases: pod::host_aliases(cx, name, service),
        dns_policy,
        dns_config,
        hostname,
        subdomain,
        node_selector: pod::node_selector(cx, name, service),
        security_context: security::pod_context(cx, name, service),
        termination_grace_period_seconds: pod::termination_grace_period(cx, name, service),
        ..Default::default()
    }
}

/// `deploy.replicas`, else `scale` (Compose refuses the two with different values).
fn replicas(service: &Service) -> Option<i32> {
    service
        .deploy
        .as_ref()
        .and_then(|d| d.replicas)
        .or(service.scale)
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

/// Recreate while the pod mounts a ReadWriteOnce claim: a second pod could not mount it, so
/// a rolling update would never finish.
fn strategy(parts: &PodParts) -> Option<DeploymentStrategy> {
    parts.mounts_exclusive_claim.then(|| DeploymentStrategy {
        type_: Some("Recreate".to_string()),
        ..Default::default()
    })
}

/// A Deployment's pods always restart; `no` and `on-failure` cannot be kept.
fn report_restart(cx: &mut Context<'_>, name: &str, service: &Service) {
    let Some(restart) = service.restart.as_deref() else {
        return;
    };
    let never_restarted = restart == "no";
    if never_restarted || restart.starts_with("on-failure") {
        let hint = if never_restarted {
            "a Job with restartPolicy Never would run it once; other workload kinds are not \
             supported yet"
        } else {
            "a Job with restartPolicy OnFailure would express it; other workload kinds are not \
             supported yet"
        };
        cx.report.warn_with_hint(
            name,
            "restart",
            format!("{restart:?}: a Deployment restarts its containers always"),
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
                name,
                key,
                format!("{annotation:?} is also a label, with another value: this one is kept"),
            );
        }
    }
    (!annotations.is_empty()).then_some(annotations)
}

/// Kubernetes' qualified name: an optional DNS subdomain prefix and `/`, then a name.
fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let name_ok = (1..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|prefix| {
        (1..=253).contains(&prefix.len())
            && prefix.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    name_ok && prefix_ok
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
