//! The output directory of `convert -o DIR` (and `--kustomize`): written as a whole, never
//! through a symbolic link, and, when a run is killed part way, finished by the next run
//! before it does anything else.
//!
//! A run
//! 1. locks DIR (an advisory lock on the directory itself, which the kernel drops when the
//!    process dies), so that a second run at the same time fails with a message instead
//!    of mixing files;
//! 2. finishes a run that was killed after its commit point (step 4) and removes what one
//!    killed before it had staged;
//! 3. stages every file whose text changes in `.compose2k8s-staging/`, named by number:
//!    no staged file has the extension of a manifest, so `kubectl apply -R DIR` never
//!    reads one;
//! 4. commits: renames a journal into place (`.compose2k8s-journal`) that lists every file
//!    to move into place and every file of the previous run to remove;
//! 5. carries out the journal, then puts the new index (`.compose2k8s-files`) in place and
//!    removes the staging directory and the journal.
//!
//! Killed before step 4, DIR holds the old files; killed after, the next run carries out
//! the journal again (each step can be repeated), so DIR holds the new ones.
//!
//! A DIR the run creates has no old files to keep: its files are written in place after a
//! journal that lists them, and a run killed part way is taken back by the next, which
//! removes them (so a killed first write never makes later runs refuse the directory).
//!
//! The index lists the files of the run, one per line, and may start with one record of
//! how they were made (the flags of `convert`, see [`write_directory_with_record`]): a line
//! `.flags ` followed by a JSON object on that one line. No name in the index starts with
//! `.`, so earlier versions, which skip such lines, read the names of a newer index; an
//! index without the record (written by an earlier version) is read as having none.
//!
//! DIR may come from a repository nobody here trusts, so nothing is written, replaced or
//! removed through a symbolic link: every name is a plain relative path (no `..`, no hidden
//! component but a `.gitignore`), checked component by component against the directory on disk, and a link
//! where a file or directory would go is an error naming it. DIR itself must not be a link
//! (nor any component of it, when it is given as a relative path). The index, the journal
//! and existing files are read only when they are regular files, and only so much of them.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde_json::Value as Json;

use crate::parallel;

/// The file that lists what compose2k8s wrote in a directory.
pub const INDEX_FILE: &str = ".compose2k8s-files";
const JOURNAL_FILE: &str = ".compose2k8s-journal";
/// The journal is written under this name, then renamed: the rename is the commit.
const JOURNAL_DRAFT: &str = ".compose2k8s-journal.draft";
const STAGING_DIR: &str = ".compose2k8s-staging";
/// The staged index, moved into place after every file.
const STAGED_INDEX: &str = "index";
/// What starts the line of the index that records how its files were made.
const RECORD_PREFIX: &str = ".flags ";
/// No index or journal of ours is larger; a larger one (or `/dev/zero` behind a name) is
/// refused rather than read into memory.
const MAX_LIST_BYTES: u64 = 64 << 20;

/// Writes `files` (paths relative to `dir`) into `dir`, replacing compose2k8s's earlier
/// output there.
pub fn write_directory(dir: &Path, files: &[(String, String)]) -> Result<()> {
    write_directory_with_record(dir, files, None)
}

/// Like [`write_directory`], with `record` (how the files were made) kept in the index, so
/// that it is in place exactly when the files it describes are.
pub fn write_directory_with_record(
    dir: &Path,
    files: &[(String, String)],
    record: Option<&Json>,
) -> Result<()> {
    if let Some((name, _)) = files.iter().find(|(name, _)| !is_safe_relative(name)) {
        bail!(
            "cannot write {name:?} in {}: not a plain relative name",
            dir.display()
        );
    }
    let created = fs::symlink_metadata(dir).is_err();
    create_root(dir)?;
    let _lock = lock(dir)?;
    let mut committed = false;
    let written = if created {
        write_fresh(dir, files, record)
    } else {
        write_locked(dir, files, record, &mut committed)
    };
    if written.is_err() && !committed {
        // Nothing of the new set is in place: leave DIR as it was.
        if created {
            let _ = fs::remove_dir_all(dir);
        } else {
            let _ = fs::remove_dir_all(dir.join(STAGING_DIR));
            let _ = fs::remove_file(dir.join(JOURNAL_DRAFT));
        }
    }
    written
}

