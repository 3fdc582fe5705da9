//! What becomes of every key of a service: the keys this stage maps, the keys other parts
//! map, the keys the loader has already applied, and the table of keys no Kubernetes field
//! expresses, each with the reason (and what would express it, where something does).
//!
//! The table is the one place a key is declared unmapped; a unit test checks that every key
//! of the model is in one of these lists, so a key added to the model cannot be dropped
//! without a word.

use super::report::Level;
use super::Code;
use super::Context;
use crate::compose::model::{
    Deploy, ResourceLimits, ResourceReservations, Service, ServiceNetwork,
};

/// Keys the workload stage translates (`deploy.*` as paths), fully or with report lines for
/// the values it cannot carry over. A key whose common values need nothing (`networks`
/// without settings) is only in the table, which reports the
/// other values. These lists exist for the test that every key of the model is mapped or
/// reported (`keys/tests.rs`).
#[cfg(test)]
pub const MAPPED: &[&str] = &[
    "annotations",
    "build",
    "cap_add",
    "cap_drop",
    "command",
    "cpus",
    "deploy.labels",
    "deploy.mode",
    "deploy.placement",
    "deploy.replicas",
    "deploy.resources.limits.cpus",
    "deploy.resources.limits.memory",
    "deploy.resources.reservations.cpus",
    "deploy.resources.reservations.devices",
    "deploy.resources.reservations.memory",
    "deploy.update_config",
    "depends_on",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "environment",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "labels",
    "mem_limit",
    "mem_reservation",
    "platform",
    "post_start",
    "pre_stop",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "scale",
    "security_opt",
    "stdin_open",
    "stop_grace_period",
    "sysctls",
    "tty",
    "user",
    "working_dir",
];

/// Keys the network, storage, config and alias parts translate (`container_name` is a name
/// other containers reach the service by, as an alias is).
#[cfg(test)]
pub const MAPPED_ELSEWHERE: &[&str] = &[
    "configs",
    "container_name",
    "env_file",
    "expose",
    "ports",
    "secrets",
    "shm_size",
    "tmpfs",
    "volumes",
];

/// Keys the loader has already applied: profiles chose the services, `extends` was merged
/// in, label files were read into `labels`.
#[cfg(test)]
pub const APPLIED_BY_LOADER: &[&str] = &["extends", "label_file", "profiles"];

/// A key no Kubernetes field expresses.
struct Unmapped {
    key: &'static str,
    /// The kind of finding: keys that mean the same to a user share a code.
    code: Code,
    is_set: fn(&Service) -> bool,
    /// Warning for what changes how the container runs; info for what only concerns the
    /// Compose command line.
    level: Level,
    reason: &'static str,
    hint: Option<&'static str>,
}

const WARNING: Level = Level::Warning;
const INFO: Level = Level::Info;

fn deploy(service: &Service) -> Option<&Deploy> {
    service.deploy.as_deref()
}

fn limits(service: &Service) -> Option<&ResourceLimits> {
    deploy(service).and_then(|d| d.resources.limits.as_ref())
}

fn reservations(service: &Service) -> Option<&ResourceReservations> {
    deploy(service).and_then(|d| d.resources.reservations.as_ref())
}

/// Whether a network attachment says more than "join this network" and its aliases (which
/// become Services, `alias`).
fn has_settings(network: &Option<ServiceNetwork>) -> bool {
    network.as_ref().is_some_and(|n| {
        *n != ServiceNetwork {
            aliases: n.aliases.clone(),
            ..ServiceNetwork::default()
        }
    })
}

