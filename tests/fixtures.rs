//! The reader against the files written by the original Python mmstats 0.8
//! (`tests/fixtures/python-mmstats-0.8`): every field must match what
//! the Python reader returned, as recorded in each `.expected.json`.

mod common;

use common::{check_records_against_expected, expected_json, fixtures_dir, FIXTURE_NAMES};
use mmstats::reader::{Field, ReadError, StatsFile, Value};
use serde_json::Value as Json;

/// Every fixture's name (`NAME` of `NAME.mmstats`), sorted: the ones in the
/// directory, which must include [`FIXTURE_NAMES`].
fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".mmstats").map(str::to_owned))
        .collect();
    names.sort();
    for known in FIXTURE_NAMES {
        assert!(
            names.iter().any(|n| n == known),
            "fixture {known} is missing"
        );
    }
    names
}

/// Whether `value` is the JSON value the Python reader recorded: integers
/// exactly, floats bit for bit.
fn same_as_python(value: &Value, json: &Json) -> bool {
    match (value, json) {
        (Value::Int(v), Json::Number(n)) => n.as_i64() == Some(*v),
        (Value::UInt(v), Json::Number(n)) => n.as_u64() == Some(*v),
        (Value::Float(v), Json::Number(n)) => n.as_f64().map(f64::to_bits) == Some(v.to_bits()),
        (Value::Bool(v), Json::Bool(b)) => v == b,
        (Value::Str(s), Json::String(t)) => s == t,
        _ => false,
    }
}

fn check_against_expected(name: &str, file: &StatsFile, fields: &[Field]) {
    let want = expected_json(name);
    assert_eq!(
        Some(u64::from(file.version())),
        want["version"].as_u64(),
        "{name}"
    );
    assert_eq!(Some(file.len() as u64), want["size"].as_u64(), "{name}");
    check_records_against_expected(name, fields, &want);
    let want_fields = want["fields"].as_array().unwrap();
    for (got, want) in fields.iter().zip(want_fields) {
        let at = format!("{name}: field at {}", got.offset);
        assert!(
            same_as_python(&got.value, &want["value"]),
            "{at}: read {:?}, Python read {}",
            got.value,
            want["value"]
        );
        // Python's fields carry no seqlock.
        assert_eq!(got.seq_offset, None, "{at}");
    }
}

#[test]
fn every_fixture_reads_as_python_read_it() {
    for name in fixture_names() {
        let path = fixtures_dir().join(format!("{name}.mmstats"));
        let file = StatsFile::open(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.path(), Some(path.as_path()));
        let fields = file.read_all().unwrap_or_else(|e| panic!("{name}: {e}"));
        check_against_expected(&name, &file, &fields);

        let bytes = std::fs::read(&path).unwrap();
        let copy = StatsFile::from_bytes(bytes).unwrap();
        assert_eq!(copy.path(), None);
        assert_eq!(copy.read_all().unwrap(), fields, "{name}: from_bytes");
        check_against_expected(&name, &copy, &fields);
    }
}

#[test]
fn fixtures_cover_the_interesting_cases() {
    // Guard against a silently shrunken fixture set: these are the cases the
    // README promises, and the reader must have met each of them.
    let read = |name: &str| {
        StatsFile::open(fixtures_dir().join(format!("{name}.mmstats")))
            .unwrap()
            .read_all()
            .unwrap()
    };
    let all = read("all_types");
    let by_label = |fields: &[Field], label: &str| {
        fields
            .iter()
            .find(|f| f.label == label)
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(by_label(&all, "fixture.big.u64"), Value::UInt(u64::MAX));
    assert_eq!(by_label(&all, "fixture.si64"), Value::Int(i64::MIN));
    assert_eq!(
        by_label(&all, "fixture.static.f32"),
        Value::Float(0.1f32 as f64)
    );
    assert_eq!(
        by_label(&all, "fixture.last.name"),
        Value::Str("bob".into())
    );
    assert!(all.iter().any(|f| f.write_buffer == 0) && all.iter().any(|f| f.write_buffer == 1));

    let edge = read("edge_cases");
    assert_eq!(by_label(&edge, "ε.hearts"), Value::Str("❤❤❤".into()));
    assert_eq!(by_label(&edge, "ε.bytes_cut"), Value::Str("❤❤".into()));
    assert!(edge.iter().any(|f| f.label.len() > 4096));
    let edge_len = StatsFile::open(fixtures_dir().join("edge_cases.mmstats"))
        .unwrap()
        .len();
    assert_eq!(
        edge.last().unwrap().end,
        edge_len - 1,
        "ends one byte before the end"
    );

    assert!(read("empty").is_empty());
}

#[test]
fn fixtures_cut_short_at_every_offset_give_fewer_fields_or_an_error() {
    for name in fixture_names() {
        let bytes = std::fs::read(fixtures_dir().join(format!("{name}.mmstats"))).unwrap();
        let full = StatsFile::from_bytes(bytes.clone())
            .unwrap()
            .read_all()
            .unwrap();
        let last_end = full.last().map_or(1, |f| f.end);
        for cut in 0..=bytes.len() {
            let read = StatsFile::from_bytes(&bytes[..cut]).and_then(|f| f.read_all());
            match read {
                Ok(fields) => {
                    assert_eq!(fields, full[..fields.len()], "{name} cut at {cut}");
                    // Every field that fits is read.
                    let fit = full.iter().take_while(|f| f.end <= cut).count();
                    assert_eq!(fields.len(), fit, "{name} cut at {cut}");
                    if cut >= last_end {
                        assert_eq!(fields.len(), full.len());
                    }
                }
                Err(ReadError::Empty { .. }) => assert_eq!(cut, 0),
                Err(ReadError::Truncated { field, .. } | ReadError::PastEnd { field, .. }) => {
                    assert!(field < cut, "{name} cut at {cut}: field {field}");
                    assert!(cut < last_end, "{name} cut at {cut}");
                }
                Err(other) => panic!("{name} cut at {cut}: {other}"),
            }
        }
    }
}
