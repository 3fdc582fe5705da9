//! A compose project from someone untrusted (a pull request in CI) must not make
//! compose2k8s read outside the project's tree, read kernel files or FIFOs, or print a secret
//! in its log. Each test builds a project that tries one of these and runs the binary.
//!
//! The layout of every sandbox: `repo/` is a git work tree (it has `.git`), the project is
//! `repo/app/`, and `outside/` beside `repo/` holds a file whose value must never show up.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const OUTSIDE_VALUE: &str = "outside-secret-value";
/// `OUTSIDE_VALUE` in base64, as a Secret's data would hold it.
const OUTSIDE_VALUE_BASE64: &str = "b3V0c2lkZS1zZWNyZXQtdmFsdWU";
/// A variable of the process environment, as a CI token would be.
const TOKEN_VALUE: &str = "ci-token-value";

struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "compose2k8s-untrusted-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("repo/.git")).unwrap();
        fs::create_dir_all(root.join("repo/app")).unwrap();
        fs::create_dir_all(root.join("outside")).unwrap();
        fs::write(
            root.join("outside/secret.txt"),
            format!("{OUTSIDE_VALUE}\n"),
        )
        .unwrap();
        // Real paths: the messages name paths with links resolved.
        let root = fs::canonicalize(root).unwrap();
        Sandbox { root }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// `$ROOT` in `text` is the sandbox's path.
    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text.replace("$ROOT", &self.root.to_string_lossy())).unwrap();
    }

    fn link(&self, relative: &str, target: &str) {
        symlink(target, self.path(relative)).unwrap();
    }

    /// `compose2k8s ARGS…` in the project directory, with `CI_TOKEN` in its environment;
    /// killed after ten seconds (a read that blocks would otherwise hang the test).
    fn run(&self, args: &[&str]) -> Output {
        let child = Command::new(env!("CARGO_BIN_EXE_compose2k8s"))
            .args(args)
            .current_dir(self.path("repo/app"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("CI_TOKEN", TOKEN_VALUE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let id = child.id();
        let deadline = Instant::now() + Duration::from_secs(10);
        let watchdog = std::thread::spawn(move || {
            while Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
                if !Path::new(&format!("/proc/{id}")).exists() {
                    return false;
                }
            }
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            true
        });
        let output = child.wait_with_output().unwrap();
        assert!(!watchdog.join().unwrap(), "compose2k8s {args:?} hung");
        output
    }

    /// Like [`Sandbox::run`], and checks that neither stdout nor stderr holds the outside
    /// file's value or the token; gives the exit code and both, `$ROOT` for the sandbox.
    fn run_clean(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.run(args);
        let root = self.root.to_string_lossy().into_owned();
        let stdout = String::from_utf8_lossy(&output.stdout).replace(&root, "$ROOT");
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&root, "$ROOT");
        for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            for value in [OUTSIDE_VALUE, OUTSIDE_VALUE_BASE64, TOKEN_VALUE] {
                assert!(
                    !text.contains(value),
                    "{value} leaked into {name} of {args:?}:\n{text}"
                );
            }
        }
        (output.status.code().unwrap_or(-1), stdout, stderr)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Asserts that `text` has a line equal to `line` after trimming.
fn assert_line(text: &str, line: &str) {
    assert!(
        text.lines().any(|l| l.trim() == line),
        "no line\n  {line}\nin\n{text}"
    );
}

/// A project whose configs, secrets and bind mounts all name `source` (a path written in
/// the compose file, `$ROOT` for the sandbox).
fn naming(source: &str) -> String {
    format!(
        "services:
  web:
    image: nginx
    configs: [settings]
    secrets: [token]
    volumes: ['{source}:/etc/mounted.txt']
configs:
  settings: {{file: '{source}'}}
secrets:
  token: {{file: '{source}'}}
"
    )
}

/// What the report says of a secret file that was not read.
fn secret_not_read(written: &str, real: &str) -> String {
    format!(
        "warning[file-not-read]: secrets.token: the file {written} was not read ({real} is outside the \
         project's tree ($ROOT/repo); --allow-path $ROOT/outside allows reading it): no Secret \
         is written; the services that use it mount the Secret `token`, and their pods wait \
         until it exists (kubectl create secret generic token --from-file=token={written})"
    )
}

#[test]
fn host_files_named_by_absolute_path_are_not_read() {
    let sandbox = Sandbox::new();
    sandbox.write("repo/app/compose.yaml", &naming("$ROOT/outside/secret.txt"));
    let (code, stdout, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    let file = "$ROOT/outside/secret.txt";
    assert_line(&stderr, &secret_not_read(file, file));
    assert_line(
        &stderr,
        &format!(
            "warning[file-not-read]: configs.settings: the file {file} was not read ({file} is outside the \
             project's tree ($ROOT/repo); --allow-path $ROOT/outside allows reading it): no \
             ConfigMap is written; the services that use it mount the ConfigMap `settings`, \
             and their pods wait until it exists (kubectl create configmap settings \
             --from-file=settings={file})"
        ),
    );
    // The objects are still named and mounted: the user provides them.
    assert!(stdout.contains("secretName: token"), "{stdout}");
    assert!(stdout.contains("name: settings"), "{stdout}");
    // A bind mount of an outside file that is no secret's is left out.
    sandbox.write(
        "repo/app/compose.yaml",
        "services:\n  web:\n    image: nginx\n    volumes: ['$ROOT/outside/secret.txt:/etc/mounted.txt']\n",
    );
    let (code, _, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert_line(
        &stderr,
        &format!(
            "warning[bind-mount-left-out]: services.web.volumes[0]: bind mount source {file} is a file that was \
             not read ({file} is outside the project's tree ($ROOT/repo); --allow-path \
             $ROOT/outside allows reading it); nothing is mounted at /etc/mounted.txt (build \
             it into the image, or mount the node's file with x-kubernetes.hostPaths)"
        ),
    );
}

#[test]
fn allow_path_lets_a_directory_be_read() {
    let sandbox = Sandbox::new();
    sandbox.write("repo/app/compose.yaml", &naming("$ROOT/outside/secret.txt"));
    let outside = sandbox.path("outside");
    let output = sandbox.run(&["convert", "--allow-path", outside.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(stdout.contains(OUTSIDE_VALUE), "{stdout}");
    assert!(stdout.contains(OUTSIDE_VALUE_BASE64), "{stdout}");
}

#[test]
fn dot_dot_out_of_the_tree_is_outside() {
    let sandbox = Sandbox::new();
    sandbox.write("repo/app/compose.yaml", &naming("../../outside/secret.txt"));
    let (code, _, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    let file = "$ROOT/outside/secret.txt";
    assert_line(&stderr, &secret_not_read(file, file));
}

#[test]
fn links_out_of_the_tree_are_outside() {
    let sandbox = Sandbox::new();
    sandbox.link("repo/app/link.txt", "../../outside/secret.txt");
    sandbox.link("repo/app/linked-dir", "../../outside");
    sandbox.write("repo/app/compose.yaml", &naming("./link.txt"));
    let (code, _, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert_line(
        &stderr,
        &secret_not_read("$ROOT/repo/app/link.txt", "$ROOT/outside/secret.txt"),
    );
    // A directory reached through a link is not copied either: it becomes a claim.
    sandbox.write(
        "repo/app/compose.yaml",
        "services:\n  web:\n    image: nginx\n    volumes: ['./linked-dir:/data']\n",
    );
    let (code, stdout, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("kind: PersistentVolumeClaim"), "{stdout}");
    assert!(!stdout.contains("kind: ConfigMap"), "{stdout}");
}

#[test]
fn the_git_work_tree_is_the_project_tree() {
    let sandbox = Sandbox::new();
    sandbox.write("repo/shared/app.conf", "listen 80;\n");
    sandbox.write(
        "repo/app/compose.yaml",
        "services:\n  web:\n    image: nginx\n    configs: [app]\nconfigs:\n  app: {file: ../shared/app.conf}\n",
    );
    let (code, stdout, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("listen 80;"), "{stdout}");
    // Without a git work tree, the tree is the project directory.
    fs::remove_dir(sandbox.path("repo/.git")).unwrap();
    let (code, stdout, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("listen 80;"), "{stdout}");
    assert!(
        stderr.contains(
            "the file $ROOT/repo/shared/app.conf was not read ($ROOT/repo/shared/app.conf is \
             outside the project's tree ($ROOT/repo/app); --allow-path $ROOT/repo/shared allows \
             reading it)"
        ),
        "{stderr}"
    );
}

#[test]
fn kernel_files_are_never_read_even_when_allowed() {
    let sandbox = Sandbox::new();
    sandbox.link("repo/app/environ", "/proc/self/environ");
    for env_file in [
        "/proc/self/environ",
        "/etc/../proc/self/environ",
        "./environ",
    ] {
        sandbox.write(
            "repo/app/compose.yaml",
            &format!("services:\n  web:\n    image: nginx\n    env_file: {env_file}\n"),
        );
        let (code, _, stderr) = sandbox.run_clean(&["convert", "--allow-path", "/"]);
        assert_eq!(code, 1, "{env_file}: {stderr}");
        // The message names the real path: /proc/self is the reading process's.
        let first = stderr.lines().next().unwrap();
        let (start, real) = first.split_once(" not read: /proc/").unwrap();
        assert_eq!(
            start,
            "error: $ROOT/repo/app/compose.yaml:4:15: services.web.env_file:"
        );
        assert!(
            real.ends_with("/environ is under /proc, /sys or /dev, which is never read"),
            "{env_file}: {first}"
        );
    }
    sandbox.write("repo/app/compose.yaml", &naming("./environ"));
    let (code, _, stderr) = sandbox.run_clean(&["convert", "--allow-path", "/"]);
    assert_eq!(code, 0, "{stderr}");
    let warning = stderr
        .lines()
        .find(|l| l.contains("secrets.token"))
        .unwrap_or_default();
    assert!(
        warning.starts_with(
            "  warning[file-not-read]: secrets.token: the file $ROOT/repo/app/environ cannot be read (/proc/"
        ) && warning.ends_with(
            "/environ is under /proc, /sys or /dev, which is never read): no Secret is \
             created, and the services that use it do not get the file"
        ),
        "{stderr}"
    );
}

#[test]
fn fifos_are_refused_without_waiting() {
    let sandbox = Sandbox::new();
    let fifo = sandbox.path("repo/app/fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
    let (code, _, stderr) = sandbox.run_clean(&["convert", "-f", "fifo"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        "error: $ROOT/repo/app/fifo: cannot read file: not a regular file"
    );
    sandbox.write(
        "repo/app/compose.yaml",
        "services:\n  web:\n    image: nginx\n    env_file: fifo\n",
    );
    let (code, _, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: "), "{stderr}");
    sandbox.write("repo/app/compose.yaml", &naming("./fifo"));
    let (code, _, stderr) = sandbox.run_clean(&["convert"]);
    assert_eq!(code, 0, "{stderr}");
    assert_line(
        &stderr,
        "warning[file-not-read]: secrets.token: the file $ROOT/repo/app/fifo cannot be read (neither a \
         regular file nor a directory): no Secret is created, and the services that use it do \
         not get the file",
    );
}

#[test]
fn files_a_compose_file_loads_must_be_inside() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "outside/other.yaml",
        "services:\n  other:\n    image: busybox\n",
    );
    let not_read = "not read: $ROOT/outside/other.yaml is outside the project's tree \
                    ($ROOT/repo); --allow-path $ROOT/outside allows reading it";
    for (compose, at) in [
        (
            "include: [../../outside/other.yaml]\nservices:\n  web: {image: nginx}\n",
            "1:1: include[0]",
        ),
        (
            "services:\n  web:\n    extends: {file: ../../outside/other.yaml, service: other}\n",
            "3:5: services.web.extends.file",
        ),
        (
            "services:\n  web:\n    image: nginx\n    env_file: ../../outside/other.yaml\n",
            "4:15: services.web.env_file",
        ),
        (
            "services:\n  web:\n    image: nginx\n    label_file: ../../outside/other.yaml\n",
            "4:17: services.web.label_file",
        ),
    ] {
        sandbox.write("repo/app/compose.yaml", compose);
        let (code, _, stderr) = sandbox.run_clean(&["config"]);
        assert_eq!(code, 1, "{compose}");
        assert_eq!(
            stderr.lines().next().unwrap(),
            format!("error: $ROOT/repo/app/compose.yaml:{at}: {not_read}"),
            "{compose}"
        );
    }
}

#[test]
fn secrets_in_malformed_env_files_stay_out_of_the_log() {
    let sandbox = Sandbox::new();
    let line = format!("PASSWORD=\"{TOKEN_VALUE}");
    sandbox.write("repo/app/.env", &format!("A=1\n{line}\n"));
    sandbox.write("repo/app/web.env", &format!("A=1\nB=2\n{line}\n"));
    sandbox.write("repo/app/secrets.txt", &format!("{TOKEN_VALUE}: [\n"));
    sandbox.write(
        "repo/app/compose.yaml",
        "services:\n  web:\n    image: nginx\n",
    );
    let (code, _, stderr) = sandbox.run_clean(&["config"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: $ROOT/repo/app/.env:2:1: "),
        "{stderr}"
    );
    fs::remove_file(sandbox.path("repo/app/.env")).unwrap();
    for (key, file, at) in [
        ("env_file", "web.env", "3:1"),
        ("label_file", "web.env", "3:1"),
    ] {
        sandbox.write(
            "repo/app/compose.yaml",
            &format!("services:\n  web:\n    image: nginx\n    {key}: {file}\n"),
        );
        let (code, _, stderr) = sandbox.run_clean(&["config"]);
        assert_eq!(code, 1, "{key}");
        assert!(
            stderr.starts_with(&format!("error: $ROOT/repo/app/{file}:{at}: ")),
            "{stderr}"
        );
    }
    // A file that is not a compose file, included: its position, never its text.
    sandbox.write(
        "repo/app/compose.yaml",
        "include: [secrets.txt]\nservices:\n  web:\n    image: nginx\n",
    );
    let (code, _, stderr) = sandbox.run_clean(&["config"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: $ROOT/repo/app/secrets.txt:"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
