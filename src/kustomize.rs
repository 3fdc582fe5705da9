//! Kustomize output: a base from the project's files and one overlay per environment from
//! its override files.
//!
//! `base/` holds the objects of the base project and a `kustomization.yaml` listing them.
//! Each `overlays/<name>/` builds on `../../base`: objects the override files add are
//! resources of the overlay, objects they change get a JSON 6902 patch with exactly the
//! operations that turn the base object into the overlay's, and objects they remove get a
//! `$patch: delete`; an override that moves the project to another namespace is the
//! overlay's `namespace:` field. So `kubectl kustomize overlays/<name>` yields what a plain
//! `convert` of the base and override files together yields.
//!
//! The tree reads nothing outside itself, so kustomize builds it with its default load
//! restrictor and it still builds when moved to another repository: every object is written
//! out, except the Secrets whose values come from files, variables or secret-named
//! variables. Those are `secretGenerator` entries reading each value from
//! `secrets/<name>/<key>` beside the kustomization, a file the user writes and a
//! `.gitignore` there keeps out of git; no value is ever written into the tree. Generated
//! names keep no hash suffix (`disableNameSuffixHash`), so they are exactly the names
//! `convert` writes and the workloads' references hold without kustomize rewriting them.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::emit::{self, Format};
use crate::manifest::{Identity, Manifest};
use crate::translate::{ProvidedValues, Translation};

/// Where the user puts the values of a kustomization's generated Secrets, relative to its
/// directory (kustomize reads only files inside it).
pub const SECRET_VALUES_DIR: &str = "secrets";

/// Keeps the values the user puts beside it out of git.
const SECRET_VALUES_GITIGNORE: &str = "# Secret values the secretGenerator entries of \
../kustomization.yaml read: never in git.\n*\n!.gitignore\n";

/// The files of a kustomize tree, relative to the output directory, in a stable order.
pub fn render_tree(
    base: &Translation,
    overlays: &[(String, Translation)],
    format: Format,
) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut generators = Generators::default();
    let mut written = Vec::new();
    for object in &base.manifests {
        match base.provided.get(&object.identity()) {
            Some(values) => generators.add(object, values, None),
            None => written.push(object.clone()),
        }
    }
    let base_files = emit::render_files(&written, format);
    let resources: Vec<String> = base_files.iter().map(|(name, _)| name.clone()).collect();
    for (name, content) in base_files {
        files.push((format!("base/{name}"), content));
    }
    files.extend(kustomization("base", &resources, &[], &generators, None));
    for (name, overlay) in overlays {
        files.extend(render_overlay(name, base, overlay, format));
    }
    files
}

/// The values of Secrets that the tree does not hold: the file each is read from, relative
/// to the output directory, and where the user finds it. The base's are under
/// `base/secrets/<name>/<key>`; an overlay that changes such a Secret reads its own under
/// `overlays/<overlay>/secrets/<name>/<key>`, since its values may differ.
pub fn secret_values_needed(
    base: &Translation,
    overlays: &[(String, Translation)],
) -> Vec<(String, String)> {
    let mut needed = Vec::new();
    let mut add = |dir: &str, identity: &Identity, values: &ProvidedValues| {
        for (key, origin) in values {
            needed.push((
                format!("{dir}/{SECRET_VALUES_DIR}/{}/{key}", identity.name),
                origin.to_string(),
            ));
        }
    };
    for (identity, values) in &base.provided {
        add("base", identity, values);
    }
    let base_objects = by_identity(base);
    for (name, overlay) in overlays {
        let dir = format!("overlays/{name}");
        let moved = MovedNamespace::between(base, overlay);
        for object in &overlay.manifests {
            let Some(values) = overlay.provided.get(&object.identity()) else {
                continue;
            };
            let object = moved.undo(object);
            let identity = object.identity();
            let original = base_objects.get(&identity).copied();
            if regenerated(original, base.provided.get(&identity), &object, values) {
                add(&dir, &identity, values);
            }
        }
    }
    needed.sort();
    needed.dedup();
    needed
}

/// A translation's objects by identity.
fn by_identity(translation: &Translation) -> BTreeMap<Identity, &Manifest> {
    translation
        .manifests
        .iter()
        .map(|m| (m.identity(), m))
        .collect()
}

/// Whether an overlay needs a generator of its own for `object`, whose values come from
/// `values`: it is new, or it or its values differ from the base's (`original`, made from
/// `base_values`).
fn regenerated(
    original: Option<&Manifest>,
    base_values: Option<&ProvidedValues>,
    object: &Manifest,
    values: &ProvidedValues,
) -> bool {
    let unchanged = base_values == Some(values) && original == Some(object);
    !unchanged
}

