//! [`Command`]: a `command` or `entrypoint`, written as a list or as one string that Compose
//! splits into words.
//!
//! Compose splits with go-shellwords: words are separated by unquoted blanks, single quotes
//! keep everything literally, double quotes keep blanks, a backslash outside single quotes
//! takes the next character literally, and `$(…)` and backquotes group words. No variable or
//! command is expanded, and no shell runs the words. go-shellwords stops at the first unquoted
//! `;`, `&`, `|`, `<` or `>` and Compose runs only the words before it (`a && b` runs `a`;
//! `a 2> log` runs `a`): this reader does the same, so the container runs what it ran under
//! Compose, and keeps the ignored rest in [`Command::ignored`] so that the report can name it.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::Serialize;

/// The words of a command. An empty command (`[]` or `""`) clears the image's default, unlike
/// an absent one, so fields hold an `Option<Command>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Command {
    words: Vec<String>,
    /// The end of a command string that Compose ignores, from its first unquoted shell
    /// operator on (`&& kong migrations finish`); `None` when every word is run.
    #[serde(skip)]
    ignored: Option<String>,
}

impl Command {
    pub fn new(words: Vec<String>) -> Self {
        Command {
            words,
            ignored: None,
        }
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn ignored(&self) -> Option<&str> {
        self.ignored.as_deref()
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CommandVisitor)
    }
}

struct CommandVisitor;

impl<'de> Visitor<'de> for CommandVisitor {
    type Value = Command;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a command as a string or a list of strings")
    }

    fn visit_str<E: de::Error>(self, line: &str) -> Result<Command, E> {
        split_command_line(line).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Command, A::Error> {
        let mut words = Vec::new();
        while let Some(word) = seq.next_element::<String>()? {
            words.push(word);
        }
        Ok(Command::new(words))
    }
}

impl JsonSchema for Command {
    fn schema_name() -> Cow<'static, str> {
        "Command".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A command: a list of words run as they are, or a string split into words as a shell would, without expanding anything.",
            "oneOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}

/// Splits a command line into the words Compose runs (see the module documentation).
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    split_command_line(line).map(|command| command.words)
}

fn split_command_line(line: &str) -> Result<Command, String> {
    let mut splitter = WordSplitter::default();
    for (offset, c) in line.char_indices() {
        match splitter.push(c) {
            Ok(Step::Continue) => {}
            Ok(Step::Stop) => {
                let (words, descriptor_dropped) = splitter.stop_at_operator(c);
                let start = if descriptor_dropped {
                    line[..offset]
                        .rfind([' ', '\t', '\r', '\n'])
                        .map_or(0, |i| i + 1)
                } else {
                    offset
                };
                return Ok(Command {
                    words,
                    ignored: Some(line[start..].trim_end().to_string()),
                });
            }
            Err(problem) => return Err(describe(line, problem)),
        }
    }
    let words = splitter
        .finish()
        .map_err(|problem| describe(line, problem))?;
    Ok(Command::new(words))
}

fn describe(line: &str, problem: String) -> String {
    format!("invalid command {line:?}: {problem}")
}

enum Step {
    Continue,
    /// An unquoted shell operator: go-shellwords ends the line there.
    Stop,
}

#[derive(Default)]
struct WordSplitter {
    words: Vec<String>,
    word: String,
    /// Whether a word has started; a closed pair of quotes starts an empty word.
    in_word: bool,
    escaped: bool,
    single_quoted: bool,
    double_quoted: bool,
    back_quoted: bool,
    dollar_quoted: bool,
}

impl WordSplitter {
    fn quoted(&self) -> bool {
        self.single_quoted || self.double_quoted || self.back_quoted || self.dollar_quoted
    }

