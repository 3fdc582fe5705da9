//! Parser for `.env` files (the project's `.env`, `--env-file`, a service's `env_file`), with
//! Docker Compose's rules.
//!
//! - A statement is `KEY=VALUE`, `KEY: VALUE` or `export KEY=VALUE`; spaces around the key and
//!   before the value are ignored. Blank lines and lines starting with `#` are skipped.
//! - A key is letters, digits (any script), `_`, `.`, `-`, `[` and `]`. Another character is an
//!   error, and so is a space inside the key.
//! - A key alone on its line (`KEY`) takes its value from `lookup`, and is left out when `lookup`
//!   has none.
//! - An unquoted value runs to the end of the line; ` #` starts a comment, trailing whitespace is
//!   dropped, and `${VAR}` substitutions are applied.
//! - A single-quoted value is literal; only `\'` is special. A double-quoted value may span
//!   lines, understands `\n \t \r \a \b \f \v \\ \" \$` and `\0` followed by three octal digits,
//!   and then has its substitutions applied. Other backslashes stay as they are. Text after the
//!   closing quote is read as the next statement, unless it is a comment.
//! - Substitutions look a variable up in `lookup` first, then among the keys defined earlier, as
//!   Compose does. Compose reads several env files (`--env-file a --env-file b`, or a service's
//!   `env_file` list) into one map, so a file sees the keys of the files before it, shadowed by
//!   its own: [`parse_into`] does that, with `lookup` covering only the environment outside the
//!   files.
//! - A later definition of a key replaces the value but keeps the key's first position.
//!
//! Where Compose's parser has accidents, this one differs on purpose:
//! - Compose files a last line that has no `=` and no line break under the empty key (`B` at the
//!   end of a file becomes `""="B"`); here it is an inherited key like any other `KEY` line.
//! - Compose counts lines wrongly after a key alone on a line with a trailing space, and reports
//!   an unterminated quote on the last line of the file; here every error names the line where
//!   the key or the opening quote is.

use crate::compose::interpolate::substitute;
use indexmap::IndexMap;
use std::fmt;

/// A syntax or substitution error in an env file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for DotenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for DotenvError {}

/// Parses env file `content` into its variables, in the order they are first defined.
/// `lookup` supplies the values of inherited keys and of substituted variables
/// (`None` means unset).
///
/// # Errors
///
/// The first malformed statement, or the first value whose substitution fails, with its line.
pub fn parse(
    content: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, DotenvError> {
    let mut variables = IndexMap::new();
    parse_into(content, lookup, &mut variables)?;
    Ok(variables)
}

/// Parses env file `content` on top of `variables`, which hold the variables of the files read
/// before it: substitutions fall back to them after `lookup`, and this file's definitions
/// replace them.
///
/// # Errors
///
/// As [`parse`]; `variables` then holds what was read before the error.
pub fn parse_into(
    content: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    variables: &mut IndexMap<String, String>,
) -> Result<(), DotenvError> {
    // Editors on Windows may start the file with a byte order mark.
    let content = content.strip_prefix('\u{FEFF}').unwrap_or(content);
    let mut cursor = Cursor::new(content);
    while cursor.skip_blank_lines_and_comments() {
        let key = read_key(&mut cursor)?;
        if key.inherited {
            if let Some(value) = lookup(&key.name) {
                variables.insert(key.name, value);
            }
            continue;
        }
        let resolve = |name: &str| lookup(name).or_else(|| variables.get(name).cloned());
        let value = read_value(&mut cursor, key.line, &resolve)?;
        variables.insert(key.name, value);
    }
    Ok(())
}

/// A position in the file, with the line it is on.
struct Cursor<'a> {
    text: &'a str,
    position: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            text,
            position: 0,
            line: 1,
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    /// Moves `length` bytes on; `length` must end on a character boundary of the rest.
    fn advance(&mut self, length: usize) {
        let passed = &self.rest()[..length];
        self.line += passed.bytes().filter(|&byte| byte == b'\n').count();
        self.position += length;
    }

    fn skip_inline_space(&mut self) {
        let rest = self.rest();
        self.advance(rest.len() - rest.trim_start_matches(is_inline_space).len());
    }

    /// Moves to the start of the next statement; returns false at the end of the file.
    fn skip_blank_lines_and_comments(&mut self) -> bool {
        loop {
            let rest = self.rest();
            let Some(start) = rest.find(|c: char| !c.is_whitespace()) else {
                self.advance(rest.len());
                return false;
            };
            self.advance(start);
            if !self.rest().starts_with('#') {
                return true;
            }
            self.advance(line_length(self.rest()));
        }
    }
}

