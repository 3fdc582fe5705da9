//! Every input a fuzz target once failed on (a panic, a timeout, running out of memory),
//! replayed through the same function the target calls: `testdata/fuzz/<target>/<name>`.
//! The fuzzers need a nightly toolchain; these run on stable with plain `cargo test`. A
//! case passes when it returns; a hang shows as a test that does not finish.

use std::fs;
use std::path::{Path, PathBuf};

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
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    for input in inputs(target) {
        let data = fs::read(&input).expect("read the input");
        eprintln!("{}", input.display());
        run(&data);
    }
}

#[test]
fn loader_inputs() {
    replay("loader", compose2k8s::fuzzing::load_and_convert);
}

#[test]
fn interpolation_inputs() {
    replay("interpolation", compose2k8s::fuzzing::interpolate);
}

#[test]
fn dotenv_inputs() {
    replay("dotenv", compose2k8s::fuzzing::dotenv);
}
