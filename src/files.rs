//! Reading a file that may come from someone else: only a regular file (a link is followed
//! to one), never a device, FIFO or socket, and never more than a bound. `-f /dev/zero`, a
//! FIFO that nobody writes, or a link to `/proc/self/pagemap` would otherwise read forever,
//! hang, or fill memory. And only where the user allowed: a compose file from a pull request
//! that names `/etc/shadow`, `~/.ssh/id_rsa` or `/proc/self/environ` would otherwise copy
//! them into manifests that CI publishes ([`ReadScope`]).
//!
//! A path is checked, links resolved, and then opened: the two steps are not one. Files
//! that change between them need a process running beside compose2k8s, and whoever can run
//! one can read the files without it; what this guards against is the content of the files
//! (a pull request), which cannot change while they are read.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What reading stopped on.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// A device, FIFO, socket or directory.
    NotRegular,
    /// Under /proc, /sys or /dev once links are resolved (the real path): such files say
    /// they are regular and are not, and hold the process's environment and memory.
    Kernel(PathBuf),
    /// Larger than the bound, in bytes.
    TooLarge(u64),
    /// Outside the directories a run may read: the path, links resolved, the root of the
    /// project's tree, and the directory `--allow-path` would need (the path itself for a
    /// directory, else the file's directory).
    Outside {
        real: PathBuf,
        root: PathBuf,
        allow: PathBuf,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound => f.write_str("no such file"),
            ReadError::Io(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                f.write_str("permission denied")
            }
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotRegular => f.write_str("not a regular file"),
            ReadError::Kernel(real) => write!(
                f,
                "{} is under /proc, /sys or /dev, which is never read",
                real.display()
            ),
            ReadError::TooLarge(limit) => {
                write!(f, "larger than {} MiB", limit / (1024 * 1024))
            }
            ReadError::Outside { real, root, allow } => write!(
                f,
                "{} is outside the project's tree ({}); --allow-path {} allows reading it",
                real.display(),
                root.display(),
                allow.display()
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// The bytes of the regular file at `path`, at most `limit` of them. The kind is checked
/// before opening (opening a FIFO would block) and again on the opened file (the check and
/// the read are then of one file).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Files under /proc and /sys say they are regular (and empty, or 4 KiB), and are not.
    let real = fs::canonicalize(path).map_err(ReadError::Io)?;
    if is_kernel_path(&real) {
        return Err(ReadError::Kernel(real));
    }
    if !fs::metadata(&real).map_err(ReadError::Io)?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let file = File::open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(limit)).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

fn is_kernel_path(real: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|root| real.starts_with(root))
}

/// Where a run may read: the project's tree (the git work tree that holds the project
/// directory, or the project directory where there is none), the directories of
/// `--allow-path`, and the files the user named on the command line. Paths are compared
/// after links are resolved, so `./link -> /etc` or `/repo/../etc` is outside like `/etc`.
#[derive(Debug, Clone, Default)]
pub struct ReadScope {
    /// Real paths; the first is the project's tree.
    roots: Vec<PathBuf>,
    /// Real paths of files named on the command line.
    files: Vec<PathBuf>,
}

impl ReadScope {
    /// The tree of `project_dir` and the `allowed` directories; a directory that does not
    /// exist allows nothing.
    pub fn new(project_dir: &Path, allowed: &[PathBuf]) -> Self {
        let tree = fs::canonicalize(project_dir)
            .map(|real| project_tree(&real))
            .unwrap_or_else(|_| project_dir.to_path_buf());
        let mut roots = vec![tree];
        roots.extend(allowed.iter().filter_map(|dir| fs::canonicalize(dir).ok()));
        ReadScope {
            roots,
            files: Vec::new(),
        }
    }

    /// Also allows `files`, which the user named.
    pub fn with_files<'a>(mut self, files: impl IntoIterator<Item = &'a PathBuf>) -> Self {
        self.files
            .extend(files.into_iter().filter_map(|f| fs::canonicalize(f).ok()));
        self
    }

    /// The real path of `path` when a run may read it. Files under /proc, /sys and /dev are
    /// never read, allowed or not.
    pub fn locate(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let real = fs::canonicalize(path).map_err(ReadError::Io)?;
        if is_kernel_path(&real) {
            return Err(ReadError::Kernel(real));
        }
        let inside =
            self.roots.iter().any(|root| real.starts_with(root)) || self.files.contains(&real);
        if !inside {
            let allow = match real.parent() {
                Some(parent) if !real.is_dir() => parent.to_path_buf(),
                _ => real.clone(),
            };
            return Err(ReadError::Outside {
                real,
                root: self.roots.first().cloned().unwrap_or_default(),
                allow,
            });
        }
        Ok(real)
    }

    /// The bytes of the regular file at `path` (see [`read_regular`]) when a run may read it.
    pub fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
        read_regular(&self.locate(path)?, limit)
    }
}

/// The git work tree that holds `dir` (a real path): the nearest directory, `dir` included,
/// with a `.git` entry (a directory, or a file in a linked work tree or submodule); `dir`
/// itself when there is none.
fn project_tree(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").symlink_metadata().is_ok())
        .unwrap_or(dir)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_not_read() {
        let not_regular = |path: &str| {
            matches!(
                read_regular(Path::new(path), 1 << 20),
                Err(ReadError::NotRegular | ReadError::Kernel(_))
            )
        };
        assert!(not_regular("/dev/zero"));
        assert!(not_regular("/proc/self/environ"));
        assert!(not_regular("/proc/self/pagemap"));
        assert!(not_regular("/"));
    }

    #[test]
    fn a_link_to_a_kernel_file_is_not_read() {
        let link = std::env::temp_dir().join(format!("compose2k8s-files-{}", std::process::id()));
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink("/proc/self/environ", &link).unwrap();
        let result = read_regular(&link, 1 << 20);
        fs::remove_file(&link).unwrap();
        assert!(matches!(result, Err(ReadError::Kernel(_))), "{result:?}");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let fifo = std::env::temp_dir().join(format!("compose2k8s-fifo-{}", std::process::id()));
        let _ = fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
        let result = read_regular(&fifo, 1 << 20);
        fs::remove_file(&fifo).unwrap();
        assert!(matches!(result, Err(ReadError::NotRegular)), "{result:?}");
    }

    #[test]
    fn reads_stop_at_the_bound() {
        let file = std::env::temp_dir().join(format!("compose2k8s-big-{}", std::process::id()));
        fs::write(&file, vec![b'x'; 2048]).unwrap();
        let result = read_regular(&file, 1024);
        assert_eq!(read_regular(&file, 4096).unwrap().len(), 2048);
        fs::remove_file(&file).unwrap();
        assert!(
            matches!(result, Err(ReadError::TooLarge(1024))),
            "{result:?}"
        );
    }
}
