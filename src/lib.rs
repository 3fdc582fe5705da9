//! compose2k8s translates Docker Compose projects into Kubernetes manifests.
//!
//! The pipeline (see the README's architecture section):
//! `compose::load` reads and resolves the compose files into a [`compose::model::Project`],
//! exactly as Docker Compose resolves them; later stages translate that model.

#![forbid(unsafe_code)]

pub mod cli;
pub mod cluster;
pub mod compose;
pub mod convert;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod extension;
pub(crate) mod files;
/// Entry points for the fuzz targets in `fuzz/` (which enable the `fuzzing` feature).
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
/// Helm chart output (`convert --helm`).
pub mod helm;
pub(crate) mod helm_cli;
pub(crate) mod kustomize;
pub mod manifest;
pub mod output_dir;
pub(crate) mod parallel;
pub mod translate;
pub(crate) mod validation;
pub mod value;
pub mod yaml;

pub use cli::run;
