//! Hostile and broken files never crash a reader.
//!
//! Property tests feed `mmstats::reader` files written by a real model and
//! then cut short or with bytes flipped; files built field by field from
//! honest and hostile parts (absurd lengths, unknown and enormous
//! signatures, labels of control characters and invalid UTF-8); other
//! version bytes; and arbitrary bytes. Plain tests add empty files and
//! sparse files of 5 GiB on disk. Every read must give a typed error or the
//! right value, never panic, report only fields that lie inside the file,
//! and allocate no more than the file's own size accounts for: a counting
//! global allocator measures each read.
//!
//! The property tests run a fixed number of cases (a few seconds in a
//! debug build) and record no regression files; a failure prints the
//! shrunk input.

mod common;
mod reading_checks;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::OnceLock;

use mmstats::format::SignatureError;
use mmstats::reader::{Field, FieldPart, ReadError, StatsFile, Value};
use mmstats::Layout as FileLayout;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::Config;

use common::{same_value, write_every, Every};
use reading_checks::{assert_same, check_fields, same_field};

// ---------------------------------------------------------------------------
// Counting what a read allocates.

/// The system allocator, counting what the current thread allocates while
/// [`measure`] runs.
struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// This thread's count. `const`-initialised and without a destructor, so
/// using it never allocates or registers anything, even from inside the
/// allocator.
#[derive(Clone, Copy)]
struct Tally {
    on: bool,
    largest: usize,
    live: isize,
    peak: isize,
}

impl Tally {
    const IDLE: Tally = Tally {
        on: false,
        largest: 0,
        live: 0,
        peak: 0,
    };
}

thread_local! {
    static TALLY: Cell<Tally> = const { Cell::new(Tally::IDLE) };
}

/// Counts an allocation of `grown` bytes that replaces (frees) `freed`
/// bytes, if this thread is being measured.
fn count(grown: usize, freed: usize) {
    // `try_with`: the thread may be tearing down its locals.
    let _ = TALLY.try_with(|tally| {
        let mut t = tally.get();
        if t.on {
            t.largest = t.largest.max(grown);
            t.live += grown as isize - freed as isize;
            t.peak = t.peak.max(t.live);
            tally.set(t);
        }
    });
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds `GlobalAlloc`'s contract; the counting touches only a
// thread-local `Cell` and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 0);
        // SAFETY: the caller's guarantees for `alloc` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 0);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(0, layout.size());
        // SAFETY: `ptr` and `layout` come from the caller, who got `ptr`
        // from this allocator, that is from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size, layout.size());
        // SAFETY: as for `dealloc`, and the caller's guarantees about
        // `new_size` are passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What a measured piece of code allocated on this thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Usage {
    /// The largest single allocation (or new size of a reallocation).
    largest: usize,
    /// The most bytes allocated and not yet freed at one moment, counted
    /// from zero at the start (what it returns included).
    peak: usize,
}

impl Usage {
    fn max(self, other: Usage) -> Usage {
        Usage {
            largest: self.largest.max(other.largest),
            peak: self.peak.max(other.peak),
        }
    }
}

/// Runs `f`, counting what it allocates on this thread.
fn measure<R>(f: impl FnOnce() -> R) -> (R, Usage) {
    TALLY.with(|tally| {
        tally.set(Tally {
            on: true,
            ..Tally::IDLE
        })
    });
    let result = f();
    let tally = TALLY.with(|tally| tally.replace(Tally::IDLE));
    let usage = Usage {
        largest: tally.largest,
        peak: usize::try_from(tally.peak).unwrap_or(0),
    };
    (result, usage)
}

// ---------------------------------------------------------------------------
// Reading a file every way, checking what every read must satisfy.

/// The smallest field: label_len, a 1-byte label, sig_len, a 1-byte
/// signature, write_buffer and a 1-byte value (or `0s` and no value).
const MIN_FIELD: usize = 8;

/// Allocations a read may make beyond what the file's bytes account for:
/// error boxes and messages, a signature shown in an error. Far below the
/// 64 KiB a `label_len` or `sig_len` of 0xFFFF claims.
const SLACK: usize = 1024;

/// What reading a file gave.
#[derive(Debug)]
struct Outcome {
    /// The fields read before the first error (or the end).
    fields: Vec<Field>,
    /// The first error, if any.
    error: Option<ReadError>,
    /// What the largest read allocated.
    usage: Usage,
}

