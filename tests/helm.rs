//! Helm charts (`convert --helm`, issue 18).
//!
//! - The chart of the expense example (testdata/convert/expense) and of the override case
//!   testdata/helm/prod-override are golden: their files are under
//!   `testdata/helm-charts/<case>/` (`UPDATE_GOLDEN=1 cargo test --test helm` rewrites them).
//! - With a real `helm` (Helm 4): `helm lint --strict` passes, `helm template` with the
//!   default values gives `convert`'s objects (Secrets and Helm's three labels aside), with
//!   `-f values-prod.yaml` those of `convert -f compose.yaml -f compose.prod.yaml`,
//!   `--set <service>.image.tag=X` changes that container's image only, and the schema
//!   refuses a value of the wrong type. Without helm these are skipped with a line, except
//!   under CI, where they fail (`.ci/run` installs helm).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

mod support;

const HELM_LABELS: [&str; 3] = [
    "app.kubernetes.io/instance",
    "helm.sh/chart",
    "app.kubernetes.io/managed-by",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose2k8s-helm-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn compose2k8s(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
        .args(args)
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("MYSQL_ROOT_PASSWORD")
        .output()
        .expect("the binary runs")
}

fn succeed(what: &str, output: Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

fn helm(args: &[&str]) -> Output {
    Command::new("helm").args(args).output().expect("helm runs")
}

/// The files of a directory, relative to it, but for compose2k8s's own hidden index.
fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("directory") {
            let path = entry.expect("entry").path();
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if relative.starts_with(".compose2k8s") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                found.insert(relative, fs::read_to_string(&path).expect("text file"));
            }
        }
    }
    found
}

/// Compares the chart in `chart` with the golden files of `case`, or rewrites them.
fn check_golden(chart: &Path, case: &str) {
    let golden = root().join("testdata/helm-charts").join(case);
    let written = files(chart);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        let _ = fs::remove_dir_all(&golden);
        for (name, text) in &written {
            let path = golden.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        return;
    }
    let expected = files(&golden);
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the chart of {case} has other files than testdata/helm-charts/{case}"
    );
    for (name, text) in &expected {
        assert_eq!(
            &written[name], text,
            "{name} of the chart of {case} differs from the golden file \
             (UPDATE_GOLDEN=1 cargo test --test helm, and review the diff)"
        );
    }
}

