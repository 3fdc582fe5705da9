//! The only module that knows YAML: compose files are parsed here (with the yaml-rust2 event
//! parser) into [`Value`] trees that remember the line and column of every node, and output
//! objects are printed here as YAML that kubectl reads back exactly. Swapping the parser is
//! a change to this file alone.
//!
//! The input accepted is what Docker Compose's YAML library (go-yaml v3, a port of libyaml)
//! accepts, which is more than strict YAML 1.2: a flow collection's closing bracket at its
//! key's column, a comment right after a token, quoted scalars whose lines sit at any
//! column, `\'` in double quotes, `-` alone in a flow collection. yaml-rust2 refuses those
//! in its scanner, where no caller can relax it, so the crate is vendored
//! (`vendor/yaml-rust2/`, its README lists each change) rather than rewriting the source
//! text here, which would move every reported column. Application tags (`!custom x`) are
//! ignored as go-yaml ignores them: the scalar is a string.
//!
//! Scalars resolve as Docker Compose's YAML library resolves them (YAML 1.2 core schema:
//! `yes` and `on` are strings, `0x1F` and `0o17` are integers). Anchors, aliases and `<<`
//! merge keys are expanded while the tree is built; Compose's `!reset` and `!override`
//! tags are kept on the node for the merge stage. The builder refuses alias bombs (a
//! document whose aliases add more than [`MAX_ALIAS_NODES`] nodes), nesting deeper than [`MAX_DEPTH`], duplicate
//! keys and non-scalar keys, each with the position of the offending node.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::value::{Kind, Map, MergeTag, Span, Value};

mod print;

pub use print::to_string;

/// Nesting deeper than this is refused: no compose file needs it, and it protects every
/// recursive walk of the tree later on.
pub const MAX_DEPTH: usize = 128;

/// The most nodes aliases may add to one file. Nodes written out are bounded by the
/// file's size; aliases are not, so they are budgeted. The budget is far above what real
/// files use (`<<: *defaults` on thousands of services) and keeps a refused bomb cheap:
/// every later stage walks the expanded tree.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A YAML problem with the position where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Parses every document of a YAML stream. `file` is recorded in each node's span.
pub fn parse(source: &str, file: Option<Arc<Path>>) -> Result<Vec<Value>, YamlError> {
    refuse_control_characters(source)?;
    let mut builder = TreeBuilder::new(file);
    let mut parser = Parser::new_from_str(source);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            message: e.info().to_string(),
            line: e.marker().line() as u32,
            column: e.marker().col() as u32 + 1,
        })?;
        if event == Event::StreamEnd {
            break;
        }
        builder.on_event(event, mark)?;
    }
    Ok(builder.documents)
}

/// YAML allows only printable characters (tab, line breaks and a byte order mark
/// included), and Compose's YAML library refuses any other; the parser used here would
/// instead end the stream at a NUL byte and silently drop the rest of the file.
fn refuse_control_characters(source: &str) -> Result<(), YamlError> {
    let Some((offset, character)) = source.char_indices().find(|&(_, c)| !is_printable(c)) else {
        return Ok(());
    };
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Err(YamlError {
        message: format!(
            "control character U+{:04X} is not allowed in YAML (is this a binary file?)",
            u32::from(character)
        ),
        line: u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX),
        column: u32::try_from(before[line_start..].chars().count() + 1).unwrap_or(u32::MAX),
    })
}

