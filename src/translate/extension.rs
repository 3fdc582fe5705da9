//! What `x-kubernetes` adds to the objects the other parts build: pod settings (service
//! account, pull secrets, scheduling, probes, image registry), the Service's type, the
//! objects only `x-kubernetes` asks for (Ingress, HorizontalPodAutoscaler,
//! PodDisruptionBudget, a StatefulSet's headless Service), claim sizes and classes, and the
//! project's labels and annotations on every object.
//!
//! The values were checked before translation (`crate::extension::check`); here they are
//! only carried over.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Container, ExecAction, HTTPGetAction, PodSpec, Probe as KubeProbe, Service as KubeService,
    ServicePort, ServiceSpec, TCPSocketAction, Toleration as KubeToleration,
};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::kinds::{governing_service, kind_name};
use super::names::{dns_label, labels, selector};
use super::Code;
use super::Context;
use crate::compose::model::Service;
use crate::extension::{
    CountOrPercent, Liveness, Probe, ServiceExtension, ServiceType, TaintEffect,
    TolerationOperator, WorkloadKind,
};
use crate::manifest::Manifest;

/// Pod settings of `x-kubernetes`: service account, image pull secrets, node selector,
/// tolerations, and the container settings of the pod's first container.
pub fn apply_to_pod(cx: &mut Context<'_>, name: &str, ext: &ServiceExtension, spec: &mut PodSpec) {
    spec.service_account_name.clone_from(&ext.service_account);
    if !ext.image_pull_secrets.is_empty() {
        spec.image_pull_secrets = Some(
            ext.image_pull_secrets
                .iter()
                .map(|name| k8s_openapi::api::core::v1::LocalObjectReference { name: name.clone() })
                .collect(),
        );
    }
    if !ext.node_selector.is_empty() {
        let selector = spec.node_selector.get_or_insert_with(BTreeMap::new);
        for (key, value) in &ext.node_selector {
            if selector.get(key).is_some_and(|v| v != value) {
                cx.report.info(
                    Code::ExtensionOverrides,
                    name,
                    "platform",
                    format!("the node label {key} is x-kubernetes.nodeSelector's {value:?}"),
                );
            }
            selector.insert(key.clone(), value.clone());
        }
    }
    if !ext.tolerations.is_empty() {
        spec.tolerations = Some(ext.tolerations.iter().map(toleration).collect());
    }
    if let Some(container) = spec.containers.first_mut() {
        apply_to_container(cx, name, ext, container);
    }
}

/// Container settings of `x-kubernetes` and the `kompose.*` labels: the registry prefix,
/// the pull policy and the probes (which replace those of the health check).
pub fn apply_to_container(
    cx: &mut Context<'_>,
    name: &str,
    ext: &ServiceExtension,
    container: &mut Container,
) {
    let extensions = cx.input.extensions;
    let registry = extensions.project.image_registry.as_deref();
    if let (Some(registry), Some(image)) = (registry, container.image.as_mut()) {
        if !has_registry(image) {
            *image = format!("{registry}/{image}");
        }
    }
    if let Some(policy) = extensions
        .kompose
        .get(name)
        .and_then(|k| k.image_pull_policy)
    {
        container.image_pull_policy = Some(policy.to_string());
    }
    if let Some(probes) = &ext.probes {
        if container.readiness_probe.is_some() && probes.readiness.is_some() {
            cx.report.info(
                Code::ExtensionOverrides,
                name,
                "healthcheck",
                "x-kubernetes.probes.readiness replaces the health check's readiness probe",
            );
        }
        if let Some(readiness) = &probes.readiness {
            container.readiness_probe = Some(probe(readiness));
        }
        if let Some(Liveness::Probe(liveness)) = &probes.liveness {
            container.liveness_probe = Some(probe(liveness));
        }
    }
}

/// An image reference names a registry when its first component has a `.` or `:` or is
/// `localhost`, as Docker reads it.
fn has_registry(image: &str) -> bool {
    image.split_once('/').is_some_and(|(first, _)| {
        first.contains('.') || first.contains(':') || first == "localhost"
    })
}

fn toleration(t: &crate::extension::Toleration) -> KubeToleration {
    KubeToleration {
        key: t.key.clone(),
        operator: t.operator.map(|o| {
            match o {
                TolerationOperator::Equal => "Equal",
                TolerationOperator::Exists => "Exists",
            }
            .to_string()
        }),
        value: t.value.clone(),
        effect: t.effect.map(|e| {
            match e {
                TaintEffect::NoSchedule => "NoSchedule",
                TaintEffect::PreferNoSchedule => "PreferNoSchedule",
                TaintEffect::NoExecute => "NoExecute",
            }
            .to_string()
        }),
        toleration_seconds: t.toleration_seconds,
    }
}

