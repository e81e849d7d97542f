//! The reader on arbitrary bytes: `StatsFile::from_bytes`, then every way
//! of reading the fields (the `Fields` iterator, a `Cursor`, rewound and
//! read again, and `read_all` twice, the second time through the buffers
//! the first one left). None may panic, they must all read the same
//! fields and stop at the same error, and every field must lie inside the
//! bytes.
#![no_main]

#[path = "../../tests/reading_checks/mod.rs"]
mod reading_checks;

use libfuzzer_sys::fuzz_target;
use mmstats::reader::{Field, ReadError, StatsFile};
use reading_checks::{assert_same, check_fields};

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
    check_fields(&fields, error.as_ref(), data.len());
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