/// Opens `bytes` with `from_bytes` and, unless that fails, reads them
/// through [`read_every_way`]. `None` when `from_bytes` refused them (for
/// the reason it must have).
fn read_bytes(bytes: &[u8]) -> Option<Outcome> {
    let owned = bytes.to_vec();
    let (opened, usage) = measure(|| StatsFile::from_bytes(owned));
    // The copy, held as 8-byte words.
    assert!(
        usage.largest <= bytes.len() + 8,
        "from_bytes of {} bytes: {usage:?}",
        bytes.len()
    );
    match opened {
        Ok(stats) => {
            assert_eq!(bytes.first(), Some(&1));
            assert_eq!(stats.len(), bytes.len());
            assert!(stats.path().is_none());
            Some(read_every_way(&stats))
        }
        Err(ReadError::Empty { path: None }) => {
            assert!(bytes.is_empty());
            None
        }
        Err(ReadError::BadVersion { path: None, found }) => {
            assert_eq!(bytes.first(), Some(&found));
            assert_ne!(found, 1);
            None
        }
        Err(other) => panic!("from_bytes: unexpected {other:?}"),
    }
}

/// Reads `stats` with its `Fields` iterator, with a cursor (twice, rewound
/// in between) and with `read_all` (twice: the second call reuses the
/// buffers of the first); checks that they agree, that every field lies
/// inside the file and that no read allocated more than the file accounts
/// for; returns what they read.
fn read_every_way(stats: &StatsFile) -> Outcome {
    let len = stats.len();
    // Room for as many fields as the file can hold (up to a point: sparse
    // files of gigabytes hold a few), made before measuring.
    let room = (len / MIN_FIELD + 1).min(1 << 16);

    let mut fields = Vec::with_capacity(room);
    let (error, mut usage) = measure(|| {
        let mut iter = stats.fields();
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
        error
    });
    assert!(fields.len() <= len / MIN_FIELD);
    check_fields(&fields, error.as_ref(), len);
    let shown = error.as_ref().map(ToString::to_string);
    let n = fields.len();
    let one_by_one = 2 * len + SLACK;
    assert!(
        usage.largest <= one_by_one,
        "fields(), {len} bytes: {usage:?}"
    );

    let mut cursor = stats.cursor();
    for pass in ["cursor", "rewound cursor"] {
        let mut read = Vec::with_capacity(room);
        let (cursor_error, cursor_usage) = measure(|| {
            let mut error = None;
            while let Some(field) = cursor.next_field() {
                match field {
                    Ok(field) => read.push(field.to_field()),
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
            error
        });
        assert_same(pass, &fields, &shown, &read, &cursor_error);
        assert!(
            cursor_usage.largest <= one_by_one,
            "{pass}, {len} bytes: {cursor_usage:?}"
        );
        usage = usage.max(cursor_usage);
        cursor.rewind();
    }

    // `read_all` also holds the vector of fields, grown by doubling.
    let all_at_once = one_by_one.max(2 * (n + 2) * size_of::<Field>());
    for pass in ["read_all", "read_all again"] {
        let (all, all_usage) = measure(|| stats.read_all());
        match all {
            Ok(all) => assert_same(pass, &fields, &shown, &all, &None),
            Err(e) => assert_same(pass, &fields, &shown, &fields, &Some(e.to_string())),
        }
        assert!(
            all_usage.largest <= all_at_once,
            "{pass}, {len} bytes, {n} fields: {all_usage:?}"
        );
        usage = usage.max(all_usage);
    }

    // Everything held at once: the fields' strings, the read buffers (each
    // at most twice its largest content) and the vector of fields.
    let peak = 8 * len + 3 * (n + 2) * size_of::<Field>() + SLACK;
    assert!(usage.peak <= peak, "{len} bytes, {n} fields: {usage:?}");
    Outcome {
        fields,
        error,
        usage,
    }
}

/// Python's `bytes.decode("utf8", "ignore")`, written apart from the
/// reader's own decoder.
fn dropping(bytes: &[u8]) -> String {
    bytes.utf8_chunks().map(|chunk| chunk.valid()).collect()
}

/// What a string value's bytes read as: cut at the first NUL, undecodable
/// bytes dropped.
fn text_value(bytes: &[u8]) -> Value {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Value::Str(dropping(&bytes[..end]))
}

/// Cases of each property test on a model's file.
const MODEL_CASES: u32 = 1000;
/// Cases of the property test on files built field by field.
const BUILT_CASES: u32 = 2000;
/// Cases of each property test on arbitrary bytes.
const BYTES_CASES: u32 = 1000;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Files written by a real model.

/// A file written by the [`Every`] model, and what it reads as.
struct ModelFile {
    bytes: Vec<u8>,
    fields: Vec<Field>,
    /// Where the last field ends: the zero tail starts.
    used: usize,
}

/// The [`Every`] model's file in each layout, written once.
fn model_files() -> &'static [ModelFile; 2] {
    static FILES: OnceLock<[ModelFile; 2]> = OnceLock::new();
    FILES.get_or_init(|| [FileLayout::Aligned, FileLayout::PythonExact].map(model_file))
}

fn model_file(layout: FileLayout) -> ModelFile {
    let dir = tempfile::tempdir().unwrap();
    let stats = Every::options()
        .path(dir.path())
        .layout(layout)
        .create()
        .unwrap();
    write_every(&stats);
    let bytes = std::fs::read(stats.path()).unwrap();
    let outcome = read_bytes(&bytes).unwrap();
    assert!(outcome.error.is_none(), "{layout:?}: {:?}", outcome.error);
    assert!(outcome.fields.len() > 30, "{layout:?}");
    let used = outcome.fields.last().unwrap().end;
    ModelFile {
        bytes,
        fields: outcome.fields,
        used,
    }
}

/// A position in a model file: mostly among its fields (or just after
/// them), sometimes anywhere in its zero tail.
fn position(file: &ModelFile, index: &Index, anywhere: bool) -> usize {
    if anywhere {
        index.index(file.bytes.len() + 1)
    } else {
        index.index(file.used + 8)
    }
}

proptest! {
    #![proptest_config(config(MODEL_CASES))]

    /// A model's file cut anywhere reads as exactly the fields that lie
    /// wholly before the cut, then the end (if the cut falls between
    /// fields) or an error about the field it falls in.
    #[test]
    fn a_file_cut_short_reads_its_whole_fields(
        layout in 0..2usize,
        index in any::<Index>(),
        anywhere in prop::bool::weighted(0.2),
    ) {
        let file = &model_files()[layout];
        let cut = position(file, &index, anywhere);
        let Some(outcome) = read_bytes(&file.bytes[..cut]) else {
            prop_assert_eq!(cut, 0);
            return Ok(());
        };
        let whole = file.fields.iter().take_while(|f| f.end <= cut).count();
        prop_assert_eq!(outcome.fields.len(), whole, "cut at {}", cut);
        for (got, want) in outcome.fields.iter().zip(&file.fields) {
            prop_assert!(same_field(got, want), "cut at {}: {:?} != {:?}", cut, got, want);
        }
        match file.fields.get(whole) {
            // Cut inside a field: an error about it (its first byte, the
            // low byte of a nonzero label length below 256, is enough to
            // start one).
            Some(next) if cut > next.offset => prop_assert!(
                matches!(
                    outcome.error,
                    Some(ReadError::Truncated { field, .. } | ReadError::PastEnd { field, .. })
                        if field == next.offset
                ),
                "cut at {} inside the field at {}: {:?}", cut, next.offset, outcome.error
            ),
            // Cut between fields, or in the zero tail.
            _ => prop_assert!(outcome.error.is_none(), "cut at {}: {:?}", cut, outcome.error),
        }
    }

    /// A model's file with bytes flipped reads without a panic; the fields
    /// before the first flipped byte read as they did.
    #[test]
    fn a_file_with_flipped_bytes_reads_its_untouched_fields(
        layout in 0..2usize,
        flips in vec((any::<Index>(), 1..=255u8, prop::bool::weighted(0.1)), 1..8),
    ) {
        let file = &model_files()[layout];
        let mut bytes = file.bytes.clone();
        let mut first = usize::MAX;
        for (index, mask, anywhere) in &flips {
            let at = position(file, index, *anywhere).min(bytes.len() - 1);
            bytes[at] ^= mask;
            first = first.min(at);
        }
        let Some(outcome) = read_bytes(&bytes) else {
            prop_assert_eq!(first, 0);
            return Ok(());
        };
        let untouched = file.fields.iter().take_while(|f| f.end <= first).count();
        prop_assert!(outcome.fields.len() >= untouched, "first flip at {}", first);
        for (got, want) in outcome.fields.iter().zip(&file.fields).take(untouched) {
            prop_assert!(same_field(got, want), "first flip at {}: {:?} != {:?}", first, got, want);
        }
    }
}

// ---------------------------------------------------------------------------
// Files built field by field.

/// A value that a signature describes honestly: one buffer's bytes and
/// what they read as.
#[derive(Clone, Debug)]
struct Honest {
    sig: String,
    bytes: Vec<u8>,
    want: Value,
}

fn honest(sig: &str, bytes: impl Into<Vec<u8>>, want: Value) -> Honest {
    Honest {
        sig: sig.to_owned(),
        bytes: bytes.into(),
        want,
    }
}

/// Bytes of a string value: NULs, control characters, ASCII and bytes of
/// (often broken) UTF-8.
fn text_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![2 => Just(0u8), 2 => 1..0x20u8, 4 => 0x20..0x7fu8, 3 => 0x80..=0xffu8],
        0..max,
    )
}

