//! Converting the same project twice gives byte-identical output, on stdout and in a
//! directory: CI pipelines diff generated manifests, so any reordering is a false change.

use std::fs;
use std::path::Path;
use std::process::Command;

fn convert(args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut all = output.stdout;
    all.extend(output.stderr);
    all
}

fn directory_contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("output directory")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, fs::read(&path).expect("file"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    for format in ["yaml", "json"] {
        let args = [
            "convert",
            "-f",
            "examples/expense/compose.yaml",
            "--format",
            format,
        ];
        assert_eq!(convert(&args), convert(&args));
    }
}

#[test]
fn a_directory_output_is_the_same_twice() {
    let base = std::env::temp_dir().join(format!("compose2k8s-determinism-{}", std::process::id()));
    let _ = fs::remove_dir_all(&base);
    let (first, second) = (base.join("first"), base.join("second"));
    for dir in [&first, &second] {
        let dir = dir.to_string_lossy().into_owned();
        convert(&["convert", "-f", "examples/expense/compose.yaml", "-o", &dir]);
    }
    let (a, b) = (directory_contents(&first), directory_contents(&second));
    assert!(a.len() > 1);
    assert_eq!(a, b);
    fs::remove_dir_all(&base).expect("clean up");
}
