//! The JSON Schemas in schemas/ are generated from the model; this test fails when a
//! checked-in file is stale. `UPDATE_GOLDEN=1 cargo test` rewrites it.

use std::fs;
use std::path::Path;

fn check_schema(file: &str, schema: serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(file);
    let generated = serde_json::to_string_pretty(&schema).expect("schema serializes") + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        fs::write(&path, &generated).expect("write schema");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `UPDATE_GOLDEN=1 cargo test --test schema` and commit it",
        path.display()
    );
}

#[test]
fn compose_schema_is_current() {
    check_schema(
        "compose.schema.json",
        compose2k8s::compose::model::json_schema(),
    );
}

#[test]
fn x_kubernetes_schema_is_current() {
    check_schema(
        "x-kubernetes.schema.json",
        compose2k8s::extension::json_schema(),
    );
}

#[test]
fn the_schema_command_prints_the_checked_in_file() {
    for (kind, file) in [
        ("compose", "compose.schema.json"),
        ("x-kubernetes", "x-kubernetes.schema.json"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
            .args(["schema", kind])
            .output()
            .expect("the binary runs");
        let committed = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas")
                .join(file),
        )
        .expect("schema file");
        assert_eq!(String::from_utf8_lossy(&output.stdout), committed, "{kind}");
    }
}
