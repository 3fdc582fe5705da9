//! Configuration that Compose hands to containers: env files (ConfigMaps used with
//! envFrom, their secret-named variables in Secrets), `configs` (ConfigMaps) and `secrets`
//! (Secrets), mounted where Compose mounts them, and where a bind mount names a secret's
//! file. The Secret of secret-named `environment` entries is `env_secrets`'.
//!
//! Env files keep Compose's precedence without merging anything here: Kubernetes lets a
//! later `envFrom` source win over an earlier one and `env` win over all of them, which is
//! Compose's order of env files and then the service's own `environment`.

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, ConfigMapVolumeSource, EnvFromSource, Secret as KubeSecret,
    SecretEnvSource, SecretVolumeSource, Volume as PodVolume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;

use super::env_secrets;
use super::names::{dns_label, joined, labels, project_labels};
use super::storage::mount_volume;
use super::{Code, Context, Input, PodParts, ProvidedValues, SecretValues, ValueOrigin};
use crate::compose::env_file::EnvFileVariables;
use crate::compose::host_files::HostFile;
use crate::compose::model::{Config, FileReference, MountKind, Secret, Service, ServiceVolume};
use crate::manifest::Manifest;

/// ConfigMaps and Secrets for the project's top-level `configs` and `secrets`.
pub fn project_objects(cx: &mut Context<'_>) -> Vec<Manifest> {
    let mut objects = Vec::new();
    let project = cx.input.project;
    for (key, config) in &project.configs {
        if !mounted_by_a_service(project.services.values(), key, |s| &s.configs) {
            continue;
        }
        // Top-level configs name their ConfigMaps first, so generated names step aside.
        cx.config_map_names
            .claim(&FileKind::Config.object_name(key, config.into()));
        objects.extend(project_object(cx, FileKind::Config, key, config.into()));
    }
    claim_named_secrets(cx);
    for (key, secret) in &project.secrets {
        if mounted_by_a_service(project.services.values(), key, |s| &s.secrets)
            || bind_mounted(project.services.values(), secret)
        {
            objects.extend(project_object(cx, FileKind::Secret, key, secret.into()));
        }
    }
    objects
}

/// Claims the names of the Secrets the project names itself (its `secrets`, the TLS and
/// image pull Secrets of `x-kubernetes`), so the Secrets made for services step aside.
fn claim_named_secrets(cx: &mut Context<'_>) {
    for (key, secret) in &cx.input.project.secrets {
        cx.secret_names
            .claim(&FileKind::Secret.object_name(key, secret.into()));
    }
    for extension in cx.input.extensions.services.values() {
        let tls = extension.ingress.iter().flat_map(|i| &i.tls_secret);
        for name in tls.chain(&extension.image_pull_secrets) {
            cx.secret_names.claim(name);
        }
    }
}

/// Whether a service bind-mounts the file of `secret`.
fn bind_mounted<'s>(mut services: impl Iterator<Item = &'s Service>, secret: &Secret) -> bool {
    services.any(|service| {
        service
            .volumes
            .iter()
            .any(|mount| is_secret_file(secret, mount))
    })
}

/// Whether `mount` bind-mounts the file of `secret`, a Secret of the project.
fn is_secret_file(secret: &Secret, mount: &ServiceVolume) -> bool {
    mount.kind == MountKind::Bind
        && !secret.external.is_external
        && secret.file.is_some()
        && secret.file == mount.source
}

/// The key of the project's secret whose file `mount` bind-mounts, if any: the file is a
/// secret, so it is mounted from the secret's Secret and not copied into a ConfigMap.
pub(super) fn secret_of_bind_mount<'p>(
    input: &Input<'p>,
    mount: &ServiceVolume,
) -> Option<&'p str> {
    input
        .project
        .secrets
        .iter()
        .find(|(_, secret)| is_secret_file(secret, mount))
        .map(|(key, _)| key.as_str())
}

