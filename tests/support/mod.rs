//! What the integration tests share: finding the outside tools some of them need.

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `tool` runs (`tool args…` exits 0). A test that needs a missing tool is skipped
/// with one line on stderr when run locally, and fails when the `CI` variable is set: CI
/// installs every tool (`.ci/run`), so there a missing tool is a broken setup, not a skip.
pub fn tool_available(tool: &str, args: &[&str]) -> bool {
    let runs = Command::new(tool)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if runs {
        return true;
    }
    let what = format!("`{tool} {}`", args.join(" "));
    if std::env::var_os("CI").is_some() {
        panic!("{what} does not run, and CI must run every test (.ci/run installs it)");
    }
    // Written to stderr directly: the test harness captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {what} does not run here; CI runs this test (.ci/run installs it)"
    );
    false
}

/// The kubeconfig of the test cluster (`scripts/test-cluster`), from
/// `COMPOSE2K8S_TEST_KUBECONFIG`; when it is not set, as for a missing tool: skipped with
/// one line locally, a failure in CI (`.ci/run` starts the cluster and sets it).
// Each test file compiles this module and uses only some of it.
#[allow(dead_code)]
pub fn test_kubeconfig() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("COMPOSE2K8S_TEST_KUBECONFIG") {
        return Some(path.into());
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "COMPOSE2K8S_TEST_KUBECONFIG is not set, and CI must run every test (.ci/run sets it)"
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped: COMPOSE2K8S_TEST_KUBECONFIG is not set (scripts/test-cluster start; CI runs this test)"
    );
    None
}

/// Standard base64 with padding, as a Secret's `data` holds values: tests look for a value
/// in that form too. (Not every test binary uses it.)
#[allow(dead_code)]
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
