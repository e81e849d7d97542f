//! Files written by Python mmstats 0.8 reproduced byte for byte: for each
//! fixture in `tests/fixtures/python-mmstats-0.8`, a Rust model declared
//! like the Python one (same labels, prefix, sizes and windows, fields in the
//! fixture's file order), given the same writes and created in the
//! python-exact layout, must write every field record exactly as Python did.
//!
//! The writes are reconstructed from the fixtures. A double-buffered field
//! keeps the value written before the current one in its write buffer, so
//! counters and gauges replay that value and then the current one (see
//! [`replay`]); averages, moving averages and timers replay samples that
//! reproduce both buffers; strings replay the earlier value whose stale bytes
//! follow the current one's NUL.
//!
//! The sys fields hold values of the process that wrote the file; for them
//! only the label, the signature and the write buffer are compared. Python's
//! `org.python.version` is `org.rust.version` here: its label is two bytes
//! shorter, so the records after it sit at other offsets and are paired by
//! label.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{check_records_against_expected, expected_json, fixtures_dir, read_bytes, SYS_LABELS};
use mmstats::reader::Field;
use mmstats::{
    Average, Counter, Gauge, Layout, MmStats, Model, MovingAverage, Static, StaticText, Text, Timer,
};

const PYTHON_VERSION_LABEL: &str = "org.python.version";
const RUST_VERSION_LABEL: &str = "org.rust.version";

/// How many of Rust's sys fields Python's `MmStats` base has: the first
/// six, in its order; Rust appends `sys.cmd` after them.
const PYTHON_SYS_COUNT: usize = 6;

/// The sys fields of Python's `MmStats` base, without the label prefix:
/// Rust's first six, with Python's version label.
fn python_sys_labels() -> Vec<&'static str> {
    SYS_LABELS[..PYTHON_SYS_COUNT]
        .iter()
        .map(|&label| {
            if label == RUST_VERSION_LABEL {
                PYTHON_VERSION_LABEL
            } else {
                label
            }
        })
        .collect()
}

/// Whether `label` is a sys field that only Rust writes (`sys.cmd`).
fn rust_only_sys(prefix: &str, label: &str) -> bool {
    matches!(label.strip_prefix(prefix), Some(bare) if SYS_LABELS[PYTHON_SYS_COUNT..].contains(&bare))
}

/// A fixture file: its bytes and its field records.
struct Fixture {
    name: &'static str,
    prefix: &'static str,
    bytes: Vec<u8>,
    fields: Vec<Field>,
}

impl Fixture {
    /// Loads `NAME.mmstats`, checking the record boundaries found in it
    /// against what Python recorded in `NAME.expected.json`.
    fn load(name: &'static str, prefix: &'static str) -> Fixture {
        let bytes = fs::read(fixtures_dir().join(format!("{name}.mmstats")))
            .unwrap_or_else(|err| panic!("fixture {name}: {err}"));
        let expected = expected_json(name);
        assert_eq!(
            Some(bytes.len() as u64),
            expected["size"].as_u64(),
            "{name}: size"
        );
        let fields = read_bytes(&bytes, name);
        check_records_against_expected(name, &fields, &expected);
        Fixture {
            name,
            prefix,
            bytes,
            fields,
        }
    }

    fn field(&self, label: &str) -> &Field {
        let label = format!("{}{label}", self.prefix);
        self.fields
            .iter()
            .find(|f| f.label == label)
            .unwrap_or_else(|| panic!("{}: no field {label}", self.name))
    }

    /// Both buffers of a double-buffered field of `T`s.
    fn buffers<T: NativeBytes>(&self, label: &str) -> Buffers<T> {
        let field = self.field(label);
        assert!(
            field.is_buffered(),
            "{}: {label} is not double buffered",
            self.name
        );
        let size = std::mem::size_of::<T>();
        // The two buffers are the last bytes of the record.
        let storage = &self.bytes[field.end - 2 * size..field.end];
        let (write, read) = if field.write_buffer == 0 {
            (0, 1)
        } else {
            (1, 0)
        };
        let buffer = |i: usize| &storage[i * size..(i + 1) * size];
        Buffers {
            current: T::from_ne(buffer(read)),
            previous: T::from_ne(buffer(write)),
            previous_is_zero: buffer(write).iter().all(|&b| b == 0),
            write_buffer: field.write_buffer,
        }
    }