/// YAML 1.2's printable set (c-printable).
fn is_printable(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A collection being built. `size` counts its nodes so far, itself included, so that an
/// anchor's size is known without walking it.
enum Frame {
    Seq {
        items: Vec<Value>,
        size: usize,
        span: Span,
        anchor: usize,
        tag: Option<MergeTag>,
    },
    Map {
        entries: Map,
        size: usize,
        /// Sources of `<<` merge keys, applied when the mapping ends (explicit keys win).
        merges: Vec<Value>,
        pending_key: Option<(String, Span)>,
        merge_pending: bool,
        span: Span,
        anchor: usize,
        tag: Option<MergeTag>,
    },
}

struct TreeBuilder {
    file: Option<Arc<Path>>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    aliased_nodes: usize,
    documents: Vec<Value>,
}

impl TreeBuilder {
    fn new(file: Option<Arc<Path>>) -> Self {
        TreeBuilder {
            file,
            stack: Vec::new(),
            anchors: HashMap::new(),
            aliased_nodes: 0,
            documents: Vec::new(),
        }
    }

    fn span(&self, mark: &Marker) -> Span {
        Span::new(self.file.clone(), mark.line() as u32, mark.col() as u32 + 1)
    }

    fn error(&self, mark: &Marker, message: impl Into<String>) -> YamlError {
        YamlError {
            message: message.into(),
            line: mark.line() as u32,
            column: mark.col() as u32 + 1,
        }
    }

    fn on_event(&mut self, event: Event, mark: Marker) -> Result<(), YamlError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let span = self.span(&mark);
                let (kind, merge_tag) = resolve_scalar(text, style, tag.as_ref())
                    .map_err(|message| self.error(&mark, message))?;
                let mut value = Value::new(kind, span);
                value.tag = merge_tag;
                self.complete(value, anchor, 1, &mark)
            }
            Event::Alias(id) => {
                let size = match self.anchors.get(&id) {
                    Some((_, size)) => *size,
                    None => return Err(self.error(&mark, "alias refers to an unknown anchor")),
                };
                // Counted before cloning, so an alias bomb is refused before it is built.
                self.count_aliased(size, &mark)?;
                let value = self
                    .anchors
                    .get(&id)
                    .map(|(v, _)| v.clone())
                    .unwrap_or_else(Value::null);
                self.complete(value, 0, size, &mark)
            }
            Event::SequenceStart(anchor, tag) => {
                self.enter(&mark)?;
                let tag = collection_tag(tag.as_ref()).map_err(|m| self.error(&mark, m))?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    size: 1,
                    span: self.span(&mark),
                    anchor,
                    tag,
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.enter(&mark)?;
                let tag = collection_tag(tag.as_ref()).map_err(|m| self.error(&mark, m))?;
                self.stack.push(Frame::Map {
                    entries: Map::default(),
                    size: 1,
                    merges: Vec::new(),
                    pending_key: None,
                    merge_pending: false,
                    span: self.span(&mark),
                    anchor,
                    tag,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => self.leave(&mark),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => Ok(()),
        }
    }

    fn enter(&mut self, mark: &Marker) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(
                mark,
                format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
            ));
        }
        Ok(())
    }

    fn count_aliased(&mut self, nodes: usize, mark: &Marker) -> Result<(), YamlError> {
        self.aliased_nodes = self.aliased_nodes.saturating_add(nodes);
        if self.aliased_nodes > MAX_ALIAS_NODES {
            return Err(self.error(
                mark,
                format!(
                    "aliases add more than {MAX_ALIAS_NODES} nodes to the document; \
                     refusing it as an alias bomb"
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self, mark: &Marker) -> Result<(), YamlError> {
        let frame = self
            .stack
            .pop()
            .ok_or_else(|| self.error(mark, "unbalanced end of collection"))?;
        let (value, anchor, size) = match frame {
            Frame::Seq {
                items,
                size,
                span,
                anchor,
                tag,
            } => {
                let mut value = Value::new(Kind::Seq(items), span);
                value.tag = tag;
                (value, anchor, size)
            }
            Frame::Map {
                mut entries,
                size,
                merges,
                span,
                anchor,
                tag,
                ..
            } => {
                for source in merges {
                    apply_merge_key(&mut entries, source);
                }
                let mut value = Value::new(Kind::Map(Box::new(entries)), span);
                value.tag = tag;
                (value, anchor, size)
            }
        };
        self.complete(value, anchor, size, mark)
    }

    /// Places a finished node into its parent (or as a document) and records its anchor.
    fn complete(
        &mut self,
        value: Value,
        anchor: usize,
        size: usize,
        mark: &Marker,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), size));
        }
        let (line, column) = (mark.line() as u32, mark.col() as u32 + 1);
        let error_at = |message: String| YamlError {
            message,
            line,
            column,
        };
        match self.stack.last_mut() {
            None => {
                self.documents.push(value);
                Ok(())
            }
            Some(Frame::Seq {
                items,
                size: frame_size,
                ..
            }) => {
                *frame_size = frame_size.saturating_add(size);
                items.push(value);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                size: frame_size,
                merges,
                pending_key,
                merge_pending,
                ..
            }) => {
                // Keys count too: an overestimate where a merge key's value is replaced,
                // which only makes the alias budget stricter.
                *frame_size = frame_size.saturating_add(size);
                if *merge_pending {
                    *merge_pending = false;
                    return merge_source(value, merges).map_err(error_at);
                }
                match pending_key.take() {
                    Some((key, key_span)) => {
                        let mut value = value;
                        // A collection's own start is where its first entry begins (or
                        // after it); a diagnostic about the whole collection reads best at
                        // the key that names it.
                        if matches!(value.kind, Kind::Map(_) | Kind::Seq(_)) {
                            value.span = key_span;
                        }
                        entries.insert(key, value);
                        Ok(())
                    }
                    None => {
                        if matches!(&value.kind, Kind::String(s) if s == "<<")
                            && value.tag.is_none()
                        {
                            *merge_pending = true;
                            return Ok(());
                        }
                        let (is_null, span) =
                            (matches!(value.kind, Kind::Null), value.span.clone());
                        let key = match (value.into_scalar_string(), is_null) {
                            (Some(k), _) => k,
                            (None, true) => "null".to_string(),
                            (None, false) => {
                                return Err(error_at(
                                    "mapping keys must be scalars, not sequences or mappings"
                                        .to_string(),
                                ))
                            }
                        };
                        if entries.contains_key(&key) {
                            return Err(error_at(format!("duplicate key `{key}` in mapping")));
                        }
                        *pending_key = Some((key, span));
                        Ok(())
                    }
                }
            }
        }
    }
}

