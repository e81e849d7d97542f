use super::testing::FileBuilder;
use super::*;
use crate::format::{Code, SignatureError, PAGE_SIZE, UNBUFFERED};
use crate::layout::{FieldLayout, Layout, StatKind};

fn read(bytes: Vec<u8>) -> Result<Vec<Field>, ReadError> {
    StatsFile::from_bytes(bytes)?.read_all()
}

fn one(bytes: Vec<u8>) -> Field {
    let mut fields = read(bytes).unwrap();
    assert_eq!(fields.len(), 1);
    fields.remove(0)
}

/// A seqlocked text field as the aligned layout writes it, with `first` in
/// buffer 0 and `second` in buffer 1.
fn text_file(label: &str, size: usize, first: &str, second: &str) -> (FileBuilder, FieldLayout) {
    let mut file = FileBuilder::new();
    let field = file.laid_out(label, StatKind::Text, Some(size), Layout::Aligned);
    file.put(field.value, first.as_bytes());
    file.put(field.value + field.buffer_len, second.as_bytes());
    (file, field)
}

#[test]
fn seqlocked_text_reads_the_buffer_not_being_written() {
    for label in ["t", "ab", "label", "seven77", "a.longer.label"] {
        for size in [1, 5, 8, 20, 255] {
            let (mut file, field) = text_file(label, size, "x", "y");
            assert!(field.sig.as_bytes().starts_with(b"="));
            let seq = field.seq.unwrap();

            // write_buffer 0: the writer writes buffer 0 next, readers read 1.
            file.put(field.write_buffer_at, &[0]);
            file.put(seq, &2u64.to_ne_bytes());
            file.put(seq + field.buffer_len, &4u64.to_ne_bytes());
            let got = one(file.finish(PAGE_SIZE));
            assert_eq!(got.value, Value::Str("y".into()), "{label} {size}");
            assert_eq!(got.write_buffer, 0);
            assert_eq!(got.value_offset, field.value + field.buffer_len);
            assert_eq!(got.seq_offset, Some(seq + field.buffer_len));
            assert_eq!(got.end, field.end);

            let (mut file, _) = text_file(label, size, "x", "y");
            file.put(field.write_buffer_at, &[1]);
            let got = one(file.finish(PAGE_SIZE));
            assert_eq!(got.value, Value::Str("x".into()));
            assert_eq!(got.value_offset, field.value);
            assert_eq!(got.seq_offset, Some(seq));
        }
    }
}

#[test]
fn odd_sequence_word_means_kept_changing() {
    let (mut file, field) = text_file("user", 12, "torn?", "other");
    let seq = field.seq.unwrap();
    file.put(field.write_buffer_at, &[1]);
    file.put(seq, &7u64.to_ne_bytes());
    let err = read(file.finish(PAGE_SIZE)).unwrap_err();
    match err {
        ReadError::KeptChanging {
            field: at,
            offset,
            attempts,
        } => {
            assert_eq!(at, 1);
            assert_eq!(offset, field.value);
            assert_eq!(attempts, decode::SEQLOCK_ATTEMPTS);
        }
        other => panic!("{other}"),
    }

    // The other buffer's odd word does not matter: it is not being read.
    let (mut file, _) = text_file("user", 12, "fine", "other");
    file.put(field.write_buffer_at, &[1]);
    file.put(seq + field.buffer_len, &9u64.to_ne_bytes());
    assert_eq!(one(file.finish(PAGE_SIZE)).value, Value::Str("fine".into()));
}

#[test]
fn kept_changing_message_names_the_offset() {
    let err = ReadError::KeptChanging {
        field: 1,
        offset: 40,
        attempts: 3,
    };
    assert_eq!(
        err.to_string(),
        "field at offset 1: the value at offset 40 kept changing while it was read (3 attempts)"
    );
    assert_eq!(err.offset(), Some(40));
}

#[test]
fn sequence_word_only_at_an_8_aligned_offset_of_a_buffered_field() {
    // `=8xQ` buffered, but the pad does not start at an 8-aligned offset:
    // Python-style padding, an odd byte in it does not matter.
    let mut file = FileBuilder::new();
    let mut storage = vec![0u8; 32];
    storage[0] = 1; // buffer 0's pad, odd
    storage[8..16].copy_from_slice(&5u64.to_ne_bytes());
    let at = file.raw(b"n", b"=8xQ", 1, &storage);
    let got = one(file.finish(64));
    let storage_at = at + 2 + 1 + 2 + 4 + 1;
    assert_ne!(storage_at % 8, 0);
    assert_eq!(got.value, Value::UInt(5));
    assert_eq!(got.seq_offset, None);

    // Unbuffered: never a seqlock.
    let mut file = FileBuilder::new();
    file.raw(b"text", b"=8x8x4s", UNBUFFERED, &[0; 20]);
    assert_eq!(one(file.finish(64)).seq_offset, None);
}

