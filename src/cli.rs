//! The command line: clap definitions, turned into options for the pipeline, and `run`,
//! which executes a command and maps the outcome to an exit code (0 success, 1 the input
//! has errors, 2 usage or I/O error).

use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::compose::load::LoadOptions;
use crate::compose::{self, model};
use crate::diagnostic::Diagnostic;
use crate::translate::{Allowed, Code, Report};
use crate::{diff, emit, output_dir, translate};

#[derive(Debug, Parser)]
#[command(
    name = "compose2k8s",
    version,
    about = "Translate Docker Compose projects into Kubernetes manifests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Translate the project into Kubernetes manifests.
    #[command(after_help = CONVERT_EXAMPLES)]
    Convert {
        #[command(flatten)]
        input: InputArgs,
        /// Write one file per object into DIR, or every object into FILE when the name ends
        /// in .yaml, .yml or .json and is not a directory (`-`: stdout, the default).
        #[arg(short = 'o', long = "output", value_name = "DIR|FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        layout: LayoutArgs,
        /// Exit 1 when the report has any warning (the loader's warnings included) that is
        /// not allowed.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        allow: AllowArgs,
        /// Report format, on stderr; with --dry-run, `json` also makes stdout one JSON
        /// summary of the changes.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
        /// Write the report, in the --report format, to FILE (whole, when the command
        /// ends); stderr then shows it as text.
        #[arg(long, value_name = "FILE")]
        report_file: Option<PathBuf>,
        /// With -o DIR: write nothing, print what would change in DIR (as `diff`).
        #[arg(long)]
        dry_run: bool,
    },
    /// Show what `convert -o DIR` would change in DIR, or with --cluster what applying the
    /// output would change in the cluster; exit 0 if nothing, 1 if something, 2 on an error
    /// (DIR missing included). The flags that shaped DIR are taken from its index unless
    /// given.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff {
        #[command(flatten)]
        input: InputArgs,
        /// The directory of manifests (or, with --kustomize, the tree) to compare with.
        #[arg(
            value_name = "DIR",
            required_unless_present = "cluster",
            conflicts_with = "cluster"
        )]
        dir: Option<PathBuf>,
        /// Compare with the live cluster instead of DIR: what applying the output would
        /// create, change and prune there, as the server answers a server-side dry run
        /// through the user's kubectl and kubeconfig. Nothing is written to the cluster.
        #[arg(long)]
        cluster: bool,
        /// The kubeconfig context to use with --cluster (default: the current one).
        #[arg(long, value_name = "NAME", requires = "cluster")]
        context: Option<String>,
        #[command(flatten)]
        layout: LayoutArgs,
        #[command(flatten)]
        allow: AllowArgs,
        /// Format of the loader's warnings and the errors, on stderr; `json` also makes
        /// stdout one JSON summary of the changes.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
        /// Write the report, in the --report format, to FILE (whole, when the command
        /// ends); stderr then shows it as text.
        #[arg(long, value_name = "FILE")]
        report_file: Option<PathBuf>,
    },
    /// Print the resolved compose project, as `docker compose config` does.
    #[command(after_help = CONFIG_EXAMPLES)]
    Config {
        #[command(flatten)]
        input: InputArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
        #[command(flatten)]
        allow: AllowArgs,
        /// Format of the loader's warnings and the errors, on stderr.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        report: ReportFormat,
        /// Write the report, in the --report format, to FILE (whole, when the command
        /// ends); stderr then shows it as text.
        #[arg(long, value_name = "FILE")]
        report_file: Option<PathBuf>,
    },
    /// Print a JSON Schema (the same files as in schemas/).
    #[command(after_help = SCHEMA_EXAMPLES)]
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Compose)]
        kind: SchemaKind,
    },
    /// Print a shell's completion script.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), of the whole tool or of one command.
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// The command whose page to print (default: the tool's).
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

// The examples at the end of each command's help. They run as written (from the
// repository's root, in this order): tests/help_examples.rs runs every one of them.
const CONVERT_EXAMPLES: &str = "\
Examples:
  # The expense stack, straight into the cluster
  compose2k8s convert -f examples/expense/compose.yaml | kubectl apply -f -
  # In CI: one file per object to commit, failing on any warning of the report
  compose2k8s convert -f examples/expense/compose.yaml --strict -o k8s
  # Every object in one file, the compose file read from stdin
  compose2k8s convert -f - -o all.yaml < examples/expense/compose.yaml";
const DIFF_EXAMPLES: &str = "\
Examples:
  # What the compose file would change in the committed manifests
  compose2k8s convert -f examples/expense/compose.yaml -o k8s
  compose2k8s diff -f examples/expense/compose.yaml k8s
  # In CI: exit 1 when the manifests are stale, 2 when the project is broken (JSON stderr)
  compose2k8s diff -f examples/expense/compose.yaml --report json k8s";
const CONFIG_EXAMPLES: &str = "\
Examples:
  compose2k8s config -f examples/expense/compose.yaml
  # As `docker compose config --format json` prints it
  compose2k8s config -f examples/expense/compose.yaml --format json
  compose2k8s config -f - < examples/expense/compose.yaml";
const SCHEMA_EXAMPLES: &str = "\
Examples:
  # For an editor's YAML language server
  compose2k8s schema > compose.schema.json
  compose2k8s schema x-kubernetes > x-kubernetes.schema.json";
const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  compose2k8s completions bash > ~/.local/share/bash-completion/completions/compose2k8s
  compose2k8s completions zsh > ~/.zfunc/_compose2k8s
  compose2k8s completions fish > ~/.config/fish/completions/compose2k8s.fish";
const MAN_EXAMPLES: &str = "\
Examples:
  compose2k8s man > ~/.local/share/man/man1/compose2k8s.1
  compose2k8s man convert > ~/.local/share/man/man1/compose2k8s-convert.1";

impl Command {
    /// How the command's stderr is written: everything it says there is one report.
    fn report_format(&self) -> ReportFormat {
        match self {
            Command::Convert { report, .. }
            | Command::Diff { report, .. }
            | Command::Config { report, .. } => *report,
            Command::Schema { .. } | Command::Completions { .. } | Command::Man { .. } => {
                ReportFormat::Text
            }
        }
    }

    /// Where the report goes instead of stderr (`--report-file`).
    fn report_file(&self) -> Option<PathBuf> {
        match self {
            Command::Convert { report_file, .. }
            | Command::Diff { report_file, .. }
            | Command::Config { report_file, .. } => report_file.clone(),
            Command::Schema { .. } | Command::Completions { .. } | Command::Man { .. } => None,
        }
    }
}

