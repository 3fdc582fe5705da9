//! From a loaded project to Kubernetes objects: the checks that must pass before the pure
//! translation (name collisions, `x-kubernetes`), the host files it needs, then
//! `translate`. Shared by `convert`, `diff` and the fuzz targets.

use crate::compose::host_files::{self, HostFiles};
use std::collections::HashMap;

use crate::compose::model::Project;
use crate::compose::LoadedProject;
use crate::diagnostic::{Diagnostic, Severity};
use crate::extension::XKubernetes;
use crate::manifest::Manifest;
use crate::translate::{self, Code};
use crate::value::KeyPath;

/// Translates a loaded project, or gives every problem that forbids it. The resolved
/// document, kept to locate diagnostics, is freed once the checks have passed: translation
/// does not need it, and it is a fifth of the peak memory.
pub fn translate_loaded(
    loaded: &mut LoadedProject,
    options: &translate::Options,
) -> Result<translate::Translation, Vec<Diagnostic>> {
    let mut collisions = translate::names::check_collisions(&loaded.project);
    if options.network_policies {
        collisions.extend(translate::policy::check_collisions(&loaded.project));
    }
    if !collisions.is_empty() {
        return Err(loaded.locate(collisions));
    }
    let extensions = crate::extension::check(&loaded.project).map_err(|d| loaded.locate(d))?;
    let host_files = host_files::read_host_files(&loaded.project, &loaded.scope);
    let mut translation = translate_checked(loaded, &extensions, &host_files, options);
    let (errors, warnings): (Vec<_>, Vec<_>) = loaded
        .locate(size_findings(&loaded.project, &translation.manifests))
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if !errors.is_empty() {
        return Err(errors);
    }
    for warning in &warnings {
        translation.report.push_diagnostic(warning);
    }
    loaded.document = crate::value::Value::null();
    Ok(translation)
}

/// The largest object written. The API server refuses a ConfigMap or Secret whose data is
/// over 1 MiB, and etcd any request over 1.5 MiB; an object over 1 MiB as JSON would at
/// best be refused at `kubectl apply`, so it is refused here, naming its service.
pub const MAX_OBJECT_BYTES: usize = 1024 * 1024;

/// The largest object a client-side `kubectl apply` takes. It keeps a copy of the object
/// as JSON in the annotation `kubectl.kubernetes.io/last-applied-configuration`, and the API
/// server refuses annotations over 256 KiB in all; the margin is for the annotation's name,
/// the object's other annotations and Go's longer escapes of `<`, `>` and `&`. A larger one
/// (a ConfigMap of Grafana dashboards, say) is a warning: the server takes it with `kubectl
/// apply --server-side`, which keeps no copy.
pub const MAX_CLIENT_APPLY_BYTES: usize = 240 * 1024;

/// What the objects' sizes allow, each finding at the object's service: an error for an
/// object the API server cannot store, a warning for one a client-side apply cannot take.
fn size_findings(project: &Project, manifests: &[Manifest]) -> Vec<Diagnostic> {
    let service_of = services_by_label(project);
    manifests
        .iter()
        .filter_map(|manifest| {
            let size = json_size(manifest)?;
            let (kind, name) = (manifest.kind(), manifest.name());
            let finding = if size > MAX_OBJECT_BYTES {
                Diagnostic::error(format!(
                    "the {kind} `{name}` would be {:.1} MiB as JSON; the API server stores \
                     objects of at most 1 MiB",
                    size as f64 / (1024.0 * 1024.0)
                ))
            } else if size > MAX_CLIENT_APPLY_BYTES {
                Diagnostic::warning(
                    Code::TooLargeForClientApply,
                    format!(
                        "the {kind} `{name}` is {} KiB as JSON: a client-side `kubectl apply` \
                         keeps a copy of it in an annotation of at most 256 KiB, so the server \
                         refuses it (\"metadata.annotations: Too long\"); apply it with \
                         `kubectl apply --server-side` (or `kubectl create`)",
                        size / 1024
                    ),
                )
            } else {
                return None;
            };
            Some(match service_of(manifest) {
                Some(service) => finding.at_path(KeyPath::root().key("services").key(service)),
                None => finding,
            })
        })
        .collect()
}