/// Mounts the Secret of the project's secret `key` at the target of a bind mount of its
/// file, read-only.
pub(super) fn attach_secret_bind(
    cx: &mut Context<'_>,
    service: &str,
    path: &str,
    key: &str,
    mount: &ServiceVolume,
    parts: &mut PodParts,
) {
    let Some(secret) = cx.input.project.secrets.get(key) else {
        return;
    };
    let source: FileSource<'_> = secret.into();
    if source.has_no_object(&cx.input) {
        // Reported with the top-level entry: there is no object to mount.
        return;
    }
    let object = FileKind::Secret.object_name(key, source);
    let volume_mount = VolumeMount {
        mount_path: mount.target.clone(),
        sub_path: Some(config_key(key)),
        read_only: Some(true),
        ..Default::default()
    };
    let volume = FileKind::Secret.volume(&object, None);
    if mount_volume(cx, service, path, parts, volume, volume_mount) {
        cx.report.info(
            Code::BindMountSecret,
            service,
            path,
            format!(
                "{} is the file of the secret `{key}`: the Secret `{object}` is mounted \
                 read-only at {}, not a ConfigMap copy",
                mount.source.as_deref().unwrap_or_default(),
                mount.target
            ),
        );
    }
}

/// Adds the service's env files, configs and secrets to its pod; returns the objects.
pub fn attach(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) -> Vec<Manifest> {
    let input = cx.input;
    let mut objects = Vec::new();
    for file in input.env_files.get(name).into_iter().flatten() {
        objects.extend(attach_env_file(cx, name, file, parts));
    }
    objects.extend(env_secrets::attach_environment(cx, name, service, parts));
    for (index, reference) in service.configs.iter().enumerate() {
        if let Some(config) = input.project.configs.get(&reference.source) {
            let key = format!("configs[{index}]");
            attach_file(
                cx,
                name,
                &key,
                FileKind::Config,
                reference,
                config.into(),
                parts,
            );
        }
    }
    for (index, reference) in service.secrets.iter().enumerate() {
        if let Some(secret) = input.project.secrets.get(&reference.source) {
            let key = format!("secrets[{index}]");
            attach_file(
                cx,
                name,
                &key,
                FileKind::Secret,
                reference,
                secret.into(),
                parts,
            );
        }
    }
    objects
}

/// A ConfigMap of files: text in `data`, anything not UTF-8 in `binaryData`.
pub(super) fn config_map(
    name: &str,
    labels: BTreeMap<String, String>,
    files: &[(String, &[u8])],
) -> ConfigMap {
    let mut data = BTreeMap::new();
    let mut binary_data = BTreeMap::new();
    for (key, bytes) in files {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                data.insert(key.clone(), text.to_string());
            }
            Err(_) => {
                binary_data.insert(key.clone(), ByteString(bytes.to_vec()));
            }
        }
    }
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..Default::default()
        },
        data: (!data.is_empty()).then_some(data),
        binary_data: (!binary_data.is_empty()).then_some(binary_data),
        ..Default::default()
    }
}

/// The ConfigMap (or Secret) key for a name: characters a key cannot hold (anything but
/// letters, digits, `-`, `_` and `.`) become `_`, and it may not start with `..`.
pub(super) fn config_key(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if is_key_char(c) { c } else { '_' })
        .take(MAX_KEY)
        .collect();
    if mapped.is_empty() {
        "file".to_string()
    } else if mapped == "." || mapped.starts_with("..") {
        format!("_{}", &mapped[..mapped.len().min(MAX_KEY - 1)])
    } else {
        mapped
    }
}

const MAX_KEY: usize = 253;

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Whether a name is a ConfigMap or Secret key as it is (environment variables keep their
/// names).
pub(super) fn is_config_key(name: &str) -> bool {
    config_key(name) == name
}

/// What a top-level config and secret have in common, as far as translation goes.
#[derive(Debug, Clone, Copy)]
struct FileSource<'a> {
    name: Option<&'a str>,
    file: Option<&'a str>,
    environment: Option<&'a str>,
    content: Option<&'a str>,
    external: bool,
    /// Settings of the engine's object that Kubernetes has no place for, by key.
    ignored: [(&'static str, bool); 4],
}

impl<'a> From<&'a Config> for FileSource<'a> {
    fn from(config: &'a Config) -> Self {
        FileSource {
            name: config.name.as_deref(),
            file: config.file.as_deref(),
            environment: config.environment.as_deref(),
            content: config.content.as_deref(),
            external: config.external.is_external,
            ignored: [
                ("labels", !config.labels.is_empty()),
                ("template_driver", config.template_driver.is_some()),
                ("driver", false),
                ("driver_opts", false),
            ],
        }
    }
}

impl<'a> From<&'a Secret> for FileSource<'a> {
    fn from(secret: &'a Secret) -> Self {
        FileSource {
            name: secret.name.as_deref(),
            file: secret.file.as_deref(),
            environment: secret.environment.as_deref(),
            content: None,
            external: secret.external.is_external,
            ignored: [
                ("labels", !secret.labels.is_empty()),
                ("template_driver", secret.template_driver.is_some()),
                ("driver", secret.driver.is_some()),
                ("driver_opts", !secret.driver_opts.is_empty()),
            ],
        }
    }
}