/// Accepts the value of a `<<` key: a mapping or a sequence of mappings.
fn merge_source(value: Value, merges: &mut Vec<Value>) -> Result<(), String> {
    match value.kind {
        Kind::Map(_) => {
            merges.push(value);
            Ok(())
        }
        Kind::Seq(items) => {
            for item in items {
                if !matches!(item.kind, Kind::Map(_)) {
                    return Err("a `<<` merge key takes a mapping or a sequence of mappings".into());
                }
                merges.push(item);
            }
            Ok(())
        }
        _ => Err("a `<<` merge key takes a mapping or a sequence of mappings".into()),
    }
}

/// YAML merge keys: keys of the mapping itself win, then earlier sources over later ones.
fn apply_merge_key(entries: &mut Map, source: Value) {
    if let Kind::Map(source) = source.kind {
        for (key, value) in *source {
            entries.entry(key).or_insert(value);
        }
    }
}

/// Compose's `!reset` and `!override`; any other tag is not one.
fn merge_tag(tag: Option<&Tag>) -> Option<MergeTag> {
    let tag = tag?;
    if tag.handle != "!" {
        return None;
    }
    match tag.suffix.as_str() {
        "reset" => Some(MergeTag::Reset),
        "override" => Some(MergeTag::Override),
        _ => None,
    }
}

fn is_standard(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!"
}

/// Compose's YAML library ignores a collection's application tag (`!custom {a: 1}` is the
/// mapping), so only `!reset` and `!override` mean anything here.
fn collection_tag(tag: Option<&Tag>) -> Result<Option<MergeTag>, String> {
    Ok(merge_tag(tag))
}

/// Resolves a scalar's text to a typed value following the YAML 1.2 core schema as
/// Compose's YAML library applies it.
fn resolve_scalar(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
) -> Result<(Kind, Option<MergeTag>), String> {
    let merge = merge_tag(tag);
    if let Some(tag) = tag {
        if is_standard(tag) {
            return resolve_standard_tag(text, &tag.suffix).map(|kind| (kind, merge));
        }
        // An application tag (`!custom 12`): Compose's YAML library keeps the text as a
        // string, whatever it looks like. The bare `!` only asks for the usual resolution.
        if merge.is_none() && !(tag.handle.is_empty() && tag.suffix == "!") {
            return Ok((Kind::String(text), None));
        }
    }
    if style != TScalarStyle::Plain {
        return Ok((Kind::String(text), merge));
    }
    if merge == Some(MergeTag::Reset) && text.is_empty() {
        return Ok((Kind::Null, merge));
    }
    Ok((resolve_plain(text), merge))
}

fn resolve_standard_tag(text: String, suffix: &str) -> Result<Kind, String> {
    match suffix {
        "str" => Ok(Kind::String(text)),
        "null" => Ok(Kind::Null),
        "bool" => match resolve_plain(text.clone()) {
            Kind::Bool(b) => Ok(Kind::Bool(b)),
            _ => Err(format!("`{text}` is not a boolean")),
        },
        "int" => match resolve_plain(text.clone()) {
            Kind::Int(i) => Ok(Kind::Int(i)),
            _ => Err(format!("`{text}` is not an integer")),
        },
        "float" => match resolve_plain(text.clone()) {
            Kind::Int(i) => Ok(Kind::Float(i as f64)),
            Kind::Float(f) => Ok(Kind::Float(f)),
            _ => Err(format!("`{text}` is not a number")),
        },
        other => Err(format!("unsupported tag `!!{other}`")),
    }
}

