//! Python `struct` format strings, the type signatures of mmstats fields.
//!
//! A signature gives the size of a field's value storage (Python's
//! `struct.calcsize`) and, through its first value item, what a reader
//! returns: Python 0.8 unpacks the whole signature and keeps item 0.
//!
//! The rules are CPython's (2.7 and 3.x agree on everything accepted here):
//!
//! - An optional first character picks the mode: `@` (or none) is native
//!   sizes *and* native alignment, `=` native byte order with standard sizes,
//!   `<` little endian, `>` and `!` big endian; the last three use standard
//!   sizes too. Standard modes never align.
//! - In native mode each item's offset is rounded up to a multiple of its
//!   native size, even for a zero count (`"b0Q"` is 8 bytes); there is no
//!   trailing padding (`"Qb"` is 9 bytes).
//! - Whitespace between items is ignored; a repeat count must be followed by
//!   its code directly.
//! - `x` is a pad byte and yields no value; `Ns` is one string of `N` bytes
//!   (`0s` is an empty string); any other count repeats the item (`0Q` yields
//!   nothing).
//! - The total size may not exceed `isize::MAX` (Python's `Py_ssize_t`).
//!
//! Where CPython versions disagree, the stricter rule wins: a trailing
//! repeat count without a code and an embedded NUL are errors (Python 2
//! ignored the first and stopped at the second), and only the codes of
//! [`Code`] are known (`p`, `P`, `e`, `n` and `N` are rejected).
#![forbid(unsafe_code)]

use super::Code;

/// The largest size or count Python accepts (`PY_SSIZE_T_MAX`).
const MAX_SIZE: usize = isize::MAX as usize;

/// How a signature sizes and aligns its items.
///
/// ```
/// use mmstats::format::{Mode, Signature};
///
/// assert_eq!(Signature::parse(b"=5xQ")?.mode(), Mode::Standard);
/// assert_eq!(Signature::parse(b"Q")?.mode(), Mode::Native);
/// # Ok::<(), mmstats::format::SignatureError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `@` or no prefix: native sizes and native alignment.
    Native,
    /// `=`, `<`, `>` or `!`: standard sizes, no alignment.
    Standard,
}

/// The byte order of a signature's values.
///
/// ```
/// use mmstats::format::{ByteOrder, Signature};
///
/// assert_eq!(Signature::parse(b"<d")?.byte_order(), ByteOrder::Little);
/// assert_eq!(Signature::parse(b"!d")?.byte_order(), ByteOrder::Big);
/// assert_eq!(Signature::parse(b"=d")?.byte_order(), ByteOrder::Native);
/// # Ok::<(), mmstats::format::SignatureError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `@`, `=` or no prefix: the machine's own order.
    Native,
    /// `<`.
    Little,
    /// `>` or `!`.
    Big,
}

/// The first item of a signature that yields a value: what Python 0.8's
/// reader returns for the field.
///
/// ```
/// use mmstats::format::{Code, Signature};
///
/// // A counter of the default layout: five pad bytes, then the u64.
/// let item = Signature::parse(b"=5xQ")?.value();
/// assert_eq!(item.code(), Code::U64);
/// assert_eq!((item.offset(), item.size(), item.count()), (5, 8, 1));
/// assert!(!item.has_explicit_count());
/// # Ok::<(), mmstats::format::SignatureError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    code: Code,
    count: usize,
    offset: usize,
    size: usize,
    explicit_count: bool,
}

impl Item {
    /// The item's format code (never [`Code::Pad`]).
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"=2xh")?.value().code(), mmstats::format::Code::I16);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn code(&self) -> Code {
        self.code
    }

    /// The repeat count: the string length for [`Code::Bytes`], otherwise
    /// how many values of `code` follow each other (the reader uses the
    /// first). Never 0 except for a `0s` string.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"255s")?.value().count(), 255);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn count(&self) -> usize {
        self.count
    }

    /// Byte offset of the item inside one buffer of the field's storage.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"=3xd")?.value().offset(), 3);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// Size in bytes of the value a reader decodes: the string length for
    /// [`Code::Bytes`], otherwise the size of one item of `code` in the
    /// signature's mode.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"=5xQ")?.value().size(), 8);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn size(&self) -> usize {
        self.size
    }

    /// Whether the signature wrote the repeat count (`1Q`) rather than
    /// leaving it implied (`Q`).
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert!(Signature::parse(b"=5x1Q")?.value().has_explicit_count()); // a u64 gauge
    /// assert!(!Signature::parse(b"=5xQ")?.value().has_explicit_count()); // a counter
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn has_explicit_count(&self) -> bool {
        self.explicit_count
    }
}

/// A parsed signature of a field whose value can be read.
///
/// ```
/// use mmstats::format::{ByteOrder, Code, Signature};
///
/// let sig = Signature::parse(b"=3xQ")?;
/// assert_eq!(sig.size(), 11);
/// assert_eq!(sig.byte_order(), ByteOrder::Native);
/// assert_eq!(sig.value().code(), Code::U64);
/// assert_eq!(sig.value().offset(), 3);
///
/// // Native mode aligns: the u64 moves to offset 8.
/// assert_eq!(Signature::parse(b"bQ")?.size(), 16);
/// # Ok::<(), mmstats::format::SignatureError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    size: usize,
    mode: Mode,
    order: ByteOrder,
    value: Item,
    seq_word: Option<usize>,
}

