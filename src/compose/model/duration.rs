//! [`Duration`]: a Compose duration such as `1m30s`, read and printed as Compose does.
//!
//! Compose reads durations with Go's `time.ParseDuration` grammar extended by days and weeks
//! (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`) and prints them with Go's
//! `time.Duration.String` (`90s` → `1m30s`, `1h` → `1h0m0s`, `0.5s` → `500ms`).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// A span of time with nanosecond precision. Negative values exist because Go accepts them;
/// what they mean is for the consumer to decide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i64,
}

impl Duration {
    pub const ZERO: Duration = Duration { nanos: 0 };

    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos }
    }

    pub const fn from_secs(secs: i64) -> Self {
        Duration {
            nanos: secs.saturating_mul(SECOND as i64),
        }
    }

    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / SECOND as f64
    }

    /// Whole seconds, rounded up: what a Kubernetes field counted in seconds needs so that a
    /// sub-second Compose value does not become zero.
    pub fn as_secs_ceil(self) -> i64 {
        let secs = self.nanos.div_euclid(SECOND as i64);
        if self.nanos.rem_euclid(SECOND as i64) == 0 {
            secs
        } else {
            secs + 1
        }
    }

    pub const fn is_zero(&self) -> bool {
        self.nanos == 0
    }
}

/// A duration Compose cannot read, with the text it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDuration {
    pub text: String,
    pub reason: &'static str,
}

impl fmt::Display for InvalidDuration {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: {}; expected a number with a unit (ns, us, ms, s, m, h, d, w) such as 10s, 1m30s or 1.5s",
            self.text, self.reason
        )
    }
}

impl std::error::Error for InvalidDuration {}

impl FromStr for Duration {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Self, InvalidDuration> {
        let fail = |reason| InvalidDuration {
            text: text.to_string(),
            reason,
        };
        let (negative, mut rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest == "0" {
            return Ok(Duration::ZERO);
        }
        if rest.is_empty() {
            return Err(fail("it is empty"));
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let (amount, after) = parse_term(rest).map_err(fail)?;
            total = total
                .checked_add(amount)
                .ok_or_else(|| fail("it is too long"))?;
            rest = after;
        }
        let limit = if negative {
            1u64 << 63
        } else {
            (1u64 << 63) - 1
        };
        if total > limit {
            return Err(fail("it is too long"));
        }
        let nanos = if negative {
            (total as i64).wrapping_neg()
        } else {
            total as i64
        };
        Ok(Duration { nanos })
    }
}

/// Reads one `<number><unit>` term and returns its nanoseconds and the text after it.
fn parse_term(text: &str) -> Result<(u64, &str), &'static str> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (whole_digits, after_whole) = text.split_at(digits_end);
    let (fraction_digits, after_number) = match after_whole.strip_prefix('.') {
        Some(after_dot) => {
            let end = after_dot
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after_dot.len());
            after_dot.split_at(end)
        }
        None => ("", after_whole),
    };
    if whole_digits.is_empty() && fraction_digits.is_empty() {
        return Err("a number is missing");
    }
    let unit_end = after_number
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(after_number.len());
    let (unit_name, rest) = after_number.split_at(unit_end);
    if unit_name.is_empty() {
        return Err("a unit is missing");
    }
    let unit = unit_nanos(unit_name).ok_or("the unit is unknown")?;
    let whole: u64 = if whole_digits.is_empty() {
        0
    } else {
        whole_digits.parse().map_err(|_| "it is too long")?
    };
    let mut amount = whole.checked_mul(unit).ok_or("it is too long")?;
    amount = amount
        .checked_add(fraction_nanos(fraction_digits, unit))
        .ok_or("it is too long")?;
    Ok((amount, rest))
}

