//! The conversion report: one entry for every compose key that was not carried over as it
//! was, with the reason and, where one exists, what would express it. Nothing of the input
//! is dropped without an entry here.
//!
//! The same document is what a command prints on stderr: the loader's warnings (unset
//! variables, an obsolete `version`) join it as entries with their file and position, and a
//! failed run adds its errors, so `--report json` is one JSON document whatever happens.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use super::codes::Code;
use crate::diagnostic::{Diagnostic, Severity};
use crate::extension::XKubernetes;
use crate::value::PathSegment;

/// How much an entry matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A decision the user should know about (a port inferred, a bind mount turned into a
    /// ConfigMap); not a failure under `--strict`.
    Info,
    /// Something of the input is not carried over, or not exactly; `--strict` fails on it.
    Warning,
    /// The run failed: the input has an error, or a file could not be read or written.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    pub level: Level,
    /// The kind of finding, stable across versions and message wording.
    pub code: Code,
    /// The project accepted this finding (`--allow`, `x-kubernetes.allow`): it is still
    /// shown, and `--strict` does not count it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allowed: bool,
    /// The service the entry is about; none for project-level keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The compose key path, e.g. `services.web.ulimits`; empty when the entry is about a
    /// whole file or the run.
    pub key: String,
    /// The compose file and the 1-based position in it, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// What happened and why.
    pub message: String,
    /// What would express it (an `x-kubernetes` field, a compose change), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub entries: Vec<Entry>,
}

impl Report {
    fn push(
        &mut self,
        level: Level,
        code: Code,
        service: Option<&str>,
        key: String,
        message: String,
        hint: Option<String>,
    ) {
        self.entries.push(Entry {
            level,
            code,
            allowed: false,
            service: service.map(String::from),
            key,
            file: None,
            line: None,
            column: None,
            message,
            hint,
        });
    }

    /// A diagnostic of the run (a loader warning, an error) as an entry, with its file,
    /// position and key path; an entry under `services.<name>` is about that service. An
    /// error without a code is about the input, as the loader's errors are.
    pub fn push_diagnostic(&mut self, diagnostic: &Diagnostic) {
        let service = match diagnostic.path.0.as_slice() {
            [PathSegment::Key(top), PathSegment::Key(name), ..] if top == "services" => {
                Some(name.clone())
            }
            _ => None,
        };
        let known = |n: u32| (n > 0).then_some(n);
        self.entries.push(Entry {
            level: match diagnostic.severity {
                Severity::Warning => Level::Warning,
                Severity::Error => Level::Error,
            },
            code: diagnostic.code.unwrap_or(Code::InvalidInput),
            allowed: false,
            service,
            key: diagnostic.path.to_string(),
            file: diagnostic.file.as_ref().map(|f| f.display().to_string()),
            line: known(diagnostic.line),
            column: known(diagnostic.line).and(known(diagnostic.column)),
            message: diagnostic.message.clone(),
            hint: None,
        });
    }

    /// Adds another report's entries (an overlay's, the translation's to the loader's).
    pub fn append(&mut self, other: Report) {
        self.entries.extend(other.entries);
    }

    /// A service key that is not carried over (or not exactly).
    pub fn warn(&mut self, code: Code, service: &str, key: &str, message: impl Into<String>) {
        self.push(
            Level::Warning,
            code,
            Some(service),
            format!("services.{service}.{key}"),
            message.into(),
            None,
        );
    }

    /// Like [`Report::warn`], with what would express it.
    pub fn warn_with_hint(
        &mut self,
        code: Code,
        service: &str,
        key: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(
            Level::Warning,
            code,
            Some(service),
            format!("services.{service}.{key}"),
            message.into(),
            Some(hint.into()),
        );
    }

    /// A decision about a service key the user should know about.
    pub fn info(&mut self, code: Code, service: &str, key: &str, message: impl Into<String>) {
        self.push(
            Level::Info,
            code,
            Some(service),
            format!("services.{service}.{key}"),
            message.into(),
            None,
        );
    }

