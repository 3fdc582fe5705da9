//! Diagnostics: what the tool says about a user's input — an error or a warning with the
//! file, the key path (`services.web.ports[1]`) and, where known, the line and column.
//!
//! Rendering shows the offending source line with a caret under the position, so a user can
//! see the problem without opening the file.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::translate::Code;
use crate::value::{KeyPath, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: Option<PathBuf>,
    /// The key path inside the compose model; empty when the problem is about a whole file.
    pub path: KeyPath,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based; 0 when unknown.
    pub column: u32,
    pub message: String,
    /// Whether the source line may be shown under the message. Not for env-style files
    /// (`.env`, `env_file`, `label_file`) nor files reached through `include` or `extends`:
    /// their lines may hold secrets, and a CI log is public.
    pub quote_source: bool,
    /// The report code: always set on a warning; on an error, the command sets it by the
    /// kind of failure (none: the input is invalid).
    pub code: Option<Code>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            path: KeyPath::root(),
            line: 0,
            column: 0,
            message: message.into(),
            quote_source: true,
            code: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code: Some(code),
            ..Diagnostic::error(message)
        }
    }

    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    pub fn at_path(mut self, path: KeyPath) -> Self {
        self.path = path;
        self
    }

    /// Points the diagnostic at a node's source position (and its file, when known).
    pub fn at_span(mut self, span: &Span) -> Self {
        if let Some(file) = &span.file {
            self.file = Some(file.to_path_buf());
        }
        if span.line > 0 {
            self.line = span.line;
            self.column = span.column;
        }
        self
    }

    /// Shows the line number only, never the line: see [`Diagnostic::quote_source`].
    pub fn without_source_line(mut self) -> Self {
        self.quote_source = false;
        self
    }

    pub fn at_position(mut self, line: u32, column: u32) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The one-line form: `error: compose.yaml:3:12: services.web.ports[1]: message`.
    pub fn headline(&self) -> String {
        let mut out = String::new();
        out.push_str(match self.severity {
            Severity::Error => "error: ",
            Severity::Warning => "warning: ",
        });
        if let Some(file) = &self.file {
            out.push_str(&file.display().to_string());
            if self.line > 0 {
                out.push_str(&format!(":{}:{}", self.line, self.column));
            }
            out.push_str(": ");
        }
        if !self.path.is_root() {
            out.push_str(&format!("{}: ", self.path));
        }
        out.push_str(&self.message);
        out
    }

    /// The headline followed, when the source is available, by the line with a caret.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = self.headline();
        let source = source.filter(|_| self.quote_source);
        if let Some(snippet) = source.and_then(|s| self.snippet(s)) {
            out.push('\n');
            out.push_str(&snippet);
        }
        out
    }

    fn snippet(&self, source: &str) -> Option<String> {
        if self.line == 0 {
            return None;
        }
        let text = source.lines().nth(self.line as usize - 1)?;
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        let caret_offset: usize = text
            .chars()
            .take(self.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { 4 } else { 1 })
            .sum();
        // Control characters (a binary file) would garble the terminal; one replacement
        // character each keeps the caret in place.
        let shown: String = text
            .replace('\t', "    ")
            .chars()
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect();
        Some(format!(
            "{gutter} |\n{number} | {shown}\n{gutter} | {}^",
            " ".repeat(caret_offset)
        ))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())
    }
}

/// The candidate nearest to `word` by edit distance, if one is at most `within` edits away
/// (and not all of it would change): the "did you mean" of a message.
pub fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    within: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|&(distance, candidate)| distance <= within && distance < candidate.len())
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_position_path_and_caret() {
        let d = Diagnostic::error("invalid port \"80:abc\"")
            .in_file(Path::new("compose.yaml"))
            .at_path(
                KeyPath::root()
                    .key("services")
                    .key("web")
                    .key("ports")
                    .index(0),
            )
            .at_position(4, 9);
        let source = "services:\n  web:\n    ports:\n      - 80:abc\n";
        assert_eq!(
            d.render(Some(source)),
            "error: compose.yaml:4:9: services.web.ports[0]: invalid port \"80:abc\"\n  |\n4 |       - 80:abc\n  |         ^"
        );
    }

    #[test]
    fn a_warning_without_a_file_is_one_line() {
        assert_eq!(
            Diagnostic::warning(Code::UnsetVariable, "w").render(None),
            "warning: w"
        );
    }
}
