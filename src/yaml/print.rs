//! Printing: any serializable value becomes a YAML document, written straight from the
//! serializer's calls, with no intermediate tree.
//!
//! The output is read by kubectl, whose YAML library follows YAML 1.1: there `on`, `yes`,
//! `y`, `1_000`, `1:20` and `2001-12-14` are not strings. So any string that a YAML 1.1 or
//! 1.2 reader could take for something else is quoted, which a general-purpose YAML 1.2
//! printer does not do.
//!
//! The layout is block style throughout: a mapping's entries two spaces in from its key, a
//! sequence's `- ` level with the key that holds it, empty collections as `{}` and `[]`,
//! multi-line strings as literal blocks. Whether a collection is empty is only known at its
//! first entry or at its end, so what goes between a key and its value (`:\n` or `: `) is
//! written then: a [`Slot`] says where the value stands.

use std::cell::RefCell;
use std::fmt;

use serde::ser::{self, Serialize};

/// Prints a serializable value as a YAML document.
///
/// The document is printed into a buffer the thread keeps, then copied out at its exact
/// size: printed into a new String, each of the output's thousands of documents would grow
/// it by doubling, a reallocation and a copy each time, and keep up to twice its size.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> std::result::Result<String, String> {
    thread_local! {
        static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut out) => {
            out.clear();
            print(value, &mut out)?;
            Ok(out.as_str().to_owned())
        }
        // Printing from within a value's own serialization: a buffer of its own.
        Err(_) => {
            let mut out = String::new();
            print(value, &mut out)?;
            Ok(out)
        }
    })
}

fn print<T: Serialize + ?Sized>(value: &T, out: &mut String) -> std::result::Result<(), String> {
    value
        .serialize(ValuePrinter {
            out,
            slot: Slot::Document,
        })
        .map_err(|e| e.0)
}

/// Where a value is printed, which decides what precedes it and where its content goes.
#[derive(Clone, Copy)]
enum Slot {
    /// The whole document.
    Document,
    /// After a mapping key written at `indent`; nothing follows the key yet.
    MapValue { indent: usize },
    /// After `- ` written at `indent`.
    SeqItem { indent: usize },
}

impl Slot {
    /// Where block content (a literal block's lines) of a scalar in this slot goes.
    fn scalar_indent(self) -> usize {
        match self {
            Slot::Document => 0,
            Slot::MapValue { indent } | Slot::SeqItem { indent } => indent + 2,
        }
    }

    /// What goes before a scalar (or an empty collection) in this slot.
    fn scalar_prefix(self) -> &'static str {
        match self {
            Slot::MapValue { .. } => ": ",
            Slot::Document | Slot::SeqItem { .. } => "",
        }
    }
}

/// A printing failure: a value YAML output cannot hold (a map key that is not a scalar).
#[derive(Debug)]
pub struct PrintError(String);

impl fmt::Display for PrintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PrintError {}

impl ser::Error for PrintError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        PrintError(message.to_string())
    }
}

type Result<T> = std::result::Result<T, PrintError>;

/// Prints one value into its slot.
struct ValuePrinter<'a> {
    out: &'a mut String,
    slot: Slot,
}

impl<'a> ValuePrinter<'a> {
    /// A scalar written as is (`true`, `42`, `null`, `{}`).
    fn plain(self, text: &str) -> Result<()> {
        self.out.push_str(self.slot.scalar_prefix());
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }

    /// A scalar written as it displays, with no text of its own to allocate.
    fn display(self, value: impl fmt::Display) -> Result<()> {
        use fmt::Write;
        self.out.push_str(self.slot.scalar_prefix());
        // Writing into a String cannot fail.
        let _ = write!(self.out, "{value}");
        self.out.push('\n');
        Ok(())
    }

    fn string(self, text: &str) -> Result<()> {
        self.out.push_str(self.slot.scalar_prefix());
        write_string(self.out, text, self.slot.scalar_indent(), false);
        self.out.push('\n');
        Ok(())
    }

    /// A number as JSON prints it, which YAML reads back as the same number.
    fn number(self, number: impl Serialize) -> Result<()> {
        let text = serde_json::to_value(number)
            .map_err(|e| PrintError(e.to_string()))?
            .to_string();
        self.plain(&text)
    }

