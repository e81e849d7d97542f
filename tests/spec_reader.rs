//! Files in the default layout, read back through a reader written here
//! from SPEC §2 alone (not the library's), give the labels and values that
//! were written; and their bytes keep the aligned layout's promises: every
//! number the writer updates sits at an offset that is a multiple of its
//! size, and every text buffer has an 8-aligned sequence word that is even
//! once the writer is done.
//!
//! The reader follows Python's `struct` semantics as far as the writer's
//! signatures need them: an optional byte-order prefix, counts, `x` pad
//! bytes (which yield no item), `Ns` strings, and the plain codes; native
//! mode (no prefix) aligns each code to its size. A field's value is the
//! first item its signature yields, read from buffer `write_buffer ^ 1` of
//! a double-buffered field.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{every_values, write_every, Every, SYS_LABELS};
use mmstats::reader::Value;

const PAGE: usize = 4096;
const UNBUFFERED: u8 = 255;

/// A value as SPEC §2 defines it.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Int(i64),
    UInt(u64),
    /// Compared bit for bit.
    Float(u64),
    Bool(bool),
    Str(String),
}

fn float(x: f64) -> Val {
    Val::Float(x.to_bits())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    Native,
    Little,
    Big,
}

/// `count` items of `code` starting `offset` bytes into a buffer.
#[derive(Clone, Copy, Debug)]
struct Item {
    count: usize,
    code: u8,
    offset: usize,
}

/// A parsed `struct` format string.
#[derive(Debug)]
struct Format {
    order: Order,
    items: Vec<Item>,
    /// `calcsize`.
    size: usize,
}

/// Size of one `code` item: standard sizes, or native ones without a
/// prefix (x86-64 and aarch64 Linux).
fn code_size(code: u8, native: bool) -> usize {
    match code {
        b'x' | b'c' | b'b' | b'B' | b'?' | b's' | b'p' => 1,
        b'h' | b'H' | b'e' => 2,
        b'i' | b'I' | b'f' => 4,
        b'l' | b'L' if !native => 4,
        b'l' | b'L' | b'q' | b'Q' | b'd' | b'n' | b'N' | b'P' => 8,
        _ => panic!("unknown struct code {:?}", char::from(code)),
    }
}

fn parse_format(signature: &str) -> Format {
    let bytes = signature.as_bytes();
    let (order, native, mut i) = match bytes.first() {
        Some(b'@') => (Order::Native, true, 1),
        Some(b'=') => (Order::Native, false, 1),
        Some(b'<') => (Order::Little, false, 1),
        Some(b'>' | b'!') => (Order::Big, false, 1),
        _ => (Order::Native, true, 0),
    };
    let mut items = Vec::new();
    let mut offset = 0usize;
    while i < bytes.len() {
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let count = match digits {
            0 => 1,
            _ => signature[i..i + digits].parse().unwrap(),
        };
        i += digits;
        let code = *bytes
            .get(i)
            .unwrap_or_else(|| panic!("{signature:?}: count without a code"));
        i += 1;
        let size = code_size(code, native);
        if native && !matches!(code, b'x' | b's' | b'p') {
            offset = offset.next_multiple_of(size);
        }
        items.push(Item {
            count,
            code,
            offset,
        });
        offset += count * size;
    }
    Format {
        order,
        items,
        size: offset,
    }
}

impl Format {
    /// The item `struct.unpack(...)[0]` returns: pads yield nothing, a
    /// string group yields one item even of length 0, another group `count`
    /// items.
    fn first_item(&self) -> Item {
        *self
            .items
            .iter()
            .find(|item| item.code == b's' || (item.code != b'x' && item.count > 0))
            .expect("a signature yielding at least one item")
    }

