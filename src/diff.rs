//! The dry-run diff: what `convert -o DIR` would change in DIR, object by object.
//!
//! Objects are matched by identity (apiVersion, kind, namespace, name), wherever they stand
//! in the directory's files. The result lists objects added, removed and changed; for a
//! changed object, the field paths that differ and a unified diff of its YAML. Secret values
//! never appear: they are masked before anything is rendered, and a changed value shows as a
//! changed path only.
//!
//! Only the files compose2k8s wrote are compared: those its index lists (see
//! [`crate::output_dir`]). The directory's other manifest files are hand-written or another
//! tool's; `convert` keeps them, so they are listed as not managed, never read nor counted
//! as removed. A directory without an index (an earlier version's, or another tool's) is
//! compared whole, every manifest file in it taken as compose2k8s's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::Value as Json;
use similar::TextDiff;

use crate::kustomize::SECRET_VALUES_DIR;
use crate::manifest::{Identity, Manifest};

/// What replaces a secret value in any output.
pub const MASK: &str = "***";

/// What the two sides are matched by: an object's identity for a directory of objects, a
/// [`TreeEntry`] for a kustomize tree.
pub trait Key: Ord + Clone {
    /// How the report names it, like `Deployment web (apps/v1)`.
    fn describe(&self) -> String;
    /// A short name for the headers of the unified diff.
    fn short_name(&self) -> String;
    /// The fields that identify it in the JSON summary (see [`render_json`]).
    fn to_json(&self) -> serde_json::Map<String, Json>;
}

impl Key for Identity {
    fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {}/{} ({})", self.kind, ns, self.name, self.api_version),
            None => format!("{} {} ({})", self.kind, self.name, self.api_version),
        }
    }

    fn short_name(&self) -> String {
        self.name.clone()
    }

    fn to_json(&self) -> serde_json::Map<String, Json> {
        let mut fields = serde_json::Map::new();
        fields.insert("apiVersion".into(), self.api_version.clone().into());
        fields.insert("kind".into(), self.kind.clone().into());
        if let Some(namespace) = &self.namespace {
            fields.insert("namespace".into(), namespace.clone().into());
        }
        fields.insert("name".into(), self.name.clone().into());
        fields
    }
}

/// One object (or, in a kustomize tree, one file) as found on one side.
#[derive(Debug, Clone, PartialEq)]
pub struct Object<K = Identity> {
    pub identity: K,
    pub body: Json,
}

/// How the directory compares with what would be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes<K = Identity> {
    pub added: Vec<Object<K>>,
    pub removed: Vec<Object<K>>,
    pub changed: Vec<Changed<K>>,
    /// The objects that stay as they are.
    pub unchanged: Vec<K>,
    /// Manifest files in the directory that compose2k8s did not write: listed, not compared.
    pub unmanaged: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Changed<K = Identity> {
    pub identity: K,
    /// Field paths that differ, like `spec.template.spec.containers[0].image`.
    pub paths: Vec<String>,
    pub before: Json,
    pub after: Json,
}

impl<K> Changes<K> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// What `diff` reads of a directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<K = Identity> {
    /// The objects (or tree entries) of the files compose2k8s wrote there.
    pub objects: Vec<Object<K>>,
    /// The other manifest files, by path relative to the directory: not read.
    pub unmanaged: Vec<String>,
}

