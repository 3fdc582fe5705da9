//! The conversion report: one entry for every compose key that was not carried over as it
//! was, with the reason and, where one exists, what would express it. Nothing of the input
//! is dropped without an entry here.

use serde::Serialize;

/// How much an entry matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A decision the user should know about (a port inferred, a bind mount turned into a
    /// ConfigMap); not a failure under `--strict`.
    Info,
    /// Something of the input is not carried over, or not exactly; `--strict` fails on it.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entry {
    pub level: Level,
    /// The service the entry is about; none for project-level keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The compose key path, e.g. `services.web.ulimits`.
    pub key: String,
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
        service: Option<&str>,
        key: String,
        message: String,
        hint: Option<String>,
    ) {
        self.entries.push(Entry {
            level,
            service: service.map(String::from),
            key,
            message,
            hint,
        });
    }

    /// A service key that is not carried over (or not exactly).
    pub fn warn(&mut self, service: &str, key: &str, message: impl Into<String>) {
        self.push(
            Level::Warning,
            Some(service),
            format!("services.{service}.{key}"),
            message.into(),
            None,
        );
    }

    /// Like [`Report::warn`], with what would express it.
    pub fn warn_with_hint(
        &mut self,
        service: &str,
        key: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(
            Level::Warning,
            Some(service),
            format!("services.{service}.{key}"),
            message.into(),
            Some(hint.into()),
        );
    }

    /// A decision about a service key the user should know about.
    pub fn info(&mut self, service: &str, key: &str, message: impl Into<String>) {
        self.push(
            Level::Info,
            Some(service),
            format!("services.{service}.{key}"),
            message.into(),
            None,
        );
    }

    /// A project-level key (`volumes.data`, `networks.front`, …) not carried over.
    pub fn warn_project(&mut self, key: &str, message: impl Into<String>, hint: Option<String>) {
        self.push(Level::Warning, None, key.to_string(), message.into(), hint);
    }

    /// A project-level decision the user should know about.
    pub fn info_project(&mut self, key: &str, message: impl Into<String>) {
        self.push(Level::Info, None, key.to_string(), message.into(), None);
    }

    pub fn warnings(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.level == Level::Warning)
            .count()
    }

    /// Sorts entries by service, then key, so the report reads grouped and is stable.
    pub fn sort(&mut self) {
        self.entries.sort_by(|a, b| {
            (&a.service, &a.key, a.level, &a.message)
                .cmp(&(&b.service, &b.key, b.level, &b.message))
        });
        self.entries.dedup();
    }

    /// The text form: grouped by service, one line per entry.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail, and every piece written is UTF-8.
        _ = self.write_text(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes the text form to `out` as it goes: a large project's report is megabytes,
    /// which the command prints and has no other use for.
    pub fn write_text(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
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
            };
            for part in ["  ", level, ": ", &entry.key, ": ", &entry.message] {
                out.write_all(part.as_bytes())?;
            }
            if let Some(hint) = &entry.hint {
                write!(out, " ({hint})")?;
            }
            out.write_all(b"\n")?;
        }
        if !self.entries.is_empty() {
            let warnings = self.warnings();
            let notes = self.entries.len() - warnings;
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            writeln!(
                out,
                "{warnings} warning{}, {notes} note{}",
                plural(warnings),
                plural(notes)
            )?;
        }
        Ok(())
    }

    /// The JSON form, written to `out` as it goes.
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_groups_by_service() {
        let mut report = Report::default();
        report.warn_with_hint(
            "web",
            "ulimits",
            "not supported by Kubernetes",
            "set limits in the image",
        );
        report.info("db", "ports", "port 3306 inferred from the image mysql");
        report.warn_project("networks.front", "networks are not translated", None);
        report.sort();
        assert_eq!(
            report.to_text(),
            "project:\n  warning: networks.front: networks are not translated\n\
             service db:\n  info: services.db.ports: port 3306 inferred from the image mysql\n\
             service web:\n  warning: services.web.ulimits: not supported by Kubernetes (set limits in the image)\n\
             2 warnings, 1 note\n"
        );
    }
}