fn honest_value() -> impl Strategy<Value = Honest> {
    prop_oneof![
        any::<u64>().prop_map(|v| honest("Q", v.to_ne_bytes(), Value::UInt(v))),
        any::<u64>().prop_map(|v| honest(">Q", v.to_be_bytes(), Value::UInt(v))),
        any::<i64>().prop_map(|v| honest("<q", v.to_le_bytes(), Value::Int(v))),
        any::<u32>().prop_map(|v| honest("I", v.to_ne_bytes(), Value::UInt(v.into()))),
        any::<i32>().prop_map(|v| honest("!i", v.to_be_bytes(), Value::Int(v.into()))),
        any::<i16>().prop_map(|v| honest(">h", v.to_be_bytes(), Value::Int(v.into()))),
        any::<u16>().prop_map(|v| honest("<H", v.to_le_bytes(), Value::UInt(v.into()))),
        any::<i8>().prop_map(|v| honest("b", v.to_ne_bytes(), Value::Int(v.into()))),
        any::<u64>().prop_map(|bits| {
            let v = f64::from_bits(bits);
            honest("d", v.to_ne_bytes(), Value::Float(v))
        }),
        any::<u32>().prop_map(|bits| {
            let v = f32::from_bits(bits);
            honest("=f", v.to_ne_bytes(), Value::Float(v.into()))
        }),
        any::<u8>().prop_map(|b| honest("?", [b], Value::Bool(b != 0))),
        any::<u8>().prop_map(|b| honest("c", [b], text_value(&[b]))),
        text_bytes(40).prop_map(|b| honest(&format!("{}s", b.len()), b.clone(), text_value(&b))),
        // Many repeat counts: Python keeps the first item.
        vec(1..5usize, 1..30).prop_flat_map(|counts| {
            let sig: String = counts.iter().map(|c| format!("{c}b")).collect();
            vec(any::<u8>(), counts.iter().sum::<usize>())
                .prop_map(move |b| honest(&sig, b.clone(), Value::Int((b[0] as i8).into())))
        }),
    ]
}

