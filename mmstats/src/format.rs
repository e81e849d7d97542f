//! The bytes of a version-1 mmstats file, shared by the writer and the reader
//! so the two cannot disagree.
//!
//! ```text
//! offset 0      u8   version = 0x01
//! offset 1 ...  fields, back to back, then zero bytes to the end of the file
//!
//! field:        u16  label_len        (native byte order)
//!               [u8] label            (UTF-8, label_len bytes)
//!               u16  sig_len
//!               [u8] signature        (a Python `struct` format string)
//!               u8   write_buffer     (255: unbuffered; 0 or 1: double buffered)
//!               ...  value storage    (one or two values of calcsize(signature) bytes)
//! ```
//!
//! A reader stops at the end of the file or at a `label_len` of zero.
//!
//! ```
//! use mmstats::format::{calcsize, Code, Signature};
//!
//! // Python's `struct.calcsize`, and the value Python's reader unpacks.
//! assert_eq!(calcsize(b"=3x8x255s1x")?, 267);
//! assert_eq!(Signature::parse(b"=3x8x255s1x")?.value().code(), Code::Bytes);
//! # Ok::<(), mmstats::format::SignatureError>(())
//! ```
#![forbid(unsafe_code)]

mod signature;

pub use signature::{calcsize, ByteOrder, Item, Mode, Signature, SignatureError};

/// The only file format version there is.
///
/// ```
/// use mmstats::format::VERSION;
///
/// let file = mmstats::reader::StatsFile::from_bytes(vec![VERSION, 0, 0])?;
/// assert_eq!(file.version(), VERSION);
/// assert_eq!(file.read_all()?.len(), 0);
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
pub const VERSION: u8 = 1;

/// `write_buffer` value of an unbuffered field: one value follows in place.
///
/// ```
/// use mmstats::format::{UNBUFFERED, VERSION};
/// use mmstats::reader::{StatsFile, Value};
///
/// // One field by hand: label "n", signature "B", unbuffered, value 7.
/// let mut bytes = vec![VERSION];
/// bytes.extend_from_slice(&1u16.to_ne_bytes());
/// bytes.push(b'n');
/// bytes.extend_from_slice(&1u16.to_ne_bytes());
/// bytes.push(b'B');
/// bytes.push(UNBUFFERED);
/// bytes.push(7);
/// let fields = StatsFile::from_bytes(bytes)?.read_all()?;
/// assert_eq!(fields[0].write_buffer, UNBUFFERED);
/// assert_eq!(fields[0].value, Value::UInt(7));
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
pub const UNBUFFERED: u8 = 255;

/// Size of a label or signature length prefix.
///
/// ```
/// assert_eq!(mmstats::format::LEN_PREFIX, size_of::<u16>());
/// ```
pub const LEN_PREFIX: usize = 2;

/// Largest label or signature: their lengths are stored in a `u16`.
///
/// ```
/// assert_eq!(mmstats::format::MAX_HEADER_STRING, 65_535);
/// ```
pub const MAX_HEADER_STRING: usize = u16::MAX as usize;

/// The page size the writer rounds file sizes up to (and the smallest file).
///
/// Python 0.8 used the machine's page size; every platform this crate
/// supports uses 4 KiB pages for files created here.
///
/// ```
/// use mmstats::{format::PAGE_SIZE, Counter, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// assert_eq!(stats.len(), PAGE_SIZE); // a small model fills one page
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const PAGE_SIZE: usize = 4096;

/// A Python `struct` format code.
///
/// Only the codes mmstats files use (and Python 0.8 can write or read) are
/// known; see [`Signature`] for parsing whole format strings.
///
/// ```
/// use mmstats::format::Code;
///
/// assert_eq!(Code::from_char(b'Q'), Some(Code::U64));
/// assert_eq!(Code::U64.as_char(), b'Q');
/// assert_eq!(Code::U64.standard_size(), 8);
/// assert_eq!(Code::from_char(b'p'), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// `x`: one pad byte, no value.
    Pad,
    /// `c`: one byte, read as a one-character string.
    Char,
    /// `b`: `i8`.
    I8,
    /// `B`: `u8`.
    U8,
    /// `?`: `bool`, one byte.
    Bool,
    /// `h`: `i16`.
    I16,
    /// `H`: `u16`.
    U16,
    /// `i`: `i32`.
    I32,
    /// `I`: `u32`.
    U32,
    /// `l`: C `long` (8 bytes native on LP64, 4 bytes standard).
    Long,
    /// `L`: C `unsigned long`.
    ULong,
    /// `q`: `i64`.
    I64,
    /// `Q`: `u64`.
    U64,
    /// `f`: `f32`.
    F32,
    /// `d`: `f64`.
    F64,
    /// `s`: a byte string; the repeat count is its length.
    Bytes,
}

