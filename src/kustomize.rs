//! Kustomize output: a base from the project's files and one overlay per environment from
//! its override files.
//!
//! `base/` holds the objects of the base project and a `kustomization.yaml` listing them.
//! Each `overlays/<name>/` builds on `../../base`: objects the override files add are
//! resources of the overlay, objects they change get a JSON 6902 patch with exactly the
//! operations that turn the base object into the overlay's, and objects they remove get a
//! `$patch: delete`. So `kubectl kustomize overlays/<name>` yields what a plain `convert` of
//! the base and override files together yields.
//!
//! ConfigMaps and Secrets whose data comes from host files are not written out: a
//! `configMapGenerator` or `secretGenerator` reads the original files (by paths relative to
//! the kustomization), so no secret value is copied into the tree. Generated names keep no
//! hash suffix (`disableNameSuffixHash`), so they are exactly the names `convert` writes and
//! the workloads' references hold without kustomize rewriting them. A Secret whose value
//! comes from a variable reads it from `secrets/<name>/<key>` under the output directory,
//! a file the user writes; the value itself is never written. An env file becomes an
//! `envs:` generator only when kustomize reads it as Compose did
//! ([`env_file_reads_the_same`]); otherwise its ConfigMap is written with the values.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde_json::{json, Value as Json};

use crate::emit::{self, Format};
use crate::manifest::{Identity, Manifest};
use crate::translate::{DataSource, Translation};

/// Where the user puts the values of Secrets taken from variables, relative to the output
/// directory.
pub const SECRET_VALUES_DIR: &str = "secrets";

/// The files of a kustomize tree, relative to the output directory, in a stable order.
/// `out_dir` is the absolute output directory: generators point from it to the original
/// files.
pub fn render_tree(
    base: &Translation,
    overlays: &[(String, Translation)],
    out_dir: &Path,
    format: Format,
) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let base_dir = out_dir.join("base");
    let mut generators = Generators::default();
    let mut written = Vec::new();
    for object in &base.manifests {
        match base.sources.get(&object.identity()) {
            Some(source) => generators.add(object, source, None, &base_dir, out_dir),
            None => written.push(object.clone()),
        }
    }
    let base_files = emit::render_files(&written, format);
    let resources: Vec<String> = base_files.iter().map(|(name, _)| name.clone()).collect();
    for (name, content) in base_files {
        files.push((format!("base/{name}"), content));
    }
    files.push((
        "base/kustomization.yaml".to_string(),
        kustomization(&resources, &[], &generators),
    ));
    for (name, overlay) in overlays {
        files.extend(render_overlay(name, base, overlay, out_dir, format));
    }
    files
}

/// The values of Secrets that come from variables: the file each is read from, relative to
/// the output directory, and the variable the user takes it from.
pub fn secret_values_needed(translations: &[&Translation]) -> Vec<(String, String)> {
    let mut needed: Vec<(String, String)> = translations
        .iter()
        .flat_map(|t| t.sources.iter())
        .filter_map(|(identity, source)| match source {
            DataSource::Variable { key, variable } => Some((
                format!("{SECRET_VALUES_DIR}/{}/{key}", identity.name),
                variable.clone(),
            )),
            DataSource::Files(_) | DataSource::EnvFile(_) => None,
        })
        .collect();
    needed.sort();
    needed.dedup();
    needed
}

/// `configMapGenerator` and `secretGenerator` entries of one kustomization.
#[derive(Default)]
struct Generators {
    config_maps: Vec<Json>,
    secrets: Vec<Json>,
}

impl Generators {
    /// A generator that makes `object` from its source files, read from `dir`.
    fn add(
        &mut self,
        object: &Manifest,
        source: &DataSource,
        behavior: Option<&str>,
        dir: &Path,
        out_dir: &Path,
    ) {
        let files: Vec<String> = match source {
            DataSource::EnvFile(path) => {
                let mut entry = self.entry(object, behavior);
                entry["envs"] = json!([relative(dir, path)]);
                entry["options"] = options(object);
                self.config_maps.push(entry);
                return;
            }
            DataSource::Files(files) => files
                .iter()
                .map(|(key, path)| format!("{key}={}", relative(dir, path)))
                .collect(),
            DataSource::Variable { key, .. } => {
                let path = out_dir
                    .join(SECRET_VALUES_DIR)
                    .join(object.name())
                    .join(key);
                vec![format!("{key}={}", relative(dir, &path))]
            }
        };
        let mut entry = self.entry(object, behavior);
        let options = options(object);
        match object {
            Manifest::Secret(secret) => {
                if let Some(type_) = &secret.type_ {
                    entry["type"] = json!(type_);
                }
                entry["files"] = json!(files);
                entry["options"] = options;
                self.secrets.push(entry);
            }
            _ => {
                entry["files"] = json!(files);
                entry["options"] = options;
                self.config_maps.push(entry);
            }
        }
    }
}