/// A file of manifests (or a kustomization) by its name; not a `.gitignore`.
fn is_manifest_name(name: &str) -> bool {
    matches!(
        Path::new(name).extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Splits the manifest files `listed` in `dir` into those to read and those not managed.
/// With the index (`managed`), the files to read are the ones it lists that are there and
/// that `wanted` keeps; without, every listed file is read.
fn split_managed(
    dir: &Path,
    listed: Vec<String>,
    managed: Option<&BTreeSet<String>>,
    wanted: impl Fn(&str) -> bool,
) -> (Vec<String>, Vec<String>) {
    let Some(managed) = managed else {
        return (listed, Vec::new());
    };
    let unmanaged = listed
        .into_iter()
        .filter(|name| !managed.contains(name))
        .collect();
    let read = managed
        .iter()
        .filter(|name| wanted(name))
        // A file of the last run that someone removed: its objects count as added.
        .filter(|name| fs::symlink_metadata(dir.join(name)).is_ok())
        .cloned()
        .collect();
    (read, unmanaged)
}

/// Reads the objects of `dir`'s YAML and JSON files: with `managed` (the names its index
/// lists), of those files only, the others being listed as not managed; without, of every
/// such file directly in `dir`.
pub fn read_directory(dir: &Path, managed: Option<&BTreeSet<String>>) -> Result<Found> {
    let mut listed: Vec<String> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter_map(|p| Some(p.file_name()?.to_str()?.to_string()))
        .filter(|name| is_manifest_name(name))
        .collect();
    listed.sort();
    let (names, unmanaged) = split_managed(dir, listed, managed, is_manifest_name);
    let mut objects = Vec::new();
    for name in names {
        let path = dir.join(name);
        let text = read_manifest_file(&path)?;
        let documents = crate::yaml::parse(&text, None)
            .map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        for document in documents {
            collect_objects(document.to_json(), &mut objects);
        }
    }
    Ok(Found { objects, unmanaged })
}

/// The largest manifest file `diff` reads, as the loader bounds a compose file: the
/// directory may come from someone else, and a link in it could point at a device.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

fn read_manifest_file(path: &Path) -> Result<String> {
    let bytes = crate::files::read_regular(path, MAX_MANIFEST_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// The objects of a document: one object, or the items of a `List` (as `kubectl get -o
/// json` prints several).
pub fn objects_of(document: Json) -> Vec<Object> {
    let mut objects = Vec::new();
    collect_objects(document, &mut objects);
    objects
}

/// A document may be one object or a `List` of them.
fn collect_objects(document: Json, into: &mut Vec<Object>) {
    if document.get("kind").and_then(Json::as_str) == Some("List") {
        if let Some(Json::Array(items)) = document.get("items") {
            for item in items {
                collect_objects(item.clone(), into);
            }
        }
        return;
    }
    if let Some(identity) = identity_of(&document) {
        into.push(Object {
            identity,
            body: document,
        });
    }
}

fn identity_of(object: &Json) -> Option<Identity> {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).map(String::from);
    let metadata = object.get("metadata");
    Some(Identity {
        api_version: text(object.get("apiVersion"))?,
        kind: text(object.get("kind"))?,
        namespace: text(metadata.and_then(|m| m.get("namespace"))),
        name: text(metadata.and_then(|m| m.get("name")))?,
    })
}

/// An entry of a kustomize tree: an object, in the directory of the kustomization that
/// lists it, or a whole file that is not an object (a kustomization, a patch).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TreeEntry {
    Object {
        directory: String,
        identity: Identity,
    },
    File(String),
}

impl Key for TreeEntry {
    fn describe(&self) -> String {
        match self {
            TreeEntry::Object {
                directory,
                identity,
            } => format!("{} in {directory}/", identity.describe()),
            TreeEntry::File(path) => path.clone(),
        }
    }

    fn short_name(&self) -> String {
        match self {
            TreeEntry::Object {
                directory,
                identity,
            } => format!("{directory}/{}", identity.name),
            TreeEntry::File(path) => path.clone(),
        }
    }

    fn to_json(&self) -> serde_json::Map<String, Json> {
        match self {
            TreeEntry::Object {
                directory,
                identity,
            } => {
                let mut fields = serde_json::Map::new();
                fields.insert("directory".into(), directory.clone().into());
                fields.extend(identity.to_json());
                fields
            }
            TreeEntry::File(path) => {
                serde_json::Map::from_iter([("file".to_string(), path.clone().into())])
            }
        }
    }
}

/// Reads a kustomize tree as `convert --kustomize` writes it: with `managed` (the names
/// its index lists), those files, the tree's other YAML and JSON files being listed as not
/// managed; without, every YAML and JSON file under `dir`. Hidden files and the directory
/// of secret values, which the user fills and which must never be shown, are never read.
pub fn read_tree(dir: &Path, managed: Option<&BTreeSet<String>>) -> Result<Found<TreeEntry>> {
    let mut listed = Vec::new();
    collect_tree_files(dir, "", &mut listed)?;
    listed.sort();
    // The `.gitignore` of a `secrets/` directory is the tree's, and no manifest.
    let (paths, unmanaged) = split_managed(dir, listed, managed, |name| {
        is_manifest_name(name) && !name.split('/').any(|part| part == SECRET_VALUES_DIR)
    });
    let mut entries = Vec::new();
    for relative in paths {
        let path = dir.join(&relative);
        let text = read_manifest_file(&path)?;
        tree_entries(&relative, &text, &mut entries)
            .map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
    }
    Ok(Found {
        objects: entries,
        unmanaged,
    })
}

fn collect_tree_files(dir: &Path, prefix: &str, into: &mut Vec<String>) -> Result<()> {
    let listing = fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in listing.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        // The user's Secret values are not the tree's to compare (nor to read).
        if name.starts_with('.') || name == SECRET_VALUES_DIR {
            continue;
        }
        let relative = format!("{prefix}{name}");
        let path = entry.path();
        if path.is_dir() {
            collect_tree_files(&path, &format!("{relative}/"), into)?;
        } else if is_manifest_name(&relative) {
            into.push(relative);
        }
    }
    Ok(())
}

/// The entries of the tree `convert --kustomize` would write (paths relative to its root).
pub fn rendered_tree(files: &[(String, String)]) -> Result<Vec<Object<TreeEntry>>> {
    let mut entries = Vec::new();
    for (relative, text) in files.iter().filter(|(name, _)| is_manifest_name(name)) {
        tree_entries(relative, text, &mut entries)
            .map_err(|e| anyhow::anyhow!("{relative}:{e}"))?;
    }
    Ok(entries)
}

/// A file whose documents are all objects gives one entry per object; any other file (a
/// kustomization, a JSON patch, a `$patch: delete`) is one entry, and a file that is not
/// YAML or JSON (a file a generator reads) is one entry of its text.
fn tree_entries(relative: &str, text: &str, into: &mut Vec<Object<TreeEntry>>) -> Result<()> {
    if !is_manifest_name(relative) {
        into.push(Object {
            identity: TreeEntry::File(relative.to_string()),
            body: Json::String(text.to_string()),
        });
        return Ok(());
    }
    let documents: Vec<Json> = crate::yaml::parse(text, None)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .iter()
        .map(|d| d.to_json())
        .collect();
    let objects: Option<Vec<Identity>> = documents
        .iter()
        .map(|d| identity_of(d).filter(|_| d.get("$patch").is_none()))
        .collect();
    match objects {
        Some(identities) if !identities.is_empty() => {
            let directory = match relative.rsplit_once('/') {
                Some((directory, _)) => directory.to_string(),
                None => ".".to_string(),
            };
            for (identity, body) in identities.into_iter().zip(documents) {
                into.push(Object {
                    identity: TreeEntry::Object {
                        directory: directory.clone(),
                        identity,
                    },
                    body,
                });
            }
        }
        _ => {
            let body = match <[Json; 1]>::try_from(documents) {
                Ok([single]) => single,
                Err(several) => Json::Array(several),
            };
            into.push(Object {
                identity: TreeEntry::File(relative.to_string()),
                body,
            });
        }
    }
    Ok(())
}

/// The objects `convert` would write.
pub fn rendered(manifests: &[Manifest]) -> Vec<Object> {
    manifests
        .iter()
        .map(|m| Object {
            identity: m.identity(),
            body: m.to_json(),
        })
        .collect()
}

/// Compares what is in the directory (`before`) with what would be written (`after`).
pub fn compare<K: Key>(before: Vec<Object<K>>, after: Vec<Object<K>>) -> Changes<K> {
    let mut old: BTreeMap<K, Json> = before.into_iter().map(|o| (o.identity, o.body)).collect();
    let mut changes = Changes {
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: Vec::new(),
        unmanaged: Vec::new(),
    };
    for object in after {
        match old.remove(&object.identity) {
            None => changes.added.push(object),
            Some(previous) if previous == object.body => changes.unchanged.push(object.identity),
            Some(previous) => {
                let mut paths = Vec::new();
                changed_paths(&previous, &object.body, String::new(), &mut paths);
                changes.changed.push(Changed {
                    identity: object.identity,
                    paths,
                    before: previous,
                    after: object.body,
                });
            }
        }
    }
    changes.removed = old
        .into_iter()
        .map(|(identity, body)| Object { identity, body })
        .collect();
    changes.added.sort_by(|a, b| a.identity.cmp(&b.identity));
    changes.changed.sort_by(|a, b| a.identity.cmp(&b.identity));
    changes.unchanged.sort();
    changes
}

fn changed_paths(before: &Json, after: &Json, path: String, out: &mut Vec<String>) {
    match (before, after) {
        (Json::Object(a), Json::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let next = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => changed_paths(x, y, next, out),
                    _ => out.push(next),
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                changed_paths(x, y, format!("{path}[{i}]"), out);
            }
        }
        _ if before != after => out.push(if path.is_empty() { ".".into() } else { path }),
        _ => {}
    }
}