    fn decode(&self, item: Item, bytes: &[u8]) -> Val {
        if item.code == b's' {
            let text = &bytes[..item.count];
            let text = text.split(|&b| b == 0).next().unwrap_or_default();
            return Val::Str(String::from_utf8_lossy(text).into_owned());
        }
        let size = code_size(item.code, false);
        let mut raw = [0u8; 8];
        raw[..size].copy_from_slice(&bytes[..size]);
        let big_endian = match self.order {
            Order::Little => false,
            Order::Big => true,
            Order::Native => cfg!(target_endian = "big"),
        };
        if big_endian {
            raw[..size].reverse();
        }
        // `raw` holds the value little-endian, zero-extended.
        let unsigned = u64::from_le_bytes(raw);
        let signed = |bits: u32| ((unsigned << (64 - bits)) as i64) >> (64 - bits);
        match item.code {
            b'b' => Val::Int(signed(8)),
            b'h' => Val::Int(signed(16)),
            b'i' | b'l' if size == 4 => Val::Int(signed(32)),
            b'q' | b'l' | b'n' => Val::Int(signed(64)),
            b'B' | b'H' | b'I' | b'L' | b'Q' | b'N' | b'P' => Val::UInt(unsigned),
            b'?' => Val::Bool(unsigned != 0),
            b'f' => float(f64::from(f32::from_bits(unsigned as u32))),
            b'd' => Val::Float(unsigned),
            code => panic!("no value for struct code {:?}", char::from(code)),
        }
    }
}

/// One field record of a file.
#[derive(Debug)]
struct Record {
    offset: usize,
    label: String,
    signature: String,
    format: Format,
    write_buffer: u8,
    /// Offset of buffer 0 (the only one of an unbuffered field).
    storage: usize,
    value: Val,
}

impl Record {
    fn is_buffered(&self) -> bool {
        self.write_buffer != UNBUFFERED
    }

    fn buffer_count(&self) -> usize {
        if self.is_buffered() {
            2
        } else {
            1
        }
    }

    fn buffer(&self, index: usize) -> usize {
        self.storage + index * self.format.size
    }

    fn end(&self) -> usize {
        self.buffer(self.buffer_count())
    }
}

fn u16_at(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_ne_bytes([bytes[at], bytes[at + 1]]))
}

/// Reads a version-1 file per SPEC §2: fields until the end of the file or
/// a `label_len` of 0.
fn parse_file(bytes: &[u8]) -> Vec<Record> {
    assert_eq!(bytes.first(), Some(&1), "version byte");
    let mut records = Vec::new();
    let mut at = 1;
    while at + 2 <= bytes.len() {
        let offset = at;
        let label_len = u16_at(bytes, at);
        if label_len == 0 {
            break;
        }
        at += 2;
        let label = String::from_utf8_lossy(&bytes[at..at + label_len]).into_owned();
        at += label_len;
        let sig_len = u16_at(bytes, at);
        at += 2;
        let signature = std::str::from_utf8(&bytes[at..at + sig_len])
            .expect("an ASCII signature")
            .to_owned();
        at += sig_len;
        let write_buffer = bytes[at];
        at += 1;
        let format = parse_format(&signature);
        let read_buffer = match write_buffer {
            UNBUFFERED => 0,
            0 | 1 => usize::from(write_buffer ^ 1),
            other => panic!("{label}: write_buffer {other}"),
        };
        let item = format.first_item();
        let value_at = at + read_buffer * format.size + item.offset;
        let value = format.decode(item, &bytes[value_at..]);
        let record = Record {
            offset,
            label,
            signature,
            format,
            write_buffer,
            storage: at,
            value,
        };
        at = record.end();
        assert!(at <= bytes.len(), "{}: runs past the end", record.label);
        records.push(record);
    }
    records
}

#[test]
fn the_spec_reader_follows_struct_semantics() {
    let format = parse_format("=5x1Q");
    assert_eq!(format.size, 13);
    let item = format.first_item();
    assert_eq!((item.code, item.offset), (b'Q', 5));
    let format = parse_format("=3x8x10s2x");
    assert_eq!(format.size, 23);
    assert_eq!(format.first_item().offset, 11);
    // Native mode aligns; standard mode does not.
    assert_eq!(parse_format("bQ").size, 16);
    assert_eq!(parse_format("=bQ").size, 9);
    assert_eq!(parse_format("0s").size, 0);
    assert_eq!(
        parse_format("<h").decode(
            Item {
                count: 1,
                code: b'h',
                offset: 0
            },
            &[0xfe, 0xff]
        ),
        Val::Int(-2)
    );
    assert_eq!(
        parse_format(">I").decode(
            Item {
                count: 1,
                code: b'I',
                offset: 0
            },
            &[0, 0, 1, 2]
        ),
        Val::UInt(258)
    );
    assert_eq!(
        parse_format("4s").decode(
            Item {
                count: 4,
                code: b's',
                offset: 0
            },
            b"ab\0c"
        ),
        Val::Str("ab".into())
    );
}