    fn is_sys(&self, label: &str) -> bool {
        label
            .strip_prefix(self.prefix)
            .is_some_and(|rest| python_sys_labels().contains(&rest))
    }
}

/// A number stored in native byte order.
trait NativeBytes: Copy {
    fn from_ne(bytes: &[u8]) -> Self;
}

macro_rules! native_bytes {
    ($($t:ty),*) => {$(
        impl NativeBytes for $t {
            fn from_ne(bytes: &[u8]) -> Self {
                <$t>::from_ne_bytes(bytes.try_into().expect("buffer of the type's size"))
            }
        }
    )*};
}
native_bytes!(u64, u32, i32, i16, u16, f32, f64);

/// What a double-buffered field holds: the current value (in the buffer
/// readers read) and the previous one (in the buffer written next).
struct Buffers<T> {
    current: T,
    previous: T,
    previous_is_zero: bool,
    write_buffer: u8,
}

/// Replays, through `set`, writes that leave a double-buffered field as
/// `buffers` shows it. A write stores into buffer `write_buffer` and flips
/// it, so with `write_buffer` 0 (an even number of writes) buffer 0 holds
/// the previous value and buffer 1 the current one; with 1, buffer 0 holds
/// the current value and buffer 1 the previous one, or zero after a single
/// write.
fn replay<T: Copy>(buffers: &Buffers<T>, set: impl Fn(T)) {
    let writes = match (buffers.write_buffer, buffers.previous_is_zero) {
        (0, _) => vec![buffers.previous, buffers.current],
        (1, true) => vec![buffers.current],
        (1, false) => vec![buffers.current, buffers.previous, buffers.current],
        (other, _) => panic!("write_buffer {other} is not a double buffer's"),
    };
    for value in writes {
        set(value);
    }
}

/// Creates a model's file in the python-exact layout.
fn create<S: MmStats>(dir: &Path, name: &str) -> Model<S> {
    let model = S::options()
        .path(dir)
        .filename(format!("{name}.mmstats"))
        .layout(Layout::PythonExact)
        .create()
        .unwrap_or_else(|err| panic!("creating {name}: {err}"));
    assert_eq!(model.layout(), Layout::PythonExact);
    model
}

/// The label a Rust field has for a Python fixture's field.
fn rust_label(label: &str) -> String {
    match label.strip_suffix(PYTHON_VERSION_LABEL) {
        Some(prefix) => format!("{prefix}{RUST_VERSION_LABEL}"),
        None => label.to_owned(),
    }
}

/// Fails with the first differing byte of two records, if they differ.
fn assert_same_record(fixture: &Fixture, python: &Field, rust_bytes: &[u8], rust: &Field) {
    let want = &fixture.bytes[python.offset..python.end];
    let got = &rust_bytes[rust.offset..rust.end];
    if want == got {
        return;
    }
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    let show = |bytes: &[u8]| format!("{:02x?}", &bytes[at..bytes.len().min(at + 16)]);
    panic!(
        "{}: record {:?} differs at byte {at} of the record (file offset {} in Python's, {} in \
         Rust's); record lengths {} (Python) and {} (Rust); from there Python has {}, Rust {}",
        fixture.name,
        python.label,
        python.offset + at,
        rust.offset + at,
        want.len(),
        got.len(),
        show(want),
        show(got)
    );
}

