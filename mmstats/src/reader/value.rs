//! The value of a field, as Python 0.8's reader returned it.
#![forbid(unsafe_code)]

use std::fmt;

use super::repr::write_float;

/// A field's current value.
///
/// Signed integer codes (`b h i l q`) give [`Value::Int`], unsigned ones
/// (`B H I L Q`) [`Value::UInt`], `f` and `d` [`Value::Float`] (an `f32`
/// widened exactly), `?` [`Value::Bool`] and `s` and `c` [`Value::Str`].
///
/// `Display` prints what Python 3's `str()` printed for the value, so that
/// tools show the same text as the original:
///
/// ```
/// use mmstats::reader::Value;
///
/// assert_eq!(Value::UInt(113).to_string(), "113");
/// assert_eq!(Value::Bool(true).to_string(), "True");
/// assert_eq!(Value::Float(3.0).to_string(), "3.0");
/// assert_eq!(Value::Float(1e16).to_string(), "1e+16");
/// assert_eq!(Value::Float(0.1f32 as f64).to_string(), "0.10000000149011612");
/// assert_eq!(Value::Str("rob".into()).to_string(), "rob");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A boolean: any nonzero byte is true.
    Bool(bool),
    /// A string: cut at the first NUL, undecodable UTF-8 dropped.
    Str(String),
}

impl Value {
    /// The value as an `f64`, if it is a number or a bool (integers beyond
    /// 2^53 are rounded).
    ///
    /// ```
    /// use mmstats::reader::Value;
    ///
    /// assert_eq!(Value::UInt(3).as_f64(), Some(3.0));
    /// assert_eq!(Value::Str("x".into()).as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(v) => Some(v as f64),
            Value::UInt(v) => Some(v as f64),
            Value::Float(v) => Some(v),
            Value::Bool(v) => Some(if v { 1.0 } else { 0.0 }),
            Value::Str(_) => None,
        }
    }

    /// The string, if the value is one.
    ///
    /// ```
    /// use mmstats::reader::Value;
    ///
    /// assert_eq!(Value::Str("rob".into()).as_str(), Some("rob"));
    /// assert_eq!(Value::Int(1).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ValueRef::from(self).fmt(f)
    }
}

/// A field's current value, with a string borrowed from the
/// [`Cursor`](super::Cursor) that read it; see [`Value`].
///
/// ```
/// use mmstats::reader::{Value, ValueRef};
///
/// let value = ValueRef::Str("rob");
/// assert_eq!(value.to_string(), "rob");
/// assert_eq!(value.to_value(), Value::Str("rob".into()));
/// assert_eq!(ValueRef::from(&Value::Float(3.0)).to_string(), "3.0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A floating-point number.
    Float(f64),
    /// A boolean: any nonzero byte is true.
    Bool(bool),
    /// A string: cut at the first NUL, undecodable UTF-8 dropped.
    Str(&'a str),
}

