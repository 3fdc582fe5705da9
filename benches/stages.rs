//! The stages of `convert -o DIR`, each timed on its own, on the projects of
//! `scripts/bench.py` (10 to 10,000 services): YAML parsing alone, the whole compose loader
//! (YAML, interpolation, merge, normalization, typed model, checks), translation, rendering
//! the objects as YAML and writing them into a directory.
//!
//! The projects are read from `COMPOSE2K8S_BENCH_DIR/<services>/compose.yaml`; without that
//! variable they are generated first into a temporary directory by
//! `scripts/bench.py --generate-only`, so the generator exists once. `scripts/bench.py` runs
//! this benchmark and puts the stage times in its table.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use compose2k8s::compose::{self, load::LoadOptions, LoadedProject};
use compose2k8s::{emit, extension, translate};
use divan::Bencher;

fn main() {
    divan::main();
    if let Some(generated) = GENERATED.get() {
        let _ = std::fs::remove_dir_all(generated);
    }
}

/// The projects generated for this run (none when COMPOSE2K8S_BENCH_DIR names them), removed
/// at the end.
static GENERATED: OnceLock<PathBuf> = OnceLock::new();

/// The directory of generated projects, one subdirectory per size.
fn projects_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("COMPOSE2K8S_BENCH_DIR") {
            return PathBuf::from(dir);
        }
        let dir = std::env::temp_dir().join(format!("compose2k8s-stages-{}", std::process::id()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench.py");
        let status = std::process::Command::new("python3")
            .arg(script)
            .arg("--generate-only")
            .arg(&dir)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            fail(&format!(
                "could not generate the projects into {}",
                dir.display()
            ));
        }
        let _ = GENERATED.set(dir.clone());
        dir
    })
}

/// The sizes found in the projects directory, smallest first.
fn sizes() -> Vec<usize> {
    let mut sizes: Vec<usize> = std::fs::read_dir(projects_dir())
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    sizes.sort_unstable();
    sizes
}

fn compose_file(services: usize) -> PathBuf {
    projects_dir()
        .join(services.to_string())
        .join("compose.yaml")
}

fn load_options(services: usize) -> LoadOptions {
    let file = compose_file(services);
    LoadOptions {
        current_dir: file.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: vec![file],
        ..Default::default()
    }
}

fn load(services: usize) -> LoadedProject {
    compose::load_project(&load_options(services))
        .unwrap_or_else(|errors| fail(&format!("the generated project does not load: {errors:?}")))
}

/// Setup failed: the benchmark cannot measure anything.
fn fail(message: &str) -> ! {
    eprintln!("stages: {message}");
    std::process::exit(2);
}

fn translation(loaded: &LoadedProject) -> translate::Translation {
    let extensions = extension::check(&loaded.project)
        .unwrap_or_else(|errors| fail(&format!("the generated x-kubernetes: {errors:?}")));
    let host_files = compose::host_files::read_host_files(&loaded.project, &loaded.scope);
    compose2k8s::convert::translate_checked(
        loaded,
        &extensions,
        &host_files,
        &translate::Options::default(),
    )
}

/// The YAML parser alone, on the text already in memory.
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn parse_yaml(bencher: Bencher, services: usize) {
    let file = compose_file(services);
    let source = std::fs::read_to_string(&file).unwrap_or_default();
    bencher.bench(|| compose2k8s::yaml::parse(&source, None));
}

/// Files to typed project: reading, YAML, interpolation, merge, normalization, checks.
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn load_project(bencher: Bencher, services: usize) {
    let options = load_options(services);
    bencher.bench(|| compose::load_project(&options));
}

/// The pure translation, with the checks `convert` runs before it.
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn translate(bencher: Bencher, services: usize) {
    let loaded = load(services);
    bencher.bench(|| {
        let collisions = translate::names::check_collisions(&loaded.project);
        (collisions, translation(&loaded))
    });
}

/// Every object as the text of its file.
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn render(bencher: Bencher, services: usize) {
    let manifests = translation(&load(services)).manifests;
    bencher.bench(|| emit::render_files(&manifests, emit::Format::Yaml));
}

/// The rendered files into a new directory (staged, then renamed into place).
#[divan::bench(args = sizes(), sample_count = 5, sample_size = 1)]
fn write(bencher: Bencher, services: usize) {
    let files = emit::render_files(&translation(&load(services)).manifests, emit::Format::Yaml);
    let root = projects_dir().join(format!("{services}-written"));
    let mut run = 0;
    bencher.bench_local(|| {
        run += 1;
        compose2k8s::output_dir::write_directory(&root.join(run.to_string()), &files)
    });
    let _ = std::fs::remove_dir_all(&root);
}
