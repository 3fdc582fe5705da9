//! Volumes: named volumes as PersistentVolumeClaims; bind mounts of small config files as
//! ConfigMaps (modes kept), of data directories as claims, of host paths as nothing (or a
//! hostPath where `x-kubernetes.hostPaths` asks); tmpfs and shm_size as memory emptyDirs.
//! Also the pod-volume bookkeeping that `config` shares: unique volume names and one mount
//! per container path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, EmptyDirVolumeSource, HostPathVolumeSource, KeyToPath,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource,
    Volume as PodVolume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::config::{attach_secret_bind, config_key, config_map, secret_of_bind_mount};
use super::inferred_ports::declared_volumes;
use super::names::{dns_label, joined, labels, project_labels, unique, MAX_NAME};
use super::Code;
use super::{Context, Input, PodParts};
use crate::compose::host_files::{FileContent, HostFile};
use crate::compose::model::{ByteSize, MountKind, Service, ServiceVolume, Volume};
use crate::extension::{VolumeExtension, WorkloadKind};
use crate::manifest::Manifest;

/// The size of a claim: Compose volumes have none.
const DEFAULT_CLAIM_SIZE: &str = "1Gi";

/// One PersistentVolumeClaim per named volume that a service mounts.
pub fn claims(cx: &mut Context<'_>) -> Vec<Manifest> {
    let project = cx.input.project;
    let mut manifests = Vec::new();
    for (key, volume) in &project.volumes {
        let users = cx.index.mounting_pods(key).to_vec();
        if users.is_empty() {
            continue;
        }
        report_volume_options(cx, key, volume);
        if volume.external.is_external {
            cx.report.info_project(
                Code::ExternalObject,
                &format!("volumes.{key}"),
                format!(
                    "external: no claim is created; services mount the existing \
                     PersistentVolumeClaim `{}`, which must exist in the namespace",
                    claim_name(key, volume)
                ),
            );
            continue;
        }
        let settings = ClaimSettings::of_volume(cx, key);
        let becomes =
            match claim_template_of(cx, &users) {
                Some(set) => {
                    format!(
                "becomes a volumeClaimTemplate of the StatefulSet `{}`: each of its pods gets \
                 its own claim `{}-{}-<ordinal>`{}",
                dns_label(set),
                dns_label(key),
                dns_label(set),
                if cx.input.project.services.get(set).is_some_and(runs_several_pods) {
                    ", where Compose's replicas share one volume"
                } else {
                    ""
                }
            )
                }
                None => format!("becomes the PersistentVolumeClaim `{}`", dns_label(key)),
            };
        let note = format!(
            "{becomes}: {}; unlike a new Docker volume it starts empty, without the image's \
             files at the mount path{}",
            settings.describe(),
            settings.sharing_note(&users),
        );
        cx.report
            .info_project(Code::VolumeClaim, &format!("volumes.{key}"), note);
        manifests.push(Manifest::PersistentVolumeClaim(Box::new(claim(
            cx.project_name(),
            &dns_label(key),
            &settings,
        ))));
    }
    manifests.extend(bind_claims(cx));
    manifests
}

/// The claims of the bind mounts that hold data (see [`bind_plan`]): one per host path,
/// shared by every service that mounts it, as the directory was in Compose. Each is named
/// after the first service and container path that mount it.
fn bind_claims(cx: &mut Context<'_>) -> Vec<Manifest> {
    let project = cx.input.project;
    let mut taken: BTreeSet<String> = project
        .volumes
        .iter()
        .map(|(key, volume)| claim_name(key, volume))
        .collect();
    let mut claims = BindClaims::new();
    for (service, definition) in &project.services {
        let pod = cx.index.pods.owner(service);
        for mount in definition
            .volumes
            .iter()
            .filter(|m| m.kind == MountKind::Bind)
        {
            let source = mount.source.as_deref().unwrap_or_default();
            let found = cx.input.host_files.get(Path::new(source));
            let is_claim = matches!(bind_plan(source, found), BindPlan::Claim { .. });
            if !is_claim
                || from_node(&cx.input, service, mount)
                || secret_of_bind_mount(&cx.input, mount).is_some()
            {
                continue;
            }
            let claim = claims.entry(source.to_string()).or_insert_with(|| {
                let base = joined(&[service, path_part(&mount.target)]);
                let name = unique(&base, MAX_NAME, |candidate| taken.contains(candidate));
                taken.insert(name.clone());
                BindClaim {
                    name,
                    pods: Vec::new(),
                }
            });
            if !claim.pods.iter().any(|p| p == pod) {
                claim.pods.push(pod.to_string());
            }
        }
    }
    let manifests = claims
        .values()
        .map(|bind| {
            let pods: Vec<&str> = bind.pods.iter().map(String::as_str).collect();
            let settings = ClaimSettings::for_pods(cx, None, &pods);
            Manifest::PersistentVolumeClaim(Box::new(claim(
                cx.project_name(),
                &bind.name,
                &settings,
            )))
        })
        .collect();
    cx.bind_claims = claims;
    manifests
}

/// The claims that bind mounts of data directories become, by host path.
pub type BindClaims = BTreeMap<String, BindClaim>;

/// The claim of a host directory and the pods that mount it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindClaim {
    name: String,
    pods: Vec<String>,
}

/// Adds the service's volumes and mounts to its pod; returns the objects they need.
pub fn attach(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) -> Vec<Manifest> {
    let mut objects = Vec::new();
    for (index, mount) in service.volumes.iter().enumerate() {
        let key = format!("volumes[{index}]");
        report_ignored_mount_options(cx, name, &key, mount);
        match mount.kind {
            MountKind::Volume => attach_volume(cx, name, &key, mount, parts),
            MountKind::Bind => objects.extend(attach_bind(cx, name, &key, mount, parts)),
            MountKind::Tmpfs => {
                let size = mount.tmpfs.as_ref().map(|t| t.size.bytes());
                attach_memory(cx, name, &key, &mount.target, size, parts);
            }
            MountKind::Npipe | MountKind::Cluster | MountKind::Image => {
                report_unsupported_mount(cx, name, &key, mount)
            }
        }
    }
    for (index, entry) in service.tmpfs.iter().enumerate() {
        attach_tmpfs_entry(cx, name, &format!("tmpfs[{index}]"), entry, parts);
    }
    if let Some(size) = service.shm_size.filter(|s| !s.is_zero()) {
        attach_memory(cx, name, "shm_size", "/dev/shm", Some(size.bytes()), parts);
    }
    attach_declared_volumes(cx, name, service, parts);
    objects
}

/// How many pods may mount a claim at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadWriteMany,
}

