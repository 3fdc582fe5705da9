//! Variable substitution in one string, with Docker Compose's rules.
//!
//! Compose substitutes variables in every string of a compose file, and in the values of `.env`
//! files, before anything else reads them. The syntax, as Compose implements it:
//!
//! - `$$` is a literal `$`.
//! - `$NAME` and `${NAME}` give the variable's value. An unset variable gives the empty string and
//!   its name is reported in [`Substituted::unset`] (Compose warns about it).
//! - `${NAME:-word}` gives `word` when NAME is unset or empty, `${NAME-word}` only when unset.
//! - `${NAME:?message}` fails when NAME is unset or empty, `${NAME?message}` only when unset.
//! - `${NAME:+word}` gives `word` when NAME is set and not empty, `${NAME+word}` when set;
//!   otherwise the variable's own value (empty or nothing), without a warning.
//! - `word` and `message` are templates themselves (`${A:-${B:-x}}`), expanded only when used,
//!   as in compose-go since January 2026 (Docker Compose v2.40 expands them always, so an error
//!   or an unset variable inside a word that is not used still fails or warns there).
//! - A name is a letter or `_`, then letters, digits and `_` (ASCII). A `$` followed by anything
//!   else (a digit, a space, `}`, the end) stays a literal `$`.
//! - `${` must be followed by a name and then `}` or an operator; anything else is an error.
//!
//! Two quirks are kept because the output must match `docker compose config`:
//!
//! - Compose matches names with a case-insensitive pattern, and Unicode case folding makes
//!   `ſ` (U+017F, long s) and `K` (U+212A, Kelvin sign) letters of a name too.
//! - The end of an operator's word is found by counting braces, where Compose's counter also
//!   steps over the byte that follows each `{`; when that count never balances, the word runs to
//!   the last `}` on the same line. So `${A:-{"k":1}}` has the word `{"k":1}`, and a word never
//!   spans a line break.
//!
//! Cost is linear in the length of the template times the nesting depth of the words that are
//! used, and that depth is capped at [`MAX_NESTING_DEPTH`]. The result may be at most
//! [`MAX_ADDED_LENGTH`] longer than the template, so that values built from values (an env file
//! where each line repeats the previous one several times) cannot grow without bound.

use indexmap::IndexSet;
use std::fmt;

/// How deeply operator words may nest (`${A:-${B:-…}}`) before substitution gives up.
/// Real files nest two or three levels; the cap keeps hostile input cheap and the stack small.
pub const MAX_NESTING_DEPTH: usize = 32;

/// How many bytes substitution may add to a template (16 MiB).
pub const MAX_ADDED_LENGTH: usize = 16 << 20;

/// The result of a successful substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The string with every substitution applied.
    pub value: String,
    /// Variables that were unset and had no default (compose warns about each), each name once,
    /// in the order they were first used.
    pub unset: Vec<String>,
}

/// Why a template could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolationError {
    kind: InterpolationErrorKind,
}

/// The kinds of [`InterpolationError`], for callers that word or classify them differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationErrorKind {
    /// `${NAME:?message}` or `${NAME?message}` met a variable without the required value.
    /// `reason` is the expanded message, empty when the template gave none.
    MissingRequired { variable: String, reason: String },
    /// The template is not well formed.
    InvalidFormat {
        template: String,
        problem: FormatProblem,
    },
    /// Substitution would make the template more than [`MAX_ADDED_LENGTH`] bytes longer.
    TooLong { template: String },
}

/// What is wrong with a malformed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatProblem {
    /// `${` is not followed by a variable name (`${}`, `${ X}`, `${1}`).
    MissingName,
    /// The name is followed by something other than `}` or an operator; `expression` is the
    /// text from `${` up to that character.
    UnexpectedCharacter { expression: String, found: char },
    /// No `}` closes the `${` on its line.
    Unterminated,
    /// Operator words nest deeper than [`MAX_NESTING_DEPTH`].
    TooDeep,
}

