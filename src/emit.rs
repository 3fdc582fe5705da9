//! Writing the objects: one stream to stdout, or one file per object in a directory.
//!
//! A directory is written as a whole or not at all: every file that changes is first
//! written to a staging directory inside it, then renamed into place; a file of ours that
//! already holds its new text is left as it is. An index file records what
//! compose2k8s wrote, so a later run replaces and removes only its own files and refuses to
//! overwrite a file it did not write.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use crate::manifest::{self, Manifest};
use crate::parallel;

/// The file that lists what compose2k8s wrote in a directory.
pub const INDEX_FILE: &str = ".compose2k8s-files";

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

/// Writes `files` (paths relative to `dir`) into `dir`, replacing compose2k8s's earlier
/// output there.
pub fn write_directory(dir: &Path, files: &[(String, String)]) -> Result<()> {
    if matches!(fs::symlink_metadata(dir), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
        return write_new_directory(dir, files);
    }
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let previous = read_index(dir)?;
    let new_names: BTreeSet<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    refuse_foreign_files(dir, &new_names, &previous)?;
    let changed = changed_files(dir, files, &previous);
    let staging = dir.join(format!(".compose2k8s-staging-{}", std::process::id()));
    let staged = stage(&staging, &changed);
    if let Err(error) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    let index: String = new_names.iter().map(|n| format!("{n}\n")).collect();
    let moved = fs::write(staging.join(INDEX_FILE), index)
        .map_err(anyhow::Error::from)
        .and_then(|()| create_parents(dir, &changed))
        .and_then(|()| {
            move_into_place(dir, &staging, &changed, &mut |from, to| {
                fs::rename(from, to)
            })
        });
    let _ = fs::remove_dir_all(&staging);
    moved?;
    for stale in previous.iter().filter(|n| !new_names.contains(n.as_str())) {
        let path = dir.join(stale);
        if path.is_file() {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// The files that differ from what is in `dir`. A file of ours (in the `previous` index)
/// that already holds the same text is left as it is: rerun on every commit, most files do
/// not change, and reading one costs less than staging it and two renames.
fn changed_files<'f>(
    dir: &Path,
    files: &'f [(String, String)],
    previous: &BTreeSet<String>,
) -> Vec<&'f (String, String)> {
    let unchanged = parallel::map(files, |(name, content)| {
        previous.contains(name) && holds(&dir.join(name), content)
    });
    files
        .iter()
        .zip(unchanged)
        .filter_map(|(file, unchanged)| (!unchanged).then_some(file))
        .collect()
}

/// Whether `path` is a regular file (not a link) holding exactly `content`.
fn holds(path: &Path, content: &str) -> bool {
    let regular =
        fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == content.len() as u64);
    regular && fs::read(path).is_ok_and(|bytes| bytes == content.as_bytes())
}

/// Moves the staged files, then the index, from `staging` into `dir`. An earlier file of
/// ours that a new one replaces is first set aside in `staging`, so that when a move fails
/// part way every file moved so far is taken back and `dir` is left as it was. `rename` is
/// `fs::rename`, or a failing one in tests.
fn move_into_place<F: Borrow<(String, String)>>(
    dir: &Path,
    staging: &Path,
    files: &[F],
    rename: &mut dyn FnMut(&Path, &Path) -> std::io::Result<()>,
) -> Result<()> {
    let replaced_dir = staging.join(".replaced");
    fs::create_dir_all(&replaced_dir)
        .with_context(|| format!("cannot create {}", replaced_dir.display()))?;
    create_parents(&replaced_dir, files)?;
    let names = files
        .iter()
        .map(|file| file.borrow().0.as_str())
        .chain(std::iter::once(INDEX_FILE));
    // Each name moved so far, and whether it replaced an earlier file (now set aside).
    let mut moved: Vec<(&str, bool)> = Vec::new();
    for name in names {
        let (target, set_aside) = (dir.join(name), replaced_dir.join(name));
        let replaced = match rename(&target, &set_aside) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => {
                undo_moves(dir, &replaced_dir, &moved);
                return Err(e).with_context(|| format!("cannot replace {}", target.display()));
            }
        };
        if let Err(e) = rename(&staging.join(name), &target) {
            if replaced {
                let _ = fs::rename(&set_aside, &target);
            }
            undo_moves(dir, &replaced_dir, &moved);
            return Err(e).with_context(|| format!("cannot write {}", target.display()));
        }
        moved.push((name, replaced));
    }
    Ok(())
}

/// Takes back the files [`move_into_place`] moved, newest first, restoring what they
/// replaced.
fn undo_moves(dir: &Path, replaced_dir: &Path, moved: &[(&str, bool)]) {
    for &(name, replaced) in moved.iter().rev() {
        let target = dir.join(name);
        let _ = fs::remove_file(&target);
        if replaced {
            let _ = fs::rename(replaced_dir.join(name), &target);
        }
    }
}