/// A directory this run created holds nothing to keep, so the files are written in place,
/// without staging and renames: a journal that lists them comes first, so that the next
/// run takes back what a killed one left (see [`recover`]), and goes once the index is in.
fn write_fresh(dir: &Path, files: &[(String, String)], record: Option<&Json>) -> Result<()> {
    let new_names: BTreeSet<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    refuse_clashes(dir, &new_names)?;
    let journal = Journal {
        creations: new_names.iter().map(|name| name.to_string()).collect(),
        ..Journal::default()
    };
    commit_journal(dir, &journal)?;
    let parents: BTreeSet<&Path> = new_names
        .iter()
        .filter_map(|name| Path::new(name).parent())
        .filter(|parent| !parent.as_os_str().is_empty())
        .collect();
    for parent in parents {
        let path = dir.join(parent);
        fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
    }
    parallel::try_for_each(files, |(name, content)| {
        let path = dir.join(name);
        fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))
    })?;
    let index = index_text(&new_names, record);
    let index_path = dir.join(INDEX_FILE);
    fs::write(&index_path, index)
        .with_context(|| format!("cannot write {}", index_path.display()))?;
    let journal_file = dir.join(JOURNAL_FILE);
    fs::remove_file(&journal_file)
        .with_context(|| format!("cannot remove {}", journal_file.display()))
}

/// A name that is also a directory on the way to another cannot be written; checked before
/// any commit, so that carrying out a journal cannot fail on it.
fn refuse_clashes(dir: &Path, new_names: &BTreeSet<&str>) -> Result<()> {
    for name in new_names {
        let mut parent = Path::new(name).parent();
        while let Some(path) = parent.filter(|p| !p.as_os_str().is_empty()) {
            if let Some(clash) = path.to_str().filter(|p| new_names.contains(p)) {
                bail!("cannot write both {clash} and {name} in {}", dir.display());
            }
            parent = path.parent();
        }
    }
    Ok(())
}

/// Writes the journal under a draft name, then renames it into place: the rename is the
/// commit.
fn commit_journal(dir: &Path, journal: &Journal) -> Result<()> {
    let draft = dir.join(JOURNAL_DRAFT);
    fs::write(&draft, journal.to_text())
        .with_context(|| format!("cannot write {}", draft.display()))?;
    File::open(&draft).and_then(|f| f.sync_all()).ok();
    fs::rename(&draft, dir.join(JOURNAL_FILE))
        .with_context(|| format!("cannot write {}", dir.join(JOURNAL_FILE).display()))
}

fn write_locked(
    dir: &Path,
    files: &[(String, String)],
    record: Option<&Json>,
    committed: &mut bool,
) -> Result<()> {
    recover(dir)?;
    let previous = read_index(dir)?;
    let new_names: BTreeSet<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    refuse_clashes(dir, &new_names)?;
    for name in &new_names {
        refuse_links(dir, name)?;
    }
    refuse_foreign_files(dir, &new_names, &previous)?;
    let changed = changed_files(dir, files, &previous);
    let stale: Vec<&str> = previous
        .iter()
        .map(String::as_str)
        .filter(|name| !new_names.contains(name))
        .collect();
    let index = index_text(&new_names, record);
    let index_unchanged = read_list(&dir.join(INDEX_FILE))?.as_deref() == Some(index.as_str());
    if changed.is_empty() && stale.is_empty() && index_unchanged {
        return Ok(());
    }
    let staging = dir.join(STAGING_DIR);
    fs::create_dir(&staging).with_context(|| format!("cannot create {}", staging.display()))?;
    let numbered: Vec<(usize, &(String, String))> = changed.iter().copied().enumerate().collect();
    parallel::try_for_each(&numbered, |(number, (_, content))| {
        let path = staging.join(number.to_string());
        fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))
    })?;
    let staged_index = staging.join(STAGED_INDEX);
    fs::write(&staged_index, index)
        .with_context(|| format!("cannot write {}", staged_index.display()))?;
    let journal = Journal {
        moves: changed.iter().map(|(name, _)| name.clone()).collect(),
        removals: stale.iter().map(|name| name.to_string()).collect(),
        ..Journal::default()
    };
    commit_journal(dir, &journal)?;
    *committed = true;
    carry_out(dir, &journal)
}