    /// A project-level key (`volumes.data`, `networks.front`, …) not carried over.
    pub fn warn_project(
        &mut self,
        code: Code,
        key: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(
            Level::Warning,
            code,
            None,
            key.to_string(),
            message.into(),
            hint,
        );
    }

    /// A project-level decision the user should know about.
    pub fn info_project(&mut self, code: Code, key: &str, message: impl Into<String>) {
        self.push(
            Level::Info,
            code,
            None,
            key.to_string(),
            message.into(),
            None,
        );
    }

    /// Marks the entries the project accepted. Errors stay errors: no code of one can be
    /// allowed.
    pub fn allow(&mut self, allowed: &Allowed) {
        for entry in &mut self.entries {
            if entry.level != Level::Error && allowed.allows(entry.code, entry.service.as_deref()) {
                entry.allowed = true;
            }
        }
    }

    /// The warnings `--strict` counts: those not allowed.
    pub fn warnings(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.level == Level::Warning && !e.allowed)
            .count()
    }

    fn allowed_warnings(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.level == Level::Warning && e.allowed)
            .count()
    }

    pub fn errors(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.level == Level::Error)
            .count()
    }

    /// Sorts entries by service, then key, so the report reads grouped and is stable; the
    /// loader's entries, which have a place in a file, come first, in the file's order.
    pub fn sort(&mut self) {
        fn order(e: &Entry) -> impl Ord + '_ {
            let position = (e.file.is_none(), &e.file, e.line, e.column);
            (&e.service, position, &e.key, e.level, &e.message)
        }
        self.entries.sort_by(|a, b| order(a).cmp(&order(b)));
        self.entries.dedup();
    }

    /// The text form: grouped by service, one line per entry.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail, and every piece written is UTF-8.
        _ = self.write_text(&mut out, false);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes the text form to `out` as it goes: a large project's report is megabytes,
    /// which the command prints and has no other use for. `colour` paints the levels.
    pub fn write_text(&self, out: &mut impl std::io::Write, colour: bool) -> std::io::Result<()> {
        let mut current: Option<&Option<String>> = None;
        for entry in &self.entries {
            if current != Some(&entry.service) {
                match &entry.service {
                    Some(service) => writeln!(out, "service {service}:")?,
                    None => out.write_all(b"project:\n")?,
                }
                current = Some(&entry.service);
            }
            let level = match entry.level {
                Level::Info => "info",
                Level::Warning => "warning",
                Level::Error => "error",
            };
            let label = if colour {
                paint_label(level)
            } else {
                level.to_string()
            };
            match entry.allowed {
                true => write!(out, "  {label}[{}, allowed]: ", entry.code)?,
                false => write!(out, "  {label}[{}]: ", entry.code)?,
            }
            if let Some(file) = &entry.file {
                match (entry.line, entry.column) {
                    (Some(line), Some(column)) => write!(out, "{file}:{line}:{column}: ")?,
                    (Some(line), None) => write!(out, "{file}:{line}: ")?,
                    _ => write!(out, "{file}: ")?,
                }
            }
            if !entry.key.is_empty() {
                write!(out, "{}: ", entry.key)?;
            }
            out.write_all(entry.message.as_bytes())?;
            if let Some(hint) = &entry.hint {
                write!(out, " ({hint})")?;
            }
            out.write_all(b"\n")?;
        }
        if !self.entries.is_empty() {
            let warnings = self.warnings();
            let allowed = self.allowed_warnings();
            let errors = self.errors();
            let notes = self.entries.len() - warnings - allowed - errors;
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            if errors > 0 {
                write!(out, "{errors} error{}, ", plural(errors))?;
            }
            write!(out, "{warnings} warning{}, ", plural(warnings))?;
            if allowed > 0 {
                write!(out, "{allowed} allowed, ")?;
            }
            writeln!(out, "{notes} note{}", plural(notes))?;
        }
        Ok(())
    }

    /// The JSON form, written to `out` as it goes.
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }
}