impl InterpolationError {
    #[cfg(test)]
    pub fn kind(&self) -> &InterpolationErrorKind {
        &self.kind
    }
}

impl fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            InterpolationErrorKind::MissingRequired { variable, reason } if reason.is_empty() => {
                write!(f, "required variable {variable} is missing a value")
            }
            InterpolationErrorKind::MissingRequired { variable, reason } => {
                write!(
                    f,
                    "required variable {variable} is missing a value: {reason}"
                )
            }
            InterpolationErrorKind::InvalidFormat { template, problem } => {
                write!(
                    f,
                    "invalid interpolation format for {template:?}: {problem}"
                )
            }
            InterpolationErrorKind::TooLong { template } => write!(
                f,
                "substituting the variables in {template:?} adds more than {} MiB",
                MAX_ADDED_LENGTH >> 20
            ),
        }
    }
}

impl fmt::Display for FormatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatProblem::MissingName => write!(f, r#""${{" must be followed by a variable name"#),
            FormatProblem::UnexpectedCharacter { expression, found } => write!(
                f,
                r#"unexpected {:?} after {expression:?}, expected "}}" or one of :- - :? ? :+ +"#,
                found.to_string()
            ),
            FormatProblem::Unterminated => write!(f, r#"unterminated "${{""#),
            FormatProblem::TooDeep => write!(
                f,
                "substitutions nested more than {MAX_NESTING_DEPTH} levels deep"
            ),
        }
    }
}

impl std::error::Error for InterpolationError {}

/// Substitutes the variables in `template`, reading their values through `lookup`
/// (`None` means unset, which differs from set to the empty string).
///
/// # Errors
///
/// A required variable (`${NAME:?…}`, `${NAME?…}`) without its value, or a malformed template;
/// the first one met, reading from the left.
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, InterpolationError> {
    let mut expander = Expander {
        lookup,
        unset: IndexSet::new(),
        max_length: template.len().saturating_add(MAX_ADDED_LENGTH),
    };
    match expander.expand(template, 0) {
        Ok(value) => Ok(Substituted {
            value,
            unset: expander.unset.into_iter().collect(),
        }),
        Err(failure) => Err(failure.in_template(template)),
    }
}

/// An error before it knows the template it belongs to: nested words are expanded as templates
/// of their own, but the message should name the string the user wrote.
enum Failure {
    MissingRequired { variable: String, reason: String },
    InvalidFormat(FormatProblem),
    TooLong,
}

impl Failure {
    fn in_template(self, template: &str) -> InterpolationError {
        let kind = match self {
            Failure::MissingRequired { variable, reason } => {
                InterpolationErrorKind::MissingRequired { variable, reason }
            }
            Failure::InvalidFormat(problem) => InterpolationErrorKind::InvalidFormat {
                template: template.to_owned(),
                problem,
            },
            Failure::TooLong => InterpolationErrorKind::TooLong {
                template: template.to_owned(),
            },
        };
        InterpolationError { kind }
    }
}

struct Expander<'l> {
    lookup: &'l dyn Fn(&str) -> Option<String>,
    unset: IndexSet<String>,
    /// The longest any expanded text may get: a word's expansion ends up inside the result, or
    /// is discarded, so one bound serves every level.
    max_length: usize,
}