impl Generators {
    /// The name, namespace and behavior of a generator entry for `object`.
    fn entry(&self, object: &Manifest, behavior: Option<&str>) -> Json {
        let mut entry = json!({"name": object.name()});
        if let Some(namespace) = &object.metadata().namespace {
            entry["namespace"] = json!(namespace);
        }
        if let Some(behavior) = behavior {
            entry["behavior"] = json!(behavior);
        }
        entry
    }
}

/// Generator options that make the object exactly as `convert` writes it.
fn options(object: &Manifest) -> Json {
    let metadata = object.metadata();
    let mut options = json!({"disableNameSuffixHash": true});
    if let Some(labels) = &metadata.labels {
        options["labels"] = json!(labels);
    }
    if let Some(annotations) = &metadata.annotations {
        options["annotations"] = json!(annotations);
    }
    options
}

/// Whether kustomize's `envs:` reader, which takes each `KEY=VALUE` line literally, reads
/// `text` as the `variables` Compose read from it. Compose also interpolates `${…}`, strips
/// quotes, `export` and inline comments; a file that uses any of that, or anything else
/// unusual, keeps its copied ConfigMap.
pub fn env_file_reads_the_same(text: &str, variables: &BTreeMap<String, String>) -> bool {
    let mut read = BTreeMap::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return false;
        };
        let plain_key = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        let plain_value =
            !value.contains(['"', '\'', '$', '#', '\\', '`']) && value.trim() == value;
        if !plain_key || !plain_value {
            return false;
        }
        read.insert(key.to_string(), value.to_string());
    }
    &read == variables
}

/// `to` relative to the directory `from`, both absolute, with `/` separators as kustomize
/// expects.
pub(crate) fn relative(from: &Path, to: &Path) -> String {
    let clean = |path: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for component in path.components() {
            match component {
                Component::ParentDir => {
                    parts.pop();
                }
                Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
        parts
    };
    let (from, to) = (clean(from), clean(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

fn kustomization(resources: &[String], patches: &[Json], generators: &Generators) -> String {
    let mut document = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    if !generators.config_maps.is_empty() {
        document["configMapGenerator"] = Json::Array(generators.config_maps.clone());
    }
    if !generators.secrets.is_empty() {
        document["secretGenerator"] = Json::Array(generators.secrets.clone());
    }
    if !patches.is_empty() {
        document["patches"] = Json::Array(patches.to_vec());
    }
    crate::yaml::to_string(&document).unwrap_or_default()
}

fn render_overlay(
    name: &str,
    base: &Translation,
    overlay: &Translation,
    out_dir: &Path,
    format: Format,
) -> Vec<(String, String)> {
    let dir = format!("overlays/{name}");
    let overlay_dir = out_dir.join("overlays").join(name);
    let mut base_by_identity: BTreeMap<Identity, &Manifest> =
        base.manifests.iter().map(|m| (m.identity(), m)).collect();
    let mut files = Vec::new();
    let mut resources = vec!["../../base".to_string()];
    let mut patches = Vec::new();
    let mut generators = Generators::default();
    for object in &overlay.manifests {
        let identity = object.identity();
        let original = base_by_identity.remove(&identity);
        if let Some(source) = overlay.sources.get(&identity) {
            let unchanged = original.is_some_and(|original| {
                original == object && base.sources.get(&identity) == Some(source)
            });
            if !unchanged {
                let behavior = original.map(|_| "replace");
                generators.add(object, source, behavior, &overlay_dir, out_dir);
            }
            continue;
        }
        match original {
            None => {
                let file = object.file_name(format_extension(format));
                files.push((format!("{dir}/{file}"), emit::render_one(object, format)));
                resources.push(file);
            }
            Some(original) => {
                let operations = json_patch(&original.to_json(), &object.to_json());
                if operations.is_empty() {
                    continue;
                }
                let file = format!(
                    "{}-{}-patch.yaml",
                    object.name(),
                    object.kind().to_lowercase()
                );
                let text = crate::yaml::to_string(&operations).unwrap_or_default();
                files.push((format!("{dir}/{file}"), text));
                patches.push(json!({"path": file, "target": target(&identity)}));
            }
        }
    }
    for (identity, removed) in base_by_identity {
        let file = format!(
            "{}-{}-delete.yaml",
            removed.name(),
            removed.kind().to_lowercase()
        );
        let mut metadata = json!({"name": identity.name});
        if let Some(namespace) = &identity.namespace {
            metadata["namespace"] = json!(namespace);
        }
        let delete = json!({
            "apiVersion": identity.api_version,
            "kind": identity.kind,
            "metadata": metadata,
            "$patch": "delete",
        });
        files.push((
            format!("{dir}/{file}"),
            crate::yaml::to_string(&delete).unwrap_or_default(),
        ));
        patches.push(json!({"path": file}));
    }
    files.push((
        format!("{dir}/kustomization.yaml"),
        kustomization(&resources, &patches, &generators),
    ));
    files
}

fn format_extension(format: Format) -> &'static str {
    match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
    }
}

/// A kustomize patch target: group, version, kind, name (and namespace).
fn target(identity: &Identity) -> Json {
    let (group, version) = match identity.api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", identity.api_version.as_str()),
    };
    let mut target = json!({"version": version, "kind": identity.kind, "name": identity.name});
    if !group.is_empty() {
        target["group"] = json!(group);
    }
    if let Some(namespace) = &identity.namespace {
        target["namespace"] = json!(namespace);
    }
    target
}

/// The JSON 6902 operations that turn `from` into `to`: fields added, removed and replaced;
/// a list whose length changes is replaced whole, which states the change plainly.
pub fn json_patch(from: &Json, to: &Json) -> Vec<Json> {
    let mut operations = Vec::new();
    diff_into(from, to, &mut String::new(), &mut operations);
    operations
}

fn diff_into(from: &Json, to: &Json, pointer: &mut String, out: &mut Vec<Json>) {
    match (from, to) {
        (Json::Object(a), Json::Object(b)) => {
            for (key, old) in a {
                let length = pointer.len();
                push_token(pointer, key);
                match b.get(key) {
                    Some(new) => diff_into(old, new, pointer, out),
                    None => out.push(json!({"op": "remove", "path": pointer.clone()})),
                }
                pointer.truncate(length);
            }
            for (key, new) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                let length = pointer.len();
                push_token(pointer, key);
                out.push(json!({"op": "add", "path": pointer.clone(), "value": new}));
                pointer.truncate(length);
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (old, new)) in a.iter().zip(b).enumerate() {
                let length = pointer.len();
                push_token(pointer, &i.to_string());
                diff_into(old, new, pointer, out);
                pointer.truncate(length);
            }
        }
        _ if from != to => out.push(json!({"op": "replace", "path": pointer.clone(), "value": to})),
        _ => {}
    }
}