const UNMAPPED: &[Unmapped] = &[
    Unmapped {
        key: "attach",
        code: Code::ComposeOnlyKey,
        is_set: |s| s.attach.is_some(),
        level: INFO,
        reason: "it only decides whether `docker compose up` shows the service's output",
        hint: None,
    },
    Unmapped {
        key: "blkio_config",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.blkio_config.is_some(),
        level: WARNING,
        reason: "Kubernetes has no block IO limits",
        hint: None,
    },
    Unmapped {
        key: "cgroup",
        code: Code::NamespaceModeNotTranslated,
        is_set: |s| s.cgroup.is_some(),
        level: WARNING,
        reason: "the container runtime chooses the cgroup namespace",
        hint: None,
    },
    Unmapped {
        key: "cgroup_parent",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.cgroup_parent.is_some(),
        level: WARNING,
        reason: "the kubelet places pods in its own cgroups",
        hint: None,
    },
    Unmapped {
        key: "cpu_count",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_count != 0,
        level: WARNING,
        reason: "Windows CPU counts are not translated",
        hint: Some("use `cpus` or deploy.resources.limits.cpus"),
    },
    Unmapped {
        key: "cpu_percent",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_percent != 0.0,
        level: WARNING,
        reason: "Windows CPU percentages are not translated",
        hint: Some("use `cpus` or deploy.resources.limits.cpus"),
    },
    Unmapped {
        key: "cpu_period",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_period != 0,
        level: WARNING,
        reason: "Kubernetes sets the CFS period itself",
        hint: Some("use `cpus` or deploy.resources.limits.cpus"),
    },
    Unmapped {
        key: "cpu_quota",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_quota != 0,
        level: WARNING,
        reason: "CFS quotas are not translated",
        hint: Some("use `cpus` or deploy.resources.limits.cpus"),
    },
    Unmapped {
        key: "cpu_rt_period",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_rt_period != 0,
        level: WARNING,
        reason: "Kubernetes has no real-time CPU scheduling",
        hint: None,
    },
    Unmapped {
        key: "cpu_rt_runtime",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_rt_runtime != 0,
        level: WARNING,
        reason: "Kubernetes has no real-time CPU scheduling",
        hint: None,
    },
    Unmapped {
        key: "cpu_shares",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpu_shares != 0,
        level: WARNING,
        reason: "CPU shares are not translated; Kubernetes derives them from the CPU request",
        hint: Some("set deploy.resources.reservations.cpus"),
    },
    Unmapped {
        key: "cpuset",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.cpuset.is_some(),
        level: WARNING,
        reason: "Kubernetes pins CPUs only through the kubelet's static CPU manager policy",
        hint: Some("whole-CPU requests equal to limits get exclusive CPUs on such nodes"),
    },
    Unmapped {
        key: "credential_spec",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.credential_spec.is_some(),
        level: WARNING,
        reason: "Windows credential specs are not translated",
        hint: Some("securityContext.windowsOptions.gmsaCredentialSpecName"),
    },
    Unmapped {
        key: "deploy.endpoint_mode",
        code: Code::DeploySettingNotTranslated,
        is_set: |s| deploy(s).is_some_and(|d| d.endpoint_mode.is_some()),
        level: WARNING,
        reason: "Swarm endpoint modes are not translated",
        hint: Some(
            "`dnsrr` corresponds to a headless Service: x-kubernetes.service.type: headless",
        ),
    },
    Unmapped {
        key: "deploy.resources.limits.pids",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| limits(s).is_some_and(|l| l.pids != 0),
        level: WARNING,
        reason: "Kubernetes limits process ids per pod on the node (the kubelet's podPidsLimit), \
                 not per container",
        hint: None,
    },
    Unmapped {
        key: "deploy.resources.reservations.generic_resources",
        code: Code::DeviceRequestChanged,
        is_set: |s| reservations(s).is_some_and(|r| !r.generic_resources.is_empty()),
        level: WARNING,
        reason: "Swarm generic resources are not translated",
        hint: Some("request the device plugin's extended resource in the container's limits"),
    },
    Unmapped {
        key: "deploy.restart_policy",
        code: Code::RestartPolicyChanged,
        is_set: |s| deploy(s).is_some_and(|d| d.restart_policy.is_some()),
        level: WARNING,
        reason: "a Deployment always restarts its containers, with its own back-off",
        hint: None,
    },
    Unmapped {
        key: "deploy.rollback_config",
        code: Code::DeploySettingNotTranslated,
        is_set: |s| deploy(s).is_some_and(|d| d.rollback_config.is_some()),
        level: WARNING,
        reason: "Kubernetes does not roll back on its own",
        hint: Some("`kubectl rollout undo` rolls a Deployment back"),
    },
    Unmapped {
        key: "develop",
        code: Code::ComposeOnlyKey,
        is_set: |s| s.develop.is_some(),
        level: INFO,
        reason: "watch rules are for `docker compose watch` during development",
        hint: None,
    },
    Unmapped {
        key: "device_cgroup_rules",
        code: Code::DeviceNotMapped,
        is_set: |s| !s.device_cgroup_rules.is_empty(),
        level: WARNING,
        reason: "Kubernetes has no device cgroup rules",
        hint: Some("a device plugin grants access to devices"),
    },
    Unmapped {
        key: "devices",
        code: Code::DeviceNotMapped,
        is_set: |s| !s.devices.is_empty(),
        level: WARNING,
        reason: "host devices are not mapped into containers",
        hint: Some("a device plugin, or a privileged container with a hostPath volume"),
    },
    Unmapped {
        key: "external_links",
        code: Code::NetworkSettingNotTranslated,
        is_set: |s| !s.external_links.is_empty(),
        level: WARNING,
        reason: "containers outside the project are not reachable by these names",
        hint: Some("an ExternalName Service gives an outside host a name in the cluster"),
    },
    Unmapped {
        key: "init",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.init.is_some(),
        level: WARNING,
        reason: "Kubernetes runs no init process in the container",
        hint: Some("shareProcessNamespace: true lets the pod's pause process reap zombies"),
    },
    Unmapped {
        key: "ipc",
        code: Code::NamespaceModeNotTranslated,
        is_set: |s| s.ipc.is_some(),
        level: WARNING,
        reason: "IPC namespace modes are not translated",
        hint: Some("`host` corresponds to the pod's hostIPC: true"),
    },
    Unmapped {
        key: "isolation",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.isolation.is_some(),
        level: WARNING,
        reason: "the container runtime chooses the isolation technology",
        hint: None,
    },
    Unmapped {
        key: "links",
        code: Code::ComposeOnlyKey,
        is_set: |s| !s.links.is_empty(),
        level: INFO,
        reason: "services reach each other by Service name already; a link's alias \
                 (`db:alias`) becomes a Service of its own",
        hint: None,
    },
    Unmapped {
        key: "logging",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.logging.is_some(),
        level: WARNING,
        reason: "the node's container runtime keeps container logs",
        hint: Some("a cluster logging agent ships them elsewhere"),
    },
    Unmapped {
        key: "mac_address",
        code: Code::NetworkSettingNotTranslated,
        is_set: |s| s.mac_address.is_some(),
        level: WARNING,
        reason: "the cluster network assigns addresses",
        hint: None,
    },
    Unmapped {
        key: "mem_swappiness",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.mem_swappiness.is_some(),
        level: WARNING,
        reason: "the kubelet configures swap for the whole node",
        hint: None,
    },
    Unmapped {
        key: "memswap_limit",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.memswap_limit.is_some(),
        level: WARNING,
        reason: "the kubelet configures swap for the whole node",
        hint: None,
    },
    Unmapped {
        key: "models",
        code: Code::ModelNotProvisioned,
        is_set: |s| !s.models.is_empty(),
        level: WARNING,
        reason: "Docker Model Runner models are not translated",
        hint: Some("run the model as a service of its own and pass its address in `environment`"),
    },
    Unmapped {
        key: "network_mode",
        code: Code::NetworkSettingNotTranslated,
        // `service:<name>` runs the container in that service's pod (`shared_pod`).
        is_set: |s| s.network_mode.is_some() && s.joined_service().is_none(),
        level: WARNING,
        reason: "the pod uses the cluster network; only `service:<name>` is translated",
        hint: Some(
            "`host` corresponds to the pod's hostNetwork: true; a container that shares \
             another's network belongs in its pod: `network_mode: service:<name>` puts it there",
        ),
    },
    Unmapped {
        key: "networks",
        code: Code::NetworkSettingNotTranslated,
        is_set: |s| s.networks.values().any(has_settings),
        level: WARNING,
        reason: "pods get their addresses from the cluster network; fixed addresses, \
                 interface names, priorities and driver options are not translated",
        hint: None,
    },
    Unmapped {
        key: "oom_kill_disable",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.oom_kill_disable,
        level: WARNING,
        reason: "Kubernetes always lets the kernel kill a container above its memory limit",
        hint: None,
    },
    Unmapped {
        key: "oom_score_adj",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.oom_score_adj != 0,
        level: WARNING,
        reason: "the kubelet sets the OOM score from the pod's QoS class",
        hint: Some("requests equal to limits give the Guaranteed class, killed last"),
    },
    Unmapped {
        key: "pid",
        code: Code::NamespaceModeNotTranslated,
        is_set: |s| s.pid.is_some(),
        level: WARNING,
        reason: "PID namespace modes are not translated",
        hint: Some("`host` corresponds to the pod's hostPID: true"),
    },
    Unmapped {
        key: "pids_limit",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| s.pids_limit != 0,
        level: WARNING,
        reason: "Kubernetes limits process ids per pod on the node (the kubelet's podPidsLimit), \
                 not per container",
        hint: None,
    },
    Unmapped {
        key: "provider",
        code: Code::ProviderNotRun,
        is_set: |s| s.provider.is_some(),
        level: WARNING,
        reason: "a provider service is run by a Compose plugin, not as a container",
        hint: Some(
            "create what the provider would in the cluster, and pass its address in `environment`",
        ),
    },
    Unmapped {
        key: "pull_refresh_after",
        code: Code::ComposeOnlyKey,
        is_set: |s| s.pull_refresh_after.is_some(),
        level: INFO,
        reason: "Compose itself ignores it",
        hint: None,
    },
    Unmapped {
        key: "runtime",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.runtime.is_some(),
        level: WARNING,
        reason: "runtimes are chosen per pod by a RuntimeClass",
        hint: Some("runtimeClassName names a RuntimeClass the cluster defines"),
    },
    Unmapped {
        key: "stop_signal",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.stop_signal.is_some(),
        level: WARNING,
        reason: "Kubernetes stops containers with SIGTERM",
        hint: Some("STOPSIGNAL in the image changes the signal"),
    },
    Unmapped {
        key: "storage_opt",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| !s.storage_opt.is_empty(),
        level: WARNING,
        reason: "storage driver options are not translated",
        hint: Some("ephemeral-storage limits bound the container's writable layer"),
    },
    Unmapped {
        key: "ulimits",
        code: Code::ResourceTuningNotTranslated,
        is_set: |s| !s.ulimits.is_empty(),
        level: WARNING,
        reason: "Kubernetes has no per-container ulimits",
        hint: Some("set them in the image's entrypoint, or in the node's container runtime"),
    },
    Unmapped {
        key: "use_api_socket",
        code: Code::EngineSettingNotTranslated,
        is_set: |s| s.use_api_socket,
        level: WARNING,
        reason: "a pod has no Docker engine to talk to",
        hint: None,
    },
    Unmapped {
        key: "userns_mode",
        code: Code::NamespaceModeNotTranslated,
        is_set: |s| s.userns_mode.is_some(),
        level: WARNING,
        reason: "user namespace modes are not translated",
        hint: Some("hostUsers: false runs the pod in a user namespace"),
    },
    Unmapped {
        key: "uts",
        code: Code::NamespaceModeNotTranslated,
        is_set: |s| s.uts.is_some(),
        level: WARNING,
        reason: "the UTS namespace follows the pod's network: it is the host's only with \
                 hostNetwork",
        hint: None,
    },
    Unmapped {
        key: "volumes_from",
        code: Code::VolumesFromNotShared,
        is_set: |s| !s.volumes_from.is_empty(),
        level: WARNING,
        reason: "pods do not share volumes with other pods' containers",
        hint: Some("mount the same volumes in this service"),
    },
];

/// Reports every unmapped key the service sets, and its `x-` extension keys. `mapped` names
/// keys of the table that the service's workload kind does map.
pub fn report_unmapped(cx: &mut Context<'_>, name: &str, service: &Service, mapped: &[&str]) {
    let rows = UNMAPPED
        .iter()
        .filter(|row| (row.is_set)(service) && !mapped.contains(&row.key));
    for row in rows {
        match (row.level, row.hint) {
            (Level::Info, _) => cx.report.info(row.code, name, row.key, row.reason),
            (_, None) => cx.report.warn(row.code, name, row.key, row.reason),
            (_, Some(hint)) => cx
                .report
                .warn_with_hint(row.code, name, row.key, row.reason, hint),
        }
    }
    for key in service.extensions.0.keys() {
        if key != "x-kubernetes" {
            cx.report.info(
                Code::ExtensionKeyIgnored,
                name,
                key,
                "extension keys are for other tools and are not interpreted",
            );
        }
    }
}

#[cfg(test)]
mod tests;