/// Compares the Rust model's file with the fixture it imitates, record by
/// record, and returns its bytes. `undeclarable` names the fixture's fields
/// (without the prefix) that the Rust model cannot declare.
fn assert_same_records<S>(fixture: &Fixture, model: &Model<S>, undeclarable: &[&str]) -> Vec<u8> {
    let rust_bytes = fs::read(model.path()).unwrap();
    let rust_fields = read_bytes(&rust_bytes, "the Rust file");
    let name = fixture.name;
    assert_eq!(rust_bytes.len(), fixture.bytes.len(), "{name}: file size");
    assert_eq!(rust_bytes[0], 1, "{name}: version byte");
    let end = rust_fields.last().map_or(1, |f| f.end);
    assert!(
        rust_bytes[end..].iter().all(|&b| b == 0),
        "{name}: the Rust file is not zero after its last field"
    );

    let mut rust_iter = rust_fields.iter();
    // Offsets agree until a record of another length (the version string,
    // or a field missing from the Rust model) shifts the rest.
    let mut in_step = true;
    let mut missing = BTreeSet::new();
    for python in &fixture.fields {
        let bare = python.label.strip_prefix(fixture.prefix).unwrap();
        if undeclarable.contains(&bare) {
            assert!(
                rust_fields.iter().all(|f| f.label != python.label),
                "{name}: {} must be missing from the Rust file",
                python.label
            );
            missing.insert(bare);
            in_step = false;
            continue;
        }
        let rust = rust_iter
            .next()
            .unwrap_or_else(|| panic!("{name}: the Rust file ends before {}", python.label));
        assert_eq!(rust.label, rust_label(&python.label), "{name}: field order");
        if in_step {
            assert_eq!(
                rust.offset, python.offset,
                "{name}: offset of {}",
                python.label
            );
        }
        if fixture.is_sys(&python.label) {
            assert_eq!(rust.signature, python.signature, "{name}: {}", python.label);
            assert_eq!(
                rust.write_buffer, python.write_buffer,
                "{name}: {}",
                python.label
            );
            in_step &= rust.end - rust.offset == python.end - python.offset;
        } else {
            assert_same_record(fixture, python, &rust_bytes, rust);
        }
    }
    let extra: Vec<&str> = rust_iter
        .map(|f| f.label.as_str())
        .filter(|label| !rust_only_sys(fixture.prefix, label))
        .collect();
    assert!(
        extra.is_empty(),
        "{name}: fields only in the Rust file: {extra:?}"
    );
    let undeclarable: BTreeSet<&str> = undeclarable.iter().copied().collect();
    assert_eq!(
        missing, undeclarable,
        "{name}: fields left out of the Rust model"
    );
    rust_bytes
}

/// The fixture's bytes without the records of `left_out` (labels without
/// the prefix), zero-filled to the same size: what the whole Rust file must
/// be when the fixture has no sys fields.
fn fixture_without(fixture: &Fixture, left_out: &[&str]) -> Vec<u8> {
    let mut bytes = fixture.bytes[..1].to_vec();
    for field in &fixture.fields {
        let bare = field.label.strip_prefix(fixture.prefix).unwrap();
        if !left_out.contains(&bare) {
            bytes.extend_from_slice(&fixture.bytes[field.offset..field.end]);
        }
    }
    bytes.resize(fixture.bytes.len(), 0);
    bytes
}

#[derive(MmStats)]
#[mmstats(label_prefix = "fixture.")]
struct AllTypes {
    #[mmstats(label = "requests.count")]
    requests: Counter,
    average: Average,
    #[mmstats(label = "latency.moving", window = 3)]
    latency: MovingAverage,
    #[mmstats(label = "db.timer")]
    db_timer: Timer,
    #[mmstats(label = "big.u64")]
    big_u64: Gauge<u64>,
    #[mmstats(label = "u32")]
    u32_gauge: Gauge<u32>,
    temperature: Gauge<i32>,
    #[mmstats(label = "i16")]
    i16_gauge: Gauge<i16>,
    port: Gauge<u16>,
    #[mmstats(label = "i8")]
    i8_gauge: Gauge<i8>,
    #[mmstats(label = "ratio.f32")]
    ratio: Gauge<f32>,
    #[mmstats(label = "static.f32", value = 0.1)]
    static_f32: Static<f32>,
    #[mmstats(label = "f64")]
    f64_gauge: Gauge<f64>,
    #[mmstats(label = "static.pi", value = std::f64::consts::PI)]
    static_pi: Static<f64>,
    flag_off: Gauge<bool>,
    #[mmstats(initial = true)]
    enabled: Gauge<bool>,
    #[mmstats(label = "last.name", size = 20)]
    last_name: Text,
    #[mmstats(label = "static.u32", value = u32::MAX)]
    static_u32: Static<u32>,
    #[mmstats(value = i64::MIN)]
    si64: Static<i64>,
    #[mmstats(label = "static.u64", value = u64::MAX)]
    static_u64: Static<u64>,
    #[mmstats(label = "build.info", value = "mmstats fixture build 0.8.0")]
    build_info: StaticText,
}