#[test]
fn every_aligned_layout_reads_back() {
    let kinds = [
        (StatKind::Counter, Value::UInt(0x0102_0304_0506_0708)),
        (StatKind::Gauge(Code::U64), Value::UInt(u64::MAX)),
        (StatKind::Gauge(Code::I64), Value::Int(-3)),
        (StatKind::Gauge(Code::I32), Value::Int(-2_000_000_000)),
        (StatKind::Gauge(Code::U32), Value::UInt(4_000_000_000)),
        (StatKind::Gauge(Code::I16), Value::Int(-300)),
        (StatKind::Gauge(Code::U16), Value::UInt(65000)),
        (StatKind::Gauge(Code::F32), Value::Float(0.1f32 as f64)),
        (StatKind::Gauge(Code::F64), Value::Float(-1.5e300)),
        (StatKind::Gauge(Code::I8), Value::Int(-7)),
        (StatKind::Gauge(Code::U8), Value::UInt(250)),
        (StatKind::Gauge(Code::Bool), Value::Bool(true)),
        (StatKind::Timer, Value::Float(0.25)),
        (StatKind::Average, Value::Float(2.0)),
    ];
    for layout in [Layout::Aligned, Layout::PythonExact] {
        for label in [
            "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh",
        ] {
            let mut file = FileBuilder::new();
            let mut want = Vec::new();
            for (kind, value) in &kinds {
                let field = file.laid_out(label, *kind, None, layout);
                let at = if field.is_buffered() {
                    // write_buffer 0 as laid out: readers read buffer 1.
                    field.value + field.buffer_len
                } else {
                    field.value
                };
                let bytes = match (kind, value) {
                    (StatKind::Gauge(Code::F32), Value::Float(v)) => {
                        (*v as f32).to_ne_bytes().to_vec()
                    }
                    (StatKind::Gauge(Code::I32), Value::Int(v)) => {
                        (*v as i32).to_ne_bytes().to_vec()
                    }
                    (StatKind::Gauge(Code::U32), Value::UInt(v)) => {
                        (*v as u32).to_ne_bytes().to_vec()
                    }
                    (StatKind::Gauge(Code::I16), Value::Int(v)) => {
                        (*v as i16).to_ne_bytes().to_vec()
                    }
                    (StatKind::Gauge(Code::U16), Value::UInt(v)) => {
                        (*v as u16).to_ne_bytes().to_vec()
                    }
                    (StatKind::Gauge(Code::I8), Value::Int(v)) => (*v as i8).to_ne_bytes().to_vec(),
                    (StatKind::Gauge(Code::U8), Value::UInt(v)) => {
                        (*v as u8).to_ne_bytes().to_vec()
                    }
                    (_, Value::Bool(v)) => vec![u8::from(*v)],
                    (_, Value::Int(v)) => v.to_ne_bytes().to_vec(),
                    (_, Value::UInt(v)) => v.to_ne_bytes().to_vec(),
                    (_, Value::Float(v)) => v.to_ne_bytes().to_vec(),
                    (_, Value::Str(_)) => unreachable!(),
                };
                file.put(at, &bytes);
                want.push((field, at, value.clone(), bytes.len()));
            }
            let fields = read(file.finish(PAGE_SIZE)).unwrap();
            assert_eq!(fields.len(), want.len());
            for (got, (field, at, value, size)) in fields.iter().zip(&want) {
                let sig = std::str::from_utf8(field.sig.as_bytes()).unwrap();
                assert_eq!(&got.value, value, "{layout:?} {label} {sig}");
                assert_eq!(got.value_offset, *at, "{sig}");
                assert_eq!(got.signature, sig);
                assert_eq!(got.offset, field.record);
                assert_eq!(got.end, field.end);
                assert_eq!(got.write_buffer, field.write_buffer);
                if layout == Layout::Aligned {
                    // Aligned, so read with one atomic load.
                    assert_eq!(got.value_offset % size, 0, "{sig}");
                }
            }
        }
    }
}

