//! `network_mode: service:X`: the container joins X's network namespace, which in
//! Kubernetes is X's pod. The joining service gets no workload and no Service of its own:
//! its container runs in X's pod (with its own env, mounts, probes, resources and security
//! settings), its ports become ports of X's Service, and what belongs to a pod or a workload
//! (replicas, scheduling, DNS, restart, `x-kubernetes` workload settings) is X's. A chain (A
//! joins B, B joins C) ends in C's pod.
//!
//! The loader refuses a `service:` that names no service and a cycle (the mode implies a
//! dependency), so every chain ends.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::{Container, ContainerPort};
use serde_json::Value as Json;

use super::container::main_container;
use super::names::dns_label;
use super::Code;
use super::{extension, keys, network, storage, Context, PodParts};
use crate::compose::model::{Project, Service};
use crate::extension::{group_of, ServiceExtension, WorkloadKind, GROUP_LABEL};
use crate::manifest::Manifest;

/// The key that puts a guest in another's pod: its network_mode or its kompose group label.
fn membership_key(service: &Service) -> String {
    match service.joined_service() {
        Some(_) => "network_mode".to_string(),
        None => format!("labels.{GROUP_LABEL}"),
    }
}

/// The end of `name`'s `network_mode: service:` chain, or `name` itself.
fn chain_end<'p>(project: &'p Project, name: &'p str) -> &'p str {
    let mut owner = name;
    // A chain visits each service at most once; the bound keeps a cycle the loader should
    // have refused from looping.
    for _ in 0..=project.services.len() {
        match next_in_chain(project, owner) {
            Some(next) => owner = next,
            None => break,
        }
    }
    owner
}

/// The service whose network `name` joins (`network_mode: service:…`), if it exists.
fn next_in_chain<'p>(project: &'p Project, name: &str) -> Option<&'p str> {
    let (next, _) = project
        .services
        .get(name)
        .and_then(Service::joined_service)
        .and_then(|next| project.services.get_key_value(next))?;
    Some(next.as_str())
}

/// The end of every service's `network_mode: service:` chain, each link followed once:
/// following each service's chain to its end made a long chain quadratic.
fn chain_ends(project: &Project) -> HashMap<&str, &str> {
    let mut ends: HashMap<&str, &str> = HashMap::with_capacity(project.services.len());
    for name in project.services.keys() {
        let mut path: Vec<&str> = Vec::new();
        let mut on_path: HashSet<&str> = HashSet::new();
        let mut at = name.as_str();
        let end = loop {
            if let Some(&end) = ends.get(at) {
                break end;
            }
            // A cycle the loader should have refused ends where it closes.
            if !on_path.insert(at) {
                break at;
            }
            path.push(at);
            match next_in_chain(project, at) {
                Some(next) => at = next,
                None => break at,
            }
        };
        for link in path {
            ends.insert(link, end);
        }
    }
    ends
}

/// The service whose pod runs a group: the one named like the group, else its first
/// member in the project's order.
fn group_owners(project: &Project) -> HashMap<&str, &str> {
    let mut owners: HashMap<&str, &str> = HashMap::new();
    for (name, service) in &project.services {
        if let Some(group) = group_of(service) {
            let owner = owners.entry(group).or_insert(name.as_str());
            if name == group {
                *owner = name.as_str();
            }
        }
    }
    owners
}

/// The service whose pod runs `name`: the end of its `network_mode: service:` chain, and
/// then the owner of that service's `kompose.service.group`; or `name` itself. Translation
/// asks [`Pods`], which knows every answer at once; this is for the checks before it.
pub fn pod_owner<'p>(project: &'p Project, name: &'p str) -> &'p str {
    let end = chain_end(project, name);
    project
        .services
        .get(end)
        .and_then(group_of)
        .and_then(|group| group_owners(project).get(group).copied())
        .unwrap_or(end)
}

/// Which pod each service runs in, worked out once per translation.
#[derive(Debug, Clone, Default)]
pub struct Pods<'p> {
    /// A service that runs in another's pod → that pod's service.
    owners: HashMap<&'p str, &'p str>,
    /// A pod's service → the services that join it, in the project's order.
    guests: HashMap<&'p str, Vec<(&'p str, &'p Service)>>,
}