/// ReadWriteMany when several pods share the storage: several services (unless they run
/// in one pod), or one service with several replicas (Compose shares a volume between all
/// of them).
fn access_mode(cx: &Context<'_>, pods: &[&str]) -> AccessMode {
    let several_pods = pods.len() > 1
        || pods
            .iter()
            .filter_map(|name| cx.input.project.services.get(*name))
            .any(runs_several_pods);
    if several_pods {
        AccessMode::ReadWriteMany
    } else {
        AccessMode::ReadWriteOnce
    }
}

/// The StatefulSet whose claim template the claim becomes: the claim of a volume that only
/// one StatefulSet mounts (see `kinds::claims_to_templates`).
fn claim_template_of<'n>(cx: &Context<'_>, pods: &[&'n str]) -> Option<&'n str> {
    match pods {
        [only] if cx.workload_kind(only) == WorkloadKind::Statefulset => Some(only),
        _ => None,
    }
}

fn runs_several_pods(service: &Service) -> bool {
    let deploy = service.deploy.as_ref();
    let replicas = deploy.and_then(|d| d.replicas).or(service.scale);
    replicas.is_some_and(|r| r > 1) || deploy.and_then(|d| d.mode.as_deref()) == Some("global")
}

/// What a claim asks for: the volume's `x-kubernetes`, else the top level's, else the
/// defaults (1Gi, the cluster's default class, an access mode from who mounts it). One
/// home for both the claim and its report line, so the two cannot disagree, and the claim
/// carries it wherever it goes (a StatefulSet's volumeClaimTemplates copy it).
struct ClaimSettings {
    size: String,
    size_from_extension: bool,
    class: Option<String>,
    access_modes: Vec<&'static str>,
    /// The access mode follows from who mounts the claim (none set in `x-kubernetes`).
    computed_access: Option<AccessMode>,
}

impl ClaimSettings {
    /// The settings of the claim of the named volume `key`.
    fn of_volume(cx: &Context<'_>, key: &str) -> Self {
        let volume = cx.input.extensions.volumes.get(key);
        Self::for_pods(cx, volume, cx.index.mounting_pods(key))
    }

    /// The settings of a claim that `pods` mount.
    fn for_pods(cx: &Context<'_>, volume: Option<&VolumeExtension>, pods: &[&str]) -> Self {
        // A claim template gives each pod of the StatefulSet a claim of its own.
        let sharing = if claim_template_of(cx, pods).is_some() {
            &[]
        } else {
            pods
        };
        Self::new(cx, volume, sharing)
    }

    fn new(cx: &Context<'_>, volume: Option<&VolumeExtension>, pods: &[&str]) -> Self {
        let defaults = &cx.input.extensions.project;
        let size = volume
            .and_then(|v| v.size.clone())
            .or(defaults.volume_size.clone());
        let class = volume
            .and_then(|v| v.storage_class.clone())
            .or(defaults.storage_class.clone());
        let asked: Vec<&'static str> = volume
            .map(|v| v.access_modes.iter().map(|m| m.as_str()).collect())
            .unwrap_or_default();
        let (access_modes, computed_access) = if asked.is_empty() {
            let mode = access_mode(cx, pods);
            (vec![mode.as_str()], Some(mode))
        } else {
            (asked, None)
        };
        ClaimSettings {
            size_from_extension: size.is_some(),
            size: size.unwrap_or_else(|| DEFAULT_CLAIM_SIZE.to_string()),
            class,
            access_modes,
            computed_access,
        }
    }

    /// Only one pod at a time can mount the claim. Most storage classes give RWO, so a
    /// claim whose access is not known is taken to be exclusive.
    fn exclusive(&self) -> bool {
        !self
            .access_modes
            .iter()
            .any(|m| *m == "ReadWriteMany" || *m == "ReadOnlyMany")
    }

    /// `5Gi (from x-kubernetes), storage class `fast``, for report lines.
    fn describe(&self) -> String {
        let size = if self.size_from_extension {
            format!("{} (from x-kubernetes)", self.size)
        } else {
            format!("{} (Compose volumes have no size)", self.size)
        };
        let class = match &self.class {
            Some(class) => format!("storage class `{class}`"),
            None => "default storage class".to_string(),
        };
        let access = match self.computed_access {
            Some(_) => String::new(),
            None => format!(", {} (from x-kubernetes)", self.access_modes.join(", ")),
        };
        format!("{size}, {class}{access}")
    }

    /// Why the claim is ReadWriteMany, when it is because several pods share it.
    fn sharing_note(&self, users: &[&str]) -> String {
        match (self.computed_access, users) {
            (Some(AccessMode::ReadWriteMany), [only]) => {
                format!("; ReadWriteMany because {only} runs several pods{RWX_NEEDS}")
            }
            (Some(AccessMode::ReadWriteMany), _) => format!(
                "; ReadWriteMany because {} mount it{RWX_NEEDS}",
                users.join(", ")
            ),
            _ => String::new(),
        }
    }
}

impl AccessMode {
    fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWriteOnce => "ReadWriteOnce",
            AccessMode::ReadWriteMany => "ReadWriteMany",
        }
    }
}

const RWX_NEEDS: &str =
    ", which needs a storage class that supports it (NFS, CephFS, a cloud file share)";

