//! The codes of report entries: one stable, kebab-case name per kind of finding, so that CI
//! and reviewers can match findings without parsing messages, and a project can accept one it
//! has judged (`--allow CODE`, `x-kubernetes.allow`).
//!
//! This is the one place a code is declared; the doc comment of each variant is its meaning,
//! which the README's table of codes is generated from (tests/readme.rs keeps it current).
//! A code, once published, keeps its name: renaming one breaks every project that allows it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Declares [`Code`] with, for each variant, its name and its doc comment, which is also the
/// one-line meaning given by [`Code::meaning`].
macro_rules! codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, )*) => {
        /// The kind of a report entry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Code {
            /// Every code, in the order declared (the README's order).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable name, e.g. `bind-mount-claim`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// What an entry of this code means: the variant's doc comment, on one line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),+).trim(),)*
                }
            }
        }
    };
}

codes! {
    // Errors: a run that fails says why with one of these. They cannot be allowed.

    /// The input has an error: a compose file, an env file or `x-kubernetes` is invalid.
    InvalidInput = "invalid-input",
    /// A file or directory could not be read or written.
    Io = "io",
    /// The command line is wrong: an unknown flag, a missing value, flags that do not go
    /// together.
    Usage = "usage",
    /// `--strict` failed the run: the report has warnings that are not allowed.
    Strict = "strict",

    // The loader's warnings.

    /// A variable is not set when converting: the compose file gets a blank string for it,
    /// or an `environment` entry without a value is left out.
    UnsetVariable = "unset-variable",
    /// The top-level `version` is obsolete and ignored, as Compose ignores it.
    ObsoleteVersion = "obsolete-version",

    // Images and commands.

    /// The service is built by Compose; a cluster only pulls, so the image must be built
    /// and pushed under the name written.
    BuildNotRun = "build-not-run",
    /// `pull_policy` has no exact imagePullPolicy; the nearest one is written.
    PullPolicyChanged = "pull-policy-changed",
    /// The command or entrypoint runs differently: an empty entrypoint, or the part of a
    /// string after a shell operator, which no shell runs.
    CommandChanged = "command-changed",
    /// A `post_start` or `pre_stop` hook is not translated (Kubernetes runs one of each).
    HookNotTranslated = "hook-not-translated",

    // Environment, configs and secrets.

    /// Variables whose names say they are secrets are read from a Secret, not written into
    /// the workload.
    EnvironmentSecret = "environment-secret",
    /// A value whose name says it is a secret is written into the workload as plain text.
    SecretInWorkload = "secret-in-workload",
    /// A top-level secret becomes a Secret; the entry says whether its value is in the output.
    SecretObject = "secret-object",
    /// A Secret's value is not written into a kustomize tree; the user puts it in the file
    /// named.
    SecretValueNeeded = "secret-value-needed",
    /// A config, secret or volume is `external`: nothing is created, the object must exist
    /// in the namespace.
    ExternalObject = "external-object",
    /// The file of a config or secret is missing or was not read: the object is not
    /// written, or its generator fails until the file is there.
    FileNotRead = "file-not-read",
    /// An object too large for a client-side `kubectl apply`, which keeps a copy of it in an
    /// annotation of at most 256 KiB: apply it with `kubectl apply --server-side`.
    TooLargeForClientApply = "too-large-for-client-apply",
    /// Settings of the engine's own object (driver, driver options, labels of a volume,
    /// config or secret) have no Kubernetes counterpart.
    ObjectSettingNotTranslated = "object-setting-not-translated",
    /// The uid and gid of a mounted config or secret are not kept: its files belong to root.
    FileOwnershipNotKept = "file-ownership-not-kept",

    // Volumes and mounts.

    /// A named volume becomes a PersistentVolumeClaim that starts empty, without the image's
    /// files.
    VolumeClaim = "volume-claim",
    /// A bind mount became a PersistentVolumeClaim that starts empty: the host's files are
    /// not copied.
    BindMountClaim = "bind-mount-claim",
    /// A bind-mounted file or small directory is copied into a ConfigMap, mounted read-only.
    BindMountConfigmap = "bind-mount-configmap",
    /// A bind-mounted file is a secret's file: the Secret is mounted instead.
    BindMountSecret = "bind-mount-secret",
    /// A bind mount is left out: its source is a host path with no cluster counterpart.
    BindMountLeftOut = "bind-mount-left-out",
    /// A bind mount mounts the node's path (hostPath), as `x-kubernetes.hostPaths` asks.
    HostPath = "host-path",
    /// An anonymous volume becomes an emptyDir, whose data does not survive the pod.
    AnonymousVolume = "anonymous-volume",
    /// A mount of a kind Kubernetes has no counterpart for (named pipe, cluster volume,
    /// image) is left out.
    MountTypeNotTranslated = "mount-type-not-translated",
    /// Options of a mount or tmpfs have no Kubernetes counterpart and are ignored.
    MountOptionIgnored = "mount-option-ignored",
    /// Two mounts have the same path in the container; the later one is left out.
    MountPathConflict = "mount-path-conflict",

    // Ports, Services and names.

    /// A port is not declared but known (the image's, the health check's, one other
    /// services use), so the Service listens on it.
    PortInferred = "port-inferred",
    /// The service gets no Service (no ports or expose), so nothing reaches it by name.
    NoService = "no-service",
    /// A name other services use (the service's, an alias, a container name) is not a valid
    /// Service name: the Service has another, and addresses that use the old name do not
    /// resolve.
    ServiceRenamed = "service-renamed",
    /// A network alias, container name, link alias or pod member's name becomes a Service of
    /// its own.
    AliasService = "alias-service",
    /// A link alias reaches another service than the link names.
    LinkAliasConflict = "link-alias-conflict",
    /// Two ports of one Service would forward differently; the later one is left out.
    PortConflict = "port-conflict",
    /// A port published on the host is reachable inside the cluster only; host addresses,
    /// ranges, port 0 and `mode: host` have no Service counterpart.
    HostPortNotPublished = "host-port-not-published",

    // Networks and DNS.

    /// Networks are not translated: every pod reaches every Service of the namespace.
    NetworksNotIsolated = "networks-not-isolated",
    /// What a NetworkPolicy from `--network-policies` admits.
    NetworkPolicy = "network-policy",
    /// A network setting (fixed addresses, `network_mode`, external links, host-gateway) has
    /// no counterpart on the cluster network.
    NetworkSettingNotTranslated = "network-setting-not-translated",
    /// DNS settings work differently in a pod: the cluster's DNS comes first, a domain name
    /// becomes a subdomain.
    DnsSettingChanged = "dns-setting-changed",

    // Dependencies and pods.

    /// The pod does not wait for a dependency (it runs in the same pod, as a Job, with no
    /// replica or no port, or is not in the project).
    DependencyNotWaited = "dependency-not-waited",
    /// The pod waits for something else than Compose's condition, or is not restarted with
    /// its dependency.
    DependencyConditionChanged = "dependency-condition-changed",
    /// The service runs in another service's pod (`network_mode: service:…`).
    SharedPod = "shared-pod",
    /// A setting of a service in another's pod belongs to that pod and is not applied.
    SharedPodSettingIgnored = "shared-pod-setting-ignored",

    // Health checks.

    /// The health check cannot become a probe.
    HealthcheckNotTranslated = "healthcheck-not-translated",
    /// The health check calls the service by its own name, which reaches only ready pods.
    HealthcheckSelfCall = "healthcheck-self-call",

    // Workloads.

    /// The workload kind keeps no replica count: an autoscaler sets it.
    ReplicasByAutoscaler = "replicas-by-autoscaler",
    /// `restart` or `deploy.restart_policy` has no exact counterpart for the workload kind.
    RestartPolicyChanged = "restart-policy-changed",
    /// A `deploy` setting (replicas, updates, rollback, placement, endpoint mode) the
    /// workload kind or Kubernetes cannot express.
    DeploySettingNotTranslated = "deploy-setting-not-translated",
    /// A label or annotation is given twice with different values; one is kept.
    LabelConflict = "label-conflict",
    /// The platform's variant is not selected: nodes are labelled by OS and architecture.
    PlatformVariantNotSelected = "platform-variant-not-selected",

    // Resources and security.

    /// A reservation is above its limit; the request is set to the limit.
    RequestAboveLimit = "request-above-limit",
    /// A device request is not translated as written (only GPUs, by count).
    DeviceRequestChanged = "device-request-changed",
    /// A `security_opt` is not translated.
    SecurityOptionNotTranslated = "security-option-not-translated",
    /// A user or group is a name other than `root`, which Kubernetes cannot resolve; none is
    /// set.
    UserNotNumeric = "user-not-numeric",
    /// Sysctls outside Kubernetes' safe set: the pod starts only where the kubelet allows.
    UnsafeSysctl = "unsafe-sysctl",

    // Values.

    /// A value the Kubernetes API would refuse (a name, an address, a number out of range):
    /// it is left out or replaced, as the entry says.
    InvalidValue = "invalid-value",

    // Keys with no Kubernetes field.

    /// CPU, memory, IO, process or storage tuning (CFS, shares, swap, ulimits, OOM, pids)
    /// that Kubernetes sets otherwise.
    ResourceTuningNotTranslated = "resource-tuning-not-translated",
    /// A namespace or cgroup mode (ipc, pid, uts, userns, cgroup) is not translated.
    NamespaceModeNotTranslated = "namespace-mode-not-translated",
    /// Host devices are not mapped into containers.
    DeviceNotMapped = "device-not-mapped",
    /// A setting of the container engine (runtime, init, isolation, logging, stop signal,
    /// credential spec, API socket) is not translated.
    EngineSettingNotTranslated = "engine-setting-not-translated",
    /// `volumes_from`: pods do not share volumes with other pods' containers.
    VolumesFromNotShared = "volumes-from-not-shared",
    /// AI models are not provisioned.
    ModelNotProvisioned = "model-not-provisioned",
    /// A provider service is run by a Compose plugin, not as a container.
    ProviderNotRun = "provider-not-run",
    /// A key that concerns only the Compose command line (attach, develop, links,
    /// pull_refresh_after).
    ComposeOnlyKey = "compose-only-key",
    /// An `x-` extension key other than `x-kubernetes`, for other tools, is not interpreted.
    ExtensionKeyIgnored = "extension-key-ignored",

    // x-kubernetes and kompose labels.

    /// An `x-kubernetes` setting replaces what a compose key says.
    ExtensionOverrides = "extension-overrides",
    /// An `x-kubernetes` setting has no effect on this service.
    ExtensionSettingUnused = "extension-setting-unused",
    /// An `x-kubernetes` setting does not fit the rest of the service (a port its Service
    /// lacks, a node port outside the default range, utilization without requests).
    ExtensionSettingMismatch = "extension-setting-mismatch",
    /// A `kompose.*` label is honoured; an `x-kubernetes` field says it without a label.
    KomposeLabel = "kompose-label",
    /// A `kompose.*` label is not honoured.
    KomposeLabelIgnored = "kompose-label-ignored",

    // Output directories and diff.

    /// The output directory has no index of compose2k8s: `diff` compares every manifest
    /// file in it as if compose2k8s had written it.
    NoIndex = "no-index",
    /// `diff` compares with the flags recorded in the directory's index that were not
    /// given.
    RecordedFlagsTaken = "recorded-flags-taken",
    /// A flag given differs from the one the directory was written with.
    FlagsDifferFromRecord = "flags-differ-from-record",
    /// The flags recorded in the directory's index are damaged or invalid and are not used.
    RecordedFlagsUnused = "recorded-flags-unused",

    // Helm charts.

    /// An override changes something the chart's values do not expose: `values-NAME.yaml`
    /// does not carry it.
    OverrideNotInValues = "override-not-in-values",
    /// The chart does not render a Secret with its default values: the user creates it, or
    /// sets `secrets.<name>.create`.
    SecretLeftToUser = "secret-left-to-user",
}