/// The nanoseconds of `0.<digits>` units, computed in floating point as Go does.
fn fraction_nanos(digits: &str, unit: u64) -> u64 {
    let mut numerator: u64 = 0;
    let mut scale: f64 = 1.0;
    for digit in digits.bytes() {
        // Go stops taking digits once more would overflow; they cannot change the result.
        match numerator
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(digit - b'0')))
        {
            Some(next) if next < 1 << 63 => {
                numerator = next;
                scale *= 10.0;
            }
            _ => break,
        }
    }
    (numerator as f64 * (unit as f64 / scale)) as u64
}

fn unit_nanos(name: &str) -> Option<u64> {
    Some(match name {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => WEEK,
        _ => return None,
    })
}

/// Go's `time.Duration.String`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let nanos = self.nanos.unsigned_abs();
        if nanos == 0 {
            return f.write_str("0s");
        }
        if nanos < SECOND {
            let (unit, precision) = match nanos {
                n if n < MICROSECOND => ("ns", 0),
                n if n < MILLISECOND => ("\u{b5}s", 3),
                _ => ("ms", 6),
            };
            let (whole, fraction) = split_fraction(nanos, precision);
            return write!(f, "{sign}{whole}{fraction}{unit}");
        }
        let (secs, fraction) = split_fraction(nanos, 9);
        let (hours, minutes, secs) = (secs / 3600, secs / 60 % 60, secs % 60);
        f.write_str(sign)?;
        if hours > 0 {
            write!(f, "{hours}h{minutes}m")?;
        } else if minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write!(f, "{secs}{fraction}s")
    }
}

/// Splits `value` into `value / 10^precision` and its fraction as `.123` without trailing
/// zeros (empty when the fraction is zero).
fn split_fraction(value: u64, precision: u32) -> (u64, String) {
    let scale = 10u64.pow(precision);
    let fraction = value % scale;
    if fraction == 0 {
        return (value / scale, String::new());
    }
    let digits = format!("{fraction:0width$}", width = precision as usize);
    (value / scale, format!(".{}", digits.trim_end_matches('0')))
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(DurationVisitor)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a duration such as 10s or 1m30s")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        text.parse().map_err(E::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A duration such as 10s, 1m30s or 1.5s (units ns, us, ms, s, m, h, d, w).",
            "pattern": "^[-+]?(0|([0-9]*(\\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h|d|w))+)$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, printed: &str) {
        match text.parse::<Duration>() {
            Ok(duration) => assert_eq!(duration.to_string(), printed, "{text}"),
            Err(error) => panic!("{text}: {error}"),
        }
    }

    #[test]
    fn prints_like_go() {
        check("90s", "1m30s");
        check("1m30s", "1m30s");
        check("10s", "10s");
        check("1h", "1h0m0s");
        check("500ms", "500ms");
        check("1.5s", "1.5s");
        check("0", "0s");
        check("0s", "0s");
        check("1d", "24h0m0s");
        check("1w2h", "170h0m0s");
        check("1500us", "1.5ms");
        check("999ns", "999ns");
        check("2µs", "2µs");
        check("1h1m1.001s", "1h1m1.001s");
        check("-1.5h", "-1h30m0s");
        check(".5m", "30s");
        check("1.s", "1s");
    }

    #[test]
    fn rejects_what_go_rejects() {
        for text in [
            "",
            "10",
            "s",
            "1x",
            "1.5",
            "-",
            ".s",
            "1h-1m",
            "99999999999999999999s",
        ] {
            assert!(text.parse::<Duration>().is_err(), "{text}");
        }
    }

    #[test]
    fn names_the_text_and_the_problem() {
        let error = "10".parse::<Duration>().err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("invalid duration \"10\": a unit is missing; expected a number with a unit (ns, us, ms, s, m, h, d, w) such as 10s, 1m30s or 1.5s")
        );
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(Duration::from_nanos(1_500_000_000).as_secs_ceil(), 2);
        assert_eq!(Duration::from_secs(3).as_secs_ceil(), 3);
    }
}