fn claim(project: &str, name: &str, settings: &ClaimSettings) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(project_labels(project)),
            ..Default::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(
                settings
                    .access_modes
                    .iter()
                    .map(|m| m.to_string())
                    .collect(),
            ),
            storage_class_name: settings.class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some([("storage".to_string(), Quantity(settings.size.clone()))].into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The claim a volume is mounted from: its own, or for an external volume the claim named
/// after it.
fn claim_name(key: &str, volume: &Volume) -> String {
    match (&volume.external.is_external, &volume.name) {
        (true, Some(name)) => dns_label(name),
        _ => dns_label(key),
    }
}

/// Driver settings and labels describe a Docker volume; a claim has a storage class instead.
fn report_volume_options(cx: &mut Context<'_>, key: &str, volume: &Volume) {
    let path = format!("volumes.{key}");
    let custom_driver = volume.driver.as_deref().filter(|d| *d != "local");
    if custom_driver.is_some() || !volume.driver_opts.is_empty() {
        let mut what = Vec::new();
        if let Some(driver) = custom_driver {
            what.push(format!("driver {driver}"));
        }
        if !volume.driver_opts.is_empty() {
            let keys: Vec<&str> = volume.driver_opts.0.keys().map(String::as_str).collect();
            what.push(format!("driver_opts ({})", keys.join(", ")));
        }
        cx.report.warn_project(
            Code::ObjectSettingNotTranslated,
            &path,
            format!(
                "{} {} not carried over: the claim uses the cluster's storage class",
                what.join(" and "),
                if what.len() == 1 && volume.driver_opts.is_empty() {
                    "is"
                } else {
                    "are"
                }
            ),
            Some("create a StorageClass or PersistentVolume that provides the same storage".into()),
        );
    }
    if !volume.labels.is_empty() {
        cx.report.warn_project(
            Code::ObjectSettingNotTranslated,
            &format!("{path}.labels"),
            "volume labels are not carried over to the claim",
            None,
        );
    }
}

/// A named volume → its claim; an anonymous one → an emptyDir.
fn attach_volume(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: &ServiceVolume,
    parts: &mut PodParts,
) {
    let Some(source) = mount.source.as_deref() else {
        cx.report.warn(
            Code::AnonymousVolume,
            service,
            key,
            format!(
                "anonymous volume at {}: an emptyDir, whose data does not survive the pod \
                 (Compose keeps an anonymous volume until `down -v`)",
                mount.target
            ),
        );
        attach_anonymous(cx, service, key, volume_mount(mount), parts);
        return;
    };
    let project = cx.input.project;
    let Some(definition) = project.volumes.get(source) else {
        // The loader refuses a mount of an undefined volume; nothing to mount otherwise.
        return;
    };
    let claim_name = claim_name(source, definition);
    // An external claim's access mode is unknown; most storage classes give RWO.
    let exclusive =
        definition.external.is_external || ClaimSettings::of_volume(cx, source).exclusive();
    let volume = PodVolume {
        name: claim_name.clone(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name,
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut container_mount = volume_mount(mount);
    container_mount.sub_path = mount.volume.as_ref().and_then(|v| v.subpath.clone());
    if mount_volume(cx, service, key, parts, volume, container_mount) && exclusive {
        parts.mounts_exclusive_claim = true;
    }
}

/// An anonymous volume: an emptyDir, which outlives the container's restarts (as the
/// Docker volume outlives the container's) but not the pod. Whether it was mounted.
fn attach_anonymous(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: VolumeMount,
    parts: &mut PodParts,
) -> bool {
    let volume = PodVolume {
        name: joined(&["anonymous", path_part(&mount.mount_path)]),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    };
    mount_volume(cx, service, key, parts, volume, mount)
}

/// The volumes the service's image declares (`VOLUME` in a well-known image's Dockerfile)
/// where the service mounts nothing: Compose gives the container an anonymous volume
/// there, so they are mounted as anonymous volumes are. Without one the data would sit in
/// the container's writable layer and be lost at every container restart. A built image
/// is the Dockerfile's, whose volumes are not known.
fn attach_declared_volumes(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) {
    let Some(image) = service.image.as_deref().filter(|_| service.build.is_none()) else {
        return;
    };
    let file_targets: Vec<&str> = service
        .configs
        .iter()
        .chain(&service.secrets)
        .filter_map(|r| r.target.as_deref())
        .collect();
    for path in declared_volumes(image) {
        // Compared as paths: a tmpfs target keeps the `/data/` it was written with.
        let at_path = |target: &str| Path::new(target) == Path::new(path);
        let mounted = parts.mounts.iter().any(|m| at_path(&m.mount_path))
            || file_targets.iter().any(|target| at_path(target));
        if mounted {
            continue;
        }
        let mount = VolumeMount {
            mount_path: path.to_string(),
            ..Default::default()
        };
        if attach_anonymous(cx, name, "image", mount, parts) {
            cx.report.info(
                Code::AnonymousVolume,
                name,
                "image",
                format!(
                    "the image {image} declares the volume {path}, where Compose keeps an \
                     anonymous volume: an emptyDir is mounted there, whose data survives \
                     container restarts but not the pod; mount a named volume there to keep it"
                ),
            );
        }
    }
}

fn volume_mount(mount: &ServiceVolume) -> VolumeMount {
    VolumeMount {
        mount_path: mount.target.clone(),
        read_only: mount.read_only.then_some(true),
        ..Default::default()
    }
}

/// What a bind mount becomes.
#[derive(Debug, PartialEq, Eq)]
enum BindPlan<'f> {
    /// A path that only means something on the host: nothing is mounted; the reason says
    /// what breaks.
    HostOnly(&'static str),
    /// A file, or a small directory of text files, copied into a ConfigMap.
    ConfigMap {
        is_file: bool,
        files: Vec<(String, &'f FileContent)>,
    },
    /// Data: a PersistentVolumeClaim, which starts empty. `reason` says why it is data;
    /// `held_data` whether the host path holds data the claim does not (a path that does
    /// not exist, or an empty directory, holds none: Compose mounted it empty too).
    Claim { reason: String, held_data: bool },
    /// Nothing is mounted: why, and what would do.
    Unmountable { why: String, hint: &'static str },
}

/// What the bind mount of `source` becomes, given what is there.
///
/// A ConfigMap holds configuration: a file of at most 1 MiB, or a directory of at most 32
/// entries (its subdirectories' included, nested at most 4 deep) and 1 MiB of text files,
/// with at least one file that is not hidden.
/// Anything else at a mountable path is data, which must outlive the pod: a claim. A path
/// that does not exist is a data directory too (Compose creates an empty directory there,
/// which the container fills). Host paths (sockets, devices, the kernel's and the engine's
/// files, the root) mean nothing on a node and are not mounted.
fn bind_plan<'f>(source: &str, found: Option<&'f HostFile>) -> BindPlan<'f> {
    if let Some(reason) = host_only_path(source) {
        return BindPlan::HostOnly(reason);
    }
    match found {
        Some(HostFile::File(file)) => BindPlan::ConfigMap {
            is_file: true,
            files: vec![(file_name(source), file)],
        },
        Some(HostFile::Directory(entries)) => match data_directory_reason(entries) {
            Some(reason) => BindPlan::Claim {
                held_data: entries.iter().any(|(name, _)| !is_hidden(name)),
                reason,
            },
            None => BindPlan::ConfigMap {
                is_file: false,
                files: entries
                    .iter()
                    .map(|(name, file)| (name.clone(), file))
                    .collect(),
            },
        },
        Some(HostFile::LargeDirectory(reason)) => BindPlan::Claim {
            reason: format!("is a data directory (too much for a ConfigMap: {reason})"),
            held_data: true,
        },
        Some(HostFile::Missing) => BindPlan::Claim {
            reason: "does not exist (Compose would create an empty directory there)".to_string(),
            held_data: false,
        },
        Some(HostFile::TooLarge(reason)) => BindPlan::Unmountable {
            why: format!("is a file too large for a ConfigMap ({reason})"),
            hint: "build it into the image",
        },
        Some(HostFile::Unusable(reason)) => BindPlan::Unmountable {
            why: format!("cannot be used ({reason})"),
            hint: "mount a regular file or directory",
        },
        // A directory (or nothing yet) is kept as data, which must persist; a file is most
        // likely configuration, which a claim would hide behind an empty directory.
        Some(HostFile::Outside {
            reason,
            directory: true,
        }) => BindPlan::Claim {
            reason: format!("was not read ({reason})"),
            held_data: true,
        },
        Some(HostFile::Outside {
            reason,
            directory: false,
        }) => BindPlan::Unmountable {
            why: format!("is a file that was not read ({reason})"),
            hint: "build it into the image, or mount the node's file with x-kubernetes.hostPaths",
        },
        None => BindPlan::Unmountable {
            why: "was not inspected".to_string(),
            hint: "mount a regular file or directory",
        },
    }
}

/// Why a small directory is data rather than configuration, if it is: it is empty
/// or holds only hidden files (a `.gitkeep`), or it holds binary files.
fn data_directory_reason(entries: &[(String, FileContent)]) -> Option<String> {
    if entries.iter().all(|(name, _)| is_hidden(name)) {
        return Some(if entries.is_empty() {
            "is an empty directory".to_string()
        } else {
            "is an empty directory but for hidden files".to_string()
        });
    }
    let binary: Vec<&str> = entries
        .iter()
        .filter(|(_, file)| std::str::from_utf8(&file.bytes).is_err())
        .map(|(name, _)| name.as_str())
        .collect();
    (!binary.is_empty()).then(|| {
        format!(
            "is a data directory (it holds binary files: {})",
            binary.join(", ")
        )
    })
}

/// A file of a directory that is hidden, or in a hidden subdirectory (`.git/config`).
fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.'))
}

/// A bind mount: a ConfigMap with a copy of a small file or directory, the claim of a data
/// directory, or (for a host path) nothing, reported with what breaks.
fn attach_bind(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: &ServiceVolume,
    parts: &mut PodParts,
) -> Option<Manifest> {
    let source = mount.source.as_deref().unwrap_or_default();
    if from_node(&cx.input, service, mount) {
        attach_host_path(cx, service, key, mount, parts);
        return None;
    }
    if let Some(secret) = secret_of_bind_mount(&cx.input, mount) {
        attach_secret_bind(cx, service, key, secret, mount, parts);
        return None;
    }
    let found = cx.input.host_files.get(Path::new(source));
    match bind_plan(source, found) {
        BindPlan::HostOnly(reason) => {
            cx.report.warn_with_hint(
                Code::BindMountLeftOut,
                service,
                key,
                format!(
                    "{source} is {reason}; nothing is mounted at {}",
                    mount.target
                ),
                format!(
                    "to mount the node's {source} instead, list {} in x-kubernetes.hostPaths",
                    mount.target
                ),
            );
            None
        }
        BindPlan::Unmountable { why, hint } => {
            cx.report.warn_with_hint(
                Code::BindMountLeftOut,
                service,
                key,
                format!(
                    "bind mount source {source} {why}; nothing is mounted at {}",
                    mount.target
                ),
                hint,
            );
            None
        }
        BindPlan::Claim { reason, held_data } => {
            attach_bind_claim(cx, service, key, mount, (&reason, held_data), parts);
            None
        }
        BindPlan::ConfigMap { is_file, files } => {
            attach_bind_copy(cx, service, key, mount, is_file, &files, parts)
        }
    }
}

/// The files a bind mount of `service` copies into a ConfigMap, by name (a file's own
/// name, or each file of a directory); none when it becomes anything else. Other steps
/// read what the service is given (`referrers` looks for the hosts it names).
pub(super) fn copied_files<'f>(
    input: &Input<'f>,
    service: &str,
    mount: &ServiceVolume,
) -> Vec<(String, &'f FileContent)> {
    let source = mount.source.as_deref().unwrap_or_default();
    if mount.kind != MountKind::Bind
        || from_node(input, service, mount)
        || secret_of_bind_mount(input, mount).is_some()
    {
        return Vec::new();
    }
    match bind_plan(source, input.host_files.get(Path::new(source))) {
        BindPlan::ConfigMap { files, .. } => files,
        _ => Vec::new(),
    }
}

/// The bind mount is one `x-kubernetes.hostPaths` asks to mount from the node.
fn from_node(input: &Input<'_>, service: &str, mount: &ServiceVolume) -> bool {
    let extension = input.extensions.service(service);
    extension.host_paths.contains(&mount.target)
}

/// Mounts the node's file or directory at the bind mount's source path, as
/// `x-kubernetes.hostPaths` asks.
fn attach_host_path(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: &ServiceVolume,
    parts: &mut PodParts,
) {
    let source = mount.source.as_deref().unwrap_or_default();
    let volume = PodVolume {
        name: joined(&["host", path_part(&mount.target)]),
        host_path: Some(HostPathVolumeSource {
            path: source.to_string(),
            type_: None,
        }),
        ..Default::default()
    };
    if !mount_volume(cx, service, key, parts, volume, volume_mount(mount)) {
        return;
    }
    cx.report.info(
        Code::HostPath,
        service,
        key,
        format!(
            "the node's {source} is mounted at {} (hostPath, as x-kubernetes.hostPaths asks): \
             the pod sees the files of the node it runs on, not the Compose host's, and the \
             namespace's Pod Security level must allow hostPath volumes (baseline does not)",
            mount.target
        ),
    );
}

/// Mounts the claim of a data directory (made by [`bind_claims`]).
fn attach_bind_claim(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: &ServiceVolume,
    (reason, held_data): (&str, bool),
    parts: &mut PodParts,
) {
    let source = mount.source.as_deref().unwrap_or_default();
    let Some(bind) = cx.bind_claims.get(source).cloned() else {
        return;
    };
    let pods: Vec<&str> = bind.pods.iter().map(String::as_str).collect();
    let settings = ClaimSettings::for_pods(cx, None, &pods);
    let what = match claim_template_of(cx, &pods) {
        Some(_) => format!(
            "the volumeClaimTemplate `{}` (each pod its own claim)",
            bind.name
        ),
        None => format!("the PersistentVolumeClaim `{}`", bind.name),
    };
    let volume = PodVolume {
        name: bind.name.clone(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: bind.name.clone(),
            ..Default::default()
        }),
        ..Default::default()
    };
    if !mount_volume(cx, service, key, parts, volume, volume_mount(mount)) {
        return;
    }
    parts.mounts_exclusive_claim |= settings.exclusive();
    let target = &mount.target;
    let claim = format!("{what} ({})", settings.describe());
    let shared = settings.sharing_note(&pods);
    if !held_data {
        cx.report.info(
            Code::BindMountClaim,
            service,
            key,
            format!(
                "bind mount source {source} {reason}: {claim} is mounted at {target}, starts \
                 empty and keeps what the container writes{shared}"
            ),
        );
        return;
    }
    let hint = if mount.read_only {
        format!(
            "copy the data in through a pod that mounts the claim writable: \
             `kubectl cp {source} <pod>:<path>`"
        )
    } else {
        format!("copy the data in once the pod runs: `kubectl cp {source} <pod>:{target}`")
    };
    cx.report.warn_with_hint(
        Code::BindMountClaim,
        service,
        key,
        format!(
            "bind mount source {source} {reason}, not copied: {claim} is mounted at {target} \
             and starts empty{shared}"
        ),
        hint,
    );
}

