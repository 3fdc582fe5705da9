//! Entry points that take arbitrary bytes and run them through a part of the pipeline, for
//! the fuzz targets in `fuzz/` and for `tests/fuzz_regressions.rs`, which replays every input
//! the fuzzers once failed on. Any result is fine except a panic, a hang or unbounded memory.

use std::path::Path;

use crate::compose::load::{Environment, LoadOptions};
use crate::compose::{self, dotenv, interpolate};
use crate::{convert, emit, translate};

/// Where the loader target pretends its text comes from. Nothing is there, so what the
/// text refers to (`include`, `extends: {file: …}`, env files, bind mounts) is missing,
/// which keeps runs independent of the machine.
const COMPOSE_FILE: &str = "/nonexistent/fuzz/compose.yaml";

/// A small environment, so that interpolation takes both the set and the unset branches.
fn environment() -> Environment {
    [
        ("HOME", "/home/user"),
        ("TAG", "1.25"),
        ("EMPTY", ""),
        ("PORT", "8080"),
        ("COMPOSE_PROFILES", "debug"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `data` as a compose file: YAML, interpolation, include, extends, merge, parse, checks,
/// then translation and both output formats, as `convert` runs them.
pub fn load_and_convert(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = LoadOptions {
        current_dir: Path::new("/nonexistent/fuzz").to_path_buf(),
        environment: environment(),
        ..LoadOptions::default()
    };
    let Ok(mut loaded) = compose::load_project_from_text(text, Path::new(COMPOSE_FILE), &options)
    else {
        return;
    };
    let _ = compose::config_json(&loaded);
    let Ok(translation) = convert::translate_loaded(&mut loaded, &translate::Options::default())
    else {
        return;
    };
    let _ = emit::render_stream(&translation.manifests, emit::Format::Yaml);
    let _ = emit::render_files(&translation.manifests, emit::Format::Json);
    let _ = translation.report.to_text();
}

/// `data` as a template; text before a NUL byte, if any, is the environment (`KEY=VALUE`
/// lines) instead of the small default one.
pub fn interpolate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (environment, template) = match text.split_once('\0') {
        Some((lines, template)) => (environment_from_lines(lines), template),
        None => (environment(), text),
    };
    let lookup = |name: &str| environment.get(name).cloned();
    let _ = interpolate::substitute(template, &lookup);
}

/// `data` as an env file, with the small environment for substitutions and inherited keys.
pub fn dotenv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let environment = environment();
    let lookup = |name: &str| environment.get(name).cloned();
    let _ = dotenv::parse(text, &lookup);
}

fn environment_from_lines(lines: &str) -> Environment {
    lines
        .lines()
        .map(|line| line.split_once('=').unwrap_or((line, "")))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every input a fuzz target once failed on (a panic, a timeout, running out of memory),
/// replayed through the same function the target calls: `testdata/fuzz/<target>/<name>`.
/// The fuzzers need a nightly toolchain; these run on stable with plain `cargo test`. A
/// case passes when it returns; a hang shows as a test that does not finish. A target gets
/// a directory (and a test here) with its first failing input.
#[cfg(test)]
mod regressions {
    use std::fs;
    use std::path::PathBuf;

    fn inputs(target: &str) -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/fuzz")
            .join(target);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("{} is missing", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} holds no input", dir.display());
        files
    }

    use super::*;

    #[test]
    fn loader_inputs() {
        for input in inputs("loader") {
            load_and_convert(&fs::read(&input).expect("read the input"));
        }
    }
}