impl ValueRef<'_> {
    /// The value with its string (if any) copied.
    ///
    /// ```
    /// use mmstats::reader::{Value, ValueRef};
    ///
    /// assert_eq!(ValueRef::Str("rob").to_value(), Value::Str("rob".into()));
    /// ```
    pub fn to_value(&self) -> Value {
        match *self {
            ValueRef::Int(v) => Value::Int(v),
            ValueRef::UInt(v) => Value::UInt(v),
            ValueRef::Float(v) => Value::Float(v),
            ValueRef::Bool(v) => Value::Bool(v),
            ValueRef::Str(s) => Value::Str(s.to_owned()),
        }
    }

    /// As [`Value::as_f64`].
    ///
    /// ```
    /// use mmstats::reader::ValueRef;
    ///
    /// assert_eq!(ValueRef::Float(0.5).as_f64(), Some(0.5));
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            ValueRef::Int(v) => Some(v as f64),
            ValueRef::UInt(v) => Some(v as f64),
            ValueRef::Float(v) => Some(v),
            ValueRef::Bool(v) => Some(if v { 1.0 } else { 0.0 }),
            ValueRef::Str(_) => None,
        }
    }

    /// The string, if the value is one.
    ///
    /// ```
    /// use mmstats::reader::ValueRef;
    ///
    /// assert_eq!(ValueRef::Str("rob").as_str(), Some("rob"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match *self {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'a> From<&'a Value> for ValueRef<'a> {
    fn from(value: &'a Value) -> ValueRef<'a> {
        match value {
            Value::Int(v) => ValueRef::Int(*v),
            Value::UInt(v) => ValueRef::UInt(*v),
            Value::Float(v) => ValueRef::Float(*v),
            Value::Bool(v) => ValueRef::Bool(*v),
            Value::Str(s) => ValueRef::Str(s),
        }
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(value: ValueRef<'_>) -> Value {
        value.to_value()
    }
}

/// Prints what Python 3's `str()` printed for the value, as [`Value`] does.
impl fmt::Display for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Int(v) => write!(f, "{v}"),
            ValueRef::UInt(v) => write!(f, "{v}"),
            ValueRef::Float(v) => write_float(f, *v),
            ValueRef::Bool(v) => f.write_str(if *v { "True" } else { "False" }),
            ValueRef::Str(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{decode_text, decode_utf8_dropping};

    #[test]
    fn display_is_python_str() {
        assert_eq!(
            Value::Int(-9223372036854775808).to_string(),
            "-9223372036854775808"
        );
        assert_eq!(Value::UInt(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Value::Bool(false).to_string(), "False");
        assert_eq!(
            Value::Float(-0.0024999999441206455).to_string(),
            "-0.0024999999441206455"
        );
        assert_eq!(
            Value::Float(1795455883.031542).to_string(),
            "1795455883.031542"
        );
        assert_eq!(Value::Float(f64::NEG_INFINITY).to_string(), "-inf");
        assert_eq!(Value::Str(String::new()).to_string(), "");
    }

    #[test]
    fn accessors() {
        assert_eq!(Value::Int(-2).as_f64(), Some(-2.0));
        assert_eq!(Value::Bool(true).as_f64(), Some(1.0));
        assert_eq!(Value::Str("x".into()).as_f64(), None);
        assert_eq!(Value::Str("x".into()).as_str(), Some("x"));
        assert_eq!(Value::UInt(1).as_str(), None);
    }

    /// `bytes.decode("utf8", "ignore")` in CPython 3.11 (CPython 2.7 agrees
    /// except that it keeps UTF-8-encoded surrogates, which Rust strings
    /// cannot hold).
    #[test]
    fn utf8_decoding_drops_like_python() {
        let cases: [(&[u8], &str); 15] = [
            (b"caf\xc3\xa9", "caf\u{e9}"),
            (b"a\xffb", "ab"),
            (b"\xe2\x9d", ""),
            (b"\xe2\x9d\xa4\xe2\x9d", "\u{2764}"),
            (b"\xe2A", "A"),
            (b"\xf0\x9f\x9a", ""),
            (b"\xf0\x9f\x9a\x80x", "\u{1f680}x"),
            (b"\xed\xa0\x80z", "z"),
            (b"\xc0\xafq", "q"),
            (b"\xf4\x90\x80\x80r", "r"),
            (b"\x80\x80s", "s"),
            (b"\xe0\x80\xaft", "t"),
            (b"\xf8\x88\x80\x80\x80u", "u"),
            (b"\xc3", ""),
            (b"\xef\xbf\xbd", "\u{fffd}"),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                decode_utf8_dropping(bytes),
                want,
                "{}",
                bytes.escape_ascii()
            );
        }
        assert_eq!(decode_text(b"ab\0\xff\0cd"), "ab");
        assert_eq!(decode_text(b"\0abc"), "");
        assert_eq!(decode_text(b"exactly8"), "exactly8");
    }
}
