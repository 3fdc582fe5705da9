//! Golden tests: each directory under `testdata/cli/<case>/` is one run of the binary.
//!
//! A case holds its input files, `cmd` (the arguments, one per line; the working directory
//! is the case directory), optionally `env` (KEY=VALUE lines: the whole environment besides
//! PATH and HOME) and `stdin` (what the run reads on its standard input, which is otherwise
//! empty), and the expected `stdout`, `stderr` and `code`. The case directory's
//! absolute path is written `$CASE` in the expected files. `UPDATE_GOLDEN=1 cargo test`
//! rewrites the expected files; review the change in git.
//!
//! A run that fails (exit code not 0) must write nothing: every file under the case
//! directory must be there afterwards with the same bytes, and no file may be added.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Outcome {
    stdout: String,
    stderr: String,
    code: String,
}

fn run_case(dir: &Path) -> Outcome {
    let args: Vec<String> = fs::read_to_string(dir.join("cmd"))
        .unwrap_or_else(|_| panic!("{}: missing cmd file", dir.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_compose2k8s"));
    command
        .args(&args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/home/user");
    if let Ok(env) = fs::read_to_string(dir.join("env")) {
        for line in env.lines().filter(|l| !l.trim().is_empty()) {
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            command.env(key, value);
        }
    }
    let stdin = fs::read(dir.join("stdin")).unwrap_or_default();
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary runs");
    // From a thread: a run that writes much before it reads would otherwise block on a
    // full pipe while this one blocks on writing its input.
    let mut input = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        // A run that does not read its input closes the pipe: not an error of the case.
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().expect("the binary runs");
    writer.join().expect("stdin writer");
    let case = dir.to_string_lossy().into_owned();
    let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&case, "$CASE");
    Outcome {
        stdout: clean(&output.stdout),
        stderr: clean(&output.stderr),
        code: format!("{}\n", output.status.code().unwrap_or(-1)),
    }
}

fn cases(area: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(area);
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|_| panic!("{} is missing", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cmd").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn check_area(area: &str) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
    let mut failures = Vec::new();
    let all = cases(area);
    assert!(!all.is_empty(), "no cases under testdata/{area}");
    for dir in all {
        let before = snapshot(&dir);
        let outcome = run_case(&dir);
        if outcome.code != "0\n" {
            failures.extend(changes(&dir, &before, &snapshot(&dir)));
        }
        for (file, actual) in [
            ("stdout", &outcome.stdout),
            ("stderr", &outcome.stderr),
            ("code", &outcome.code),
        ] {
            let path = dir.join(file);
            if update {
                fs::write(&path, actual).expect("write golden file");
                continue;
            }
            let expected = fs::read_to_string(&path).unwrap_or_default();
            if &expected != actual {
                failures.push(format!(
                    "{}/{file}:\n--- expected\n{expected}\n--- actual\n{actual}",
                    dir.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every file under `dir` (symbolic links not followed) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).expect("read the case directory") {
            let path = entry.expect("a directory entry").path();
            let kind = fs::symlink_metadata(&path).expect("metadata").file_type();
            if kind.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).unwrap_or_default();
                files.insert(path, bytes);
            }
        }
    }
    files
}

/// What a failed run wrote under its case directory, one line per file.
fn changes(
    dir: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<String> {
    let describe = |path: &Path, what: &str| {
        format!(
            "{}: the run failed but {what} {}",
            dir.display(),
            path.strip_prefix(dir).unwrap_or(path).display()
        )
    };
    let mut found = Vec::new();
    for (path, bytes) in after {
        match before.get(path) {
            None => found.push(describe(path, "created")),
            Some(old) if old != bytes => found.push(describe(path, "changed")),
            Some(_) => {}
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        found.push(describe(path, "removed"));
    }
    found
}

#[test]
fn cli_golden_cases() {
    check_area("cli");
}

#[test]
fn convert_golden_cases() {
    check_area("convert");
}

/// The cases run with `--report json`, from both areas.
fn json_report_cases() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = ["cli", "convert"]
        .into_iter()
        .flat_map(cases)
        .filter(|dir| {
            let cmd = fs::read_to_string(dir.join("cmd")).unwrap_or_default();
            let args: Vec<&str> = cmd.lines().map(str::trim).collect();
            args.windows(2).any(|w| w == ["--report", "json"]) || args.contains(&"--report=json")
        })
        .collect();
    found.sort();
    found
}

/// With `--report json`, stderr is exactly one JSON document, whatever the outcome: a run
/// that fails says why in an entry of level "error".
#[test]
fn json_report_is_one_document() {
    let all = json_report_cases();
    assert!(all.len() >= 5, "only {} cases use --report json", all.len());
    for dir in all {
        let outcome = run_case(&dir);
        let report: serde_json::Value = serde_json::from_str(&outcome.stderr)
            .unwrap_or_else(|e| panic!("{}: stderr is not one JSON document: {e}", dir.display()));
        let entries = report["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no `entries` array", dir.display()));
        let levels: Vec<&str> = entries
            .iter()
            .map(|e| e["level"].as_str().unwrap())
            .collect();
        for level in &levels {
            assert!(
                ["info", "warning", "error"].contains(level),
                "{}",
                dir.display()
            );
        }
        let diff_changed = outcome.code == "1\n"
            && fs::read_to_string(dir.join("cmd"))
                .unwrap()
                .starts_with("diff");
        assert_eq!(
            levels.contains(&"error"),
            outcome.code != "0\n" && !diff_changed,
            "{}: an error entry exactly when the run fails (exit {})",
            dir.display(),
            outcome.code.trim()
        );
    }
}

/// The loader's warnings are entries with their place in the file, and `--strict` counts
/// them with the conversion's own warnings.
#[test]
fn strict_counts_the_loader_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/convert/report-json-loader-warnings-strict");
    let outcome = run_case(&dir);
    assert_eq!(outcome.code, "1\n");
    let report: serde_json::Value = serde_json::from_str(&outcome.stderr).unwrap();
    let entries = report["entries"].as_array().unwrap();
    let find = |text: &str| {
        entries
            .iter()
            .find(|e| e["message"].as_str().unwrap().contains(text))
            .unwrap_or_else(|| panic!("no entry saying {text:?}"))
    };
    let unset = find("\"NGINX_TAG\" variable is not set");
    assert_eq!(unset["level"], "warning");
    assert_eq!(unset["code"], "unset-variable");
    assert_eq!(unset["file"], "$CASE/compose.yaml");
    assert_eq!(
        (unset["line"].as_u64(), unset["column"].as_u64()),
        (Some(6), Some(12))
    );
    let version = find("`version` is obsolete");
    assert_eq!(version["code"], "obsolete-version");
    assert_eq!(version["key"], "version");
    assert_eq!(version["line"].as_u64(), Some(3));
    let warnings = entries.iter().filter(|e| e["level"] == "warning").count();
    assert_eq!(
        warnings, 3,
        "two from the loader, ulimits from the conversion"
    );
    assert_eq!(find("ulimits")["code"], "resource-tuning-not-translated");
    let strict = find("--strict");
    assert_eq!(strict["level"], "error");
    assert_eq!(strict["code"], "strict");
    assert_eq!(strict["message"], "--strict: the report has 3 warning(s)");
}

/// Every entry of a JSON report has a code, the one the README lists for it.
#[test]
fn every_json_entry_has_a_known_code() {
    let known: Vec<&str> = compose2k8s::translate::Code::ALL
        .iter()
        .map(|code| code.as_str())
        .collect();
    for dir in json_report_cases() {
        let outcome = run_case(&dir);
        let report: serde_json::Value = serde_json::from_str(&outcome.stderr).unwrap();
        for entry in report["entries"].as_array().unwrap() {
            let code = entry["code"].as_str().unwrap_or_default();
            assert!(known.contains(&code), "{}: {entry}", dir.display());
        }
    }
}

/// `--strict` passes when every warning left is allowed: the entries stay, marked, and
/// are found by their codes.
#[test]
fn strict_passes_when_every_warning_is_allowed() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/convert/report-strict-allow-flag");
    let outcome = run_case(&dir);
    assert_eq!(outcome.code, "0\n", "{}", outcome.stderr);
    let report: serde_json::Value = serde_json::from_str(&outcome.stderr).unwrap();
    let entries = report["entries"].as_array().unwrap();
    let warnings: Vec<(&str, &str, bool)> = entries
        .iter()
        .filter(|e| e["level"] == "warning")
        .map(|e| {
            (
                e["service"].as_str().unwrap_or_default(),
                e["code"].as_str().unwrap(),
                e["allowed"] == true,
            )
        })
        .collect();
    assert_eq!(
        warnings,
        [
            ("", "obsolete-version", true),
            ("web", "build-not-run", true),
            ("web", "resource-tuning-not-translated", true),
            ("worker", "build-not-run", true),
        ]
    );
    // The same project without the flags fails, counting what x-kubernetes leaves.
    let plain = run_case(&dir.with_file_name("report-strict-allowed-by-project"));
    assert_eq!(plain.code, "1\n");
    assert!(plain
        .stderr
        .contains("warning[build-not-run, allowed]: services.web.build:"));
    assert!(plain
        .stderr
        .contains("--strict: the report has 3 warning(s)"));
}