/// [`Every`]'s fields set once at creation, whose values no reader can see
/// change (the sys fields are too).
const STATIC_LABELS: [&str; 7] = [
    "s_u32", "s_i64", "s_i32", "s_u64", "s_f32", "s_f64", "s_text",
];

/// How many times [`write_every`] writes each text field.
const TEXT_WRITES: [(&str, usize); 4] = [("user.name", 2), ("name", 2), ("exact", 1), ("x", 3)];

/// A value the test expects, as SPEC §2 defines it. Only the expected
/// values go through here: the files are read by [`parse_file`] alone.
fn spec_value(value: &Value) -> Val {
    match value {
        Value::Int(v) => Val::Int(*v),
        Value::UInt(v) => Val::UInt(*v),
        Value::Float(v) => float(*v),
        Value::Bool(v) => Val::Bool(*v),
        Value::Str(v) => Val::Str(v.clone()),
    }
}

/// The values of [`Every`]'s own fields after [`write_every`], by label
/// without the prefix.
fn expected_values() -> Vec<(&'static str, Val)> {
    every_values()
        .iter()
        .map(|(label, value)| (*label, spec_value(value)))
        .collect()
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The static fields read back as the model sees them.
fn check_statics_in_process(stats: &Every, records: &[Record], prefix: &str) {
    let in_process = [
        ("s_u32", Val::UInt(u64::from(stats.s_u32.get()))),
        ("s_i64", Val::Int(stats.s_i64.get())),
        ("s_i32", Val::Int(i64::from(stats.s_i32.get()))),
        ("s_u64", Val::UInt(stats.s_u64.get())),
        ("s_f32", float(f64::from(stats.s_f32.get()))),
        ("s_f64", float(stats.s_f64.get())),
        ("s_text", Val::Str(stats.s_text.get().to_owned())),
    ];
    for (label, want) in in_process {
        let label = format!("{prefix}{label}");
        let record = records.iter().find(|r| r.label == label).unwrap();
        assert_eq!(record.value, want, "{label}");
    }
}

/// This process's real user or group id (`key` `Uid:` or `Gid:`), from
/// `/proc/self/status`.
fn real_id(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|ids| ids.split_whitespace().next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no {key} line in /proc/self/status"))
}

/// Checks the sys fields against this process and the creation time.
fn check_sys_fields(records: &[Record], prefix: &str, created: (f64, f64)) {
    let value = |label: &str| {
        let label = format!("{prefix}{label}");
        records
            .iter()
            .find(|r| r.label == label)
            .map(|r| r.value.clone())
            .unwrap_or_else(|| panic!("no field {label}"))
    };
    assert_eq!(value("sys.pid"), Val::UInt(u64::from(std::process::id())));
    assert!(matches!(value("sys.tid"), Val::Int(tid) if tid > 0));
    assert_eq!(value("sys.uid"), Val::UInt(real_id("Uid:")));
    assert_eq!(value("sys.gid"), Val::UInt(real_id("Gid:")));
    assert_eq!(
        value("org.rust.version"),
        Val::Str(mmstats::RUST_VERSION.into())
    );
    let Val::Float(bits) = value("sys.created") else {
        panic!("sys.created is not a float");
    };
    let created_at = f64::from_bits(bits);
    assert!(
        created.0 - 1.0 <= created_at && created_at <= created.1 + 1.0,
        "sys.created {created_at} outside {created:?}"
    );
}

/// The aligned layout's promises, checked on the bytes.
fn check_alignment(bytes: &[u8], records: &[Record], prefix: &str) {
    for record in records {
        let bare = record.label.strip_prefix(prefix).unwrap();
        if STATIC_LABELS.contains(&bare) || SYS_LABELS.contains(&bare) {
            continue;
        }
        let label = &record.label;
        let item = record.format.first_item();
        if item.code == b's' {
            check_text_buffers(bytes, record, bare);
            continue;
        }
        assert!(!record.is_buffered(), "{label}: a number is stored once");
        let size = code_size(item.code, false);
        let at = record.storage + item.offset;
        assert_eq!(
            at % size,
            0,
            "{label}: {size}-byte value at offset {at} (signature {:?})",
            record.signature
        );
    }
}

/// Each of a text's two buffers is `[pad][sequence word][text][pad]`: the
/// word is the 8 pad bytes right before the text.
fn check_text_buffers(bytes: &[u8], record: &Record, bare: &str) {
    let label = &record.label;
    let writes = TEXT_WRITES
        .iter()
        .find(|(l, _)| *l == bare)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("{label}: not a text written by the test"));
    assert!(record.is_buffered(), "{label}: text is double buffered");
    assert_eq!(
        usize::from(record.write_buffer),
        writes % 2,
        "{label}: one flip per write"
    );
    let items = &record.format.items;
    let text = items.iter().position(|i| i.code == b's').unwrap();
    let seq = text
        .checked_sub(1)
        .map(|i| items[i])
        .filter(|i| i.code == b'x' && i.count == 8)
        .unwrap_or_else(|| {
            panic!(
                "{label}: no 8-byte word before the text in {:?}",
                record.signature
            )
        });
    for buffer in 0..2 {
        let at = record.buffer(buffer) + seq.offset;
        assert_eq!(
            at % 8,
            0,
            "{label}: sequence word of buffer {buffer} at offset {at}"
        );
        let word = u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
        assert_eq!(
            word % 2,
            0,
            "{label}: sequence word {word} of buffer {buffer} is odd"
        );
        let written = buffer == usize::from(record.write_buffer ^ 1) || writes > 1;
        assert_eq!(
            word > 0,
            written,
            "{label}: sequence word {word} of buffer {buffer}"
        );
    }
}