    fn collection(self, collection: Collection) -> CollectionPrinter<'a> {
        CollectionPrinter {
            out: self.out,
            slot: self.slot,
            collection,
            entries: 0,
        }
    }

    fn mapping(self) -> CollectionPrinter<'a> {
        self.collection(Collection::Mapping)
    }

    /// `{variant: …}`, its value gathered into `inner` first.
    fn variant<Inner>(self, variant: &str, inner: Inner) -> VariantPrinter<'a, Inner> {
        let mut mapping = self.mapping();
        mapping.key(variant);
        VariantPrinter { mapping, inner }
    }

    fn sequence(self) -> CollectionPrinter<'a> {
        self.collection(Collection::Sequence)
    }
}

fn push_indent(out: &mut String, indent: usize) {
    const SPACES: &str = "                                                                ";
    let mut left = indent;
    while left > 0 {
        let step = left.min(SPACES.len());
        out.push_str(&SPACES[..step]);
        left -= step;
    }
}

/// Which collection a [`CollectionPrinter`] prints.
#[derive(Clone, Copy)]
enum Collection {
    Mapping,
    Sequence,
}

impl Collection {
    /// Where the entries go in `slot`: their indent, and whether the first is indented
    /// (not when `- ` already stands before it). A mapping's entries go two spaces in from
    /// the key that holds it; a sequence's `- ` stand level with it.
    fn layout(self, slot: Slot) -> (usize, bool) {
        match (self, slot) {
            (_, Slot::Document) => (0, true),
            (Collection::Mapping, Slot::MapValue { indent }) => (indent + 2, true),
            (Collection::Sequence, Slot::MapValue { indent }) => (indent, true),
            (_, Slot::SeqItem { indent }) => (indent + 2, false),
        }
    }

    fn empty(self) -> &'static str {
        match self {
            Collection::Mapping => "{}",
            Collection::Sequence => "[]",
        }
    }
}

/// A mapping or a sequence being printed, entry by entry.
struct CollectionPrinter<'a> {
    out: &'a mut String,
    slot: Slot,
    collection: Collection,
    entries: usize,
}

impl CollectionPrinter<'_> {
    /// Starts an entry: the opener before the first, then the indent. Returns the
    /// entries' indent.
    fn start_entry(&mut self) -> usize {
        let (indent, indent_first) = self.collection.layout(self.slot);
        if self.entries == 0 && matches!(self.slot, Slot::MapValue { .. }) {
            self.out.push_str(":\n");
        }
        if self.entries > 0 || indent_first {
            push_indent(self.out, indent);
        }
        self.entries += 1;
        indent
    }

    fn key(&mut self, key: &str) {
        let indent = self.start_entry();
        write_string(self.out, key, indent, true);
    }

    /// The value of the key written last.
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let (indent, _) = self.collection.layout(self.slot);
        value.serialize(ValuePrinter {
            out: self.out,
            slot: Slot::MapValue { indent },
        })
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let indent = self.start_entry();
        self.out.push_str("- ");
        value.serialize(ValuePrinter {
            out: self.out,
            slot: Slot::SeqItem { indent },
        })
    }

    fn finish(self) -> Result<()> {
        if self.entries == 0 {
            let empty = self.collection.empty();
            return ValuePrinter {
                out: self.out,
                slot: self.slot,
            }
            .plain(empty);
        }
        Ok(())
    }
}

impl ser::SerializeMap for CollectionPrinter<'_> {
    type Ok = ();
    type Error = PrintError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let key = key_text(key)?;
        self.key(&key);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for CollectionPrinter<'_> {
    type Ok = ();
    type Error = PrintError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.key(key);
        self.value(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// Sequences, tuples and tuple structs all print as sequences.
macro_rules! print_as_sequence {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for CollectionPrinter<'_> {
            type Ok = ();
            type Error = PrintError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.item(value)
            }

            fn end(self) -> Result<()> {
                self.finish()
            }
        }
    )*};
}

