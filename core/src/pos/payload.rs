//! Reading a POS's JSON: exact field paths in errors, exact decimal amounts, size limits.
//!
//! [`from_json`] reports the path of the offending field (`data.items[1].quantity`, or
//! `data.receipt_id` when that field is missing), so the 422 answer tells the integrator
//! exactly what to fix, and refuses a key given twice in one object. [`parse_decimal`] turns
//! decimal strings such as `"1234.50"` into integer minor units without ever going through a
//! float.

use std::cell::RefCell;
use std::collections::HashSet;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::PosError;

/// The field name used when the body as a whole is at fault (not JSON, trailing bytes).
pub const ROOT: &str = ".";

/// Refuses a body of `len` bytes when over `limit`.
///
/// # Errors
/// [`PosError::TooLarge`].
pub fn check_size(len: usize, limit: usize) -> Result<(), PosError> {
    if len > limit { Err(PosError::TooLarge { limit, actual: len }) } else { Ok(()) }
}

/// Deserializes a JSON body, naming the exact field on failure.
///
/// A key that appears twice in one object is refused, wherever it is: serde keeps the last
/// of the two in a map or a [`serde_json::Value`] (where [`Envelope::data`] waits) and ignores
/// repeats of keys a struct does not read, so `{"total_minor": 100, "total_minor": 900000}`
/// would otherwise be read as whichever the parser happens to keep, which another reader of
/// the same signed body (a log, the POS's own audit) may disagree with.
///
/// # Errors
/// [`PosError::InvalidPayload`] whose `field` is the dotted path of the offending value (of
/// the repeated key's second occurrence), the path of a missing field itself (not of the
/// object lacking it), or [`ROOT`] when the body is not JSON at all.
pub fn from_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, PosError> {
    check_unique_keys(body)?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| named_error(e, ""))?;
    de.end()
        .map_err(|e| PosError::invalid(ROOT, format!("not valid JSON: {} ({})", strip_position(&e), position(&e))))?;
    Ok(value)
}

/// Deserializes a part of a body already read as a [`serde_json::Value`] (the `data` of an
/// [`Envelope`]), naming fields with `prefix` before their path (`data.items[0].sku`).
///
/// # Errors
/// [`PosError::InvalidPayload`] as [`from_json`].
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value, prefix: &str) -> Result<T, PosError> {
    serde_path_to_error::deserialize(value).map_err(|e| named_error(e, prefix))
}

/// Refuses a body in which one object holds the same key twice, naming the repeated key by
/// its path. A body that is not JSON passes: the real parse then says what is wrong with it.
fn check_unique_keys(body: &[u8]) -> Result<(), PosError> {
    let walk = KeyWalk::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    match walk.deserialize(&mut de) {
        Err(_) => match walk.duplicate.into_inner() {
            Some(path) => Err(PosError::invalid(path, "appears twice in the same object; send each key once")),
            None => Ok(()),
        },
        Ok(()) => Ok(()),
    }
}

/// One step of a path into a JSON document.
#[derive(Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Walks a JSON document checking every object's keys, keeping the path to where it is.
#[derive(Debug, Default)]
struct KeyWalk {
    path: RefCell<Vec<Step>>,
    /// The path of the first repeated key found.
    duplicate: RefCell<Option<String>>,
}