impl Code {
    /// Whether an entry of this code may be allowed: errors stop a run whatever a project
    /// has judged.
    pub fn is_allowable(self) -> bool {
        !matches!(
            self,
            Code::InvalidInput | Code::Io | Code::Usage | Code::Strict
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Code {
    type Err = String;

    /// A code an entry can be allowed by; an unknown one, or an error's, is refused naming
    /// the nearest code (or every code when none is near).
    fn from_str(text: &str) -> Result<Code, String> {
        if let Some(code) = Code::ALL.iter().find(|code| code.as_str() == text) {
            return match code.is_allowable() {
                true => Ok(*code),
                false => Err(format!(
                    "{text:?} is the code of an error, which cannot be allowed"
                )),
            };
        }
        let allowable = Code::ALL.iter().filter(|code| code.is_allowable());
        let nearest =
            crate::diagnostic::nearest(text, allowable.clone().map(|code| code.as_str()), 3);
        Err(match nearest {
            Some(code) => format!("unknown report code {text:?}; did you mean \"{code}\"?"),
            None => format!(
                "unknown report code {text:?}; the codes are: {}",
                allowable
                    .map(|code| code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Code {
    fn schema_name() -> Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<serde_json::Value> = Code::ALL
            .iter()
            .filter(|code| code.is_allowable())
            .map(|code| serde_json::json!({"const": code.as_str(), "description": code.meaning()}))
            .collect();
        schemars::json_schema!({
            "description": "A report code (README, \"Report codes\").",
            "type": "string",
            "oneOf": codes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.split('-')
                    .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase())),
                "{name} is not kebab-case"
            );
            assert!(!code.meaning().is_empty(), "{name} has no meaning");
        }
    }

    #[test]
    fn parses_a_code_and_suggests_the_nearest() {
        assert_eq!("bind-mount-claim".parse(), Ok(Code::BindMountClaim));
        assert_eq!(
            "bind-mount-clam".parse::<Code>(),
            Err(
                "unknown report code \"bind-mount-clam\"; did you mean \"bind-mount-claim\"?"
                    .into()
            )
        );
        let far = "nothing-like-it-at-all".parse::<Code>().unwrap_err();
        assert!(far.contains("port-inferred, "), "{far}");
        assert!(!far.contains("invalid-input"), "{far}");
    }

    #[test]
    fn error_codes_cannot_be_allowed() {
        assert_eq!(
            "strict".parse::<Code>(),
            Err("\"strict\" is the code of an error, which cannot be allowed".into())
        );
    }

    #[test]
    fn the_meaning_is_the_doc_comment_on_one_line() {
        assert_eq!(
            Code::Usage.meaning(),
            "The command line is wrong: an unknown flag, a missing value, flags that do not go \
             together."
        );
    }
}