/// Replaces the values of a Secret's `data` and `stringData` with [`MASK`].
pub fn masked(object: &Json) -> Json {
    let mut copy = object.clone();
    if copy.get("kind").and_then(Json::as_str) == Some("Secret") {
        for field in ["data", "stringData"] {
            if let Some(Json::Object(values)) = copy.get_mut(field) {
                for value in values.values_mut() {
                    *value = Json::String(MASK.to_string());
                }
            }
        }
    }
    copy
}

fn yaml_of(object: &Json) -> String {
    crate::yaml::to_string(&masked(object)).unwrap_or_default()
}

/// The words a diff is told in: what happens to the objects of each side.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// An object only the new output has.
    pub added: &'static str,
    /// An object only the old side has.
    pub removed: &'static str,
    /// Whether lines start with a mark (`+`, `-`, `~`) before the word.
    pub marks: bool,
    /// Whether each unchanged object has its line too, not only a count.
    pub list_unchanged: bool,
}

/// For a directory: files to be added and removed, counted when unchanged.
pub const DIRECTORY: Words = Words {
    added: "added",
    removed: "removed",
    marks: true,
    list_unchanged: false,
};

/// For a cluster: objects to be created and pruned, each line starting with the word.
pub const CLUSTER: Words = Words {
    added: "created",
    removed: "pruned",
    marks: false,
    list_unchanged: true,
};