/// Fails when a file about to be written exists and is not compose2k8s's own. Each directory
/// is listed once: a check per file would cost a system call per object.
fn refuse_foreign_files(
    dir: &Path,
    new_names: &BTreeSet<&str>,
    previous: &BTreeSet<String>,
) -> Result<()> {
    let mut listings: HashMap<PathBuf, HashSet<OsString>> = HashMap::new();
    for name in new_names.iter().filter(|n| !previous.contains(**n)) {
        let target = dir.join(name);
        let (Some(parent), Some(file_name)) = (target.parent(), target.file_name()) else {
            continue;
        };
        let listing = listings
            .entry(parent.to_path_buf())
            .or_insert_with(|| list_names(parent));
        // Listed is not yet existing: a dangling link is listed, and is not in the way.
        if listing.contains(file_name) && target.exists() {
            bail!(
                "{} exists and was not written by compose2k8s; refusing to overwrite it",
                target.display()
            );
        }
    }
    Ok(())
}

/// The names in `dir`; none when it cannot be read (it does not exist yet).
fn list_names(dir: &Path) -> HashSet<OsString> {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.file_name())).collect())
        .unwrap_or_default()
}

/// A directory that did not exist holds nothing to keep: the files and the index are
/// written in place, without staging, and a failure removes the directory again.
fn write_new_directory(dir: &Path, files: &[(String, String)]) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let names: BTreeSet<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let index: String = names.iter().map(|name| format!("{name}\n")).collect();
    let written = write_files(dir, files).and_then(|()| {
        fs::write(dir.join(INDEX_FILE), index)
            .with_context(|| format!("cannot write {}", dir.join(INDEX_FILE).display()))
    });
    if written.is_err() {
        let _ = fs::remove_dir_all(dir);
    }
    written
}

fn stage<F: Borrow<(String, String)> + Sync>(staging: &Path, files: &[F]) -> Result<()> {
    fs::create_dir(staging).with_context(|| format!("cannot create {}", staging.display()))?;
    write_files(staging, files)
}

/// Writes each file under `root`, creating the directories they go in.
fn write_files<F: Borrow<(String, String)> + Sync>(root: &Path, files: &[F]) -> Result<()> {
    create_parents(root, files)?;
    parallel::try_for_each(files, |file| {
        let (name, content) = file.borrow();
        let path = root.join(name);
        fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))
    })
}

/// Creates, under `root`, every directory the files go in, each once.
fn create_parents<F: Borrow<(String, String)>>(root: &Path, files: &[F]) -> Result<()> {
    let parents: BTreeSet<&Path> = files
        .iter()
        .filter_map(|file| Path::new(&file.borrow().0).parent())
        .filter(|parent| !parent.as_os_str().is_empty())
        .collect();
    for parent in parents {
        let path = root.join(parent);
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
    }
    Ok(())
}

/// A name in the index is a relative path inside the directory: no `..`, no hidden part.
fn is_safe_relative(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'))
}