/// Labels: names, non-ASCII names, control characters, invalid UTF-8.
fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        select(&["done", "sys.pid", "température.°C", "ñandú ☃", "\u{1F680}"][..])
            .prop_map(|s| s.as_bytes().to_vec()),
        vec(prop_oneof![1..0x20u8, 0x20..0x7fu8, 0x7f..=0xffu8], 1..24),
        vec(any::<u8>(), 1..24),
    ]
}

/// A field that reads back as it was written.
#[derive(Clone, Debug)]
struct GoodField {
    label: Vec<u8>,
    value: Honest,
    /// For a double-buffered field: its `write_buffer` (0 or 1) and the
    /// bytes of the buffer the reader does not read.
    buffered: Option<(u8, Vec<u8>)>,
}

fn good_field() -> impl Strategy<Value = GoodField> {
    (label(), honest_value(), prop::option::of(0..2u8)).prop_flat_map(|(label, value, wb)| {
        let size = value.bytes.len();
        let other = match wb {
            Some(wb) => vec(any::<u8>(), size)
                .prop_map(move |other| Some((wb, other)))
                .boxed(),
            None => Just(None).boxed(),
        };
        other.prop_map(move |buffered| GoodField {
            label: label.clone(),
            value: value.clone(),
            buffered,
        })
    })
}

/// Signatures that no reader can use, and why.
const BAD_SIGNATURES: [(&[u8], SignatureError); 14] = [
    (
        b"99999999999999999999s",
        SignatureError::CountOverflow { position: 0 },
    ),
    (
        b"Q99999999999999999999s",
        SignatureError::CountOverflow { position: 1 },
    ),
    (
        b"9223372036854775807s9223372036854775807s",
        SignatureError::SizeOverflow,
    ),
    (
        b"@@",
        SignatureError::UnknownCode {
            position: 1,
            byte: b'@',
        },
    ),
    (
        b"<>Q",
        SignatureError::UnknownCode {
            position: 1,
            byte: b'>',
        },
    ),
    (b"=", SignatureError::NoValue),
    (b"", SignatureError::NoValue),
    (b"4x", SignatureError::NoValue),
    (b"0Q", SignatureError::NoValue),
    (
        b"\xff",
        SignatureError::UnknownCode {
            position: 0,
            byte: 0xff,
        },
    ),
    (
        "é".as_bytes(),
        SignatureError::UnknownCode {
            position: 0,
            byte: 0xc3,
        },
    ),
    (
        b"Q\0",
        SignatureError::UnknownCode {
            position: 1,
            byte: 0,
        },
    ),
    (b"12", SignatureError::CountWithoutCode { position: 0 }),
    (b"3 s", SignatureError::CountWithoutCode { position: 0 }),
];

/// Signatures that parse but whose storage (one buffer of the size given)
/// is far larger than any file here.
const HUGE_SIGNATURES: [(&str, usize); 5] = [
    ("999999999s", 999_999_999),
    ("4000000000Q", 32_000_000_000),
    ("2147483647d", 17_179_869_176),
    ("=999999999x?", 1_000_000_000),
    ("9223372036854775807s", 9_223_372_036_854_775_807),
];

/// A length prefix that claims more bytes than the file has left.
#[derive(Clone, Copy, Debug)]
enum Claim {
    Max,
    /// This many bytes more than are left.
    Beyond(u16),
}