/// The report: one block per changed object, then a summary line. `colour` adds ANSI
/// colours for a terminal.
pub fn render<K: Key>(changes: &Changes<K>, colour: bool) -> String {
    render_in(changes, colour, &DIRECTORY)
}

/// Like [`render`], in the given words.
pub fn render_in<K: Key>(changes: &Changes<K>, colour: bool, words: &Words) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let line = |mark: &str, word: &str, identity: &K| match words.marks {
        true => format!("{mark} {word}: {}", identity.describe()),
        false => format!("{word}: {}", identity.describe()),
    };
    let mut out = String::new();
    for object in &changes.added {
        let _ = writeln!(
            out,
            "{}",
            paint("32", &line("+", words.added, &object.identity))
        );
    }
    for object in &changes.removed {
        let _ = writeln!(
            out,
            "{}",
            paint("31", &line("-", words.removed, &object.identity))
        );
    }
    for change in &changes.changed {
        let _ = writeln!(
            out,
            "{}",
            paint("33", &line("~", "changed", &change.identity))
        );
        for path in &change.paths {
            let _ = writeln!(out, "    {path}");
        }
        let (before, after) = (yaml_of(&change.before), yaml_of(&change.after));
        let diff = TextDiff::from_lines(&before, &after);
        let name = change.identity.short_name();
        let unified = diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        for line in unified.lines() {
            let painted = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => paint("32", line),
                Some('-') if !line.starts_with("---") => paint("31", line),
                Some('@') => paint("36", line),
                _ => line.to_string(),
            };
            let _ = writeln!(out, "  {painted}");
        }
    }
    if words.list_unchanged {
        for identity in &changes.unchanged {
            let _ = writeln!(out, "{}", line("=", "unchanged", identity));
        }
    }
    for file in &changes.unmanaged {
        let _ = writeln!(out, "? not managed by compose2k8s: {file}");
    }
    let _ = write!(
        out,
        "{} {}, {} {}, {} changed, {} unchanged",
        changes.added.len(),
        words.added,
        changes.removed.len(),
        words.removed,
        changes.changed.len(),
        changes.unchanged.len()
    );
    if !changes.unmanaged.is_empty() {
        let _ = write!(
            out,
            ", {} not managed by compose2k8s",
            changes.unmanaged.len()
        );
    }
    out.push('\n');
    out
}