/// The report codes the command line accepts, on top of the project's `x-kubernetes.allow`.
#[derive(Debug, Args, Clone, Default)]
struct AllowArgs {
    /// Accept the report entries of this code (repeatable; README, "Report codes"): they are
    /// shown as allowed and --strict does not count them. Errors cannot be allowed.
    #[arg(long = "allow", value_name = "CODE", value_parser = parse_code)]
    codes: Vec<Code>,
}

impl AllowArgs {
    fn allowed(&self) -> Allowed {
        Allowed::everywhere(self.codes.iter().copied())
    }
}

fn parse_code(text: &str) -> Result<Code, String> {
    text.parse()
}

/// Which compose files make the project, as Docker Compose takes them.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Compose file (repeatable; later files override earlier ones; `-` reads stdin).
    /// Default: COMPOSE_FILE, else compose.yaml / docker-compose.yml (and their .override
    /// file) found from the current directory upwards.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Directory that relative paths are resolved against (default: the first file's
    /// directory; with only `-f -`, the current one).
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Project name (default: COMPOSE_PROJECT_NAME, the top-level `name`, the directory).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// Environment file for interpolation (repeatable; default: .env in the project directory).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Enable services of this profile (repeatable; default: COMPOSE_PROFILES).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Let files name paths under DIR too (repeatable). By default only the project's tree
    /// is read: the git work tree holding the project directory, else that directory.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allowed_paths: Vec<PathBuf>,
}

/// How the objects are made and laid out: what `convert` and `diff` share, so that `diff`
/// given the same flags renders exactly what `convert` writes.
#[derive(Debug, Args, Clone)]
pub(crate) struct LayoutArgs {
    /// Output format (default: yaml; with -o FILE, the file's extension).
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Namespace to set on every object.
    #[arg(long, value_name = "NS", value_parser = parse_namespace)]
    namespace: Option<String>,
    /// Image of the init containers that wait for dependencies.
    #[arg(long, value_name = "IMAGE", default_value = translate::DEFAULT_WAIT_IMAGE)]
    wait_image: String,
    /// Compose networks as NetworkPolicies, and pods labelled with their networks.
    #[arg(long)]
    network_policies: bool,
    /// A kustomize base (DIR/base) and overlays (DIR/overlays/NAME) instead of plain files.
    #[arg(long)]
    kustomize: bool,
    /// A Helm chart (DIR/Chart.yaml, values.yaml, templates/) instead of plain files.
    #[arg(long, conflicts_with = "kustomize")]
    pub(crate) helm: bool,
    /// An overlay from override files: NAME=FILE[,FILE…] (repeatable; with --kustomize,
    /// or with --helm, which writes DIR/values-NAME.yaml).
    #[arg(long = "overlay", value_name = "NAME=FILES", value_parser = parse_overlay)]
    pub(crate) overlays: Vec<OverlayArg>,
    /// The overlays come from an index, not the command line: their files are read only
    /// inside the project's tree.
    #[arg(skip)]
    recorded_overlays: bool,
}

/// The ids of [`LayoutArgs`]'s flags, as clap names them (the field names).
const LAYOUT_FLAGS: [&str; 7] = [
    "format",
    "namespace",
    "wait_image",
    "network_policies",
    "kustomize",
    "helm",
    "overlays",
];

/// The layout as `convert -o DIR` records it in DIR's index (see
/// [`output_dir::write_directory_with_record`]), so that `diff DIR` can compare with what
/// the same flags write. Overlay files are kept relative to DIR, so that `diff` finds them
/// from any working directory.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RecordedLayout {
    format: String,
    namespace: Option<String>,
    wait_image: String,
    network_policies: bool,
    kustomize: bool,
    /// Absent from the records of versions without charts.
    #[serde(default)]
    helm: bool,
    overlays: Vec<RecordedOverlay>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct RecordedOverlay {
    name: String,
    files: Vec<String>,
}

impl LayoutArgs {
    /// What the index of the output directory `dir` keeps of these flags.
    pub(crate) fn record(&self, dir: &std::path::Path) -> serde_json::Value {
        let absolute = |path: &std::path::Path| {
            crate::compose::paths::clean(&std::path::absolute(path).unwrap_or_default())
        };
        let dir = absolute(dir);
        let path_text = |file: &PathBuf| crate::compose::paths::relative(&dir, &absolute(file));
        let recorded = RecordedLayout {
            format: self.format().name().to_string(),
            namespace: self.namespace.clone(),
            wait_image: self.wait_image.clone(),
            network_policies: self.network_policies,
            kustomize: self.kustomize,
            helm: self.helm,
            overlays: self
                .overlays
                .iter()
                .map(|overlay| RecordedOverlay {
                    name: overlay.name.clone(),
                    files: overlay.files.iter().map(path_text).collect(),
                })
                .collect(),
        };
        serde_json::to_value(recorded).unwrap_or_default()
    }

    /// The layout the index of `dir` records. The index is input: each value is checked as
    /// the command line would check it, and any that fails makes the whole record unusable.
    fn from_record(
        record: &serde_json::Value,
        dir: &std::path::Path,
    ) -> Result<LayoutArgs, String> {
        let recorded = <RecordedLayout as serde::Deserialize>::deserialize(record)
            .map_err(|e| e.to_string())?;
        let format = Format::from_str(&recorded.format, false)
            .map_err(|_| format!("format {:?} is not yaml or json", recorded.format))?;
        if let Some(namespace) = &recorded.namespace {
            if !crate::validation::is_dns1123_label(namespace) {
                return Err(format!("namespace {namespace:?} is not a DNS label"));
            }
        }
        let printable = |text: &str| {
            !text.is_empty()
                && text.len() <= 4096
                && !text.chars().any(|c| c.is_control() || c.is_whitespace())
        };
        if !printable(&recorded.wait_image) {
            return Err(format!(
                "wait image {:?} is not an image",
                recorded.wait_image
            ));
        }
        let mut overlays = Vec::new();
        for overlay in recorded.overlays {
            let files_printable = overlay.files.iter().all(|file| printable(file));
            if !is_overlay_name(&overlay.name) || overlay.files.is_empty() || !files_printable {
                return Err(format!(
                    "overlay {:?} is not NAME=FILE[,FILE…]",
                    overlay.name
                ));
            }
            overlays.push(OverlayArg {
                name: overlay.name,
                files: overlay
                    .files
                    .iter()
                    .map(|file| crate::compose::paths::clean(&dir.join(file)))
                    .collect(),
            });
        }
        Ok(LayoutArgs {
            format: Some(format),
            namespace: recorded.namespace,
            wait_image: recorded.wait_image,
            network_policies: recorded.network_policies,
            kustomize: recorded.kustomize,
            helm: recorded.helm,
            recorded_overlays: !overlays.is_empty(),
            overlays,
        })
    }