impl Expander<'_> {
    /// Expands `text`, a template or an operator word nested `depth` levels deep.
    fn expand(&mut self, text: &str, depth: usize) -> Result<String, Failure> {
        if depth > MAX_NESTING_DEPTH {
            return Err(Failure::InvalidFormat(FormatProblem::TooDeep));
        }
        let mut expanded = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(dollar) = rest.find('$') {
            expanded.push_str(&rest[..dollar]);
            let after_dollar = &rest[dollar + 1..];
            let consumed = self.expand_dollar(after_dollar, depth, &mut expanded)?;
            if expanded.len() > self.max_length {
                return Err(Failure::TooLong);
            }
            rest = &after_dollar[consumed..];
        }
        expanded.push_str(rest);
        Ok(expanded)
    }

    /// Expands what a `$` starts, given the text after it; returns how many bytes of that text
    /// it used.
    fn expand_dollar(
        &mut self,
        after_dollar: &str,
        depth: usize,
        expanded: &mut String,
    ) -> Result<usize, Failure> {
        match after_dollar.chars().next() {
            Some('$') => {
                expanded.push('$');
                Ok(1)
            }
            Some('{') => {
                let expression = Expression::parse(&after_dollar[1..])?;
                expanded.push_str(&self.evaluate(&expression, depth)?);
                Ok(1 + expression.length)
            }
            Some(first) if is_name_start(first) => {
                let name = &after_dollar[..name_length(after_dollar)];
                expanded.push_str(&self.plain_value(name));
                Ok(name.len())
            }
            _ => {
                expanded.push('$');
                Ok(0)
            }
        }
    }

    fn evaluate(&mut self, expression: &Expression<'_>, depth: usize) -> Result<String, Failure> {
        let Some((operator, word)) = expression.operation else {
            return Ok(self.plain_value(expression.name));
        };
        let value = (self.lookup)(expression.name);
        if !operator.uses_word(value.as_deref()) {
            return Ok(value.unwrap_or_default());
        }
        let word = self.expand(word, depth + 1)?;
        if operator.is_requirement() {
            return Err(Failure::MissingRequired {
                variable: expression.name.to_owned(),
                reason: word,
            });
        }
        Ok(word)
    }

    /// The value of `$NAME` or `${NAME}`, noting the name when it is unset.
    fn plain_value(&mut self, name: &str) -> String {
        (self.lookup)(name).unwrap_or_else(|| {
            self.unset.insert(name.to_owned());
            String::new()
        })
    }
}

/// One `${…}`, parsed from the text after its `${`.
struct Expression<'t> {
    name: &'t str,
    /// The operator and its unexpanded word, absent for a plain `${NAME}`.
    operation: Option<(Operator, &'t str)>,
    /// Bytes after the `${` up to and including the closing `}`.
    length: usize,
}

