//! The command line's habits from kubectl, Kompose and other Unix tools (issue 17): `-f -`
//! reads stdin, `-o FILE.yaml` writes one file at once, colour only where asked or on a
//! terminal, completions and a man page from the clap definitions, and help examples that
//! run as written.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const EXPENSE: &str = "examples/expense/compose.yaml";

/// A directory of its own under the system's temporary directory (outside any git work
/// tree, so the project's tree is the directory itself), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("compose2k8s-cli-io-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    /// With the expense stack as `compose.yaml`.
    fn expense(name: &str) -> Scratch {
        let scratch = Scratch::new(name);
        fs::copy(repository().join(EXPENSE), scratch.0.join("compose.yaml")).expect("copy");
        scratch
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in(&self.0, args, None, &[])
    }

    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        run_in(&self.0, args, Some(stdin.as_bytes()), &[])
    }

    /// The names in the directory, sorted (hidden ones too).
    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .expect("read scratch")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in `dir` with `env` added to a bare environment (no NO_COLOR from the
/// caller's), feeding `stdin` when given.
fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_compose2k8s"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary runs");
    let mut input = child.stdin.take().expect("piped stdin");
    let bytes = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().expect("the binary runs");
    writer.join().expect("stdin writer");
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn has_ansi(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == b"\x1b[")
}

#[test]
fn stdin_gives_the_same_objects_as_the_file_in_the_current_directory() {
    let scratch = Scratch::expense("stdin-same");
    let from_file = scratch.run(&["convert", "-f", "compose.yaml"]);
    let compose = fs::read_to_string(scratch.path("compose.yaml")).unwrap();
    let from_stdin = scratch.run_with_stdin(&["convert", "-f", "-"], &compose);
    assert!(from_stdin.status.success(), "{}", text(&from_stdin.stderr));
    // Same project name (the directory's) and the same objects.
    assert_eq!(text(&from_stdin.stdout), text(&from_file.stdout));
}

#[test]
fn stdin_reads_stay_in_the_project_tree() {
    let scratch = Scratch::new("stdin-scope");
    fs::create_dir(scratch.path("project")).unwrap();
    fs::write(scratch.path("outside.env"), "SECRET_TOKEN=1\n").unwrap();
    let compose = "services:\n  web:\n    image: nginx\n    env_file: [../outside.env]\n";
    let project = scratch.path("project");
    let refused = run_in(
        &project,
        &["config", "-f", "-"],
        Some(compose.as_bytes()),
        &[],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("outside the project's tree"),
        "{}",
        text(&refused.stderr)
    );
    let outside = scratch.0.to_string_lossy().into_owned();
    let allowed = run_in(
        &project,
        &["config", "-f", "-", "--allow-path", &outside],
        Some(compose.as_bytes()),
        &[],
    );
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
}

#[test]
fn stdin_larger_than_the_bound_is_refused() {
    let scratch = Scratch::new("stdin-large");
    let mut big = String::from("services:\n  web:\n    image: nginx\n#");
    big.push_str(&"x".repeat(64 * 1024 * 1024));
    let output = scratch.run_with_stdin(&["config", "-f", "-"], &big);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: <stdin>: the input is larger than 64 MiB; refusing to read it\n"
    );
}

/// Every file under `dir` with its bytes, by relative path.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).expect("read file");
                files.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

/// The base and each overlay load the project again: standard input, read once, is given
/// to each of them.
#[test]
fn stdin_with_an_overlay_gives_the_tree_of_the_file() {
    let scratch = Scratch::expense("stdin-overlay");
    fs::write(
        scratch.path("compose.prod.yaml"),
        "services:\n  backend:\n    deploy:\n      replicas: 3\n",
    )
    .unwrap();
    let compose = fs::read_to_string(scratch.path("compose.yaml")).unwrap();
    let convert = |file: &str, out: &str| {
        let args = [
            "convert",
            "-f",
            file,
            "--kustomize",
            "-o",
            out,
            "--overlay",
            "prod=compose.prod.yaml",
        ];
        let output = scratch.run_with_stdin(&args, &compose);
        assert!(output.status.success(), "{}", text(&output.stderr));
    };
    convert("compose.yaml", "from-file");
    convert("-", "from-stdin");
    let from_stdin = tree(&scratch.path("from-stdin"));
    assert!(from_stdin
        .iter()
        .any(|(_, bytes)| text(bytes).contains("/spec/replicas")));
    assert_eq!(from_stdin, tree(&scratch.path("from-file")));
}

