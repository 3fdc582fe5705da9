//! Reading and checking `x-kubernetes`: one diagnostic per problem, with its key path.

use std::collections::{BTreeMap, HashSet};

use serde::de::DeserializeOwned;

use super::types::*;
use super::{kompose, XKubernetes};
use crate::compose::model::{Condition, Extensions, MountKind, Project};
use crate::diagnostic::Diagnostic;
use crate::validation::{
    dns_label_problem, is_dns1123_subdomain, is_label_value, is_qualified_name, quantity_suffix,
};
use crate::value::{KeyPath, Value};

const KEY: &str = "x-kubernetes";

/// Reads every `x-kubernetes` of the project. Errors, if any, name each problem's key path;
/// otherwise the typed extensions, ready for translation.
pub fn check(project: &Project) -> Result<XKubernetes, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut result = XKubernetes::default();
    let root = KeyPath::root().key(KEY);
    if let Some(project_ext) = read::<ProjectExtension>(&project.extensions, &root, &mut errors) {
        check_project(&project_ext, &root, &mut errors);
        result.project = project_ext;
    }
    for (name, service) in &project.services {
        let path = KeyPath::root().key("services").key(name).key(KEY);
        let has_extension = service.extensions.get(KEY).is_some();
        let has_kompose_labels = service.labels.keys().any(|l| l.starts_with("kompose."));
        if !has_extension && !has_kompose_labels {
            continue;
        }
        let Some(mut ext) = read::<ServiceExtension>(&service.extensions, &path, &mut errors)
            .or((!has_extension).then(ServiceExtension::default))
        else {
            continue;
        };
        let kompose = kompose::adopt(name, service, &mut ext, &mut errors);
        check_service(project, name, &ext, &path, &mut errors);
        result.services.insert(name.clone(), ext);
        if !kompose.is_empty() {
            result.kompose.insert(name.clone(), kompose);
        }
    }
    for (name, volume) in &project.volumes {
        let path = KeyPath::root().key("volumes").key(name).key(KEY);
        if let Some(ext) = read::<VolumeExtension>(&volume.extensions, &path, &mut errors) {
            if let Some(size) = &ext.size {
                check_quantity(size, &path.key("size"), &mut errors);
            }
            if let Some(class) = &ext.storage_class {
                check_subdomain(class, &path.key("storageClass"), &mut errors);
            }
            result.volumes.insert(name.clone(), ext);
        }
    }
    // After the volumes' own x-kubernetes, which wins over a service's labels.
    kompose::adopt_volume_labels(project, &mut result);
    if errors.is_empty() {
        Ok(result)
    } else {
        Err(errors)
    }
}

fn read<T: DeserializeOwned>(
    extensions: &Extensions,
    path: &KeyPath,
    errors: &mut Vec<Diagnostic>,
) -> Option<T> {
    // Read as Compose reads its own keys, so that an interpolated number (`max: ${MAX}`,
    // a string after interpolation) is a number.
    let value = Value::from_json(extensions.get(KEY)?);
    match serde_path_to_error::deserialize::<_, T>(&value) {
        Ok(typed) => Some(typed),
        Err(error) => {
            let at = path.join_serde(error.path());
            errors.push(Diagnostic::error(error.into_inner().to_string()).at_path(at));
            None
        }
    }
}

fn error(errors: &mut Vec<Diagnostic>, path: KeyPath, message: impl Into<String>) {
    errors.push(Diagnostic::error(message).at_path(path));
}

fn check_project(ext: &ProjectExtension, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    if let Some(namespace) = &ext.namespace {
        check_label(namespace, &path.key("namespace"), errors);
    }
    if let Some(size) = &ext.volume_size {
        check_quantity(size, &path.key("volumeSize"), errors);
    }
    if let Some(class) = &ext.storage_class {
        check_subdomain(class, &path.key("storageClass"), errors);
    }
    if let Some(class) = &ext.ingress_class {
        check_subdomain(class, &path.key("ingressClass"), errors);
    }
    if let Some(registry) = &ext.image_registry {
        if registry.is_empty() || registry.contains(char::is_whitespace) || registry.ends_with('/')
        {
            error(
                errors,
                path.key("imageRegistry"),
                format!("{registry:?} is not a registry prefix: expected e.g. `registry.example.com/team`, without a trailing `/`"),
            );
        }
    }
    check_labels(&ext.labels, &path.key("labels"), errors);
    check_annotations(&ext.annotations, &path.key("annotations"), errors);
}