#[test]
fn default_layout_reads_back_through_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    // Prefixes of every length modulo 8 move every field through every
    // alignment.
    for prefix_len in 0..8 {
        let prefix = format!("{}.", "p".repeat(prefix_len));
        let before = unix_now();
        let stats = Every::options()
            .path(dir.path())
            .filename(format!("spec-{prefix_len}.mmstats"))
            .label_prefix(prefix.as_str())
            .create()
            .unwrap();
        let created = (before, unix_now());
        write_every(&stats);
        assert!(stats.flag_on.get(), "initial = true");

        let bytes = std::fs::read(stats.path()).unwrap();
        assert!(
            bytes.len() >= PAGE && bytes.len() % PAGE == 0,
            "file size {}",
            bytes.len()
        );
        let records = parse_file(&bytes);
        let end = records.last().unwrap().end();
        assert!(
            bytes[end..].iter().all(|&b| b == 0),
            "zero after the last field"
        );
        for pair in records.windows(2) {
            assert_eq!(pair[0].end(), pair[1].offset, "records are back to back");
        }

        let expected = expected_values();
        let mut labels: Vec<String> = expected
            .iter()
            .map(|(l, _)| format!("{prefix}{l}"))
            .collect();
        labels.extend(SYS_LABELS.map(|l| format!("{prefix}{l}")));
        let found: Vec<&str> = records.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(found, labels, "labels, in declaration order");
        for ((label, want), record) in expected.iter().zip(&records) {
            assert_eq!(
                &record.value, want,
                "{prefix}{label} ({:?})",
                record.signature
            );
        }
        check_statics_in_process(&stats, &records, &prefix);
        check_sys_fields(&records, &prefix, created);
        check_alignment(&bytes, &records, &prefix);

        // The buffer written next still holds the value written before.
        let user = records
            .iter()
            .find(|r| r.label.ends_with("user.name"))
            .unwrap();
        let item = user.format.first_item();
        let previous = user.buffer(usize::from(user.write_buffer)) + item.offset;
        assert_eq!(
            user.format.decode(item, &bytes[previous..]),
            Val::Str("first value".into())
        );
    }
}