impl<'t> Expression<'t> {
    fn parse(body: &'t str) -> Result<Self, Failure> {
        let name = &body[..name_length(body)];
        if name.is_empty() {
            let problem = match body.chars().next() {
                None | Some('\n') => FormatProblem::Unterminated,
                Some(_) => FormatProblem::MissingName,
            };
            return Err(Failure::InvalidFormat(problem));
        }
        let after_name = &body[name.len()..];
        if after_name.starts_with('}') {
            return Ok(Expression {
                name,
                operation: None,
                length: name.len() + 1,
            });
        }
        let (operator, operator_length) = Operator::parse(after_name)
            .map_err(|problem_at| Failure::InvalidFormat(problem_at.describe(name)))?;
        let word_start = name.len() + operator_length;
        let word_text = &body[word_start..];
        let word_length =
            word_length(word_text).ok_or(Failure::InvalidFormat(FormatProblem::Unterminated))?;
        Ok(Expression {
            name,
            operation: Some((operator, &word_text[..word_length])),
            length: word_start + word_length + 1,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    /// `:-`
    DefaultIfUnsetOrEmpty,
    /// `-`
    DefaultIfUnset,
    /// `:?`
    RequireNonEmpty,
    /// `?`
    RequireSet,
    /// `:+`
    ReplaceIfNonEmpty,
    /// `+`
    ReplaceIfSet,
}

/// Where operator parsing stopped: what follows the name is not an operator.
struct NotAnOperator {
    after_colon: bool,
    found: Option<char>,
}

impl NotAnOperator {
    fn describe(&self, name: &str) -> FormatProblem {
        match self.found {
            None | Some('\n') => FormatProblem::Unterminated,
            Some(found) => {
                let colon = if self.after_colon { ":" } else { "" };
                FormatProblem::UnexpectedCharacter {
                    expression: format!("${{{name}{colon}"),
                    found,
                }
            }
        }
    }
}

impl Operator {
    /// Reads the operator at the start of `text`; returns it and its length in bytes.
    fn parse(text: &str) -> Result<(Operator, usize), NotAnOperator> {
        let (after_colon, rest) = match text.strip_prefix(':') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let symbol = rest.chars().next();
        let operator = match (after_colon, symbol) {
            (true, Some('-')) => Operator::DefaultIfUnsetOrEmpty,
            (false, Some('-')) => Operator::DefaultIfUnset,
            (true, Some('?')) => Operator::RequireNonEmpty,
            (false, Some('?')) => Operator::RequireSet,
            (true, Some('+')) => Operator::ReplaceIfNonEmpty,
            (false, Some('+')) => Operator::ReplaceIfSet,
            (_, found) => return Err(NotAnOperator { after_colon, found }),
        };
        Ok((operator, usize::from(after_colon) + 1))
    }

    /// Whether the word replaces the variable's value (or, for a requirement, whether the
    /// requirement fails).
    fn uses_word(self, value: Option<&str>) -> bool {
        let set = value.is_some();
        let non_empty = value.is_some_and(|value| !value.is_empty());
        match self {
            Operator::DefaultIfUnsetOrEmpty | Operator::RequireNonEmpty => !non_empty,
            Operator::DefaultIfUnset | Operator::RequireSet => !set,
            Operator::ReplaceIfNonEmpty => non_empty,
            Operator::ReplaceIfSet => set,
        }
    }

    fn is_requirement(self) -> bool {
        matches!(self, Operator::RequireNonEmpty | Operator::RequireSet)
    }
}

/// The length of an operator's word, given the text after the operator, or `None` when no `}`
/// closes it on its line.
///
/// Compose first matches the expression with a pattern whose word runs (greedily, within one
/// line) to the last `}` on the line, then cuts it at the `}` that balances the opening `{`.
/// Its brace counter skips the byte after every `{`, so `{}` inside a word leaves the count one
/// higher; when the count never returns to zero the cut does not happen and the word keeps
/// running to that last `}`. Both steps are reproduced here in one pass.
fn word_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut open_braces = 1usize;
    let mut last_closing_brace = None;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\n' => break,
            b'}' => {
                last_closing_brace = Some(index);
                open_braces -= 1;
                if open_braces == 0 {
                    return Some(index);
                }
            }
            b'{' => {
                open_braces += 1;
                index += 1;
                match bytes.get(index) {
                    Some(b'}') => last_closing_brace = Some(index),
                    Some(b'\n') => break,
                    _ => {}
                }
            }
            _ => {}
        }
        index += 1;
    }
    last_closing_brace
}

/// The length in bytes of the variable name at the start of `text`, 0 when there is none.
fn name_length(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, first)) if is_name_start(first) => {}
        _ => return 0,
    }
    chars
        .find(|&(_, c)| !is_name_continue(c))
        .map_or(text.len(), |(end, _)| end)
}

/// Compose's pattern is `(?i)[_a-z][_a-z0-9]*`; under Unicode case folding `ſ` matches `s` and
/// the Kelvin sign matches `k`, so they count as letters too.
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || c == '\u{17F}' || c == '\u{212A}'
}