    /// One flag (an id of [`LAYOUT_FLAGS`]) as a command line writes it: two layouts
    /// with the same text for it agree on it.
    fn flag_text(&self, id: &str) -> String {
        let switch = |on: bool, flag: &str| match on {
            true => flag.to_string(),
            false => format!("no {flag}"),
        };
        match id {
            "format" => format!("--format {}", self.format().name()),
            "namespace" => match &self.namespace {
                Some(namespace) => format!("--namespace {namespace}"),
                None => "no --namespace".to_string(),
            },
            "wait_image" => format!("--wait-image {}", self.wait_image),
            "network_policies" => switch(self.network_policies, "--network-policies"),
            "kustomize" => switch(self.kustomize, "--kustomize"),
            "helm" => switch(self.helm, "--helm"),
            _ if self.overlays.is_empty() => "no --overlay".to_string(),
            _ => self
                .overlays
                .iter()
                .map(|overlay| {
                    let files: Vec<String> = overlay
                        .files
                        .iter()
                        .map(|f| crate::compose::paths::clean(f).display().to_string())
                        .collect();
                    format!("--overlay {}={}", overlay.name, files.join(","))
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// Sets one flag (an id of [`LAYOUT_FLAGS`]) as `other` has it.
    fn take_flag(&mut self, other: &LayoutArgs, id: &str) {
        match id {
            "format" => self.format = other.format,
            "namespace" => self.namespace.clone_from(&other.namespace),
            "wait_image" => self.wait_image.clone_from(&other.wait_image),
            "network_policies" => self.network_policies = other.network_policies,
            "kustomize" => self.kustomize = other.kustomize,
            "helm" => self.helm = other.helm,
            _ => {
                self.overlays.clone_from(&other.overlays);
                self.recorded_overlays = other.recorded_overlays;
            }
        }
    }

    /// The format `--format` asks for, else YAML.
    pub(crate) fn format(&self) -> Format {
        self.format.unwrap_or(Format::Yaml)
    }

    pub(crate) fn options(&self) -> translate::Options {
        translate::Options {
            namespace: self.namespace.clone(),
            wait_image: self.wait_image.clone(),
            network_policies: self.network_policies,
            secret_values: if self.kustomize {
                translate::SecretValues::Generated
            } else if self.helm {
                translate::SecretValues::LeftToUser
            } else {
                translate::SecretValues::Written
            },
        }
    }

    /// The output directory when the layout is a kustomize tree; an error when the flags
    /// ask for a tree without a directory.
    fn kustomize_dir<'d>(
        &self,
        dir: Option<&'d std::path::Path>,
    ) -> Result<Option<&'d std::path::Path>, Failure> {
        // A chart's overlays are values files: `helm_cli` writes them.
        if !self.kustomize && (self.overlays.is_empty() || self.helm) {
            return Ok(None);
        }
        if !self.kustomize {
            return Err(Failure::Usage("--overlay needs --kustomize or --helm"));
        }
        match dir {
            Some(dir) => Ok(Some(dir)),
            None => Err(Failure::Usage("--kustomize needs -o DIR")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Yaml,
    Json,
}

impl Format {
    /// The format a file's name asks for: `.yaml`, `.yml` or `.json` (in any case).
    fn of_file(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// Where `convert` writes, from `-o`.
#[derive(Debug, PartialEq, Eq)]
enum Output<'a> {
    Stdout,
    /// One file per object (or a kustomize tree).
    Directory(&'a Path),
    /// The whole stream, in one file written at once.
    File(&'a Path, Format),
}

impl<'a> Output<'a> {
    /// As Kompose reads `-o`: a name ending in .yaml, .yml or .json that is not an existing
    /// directory (nor written with a trailing `/`) is one file, any other name a directory.
    /// The file's format follows its extension; `--format`, when given, must agree with it.
    fn of(output: Option<&'a Path>, format: Option<Format>) -> Result<Self, Failure> {
        let Some(path) = output.filter(|path| path.as_os_str() != "-") else {
            return Ok(Output::Stdout);
        };
        let directory = path.is_dir() || path.as_os_str().as_encoded_bytes().ends_with(b"/");
        let Some(named) = Format::of_file(path).filter(|_| !directory) else {
            return Ok(Output::Directory(path));
        };
        match format {
            Some(asked) if asked != named => Err(Failure::Io(anyhow::anyhow!(
                "--format {} and -o {} disagree: the file's extension says {}",
                asked.name(),
                path.display(),
                named.name()
            ))),
            _ => Ok(Output::File(path, named)),
        }
    }
}

/// `--overlay prod=compose.prod.yaml,compose.extra.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayArg {
    pub name: String,
    pub files: Vec<PathBuf>,
}

/// A namespace is checked as `x-kubernetes.namespace` is, with the same message.
fn parse_namespace(text: &str) -> Result<String, String> {
    match crate::validation::dns_label_problem(text) {
        Some(problem) => Err(problem),
        None => Ok(text.to_string()),
    }
}

/// An overlay's name is a directory name in the tree: letters, digits, `-` and `_`.
fn is_overlay_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn parse_overlay(text: &str) -> Result<OverlayArg, String> {
    let (name, files) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=FILE[,FILE…], got {text:?}"))?;
    if !is_overlay_name(name) {
        return Err(format!(
            "overlay name {name:?} must be letters, digits, `-` or `_`"
        ));
    }
    let files: Vec<PathBuf> = files
        .split(',')
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        return Err(format!("overlay {name:?} names no file"));
    }
    Ok(OverlayArg {
        name: name.to_string(),
        files,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour what goes to a stream: `auto` colours a terminal only, and not
    /// when `NO_COLOR` is set to anything but the empty string (no-color.org); a pipe or
    /// a file never, unless `always` says so.
    fn paints(self, terminal: bool, no_color: Option<&OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && no_color.is_none_or(OsStr::is_empty),
        }
    }

    fn paints_stdout(self) -> bool {
        self.paints(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }

    fn paints_stderr(self) -> bool {
        self.paints(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaKind {
    Compose,
    XKubernetes,
}

/// Why a command failed, which decides the exit code.
pub(crate) enum Failure {
    /// The input has errors (exit 1); each diagnostic is printed.
    Input(Vec<Diagnostic>),
    /// I/O (exit 2).
    Io(anyhow::Error),
    /// Flags that do not go together (exit 2).
    Usage(&'static str),
    /// `--strict` and the report has warnings (exit 1).
    Strict(usize),
    /// `diff` (or `--dry-run`) found changes (exit 1); they were printed.
    Changed,
    /// The input has errors where exit 1 already means "changes" (`diff`): exit 2.
    InputOfDiff(Vec<Diagnostic>),
}

/// Runs the command line given by `args` (the program name first) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // clap's own help and errors follow --color too; its `auto` honours NO_COLOR.
    let clap_colour = match given_value(&args, "--color").and_then(OsStr::to_str) {
        Some("always") => clap::ColorChoice::Always,
        Some("never") => clap::ColorChoice::Never,
        _ => clap::ColorChoice::Auto,
    };
    let parsed = Cli::command()
        .color(clap_colour)
        .try_get_matches_from(&args)
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(error) if error.use_stderr() && asks_for_json_report(&args) => {
            // Plain text: the styled form's escape codes have no place in a JSON string.
            let text = error.render().to_string();
            let message = text.trim().trim_start_matches("error: ");
            print_outcome(
                Report::default(),
                &[Diagnostic::error(message).with_code(Code::Usage)],
                ReportFormat::Json,
                false,
            );
            return 2;
        }
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return code;
        }
    };
    let format = cli.command.report_format();
    let report_file = cli.command.report_file();
    let given = given_layout_flags(&matches);
    let colour = cli.color;
    let mut report = Report::default();
    let (code, errors) = match execute(cli.command, &given, colour, &mut report) {
        Ok(()) => (0, Vec::new()),
        Err(Failure::Input(diagnostics)) => (1, diagnostics),
        Err(Failure::Io(error)) => (
            2,
            vec![Diagnostic::error(format!("{error:#}")).with_code(Code::Io)],
        ),
        Err(Failure::Usage(message)) => {
            (2, vec![Diagnostic::error(message).with_code(Code::Usage)])
        }
        Err(Failure::Changed) => (1, Vec::new()),
        Err(Failure::InputOfDiff(diagnostics)) => (2, diagnostics),
        Err(Failure::Strict(warnings)) => {
            let message = format!("--strict: the report has {warnings} warning(s)");
            (1, vec![Diagnostic::error(message).with_code(Code::Strict)])
        }
    };
    let Some(file) = report_file else {
        print_outcome(report, &errors, format, colour.paints_stderr());
        return code;
    };
    // The file gets the report as asked; stderr, for the people reading a CI log, as text.
    let mut text = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_outcome(&mut text, report.clone(), &errors, format, false);
    print_outcome(report, &errors, ReportFormat::Text, colour.paints_stderr());
    match output_dir::write_file(&file, &String::from_utf8_lossy(&text)) {
        Ok(()) => code,
        Err(error) => {
            let message = format!("cannot write the report: {error:#}");
            let diagnostic = Diagnostic::error(message).with_code(Code::Io);
            print_outcome(Report::default(), &[diagnostic], ReportFormat::Text, false);
            2
        }
    }
}

/// Whether a command line that clap refused asked for `--report json`, so that even a
/// usage error keeps stderr one JSON document.
fn asks_for_json_report(args: &[OsString]) -> bool {
    given_value(args, "--report").is_some_and(|value| value == "json")
}

/// The value given to a long option (`--flag value` or `--flag=value`, the last one
/// winning), read before clap has parsed the command line, or when it refused it.
fn given_value<'a>(args: &'a [OsString], flag: &str) -> Option<&'a OsStr> {
    let mut found = None;
    for (at, arg) in args.iter().enumerate() {
        if arg == flag {
            found = args.get(at + 1).map(OsString::as_os_str);
        } else if let Some(value) = arg
            .to_str()
            .and_then(|a| a.strip_prefix(flag))
            .and_then(|rest| rest.strip_prefix('='))
        {
            found = Some(OsStr::new(value));
        }
    }
    found
}

/// The flags of [`LayoutArgs`] given on the command line of `convert` or `diff`.
fn given_layout_flags(matches: &ArgMatches) -> std::collections::BTreeSet<&'static str> {
    match matches.subcommand() {
        Some(("convert" | "diff", command)) => LAYOUT_FLAGS
            .into_iter()
            .filter(|id| command.value_source(id) == Some(ValueSource::CommandLine))
            .collect(),
        _ => Default::default(),
    }
}

/// Runs a command. What it has to say on stderr goes into `report` (the loader's warnings,
/// the conversion's report), which the caller prints once, with the errors if it failed.
/// `given` names the layout flags given on the command line.
fn execute(
    command: Command,
    given: &std::collections::BTreeSet<&str>,
    colour: ColorChoice,
    report: &mut Report,
) -> Result<(), Failure> {
    match command {
        Command::Convert {
            input,
            output,
            layout,
            strict,
            allow,
            report: report_format,
            report_file: _,
            dry_run,
        } => {
            let output = Output::of(output.as_deref(), layout.format)?;
            if layout.helm {
                let dir = match output {
                    Output::Directory(dir) => Some(dir),
                    _ => None,
                };
                let flags = KustomizeFlags {
                    strict,
                    dry_run,
                    allowed: allow.allowed(),
                };
                return crate::helm_cli::convert(&input, &layout, dir, report, &flags);
            }
            let dir = match output {
                Output::Directory(dir) => Some(dir),
                Output::File(file, _) if layout.kustomize => {
                    return Err(Failure::Io(anyhow::anyhow!(
                        "--kustomize writes a tree of files: -o names its directory, not a \
                         file ({})",
                        file.display()
                    )));
                }
                Output::File(..) | Output::Stdout => None,
            };
            let json = report_format == ReportFormat::Json;
            // A dry run shows what its own flags would write; where they differ from those
            // DIR was written with, it says so.
            let index = match dir {
                Some(dir) if dry_run => read_index(dir)?,
                _ => None,
            };
            let layout = match dir {
                Some(dir) => layout_with_record(layout, given, index.as_ref(), dir, false, report),
                None => layout,
            };
            let shown = DiffOutput {
                index: index.as_ref(),
                json,
                colour: colour.paints_stdout(),
            };
            if let Some(dir) = layout.kustomize_dir(dir)? {
                let flags = KustomizeFlags {
                    strict,
                    dry_run,
                    allowed: allow.allowed(),
                };
                return convert_kustomize(&input, &layout, dir, report, &flags, shown);
            }
            let mut translation =
                translate_project(&input, &layout.options(), report).map_err(|f| match f {
                    Failure::Input(d) if dry_run => Failure::InputOfDiff(d),
                    other => other,
                })?;
            report.append(std::mem::take(&mut translation.report));
            report.sort();
            let mut allowed = allow.allowed();
            allowed.extend(&translation.allowed);
            report.allow(&allowed);
            let stream_format = emit_format(layout.format());
            match output {
                Output::Directory(dir) if dry_run => {
                    if show_diff(dir, &translation, shown, report)? {
                        return Err(Failure::Changed);
                    }
                }
                Output::Directory(dir) => {
                    // A run that fails leaves DIR as it was, a --strict failure included.
                    strict_check(strict, report)?;
                    let files = emit::render_files(&translation.manifests, stream_format);
                    output_dir::write_directory_with_record(dir, &files, Some(&layout.record(dir)))
                        .map_err(Failure::Io)?;
                }
                Output::File(..) | Output::Stdout if dry_run => {
                    return Err(Failure::Usage("--dry-run needs -o DIR"));
                }
                Output::File(file, format) => {
                    // As with a directory: a failed run leaves the file as it was.
                    strict_check(strict, report)?;
                    let text = emit::render_stream(&translation.manifests, emit_format(format));
                    output_dir::write_file(file, &text).map_err(Failure::Io)?;
                }
                Output::Stdout => {
                    write_stdout(&emit::render_stream(&translation.manifests, stream_format))?;
                }
            }
            strict_check(strict, report)
        }
        Command::Diff {
            input,
            dir,
            cluster,
            context,
            layout,
            allow,
            report: report_format,
            report_file: _,
        } => {
            let shown = ClusterOutput {
                json: report_format == ReportFormat::Json,
                colour: colour.paints_stdout(),
            };
            let dir = match dir {
                Some(dir) if !cluster => dir,
                _ => return diff_cluster(&input, &layout, &allow, context, shown, report),
            };
            let as_diff_error = |f| match f {
                Failure::Input(d) => Failure::InputOfDiff(d),
                other => other,
            };
            let index = read_index(&dir)?;
            let layout = layout_with_record(layout, given, index.as_ref(), &dir, true, report);
            let kustomize = layout.kustomize_dir(Some(&dir))?.is_some();
            let shown = DiffOutput {
                index: index.as_ref(),
                json: report_format == ReportFormat::Json,
                colour: colour.paints_stdout(),
            };
            // The conversion's own report is `convert`'s to show; `diff` says only what
            // stops it or what the loader found.
            // "Everything added" would hide a mistyped path, and CI would take it for a
            // stale directory; `convert --dry-run -o DIR` shows what a first write adds.
            // Checked once the project is read: its errors are the ones to fix first.
            let missing = || {
                Failure::Io(anyhow::anyhow!(
                    "{} does not exist: there is nothing to compare with (`convert -o {}` \
                     writes it)",
                    dir.display(),
                    dir.display()
                ))
            };
            let mut allowed = allow.allowed();
            let changed = if layout.helm {
                let (chart, chart_allowed) =
                    crate::helm_cli::render(&input, &layout, report).map_err(as_diff_error)?;
                allowed.extend(&chart_allowed);
                if !dir.exists() {
                    return Err(missing());
                }
                show_text_tree_diff(&dir, &chart.files)?
            } else if kustomize {
                let tree =
                    render_kustomize(&input, &layout, &dir, report).map_err(as_diff_error)?;
                allowed.extend(&tree.allowed);
                if !dir.exists() {
                    return Err(missing());
                }
                show_tree_diff(&dir, &tree.files, shown, report)?
            } else {
                let translation =
                    translate_project(&input, &layout.options(), report).map_err(as_diff_error)?;
                allowed.extend(&translation.allowed);
                if !dir.exists() {
                    return Err(missing());
                }
                show_diff(&dir, &translation, shown, report)?
            };
            report.allow(&allowed);
            if changed {
                Err(Failure::Changed)
            } else {
                Ok(())
            }
        }
        Command::Config {
            input,
            format,
            allow,
            report: _,
            report_file: _,
        } => {
            let loaded = compose::load_project(&load_options(&input)?).map_err(Failure::Input)?;
            add_loader_warnings(report, &loaded.warnings);
            // `config` shows the project as Compose resolves it and does not check
            // x-kubernetes: an invalid one is `convert`'s to report, and allows nothing here.
            let mut allowed = allow.allowed();
            if let Ok(extensions) = crate::extension::check(&loaded.project) {
                allowed.extend(&Allowed::from_extensions(&extensions));
            }
            report.allow(&allowed);
            let json = compose::config_json(&loaded);
            let text = match format {
                Format::Json => {
                    compose::config_json_text(&json).map_err(|e| Failure::Io(e.into()))?
                }
                Format::Yaml => {
                    crate::yaml::to_string(&json).map_err(|e| Failure::Io(anyhow::anyhow!(e)))?
                }
            };
            write_stdout(&text)?;
            Ok(())
        }
        Command::Schema { kind } => {
            let schema = match kind {
                SchemaKind::Compose => model::json_schema(),
                SchemaKind::XKubernetes => crate::extension::json_schema(),
            };
            let text = serde_json::to_string_pretty(&schema).map_err(|e| Failure::Io(e.into()))?;
            write_stdout(&(text + "\n"))
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "compose2k8s", &mut script);
            write_stdout(&String::from_utf8_lossy(&script))
        }
        Command::Man { command } => write_stdout(&man_page(command.as_deref())?),
    }
}

/// The manual page of the tool, or of one of its commands (`compose2k8s-convert(1)`).
fn man_page(command: Option<&str>) -> Result<String, Failure> {
    let mut tool = Cli::command();
    // Global options (--color) are then listed on each command's page too.
    tool.build();
    let page = match command {
        None => tool,
        Some(name) => {
            let Some(sub) = tool.find_subcommand(name).filter(|_| name != "help") else {
                let names: Vec<&str> = tool
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|&n| n != "help")
                    .collect();
                return Err(Failure::Io(anyhow::anyhow!(
                    "no command {name:?}; the commands are {}",
                    names.join(", ")
                )));
            };
            let full_name = format!("compose2k8s-{}", sub.get_name());
            sub.clone()
                .version(env!("CARGO_PKG_VERSION"))
                .name(full_name.clone())
                .bin_name(format!("compose2k8s {}", sub.get_name()))
                .display_name(full_name)
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| Failure::Io(anyhow::anyhow!("cannot render the manual page: {e}")))?;
    // roff is ASCII: groff reads other bytes as Latin-1 unless told otherwise, so the help's
    // few other characters (`…`) are written as its escapes, which mandoc reads too.
    Ok(String::from_utf8_lossy(&roff)
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\[u{:04X}]", u32::from(c))
            }
        })
        .collect())
}

/// A kustomize tree as `convert --kustomize` would write it, and what to tell about it.
struct KustomizeTree {
    files: Vec<(String, String)>,
    /// The reports of the base and of each overlay.
    reports: Vec<Report>,
    /// Secret values the user must put in the tree: the file, and the variable to take it from.
    secret_values: Vec<(String, String)>,
    /// What the x-kubernetes of the base and of the overlays allow.
    allowed: Allowed,
}

/// The base from INPUT, each overlay from INPUT's files plus its own; the loader's warnings
/// go into `report`.
fn render_kustomize(
    input: &InputArgs,
    layout: &LayoutArgs,
    dir: &std::path::Path,
    report: &mut Report,
) -> Result<KustomizeTree, Failure> {
    let options = layout.options();
    let (base_files, scope, base) = translate_with_files(input, &options, report)?;
    // Standard input, read once, is given again by the argument that names it.
    let base_files: Vec<PathBuf> = base_files
        .into_iter()
        .map(|file| {
            if compose::load::is_stdin(&file) {
                PathBuf::from(compose::load::STDIN_ARGUMENT)
            } else {
                file
            }
        })
        .collect();
    let mut rendered_overlays = Vec::new();
    for overlay in &layout.overlays {
        if layout.recorded_overlays {
            // An index is input: the files it names are read only where the project's own
            // files may be, never as files the user named.
            for file in &overlay.files {
                scope.locate(file).map_err(|e| {
                    Failure::Io(anyhow::anyhow!(
                        "the overlay {} recorded in {} names {}, which is not read: {e}; give \
                         --overlay",
                        overlay.name,
                        dir.join(output_dir::INDEX_FILE).display(),
                        file.display()
                    ))
                })?;
            }
        }
        let mut overlay_input = input.clone();
        overlay_input.files = base_files.clone();
        overlay_input.files.extend(overlay.files.iter().cloned());
        let (_, _, translation) = translate_with_files(&overlay_input, &options, report).map_err(
            |failure| match failure {
                // A file an index names is not one the user named: as for a file reached
                // through `include`, its lines are not quoted (a CI log is public).
                Failure::Input(diagnostics) if layout.recorded_overlays => Failure::Input(
                    diagnostics
                        .into_iter()
                        .map(Diagnostic::without_source_line)
                        .collect(),
                ),
                other => other,
            },
        )?;
        rendered_overlays.push((overlay.name.clone(), translation));
    }
    let format = emit_format(layout.format());
    let files = crate::kustomize::render_tree(&base, &rendered_overlays, format);
    let translations: Vec<&translate::Translation> = std::iter::once(&base)
        .chain(rendered_overlays.iter().map(|(_, t)| t))
        .collect();
    let secret_values = crate::kustomize::secret_values_needed(&base, &rendered_overlays);
    let reports = translations.iter().map(|t| t.report.clone()).collect();
    let mut allowed = Allowed::default();
    for translation in &translations {
        allowed.extend(&translation.allowed);
    }
    Ok(KustomizeTree {
        files,
        reports,
        secret_values,
        allowed,
    })
}

/// The flags of `convert` that decide what happens to a rendered kustomize tree.
pub(crate) struct KustomizeFlags {
    pub(crate) strict: bool,
    pub(crate) dry_run: bool,
    /// The command line's `--allow`.
    pub(crate) allowed: Allowed,
}

/// `convert --kustomize`: writes the tree (or, with `--dry-run`, shows what would change).
fn convert_kustomize(
    input: &InputArgs,
    layout: &LayoutArgs,
    dir: &std::path::Path,
    report: &mut Report,
    flags: &KustomizeFlags,
    shown: DiffOutput,
) -> Result<(), Failure> {
    let KustomizeFlags {
        strict, dry_run, ..
    } = *flags;
    let tree = render_kustomize(input, layout, dir, report).map_err(|f| match f {
        Failure::Input(d) if dry_run => Failure::InputOfDiff(d),
        other => other,
    })?;
    // The overlays' reports repeat the base's, and sorting drops the repeats; what an
    // overlay adds is shown, and counted by --strict.
    for overlay_report in tree.reports {
        report.append(overlay_report);
    }
    for (file, origin) in &tree.secret_values {
        // The value is in this process's environment or the compose files, but writing it
        // would copy a secret into the output tree; the user puts it there (and keeps it
        // out of git).
        let message = format!(
            "the Secret value from {origin} is not written; put it in {} (not in git) before \
             `kubectl kustomize`",
            dir.join(file).display()
        );
        report.warn_project(Code::SecretValueNeeded, "", message, None);
    }
    report.sort();
    let mut allowed = flags.allowed.clone();
    allowed.extend(&tree.allowed);
    report.allow(&allowed);
    if dry_run {
        if show_tree_diff(dir, &tree.files, shown, report)? {
            return Err(Failure::Changed);
        }
        return strict_check(strict, report);
    }
    // A run that fails leaves DIR as it was, a --strict failure included.
    strict_check(strict, report)?;
    output_dir::write_directory_with_record(dir, &tree.files, Some(&layout.record(dir)))
        .map_err(Failure::Io)
}

/// `--strict` fails the run when the report has warnings.
pub(crate) fn strict_check(strict: bool, report: &Report) -> Result<(), Failure> {
    match report.warnings() {
        warnings if strict && warnings > 0 => Err(Failure::Strict(warnings)),
        _ => Ok(()),
    }
}

/// Loads and translates a project: everything `convert` and `diff` share. The loader's
/// warnings go into `report`.
fn translate_project(
    input: &InputArgs,
    options: &translate::Options,
    report: &mut Report,
) -> Result<translate::Translation, Failure> {
    translate_with_files(input, options, report).map(|(_, _, translation)| translation)
}

/// Like [`translate_project`], also giving the compose files that made the project and
/// where its files may be read from.
fn translate_with_files(
    input: &InputArgs,
    options: &translate::Options,
    report: &mut Report,
) -> Result<
    (
        Vec<PathBuf>,
        crate::files::ReadScope,
        translate::Translation,
    ),
    Failure,
> {
    translate_whole(input, options, report).map(|t| (t.files, t.scope, t.translation))
}

/// A translation with what outputs other than plain files need of the project.
pub(crate) struct Translated {
    /// The compose files that made the project.
    pub files: Vec<PathBuf>,
    /// Where the project's files may be read from.
    pub scope: crate::files::ReadScope,
    pub project_name: String,
    /// The services' names as written in the compose files.
    pub services: Vec<String>,
    pub translation: translate::Translation,
}

/// Loads and translates a project (the loader's warnings go into `report`).
pub(crate) fn translate_whole(
    input: &InputArgs,
    options: &translate::Options,
    report: &mut Report,
) -> Result<Translated, Failure> {
    let mut loaded = compose::load_project(&load_options(input)?).map_err(Failure::Input)?;
    add_loader_warnings(report, &loaded.warnings);
    let translation =
        crate::convert::translate_loaded(&mut loaded, options).map_err(Failure::Input)?;
    Ok(Translated {
        files: std::mem::take(&mut loaded.files),
        scope: std::mem::take(&mut loaded.scope),
        project_name: loaded.project.name.clone().unwrap_or_default(),
        services: loaded.project.services.keys().cloned().collect(),
        translation,
    })
}

fn emit_format(format: Format) -> emit::Format {
    match format {
        Format::Yaml => emit::Format::Yaml,
        Format::Json => emit::Format::Json,
    }
}

/// The loader's warnings (unset variables, an obsolete `version`) are report entries: they
/// are shown with the rest and `--strict` counts them.
fn add_loader_warnings(report: &mut Report, warnings: &[Diagnostic]) {
    for warning in warnings {
        report.push_diagnostic(warning);
    }
}

/// Writes everything a command has to say on stderr: the report and, if it failed, the
/// errors. In JSON that is one document whatever happened, the errors being entries of
/// level `error`; in text the errors follow the report, each with its source line.
fn print_outcome(report: Report, errors: &[Diagnostic], format: ReportFormat, colour: bool) {
    // Buffered: the text form is written a few words at a time, and stderr is unbuffered.
    let mut stderr = std::io::BufWriter::with_capacity(1 << 16, std::io::stderr().lock());
    // As with `eprint!`, a closed stderr does not stop the command.
    let _ =
        write_outcome(&mut stderr, report, errors, format, colour).and_then(|()| stderr.flush());
}

/// Writes the report and, if the command failed, the errors to `out`, in `format`.
fn write_outcome(
    out: &mut impl Write,
    mut report: Report,
    errors: &[Diagnostic],
    format: ReportFormat,
    colour: bool,
) -> std::io::Result<()> {
    report.sort();
    match format {
        ReportFormat::Text => report
            .write_text(out, colour)
            .and_then(|()| write_diagnostics(out, errors, colour)),
        ReportFormat::Json => {
            // In the order found: the first error is often the cause of the next.
            for error in errors {
                report.push_diagnostic(error);
            }
            report.write_json(out)
        }
    }
}

/// The index of `dir` (`None` when `dir` or its index is missing); a damaged or planted
/// index that cannot be read is an error.
fn read_index(dir: &std::path::Path) -> Result<Option<output_dir::Index>, Failure> {
    if !dir.is_dir() {
        return Ok(None);
    }
    output_dir::read_full_index(dir).map_err(Failure::Io)
}

/// The layout `diff` compares with: each flag given on the command line as given, each
/// other as DIR's index records it when `take` (`diff`; `convert --dry-run` shows what
/// its own flags write). Says in `report` which flags it took, and which given ones differ
/// from the record.
fn layout_with_record(
    given: LayoutArgs,
    given_ids: &std::collections::BTreeSet<&str>,
    index: Option<&output_dir::Index>,
    dir: &std::path::Path,
    take: bool,
    report: &mut Report,
) -> LayoutArgs {
    let index_path = dir.join(output_dir::INDEX_FILE);
    let recorded = match index.and_then(|index| index.record.as_ref()) {
        None => return given,
        Some(Ok(record)) => LayoutArgs::from_record(record, dir),
        Some(Err(why)) => Err(why.clone()),
    };
    let recorded = match recorded {
        Ok(recorded) => recorded,
        Err(why) => {
            let message = format!(
                "the flags recorded in {} are not used ({why}); only the flags given count",
                index_path.display()
            );
            report.warn_project(Code::RecordedFlagsUnused, "", message, None);
            return given;
        }
    };
    let mut layout = given.clone();
    let mut taken = Vec::new();
    for id in LAYOUT_FLAGS {
        let (was, now) = (recorded.flag_text(id), given.flag_text(id));
        if was == now {
            continue;
        }
        if take && !given_ids.contains(id) {
            layout.take_flag(&recorded, id);
            taken.push(was);
        } else {
            let message = format!(
                "{} was written with {was}; this run renders with {now}, as given",
                dir.display()
            );
            report.warn_project(Code::FlagsDifferFromRecord, "", message, None);
        }
    }
    if !taken.is_empty() {
        let message = format!(
            "compared as {} was written (flags recorded in its index): {}",
            dir.display(),
            taken.join(" ")
        );
        report.info_project(Code::RecordedFlagsTaken, "", message);
    }
    layout
}

/// How a diff is shown: which files of the directory are compose2k8s's (its index, if it
/// has one) and whether stdout is the JSON summary.
#[derive(Clone, Copy)]
struct DiffOutput<'i> {
    index: Option<&'i output_dir::Index>,
    json: bool,
    /// Whether the text form is coloured (`--color`, stdout a terminal).
    colour: bool,
}

impl DiffOutput<'_> {
    /// Prints the changes; true when there are any. Without an index, every manifest file
    /// of the directory is taken as compose2k8s's, and the report says so.
    fn show<K: diff::Key>(
        &self,
        dir: &std::path::Path,
        changes: &diff::Changes<K>,
        read_anything: bool,
        report: &mut Report,
    ) -> Result<bool, Failure> {
        if self.index.is_none() && read_anything {
            report.info_project(
                Code::NoIndex,
                "",
                format!(
                    "{} has no index of compose2k8s ({}): every manifest file in it is \
                     compared as if compose2k8s had written it",
                    dir.display(),
                    output_dir::INDEX_FILE
                ),
            );
        }
        let text = if self.json {
            diff::render_json(changes)
        } else {
            diff::render(changes, self.colour)
        };
        write_stdout(&text)?;
        Ok(!changes.is_empty())
    }

