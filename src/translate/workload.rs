//! The workload of a service: a Deployment whose pod runs the service's container as
//! Compose ran it.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::names::{dns_label, labels, selector};
use super::{Context, PodParts};
use crate::compose::model::Service;
use crate::manifest::Manifest;

/// The Deployment that runs `service`.
pub fn workload(cx: &mut Context<'_>, name: &str, service: &Service, parts: PodParts) -> Manifest {
    let project = cx.project_name().to_string();
    let container = Container {
        name: dns_label(name),
        image: service.image.clone(),
        ports: (!parts.ports.is_empty()).then_some(parts.ports),
        ..Default::default()
    };
    Manifest::Deployment(Deployment {
        metadata: ObjectMeta {
            name: Some(dns_label(name)),
            labels: Some(labels(&project, name)),
            ..Default::default()
        },
        spec: Some(DeploymentSpec {
            selector: LabelSelector {
                match_labels: Some(selector(&project, name)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(&project, name)),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![container],
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    })
}