struct Key {
    name: String,
    /// A key alone on its line, without a value.
    inherited: bool,
    line: usize,
}

/// Reads `[export] KEY` and the `=`, `:` or line break after it, and the spaces before a value.
fn read_key(cursor: &mut Cursor<'_>) -> Result<Key, DotenvError> {
    let line = cursor.line;
    skip_export(cursor);
    let rest = cursor.rest();
    let mut key_end = rest.len();
    let mut separator_length = 0;
    let mut inherited = true;
    for (index, c) in rest.char_indices() {
        match c {
            '=' | ':' => {
                (key_end, separator_length, inherited) = (index, 1, false);
                break;
            }
            '\n' => {
                (key_end, separator_length) = (index, 1);
                break;
            }
            c if is_key_character(c) || is_inline_space(c) => {}
            unexpected => {
                return Err(DotenvError {
                    line,
                    // The line itself is not quoted: it may hold a secret.
                    message: format!(
                        "unexpected character {:?} in a variable name",
                        unexpected.to_string(),
                    ),
                });
            }
        }
    }
    let name = rest[..key_end].trim_end();
    // Only a plain space is refused: Compose accepts a tab inside a key and keeps it.
    if name.contains(' ') {
        return Err(DotenvError {
            line,
            message: "key cannot contain a space".to_owned(),
        });
    }
    let name = name.to_owned();
    cursor.advance(key_end + separator_length);
    if !inherited {
        cursor.skip_inline_space();
    }
    Ok(Key {
        name,
        inherited,
        line,
    })
}

/// Skips `export` when a space, tab or line break follows it (`exportFOO=1` is the key
/// `exportFOO`).
fn skip_export(cursor: &mut Cursor<'_>) {
    let is_export = cursor
        .rest()
        .strip_prefix("export")
        .is_some_and(|after| after.starts_with([' ', '\t', '\n', '\r', '\x0C']));
    if is_export {
        cursor.advance("export".len());
        cursor.skip_inline_space();
    }
}