print_as_sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// An enum variant holding a value (`{variant: value}`), as JSON writes it.
struct VariantPrinter<'a, Inner> {
    mapping: CollectionPrinter<'a>,
    inner: Inner,
}

impl<'a> ser::SerializeTupleVariant for VariantPrinter<'a, Vec<serde_json::Value>> {
    type Ok = ();
    type Error = PrintError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.inner.push(to_json(value)?);
        Ok(())
    }

    fn end(mut self) -> Result<()> {
        self.mapping.value(&self.inner)?;
        self.mapping.finish()
    }
}

impl<'a> ser::SerializeStructVariant
    for VariantPrinter<'a, serde_json::Map<String, serde_json::Value>>
{
    type Ok = ();
    type Error = PrintError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.inner.insert(key.to_string(), to_json(value)?);
        Ok(())
    }

    fn end(mut self) -> Result<()> {
        self.mapping.value(&self.inner)?;
        self.mapping.finish()
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| PrintError(e.to_string()))
}

/// Integers print as Rust (and JSON) writes them.
macro_rules! print_integers {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<()> {
            self.display(v)
        }
    )*};
}

impl<'a> ser::Serializer for ValuePrinter<'a> {
    type Ok = ();
    type Error = PrintError;
    type SerializeSeq = CollectionPrinter<'a>;
    type SerializeTuple = CollectionPrinter<'a>;
    type SerializeTupleStruct = CollectionPrinter<'a>;
    type SerializeTupleVariant = VariantPrinter<'a, Vec<serde_json::Value>>;
    type SerializeMap = CollectionPrinter<'a>;
    type SerializeStruct = CollectionPrinter<'a>;
    type SerializeStructVariant = VariantPrinter<'a, serde_json::Map<String, serde_json::Value>>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.plain(if v { "true" } else { "false" })
    }

    print_integers!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128
    );

    /// Written as the shortest decimal that reads back as the same `f32` (`0.1`, not the
    /// `0.10000000149011612` of its exact value).
    fn serialize_f32(self, v: f32) -> Result<()> {
        let shortest: f64 = v.to_string().parse().unwrap_or(f64::NAN);
        self.number(shortest)
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.number(v)
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.string(v)
    }

    /// Bytes as JSON writes them: a sequence of numbers.
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        v.serialize(self)
    }

    fn serialize_none(self) -> Result<()> {
        self.plain("null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.plain("null")
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.plain("null")
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let mut mapping = self.mapping();
        mapping.key(variant);
        mapping.value(value)?;
        mapping.finish()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<CollectionPrinter<'a>> {
        Ok(self.sequence())
    }

    fn serialize_tuple(self, _len: usize) -> Result<CollectionPrinter<'a>> {
        Ok(self.sequence())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<CollectionPrinter<'a>> {
        Ok(self.sequence())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Ok(self.variant(variant, Vec::with_capacity(len)))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<CollectionPrinter<'a>> {
        Ok(self.mapping())
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<CollectionPrinter<'a>> {
        Ok(self.mapping())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Ok(self.variant(variant, serde_json::Map::new()))
    }
}

/// A mapping key as text: a string, or a number or boolean as JSON writes it.
fn key_text<T: Serialize + ?Sized>(key: &T) -> Result<String> {
    let refuse = |what: &str| PrintError(format!("a mapping key must be a string, not {what}"));
    match to_json(key)? {
        serde_json::Value::String(text) => Ok(text),
        serde_json::Value::Number(number) => Ok(number.to_string()),
        serde_json::Value::Bool(flag) => Ok(flag.to_string()),
        serde_json::Value::Null => Err(refuse("null")),
        serde_json::Value::Array(_) => Err(refuse("a sequence")),
        serde_json::Value::Object(_) => Err(refuse("a mapping")),
    }
}

fn write_string(out: &mut String, text: &str, indent: usize, is_key: bool) {
    if is_plain_safe(text) {
        out.push_str(text);
    } else if !is_key && fits_literal_block(text) {
        write_literal_block(out, text, indent);
    } else {
        write_double_quoted(out, text);
    }
}

