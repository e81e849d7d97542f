//! Stats files as JSON, in the shape of the Python fixtures'
//! `.expected.json` files.
#![forbid(unsafe_code)]

use serde::Serialize;

use mmstats::reader::{Field, FieldRef, Value, ValueRef};

/// Writes `value` as JSON to `out`. Serializing a number or a string into
/// a byte vector cannot fail.
fn put(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) {
    // Infallible for these types into a Vec (no I/O, no maps, no
    // non-string keys); nothing to report if it ever did fail.
    let _ = serde_json::to_writer(out, value);
}

/// Writes a value as JSON: integers exactly (up to `u64::MAX`), floats as
/// the shortest text that reads back the same, non-finite floats as `null`,
/// bools as `true`/`false`, strings as strings.
pub fn write_value_json(out: &mut Vec<u8>, value: ValueRef<'_>) {
    match value {
        ValueRef::Int(v) => put(out, &v),
        ValueRef::UInt(v) => put(out, &v),
        ValueRef::Float(v) => put(out, &v),
        ValueRef::Bool(v) => put(out, &v),
        ValueRef::Str(s) => put(out, s),
    }
}

/// A value as JSON; see [`write_value_json`].
///
/// ```
/// use mmstats::reader::Value;
/// use mmstats_tools::json::value_json;
///
/// assert_eq!(value_json(&Value::UInt(u64::MAX)), "18446744073709551615");
/// assert_eq!(value_json(&Value::Float(0.1)), "0.1");
/// assert_eq!(value_json(&Value::Float(f64::NAN)), "null");
/// assert_eq!(value_json(&Value::Str("a\"b".into())), r#""a\"b""#);
/// ```
pub fn value_json(value: &Value) -> String {
    let mut out = Vec::new();
    write_value_json(&mut out, ValueRef::from(value));
    into_string(out)
}

/// A JSON string literal.
pub fn string_json(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    put(&mut out, text);
    into_string(out)
}

/// JSON written by serde_json is UTF-8.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Writes one file as a single line of JSON, a field at a time:
/// `{"file":…,"version":…,"size":…,"fields":[{"label","type","write_buffer","offset","value"},…]}`.
///
/// Nothing is allocated per field beyond what `out` grows by.
///
/// ```
/// use mmstats::reader::StatsFile;
/// use mmstats_tools::json::FileJson;
///
/// let file = StatsFile::from_bytes(vec![1u8, 1, 0, b'n', 1, 0, b'b', 255, 0xff])?;
/// let mut out = Vec::new();
/// let mut json = FileJson::begin(&mut out, "n.mmstats", file.version(), file.len());
/// let mut cursor = file.cursor();
/// while let Some(field) = cursor.next_field() {
///     json.field(&field?);
/// }
/// json.finish();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"file":"n.mmstats","version":1,"size":9,"fields":[{"label":"n","type":"b","write_buffer":255,"offset":1,"value":-1}]}"#
/// );
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
#[derive(Debug)]
#[must_use = "the JSON is complete only after `finish`"]
pub struct FileJson<'a> {
    out: &'a mut Vec<u8>,
    fields: usize,
}

impl<'a> FileJson<'a> {
    /// Writes the file's part of the line, up to its first field.
    pub fn begin(out: &'a mut Vec<u8>, file: &str, version: u8, size: usize) -> FileJson<'a> {
        out.extend_from_slice(b"{\"file\":");
        put(out, file);
        out.extend_from_slice(b",\"version\":");
        put(out, &version);
        out.extend_from_slice(b",\"size\":");
        put(out, &size);
        out.extend_from_slice(b",\"fields\":[");
        FileJson { out, fields: 0 }
    }

    /// Writes one field.
    pub fn field(&mut self, field: &FieldRef<'_>) {
        self.field_with(field, &[]);
    }

    /// Writes one field with more string members after its `"type"`, such
    /// as `[("kind", "counter")]`.
    pub fn field_with(&mut self, field: &FieldRef<'_>, extra: &[(&str, &str)]) {
        let out = &mut *self.out;
        if self.fields > 0 {
            out.push(b',');
        }
        self.fields += 1;
        out.extend_from_slice(b"{\"label\":");
        put(out, field.label);
        out.extend_from_slice(b",\"type\":");
        put(out, field.signature);
        for (key, value) in extra {
            out.push(b',');
            put(out, *key);
            out.push(b':');
            put(out, *value);
        }
        out.extend_from_slice(b",\"write_buffer\":");
        put(out, &field.write_buffer);
        out.extend_from_slice(b",\"offset\":");
        put(out, &field.offset);
        out.extend_from_slice(b",\"value\":");
        write_value_json(out, field.value);
        out.push(b'}');
    }

    /// Closes the line (without a newline).
    pub fn finish(self) {
        self.out.extend_from_slice(b"]}");
    }
}

/// One file as a single line of JSON; see [`FileJson`].
///
/// ```
/// use mmstats::reader::StatsFile;
/// use mmstats_tools::json::file_json;
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
    let mut out = Vec::new();
    let mut json = FileJson::begin(&mut out, file, version, size);
    for field in fields {
        json.field(&field.as_field_ref());
    }
    json.finish();
    into_string(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

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

    #[test]
    fn streamed_lines_match_the_owned_fields() {
        use mmstats::reader::testing::FileBuilder;
        use mmstats::reader::StatsFile;

        let mut file = FileBuilder::new();
        file.unbuffered("n", "q", &(-5i64).to_ne_bytes());
        file.unbuffered("u", "Q", &u64::MAX.to_ne_bytes());
        file.unbuffered("f", "d", &f64::NAN.to_ne_bytes());
        file.unbuffered("g", "f", &0.1f32.to_ne_bytes());
        file.unbuffered("b", "?", &[1]);
        file.unbuffered("s\u{1}\"", "8s", b"q\"\\\n\xff\0zz");
        let stats = StatsFile::from_bytes(file.finish(200)).unwrap();
        let owned = file_json(
            "f.mmstats",
            stats.version(),
            stats.len(),
            &stats.read_all().unwrap(),
        );

        let mut out = Vec::new();
        let mut json = FileJson::begin(&mut out, "f.mmstats", stats.version(), stats.len());
        let mut cursor = stats.cursor();
        while let Some(field) = cursor.next_field() {
            json.field(&field.unwrap());
        }
        json.finish();
        assert_eq!(String::from_utf8(out).unwrap(), owned);

        let parsed: Json = serde_json::from_str(&owned).unwrap();
        let values: Vec<&Json> = parsed["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|field| &field["value"])
            .collect();
        assert_eq!(values[0], &Json::from(-5));
        assert_eq!(values[1], &Json::from(u64::MAX));
        assert_eq!(values[2], &Json::Null);
        assert_eq!(values[3].as_f64(), Some(f64::from(0.1f32)));
        assert_eq!(values[4], &Json::Bool(true));
        assert_eq!(values[5], &Json::from("q\"\\\n"));
        assert_eq!(parsed["fields"][5]["label"], Json::from("s\u{1}\""));
    }
}
