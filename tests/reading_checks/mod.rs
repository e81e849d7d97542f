//! What every way of reading a file must agree on, and what every field
//! read must satisfy: shared by `tests/hostile_files.rs` and the fuzz
//! target (`fuzz/fuzz_targets/read_file.rs`, which includes this file by
//! path), so the two check the same things. Only `std` and `mmstats`.

use mmstats::reader::{Field, ReadError, Value};

/// Every field lies inside the `len` bytes, back to back from offset 1,
/// and holds no more text than its bytes; an error names an offset inside
/// them.
pub fn check_fields(fields: &[Field], error: Option<&ReadError>, len: usize) {
    let mut next = 1;
    for field in fields {
        assert_eq!(field.offset, next, "{field:?}");
        // label_len, label, sig_len, signature, write_buffer; the label
        // decodes to at most its bytes, the signature is ASCII.
        let header = 2 + field.label.len() + 2 + field.signature.len() + 1;
        assert!(field.offset + header <= field.value_offset, "{field:?}");
        assert!(field.value_offset <= field.end, "{field:?}");
        assert!(field.end <= len, "{field:?} ends past {len}");
        assert!(field.signature.is_ascii(), "{field:?}");
        assert!(matches!(field.write_buffer, 0 | 1 | 255), "{field:?}");
        if let Some(seq) = field.seq_offset {
            assert!(field.is_buffered() && seq % 8 == 0, "{field:?}");
            assert!(seq + 8 <= field.value_offset, "{field:?}");
        }
        if let Value::Str(text) = &field.value {
            assert!(text.len() <= field.end - field.value_offset, "{field:?}");
            assert!(!text.contains('\0'), "{field:?}");
        }
        next = field.end;
    }
    if let Some(offset) = error.and_then(ReadError::offset) {
        assert!(offset <= len, "{error:?} names an offset past {len}");
    }
}

/// Asserts that a second reading (`got`, ending with `got_error`) is the
/// first one (`want`, `want_error`); `what` names the second in a failure.
pub fn assert_same(
    what: &str,
    want: &[Field],
    want_error: &Option<String>,
    got: &[Field],
    got_error: &Option<String>,
) {
    assert_eq!(want.len(), got.len(), "{what}: number of fields");
    for (a, b) in want.iter().zip(got) {
        assert!(same_field(a, b), "{what}: {a:?} != {b:?}");
    }
    assert_eq!(want_error, got_error, "{what}: error");
}

/// Field equality with any NaN equal to itself.
pub fn same_field(a: &Field, b: &Field) -> bool {
    let same_value = match (&a.value, &b.value) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (x, y) => x == y,
    };
    same_value
        && a.label == b.label
        && a.signature == b.signature
        && a.write_buffer == b.write_buffer
        && a.offset == b.offset
        && a.value_offset == b.value_offset
        && a.seq_offset == b.seq_offset
        && a.end == b.end
}
