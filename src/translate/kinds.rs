//! The workload kinds around a service's pod template: Deployment, StatefulSet, DaemonSet,
//! Job and CronJob, and what each can keep of `deploy` (replicas, update strategy).

use std::collections::BTreeSet;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec, DeploymentStrategy,
    RollingUpdateDeployment, StatefulSet, StatefulSetSpec,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::names::{dns_label, joined};
use super::Code;
use super::Context;
use crate::compose::model::Service;
use crate::extension::{ServiceExtension, ServiceType, WorkloadKind};
use crate::manifest::Manifest;

/// What every kind is built from.
pub struct Shape {
    pub metadata: ObjectMeta,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    pub replicas: Option<i32>,
    /// Recreate, when the pod mounts a claim only one pod can mount.
    pub strategy: Option<DeploymentStrategy>,
}

/// The Kubernetes kind's name, for messages.
pub fn kind_name(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "Deployment",
        WorkloadKind::Statefulset => "StatefulSet",
        WorkloadKind::Daemonset => "DaemonSet",
        WorkloadKind::Job => "Job",
        WorkloadKind::Cronjob => "CronJob",
    }
}

/// The name of the headless Service that governs a StatefulSet: the service's own Service
/// when it is headless or when the service has no Service (so no other takes the name),
/// else `<name>-headless`.
pub fn governing_service(cx: &Context<'_>, name: &str, extension: &ServiceExtension) -> String {
    let headless = extension.service.as_ref().and_then(|s| s.type_) == Some(ServiceType::Headless);
    // A Service exists whenever the service is reachable, ports inferred from the image too.
    let has_service = super::network::reachable_port(cx, name).is_some();
    if headless || !has_service {
        dns_label(name)
    } else {
        joined(&[name, "headless"])
    }
}

/// The workload object of kind `kind`.
pub fn build(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    kind: WorkloadKind,
    extension: &ServiceExtension,
    shape: Shape,
) -> Manifest {
    let Shape {
        metadata,
        selector,
        template,
        replicas,
        strategy,
    } = shape;
    let update = rolling_update(cx, name, service, kind);
    if replicas.is_some() && !matches!(kind, WorkloadKind::Deployment | WorkloadKind::Statefulset) {
        cx.report.warn(
            Code::DeploySettingNotTranslated,
            name,
            "deploy.replicas",
            format!(
                "a {} has no replica count; the replicas are not carried over",
                kind_name(kind)
            ),
        );
    }
    match kind {
        WorkloadKind::Deployment => Manifest::Deployment(Box::new(Deployment {
            metadata,
            spec: Some(DeploymentSpec {
                replicas,
                selector,
                strategy: strategy.or(update.map(|rolling_update| DeploymentStrategy {
                    type_: Some("RollingUpdate".to_string()),
                    rolling_update: Some(rolling_update),
                })),
                template,
                ..Default::default()
            }),
            ..Default::default()
        })),
        WorkloadKind::Statefulset => Manifest::StatefulSet(Box::new(StatefulSet {
            metadata,
            spec: Some(StatefulSetSpec {
                replicas,
                selector,
                service_name: Some(governing_service(cx, name, extension)),
                template,
                ..Default::default()
            }),
            ..Default::default()
        })),
        WorkloadKind::Daemonset => Manifest::DaemonSet(Box::new(DaemonSet {
            metadata,
            spec: Some(DaemonSetSpec {
                selector,
                template,
                ..Default::default()
            }),
            ..Default::default()
        })),
        WorkloadKind::Job => Manifest::Job(Box::new(Job {
            metadata,
            spec: Some(job_spec(cx, name, service, template)),
            ..Default::default()
        })),
        WorkloadKind::Cronjob => Manifest::CronJob(Box::new(CronJob {
            metadata,
            spec: Some(CronJobSpec {
                schedule: extension.schedule.clone().unwrap_or_default(),
                concurrency_policy: Some("Forbid".to_string()),
                job_template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(job_spec(cx, name, service, template)),
                },
                ..Default::default()
            }),
            ..Default::default()
        })),
    }
}

/// A Job retries a failed pod `deploy.restart_policy.max_attempts` times (Kubernetes'
/// default, 6, otherwise); `condition: on-failure` set the pod's restart policy.
fn job_spec(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    template: PodTemplateSpec,
) -> JobSpec {
    let policy = service
        .deploy
        .as_ref()
        .and_then(|d| d.restart_policy.as_ref());
    if policy.is_some_and(|p| p.delay.is_some() || p.window.is_some()) {
        cx.report.warn(Code::RestartPolicyChanged,
            name,
            "deploy.restart_policy",
            "a Job retries with its own exponential back-off: delay and window are not carried over",
        );
    }
    let backoff_limit = policy
        .and_then(|p| p.max_attempts)
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX));
    JobSpec {
        backoff_limit,
        template,
        ..Default::default()
    }
}