/// Copies a small file or directory into a ConfigMap mounted at the target.
fn attach_bind_copy(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: &ServiceVolume,
    is_file: bool,
    files: &[(String, &FileContent)],
    parts: &mut PodParts,
) -> Option<Manifest> {
    let source = mount.source.as_deref().unwrap_or_default();
    let name = cx
        .config_map_names
        .claim(&joined(&[service, path_part(&mount.target)]));
    let files = keyed_files(cx, service, key, files);
    let (volume, container_mount) = bind_volume(&name, &mount.target, is_file, &files);
    if !mount_volume(cx, service, key, parts, volume, container_mount) {
        return None;
    }
    let what = if is_file { "file" } else { "directory" };
    let executable = files.iter().any(|f| f.file.mode & 0o111 != 0);
    cx.report.info(
        Code::BindMountConfigmap,
        service,
        key,
        format!(
            "the {what} {source} is copied into the ConfigMap `{name}` and mounted read-only \
             at {}{}; later edits to it need a new conversion",
            mount.target,
            if executable {
                ", executable files staying executable"
            } else {
                ""
            }
        ),
    );
    let data: Vec<(String, &[u8])> = files
        .into_iter()
        .map(|f| (f.key, f.file.bytes.as_slice()))
        .collect();
    let project = cx.project_name().to_string();
    Some(Manifest::ConfigMap(Box::new(config_map(
        &name,
        labels(&project, service),
        &data,
    ))))
}