fn check_service(
    project: &Project,
    name: &str,
    ext: &ServiceExtension,
    path: &KeyPath,
    errors: &mut Vec<Diagnostic>,
) {
    let service = &project.services[name];
    for (index, target) in ext.host_paths.iter().enumerate() {
        let is_bind_target = service
            .volumes
            .iter()
            .any(|m| m.kind == MountKind::Bind && m.target == *target);
        if !is_bind_target {
            error(
                errors,
                path.key("hostPaths").index(index),
                format!("{target:?} is not the container path of a bind mount of this service"),
            );
        }
    }
    match (ext.workload, &ext.schedule) {
        (Some(WorkloadKind::Cronjob), None) => error(
            errors,
            path.key("schedule"),
            "`workload: cronjob` needs a `schedule`, e.g. \"*/5 * * * *\"",
        ),
        (Some(WorkloadKind::Cronjob), Some(schedule)) => {
            check_schedule(schedule, &path.key("schedule"), errors)
        }
        (_, Some(_)) => error(
            errors,
            path.key("schedule"),
            "`schedule` is only for `workload: cronjob`",
        ),
        _ => {}
    }
    if let Some(settings) = &ext.service {
        if let Some(port) = settings.node_port {
            let path = path.key("service").key("nodePort");
            if port == 0 {
                error(errors, path.clone(), "a port is 1-65535");
            }
            if !matches!(
                settings.type_,
                Some(ServiceType::NodePort | ServiceType::LoadBalancer)
            ) {
                error(
                    errors,
                    path,
                    "`nodePort` needs `type: NodePort` or `type: LoadBalancer`",
                );
            }
        }
        let opens_nodes = matches!(
            settings.type_,
            Some(ServiceType::NodePort | ServiceType::LoadBalancer)
        );
        if settings.external_traffic_policy.is_some() && !opens_nodes {
            error(
                errors,
                path.key("service").key("externalTrafficPolicy"),
                "`externalTrafficPolicy` needs `type: NodePort` or `type: LoadBalancer`",
            );
        }
        check_annotations(
            &settings.annotations,
            &path.key("service").key("annotations"),
            errors,
        );
    }
    if let Some(ingress) = &ext.ingress {
        let ipath = path.key("ingress");
        if service.ports.is_empty() && service.expose.is_empty() {
            error(
                errors,
                ipath.clone(),
                "an Ingress routes to the service's Service: add `ports` or `expose`",
            );
        }
        if let Some(host) = &ingress.host {
            let wildcard = host.strip_prefix("*.").unwrap_or(host);
            if !is_dns1123_subdomain(wildcard) {
                error(
                    errors,
                    ipath.key("host"),
                    format!("{host:?} is not a host name: expected lower-case DNS labels separated by `.`"),
                );
            }
        }
        if let Some(p) = &ingress.path {
            if !p.starts_with('/') {
                error(
                    errors,
                    ipath.key("path"),
                    format!("{p:?} is not an absolute path: it must start with `/`"),
                );
            }
        }
        if ingress.tls_secret.is_some() && ingress.host.is_none() {
            error(
                errors,
                ipath.key("tlsSecret"),
                "TLS needs a `host` the certificate is for",
            );
        }
        if let Some(secret) = &ingress.tls_secret {
            check_subdomain(secret, &ipath.key("tlsSecret"), errors);
        }
        if let Some(class) = &ingress.class {
            check_subdomain(class, &ipath.key("class"), errors);
        }
        if ingress.port == Some(0) {
            error(errors, ipath.key("port"), "a port is 1-65535");
        }
        check_annotations(&ingress.annotations, &ipath.key("annotations"), errors);
    }
    if let Some(probes) = &ext.probes {
        let liveness = match &probes.liveness {
            Some(Liveness::Probe(probe)) => Some(probe.clone()),
            _ => None,
        };
        for (key, probe) in [("readiness", &probes.readiness), ("liveness", &liveness)] {
            if let Some(probe) = probe {
                check_probe(probe, &path.key("probes").key(key), errors);
            }
        }
    }
    if let Some(autoscale) = &ext.autoscale {
        let apath = path.key("autoscale");
        let min = autoscale.min.unwrap_or(1);
        if min == 0 {
            error(errors, apath.key("min"), "`min` is at least 1");
        }
        if autoscale.max < min {
            error(
                errors,
                apath.key("max"),
                format!("`max` ({}) is less than `min` ({min})", autoscale.max),
            );
        }
        if autoscale.cpu.is_none() && autoscale.memory.is_none() {
            error(
                errors,
                apath.clone(),
                "give a target: `cpu` or `memory` (average utilization in percent)",
            );
        }
        for (key, value) in [("cpu", autoscale.cpu), ("memory", autoscale.memory)] {
            if value == Some(0) {
                error(
                    errors,
                    apath.key(key),
                    "a utilization target is at least 1 (percent)",
                );
            }
        }
        if matches!(
            effective_kind(project, name, ext),
            WorkloadKind::Daemonset | WorkloadKind::Job | WorkloadKind::Cronjob
        ) {
            error(
                errors,
                apath,
                "only a Deployment or a StatefulSet can be autoscaled",
            );
        }
    }
    if let Some(disruption) = &ext.disruption {
        let dpath = path.key("disruption");
        match (&disruption.min_available, &disruption.max_unavailable) {
            (Some(_), Some(_)) | (None, None) => error(
                errors,
                dpath.clone(),
                "give exactly one of `minAvailable` and `maxUnavailable`",
            ),
            _ => {}
        }
        for (key, value) in [
            ("minAvailable", &disruption.min_available),
            ("maxUnavailable", &disruption.max_unavailable),
        ] {
            if let Some(CountOrPercent::Percent(text)) = value {
                let valid = text
                    .strip_suffix('%')
                    .and_then(|n| n.parse::<u8>().ok())
                    .is_some_and(|n| n <= 100);
                if !valid {
                    error(
                        errors,
                        dpath.key(key),
                        format!("{text:?} is neither a count nor a percentage such as \"50%\""),
                    );
                }
            }
        }
        if matches!(
            effective_kind(project, name, ext),
            WorkloadKind::Job | WorkloadKind::Cronjob
        ) {
            error(
                errors,
                dpath,
                "a disruption budget protects long-running pods, not a Job's",
            );
        }
    }
    if let Some(account) = &ext.service_account {
        check_subdomain(account, &path.key("serviceAccount"), errors);
    }
    for (i, secret) in ext.image_pull_secrets.iter().enumerate() {
        check_subdomain(secret, &path.key("imagePullSecrets").index(i), errors);
    }
    check_labels(&ext.node_selector, &path.key("nodeSelector"), errors);
    for (i, toleration) in ext.tolerations.iter().enumerate() {
        let tpath = path.key("tolerations").index(i);
        if toleration.operator == Some(TolerationOperator::Exists) && toleration.value.is_some() {
            error(
                errors,
                tpath.key("value"),
                "`operator: Exists` takes no `value`",
            );
        }
        if toleration.key.is_none() && toleration.operator != Some(TolerationOperator::Exists) {
            error(
                errors,
                tpath.key("operator"),
                "a toleration without `key` needs `operator: Exists`",
            );
        }
        if toleration.toleration_seconds.is_some()
            && toleration.effect != Some(TaintEffect::NoExecute)
        {
            error(
                errors,
                tpath.key("tolerationSeconds"),
                "`tolerationSeconds` needs `effect: NoExecute`",
            );
        }
    }
    check_labels(&ext.labels, &path.key("labels"), errors);
    for key in ext.labels.keys() {
        if key.starts_with("app.kubernetes.io/") {
            error(
                errors,
                path.key("labels").key(key),
                "app.kubernetes.io/ labels are set by compose2k8s",
            );
        }
    }
    check_annotations(&ext.annotations, &path.key("annotations"), errors);
}