/// A level's label (`error`, `warning`, `info`) in its terminal colour: red, yellow, cyan.
pub fn paint_label(label: &str) -> String {
    let code = match label {
        "error" => "1;31",
        "warning" => "1;33",
        _ => "36",
    };
    format!("\x1b[{code}m{label}\x1b[0m")
}

/// The codes a project accepts: everywhere, or in one service's entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    pub everywhere: BTreeSet<Code>,
    pub by_service: BTreeMap<String, BTreeSet<Code>>,
}

impl Allowed {
    /// `x-kubernetes.allow` at the top level and on each service.
    pub fn from_extensions(extensions: &XKubernetes) -> Allowed {
        Allowed {
            everywhere: extensions.project.allow.iter().copied().collect(),
            by_service: extensions
                .services
                .iter()
                .filter(|(_, ext)| !ext.allow.is_empty())
                .map(|(name, ext)| (name.clone(), ext.allow.iter().copied().collect()))
                .collect(),
        }
    }

    /// Codes accepted everywhere (`--allow`).
    pub fn everywhere(codes: impl IntoIterator<Item = Code>) -> Allowed {
        Allowed {
            everywhere: codes.into_iter().collect(),
            by_service: BTreeMap::new(),
        }
    }

    /// Adds what `other` allows (an overlay's project, the command line's).
    pub fn extend(&mut self, other: &Allowed) {
        self.everywhere.extend(other.everywhere.iter().copied());
        for (service, codes) in &other.by_service {
            self.by_service
                .entry(service.clone())
                .or_default()
                .extend(codes.iter().copied());
        }
    }