fn probe(p: &Probe) -> KubeProbe {
    KubeProbe {
        http_get: p.http.as_ref().map(|h| HTTPGetAction {
            path: Some(h.path.clone().unwrap_or_else(|| "/".to_string())),
            port: IntOrString::Int(i32::from(h.port)),
            ..Default::default()
        }),
        tcp_socket: p.tcp.as_ref().map(|t| TCPSocketAction {
            port: IntOrString::Int(i32::from(t.port)),
            ..Default::default()
        }),
        exec: p.exec.as_ref().map(|command| ExecAction {
            command: Some(command.clone()),
        }),
        initial_delay_seconds: p.initial_delay_seconds.map(i32::from),
        period_seconds: p.period_seconds.map(i32::from),
        timeout_seconds: p.timeout_seconds.map(i32::from),
        failure_threshold: p.failure_threshold.map(i32::from),
        ..Default::default()
    }
}
/// One report line per `kompose.*` label of the service: what it was honoured as, or why
/// it was not.
pub fn report_kompose_labels(cx: &mut Context<'_>, name: &str) {
    let Some(kompose) = cx.input.extensions.kompose.get(name) else {
        return;
    };
    for (label, equivalent) in &kompose.honoured {
        cx.report.info(
            Code::KomposeLabel,
            name,
            &format!("labels.{label}"),
            format!("honoured as {equivalent}, which says it without a label"),
        );
    }
    for (label, reason) in &kompose.ignored {
        cx.report.warn(
            Code::KomposeLabelIgnored,
            name,
            &format!("labels.{label}"),
            reason.clone(),
        );
    }
}