#[test]
fn strings_and_chars_decode_like_python() {
    let mut file = FileBuilder::new();
    file.unbuffered("s", "10s", b"bob\0e\0\0\0\0\0");
    file.unbuffered("full", "4s", b"full");
    file.unbuffered("cut", "4s", b"\xe2\x9d\xa4\xe2");
    file.unbuffered("zero", "0s", b"");
    file.unbuffered("c", "c", b"A");
    file.unbuffered("c2", "2c", b"\xffB");
    file.unbuffered("big", ">h", &(-2i16).to_be_bytes());
    file.unbuffered("pair", "=2xhh", &[0, 0, 9, 0, 8, 0]);
    file.unbuffered("bool", "?", &[7]);
    let values: Vec<Value> = read(file.finish(300))
        .unwrap()
        .into_iter()
        .map(|f| f.value)
        .collect();
    assert_eq!(
        values,
        [
            Value::Str("bob".into()),
            Value::Str("full".into()),
            Value::Str("\u{2764}".into()),
            Value::Str(String::new()),
            Value::Str("A".into()),
            Value::Str(String::new()),
            Value::Int(-2),
            Value::Int(if cfg!(target_endian = "little") {
                9
            } else {
                9 << 8
            }),
            Value::Bool(true),
        ]
    );
}

#[test]
fn labels_drop_undecodable_bytes() {
    let mut file = FileBuilder::new();
    file.raw(b"a\xffb\xe2\x9d", b"b", UNBUFFERED, &[1]);
    assert_eq!(one(file.finish(16)).label, "ab");
}

#[test]
fn end_of_fields() {
    // A zero label length ends the fields, even with garbage after it.
    let mut file = FileBuilder::new();
    file.unbuffered("a", "b", &[1]);
    file.bytes.extend([0, 0, 0xff, 0xff, 0xff]);
    assert_eq!(read(file.bytes).unwrap().len(), 1);

    // So does the end of the file, and a lone zero byte at the end.
    let mut file = FileBuilder::new();
    file.unbuffered("a", "b", &[1]);
    assert_eq!(read(file.bytes.clone()).unwrap().len(), 1);
    file.bytes.push(0);
    assert_eq!(read(file.bytes.clone()).unwrap().len(), 1);

    // A lone nonzero byte is half a label length.
    let last = file.bytes.len() - 1;
    file.bytes[last] = 3;
    assert!(matches!(
        read(file.bytes).unwrap_err(),
        ReadError::Truncated {
            part: FieldPart::LabelLength,
            needed: 2,
            available: 1,
            ..
        }
    ));

    // Just the version byte.
    assert_eq!(read(vec![1]).unwrap(), vec![]);
}

