//! `diff --cluster`: what applying the output would do to a live cluster, answered by the
//! cluster's API server (its defaults, admission and immutable fields), not by our files.
//!
//! The cluster is reached through the user's own `kubectl`, run as a subprocess, rather
//! than through a Rust client (kube-rs with k8s-openapi's client side): kubectl already
//! reads `KUBECONFIG`, contexts and every authentication method (exec credential plugins,
//! OIDC, client certificates, tokens) exactly as the user's other commands do, while a Rust
//! client would add a large asynchronous dependency tree (an HTTP stack, TLS, an executor)
//! to a tool that otherwise does no I/O beyond files.
//!
//! Three read-only requests: the live objects (`kubectl get -f -`), what each object would
//! become (`kubectl apply --server-side --dry-run=server`, field manager `compose2k8s`,
//! taking over fields another manager set: nothing is written, so nothing is taken), and
//! the live objects labelled as the project's, of the kinds compose2k8s writes, that the
//! output no longer has (what a prune would delete). Both sides then go through
//! [`crate::diff::compare`], after the fields the server manages are dropped.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::{anyhow, Result};
use serde_json::Value as Json;

use crate::diff::{self, Changes, Object};

/// The field manager the server-side dry run applies as.
pub const FIELD_MANAGER: &str = "compose2k8s";

/// The resources of every kind compose2k8s writes (see [`crate::manifest::Manifest`]),
/// listed to find what a prune would delete.
const RESOURCES: &str = "configmaps,secrets,persistentvolumeclaims,services,\
deployments.apps,statefulsets.apps,daemonsets.apps,jobs.batch,cronjobs.batch,\
ingresses.networking.k8s.io,horizontalpodautoscalers.autoscaling,\
poddisruptionbudgets.policy,networkpolicies.networking.k8s.io";

const PART_OF: &str = "app.kubernetes.io/part-of";
const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// The user's `kubectl` (the one on the PATH), with the context and namespace the command
/// line gave.
#[derive(Debug, Clone)]
pub struct Kubectl {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

impl Kubectl {
    /// Runs `kubectl args…` with `stdin`, and reads its stdout as JSON (nothing: `null`).
    /// A failure is one line, from kubectl's stderr (see [`explain`]).
    fn json(&self, args: &[&str], stdin: &str) -> Result<Json> {
        self.json_in(self.namespace.as_deref(), args, stdin)
    }

    /// Like [`Kubectl::json`], in `namespace` (`None`: the context's).
    fn json_in(&self, namespace: Option<&str>, args: &[&str], stdin: &str) -> Result<Json> {
        let mut command = Command::new("kubectl");
        if let Some(context) = &self.context {
            command.arg("--context").arg(context);
        }
        if let Some(namespace) = namespace {
            command.arg("--namespace").arg(namespace);
        }
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                anyhow!("kubectl is not on the PATH: diff --cluster asks the cluster through it")
            }
            _ => anyhow!("cannot run kubectl: {e}"),
        })?;
        // Written from another thread while stdout and stderr are read: a large project's
        // objects fill the pipe long before kubectl has read them all. kubectl may stop
        // reading early (a bad context); its stderr says why, so a failed write is no error.
        let writer = child.stdin.take().map(|mut input| {
            let text = stdin.to_string();
            std::thread::spawn(move || {
                let _ = input.write_all(text.as_bytes());
            })
        });
        let output = child
            .wait_with_output()
            .map_err(|e| anyhow!("kubectl did not finish: {e}"))?;
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        if !output.status.success() {
            return Err(anyhow!(explain(&String::from_utf8_lossy(&output.stderr))));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        if text.trim().is_empty() {
            return Ok(Json::Null);
        }
        serde_json::from_str(&text).map_err(|e| anyhow!("kubectl printed no JSON: {e}"))
    }
}