/// The objects of one service after the others have built theirs: the Service's type, a
/// StatefulSet's governing Service, the Ingress, the autoscaler and the disruption budget.
pub fn finish_service(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    objects: &mut Vec<Manifest>,
) {
    let extensions = cx.input.extensions;
    let ext = extensions.service(name);
    let kind = cx.workload_kind(name);
    let project = cx.project_name().to_string();
    report_kompose_labels(cx, name);
    let service_name = dns_label(name);
    let own_service = objects.iter_mut().find_map(|m| match m {
        Manifest::Service(s) if s.metadata.name.as_deref() == Some(&service_name) => Some(s),
        _ => None,
    });
    let first_port = own_service
        .as_ref()
        .and_then(|s| s.spec.as_ref())
        .and_then(|s| s.ports.as_ref())
        .and_then(|p| p.first())
        .map(|p| p.port);
    if let Some(settings) = &ext.service {
        match own_service {
            Some(kube_service) => set_service_type(settings, kube_service),
            None if kind == WorkloadKind::Statefulset
                && settings.type_ == Some(ServiceType::Headless) => {}
            None => cx.report.warn(Code::ExtensionSettingUnused,
                name,
                "x-kubernetes.service",
                "the service has no `ports` or `expose`, so no Service: the settings have no effect",
            ),
        }
        if let Some(port) = settings.node_port.filter(|p| !(30000..=32767).contains(p)) {
            cx.report.warn(
                Code::ExtensionSettingMismatch,
                name,
                "x-kubernetes.service.nodePort",
                format!(
                    "{port} is outside the default node port range 30000-32767: the API \
                     server refuses it unless its --service-node-port-range allows it"
                ),
            );
        }
    }
    if kind == WorkloadKind::Statefulset {
        let governing = governing_service(cx, name, ext);
        let exists = objects.iter().any(|m| {
            matches!(m, Manifest::Service(_)) && m.metadata().name.as_deref() == Some(&governing)
        });
        if !exists {
            objects.push(headless_service(cx, name, &governing, objects));
        }
    }
    if let Some(settings) = &ext.ingress {
        let service_ports: Vec<i32> = objects
            .iter()
            .find_map(|m| match m {
                Manifest::Service(s) if s.metadata.name.as_deref() == Some(&service_name) => {
                    s.spec.as_ref().and_then(|s| s.ports.as_ref())
                }
                _ => None,
            })
            .map(|ports| ports.iter().map(|p| p.port).collect())
            .unwrap_or_default();
        if let Some(port) = settings.port.map(i32::from) {
            if !service_ports.contains(&port) {
                cx.report.warn(
                    Code::ExtensionSettingMismatch,
                    name,
                    "x-kubernetes.ingress.port",
                    format!(
                        "the Service has no port {port} (its ports: {service_ports:?}); the \
                         Ingress routes to it anyway"
                    ),
                );
            }
        }
        let port = settings.port.map(i32::from).or(first_port);
        match port {
            Some(port) => objects.push(ingress(cx, name, settings, port)),
            None => cx.report.warn(
                Code::ExtensionSettingUnused,
                name,
                "x-kubernetes.ingress",
                "the service has no Service port to route to: no Ingress is written",
            ),
        }
    }
    if let Some(autoscale) = &ext.autoscale {
        let metric = |resource: &str, percent: Option<u16>| {
            percent.map(|percent| MetricSpec {
                type_: "Resource".to_string(),
                resource: Some(ResourceMetricSource {
                    name: resource.to_string(),
                    target: MetricTarget {
                        type_: "Utilization".to_string(),
                        average_utilization: Some(i32::from(percent)),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            })
        };
        let metrics: Vec<MetricSpec> = [
            metric("cpu", autoscale.cpu),
            metric("memory", autoscale.memory),
        ]
        .into_iter()
        .flatten()
        .collect();
        objects.push(Manifest::HorizontalPodAutoscaler(Box::new(
            HorizontalPodAutoscaler {
                metadata: service_object_meta(&project, name, service_name.clone()),
                spec: Some(HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some("apps/v1".to_string()),
                        kind: kind_name(kind).to_string(),
                        name: service_name.clone(),
                    },
                    min_replicas: Some(i32::from(autoscale.min.unwrap_or(1))),
                    max_replicas: i32::from(autoscale.max),
                    metrics: Some(metrics),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )));
        let has_requests =
            service.deploy.as_ref().is_some_and(|d| {
                d.resources.reservations.is_some() || d.resources.limits.is_some()
            }) || service.cpus != 0.0
                || service.mem_limit.is_some()
                || service.mem_reservation.is_some();
        if !has_requests {
            cx.report.warn_with_hint(Code::ExtensionSettingMismatch,
                name,
                "x-kubernetes.autoscale",
                "utilization is measured against the container's resource requests, and it has none",
                "set deploy.resources.reservations (cpus, memory)",
            );
        }
    }
    if let Some(disruption) = &ext.disruption {
        let value = |v: &Option<CountOrPercent>| {
            v.as_ref().map(|v| match v {
                CountOrPercent::Count(n) => IntOrString::Int(i32::try_from(*n).unwrap_or(i32::MAX)),
                CountOrPercent::Percent(p) => IntOrString::String(p.clone()),
            })
        };
        objects.push(Manifest::PodDisruptionBudget(Box::new(
            PodDisruptionBudget {
                metadata: service_object_meta(&project, name, service_name.clone()),
                spec: Some(PodDisruptionBudgetSpec {
                    min_available: value(&disruption.min_available),
                    max_unavailable: value(&disruption.max_unavailable),
                    selector: Some(LabelSelector {
                        match_labels: Some(selector(&project, name)),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )));
    }
}

fn set_service_type(settings: &crate::extension::ServiceSettings, service: &mut KubeService) {
    if !settings.annotations.is_empty() {
        service
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .extend(settings.annotations.clone());
    }
    let Some(spec) = service.spec.as_mut() else {
        return;
    };
    match settings.type_ {
        Some(ServiceType::Headless) => {
            spec.type_ = None;
            spec.cluster_ip = Some("None".to_string());
        }
        Some(ServiceType::ClusterIP) => spec.type_ = Some("ClusterIP".to_string()),
        Some(ServiceType::NodePort) => spec.type_ = Some("NodePort".to_string()),
        Some(ServiceType::LoadBalancer) => spec.type_ = Some("LoadBalancer".to_string()),
        None => {}
    }
    if let Some(policy) = settings.external_traffic_policy {
        spec.external_traffic_policy = Some(policy.as_str().to_string());
    }
    if let (Some(node_port), Some(first)) = (
        settings.node_port,
        spec.ports.as_mut().and_then(|p| p.first_mut()),
    ) {
        first.node_port = Some(i32::from(node_port));
    }
}

/// A headless Service for a StatefulSet's stable pod names, with the ports of the service's
/// own Service, if it has one.
fn headless_service(
    cx: &Context<'_>,
    name: &str,
    governing: &str,
    objects: &[Manifest],
) -> Manifest {
    let project = cx.project_name();
    let ports: Option<Vec<ServicePort>> = objects.iter().find_map(|m| match m {
        Manifest::Service(s) if s.metadata.name.as_deref() == Some(&dns_label(name)) => {
            s.spec.as_ref().and_then(|s| s.ports.clone())
        }
        _ => None,
    });
    Manifest::Service(Box::new(KubeService {
        metadata: service_object_meta(project, name, governing.to_string()),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".to_string()),
            selector: Some(selector(project, name)),
            ports: ports.map(|ports| {
                ports
                    .into_iter()
                    .map(|p| ServicePort {
                        node_port: None,
                        ..p
                    })
                    .collect()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

fn ingress(
    cx: &Context<'_>,
    name: &str,
    settings: &crate::extension::IngressSettings,
    port: i32,
) -> Manifest {
    let project = cx.project_name();
    let class = settings
        .class
        .clone()
        .or_else(|| cx.input.extensions.project.ingress_class.clone());
    let path = HTTPIngressPath {
        path: Some(settings.path.clone().unwrap_or_else(|| "/".to_string())),
        path_type: "Prefix".to_string(),
        backend: IngressBackend {
            service: Some(IngressServiceBackend {
                name: dns_label(name),
                port: Some(ServiceBackendPort {
                    number: Some(port),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        },
    };
    Manifest::Ingress(Box::new(Ingress {
        metadata: ObjectMeta {
            name: Some(dns_label(name)),
            labels: Some(labels(project, name)),
            annotations: (!settings.annotations.is_empty()).then(|| settings.annotations.clone()),
            ..Default::default()
        },
        spec: Some(IngressSpec {
            ingress_class_name: class,
            rules: Some(vec![IngressRule {
                host: settings.host.clone(),
                http: Some(HTTPIngressRuleValue { paths: vec![path] }),
            }]),
            tls: settings.tls_secret.as_ref().map(|secret| {
                vec![IngressTLS {
                    hosts: settings.host.clone().map(|h| vec![h]),
                    secret_name: Some(secret.clone()),
                }]
            }),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

/// The top-level labels and annotations on every object (and its pod template). Claim
/// sizes, classes and access modes are set where claims are made (`storage`).
pub fn finish_project(cx: &Context<'_>, manifests: &mut [Manifest]) {
    let defaults = &cx.input.extensions.project;
    if defaults.labels.is_empty() && defaults.annotations.is_empty() {
        return;
    }
    for manifest in manifests.iter_mut() {
        add_labels(
            manifest.metadata_mut(),
            &defaults.labels,
            &defaults.annotations,
        );
        let template = match manifest {
            Manifest::Deployment(o) => o.spec.as_mut().map(|s| &mut s.template),
            Manifest::StatefulSet(o) => o.spec.as_mut().map(|s| &mut s.template),
            Manifest::DaemonSet(o) => o.spec.as_mut().map(|s| &mut s.template),
            Manifest::Job(o) => o.spec.as_mut().map(|s| &mut s.template),
            Manifest::CronJob(o) => o
                .spec
                .as_mut()
                .and_then(|s| s.job_template.spec.as_mut())
                .map(|s| &mut s.template),
            _ => None,
        };
        if let Some(template) = template {
            let metadata = template.metadata.get_or_insert_with(Default::default);
            add_labels(metadata, &defaults.labels, &BTreeMap::new());
        }
    }
}

fn add_labels(
    metadata: &mut ObjectMeta,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) {
    for (map, extra) in [
        (&mut metadata.labels, labels),
        (&mut metadata.annotations, annotations),
    ] {
        if extra.is_empty() {
            continue;
        }
        let map = map.get_or_insert_with(BTreeMap::new);
        for (key, value) in extra {
            // What a service sets for itself wins over the project's default.
            map.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
}

/// The metadata of an object that x-kubernetes adds for a service: its name and the
/// service's labels.
fn service_object_meta(project: &str, service: &str, object_name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(object_name),
        labels: Some(labels(project, service)),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_names_a_registry_as_docker_reads_it() {
        for (image, expected) in [
            ("nginx", false),
            ("library/nginx:1.27", false),
            ("registry.example.com/org/app", true),
            ("localhost/app", true),
            ("registry:5000/app", true),
        ] {
            assert_eq!(has_registry(image), expected, "{image}");
        }
    }
}