impl Signature {
    /// Parses a signature as stored in a file.
    ///
    /// # Errors
    ///
    /// A [`SignatureError`] for syntax Python rejects, sizes beyond
    /// `isize::MAX`, codes mmstats does not know, and signatures that yield
    /// no value at all (only pad bytes, or empty), which Python 0.8's reader
    /// fails on too.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// let sig = Signature::parse(b"=3x8x255s2x")?;
    /// assert_eq!(sig.size(), 268);
    /// assert!(Signature::parse(b"4x").is_err()); // no value
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub fn parse(text: &[u8]) -> Result<Signature, SignatureError> {
        let scan = scan(text)?;
        let value = scan.value.ok_or(SignatureError::NoValue)?;
        Ok(Signature {
            size: scan.size,
            mode: scan.mode,
            order: scan.order,
            value,
            seq_word: scan.seq_word,
        })
    }

    /// `struct.calcsize`: the size of one buffer of the field's storage.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"=5xQ")?.size(), 13);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn size(&self) -> usize {
        self.size
    }

    /// Whether sizes and alignment are native or standard.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"@i")?.mode(), mmstats::format::Mode::Native);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn mode(&self) -> Mode {
        self.mode
    }

    /// The byte order of the values.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b">I")?.byte_order(), mmstats::format::ByteOrder::Big);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn byte_order(&self) -> ByteOrder {
        self.order
    }

    /// The first value item.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"=3x8x10s5x")?.value().offset(), 11);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn value(&self) -> Item {
        self.value
    }

    /// Offset, inside one buffer, of the 8 pad bytes that may hold a
    /// sequence word.
    ///
    /// Present when the signature is in standard mode and the first value
    /// item immediately follows a pad run written exactly as `8x`
    /// (whitespace aside). In a double-buffered field whose sequence word
    /// lands on an 8-aligned file offset, those bytes are the `u64` sequence
    /// number of a seqlock that protects the buffer: odd while the writer is
    /// changing the buffer. Python skips them as padding.
    ///
    /// ```
    /// use mmstats::format::Signature;
    ///
    /// assert_eq!(Signature::parse(b"=3x8x10s5x")?.seq_word(), Some(3)); // seqlocked text
    /// assert_eq!(Signature::parse(b"10s")?.seq_word(), None);
    /// # Ok::<(), mmstats::format::SignatureError>(())
    /// ```
    pub const fn seq_word(&self) -> Option<usize> {
        self.seq_word
    }
}

/// Python's `struct.calcsize`, including signatures that yield no value
/// (such as `"4x"`, or the empty signature).
///
/// ```
/// use mmstats::format::calcsize;
///
/// assert_eq!(calcsize(b"3xQ"), Ok(16));
/// assert_eq!(calcsize(b"=3xQ"), Ok(11));
/// assert_eq!(calcsize(b"4x"), Ok(4));
/// assert!(calcsize(b"999999999999999999999s").is_err());
/// ```
///
/// # Errors
///
/// As [`Signature::parse`], except that a signature without values is fine.
pub fn calcsize(text: &[u8]) -> Result<usize, SignatureError> {
    scan(text).map(|scan| scan.size)
}

/// Why a signature cannot be used.
///
/// ```
/// use mmstats::format::{Signature, SignatureError};
///
/// let err = Signature::parse(b"Qz").unwrap_err();
/// assert!(matches!(err, SignatureError::UnknownCode { position: 1, byte: b'z' }));
/// assert_eq!(err.to_string(), "unknown format character 'z' at position 1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A byte that is not a known format code (or `@=<>!` after the first
    /// position, or a NUL, or anything non-ASCII).
    #[error("unknown format character '{}' at position {position}", .byte.escape_ascii())]
    UnknownCode {
        /// Position of the byte in the signature.
        position: usize,
        /// The byte.
        byte: u8,
    },
    /// A repeat count at the end of the signature or followed by
    /// whitespace.
    #[error("repeat count at position {position} is not followed by a format character")]
    CountWithoutCode {
        /// Position of the count's first digit.
        position: usize,
    },
    /// A repeat count larger than `isize::MAX`.
    #[error("repeat count at position {position} is too large")]
    CountOverflow {
        /// Position of the count's first digit.
        position: usize,
    },
    /// The total size exceeds `isize::MAX`.
    #[error("total size is larger than isize::MAX")]
    SizeOverflow,
    /// The signature yields no value (it is empty or only pads), so there is
    /// nothing to read.
    #[error("the signature holds no value, only padding")]
    NoValue,
}

/// What one pass over a signature finds.
struct Scan {
    size: usize,
    mode: Mode,
    order: ByteOrder,
    value: Option<Item>,
    seq_word: Option<usize>,
}