/// A host file as it goes into a ConfigMap: under `key`, appearing as `path`.
struct KeyedFile<'f> {
    key: String,
    path: String,
    file: &'f FileContent,
}

/// The mode a ConfigMap gives the file that was `bits` on the host. The file belongs to
/// root in the pod, not to the host user who owned it in Compose, so it is made readable
/// by all, and executable by all when anyone could execute it (an entrypoint script run
/// as another user stays executable).
fn projected_mode(bits: u32) -> i32 {
    let executable = if bits & 0o111 != 0 { 0o111 } else { 0 };
    i32::try_from((bits | 0o444 | executable) & 0o777).unwrap_or(DEFAULT_FILE_MODE)
}

/// The mode of a ConfigMap's files when the volume sets none.
const DEFAULT_FILE_MODE: i32 = 0o644;

/// The ConfigMap volume and the mount of a bind mount's copy. A file is mounted by its key
/// through subPath; a directory lists its files only when one is stored under a key other
/// than its name, or when its files' modes differ. A mode other than Kubernetes' 0644 is
/// written: one for all files as `defaultMode`, else per file.
fn bind_volume(
    name: &str,
    target: &str,
    is_file: bool,
    files: &[KeyedFile<'_>],
) -> (PodVolume, VolumeMount) {
    let modes: BTreeSet<i32> = files.iter().map(|f| projected_mode(f.file.mode)).collect();
    let one_mode = match modes.len() {
        0 | 1 => modes.first().copied(),
        _ => None,
    };
    let renamed = !is_file && files.iter().any(|f| f.key != f.path);
    let needs_items = renamed || (!is_file && one_mode.is_none());
    let volume = PodVolume {
        name: name.to_string(),
        config_map: Some(ConfigMapVolumeSource {
            name: name.to_string(),
            default_mode: one_mode.filter(|m| *m != DEFAULT_FILE_MODE),
            items: needs_items.then(|| {
                files
                    .iter()
                    .map(|f| KeyToPath {
                        key: f.key.clone(),
                        path: f.path.clone(),
                        mode: Some(projected_mode(f.file.mode))
                            .filter(|m| one_mode.is_none() && *m != DEFAULT_FILE_MODE),
                    })
                    .collect()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mount = VolumeMount {
        mount_path: target.to_string(),
        read_only: Some(true),
        sub_path: files.first().filter(|_| is_file).map(|f| f.key.clone()),
        ..Default::default()
    };
    (volume, mount)
}

/// The files with the ConfigMap key each is stored under. A file whose name cannot be a
/// path in a volume is reported and left out.
fn keyed_files<'f>(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    files: &[(String, &'f FileContent)],
) -> Vec<KeyedFile<'f>> {
    let mut keyed: Vec<KeyedFile<'f>> = Vec::new();
    for (name, file) in files {
        if name.split('/').any(|part| part.starts_with("..")) {
            cx.report.warn(
                Code::InvalidValue,
                service,
                key,
                format!(
                    "{name}: a file name starting with `..` cannot be mounted from a \
                     ConfigMap; it is left out"
                ),
            );
            continue;
        }
        // A file in a subdirectory (`ldap/ldap_config.py`) is stored under its path with
        // `..` for each `/` (`ldap..ldap_config.py`): a key cannot hold `/`, and `..` is
        // rarer in names than `_`. Keys that still meet are told apart by `unique`, and
        // `items` puts each file back at its path.
        let data_key = unique(
            &config_key(&name.replace('/', "..")),
            MAX_CONFIG_KEY,
            |candidate| keyed.iter().any(|f| f.key == candidate),
        );
        keyed.push(KeyedFile {
            key: data_key,
            path: name.clone(),
            file,
        });
    }
    keyed
}

/// A container path as part of a name: `/etc/nginx` → `etc/nginx`, which becomes
/// `etc-nginx` and not `-etc-nginx`.
fn path_part(path: &str) -> &str {
    path.trim_matches('/')
}

/// The longest ConfigMap key.
const MAX_CONFIG_KEY: usize = 253;

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string())
}