#[test]
fn bad_files_are_errors_that_name_offsets() {
    assert!(matches!(
        read(vec![]).unwrap_err(),
        ReadError::Empty { path: None }
    ));
    let err = read(vec![2, 0, 0]).unwrap_err();
    assert!(matches!(err, ReadError::BadVersion { found: 2, .. }));
    assert_eq!(
        err.to_string(),
        "in-memory bytes: not an mmstats version 1 file: byte 0x02 at offset 0, expected 0x01"
    );

    // A label length of 65535 in a 4 KiB file.
    let mut bytes = vec![1u8];
    bytes.extend(u16::MAX.to_ne_bytes());
    bytes.resize(4096, b'a');
    let err = read(bytes).unwrap_err();
    assert!(matches!(
        err,
        ReadError::Truncated {
            field: 1,
            part: FieldPart::Label,
            offset: 3,
            needed: 65535,
            available: 4093,
        }
    ));
    assert_eq!(
        err.to_string(),
        "field at offset 1: truncated label at offset 3: needs 65535 bytes, the file has 4093 left"
    );

    // An absurd signature length.
    let mut bytes = vec![1u8, 1, 0, b'x'];
    bytes.extend(u16::MAX.to_ne_bytes());
    bytes.extend(b"Q");
    let err = read(bytes).unwrap_err();
    assert!(matches!(
        err,
        ReadError::Truncated {
            part: FieldPart::Signature,
            offset: 6,
            needed: 65535,
            available: 1,
            ..
        }
    ));

    // A signature far larger than the file: checked before allocating.
    for sig in [
        "999999999s",
        "9223372036854775807s",
        "=1152921504606846975Q",
        "99999999d",
    ] {
        let mut file = FileBuilder::new();
        file.unbuffered("huge", sig, b"abc");
        let err = read(file.finish(4096)).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::PastEnd {
                    field: 1,
                    offset: 12..,
                    ..
                }
            ),
            "{sig}: {err}"
        );
        assert!(err
            .to_string()
            .contains("runs past the end of the file (4096 bytes)"));
    }
    // Two buffers of half the address space overflow: still just too long.
    let mut file = FileBuilder::new();
    file.raw(b"huge", b"9223372036854775807s", 0, b"abc");
    assert!(matches!(
        read(file.bytes).unwrap_err(),
        ReadError::PastEnd { buffers: 2, .. }
    ));

    // Signatures that cannot be parsed.
    let cases: [(&[u8], SignatureError); 5] = [
        (
            b"999999999999999999999s",
            SignatureError::CountOverflow { position: 0 },
        ),
        (
            "\u{3b5}".as_bytes(),
            SignatureError::UnknownCode {
                position: 0,
                byte: 0xce,
            },
        ),
        (b"4x", SignatureError::NoValue),
        (b"", SignatureError::NoValue),
        (
            b"Q\0",
            SignatureError::UnknownCode {
                position: 1,
                byte: 0,
            },
        ),
    ];
    for (sig, want) in cases {
        let mut file = FileBuilder::new();
        file.raw(b"l", sig, UNBUFFERED, &[0; 16]);
        let err = read(file.finish(64)).unwrap_err();
        match &err {
            ReadError::BadSignature {
                field: 1,
                offset: 6,
                error,
                ..
            } => assert_eq!(*error, want),
            other => panic!("{other}"),
        }
    }
    let mut file = FileBuilder::new();
    file.raw(b"l", b"Q\xff\"", UNBUFFERED, &[0; 16]);
    assert_eq!(
        read(file.bytes).unwrap_err().to_string(),
        "field at offset 1: bad signature \"Q\\xff\\\"\" at offset 6: \
         unknown format character '\\xff' at position 1"
    );

    // write_buffer must be 0, 1 or 255 (Python fails on others too).
    let mut file = FileBuilder::new();
    file.raw(b"l", b"Q", 2, &[0; 16]);
    let err = read(file.finish(64)).unwrap_err();
    assert!(matches!(
        err,
        ReadError::BadWriteBuffer {
            field: 1,
            offset: 7,
            found: 2
        }
    ));
    assert_eq!(err.offset(), Some(7));

    // The storage of a buffered field is twice the signature's size.
    let mut file = FileBuilder::new();
    file.raw(b"l", b"Q", 0, &[0; 15]);
    assert!(matches!(
        read(file.bytes).unwrap_err(),
        ReadError::PastEnd {
            offset: 8,
            buffers: 2,
            buffer_len: 8,
            len: 23,
            ..
        }
    ));
}

#[test]
fn iteration_stops_after_the_first_error() {
    let mut file = FileBuilder::new();
    file.unbuffered("a", "b", &[1]);
    file.raw(b"l", b"p", UNBUFFERED, &[0]);
    file.unbuffered("c", "b", &[1]);
    let stats = StatsFile::from_bytes(file.bytes).unwrap();
    let mut fields = stats.fields();
    assert!(fields.next().unwrap().is_ok());
    assert!(fields.next().unwrap().is_err());
    assert!(fields.next().is_none());
    assert!(fields.next().is_none());
}

#[test]
fn truncated_at_every_offset_never_panics() {
    let mut file = FileBuilder::new();
    file.unbuffered("label.one", "Q", &7u64.to_ne_bytes());
    file.raw(b"label.two", b"d", 1, &[0x11; 16]);
    file.laid_out("text", StatKind::Text, Some(9), Layout::Aligned);
    file.laid_out("counter", StatKind::Counter, None, Layout::Aligned);
    file.unbuffered("s", "5s", b"hello");
    let full = read(file.bytes.clone()).unwrap();
    for cut in 0..file.bytes.len() {
        match read(file.bytes[..cut].to_vec()) {
            Ok(fields) => {
                assert!(fields.len() < full.len());
                assert_eq!(fields, full[..fields.len()], "cut at {cut}");
            }
            Err(
                ReadError::Empty { .. } | ReadError::Truncated { .. } | ReadError::PastEnd { .. },
            ) => {}
            Err(other) => panic!("cut at {cut}: {other}"),
        }
    }
}