/// What a committed run still has to do, or (a first write) what it may have left.
#[derive(Debug, Default, PartialEq)]
struct Journal {
    /// Staged file `<n>` goes to `moves[n]`.
    moves: Vec<String>,
    /// Files of the previous run that the new one does not have.
    removals: Vec<String>,
    /// Files a first write puts in place; a killed first write is taken back.
    creations: Vec<String>,
}

impl Journal {
    fn to_text(&self) -> String {
        let moves = self.moves.iter().map(|name| format!("move {name}\n"));
        let removals = self.removals.iter().map(|name| format!("remove {name}\n"));
        let creations = self.creations.iter().map(|name| format!("create {name}\n"));
        moves.chain(removals).chain(creations).collect()
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut journal = Journal::default();
        for line in text.lines() {
            let (verb, name) = line.split_once(' ')?;
            if !is_safe_relative(name) {
                return None;
            }
            match verb {
                "move" => journal.moves.push(name.to_string()),
                "remove" => journal.removals.push(name.to_string()),
                "create" => journal.creations.push(name.to_string()),
                _ => return None,
            }
        }
        Some(journal)
    }
}

/// Moves the staged files and the index into place, removes the stale files, then the
/// staging directory and the journal. Every step can be done again after a kill.
fn carry_out(dir: &Path, journal: &Journal) -> Result<()> {
    let staging = dir.join(STAGING_DIR);
    for (number, name) in journal.moves.iter().enumerate() {
        let staged = staging.join(number.to_string());
        if fs::symlink_metadata(&staged).is_err() {
            continue; // moved before the kill
        }
        create_parents(dir, name)?;
        let target = dir.join(name);
        fs::rename(&staged, &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    for name in &journal.removals {
        remove_own_file(dir, name)?;
    }
    let staged_index = staging.join(STAGED_INDEX);
    if fs::symlink_metadata(&staged_index).is_ok() {
        let index = dir.join(INDEX_FILE);
        fs::rename(&staged_index, &index)
            .with_context(|| format!("cannot write {}", index.display()))?;
    }
    fs::remove_dir_all(&staging).with_context(|| format!("cannot remove {}", staging.display()))?;
    let journal_file = dir.join(JOURNAL_FILE);
    fs::remove_file(&journal_file)
        .with_context(|| format!("cannot remove {}", journal_file.display()))
}

/// Takes back what a killed first write left: its files, its index, then the journal.
fn take_back(dir: &Path, journal: &Journal) -> Result<()> {
    for name in &journal.creations {
        remove_own_file(dir, name)?;
    }
    for leftover in [INDEX_FILE, JOURNAL_FILE] {
        let path = dir.join(leftover);
        if fs::symlink_metadata(&path).is_ok() {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// Finishes a run killed after its commit, or throws away what one killed before it staged.
fn recover(dir: &Path) -> Result<()> {
    let journal_file = dir.join(JOURNAL_FILE);
    if let Some(text) = read_list(&journal_file)? {
        let journal = Journal::parse(&text).with_context(|| {
            format!(
                "{} is damaged; remove it and {} to start afresh",
                journal_file.display(),
                dir.join(STAGING_DIR).display()
            )
        })?;
        if !journal.creations.is_empty() {
            return take_back(dir, &journal);
        }
        return carry_out(dir, &journal);
    }
    for leftover in [STAGING_DIR, JOURNAL_DRAFT] {
        let path = dir.join(leftover);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path),
            Ok(_) => fs::remove_file(&path),
            Err(_) => continue,
        }
        .with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// Removes a file of the previous run: only a regular file, and only where no component of
/// its path is a link (an index is input, and could name `x/authorized_keys` with `x` a
/// link to elsewhere).
fn remove_own_file(dir: &Path, name: &str) -> Result<()> {
    if !parents_are_real_directories(dir, name)? {
        return Ok(());
    }
    let path = dir.join(name);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Whether every directory on the way to `name` exists and is a directory, not a link.
/// A link on the way is an error; a directory that is missing means there is nothing there.
fn parents_are_real_directories(dir: &Path, name: &str) -> Result<bool> {
    let mut path = dir.to_path_buf();
    let parts: Vec<&str> = name.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symbolic link; compose2k8s does not write through links",
                path.display()
            ),
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => bail!("{} is in the way: it is not a directory", path.display()),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    Ok(true)
}

/// Fails when a link is where `name` or a directory on its way would be written.
fn refuse_links(dir: &Path, name: &str) -> Result<()> {
    if parents_are_real_directories(dir, name)? {
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink()) {
            bail!(
                "{} is a symbolic link; compose2k8s does not write through links",
                path.display()
            );
        }
    }
    Ok(())
}

/// Creates the directories `name` goes in, refusing links on the way.
fn create_parents(dir: &Path, name: &str) -> Result<()> {
    let mut path = dir.to_path_buf();
    let parts: Vec<&str> = name.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symbolic link; compose2k8s does not write through links",
                path.display()
            ),
            Ok(_) => bail!("{} is in the way: it is not a directory", path.display()),
            Err(_) => fs::create_dir(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        }
    }
    Ok(())
}

/// Creates DIR where it is missing; refuses a DIR that is a link, or that has one among the
/// components of the relative path it was given by.
fn create_root(dir: &Path) -> Result<()> {
    refuse_linked_path(dir, "directory")?;
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))
}