#[test]
fn all_types_is_reproduced() {
    let fixture = Fixture::load("all_types", "fixture.");
    let dir = tempfile::tempdir().unwrap();
    let stats = create::<AllTypes>(dir.path(), "all_types");

    replay(&fixture.buffers("requests.count"), |v| {
        stats.requests.set(v)
    });
    // Means 1, 1.5, 7/3 (buffer 0) and 1.625 (buffer 1).
    for x in [1.0, 2.0, 4.0, -0.5] {
        stats.average.add(x);
    }
    // Windows of 3: means 1, 1.5, 2, 3 (buffer 1) and 17/3 (buffer 0).
    for x in [1.0, 2.0, 3.0, 4.0, 10.0] {
        stats.latency.add(x);
    }
    // Means 0.30000000000000004 (twice; buffer 1) and 0.2416666666666667.
    for secs in [0.1 + 0.2, 0.1 + 0.2, 0.125] {
        stats.db_timer.record_secs(secs);
    }
    replay(&fixture.buffers("big.u64"), |v| stats.big_u64.set(v));
    replay(&fixture.buffers("u32"), |v| stats.u32_gauge.set(v));
    replay(&fixture.buffers("temperature"), |v| {
        stats.temperature.set(v)
    });
    replay(&fixture.buffers("i16"), |v| stats.i16_gauge.set(v));
    replay(&fixture.buffers("port"), |v| stats.port.set(v));
    stats.i8_gauge.set(-128);
    replay(&fixture.buffers("ratio.f32"), |v| stats.ratio.set(v));
    replay(&fixture.buffers("f64"), |v| stats.f64_gauge.set(v));
    stats.last_name.set("alice");
    stats.last_name.set("bob");

    assert_eq!(stats.requests.get(), 1_099_511_627_881);
    assert_eq!(stats.average.get(), 1.625);
    assert_eq!(stats.static_f32.get(), 0.1);
    assert_eq!(stats.static_pi.get(), std::f64::consts::PI);
    assert!(!stats.flag_off.get() && stats.enabled.get());
    assert_eq!(stats.static_u32.get(), u32::MAX);
    assert_eq!(stats.si64.get(), i64::MIN);
    assert_eq!(stats.static_u64.get(), u64::MAX);
    assert_eq!(stats.build_info.get(), "mmstats fixture build 0.8.0");

    assert_same_records(&fixture, &stats, &[]);
    assert_eq!(fixture.bytes.len(), 4096);
}

#[derive(MmStats)]
struct BlogScript {
    done: Counter,
    missing_email: Counter,
    otherdb_timer: Timer,
    #[mmstats(label = "user")]
    last_user: Text,
}

#[test]
fn blog_script_is_reproduced() {
    let fixture = Fixture::load("blog_script", "");
    let dir = tempfile::tempdir().unwrap();
    let stats = create::<BlogScript>(dir.path(), "blog_script");

    // 125 users: 113 updated, 12 without an email address.
    for _ in 0..113 {
        stats.done.incr();
    }
    for _ in 0..12 {
        stats.missing_email.incr();
    }
    // Four timings: the third mean (buffer 0) is 0.36999999999999983, the
    // fourth (buffer 1) 0.35249999999999915.
    for secs in [
        0.3699999999999998,
        0.3699999999999998,
        0.3699999999999998,
        0.29999999999999716,
    ] {
        stats.otherdb_timer.record_secs(secs);
    }
    stats.last_user.set("user123");
    stats.last_user.set("rob");

    let done = fixture.buffers::<u64>("done");
    assert_eq!((done.current, done.previous), (113, 112));
    assert_same_records(&fixture, &stats, &[]);
    assert_eq!(fixture.bytes.len(), 4096);
}