/// `deploy.update_config` as a rolling update: `parallelism` pods at a time, started
/// before (`order: start-first`, maxSurge) or after (`stop-first`, maxUnavailable) the old
/// ones stop. The rest of it has no Kubernetes field and is reported.
fn rolling_update(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    kind: WorkloadKind,
) -> Option<RollingUpdateDeployment> {
    let update = service.deploy.as_ref()?.update_config.as_ref()?;
    if kind != WorkloadKind::Deployment {
        cx.report.warn(
            Code::DeploySettingNotTranslated,
            name,
            "deploy.update_config",
            format!(
                "only a Deployment's rolling update is set from it, not a {}'s",
                kind_name(kind)
            ),
        );
        return None;
    }
    let step = IntOrString::Int(
        update
            .parallelism
            .filter(|n| *n > 0)
            .map_or(1, |n| i32::try_from(n).unwrap_or(i32::MAX)),
    );
    let start_first = update.order.as_deref() == Some("start-first");
    let mut unmapped = BTreeSet::new();
    if update.parallelism == Some(0) {
        unmapped.insert("parallelism: 0 (all at once)");
    }
    if update.delay != Default::default() {
        unmapped.insert("delay");
    }
    if update.failure_action.is_some() {
        unmapped.insert("failure_action");
    }
    if update.monitor != Default::default() {
        unmapped.insert("monitor");
    }
    if update.max_failure_ratio != 0.0 {
        unmapped.insert("max_failure_ratio");
    }
    if !unmapped.is_empty() {
        cx.report.warn_with_hint(
            Code::DeploySettingNotTranslated,
            name,
            "deploy.update_config",
            format!(
                "{} cannot be expressed by a rolling update",
                unmapped.into_iter().collect::<Vec<_>>().join(", ")
            ),
            "a Deployment's minReadySeconds and progressDeadlineSeconds come closest",
        );
    }
    Some(if start_first {
        RollingUpdateDeployment {
            max_surge: Some(step),
            max_unavailable: Some(IntOrString::Int(0)),
        }
    } else {
        RollingUpdateDeployment {
            max_surge: Some(IntOrString::Int(0)),
            max_unavailable: Some(step),
        }
    })
}