#[test]
fn output_file_holds_the_stream_in_the_format_of_its_extension() {
    let scratch = Scratch::expense("output-file");
    let yaml = scratch.run(&["convert"]);
    let json = scratch.run(&["convert", "--format", "json"]);
    for (name, expected) in [
        ("all.yaml", &yaml.stdout),
        ("all.yml", &yaml.stdout),
        ("ALL.JSON", &json.stdout),
    ] {
        let output = scratch.run(&["convert", "-o", name]);
        assert!(output.status.success(), "{name}: {}", text(&output.stderr));
        assert!(output.stdout.is_empty(), "{name}: wrote to stdout too");
        assert_eq!(&fs::read(scratch.path(name)).unwrap(), expected, "{name}");
    }
    // `--format` that agrees is fine; nothing else is left beside the files.
    let agreed = scratch.run(&["convert", "--format", "json", "-o", "all.json"]);
    assert!(agreed.status.success(), "{}", text(&agreed.stderr));
    assert_eq!(
        scratch.listing(),
        [
            "ALL.JSON",
            "all.json",
            "all.yaml",
            "all.yml",
            "compose.yaml"
        ]
    );
}

#[test]
fn output_file_is_replaced_whole_keeping_its_permissions() {
    let scratch = Scratch::expense("output-replace");
    let file = scratch.path("all.yaml");
    fs::write(&file, "old\n").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    let output = scratch.run(&["convert", "-o", "all.yaml"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(fs::read_to_string(&file).unwrap().starts_with("apiVersion"));
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn output_file_is_never_written_through_a_link() {
    let scratch = Scratch::expense("output-link");
    fs::write(scratch.path("target"), "kept\n").unwrap();
    symlink("target", scratch.path("all.yaml")).unwrap();
    let output = scratch.run(&["convert", "-o", "all.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("symbolic link"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        fs::read_to_string(scratch.path("target")).unwrap(),
        "kept\n"
    );
    assert!(fs::symlink_metadata(scratch.path("all.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn output_file_is_left_as_it_was_when_the_run_fails() {
    let scratch = Scratch::new("output-strict");
    fs::write(
        scratch.path("compose.yaml"),
        "version: '3'\nservices:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    fs::write(scratch.path("all.yaml"), "old\n").unwrap();
    let output = scratch.run(&["convert", "--strict", "-o", "all.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(
        fs::read_to_string(scratch.path("all.yaml")).unwrap(),
        "old\n"
    );
    assert_eq!(scratch.listing(), ["all.yaml", "compose.yaml"]);
}

#[test]
fn report_file_holds_the_report_and_stderr_shows_it_as_text() {
    let scratch = Scratch::new("report-file");
    fs::write(
        scratch.path("compose.yaml"),
        "version: '3'\nservices:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    let args = [
        "convert",
        "--strict",
        "--report",
        "json",
        "--report-file",
        "report.json",
        "-o",
        "out",
    ];
    let output = scratch.run(&args);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(scratch.path("report.json")).unwrap())
            .expect("the report file is one JSON document");
    let codes: Vec<&str> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"obsolete-version"), "{codes:?}");
    assert!(codes.contains(&"strict"), "{codes:?}");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("warning[obsolete-version]: "), "{stderr}");
    assert!(
        stderr.contains("error: --strict: the report has 1 warning(s)"),
        "{stderr}"
    );
    // A --strict failure writes no manifests.
    assert_eq!(scratch.listing(), ["compose.yaml", "report.json"]);
}

#[test]
fn an_existing_directory_named_like_a_file_stays_a_directory() {
    let scratch = Scratch::expense("output-dir-yaml");
    fs::create_dir(scratch.path("k8s.yaml")).unwrap();
    let output = scratch.run(&["convert", "-o", "k8s.yaml"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(scratch.path("k8s.yaml/mysql-deployment.yaml").is_file());
}

#[test]
fn colour_always_paints_never_and_pipes_do_not() {
    let scratch = Scratch::expense("colour");
    fs::create_dir(scratch.path("k8s")).unwrap();
    // An empty directory: `diff` shows every object as added (stdout), and the report of
    // `convert` has notes (stderr).
    // The flags, the environment, and whether the output is painted.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], bool);
    let cases: [Case; 5] = [
        (&["--color", "always"], &[], true),
        (&["--color=always"], &[("NO_COLOR", "1")], true),
        (&["--color", "never"], &[], false),
        (&[], &[], false),
        (&["--color", "auto"], &[("NO_COLOR", "1")], false),
    ];
    for (flags, env, painted) in cases {
        let mut diff = vec!["diff", "k8s"];
        diff.extend(flags);
        let output = run_in(&scratch.0, &diff, None, env);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        assert_eq!(has_ansi(&output.stdout), painted, "diff {flags:?} {env:?}");
        let mut convert = vec!["convert"];
        convert.extend(flags);
        let output = run_in(&scratch.0, &convert, None, env);
        assert!(output.status.success());
        assert_eq!(
            has_ansi(&output.stderr),
            painted,
            "convert {flags:?} {env:?}"
        );
        assert!(!has_ansi(&output.stdout), "manifests are never painted");
    }
    let always = run_in(&scratch.0, &["convert", "--color", "always"], None, &[]);
    assert!(text(&always.stderr).contains("\x1b[36minfo\x1b[0m["));
}

#[test]
fn completions_cover_every_command_in_each_shell() {
    let scratch = Scratch::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = scratch.run(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {}", text(&output.stderr));
        let script = text(&output.stdout);
        for command in ["convert", "diff", "config", "schema", "completions", "man"] {
            assert!(script.contains(command), "{shell}: no {command}");
        }
        // Fish names long options without their dashes (`-l output`).
        for flag in ["output", "kustomize", "color"] {
            assert!(script.contains(flag), "{shell}: no --{flag}");
        }
    }
    let output = scratch.run(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn man_pages_are_roff_for_the_tool_and_each_command() {
    let scratch = Scratch::new("man");
    let page = scratch.run(&["man"]);
    assert!(page.status.success());
    let roff = text(&page.stdout);
    assert!(roff.contains(".TH compose2k8s 1"), "{roff}");
    for command in ["convert", "diff", "config", "schema", "completions"] {
        assert!(roff.contains(command), "the tool's page lacks {command}");
        let page = scratch.run(&["man", command]);
        assert!(page.status.success(), "{command}");
        let roff = text(&page.stdout);
        assert!(
            roff.contains(&format!(".TH compose2k8s-{command} 1")),
            "{roff}"
        );
        assert!(roff.contains(".SH OPTIONS"), "{command}: no options");
    }
    let convert = text(&scratch.run(&["man", "convert"]).stdout);
    assert!(convert.contains("\\-\\-output"), "{convert}");
    // ASCII, other characters as roff escapes: `FILE…` of --overlay.
    assert!(convert.is_ascii());
    assert!(convert.contains("FILE\\[u2026]"), "{convert}");
    let unknown = scratch.run(&["man", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// Every example at the end of a command's `--help` runs as written, in order, from a copy
/// of the repository's examples: `compose2k8s …` lines, with `< FILE` as stdin, `> FILE`
/// as stdout (`~` being a scratch home), and what follows a `|` left to the shell's user.
#[test]
fn help_examples_run_as_written() {
    let scratch = Scratch::new("help-examples");
    fs::create_dir_all(scratch.path("examples/expense")).unwrap();
    fs::copy(
        repository().join(EXPENSE),
        scratch.path("examples/expense/compose.yaml"),
    )
    .unwrap();
    let commands = ["convert", "diff", "config", "schema", "completions", "man"];
    let mut ran = 0;
    for command in commands {
        let help = text(&scratch.run(&[command, "--help"]).stdout);
        let examples = help
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{command} --help has no examples"))
            .1;
        let lines: Vec<&str> = examples
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("compose2k8s "))
            .collect();
        assert!(
            (2..=3).contains(&lines.len()),
            "{command}: {} examples",
            lines.len()
        );
        for line in lines {
            run_example(&scratch, line);
            ran += 1;
        }
    }
    assert!(ran >= 12);
}

fn run_example(scratch: &Scratch, line: &str) {
    let before_pipe = line.split(" | ").next().unwrap_or(line);
    let words: Vec<&str> = before_pipe.split_whitespace().skip(1).collect();
    let mut args = Vec::new();
    let mut stdin = None;
    let mut stdout_file = None;
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        match word {
            "<" => stdin = Some(fs::read(scratch.path(words.next().unwrap())).unwrap()),
            ">" => {
                let name = words.next().unwrap().replace('~', "home");
                stdout_file = Some(scratch.path(&name));
            }
            _ => args.push(word),
        }
    }
    let output = run_in(&scratch.0, &args, stdin.as_deref(), &[]);
    assert!(
        output.status.success(),
        "`{line}` exits {:?}: {}",
        output.status.code(),
        text(&output.stderr)
    );
    assert!(
        !output.stdout.is_empty() || args.contains(&"-o"),
        "`{line}` printed nothing"
    );
    if let Some(file) = stdout_file {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, &output.stdout).unwrap();
    }
}
