//! The host files a conversion needs to look at: bind-mount sources (a file or a small
//! directory can become a ConfigMap, with the files' permission bits; anything else is a
//! data directory or a host path) and the files behind top-level `configs` and `secrets`. They are read here, in the load stage, so that translation stays pure.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::compose::model::{MountKind, Project};

/// A ConfigMap or Secret holds at most 1 MiB; a larger source is not carried as one.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// A directory with more entries than this is not "small".
pub const MAX_DIRECTORY_ENTRIES: usize = 32;

/// What was found at a host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostFile {
    /// A regular file of at most [`MAX_BYTES`].
    File(FileContent),
    /// A directory of regular files (not nested), within the limits of a ConfigMap, sorted
    /// by name.
    Directory(Vec<(String, FileContent)>),
    /// A directory beyond what a ConfigMap holds (subdirectories, special files, too many
    /// entries or bytes); the reason says which.
    LargeDirectory(String),
    /// Nothing at that path.
    Missing,
    /// A regular file too big to carry in a ConfigMap or Secret; the reason says how big.
    TooLarge(String),
    /// A socket, a device, or a file that could not be read; the reason says which.
    Unusable(String),
}

/// A regular file's bytes and permission bits (`0o755`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContent {
    pub bytes: Vec<u8>,
    pub mode: u32,
}

impl FileContent {
    /// A file with the permissions most files have (`rw-r--r--`).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        FileContent {
            bytes: bytes.into(),
            mode: 0o644,
        }
    }
}

/// Host paths (absolute, as the loader resolved them) and what is there.
pub type HostFiles = BTreeMap<PathBuf, HostFile>;

/// Reads every host path the project's bind mounts, configs and secrets name.
pub fn read_host_files(project: &Project) -> HostFiles {
    let mut paths: Vec<PathBuf> = Vec::new();
    for service in project.services.values() {
        for volume in &service.volumes {
            if volume.kind == MountKind::Bind {
                if let Some(source) = &volume.source {
                    paths.push(PathBuf::from(source));
                }
            }
        }
    }
    paths.extend(
        project
            .configs
            .values()
            .filter_map(|c| c.file.as_ref().map(PathBuf::from)),
    );
    paths.extend(
        project
            .secrets
            .values()
            .filter_map(|s| s.file.as_ref().map(PathBuf::from)),
    );
    paths
        .into_iter()
        .map(|path| {
            let found = inspect(&path);
            (path, found)
        })
        .collect()
}

fn inspect(path: &Path) -> HostFile {
    let metadata = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return HostFile::Missing,
        Err(e) => return HostFile::Unusable(e.to_string()),
    };
    if metadata.is_file() {
        if metadata.len() > MAX_BYTES {
            return HostFile::TooLarge(format!(
                "{} bytes, over the 1 MiB a ConfigMap holds",
                metadata.len()
            ));
        }
        return match fs::read(path) {
            Ok(bytes) => HostFile::File(FileContent {
                bytes,
                mode: permission_bits(&metadata),
            }),
            Err(e) => HostFile::Unusable(e.to_string()),
        };
    }
    if metadata.is_dir() {
        return read_directory(path);
    }
    HostFile::Unusable("neither a regular file nor a directory".to_string())
}

fn read_directory(path: &Path) -> HostFile {
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => return HostFile::Unusable(e.to_string()),
    };
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for entry in entries {
        let Ok(entry) = entry else {
            return HostFile::Unusable("a directory entry could not be read".to_string());
        };
        if files.len() >= MAX_DIRECTORY_ENTRIES {
            return HostFile::LargeDirectory(format!("more than {MAX_DIRECTORY_ENTRIES} entries"));
        }
        let Ok(metadata) = entry.metadata() else {
            return HostFile::Unusable("a directory entry could not be read".to_string());
        };
        if !metadata.is_file() {
            return HostFile::LargeDirectory("it has subdirectories or special files".to_string());
        }
        total += metadata.len();
        if total > MAX_BYTES {
            return HostFile::LargeDirectory("over the 1 MiB a ConfigMap holds".to_string());
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        match fs::read(entry.path()) {
            Ok(bytes) => files.push((
                name,
                FileContent {
                    bytes,
                    mode: permission_bits(&metadata),
                },
            )),
            Err(e) => return HostFile::Unusable(e.to_string()),
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    HostFile::Directory(files)
}

/// The permission bits of a file (`rwxrwxrwx`); where the platform has none, those most
/// files have.
fn permission_bits(metadata: &fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o777
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0o644
    }
}
