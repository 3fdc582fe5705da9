//! Long chains: `extends` resolved once per link (a chain of 20,000 services built on one
//! another loads), every kind of chain followed without recursing once per link (the binary
//! runs on the main thread's ordinary stack), and a chain longer than the loader's limit is
//! one clear error, not a crash.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, compose: &str) -> Scratch {
        Scratch::with_files(name, compose, Vec::new())
    }

    /// A project of `compose.yaml` and `others`, (name, text) pairs beside it.
    fn with_files(name: &str, compose: &str, others: Vec<(String, String)>) -> Scratch {
        let dir = std::env::temp_dir().join(format!("compose2k8s-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        fs::write(dir.join("compose.yaml"), compose).expect("compose file");
        for (file, text) in others {
            fs::write(dir.join(file), text).expect("a file of the project");
        }
        Scratch(dir)
    }

    fn config(&self) -> Output {
        self.run(&["config", "--format", "json"])
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
            .args(args)
            .current_dir(&self.0)
            .output()
            .expect("the binary runs")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `s0` … `s{n-1}`; `forward`: each extends the one before, else the one after.
fn chain(services: usize, forward: bool) -> String {
    let mut text = String::from("services:\n");
    for i in 0..services {
        let base = if forward {
            i.checked_sub(1)
        } else {
            Some(i + 1).filter(|&b| b < services)
        };
        match base {
            Some(base) => text.push_str(&format!("  s{i}:\n    extends: s{base}\n")),
            None => text.push_str(&format!("  s{i}:\n    image: example/base:1\n")),
        }
    }
    text
}

fn assert_succeeded(output: &Output, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn image_of(output: &Output, service: &str) -> String {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    json["services"][service]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_long_chain_in_either_order_resolves_to_its_base() {
    for (name, forward, deepest) in [("forward", true, "s19999"), ("backward", false, "s0")] {
        let scratch = Scratch::new(
            &format!("chain-{name}"),
            &chain(if forward { 20_000 } else { 10_000 }, forward),
        );
        let output = scratch.config();
        assert_succeeded(&output, name);
        assert_eq!(image_of(&output, deepest), "example/base:1", "{name}");
    }
}

#[test]
fn a_chain_beyond_the_limit_is_an_error() {
    let scratch = Scratch::new("chain-too-long", &chain(10_002, false));
    let output = scratch.config();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}/compose.yaml:20003:14: services.s10000.extends: the extends chain is \
             longer than 10000 services",
            scratch.0.display()
        )),
        "{stderr}"
    );
}

/// `compose.yaml`'s `top` extends `s` in `e0.yaml`, which extends `s` in `e1.yaml`, and so
/// on through `e{files-1}.yaml`, whose `s` has the image.
fn chain_of_files(files: usize) -> (String, Vec<(String, String)>) {
    let extends =
        |file: usize| format!("    extends:\n      file: e{file}.yaml\n      service: s\n");
    let others = (0..files)
        .map(|i| {
            let body = if i + 1 < files {
                extends(i + 1)
            } else {
                "    image: example/base:1\n".to_string()
            };
            (format!("e{i}.yaml"), format!("services:\n  s:\n{body}"))
        })
        .collect();
    (format!("services:\n  top:\n{}", extends(0)), others)
}

#[test]
fn a_long_chain_across_files_resolves_to_its_base() {
    // Deeper than a recursion of one level per link gets on the main thread's stack.
    let (compose, others) = chain_of_files(6_000);
    let scratch = Scratch::with_files("chain-of-files", &compose, others);
    let output = scratch.config();
    assert_succeeded(&output, "");
    assert_eq!(image_of(&output, "top"), "example/base:1");
}

/// The key that links a service to the next one (`s{next}`), as compose text.
type Link = fn(usize) -> String;

/// `s0` … `s{n-1}`, each but the last with `key: value(next)`.
fn linked(services: usize, link: impl Fn(usize) -> String) -> String {
    let mut text = String::from("services:\n");
    for i in 0..services {
        text.push_str(&format!("  s{i}:\n    image: example/app:1\n"));
        if i + 1 < services {
            text.push_str(&link(i + 1));
        }
    }
    text
}

#[test]
fn long_chains_of_every_kind_convert() {
    let kinds: [(&str, Link); 5] = [
        ("depends_on", |next| format!("    depends_on: [s{next}]\n")),
        ("network_mode", |next| {
            format!("    network_mode: service:s{next}\n")
        }),
        ("volumes_from", |next| {
            format!("    volumes_from: [s{next}]\n")
        }),
        ("ipc", |next| format!("    ipc: service:s{next}\n")),
        ("pid", |next| format!("    pid: service:s{next}\n")),
    ];
    for (kind, link) in kinds {
        let scratch = Scratch::new(&format!("chain-{kind}"), &linked(2_000, link));
        let output = scratch.run(&["convert", "-o", "out"]);
        assert_succeeded(&output, kind);
        assert!(
            scratch.0.join("out").is_dir(),
            "{kind}: no output directory"
        );
    }
}

/// `compose.yaml` includes `c0.yaml`, which includes `c1.yaml`, … through
/// `c{files-1}.yaml`; each defines one service.
fn nested_includes(files: usize) -> (String, Vec<(String, String)>) {
    let others = (0..files)
        .map(|i| {
            let include = if i + 1 < files {
                format!("include:\n  - c{}.yaml\n", i + 1)
            } else {
                String::new()
            };
            let text = format!("{include}services:\n  s{i}:\n    image: example/app:1\n");
            (format!("c{i}.yaml"), text)
        })
        .collect();
    ("include:\n  - c0.yaml\n".to_string(), others)
}

#[test]
fn includes_nest_up_to_100_files_deep() {
    let (compose, others) = nested_includes(99);
    let scratch = Scratch::with_files("includes-deepest", &compose, others);
    let output = scratch.config();
    assert_succeeded(&output, "");
    assert_eq!(image_of(&output, "s98"), "example/app:1");

    let (compose, others) = nested_includes(100);
    let scratch = Scratch::with_files("includes-too-deep", &compose, others);
    let output = scratch.config();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}/c98.yaml:1:1: include[0]: includes nest more than 100 files deep\n",
            scratch.0.display()
        )),
        "{stderr}"
    );
}