/// C's `isspace` in the "C" locale, which CPython's parser uses.
const fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn scan(text: &[u8]) -> Result<Scan, SignatureError> {
    let (mode, order, mut pos) = match text.first() {
        Some(b'@') => (Mode::Native, ByteOrder::Native, 1),
        Some(b'=') => (Mode::Standard, ByteOrder::Native, 1),
        Some(b'<') => (Mode::Standard, ByteOrder::Little, 1),
        Some(b'>' | b'!') => (Mode::Standard, ByteOrder::Big, 1),
        _ => (Mode::Native, ByteOrder::Native, 0),
    };
    let mut size = 0usize;
    let mut value = None;
    let mut seq_word = None;
    // Where the previous item ended, if it was a pad run written as `8x`.
    let mut after_pad8 = None;

    while let Some(&byte) = text.get(pos) {
        if is_space(byte) {
            pos += 1;
            continue;
        }
        let start = pos;
        let (count, explicit) = if byte.is_ascii_digit() {
            let (count, end) = parse_count(text, pos)?;
            pos = end;
            (count, true)
        } else {
            (1, false)
        };
        let Some(&code_byte) = text.get(pos) else {
            return Err(SignatureError::CountWithoutCode { position: start });
        };
        if explicit && is_space(code_byte) {
            return Err(SignatureError::CountWithoutCode { position: start });
        }
        let code = Code::from_char(code_byte).ok_or(SignatureError::UnknownCode {
            position: pos,
            byte: code_byte,
        })?;
        let item_size = match mode {
            Mode::Native => {
                size = align(size, code.native_size())?;
                code.native_size()
            }
            Mode::Standard => code.standard_size(),
        };
        let yields_value = match code {
            Code::Pad => false,
            Code::Bytes => true,
            _ => count > 0,
        };
        if value.is_none() && yields_value {
            value = Some(Item {
                code,
                count,
                offset: size,
                size: if code == Code::Bytes {
                    count
                } else {
                    item_size
                },
                explicit_count: explicit,
            });
            if mode == Mode::Standard && after_pad8 == Some(size) {
                seq_word = size.checked_sub(8);
            }
        }
        size = count
            .checked_mul(item_size)
            .and_then(|bytes| size.checked_add(bytes))
            .filter(|&total| total <= MAX_SIZE)
            .ok_or(SignatureError::SizeOverflow)?;
        after_pad8 = (code == Code::Pad && text.get(start..pos) == Some(&b"8"[..])).then_some(size);
        pos += 1;
    }
    Ok(Scan {
        size,
        mode,
        order,
        value,
        seq_word,
    })
}

/// Reads the decimal count starting at `start`; returns it and the position
/// after its last digit.
fn parse_count(text: &[u8], start: usize) -> Result<(usize, usize), SignatureError> {
    let mut count = 0usize;
    let mut pos = start;
    while let Some(&digit) = text.get(pos).filter(|b| b.is_ascii_digit()) {
        count = count
            .checked_mul(10)
            .and_then(|c| c.checked_add(usize::from(digit - b'0')))
            .filter(|&c| c <= MAX_SIZE)
            .ok_or(SignatureError::CountOverflow { position: start })?;
        pos += 1;
    }
    Ok((count, pos))
}

