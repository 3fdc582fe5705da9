//! Every key of the model is accounted for: a service that sets them all
//! (`testdata/translate/service-with-every-key.json`) is translated, and each key must be
//! mapped, applied by the loader, or named in the report.

use schemars::generate::SchemaGenerator;
use schemars::JsonSchema;
use serde::Deserialize;

use super::*;
use crate::compose::model::Project;
use crate::translate::{translate, Input, Options, Report};
use crate::value::Value;

const FIXTURE: &str = include_str!("../../../testdata/translate/service-with-every-key.json");
const SERVICE: &str = "every";

/// The property names of `T`, prefixed with `prefix`.
fn keys_of<T: JsonSchema>(prefix: &str) -> Vec<String> {
    let schema = T::json_schema(&mut SchemaGenerator::default());
    schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
        .map(|properties| properties.keys().map(|k| format!("{prefix}{k}")).collect())
        .unwrap_or_default()
}

/// Every key of a service, with the keys of `deploy` and its resources as paths; the
/// objects that only hold other keys (`deploy`, `deploy.resources`) are left out.
fn model_keys() -> Vec<String> {
    let containers = ["deploy", "deploy.resources"];
    [
        keys_of::<Service>(""),
        keys_of::<Deploy>("deploy."),
        keys_of::<ResourceLimits>("deploy.resources.limits."),
        keys_of::<ResourceReservations>("deploy.resources.reservations."),
    ]
    .concat()
    .into_iter()
    .filter(|key| !containers.contains(&key.as_str()))
    .collect()
}

fn fixture() -> serde_json::Value {
    serde_json::from_str(FIXTURE).unwrap_or_default()
}

fn report_of_fixture() -> Report {
    let project = Project::deserialize(&Value::from_json(&fixture()));
    assert!(project.is_ok(), "the fixture is not a project: {project:?}");
    let project = project.unwrap_or_default();
    let input = Input {
        project: &project,
        env_files: &Default::default(),
        host_files: &Default::default(),
        environment: &Default::default(),
        extensions: &Default::default(),
    };
    translate(input, &Options::default()).report
}

fn is_handled_elsewhere(key: &str) -> bool {
    [MAPPED, MAPPED_ELSEWHERE, APPLIED_BY_LOADER]
        .iter()
        .any(|list| list.contains(&key))
}

#[test]
fn the_fixture_sets_every_key_of_the_model() {
    let fixture = fixture();
    let service = &fixture["services"][SERVICE];
    let missing: Vec<String> = model_keys()
        .into_iter()
        .filter(|key| {
            let pointer = format!("/{}", key.replace('.', "/"));
            service.pointer(&pointer).is_none_or(|v| v.is_null())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "set these keys in the fixture: {missing:?}"
    );
}

#[test]
fn every_key_is_mapped_applied_or_reported() {
    let report = report_of_fixture();
    let reported = |key: &str| {
        let path = format!("services.{SERVICE}.{key}");
        report
            .entries
            .iter()
            .any(|e| e.key == path || e.key.starts_with(&format!("{path}.")))
    };
    let dropped: Vec<String> = model_keys()
        .into_iter()
        .filter(|key| !is_handled_elsewhere(key) && !reported(key))
        .collect();
    assert!(
        dropped.is_empty(),
        "these keys are neither mapped nor reported: {dropped:?}"
    );
}

#[test]
fn extension_keys_for_other_tools_are_reported() {
    let report = report_of_fixture();
    let path = format!("services.{SERVICE}.x-note");
    assert!(report.entries.iter().any(|e| e.key == path));
}

#[test]
fn the_lists_name_keys_of_the_model_once() {
    let model = model_keys();
    let listed: Vec<&str> = [MAPPED, MAPPED_ELSEWHERE, APPLIED_BY_LOADER]
        .concat()
        .into_iter()
        .chain(UNMAPPED.iter().map(|row| row.key))
        .collect();
    for key in &listed {
        assert!(
            model.iter().any(|k| k == key),
            "{key} is not a key of the model"
        );
        let times = listed.iter().filter(|k| *k == key).count();
        assert_eq!(times, 1, "{key} is listed {times} times");
    }
}

#[test]
fn notes_carry_no_hint() {
    for row in UNMAPPED.iter().filter(|row| row.level == Level::Info) {
        assert_eq!(row.hint, None, "{}: an info entry has no hint", row.key);
    }
}
