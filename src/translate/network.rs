//! How services reach each other: container ports and a ClusterIP Service per service,
//! from `ports` and `expose`.

use k8s_openapi::api::core::v1::{ContainerPort, Service as KubeService, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::names::{dns_label, labels, selector};
use super::{Context, PodParts};
use crate::compose::model::Service;
use crate::manifest::Manifest;

/// Adds the service's container ports to its pod and returns its Service, if it has ports.
pub fn attach(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) -> Vec<Manifest> {
    let mut ports = Vec::new();
    for port in &service.ports {
        let target = i32::from(port.target);
        parts.ports.push(ContainerPort {
            container_port: target,
            ..Default::default()
        });
        ports.push(ServicePort {
            name: Some(format!("p{target}")),
            port: target,
            target_port: Some(IntOrString::Int(target)),
            ..Default::default()
        });
    }
    if ports.is_empty() {
        return Vec::new();
    }
    let project = cx.project_name();
    vec![Manifest::Service(KubeService {
        metadata: ObjectMeta {
            name: Some(dns_label(name)),
            labels: Some(labels(project, name)),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            selector: Some(selector(project, name)),
            ports: Some(ports),
            ..Default::default()
        }),
        ..Default::default()
    })]
}

/// The port other services reach `service` on through its Service, if it has one.
pub fn reachable_port(cx: &Context<'_>, service: &str) -> Option<u16> {
    cx.input
        .project
        .services
        .get(service)
        .and_then(|s| s.ports.first())
        .map(|p| p.target)
}