/// One line saying why kubectl failed, from its stderr: the cluster unreachable, a context
/// missing, a request refused (with the verb and the resource), or the server's message.
pub fn explain(stderr: &str) -> String {
    // klog's lines (`E1203 03:37:34.839068 …`) repeat what the last line says.
    let is_log = |line: &str| {
        let mut chars = line.chars();
        matches!(chars.next(), Some('E' | 'W' | 'I'))
            && chars.next().is_some_and(|c| c.is_ascii_digit())
    };
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !is_log(line))
        .collect();
    let all = lines.join("\n");
    if let Some(at) = all.find("context was not found for specified context: ") {
        let name = all[at..]
            .trim_start_matches("context was not found for specified context: ")
            .lines()
            .next()
            .unwrap_or_default();
        return format!("the context {name:?} is not in the kubeconfig");
    }
    for cause in [
        "dial tcp",
        "connection refused",
        "no such host",
        "i/o timeout",
        "Unable to connect to the server",
    ] {
        if let Some(at) = all.find(cause) {
            let detail = all[at..].lines().next().unwrap_or_default();
            let detail = detail.split("; if you choose").next().unwrap_or(detail);
            return format!("cannot reach the cluster: {}", detail.trim_end_matches('"'));
        }
    }
    if let Some(at) = all.find("is forbidden: ") {
        let detail = all[at + "is forbidden: ".len()..]
            .lines()
            .next()
            .unwrap_or_default();
        return format!("the cluster forbids it: {detail}");
    }
    if let Some(name) = missing_namespace(&all) {
        return format!(
            "the namespace {name:?} does not exist in the cluster, so applying would fail \
             too: create it first (kubectl create namespace {name})"
        );
    }
    if all.contains("Unauthorized") || all.contains("You must be logged in") {
        return "the cluster does not accept the kubeconfig's credentials (Unauthorized)".into();
    }
    let mut messages: Vec<&str> = lines
        .iter()
        .map(|line| {
            let line = line.trim_start_matches("error: ");
            match line.split_once("): ") {
                Some((head, rest)) if head.starts_with("Error from server (") => rest,
                _ => line,
            }
        })
        .collect();
    // Several objects of a namespace that does not exist each say so.
    let mut seen = BTreeSet::new();
    messages.retain(|message| seen.insert(*message));
    match messages.as_slice() {
        [] => "kubectl failed without saying why".to_string(),
        messages => format!("the cluster refuses: {}", messages.join("; ")),
    }
}

/// The namespace of the server's `namespaces "NAME" not found`: compose2k8s writes no
/// Namespace object, so the objects of a new namespace are refused until it is created.
fn missing_namespace(stderr: &str) -> Option<&str> {
    let (_, rest) = stderr.split_once("namespaces \"")?;
    let (name, rest) = rest.split_once('"')?;
    rest.starts_with(" not found").then_some(name)
}

/// What applying `rendered` (the objects `convert` writes) would change in the cluster.
pub fn changes(kubectl: &Kubectl, rendered: &[Object]) -> Result<Changes> {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": rendered.iter().map(|o| o.body.clone()).collect::<Vec<_>>(),
    })
    .to_string();
    // Read first: an unreachable cluster or a missing context is told before any object.
    let live = kubectl.json(
        &["get", "--ignore-not-found", "-o", "json", "-f", "-"],
        &list,
    )?;
    let would = kubectl.json(
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "--field-manager",
            FIELD_MANAGER,
            "--force-conflicts",
            "-o",
            "json",
            "-f",
            "-",
        ],
        &list,
    )?;
    let after: Vec<Object> = diff::objects_of(would).into_iter().map(cleaned).collect();
    let mut before: Vec<Object> = diff::objects_of(live).into_iter().map(cleaned).collect();
    // Matched without the version: the server lists a kind in its preferred version.
    let kept: BTreeSet<(String, Option<String>, String)> = after
        .iter()
        .map(|o| {
            let id = &o.identity;
            (id.kind.clone(), id.namespace.clone(), id.name.clone())
        })
        .collect();
    // Looked for in every namespace the output is in: `x-kubernetes.namespace` may put
    // objects outside the context's.
    let namespaces: BTreeSet<Option<&str>> = after
        .iter()
        .map(|o| o.identity.namespace.as_deref())
        .collect();
    for (project, namespace) in projects(rendered)
        .iter()
        .flat_map(|p| namespaces.iter().map(move |n| (p, *n)))
    {
        let selector = format!("{PART_OF}={project},{MANAGED_BY}=compose2k8s");
        let args = ["get", RESOURCES, "-l", &selector, "-o", "json"];
        let labelled = kubectl.json_in(namespace.or(kubectl.namespace.as_deref()), &args, "")?;
        before.extend(
            diff::objects_of(labelled)
                .into_iter()
                .filter(|o| {
                    let id = &o.identity;
                    !kept.contains(&(id.kind.clone(), id.namespace.clone(), id.name.clone()))
                })
                .map(cleaned),
        );
    }
    Ok(diff::compare(before, after))
}