impl<'a> FileSource<'a> {
    /// The path of its file when it was not read: nothing is there (a file a setup script
    /// writes, or one kept out of version control), or it is outside what the run may read.
    /// The object is still named and used; its data is the user's to provide.
    fn unread_file(&self, input: &Input<'a>) -> Option<(&'a str, Unread<'a>)> {
        if self.content.is_some() || self.environment.is_some() {
            return None;
        }
        let path = self.file?;
        match input.host_files.get(Path::new(path)) {
            Some(HostFile::Missing) | None => Some((path, Unread::Missing)),
            Some(HostFile::Outside { reason, .. }) => Some((path, Unread::Outside(reason))),
            Some(_) => None,
        }
    }

    /// Whether no object of that name is made nor expected: the source is not external,
    /// and its file was read but is unusable (a directory, too large…).
    fn has_no_object(&self, input: &Input<'a>) -> bool {
        !self.external && self.unread_file(input).is_none() && self.bytes(input).is_err()
    }

    /// The bytes of the file, or why there are none.
    fn bytes(&self, input: &Input<'a>) -> Result<&'a [u8], String> {
        if let Some(text) = self.content {
            return Ok(text.as_bytes());
        }
        if let Some(variable) = self.environment {
            return input
                .environment
                .get(variable)
                .map(|value| value.as_bytes())
                .ok_or_else(|| format!("the variable {variable} is not set"));
        }
        let Some(path) = self.file else {
            return Err("it names no file, variable or content".to_string());
        };
        match input.host_files.get(Path::new(path)) {
            Some(HostFile::File(file)) => Ok(&file.bytes),
            Some(HostFile::Directory(_) | HostFile::LargeDirectory(_)) => {
                Err(format!("{path} is a directory, not a file"))
            }
            Some(HostFile::Missing) | None => Err(format!("the file {path} does not exist")),
            Some(HostFile::TooLarge(reason)) => {
                Err(format!("the file {path} is too large ({reason})"))
            }
            Some(HostFile::Unusable(reason)) => {
                Err(format!("the file {path} cannot be read ({reason})"))
            }
            Some(HostFile::Outside { reason, .. }) => {
                Err(format!("{path} was not read ({reason})"))
            }
        }
    }
}

/// The bytes the ConfigMap of the project's config `key` holds, when it has some: its
/// content, its variable's value or its file.
pub(super) fn config_bytes<'a>(input: &Input<'a>, key: &str) -> Option<&'a [u8]> {
    let config = input.project.configs.get(key)?;
    FileSource::from(config).bytes(input).ok()
}

/// Why the file of a config or secret was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unread<'a> {
    Missing,
    /// Outside what the run may read; the reason names the path and the flag.
    Outside(&'a str),
}

/// A config or a secret: the kind of object, where it is mounted by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Config,
    Secret,
}

impl FileKind {
    fn section(self) -> &'static str {
        match self {
            FileKind::Config => "configs",
            FileKind::Secret => "secrets",
        }
    }

    fn object_kind(self) -> &'static str {
        match self {
            FileKind::Config => "ConfigMap",
            FileKind::Secret => "Secret",
        }
    }

    /// The object's name: the key's, or for an external one the name it exists under.
    fn object_name(self, key: &str, source: FileSource<'_>) -> String {
        match (source.external, source.name) {
            (true, Some(name)) => dns_label(name),
            _ => dns_label(key),
        }
    }

    /// Where the file appears: the target, relative ones under the kind's directory.
    fn mount_path(self, key: &str, target: Option<&str>) -> String {
        let directory = match self {
            FileKind::Config => "",
            FileKind::Secret => "/run/secrets",
        };
        match target {
            Some(target) if target.starts_with('/') => target.to_string(),
            Some(target) => format!("{directory}/{target}"),
            None => format!("{directory}/{key}"),
        }
    }

    fn volume(self, object: &str, mode: Option<i32>) -> PodVolume {
        match self {
            FileKind::Config => PodVolume {
                name: joined(&["config", object]),
                config_map: Some(ConfigMapVolumeSource {
                    name: object.to_string(),
                    default_mode: mode,
                    ..Default::default()
                }),
                ..Default::default()
            },
            FileKind::Secret => PodVolume {
                name: joined(&["secret", object]),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(object.to_string()),
                    default_mode: mode,
                    ..Default::default()
                }),
                ..Default::default()
            },
        }
    }
}