/// Rounds `size` up to a multiple of `alignment`, as CPython's `align()`.
fn align(size: usize, alignment: usize) -> Result<usize, SignatureError> {
    if alignment <= 1 || size == 0 {
        return Ok(size);
    }
    let extra = (alignment - 1) - (size - 1) % alignment;
    size.checked_add(extra)
        .filter(|&s| s <= MAX_SIZE)
        .ok_or(SignatureError::SizeOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    enum Want {
        /// calcsize, first value code, its count, its offset, explicit count.
        Ok(usize, u8, usize, usize, bool),
        /// calcsize of a signature without values.
        NoValue(usize),
        Err,
    }
    use Want::{Err, NoValue, Ok};

    /// Expected results from CPython 2.7.18's `struct` module (`calcsize`,
    /// `unpack`, and `calcsize(prefix + "0" + code)` for the offset), with
    /// the cases where CPython 3 is stricter (trailing count, NUL) taken
    /// from CPython 3, and the codes mmstats does not know marked as errors.
    const TABLE: &[(&[u8], Want)] = &[
        (b"Q", Ok(8, b'Q', 1, 0, false)),
        (b"d", Ok(8, b'd', 1, 0, false)),
        (b"I", Ok(4, b'I', 1, 0, false)),
        (b"i", Ok(4, b'i', 1, 0, false)),
        (b"h", Ok(2, b'h', 1, 0, false)),
        (b"H", Ok(2, b'H', 1, 0, false)),
        (b"b", Ok(1, b'b', 1, 0, false)),
        (b"B", Ok(1, b'B', 1, 0, false)),
        (b"?", Ok(1, b'?', 1, 0, false)),
        (b"f", Ok(4, b'f', 1, 0, false)),
        (b"q", Ok(8, b'q', 1, 0, false)),
        (b"l", Ok(8, b'l', 1, 0, false)),
        (b"L", Ok(8, b'L', 1, 0, false)),
        (b"c", Ok(1, b'c', 1, 0, false)),
        (b"s", Ok(1, b's', 1, 0, false)),
        (b"255s", Ok(255, b's', 255, 0, true)),
        (b"256s", Ok(256, b's', 256, 0, true)),
        (b"20s", Ok(20, b's', 20, 0, true)),
        (b"0s", Ok(0, b's', 0, 0, true)),
        (b"10s", Ok(10, b's', 10, 0, true)),
        (b"bQ", Ok(16, b'b', 1, 0, false)),
        (b"3xQ", Ok(16, b'Q', 1, 8, false)),
        (b"Qb", Ok(9, b'Q', 1, 0, false)),
        (b"=3xQ", Ok(11, b'Q', 1, 3, false)),
        (b"= 3x Q", Ok(11, b'Q', 1, 3, false)),
        (b" Q", Ok(8, b'Q', 1, 0, false)),
        (b"Q ", Ok(8, b'Q', 1, 0, false)),
        (b"\x09Q", Ok(8, b'Q', 1, 0, false)),
        (b"b0Q", Ok(8, b'b', 1, 0, false)),
        (b"0Qb", Ok(1, b'b', 1, 0, false)),
        (b"0sQ", Ok(8, b's', 0, 0, true)),
        (b"0x", NoValue(0)),
        (b"4x", NoValue(4)),
        (b"", NoValue(0)),
        (b"@", NoValue(0)),
        (b"=", NoValue(0)),
        (b"2Q", Ok(16, b'Q', 2, 0, true)),
        (b"0Q", NoValue(0)),
        (b"1Q", Ok(8, b'Q', 1, 0, true)),
        (b"01Q", Ok(8, b'Q', 1, 0, true)),
        (b"=3x1Q", Ok(11, b'Q', 1, 3, true)),
        (b"=5x1Q", Ok(13, b'Q', 1, 5, true)),
        (b"xh", Ok(4, b'h', 1, 2, false)),
        (b"bd", Ok(16, b'b', 1, 0, false)),
        (b"bf", Ok(8, b'b', 1, 0, false)),
        (b"hl", Ok(16, b'h', 1, 0, false)),
        (b"=l", Ok(4, b'l', 1, 0, false)),
        (b"<l", Ok(4, b'l', 1, 0, false)),
        (b">L", Ok(4, b'L', 1, 0, false)),
        (b"!q", Ok(8, b'q', 1, 0, false)),
        (b"@bhQ", Ok(16, b'b', 1, 0, false)),
        (b"bhiq", Ok(16, b'b', 1, 0, false)),
        (b"ii0q", Ok(8, b'i', 1, 0, false)),
        (b"2c", Ok(2, b'c', 2, 0, true)),
        (b"c2s", Ok(3, b'c', 1, 0, false)),
        (b"10s2x", Ok(12, b's', 10, 0, true)),
        (b"=8x8x255s1x", Ok(272, b's', 255, 16, true)),
        (b"=1x8x255s8x", Ok(272, b's', 255, 9, true)),
        (b"=7x8x20s5x", Ok(40, b's', 20, 15, true)),
        (b"=8x8x0s8x", Ok(24, b's', 0, 16, true)),
        (b"=2xQ", Ok(10, b'Q', 1, 2, false)),
        (b"=4xd", Ok(12, b'd', 1, 4, false)),
        (b"=1xh", Ok(3, b'h', 1, 1, false)),
        (b"=3xi", Ok(7, b'i', 1, 3, false)),
        (b"=3xf", Ok(7, b'f', 1, 3, false)),
        (b"x?", Ok(2, b'?', 1, 1, false)),
        (b"5?", Ok(5, b'?', 5, 0, true)),
        (b"h?i", Ok(8, b'h', 1, 0, false)),
        (b"@l", Ok(8, b'l', 1, 0, false)),
        (b"@?", Ok(1, b'?', 1, 0, false)),
        (b"<?", Ok(1, b'?', 1, 0, false)),
        (b">?", Ok(1, b'?', 1, 0, false)),
        (b"!?", Ok(1, b'?', 1, 0, false)),
        (b"=c", Ok(1, b'c', 1, 0, false)),
        (b"3 x", Err),
        (b"@@", Err),
        (b"=@Q", Err),
        (b"Q@", Err),
        (b"p", Err),
        (b"P", Err),
        (b"e", Err),
        (b"n", Err),
        (b"N", Err),
        (b"999999999999999999999s", Err),
        (
            b"9223372036854775807s",
            Ok(9223372036854775807, b's', 9223372036854775807, 0, true),
        ),
        (b"9223372036854775808s", Err),
        (b"4611686018427387904h", Err),
        (b"9223372036854775807x", NoValue(9223372036854775807)),
        (b"1152921504606846976q", Err),
        (b"=1152921504606846976q", Err),
        (b"x9223372036854775807s", Err),
        (b"\xceQ", Err),
        (b"Q\xce", Err),
        (b"Q\x00", Err),
        (b"x\x00Q", Err),
        (b"Z", Err),
        (b"-1Q", Err),
        (b"+Q", Err),
        (b"Q 2x", Ok(10, b'Q', 1, 0, false)),
        (b"1 Q", Err),
        (b"=\x0911i10Q", Ok(124, b'i', 11, 0, true)),
        (b"<20q", Ok(160, b'q', 20, 0, true)),
        (b"12f", Ok(48, b'f', 12, 0, true)),
        (b"=06Q", Ok(48, b'Q', 6, 0, true)),
        (b"=13Ll10L14s", Ok(110, b'L', 13, 0, true)),
        (b"=Bf\x0912H", Ok(29, b'B', 1, 0, false)),
        (b"=s", Ok(1, b's', 1, 0, false)),
        (b">d7L", Ok(36, b'd', 1, 0, false)),
        (b"L?0b0L", Ok(16, b'L', 1, 0, false)),
        (b"=11L", Ok(44, b'L', 11, 0, true)),
        (b">15q", Ok(120, b'q', 15, 0, true)),
        (b">8s0sbx", Ok(10, b's', 8, 0, true)),
        (b"=7b9B i", Ok(20, b'b', 7, 0, true)),
        (b"=H0q", Ok(2, b'H', 1, 0, false)),
        (b"i15L14H04f", Ok(172, b'i', 1, 0, false)),
        (b"<0b1Bq", Ok(9, b'B', 1, 0, true)),
        (b"=04i\x099sc", Ok(26, b'i', 4, 0, true)),
        (b"=Q", Ok(8, b'Q', 1, 0, false)),
        (b"0c  3x12?", Ok(15, b'?', 12, 3, true)),
        (b">6bf20Q0I", Ok(170, b'b', 6, 0, true)),
        (b"!15lq20i  05d", Ok(188, b'l', 15, 0, true)),
        (b"!12B12H", Ok(36, b'B', 12, 0, true)),
        (b"=B\x097b\x0906f15L", Ok(92, b'B', 1, 0, false)),
        (b"=B11h", Ok(23, b'B', 1, 0, false)),
        (b"=lx", Ok(5, b'l', 1, 0, false)),
        (b"<1L", Ok(4, b'L', 1, 0, true)),
        (b"3Q", Ok(24, b'Q', 3, 0, true)),
        (b"<  0H13h", Ok(26, b'h', 13, 0, true)),
        (b"=5l17B20s", Ok(57, b'l', 5, 0, true)),
        (b"12c", Ok(12, b'c', 12, 0, true)),
        (b"=3i17bc19d", Ok(182, b'i', 3, 0, true)),
        (b"20b 19?02I3b", Ok(51, b'b', 20, 0, true)),
        (b"10f11L16H1f", Ok(164, b'f', 10, 0, true)),
        (b"02HB", Ok(5, b'H', 2, 0, true)),
        (b">1d", Ok(8, b'd', 1, 0, true)),
        (b"=L", Ok(4, b'L', 1, 0, false)),
        (b"8c0q", Ok(8, b'c', 8, 0, true)),
        (b"@c  16c19s", Ok(36, b'c', 1, 0, false)),
        (b"!20?", Ok(20, b'?', 20, 0, true)),
        (b"18s0s  10i", Ok(60, b's', 18, 0, true)),
        (b"@2L11I", Ok(60, b'L', 2, 0, true)),
        (b">3hIB16?", Ok(27, b'h', 3, 0, true)),
        (b"=19h  l", Ok(42, b'h', 19, 0, true)),
        (b"=x10f9s", Ok(50, b'f', 10, 1, true)),
        (b"d1h", Ok(10, b'd', 1, 0, false)),
        (b"<fl2x\x0920x", Ok(30, b'f', 1, 0, false)),
        (b"@02dx9B H", Ok(28, b'd', 2, 0, true)),
        (b"=20q10s", Ok(170, b'q', 20, 0, true)),
        (b"!0fL07qs", Ok(61, b'L', 1, 0, false)),
        (b"=x", NoValue(1)),
        (b"18b", Ok(18, b'b', 18, 0, true)),
        (b">d\x0910i03H", Ok(54, b'd', 1, 0, false)),
        (b"@20xh3b  f", Ok(32, b'h', 1, 20, false)),
        (b"<9fsI", Ok(41, b'f', 9, 0, true)),
        (b"=h0c", Ok(2, b'h', 1, 0, false)),
        (b"=0b", NoValue(0)),
        (b"=9Q", Ok(72, b'Q', 9, 0, true)),
        (b">Lq  19I", Ok(88, b'L', 1, 0, false)),
        (b">0f20L1c  8x", Ok(89, b'L', 20, 0, true)),
        (b"!7?9cs4c", Ok(21, b'?', 7, 0, true)),
        (b"=11fb\x0908q I", Ok(113, b'f', 11, 0, true)),
        (b"l0H", Ok(8, b'l', 1, 0, false)),
        (b"=q", Ok(8, b'q', 1, 0, false)),
        (b"=11Is\x09s12?", Ok(58, b'I', 11, 0, true)),
        (b"@2df", Ok(20, b'd', 2, 0, true)),
        (b"l16iQH", Ok(82, b'l', 1, 0, false)),
        (b"\x098qx", Ok(65, b'q', 8, 0, true)),
        (b"<d  is8s", Ok(21, b'd', 1, 0, false)),
        (b"=\x09H19h", Ok(40, b'H', 1, 0, false)),
        (b"=9fs15h14s", Ok(81, b'f', 9, 0, true)),
        (b"d?", Ok(9, b'd', 1, 0, false)),
        (b">5LQ11f0s", Ok(72, b'L', 5, 0, true)),
        (b"9b0ci", Ok(16, b'b', 9, 0, true)),
        (b"=? q", Ok(9, b'?', 1, 0, false)),
        (b">0c0s07i", Ok(28, b's', 0, 0, true)),
        (b"<14hQ?", Ok(37, b'h', 14, 0, true)),
        (b"!  6Q", Ok(48, b'Q', 6, 0, true)),
        (b"i  x?4l", Ok(40, b'i', 1, 0, false)),
        (b"\x0910L08b", Ok(88, b'L', 10, 0, true)),
        (b"=B1c", Ok(2, b'B', 1, 0, false)),
        (b">8x4H", Ok(16, b'H', 4, 8, true)),
        (b"!0x14b", Ok(14, b'b', 14, 0, true)),
        (b"> 5L\x0915h09x2l", Ok(67, b'L', 5, 0, true)),
        (b"c11l0h", Ok(96, b'c', 1, 0, false)),
        (b"9I11B20x  s", Ok(68, b'I', 9, 0, true)),
        (b"=c  4?\x096c", Ok(11, b'c', 1, 0, false)),
        (b"!d01Q12f", Ok(64, b'd', 1, 0, false)),
        (b"3?  14?", Ok(17, b'?', 3, 0, true)),
        (b"<19lL", Ok(80, b'l', 19, 0, true)),
        (b"<06l  7q", Ok(80, b'l', 6, 0, true)),
        (b"@14dI", Ok(116, b'd', 14, 0, true)),
        (b"<\x096H15sf", Ok(31, b'H', 6, 0, true)),
        (b"@\x0916B2sf5q", Ok(64, b'B', 16, 0, true)),
        (b"=0s", Ok(0, b's', 0, 0, true)),
        (b"=1Q 19d0f", Ok(160, b'Q', 1, 0, true)),
        (b"=04d6i", Ok(56, b'd', 4, 0, true)),
        (b">0h18s", Ok(18, b's', 18, 0, true)),
        (b"<11df", Ok(92, b'd', 11, 0, true)),
        (b"<  H", Ok(2, b'H', 1, 0, false)),
        (b"<7b", Ok(7, b'b', 7, 0, true)),
        (b"10H", Ok(20, b'H', 10, 0, true)),
        (b"<8b", Ok(8, b'b', 8, 0, true)),
        (b"@ Q", Ok(8, b'Q', 1, 0, false)),
        (b"@?hH20H", Ok(46, b'?', 1, 0, false)),
        (b"=01Q d?i", Ok(21, b'Q', 1, 0, true)),
        (b"11Q\x09I  8q4i", Ok(176, b'Q', 11, 0, true)),
        (b"@2L", Ok(16, b'L', 2, 0, true)),
        (b"7H2iH3s", Ok(29, b'H', 7, 0, true)),
        (b"=1Q17sL", Ok(29, b'Q', 1, 0, true)),
        (b"@L12q", Ok(104, b'L', 1, 0, false)),
        (b"<d? 17hB", Ok(44, b'd', 1, 0, false)),
        (b"=0Q2B0s3i", Ok(14, b'B', 2, 0, true)),
        (b">HQ", Ok(10, b'H', 1, 0, false)),
        (b"3q0s0H", Ok(24, b'q', 3, 0, true)),
        (b"@11ib12q", Ok(144, b'i', 11, 0, true)),
        (b"=17h  B?6H", Ok(48, b'h', 17, 0, true)),
        (b"=7x", NoValue(7)),
        (b"<17i", Ok(68, b'i', 17, 0, true)),
        (b"!l12H0b0B", Ok(28, b'l', 1, 0, false)),
        (b"@12l 0d", Ok(96, b'l', 12, 0, true)),
        (b">0l", NoValue(0)),
        (b"@0h8i", Ok(32, b'i', 8, 0, true)),
        (b"10sb15d", Ok(136, b's', 10, 0, true)),
        (b"19d", Ok(152, b'd', 19, 0, true)),
        (b"@\x09h15i", Ok(64, b'h', 1, 0, false)),
        (b"?11c", Ok(12, b'?', 1, 0, false)),
        (b"!2cL", Ok(6, b'c', 2, 0, true)),
        (b"=0h2b14?", Ok(16, b'b', 2, 0, true)),
        (b"=14x", NoValue(14)),
        (b"@03i15b  06f2i", Ok(60, b'i', 3, 0, true)),
        (b"IQ", Ok(16, b'I', 1, 0, false)),
        (b"?xf", Ok(8, b'?', 1, 0, false)),
        (b">HH", Ok(4, b'H', 1, 0, false)),
        (b"\x09I15hQ0?", Ok(48, b'I', 1, 0, false)),
        (b"!B d17l", Ok(77, b'B', 1, 0, false)),
        (b"3?9q", Ok(80, b'?', 3, 0, true)),
        (b"19xc", Ok(20, b'c', 1, 19, false)),
        (b"@l14i", Ok(64, b'l', 1, 0, false)),
        (b"@8B7b", Ok(15, b'B', 8, 0, true)),
        (b"<13x d", Ok(21, b'd', 1, 13, false)),
        (b"= ?", Ok(1, b'?', 1, 0, false)),
        (b"@x3qq10L", Ok(120, b'q', 3, 8, true)),
        (b"=9I15H", Ok(66, b'I', 9, 0, true)),
        (b"<hl", Ok(6, b'h', 1, 0, false)),
        (b"@0ii7q7l", Ok(120, b'i', 1, 0, false)),
        (b">\x0914f5h6c", Ok(72, b'f', 14, 0, true)),
        (b"=2q14d18f", Ok(200, b'q', 2, 0, true)),
        (b"=0dQ15f  l", Ok(72, b'Q', 1, 0, false)),
        (b"! 12q07l", Ok(124, b'q', 12, 0, true)),
        (b"!2qQ", Ok(24, b'q', 2, 0, true)),
        (b"=11i", Ok(44, b'i', 11, 0, true)),
        (b"!l", Ok(4, b'l', 1, 0, false)),
        (b"=?0s", Ok(1, b'?', 1, 0, false)),
        (b"!L", Ok(4, b'L', 1, 0, false)),
        (b"8q", Ok(64, b'q', 8, 0, true)),
        (b">1h20l5?", Ok(87, b'h', 1, 0, true)),
        (b"3cs\x09c", Ok(5, b'c', 3, 0, true)),
        (b"0x3d3s12I", Ok(76, b'd', 3, 0, true)),
        (b"=16L", Ok(64, b'L', 16, 0, true)),
        (b"=? c6d", Ok(50, b'?', 1, 0, false)),
        (b"@0sc7H19x", Ok(35, b's', 0, 0, true)),
        (b">10i 06L  03H", Ok(70, b'i', 10, 0, true)),
        (b"b8d", Ok(72, b'b', 1, 0, false)),
        (b"0H", NoValue(0)),
        (b"<0L  9LH", Ok(38, b'L', 9, 0, true)),
        (b"@10b6h", Ok(22, b'b', 10, 0, true)),
        (b"=0I8B\x096HB", Ok(21, b'B', 8, 0, true)),
        (b">0fi d4q", Ok(44, b'i', 1, 0, false)),
        (b"@c\x0906q", Ok(56, b'c', 1, 0, false)),
        (b"!8H", Ok(16, b'H', 8, 0, true)),
        (b"!x0s19Qc", Ok(154, b's', 0, 1, true)),
        (b"2l19d6q", Ok(216, b'l', 2, 0, true)),
        (b"\x09H0b0q", Ok(8, b'H', 1, 0, false)),
        (b">q7ib", Ok(37, b'q', 1, 0, false)),
        (b"03I13?fH", Ok(34, b'I', 3, 0, true)),
        (b"fl11B4q", Ok(64, b'f', 1, 0, false)),
        (b"@19Q8I", Ok(184, b'Q', 19, 0, true)),
        (b"!10s16?", Ok(26, b's', 10, 0, true)),
        (b"=08dl9l\x0909h", Ok(122, b'd', 8, 0, true)),
        (b"!9Q", Ok(72, b'Q', 9, 0, true)),
        (b"=7b", Ok(7, b'b', 7, 0, true)),
        (b"09x5?", Ok(14, b'?', 5, 9, true)),
        (b"iB11l6x", Ok(102, b'i', 1, 0, false)),
        (b"!0Hd15H", Ok(38, b'd', 1, 0, false)),
        (b">b4f", Ok(17, b'b', 1, 0, false)),
        (b"=18x\x09q19L01b", Ok(103, b'q', 1, 18, false)),
        (b"3B", Ok(3, b'B', 3, 0, true)),
        (b">04b17bq7I", Ok(57, b'b', 4, 0, true)),
        (b"!?16qH", Ok(131, b'?', 1, 0, false)),
        (b"!17H0h", Ok(34, b'H', 17, 0, true)),
        (b"3d13L", Ok(128, b'd', 3, 0, true)),
        (b"=0b10L3Q", Ok(64, b'L', 10, 0, true)),
        (b"sq08?I", Ok(28, b's', 1, 0, false)),
        (b"!H 9s20L", Ok(91, b'H', 1, 0, false)),
        (b"  20i", Ok(80, b'i', 20, 0, true)),
        (b"=Qi", Ok(12, b'Q', 1, 0, false)),
        (b"@ 11i19Q19s", Ok(219, b'i', 11, 0, true)),
        (b"@\x091b  12Q", Ok(104, b'b', 1, 0, true)),
        (b"<18xbH", Ok(21, b'b', 1, 18, false)),
        (b"=d\x09s0h0d", Ok(9, b'd', 1, 0, false)),
        (b">9c", Ok(9, b'c', 9, 0, true)),
        (b"@0c", NoValue(0)),
        (b"<9Q3Q  5d0d", Ok(136, b'Q', 9, 0, true)),
        (b"=l1q09B", Ok(21, b'l', 1, 0, false)),
        (b">8q18Bx16L", Ok(147, b'q', 8, 0, true)),
        (b">5H", Ok(10, b'H', 5, 0, true)),
        (b"<L19l", Ok(80, b'L', 1, 0, false)),
        (b"= bL14Q14x", Ok(131, b'b', 1, 0, false)),
        (b"=  h", Ok(2, b'h', 1, 0, false)),
        (b"!I12B", Ok(16, b'I', 1, 0, false)),
        (b"1l16i", Ok(72, b'l', 1, 0, true)),
    ];

    #[test]
    fn table_matches_python_struct() {
        for (text, want) in TABLE {
            let shown = text.escape_ascii().to_string();
            let parsed = Signature::parse(text);
            match want {
                Ok(size, code, count, offset, explicit) => {
                    let sig = parsed.unwrap_or_else(|e| panic!("{shown}: {e}"));
                    assert_eq!(sig.size(), *size, "{shown}");
                    assert_eq!(calcsize(text), Result::Ok(*size), "{shown}");
                    let item = sig.value();
                    assert_eq!(item.code().as_char(), *code, "{shown}");
                    assert_eq!(item.count(), *count, "{shown}");
                    assert_eq!(item.offset(), *offset, "{shown}");
                    assert_eq!(item.has_explicit_count(), *explicit, "{shown}");
                }
                NoValue(size) => {
                    assert_eq!(parsed, Result::Err(SignatureError::NoValue), "{shown}");
                    assert_eq!(calcsize(text), Result::Ok(*size), "{shown}");
                }
                Err => {
                    let err = parsed.expect_err(&shown);
                    assert_ne!(err, SignatureError::NoValue, "{shown}");
                    assert!(calcsize(text).is_err(), "{shown}");
                }
            }
        }
    }

    #[test]
    fn modes_and_byte_orders() {
        let cases: [(&[u8], Mode, ByteOrder); 6] = [
            (b"Q", Mode::Native, ByteOrder::Native),
            (b"@Q", Mode::Native, ByteOrder::Native),
            (b"=Q", Mode::Standard, ByteOrder::Native),
            (b"<Q", Mode::Standard, ByteOrder::Little),
            (b">Q", Mode::Standard, ByteOrder::Big),
            (b"!Q", Mode::Standard, ByteOrder::Big),
        ];
        for (text, mode, order) in cases {
            let sig = Signature::parse(text).unwrap();
            assert_eq!((sig.mode(), sig.byte_order()), (mode, order));
        }
    }

    #[test]
    fn item_sizes_follow_the_mode() {
        assert_eq!(Signature::parse(b"l").unwrap().value().size(), 8);
        assert_eq!(Signature::parse(b"=l").unwrap().value().size(), 4);
        assert_eq!(Signature::parse(b"3Q").unwrap().value().size(), 8);
        assert_eq!(Signature::parse(b"255s").unwrap().value().size(), 255);
        assert_eq!(Signature::parse(b"0s").unwrap().value().size(), 0);
        assert_eq!(Signature::parse(b"4c").unwrap().value().size(), 1);
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            Signature::parse(b"=Qp"),
            Result::Err(SignatureError::UnknownCode {
                position: 2,
                byte: b'p'
            })
        );
        assert_eq!(
            Signature::parse(b"@@"),
            Result::Err(SignatureError::UnknownCode {
                position: 1,
                byte: b'@'
            })
        );
        assert_eq!(
            Signature::parse("\u{3b5}".as_bytes()),
            Result::Err(SignatureError::UnknownCode {
                position: 0,
                byte: 0xce
            })
        );
        assert_eq!(
            Signature::parse(b"Q12"),
            Result::Err(SignatureError::CountWithoutCode { position: 1 })
        );
        assert_eq!(
            Signature::parse(b"3 x"),
            Result::Err(SignatureError::CountWithoutCode { position: 0 })
        );
        assert_eq!(
            Signature::parse(b"x99999999999999999999999s"),
            Result::Err(SignatureError::CountOverflow { position: 1 })
        );
        assert_eq!(
            Signature::parse(b"2x9223372036854775807s"),
            Result::Err(SignatureError::SizeOverflow)
        );
        assert_eq!(
            Signature::parse(b"4611686018427387904h"),
            Result::Err(SignatureError::SizeOverflow)
        );
        let shown = SignatureError::UnknownCode {
            position: 0,
            byte: 0xce,
        }
        .to_string();
        assert_eq!(shown, "unknown format character '\\xce' at position 0");
    }

    #[test]
    fn sequence_word_needs_standard_mode_and_a_literal_8x() {
        let seq = |text: &[u8]| Signature::parse(text).unwrap().seq_word();
        assert_eq!(seq(b"=8x8x255s1x"), Some(8));
        assert_eq!(seq(b"=1x8x20s5x"), Some(1));
        assert_eq!(seq(b"=7x8x0s8x"), Some(7));
        assert_eq!(seq(b"=8xQ"), Some(0));
        assert_eq!(seq(b"=3x 8x 10s"), Some(3));
        assert_eq!(seq(b"<8xd"), Some(0));
        // Not a literal `8x` right before the value.
        assert_eq!(seq(b"=08x10s"), None);
        assert_eq!(seq(b"=4x4x10s"), None);
        assert_eq!(seq(b"=16x10s"), None);
        assert_eq!(seq(b"=8x0Q10s"), None);
        // The value is the `b`, right after the `8x`.
        assert_eq!(seq(b"=8xb10s"), Some(0));
        // Native mode aligns, so pads do not simply precede the value.
        assert_eq!(seq(b"8xQ"), None);
        assert_eq!(seq(b"@8x10s"), None);
        // A value before the pad run.
        assert_eq!(seq(b"=Q8x10s"), None);
    }
}
