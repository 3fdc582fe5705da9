//! From a loaded project to Kubernetes objects: the checks that must pass before the pure
//! translation (name collisions, `x-kubernetes`), the host files it needs, then
//! `translate`. Shared by `convert`, `diff` and the fuzz targets.

use crate::compose::host_files::{self, HostFiles};
use crate::compose::LoadedProject;
use crate::diagnostic::Diagnostic;
use crate::extension::XKubernetes;
use crate::translate;

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
    let host_files = host_files::read_host_files(&loaded.project);
    loaded.document = crate::value::Value::null();
    Ok(translate_checked(loaded, &extensions, &host_files, options))
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