/// Characters that JSON leaves as they are but a YAML 1.1 reader (kubectl's among them)
/// does not take as text: DEL and the C1 controls, which it refuses, the next-line, line
/// and paragraph separators, which it reads as line breaks, the byte order mark, and the
/// two non-characters U+FFFE and U+FFFF.
fn unprintable_in_yaml_1_1(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// A JSON string is a valid YAML double-quoted scalar, once the characters a YAML 1.1
/// reader would refuse or read as line breaks are escaped too.
fn write_double_quoted(out: &mut String, text: &str) {
    // Printing a string as JSON cannot fail.
    let Ok(quoted) = serde_json::to_string(text) else {
        return;
    };
    if !quoted.contains(unprintable_in_yaml_1_1) {
        out.push_str(&quoted);
        return;
    }
    for c in quoted.chars() {
        if unprintable_in_yaml_1_1(c) {
            use fmt::Write;
            // Writing into a String cannot fail.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
}

/// Multi-line text without characters a block scalar cannot hold.
fn fits_literal_block(text: &str) -> bool {
    text.contains('\n')
        && !text.starts_with([' ', '\t', '\n'])
        && !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || unprintable_in_yaml_1_1(c))
        && text.lines().all(|line| !line.ends_with([' ', '\t']))
}

fn write_literal_block(out: &mut String, text: &str, indent: usize) {
    let trailing = text.len() - text.trim_end_matches('\n').len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            push_indent(out, indent);
            out.push_str(line);
        }
    }
}

/// Words that a YAML 1.1 or 1.2 reader resolves to a boolean or null.
const RESERVED_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<",
    "=",
];

/// A set of bytes as a table, so that a membership test is one lookup.
const fn byte_set(members: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < members.len() {
        table[members[i] as usize] = true;
        i += 1;
    }
    table
}

/// The first bytes of [`RESERVED_WORDS`].
const RESERVED_FIRST: [bool; 256] = byte_set(b"yYnNtTfFoO~<=");
/// Bytes that make a plain scalar something else when they start it.
const INDICATORS: [bool; 256] = byte_set(b"-?:,[]{}#&*!|>'\"%@` .+");
/// Flow indicators: a string holding one anywhere is quoted.
const FLOW_INDICATORS: [bool; 256] = byte_set(b"{}[],");
/// Bytes of something that may read as a number or a timestamp.
const NUMBER_LIKE: [bool; 256] = byte_set(b"0123456789+-._:eExXoObB");

/// Whether `text` reads back as the same string when written without quotes, under YAML
/// 1.1 and 1.2 alike.
///
/// This runs on every key and string of the output, so it looks at bytes, in one pass:
/// what breaks a plain scalar is ASCII, or one of the two non-ASCII characters checked
/// by their UTF-8 encoding.
fn is_plain_safe(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let reserved =
        text.len() <= 5 && RESERVED_FIRST[usize::from(first)] && RESERVED_WORDS.contains(&text);
    if reserved {
        return false;
    }
    // `-` starts a plain scalar when something other than a space follows it (`-c`, `--`).
    let dash_word = first == b'-' && bytes.len() > 1 && bytes[1] != b' ' && text != "---";
    if (INDICATORS[usize::from(first)] && !dash_word) || starts_with_whitespace(text) {
        return false;
    }
    if text.ends_with([' ', ':']) {
        return false;
    }
    let mut has_digit = false;
    let mut number_like = true;
    let mut previous = 0u8;
    for (i, &byte) in bytes.iter().enumerate() {
        let breaks_plain = byte.is_ascii_control()
            || FLOW_INDICATORS[usize::from(byte)]
            || (previous == b':' && byte == b' ')
            || (previous == b' ' && byte == b'#')
            || (!byte.is_ascii() && is_breaking_non_ascii(&bytes[i..]));
        if breaks_plain {
            return false;
        }
        has_digit |= byte.is_ascii_digit();
        number_like = number_like && NUMBER_LIKE[usize::from(byte)];
        previous = byte;
    }
    // Anything made only of digits, signs, dots, colons, underscores and exponent or base
    // letters may be a number, a sexagesimal number or a timestamp somewhere: quote it.
    let may_be_number = (has_digit && number_like)
        || is_hex_or_negative_infinity(text)
        || starts_like_a_timestamp(bytes);
    !may_be_number
}