#[test]
fn random_corruption_never_panics() {
    let mut file = FileBuilder::new();
    file.unbuffered("label.one", "Q", &7u64.to_ne_bytes());
    file.raw(b"label.two", b"=3x8x4s1x", 1, &[0x30; 32]);
    file.laid_out("text", StatKind::Text, Some(9), Layout::Aligned);
    file.unbuffered("s", "5s", b"hello");
    let original = file.finish(256);
    corrupt_copies(
        &original,
        0x2545_f491_4f6c_dd1d,
        b"0123456789xQsd=@ ",
        20_000,
        |bytes| {
            if let Ok(stats) = StatsFile::from_bytes(bytes) {
                for field in stats.fields().flatten() {
                    assert!(field.end <= bytes.len());
                    assert!(field.value_offset <= field.end);
                }
            }
        },
    );
}

/// Hands `check` `count` copies of `original`, each with one to four bytes
/// replaced (by random bytes or by `digits`, which make signatures and
/// lengths that parse) and cut at a random length; `seed` picks them.
fn corrupt_copies(
    original: &[u8],
    seed: u64,
    digits: &[u8],
    count: usize,
    mut check: impl FnMut(&[u8]),
) {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..count {
        let mut bytes = original.to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = if next() % 2 == 0 {
                next() as u8
            } else {
                digits[(next() % digits.len() as u64) as usize]
            };
        }
        let len = (next() % (bytes.len() as u64 + 1)) as usize;
        check(&bytes[..len]);
    }
}

#[test]
fn open_reports_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mmstats");
    let err = StatsFile::open(&missing).unwrap_err();
    assert!(matches!(
        err,
        ReadError::Io {
            action: IoAction::Open,
            ..
        }
    ));
    assert!(err
        .to_string()
        .starts_with(&format!("{}: cannot open: ", missing.display())));
    assert_eq!(err.path(), Some(missing.as_path()));

    let empty = dir.path().join("empty.mmstats");
    std::fs::write(&empty, b"").unwrap();
    let err = StatsFile::open(&empty).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: empty file, not an mmstats file", empty.display())
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"hello\n").unwrap();
    let err = StatsFile::open(&text).unwrap_err();
    assert!(matches!(err, ReadError::BadVersion { found: b'h', .. }));
    assert!(err
        .to_string()
        .starts_with(&format!("{}: not an mmstats", text.display())));

    let err = StatsFile::open(dir.path()).unwrap_err();
    assert!(matches!(err, ReadError::NotAFile { .. }), "{err}");

    // From a descriptor: the errors name the path given with it.
    let named = std::path::Path::new("named.mmstats");
    let err = StatsFile::from_file(std::fs::File::open(dir.path()).unwrap(), named).unwrap_err();
    assert_eq!(err.to_string(), "named.mmstats: not a regular file");
    let write_only = std::fs::OpenOptions::new().write(true).open(&text).unwrap();
    let err = StatsFile::from_file(write_only, named).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::Io {
                action: IoAction::Map,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("named.mmstats: cannot map: "),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn open_does_not_block_on_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.mmstats");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
    )
    .unwrap();
    let err = StatsFile::open(&fifo).unwrap_err();
    assert!(matches!(err, ReadError::NotAFile { .. }), "{err}");
}

#[test]
fn open_maps_and_follows_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.mmstats");
    let mut file = FileBuilder::new();
    let field = file.laid_out("n", StatKind::Counter, None, Layout::Aligned);
    std::fs::write(&path, file.finish(PAGE_SIZE)).unwrap();
    let stats = StatsFile::open(&path).unwrap();
    assert_eq!(stats.path(), Some(path.as_path()));
    assert_eq!(
        (stats.version(), stats.len(), stats.is_empty()),
        (1, PAGE_SIZE, false)
    );
    assert_eq!(stats.read_all().unwrap()[0].value, Value::UInt(0));

    // Another writer of the same file: the mapping shows its changes.
    use std::io::{Seek, SeekFrom, Write};
    let mut writer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    writer.seek(SeekFrom::Start(field.value as u64)).unwrap();
    writer.write_all(&42u64.to_ne_bytes()).unwrap();
    assert_eq!(stats.read_all().unwrap()[0].value, Value::UInt(42));
}

