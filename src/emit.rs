//! Rendering the objects: one stream for stdout, or one file per object for a directory
//! (which `output_dir` writes).

use crate::manifest::{self, Manifest};
use crate::parallel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// The whole output as one text: a YAML stream or a JSON `List`.
pub fn render_stream(manifests: &[Manifest], format: Format) -> String {
    match format {
        Format::Yaml => manifest::to_yaml_stream(manifests),
        Format::Json => manifest::to_json_list(manifests),
    }
}

/// One object as the text of its own file.
pub fn render_one(manifest: &Manifest, format: Format) -> String {
    match format {
        Format::Yaml => manifest::to_yaml(manifest),
        Format::Json => {
            serde_json::to_string_pretty(&manifest.to_json()).unwrap_or_default() + "\n"
        }
    }
}

/// The files a directory output consists of: name → content, in output order.
pub fn render_files(manifests: &[Manifest], format: Format) -> Vec<(String, String)> {
    parallel::map(manifests, |m| {
        (m.file_name(format.extension()), render_one(m, format))
    })
}
