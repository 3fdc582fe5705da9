//! Environment variables whose names say they are secrets
//! ([`names_a_secret`](super::secret_variables::names_a_secret)) do not stay plain values in
//! the workload, where anyone who may read Deployments sees them: a service's `environment`
//! entries so named go into one Secret, `<service>-env`, which the container reads with
//! `secretKeyRef`; an env file's go into a Secret beside its ConfigMap (`config`).
//!
//! Left as they are: empty values (nothing to hide), entries without a value (an env file
//! or nothing sets them, as before), names a Secret key cannot be (reported), and what
//! `x-kubernetes.literalEnvironment` keeps. A Secret's value reaches the container as it is:
//! Kubernetes expands `$(VAR)` only in plain values, so no escaping is needed.
//!
//! The Secret's data records where each value came from ([`ProvidedValues`](super::ProvidedValues)):
//! outputs that read data at build time (kustomize) ask the user for the values instead of
//! copying them, and the report names the variables, never their values.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;

use super::config::is_config_key;
use super::names::{joined, labels};
use super::secret_variables::names_a_secret;
use super::{Code, Context, PodParts, SecretValues, ValueOrigin};
use crate::compose::model::Service;
use crate::extension::LiteralEnvironment;
use crate::manifest::Manifest;
use crate::validation::is_env_var_name;

/// Whether the service's variable `name` with `value` goes into a Secret.
pub fn goes_to_secret(cx: &Context<'_>, service: &str, name: &str, value: &str) -> bool {
    !value.is_empty()
        && names_a_secret(name)
        && !cx
            .input
            .extensions
            .service(service)
            .literal_environment
            .as_ref()
            .is_some_and(|literal| literal.keeps(name))
}

/// The Secret of the service's secret-named `environment` entries, if it has any; the
/// container reads them from it ([`PodParts::secret_env`]).
pub fn attach_environment(
    cx: &mut Context<'_>,
    name: &str,
    service: &Service,
    parts: &mut PodParts,
) -> Option<Manifest> {
    report_needless_literal_names(cx, name, service);
    let mut entries: Vec<(&str, &str)> = Vec::new();
    for (variable, value) in service.environment.iter() {
        let Some(value) = value else { continue };
        // Invalid names are left out of the container, and reported, with the others.
        if !is_env_var_name(variable) || !goes_to_secret(cx, name, variable, value) {
            continue;
        }
        if !is_config_key(variable) {
            cx.report.warn_with_hint(
                Code::SecretInWorkload,
                name,
                &format!("environment.{variable}"),
                "its name says it is a secret, but a Secret key holds only letters, digits, \
                 `-`, `_` and `.`: its value is written into the workload as it is",
                "rename the variable",
            );
            continue;
        }
        entries.push((variable, value));
    }
    if entries.is_empty() {
        return None;
    }
    let secret = cx.secret_names.claim(&joined(&[name, "env"]));
    for (variable, _) in &entries {
        parts
            .secret_env
            .insert((*variable).to_string(), secret.clone());
    }
    let entries = entries
        .into_iter()
        .map(|(variable, value)| {
            let origin = ValueOrigin::Environment {
                service: name.to_string(),
                variable: variable.to_string(),
            };
            (variable, value, origin)
        })
        .collect();
    Some(secret_of_variables(
        cx,
        name,
        "environment",
        &secret,
        entries,
    ))
}

/// Names in `x-kubernetes.literalEnvironment` that keep nothing: no variable of the service
/// (`environment` or an env file) has that name and says it is a secret, a misspelt name
/// most likely.
fn report_needless_literal_names(cx: &mut Context<'_>, name: &str, service: &Service) {
    let extension = cx.input.extensions.service(name);
    let Some(LiteralEnvironment::Names(listed)) = &extension.literal_environment else {
        return;
    };
    let env_files = cx.input.env_files.get(name).map_or(&[][..], Vec::as_slice);
    let is_set = |variable: &str| {
        service.environment.contains_key(variable)
            || env_files
                .iter()
                .any(|file| file.variables.contains_key(variable))
    };
    let needless: Vec<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|variable| !(is_set(variable) && names_a_secret(variable)))
        .collect();
    if !needless.is_empty() {
        cx.report.warn(
            Code::ExtensionSettingUnused,
            name,
            "x-kubernetes.literalEnvironment",
            format!(
                "{}: no variable of the service so named goes into a Secret, so there is \
                 nothing to keep literal",
                needless.join(", ")
            ),
        );
    }
}

