//! The host files a conversion needs to look at: bind-mount sources (a file or a small
//! directory can become a ConfigMap, with the files' permission bits; anything else is a
//! data directory or a host path) and the files behind top-level `configs` and `secrets`.
//! They are read here, in the load stage, so that translation stays pure; only where the
//! run may read ([`ReadScope`]), and only regular files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::compose::model::{MountKind, Project};
use crate::files::{read_regular, ReadError, ReadScope};

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
    /// A path outside the directories the run may read: its contents were not looked at.
    /// The reason names the path and the flag that allows it; `directory` tells a directory
    /// (or a path that does not exist) from a file.
    Outside { reason: String, directory: bool },
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

/// Reads every host path the project's bind mounts, configs and secrets name, where the run
/// may read.
pub fn read_host_files(project: &Project, scope: &ReadScope) -> HostFiles {
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
            let found = inspect(&path, scope);
            (path, found)
        })
        .collect()
}

fn inspect(path: &Path, scope: &ReadScope) -> HostFile {
    let real = match scope.locate(path) {
        Ok(real) => real,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return HostFile::Missing
        }
        Err(e @ ReadError::Outside { .. }) => {
            // Only the kind of the path is looked at, to tell a data directory from a file.
            return HostFile::Outside {
                reason: e.to_string(),
                directory: !fs::metadata(path).is_ok_and(|m| m.is_file()),
            };
        }
        Err(e) => return HostFile::Unusable(e.to_string()),
    };
    let metadata = match fs::metadata(&real) {
        Ok(m) => m,
        Err(e) => return HostFile::Unusable(e.to_string()),
    };
    if metadata.is_dir() {
        return read_directory(&real);
    }
    if !metadata.is_file() {
        return HostFile::Unusable("neither a regular file nor a directory".to_string());
    }
    read_file(&real, &metadata)
}

/// A regular file of at most [`MAX_BYTES`], with its permission bits.
fn read_file(path: &Path, metadata: &fs::Metadata) -> HostFile {
    match read_regular(path, MAX_BYTES) {
        Ok(bytes) => HostFile::File(FileContent {
            bytes,
            mode: permission_bits(metadata),
        }),
        Err(ReadError::TooLarge(_)) => HostFile::TooLarge(format!(
            "{} bytes, over the 1 MiB a ConfigMap holds",
            metadata.len()
        )),
        Err(e) => HostFile::Unusable(e.to_string()),
    }
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
        match read_file(&entry.path(), &metadata) {
            HostFile::File(content) => files.push((name, content)),
            HostFile::TooLarge(_) => {
                return HostFile::LargeDirectory("over the 1 MiB a ConfigMap holds".to_string())
            }
            other => return other,
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