/// What ends a built file after its good fields.
#[derive(Clone, Debug)]
enum Fault {
    None,
    /// A label longer than the rest of the file.
    LabelLength {
        claim: Claim,
    },
    /// A signature longer than the rest of the file.
    SignatureLength {
        sig: Vec<u8>,
        claim: Claim,
    },
    /// One of [`BAD_SIGNATURES`].
    BadSignature {
        which: usize,
    },
    /// One of [`HUGE_SIGNATURES`], unbuffered or buffered.
    HugeSignature {
        which: usize,
        write_buffer: u8,
    },
    /// A good field's header with a `write_buffer` not 0, 1 or 255.
    WriteBuffer {
        value: Honest,
        found: u8,
    },
    /// Lengths, signature and the rest as they come.
    Garbage {
        label_len: u16,
        sig_len: u16,
        sig: Vec<u8>,
        rest: Vec<u8>,
    },
}

fn claim() -> impl Strategy<Value = Claim> {
    prop_oneof![Just(Claim::Max), (0..300u16).prop_map(Claim::Beyond)]
}

fn fault() -> impl Strategy<Value = Fault> {
    let sig_chars = vec(select(&b"0123456789sxcbBhHiIlLqQfd?@=<>! \t"[..]), 0..16);
    prop_oneof![
        3 => Just(Fault::None),
        1 => claim().prop_map(|claim| Fault::LabelLength { claim }),
        1 => (vec(any::<u8>(), 0..8), claim())
            .prop_map(|(sig, claim)| Fault::SignatureLength { sig, claim }),
        2 => (0..BAD_SIGNATURES.len()).prop_map(|which| Fault::BadSignature { which }),
        1 => (0..HUGE_SIGNATURES.len(), select(&[0u8, 1, 255][..]))
            .prop_map(|(which, write_buffer)| Fault::HugeSignature { which, write_buffer }),
        1 => (honest_value(), 2..255u8)
            .prop_map(|(value, found)| Fault::WriteBuffer { value, found }),
        3 => (
            prop_oneof![any::<u16>(), 0..40u16],
            prop_oneof![any::<u16>(), 0..20u16],
            prop_oneof![vec(any::<u8>(), 0..20), sig_chars],
            vec(any::<u8>(), 0..64),
        )
            .prop_map(|(label_len, sig_len, sig, rest)| Fault::Garbage {
                label_len,
                sig_len,
                sig,
                rest,
            }),
    ]
}

/// What follows the last field.
#[derive(Clone, Debug)]
enum Tail {
    Zeros(usize),
    Bytes(Vec<u8>),
}

fn tail() -> impl Strategy<Value = Tail> {
    prop_oneof![
        2 => (0..24usize).prop_map(Tail::Zeros),
        1 => vec(any::<u8>(), 0..24).prop_map(Tail::Bytes),
    ]
}

/// A field as the reader must report it.
#[derive(Debug)]
struct Want {
    label: String,
    signature: String,
    write_buffer: u8,
    offset: usize,
    value: Value,
    value_offset: usize,
    end: usize,
}

impl Want {
    fn matches(&self, field: &Field) -> bool {
        field.label == self.label
            && field.signature == self.signature
            && field.write_buffer == self.write_buffer
            && field.offset == self.offset
            && same_value(&field.value, &self.value)
            && field.value_offset == self.value_offset
            && field.seq_offset.is_none()
            && field.end == self.end
    }
}

fn push_len(bytes: &mut Vec<u8>, len: usize) {
    bytes.extend(u16::try_from(len).unwrap().to_ne_bytes());
}

/// Appends `field`; returns what it must read as.
fn push_good(bytes: &mut Vec<u8>, field: &GoodField) -> Want {
    let offset = bytes.len();
    push_len(bytes, field.label.len());
    bytes.extend(&field.label);
    push_len(bytes, field.value.sig.len());
    bytes.extend(field.value.sig.as_bytes());
    let start = bytes.len() + 1;
    let (write_buffer, value_offset) = match &field.buffered {
        None => {
            bytes.push(255);
            bytes.extend(&field.value.bytes);
            (255, start)
        }
        Some((wb, other)) => {
            // The reader reads buffer `wb ^ 1`.
            bytes.push(*wb);
            let (first, second) = if *wb == 1 {
                (&field.value.bytes, other)
            } else {
                (other, &field.value.bytes)
            };
            bytes.extend(first);
            bytes.extend(second);
            (*wb, start + usize::from(wb ^ 1) * field.value.bytes.len())
        }
    };
    Want {
        label: dropping(&field.label),
        signature: field.value.sig.clone(),
        write_buffer,
        offset,
        value: field.value.want.clone(),
        value_offset,
        end: bytes.len(),
    }
}

/// The number a claim stands for when `left` bytes are left.
fn claimed(claim: Claim, left: usize) -> usize {
    match claim {
        Claim::Max => 0xFFFF,
        Claim::Beyond(more) => left + 1 + usize::from(more),
    }
}