fn read_value(
    cursor: &mut Cursor<'_>,
    line: usize,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Result<String, DotenvError> {
    match cursor.rest().chars().next() {
        Some('\'') => read_quoted(cursor, '\''),
        Some('"') => {
            let raw = read_quoted(cursor, '"')?;
            interpolate(&unescape(&raw), line, resolve)
        }
        _ => {
            let rest = cursor.rest();
            let length = line_length(rest);
            cursor.advance(length);
            let value = rest[..length].trim_end_matches('\n');
            let value = value.split(" #").next().unwrap_or(value).trim_end();
            interpolate(value, line, resolve)
        }
    }
}

/// Reads a value in `quote`s; a backslash before the quote character keeps the quote in the value
/// and drops the backslash, other backslashes are kept for [`unescape`].
fn read_quoted(cursor: &mut Cursor<'_>, quote: char) -> Result<String, DotenvError> {
    let rest = cursor.rest();
    let mut value = String::new();
    let mut after_backslash = false;
    for (index, c) in rest.char_indices().skip(1) {
        if c == quote && !after_backslash {
            cursor.advance(index + c.len_utf8());
            return Ok(value);
        }
        if c == '\\' && !after_backslash {
            after_backslash = true;
            continue;
        }
        if after_backslash && c != quote {
            value.push('\\');
        }
        after_backslash = false;
        value.push(c);
    }
    Err(DotenvError {
        line: cursor.line,
        message: "unterminated quoted value".to_owned(),
    })
}

/// Applies the escape sequences of a double-quoted value. `\$` becomes `$$`, which substitution
/// then turns into a literal `$`.
fn unescape(raw: &str) -> String {
    let mut unescaped = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(backslash) = rest.find('\\') {
        unescaped.push_str(&rest[..backslash]);
        let after = &rest[backslash + 1..];
        let simple = match after.chars().next() {
            Some('a') => Some("\u{7}"),
            Some('b') => Some("\u{8}"),
            Some('f') => Some("\u{C}"),
            Some('n') => Some("\n"),
            Some('r') => Some("\r"),
            Some('t') => Some("\t"),
            Some('v') => Some("\u{B}"),
            Some('\\') => Some("\\"),
            Some('"') => Some("\""),
            Some('$') => Some("$$"),
            _ => None,
        };
        rest = match simple {
            Some(replacement) => {
                unescaped.push_str(replacement);
                &after[1..]
            }
            None if after.starts_with('0') => unescape_octal(&after[1..], &mut unescaped),
            None => {
                unescaped.push('\\');
                after
            }
        };
    }
    unescaped.push_str(rest);
    unescaped
}

/// Handles `\0` followed by up to three digits, given the text after the `0`; returns the text
/// after the digits. Three octal digits worth at most 0o377 give that code point. Otherwise
/// Compose keeps the digits but drops the `0` (`\08` → `\8`, `\0400` → `\400`).
fn unescape_octal<'t>(after_zero: &'t str, unescaped: &mut String) -> &'t str {
    let digit_count = after_zero
        .bytes()
        .take(3)
        .take_while(u8::is_ascii_digit)
        .count();
    let digits = &after_zero[..digit_count];
    let code_point = (digit_count == 3)
        .then(|| u32::from_str_radix(digits, 8).ok())
        .flatten()
        .filter(|&value| value <= 0o377)
        .and_then(char::from_u32);
    match code_point {
        Some(c) => unescaped.push(c),
        None => {
            unescaped.push('\\');
            unescaped.push_str(digits);
        }
    }
    &after_zero[digit_count..]
}