#[derive(MmStats)]
#[mmstats(label_prefix = "ε.", sys_fields = false)]
struct EdgeCases {
    #[mmstats(label = "température.°C")]
    temperature: Gauge<i32>,
    #[mmstats(label = "统计.计数")]
    count: Counter,
    #[mmstats(label = "🚀.launches")]
    launches: Gauge<u16>,
    #[mmstats(size = 10)]
    hearts: Text,
    #[mmstats(size = 7)]
    bytes_cut: Text,
    #[mmstats(label = "exact.fill", size = 8)]
    exact_fill: Text,
    #[mmstats(size = 12)]
    stale: Text,
    #[mmstats(size = 5)]
    empty_str: Text,
    // `ε.zero_str`, a `0s` string, comes here in the fixture: a text of
    // size 0 is a compile error, so it cannot be declared.
    #[mmstats(label = "static.text", value = "naïve ☃ text")]
    static_text: StaticText,
    // 11,519 bytes with the prefix: "long." then 1151 × "abcdefghij", then "z".
    #[mmstats(label = "long.\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij\
        abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijz")]
    long: Gauge<bool>,
    uint_neg: Gauge<u32>,
    ushort_neg: Gauge<u16>,
    u64_neg: Gauge<u64>,
    byte_wrap: Gauge<i8>,
    byte_neg: Gauge<i8>,
    short_wrap: Gauge<i16>,
    int_wrap: Gauge<i32>,
    counter_wrap: Counter,
    truthy: Gauge<bool>,
    falsy: Gauge<bool>,
}

#[test]
fn edge_cases_are_reproduced_except_the_zero_size_string() {
    let fixture = Fixture::load("edge_cases", "ε.");
    let dir = tempfile::tempdir().unwrap();
    let stats = create::<EdgeCases>(dir.path(), "edge_cases");

    stats.temperature.set(-40);
    stats.count.add(7);
    stats.launches.set(3);
    stats.hearts.set(&"❤".repeat(11));
    stats.bytes_cut.set_bytes("❤❤❤".as_bytes());
    stats.exact_fill.set("exactly8");
    stats.stale.set("longer value");
    stats.stale.set("short");
    stats.long.set(true);
    // Python wrapped out-of-range values into the field's type.
    stats.uint_neg.set(0u32.wrapping_sub(100));
    stats.ushort_neg.set(0u16.wrapping_sub(2));
    stats.u64_neg.set(0u64.wrapping_sub(1));
    stats.byte_wrap.set(200u8 as i8);
    stats.byte_neg.set(-1);
    stats.short_wrap.set(40000u16 as i16);
    stats.int_wrap.set(2_147_483_648u32 as i32);
    stats.counter_wrap.add(3);
    stats.counter_wrap.sub(5);
    stats.truthy.set(true);
    stats.falsy.set(false);

    assert_eq!(stats.static_text.get(), "naïve ☃ text");
    assert_eq!(stats.empty_str.get(), "");
    assert_eq!(stats.counter_wrap.get(), u64::MAX - 1);
    let long_label = format!("long.{}z", "abcdefghij".repeat(1151));
    assert_eq!(fixture.field(&long_label).label.len(), 11_519);

    let undeclarable = ["zero_str"];
    let rust_bytes = assert_same_records(&fixture, &stats, &undeclarable);
    assert_eq!(
        rust_bytes,
        fixture_without(&fixture, &undeclarable),
        "edge_cases: the whole file, the zero-size string left out"
    );
}

#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct Empty {}

#[test]
fn empty_is_reproduced() {
    let fixture = Fixture::load("empty", "");
    let dir = tempfile::tempdir().unwrap();
    let stats = create::<Empty>(dir.path(), "empty");
    let rust_bytes = assert_same_records(&fixture, &stats, &[]);
    assert_eq!(rust_bytes, fixture.bytes, "empty: the whole file");
}
