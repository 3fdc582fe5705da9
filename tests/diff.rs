//! `diff` and `convert --dry-run`: exit codes (0 same, 1 changed, 2 error — a broken project
//! and a missing directory included, so CI can tell "stale" from "broken"), the changed
//! object and field named, nothing written, hand-written files listed and not counted, the
//! flags taken from the index, and the JSON summary.

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

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

const HAND_WRITTEN: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hand\ndata:\n  k: v\n";

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
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(text.contains("~ changed: Secret token (v1)"), "{text}");
    assert!(text.contains("    data.token"), "{text}");
    let output = scratch.run(&["diff", "out", "--report", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        json(&stdout(&output))["changed"][0]["paths"],
        serde_json::json!(["data.token"])
    );
    let machine = format!("{}{}", stdout(&output), stderr(&output));
    // The values, and their base64 forms as they stand in the Secret's data.
    for secret in [
        "old-secret-value",
        "new-secret-value",
        "b2xkLXNlY3JldC12YWx1ZQ",
        "bmV3LXNlY3JldC12YWx1ZQ",
    ] {
        assert!(!text.contains(secret), "{text}");
        assert!(!machine.contains(secret), "{machine}");
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

    // Without the flags, those recorded in the tree's index are taken, and said.
    let bare = scratch.run(&["diff", "out"]);
    assert_eq!(bare.status.code(), Some(1));
    assert_eq!(stdout(&bare), stdout(&scratch.run(&diff)));
    assert!(
        stderr(&bare).contains(
            "info[recorded-flags-taken]: compared as out was written (flags recorded in its index): --kustomize \
             --overlay prod=compose.prod.yaml"
        ),
        "{}",
        stderr(&bare)
    );
    // From another directory too: the overlay's files are recorded relative to the tree.
    fs::create_dir(scratch.0.join("elsewhere")).expect("mkdir");
    let elsewhere = Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
        .args(["diff", "-f", "../compose.yaml", "../out"])
        .current_dir(scratch.0.join("elsewhere"))
        .output()
        .expect("the binary runs");
    assert_eq!(stdout(&elsewhere).replace("../out", "out"), stdout(&bare));
    // An overlay given differs from the recorded one: it is used, and the difference said.
    fs::write(scratch.0.join("compose.stage.yaml"), PROD_OVERRIDE).expect("write override");
    let other = scratch.run(&["diff", "out", "--overlay", "stage=compose.stage.yaml"]);
    assert!(
        stdout(&other).contains("- removed: overlays/prod/kustomization.yaml"),
        "{}",
        stdout(&other)
    );
    assert!(
        stderr(&other).contains(
            "warning[flags-differ-from-record]: out was written with --overlay prod=compose.prod.yaml; this run \
             renders with --overlay stage=compose.stage.yaml, as given"
        ),
        "{}",
        stderr(&other)
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
fn diff_takes_the_flags_recorded_by_convert_unless_given() {
    let scratch = Scratch::new("policies");
    let converted = scratch.run(&[
        "convert",
        "--network-policies",
        "--namespace",
        "shop",
        "-o",
        "out",
    ]);
    assert!(converted.status.success());
    for args in [
        &["diff", "out"][..],
        &["diff", "--network-policies", "--namespace", "shop", "out"][..],
    ] {
        let same = scratch.run(args);
        assert_eq!(same.status.code(), Some(0), "{args:?}: {}", stdout(&same));
    }
    let bare = stderr(&scratch.run(&["diff", "out"]));
    assert!(
        bare.contains(
            "info[recorded-flags-taken]: compared as out was written (flags recorded in its index): --namespace \
             shop --network-policies"
        ),
        "{bare}"
    );
    let other = scratch.run(&["diff", "--namespace", "dev", "out"]);
    assert_eq!(other.status.code(), Some(1));
    assert!(
        stderr(&other).contains(
            "warning[flags-differ-from-record]: out was written with --namespace shop; this run renders with \
             --namespace dev, as given"
        ),
        "{}",
        stderr(&other)
    );
    assert!(
        stdout(&other).contains("+ added: NetworkPolicy dev/expense-default"),
        "the recorded --network-policies is still taken: {}",
        stdout(&other)
    );
    // A dry run renders with its own flags, and says where they differ from the record.
    let dry_run = scratch.run(&["convert", "--dry-run", "-o", "out"]);
    assert_eq!(dry_run.status.code(), Some(1));
    assert!(
        stderr(&dry_run).contains("warning[flags-differ-from-record]: out was written with --network-policies; this run renders with no --network-policies, as given"),
        "{}",
        stderr(&dry_run)
    );

    // An index an earlier version wrote has no record: the flags given are all there is.
    let index = scratch.0.join("out/.compose2k8s-files");
    let text = fs::read_to_string(&index).expect("index");
    let names: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert!(text.starts_with(".flags {") && !names.contains(".flags"));
    fs::write(&index, names).expect("write index");
    let without = stdout(&scratch.run(&["diff", "--namespace", "shop", "out"]));
    assert!(
        without.contains("- removed: NetworkPolicy shop/expense-default (networking.k8s.io/v1)"),
        "{without}"
    );
    assert!(
        without.contains("    spec.template.metadata.labels"),
        "{without}"
    );
}

#[test]
fn hand_written_manifests_are_listed_once_and_not_counted() {
    let scratch = Scratch::new("unmanaged");
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    fs::write(scratch.0.join("out/hand.yaml"), HAND_WRITTEN).expect("write");
    fs::write(scratch.0.join("out/broken.yml"), "not: [yaml").expect("write");
    let output = scratch.run(&["diff", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    for file in ["broken.yml", "hand.yaml"] {
        let line = format!("? not managed by compose2k8s: {file}\n");
        assert_eq!(text.matches(&line).count(), 1, "{text}");
    }
    assert!(
        text.ends_with(" 0 removed, 0 changed, 8 unchanged, 2 not managed by compose2k8s\n"),
        "{text}"
    );
    // `convert` keeps them, and `diff` still agrees.
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    assert!(scratch.0.join("out/hand.yaml").exists());
    assert_eq!(scratch.run(&["diff", "out"]).status.code(), Some(0));

    // Without an index, every manifest file is compose2k8s's, as before; and it is said.
    fs::remove_file(scratch.0.join("out/broken.yml")).expect("remove");
    fs::remove_file(scratch.0.join("out/.compose2k8s-files")).expect("remove");
    let output = scratch.run(&["diff", "out"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("- removed: ConfigMap hand (v1)"));
    assert!(
        stderr(&output).contains(
            "info[no-index]: out has no index of compose2k8s (.compose2k8s-files): every manifest file \
             in it is compared as if compose2k8s had written it"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn hand_written_files_in_a_kustomize_tree_are_listed_not_counted() {
    let scratch = Scratch::new("unmanaged-tree");
    assert!(scratch
        .run(&["convert", "--kustomize", "-o", "out"])
        .status
        .success());
    fs::create_dir(scratch.0.join("out/extra")).expect("mkdir");
    fs::write(scratch.0.join("out/extra/hand.yaml"), HAND_WRITTEN).expect("write");
    fs::write(scratch.0.join("out/base/hand.json"), "{").expect("write");
    let output = scratch.run(&["diff", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains(
            "? not managed by compose2k8s: base/hand.json\n? not managed by compose2k8s: \
             extra/hand.yaml\n"
        ),
        "{text}"
    );
    assert!(text.contains(" 2 not managed by compose2k8s\n"), "{text}");
}

#[test]
fn a_missing_directory_is_an_error_not_everything_added() {
    let scratch = Scratch::new("missing");
    for args in [
        &["diff", "nowhere"][..],
        &["diff", "--kustomize", "nowhere"][..],
    ] {
        let output = scratch.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&output), "");
        assert_eq!(
            stderr(&output),
            "error: nowhere does not exist: there is nothing to compare with (`convert -o \
             nowhere` writes it)\n"
        );
    }
    let output = scratch.run(&["diff", "--report", "json", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert_eq!(json(&stderr(&output))["entries"][0]["level"], "error");
    // A dry run shows what a first write would add.
    let first = scratch.run(&["convert", "--dry-run", "-o", "nowhere"]);
    assert_eq!(first.status.code(), Some(1));
    assert!(
        stdout(&first).contains("8 added, 0 removed"),
        "{}",
        stdout(&first)
    );
    assert!(!scratch.0.join("nowhere").exists());
}

#[test]
fn the_json_summary_lists_objects_paths_and_unmanaged_files() {
    let scratch = Scratch::new("json");
    assert!(scratch.run(&["convert", "-o", "out"]).status.success());
    fs::write(scratch.0.join("out/hand.yaml"), HAND_WRITTEN).expect("write");
    scratch.edit("joindevops/backend:1.0.0", "joindevops/backend:1.1.0");
    scratch.edit("    ports:\n      - \"80:80\"\n", "");
    for args in [
        &["diff", "out", "--report", "json"][..],
        &["convert", "--dry-run", "-o", "out", "--report=json"][..],
    ] {
        let output = scratch.run(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let summary = json(&stdout(&output));
        assert_eq!(
            summary,
            serde_json::json!({
                "summary": {"added": 0, "removed": 1, "changed": 2, "unchanged": 5, "unmanaged": 1},
                "added": [],
                "removed": [{"apiVersion": "v1", "kind": "Service", "name": "frontend",
                             "description": "Service frontend (v1)"}],
                "changed": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend",
                             "description": "Deployment backend (apps/v1)",
                             "paths": ["spec.template.spec.containers[0].image"]},
                            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "frontend",
                             "description": "Deployment frontend (apps/v1)",
                             "paths": ["spec.template.spec.containers[0].ports"]}],
                "unmanaged": ["hand.yaml"],
            }),
            "{args:?}"
        );
        // stderr stays the one report document.
        assert!(json(&stderr(&output))["entries"].is_array());
    }
    let same = scratch.run(&["convert", "-o", "out"]);
    assert!(same.status.success());
    let output = scratch.run(&["diff", "out", "--report", "json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&stdout(&output))["summary"]["changed"], 0);
}

#[test]
fn a_planted_or_damaged_record_is_never_trusted() {
    let scratch = Scratch::new("planted");
    assert!(scratch
        .run(&["convert", "--kustomize", "-o", "out"])
        .status
        .success());
    let index = scratch.0.join("out/.compose2k8s-files");
    let names: String = fs::read_to_string(&index)
        .expect("index")
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    let plant =
        |record: &str| fs::write(&index, format!(".flags {record}\n{names}")).expect("plant");
    // An overlay file outside the project's tree is not read, whatever the record says.
    let outside =
        std::env::temp_dir().join(format!("compose2k8s-planted-{}.yaml", std::process::id()));
    fs::write(&outside, "services:\n  leaked: {image: \"secret-value\"}\n").expect("write");
    plant(&format!(
        r#"{{"format":"yaml","namespace":null,"wait-image":"busybox:1.36.1","network-policies":false,"kustomize":true,"overlays":[{{"name":"x","files":[{:?}]}}]}}"#,
        outside.display().to_string()
    ));
    let output = scratch.run(&["diff", "out"]);
    let _ = fs::remove_file(&outside);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("error: the overlay x recorded in out/.compose2k8s-files names "),
        "{text}"
    );
    assert!(text.contains("give --overlay"), "{text}");
    assert!(!text.contains("secret-value") && !stdout(&output).contains("secret-value"));
    // A file inside the tree that is not a compose file: its lines are not quoted.
    fs::write(
        scratch.0.join("token.txt"),
        "services:\n  a: {image: secret-value, prots: 1}\n",
    )
    .expect("write");
    plant(
        r#"{"format":"yaml","namespace":null,"wait-image":"busybox:1.36.1","network-policies":false,"kustomize":true,"overlays":[{"name":"x","files":["../token.txt"]}]}"#,
    );
    let output = scratch.run(&["diff", "out"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(
        text.contains("token.txt:2:35: services.a: unknown key `prots`"),
        "{text}"
    );
    assert!(
        !text.contains("secret-value") && !stdout(&output).contains("secret-value"),
        "{text}"
    );
    // A record that is not JSON, or holds a value the command line would refuse, is set
    // aside with a warning: the flags given are used.
    for (record, why) in [
        ("{\"format\": ", "the record is not JSON"),
        (
            r#"{"format":"yaml","namespace":"../../etc","wait-image":"x","network-policies":false,"kustomize":true,"overlays":[]}"#,
            "namespace \"../../etc\" is not a DNS label",
        ),
        (
            r#"{"format":"yaml","namespace":null,"wait-image":"a\u001b[31m","network-policies":false,"kustomize":true,"overlays":[]}"#,
            "is not an image",
        ),
        (r#"{"kustomize":true}"#, "missing field"),
    ] {
        plant(record);
        let output = scratch.run(&["diff", "--kustomize", "out"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{record}: {}",
            stdout(&output)
        );
        let text = stderr(&output);
        assert!(
            text.contains("warning[recorded-flags-unused]: the flags recorded in out/.compose2k8s-files are not used (")
                && text.contains(why)
                && text.contains("only the flags given count"),
            "{record}: {text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}