impl Code {
    /// The code for a format character, if mmstats knows it.
    ///
    /// ```
    /// use mmstats::format::Code;
    ///
    /// assert_eq!(Code::from_char(b'd'), Some(Code::F64));
    /// assert_eq!(Code::from_char(b'e'), None);
    /// ```
    pub const fn from_char(c: u8) -> Option<Code> {
        Some(match c {
            b'x' => Code::Pad,
            b'c' => Code::Char,
            b'b' => Code::I8,
            b'B' => Code::U8,
            b'?' => Code::Bool,
            b'h' => Code::I16,
            b'H' => Code::U16,
            b'i' => Code::I32,
            b'I' => Code::U32,
            b'l' => Code::Long,
            b'L' => Code::ULong,
            b'q' => Code::I64,
            b'Q' => Code::U64,
            b'f' => Code::F32,
            b'd' => Code::F64,
            b's' => Code::Bytes,
            _ => return None,
        })
    }

    /// The format character of this code.
    ///
    /// ```
    /// assert_eq!(mmstats::format::Code::I16.as_char(), b'h');
    /// ```
    pub const fn as_char(self) -> u8 {
        match self {
            Code::Pad => b'x',
            Code::Char => b'c',
            Code::I8 => b'b',
            Code::U8 => b'B',
            Code::Bool => b'?',
            Code::I16 => b'h',
            Code::U16 => b'H',
            Code::I32 => b'i',
            Code::U32 => b'I',
            Code::Long => b'l',
            Code::ULong => b'L',
            Code::I64 => b'q',
            Code::U64 => b'Q',
            Code::F32 => b'f',
            Code::F64 => b'd',
            Code::Bytes => b's',
        }
    }

    /// Size of one item in standard mode (`=`, `<`, `>`, `!`).
    ///
    /// ```
    /// use mmstats::format::Code;
    ///
    /// assert_eq!(Code::Long.standard_size(), 4);
    /// assert_eq!(Code::F64.standard_size(), 8);
    /// ```
    pub const fn standard_size(self) -> usize {
        match self {
            Code::Pad | Code::Char | Code::I8 | Code::U8 | Code::Bool | Code::Bytes => 1,
            Code::I16 | Code::U16 => 2,
            Code::I32 | Code::U32 | Code::Long | Code::ULong | Code::F32 => 4,
            Code::I64 | Code::U64 | Code::F64 => 8,
        }
    }

    /// Size (and alignment) of one item in native mode (`@` or no prefix),
    /// as CPython computes it on an LP64 platform.
    ///
    /// ```
    /// use mmstats::format::Code;
    ///
    /// assert_eq!(Code::Long.native_size(), size_of::<std::ffi::c_long>());
    /// ```
    pub const fn native_size(self) -> usize {
        match self {
            Code::Long | Code::ULong => 8,
            other => other.standard_size(),
        }
    }
}

/// Decodes UTF-8 the way Python's `bytes.decode("utf8", "ignore")` does:
/// bytes that are not part of a valid sequence are dropped, not replaced.
///
/// This is how Python 0.8's reader decodes labels.
///
/// ```
/// use mmstats::format::decode_utf8_dropping;
///
/// assert_eq!(decode_utf8_dropping(b"caf\xc3\xa9"), "café");
/// assert_eq!(decode_utf8_dropping(b"a\xffb\xe2\x9d"), "ab");
/// ```
pub fn decode_utf8_dropping(bytes: &[u8]) -> String {
    match core::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let mut text = String::with_capacity(bytes.len());
            push_utf8_dropping(&mut text, bytes);
            text
        }
    }
}

/// [`decode_utf8_dropping`] of bytes already owned: valid UTF-8 becomes
/// the string without a copy.
pub(crate) fn utf8_dropping_from_vec(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| decode_utf8_dropping(e.as_bytes()))
}

/// Appends `bytes` to `text` decoded as [`decode_utf8_dropping`] does.
pub(crate) fn push_utf8_dropping(text: &mut String, bytes: &[u8]) {
    match core::str::from_utf8(bytes) {
        Ok(valid) => text.push_str(valid),
        Err(_) => {
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
            }
        }
    }
}

/// The bytes of a string value up to its first NUL.
pub(crate) fn text_before_nul(bytes: &[u8]) -> &[u8] {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Eight bytes at a time up to the word that holds a zero byte.
    let mut start = 0;
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        let word = u64::from_ne_bytes(array);
        if word.wrapping_sub(ONES) & !word & HIGHS != 0 {
            break;
        }
        start += 8;
    }
    let end = bytes
        .iter()
        .skip(start)
        .position(|&b| b == 0)
        .map_or(bytes.len(), |at| start + at);
    bytes.split_at(end).0
}

/// Decodes a string value the way Python 0.8's reader does: cut at the first
/// NUL, then UTF-8 with undecodable bytes dropped.
///
/// ```
/// use mmstats::format::decode_text;
///
/// // "bob" written over "alice": the stale tail after the NUL is ignored.
/// assert_eq!(decode_text(b"bob\0e\0\0"), "bob");
/// // Cut in the middle of a character: the broken tail is dropped.
/// assert_eq!(decode_text("❤❤".as_bytes().split_at(5).0), "❤");
/// ```
pub fn decode_text(bytes: &[u8]) -> String {
    decode_utf8_dropping(text_before_nul(bytes))
}