    fn managed(&self) -> Option<&std::collections::BTreeSet<String>> {
        self.index.map(|index| &index.files)
    }
}

/// How `diff --cluster` shows its changes.
struct ClusterOutput {
    /// Stdout is the JSON summary (`--report json`).
    json: bool,
    colour: bool,
}

/// `diff --cluster`: what applying the output would do to the cluster of the kubeconfig
/// (see [`crate::cluster`]); `Failure::Changed` when it would do anything.
fn diff_cluster(
    input: &InputArgs,
    layout: &LayoutArgs,
    allow: &AllowArgs,
    context: Option<String>,
    shown: ClusterOutput,
    report: &mut Report,
) -> Result<(), Failure> {
    if layout.kustomize || layout.helm || !layout.overlays.is_empty() {
        return Err(Failure::Usage(
            "--cluster compares the objects convert writes: not with --kustomize, --helm or \
             --overlay",
        ));
    }
    let translation = translate_project(input, &layout.options(), report).map_err(|f| match f {
        Failure::Input(d) => Failure::InputOfDiff(d),
        other => other,
    })?;
    let mut allowed = allow.allowed();
    allowed.extend(&translation.allowed);
    report.allow(&allowed);
    let kubectl = crate::cluster::Kubectl {
        context,
        namespace: layout.namespace.clone(),
    };
    let changes = crate::cluster::changes(&kubectl, &diff::rendered(&translation.manifests))
        .map_err(Failure::Io)?;
    let text = match shown.json {
        true => diff::render_json(&changes),
        false => diff::render_in(&changes, shown.colour, &diff::CLUSTER),
    };
    write_stdout(&text)?;
    match changes.is_empty() {
        true => Ok(()),
        false => Err(Failure::Changed),
    }
}

