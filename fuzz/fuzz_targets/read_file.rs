//! The reader on arbitrary bytes: `StatsFile::from_bytes`, then every way
//! of reading the fields (the `Fields` iterator, a `Cursor`, rewound and
//! read again, and `read_all` twice, the second time through the buffers
//! the first one left). None may panic, they must all read the same
//! fields and stop at the same error, and every field must lie inside the
//! bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mmstats::reader::{Field, ReadError, StatsFile, Value};

fuzz_target!(|data: &[u8]| {
    let file = match StatsFile::from_bytes(data) {
        Ok(file) => file,
        Err(ReadError::Empty { path: None }) => {
            assert!(data.is_empty());
            return;
        }
        Err(ReadError::BadVersion { path: None, found }) => {
            assert_eq!(Some(&found), data.first());
            assert_ne!(found, 1);
            return;
        }
        Err(other) => panic!("from_bytes: unexpected error {other:?}"),
    };
    assert_eq!(data.first(), Some(&1));
    assert_eq!(file.len(), data.len());

    let (fields, error) = with_fields(&file);
    check_bounds(&fields, error.as_ref(), data.len());
    let error = error.map(|e| e.to_string());

    let mut cursor = file.cursor();
    for pass in ["cursor", "rewound cursor"] {
        let (cursor_fields, cursor_error) = with_cursor(&mut cursor);
        assert_same(pass, &fields, &error, &cursor_fields, &cursor_error);
        cursor.rewind();
    }

    for pass in ["read_all", "read_all again"] {
        match file.read_all() {
            Ok(all) => assert_same(pass, &fields, &error, &all, &None),
            Err(e) => {
                let shown = Some(e.to_string());
                assert_same(pass, &fields, &error, &fields, &shown);
            }
        }
    }
});

/// The fields the `Fields` iterator yields up to its first error,
/// checking that it stays ended after it.
fn with_fields(file: &StatsFile) -> (Vec<Field>, Option<ReadError>) {
    let mut iter = file.fields();
    let mut fields = Vec::new();
    let mut error = None;
    for field in iter.by_ref() {
        match field {
            Ok(field) => fields.push(field),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(iter.next().is_none(), "Fields goes on after its end");
    (fields, error)
}

/// The fields a cursor reads up to its first error (shown), checking that
/// it stays ended after it.
fn with_cursor(cursor: &mut mmstats::reader::Cursor<'_>) -> (Vec<Field>, Option<String>) {
    let mut fields = Vec::new();
    let mut error = None;
    while let Some(field) = cursor.next_field() {
        match field {
            Ok(field) => fields.push(field.to_field()),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    assert!(
        cursor.next_field().is_none(),
        "Cursor goes on after its end"
    );
    (fields, error)
}

fn assert_same(
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

/// Field equality with any NaN equal to itself (bit for bit).
fn same_field(a: &Field, b: &Field) -> bool {
    let same_value = match (&a.value, &b.value) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
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

/// Every field lies inside the `len` bytes, back to back from offset 1,
/// and holds no more text than its bytes; an error names an offset inside
/// them too.
fn check_bounds(fields: &[Field], error: Option<&ReadError>, len: usize) {
    let mut next = 1;
    for field in fields {
        assert_eq!(field.offset, next, "{field:?}");
        // label_len, label, sig_len, signature, write_buffer, then the
        // value (empty for `0s`).
        let header = 2 + field.label.len() + 2 + field.signature.len() + 1;
        assert!(field.offset + header <= field.value_offset, "{field:?}");
        assert!(field.value_offset <= field.end, "{field:?}");
        assert!(field.end <= len, "{field:?} ends past {len}");
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