fn interpolate(
    value: &str,
    line: usize,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Result<String, DotenvError> {
    substitute(value, resolve)
        .map(|substituted| substituted.value)
        .map_err(|error| DotenvError {
            line,
            message: error.to_string(),
        })
}

/// The length of the first line of `text`, with its line break.
fn line_length(text: &str) -> usize {
    text.find('\n').map_or(text.len(), |end| end + 1)
}

fn is_key_character(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

/// Whitespace that does not end a line, as Compose's parser counts it.
fn is_inline_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{B}' | '\u{C}' | '\r' | '\u{85}' | '\u{A0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(name: &str) -> Option<String> {
        let value = match name {
            "HOME" => "/home/app",
            "EMPTY" => "",
            "INHERITED" => "from the environment",
            "A" => "from lookup",
            _ => return None,
        };
        Some(value.to_owned())
    }

    fn run(content: &str) -> Result<IndexMap<String, String>, DotenvError> {
        parse(content, &environment)
    }

    #[track_caller]
    fn check(content: &str, expected: &[(&str, &str)]) {
        match run(content) {
            Ok(variables) => {
                let actual: Vec<(&str, &str)> = variables
                    .iter()
                    .map(|(key, value)| (key.as_str(), value.as_str()))
                    .collect();
                assert_eq!(actual, expected, "content {content:?}");
            }
            Err(error) => panic!("content {content:?} failed: {error}"),
        }
    }

    #[track_caller]
    fn check_error(content: &str, expected: &str) {
        match run(content) {
            Ok(variables) => panic!("content {content:?} gave {variables:?}"),
            Err(error) => assert_eq!(error.to_string(), expected, "content {content:?}"),
        }
    }

    #[test]
    fn empty_files() {
        check("", &[]);
        check("\n\n", &[]);
        check("\r\n", &[]);
        check("\t\t ", &[]);
        check("# only a comment", &[]);
        check("\t # indented comment\n", &[]);
    }

    #[test]
    fn key_value() {
        check("FOO=bar", &[("FOO", "bar")]);
        check("FOO=bar\nBAZ=qux\n", &[("FOO", "bar"), ("BAZ", "qux")]);
        check("FOO =bar", &[("FOO", "bar")]);
        check("FOO= bar", &[("FOO", "bar")]);
        check(" KEY =value", &[("KEY", "value")]);
        check("\tKEY=value", &[("KEY", "value")]);
        check("FOO=foobar=", &[("FOO", "foobar=")]);
        check("D==\"4\"", &[("D", "=\"4\"")]);
        check(
            "URL=postgres://localhost:5432/db?sslmode=disable",
            &[("URL", "postgres://localhost:5432/db?sslmode=disable")],
        );
    }

    #[test]
    fn yaml_style_colon() {
        check("OPTION_A: 1", &[("OPTION_A", "1")]);
        check("OPTION_A:1", &[("OPTION_A", "1")]);
        check("OPTION_A: Foo=bar", &[("OPTION_A", "Foo=bar")]);
        check("OPTION_A=1:B", &[("OPTION_A", "1:B")]);
        check("C :=3", &[("C", "=3")]);
    }

    #[test]
    fn export_prefix() {
        check("export OPTION_A=2", &[("OPTION_A", "2")]);
        check("export\tOPTION_A=2", &[("OPTION_A", "2")]);
        check("  export  OPTION_A = 2", &[("OPTION_A", "2")]);
        check("export exportFoo=2", &[("exportFoo", "2")]);
        check("exportFOO=2", &[("exportFOO", "2")]);
        check("export_FOO =2", &[("export_FOO", "2")]);
        check("export.FOO= 2", &[("export.FOO", "2")]);
        check("export=1", &[("export", "1")]);
        check(r#"export OPTION_A="export A""#, &[("OPTION_A", "export A")]);
        check(
            "export INHERITED\n",
            &[("INHERITED", "from the environment")],
        );
    }

    #[test]
    fn key_characters() {
        check(
            "a[1]=c\na.propertyKey=d\nVAR-WITH-DASHES=e\n1X=f",
            &[
                ("a[1]", "c"),
                ("a.propertyKey", "d"),
                ("VAR-WITH-DASHES", "e"),
                ("1X", "f"),
            ],
        );
        check(
            "árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép",
            &[("árvíztűrő-TÜKÖRFÚRÓGÉP", "ÁRVÍZTŰRŐ-tükörfúrógép")],
        );
        check(r#"="value""#, &[("", "value")]);
        check("FOO\tBAR=1", &[("FOO\tBAR", "1")]);
    }

    #[test]
    fn inherited_keys() {
        check("INHERITED\n", &[("INHERITED", "from the environment")]);
        check("INHERITED", &[("INHERITED", "from the environment")]);
        check("INHERITED \n", &[("INHERITED", "from the environment")]);
        check("NOT_THERE\nB=1", &[("B", "1")]);
        check("EMPTY\n", &[("EMPTY", "")]);
        check("X=1\nX\n", &[("X", "1")]);
    }

    #[test]
    fn unquoted_values() {
        check("FOO=bar ", &[("FOO", "bar")]);
        check("FOO=a b  c", &[("FOO", "a b  c")]);
        check("FOO=", &[("FOO", "")]);
        check("FOO=   \nB=1", &[("FOO", ""), ("B", "1")]);
        check(r"FOO=a\tb\\c", &[("FOO", r"a\tb\\c")]);
        check("FOO='x'y", &[("FOO", "x")]);
    }

    #[test]
    fn inline_comments() {
        check("FOO=bar # this is foo", &[("FOO", "bar")]);
        check("FOO=bar #this is foo", &[("FOO", "bar")]);
        check("FOO=bar #", &[("FOO", "bar")]);
        check("FOO=bar ## x", &[("FOO", "bar")]);
        check("FOO=123#not-a-comment", &[("FOO", "123#not-a-comment")]);
        check(
            "FOO=a\t#tab-is-not-enough",
            &[("FOO", "a\t#tab-is-not-enough")],
        );
        check(
            "FOO= #leading-space-is-trimmed-first",
            &[("FOO", "#leading-space-is-trimmed-first")],
        );
        check(r#"FOO="bar#baz" # comment"#, &[("FOO", "bar#baz")]);
        check(r##"FOO="bar#baz"#"##, &[("FOO", "bar#baz")]);
        check("FOO='bar#baz' # comment", &[("FOO", "bar#baz")]);
    }

    #[test]
    fn single_quoted_values_are_literal() {
        check("FOO='bar'", &[("FOO", "bar")]);
        check("FOO=''", &[("FOO", "")]);
        check("FOO='$HOME ${HOME}'", &[("FOO", "$HOME ${HOME}")]);
        check(r"FOO='\n'", &[("FOO", r"\n")]);
        check(r"FOO='Let\'s go'", &[("FOO", "Let's go")]);
        check(r"FOO='x\\'", &[("FOO", r"x\\")]);
        check("FOO='a\nb'", &[("FOO", "a\nb")]);
        check(r#"FOO='"d"'"#, &[("FOO", r#""d""#)]);
    }

    #[test]
    fn double_quoted_values() {
        check(r#"FOO="bar""#, &[("FOO", "bar")]);
        check(r#"FOO="""#, &[("FOO", "")]);
        check(r#"FOO="'d'""#, &[("FOO", "'d'")]);
        check(r#"FOO="escaped\"bar""#, &[("FOO", r#"escaped"bar"#)]);
        check(r#"FOO="\"quoted\"""#, &[("FOO", r#""quoted""#)]);
        check(
            "FOO=\"first\nsecond\"\nB=1",
            &[("FOO", "first\nsecond"), ("B", "1")],
        );
        check("THREE = \"3\"", &[("THREE", "3")]);
    }

    #[test]
    fn double_quoted_escapes() {
        check(r#"FOO="bar\nbaz""#, &[("FOO", "bar\nbaz")]);
        check(r#"FOO="a\tb""#, &[("FOO", "a\tb")]);
        check(
            r#"KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z""#,
            &[("KEY", "Z\u{7}Z\u{8}Z\u{C}Z\nZ\rZ\tZ\u{B}Z\\ZSZ")],
        );
        check(r#"FOO="bar\n\ b\az""#, &[("FOO", "bar\n\\ b\u{7}z")]);
        check(r#"FOO="bar\\\n\ b\az""#, &[("FOO", "bar\\\n\\ b\u{7}z")]);
        check(r#"FOO="bar\\r\ b\az""#, &[("FOO", "bar\\r\\ b\u{7}z")]);
        check(r#"FOO="bar\nbaz\\""#, &[("FOO", "bar\nbaz\\")]);
        check(r#"FOO="it\'s""#, &[("FOO", r"it\'s")]);
    }

    #[test]
    fn unknown_escapes_are_kept() {
        check(r#"KEY="\x07""#, &[("KEY", r"\x07")]);
        check(r#"KEY="\u12e4""#, &[("KEY", r"\u12e4")]);
        check(r#"KEY="\c\z""#, &[("KEY", r"\c\z")]);
    }

    #[test]
    fn octal_escapes() {
        check(r#"KEY="\0123""#, &[("KEY", "S")]);
        check(r#"KEY="\01234""#, &[("KEY", "S4")]);
        check(r#"KEY="\0377""#, &[("KEY", "\u{FF}")]);
        check(r#"KEY="\0400""#, &[("KEY", r"\400")]);
        check(r#"KEY="\0089""#, &[("KEY", r"\089")]);
        check(r#"KEY="\0h""#, &[("KEY", r"\h")]);
        check(r#"KEY="\01i""#, &[("KEY", r"\1i")]);
        check(r#"KEY="\0""#, &[("KEY", r"\")]);
        check(r#"KEY="\0044HOME""#, &[("KEY", "/home/app")]);
    }

    #[test]
    fn escaped_dollar() {
        check(r#"FOO="foo\$HOME""#, &[("FOO", "foo$HOME")]);
        check(r#"FOO="foo\${HOME}""#, &[("FOO", "foo${HOME}")]);
        check(r#"FOO="\\$HOME""#, &[("FOO", r"\/home/app")]);
        check("FOO=$$HOME", &[("FOO", "$HOME")]);
        check(r"FOO=\$HOME", &[("FOO", r"\/home/app")]);
    }

    #[test]
    fn substitution() {
        check("FOO=test\nBAR=$FOO", &[("FOO", "test"), ("BAR", "test")]);
        check(
            "FOO=test\nBAR=${FOO}bar",
            &[("FOO", "test"), ("BAR", "testbar")],
        );
        check("BAR=$NOT_THERE", &[("BAR", "")]);
        check(
            "FOO=test\nBAR=\"quote $FOO\"",
            &[("FOO", "test"), ("BAR", "quote test")],
        );
        check("BAR=${HOME}/data", &[("BAR", "/home/app/data")]);
        check("BAR=${EMPTY:-default}", &[("BAR", "default")]);
        check("BAR=${NOT_THERE-a b} # c", &[("BAR", "a b")]);
        check(
            "FOO=${FOO:-first}\nFOO=${FOO}-second",
            &[("FOO", "first-second")],
        );
        check(
            "LATER=$LATER_KEY\nLATER_KEY=x",
            &[("LATER", ""), ("LATER_KEY", "x")],
        );
    }

    #[test]
    fn lookup_comes_before_earlier_keys() {
        check("A=1\nB=${A}", &[("A", "1"), ("B", "from lookup")]);
    }

    #[test]
    fn files_read_in_a_row_share_their_variables() {
        let mut variables = IndexMap::new();
        parse_into("X=1\nC=${X}\n", &environment, &mut variables).unwrap();
        parse_into("X=2\nB=${X}\nD=$C\n", &environment, &mut variables).unwrap();
        let actual: Vec<(&str, &str)> = variables
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        assert_eq!(actual, [("X", "2"), ("C", "1"), ("B", "2"), ("D", "1")]);
    }

    #[test]
    fn later_definitions_replace_values() {
        check("A=1\nB=2\nA=3", &[("A", "3"), ("B", "2")]);
    }

    #[test]
    fn text_after_a_closing_quote_is_the_next_statement() {
        check("A=\"b\" c=d\n", &[("A", "b"), ("c", "d")]);
        check("A='1' B='2'", &[("A", "1"), ("B", "2")]);
        check(
            "A=\"b\"INHERITED\n",
            &[("A", "b"), ("INHERITED", "from the environment")],
        );
    }

    #[test]
    fn windows_line_endings_and_byte_order_mark() {
        check(
            "\u{FEFF}A=1\r\nB=\"2\"\r\nC=3 \r\nINHERITED\r\n",
            &[
                ("A", "1"),
                ("B", "2"),
                ("C", "3"),
                ("INHERITED", "from the environment"),
            ],
        );
    }

    #[test]
    fn space_in_key() {
        check_error("FOO BAR=1", "line 1: key cannot contain a space");
        check_error("A=1\n\nFOO BAR\n", "line 3: key cannot contain a space");
    }

    #[test]
    fn unexpected_characters_in_keys() {
        // The message names the line and the character, never the line's text: an env
        // file's lines hold secrets.
        for (content, expected) in [
            (
                "%!(EXTRA string)=foo",
                r#"line 1: unexpected character "%" in a variable name"#,
            ),
            (
                "A=1\n\nB=\"x\ny\"\nC?=3",
                r#"line 5: unexpected character "?" in a variable name"#,
            ),
            (
                "lol$wut",
                r#"line 1: unexpected character "$" in a variable name"#,
            ),
            (
                "export 'A'=1",
                r#"line 1: unexpected character "'" in a variable name"#,
            ),
            (
                "A=1\nB \nC?=3\r\n",
                r#"line 3: unexpected character "?" in a variable name"#,
            ),
        ] {
            check_error(content, expected);
        }
    }

    #[test]
    fn unterminated_quotes() {
        for content in [
            r#"KEY=""#,
            r#"KEY="value"#,
            r#"KEY="value\""#,
            r#"KEY="value'"#,
            "KEY='",
            "KEY='value",
            r"KEY='value\'",
            r#"KEY='value""#,
        ] {
            check_error(content, "line 1: unterminated quoted value");
        }
        check_error(
            "A=1\nB=\"s3cret\nC=2\n",
            "line 2: unterminated quoted value",
        );
    }

    #[test]
    fn substitution_errors() {
        check_error(
            "A=1\nB=${NOT_THERE:?need it}",
            "line 2: required variable NOT_THERE is missing a value: need it",
        );
        check_error(
            "A=\"${B\"",
            r#"line 1: invalid interpolation format for "${B": unterminated "${""#,
        );
        check_error(
            "A=\"multi\nline\"\nB=${X:-",
            r#"line 3: invalid interpolation format for "${X:-": unterminated "${""#,
        );
    }

    #[test]
    fn values_built_from_values_cannot_grow_without_bound() {
        let mut content = "A0=xxxxxxxxxxxxxxxx\n".to_owned();
        for line in 1..40 {
            let previous = format!("${{A{}}}", line - 1);
            content.push_str(&format!("A{line}={}\n", previous.repeat(16)));
        }
        let error = run(&content).unwrap_err();
        assert_eq!(error.line, 7);
        assert!(error.message.ends_with("adds more than 16 MiB"));
    }

    #[test]
    fn single_quotes_do_not_substitute_so_cannot_fail() {
        check("A='${B'", &[("A", "${B")]);
    }
}

#[cfg(test)]
mod golden {
    //! Data-driven cases under `testdata/dotenv/<case>/`: `input.env` (the file, byte for byte),
    //! `env` (optional; `KEY=VALUE` lines for `lookup`, the rest of the line after the first `=`
    //! is the value) and, as the outcome, either `expected.txt` (one `"KEY"="VALUE"` line per
    //! variable, both written as Rust string literals, in the parser's order) or `error.txt`.
    //! `UPDATE_GOLDEN=1` rewrites the outcome files.

    use super::parse;
    use std::collections::HashMap;
    use std::fs;
    use std::path::{Path, PathBuf};

    fn cases_directory() -> PathBuf {
        // `file!()` is relative to the crate root in the crate, and absolute when this file is
        // compiled through a `#[path]` attribute from another crate.
        let source_file = Path::new(file!());
        let source = if source_file.is_absolute() {
            source_file.to_path_buf()
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(source_file)
        };
        let crate_root = source
            .ancestors()
            .nth(3)
            .expect("source lies in src/compose/");
        crate_root.join("testdata").join("dotenv")
    }

    fn read_environment(case: &Path) -> HashMap<String, String> {
        let Ok(text) = fs::read_to_string(case.join("env")) else {
            return HashMap::new();
        };
        text.lines()
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (key, value) = line.split_once('=').unwrap_or((line, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect()
    }

    fn outcome(case: &Path) -> [(&'static str, Option<String>); 2] {
        let content = fs::read_to_string(case.join("input.env")).expect("input.env is readable");
        let environment = read_environment(case);
        match parse(&content, &|name| environment.get(name).cloned()) {
            Ok(variables) => {
                let rendered = variables
                    .iter()
                    .map(|(key, value)| format!("{key:?}={value:?}\n"))
                    .collect();
                [("expected.txt", Some(rendered)), ("error.txt", None)]
            }
            Err(error) => [
                ("expected.txt", None),
                ("error.txt", Some(format!("{error}\n"))),
            ],
        }
    }

    #[test]
    fn golden_cases() {
        let directory = cases_directory();
        let mut cases: Vec<PathBuf> = fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", directory.display()))
            .map(|entry| entry.expect("directory entry").path())
            .filter(|path| path.is_dir())
            .collect();
        cases.sort();
        assert!(!cases.is_empty(), "no cases in {}", directory.display());
        let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1");
        let mut failures = Vec::new();
        for case in &cases {
            for (file, expected) in outcome(case) {
                let path = case.join(file);
                if update {
                    match &expected {
                        Some(content) => fs::write(&path, content).expect("write golden file"),
                        None if path.exists() => fs::remove_file(&path).expect("remove stale file"),
                        None => {}
                    }
                    continue;
                }
                let on_disk = fs::read_to_string(&path).ok();
                if on_disk != expected {
                    failures.push(format!(
                        "{}: the file holds {on_disk:?}, parsing gives {expected:?}",
                        path.display()
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "golden mismatches (UPDATE_GOLDEN=1 rewrites them):\n{}",
            failures.join("\n")
        );
    }
}