impl KeyWalk {
    fn path(&self) -> String {
        let mut out = String::new();
        for step in &*self.path.borrow() {
            match step {
                Step::Key(key) if out.is_empty() => out.push_str(key),
                Step::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

impl<'de> DeserializeSeed<'de> for &KeyWalk {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &KeyWalk {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.path.borrow_mut().push(Step::Index(i));
            let more = seq.next_element_seed(self)?.is_some();
            self.path.borrow_mut().pop();
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        // Keys arrive unescaped, so `"a"` and `"\u0061"` are the same key, as they should be.
        while let Some(key) = map.next_key::<String>()? {
            self.path.borrow_mut().push(Step::Key(key.clone()));
            if !seen.insert(key) {
                *self.duplicate.borrow_mut() = Some(self.path());
                return Err(serde::de::Error::custom("duplicate key"));
            }
            map.next_value_seed(self)?;
            self.path.borrow_mut().pop();
        }
        Ok(())
    }
}

fn named_error(e: serde_path_to_error::Error<serde_json::Error>, prefix: &str) -> PosError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let reason = strip_position(&inner);
    let join = |tail: &str| match (prefix.is_empty(), path == ROOT || path.is_empty()) {
        (true, true) => tail.to_owned(),
        (true, false) => format!("{path}{}", if tail.is_empty() { String::new() } else { format!(".{tail}") }),
        (false, true) => {
            if tail.is_empty() {
                prefix.to_owned()
            } else {
                format!("{prefix}.{tail}")
            }
        }
        (false, false) => {
            format!("{prefix}.{path}{}", if tail.is_empty() { String::new() } else { format!(".{tail}") })
        }
    };
    // serde names a missing field in the message and puts the path at its parent object.
    if let Some(missing) = reason.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
        return PosError::invalid(join(missing), "is required");
    }
    if inner.is_syntax() || inner.is_eof() {
        return PosError::invalid(ROOT, format!("not valid JSON: {reason} ({})", position(&inner)));
    }
    let field = join("");
    PosError::invalid(if field.is_empty() { ROOT.to_owned() } else { field }, reason)
}

/// The name of the envelope's event field, and the prefix of paths inside it.
pub const DATA: &str = "data";

/// The Standard Webhooks payload shape: `{"type": ..., "timestamp": ..., "data": {...}}`. The
/// `data` is kept as a value until `type` says what to read it as.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Envelope {
    /// The event type (`purchase.completed`).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The event, read by [`Envelope::data_as`].
    pub data: serde_json::Value,
}

impl Envelope {
    /// Reads `data` as `T`, naming fields `data.<path>`. To branch on the type first,
    /// destructure the envelope and call [`from_value`]`(data, DATA)`.
    ///
    /// # Errors
    /// [`PosError::InvalidPayload`].
    pub fn data_as<T: DeserializeOwned>(self) -> Result<T, PosError> {
        from_value(self.data, DATA)
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn position(e: &serde_json::Error) -> String {
    format!("line {}, column {}", e.line(), e.column())
}

/// Why a decimal string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    /// Nothing to parse.
    #[error("is empty")]
    Empty,
    /// A comma where the decimal point belongs.
    #[error("use `.` as the decimal separator and no thousands separators")]
    Comma,
    /// Not `[-]digits[.digits]`.
    #[error("is not a decimal number like 1234.50")]
    Syntax,
    /// Non-zero digits beyond the scale (`0.005` in a currency of two minor digits).
    #[error("has more than {0} decimal places")]
    TooPrecise(u32),
    /// Does not fit in 64 bits once scaled.
    #[error("is too large")]
    Overflow,
}

/// Parses `[-]digits[.digits]` into an integer scaled by 10^`scale`: `parse_decimal("12.5", 2)`
/// is 1250. Trailing zeros beyond the scale are accepted (`"12.500"`), other digits are not.
///
/// # Errors
/// The [`DecimalError`].
pub fn parse_decimal(text: &str, scale: u32) -> Result<i64, DecimalError> {
    if text.is_empty() {
        return Err(DecimalError::Empty);
    }
    if text.contains(',') {
        return Err(DecimalError::Comma);
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(DecimalError::Syntax);
    }
    let fraction = fraction.unwrap_or("");
    let scale_len = usize::try_from(scale).map_err(|_| DecimalError::Overflow)?;
    let (kept, dropped) = fraction.split_at(fraction.len().min(scale_len));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(DecimalError::TooPrecise(scale));
    }
    let mut value: i64 = 0;
    let padding = scale_len - kept.len();
    for b in whole.bytes().chain(kept.bytes()).chain(std::iter::repeat_n(b'0', padding)) {
        value = value.checked_mul(10).and_then(|v| v.checked_add(i64::from(b - b'0'))).ok_or(DecimalError::Overflow)?;
    }
    Ok(if negative { -value } else { value })
}

struct DecimalVisitor(u32);

impl Visitor<'_> for DecimalVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a decimal string with at most {} decimal places, such as \"1234.50\"", self.0)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
        parse_decimal(v, self.0).map_err(|e| E::custom(format!("`{v}` {e}")))
    }
}

