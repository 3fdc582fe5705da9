//! `diff` and `convert --dry-run`: exit codes (0 same, 1 changed, 2 error — a broken project
//! included, so CI can tell "stale" from "broken"), the changed
//! object and field named, and nothing written.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("compose2k8s-diff-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/expense/compose.yaml"),
            dir.join("compose.yaml"),
        )
        .expect("copy example");
        Scratch(dir)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("the binary runs")
    }

    fn edit(&self, from: &str, to: &str) {
        let path = self.0.join("compose.yaml");
        let text = fs::read_to_string(&path).expect("compose file");
        assert!(text.contains(from));
        fs::write(&path, text.replace(from, to)).expect("write compose file");
    }

    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(self.0.join("out"))
            .expect("out dir")
            .map(|e| {
                let p = e.expect("entry").path();
                let bytes = fs::read(&p).expect("read");
                (p, bytes)
            })
            .collect();
        files.sort();
        files
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn no_change_exits_zero() {
    let scratch = Scratch::new("same");
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    let output = scratch.run(&["diff", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("0 added, 0 removed, 0 changed, "));
}

#[test]
fn a_change_names_the_object_and_field_and_writes_nothing() {
    let scratch = Scratch::new("changed");
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    let before = scratch.snapshot();
    scratch.edit("joindevops/backend:1.0.0", "joindevops/backend:1.1.0");
    for args in [
        &["diff", "out"][..],
        &["convert", "--dry-run", "-o", "out"][..],
    ] {
        let output = scratch.run(args);
        assert_eq!(output.status.code(), Some(1));
        let text = stdout(&output);
        assert!(
            text.contains("~ changed: Deployment backend (apps/v1)"),
            "{text}"
        );
        assert!(
            text.contains("    spec.template.spec.containers[0].image"),
            "{text}"
        );
        let added_line = text.lines().any(|l| {
            l.starts_with("  +") && l.trim_end().ends_with("image: joindevops/backend:1.1.0")
        });
        assert!(added_line, "{text}");
        assert_eq!(
            scratch.snapshot(),
            before,
            "{args:?} wrote to the directory"
        );
    }
}

#[test]
fn removed_and_added_objects_are_listed() {
    let scratch = Scratch::new("added");
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    scratch.edit("    ports:\n      - \"80:80\"\n", "");
    let text = stdout(&scratch.run(&["diff", "out"]));
    assert!(text.contains("- removed: Service frontend (v1)"), "{text}");
}

#[test]
fn a_bad_project_is_an_error_not_a_change() {
    let scratch = Scratch::new("error");
    fs::write(scratch.0.join("compose.yaml"), "services: [").expect("write");
    assert_eq!(scratch.run(&["diff", "out"]).status.code(), Some(2));
    let dry_run = scratch.run(&["convert", "--dry-run", "-o", "out"]);
    assert_eq!(dry_run.status.code(), Some(2));
    let usage = scratch.run(&["convert", "--dry-run"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn secret_values_never_appear_in_the_diff() {
    let scratch = Scratch::new("secret");
    fs::write(
        scratch.0.join("compose.yaml"),
        "services:\n  app:\n    image: example/app:1\n    expose: [\"80\"]\n    secrets: [token]\n\
         secrets:\n  token:\n    file: ./token.txt\n",
    )
    .expect("write compose file");
    fs::write(scratch.0.join("token.txt"), "old-secret-value").expect("write secret");
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    fs::write(scratch.0.join("token.txt"), "new-secret-value").expect("write secret");
    let output = scratch.run(&["diff", "out"]);
    assert_eq!(output.status.code(), Some(1));
    let text = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("~ changed: Secret token (v1)"), "{text}");
    assert!(text.contains("    data.token"), "{text}");
    // The values, and their base64 forms as they stand in the Secret's data.
    for secret in [
        "old-secret-value",
        "new-secret-value",
        "b2xkLXNlY3JldC12YWx1ZQ",
        "bmV3LXNlY3JldC12YWx1ZQ",
    ] {
        assert!(!text.contains(secret), "{text}");
    }
}

/// Every file under `dir`, recursively, with its bytes.
fn tree_snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).expect("read");
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

const PROD_OVERRIDE: &str = "services:\n  backend:\n    deploy:\n      replicas: 3\n";

#[test]
fn kustomize_trees_are_diffed_per_directory_and_file() {
    let scratch = Scratch::new("kustomize");
    fs::write(scratch.0.join("compose.prod.yaml"), PROD_OVERRIDE).expect("write override");
    let tree = ["--kustomize", "--overlay", "prod=compose.prod.yaml"];
    let convert: Vec<&str> = ["convert", "-o", "out"]
        .iter()
        .chain(&tree)
        .copied()
        .collect();
    assert!(scratch.run(&convert).status.success());
    let diff: Vec<&str> = ["diff", "out"].iter().chain(&tree).copied().collect();
    let dry_run: Vec<&str> = convert.iter().chain(&["--dry-run"]).copied().collect();

    let same = scratch.run(&diff);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(stdout(&same).contains("0 added, 0 removed, 0 changed, "));

    let before = tree_snapshot(&scratch.0.join("out"));
    scratch.edit("joindevops/backend:1.0.0", "joindevops/backend:1.1.0");
    fs::write(
        scratch.0.join("compose.prod.yaml"),
        PROD_OVERRIDE.replace("replicas: 3", "replicas: 5"),
    )
    .expect("write override");
    for args in [&diff, &dry_run] {
        let output = scratch.run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let text = stdout(&output);
        assert!(
            text.contains("~ changed: Deployment backend (apps/v1) in base/"),
            "{text}"
        );
        assert!(
            text.contains("    spec.template.spec.containers[0].image"),
            "{text}"
        );
        assert!(
            text.contains("~ changed: overlays/prod/backend-deployment-patch.yaml"),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l.trim_end() == "  +  value: 5"),
            "{text}"
        );
        assert!(text.contains("0 added, 0 removed, 2 changed, "), "{text}");
        assert_eq!(
            tree_snapshot(&scratch.0.join("out")),
            before,
            "{args:?} wrote to the tree"
        );
    }

    // Without the overlay, the overlay's files would go.
    let text = stdout(&scratch.run(&["diff", "out", "--kustomize"]));
    assert!(
        text.contains("- removed: overlays/prod/kustomization.yaml"),
        "{text}"
    );
}

#[test]
fn kustomize_diff_needs_the_kustomize_flag_for_overlays() {
    let scratch = Scratch::new("kustomize-usage");
    let output = scratch.run(&["diff", "out", "--overlay", "prod=compose.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --overlay needs --kustomize or --helm\n"
    );
}

#[test]
fn diff_takes_the_network_policies_of_convert() {
    let scratch = Scratch::new("policies");
    let converted = scratch.run(&["convert", "--network-policies", "-o", "out"]);
    assert!(converted.status.success());
    let same = scratch.run(&["diff", "--network-policies", "out"]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    let without = stdout(&scratch.run(&["diff", "out"]));
    assert!(
        without.contains("- removed: NetworkPolicy expense-default (networking.k8s.io/v1)"),
        "{without}"
    );
    assert!(
        without.contains("    spec.template.metadata.labels"),
        "{without}"
    );
}