/// The projects the objects are part of (their `part-of` label): one, unless the output
/// is empty.
fn projects(rendered: &[Object]) -> BTreeSet<String> {
    rendered
        .iter()
        .filter_map(|o| o.body.pointer("/metadata/labels")?.get(PART_OF)?.as_str())
        .map(String::from)
        .collect()
}

/// An object without what the server keeps for itself, which says nothing about what the
/// user asked for: its bookkeeping, its status, and the annotation of client-side `kubectl
/// apply`, which holds a copy of the object (a Secret's values included).
fn cleaned(mut object: Object) -> Object {
    if let Some(Json::Object(root)) = Some(&mut object.body) {
        root.remove("status");
        if let Some(Json::Object(metadata)) = root.get_mut("metadata") {
            for field in [
                "managedFields",
                "resourceVersion",
                "generation",
                "uid",
                "creationTimestamp",
            ] {
                metadata.remove(field);
            }
            if let Some(Json::Object(annotations)) = metadata.get_mut("annotations") {
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
                if annotations.is_empty() {
                    metadata.remove("annotations");
                }
            }
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_failures_are_one_line() {
        let cases = [
            (
                "E1203 03:37:34.839068   29763 memcache.go:265] \"Unhandled Error\" err=\"x\"\n\
                 error: error validating \"STDIN\": error validating data: failed to download \
                 openapi: Get \"https://127.0.0.1:1/openapi/v2?timeout=32s\": dial tcp \
                 127.0.0.1:1: connect: connection refused; if you choose to ignore these \
                 errors, turn validation off with --validate=false\n",
                "cannot reach the cluster: dial tcp 127.0.0.1:1: connect: connection refused",
            ),
            (
                "Error in configuration: context was not found for specified context: nope\n",
                "the context \"nope\" is not in the kubeconfig",
            ),
            (
                "Error from server (Forbidden): deployments.apps \"web\" is forbidden: User \
                 \"dev\" cannot patch resource \"deployments\" in API group \"apps\" in the \
                 namespace \"prod\"\n",
                "the cluster forbids it: User \"dev\" cannot patch resource \"deployments\" in \
                 API group \"apps\" in the namespace \"prod\"",
            ),
            (
                "Error from server (Invalid): The Service \"Bad_Name\" is invalid: \
                 metadata.name: Invalid value\n",
                "the cluster refuses: The Service \"Bad_Name\" is invalid: metadata.name: \
                 Invalid value",
            ),
            (
                "Error from server (NotFound): error when creating \"STDIN\": namespaces \
                 \"prod\" not found\n\
                 Error from server (NotFound): error when creating \"STDIN\": namespaces \
                 \"prod\" not found\n",
                "the namespace \"prod\" does not exist in the cluster, so applying would fail \
                 too: create it first (kubectl create namespace prod)",
            ),
            ("", "kubectl failed without saying why"),
        ];
        for (stderr, line) in cases {
            assert_eq!(explain(stderr), line);
        }
    }

    #[test]
    fn what_the_server_keeps_for_itself_is_dropped() {
        let object = diff::objects_of(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "uid": "u", "resourceVersion": "7",
                         "creationTimestamp": "t", "managedFields": [],
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "data": {"k": "dg=="}, "status": {}
        }));
        let cleaned = cleaned(object.into_iter().next().unwrap());
        assert_eq!(
            cleaned.body,
            serde_json::json!({"apiVersion": "v1", "kind": "Secret",
                               "metadata": {"name": "s"}, "data": {"k": "dg=="}})
        );
    }
}