/// The names compose2k8s wrote in `dir` last time (none if it never wrote there).
pub fn read_index(dir: &Path) -> Result<BTreeSet<String>> {
    let path: PathBuf = dir.join(INDEX_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            // Only paths inside this directory: an index cannot point elsewhere.
            .filter(|l| is_safe_relative(l))
            .map(String::from)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("compose2k8s-emit-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn files(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("{n}\n")))
            .collect()
    }

    #[test]
    fn a_rerun_leaves_unchanged_files_as_they_are() {
        use std::os::unix::fs::MetadataExt;
        let dir = temp_dir("unchanged");
        let inode = |name: &str| fs::metadata(dir.join(name)).unwrap().ino();
        write_directory(&dir, &files(&["a.yaml", "b.yaml"])).unwrap();
        let (a_before, b_before) = (inode("a.yaml"), inode("b.yaml"));
        let mut rerun = files(&["a.yaml", "b.yaml"]);
        rerun[1].1 = "b.yaml v2\n".to_string();
        write_directory(&dir, &rerun).unwrap();
        assert_eq!(
            inode("a.yaml"),
            a_before,
            "an unchanged file is not rewritten"
        );
        assert_ne!(inode("b.yaml"), b_before, "a changed file is replaced");
        assert_eq!(
            fs::read_to_string(dir.join("b.yaml")).unwrap(),
            "b.yaml v2\n"
        );
        // A link to a file of the same text is not left in place of the file.
        let outside = temp_dir("unchanged-outside");
        fs::write(&outside, "a.yaml\n").unwrap();
        fs::remove_file(dir.join("a.yaml")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("a.yaml")).unwrap();
        write_directory(&dir, &rerun).unwrap();
        assert!(!fs::symlink_metadata(dir.join("a.yaml"))
            .unwrap()
            .is_symlink());
        assert_eq!(fs::read_to_string(dir.join("a.yaml")).unwrap(), "a.yaml\n");
        fs::remove_file(&outside).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_rerun_replaces_and_removes_only_its_own_files() {
        let dir = temp_dir("rerun");
        write_directory(&dir, &files(&["a-service.yaml", "b-service.yaml"])).unwrap();
        fs::write(dir.join("mine.yaml"), "kept").unwrap();
        write_directory(&dir, &files(&["a-service.yaml"])).unwrap();
        assert!(dir.join("a-service.yaml").is_file());
        assert!(!dir.join("b-service.yaml").exists());
        assert_eq!(fs::read_to_string(dir.join("mine.yaml")).unwrap(), "kept");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_foreign_file_is_never_overwritten() {
        let dir = temp_dir("foreign");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a-service.yaml"), "hand written").unwrap();
        let error = write_directory(&dir, &files(&["a-service.yaml"])).unwrap_err();
        assert!(error.to_string().contains("was not written by compose2k8s"));
        assert_eq!(
            fs::read_to_string(dir.join("a-service.yaml")).unwrap(),
            "hand written"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_foreign_file_in_a_subdirectory_is_never_overwritten() {
        let dir = temp_dir("foreign-nested");
        fs::create_dir_all(dir.join("base")).unwrap();
        fs::write(dir.join("base/b-service.yaml"), "hand written").unwrap();
        let error = write_directory(&dir, &files(&["a.yaml", "base/b-service.yaml"])).unwrap_err();
        assert!(error.to_string().contains("base/b-service.yaml exists"));
        assert!(!dir.join("a.yaml").exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_move_that_fails_part_way_leaves_the_directory_as_it_was() {
        let dir = temp_dir("undo");
        write_directory(&dir, &files(&["a.yaml", "b.yaml"])).unwrap();
        let before = snapshot(&dir);
        let staging = dir.join(".staging-test");
        let rewritten: Vec<(String, String)> = ["a.yaml", "b.yaml", "c.yaml"]
            .iter()
            .map(|n| (n.to_string(), format!("{n} v2\n")))
            .collect();
        stage(&staging, &rewritten).unwrap();
        fs::write(staging.join(INDEX_FILE), "a.yaml\nb.yaml\nc.yaml\n").unwrap();
        // The third file's move into place fails, after a.yaml and b.yaml were replaced.
        let mut rename = |from: &Path, to: &Path| {
            if to == dir.join("c.yaml") {
                Err(std::io::Error::other("disk full"))
            } else {
                fs::rename(from, to)
            }
        };
        let error = move_into_place(&dir, &staging, &rewritten, &mut rename).unwrap_err();
        assert!(format!("{error:#}").contains("disk full"), "{error:#}");
        fs::remove_dir_all(&staging).unwrap();
        assert_eq!(snapshot(&dir), before);
        fs::remove_dir_all(&dir).unwrap();
    }

    fn snapshot(dir: &Path) -> Vec<(String, String)> {
        let mut entries: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, fs::read_to_string(&path).unwrap())
            })
            .collect();
        entries.sort();
        entries
    }

    #[test]
    fn a_new_directory_that_fails_part_way_is_removed() {
        let dir = temp_dir("new-fails");
        // `a.yaml` is made a directory for `a.yaml/b.yaml`, so writing the file `a.yaml` fails.
        let error = write_directory(&dir, &files(&["a.yaml", "a.yaml/b.yaml"])).unwrap_err();
        assert!(format!("{error:#}").contains("cannot write"), "{error:#}");
        assert!(!dir.exists());
    }

    /// Enough files to be written by several threads where the machine has the cores.
    fn many_names() -> Vec<String> {
        (0..1_000).map(|i| format!("f{i:04}.yaml")).collect()
    }

    #[test]
    fn many_files_are_all_written_with_their_content() {
        let dir = temp_dir("many");
        let names = many_names();
        let written = files(&names.iter().map(String::as_str).collect::<Vec<_>>());
        write_directory(&dir, &written).unwrap();
        for (name, content) in &written {
            assert_eq!(&fs::read_to_string(dir.join(name)).unwrap(), content);
        }
        let index = read_index(&dir).unwrap();
        assert_eq!(index.len(), names.len());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn of_many_files_the_first_that_fails_in_output_order_is_reported() {
        let dir = temp_dir("many-fail");
        let mut names = many_names();
        // Each of these becomes a directory, so writing the file of that name fails.
        names.push("f0900.yaml/x.yaml".to_string());
        names.push("f0150.yaml/x.yaml".to_string());
        let written = files(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let error = write_directory(&dir, &written).unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("cannot write") && message.contains("f0150.yaml"),
            "{message}"
        );
        assert!(!dir.exists());
    }

    #[test]
    fn files_in_new_subdirectories_are_written() {
        let dir = temp_dir("nested");
        let written = files(&["base/a.yaml", "overlays/prod/b.yaml", "c.yaml"]);
        write_directory(&dir, &written).unwrap();
        for (name, content) in &written {
            assert_eq!(&fs::read_to_string(dir.join(name)).unwrap(), content);
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