/// Whether an error is the one a broken field deserves.
type ErrorCheck = Box<dyn Fn(&ReadError) -> bool>;

/// Appends `fault` (with the label `label`) and `tail`; returns a check of
/// the error the reader must stop at, if the fault decides it.
fn push_fault(bytes: &mut Vec<u8>, label: &[u8], fault: &Fault, tail: &[u8]) -> Option<ErrorCheck> {
    let at = bytes.len();
    let label_at = at + 2;
    let sig_at = label_at + label.len() + 2;
    let header = |bytes: &mut Vec<u8>, sig: &[u8]| {
        push_len(bytes, label.len());
        bytes.extend(label);
        push_len(bytes, sig.len());
        bytes.extend(sig);
    };
    let check: ErrorCheck = match fault {
        Fault::None => {
            bytes.extend(tail);
            return None;
        }
        Fault::LabelLength { claim } => {
            let left = label.len() + tail.len();
            let claim = claimed(*claim, left);
            push_len(bytes, claim);
            bytes.extend(label);
            Box::new(move |e| {
                matches!(*e, ReadError::Truncated {
                    field, part: FieldPart::Label, offset, needed, available,
                } if (field, offset, needed, available) == (at, label_at, claim, left))
            })
        }
        Fault::SignatureLength { sig, claim } => {
            let left = sig.len() + tail.len();
            let claim = claimed(*claim, left);
            push_len(bytes, label.len());
            bytes.extend(label);
            push_len(bytes, claim);
            bytes.extend(sig);
            Box::new(move |e| {
                matches!(*e, ReadError::Truncated {
                    field, part: FieldPart::Signature, offset, needed, available,
                } if (field, offset, needed, available) == (at, sig_at, claim, left))
            })
        }
        Fault::BadSignature { which } => {
            let (sig, want) = BAD_SIGNATURES[*which];
            header(bytes, sig);
            bytes.push(255);
            Box::new(move |e| {
                matches!(*e, ReadError::BadSignature { field, offset, error, .. }
                    if (field, offset, error) == (at, sig_at, want))
            })
        }
        Fault::HugeSignature {
            which,
            write_buffer,
        } => {
            let (sig, size) = HUGE_SIGNATURES[*which];
            header(bytes, sig.as_bytes());
            bytes.push(*write_buffer);
            let start = bytes.len();
            let buffers = if *write_buffer == 255 { 1 } else { 2 };
            Box::new(move |e| {
                matches!(*e, ReadError::PastEnd { field, offset, buffers: b, buffer_len, .. }
                    if (field, offset, b, buffer_len) == (at, start, buffers, size))
            })
        }
        Fault::WriteBuffer { value, found } => {
            header(bytes, value.sig.as_bytes());
            let write_buffer_at = bytes.len();
            bytes.push(*found);
            bytes.extend(&value.bytes);
            let found = *found;
            Box::new(move |e| {
                matches!(*e, ReadError::BadWriteBuffer { field, offset, found: f }
                    if (field, offset, f) == (at, write_buffer_at, found))
            })
        }
        Fault::Garbage {
            label_len,
            sig_len,
            sig,
            rest,
        } => {
            bytes.extend(label_len.to_ne_bytes());
            bytes.extend(label);
            bytes.extend(sig_len.to_ne_bytes());
            bytes.extend(sig);
            bytes.extend(rest);
            bytes.extend(tail);
            return None;
        }
    };
    bytes.extend(tail);
    Some(check)
}

proptest! {
    #![proptest_config(config(BUILT_CASES))]

    /// Good fields read back exactly (labels of any bytes, every kind of
    /// value, one or two buffers); a file that ends in a broken field
    /// stops at the error that field deserves, after the good ones.
    #[test]
    fn built_files_read_back_or_stop_at_the_right_error(
        good in vec(good_field(), 0..5),
        fault_label in label(),
        fault in fault(),
        tail in tail(),
    ) {
        let mut bytes = vec![1u8];
        let wants: Vec<Want> = good.iter().map(|field| push_good(&mut bytes, field)).collect();
        let tail_bytes = match &tail {
            Tail::Zeros(n) => vec![0; *n],
            Tail::Bytes(b) => b.clone(),
        };
        let check = push_fault(&mut bytes, &fault_label, &fault, &tail_bytes);
        let outcome = read_bytes(&bytes).unwrap();

        prop_assert!(outcome.fields.len() >= wants.len(), "{:?}", outcome);
        for (want, got) in wants.iter().zip(&outcome.fields) {
            prop_assert!(want.matches(got), "want {:?}, got {:?}", want, got);
        }
        let rest = &outcome.fields[wants.len()..];
        match (check, &fault, &tail) {
            (Some(check), _, _) => {
                prop_assert!(rest.is_empty(), "{:?}", rest);
                let error = outcome.error.as_ref();
                prop_assert!(error.is_some_and(&check), "{:?} after {:?}", error, fault);
            }
            // Good fields and zeros: all read, no error.
            (None, Fault::None, Tail::Zeros(_)) => {
                prop_assert!(rest.is_empty(), "{:?}", rest);
                prop_assert!(outcome.error.is_none(), "{:?}", outcome.error);
            }
            _ => {}
        }
    }

}