/// The summary for machines (`--report json`), one JSON document:
///
/// ```json
/// {"summary": {"added": 1, "removed": 0, "changed": 1, "unchanged": 5, "unmanaged": 1},
///  "added": [{"apiVersion": "v1", "kind": "Service", "name": "web", "description": "Service web (v1)"}],
///  "removed": [],
///  "changed": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
///               "description": "Deployment web (apps/v1)", "paths": ["spec.replicas"]}],
///  "unmanaged": ["hand-written.yaml"]}
/// ```
///
/// An object is named by its identity (`namespace` when it has one; in a kustomize tree,
/// `directory` too), or `file` for a tree's file that is not an object. Bodies are left
/// out, so no value, a Secret's least of all, is in it: a changed Secret value shows as a
/// changed path (`data.password`).
pub fn render_json<K: Key>(changes: &Changes<K>) -> String {
    let entry = |identity: &K| {
        let mut fields = identity.to_json();
        fields.insert("description".into(), identity.describe().into());
        fields
    };
    let objects = |objects: &[Object<K>]| -> Vec<Json> {
        objects
            .iter()
            .map(|o| Json::Object(entry(&o.identity)))
            .collect()
    };
    let changed: Vec<Json> = changes
        .changed
        .iter()
        .map(|change| {
            let mut fields = entry(&change.identity);
            fields.insert("paths".into(), change.paths.clone().into());
            Json::Object(fields)
        })
        .collect();
    let document = serde_json::json!({
        "summary": {
            "added": changes.added.len(),
            "removed": changes.removed.len(),
            "changed": changes.changed.len(),
            "unchanged": changes.unchanged.len(),
            "unmanaged": changes.unmanaged.len(),
        },
        "added": objects(&changes.added),
        "removed": objects(&changes.removed),
        "changed": changed,
        "unmanaged": changes.unmanaged,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_to_kernel_files_and_fifos_in_the_directory_are_not_read() {
        let dir = std::env::temp_dir().join(format!("compose2k8s-diff-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("/proc/self/pagemap", dir.join("a.yaml")).unwrap();
        for error in [
            format!("{:#}", read_directory(&dir, None).unwrap_err()),
            format!("{:#}", read_tree(&dir, None).unwrap_err()),
        ] {
            assert!(
                error.contains("a.yaml: /proc/")
                    && error
                        .ends_with("/pagemap is under /proc, /sys or /dev, which is never read"),
                "{error}"
            );
        }
        fs::remove_file(dir.join("a.yaml")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("b.yaml"))
            .status();
        assert!(fifo.is_ok_and(|s| s.success()));
        assert!(
            read_directory(&dir, None).unwrap().objects.is_empty(),
            "a FIFO is skipped"
        );
        let error = format!("{:#}", read_tree(&dir, None).unwrap_err());
        assert!(error.ends_with("b.yaml: not a regular file"), "{error}");
        fs::remove_dir_all(&dir).unwrap();
    }

    fn object(kind: &str, name: &str, body: Json) -> Object {
        let mut full = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}});
        if let (Json::Object(target), Json::Object(extra)) = (&mut full, body) {
            target.extend(extra);
        }
        Object {
            identity: identity_of(&full).expect("identity"),
            body: full,
        }
    }

    #[test]
    fn added_removed_and_changed_objects_are_told_apart() {
        let before = vec![
            object("Service", "a", json!({"spec": {"ports": [{"port": 80}]}})),
            object("Service", "gone", json!({})),
            object("ConfigMap", "same", json!({"data": {"k": "v"}})),
        ];
        let after = vec![
            object("Service", "a", json!({"spec": {"ports": [{"port": 8080}]}})),
            object("Service", "new", json!({})),
            object("ConfigMap", "same", json!({"data": {"k": "v"}})),
        ];
        let changes = compare(before, after);
        assert_eq!(changes.added.len(), 1);
        assert_eq!(changes.removed[0].identity.name, "gone");
        assert_eq!(changes.changed[0].paths, ["spec.ports[0].port"]);
        assert_eq!(changes.unchanged.len(), 1);
    }

    #[test]
    fn secret_values_never_appear() {
        let before = vec![object("Secret", "s", json!({"data": {"password": "b2xk"}}))];
        let after = vec![object("Secret", "s", json!({"data": {"password": "bmV3"}}))];
        let changes = compare(before, after);
        for text in [render(&changes, false), render_json(&changes)] {
            assert!(text.contains("data.password"));
            assert!(!text.contains("b2xk") && !text.contains("bmV3"), "{text}");
        }
    }

    #[test]
    fn in_a_cluster_s_words_every_object_has_a_line_starting_with_what_happens() {
        let before = vec![
            object("Service", "a", json!({"spec": {"ports": [{"port": 80}]}})),
            object("Service", "gone", json!({})),
            object("ConfigMap", "same", json!({})),
        ];
        let after = vec![
            object("Service", "a", json!({"spec": {"ports": [{"port": 8080}]}})),
            object("Service", "new", json!({})),
            object("ConfigMap", "same", json!({})),
        ];
        let text = render_in(&compare(before, after), false, &CLUSTER);
        let heads: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(
            heads,
            [
                "created: Service new (v1)",
                "pruned: Service gone (v1)",
                "changed: Service a (v1)",
                "unchanged: ConfigMap same (v1)",
                "1 created, 1 pruned, 1 changed, 1 unchanged",
            ]
        );
    }

    #[test]
    fn the_json_summary_names_objects_and_paths() {
        let before = vec![
            object("Service", "a", json!({"spec": {"ports": [{"port": 80}]}})),
            object("Service", "gone", json!({})),
        ];
        let mut after = vec![
            object("Service", "a", json!({"spec": {"ports": [{"port": 8080}]}})),
            object("Service", "new", json!({})),
        ];
        after[1].identity.namespace = Some("prod".into());
        let mut changes = compare(before, after);
        changes.unmanaged = vec!["hand.yaml".into()];
        let document: Json = serde_json::from_str(&render_json(&changes)).unwrap();
        assert_eq!(
            document,
            json!({
                "summary": {"added": 1, "removed": 1, "changed": 1, "unchanged": 0, "unmanaged": 1},
                "added": [{"apiVersion": "v1", "kind": "Service", "namespace": "prod",
                           "name": "new", "description": "Service prod/new (v1)"}],
                "removed": [{"apiVersion": "v1", "kind": "Service", "name": "gone",
                             "description": "Service gone (v1)"}],
                "changed": [{"apiVersion": "v1", "kind": "Service", "name": "a",
                             "description": "Service a (v1)", "paths": ["spec.ports[0].port"]}],
                "unmanaged": ["hand.yaml"],
            })
        );
    }

    #[test]
    fn with_an_index_only_its_files_are_read_and_the_others_listed() {
        let dir = std::env::temp_dir().join(format!("compose2k8s-managed-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("base")).unwrap();
        let service =
            |name: &str| format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n");
        fs::write(dir.join("a-service.yaml"), service("a")).unwrap();
        fs::write(dir.join("hand.yaml"), "not: [an object").unwrap();
        fs::write(dir.join("base/b-service.yaml"), service("b")).unwrap();
        fs::write(dir.join("base/hand.json"), "{").unwrap();
        fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
        let index = BTreeSet::from([
            "a-service.yaml".to_string(),
            "base/b-service.yaml".to_string(),
            "gone-service.yaml".to_string(),
        ]);
        let flat = read_directory(&dir, Some(&index)).unwrap();
        let names: Vec<&str> = flat
            .objects
            .iter()
            .map(|o| o.identity.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(flat.unmanaged, ["hand.yaml"]);
        let tree = read_tree(&dir, Some(&index)).unwrap();
        assert_eq!(tree.objects.len(), 2);
        assert_eq!(tree.unmanaged, ["base/hand.json", "hand.yaml"]);
        // Without an index every manifest file is compose2k8s's, as before indexes had a say.
        let error = format!("{:#}", read_directory(&dir, None).unwrap_err());
        assert!(error.contains("hand.yaml"), "{error}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
