//! Reading a file that may come from someone else: only a regular file (a link is followed
//! to one), never a device, FIFO or socket, and never more than a bound. `-f /dev/zero`, a
//! FIFO that nobody writes, or a link to `/proc/self/pagemap` would otherwise read forever,
//! hang, or fill memory.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// What reading stopped on.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// A device, FIFO, socket or directory.
    NotRegular,
    /// Larger than the bound, in bytes.
    TooLarge(u64),
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
            ReadError::TooLarge(limit) => {
                write!(f, "larger than {} MiB", limit / (1024 * 1024))
            }
        }
    }
}

impl std::error::Error for ReadError {}

/// The bytes of the regular file at `path`, at most `limit` of them. The kind is checked
/// before opening (opening a FIFO would block) and again on the opened file (the check and
/// the read are then of one file).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    // Files under /proc and /sys say they are regular (and empty, or 4 KiB), and are not.
    if !fs::metadata(path).map_err(ReadError::Io)?.is_file() || is_kernel_file(path) {
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

/// Whether `path`, links resolved, is under /proc, /sys or /dev.
pub fn is_kernel_file(path: &Path) -> bool {
    fs::canonicalize(path).is_ok_and(|real| {
        ["/proc", "/sys", "/dev"]
            .iter()
            .any(|root| real.starts_with(root))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_not_read() {
        let not_regular = |path: &str| {
            matches!(
                read_regular(Path::new(path), 1 << 20),
                Err(ReadError::NotRegular)
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
        assert!(matches!(result, Err(ReadError::NotRegular)), "{result:?}");
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