proptest! {
    #![proptest_config(config(BYTES_CASES))]

    /// Any byte but 1 at offset 0 is refused, whatever follows.
    #[test]
    fn other_versions_are_refused(
        version in any::<u8>().prop_filter("not version 1", |&v| v != 1),
        rest in vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = vec![version];
        bytes.extend(rest);
        prop_assert!(read_bytes(&bytes).is_none());
    }

    /// Arbitrary bytes, version 1 or not.
    #[test]
    fn arbitrary_bytes_never_break_the_reader(
        first in prop_oneof![Just(1u8), any::<u8>()],
        rest in vec(any::<u8>(), 0..200),
    ) {
        let mut bytes = vec![first];
        bytes.extend(rest);
        if let Some(outcome) = read_bytes(&bytes) {
            prop_assert!(outcome.fields.len() <= bytes.len() / MIN_FIELD);
        }
    }
}

// ---------------------------------------------------------------------------
// Plain cases.

#[test]
fn every_bad_and_huge_signature_is_its_typed_error() {
    for (which, bad) in BAD_SIGNATURES.iter().enumerate() {
        let fault = Fault::BadSignature { which };
        let mut bytes = vec![1u8];
        let check = push_fault(&mut bytes, b"x", &fault, &[0; 16]).unwrap();
        let outcome = read_bytes(&bytes).unwrap();
        let error = outcome.error.as_ref().unwrap();
        assert!(check(error), "{bad:?}: {error:?}");
        // The message shows the signature escaped, never raw bytes.
        assert!(error.to_string().is_ascii(), "{error}");
    }
    for (which, huge) in HUGE_SIGNATURES.iter().enumerate() {
        for write_buffer in [0, 1, 255] {
            let fault = Fault::HugeSignature {
                which,
                write_buffer,
            };
            let mut bytes = vec![1u8];
            let check = push_fault(&mut bytes, b"x", &fault, &[7; 64]).unwrap();
            let outcome = read_bytes(&bytes).unwrap();
            let error = outcome.error.as_ref().unwrap();
            assert!(check(error), "{huge:?}: {error:?}");
        }
    }
}

#[test]
fn absurd_lengths_are_truncation_errors() {
    for (fault, part) in [
        (Fault::LabelLength { claim: Claim::Max }, FieldPart::Label),
        (
            Fault::SignatureLength {
                sig: b"Q".to_vec(),
                claim: Claim::Max,
            },
            FieldPart::Signature,
        ),
    ] {
        // Tiny files, and files of many pages that still end before the
        // 64 KiB claimed.
        for tail in [0, 1, 4095, 65_000] {
            let mut bytes = vec![1u8];
            let check = push_fault(&mut bytes, b"label", &fault, &vec![0; tail]).unwrap();
            let outcome = read_bytes(&bytes).unwrap();
            let error = outcome.error.as_ref().unwrap();
            assert!(check(error), "{part:?}, tail {tail}: {error:?}");
            // Nothing is allocated for the claimed bytes.
            assert!(outcome.usage.largest < SLACK, "{outcome:?}");
        }
    }
}