fn resolve_plain(text: String) -> Kind {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Kind::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Kind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Kind::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_int(&text) {
        return Kind::Int(i);
    }
    if looks_like_float(&text) {
        if let Ok(f) = text.replace('_', "").parse::<f64>() {
            return Kind::Float(f);
        }
    }
    Kind::String(text)
}

/// Integers as Go's `strconv.ParseInt(s, 0, 64)` reads them after dropping `_`:
/// decimal, `0x` hex, `0o` or leading-zero octal, `0b` binary, with an optional sign.
fn parse_int(text: &str) -> Option<i64> {
    let cleaned: std::borrow::Cow<str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    if digits.is_empty() || text.starts_with('_') {
        return None;
    }
    let (radix, body) = if let Some(rest) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
    {
        (8, rest)
    } else if let Some(rest) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        (2, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let signed = if negative { -magnitude } else { magnitude };
    i64::try_from(signed).ok()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, the float syntax Compose's
/// YAML library accepts.
fn looks_like_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => digits(e.strip_prefix(['-', '+']).unwrap_or(e)),
    };
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(source: &str) -> Value {
        let mut docs = parse(source, None).expect("valid yaml");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    fn err(source: &str) -> String {
        parse(source, None).unwrap_err().to_string()
    }

    #[test]
    fn scalars_resolve_like_compose() {
        let v = one("a: yes\nb: 0x10\nc: 017\nd: 1_000\ne: 1.5\nf: '3'\ng: ~\nh: 80:80\ni: true\n");
        let json = v.to_json();
        assert_eq!(
            json,
            serde_json::json!({"a":"yes","b":16,"c":15,"d":1000,"e":1.5,"f":"3","g":null,"h":"80:80","i":true})
        );
    }

    #[test]
    fn merge_keys_fill_missing_keys_only() {
        let v = one("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n");
        assert_eq!(
            v.get("other").unwrap().to_json(),
            serde_json::json!({"y":3,"x":1})
        );
    }

    #[test]
    fn merge_key_with_a_list_prefers_the_first_source() {
        let v = one("a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n");
        assert_eq!(
            v.get("c").unwrap().to_json(),
            serde_json::json!({"x":1,"z":2})
        );
    }

    #[test]
    fn reset_and_override_tags_stay_on_the_node() {
        let v = one("a: !reset []\nb: !override {x: 1}\nc: !reset\n");
        assert_eq!(v.get("a").unwrap().tag, Some(MergeTag::Reset));
        assert_eq!(v.get("b").unwrap().tag, Some(MergeTag::Override));
        assert_eq!(v.get("c").unwrap().tag, Some(MergeTag::Reset));
    }

    #[test]
    fn positions_are_one_based() {
        let v = one("services:\n  web:\n    image: nginx\n");
        let image = v
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .get("image")
            .unwrap();
        assert_eq!((image.span.line, image.span.column), (3, 12));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        assert_eq!(err("a: 1\na: 2\n"), "2:1: duplicate key `a` in mapping");
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        // A NUL would otherwise end the stream there and drop `b`.
        assert_eq!(
            err("a: 1\nxé\u{0}\nb: 2\n"),
            "2:3: control character U+0000 is not allowed in YAML (is this a binary file?)"
        );
        assert_eq!(
            err("a: \"\u{7f}\""),
            "1:5: control character U+007F is not allowed in YAML (is this a binary file?)"
        );
        assert!(parse("\u{feff}a:\t'\u{85}\u{a0}'\r\n", None).is_ok());
    }

    #[test]
    fn application_tags_are_ignored_as_compose_ignores_them() {
        let v = one("a: !custom 1\nb: !local {x: !x yes}\nc: !!int 2\nd: ! 3\n");
        assert_eq!(
            v.to_json(),
            serde_json::json!({"a": "1", "b": {"x": "yes"}, "c": 2, "d": 3})
        );
        assert_eq!(v.get("a").unwrap().tag, None);
        assert_eq!(
            err("a: !!binary AAAA\n"),
            "1:13: unsupported tag `!!binary`"
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        assert!(err(&doc).contains("alias bomb"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(
            err(&doc),
            "1:129: nesting deeper than 128 levels is not supported"
        );
        // Far deeper input is stopped by the scanner itself, before any tree is built.
        let doc = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(err(&doc).contains("recursion limit exceeded"));
    }

    #[test]
    fn huge_integers_become_floats() {
        assert_eq!(
            one("a: 99999999999999999999").get("a").unwrap().kind,
            Kind::Float(1e20)
        );
    }
}