/// The service an object belongs to, by its `app.kubernetes.io/name` label.
fn services_by_label<'p>(project: &'p Project) -> impl Fn(&Manifest) -> Option<&'p str> {
    let by_label: HashMap<String, &str> = project
        .services
        .keys()
        .map(|name| (crate::translate::names::dns_label(name), name.as_str()))
        .collect();
    move |manifest| {
        let label = manifest
            .metadata()
            .labels
            .as_ref()?
            .get("app.kubernetes.io/name")?;
        by_label.get(label).copied()
    }
}

/// The size of an object's JSON, without building it.
fn json_size(manifest: &Manifest) -> Option<usize> {
    let mut size = ByteCount(0);
    serde_json::to_writer(&mut size, manifest).ok()?;
    Some(size.0)
}

/// Counts what is written to it: the size of an object's JSON without building it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The pure translation of a project whose checks passed, with what it needs from the load
/// stage. The benchmark times it alone.
pub fn translate_checked(
    loaded: &LoadedProject,
    extensions: &XKubernetes,
    host_files: &HostFiles,
    options: &translate::Options,
) -> translate::Translation {
    translate::translate(
        translate::Input {
            project: &loaded.project,
            env_files: &loaded.env_files,
            host_files,
            environment: &loaded.environment,
            extensions,
        },
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::load::LoadOptions;
    use std::path::Path;

    /// The translation of a service `web` whose command echoes `bytes` bytes.
    fn with_command_of(bytes: usize) -> Result<translate::Translation, Vec<Diagnostic>> {
        let value = "x".repeat(bytes);
        let text = format!("services:\n  web:\n    image: nginx\n    command: [echo, {value}]\n");
        let options = LoadOptions {
            current_dir: std::env::temp_dir(),
            ..LoadOptions::default()
        };
        let mut loaded =
            crate::compose::load_project_from_text(&text, Path::new("compose.yaml"), &options)
                .expect("the project loads");
        translate_loaded(&mut loaded, &translate::Options::default())
    }

    #[test]
    fn an_object_too_large_for_a_client_side_apply_is_a_warning_naming_its_service() {
        let translation = with_command_of(MAX_CLIENT_APPLY_BYTES).expect("it converts");
        assert_eq!(
            translation.report.to_text(),
            format!(
                "service web:\n  info[no-service]: services.web.ports: no ports or expose: no \
                 Service is created, so other services cannot reach it by name\n  \
                 warning[too-large-for-client-apply]: {}:2:3: services.web: the \
                 Deployment `web` is 240 KiB as JSON: a client-side `kubectl apply` keeps a copy \
                 of it in an annotation of at most 256 KiB, so the server refuses it \
                 (\"metadata.annotations: Too long\"); apply it with `kubectl apply \
                 --server-side` (or `kubectl create`)\n1 warning, 1 note\n",
                std::env::temp_dir().join("compose.yaml").display()
            )
        );
        let smaller = with_command_of(MAX_CLIENT_APPLY_BYTES - 1024).expect("it converts");
        assert_eq!(smaller.report.warnings(), 0);
    }

    #[test]
    fn an_object_over_one_mebibyte_is_an_error_naming_its_service() {
        let errors =
            with_command_of(MAX_OBJECT_BYTES + 1).expect_err("the Deployment is too large");
        let messages: Vec<String> = errors.iter().map(Diagnostic::headline).collect();
        assert_eq!(
            messages,
            [format!(
                "error: {}:2:3: services.web: the Deployment `web` would be 1.0 MiB as JSON; \
                 the API server stores objects of at most 1 MiB",
                std::env::temp_dir().join("compose.yaml").display()
            )]
        );
    }
}
