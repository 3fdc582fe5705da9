//! `convert -o DIR` killed at random moments (SIGKILL and SIGINT, alternately) while it
//! replaces a large output with another: every time, DIR holds exactly the old or the new
//! set of manifests, or a committed journal that the next run finishes; no staged file is
//! where `kubectl apply -R` would read it; and the next run always succeeds and leaves
//! exactly the new set.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const KILLS: usize = 60;
const SERVICES: usize = 100;

/// A project of `SERVICES` services; `version` changes every image and which services there
/// are, so the old and new sets differ in both names and contents.
fn project(version: usize) -> String {
    let mut text = String::from("name: kills\nservices:\n");
    for index in (version * 20)..(SERVICES + version * 20) {
        text.push_str(&format!(
            "  svc-{index:04}:\n    image: app:{version}.{index}\n    ports: [\"80\"]\n    \
             volumes: [\"data-{index:04}:/data\"]\n"
        ));
    }
    text.push_str("volumes:\n");
    for index in (version * 20)..(SERVICES + version * 20) {
        text.push_str(&format!("  data-{index:04}: {{}}\n"));
    }
    text
}

fn convert(project: &Path, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_compose2k8s"));
    command
        .args(["convert", "-f"])
        .arg(project)
        .arg("-o")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn converted(project: &Path, dir: &Path) {
    let output = convert(project, dir).output().expect("the binary runs");
    assert!(
        output.status.success(),
        "convert -o {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What `kubectl apply -R` would read (every file with a manifest extension, at any depth,
/// hidden directories included) and the index.
fn manifests(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).expect("list the directory") {
            let path = entry.expect("entry").path();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                walk(root, &path, into);
            } else if name.ends_with(".yaml")
                || name.ends_with(".json")
                || name == ".compose2k8s-files"
            {
                into.insert(name, fs::read_to_string(&path).expect("read"));
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(dir, dir, &mut found);
    found
}

/// A small deterministic generator: the kill moments differ from one kill to the next
/// but not from one test run to the next.
struct Moments(u64);

impl Moments {
    fn next_below(&mut self, bound: Duration) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bound.mul_f64((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compose2k8s-kills-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[test]
fn a_killed_write_leaves_the_old_or_the_new_set() {
    let root = scratch();
    let (old_project, new_project) = (root.join("old.yaml"), root.join("new.yaml"));
    fs::write(&old_project, project(0)).unwrap();
    fs::write(&new_project, project(1)).unwrap();
    let (old_dir, new_dir, dir) = (root.join("old"), root.join("new"), root.join("out"));
    converted(&old_project, &old_dir);
    let started = Instant::now();
    converted(&new_project, &new_dir);
    // Kill moments spread over a little more than a whole run.
    let window = started.elapsed().mul_f64(1.2);
    let (old, new) = (manifests(&old_dir), manifests(&new_dir));
    assert!(old.len() > 2 * SERVICES && old != new);

    let mut moments = Moments(0x5eed);
    let mut outcomes = BTreeMap::<&str, usize>::new();
    for kill in 0..KILLS {
        // Every fifth kill interrupts a first write into a directory that does not exist.
        let first_write = kill % 5 == 4;
        if first_write {
            let _ = fs::remove_dir_all(&dir);
        } else {
            converted(&old_project, &dir);
            assert_eq!(
                manifests(&dir),
                old,
                "kill {kill}: the old set was not restored"
            );
        }
        let mut child = convert(&new_project, &dir)
            .spawn()
            .expect("the binary runs");
        sleep(moments.next_below(window));
        if kill % 2 == 0 {
            let _ = child.kill();
        } else {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
        }
        child.wait().expect("wait for the killed run");
        let left = if dir.exists() {
            manifests(&dir)
        } else {
            BTreeMap::new()
        };
        let outcome = if dir.join(".compose2k8s-journal").exists() {
            if first_write {
                "a first write, taken back by the next run"
            } else {
                "committed, finished by the next run"
            }
        } else if left == new {
            "new"
        } else if left == old && !first_write {
            "old"
        } else if first_write && left.is_empty() {
            "nothing yet (first write)"
        } else {
            let differing: Vec<&String> = left
                .keys()
                .filter(|name| {
                    old.get(*name) != left.get(*name) && new.get(*name) != left.get(*name)
                })
                .take(5)
                .collect();
            panic!("kill {kill}: DIR holds neither the old nor the new set: {differing:?}");
        };
        *outcomes.entry(outcome).or_default() += 1;
        converted(&new_project, &dir);
        assert_eq!(
            manifests(&dir),
            new,
            "kill {kill}: the next run did not give the new set"
        );
        assert!(
            !dir.join(".compose2k8s-staging").exists()
                && !dir.join(".compose2k8s-journal").exists(),
            "kill {kill}: the next run left staging files"
        );
    }
    eprintln!("{outcomes:?}");
    assert_eq!(outcomes.values().sum::<usize>(), KILLS);
    // The moments must actually land inside runs, not all before or after them.
    assert!(
        outcomes.len() >= 2,
        "every kill had the same outcome: {outcomes:?}"
    );
    fs::remove_dir_all(&root).unwrap();
}