/// Numbers that the digit test misses (and that no indicator at their start gives away):
/// hexadecimal integers (`0x1F`, `-0xff`, `0x_1`) and negative infinity (`-.inf`), which
/// YAML 1.1 reads as numbers (and YAML 1.2 reads `0x1F` and `-.inf` so too).
fn is_hex_or_negative_infinity(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let hexadecimal = unsigned.strip_prefix("0x").is_some_and(|digits| {
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit() || b == b'_')
    });
    hexadecimal || matches!(unsigned, ".inf" | ".Inf" | ".INF")
}

/// `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43 -5`: a YAML 1.1 timestamp has
/// letters and spaces the digit test lets through. Whatever starts with a date (`dddd-d`)
/// is quoted, a little more than needed.
fn starts_like_a_timestamp(bytes: &[u8]) -> bool {
    matches!(bytes, [a, b, c, d, b'-', e, ..] if [a, b, c, d, e].iter().all(|x| x.is_ascii_digit()))
}

fn starts_with_whitespace(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_whitespace)
}

/// Whether `rest` starts with a non-ASCII character that [`unprintable_in_yaml_1_1`]
/// names, read from its UTF-8 encoding: a plain scalar cannot hold it.
fn is_breaking_non_ascii(rest: &[u8]) -> bool {
    match rest {
        [0xC2, second, ..] => (0x80..=0x9F).contains(second),
        [0xE2, 0x80, 0xA8 | 0xA9, ..] | [0xEF, 0xBB, 0xBF, ..] | [0xEF, 0xBF, 0xBE | 0xBF, ..] => {
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[derive(serde::Serialize)]
    enum Shape {
        Dot,
        Circle(u32),
        Pair(i8, i8),
        Box { width: f64 },
    }

    #[derive(serde::Serialize)]
    struct Layout {
        missing: Option<u8>,
        empty_map: std::collections::BTreeMap<String, u8>,
        empty_list: Vec<u8>,
        nested: Vec<Vec<&'static str>>,
        in_list: Vec<serde_json::Value>,
        shapes: Vec<Shape>,
        script: Vec<&'static str>,
        ratio: f32,
    }

    #[test]
    fn collections_are_laid_out_by_where_they_stand() {
        let value = Layout {
            missing: None,
            empty_map: Default::default(),
            empty_list: Vec::new(),
            nested: vec![vec!["a", "b"], vec![]],
            in_list: vec![
                serde_json::json!({"k": {"deep": [1, 2]}, "e": {}}),
                serde_json::json!({}),
            ],
            shapes: vec![
                Shape::Dot,
                Shape::Circle(3),
                Shape::Pair(1, -1),
                Shape::Box { width: 2.5 },
            ],
            script: vec!["set -e\nrun\n"],
            ratio: 0.1,
        };
        assert_eq!(
            to_string(&value).unwrap(),
            "missing: null\nempty_map: {}\nempty_list: []\nnested:\n- - a\n  - b\n- []\n\
             in_list:\n- k:\n    deep:\n    - 1\n    - 2\n  e: {}\n- {}\nshapes:\n- Dot\n\
             - Circle: 3\n- Pair:\n  - 1\n  - -1\n- Box:\n    width: 2.5\nscript:\n- |\n  set -e\n  run\n\
             ratio: 0.1\n"
        );
    }

    #[test]
    fn a_document_that_is_a_scalar_or_empty_is_one_line() {
        assert_eq!(to_string(&7).unwrap(), "7\n");
        assert_eq!(to_string("on").unwrap(), "\"on\"\n");
        assert_eq!(to_string(&Vec::<u8>::new()).unwrap(), "[]\n");
        assert_eq!(to_string(&serde_json::json!({})).unwrap(), "{}\n");
    }

    #[test]
    fn a_key_that_is_not_a_scalar_is_refused() {
        let map = std::collections::BTreeMap::from([(vec![1], 2)]);
        assert_eq!(
            to_string(&map).unwrap_err(),
            "a mapping key must be a string, not a sequence"
        );
    }

    #[test]
    fn printed_strings_read_back_as_strings_under_yaml_1_1() {
        let value = serde_json::json!({
            "data": {"A": "on", "B": "1_000", "C": "1:20", "D": "2001-12-14", "E": "", "F": "512Mi",
                     "G": "x: y", "H": "line one\nline two\n", "I": "- dash", "80": "~"},
            "list": [{"name": "a", "value": "yes"}, [], {}],
        });
        let text = to_string(&value).unwrap();
        assert_eq!(
            text,
            "data:\n  A: \"on\"\n  B: \"1_000\"\n  C: \"1:20\"\n  D: \"2001-12-14\"\n  E: \"\"\n  F: 512Mi\n  \
             G: \"x: y\"\n  H: |\n    line one\n    line two\n  I: \"- dash\"\n  \"80\": \"~\"\nlist:\n- name: a\n  \
             value: \"yes\"\n- []\n- {}\n"
        );
        let back = parse(&text, None).unwrap().remove(0).to_json();
        assert_eq!(back, value);
    }

    /// A value that prints YAML while it is itself being printed (the thread's buffer is
    /// in use then) gets a buffer of its own, and both documents come out whole.
    #[test]
    fn printing_inside_printing_uses_its_own_buffer() {
        struct Nested;
        impl serde::Serialize for Nested {
            fn serialize<S: serde::Serializer>(
                &self,
                serializer: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                let inner = to_string(&serde_json::json!({"inner": [1, 2]}))
                    .map_err(serde::ser::Error::custom)?;
                serializer.serialize_str(&inner)
            }
        }
        let outer = to_string(&serde_json::json!({"before": "x"})).unwrap();
        assert_eq!(outer, "before: x\n");
        assert_eq!(
            to_string(&[Nested]).unwrap(),
            "- |\n  inner:\n  - 1\n  - 2\n"
        );
        assert_eq!(to_string(&"after").unwrap(), "after\n");
    }

    /// YAML 1.1 readers (kubectl's) break lines at U+0085, U+2028 and U+2029 and refuse DEL,
    /// the C1 controls and U+FFFE, which JSON leaves as they are: they are escaped, and
    /// keep a string out of a literal block.
    #[test]
    fn yaml_1_1_line_breaks_are_escaped() {
        let value = serde_json::json!({
            "a": "next\u{85}line\u{2028}and\u{2029}on\u{7f}\u{9b}\u{fffe}",
            "b": "two\nlines\u{2028}",
            "c": "\u{feff}bom",
        });
        assert_eq!(
            to_string(&value).unwrap(),
            "a: \"next\\u0085line\\u2028and\\u2029on\\u007f\\u009b\\ufffe\"\nb: \"two\\nlines\\u2028\"\nc: \"\\ufeffbom\"\n"
        );
        let back = parse(&to_string(&value).unwrap(), None)
            .unwrap()
            .remove(0)
            .to_json();
        assert_eq!(back, value);
    }

    #[test]
    fn strings_with_a_character_that_breaks_a_plain_scalar_are_quoted() {
        for text in [
            "a: b",
            "a #b",
            "a,b",
            "a[0]",
            "{x}",
            "bell\u{7}",
            "next\u{85}line",
            "c1\u{9f}",
            "line\u{2028}separator",
            "paragraph\u{2029}separator",
            "delete\u{7f}",
            "non-character\u{ffff}",
            "\u{a0}leading no-break space",
            "bom\u{feff}",
            "0x1F",
            "1e5",
            "-1.5",
            "0xff",
            "-0x1_F",
            "-.inf",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.10 -5",
        ] {
            assert!(!is_plain_safe(text), "{text:?} is not plain-safe");
        }
        for text in [
            "a:b",
            "a#b",
            "url: ",
            "http://x/y?z=1#top",
            "app.kubernetes.io/name",
            "é",
            "no-break\u{a0}space",
            "\u{fefe}",
            "e",
            "yess",
            "-c",
            "0xgg",
            "cafe1",
            "-.info",
        ] {
            let expected = !text.ends_with(' ');
            assert_eq!(is_plain_safe(text), expected, "{text:?}");
        }
    }
}