/// Refuses an output `path` (a `what`: directory or file) that is a link, or that has one
/// among the components of the relative path it was given by.
fn refuse_linked_path(path: &Path, what: &str) -> Result<()> {
    let mut prefix = PathBuf::new();
    let last = path.components().count();
    for (position, component) in path.components().enumerate() {
        prefix.push(component);
        let checked = path.is_relative() || position + 1 == last;
        if !checked || !matches!(component, Component::Normal(_)) {
            continue;
        }
        if fs::symlink_metadata(&prefix).is_ok_and(|meta| meta.file_type().is_symlink()) {
            bail!(
                "the output {what} {} has a symbolic link in its path ({}); give the real \
                 {what}",
                path.display(),
                prefix.display()
            );
        }
    }
    Ok(())
}

/// Writes `content` to the one output file `path` (`convert -o all.yaml`) at once: into a
/// new file beside it, flushed to disk, then renamed over it, so that a reader (or a killed
/// run) sees the old text or the new, never a part. As with a directory, nothing is written
/// through a symbolic link, and only a regular file is replaced (keeping its permissions).
/// The directory it goes in must exist, as for a shell's `>`.
pub fn write_file(path: &Path, content: &str) -> Result<()> {
    refuse_linked_path(path, "file")?;
    let name = path
        .file_name()
        .with_context(|| format!("{} names no file", path.display()))?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            parent.display()
        );
    }
    let permissions = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Some(meta.permissions()),
        Ok(_) => bail!(
            "{} exists and is not a regular file; refusing to replace it",
            path.display()
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    // Hidden, and named after the process: `kubectl apply -R` skips it, and two runs do not
    // share one. `create_new` fails rather than follow a link someone put at that name.
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".compose2k8s-{}.tmp", std::process::id()));
    let temporary = parent.join(temporary_name);
    let written = write_new_file(&temporary, content, permissions)
        .and_then(|()| {
            fs::rename(&temporary, path)
                .with_context(|| format!("cannot replace {}", path.display()))
        })
        .and_then(|()| sync_directory(parent));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn write_new_file(path: &Path, content: &str, permissions: Option<fs::Permissions>) -> Result<()> {
    use std::io::Write as _;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content.as_bytes())
        .and_then(|()| match permissions {
            Some(permissions) => file.set_permissions(permissions),
            None => Ok(()),
        })
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Makes a rename in `dir` durable: the new name is on disk once this returns.
fn sync_directory(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .with_context(|| format!("cannot flush {} to disk", dir.display()))
}