/// Objects of a YAML stream by kind and name, Secrets apart, without Helm's labels.
fn objects(yaml: &str) -> (BTreeMap<String, Json>, Vec<String>) {
    let mut objects = BTreeMap::new();
    let mut secrets = Vec::new();
    for document in compose2k8s::yaml::parse(yaml, None).expect("YAML") {
        let mut object = document.to_json();
        if object.is_null() {
            continue;
        }
        let key = format!(
            "{} {}",
            object["kind"].as_str().unwrap_or_default(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        );
        if object["kind"] == "Secret" {
            secrets.push(key);
            continue;
        }
        strip_helm_labels(&mut object);
        assert!(objects.insert(key.clone(), object).is_none(), "{key} twice");
    }
    (objects, secrets)
}

/// Removes Helm's labels from every `metadata.labels`; selectors stay as they are.
fn strip_helm_labels(value: &mut Json) {
    match value {
        Json::Object(map) => {
            if let Some(Json::Object(labels)) =
                map.get_mut("metadata").and_then(|m| m.get_mut("labels"))
            {
                labels.retain(|key, _| !HELM_LABELS.contains(&key.as_str()));
            }
            map.values_mut().for_each(strip_helm_labels);
        }
        Json::Array(items) => items.iter_mut().for_each(strip_helm_labels),
        _ => {}
    }
}

/// The Secrets of a YAML stream, without Helm's labels.
fn secrets(yaml: &str) -> Vec<Json> {
    compose2k8s::yaml::parse(yaml, None)
        .expect("YAML")
        .iter()
        .map(|document| document.to_json())
        .filter(|object| object["kind"] == "Secret")
        .map(|mut object| {
            strip_helm_labels(&mut object);
            object
        })
        .collect()
}

fn assert_renders(expected: &str, rendered: &str, what: &str) {
    let (expected, _) = objects(expected);
    let (rendered, secrets) = objects(rendered);
    assert!(secrets.is_empty(), "{what}: renders Secrets {secrets:?}");
    assert_eq!(
        rendered.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: other objects than convert's"
    );
    for (key, object) in &expected {
        assert_eq!(
            &rendered[key], object,
            "{what}: {key} differs from convert's"
        );
    }
}

#[test]
fn the_expense_chart_renders_what_convert_writes() {
    let case = root().join("testdata/convert/expense");
    let chart = temp_dir("expense");
    let chart_arg = chart.to_str().unwrap();
    succeed(
        "convert --helm",
        compose2k8s(&case, &["convert", "--helm", "-o", chart_arg]),
    );
    check_golden(&chart, "expense");
    // The password of the compose file is in no file of the chart.
    for (name, text) in files(&chart) {
        assert!(!text.contains("ExpenseApp@1"), "{name} holds the password");
        assert!(
            !text.contains("RXhwZW5zZUFwcEAx"),
            "{name} holds the password"
        );
    }
    if !support::tool_available("helm", &["version"]) {
        return;
    }
    succeed("helm lint --strict", helm(&["lint", "--strict", chart_arg]));
    let plain = succeed("convert", compose2k8s(&case, &["convert"]));
    let rendered = succeed("helm template", helm(&["template", "expense", chart_arg]));
    assert_renders(&plain, &rendered, "expense");

    // One service's image tag changes that container's image, nothing else.
    let tagged = succeed(
        "helm template --set",
        helm(&[
            "template",
            "expense",
            chart_arg,
            "--set",
            "backend.image.tag=2.0.0",
        ]),
    );
    let (mut expected, _) = objects(&rendered);
    expected.get_mut("Deployment backend").unwrap()["spec"]["template"]["spec"]["containers"][0]
        ["image"] = Json::from("joindevops/backend:2.0.0");
    assert_eq!(objects(&tagged).0, expected);

    // A Secret the user asks the chart to create, with the data convert would write, is
    // convert's Secret.
    let with_secret = succeed(
        "helm template --set secrets…",
        helm(&[
            "template",
            "expense",
            chart_arg,
            "--set",
            "secrets.mysql-env.create=true",
            "--set",
            "secrets.mysql-env.data.MYSQL_ROOT_PASSWORD=RXhwZW5zZUFwcEAx",
        ]),
    );
    assert_eq!(secrets(&with_secret), secrets(&plain));

    // Values of the wrong type, and keys that do not exist, are refused by the schema.
    for wrong in [
        "backend.replicas=two",
        "frontend.image.pullPolicy=Sometimes",
        "backennd.replicas=2",
    ] {
        let output = helm(&["template", "expense", chart_arg, "--set", wrong]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success() && stderr.contains("schema"),
            "--set {wrong} is not refused by the schema: {stderr}"
        );
    }
    let _ = fs::remove_dir_all(&chart);
}

#[test]
fn an_override_file_becomes_a_values_file() {
    let case = root().join("testdata/helm/prod-override");
    let chart = temp_dir("prod-override");
    let chart_arg = chart.to_str().unwrap();
    let output = compose2k8s(
        &case,
        &[
            "convert",
            "--helm",
            "-o",
            chart_arg,
            "--overlay",
            "prod=compose.prod.yaml",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    succeed("convert --helm --overlay", output);
    assert!(!stderr.contains("overlay prod"), "{stderr}");
    check_golden(&chart, "prod-override");
    for (name, text) in files(&chart) {
        for secret in ["base-password", "from-the-base-file"] {
            assert!(!text.contains(secret), "{name} holds {secret}");
        }
    }
    if !support::tool_available("helm", &["version"]) {
        return;
    }
    succeed("helm lint --strict", helm(&["lint", "--strict", chart_arg]));
    let plain = succeed("convert", compose2k8s(&case, &["convert"]));
    let rendered = succeed("helm template", helm(&["template", "shop", chart_arg]));
    assert_renders(&plain, &rendered, "base");
    let prod = succeed(
        "convert -f -f",
        compose2k8s(
            &case,
            &["convert", "-f", "compose.yaml", "-f", "compose.prod.yaml"],
        ),
    );
    let values = chart.join("values-prod.yaml");
    let rendered = succeed(
        "helm template -f values-prod.yaml",
        helm(&[
            "template",
            "shop",
            chart_arg,
            "-f",
            values.to_str().unwrap(),
        ]),
    );
    assert_renders(&prod, &rendered, "prod");
    let _ = fs::remove_dir_all(&chart);
}

#[test]
fn what_an_override_changes_beyond_the_values_is_reported_by_key() {
    let case = root().join("testdata/kustomize/configs-and-secrets");
    let chart = temp_dir("beyond");
    let output = compose2k8s(
        &case,
        &[
            "convert",
            "--helm",
            "-o",
            chart.to_str().unwrap(),
            "--overlay",
            "prod=compose.prod.yaml",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "overlay prod: the override changes /data/app_config of the ConfigMap \
             `app-config`, which the chart's values do not express"
        ),
        "{stderr}"
    );
    let _ = fs::remove_dir_all(&chart);
}

#[test]
fn diff_helm_compares_a_chart_with_what_convert_would_write() {
    let case = root().join("testdata/convert/expense");
    let chart = temp_dir("diff");
    let chart_arg = chart.to_str().unwrap();
    succeed(
        "convert --helm",
        compose2k8s(&case, &["convert", "--helm", "-o", chart_arg]),
    );
    let same = compose2k8s(&case, &["diff", "--helm", chart_arg]);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    assert!(same.stdout.is_empty());
    let dry_run = compose2k8s(&case, &["convert", "--helm", "--dry-run", "-o", chart_arg]);
    assert_eq!(dry_run.status.code(), Some(0), "{dry_run:?}");
    let values = chart.join("values.yaml");
    let text = fs::read_to_string(&values).unwrap();
    fs::write(&values, text.replace("tag: \"1.0.0\"", "tag: \"9\"")).unwrap();
    let changed = compose2k8s(&case, &["diff", "--helm", chart_arg]);
    assert_eq!(changed.status.code(), Some(1));
    let shown = String::from_utf8_lossy(&changed.stdout);
    assert!(
        shown.contains("--- a/values.yaml") && shown.contains("-    tag: \"9\""),
        "{shown}"
    );
    // --dry-run shows the same and writes nothing.
    let dry_run = compose2k8s(&case, &["convert", "--helm", "--dry-run", "-o", chart_arg]);
    assert_eq!(dry_run.status.code(), Some(1));
    assert_eq!(dry_run.stdout, changed.stdout);
    assert!(fs::read_to_string(&values).unwrap().contains("tag: \"9\""));
    let _ = fs::remove_dir_all(&chart);
}

#[test]
fn helm_output_needs_a_directory_and_yaml() {
    let case = root().join("testdata/convert/expense");
    for (args, message) in [
        (&["convert", "--helm"][..], "--helm needs -o DIR"),
        (
            &[
                "convert",
                "--helm",
                "-o",
                "/nonexistent/x",
                "--format",
                "json",
            ][..],
            "--helm writes YAML templates",
        ),
        (
            &["convert", "-o", "/nonexistent/x", "--overlay", "a=b.yaml"][..],
            "--overlay needs --kustomize or --helm",
        ),
    ] {
        let output = compose2k8s(&case, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// The values reference in the README is generated from the values' schema; this fails
/// when it is stale (`UPDATE_GOLDEN=1 cargo test --test helm` rewrites it).
#[test]
fn the_readme_values_reference_is_current() {
    const START: &str = "<!-- helm-values-reference: generated from the schema -->\n";
    const END: &str = "<!-- end of helm-values-reference -->";
    let path = root().join("README.md");
    let readme = fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no values reference between `{START}` and `{END}`");
    };
    let generated = compose2k8s::helm::values::reference_markdown();
    let current = &readme[start + START.len()..end];
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        let updated = format!("{}{START}{generated}{}", &readme[..start], &readme[end..]);
        fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        current == generated,
        "the README's values reference is stale: run `UPDATE_GOLDEN=1 cargo test --test helm`"
    );
}