fn is_name_continue(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The environment the unit tests substitute from.
    fn environment(name: &str) -> Option<String> {
        let value = match name {
            "FOO" => "first",
            "BAR" => "",
            "JSON" => r#"{"json":2}"#,
            "HOST" => "db",
            "PORT" => "5432",
            "DOLLAR" => "$HOST",
            "ſ" => "long s",
            _ => return None,
        };
        Some(value.to_owned())
    }

    fn run(template: &str) -> Result<Substituted, InterpolationError> {
        substitute(template, &environment)
    }

    #[track_caller]
    fn check(template: &str, expected: &str) {
        match run(template) {
            Ok(substituted) => assert_eq!(substituted.value, expected, "template {template:?}"),
            Err(error) => panic!("template {template:?} failed: {error}"),
        }
    }

    #[track_caller]
    fn check_unset(template: &str, expected_value: &str, expected_unset: &[&str]) {
        let substituted = run(template).expect("substitution succeeds");
        assert_eq!(substituted.value, expected_value, "template {template:?}");
        assert_eq!(substituted.unset, expected_unset, "template {template:?}");
    }

    #[track_caller]
    fn check_error(template: &str, expected_message: &str) {
        match run(template) {
            Ok(substituted) => panic!("template {template:?} gave {:?}", substituted.value),
            Err(error) => assert_eq!(error.to_string(), expected_message, "template {template:?}"),
        }
    }

    #[test]
    fn text_without_variables_is_unchanged() {
        check("", "");
        check("plain text", "plain text");
        check("ünïcödé ✓", "ünïcödé ✓");
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        check("$$", "$");
        check("$${FOO}", "${FOO}");
        check("$$FOO", "$FOO");
        check("$$$FOO", "$first");
        check("$$$$", "$$");
        check("cost: 5$$", "cost: 5$");
    }

    #[test]
    fn dollar_without_a_name_stays_literal() {
        check("$", "$");
        check("a $ string", "a $ string");
        check("^REGEX$", "^REGEX$");
        check("$}", "$}");
        check("$1", "$1");
        check("$-", "$-");
        check("$ FOO", "$ FOO");
        check("$é", "$é");
        check("$1$FOO", "$1first");
    }

    #[test]
    fn unbraced_variables() {
        check("$FOO", "first");
        check("$FOO-bar", "first-bar");
        check("$FOO.bar", "first.bar");
        check("$HOST:$PORT", "db:5432");
        check("x$FOO$FOO", "xfirstfirst");
        check("$BAR", "");
        check("$foo", "");
    }

    #[test]
    fn unbraced_name_is_as_long_as_possible() {
        check_unset("$FOO_1", "", &["FOO_1"]);
        check_unset("$FOObar", "", &["FOObar"]);
        check("$FOOé", "firsté");
    }

    #[test]
    fn braced_variables() {
        check("${FOO}", "first");
        check("${FOO}bar", "firstbar");
        check("${HOST}:${PORT}", "db:5432");
        check("${BAR}", "");
        check("${_}", "");
        check("${FOO}}", "first}");
    }

    #[test]
    fn values_are_not_substituted_again() {
        check("$DOLLAR", "$HOST");
        check("${DOLLAR}", "$HOST");
        check("${BAR:-$DOLLAR}", "$HOST");
    }

    #[test]
    fn long_s_and_kelvin_sign_are_name_letters() {
        check("$ſ", "long s");
        check("${ſ}", "long s");
        check_unset("${\u{212A}}", "", &["\u{212A}"]);
        check_unset("$FOOſ", "", &["FOOſ"]);
    }

    #[test]
    fn default_when_unset_or_empty() {
        check("${UNSET:-default}", "default");
        check("${BAR:-default}", "default");
        check("${FOO:-default}", "first");
        check("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric");
        check("${UNSET:-}", "");
        check("${UNSET:-a b  c}", "a b  c");
    }

    #[test]
    fn default_when_unset() {
        check("${UNSET-default}", "default");
        check("${BAR-default}", "");
        check("${FOO-default}", "first");
        check("${UNSET-myerror?msg}", "myerror?msg");
        check("${UNSET-}", "");
    }

    #[test]
    fn replacement_when_not_empty() {
        check("${FOO:+replacement}", "replacement");
        check("${BAR:+replacement}", "");
        check("${UNSET:+replacement}", "");
        check("x${UNSET:+y}z", "xz");
    }

    #[test]
    fn replacement_when_set() {
        check("${FOO+replacement}", "replacement");
        check("${BAR+replacement}", "replacement");
        check("${UNSET+replacement}", "");
    }

    #[test]
    fn operators_without_a_default_do_not_report_unset() {
        check_unset("${UNSET:+x}${UNSET+x}", "", &[]);
        check_unset("${UNSET:-}${UNSET-}", "", &[]);
    }

    #[test]
    fn required_variable_present() {
        check("${FOO:?err}", "first");
        check("${FOO?err}", "first");
        check("${BAR?err}", "");
        check("${JSON:?}", r#"{"json":2}"#);
    }

    #[test]
    fn required_variable_missing() {
        check_error(
            "not ok ${UNSET:?Mandatory Variable Unset}",
            "required variable UNSET is missing a value: Mandatory Variable Unset",
        );
        check_error(
            "${BAR:?must not be empty}",
            "required variable BAR is missing a value: must not be empty",
        );
        check_error(
            "${UNSET?set it in .env}",
            "required variable UNSET is missing a value: set it in .env",
        );
        check_error("${UNSET:?}", "required variable UNSET is missing a value");
        check_error("${UNSET?}", "required variable UNSET is missing a value");
        check_error("${BAR:?}", "required variable BAR is missing a value");
        check_error(
            "${UNSET?bar-baz}",
            "required variable UNSET is missing a value: bar-baz",
        );
    }

    #[test]
    fn required_message_is_expanded() {
        check_error(
            "${UNSET:?Mandatory Variable ${FOO}}",
            "required variable UNSET is missing a value: Mandatory Variable first",
        );
        check_error(
            "${UNSET?oops ${BAR:-x} $$}",
            "required variable UNSET is missing a value: oops x $",
        );
    }

    #[test]
    fn required_error_kind() {
        let error = run("${UNSET:?why}").unwrap_err();
        assert_eq!(
            error.kind(),
            &InterpolationErrorKind::MissingRequired {
                variable: "UNSET".to_owned(),
                reason: "why".to_owned()
            }
        );
    }

    #[test]
    fn first_operator_after_the_name_wins() {
        check("${UNSET-a:-b}", "a:-b");
        check("${UNSET:-a-b}", "a-b");
        check("${FOO:+a?b}", "a?b");
        check("${UNSET-a?b}", "a?b");
        check("${FOO+va:+lue}", "va:+lue");
        check_error(
            "${UNSET?va-lu+e}",
            "required variable UNSET is missing a value: va-lu+e",
        );
    }

    #[test]
    fn outer_text_does_not_change_the_operator() {
        check("-ok ${BAR:-defaultValue}", "-ok defaultValue");
        check(":-ok ${UNSET-defaultValue}", ":-ok defaultValue");
        check(":?ok ${BAR-defaultValue}", ":?ok ");
        check("+ok ${BAR-defaultValue}", "+ok ");
        check("?ok ${BAR:-defaultValue}", "?ok defaultValue");
    }

    #[test]
    fn nested_defaults() {
        check("${UNSET:-${FOO}}", "first");
        check("${UNSET-$FOO}", "first");
        check("${UNSET-${FOO} ${FOO}}", "first first");
        check("${UNSET:-${ALSO_UNSET:-x}}", "x");
        check("${UNSET:-${ALSO_UNSET:-${HOST}:${PORT}}}", "db:5432");
        check("${UNSET:-${BAR-defaultValue}}", "");
        check("${BAR+$FOO ${FOO:+second}}", "first second");
        check("${FOO:+${HOST}-${UNSET:-c}}", "db-c");
        check("${UNSET:-$$}", "$");
        check("${UNSET:-$}", "$");
    }

    #[test]
    fn words_are_expanded_only_when_used() {
        check_unset("${FOO:-${UNSET}}", "first", &[]);
        check_unset("${UNSET:-${ALSO_UNSET}}", "", &["ALSO_UNSET"]);
        check_unset("${UNSET:+${UNSET},}B", "B", &[]);
        check("${FOO:-${UNSET:?never checked}}", "first");
        check("${FOO?${UNSET:?never checked}}", "first");
        check("${FOO-${}}", "first");
    }

    #[test]
    fn errors_inside_used_words() {
        check_error(
            "${UNSET:-${ALSO_UNSET:?inner}}",
            "required variable ALSO_UNSET is missing a value: inner",
        );
        check_error(
            "${UNSET:-${}}",
            r#"invalid interpolation format for "${UNSET:-${}}": "${" must be followed by a variable name"#,
        );
    }

    #[test]
    fn braces_in_words() {
        check(r#"ok ${UNSET:-{"json":1}}"#, r#"ok {"json":1}"#);
        check(r#"ok ${UNSET-{"json":1}}"#, r#"ok {"json":1}"#);
        check(r#"ok ${JSON:-{"json":1}}"#, r#"ok {"json":2}"#);
        check("${UNSET:-{x}}y}", "{x}y}");
        check("${UNSET:-{{x}}}", "{{x}}");
        check("${UNSET:-a}b}c}", "ab}c}");
        check("${FOO-a}b}c}", "firstb}c}");
        check("${UNSET:-x}}${ALSO_UNSET:-y}}", "x}y}");
        check("${UNSET-{a}b}c", "{a}bc");
    }

    #[test]
    fn unbalanced_braces_in_words_run_to_the_last_brace_on_the_line() {
        check("${UNSET:-{}}", "{}");
        check("${UNSET:-{}", "{");
        check("a${UNSET:-{b}", "a{b");
        check("${UNSET:-a{}b} c", "a{}b c");
        check("${UNSET-{${HOST}}", "{db");
        check("${UNSET-{${HOST}} tail}", "{db} tail");
        check("${FOO:-{} ${HOST}}", "first");
        check("${FOO:-{x}\n${HOST}}", "first\ndb}");
    }

    #[test]
    fn expressions_on_separate_lines() {
        check("${UNSET:-a}\n${ALSO_UNSET:-b}", "a\nb");
        check("${FOO}\n$HOST\n", "first\ndb\n");
    }

    #[test]
    fn unset_variables_are_listed_once_in_order() {
        check_unset(
            "${B_UNSET} $A_UNSET ${B_UNSET}",
            "  ",
            &["B_UNSET", "A_UNSET"],
        );
        check_unset("$FOO $BAR", "first ", &[]);
        check_unset("${UNSET:-x}", "x", &[]);
    }

    #[test]
    fn missing_names() {
        let no_name = r#""${" must be followed by a variable name"#;
        for template in ["${}", "${ }", "${ foo}", "${1}", "${-x}", "${é}"] {
            check_error(
                template,
                &format!("invalid interpolation format for {template:?}: {no_name}"),
            );
        }
    }

    #[test]
    fn unexpected_characters_after_names() {
        check_error(
            "${foo }",
            r#"invalid interpolation format for "${foo }": unexpected " " after "${foo", expected "}" or one of :- - :? ? :+ +"#,
        );
        check_error(
            "${foo!}",
            r#"invalid interpolation format for "${foo!}": unexpected "!" after "${foo", expected "}" or one of :- - :? ? :+ +"#,
        );
        check_error(
            "${A:x}",
            r#"invalid interpolation format for "${A:x}": unexpected "x" after "${A:", expected "}" or one of :- - :? ? :+ +"#,
        );
        check_error(
            "${A:}",
            r#"invalid interpolation format for "${A:}": unexpected "}" after "${A:", expected "}" or one of :- - :? ? :+ +"#,
        );
    }

    #[test]
    fn unterminated_expressions() {
        for template in [
            "a ${",
            "${\nFOO}",
            "${FOO",
            "${FOO:",
            "${FOO:-x",
            "${FOO-",
            "${UNSET:-x\ny}",
            "a ${FOO:-x} ${B\n}",
            "${FOO\n}",
            "${FOO:\n-}",
            "${FOO:-x}${BAR:-{",
        ] {
            check_error(
                template,
                &format!(r#"invalid interpolation format for {template:?}: unterminated "${{""#),
            );
        }
    }

    #[test]
    fn error_names_the_whole_template() {
        check_error(
            "${UNSET:-{x} ${B}",
            r#"invalid interpolation format for "${UNSET:-{x} ${B}": unterminated "${""#,
        );
    }

    #[test]
    fn first_error_wins() {
        check_error(
            "${A:?first} ${",
            "required variable A is missing a value: first",
        );
        check_error(
            "${ ${A:?second}",
            r#"invalid interpolation format for "${ ${A:?second}": "${" must be followed by a variable name"#,
        );
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let template = nested_default_template(MAX_NESTING_DEPTH);
        check(&template, "deep");
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error() {
        let template = nested_default_template(MAX_NESTING_DEPTH + 1);
        let error = run(&template).unwrap_err();
        assert_eq!(
            error.kind(),
            &InterpolationErrorKind::InvalidFormat {
                template: template.clone(),
                problem: FormatProblem::TooDeep
            }
        );
        assert!(error
            .to_string()
            .ends_with(": substitutions nested more than 32 levels deep"));
    }

    #[test]
    fn growth_up_to_the_limit_is_accepted() {
        let big = "x".repeat(1 << 20);
        let lookup = |name: &str| (name == "BIG").then(|| big.clone());
        let template = "$BIG".repeat(16);
        let substituted = substitute(&template, &lookup).unwrap();
        assert_eq!(substituted.value.len(), 16 << 20);
    }

    #[test]
    fn growth_beyond_the_limit_is_an_error() {
        let big = "x".repeat(1 << 20);
        let lookup = |name: &str| (name == "BIG").then(|| big.clone());
        let template = format!("{}${{UNSET:-x}}", "$BIG".repeat(20));
        let error = substitute(&template, &lookup).unwrap_err();
        assert_eq!(
            error.kind(),
            &InterpolationErrorKind::TooLong {
                template: template.clone()
            }
        );
        assert_eq!(
            error.to_string(),
            format!("substituting the variables in {template:?} adds more than 16 MiB")
        );
    }

    #[test]
    fn deep_nesting_in_an_unused_word_is_not_evaluated() {
        let template = format!("${{FOO:-{}}}", nested_default_template(10_000));
        check(&template, "first");
    }

    #[test]
    fn hostile_inputs_finish_quickly() {
        let many_braces = format!("${{UNSET:-{}}}", "{".repeat(200_000));
        check(&many_braces, &"{".repeat(200_000));
        let many_open = "${A-{".repeat(50_000);
        assert!(run(&many_open).is_err());
        let many_variables = "$V".repeat(100_000);
        let substituted = run(&many_variables).unwrap();
        assert_eq!(substituted.unset, ["V"]);
        let many_names: String = (0..50_000).map(|i| format!("${{V{i}}}")).collect();
        assert_eq!(run(&many_names).unwrap().unset.len(), 50_000);
    }

    fn nested_default_template(levels: usize) -> String {
        format!("{}deep{}", "${UNSET:-".repeat(levels), "}".repeat(levels))
    }
}

#[cfg(test)]
mod golden {
    //! Data-driven cases under `testdata/interpolate/<case>/`:
    //! `input.txt` (the template, byte for byte), `env` (optional; `KEY=VALUE` lines, the rest of
    //! the line after the first `=` is the value) and, as the outcome, either `expected.txt`
    //! (the value, byte for byte) plus `unset.txt` (one name a line, only when some are unset)
    //! or `error.txt` (the message). `UPDATE_GOLDEN=1` rewrites the outcome files.

    use super::substitute;
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
        crate_root.join("testdata").join("interpolate")
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

    fn outcome(case: &Path) -> Vec<(&'static str, Option<String>)> {
        let template = fs::read_to_string(case.join("input.txt")).expect("input.txt is readable");
        let environment = read_environment(case);
        match substitute(&template, &|name| environment.get(name).cloned()) {
            Ok(substituted) => {
                let unset = (!substituted.unset.is_empty()).then(|| {
                    substituted
                        .unset
                        .iter()
                        .map(|name| format!("{name}\n"))
                        .collect()
                });
                vec![
                    ("expected.txt", Some(substituted.value)),
                    ("unset.txt", unset),
                    ("error.txt", None),
                ]
            }
            Err(error) => vec![
                ("expected.txt", None),
                ("unset.txt", None),
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
                        "{}: the file holds {on_disk:?}, substitution gives {expected:?}",
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