/// A StatefulSet's named volumes become volumeClaimTemplates: each replica gets its own
/// claim, named `<template>-<pod>`. The claim is taken out of the output and the pod volume
/// that referred to it is dropped; the mount keeps its name. A claim that other workloads
/// mount too is shared storage and stays as it is.
pub fn claims_to_templates(manifests: &mut Vec<Manifest>) {
    // Most projects have no StatefulSet; the scan below copies every claim.
    if !manifests
        .iter()
        .any(|m| matches!(m, Manifest::StatefulSet(_)))
    {
        return;
    }
    let mut templates_needed: Vec<(usize, String, String)> = Vec::new();
    let mut used_elsewhere = BTreeSet::new();
    for (i, manifest) in manifests.iter().enumerate() {
        let (spec, is_stateful) = match manifest {
            Manifest::StatefulSet(s) => {
                (s.spec.as_ref().and_then(|s| s.template.spec.as_ref()), true)
            }
            Manifest::Deployment(d) => (
                d.spec.as_ref().and_then(|s| s.template.spec.as_ref()),
                false,
            ),
            Manifest::DaemonSet(d) => (
                d.spec.as_ref().and_then(|s| s.template.spec.as_ref()),
                false,
            ),
            Manifest::Job(j) => (
                j.spec.as_ref().and_then(|s| s.template.spec.as_ref()),
                false,
            ),
            Manifest::CronJob(c) => (
                c.spec
                    .as_ref()
                    .and_then(|s| s.job_template.spec.as_ref())
                    .and_then(|s| s.template.spec.as_ref()),
                false,
            ),
            _ => (None, false),
        };
        let volumes = spec.and_then(|s| s.volumes.as_ref()).into_iter().flatten();
        for volume in volumes {
            let Some(claim) = &volume.persistent_volume_claim else {
                continue;
            };
            if is_stateful {
                templates_needed.push((i, volume.name.clone(), claim.claim_name.clone()));
            } else {
                used_elsewhere.insert(claim.claim_name.clone());
            }
        }
    }
    let claims: Vec<PersistentVolumeClaim> = manifests
        .iter()
        .filter_map(|m| match m {
            Manifest::PersistentVolumeClaim(c) => Some(c.as_ref().clone()),
            _ => None,
        })
        .collect();
    // A claim several workloads mount is shared storage: it stays one claim.
    let mut users: std::collections::BTreeMap<&String, usize> = Default::default();
    for (_, _, claim_name) in &templates_needed {
        *users.entry(claim_name).or_default() += 1;
    }
    let shared: BTreeSet<String> = users
        .into_iter()
        .filter(|(claim, n)| *n > 1 || used_elsewhere.contains(*claim))
        .map(|(claim, _)| claim.clone())
        .collect();
    templates_needed.retain(|(_, _, claim)| !shared.contains(claim));
    for (i, volume_name, claim_name) in &templates_needed {
        let Some(claim) = claims
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(claim_name))
        else {
            continue;
        };
        let Manifest::StatefulSet(set) = &mut manifests[*i] else {
            continue;
        };
        let Some(spec) = set.spec.as_mut() else {
            continue;
        };
        let template = PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(volume_name.clone()),
                labels: claim.metadata.labels.clone(),
                annotations: claim.metadata.annotations.clone(),
                ..Default::default()
            },
            spec: claim.spec.clone(),
            ..Default::default()
        };
        spec.volume_claim_templates
            .get_or_insert_with(Vec::new)
            .push(template);
        if let Some(volumes) = spec.template.spec.as_mut().and_then(|s| s.volumes.as_mut()) {
            volumes.retain(|v| v.name != *volume_name);
        }
        if let Some(pod) = spec.template.spec.as_mut() {
            if pod.volumes.as_ref().is_some_and(Vec::is_empty) {
                pod.volumes = None;
            }
        }
    }
    let moved: BTreeSet<&String> = templates_needed.iter().map(|(_, _, c)| c).collect();
    manifests.retain(|m| match m {
        Manifest::PersistentVolumeClaim(c) => {
            c.metadata.name.as_ref().is_none_or(|n| !moved.contains(n))
        }
        _ => true,
    });
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{
        PersistentVolumeClaimVolumeSource, PodSpec, Volume, VolumeMount,
    };

    use super::*;

    fn claim(name: &str) -> Manifest {
        Manifest::PersistentVolumeClaim(Box::new(PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                ..Default::default()
            },
            ..Default::default()
        }))
    }

    fn pod(claim: &str) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: None,
            spec: Some(PodSpec {
                containers: vec![k8s_openapi::api::core::v1::Container {
                    volume_mounts: Some(vec![VolumeMount {
                        name: "data".to_string(),
                        mount_path: "/data".to_string(),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }],
                volumes: Some(vec![Volume {
                    name: "data".to_string(),
                    persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                        claim_name: claim.to_string(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        }
    }

    fn stateful_set(claim: &str) -> Manifest {
        Manifest::StatefulSet(Box::new(StatefulSet {
            spec: Some(StatefulSetSpec {
                template: pod(claim),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    fn templates(manifest: &Manifest) -> Vec<String> {
        let Manifest::StatefulSet(set) = manifest else {
            return Vec::new();
        };
        let spec = set.spec.as_ref();
        spec.and_then(|s| s.volume_claim_templates.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|t| t.metadata.name.clone())
            .collect()
    }

    #[test]
    fn a_claim_only_a_stateful_set_mounts_becomes_its_template() {
        let mut manifests = vec![claim("db-data"), stateful_set("db-data")];
        claims_to_templates(&mut manifests);
        assert_eq!(manifests.len(), 1);
        assert_eq!(templates(&manifests[0]), vec!["data".to_string()]);
        let Manifest::StatefulSet(set) = &manifests[0] else {
            panic!("not a StatefulSet");
        };
        let pod = set.spec.as_ref().and_then(|s| s.template.spec.as_ref());
        assert_eq!(pod.and_then(|p| p.volumes.as_ref()), None);
    }

    #[test]
    fn a_claim_another_workload_mounts_stays_shared() {
        let deployment = Manifest::Deployment(Box::new(Deployment {
            spec: Some(DeploymentSpec {
                template: pod("shared"),
                ..Default::default()
            }),
            ..Default::default()
        }));
        let mut manifests = vec![claim("shared"), stateful_set("shared"), deployment];
        claims_to_templates(&mut manifests);
        assert_eq!(manifests.len(), 3);
        assert!(templates(&manifests[1]).is_empty());
    }
}