    /// Whether an entry of `code`, about `service` (none: the project), is accepted. A
    /// service's list covers its own entries only.
    pub fn allows(&self, code: Code, service: Option<&str>) -> bool {
        code.is_allowable()
            && (self.everywhere.contains(&code)
                || service
                    .and_then(|service| self.by_service.get(service))
                    .is_some_and(|codes| codes.contains(&code)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_groups_by_service() {
        let mut report = Report::default();
        report.warn_with_hint(
            Code::ResourceTuningNotTranslated,
            "web",
            "ulimits",
            "not supported by Kubernetes",
            "set limits in the image",
        );
        report.info(
            Code::PortInferred,
            "db",
            "ports",
            "port 3306 inferred from the image mysql",
        );
        report.warn_project(
            Code::NetworksNotIsolated,
            "networks.front",
            "networks are not translated",
            None,
        );
        report.sort();
        assert_eq!(
            report.to_text(),
            "project:\n  warning[networks-not-isolated]: networks.front: networks are not translated\n\
             service db:\n  info[port-inferred]: services.db.ports: port 3306 inferred from the image mysql\n\
             service web:\n  warning[resource-tuning-not-translated]: services.web.ulimits: not supported by Kubernetes (set limits in the image)\n\
             2 warnings, 1 note\n"
        );
    }

    #[test]
    fn diagnostics_keep_their_place_and_service() {
        use crate::value::KeyPath;
        let mut report = Report::default();
        let image = KeyPath::root().key("services").key("web").key("image");
        report.push_diagnostic(
            &Diagnostic::warning(Code::UnsetVariable, "the \"TAG\" variable is not set")
                .in_file(std::path::Path::new("compose.yaml"))
                .at_path(image)
                .at_position(3, 12),
        );
        report.push_diagnostic(&Diagnostic::error("cannot write out").with_code(Code::Io));
        report.sort();
        // Project-level entries come first.
        let [error, web] = &report.entries[..] else {
            panic!("two entries expected: {:?}", report.entries)
        };
        assert_eq!((error.level, error.line), (Level::Error, None));
        assert_eq!(web.service.as_deref(), Some("web"));
        assert_eq!((web.line, web.column), (Some(3), Some(12)));
        assert_eq!(
            report.to_text(),
            "project:\n  error[io]: cannot write out\n\
             service web:\n  warning[unset-variable]: compose.yaml:3:12: services.web.image: the \"TAG\" variable is not set\n\
             1 error, 1 warning, 0 notes\n"
        );
    }

    #[test]
    fn an_error_without_a_code_is_about_the_input() {
        let mut report = Report::default();
        report.push_diagnostic(&Diagnostic::error("invalid port"));
        assert_eq!(report.entries[0].code, Code::InvalidInput);
    }

    /// Two warnings in `web`, one in `db`, one at the project level, and an error.
    fn sample() -> Report {
        let mut report = Report::default();
        report.warn(Code::BindMountClaim, "web", "volumes[0]", "starts empty");
        report.warn(Code::BuildNotRun, "web", "build", "push it");
        report.warn(Code::BindMountClaim, "db", "volumes[0]", "starts empty");
        report.warn_project(Code::NetworksNotIsolated, "networks.front", "open", None);
        report.push_diagnostic(&Diagnostic::error("bad").with_code(Code::Io));
        report
    }

    fn allowed_codes(report: &Report) -> Vec<(Option<&str>, Code)> {
        report
            .entries
            .iter()
            .filter(|e| e.allowed)
            .map(|e| (e.service.as_deref(), e.code))
            .collect()
    }

    #[test]
    fn a_code_allowed_everywhere_covers_every_service_and_the_project() {
        let mut report = sample();
        report.allow(&Allowed::everywhere([
            Code::BindMountClaim,
            Code::NetworksNotIsolated,
        ]));
        assert_eq!(
            allowed_codes(&report),
            [
                (Some("web"), Code::BindMountClaim),
                (Some("db"), Code::BindMountClaim),
                (None, Code::NetworksNotIsolated),
            ]
        );
        assert_eq!(report.warnings(), 1);
    }

    #[test]
    fn a_code_allowed_in_a_service_covers_only_its_entries() {
        let mut report = sample();
        let mut allowed = Allowed::default();
        allowed
            .by_service
            .insert("db".into(), [Code::BindMountClaim].into());
        report.allow(&allowed);
        assert_eq!(allowed_codes(&report), [(Some("db"), Code::BindMountClaim)]);
        assert_eq!(report.warnings(), 3);
    }

    #[test]
    fn allowing_reaches_neither_errors_nor_other_codes() {
        let mut report = sample();
        // A list built by hand may hold an error's code; it still allows nothing.
        report.allow(&Allowed::everywhere([Code::Io, Code::PortInferred]));
        assert!(allowed_codes(&report).is_empty());
        assert_eq!((report.warnings(), report.errors()), (4, 1));
    }

    #[test]
    fn allowed_lists_add_up() {
        let mut allowed = Allowed::everywhere([Code::BuildNotRun]);
        let mut other = Allowed::default();
        other
            .by_service
            .insert("web".into(), [Code::BindMountClaim].into());
        allowed.extend(&other);
        assert!(allowed.allows(Code::BuildNotRun, None));
        assert!(allowed.allows(Code::BindMountClaim, Some("web")));
        assert!(!allowed.allows(Code::BindMountClaim, Some("db")));
        assert!(!allowed.allows(Code::BindMountClaim, None));
    }

    #[test]
    fn allowed_entries_are_marked_and_counted_apart() {
        let mut report = Report::default();
        report.warn(Code::BuildNotRun, "web", "build", "push it");
        report.warn(Code::BindMountClaim, "web", "volumes[0]", "starts empty");
        report.info(Code::PortInferred, "web", "ports", "port 80");
        report.allow(&Allowed::everywhere([Code::BuildNotRun]));
        report.sort();
        assert_eq!(
            report.to_text(),
            "service web:\n  warning[build-not-run, allowed]: services.web.build: push it\n\
             \x20 info[port-inferred]: services.web.ports: port 80\n\
             \x20 warning[bind-mount-claim]: services.web.volumes[0]: starts empty\n\
             1 warning, 1 allowed, 1 note\n"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["entries"][0]["code"], "build-not-run");
        assert_eq!(json["entries"][0]["allowed"], true);
        assert!(json["entries"][1].get("allowed").is_none());
    }
}