/// Prints what writing the translation to `dir` would change; true when anything would.
fn show_diff(
    dir: &std::path::Path,
    translation: &translate::Translation,
    shown: DiffOutput,
    report: &mut Report,
) -> Result<bool, Failure> {
    let found = if dir.exists() {
        diff::read_directory(dir, shown.managed()).map_err(Failure::Io)?
    } else {
        diff::Found {
            objects: Vec::new(),
            unmanaged: Vec::new(),
        }
    };
    let read_anything = !found.objects.is_empty();
    let mut changes = diff::compare(found.objects, diff::rendered(&translation.manifests));
    changes.unmanaged = found.unmanaged;
    shown.show(dir, &changes, read_anything, report)
}

/// Like [`show_diff`], for files compared as text (a Helm chart, whose templates are not
/// YAML): the files compose2k8s wrote in `dir` (its index) against `files`.
fn show_text_tree_diff(dir: &std::path::Path, files: &[(String, String)]) -> Result<bool, Failure> {
    let text = crate::helm_cli::text_tree_diff(dir, files).map_err(Failure::Io)?;
    write_stdout(&text)?;
    Ok(!text.is_empty())
}

/// Like [`show_diff`], for a kustomize tree.
fn show_tree_diff(
    dir: &std::path::Path,
    files: &[(String, String)],
    shown: DiffOutput,
    report: &mut Report,
) -> Result<bool, Failure> {
    let found = if dir.exists() {
        diff::read_tree(dir, shown.managed()).map_err(Failure::Io)?
    } else {
        diff::Found {
            objects: Vec::new(),
            unmanaged: Vec::new(),
        }
    };
    let read_anything = !found.objects.is_empty();
    let rendered = diff::rendered_tree(files).map_err(Failure::Io)?;
    let mut changes = diff::compare(found.objects, rendered);
    changes.unmanaged = found.unmanaged;
    shown.show(dir, &changes, read_anything, report)
}

