//! From a loaded project to Kubernetes objects: the checks that must pass before the pure
//! translation (name collisions, `x-kubernetes`), the host files it needs, then
//! `translate`. Shared by `convert`, `diff` and the fuzz targets.

use crate::compose::host_files::{self, HostFiles};
use std::collections::HashMap;

use crate::compose::model::Project;
use crate::compose::LoadedProject;
use crate::diagnostic::Diagnostic;
use crate::extension::XKubernetes;
use crate::manifest::Manifest;
use crate::translate;
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
    let translation = translate_checked(loaded, &extensions, &host_files, options);
    let oversized = oversized_objects(&loaded.project, &translation.manifests);
    if !oversized.is_empty() {
        return Err(loaded.locate(oversized));
    }
    loaded.document = crate::value::Value::null();
    Ok(translation)
}

/// The largest object written. The API server refuses a ConfigMap or Secret whose data is
/// over 1 MiB, and etcd any request over 1.5 MiB; an object over 1 MiB as JSON would at
/// best be refused at `kubectl apply`, so it is refused here, naming its service.
pub const MAX_OBJECT_BYTES: usize = 1024 * 1024;

fn oversized_objects(project: &Project, manifests: &[Manifest]) -> Vec<Diagnostic> {
    let by_label: HashMap<String, &str> = project
        .services
        .keys()
        .map(|name| (crate::translate::names::dns_label(name), name.as_str()))
        .collect();
    manifests
        .iter()
        .filter_map(|manifest| {
            let mut size = ByteCount(0);
            serde_json::to_writer(&mut size, manifest).ok()?;
            (size.0 > MAX_OBJECT_BYTES).then(|| {
                let message = format!(
                    "the {} `{}` would be {:.1} MiB as JSON; the API server stores objects of \
                     at most 1 MiB",
                    manifest.kind(),
                    manifest.name(),
                    size.0 as f64 / (1024.0 * 1024.0)
                );
                let service = manifest
                    .metadata()
                    .labels
                    .as_ref()
                    .and_then(|labels| labels.get("app.kubernetes.io/name"))
                    .and_then(|label| by_label.get(label));
                let diagnostic = Diagnostic::error(message);
                match service {
                    Some(service) => {
                        diagnostic.at_path(KeyPath::root().key("services").key(service))
                    }
                    None => diagnostic,
                }
            })
        })
        .collect()
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

    #[test]
    fn an_object_over_one_mebibyte_is_an_error_naming_its_service() {
        let value = "x".repeat(MAX_OBJECT_BYTES + 1);
        let text = format!("services:\n  web:\n    image: nginx\n    command: [echo, {value}]\n");
        let options = LoadOptions {
            current_dir: std::env::temp_dir(),
            ..LoadOptions::default()
        };
        let mut loaded =
            crate::compose::load_project_from_text(&text, Path::new("compose.yaml"), &options)
                .expect("the project loads");
        let errors = translate_loaded(&mut loaded, &translate::Options::default())
            .expect_err("the Deployment is too large");
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