/// `deserialize_with` for a decimal string with two minor digits (most currencies), as
/// integer minor units. JSON numbers are refused: a float has already lost exactness.
///
/// # Errors
/// The deserializer's error, naming the decimal problem.
pub fn decimal_2<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_str(DecimalVisitor(2))
}

/// `deserialize_with` for a decimal string with three digits (fiscal quantities such as
/// `"0.250"` kg), as thousandths.
///
/// # Errors
/// The deserializer's error, naming the decimal problem.
pub fn decimal_3<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_str(DecimalVisitor(3))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        for (text, scale, want) in [
            ("0", 2, 0),
            ("690", 2, 69_000),
            ("690.5", 2, 69_050),
            ("690.50", 2, 69_050),
            ("690.500", 2, 69_050),
            ("0.01", 2, 1),
            ("-12.34", 2, -1_234),
            ("0.1", 2, 10),
            ("1.005", 3, 1_005),
            ("2.000", 3, 2_000),
            ("007.10", 2, 710),
            ("92233720368547758.07", 2, i64::MAX),
        ] {
            assert_eq!(parse_decimal(text, scale), Ok(want), "{text}");
        }
    }

    #[test]
    fn decimals_refuse_what_is_not_exact() {
        for (text, scale, want) in [
            ("", 2, DecimalError::Empty),
            ("1,50", 2, DecimalError::Comma),
            ("1.234,50", 2, DecimalError::Comma),
            ("1.005", 2, DecimalError::TooPrecise(2)),
            ("0.001", 2, DecimalError::TooPrecise(2)),
            (".5", 2, DecimalError::Syntax),
            ("5.", 2, DecimalError::Syntax),
            ("+5", 2, DecimalError::Syntax),
            ("1e3", 2, DecimalError::Syntax),
            (" 5", 2, DecimalError::Syntax),
            ("--5", 2, DecimalError::Syntax),
            ("-", 2, DecimalError::Syntax),
            ("1.2.3", 2, DecimalError::Syntax),
            ("NaN", 2, DecimalError::Syntax),
            ("٣", 2, DecimalError::Syntax),
            ("92233720368547758.08", 2, DecimalError::Overflow),
            ("99999999999999999999999", 0, DecimalError::Overflow),
        ] {
            assert_eq!(parse_decimal(text, scale), Err(want), "{text}");
        }
    }

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[expect(dead_code, reason = "only the error path is under test")]
        data: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only the error path is under test")]
    struct Inner {
        receipt_id: String,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only the error path is under test")]
    struct Item {
        quantity: u32,
        #[serde(deserialize_with = "decimal_2")]
        price: i64,
    }

    fn field_of(body: &str) -> (String, String) {
        match from_json::<Outer>(body.as_bytes()) {
            Err(PosError::InvalidPayload { field, reason }) => (field, reason),
            other => panic!("expected InvalidPayload, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_exact_field() {
        assert_eq!(field_of(r#"{"data":{"items":[]}}"#).0, "data.receipt_id");
        assert_eq!(field_of(r#"{}"#).0, "data");
        assert_eq!(
            field_of(
                r#"{"data":{"receipt_id":"r","items":[{"quantity":1,"price":"1.00"},{"quantity":-1,"price":"1"}]}}"#
            )
            .0,
            "data.items[1].quantity"
        );
        assert_eq!(field_of(r#"{"data":{"receipt_id":"r","items":[{"quantity":1}]}}"#).0, "data.items[0].price");
        let (field, reason) = field_of(r#"{"data":{"receipt_id":"r","items":[{"quantity":1,"price":"1,50"}]}}"#);
        assert_eq!(field, "data.items[0].price");
        assert!(reason.contains("decimal separator"), "{reason}");
        let (field, reason) = field_of(r#"{"data":{"receipt_id":"r","items":[{"quantity":1,"price":1.5}]}}"#);
        assert_eq!(field, "data.items[0].price");
        assert!(reason.contains("decimal string"), "{reason}");
        let (field, reason) = field_of(r#"{"data":{"receipt_id":7,"items":[]}}"#);
        assert_eq!(field, "data.receipt_id");
        assert!(reason.starts_with("invalid type"), "{reason}");
    }

    #[test]
    fn envelope_data_fields_carry_the_prefix() {
        let env: Envelope =
            from_json(br#"{"type":"t","data":{"receipt_id":"r","items":[{"quantity":1,"price":"x"}]}}"#).unwrap();
        let Err(PosError::InvalidPayload { field, .. }) = env.data_as::<Inner>() else { panic!("accepted") };
        assert_eq!(field, "data.items[0].price");
        let env: Envelope = from_json(br#"{"type":"t","data":{"items":[]}}"#).unwrap();
        let Err(PosError::InvalidPayload { field, .. }) = env.data_as::<Inner>() else { panic!("accepted") };
        assert_eq!(field, "data.receipt_id");
        let env: Envelope = from_json(br#"{"type":"t","data":[]}"#).unwrap();
        let Err(PosError::InvalidPayload { field, .. }) = env.data_as::<Inner>() else { panic!("accepted") };
        assert_eq!(field, "data");
        let Err(PosError::InvalidPayload { field, .. }) = from_json::<Envelope>(br#"{"data":{}}"#) else {
            panic!("accepted")
        };
        assert_eq!(field, "type");
    }

    #[test]
    fn a_key_given_twice_is_refused_by_its_path() {
        for (body, want) in [
            (r#"{"data":{"receipt_id":"r","receipt_id":"s","items":[]}}"#, "data.receipt_id"),
            (r#"{"data":{"receipt_id":"r","items":[]},"data":{"receipt_id":"s","items":[]}}"#, "data"),
            // A key no struct reads, and one inside a value kept as JSON: both still count.
            (r#"{"note":1,"note":2,"data":{"receipt_id":"r","items":[]}}"#, "note"),
            (
                r#"{"data":{"receipt_id":"r","items":[{"quantity":1,"price":"1.00"},{"quantity":1,"price":"1.00","price":"9.00"}]}}"#,
                "data.items[1].price",
            ),
            (r#"{"data":{"receipt_id":"r","items":[],"x":{"y":[[{"z":1,"\u007a":2}]]}}}"#, "data.x.y[0][0].z"),
        ] {
            let (field, reason) = field_of(body);
            assert_eq!(field, want, "{body}");
            assert!(reason.contains("twice"), "{reason}");
        }
        let env: Envelope = from_json(br#"{"type":"t","data":{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}}"#).unwrap();
        assert_eq!(env.data["c"][1]["a"], 4, "the same key in different objects is fine");
        let Err(PosError::InvalidPayload { field, .. }) =
            from_json::<Envelope>(br#"{"type":"t","data":{"total_minor":100,"total_minor":900000}}"#)
        else {
            panic!("a repeated key inside `data` (read as a Value, which keeps the last) was accepted")
        };
        assert_eq!(field, "data.total_minor");
    }

    #[test]
    fn malformed_json_is_the_root() {
        for body in ["", "{", "not json", r#"{"data":{"receipt_id":"r","items":[]}} trailing"#, "\u{feff}{}"] {
            let (field, reason) = field_of(body);
            assert_eq!(field, ROOT, "{body:?}");
            assert!(reason.starts_with("not valid JSON"), "{body:?}: {reason}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_amount_round_trips_through_its_decimal_text(minor in proptest::num::i64::ANY) {
            let abs = minor.unsigned_abs();
            let sign = if minor < 0 { "-" } else { "" };
            let text = format!("{sign}{}.{:02}", abs / 100, abs % 100);
            if minor == i64::MIN {
                // |i64::MIN| does not fit before the sign is applied.
                proptest::prop_assert_eq!(parse_decimal(&text, 2), Err(DecimalError::Overflow));
            } else {
                proptest::prop_assert_eq!(parse_decimal(&text, 2), Ok(minor));
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,30}", scale in 0u32..6) {
            let _ = parse_decimal(&text, scale);
        }

        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = from_json::<Envelope>(&body);
        }
    }

    #[test]
    fn size_is_checked() {
        assert!(check_size(10, 10).is_ok());
        assert_eq!(check_size(11, 10), Err(PosError::TooLarge { limit: 10, actual: 11 }));
    }
}