/// Holds the directory's lock until dropped; a second run fails instead of waiting.
fn lock(dir: &Path) -> Result<File> {
    let handle = File::open(dir).with_context(|| format!("cannot open {}", dir.display()))?;
    match handle.try_lock() {
        Ok(()) => Ok(handle),
        Err(fs::TryLockError::WouldBlock) => bail!(
            "another compose2k8s run is writing {}; try again when it has finished",
            dir.display()
        ),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", dir.display()))
        }
    }
}

/// The files whose text differs from what is in `dir`. A file of ours (in the `previous`
/// index) that already holds the same text is left as it is, its modification time too.
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

/// Fails when a file about to be written exists and is not compose2k8s's own.
fn refuse_foreign_files(
    dir: &Path,
    new_names: &BTreeSet<&str>,
    previous: &BTreeSet<String>,
) -> Result<()> {
    for &name in new_names {
        if previous.contains(name) {
            continue;
        }
        let target = dir.join(name);
        if fs::symlink_metadata(&target).is_ok() {
            bail!(
                "{} exists and was not written by compose2k8s; refusing to overwrite it",
                target.display()
            );
        }
    }
    Ok(())
}

/// A name in the index is a relative path inside the directory: no `..`, no hidden part but
/// those of [`ALLOWED_HIDDEN`].
fn is_safe_relative(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && name.split('/').all(|part| {
            !part.is_empty() && (!part.starts_with('.') || ALLOWED_HIDDEN.contains(&part))
        })
}

/// Hidden names an output may hold: a Helm chart's `.helmignore`, the `.gitignore` that keeps
/// a kustomize tree's Secret values out of git. Other hidden names are refused, so no output
/// can collide with this module's own files (`.compose2k8s-*`).
const ALLOWED_HIDDEN: [&str; 2] = [".helmignore", ".gitignore"];

/// The text of a list file of ours (index, journal): `None` when there is none; an error
/// when it is a link, not a regular file, or larger than any list of ours.
fn read_list(path: &Path) -> Result<Option<String>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if !meta.is_file() {
        bail!(
            "{} is not a regular file; compose2k8s reads only its own list there",
            path.display()
        );
    }
    let bytes = crate::files::read_regular(path, MAX_LIST_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not compose2k8s's: not UTF-8 text", path.display()))?;
    Ok(Some(text))
}

/// The text of an index: the record (one line, as JSON escapes line breaks), then the names.
fn index_text(names: &BTreeSet<&str>, record: Option<&Json>) -> String {
    let record = record.map(|record| format!("{RECORD_PREFIX}{record}\n"));
    let names = names.iter().map(|name| format!("{name}\n"));
    record.into_iter().chain(names).collect()
}

/// What the index of a directory says.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The files compose2k8s wrote there last time.
    pub files: BTreeSet<String>,
    /// How they were made, as given to [`write_directory_with_record`]: `None` when the index
    /// has no record (an earlier version wrote it), an error saying why when the record is
    /// not a JSON object. What the object holds is the writer's to check: it is input.
    pub record: Option<std::result::Result<Json, String>>,
}