impl<'p> Pods<'p> {
    pub fn new(project: &'p Project) -> Self {
        let group_owners = group_owners(project);
        let ends = chain_ends(project);
        let mut pods = Pods::default();
        for (name, service) in &project.services {
            let end = ends.get(name.as_str()).copied().unwrap_or(name);
            let owner = project
                .services
                .get(end)
                .and_then(group_of)
                .and_then(|group| group_owners.get(group).copied())
                .unwrap_or(end);
            if owner != name {
                pods.owners.insert(name.as_str(), owner);
                pods.guests
                    .entry(owner)
                    .or_default()
                    .push((name.as_str(), service));
            }
        }
        pods
    }

    /// The service whose pod runs `name` (`name` itself when it has its own pod).
    pub fn owner<'n>(&self, name: &'n str) -> &'n str
    where
        'p: 'n,
    {
        self.owners.get(name).copied().unwrap_or(name)
    }

    /// The services that run in `owner`'s pod besides `owner`, in the project's order.
    pub fn guests(&self, owner: &str) -> &[(&'p str, &'p Service)] {
        self.guests.get(owner).map_or(&[], Vec::as_slice)
    }

    /// Whether `name` runs in another service's pod.
    pub fn is_guest(&self, name: &str) -> bool {
        self.owners.contains_key(name)
    }
}

/// The container of `name` in `owner`'s pod, with its ports, mounts, env files, configs and
/// secrets; the pod volumes they need are added to `pod.volumes`, which the owner's
/// container uses too, so one source is one volume. Returns the container and the objects
/// its parts need; what only a pod or a workload could carry is reported.
pub fn guest_container(
    cx: &mut Context<'_>,
    owner: &str,
    name: &str,
    service: &Service,
    pod: &mut PodParts,
) -> (Container, Vec<Manifest>) {
    let mut parts = PodParts {
        volumes: std::mem::take(&mut pod.volumes),
        ..Default::default()
    };
    let mut objects = Vec::new();
    network::attach_guest(cx, name, service, &mut parts);
    drop_ports_the_pod_has(cx, owner, name, pod, &mut parts.ports);
    objects.extend(storage::attach(cx, name, service, &mut parts));
    objects.extend(super::config::attach(cx, name, service, &mut parts));
    let mut container = main_container(cx, name, service, &mut parts);
    extension::apply_to_container(cx, name, cx.input.extensions.service(name), &mut container);
    if container.readiness_probe.is_some() {
        cx.report.info(
            Code::SharedPod,
            name,
            "healthcheck",
            format!(
                "a pod is ready when all its containers are: until this probe passes, the \
                 Service of {owner} sends nothing to the pod"
            ),
        );
    }
    pod.volumes = parts.volumes;
    pod.mounts_exclusive_claim |= parts.mounts_exclusive_claim;
    cx.report.info(
        Code::SharedPod,
        name,
        &membership_key(service),
        format!(
            "its container runs in the pod of {owner}, which shares one network: it has no \
             workload {}{}{}",
            if group_of(service).is_some() {
                "of its own"
            } else {
                "and no Service of its own"
            },
            if service.ports.is_empty() && service.expose.is_empty() {
                String::new()
            } else {
                format!("; its ports are ports of the Service of {owner}")
            },
            if says_how_it_restarts(service) || runs_to_completion(cx.workload_kind(owner)) {
                ""
            } else {
                "; it is restarted whenever it exits, as every container of the pod is, where \
                 Compose would leave it stopped"
            }
        ),
    );
    report_pod_settings(cx, owner, name, service);
    extension::report_kompose_labels(cx, name);
    keys::report_unmapped(cx, name, service, &[]);
    (container, objects)
}