#[test]
fn stats_file_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<StatsFile>();
}

/// Every field the cursor reads, owned, up to and including the first error.
fn read_with_cursor(stats: &StatsFile) -> Vec<Result<Field, String>> {
    let mut cursor = stats.cursor();
    let mut out = Vec::new();
    while let Some(field) = cursor.next_field() {
        out.push(field.map(|f| f.to_field()).map_err(|e| e.to_string()));
    }
    out
}

/// Every field `fields()` yields, up to and including the first error.
fn read_with_fields(stats: &StatsFile) -> Vec<Result<Field, String>> {
    stats
        .fields()
        .map(|f| f.map_err(|e| e.to_string()))
        .collect()
}

/// A file with one unbuffered field per signature, its storage filled with
/// nonzero bytes.
fn file_of_signatures(sigs: &[&str]) -> Vec<u8> {
    let mut file = FileBuilder::new();
    for (i, sig) in sigs.iter().enumerate() {
        let size = crate::format::calcsize(sig.as_bytes()).unwrap();
        let storage: Vec<u8> = (0..size).map(|b| (b + i) as u8 | 1).collect();
        file.unbuffered(&format!("f{i}"), sig, &storage);
    }
    file.finish(PAGE_SIZE)
}

#[test]
fn cursor_fields_and_read_all_agree() {
    let mut file = FileBuilder::new();
    file.unbuffered("label.one", "Q", &7u64.to_ne_bytes());
    file.raw(b"label.two", b"d", 1, &[0x11; 16]);
    file.raw(b"a\xffb\xe2\x9d", b"b", UNBUFFERED, &[1]);
    file.laid_out("text", StatKind::Text, Some(9), Layout::Aligned);
    file.laid_out("counter", StatKind::Counter, None, Layout::Aligned);
    file.unbuffered("s", "5s", b"h\0llo");
    file.unbuffered("long.signature", "=1x 2x 3x 4x 5x 6x Q", &[3; 29]);
    file.raw(b"l", b"p", UNBUFFERED, &[0]);
    let stats = StatsFile::from_bytes(file.finish(PAGE_SIZE)).unwrap();
    let by_cursor = read_with_cursor(&stats);
    assert_eq!(by_cursor.len(), 8);
    assert!(by_cursor[7].is_err());
    assert_eq!(by_cursor, read_with_fields(&stats));
    assert_eq!(by_cursor[2].as_ref().unwrap().label, "ab");
    assert_eq!(by_cursor[5].as_ref().unwrap().value, Value::Str("h".into()));
    assert_eq!(
        by_cursor[6].as_ref().unwrap().signature,
        "=1x 2x 3x 4x 5x 6x Q"
    );
    assert_eq!(
        stats.read_all().unwrap_err().to_string(),
        *by_cursor[7].as_ref().unwrap_err()
    );

    // A cursor reads the same again after a rewind.
    let mut cursor = stats.cursor();
    let first = cursor.next_field().unwrap().unwrap().to_field();
    while cursor.next_field().is_some() {}
    assert!(cursor.next_field().is_none());
    cursor.rewind();
    assert_eq!(cursor.next_field().unwrap().unwrap().to_field(), first);
}

#[test]
fn cursor_agrees_with_fields_on_corrupt_files() {
    let mut file = FileBuilder::new();
    file.unbuffered("label.one", "Q", &7u64.to_ne_bytes());
    file.raw(b"label.two", b"=3x8x4s1x", 1, &[0x30; 32]);
    file.laid_out("text", StatKind::Text, Some(9), Layout::Aligned);
    file.unbuffered("s", "5s", b"hello");
    file.unbuffered("g", "=2x1Q", &[5; 10]);
    let original = file.finish(256);
    corrupt_copies(
        &original,
        0x9e37_79b9_7f4a_7c15,
        b"0123456789xQsd=@ \xff",
        5_000,
        |bytes| {
            if let Ok(stats) = StatsFile::from_bytes(bytes) {
                let by_cursor = read_with_cursor(&stats);
                assert_eq!(by_cursor, read_with_fields(&stats));
                let all = stats.read_all().map_err(|e| e.to_string());
                let want: Result<Vec<Field>, String> = by_cursor.into_iter().collect();
                assert_eq!(all, want);
                // Again, with what the first read left behind.
                assert_eq!(stats.read_all().map_err(|e| e.to_string()), want);
            }
        },
    );
}