/// The index of `dir`, `None` when there is none (compose2k8s never wrote there, or an
/// earlier version that kept no index did).
pub fn read_full_index(dir: &Path) -> Result<Option<Index>> {
    let Some(text) = read_list(&dir.join(INDEX_FILE))? else {
        return Ok(None);
    };
    let files = text
        .lines()
        .map(str::trim)
        // Only paths inside this directory: an index cannot point elsewhere.
        .filter(|line| is_safe_relative(line))
        .map(String::from)
        .collect();
    let record = text
        .lines()
        .find_map(|line| line.strip_prefix(RECORD_PREFIX))
        .map(|json| match serde_json::from_str(json) {
            Ok(object @ Json::Object(_)) => Ok(object),
            Ok(_) => Err("the record is not a JSON object".to_string()),
            Err(e) => Err(format!("the record is not JSON: {e}")),
        });
    Ok(Some(Index { files, record }))
}

/// The names compose2k8s wrote in `dir` last time (none if it never wrote there).
pub fn read_index(dir: &Path) -> Result<BTreeSet<String>> {
    Ok(read_full_index(dir)?
        .map(|index| index.files)
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("compose2k8s-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn files(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("{n}\n")))
            .collect()
    }

    /// Every file under `dir` (hidden ones too) with its text, links as `-> target`.
    fn snapshot(dir: &Path) -> Vec<(String, String)> {
        fn walk(root: &Path, dir: &Path, into: &mut Vec<(String, String)>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.strip_prefix(root).unwrap().display().to_string();
                let meta = fs::symlink_metadata(&path).unwrap();
                if meta.file_type().is_symlink() {
                    let target = fs::read_link(&path).unwrap();
                    into.push((name, format!("-> {}", target.display())));
                } else if meta.is_dir() {
                    walk(root, &path, into);
                } else {
                    into.push((name, fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut entries = Vec::new();
        walk(dir, dir, &mut entries);
        entries.sort();
        entries
    }

    fn error_of(dir: &Path, files: &[(String, String)]) -> String {
        format!("{:#}", write_directory(dir, files).unwrap_err())
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
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_rerun_replaces_and_removes_only_its_own_files() {
        let dir = temp_dir("rerun");
        write_directory(&dir, &files(&["a-service.yaml", "base/b-service.yaml"])).unwrap();
        fs::write(dir.join("mine.yaml"), "kept").unwrap();
        write_directory(&dir, &files(&["a-service.yaml"])).unwrap();
        assert_eq!(
            snapshot(&dir),
            [
                (INDEX_FILE, "a-service.yaml\n"),
                ("a-service.yaml", "a-service.yaml\n"),
                ("mine.yaml", "kept"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_foreign_file_is_never_overwritten_and_nothing_is_left_behind() {
        let dir = temp_dir("foreign");
        fs::create_dir_all(dir.join("base")).unwrap();
        fs::write(dir.join("base/b-service.yaml"), "hand written").unwrap();
        let before = snapshot(&dir);
        let error = error_of(&dir, &files(&["a.yaml", "base/b-service.yaml"]));
        assert!(error.ends_with("base/b-service.yaml exists and was not written by compose2k8s; refusing to overwrite it"), "{error}");
        assert_eq!(snapshot(&dir), before);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_planted_index_cannot_remove_files_through_a_linked_directory() {
        let dir = temp_dir("planted");
        let outside = temp_dir("planted-outside");
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("authorized_keys"), "key").unwrap();
        symlink(&outside, dir.join("x")).unwrap();
        fs::write(dir.join(INDEX_FILE), "x/authorized_keys\n").unwrap();
        let error = error_of(&dir, &files(&["a.yaml"]));
        assert!(
            error.ends_with("x is a symbolic link; compose2k8s does not write through links"),
            "{error}"
        );
        assert_eq!(
            fs::read_to_string(outside.join("authorized_keys")).unwrap(),
            "key"
        );
        fs::remove_dir_all(&dir).unwrap();
        fs::remove_dir_all(&outside).unwrap();
    }

    #[test]
    fn nothing_is_written_through_a_link() {
        let dir = temp_dir("links");
        let outside = temp_dir("links-outside");
        fs::create_dir_all(&dir).unwrap();
        fs::create_dir_all(&outside).unwrap();
        symlink(&outside, dir.join("base")).unwrap();
        let error = error_of(&dir, &files(&["base/a.yaml"]));
        assert!(
            error.ends_with("base is a symbolic link; compose2k8s does not write through links"),
            "{error}"
        );
        fs::remove_file(dir.join("base")).unwrap();
        // A link at a file's own name, even one the index lists, is not replaced.
        write_directory(&dir, &files(&["a.yaml"])).unwrap();
        fs::remove_file(dir.join("a.yaml")).unwrap();
        symlink(outside.join("a.yaml"), dir.join("a.yaml")).unwrap();
        let error = error_of(&dir, &files(&["a.yaml"]));
        assert!(
            error.ends_with("a.yaml is a symbolic link; compose2k8s does not write through links"),
            "{error}"
        );
        assert!(
            fs::read_dir(&outside).unwrap().next().is_none(),
            "nothing was written outside"
        );
        // Nor is a linked output directory written into.
        let linked = temp_dir("links-dir");
        symlink(&outside, &linked).unwrap();
        let error = error_of(&linked, &files(&["a.yaml"]));
        assert!(error.contains("has a symbolic link in its path"), "{error}");
        assert!(fs::read_dir(&outside).unwrap().next().is_none());
        for path in [&dir, &outside] {
            fs::remove_dir_all(path).unwrap();
        }
        fs::remove_file(&linked).unwrap();
    }

    #[test]
    fn an_index_that_is_not_a_regular_file_is_refused_without_reading_it() {
        let dir = temp_dir("special-index");
        fs::create_dir_all(&dir).unwrap();
        symlink("/dev/zero", dir.join(INDEX_FILE)).unwrap();
        let error = error_of(&dir, &files(&["a.yaml"]));
        assert!(error.ends_with(".compose2k8s-files is not a regular file; compose2k8s reads only its own list there"), "{error}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_run_killed_after_its_commit_is_finished_by_the_next() {
        let dir = temp_dir("journal");
        write_directory(&dir, &files(&["a.yaml", "b.yaml"])).unwrap();
        // What a run killed after its commit leaves: the journal, a.yaml already moved,
        // b.yaml's removal and the index not yet done.
        fs::write(dir.join("a.yaml"), "a.yaml v2\n").unwrap();
        fs::create_dir(dir.join(STAGING_DIR)).unwrap();
        fs::write(dir.join(STAGING_DIR).join("1"), "c.yaml\n").unwrap();
        fs::write(dir.join(STAGING_DIR).join(STAGED_INDEX), "a.yaml\nc.yaml\n").unwrap();
        fs::write(
            dir.join(JOURNAL_FILE),
            "move a.yaml\nmove c.yaml\nremove b.yaml\n",
        )
        .unwrap();
        // The next run, with the same input as the killed one, finds nothing left to do.
        let mut next = files(&["a.yaml", "c.yaml"]);
        next[0].1 = "a.yaml v2\n".to_string();
        write_directory(&dir, &next).unwrap();
        assert_eq!(
            snapshot(&dir),
            [
                (INDEX_FILE, "a.yaml\nc.yaml\n"),
                ("a.yaml", "a.yaml v2\n"),
                ("c.yaml", "c.yaml\n")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_run_killed_before_its_commit_leaves_nothing_that_counts() {
        let dir = temp_dir("staged");
        write_directory(&dir, &files(&["a.yaml"])).unwrap();
        fs::create_dir(dir.join(STAGING_DIR)).unwrap();
        fs::write(dir.join(STAGING_DIR).join("0"), "half").unwrap();
        fs::write(dir.join(JOURNAL_DRAFT), "move a.y").unwrap();
        write_directory(&dir, &files(&["a.yaml"])).unwrap();
        assert_eq!(
            snapshot(&dir),
            [(INDEX_FILE, "a.yaml\n"), ("a.yaml", "a.yaml\n")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_killed_first_write_is_taken_back_by_the_next_run() {
        let dir = temp_dir("first");
        fs::create_dir_all(dir.join("base")).unwrap();
        // What a first write killed half way leaves: its journal and some of its files.
        fs::write(dir.join("base/a.yaml"), "a.y").unwrap();
        fs::write(
            dir.join(JOURNAL_FILE),
            "create base/a.yaml\ncreate b.yaml\n",
        )
        .unwrap();
        write_directory(&dir, &files(&["c.yaml"])).unwrap();
        assert_eq!(
            snapshot(&dir),
            [(INDEX_FILE, "c.yaml\n"), ("c.yaml", "c.yaml\n")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_second_run_at_the_same_time_is_refused() {
        let dir = temp_dir("locked");
        fs::create_dir_all(&dir).unwrap();
        let _held = lock(&dir).unwrap();
        let error = error_of(&dir, &files(&["a.yaml"]));
        assert!(
            error.starts_with("another compose2k8s run is writing"),
            "{error}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_directory_that_fails_is_removed() {
        let dir = temp_dir("new-fails");
        let error = error_of(&dir, &files(&["a.yaml", "a.yaml/b.yaml"]));
        assert_eq!(
            error,
            format!(
                "cannot write both a.yaml and a.yaml/b.yaml in {}",
                dir.display()
            )
        );
        assert!(!dir.exists());
    }

    #[test]
    fn the_record_is_kept_in_the_index_and_read_back() {
        let dir = temp_dir("record");
        let record = serde_json::json!({"namespace": "prod", "note": "two\nlines"});
        write_directory_with_record(&dir, &files(&["a.yaml"]), Some(&record)).unwrap();
        let index = fs::read_to_string(dir.join(INDEX_FILE)).unwrap();
        assert_eq!(
            index,
            ".flags {\"namespace\":\"prod\",\"note\":\"two\\nlines\"}\na.yaml\n"
        );
        let read = read_full_index(&dir).unwrap().unwrap();
        assert_eq!(read.files, BTreeSet::from(["a.yaml".to_string()]));
        assert_eq!(read.record, Some(Ok(record)));
        // The same files with another record: the index alone changes.
        let other = serde_json::json!({"namespace": "dev"});
        write_directory_with_record(&dir, &files(&["a.yaml"]), Some(&other)).unwrap();
        assert_eq!(
            read_full_index(&dir).unwrap().unwrap().record,
            Some(Ok(other))
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_index_without_a_record_or_with_a_damaged_one_is_still_read() {
        let dir = temp_dir("old-index");
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(read_full_index(&dir).unwrap(), None, "no index at all");
        let read = |text: &str| {
            fs::write(dir.join(INDEX_FILE), text).unwrap();
            read_full_index(&dir).unwrap().unwrap()
        };
        let old = read("a.yaml\nbase/b.yaml\n");
        assert_eq!(old.files.len(), 2);
        assert_eq!(old.record, None);
        for damaged in [".flags {\"a\": \n", ".flags [1]\n", ".flags \"x\"\n"] {
            let index = read(&format!("{damaged}a.yaml\n"));
            assert!(matches!(index.record, Some(Err(_))), "{damaged:?}");
            assert_eq!(index.files, BTreeSet::from(["a.yaml".to_string()]));
        }
        // A record line is never a name, so a rerun never removes a file named like it.
        fs::write(dir.join(INDEX_FILE), ".flags {}\na.yaml\n").unwrap();
        assert_eq!(
            read_index(&dir).unwrap(),
            BTreeSet::from(["a.yaml".to_string()])
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn many_files_in_subdirectories_are_all_written_with_their_content() {
        let dir = temp_dir("many");
        let names: Vec<String> = (0..1_000)
            .map(|i| format!("d{}/f{i:04}.yaml", i % 3))
            .collect();
        let written = files(&names.iter().map(String::as_str).collect::<Vec<_>>());
        write_directory(&dir, &written).unwrap();
        for (name, content) in &written {
            assert_eq!(&fs::read_to_string(dir.join(name)).unwrap(), content);
        }
        assert_eq!(read_index(&dir).unwrap().len(), names.len());
        assert!(!dir.join(STAGING_DIR).exists() && !dir.join(JOURNAL_FILE).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
