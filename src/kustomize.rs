//! Kustomize output: a base from the project's files and one overlay per environment from
//! its override files.
//!
//! `base/` holds the objects of the base project and a `kustomization.yaml` listing them.
//! Each `overlays/<name>/` builds on `../../base`: objects the override files add are
//! resources of the overlay, objects they change get a JSON 6902 patch with exactly the
//! operations that turn the base object into the overlay's, and objects they remove get a
//! `$patch: delete`. So `kubectl kustomize overlays/<name>` yields what a plain `convert` of
//! the base and override files together yields.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::emit::{self, Format};
use crate::manifest::{Identity, Manifest};

/// The files of a kustomize tree, relative to the output directory, in a stable order.
pub fn render_tree(
    base: &[Manifest],
    overlays: &[(String, Vec<Manifest>)],
    format: Format,
) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let base_files = emit::render_files(base, format);
    let resources: Vec<String> = base_files.iter().map(|(name, _)| name.clone()).collect();
    for (name, content) in base_files {
        files.push((format!("base/{name}"), content));
    }
    files.push((
        "base/kustomization.yaml".to_string(),
        kustomization(&resources, &[]),
    ));
    for (name, objects) in overlays {
        files.extend(render_overlay(name, base, objects, format));
    }
    files
}

fn kustomization(resources: &[String], patches: &[Json]) -> String {
    let mut document = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    if !patches.is_empty() {
        document["patches"] = Json::Array(patches.to_vec());
    }
    crate::yaml::to_string(&document).unwrap_or_default()
}

fn render_overlay(
    name: &str,
    base: &[Manifest],
    objects: &[Manifest],
    format: Format,
) -> Vec<(String, String)> {
    let dir = format!("overlays/{name}");
    let mut base_by_identity: BTreeMap<Identity, &Manifest> =
        base.iter().map(|m| (m.identity(), m)).collect();
    let mut files = Vec::new();
    let mut resources = vec!["../../base".to_string()];
    let mut patches = Vec::new();
    for object in objects {
        let identity = object.identity();
        match base_by_identity.remove(&identity) {
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
        kustomization(&resources, &patches),
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
