//! Stats files as JSON, in the shape of the Python fixtures'
//! `.expected.json` files.
#![forbid(unsafe_code)]

use std::fmt::Write;

use serde_json::Value as Json;

use crate::reader::{Field, Value};

/// A value as JSON: integers exactly (up to `u64::MAX`), floats as the
/// shortest text that reads back the same, non-finite floats as `null`,
/// bools as `true`/`false`, strings as strings.
///
/// ```
/// use mmstats::reader::Value;
/// use mmstats::tools::json::value_json;
///
/// assert_eq!(value_json(&Value::UInt(u64::MAX)), "18446744073709551615");
/// assert_eq!(value_json(&Value::Float(0.1)), "0.1");
/// assert_eq!(value_json(&Value::Float(f64::NAN)), "null");
/// assert_eq!(value_json(&Value::Str("a\"b".into())), r#""a\"b""#);
/// ```
pub fn value_json(value: &Value) -> String {
    match value {
        Value::Int(v) => v.to_string(),
        Value::UInt(v) => v.to_string(),
        Value::Float(v) => Json::from(*v).to_string(),
        Value::Bool(v) => v.to_string(),
        Value::Str(s) => string_json(s),
    }
}

/// A JSON string literal.
pub fn string_json(text: &str) -> String {
    Json::from(text).to_string()
}

/// One file as a single line of JSON:
/// `{"file":…,"version":…,"size":…,"fields":[{"label","type","write_buffer","offset","value"},…]}`.
///
/// ```
/// use mmstats::reader::StatsFile;
/// use mmstats::tools::json::file_json;
///
/// let file = StatsFile::from_bytes(vec![1u8, 1, 0, b'n', 1, 0, b'b', 255, 0xff])?;
/// let fields = file.read_all()?;
/// assert_eq!(
///     file_json("n.mmstats", file.version(), file.len(), &fields),
///     r#"{"file":"n.mmstats","version":1,"size":9,"fields":[{"label":"n","type":"b","write_buffer":255,"offset":1,"value":-1}]}"#
/// );
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
pub fn file_json(file: &str, version: u8, size: usize, fields: &[Field]) -> String {
    let mut out = format!(
        "{{\"file\":{},\"version\":{version},\"size\":{size},\"fields\":[",
        string_json(file)
    );
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{{\"label\":{},\"type\":{},\"write_buffer\":{},\"offset\":{},\"value\":{}}}",
            string_json(&field.label),
            string_json(&field.signature),
            field.write_buffer,
            field.offset,
            value_json(&field.value)
        );
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_json() {
        let values = [
            Value::Int(i64::MIN),
            Value::UInt(u64::MAX),
            Value::Float(0.35249999999999915),
            Value::Float(1e16),
            Value::Float(-0.0024999999441206455),
            Value::Float(5e-324),
            Value::Bool(false),
            Value::Str("\u{3b5}\n\u{1}".into()),
        ];
        for value in values {
            let text = value_json(&value);
            let back: Json = serde_json::from_str(&text).unwrap();
            let same = match (&value, &back) {
                (Value::Int(v), Json::Number(n)) => n.as_i64() == Some(*v),
                (Value::UInt(v), Json::Number(n)) => n.as_u64() == Some(*v),
                (Value::Float(v), Json::Number(_)) => {
                    text.parse::<f64>().map(f64::to_bits) == Ok(v.to_bits())
                }
                (Value::Bool(v), Json::Bool(b)) => v == b,
                (Value::Str(s), Json::String(t)) => s == t,
                _ => false,
            };
            assert!(same, "{value:?} -> {text}");
        }
        assert_eq!(value_json(&Value::Float(f64::INFINITY)), "null");
    }
}
