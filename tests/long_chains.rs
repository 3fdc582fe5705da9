//! Long `extends` chains: resolved once per link (a chain of 20,000 services built on one
//! another loads), deep recursion runs on the binary's large stack, and a chain longer than
//! the loader's limit is one clear error, not a crash.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, compose: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("compose2k8s-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        fs::write(dir.join("compose.yaml"), compose).expect("compose file");
        Scratch(dir)
    }

    fn config(&self) -> Output {
        Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
            .args(["config", "--format", "json"])
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
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
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