fn mounted_by_a_service<'s>(
    mut services: impl Iterator<Item = &'s Service>,
    key: &str,
    references: impl Fn(&Service) -> &Vec<FileReference>,
) -> bool {
    services.any(|service| references(service).iter().any(|r| r.source == key))
}

/// The ConfigMap or Secret of a top-level config or secret, or the report line saying why
/// there is none.
fn project_object(
    cx: &mut Context<'_>,
    kind: FileKind,
    key: &str,
    source: FileSource<'_>,
) -> Option<Manifest> {
    let path = path_key(kind, key);
    report_ignored_settings(cx, &path, &source);
    let name = kind.object_name(key, source);
    if source.external {
        cx.report.info_project(
            Code::ExternalObject,
            &path,
            format!(
                "external: no {kind} is created; services mount the key `{}` of the existing \
                 {kind} `{name}`, which must exist in the namespace",
                config_key(key),
                kind = kind.object_kind()
            ),
        );
        return None;
    }
    if let Some((file, unread)) = source.unread_file(&cx.input) {
        return object_of_unread_file(cx, kind, &path, &name, key, file, unread);
    }
    let bytes = match source.bytes(&cx.input) {
        Ok(bytes) => bytes,
        Err(why) => {
            cx.report.warn_project(
                Code::FileNotRead,
                &path,
                format!(
                    "{why}: no {} is created, and the services that use it do not get the file",
                    kind.object_kind()
                ),
                None,
            );
            return None;
        }
    };
    let project = cx.project_name().to_string();
    let data_key = config_key(key);
    let provided = match (kind, provided_values(&data_key, source)) {
        (FileKind::Secret, Some(values)) => {
            cx.provided.push((name.clone(), values));
            true
        }
        _ => false,
    };
    // A value written in the compose file is written into a kustomize tree too.
    let values = match cx.options.secret_values {
        SecretValues::Generated if !provided => SecretValues::Written,
        values => values,
    };
    Some(match kind {
        FileKind::Config => Manifest::ConfigMap(Box::new(config_map(
            &name,
            project_labels(&project),
            &[(data_key, bytes)],
        ))),
        FileKind::Secret => {
            cx.report
                .info_project(Code::SecretObject, &path, secret_note(&name, values));
            Manifest::Secret(Box::new(KubeSecret {
                metadata: ObjectMeta {
                    name: Some(name),
                    labels: Some(project_labels(&project)),
                    ..Default::default()
                },
                type_: Some("Opaque".to_string()),
                data: Some(BTreeMap::from([(data_key, ByteString(bytes.to_vec()))])),
                ..Default::default()
            }))
        }
    })
}

fn path_key(kind: FileKind, key: &str) -> String {
    format!("{}.{key}", kind.section())
}

/// A config or secret whose file was not read. With generators (kustomize) a Secret is a
/// generator entry whose value the user provides, as every Secret's there; otherwise no
/// object is written and the report gives the command that creates it. Either way the
/// workloads mount it by name, and their pods wait until it exists, as Compose would not
/// start them.
fn object_of_unread_file(
    cx: &mut Context<'_>,
    kind: FileKind,
    path: &str,
    name: &str,
    key: &str,
    file: &str,
    unread: Unread<'_>,
) -> Option<Manifest> {
    let data_key = config_key(key);
    let why = match unread {
        Unread::Missing => "does not exist".to_string(),
        Unread::Outside(reason) => format!("was not read ({reason})"),
    };
    // With generators the Secret's value is the user's to provide in any case.
    if cx.options.secret_values == SecretValues::Generated && kind == FileKind::Secret {
        let origin = ValueOrigin::File {
            path: file.to_string(),
            unread: Some(why),
        };
        cx.provided
            .push((name.to_string(), vec![(data_key, origin)]));
        return Some(Manifest::Secret(Box::new(KubeSecret {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                labels: Some(project_labels(cx.project_name())),
                ..Default::default()
            },
            type_: Some("Opaque".to_string()),
            ..Default::default()
        })));
    }
    let (command, type_) = match kind {
        FileKind::Config => ("configmap", ""),
        FileKind::Secret => ("secret", " generic"),
    };
    let namespace = cx
        .options
        .namespace
        .as_ref()
        .or(cx.input.extensions.project.namespace.as_ref())
        .map(|namespace| format!(" --namespace {namespace}"))
        .unwrap_or_default();
    cx.report.warn_project(
        Code::FileNotRead,
        path,
        format!(
            "the file {file} {why}: no {kind} is written; the services that use it \
             mount the {kind} `{name}`, and their pods wait until it exists",
            kind = kind.object_kind()
        ),
        Some(format!(
            "kubectl create {command}{type_} {name}{namespace} --from-file={data_key}={file}"
        )),
    );
    None
}

