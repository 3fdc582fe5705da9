//! Golden round trips and whole-project checks.
//!
//! Each directory under `testdata/model/` holds a `compose.yaml` and `expected.json`, the
//! output of `docker compose config --format json` for it (see `testdata/model/regenerate.sh`).
//! Reading `expected.json` into a [`Project`] and printing it again must give the same JSON,
//! keys in the same order, once both sides drop nulls and empty values (Compose prints some
//! empty objects the model leaves out).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value as Json};

use super::*;
use crate::value::Value;

fn read_project(json: &Json) -> Result<Project, String> {
    Project::deserialize(&Value::from_json(json)).map_err(|e| e.to_string())
}

/// Drops nulls, empty strings, empty lists and empty maps, recursively.
fn without_empty(json: Json) -> Option<Json> {
    match json {
        Json::Null => None,
        Json::String(s) if s.is_empty() => None,
        Json::Array(items) => {
            let items: Vec<Json> = items.into_iter().filter_map(without_empty).collect();
            (!items.is_empty()).then_some(Json::Array(items))
        }
        Json::Object(entries) => {
            let entries: serde_json::Map<String, Json> = entries
                .into_iter()
                .filter_map(|(k, v)| without_empty(v).map(|v| (k, v)))
                .collect();
            (!entries.is_empty()).then_some(Json::Object(entries))
        }
        scalar => Some(scalar),
    }
}

/// Reads `expected`, prints the project, and returns both sides without empty values.
fn round_trip(expected: &Json) -> Result<(String, String), String> {
    let project = read_project(expected)?;
    let printed = serde_json::to_value(&project).map_err(|e| e.to_string())?;
    let pretty =
        |json: Json| serde_json::to_string_pretty(&without_empty(json)).unwrap_or_default();
    Ok((pretty(printed), pretty(expected.clone())))
}

fn golden_cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/model");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("expected.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

#[test]
fn compose_output_reads_back_and_prints_the_same() {
    let cases = golden_cases();
    assert!(
        cases.len() >= 8,
        "golden cases missing under testdata/model"
    );
    for case in cases {
        let text = std::fs::read_to_string(case.join("expected.json")).unwrap_or_default();
        let expected: Json = serde_json::from_str(&text).unwrap_or(Json::Null);
        match round_trip(&expected) {
            Ok((printed, expected)) => assert_eq!(printed, expected, "{}", case.display()),
            Err(error) => panic!("{}: {error}", case.display()),
        }
    }
}

#[test]
fn short_syntax_reads_into_compose_long_form() {
    let project = read_project(&json!({
        "name": "demo",
        "services": {
            "web": {
                "image": "nginx",
                "ports": ["127.0.0.1:8080-8081:80-81/udp", 9000],
                "volumes": ["./data:/var/lib/x:ro", "cache:/cache"],
                "environment": ["A=1", "B"],
                "depends_on": ["db"],
                "networks": ["front"],
                "healthcheck": {"test": "curl -f localhost", "interval": "90s"}
            },
            "db": {"image": "postgres"}
        },
        "networks": {"front": null, "legacy": {"external": {"name": "shared"}}},
        "volumes": {"cache": null},
        "x-kubernetes": {"namespace": "demo"}
    }));
    let printed = project.and_then(|p| serde_json::to_value(p).map_err(|e| e.to_string()));
    assert_eq!(
        printed,
        Ok(json!({
            "name": "demo",
            "networks": {"front": {"ipam": {}}, "legacy": {"name": "shared", "ipam": {}, "external": true}},
            "services": {
                "db": {"command": null, "entrypoint": null, "image": "postgres"},
                "web": {
                    "command": null,
                    "depends_on": {"db": {"condition": "service_started", "required": true}},
                    "entrypoint": null,
                    "environment": {"A": "1", "B": null},
                    "healthcheck": {"test": ["CMD-SHELL", "curl -f localhost"], "interval": "1m30s"},
                    "image": "nginx",
                    "networks": {"front": null},
                    "ports": [
                        {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "published": "8080", "protocol": "udp"},
                        {"mode": "ingress", "host_ip": "127.0.0.1", "target": 81, "published": "8081", "protocol": "udp"},
                        {"mode": "ingress", "target": 9000, "protocol": "tcp"}
                    ],
                    "volumes": [
                        {"type": "bind", "source": "./data", "target": "/var/lib/x", "read_only": true, "bind": {"create_host_path": true}},
                        {"type": "volume", "source": "cache", "target": "/cache", "volume": {}}
                    ]
                }
            },
            "volumes": {"cache": {}},
            "x-kubernetes": {"namespace": "demo"}
        }))
    );
}

#[test]
fn a_conflicting_legacy_external_name_is_an_error() {
    let project =
        read_project(&json!({"volumes": {"data": {"name": "a", "external": {"name": "b"}}}}));
    assert_eq!(
        project.err(),
        Some("data: name \"a\" and external.name \"b\" conflict; use name only".to_string())
    );
}

#[test]
fn unknown_top_level_keys_are_errors() {
    assert_eq!(
        read_project(&json!({"service": {}})).err(),
        Some("unknown field `service`, expected one of `version`, `configs`, `include`, `name`, `networks`, `secrets`, `services`, `volumes`, `models`".to_string())
    );
}

#[test]
fn errors_carry_the_key_path() {
    let value = Value::from_json(&json!({"services": {"web": {"ports": ["80", "80:abc"]}}}));
    let error = serde_path_to_error::deserialize::<_, Project>(&value).err();
    assert_eq!(
        error.map(|e| (e.path().to_string(), e.inner().to_string())),
        Some((
            "services.web.ports[1]".to_string(),
            "invalid port \"80:abc\": expected [[ip:]published:]target[/protocol]".to_string()
        ))
    );
}

#[test]
fn the_schema_documents_short_syntaxes_and_interpolated_scalars() {
    let schema = json_schema();
    let definitions = &schema["definitions"];
    let service = &definitions["Service"]["properties"];
    assert_eq!(
        service["ports"]["items"]["$ref"],
        json!("#/definitions/PortOrShortSyntax")
    );
    let port_forms = &definitions["PortOrShortSyntax"]["anyOf"];
    assert_eq!(port_forms[0]["type"], json!(["string", "integer"]));
    assert_eq!(port_forms[1]["$ref"], json!("#/definitions/Port"));
    assert_eq!(
        definitions["Port"]["properties"]["target"]["type"],
        json!(["integer", "string"])
    );
    assert_eq!(service["privileged"]["type"], json!(["boolean", "string"]));
    assert_eq!(definitions["Service"]["additionalProperties"], json!(false));
    assert_eq!(
        definitions["Service"]["patternProperties"],
        json!({"^x-": {}})
    );
    assert!(service["environment"]["$ref"].is_string());
}

/// The services map is reserved at its length, not grown by copying from serde's 1 MiB
/// reservation: grown, 1,000 services (3 KiB each) end in room for 1,792.
#[test]
fn the_services_map_is_reserved_at_its_length() {
    let services: serde_json::Map<String, Json> = (0..1000)
        .map(|i| (format!("svc-{i}"), json!({"image": "nginx"})))
        .collect();
    let project = read_project(&json!({ "services": services })).unwrap();
    assert_eq!(project.services.len(), 1000);
    assert_eq!(project.services.capacity(), 1000);
}