/// Leaves out of a guest's container the ports another container of the pod already
/// declares: the containers share one network, so only one of them listens on a port, and
/// a pod that declares a port twice is ambiguous to a Service that targets it.
fn drop_ports_the_pod_has(
    cx: &mut Context<'_>,
    owner: &str,
    name: &str,
    pod: &PodParts,
    ports: &mut Vec<ContainerPort>,
) {
    let declared_by = |port: &ContainerPort| {
        let same = |other: &ContainerPort| {
            other.container_port == port.container_port && other.protocol == port.protocol
        };
        if pod.ports.iter().any(same) {
            return Some(dns_label(owner));
        }
        pod.guest_containers
            .iter()
            .find(|c| c.ports.iter().flatten().any(same))
            .map(|c| c.name.clone())
    };
    ports.retain(|port| {
        let Some(other) = declared_by(port) else {
            return true;
        };
        cx.report.info(
            Code::SharedPod,
            name,
            "ports",
            format!(
                "container port {}/{} is already declared by the container {other} of the \
                 pod of {owner}, which shares its network; it is not declared twice",
                port.container_port,
                port.protocol.as_deref().unwrap_or("TCP")
            ),
        );
        false
    });
}

/// A setting of the pod or the workload, as a value to compare.
struct PodSetting {
    key: &'static str,
    value: fn(&Service) -> Json,
}

fn json<T: serde::Serialize>(value: &T) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// What one pod or workload has once, whatever its containers say.
const POD_SETTINGS: &[PodSetting] = &[
    PodSetting {
        key: "deploy.replicas",
        value: |s| json(&s.deploy.as_ref().and_then(|d| d.replicas).or(s.scale)),
    },
    PodSetting {
        key: "deploy.mode",
        value: |s| json(&s.deploy.as_ref().and_then(|d| d.mode.clone())),
    },
    PodSetting {
        key: "deploy.placement",
        value: |s| json(&s.deploy.as_ref().map(|d| &d.placement)),
    },
    PodSetting {
        key: "deploy.update_config",
        value: |s| json(&s.deploy.as_ref().and_then(|d| d.update_config.as_ref())),
    },
    PodSetting {
        key: "deploy.restart_policy",
        value: |s| json(&s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref())),
    },
    PodSetting {
        key: "deploy.labels",
        value: |s| json(&s.deploy.as_ref().map(|d| &d.labels)),
    },
    PodSetting {
        key: "restart",
        value: |s| json(&s.restart),
    },
    PodSetting {
        key: "labels",
        value: |s| json(&s.labels),
    },
    PodSetting {
        key: "annotations",
        value: |s| json(&s.annotations),
    },
    PodSetting {
        key: "dns",
        value: |s| json(&s.dns),
    },
    PodSetting {
        key: "dns_opt",
        value: |s| json(&s.dns_opt),
    },
    PodSetting {
        key: "dns_search",
        value: |s| json(&s.dns_search),
    },
    PodSetting {
        key: "extra_hosts",
        value: |s| json(&s.extra_hosts),
    },
    PodSetting {
        key: "hostname",
        value: |s| json(&s.hostname),
    },
    PodSetting {
        key: "domainname",
        value: |s| json(&s.domainname),
    },
    PodSetting {
        key: "sysctls",
        value: |s| json(&s.sysctls),
    },
    PodSetting {
        key: "group_add",
        value: |s| json(&s.group_add),
    },
    PodSetting {
        key: "platform",
        value: |s| json(&s.platform),
    },
    PodSetting {
        key: "stop_grace_period",
        value: |s| json(&s.stop_grace_period),
    },
];

/// The keys by which a service says whether it runs again after it exits.
const RESTART_KEYS: [&str; 2] = ["restart", "deploy.restart_policy"];

/// Whether the pods of `kind` run their containers to completion rather than restart them.
fn runs_to_completion(kind: WorkloadKind) -> bool {
    matches!(kind, WorkloadKind::Job | WorkloadKind::Cronjob)
}

/// Whether `service` sets `restart` or `deploy.restart_policy`.
fn says_how_it_restarts(service: &Service) -> bool {
    service.restart.is_some()
        || service
            .deploy
            .as_ref()
            .is_some_and(|d| d.restart_policy.is_some())
}

/// The key by which `service` says it runs once (Compose does not start it again when it
/// exits), with its value; `None` when it says nothing of the kind. Without any of these
/// keys Compose does not restart a container either, but then it cannot be told from a
/// long-running one, which exits only on failure.
fn runs_once(service: &Service) -> Option<(&'static str, String)> {
    if let Some(restart) = &service.restart {
        if restart == "no" || restart.starts_with("on-failure") {
            return Some(("restart", restart.clone()));
        }
    }
    let condition = service
        .deploy
        .as_ref()
        .and_then(|d| d.restart_policy.as_ref())
        .and_then(|p| p.condition.as_deref())?;
    matches!(condition, "none" | "on-failure")
        .then(|| ("deploy.restart_policy", format!("condition: {condition}")))
}