/// The namespace an overlay moves the project to, when its override changes the
/// namespace (`x-kubernetes.namespace`): the overlay's objects are compared with the base's
/// as if they were in the base's namespace, and the overlay's `namespace:` field moves
/// them all, instead of a delete and an add of every object.
struct MovedNamespace {
    from: Option<String>,
    to: Option<String>,
}

impl MovedNamespace {
    fn between(base: &Translation, overlay: &Translation) -> Self {
        let namespace = |t: &Translation| {
            t.manifests
                .first()
                .and_then(|m| m.metadata().namespace.clone())
        };
        let (from, to) = (namespace(base), namespace(overlay));
        // Kustomize can set a namespace, not take one away.
        let to = to.filter(|to| Some(to) != from.as_ref());
        MovedNamespace { from, to }
    }

    /// `object` as it would be in the base's namespace.
    fn undo(&self, object: &Manifest) -> Manifest {
        let mut object = object.clone();
        if self.to.is_some() {
            object.metadata_mut().namespace = self.from.clone();
        }
        object
    }
}

/// The `secretGenerator` entries of one kustomization.
#[derive(Default)]
struct Generators {
    secrets: Vec<Json>,
}

impl Generators {
    /// A generator that makes the Secret `object`, each value read from
    /// `secrets/<name>/<key>`; `behavior` is `replace` where an overlay changes the base's.
    fn add(&mut self, object: &Manifest, values: &ProvidedValues, behavior: Option<&str>) {
        let files: Vec<String> = values
            .iter()
            .map(|(key, _)| format!("{key}={SECRET_VALUES_DIR}/{}/{key}", object.name()))
            .collect();
        let mut entry = json!({"name": object.name()});
        if let Some(namespace) = &object.metadata().namespace {
            entry["namespace"] = json!(namespace);
        }
        if let Some(behavior) = behavior {
            entry["behavior"] = json!(behavior);
        }
        if let Manifest::Secret(secret) = object {
            if let Some(type_) = &secret.type_ {
                entry["type"] = json!(type_);
            }
        }
        entry["files"] = json!(files);
        entry["options"] = options(object);
        self.secrets.push(entry);
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

/// `DIR/kustomization.yaml`, and the `.gitignore` of its Secret values when it has
/// generators.
fn kustomization(
    dir: &str,
    resources: &[String],
    patches: &[Json],
    generators: &Generators,
    namespace: Option<&str>,
) -> Vec<(String, String)> {
    let mut document = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
    });
    if let Some(namespace) = namespace {
        document["namespace"] = json!(namespace);
    }
    document["resources"] = json!(resources);
    if !generators.secrets.is_empty() {
        document["secretGenerator"] = Json::Array(generators.secrets.clone());
    }
    if !patches.is_empty() {
        document["patches"] = Json::Array(patches.to_vec());
    }
    let mut files = vec![(
        format!("{dir}/kustomization.yaml"),
        crate::yaml::to_string(&document).unwrap_or_default(),
    )];
    if !generators.secrets.is_empty() {
        files.push((
            format!("{dir}/{SECRET_VALUES_DIR}/.gitignore"),
            SECRET_VALUES_GITIGNORE.to_string(),
        ));
    }
    files
}

fn render_overlay(
    name: &str,
    base: &Translation,
    overlay: &Translation,
    format: Format,
) -> Vec<(String, String)> {
    let dir = format!("overlays/{name}");
    let moved = MovedNamespace::between(base, overlay);
    let mut base_by_identity = by_identity(base);
    let mut files = Vec::new();
    let mut resources = vec!["../../base".to_string()];
    let mut patches = Vec::new();
    let mut generators = Generators::default();
    for overlay_object in &overlay.manifests {
        let provided = overlay.provided.get(&overlay_object.identity());
        let object = moved.undo(overlay_object);
        let identity = object.identity();
        let original = base_by_identity.remove(&identity);
        if let Some(values) = provided {
            if regenerated(original, base.provided.get(&identity), &object, values) {
                generators.add(&object, values, original.map(|_| "replace"));
            }
            continue;
        }
        match original {
            None => {
                let file = object.file_name(format_extension(format));
                files.push((format!("{dir}/{file}"), emit::render_one(&object, format)));
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
    files.extend(kustomization(
        &dir,
        &resources,
        &patches,
        &generators,
        moved.to.as_deref(),
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
    fn identical_objects_need_no_patch() {
        let object = json!({"a": [1, {"b": 2}]});
        assert!(json_patch(&object, &object).is_empty());
    }
}