#[test]
fn empty_files_are_refused() {
    assert!(matches!(
        StatsFile::from_bytes(Vec::new()),
        Err(ReadError::Empty { path: None })
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.mmstats");
    File::create(&path).unwrap();
    let error = StatsFile::open(&path).unwrap_err();
    assert!(
        matches!(&error, ReadError::Empty { path: Some(p) } if p == &path),
        "{error:?}"
    );
    assert!(error.to_string().contains("empty.mmstats"), "{error}");
}

#[test]
fn every_version_byte_but_1_is_refused_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("version.mmstats");
    let mut bytes = vec![0u8; 4096];
    for version in 0..=255u8 {
        bytes[0] = version;
        std::fs::write(&path, &bytes).unwrap();
        match StatsFile::open(&path) {
            Ok(stats) => {
                assert_eq!(version, 1);
                let outcome = read_every_way(&stats);
                assert!(outcome.fields.is_empty() && outcome.error.is_none());
            }
            Err(ReadError::BadVersion {
                path: Some(p),
                found,
            }) => {
                assert_eq!((p.as_path(), found), (path.as_path(), version));
                assert_ne!(version, 1);
            }
            Err(other) => panic!("version {version}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Sparse files of 5 GiB: no disk, but a hostile size.

const GIB: u64 = 1 << 30;
const SPARSE_LEN: u64 = 5 * GIB;
/// What reading a sparse file may allocate: nothing like its size.
const SPARSE_BUDGET: usize = 4 << 20;

/// Writes a sparse file of [`SPARSE_LEN`] bytes, zero but for `head` at
/// offset 0 and `pieces` elsewhere; reads it every way through
/// `StatsFile::open`.
fn read_sparse(dir: &Path, head: &[u8], pieces: &[(u64, &[u8])]) -> Outcome {
    let path = dir.join("sparse.mmstats");
    let file = File::create(&path).unwrap();
    file.set_len(SPARSE_LEN).unwrap();
    file.write_all_at(head, 0).unwrap();
    for (offset, bytes) in pieces {
        file.write_all_at(bytes, *offset).unwrap();
    }
    drop(file);
    let stats = StatsFile::open(&path).unwrap();
    assert_eq!(stats.len() as u64, SPARSE_LEN);
    let outcome = read_every_way(&stats);
    assert!(
        outcome.usage.largest < SPARSE_BUDGET && outcome.usage.peak < SPARSE_BUDGET,
        "{head:?}: {:?}",
        outcome.usage
    );
    outcome
}

/// The header of a field: label, signature and `write_buffer`.
fn header(label: &str, sig: &str, write_buffer: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    push_len(&mut bytes, label.len());
    bytes.extend(label.as_bytes());
    push_len(&mut bytes, sig.len());
    bytes.extend(sig.as_bytes());
    bytes.push(write_buffer);
    bytes
}

#[test]
fn a_sparse_file_of_zeros_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zeros.mmstats");
    File::create(&path).unwrap().set_len(SPARSE_LEN).unwrap();
    let (opened, usage) = measure(|| StatsFile::open(&path));
    assert!(
        matches!(opened, Err(ReadError::BadVersion { found: 0, .. })),
        "{opened:?}"
    );
    assert!(usage.largest < SPARSE_BUDGET, "{usage:?}");
}

#[test]
fn a_sparse_file_with_a_huge_string_reads_it_without_copying_it() {
    let dir = tempfile::tempdir().unwrap();

    // Version 1, then nothing but zeros: no fields.
    let outcome = read_sparse(dir.path(), &[1], &[]);
    assert!(outcome.fields.is_empty() && outcome.error.is_none());

    // One unbuffered string of 4 GiB, "hello" and zeros; the field after
    // it, past the 4 GiB mark, is a counter.
    let mut head = vec![1u8];
    head.extend(header("huge", "4294967296s", 255));
    let start = head.len();
    head.extend(b"hello");
    let after = start as u64 + 4 * GIB;
    let mut counter = header("after", "Q", 255);
    counter.extend(42u64.to_ne_bytes());
    let outcome = read_sparse(dir.path(), &head, &[(after, &counter)]);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let [huge, next] = &outcome.fields[..] else {
        panic!("{:?}", outcome.fields)
    };
    assert_eq!(
        (huge.label.as_str(), &huge.value),
        ("huge", &Value::Str("hello".into()))
    );
    assert_eq!((huge.value_offset, huge.end as u64), (start, after));
    assert_eq!(
        (next.label.as_str(), &next.value),
        ("after", &Value::UInt(42))
    );

    // The same string with no NUL in its first 300 kB: read up to its
    // first NUL, which is all the value there is, and no further.
    let text = vec![b'x'; 300_000];
    let outcome = read_sparse(dir.path(), &head, &[(start as u64, &text)]);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.fields[0].value, Value::Str("x".repeat(300_000)));

    // Double-buffered and seqlocked: two buffers of 2 GiB and 8 bytes,
    // each starting with its sequence word (a 4-byte label puts the
    // storage at offset 24, 8-aligned as a sequence word must be).
    let mut head = vec![1u8];
    head.extend(header("seq4", "=8x2147483648s", 1));
    let start = head.len();
    assert_eq!(start, 24);
    head.extend(0u64.to_ne_bytes());
    head.extend(b"seqlocked");
    let outcome = read_sparse(dir.path(), &head, &[]);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let field = &outcome.fields[0];
    assert_eq!(field.value, Value::Str("seqlocked".into()));
    assert_eq!(
        (field.seq_offset, field.value_offset),
        (Some(start), start + 8)
    );

    // Strings that claim more than even this file has, or more than any
    // file can: errors, allocating nothing for them.
    for (sig, write_buffer) in [
        ("5368709120s", 255),
        ("=8x2684354560s", 1),
        ("3000000000s", 0),
        ("99999999999999999999s", 255),
    ] {
        let mut head = vec![1u8];
        head.extend(header("claims", sig, write_buffer));
        let outcome = read_sparse(dir.path(), &head, &[]);
        assert!(outcome.fields.is_empty());
        assert!(
            matches!(
                outcome.error,
                Some(
                    ReadError::PastEnd { field: 1, .. } | ReadError::BadSignature { field: 1, .. }
                )
            ),
            "{sig}: {:?}",
            outcome.error
        );
    }
}