/// A guest that runs once under Compose (its restart settings say so, or it would be a Job
/// of its own) in the pod of a long-running workload: Kubernetes restarts a container of
/// such a pod whenever it exits, so the guest runs again and again, and the pod is not
/// Ready while it is down. Says so; true when it did, in place of the general messages
/// about its restart settings and kind.
fn report_one_shot_guest(
    cx: &mut Context<'_>,
    owner: &str,
    name: &str,
    service: &Service,
    own_kind: WorkloadKind,
    owner_kind: WorkloadKind,
) -> bool {
    if runs_to_completion(owner_kind) {
        return false;
    }
    let (key, why) = match runs_once(service) {
        Some((key, value)) => (key.to_string(), format!("{key}: {value}")),
        None if runs_to_completion(own_kind) => (
            "network_mode".to_string(),
            format!(
                "it would be a {} of its own",
                super::kinds::kind_name(own_kind)
            ),
        ),
        None => return false,
    };
    cx.report.warn_with_hint(
        Code::SharedPodSettingIgnored,
        name,
        &key,
        format!(
            "{name} runs once under Compose ({why}), but its container is in the pod of \
             {owner}, a {}, whose containers are restarted whenever they exit: it runs again \
             and again, and while it is down the pod is not Ready and the Service of {owner} \
             sends it nothing",
            super::kinds::kind_name(owner_kind)
        ),
        format!(
            "give {name} a network of its own and have it reach {owner} by name instead of \
             localhost, so that it becomes a workload of its own"
        ),
    );
    true
}

/// Reports each pod or workload setting of the guest that differs from the owner's, its
/// dependencies (the pod starts all its containers together) and `x-kubernetes` settings
/// that belong to the pod, the workload or the Service.
fn report_pod_settings(cx: &mut Context<'_>, owner: &str, name: &str, service: &Service) {
    let project = cx.input.project;
    let owner_service = &project.services[owner];
    let why = membership_key(service);
    let pod_is_owners = |key: &str| {
        format!(
            "{name} runs in the pod of {owner} ({why}), whose {key} applies to all its \
             containers; {name}'s is not carried over"
        )
    };
    let (own_kind, owner_kind) = (cx.workload_kind(name), cx.workload_kind(owner));
    let restarted_for_ever = report_one_shot_guest(cx, owner, name, service, own_kind, owner_kind);
    for setting in POD_SETTINGS {
        if restarted_for_ever && RESTART_KEYS.contains(&setting.key) {
            continue;
        }
        let own = (setting.value)(service);
        let is_set = !matches!(&own, Json::Null)
            && own != Json::Object(Default::default())
            && own != Json::Array(Vec::new());
        if is_set && own != (setting.value)(owner_service) {
            cx.report.warn(
                Code::SharedPodSettingIgnored,
                name,
                setting.key,
                pod_is_owners(setting.key),
            );
        }
    }
    if own_kind != owner_kind && !restarted_for_ever {
        cx.report.warn(
            Code::SharedPodSettingIgnored,
            name,
            "network_mode",
            format!(
                "it would be a {} of its own; in the pod of {owner} it runs as part of a {}",
                super::kinds::kind_name(own_kind),
                super::kinds::kind_name(owner_kind)
            ),
        );
    }
    let pod_level = ServiceExtension {
        probes: None,
        host_paths: Vec::new(),
        literal_environment: None,
        // About the guest's own report entries, not its pod.
        allow: Vec::new(),
        ..cx.input.extensions.service(name).clone()
    };
    if pod_level != ServiceExtension::default() {
        cx.report.warn_with_hint(
            Code::SharedPodSettingIgnored,
            name,
            "x-kubernetes",
            format!(
                "only its probes, hostPaths and literalEnvironment apply to its container; the \
                 rest belongs to the pod, the workload or the Service of {owner}"
            ),
            format!("set them on {owner}"),
        );
    }
    report_dependencies(cx, owner, name, service);
}

