//! [`Command`]: a `command` or `entrypoint`, written as a list or as one string that Compose
//! splits into words.
//!
//! Compose splits with go-shellwords: words are separated by unquoted blanks, single quotes
//! keep everything literally, double quotes keep blanks, a backslash outside single quotes
//! takes the next character literally, and `$(…)` and backquotes group words. No variable or
//! command is expanded. Where go-shellwords stops at an unquoted `;`, `&`, `|`, `<` or `>` and
//! silently drops the rest of the line, this reader refuses the string instead: running only
//! the part before `&&` is never what the author meant.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::Serialize;

/// The words of a command. An empty command (`[]` or `""`) clears the image's default, unlike
/// an absent one, so fields hold an `Option<Command>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Command(pub Vec<String>);

impl Command {
    pub fn words(&self) -> &[String] {
        &self.0
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
        split_words(line).map(Command).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Command, A::Error> {
        let mut words = Vec::new();
        while let Some(word) = seq.next_element::<String>()? {
            words.push(word);
        }
        Ok(Command(words))
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

/// Splits a command line into words as go-shellwords does (see the module documentation).
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut splitter = WordSplitter::default();
    for c in line.chars() {
        splitter
            .push(c)
            .map_err(|problem| describe(line, problem))?;
    }
    splitter.finish().map_err(|problem| describe(line, problem))
}

fn describe(line: &str, problem: String) -> String {
    format!("invalid command {line:?}: {problem}")
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

    fn push(&mut self, c: char) -> Result<(), String> {
        if self.escaped {
            self.escaped = false;
            self.append(c);
            return Ok(());
        }
        if c == '\\' {
            if self.single_quoted {
                self.append(c);
            } else {
                self.escaped = true;
            }
            return Ok(());
        }
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if self.quoted() {
                self.word.push(c);
            } else if self.in_word {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
            return Ok(());
        }
        match c {
            '`' if !self.single_quoted && !self.double_quoted && !self.dollar_quoted => {
                self.back_quoted = !self.back_quoted;
            }
            ')' if !self.single_quoted && !self.double_quoted && !self.back_quoted => {
                self.dollar_quoted = false;
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
                return Ok(());
            }
            '\'' if !self.double_quoted && !self.dollar_quoted => {
                self.single_quoted = !self.single_quoted;
                self.in_word = true;
                return Ok(());
            }
            ';' | '&' | '|' | '<' | '>' if !self.quoted() => {
                return Err(format!(
                    "the shell operator `{c}` is not run by Compose, which would drop the rest of the line; write `sh -c '…'` or quote it"
                ));
            }
            _ => {}
        }
        self.append(c);
        Ok(())
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
    }

    #[test]
    fn refuses_unquoted_shell_operators_compose_would_cut_at() {
        assert_eq!(
            words("echo a && echo b"),
            Err("invalid command \"echo a && echo b\": the shell operator `&` is not run by Compose, which would drop the rest of the line; write `sh -c '…'` or quote it".to_string())
        );
    }
}