/// Appends `/token` with JSON Pointer escaping (`~` → `~0`, `/` → `~1`).
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_state_exactly_what_changed() {
        let from = json!({"spec": {"replicas": 1, "template": {"metadata": {"labels": {"a/b": "x"}}},
                                   "ports": [1, 2]}});
        let to = json!({"spec": {"replicas": 3, "template": {"metadata": {"labels": {"a/b": "y"}}},
                                 "ports": [1, 2, 3], "new": true}});
        assert_eq!(
            json_patch(&from, &to),
            vec![
                json!({"op": "replace", "path": "/spec/replicas", "value": 3}),
                json!({"op": "replace", "path": "/spec/template/metadata/labels/a~1b", "value": "y"}),
                json!({"op": "replace", "path": "/spec/ports", "value": [1, 2, 3]}),
                json!({"op": "add", "path": "/spec/new", "value": true}),
            ]
        );
    }

    #[test]
    fn relative_paths_climb_out_of_the_kustomization() {
        let check = |from: &str, to: &str, expected: &str| {
            assert_eq!(
                relative(Path::new(from), Path::new(to)),
                expected,
                "{from} → {to}"
            );
        };
        check("/p/out/base", "/p/db.txt", "../../db.txt");
        check(
            "/p/out/overlays/prod",
            "/p/conf/app.ini",
            "../../../conf/app.ini",
        );
        check(
            "/p/out/base",
            "/p/out/secrets/key/key",
            "../secrets/key/key",
        );
        check("/p", "/p/a", "a");
        check("/p/./x/../out", "/p/out/f", "f");
    }

    #[test]
    fn only_literal_env_files_are_read_by_kustomize() {
        let variables = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let plain = variables(&[("A", "1"), ("B", "x=y")]);
        assert!(env_file_reads_the_same("# c\nA=1\n\nB=x=y\n", &plain));
        assert!(!env_file_reads_the_same("A=\"1\"\nB=x=y\n", &plain));
        assert!(!env_file_reads_the_same("export A=1\nB=x=y\n", &plain));
        assert!(!env_file_reads_the_same("A=${ONE}\nB=x=y\n", &plain));
        assert!(!env_file_reads_the_same("A=1 # one\nB=x=y\n", &plain));
        assert!(!env_file_reads_the_same("A\nB=x=y\n", &plain));
        assert!(!env_file_reads_the_same("A=1\n", &plain));
    }

    #[test]
    fn identical_objects_need_no_patch() {
        let object = json!({"a": [1, {"b": 2}]});
        assert!(json_patch(&object, &object).is_empty());
    }
}
