//! `diff --cluster` against a real API server (`scripts/test-cluster`, found through
//! `COMPOSE2K8S_TEST_KUBECONFIG`): a project is applied for real into a namespace of its
//! own, then its compose file is edited and compared with what the cluster holds.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;

const COMPOSE: &str = "\
name: shop
services:
  web:
    image: nginx:1.27
    ports:
      - \"80:80\"
    environment:
      DB_PASSWORD: first-secret-value
  worker:
    image: busybox:1.36
    command: [\"sleep\", \"infinity\"]
";

/// A compose project in a scratch directory and a fresh namespace holding its objects, as
/// `convert | kubectl apply` put them there.
struct Applied {
    dir: PathBuf,
    namespace: String,
    kubeconfig: PathBuf,
}

impl Applied {
    fn new(name: &str) -> Option<Applied> {
        let kubeconfig = support::test_kubeconfig()?;
        let namespace = format!("c2k-{name}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("compose2k8s-cluster-{namespace}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        fs::write(dir.join("compose.yaml"), COMPOSE).expect("compose file");
        let applied = Applied {
            dir,
            namespace,
            kubeconfig,
        };
        applied.kubectl(
            &[
                "delete",
                "namespace",
                &applied.namespace,
                "--ignore-not-found",
            ],
            "",
        );
        applied.kubectl(&["create", "namespace", &applied.namespace], "");
        let converted = applied.run(&["convert", "--namespace", &applied.namespace]);
        assert_eq!(converted.status.code(), Some(0), "{converted:?}");
        applied.kubectl(
            &["apply", "-f", "-"],
            &String::from_utf8_lossy(&converted.stdout),
        );
        Some(applied)
    }

    fn kubectl(&self, args: &[&str], stdin: &str) {
        let mut child = Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("kubectl runs");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "kubectl {args:?}");
    }

    fn run(&self, args: &[&str]) -> Output {
        compose2k8s(&self.dir, &self.kubeconfig, args)
    }

    /// `diff --cluster` into the test's namespace: exit code, stdout, stderr.
    fn diff(&self, extra: &[&str]) -> (Option<i32>, String, String) {
        let mut args = vec!["diff", "--cluster", "--namespace", &self.namespace];
        args.extend(extra);
        let output = self.run(&args);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn edit(&self, from: &str, to: &str) {
        let path = self.dir.join("compose.yaml");
        let text = fs::read_to_string(&path).expect("compose file");
        assert!(text.contains(from), "{from}");
        fs::write(&path, text.replace(from, to)).expect("compose file");
    }
}

impl Drop for Applied {
    fn drop(&mut self) {
        // The objects first: the test cluster has no controller manager, so a namespace
        // deleted stays terminating with its objects, and their Services would keep their
        // addresses (a /24) through every later run on the same cluster.
        let everything = "deployments,services,secrets,configmaps,persistentvolumeclaims";
        for args in [
            vec![
                "delete",
                everything,
                "--all",
                "-n",
                &self.namespace,
                "--wait=false",
            ],
            vec!["delete", "namespace", &self.namespace, "--wait=false"],
        ] {
            let _ = Command::new("kubectl")
                .args(args)
                .env("KUBECONFIG", &self.kubeconfig)
                .output();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn compose2k8s(dir: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
        .args(args)
        .current_dir(dir)
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("the binary runs")
}

#[test]
fn what_was_applied_is_unchanged() {
    let Some(applied) = Applied::new("same") else {
        return;
    };
    let (code, stdout, stderr) = applied.diff(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, objects) = lines.split_last().unwrap();
    assert!(!objects.is_empty() && objects.iter().all(|l| l.starts_with("unchanged: ")));
    assert!(
        summary.starts_with("0 created, 0 pruned, 0 changed, "),
        "{stdout}"
    );
    // The kubeconfig's context, named.
    let current = Command::new("kubectl")
        .args(["config", "current-context"])
        .env("KUBECONFIG", &applied.kubeconfig)
        .output()
        .expect("kubectl runs");
    let context = String::from_utf8_lossy(&current.stdout).trim().to_string();
    let (code, named, _) = applied.diff(&["--context", &context]);
    assert_eq!((code, named), (Some(0), stdout));
}

#[test]
fn a_changed_image_names_the_field() {
    let Some(applied) = Applied::new("image") else {
        return;
    };
    applied.edit("nginx:1.27", "nginx:1.28");
    let (code, stdout, stderr) = applied.diff(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let ns = &applied.namespace;
    assert!(
        stdout.contains(&format!("changed: Deployment {ns}/web (apps/v1)\n"))
            && stdout.contains("    spec.template.spec.containers[0].image\n")
            && stdout.contains("+        image: nginx:1.28"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("unchanged: Service {ns}/web (v1)\n")));
    let (code, json, _) = applied.diff(&["--report", "json"]);
    assert_eq!(code, Some(1));
    let summary: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(summary["summary"]["changed"], 1, "{json}");
    assert_eq!(
        summary["changed"][0]["paths"],
        serde_json::json!(["spec.template.spec.containers[0].image"])
    );
}

#[test]
fn a_removed_service_is_pruned_and_a_new_one_created() {
    let Some(applied) = Applied::new("prune") else {
        return;
    };
    applied.edit(
        "  worker:\n    image: busybox:1.36\n    command: [\"sleep\", \"infinity\"]\n",
        "  cache:\n    image: redis:7\n",
    );
    let (code, stdout, stderr) = applied.diff(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let ns = &applied.namespace;
    assert!(
        stdout.contains(&format!("pruned: Deployment {ns}/worker (apps/v1)\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("created: Deployment {ns}/cache (apps/v1)\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(" created, 1 pruned, 0 changed, "),
        "{stdout}"
    );
}

#[test]
fn a_changed_secret_value_is_masked() {
    let Some(applied) = Applied::new("secret") else {
        return;
    };
    applied.edit("first-secret-value", "second-secret-value");
    let (code, stdout, stderr) = applied.diff(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("changed: Secret "), "{stdout}");
    assert!(stdout.contains("    data.DB_PASSWORD\n"), "{stdout}");
    for value in ["first-secret-value", "second-secret-value"] {
        let encoded = support::base64(value.as_bytes());
        assert!(
            !stdout.contains(value) && !stdout.contains(&encoded) && !stderr.contains(value),
            "{value} shown: {stdout}"
        );
    }
}

#[test]
fn a_refused_request_is_one_line_naming_the_verb_and_resource() {
    let Some(applied) = Applied::new("forbidden") else {
        return;
    };
    let ns = &applied.namespace;
    let reader = format!("{ns}-reader");
    applied.kubectl(
        &[
            "create",
            "role",
            "reader",
            "-n",
            ns,
            "--verb=get,list",
            "--resource=*.*",
        ],
        "",
    );
    let user = format!("--user={reader}");
    applied.kubectl(
        &[
            "create",
            "rolebinding",
            "reader",
            "-n",
            ns,
            "--role=reader",
            &user,
        ],
        "",
    );
    // The same credentials, acting as a user who may only read the namespace.
    let kubeconfig = applied.dir.join("reader.kubeconfig");
    let text = fs::read_to_string(&applied.kubeconfig).expect("kubeconfig");
    assert!(text.contains("\n    token: "), "{text}");
    let acting = text.replace("\n    token: ", &format!("\n    as: {reader}\n    token: "));
    fs::write(&kubeconfig, acting).expect("kubeconfig");
    let output = compose2k8s(
        &applied.dir,
        &kubeconfig,
        &["diff", "--cluster", "--namespace", ns],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: the cluster forbids it: User \"{reader}\" cannot patch resource \""
        )) && stderr.lines().count() == 1,
        "{stderr}"
    );
    // A namespace that does not exist: the server's message, once.
    let output = applied.run(&["diff", "--cluster", "--namespace", "c2k-no-such-namespace"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: the namespace \"c2k-no-such-namespace\" does not exist in the cluster, so \
         applying would fail too: create it first (kubectl create namespace \
         c2k-no-such-namespace)\n"
    );
}

#[test]
fn an_unreachable_server_is_one_line_and_exit_2() {
    if !support::tool_available("kubectl", &["version", "--client"]) {
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("compose2k8s-cluster-closed-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("compose.yaml"), COMPOSE).unwrap();
    // Port 1 on the loopback: nothing listens there.
    let kubeconfig = dir.join("kubeconfig");
    fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: closed\n  cluster:\n    server: \
         https://127.0.0.1:1\ncontexts:\n- name: closed\n  context:\n    cluster: closed\n    \
         user: closed\ncurrent-context: closed\nusers:\n- name: closed\n  user:\n    token: x\n",
    )
    .unwrap();
    let output = compose2k8s(&dir, &kubeconfig, &["diff", "--cluster"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot reach the cluster: ") && stderr.contains("127.0.0.1:1"),
        "{stderr}"
    );
    let output = compose2k8s(
        &dir,
        &kubeconfig,
        &["diff", "--cluster", "--context", "nope"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: the context \"nope\" is not in the kubeconfig\n"
    );
    fs::remove_dir_all(&dir).unwrap();
}