/// Host paths that only make sense on the host itself, whatever is found there now, and
/// what breaks without them.
fn host_only_path(source: &str) -> Option<&'static str> {
    let trimmed = source.trim_end_matches('/');
    let source = if trimmed.is_empty() { "/" } else { trimmed };
    let engine_sockets = ["docker.sock", "podman.sock", "containerd.sock"];
    if engine_sockets.iter().any(|s| source.ends_with(s)) {
        return Some(
            "the container engine's API socket: Kubernetes nodes run containerd or CRI-O \
             with no Docker daemon to answer, so what the container does through it (start \
             containers, read their labels, logs or events) fails; a node's runtime socket \
             would also give the pod control of the node",
        );
    }
    if source.ends_with(".sock") {
        return Some("a socket of a host service, which a pod cannot reach");
    }
    let under = |root: &str| source == root || source.starts_with(&format!("{root}/"));
    if source == "/" {
        return Some(
            "the host's root file system: a pod sees none of the Compose host's files, and \
             a node's are not the pod's to read; host monitoring (node-exporter, cAdvisor) \
             runs as a DaemonSet with hostPath volumes",
        );
    }
    if under("/dev") {
        return Some(
            "a device of the host: a node need not have it, and pods get devices through a \
             device plugin",
        );
    }
    if under("/proc") || under("/sys") {
        return Some(
            "the host kernel's interface: the pod sees its own; a node's needs hostPath \
             volumes, usually in a DaemonSet",
        );
    }
    if source == "/run" || source == "/var/run" {
        return Some(
            "the host's runtime directory with its services' sockets, which a pod cannot \
             reach",
        );
    }
    if under("/var/lib/docker") {
        return Some(
            "Docker's data directory: nodes that run containerd have none (container logs \
             are under /var/log/pods there)",
        );
    }
    None
}

/// Options that have no Kubernetes counterpart for the mount they are on.
fn report_ignored_mount_options(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    mount: &ServiceVolume,
) {
    let mut ignored: Vec<&str> = Vec::new();
    if mount.consistency.is_some() {
        ignored.push("consistency");
    }
    if let Some(bind) = &mount.bind {
        if bind.propagation.is_some() {
            ignored.push("bind.propagation");
        }
        if bind.selinux.is_some() {
            ignored.push("bind.selinux");
        }
        if bind.recursive.is_some() {
            ignored.push("bind.recursive");
        }
    }
    if mount.volume.as_ref().is_some_and(|v| !v.labels.is_empty()) {
        ignored.push("volume.labels");
    }
    if mount.tmpfs.as_ref().is_some_and(|t| t.mode != 0) {
        ignored.push("tmpfs.mode");
    }
    if ignored.is_empty() {
        return;
    }
    cx.report.info(
        Code::MountOptionIgnored,
        service,
        key,
        format!(
            "{} of the mount at {} {} no Kubernetes counterpart and {} ignored",
            ignored.join(", "),
            mount.target,
            if ignored.len() == 1 { "has" } else { "have" },
            if ignored.len() == 1 { "is" } else { "are" },
        ),
    );
}

fn report_unsupported_mount(cx: &mut Context<'_>, service: &str, key: &str, mount: &ServiceVolume) {
    let source = mount.source.as_deref().unwrap_or_default();
    let (why, hint) = match mount.kind {
        MountKind::Npipe => (
            format!("the Windows named pipe {source} has no counterpart in a Linux pod"),
            None,
        ),
        MountKind::Cluster => (
            format!("the Swarm cluster volume {source} is not carried over"),
            Some("mount a PersistentVolumeClaim of a CSI storage class instead"),
        ),
        _ => (
            format!("the image mount of {source} is not carried over"),
            Some("an `image` volume (Kubernetes 1.33 with the ImageVolume feature gate) can express it"),
        ),
    };
    let message = format!("{why}; nothing is mounted at {}", mount.target);
    match hint {
        Some(hint) => {
            cx.report
                .warn_with_hint(Code::MountTypeNotTranslated, service, key, message, hint)
        }
        None => cx
            .report
            .warn(Code::MountTypeNotTranslated, service, key, message),
    }
}

/// An entry of `tmpfs`: `path[:options]`, where `size=` is the only option a memory
/// emptyDir can hold.
fn attach_tmpfs_entry(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    entry: &str,
    parts: &mut PodParts,
) {
    let (path, options) = entry.split_once(':').unwrap_or((entry, ""));
    let mut size = None;
    let mut ignored = Vec::new();
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some(("size", value)) => match value.parse::<ByteSize>() {
                Ok(bytes) => size = Some(bytes.bytes()),
                Err(_) => ignored.push(option),
            },
            _ => ignored.push(option),
        }
    }
    if !ignored.is_empty() {
        cx.report.info(
            Code::MountOptionIgnored,
            service,
            key,
            format!(
                "tmpfs options {} have no emptyDir counterpart and are ignored",
                ignored.join(",")
            ),
        );
    }
    attach_memory(cx, service, key, path, size, parts);
}

/// A memory-backed emptyDir at `path`, limited to `size` bytes when given.
fn attach_memory(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    path: &str,
    size: Option<i64>,
    parts: &mut PodParts,
) {
    let base = if path == "/dev/shm" {
        "shm".to_string()
    } else {
        joined(&["tmpfs", path_part(path)])
    };
    let volume = PodVolume {
        name: base,
        empty_dir: Some(EmptyDirVolumeSource {
            medium: Some("Memory".to_string()),
            size_limit: size.filter(|s| *s > 0).map(quantity),
        }),
        ..Default::default()
    };
    let mount = VolumeMount {
        mount_path: path.to_string(),
        ..Default::default()
    };
    mount_volume(cx, service, key, parts, volume, mount);
}