/// The kind a service becomes: `workload`, else DaemonSet for `deploy.mode: global`, Job for
/// the job modes and for a service another waits on with `service_completed_successfully`.
pub fn effective_kind(project: &Project, name: &str, ext: &ServiceExtension) -> WorkloadKind {
    kind_given(project, name, ext, &awaited_services(project))
}

/// The services another service waits on with `service_completed_successfully`. Computed
/// once, it lets a caller that asks for every service's kind stay linear in their number.
pub fn awaited_services(project: &Project) -> HashSet<&str> {
    project
        .services
        .values()
        .flat_map(|service| service.depends_on.iter())
        .filter(|(_, how)| how.condition == Condition::ServiceCompletedSuccessfully)
        .map(|(dependency, _)| dependency.as_str())
        .collect()
}

/// [`effective_kind`], given the [`awaited_services`] of the project.
pub fn kind_given(
    project: &Project,
    name: &str,
    ext: &ServiceExtension,
    awaited: &HashSet<&str>,
) -> WorkloadKind {
    if let Some(kind) = ext.workload {
        return kind;
    }
    let mode = project
        .services
        .get(name)
        .and_then(|service| service.deploy.as_ref())
        .and_then(|d| d.mode.as_deref());
    match mode {
        Some("global") => WorkloadKind::Daemonset,
        Some("replicated-job" | "global-job") => WorkloadKind::Job,
        _ if awaited.contains(name) => WorkloadKind::Job,
        _ => WorkloadKind::Deployment,
    }
}

