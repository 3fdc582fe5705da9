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
    /// A directory of regular files, within the limits of a ConfigMap, by path relative to
    /// the directory (`ldap/ldap_config.py`, `/` between the parts), sorted.
    Directory(Vec<(String, FileContent)>),
    /// A directory beyond what a ConfigMap holds (links, special files, empty or deeply
    /// nested subdirectories, too many entries or bytes); the reason says which.
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
        return read_directory(&real, scope);
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

/// How deep a small directory's subdirectories may nest (`a/b/c/d/file`).
pub const MAX_DIRECTORY_DEPTH: usize = 4;

/// A small directory's regular files, by path relative to it (`ldap/ldap_config.py`),
/// sorted. Subdirectories are walked to [`MAX_DIRECTORY_DEPTH`]; the entry and byte bounds
/// are the whole tree's. Links are never followed (an entry's own metadata is looked at),
/// so the walk stays in the directory the scope allowed; each file is still read through
/// the scope. An empty subdirectory makes it data: a ConfigMap cannot hold one.
fn read_directory(path: &Path, scope: &ReadScope) -> HostFile {
    let mut walk = Walk {
        scope,
        files: Vec::new(),
        entries: 0,
        total: 0,
    };
    if let Err(found) = walk.directory(path, "", 0) {
        return found;
    }
    walk.files.sort_by(|a, b| a.0.cmp(&b.0));
    HostFile::Directory(walk.files)
}

/// The state of [`read_directory`]'s walk.
struct Walk<'s> {
    scope: &'s ReadScope,
    files: Vec<(String, FileContent)>,
    entries: usize,
    total: u64,
}

impl Walk<'_> {
    /// Adds the files under `path` (named `prefix` + their name); `Err` is what the whole
    /// directory is instead.
    fn directory(&mut self, path: &Path, prefix: &str, depth: usize) -> Result<(), HostFile> {
        let unreadable = || HostFile::Unusable("a directory entry could not be read".to_string());
        let entries = fs::read_dir(path).map_err(|e| HostFile::Unusable(e.to_string()))?;
        let mut empty = true;
        for entry in entries {
            empty = false;
            let entry = entry.map_err(|_| unreadable())?;
            self.entries += 1;
            if self.entries > MAX_DIRECTORY_ENTRIES {
                return Err(HostFile::LargeDirectory(format!(
                    "more than {MAX_DIRECTORY_ENTRIES} entries"
                )));
            }
            let metadata = entry.metadata().map_err(|_| unreadable())?;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if metadata.is_dir() {
                if depth + 1 > MAX_DIRECTORY_DEPTH {
                    return Err(HostFile::LargeDirectory(format!(
                        "subdirectories nested more than {MAX_DIRECTORY_DEPTH} deep"
                    )));
                }
                self.directory(&entry.path(), &format!("{name}/"), depth + 1)?;
                continue;
            }
            if !metadata.is_file() {
                return Err(HostFile::LargeDirectory(
                    "it has links or special files".to_string(),
                ));
            }
            self.total += metadata.len();
            if self.total > MAX_BYTES {
                return Err(too_large());
            }
            let real = self
                .scope
                .locate(&entry.path())
                .map_err(|e| HostFile::Unusable(e.to_string()))?;
            match read_file(&real, &metadata) {
                HostFile::File(content) => self.files.push((name, content)),
                HostFile::TooLarge(_) => return Err(too_large()),
                other => return Err(other),
            }
        }
        if empty && depth > 0 {
            return Err(HostFile::LargeDirectory(format!(
                "its subdirectory {} is empty, which a ConfigMap cannot hold",
                prefix.trim_end_matches('/')
            )));
        }
        Ok(())
    }
}

fn too_large() -> HostFile {
    HostFile::LargeDirectory("over the 1 MiB a ConfigMap holds".to_string())
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A directory under the system's temporary one, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "compose2k8s-host-files-{name}-{}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }

        fn file(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }

        fn read(&self) -> HostFile {
            inspect(&self.0, &ReadScope::new(&self.0, &[]))
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_small_tree_is_read_with_relative_paths() {
        let dir = Scratch::new("tree");
        dir.file("configuration.py", "A = 1");
        dir.file("ldap/ldap_config.py", "B = 2");
        dir.file("a/b/c/d/deepest.txt", "4 deep");
        let HostFile::Directory(files) = dir.read() else {
            panic!("{:?}", dir.read());
        };
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a/b/c/d/deepest.txt",
                "configuration.py",
                "ldap/ldap_config.py"
            ]
        );
    }

    #[test]
    fn links_deep_or_empty_subdirectories_and_large_trees_are_data() {
        let reason = |dir: &Scratch| match dir.read() {
            HostFile::LargeDirectory(reason) => reason,
            other => panic!("{other:?}"),
        };
        let linked = Scratch::new("linked");
        linked.file("a.conf", "a");
        std::os::unix::fs::symlink("/etc", linked.0.join("etc")).unwrap();
        assert_eq!(reason(&linked), "it has links or special files");

        let deep = Scratch::new("deep");
        deep.file("a/b/c/d/e/too-deep.txt", "5 deep");
        assert_eq!(reason(&deep), "subdirectories nested more than 4 deep");

        let empty = Scratch::new("empty");
        empty.file("a.conf", "a");
        fs::create_dir_all(empty.0.join("cache/tmp")).unwrap();
        assert_eq!(
            reason(&empty),
            "its subdirectory cache/tmp is empty, which a ConfigMap cannot hold"
        );

        let many = Scratch::new("many");
        for i in 0..MAX_DIRECTORY_ENTRIES {
            many.file(&format!("sub/{i}.conf"), "x");
        }
        assert_eq!(
            reason(&many),
            format!("more than {MAX_DIRECTORY_ENTRIES} entries")
        );
    }
}