/// A byte count in the largest binary unit that divides it: Compose's `512m` is `512Mi`.
pub(super) fn quantity(bytes: i64) -> Quantity {
    const UNITS: [(&str, i64); 4] = [
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    let text = UNITS
        .iter()
        .find(|(_, size)| bytes % size == 0)
        .map(|(unit, size)| format!("{}{unit}", bytes / size))
        .unwrap_or_else(|| bytes.to_string());
    Quantity(text)
}

/// Mounts `volume` at `mount.mount_path`, unless something is mounted there already (then
/// reports it and returns false). The pod gets the volume under a unique name built from
/// `volume.name`, or reuses a volume of the same source mounted before (a claim, a
/// ConfigMap, a host path; never an emptyDir).
pub(super) fn mount_volume(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    parts: &mut PodParts,
    volume: PodVolume,
    mut mount: VolumeMount,
) -> bool {
    if parts
        .mounts
        .iter()
        .any(|m| m.mount_path == mount.mount_path)
    {
        cx.report.warn(
            Code::MountPathConflict,
            service,
            key,
            format!(
                "{} is already mounted by an earlier entry; this one is left out",
                mount.mount_path
            ),
        );
        return false;
    }
    // An emptyDir is its own storage: two tmpfs paths, or two anonymous volumes, that
    // look alike must not share one.
    let same_source = |existing: &PodVolume| {
        volume.empty_dir.is_none()
            && PodVolume {
                name: String::new(),
                ..existing.clone()
            } == PodVolume {
                name: String::new(),
                ..volume.clone()
            }
    };
    mount.name = match parts.volumes.iter().find(|v| same_source(v)) {
        Some(existing) => existing.name.clone(),
        None => {
            let name = unique(&dns_label(&volume.name), MAX_NAME, |candidate| {
                parts.volumes.iter().any(|v| v.name == candidate)
            });
            parts.volumes.push(PodVolume {
                name: name.clone(),
                ..volume
            });
            name
        }
    };
    parts.mounts.push(mount);
    true
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;
    use crate::compose::host_files::HostFiles;
    use crate::translate::test_support::{attach_one, Surroundings};

    /// What translation does for one service's volumes: the project's claims first.
    fn claims_and_attach(
        cx: &mut Context<'_>,
        name: &str,
        service: &Service,
        parts: &mut PodParts,
    ) -> Vec<Manifest> {
        let mut objects = claims(cx);
        objects.extend(attach(cx, name, service, parts));
        objects
    }

    /// The pod volumes, container mounts and claim exclusivity `attach` gives the service
    /// `web` of `project`.
    fn pod_side(project: serde_json::Value, host_files: HostFiles) -> serde_json::Value {
        let surroundings = Surroundings {
            host_files,
            ..Default::default()
        };
        let (parts, _, _) = attach_one(project, &surroundings, "web", claims_and_attach);
        json!({
            "volumes": parts.volumes,
            "mounts": parts.mounts,
            "exclusive": parts.mounts_exclusive_claim,
        })
    }

    #[test]
    fn a_volume_of_one_service_is_an_exclusive_claim_mounted_once_per_target() {
        let project = json!({
            "services": {"web": {"image": "x", "volumes": [
                "data:/var/lib/data",
                {"type": "volume", "source": "data", "target": "/backup", "read_only": true, "volume": {"subpath": "dumps"}}
            ]}},
            "volumes": {"data": {}}
        });
        assert_eq!(
            pod_side(project, HostFiles::new()),
            json!({
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                "mounts": [
                    {"name": "data", "mountPath": "/var/lib/data"},
                    {"name": "data", "mountPath": "/backup", "readOnly": true, "subPath": "dumps"}
                ],
                "exclusive": true
            })
        );
    }

    #[test]
    fn a_shared_volume_is_not_exclusive() {
        let project = json!({
            "services": {
                "web": {"image": "x", "volumes": ["shared:/a"]},
                "worker": {"image": "x", "volumes": ["shared:/b"]}
            },
            "volumes": {"shared": {}}
        });
        assert_eq!(
            pod_side(project, HostFiles::new())["exclusive"],
            json!(false)
        );
    }

    #[test]
    fn bind_mounts_become_config_maps_with_modes_or_claims() {
        let project = json!({"services": {"web": {"image": "x", "volumes": [
            "/p/app.conf:/etc/app/app.conf",
            "/p/entrypoint.sh:/entrypoint.sh:ro",
            "/p/site:/srv/site",
            "/p/bin:/opt/bin",
            "/p/missing:/data",
            "/p/pictures:/pictures:ro"
        ]}}});
        let mode = |bytes: &[u8], mode: u32| FileContent {
            bytes: bytes.to_vec(),
            mode,
        };
        let host_files = HostFiles::from([
            (
                PathBuf::from("/p/app.conf"),
                HostFile::File(mode(b"a=1", 0o600)),
            ),
            (
                PathBuf::from("/p/entrypoint.sh"),
                HostFile::File(mode(b"#!/bin/sh", 0o700)),
            ),
            (
                PathBuf::from("/p/site"),
                HostFile::Directory(vec![
                    ("index.html".into(), FileContent::new("hi")),
                    ("my page.html".into(), FileContent::new("hi")),
                ]),
            ),
            (
                PathBuf::from("/p/bin"),
                HostFile::Directory(vec![
                    ("README".into(), FileContent::new("tools")),
                    ("run".into(), mode(b"#!/bin/sh", 0o755)),
                ]),
            ),
            (PathBuf::from("/p/missing"), HostFile::Missing),
            (
                PathBuf::from("/p/pictures"),
                HostFile::Directory(vec![("a.png".into(), FileContent::new(vec![0x89, 0xff]))]),
            ),
        ]);
        assert_eq!(
            pod_side(project, host_files),
            json!({
                "volumes": [
                    {"name": "web-etc-app-app-conf", "configMap": {"name": "web-etc-app-app-conf"}},
                    {"name": "web-entrypoint-sh", "configMap": {"name": "web-entrypoint-sh", "defaultMode": 0o755}},
                    {"name": "web-srv-site", "configMap": {"name": "web-srv-site", "items": [
                        {"key": "index.html", "path": "index.html"},
                        {"key": "my_page.html", "path": "my page.html"}
                    ]}},
                    {"name": "web-opt-bin", "configMap": {"name": "web-opt-bin", "items": [
                        {"key": "README", "path": "README"},
                        {"key": "run", "path": "run", "mode": 0o755}
                    ]}},
                    {"name": "web-data", "persistentVolumeClaim": {"claimName": "web-data"}},
                    {"name": "web-pictures", "persistentVolumeClaim": {"claimName": "web-pictures"}}
                ],
                "mounts": [
                    {"name": "web-etc-app-app-conf", "mountPath": "/etc/app/app.conf", "readOnly": true, "subPath": "app.conf"},
                    {"name": "web-entrypoint-sh", "mountPath": "/entrypoint.sh", "readOnly": true, "subPath": "entrypoint.sh"},
                    {"name": "web-srv-site", "mountPath": "/srv/site", "readOnly": true},
                    {"name": "web-opt-bin", "mountPath": "/opt/bin", "readOnly": true},
                    {"name": "web-data", "mountPath": "/data"},
                    {"name": "web-pictures", "mountPath": "/pictures", "readOnly": true}
                ],
                "exclusive": true
            })
        );
    }

    #[test]
    fn a_nested_directory_keeps_each_file_at_its_path_under_a_key_of_its_own() {
        let project =
            json!({"services": {"web": {"image": "x", "volumes": ["/p/conf:/etc/conf"]}}});
        let host_files = HostFiles::from([(
            PathBuf::from("/p/conf"),
            HostFile::Directory(vec![
                ("ldap..a.py".into(), FileContent::new("flat")),
                ("ldap/a.py".into(), FileContent::new("nested")),
                ("ldap/sub dir/b.py".into(), FileContent::new("deeper")),
                ("x/..y".into(), FileContent::new("not a path")),
            ]),
        )]);
        assert_eq!(
            pod_side(project, host_files)["volumes"],
            json!([{"name": "web-etc-conf", "configMap": {"name": "web-etc-conf", "items": [
                {"key": "ldap..a.py", "path": "ldap..a.py"},
                {"key": "ldap..a.py-2", "path": "ldap/a.py"},
                {"key": "ldap..sub_dir..b.py", "path": "ldap/sub dir/b.py"}
            ]}}])
        );
    }

    #[test]
    fn a_host_directory_several_services_mount_is_one_shared_claim() {
        let project = json!({
            "services": {
                "web": {"image": "x", "volumes": ["/p/shared:/srv/files", "web-srv-files:/cache"]},
                "worker": {"image": "x", "volumes": ["/p/shared:/work:ro"]}
            },
            "volumes": {"web-srv-files": {}}
        });
        let surroundings = Surroundings {
            host_files: HostFiles::from([(PathBuf::from("/p/shared"), HostFile::Missing)]),
            ..Default::default()
        };
        let (parts, objects, report) =
            attach_one(project, &surroundings, "worker", claims_and_attach);
        let claims: Vec<serde_json::Value> = objects
            .iter()
            .filter(|m| matches!(m, Manifest::PersistentVolumeClaim(_)))
            .map(|m| {
                json!([
                    m.metadata().name,
                    serde_json::to_value(m).unwrap()["spec"]["accessModes"]
                ])
            })
            .collect();
        // The named volume keeps its name; the bind claim takes the next free one.
        assert_eq!(
            claims,
            vec![
                json!(["web-srv-files", ["ReadWriteOnce"]]),
                json!(["web-srv-files-2", ["ReadWriteMany"]])
            ]
        );
        assert_eq!(
            json!(parts.mounts),
            json!([{"name": "web-srv-files-2", "mountPath": "/work", "readOnly": true}])
        );
        assert!(!parts.mounts_exclusive_claim);
        let line = report.to_text();
        assert!(
            line.contains(
                "services.worker.volumes[0]: bind mount source /p/shared does not exist \
                 (Compose would create an empty directory there): the PersistentVolumeClaim \
                 `web-srv-files-2` (1Gi (Compose volumes have no size), default storage \
                 class) is mounted at /work, starts empty and keeps what the container \
                 writes; ReadWriteMany because web, worker mount it"
            ),
            "{line}"
        );
    }

    #[test]
    fn directories_of_data_are_empty_hidden_only_or_binary() {
        let text = FileContent::new("x");
        let binary = FileContent::new(vec![0xff, 0xfe]);
        assert_eq!(
            data_directory_reason(&[]),
            Some("is an empty directory".to_string())
        );
        assert_eq!(
            data_directory_reason(&[(".gitkeep".into(), text.clone())]),
            Some("is an empty directory but for hidden files".to_string())
        );
        assert_eq!(
            data_directory_reason(&[("a.conf".into(), text.clone()), ("b.db".into(), binary)]),
            Some("is a data directory (it holds binary files: b.db)".to_string())
        );
        assert_eq!(
            data_directory_reason(&[(".env".into(), text.clone()), ("a.conf".into(), text)]),
            None
        );
    }

    #[test]
    fn projected_modes_stay_readable_and_executable_by_all() {
        for (bits, mode) in [
            (0o644, 0o644),
            (0o600, 0o644),
            (0o755, 0o755),
            (0o700, 0o755),
            (0o744, 0o755),
            (0o400, 0o444),
            (0o664, 0o664),
        ] {
            assert_eq!(projected_mode(bits), mode, "{bits:o}");
        }
    }

    #[test]
    fn memory_volumes_have_a_size_limit_and_one_target_is_mounted_once() {
        let project = json!({"services": {"web": {
            "image": "x",
            "shm_size": "512M",
            "tmpfs": ["/tmp:size=64m", "/dev/shm"],
            "volumes": [{"type": "tmpfs", "target": "/run", "tmpfs": {"size": "1g"}}]
        }}});
        assert_eq!(
            pod_side(project, HostFiles::new()),
            json!({
                "volumes": [
                    {"name": "tmpfs-run", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
                    {"name": "tmpfs-tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
                    {"name": "shm", "emptyDir": {"medium": "Memory"}}
                ],
                "mounts": [
                    {"name": "tmpfs-run", "mountPath": "/run"},
                    {"name": "tmpfs-tmp", "mountPath": "/tmp"},
                    {"name": "shm", "mountPath": "/dev/shm"}
                ],
                "exclusive": false
            })
        );
    }

    #[test]
    fn each_memory_path_and_anonymous_volume_is_its_own_empty_dir() {
        let project = json!({"services": {"web": {
            "image": "x",
            "tmpfs": ["/run", "/var/cache/app"],
            "volumes": ["/data", "/logs"]
        }}});
        let side = pod_side(project, HostFiles::new());
        assert_eq!(
            side["mounts"],
            json!([
                {"name": "anonymous-data", "mountPath": "/data"},
                {"name": "anonymous-logs", "mountPath": "/logs"},
                {"name": "tmpfs-run", "mountPath": "/run"},
                {"name": "tmpfs-var-cache-app", "mountPath": "/var/cache/app"}
            ])
        );
        assert_eq!(side["volumes"].as_array().map(Vec::len), Some(4));
    }

    #[test]
    fn quantities_use_the_largest_binary_unit() {
        for (bytes, text) in [
            (512 << 20, "512Mi"),
            (1 << 30, "1Gi"),
            (1536 << 20, "1536Mi"),
            (65536 << 10, "64Mi"),
            (1000, "1000"),
            (2048, "2Ki"),
        ] {
            assert_eq!(quantity(bytes).0, text, "{bytes}");
        }
    }

    #[test]
    fn host_only_paths_are_sockets_devices_kernel_files_the_engine_and_the_root() {
        for host in [
            "/var/run/docker.sock",
            "/run/user/1000/podman/podman.sock",
            "/tmp/.X11-unix/agent.sock",
            "/dev/snd",
            "/proc",
            "/sys/fs/cgroup",
            "/",
            "/var/run",
            "/var/lib/docker/containers",
            "/var/run/",
            "//",
        ] {
            assert!(host_only_path(host).is_some(), "{host}");
        }
        for not_host in [
            "/devices/config",
            "/srv/app/nginx.conf",
            "/var/run/app",
            "/var/lib/dockerish",
        ] {
            assert!(host_only_path(not_host).is_none(), "{not_host}");
        }
    }
}