/// A guest's `depends_on` on a service of its own pod is implied; on another, the pod would
/// have to wait, which would hold up the owner too (and deadlock when that service waits
/// for the owner).
fn report_dependencies(cx: &mut Context<'_>, owner: &str, name: &str, service: &Service) {
    let project = cx.input.project;
    for dependency in service.depends_on.keys() {
        let key = format!("depends_on.{dependency}");
        if project.services.contains_key(dependency.as_str())
            && cx.index.pods.owner(dependency) == owner
        {
            cx.report.info(
                Code::DependencyNotWaited,
                name,
                &key,
                format!(
                    "{dependency} is in the same pod; its containers start together, so \
                     nothing waits"
                ),
            );
        } else {
            cx.report.warn_with_hint(
                Code::DependencyNotWaited,
                name,
                &key,
                format!("not waited for: {name} runs in the pod of {owner}, which would wait too"),
                format!(
                    "let {name} retry until {dependency} answers, or add the dependency to {owner}"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde::Deserialize;

    fn project(json: serde_json::Value) -> Project {
        Project::deserialize(&Value::from_json(&json)).expect("test project")
    }

    #[test]
    fn a_chain_ends_in_the_pod_of_its_last_service() {
        let project = project(serde_json::json!({"services": {
            "a": {"image": "a", "network_mode": "service:b"},
            "b": {"image": "b", "network_mode": "service:c"},
            "c": {"image": "c"},
            "d": {"image": "d", "network_mode": "host"},
        }}));
        assert_eq!(pod_owner(&project, "a"), "c");
        assert_eq!(pod_owner(&project, "b"), "c");
        assert_eq!(pod_owner(&project, "c"), "c");
        assert_eq!(pod_owner(&project, "d"), "d");
        let pods = Pods::new(&project);
        let names: Vec<&str> = pods.guests("c").iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(pods.is_guest("a") && !pods.is_guest("c"));
        assert_eq!((pods.owner("a"), pods.owner("d")), ("c", "d"));
    }

    #[test]
    fn a_kompose_group_runs_in_the_pod_of_the_service_named_like_it() {
        let group = |name: &str| serde_json::json!({"kompose.service.group": name});
        let project = project(serde_json::json!({"services": {
            "dind": {"image": "d", "labels": group("cup")},
            "cup": {"image": "c", "labels": group("cup")},
            "helper": {"image": "h", "network_mode": "service:dind"},
            "web": {"image": "w", "labels": group("front")},
            "api": {"image": "a", "labels": group("front")},
        }}));
        let pods = Pods::new(&project);
        for (service, owner) in [
            ("dind", "cup"),
            ("cup", "cup"),
            ("helper", "cup"),
            ("web", "web"),
            ("api", "web"),
        ] {
            assert_eq!(pods.owner(service), owner, "{service}");
            assert_eq!(pod_owner(&project, service), owner, "{service}");
        }
        let names: Vec<&str> = pods.guests("cup").iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["dind", "helper"]);
    }

    #[test]
    fn a_cycle_does_not_loop() {
        let project = project(serde_json::json!({"services": {
            "a": {"image": "a", "network_mode": "service:b"},
            "b": {"image": "b", "network_mode": "service:a"},
        }}));
        let _ = pod_owner(&project, "a");
        // The pods, worked out for all services at once, end each chain where it closes.
        let pods = Pods::new(&project);
        for service in ["a", "b"] {
            assert!(["a", "b"].contains(&pods.owner(service)), "{service}");
        }
    }

    #[test]
    fn chains_that_meet_end_in_one_pod() {
        // `b`'s chain is worked out first; `x` and `y` join it part way.
        let project = project(serde_json::json!({"services": {
            "b": {"image": "b", "network_mode": "service:c"},
            "x": {"image": "x", "network_mode": "service:b"},
            "c": {"image": "c", "network_mode": "service:d"},
            "y": {"image": "y", "network_mode": "service:c"},
            "d": {"image": "d"},
        }}));
        let pods = Pods::new(&project);
        for service in ["b", "x", "c", "y", "d"] {
            assert_eq!(pods.owner(service), "d", "{service}");
        }
        let names: Vec<&str> = pods.guests("d").iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["b", "x", "c", "y"]);
    }

    fn port(number: i32, protocol: &str) -> ContainerPort {
        ContainerPort {
            container_port: number,
            protocol: Some(protocol.to_string()),
            ..Default::default()
        }
    }

    /// The owner `vpn` declares 8080/TCP, its earlier guest `app` 9000/TCP; the guest `web`
    /// asks for both and for 8080/UDP and 9100/TCP. `parts.ports` ends as what `web` keeps.
    fn keep_guest_ports(
        cx: &mut Context<'_>,
        name: &str,
        _: &Service,
        parts: &mut PodParts,
    ) -> Vec<Manifest> {
        parts.ports = vec![port(8080, "TCP")];
        parts.guest_containers = vec![Container {
            name: "app".to_string(),
            ports: Some(vec![port(9000, "TCP")]),
            ..Default::default()
        }];
        let mut wanted = vec![
            port(8080, "TCP"),
            port(8080, "UDP"),
            port(9000, "TCP"),
            port(9100, "TCP"),
        ];
        drop_ports_the_pod_has(cx, "vpn", name, parts, &mut wanted);
        parts.ports = wanted;
        Vec::new()
    }

    #[test]
    fn a_guest_does_not_declare_a_port_of_its_pod_again() {
        let project = serde_json::json!({"services": {
            "vpn": {"image": "x"},
            "web": {"image": "x", "network_mode": "service:vpn"}
        }});
        let (parts, _, report) = crate::translate::test_support::attach_one(
            project,
            &Default::default(),
            "web",
            keep_guest_ports,
        );
        assert_eq!(parts.ports, vec![port(8080, "UDP"), port(9100, "TCP")]);
        assert_eq!(
            report.to_text(),
            "service web:\n  info[shared-pod]: services.web.ports: container port 8080/TCP is already \
             declared by the container vpn of the pod of vpn, which shares its network; it is \
             not declared twice\n  info[shared-pod]: services.web.ports: container port 9000/TCP is \
             already declared by the container app of the pod of vpn, which shares its \
             network; it is not declared twice\n0 warnings, 2 notes\n"
        );
    }

    fn pod_settings_report(project: serde_json::Value) -> String {
        fn report(
            cx: &mut Context<'_>,
            name: &str,
            service: &Service,
            _: &mut PodParts,
        ) -> Vec<Manifest> {
            let owner = pod_owner(cx.input.project, name).to_string();
            report_pod_settings(cx, &owner, name, service);
            Vec::new()
        }
        let (_, _, report) = crate::translate::test_support::attach_one(
            project,
            &Default::default(),
            "setup",
            report,
        );
        report.to_text()
    }

    #[test]
    fn a_guest_that_runs_once_is_told_it_would_run_again_and_again() {
        for (setting, said) in [
            (serde_json::json!({"restart": "no"}), "restart: no"),
            (
                serde_json::json!({"restart": "on-failure:3"}),
                "restart: on-failure:3",
            ),
            (
                serde_json::json!({"deploy": {"restart_policy": {"condition": "none"}}}),
                "deploy.restart_policy: condition: none",
            ),
        ] {
            let mut setup = serde_json::json!({"image": "curl", "network_mode": "service:es"});
            setup
                .as_object_mut()
                .unwrap()
                .extend(setting.as_object().unwrap().clone());
            let text = pod_settings_report(serde_json::json!({"services": {
                "es": {"image": "elasticsearch"},
                "setup": setup,
            }}));
            let key = said.split(':').next().unwrap();
            assert_eq!(
                text,
                format!(
                    "service setup:\n  warning[shared-pod-setting-ignored]: services.setup.{key}: \
                     setup runs once under Compose ({said}), but its container is in the pod of \
                     es, a Deployment, whose containers are restarted whenever they exit: it \
                     runs again and again, and while it is down the pod is not Ready and the \
                     Service of es sends it nothing (give setup a network of its own and have \
                     it reach es by name instead of localhost, so that it becomes a workload \
                     of its own)\n1 warning, 0 notes\n"
                )
            );
        }
        let restarted = pod_settings_report(serde_json::json!({"services": {
            "es": {"image": "elasticsearch"},
            "setup": {"image": "curl", "network_mode": "service:es", "restart": "always"},
        }}));
        assert!(!restarted.contains("runs once"), "{restarted}");
    }
}
