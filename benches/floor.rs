//! The floor of `convert`: what the YAML crate alone needs to parse the input and print the
//! output objects, with no compose semantics and no Kubernetes model in between. No
//! translation of the same files can be much faster, so `scripts/bench.py` holds `convert`
//! to a small multiple of this.
//!
//! This program uses yaml-rust2 directly, which the library leaves to `src/yaml/` alone:
//! measuring the crate without the project's own layer on top is its whole point.
//!
//! Usage: `floor COMPOSE_FILE OUTPUT_DIR [RUNS]`, where OUTPUT_DIR holds what
//! `compose2k8s convert -f COMPOSE_FILE -o OUTPUT_DIR` wrote. The output objects are read
//! back and turned into YAML values before the clock starts; then, RUNS times (default 5),
//! the compose file is parsed into its plain value and every object is printed. Prints one
//! JSON line: the fastest run's parse, print and total seconds, and the number of objects.
//!
//! `floor --startup` exits at once: the script times it as the cost of starting a process,
//! which `convert` pays too and the in-process clock above does not see.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use yaml_rust2::{Yaml, YamlEmitter, YamlLoader};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(line) => {
            if !line.is_empty() {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("floor: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    // `cargo bench` passes `--bench`; it means nothing here.
    let args: Vec<&String> = args.iter().filter(|a| *a != "--bench").collect();
    if args.first().is_some_and(|a| *a == "--startup") {
        return Ok(String::new());
    }
    let [input, output_dir, rest @ ..] = args.as_slice() else {
        return Err("usage: floor COMPOSE_FILE OUTPUT_DIR [RUNS]".to_string());
    };
    let runs: usize = match rest.first() {
        Some(n) => n.parse().map_err(|_| format!("RUNS: not a count: {n}"))?,
        None => 5,
    };
    let source = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    let objects = read_objects(Path::new(output_dir.as_str()))?;
    let mut best: Option<(Duration, Duration)> = None;
    for _ in 0..runs.max(1) {
        let (parse, print) = parse_and_print(&source, &objects)?;
        if best.is_none_or(|(p, q)| parse + print < p + q) {
            best = Some((parse, print));
        }
    }
    let (parse, print) = best.unwrap_or_default();
    Ok(format!(
        "{{\"parse_seconds\": {:.6}, \"print_seconds\": {:.6}, \"total_seconds\": {:.6}, \"objects\": {}}}",
        parse.as_secs_f64(),
        print.as_secs_f64(),
        (parse + print).as_secs_f64(),
        objects.len()
    ))
}

/// Every object file `convert` wrote (not its index), parsed, in a stable order.
fn read_objects(dir: &Path) -> Result<Vec<Yaml>, String> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut objects = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let documents =
            YamlLoader::load_from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        objects.extend(documents);
    }
    if objects.is_empty() {
        return Err(format!("{}: no output objects", dir.display()));
    }
    Ok(objects)
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
    Ok(())
}

/// One timed run: the compose file into its YAML value, then every object into its own text,
/// as `convert -o` prints one file per object.
fn parse_and_print(source: &str, objects: &[Yaml]) -> Result<(Duration, Duration), String> {
    let start = Instant::now();
    let parsed = YamlLoader::load_from_str(source).map_err(|e| e.to_string())?;
    let parsed_at = Instant::now();
    let mut printed = 0;
    for object in objects {
        let mut text = String::new();
        YamlEmitter::new(&mut text)
            .dump(object)
            .map_err(|e| e.to_string())?;
        printed += text.len();
    }
    let printed_at = Instant::now();
    // Keep the work observable so that none of it is optimized away.
    std::hint::black_box((parsed, printed));
    Ok((parsed_at - start, printed_at - parsed_at))
}