fn check_probe(probe: &Probe, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    let handlers = [
        probe.http.is_some(),
        probe.tcp.is_some(),
        probe.exec.is_some(),
    ]
    .iter()
    .filter(|set| **set)
    .count();
    if handlers != 1 {
        error(
            errors,
            path.clone(),
            "give exactly one of `http`, `tcp` and `exec`",
        );
    }
    let port = probe
        .http
        .as_ref()
        .map(|h| (h.port, "http"))
        .or(probe.tcp.as_ref().map(|t| (t.port, "tcp")));
    if let Some((0, key)) = port {
        error(errors, path.key(key).key("port"), "a port is 1-65535");
    }
    if let Some(p) = probe.http.as_ref().and_then(|h| h.path.as_ref()) {
        if !p.starts_with('/') {
            error(
                errors,
                path.key("http").key("path"),
                format!("{p:?} is not an absolute path: it must start with `/`"),
            );
        }
    }
    if probe.exec.as_ref().is_some_and(Vec::is_empty) {
        error(errors, path.key("exec"), "the command is empty");
    }
    for (key, value) in [
        ("periodSeconds", probe.period_seconds),
        ("timeoutSeconds", probe.timeout_seconds),
        ("failureThreshold", probe.failure_threshold),
    ] {
        if value == Some(0) {
            error(errors, path.key(key), "must be at least 1");
        }
    }
}

/// Five fields of `*`, digits, `,-/` (and names of months and days), or a `@` macro.
fn check_schedule(schedule: &str, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    const MACROS: &[&str] = &[
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let valid = MACROS.contains(&schedule.trim())
        || (fields.len() == 5
            && fields.iter().all(|f| {
                f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "*,-/?".contains(c))
            }));
    if !valid {
        error(
            errors,
            path.clone(),
            format!("{schedule:?} is not a cron schedule: expected five fields (`*/5 * * * *`) or a macro such as `@hourly`"),
        );
    }
}

/// A Kubernetes quantity as a size: digits, an optional fraction, an optional suffix.
fn check_quantity(text: &str, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    match quantity_suffix(text) {
        // Kubernetes reads a bare number as bytes: never the size meant for a volume.
        Some("") => error(
            errors,
            path.clone(),
            format!("{text:?} has no unit, so it would be {text} bytes: expected e.g. `{text}Gi`"),
        ),
        Some(_) => {}
        None => error(
            errors,
            path.clone(),
            format!("{text:?} is not a size: expected a quantity such as `5Gi` or `500Mi`"),
        ),
    }
}

fn check_label(text: &str, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    if let Some(problem) = dns_label_problem(text) {
        error(errors, path.clone(), problem);
    }
}

fn check_subdomain(text: &str, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    if !is_dns1123_subdomain(text) {
        error(
            errors,
            path.clone(),
            format!("{text:?} is not a Kubernetes name: expected lower-case letters, digits, `-` and `.`"),
        );
    }
}

fn check_labels(labels: &BTreeMap<String, String>, path: &KeyPath, errors: &mut Vec<Diagnostic>) {
    for (key, value) in labels {
        if !is_qualified_name(key) {
            error(
                errors,
                path.key(key),
                format!("{key:?} is not a label key: an optional DNS subdomain and `/`, then at most 63 letters, digits, `-`, `_` and `.`"),
            );
        } else if !is_label_value(value) {
            error(
                errors,
                path.key(key),
                format!("{value:?} is not a label value: at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"),
            );
        }
    }
}

fn check_annotations(
    annotations: &BTreeMap<String, String>,
    path: &KeyPath,
    errors: &mut Vec<Diagnostic>,
) {
    for key in annotations.keys() {
        if !is_qualified_name(key) {
            error(
                errors,
                path.key(key),
                format!("{key:?} is not an annotation key: an optional DNS subdomain and `/`, then at most 63 letters, digits, `-`, `_` and `.`"),
            );
        }
    }
}