fn load_options(input: &InputArgs) -> Result<LoadOptions, Failure> {
    let current_dir = std::env::current_dir()
        .map_err(|e| Failure::Io(anyhow::anyhow!("cannot read the current directory: {e}")))?;
    Ok(LoadOptions {
        files: input.files.clone(),
        project_directory: input.project_directory.clone(),
        project_name: input.project_name.clone(),
        env_files: input.env_files.clone(),
        profiles: input.profiles.clone(),
        allowed_paths: input
            .allowed_paths
            .iter()
            .map(|dir| current_dir.join(dir))
            .collect(),
        current_dir,
        environment: std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
        stdin: if input
            .files
            .iter()
            .any(|f| f == compose::load::STDIN_ARGUMENT)
        {
            Some(stdin_text().map_err(|d| Failure::Input(vec![d]))?)
        } else {
            None
        },
    })
}

/// Standard input, read at most once: `-f -` is loaded again for each overlay of
/// `--kustomize`, and a diagnostic in it quotes its line.
static STDIN: OnceLock<Result<String, Diagnostic>> = OnceLock::new();

fn stdin_text() -> Result<String, Diagnostic> {
    STDIN
        .get_or_init(|| compose::load::read_stdin(std::io::stdin().lock()))
        .clone()
}

pub(crate) fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Io(anyhow::anyhow!("cannot write to stdout: {e}"))),
    }
}

