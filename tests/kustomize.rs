//! The kustomize property, checked with the real `kubectl kustomize`: for every case under
//! `testdata/kustomize/<case>/` (a `compose.yaml`, override files, and an `overlays` file
//! with one `NAME=FILE[,FILE…]` line per overlay), `convert --kustomize` writes a tree such
//! that
//!
//! - `kubectl kustomize DIR/base` gives the objects of a plain `convert -f compose.yaml`, and
//! - `kubectl kustomize DIR/overlays/NAME` gives the objects of a plain
//!   `convert -f compose.yaml -f FILE…`.
//!
//! Objects are compared as parsed JSON, as a set (kustomize orders objects its own way).
//!
//! The tree is built where it was written and again after being moved to another directory,
//! with kustomize's default load restrictor: it reads nothing outside itself.
//!
//! A case may also have an `args` file (arguments added to every `convert`, such as
//! `--namespace`), an `environment` file (`NAME=VALUE` lines, set for every run; no
//! value may appear in the written tree) and a `secret-values` file (`PATH=NAME` lines: the
//! user's step of writing the variable's value, or with `PATH=@FILE` the case's file, to
//! PATH under the output directory before kustomize runs).
//! Without kubectl these tests are skipped with a line saying so, except under CI (the `CI`
//! variable), where they fail: `.ci/run` installs kubectl.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

mod support;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/kustomize")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("testdata/kustomize")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in testdata/kustomize");
    cases
}

/// The overlays of a case: name → override files, in the order given.
fn overlays(case: &Path) -> Vec<(String, Vec<String>)> {
    let text = fs::read_to_string(case.join("overlays"))
        .unwrap_or_else(|e| panic!("{}/overlays: {e}", case.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (name, files) = line.split_once('=').unwrap_or_else(|| {
                panic!("{}/overlays: `{line}` is not NAME=FILES", case.display())
            });
            (
                name.to_string(),
                files.split(',').map(str::to_string).collect(),
            )
        })
        .collect()
}

/// `NAME=VALUE` lines of an optional file of the case.
fn pairs(case: &Path, file: &str) -> Vec<(String, String)> {
    let Ok(text) = fs::read_to_string(case.join(file)) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn succeed(what: &str, output: Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn compose2k8s(case: &Path, args: &[&str]) -> String {
    let extra = fs::read_to_string(case.join("args")).unwrap_or_default();
    let output = Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
        .args(args)
        .args(extra.split_whitespace())
        .current_dir(case)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .envs(pairs(case, "environment"))
        .output()
        .expect("the binary runs");
    succeed(&format!("compose2k8s {}", args.join(" ")), output)
}

/// `kubectl kustomize` as it is run by default: it reads only files inside the
/// kustomization's directory.
fn kustomize(dir: &Path) -> String {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("kubectl kustomize: {e}"));
    succeed(&format!("kubectl kustomize {}", dir.display()), output)
}

/// The objects of a YAML stream, keyed by apiVersion, kind, namespace and name.
fn objects(yaml: &str, what: &str) -> BTreeMap<String, Json> {
    let documents = compose2k8s::yaml::parse(yaml, None)
        .unwrap_or_else(|e| panic!("{what}: not YAML: {e}\n{yaml}"));
    let mut objects = BTreeMap::new();
    for document in documents {
        let object = document.to_json();
        if object.is_null() {
            continue;
        }
        let metadata = &object["metadata"];
        let key = format!(
            "{} {} {} {}",
            object["apiVersion"].as_str().unwrap_or_default(),
            object["kind"].as_str().unwrap_or_default(),
            metadata["namespace"].as_str().unwrap_or_default(),
            metadata["name"].as_str().unwrap_or_default(),
        );
        assert!(
            objects.insert(key.clone(), object).is_none(),
            "{what}: {key} twice"
        );
    }
    objects
}

fn assert_same_objects(case: &Path, what: &str, expected: &str, actual: &str) {
    let expected = objects(expected, "convert");
    let actual = objects(actual, "kubectl kustomize");
    let expected_keys: Vec<&String> = expected.keys().collect();
    let actual_keys: Vec<&String> = actual.keys().collect();
    assert_eq!(
        actual_keys,
        expected_keys,
        "{} {what}: kustomize gives other objects than convert",
        case.display()
    );
    for (key, object) in &expected {
        assert_eq!(
            &actual[key],
            object,
            "{} {what}: {key} differs from convert's",
            case.display()
        );
    }
}

/// No file under `dir` holds `value` (the value of the variable `name`).
fn assert_no_file_holds(dir: &Path, value: &str, name: &str) {
    for entry in fs::read_dir(dir).expect("output directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            assert_no_file_holds(&path, value, name);
        } else {
            let text = fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !text.contains(value),
                "{} holds the value of {name}",
                path.display()
            );
        }
    }
}