    fn push(&mut self, c: char) -> Result<Step, String> {
        if self.escaped {
            self.escaped = false;
            self.append(c);
            return Ok(Step::Continue);
        }
        if c == '\\' {
            if self.single_quoted {
                self.append(c);
            } else {
                self.escaped = true;
            }
            return Ok(Step::Continue);
        }
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if self.quoted() {
                self.word.push(c);
            } else if self.in_word {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
            return Ok(Step::Continue);
        }
        match c {
            '`' if !self.single_quoted && !self.double_quoted && !self.dollar_quoted => {
                self.back_quoted = !self.back_quoted;
            }
            // go-shellwords toggles here: a `)` with no `$(` before it opens a group that
            // is never closed, and the line is refused.
            ')' if !self.single_quoted && !self.double_quoted && !self.back_quoted => {
                self.dollar_quoted = !self.dollar_quoted;
            }
            '(' if !self.single_quoted && !self.double_quoted && !self.back_quoted => {
                if self.dollar_quoted || !self.word.ends_with('$') {
                    return Err("an unquoted `(` must follow `$`; quote it".to_string());
                }
                self.dollar_quoted = true;
            }
            '"' if !self.single_quoted && !self.dollar_quoted => {
                self.double_quoted = !self.double_quoted;
                self.in_word = true;
                return Ok(Step::Continue);
            }
            '\'' if !self.double_quoted && !self.dollar_quoted => {
                self.single_quoted = !self.single_quoted;
                self.in_word = true;
                return Ok(Step::Continue);
            }
            ';' | '&' | '|' | '<' | '>' if !self.quoted() => return Ok(Step::Stop),
            _ => {}
        }
        self.append(c);
        Ok(Step::Continue)
    }

    /// The words before an operator. The word just before `>` is dropped when it starts
    /// with a digit, as a file descriptor of a redirection (`2>`), as go-shellwords does.
    /// Also says whether that word was dropped.
    fn stop_at_operator(mut self, operator: char) -> (Vec<String>, bool) {
        let descriptor = operator == '>' && self.word.starts_with(|c: char| c.is_ascii_digit());
        if self.in_word && !descriptor {
            self.words.push(self.word);
        }
        (self.words, descriptor)
    }

    fn append(&mut self, c: char) {
        self.word.push(c);
        self.in_word = true;
    }

    fn finish(mut self) -> Result<Vec<String>, String> {
        if self.escaped || self.quoted() {
            return Err("a quote, `$(` or a trailing backslash is not closed".to_string());
        }
        if self.in_word {
            self.words.push(self.word);
        }
        Ok(self.words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Result<Vec<String>, String> {
        split_words(line)
    }

    fn ok(items: &[&str]) -> Result<Vec<String>, String> {
        Ok(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn splits_like_compose() {
        assert_eq!(
            words("echo hello \"world\""),
            ok(&["echo", "hello", "world"])
        );
        assert_eq!(
            words("bundle exec thin -p 3000"),
            ok(&["bundle", "exec", "thin", "-p", "3000"])
        );
        assert_eq!(
            words(r#"sh -c 'echo "" x' '' "a b" c\ d"#),
            ok(&["sh", "-c", "echo \"\" x", "", "a b", "c d"])
        );
        assert_eq!(
            words("echo $(date) `id -u`"),
            ok(&["echo", "$(date)", "`id -u`"])
        );
        assert_eq!(words("a\\\\b 'c\\d'"), ok(&["a\\b", "c\\d"]));
        assert_eq!(words("  "), ok(&[]));
        assert_eq!(
            words("sh -c \"a && b > /x\""),
            ok(&["sh", "-c", "a && b > /x"])
        );
    }

    #[test]
    fn refuses_what_compose_refuses() {
        assert_eq!(
            words("a (b)"),
            Err("invalid command \"a (b)\": an unquoted `(` must follow `$`; quote it".to_string())
        );
        assert_eq!(
            words("echo 'unclosed"),
            Err("invalid command \"echo 'unclosed\": a quote, `$(` or a trailing backslash is not closed".to_string())
        );
        assert_eq!(
            words("echo ) b"),
            Err(
                "invalid command \"echo ) b\": a quote, `$(` or a trailing backslash is not closed"
                    .to_string()
            )
        );
    }

    #[test]
    fn an_unquoted_shell_operator_ends_the_command_as_in_compose() {
        let command = split_command_line("kong migrations up && kong migrations finish ").unwrap();
        assert_eq!(command.words(), ["kong", "migrations", "up"]);
        assert_eq!(command.ignored(), Some("&& kong migrations finish"));
        assert_eq!(words("a;b"), ok(&["a"]));
        assert_eq!(words("a b|c"), ok(&["a", "b"]));
        assert_eq!(words("run 2> /dev/null"), ok(&["run"]));
        assert_eq!(
            split_command_line("run 2> /dev/null").unwrap().ignored(),
            Some("2> /dev/null")
        );
        assert_eq!(words("run x2>log"), ok(&["run", "x2"]));
        assert_eq!(words("run \"\" <in"), ok(&["run", ""]));
        assert_eq!(words("a '&&' b"), ok(&["a", "&&", "b"]));
        assert_eq!(split_command_line("a b").unwrap().ignored(), None);
    }
}