/// Where a Secret's value ends up: in the manifests, or read by kustomize at build time.
fn secret_note(name: &str, values: SecretValues) -> String {
    match values {
        SecretValues::Generated => format!(
            "becomes the Secret `{name}`: a secretGenerator reads its value when the tree is \
             built, so the value is not copied into the output"
        ),
        SecretValues::Written => format!(
            "becomes the Secret `{name}`: its value is written into the output, \
             base64-encoded and not encrypted; keep the manifests private"
        ),
        SecretValues::LeftToUser => format!(
            "becomes the Secret `{name}`, which the output does not hold: the user creates it"
        ),
    }
}

/// Where the value of a config or secret object is found, when not in the compose file.
fn provided_values(data_key: &str, source: FileSource<'_>) -> Option<ProvidedValues> {
    if source.content.is_some() {
        return None;
    }
    let origin = match (source.environment, source.file) {
        (Some(variable), _) => ValueOrigin::Variable(variable.to_string()),
        (None, Some(path)) => ValueOrigin::File {
            path: path.to_string(),
            unread: None,
        },
        (None, None) => return None,
    };
    Some(vec![(data_key.to_string(), origin)])
}

fn report_ignored_settings(cx: &mut Context<'_>, path: &str, source: &FileSource<'_>) {
    let ignored: Vec<&str> = source
        .ignored
        .iter()
        .filter(|(_, set)| *set)
        .map(|(key, _)| *key)
        .collect();
    if ignored.is_empty() {
        return;
    }
    cx.report.warn_project(
        Code::ObjectSettingNotTranslated,
        path,
        format!(
            "not carried over: {} (settings of the engine's own object, which has no \
             Kubernetes counterpart)",
            ignored
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        None,
    );
}

/// Mounts a config or secret at its target, as a single file.
fn attach_file(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    kind: FileKind,
    reference: &FileReference,
    source: FileSource<'_>,
    parts: &mut PodParts,
) {
    if source.has_no_object(&cx.input) {
        // Reported with the top-level entry: there is no object to mount.
        return;
    }
    if reference.uid.is_some() || reference.gid.is_some() {
        cx.report.warn_with_hint(
            Code::FileOwnershipNotKept,
            service,
            key,
            format!(
                "uid and gid are not carried over: files from a {} belong to root",
                kind.object_kind()
            ),
            "the pod's securityContext.fsGroup gives a group access to mounted files",
        );
    }
    let mode = reference.mode.and_then(|mode| match i32::try_from(mode.0) {
        Ok(bits) if bits <= 0o777 => Some(bits),
        _ => {
            cx.report.warn(
                Code::InvalidValue,
                service,
                key,
                format!(
                    "mode {mode} is not a permission between 0000 and 0777; the default is used"
                ),
            );
            None
        }
    });
    let object = kind.object_name(&reference.source, source);
    let mount = VolumeMount {
        mount_path: kind.mount_path(&reference.source, reference.target.as_deref()),
        sub_path: Some(config_key(&reference.source)),
        read_only: Some(true),
        ..Default::default()
    };
    mount_volume(cx, service, key, parts, kind.volume(&object, mode), mount);
}

/// An env file → a ConfigMap of its variables, used with envFrom after the earlier files;
/// the variables whose names say they are secrets go into a Secret used right after it
/// (the two hold different variables, so their order does not matter).
fn attach_env_file(
    cx: &mut Context<'_>,
    service: &str,
    file: &EnvFileVariables,
    parts: &mut PodParts,
) -> Vec<Manifest> {
    let (valid, invalid): (Vec<_>, Vec<_>) = file
        .variables
        .iter()
        .partition(|(name, _)| is_config_key(name));
    if !invalid.is_empty() {
        let names: Vec<&str> = invalid.iter().map(|(name, _)| name.as_str()).collect();
        cx.report.warn(
            Code::InvalidValue,
            service,
            "env_file",
            format!(
                "{}: {} cannot be ConfigMap keys (letters, digits, `-`, `_` and `.` only) and \
                 {} left out",
                file.path.display(),
                names.join(", "),
                if names.len() == 1 { "is" } else { "are" }
            ),
        );
    }
    let (secret, plain): (Vec<_>, Vec<_>) = valid
        .into_iter()
        .partition(|(name, value)| env_secrets::goes_to_secret(cx, service, name, value));
    let stem = file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base_name = joined(&[service, "env", &stem]);
    let project = cx.project_name().to_string();
    let mut objects = Vec::new();
    if !plain.is_empty() {
        let name = cx.config_map_names.claim(&base_name);
        parts.env_from.push(EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: name.clone(),
                optional: None,
            }),
            ..Default::default()
        });
        let files: Vec<(String, &[u8])> = plain
            .iter()
            .map(|(variable, value)| ((*variable).clone(), value.as_bytes()))
            .collect();
        objects.push(Manifest::ConfigMap(Box::new(config_map(
            &name,
            labels(&project, service),
            &files,
        ))));
    }
    if !secret.is_empty() {
        let name = cx.secret_names.claim(&base_name);
        parts.env_from.push(EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: name.clone(),
                optional: None,
            }),
            ..Default::default()
        });
        let entries = secret
            .iter()
            .map(|(variable, value)| {
                let origin = ValueOrigin::EnvFile {
                    variable: (*variable).clone(),
                    path: file.path.display().to_string(),
                };
                (variable.as_str(), value.as_str(), origin)
            })
            .collect();
        objects.push(env_secrets::secret_of_variables(
            cx, service, "env_file", &name, entries,
        ));
    }
    objects
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::json;

    use super::*;
    use crate::translate::test_support::{attach_one, Surroundings};
    use crate::translate::{translate, Input, Options};
    use crate::value::Value;
    use serde::Deserialize;

    /// What `attach` gives the service `web` of `project`: envFrom, volumes and mounts.
    fn pod_side(project: serde_json::Value, surroundings: &Surroundings) -> serde_json::Value {
        let (parts, _, _) = attach_one(project, surroundings, "web", attach);
        json!({"envFrom": parts.env_from, "volumes": parts.volumes, "mounts": parts.mounts})
    }

    fn env_file(path: &str, variables: &[(&str, &str)]) -> EnvFileVariables {
        EnvFileVariables {
            path: PathBuf::from(path),
            variables: variables
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn env_files_are_used_in_file_order_so_later_files_win() {
        let surroundings = Surroundings {
            env_files: [(
                "web".to_string(),
                vec![
                    env_file("/p/common.env", &[("A", "1")]),
                    env_file("/p/local.env", &[("A", "2"), ("my var", "x")]),
                    env_file("/p/empty.env", &[]),
                ],
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        let project = json!({"services": {"web": {"image": "x"}}});
        assert_eq!(
            pod_side(project, &surroundings)["envFrom"],
            json!([
                {"configMapRef": {"name": "web-env-common"}},
                {"configMapRef": {"name": "web-env-local"}}
            ])
        );
    }

    #[test]
    fn configs_and_secrets_are_single_files_at_their_targets() {
        let surroundings = Surroundings {
            environment: [("KEY".to_string(), "k".to_string())].into_iter().collect(),
            ..Default::default()
        };
        let project = json!({
            "services": {"web": {
                "image": "x",
                "configs": ["app", {"source": "app", "target": "/etc/app.ini", "mode": "0440"}],
                "secrets": [{"source": "key", "target": "tls/key.pem"}]
            }},
            "configs": {"app": {"content": "a=1"}},
            "secrets": {"key": {"environment": "KEY"}}
        });
        assert_eq!(
            pod_side(project, &surroundings),
            json!({
                "envFrom": [],
                "volumes": [
                    {"name": "config-app", "configMap": {"name": "app"}},
                    {"name": "config-app-2", "configMap": {"name": "app", "defaultMode": 0o440}},
                    {"name": "secret-key", "secret": {"secretName": "key"}}
                ],
                "mounts": [
                    {"name": "config-app", "mountPath": "/app", "readOnly": true, "subPath": "app"},
                    {"name": "config-app-2", "mountPath": "/etc/app.ini", "readOnly": true, "subPath": "app"},
                    {"name": "secret-key", "mountPath": "/run/secrets/tls/key.pem", "readOnly": true, "subPath": "key"}
                ]
            })
        );
    }

    #[test]
    fn a_missing_secret_file_leaves_the_secret_named_for_the_user_to_fill() {
        let project = json!({
            "name": "p",
            "services": {"web": {"image": "x", "secrets": ["token"]}},
            "secrets": {"token": {"file": "/p/token.txt"}}
        });
        let project = crate::compose::model::Project::deserialize(&Value::from_json(&project))
            .expect("project");
        let host_files = [(PathBuf::from("/p/token.txt"), HostFile::Missing)]
            .into_iter()
            .collect();
        let convert = |data_by_reference| {
            let input = Input {
                project: &project,
                env_files: &Default::default(),
                host_files: &host_files,
                environment: &Default::default(),
                extensions: &Default::default(),
            };
            let options = Options {
                secret_values: generated_or_written(data_by_reference),
                namespace: Some("apps".to_string()),
                ..Options::default()
            };
            translate(input, &options)
        };
        let warning = |translation: &crate::translate::Translation| {
            translation
                .report
                .to_text()
                .lines()
                .find(|line| line.contains("secrets.token"))
                .map(|line| line.trim().to_string())
        };

        let plain = convert(false);
        assert!(plain.manifests.iter().all(|m| m.name() != "token"));
        assert_eq!(
            warning(&plain).as_deref(),
            Some(
                "warning[file-not-read]: secrets.token: the file /p/token.txt does not exist: no Secret is \
                 written; the services that use it mount the Secret `token`, and their pods \
                 wait until it exists (kubectl create secret generic token --namespace apps \
                 --from-file=token=/p/token.txt)"
            )
        );
        assert!(serde_json::to_string(&plain.manifests)
            .unwrap()
            .contains(r#""secret":{"secretName":"token"}"#));
        assert_eq!(plain.report.warnings(), 1);

        let generated = convert(true);
        let files = crate::kustomize::render_tree(&generated, &[], crate::emit::Format::Yaml);
        let kustomization = &files
            .iter()
            .find(|(name, _)| name == "base/kustomization.yaml")
            .expect("kustomization")
            .1;
        assert!(
            kustomization.contains("secretGenerator:\n- name: token\n  namespace: apps\n"),
            "{kustomization}"
        );
        assert!(
            kustomization.contains("  - token=secrets/token/token\n"),
            "{kustomization}"
        );
        assert!(files
            .iter()
            .all(|(name, _)| !name.contains("token") || name.ends_with(".gitignore")));
        // The value is the user's to put in the tree, as every generated Secret's.
        assert_eq!(generated.report.warnings(), 0);
        assert_eq!(
            crate::kustomize::secret_values_needed(&generated, &[]),
            [(
                "base/secrets/token/token".to_string(),
                "the file /p/token.txt (which does not exist)".to_string()
            )]
        );
    }

    #[test]
    fn a_bind_mount_of_a_secrets_file_mounts_the_secret() {
        let project = json!({
            "name": "p",
            "services": {"web": {"image": "x", "volumes": [
                "/p/db_password.txt:/etc/db/password:ro",
                "/p/tls.key:/etc/tls/key"
            ]}},
            "secrets": {
                "db_password": {"file": "/p/db_password.txt"},
                "tls": {"file": "/p/tls.key"}
            }
        });
        let project = crate::compose::model::Project::deserialize(&Value::from_json(&project))
            .expect("project");
        let host_files = [
            (
                PathBuf::from("/p/db_password.txt"),
                HostFile::File(crate::compose::host_files::FileContent::new("pw-5772")),
            ),
            (PathBuf::from("/p/tls.key"), HostFile::Missing),
        ]
        .into_iter()
        .collect();
        let input = Input {
            project: &project,
            env_files: &Default::default(),
            host_files: &host_files,
            environment: &Default::default(),
            extensions: &Default::default(),
        };
        let translation = translate(input, &Options::default());
        let kinds: Vec<(&str, &str)> = translation
            .manifests
            .iter()
            .map(|m| (m.kind(), m.name()))
            .collect();
        // The present file is the Secret, the missing one is left for the user to create,
        // and neither is copied into a ConfigMap nor becomes a claim.
        assert_eq!(kinds, [("Secret", "db-password"), ("Deployment", "web")]);
        let deployment = translation.manifests[1].to_json();
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(
            pod["volumes"],
            json!([
                {"name": "secret-db-password", "secret": {"secretName": "db-password"}},
                {"name": "secret-tls", "secret": {"secretName": "tls"}}
            ])
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"],
            json!([
                {"name": "secret-db-password", "mountPath": "/etc/db/password", "readOnly": true, "subPath": "db_password"},
                {"name": "secret-tls", "mountPath": "/etc/tls/key", "readOnly": true, "subPath": "tls"}
            ])
        );
        let report = translation.report.to_text();
        assert!(
            report.contains(
                "services.web.volumes[0]: /p/db_password.txt is the file of the secret \
                 `db_password`: the Secret `db-password` is mounted read-only at \
                 /etc/db/password, not a ConfigMap copy"
            ),
            "{report}"
        );
        assert!(!report.contains("pw-5772"));
    }

    #[test]
    fn the_secret_note_says_whether_the_value_is_copied() {
        let project = json!({
            "name": "p",
            "services": {"web": {"image": "x", "secrets": ["key"]}},
            "secrets": {"key": {"environment": "KEY"}}
        });
        let project = crate::compose::model::Project::deserialize(&Value::from_json(&project))
            .expect("project");
        let environment = [("KEY".to_string(), "k".to_string())].into_iter().collect();
        let note = |data_by_reference| {
            let input = Input {
                project: &project,
                env_files: &Default::default(),
                host_files: &Default::default(),
                environment: &environment,
                extensions: &Default::default(),
            };
            let options = Options {
                secret_values: generated_or_written(data_by_reference),
                ..Options::default()
            };
            let report = translate(input, &options).report.to_text();
            report
                .lines()
                .find(|line| line.contains("becomes the Secret `key`"))
                .map(String::from)
                .unwrap_or_else(|| panic!("no note on the Secret:\n{report}"))
        };
        assert!(note(false).contains("its value is written into the output"));
        assert!(note(true).contains("a secretGenerator reads its value when the tree is built"));
    }

    /// The kustomize output (`true`) or the plain one.
    fn generated_or_written(generated: bool) -> SecretValues {
        if generated {
            SecretValues::Generated
        } else {
            SecretValues::Written
        }
    }

    #[test]
    fn config_keys_keep_valid_names() {
        for (name, key) in [
            ("nginx.conf", "nginx.conf"),
            ("app settings.json", "app_settings.json"),
            (".env", ".env"),
            ("..data", "_..data"),
            (".", "_."),
            ("", "file"),
            ("DB_HOST", "DB_HOST"),
            ("é.txt", "_.txt"),
        ] {
            assert_eq!(config_key(name), key, "{name}");
        }
    }

    #[test]
    fn targets_default_and_relative_paths_land_where_compose_puts_them() {
        assert_eq!(FileKind::Config.mount_path("app", None), "/app");
        assert_eq!(
            FileKind::Config.mount_path("app", Some("etc/app.ini")),
            "/etc/app.ini"
        );
        assert_eq!(FileKind::Secret.mount_path("key", None), "/run/secrets/key");
        assert_eq!(
            FileKind::Secret.mount_path("key", Some("tls/key.pem")),
            "/run/secrets/tls/key.pem"
        );
        assert_eq!(
            FileKind::Secret.mount_path("key", Some("/etc/key")),
            "/etc/key"
        );
    }

    #[test]
    fn config_maps_keep_binary_files_apart() {
        let map = config_map(
            "x",
            BTreeMap::new(),
            &[
                ("a.txt".into(), b"hi".as_slice()),
                ("b.bin".into(), [0xff, 0].as_slice()),
            ],
        );
        assert_eq!(map.data.map(|d| d.len()), Some(1));
        assert_eq!(map.binary_data.map(|d| d.len()), Some(1));
    }
}