#[test]
fn many_signatures_and_lengths_around_the_cache_limits() {
    // More distinct signatures than the cache holds, of 1 to 20 bytes,
    // repeated in different orders, with the same bytes in other fields.
    let sigs = [
        "Q",
        "=Q",
        "=1xQ",
        "=2xI",
        "=3xd",
        "=4xq",
        "=5xH",
        "=6xh",
        "=7xb",
        "=7x1B",
        "=8xQ",
        "=3x8x32s1x",
        "=7x8x32s1x",
        "=1x8x255s7x",
        "<2xd 4x",
        ">3x 2x Q",
        "=1x 2x 3x 4x Q",
        "=1x 2x 3x 4x 5x q",
        "20s",
        "?",
        "c",
        "=12x4s",
    ];
    let mut order: Vec<&str> = Vec::new();
    for round in 0..4 {
        for (i, sig) in sigs.iter().enumerate() {
            if (i + round) % 3 != 0 {
                order.push(sig);
            }
        }
        order.extend(sigs.iter().rev().take(5 + round));
    }
    let stats = StatsFile::from_bytes(file_of_signatures(&order)).unwrap();
    let fields = stats.read_all().unwrap();
    assert_eq!(fields.len(), order.len());
    for (field, sig) in fields.iter().zip(&order) {
        assert_eq!(field.signature, *sig);
        let parsed = crate::format::Signature::parse(sig.as_bytes()).unwrap();
        assert_eq!(
            field.end - field.value_offset + parsed.value().offset(),
            parsed.size()
        );
    }
    assert_eq!(read_with_cursor(&stats), read_with_fields(&stats));
    assert_eq!(stats.read_all().unwrap(), fields);
}

#[test]
fn read_all_follows_changes_of_the_mapped_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changing.mmstats");
    let mut file = FileBuilder::new();
    let first = file.unbuffered("a", "=3xQ", &[0; 11]);
    let second = file.unbuffered("b", "=3xQ", &[0; 11]);
    file.unbuffered("c", "=3xd", &[0; 11]);
    std::fs::write(&path, file.finish(PAGE_SIZE)).unwrap();
    let stats = StatsFile::open(&path).unwrap();
    assert_eq!(stats.read_all().unwrap().len(), 3);

    use std::io::{Seek, SeekFrom, Write};
    let mut writer = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    let mut put = |offset: usize, bytes: &[u8]| {
        writer.seek(SeekFrom::Start(offset as u64)).unwrap();
        writer.write_all(bytes).unwrap();
    };
    // The same signature length, another type: signed now.
    put(first + 2 + 1 + 2 + 3, b"q");
    put(first + 2 + 1 + 2 + 4 + 1 + 3, &(-9i64).to_ne_bytes());
    let fields = stats.read_all().unwrap();
    assert_eq!(fields[0].signature, "=3xq");
    assert_eq!(fields[0].value, Value::Int(-9));
    assert_eq!(fields[1].value, Value::UInt(0));
    // Fewer fields: a zero label length after the first.
    put(second, &[0, 0]);
    assert_eq!(stats.read_all().unwrap().len(), 1);
    put(second, &1u16.to_ne_bytes());
    assert_eq!(stats.read_all().unwrap().len(), 3);
    // A signature that no longer parses.
    put(first + 2 + 1 + 2 + 3, b"p");
    assert!(matches!(
        stats.read_all().unwrap_err(),
        ReadError::BadSignature { field: 1, .. }
    ));
    put(first + 2 + 1 + 2 + 3, b"Q");
    assert_eq!(
        stats.read_all().unwrap()[0].value,
        Value::UInt(u64::MAX - 8)
    );
}

#[test]
fn read_all_from_many_threads_at_once() {
    let mut file = FileBuilder::new();
    for i in 0..50 {
        let mut storage = vec![0u8; 3];
        storage.extend((i as u64).to_ne_bytes());
        file.unbuffered(&format!("field.{i}"), "=3xQ", &storage);
        file.laid_out(
            &format!("text.{i}"),
            StatKind::Text,
            Some(12),
            Layout::Aligned,
        );
    }
    let stats = StatsFile::from_bytes(file.finish(2 * PAGE_SIZE)).unwrap();
    let want = stats.read_all().unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..200 {
                    assert_eq!(stats.read_all().unwrap(), want);
                }
            });
        }
    });
}