/// No value of a Secret that a plain convert writes is in the tree, in any form convert
/// writes it (base64 in `data`).
fn assert_no_secret_copied(tree: &Path, plain: &str) {
    for object in objects(plain, "convert").values() {
        if object["kind"] != "Secret" {
            continue;
        }
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        for value in object["data"]
            .as_object()
            .into_iter()
            .flat_map(|d| d.values())
        {
            let value = value.as_str().unwrap_or_default();
            assert_no_file_holds(tree, value, &format!("the Secret {name}"));
        }
    }
}

struct Scratch(PathBuf);

impl Scratch {
    /// A scratch directory for `case`, told apart by `what`.
    fn new(case: &Path, what: &str) -> Scratch {
        let name = case.file_name().expect("case name").to_string_lossy();
        let dir = std::env::temp_dir().join(format!(
            "compose2k8s-kustomize-{name}-{what}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copies the directory `from` to `to`, files and directories.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("copy of the tree");
    for entry in fs::read_dir(from).expect("the tree") {
        let path = entry.expect("directory entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy a file");
        }
    }
}

fn check_case(case: &Path) {
    let overlays = overlays(case);
    let scratch = Scratch::new(case, "tree");
    let out = scratch.0.to_string_lossy().to_string();
    let mut args = vec!["convert", "-f", "compose.yaml", "--kustomize", "-o", &out];
    let specs: Vec<String> = overlays
        .iter()
        .map(|(name, files)| format!("{name}={}", files.join(",")))
        .collect();
    for spec in &specs {
        args.extend(["--overlay", spec.as_str()]);
    }
    compose2k8s(case, &args);
    for (name, value) in pairs(case, "environment") {
        assert_no_file_holds(&scratch.0, &value, &name);
        assert_no_file_holds(&scratch.0, &support::base64(value.as_bytes()), &name);
    }
    let environment: BTreeMap<String, String> = pairs(case, "environment").into_iter().collect();
    for (path, source) in pairs(case, "secret-values") {
        let path = scratch.0.join(path);
        let value = match source.strip_prefix('@') {
            Some(file) => fs::read(case.join(file)).expect("the case's secret file"),
            None => environment[&source].clone().into_bytes(),
        };
        fs::create_dir_all(path.parent().expect("a parent")).expect("secret values directory");
        fs::write(&path, value).expect("write the secret value");
    }
    // A tree committed in one repository and built in another.
    let moved = Scratch::new(case, "moved");
    copy_tree(&scratch.0, &moved.0);

    let plain_base = compose2k8s(case, &["convert", "-f", "compose.yaml"]);
    assert_no_secret_copied(&scratch.0, &plain_base);
    for tree in [&scratch.0, &moved.0] {
        assert_same_objects(case, "base", &plain_base, &kustomize(&tree.join("base")));
    }

    for (name, files) in &overlays {
        let mut plain_args = vec!["convert", "-f", "compose.yaml"];
        for file in files {
            plain_args.extend(["-f", file.as_str()]);
        }
        let plain = compose2k8s(case, &plain_args);
        assert_no_secret_copied(&scratch.0, &plain);
        for tree in [&scratch.0, &moved.0] {
            let built = kustomize(&tree.join("overlays").join(name));
            assert_same_objects(case, &format!("overlay {name}"), &plain, &built);
        }
    }
}

#[test]
fn kustomize_overlays_build_what_convert_builds() {
    if !support::tool_available("kubectl", &["kustomize", "--help"]) {
        return;
    }
    for case in cases() {
        check_case(&case);
    }
}

#[test]
fn base64_encodes_as_secrets_do() {
    assert_eq!(support::base64(b"pw"), "cHc=");
    assert_eq!(support::base64(b"pwd"), "cHdk");
    assert_eq!(support::base64(b"pass"), "cGFzcw==");
}