/// Writes diagnostics, each with its source line when the file can be read (standard
/// input as it was read); `colour` paints the `error:` and `warning:` labels.
fn write_diagnostics(
    out: &mut impl Write,
    diagnostics: &[Diagnostic],
    colour: bool,
) -> std::io::Result<()> {
    for diagnostic in diagnostics {
        let source = diagnostic
            .file
            .as_ref()
            .filter(|_| diagnostic.line > 0 && diagnostic.quote_source)
            .and_then(|f| {
                if compose::load::is_stdin(f) {
                    STDIN.get().and_then(|text| text.clone().ok())
                } else {
                    crate::files::read_regular(f, compose::load::MAX_TEXT_BYTES)
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok())
                }
            });
        let text = diagnostic.render(source.as_deref());
        match text.split_once(": ") {
            Some((label, rest)) if colour => {
                writeln!(out, "{}: {rest}", translate::report::paint_label(label))?
            }
            _ => writeln!(out, "{text}")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_auto_paints_a_terminal_unless_no_color_is_set() {
        use ColorChoice::*;
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let cases = [
            (Auto, true, None, true),
            (Auto, true, empty, true),
            (Auto, true, set, false),
            (Auto, false, None, false),
            (Always, false, set, true),
            (Never, true, None, false),
        ];
        for (choice, terminal, no_color, paints) in cases {
            assert_eq!(
                choice.paints(terminal, no_color),
                paints,
                "{choice:?} terminal={terminal} NO_COLOR={no_color:?}"
            );
        }
    }

    #[test]
    fn output_is_a_file_by_its_extension_unless_a_directory() {
        fn of(path: &str, format: Option<Format>) -> Option<Output<'_>> {
            Output::of(Some(Path::new(path)), format).ok()
        }
        assert_eq!(of("-", None), Some(Output::Stdout));
        assert_eq!(Output::of(None, None).ok(), Some(Output::Stdout));
        assert_eq!(of("k8s", None), Some(Output::Directory(Path::new("k8s"))));
        assert_eq!(
            of("k8s.yaml/", None),
            Some(Output::Directory(Path::new("k8s.yaml/")))
        );
        assert_eq!(
            of("all.yaml", None),
            Some(Output::File(Path::new("all.yaml"), Format::Yaml))
        );
        assert_eq!(
            of("out/All.YML", Some(Format::Yaml)),
            Some(Output::File(Path::new("out/All.YML"), Format::Yaml))
        );
        assert_eq!(
            of("all.json", None),
            Some(Output::File(Path::new("all.json"), Format::Json))
        );
        assert_eq!(of("all.json", Some(Format::Yaml)), None);
        // An existing directory stays one, whatever its name.
        let dir = std::env::temp_dir().join(format!("compose2k8s-out-{}.yaml", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let kind = Output::of(Some(&dir), None).ok();
        std::fs::remove_dir(&dir).unwrap();
        assert_eq!(kind, Some(Output::Directory(&dir)));
    }

    #[test]
    fn option_values_are_found_before_parsing() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        let line = args(&["c2k", "--color", "never", "convert", "--color=always"]);
        assert_eq!(given_value(&line, "--color"), Some(OsStr::new("always")));
        assert_eq!(given_value(&args(&["c2k", "--color"]), "--color"), None);
        assert_eq!(given_value(&args(&["c2k", "--colors=x"]), "--color"), None);
        assert!(asks_for_json_report(&args(&["c2k", "--report", "json"])));
        assert!(asks_for_json_report(&args(&["c2k", "--report=json"])));
        assert!(!asks_for_json_report(&args(&["c2k", "--report", "text"])));
    }
}
