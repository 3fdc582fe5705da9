//! `depends_on` as init containers: the pod waits until each dependency's Service answers
//! on its first TCP port.
//!
//! A Service forwards only to ready pods, and a health check becomes a readiness probe, so
//! waiting for the Service to answer waits for `service_started` and `service_healthy`
//! alike. A dependency that no Service reaches cannot be waited for this way; that is
//! reported with what would fix it, as is one with UDP or SCTP ports only (a wait cannot tell
//! that those answer, and would never end). A dependency that runs as a Job is not waited
//! for: a Job has no Service, and waiting for it to complete needs access to the API.

use k8s_openapi::api::core::v1::Container;

use super::names::{dns_label, joined};
use super::network::reachable_ports;
use super::workload::declared_replicas;
use super::Code;
use super::Context;
use crate::compose::model::{Condition, Dependency, Protocol, Service};
use crate::extension::WorkloadKind;

/// Seconds between two attempts, and the most one attempt may take.
const RETRY_SECONDS: u32 = 2;

/// One init container per dependency that can be waited for, in the order of their names.
pub fn wait_containers(cx: &mut Context<'_>, name: &str, service: &Service) -> Vec<Container> {
    let mut dependencies: Vec<(&String, &Dependency)> = service.depends_on.iter().collect();
    dependencies.sort_by_key(|(dependency, _)| *dependency);
    dependencies
        .into_iter()
        .filter_map(|(dependency, how)| wait_container(cx, name, dependency, how))
        .collect()
}

fn wait_container(
    cx: &mut Context<'_>,
    name: &str,
    dependency: &str,
    how: &Dependency,
) -> Option<Container> {
    let key = format!("depends_on.{dependency}");
    if how.restart {
        cx.report.info(
            Code::DependencyConditionChanged,
            name,
            &format!("{key}.restart"),
            format!(
                "the pods are not restarted when {dependency} changes: Kubernetes has no \
                 dependency between workloads"
            ),
        );
    }
    let known = cx.input.project.services.contains_key(dependency);
    if known && cx.index.pods.owner(dependency) == cx.index.pods.owner(name) {
        // An init container runs before any container of the pod: waiting for one of them
        // would wait forever.
        cx.report.info(
            Code::DependencyNotWaited,
            name,
            &key,
            format!(
                "{dependency} runs in the same pod; its containers start together, so \
                 nothing waits"
            ),
        );
        return None;
    }
    let runs_once = known
        && matches!(
            cx.workload_kind(dependency),
            WorkloadKind::Job | WorkloadKind::Cronjob
        );
    if runs_once {
        cx.report.warn_with_hint(
            Code::DependencyNotWaited,
            name,
            &key,
            format!(
                "{dependency} runs as a Job; the pod does not wait for it to complete, as \
                 Kubernetes has no dependency between workloads"
            ),
            "let the service retry until what the Job prepares is there",
        );
        return None;
    }
    let owner = cx.index.pods.owner(dependency);
    let scaled_to_zero = cx
        .input
        .project
        .services
        .get(owner)
        .is_some_and(|definition| declared_replicas(definition) == Some(0));
    if scaled_to_zero {
        // No pod ever answers for it: the wait would never end.
        cx.report.warn(
            Code::DependencyNotWaited,
            name,
            &key,
            format!("{dependency} runs no replica (scale 0), so the pod does not wait for it"),
        );
        return None;
    }
    let Some((host, ports)) = reachable_ports(cx, dependency) else {
        report_unreachable(cx, name, &key, dependency, how);
        return None;
    };
    // `nc -z` opens a TCP connection: on a UDP or SCTP port it never succeeds, and the pod
    // would wait forever.
    let Some(&(port, _)) = ports
        .iter()
        .find(|(_, protocol)| *protocol == Protocol::Tcp)
    else {
        let listed: Vec<String> = ports
            .iter()
            .map(|(p, protocol)| format!("{p}/{protocol}"))
            .collect();
        cx.report.warn_with_hint(
            Code::DependencyNotWaited,
            name,
            &key,
            format!(
                "{dependency} has no TCP port ({}), and a wait can only check that a TCP port \
                 answers, so the pod does not wait for it",
                listed.join(", ")
            ),
            format!("`expose` a TCP port {dependency} answers on once it is up"),
        );
        return None;
    };
    if how.condition == Condition::ServiceCompletedSuccessfully {
        cx.report.warn(
            Code::DependencyConditionChanged,
            name,
            &key,
            format!(
                "waits until {dependency} answers on port {port}, not until it has completed: \
                 it is not a Job (x-kubernetes.workload)"
            ),
        );
    }
    let script = format!(
        "until nc -z -w {RETRY_SECONDS} {host} {port}; do echo waiting for {host}:{port}; \
         sleep {RETRY_SECONDS}; done"
    );
    Some(Container {
        name: joined(&["wait-for", &dns_label(dependency)]),
        image: Some(cx.options.wait_image.clone()),
        command: Some(vec!["sh".to_string(), "-c".to_string(), script]),
        ..Default::default()
    })
}

fn report_unreachable(
    cx: &mut Context<'_>,
    name: &str,
    key: &str,
    dependency: &str,
    how: &Dependency,
) {
    let optional = if how.required {
        ""
    } else {
        " (an optional dependency)"
    };
    if !cx.input.project.services.contains_key(dependency) {
        cx.report.info(
            Code::DependencyNotWaited,
            name,
            key,
            format!("{dependency}{optional} is not in the project, so nothing waits for it"),
        );
        return;
    }
    cx.report.warn_with_hint(
        Code::DependencyNotWaited,
        name,
        key,
        format!(
            "{dependency}{optional} has no port other services reach it on, so the pod does \
             not wait for it"
        ),
        format!("`expose` the port {dependency} listens on"),
    );
}