/// A Secret holding `entries` (variable, value, where the value is found) of the service,
/// each key the variable's name; where each value is found is for outputs that do not copy
/// it. The report line under `key` names the variables and the Secret, never a value.
pub fn secret_of_variables(
    cx: &mut Context<'_>,
    service: &str,
    key: &str,
    secret: &str,
    mut entries: Vec<(&str, &str, ValueOrigin)>,
) -> Manifest {
    entries.sort();
    let names: Vec<&str> = entries.iter().map(|(variable, _, _)| *variable).collect();
    let provided = entries
        .iter()
        .map(|(variable, _, origin)| ((*variable).to_string(), origin.clone()))
        .collect();
    cx.provided.push((secret.to_string(), provided));
    let values = match cx.options.secret_values {
        SecretValues::Generated => {
            "a secretGenerator reads the values from files the user writes, so none is \
             copied into the output"
        }
        SecretValues::Written => {
            "the values are written into the output, base64-encoded and not encrypted; keep \
             the manifests private"
        }
        SecretValues::LeftToUser => {
            "the output does not hold the values: the user creates the Secret"
        }
    };
    let (names_say, them) = if names.len() == 1 {
        ("its name says it is a secret", "it")
    } else {
        ("their names say they are secrets", "them")
    };
    cx.report.info(
        Code::EnvironmentSecret,
        service,
        key,
        format!(
            "{}: {names_say}, so the container reads {them} from the Secret `{secret}`; \
             {values} (x-kubernetes.literalEnvironment keeps names as plain values)",
            names.join(", "),
        ),
    );
    let data: BTreeMap<String, ByteString> = entries
        .iter()
        .map(|(variable, value, _)| {
            (
                (*variable).to_string(),
                ByteString(value.as_bytes().to_vec()),
            )
        })
        .collect();
    let project = cx.project_name().to_string();
    Manifest::Secret(Box::new(Secret {
        metadata: ObjectMeta {
            name: Some(secret.to_string()),
            labels: Some(labels(&project, service)),
            ..Default::default()
        },
        type_: Some("Opaque".to_string()),
        data: Some(data),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde::Deserialize;
    use serde_json::{json, Value as Json};

    use crate::compose::env_file::{EnvFileVariables, ServiceEnvFiles};
    use crate::compose::model::Project;
    use crate::translate::{translate, Input, Options, SecretValues, Translation};
    use crate::value::Value;

    fn convert(project: Json, env_files: &ServiceEnvFiles, data_by_reference: bool) -> Translation {
        let project = Project::deserialize(&Value::from_json(&project)).expect("project");
        let extensions = crate::extension::check(&project).expect("x-kubernetes");
        let input = Input {
            project: &project,
            env_files,
            host_files: &Default::default(),
            environment: &Default::default(),
            extensions: &extensions,
        };
        let options = Options {
            secret_values: if data_by_reference {
                SecretValues::Generated
            } else {
                SecretValues::Written
            },
            ..Options::default()
        };
        translate(input, &options)
    }

    fn object(translation: &Translation, kind: &str, name: &str) -> Option<Json> {
        translation
            .manifests
            .iter()
            .find(|m| m.kind() == kind && m.name() == name)
            .map(|m| m.to_json())
    }

    /// The first container of the Deployment `web`.
    fn container(translation: &Translation) -> Json {
        let deployment = object(translation, "Deployment", "web").expect("Deployment web");
        deployment["spec"]["template"]["spec"]["containers"][0].clone()
    }

    fn from_secret(secret: &str, key: &str) -> Json {
        json!({"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
    }

    fn base64(text: &str) -> String {
        serde_json::to_value(k8s_openapi::ByteString(text.as_bytes().to_vec()))
            .expect("base64")
            .as_str()
            .expect("a string")
            .to_string()
    }

    #[test]
    fn secret_named_entries_are_read_from_the_services_secret() {
        let project = json!({"name": "p", "services": {"web": {"image": "x", "environment": {
            "DB_HOST": "db",
            "DB_PASSWORD": "pw-$(not-expanded)",
            "API_TOKEN": "tok-3141",
            "REDIS_PASSWORD": "",
            "MYSQL_ROOT_PASSWORD_FILE": "/run/secrets/db",
            "UNSET_SECRET": null,
            "DB PASSWORD": "spaced-2718"
        }}}});
        let translation = convert(project, &Default::default(), false);
        assert_eq!(
            container(&translation)["env"],
            json!([
                from_secret("web-env", "API_TOKEN"),
                {"name": "DB PASSWORD", "value": "spaced-2718"},
                {"name": "DB_HOST", "value": "db"},
                from_secret("web-env", "DB_PASSWORD"),
                {"name": "MYSQL_ROOT_PASSWORD_FILE", "value": "/run/secrets/db"},
                {"name": "REDIS_PASSWORD", "value": ""}
            ])
        );
        let secret = object(&translation, "Secret", "web-env").expect("Secret web-env");
        // Kubernetes does not expand a Secret's value: it holds the text as Compose has it.
        assert_eq!(
            secret["data"],
            json!({"API_TOKEN": base64("tok-3141"), "DB_PASSWORD": base64("pw-$(not-expanded)")})
        );
        assert_eq!(
            secret["metadata"]["labels"]["app.kubernetes.io/name"],
            "web"
        );
        let report = translation.report.to_text();
        assert!(
            report.contains(
                "services.web.environment: API_TOKEN, DB_PASSWORD: their names say they are \
                 secrets, so the container reads them from the Secret `web-env`"
            ),
            "{report}"
        );
        assert!(
            report.contains("services.web.environment.DB PASSWORD: its name says it is a secret"),
            "{report}"
        );
        for value in ["tok-3141", "pw-", "spaced-2718"] {
            assert!(
                !report.contains(value),
                "the report holds {value}:\n{report}"
            );
        }
    }

    #[test]
    fn literal_environment_keeps_all_or_the_named_entries() {
        let project = |literal: Json| {
            json!({"services": {"web": {
                "image": "x",
                "environment": {"DB_PASSWORD": "pw", "API_TOKEN": "t"},
                "x-kubernetes": {"literalEnvironment": literal}
            }}})
        };
        let all = convert(project(json!(true)), &Default::default(), false);
        assert!(object(&all, "Secret", "web-env").is_none());
        assert_eq!(
            container(&all)["env"],
            json!([{"name": "API_TOKEN", "value": "t"}, {"name": "DB_PASSWORD", "value": "pw"}])
        );
        let named = convert(
            project(json!(["API_TOKEN", "API_TOKNE", "DB_HOST"])),
            &Default::default(),
            false,
        );
        assert_eq!(
            container(&named)["env"],
            json!([{"name": "API_TOKEN", "value": "t"}, from_secret("web-env", "DB_PASSWORD")])
        );
        assert!(named.report.to_text().contains(
            "warning[extension-setting-unused]: services.web.x-kubernetes.literalEnvironment: API_TOKNE, DB_HOST: no \
             variable of the service so named goes into a Secret"
        ));
        let none = convert(project(json!(false)), &Default::default(), false);
        assert!(object(&none, "Secret", "web-env").is_some());
    }

    #[test]
    fn the_secret_steps_aside_for_the_projects_own() {
        let project = json!({
            "services": {"web": {
                "image": "x",
                "environment": {"DB_PASSWORD": "pw"},
                "secrets": ["web-env"]
            }},
            "secrets": {"web-env": {"environment": "X"}}
        });
        let translation = convert(project, &Default::default(), false);
        assert!(object(&translation, "Secret", "web-env-2").is_some());
        assert_eq!(
            container(&translation)["env"],
            json!([from_secret("web-env-2", "DB_PASSWORD")])
        );
    }

    #[test]
    fn env_files_keep_secret_named_variables_in_a_secret_beside_their_config_map() {
        let env_files: ServiceEnvFiles = [(
            "web".to_string(),
            vec![
                EnvFileVariables {
                    path: PathBuf::from("/p/app.env"),
                    variables: [("DB_HOST", "db"), ("DB_PASSWORD", "pw-1618")]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                },
                EnvFileVariables {
                    path: PathBuf::from("/p/keys.env"),
                    variables: [("API_KEY", "key-1414".to_string())]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                },
            ],
        )]
        .into_iter()
        .collect();
        let project = json!({"name": "p", "services": {"web": {"image": "x"}}});
        let translation = convert(project, &env_files, true);
        assert_eq!(
            container(&translation)["envFrom"],
            json!([
                {"configMapRef": {"name": "web-env-app"}},
                {"secretRef": {"name": "web-env-app"}},
                {"secretRef": {"name": "web-env-keys"}}
            ])
        );
        let config_map = object(&translation, "ConfigMap", "web-env-app").expect("ConfigMap");
        assert_eq!(config_map["data"], json!({"DB_HOST": "db"}));
        let secret = object(&translation, "Secret", "web-env-app").expect("Secret");
        assert_eq!(secret["data"], json!({"DB_PASSWORD": base64("pw-1618")}));
        // The ConfigMap holds part of the file: a generator that reads the file would hold
        // it all, so the ConfigMap is written; the Secrets' values are the user's to give.
        let provided: Vec<(&str, &str, String)> = translation
            .provided
            .iter()
            .flat_map(|(identity, values)| {
                values
                    .iter()
                    .map(|(key, origin)| (identity.name.as_str(), key.as_str(), origin.to_string()))
            })
            .collect();
        assert_eq!(
            provided,
            [
                (
                    "web-env-app",
                    "DB_PASSWORD",
                    "DB_PASSWORD of /p/app.env".to_string()
                ),
                (
                    "web-env-keys",
                    "API_KEY",
                    "API_KEY of /p/keys.env".to_string()
                )
            ]
        );
        let report = translation.report.to_text();
        assert!(
            report.contains(
                "services.web.env_file: DB_PASSWORD: its name says it is a secret, so the \
                 container reads it from the Secret `web-env-app`; a secretGenerator reads the \
                 values from files the user writes"
            ),
            "{report}"
        );
        for value in ["pw-1618", "key-1414"] {
            assert!(
                !report.contains(value),
                "the report holds {value}:\n{report}"
            );
        }
    }
}
