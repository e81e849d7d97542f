//! Reading a field's value out of its storage: which buffer, which bytes,
//! how to load them without tearing, and what they mean.
#![forbid(unsafe_code)]

use core::sync::atomic::{fence, Ordering};

use super::error::Failed;
use super::ReadError;
#[cfg(test)]
use super::Value;
#[cfg(test)]
use crate::format::decode_text;
use crate::format::{ByteOrder, Code, Item, Signature, UNBUFFERED};
use crate::shm::view::View;

/// Attempts at a seqlocked value before giving up.
pub(crate) const SEQLOCK_ATTEMPTS: u32 = 1000;
/// Attempts that retry at once (with a spin hint) before yielding the CPU.
const SPINS: u32 = 64;

/// Where a field's value storage is.
pub(crate) struct Storage<'a> {
    pub(crate) view: &'a View,
    /// Offset of the field's `label_len`, for errors.
    pub(crate) field: usize,
    /// Offset of the `write_buffer` byte; the storage follows it.
    pub(crate) write_buffer_at: usize,
    /// The signature; the storage holds one or two buffers of its size,
    /// already checked to lie inside the view.
    pub(crate) sig: &'a Signature,
}

/// A decoded value; the bytes of a string are left in the buffer the read
/// was given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Decoded {
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    /// A string (`s` or `c`): its raw bytes, not yet cut at a NUL or
    /// decoded, are in the buffer (up to its first NUL at least, see
    /// [`append_value`]).
    Text,
}

/// A value and where it was read.
pub(crate) struct Reading {
    /// The `write_buffer` byte the read was based on.
    pub(crate) write_buffer: u8,
    pub(crate) value: Decoded,
    /// Offset of the value's first byte.
    pub(crate) value_offset: usize,
    /// Offset of the sequence word checked, for a seqlocked value.
    pub(crate) seq_offset: Option<usize>,
}

impl Storage<'_> {
    /// Reads the current value: the only buffer of an unbuffered field,
    /// otherwise buffer `write_buffer ^ 1`, under its seqlock if it has one.
    ///
    /// The bytes of a string value are left in `text` (cleared first), up
    /// to its first NUL at least; its size was checked against the file, so
    /// it is bounded.
    #[inline(always)]
    pub(crate) fn read(&self, text: &mut Vec<u8>) -> Result<Reading, Failed> {
        let write_buffer = self.load_write_buffer()?;
        if write_buffer == UNBUFFERED {
            return self.read_plain(write_buffer, self.start(), text);
        }
        if self.sig.seq_word().is_none() {
            return self.read_plain(write_buffer, self.buffer(write_buffer), text);
        }
        self.read_seqlocked(write_buffer, text)
    }

    /// Reads a buffered value that has a sequence word, retrying while the
    /// writer changes it.
    #[inline(never)]
    fn read_seqlocked(&self, write_buffer: u8, text: &mut Vec<u8>) -> Result<Reading, Failed> {
        let Some(seq) = self.sig.seq_word() else {
            return self.read_plain(write_buffer, self.buffer(write_buffer), text);
        };
        let mut attempt = 0;
        let mut write_buffer = write_buffer;
        loop {
            let buffer = self.buffer(write_buffer);
            let seq_offset = buffer + seq;
            if !seq_offset.is_multiple_of(8) {
                // Not where a sequence word can be: plain padding.
                return self.read_plain(write_buffer, buffer, text);
            }
            if let Some(value) = self.try_seqlocked(buffer, seq_offset, text)? {
                return Ok(Reading {
                    write_buffer,
                    value,
                    value_offset: buffer + self.item().offset(),
                    seq_offset: Some(seq_offset),
                });
            }
            attempt += 1;
            if attempt == SEQLOCK_ATTEMPTS {
                return Err(Box::new(ReadError::KeptChanging {
                    field: self.field,
                    offset: buffer + self.item().offset(),
                    attempts: attempt,
                }));
            }
            if attempt < SPINS {
                core::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
            write_buffer = self.load_write_buffer()?;
        }
    }

    /// One seqlock read of the buffer at `buffer` into `bytes`: `None` if
    /// the writer was (or may have been) changing it meanwhile.
    fn try_seqlocked(
        &self,
        buffer: usize,
        seq_offset: usize,
        bytes: &mut Vec<u8>,
    ) -> Result<Option<Decoded>, Failed> {
        let item = self.item();
        let value_offset = buffer + item.offset();
        let Some(before) = self.view.load_u64(seq_offset, Ordering::Acquire) else {
            return Err(self.past_end());
        };
        if before % 2 == 1 {
            return Ok(None);
        }
        // Bounded: the storage (which holds the item) lies inside the view.
        bytes.clear();
        append_value(self.view, item, value_offset, bytes).ok_or_else(|| self.past_end())?;
        fence(Ordering::Acquire);
        let after = self.view.load_u64(seq_offset, Ordering::Relaxed);
        Ok((after == Some(before)).then(|| decode_bytes(item, self.sig.byte_order(), bytes)))
    }

    /// Reads the value of the buffer at `buffer` without a seqlock: numbers
    /// with one atomic load where aligned, strings (into `text`) a word at a
    /// time.
    #[inline(always)]
    fn read_plain(
        &self,
        write_buffer: u8,
        buffer: usize,
        text: &mut Vec<u8>,
    ) -> Result<Reading, Failed> {
        let item = self.item();
        let at = buffer + item.offset();
        let value = match item.code() {
            Code::Bytes | Code::Char | Code::Pad => {
                // Bounded: the storage (which holds the item) lies inside
                // the view.
                text.clear();
                append_value(self.view, item, at, text).ok_or_else(|| self.past_end())?;
                Decoded::Text
            }
            _ => {
                let (word, size) =
                    load_scalar(self.view, at, item.size()).ok_or_else(|| self.past_end())?;
                decode_word(item, self.sig.byte_order(), word, size)
            }
        };
        Ok(Reading {
            write_buffer,
            value,
            value_offset: at,
            seq_offset: None,
        })
    }

    #[inline(always)]
    fn load_write_buffer(&self) -> Result<u8, Failed> {
        // Acquire: pairs with the writer's release store of the flipped
        // byte, so the buffer it names is complete.
        let found = self
            .view
            .load_u8(self.write_buffer_at, Ordering::Acquire)
            .ok_or_else(|| self.past_end())?;
        match found {
            0 | 1 | UNBUFFERED => Ok(found),
            _ => Err(self.bad_write_buffer(found)),
        }
    }

    fn item(&self) -> Item {
        self.sig.value()
    }

    fn start(&self) -> usize {
        self.write_buffer_at + 1
    }

    /// Start of the buffer a reader reads when the writer writes next into
    /// `write_buffer` (0 or 1).
    fn buffer(&self, write_buffer: u8) -> usize {
        self.start() + usize::from(write_buffer ^ 1) * self.sig.size()
    }

    /// The storage was checked to be inside the file; should a read still
    /// fall outside, say so rather than panic.
    #[cold]
    #[inline(never)]
    fn past_end(&self) -> Failed {
        Box::new(ReadError::PastEnd {
            field: self.field,
            offset: self.start(),
            buffers: 2,
            buffer_len: self.sig.size(),
            len: self.view.len(),
        })
    }

    #[cold]
    #[inline(never)]
    fn bad_write_buffer(&self, found: u8) -> Failed {
        Box::new(ReadError::BadWriteBuffer {
            field: self.field,
            offset: self.write_buffer_at,
            found,
        })
    }
}

/// How many bytes of a string value are copied at a time: see
/// [`append_value`].
const TEXT_PIECE: usize = 4096;

/// Appends the bytes of `item`, at `offset`, to `dst`; for a string, only
/// up to the end of the first [`TEXT_PIECE`]-byte piece that holds a NUL.
///
/// The value of a string ends at its first NUL, so the bytes after that
/// piece would be copied only to be dropped. A hostile file may declare a
/// string of gigabytes (`4294967296s`) and be that large, sparse, its
/// zeros costing no disk: copied whole, the string would cost as much
/// memory and time; cut this way it costs one piece. `None` if the bytes
/// are outside the view.
fn append_value(view: &View, item: Item, offset: usize, dst: &mut Vec<u8>) -> Option<()> {
    let size = item.size();
    if !matches!(item.code(), Code::Bytes | Code::Char | Code::Pad) {
        return view.append_to(offset, size, dst);
    }
    let mut done = 0;
    loop {
        let piece = (size - done).min(TEXT_PIECE);
        let start = dst.len();
        view.append_to(offset.checked_add(done)?, piece, dst)?;
        done += piece;
        if done == size || dst.get(start..).is_some_and(|bytes| bytes.contains(&0)) {
            return Some(());
        }
    }
}

/// Loads `size` (at most 8) bytes at `offset`: with one atomic load when
/// the size is 1, 2, 4 or 8 and the address is aligned to it (so a value
/// written by one aligned store is never torn), in aligned pieces otherwise.
#[inline(always)]
fn load_scalar(view: &View, offset: usize, size: usize) -> Option<([u8; 8], usize)> {
    let mut word = [0u8; 8];
    let dst = word.get_mut(..size)?;
    let loaded = match size {
        1 => view
            .load_u8(offset, Ordering::Relaxed)
            .map(|v| dst.copy_from_slice(&v.to_ne_bytes())),
        2 => view
            .load_u16(offset, Ordering::Relaxed)
            .map(|v| dst.copy_from_slice(&v.to_ne_bytes())),
        4 => view
            .load_u32(offset, Ordering::Relaxed)
            .map(|v| dst.copy_from_slice(&v.to_ne_bytes())),
        8 => view
            .load_u64(offset, Ordering::Relaxed)
            .map(|v| dst.copy_from_slice(&v.to_ne_bytes())),
        _ => None,
    };
    if loaded.is_none() {
        view.copy_to(offset, dst)?;
    }
    Some((word, size))
}

/// What the bytes of a value item mean, as Python's `struct.unpack`.
#[cfg(test)]
pub(crate) fn decode(item: Item, order: ByteOrder, bytes: &[u8]) -> Value {
    match decode_bytes(item, order, bytes) {
        Decoded::Int(v) => Value::Int(v),
        Decoded::UInt(v) => Value::UInt(v),
        Decoded::Float(v) => Value::Float(v),
        Decoded::Bool(v) => Value::Bool(v),
        Decoded::Text => Value::Str(decode_text(bytes)),
    }
}

/// What the bytes of a value item mean; a string stays in `bytes`.
fn decode_bytes(item: Item, order: ByteOrder, bytes: &[u8]) -> Decoded {
    match item.code() {
        // The value item is never a pad; read one as bytes if it were.
        Code::Bytes | Code::Char | Code::Pad => Decoded::Text,
        Code::Bool => Decoded::Bool(bytes.iter().any(|&b| b != 0)),
        _ => {
            // A number is at most 8 bytes; its size comes from its code.
            let mut word = [0u8; 8];
            let size = bytes.len().min(8);
            word[..size].copy_from_slice(&bytes[..size]);
            decode_word(item, order, word, size)
        }
    }
}

/// What a number (or bool) of `size` bytes, held at the start of `word`
/// with zeros after it, means.
#[inline(always)]
fn decode_word(item: Item, order: ByteOrder, word: [u8; 8], size: usize) -> Decoded {
    match item.code() {
        Code::Bytes | Code::Char | Code::Pad => Decoded::Text,
        Code::Bool => Decoded::Bool(u64::from_ne_bytes(word) != 0),
        Code::I8 | Code::I16 | Code::I32 | Code::I64 | Code::Long => {
            Decoded::Int(signed(word, size, order))
        }
        Code::U8 | Code::U16 | Code::U32 | Code::U64 | Code::ULong => {
            Decoded::UInt(unsigned(word, size, order))
        }
        Code::F32 => Decoded::Float(f64::from(
            f32::from_bits(unsigned(word, size, order) as u32),
        )),
        Code::F64 => Decoded::Float(f64::from_bits(unsigned(word, size, order))),
    }
}

/// The unsigned integer in the first `size` (at most 8) bytes of `word`,
/// which holds zeros after them.
fn unsigned(word: [u8; 8], size: usize, order: ByteOrder) -> u64 {
    let little = match order {
        ByteOrder::Little => true,
        ByteOrder::Big => false,
        ByteOrder::Native => cfg!(target_endian = "little"),
    };
    if little {
        u64::from_le_bytes(word)
    } else {
        // The value is in the high bytes; shift the zeros out.
        let unused = 8 * (8 - size.clamp(1, 8)) as u32;
        u64::from_be_bytes(word) >> unused
    }
}

/// The two's-complement integer in the first `size` (1 to 8) bytes of
/// `word`.
fn signed(word: [u8; 8], size: usize, order: ByteOrder) -> i64 {
    let unused = 64 - 8 * size.clamp(1, 8) as u32;
    ((unsigned(word, size, order) << unused) as i64) >> unused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sig: &str) -> (Item, ByteOrder) {
        let sig = Signature::parse(sig.as_bytes()).unwrap();
        (sig.value(), sig.byte_order())
    }

    fn value(sig: &str, bytes: &[u8]) -> Value {
        let (item, order) = item(sig);
        decode(item, order, bytes)
    }

    #[test]
    fn integers_in_every_order_and_width() {
        assert_eq!(value("<h", &[0x00, 0x80]), Value::Int(-32768));
        assert_eq!(value(">h", &[0x80, 0x00]), Value::Int(-32768));
        assert_eq!(value("<H", &[0xfe, 0xff]), Value::UInt(65534));
        assert_eq!(value("b", &[0xc8]), Value::Int(-56));
        assert_eq!(value("B", &[0xc8]), Value::UInt(200));
        assert_eq!(value(">i", &[0x80, 0, 0, 0]), Value::Int(-2147483648));
        assert_eq!(
            value("<I", &[0x9c, 0xff, 0xff, 0xff]),
            Value::UInt(4294967196)
        );
        assert_eq!(value("=l", &(-5i32).to_ne_bytes()), Value::Int(-5));
        assert_eq!(value("l", &(-5i64).to_ne_bytes()), Value::Int(-5));
        assert_eq!(value("L", &u64::MAX.to_ne_bytes()), Value::UInt(u64::MAX));
        assert_eq!(value(">q", &i64::MIN.to_be_bytes()), Value::Int(i64::MIN));
        assert_eq!(
            value("!Q", &0x0102030405060708u64.to_be_bytes()),
            Value::UInt(0x0102030405060708)
        );
        assert_eq!(
            value("<Q", &0x0102030405060708u64.to_le_bytes()),
            Value::UInt(0x0102030405060708)
        );
    }

    #[test]
    fn floats_bools_and_strings() {
        assert_eq!(
            value("f", &0.1f32.to_ne_bytes()),
            Value::Float(0.10000000149011612)
        );
        assert_eq!(value(">d", &(-0.5f64).to_be_bytes()), Value::Float(-0.5));
        assert_eq!(value("?", &[0]), Value::Bool(false));
        assert_eq!(value("?", &[2]), Value::Bool(true));
        assert_eq!(value("5s", b"ab\0cd"), Value::Str("ab".into()));
        assert_eq!(value("c", b"\xe9"), Value::Str(String::new()));
        assert_eq!(value("c", b"z"), Value::Str("z".into()));
        assert_eq!(value("0s", b""), Value::Str(String::new()));
    }

    #[test]
    fn scalars_load_atomically_when_aligned_and_bytewise_otherwise() {
        let bytes: Vec<u8> = (1..=24).collect();
        let view = View::from_bytes(&bytes);
        for size in [1, 2, 3, 4, 8] {
            for offset in 0..=(24 - size) {
                let (word, n) = load_scalar(&view, offset, size).unwrap();
                assert_eq!(n, size);
                assert_eq!(word[..size], bytes[offset..offset + size]);
                assert!(word[size..].iter().all(|&b| b == 0));
            }
        }
        assert!(load_scalar(&view, 20, 8).is_none());
        assert!(load_scalar(&view, usize::MAX, 2).is_none());
    }

    /// Reads the value of an unbuffered field (or, with `write_buffer` 1,
    /// buffer 0 of a buffered one) whose `write_buffer` byte is at
    /// `write_buffer_at`; returns it and the buffer the bytes went to.
    fn read_at(view: &View, write_buffer_at: usize, sig: &str) -> (Reading, Vec<u8>) {
        let sig = Signature::parse(sig.as_bytes()).unwrap();
        let storage = Storage {
            view,
            field: 0,
            write_buffer_at,
            sig: &sig,
        };
        let mut text = Vec::new();
        let reading = storage.read(&mut text).unwrap();
        (reading, text)
    }

    /// Regression: a string value used to be copied whole before it was cut
    /// at its first NUL, so a sparse file of a few gigabytes declaring one
    /// string of 4 GiB (zeros, costing no disk) made a reader allocate and
    /// copy 4 GiB. Now it copies one piece.
    #[test]
    fn a_huge_string_is_copied_only_up_to_its_first_nul() {
        use std::os::unix::fs::FileExt;

        const GIB: u64 = 1 << 30;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sparse.mmstats");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(5 * GIB).unwrap();
        file.write_all_at(&[UNBUFFERED, b'a', b'b'], 0).unwrap();
        drop(file);
        let file = std::fs::File::open(&path).unwrap();
        let view = View::map(&file, 5 * GIB as usize).unwrap();

        let (reading, text) = read_at(&view, 0, "4294967296s");
        assert_eq!(reading.value, Decoded::Text);
        assert_eq!(decode_text(&text), "ab");
        assert!(text.len() <= TEXT_PIECE, "{}", text.len());
        assert!(text.capacity() <= 2 * TEXT_PIECE, "{}", text.capacity());
    }

    /// Cut into pieces, a string still reads as the bytes before its first
    /// NUL wherever that is (or all of it), plain or seqlocked.
    #[test]
    fn strings_read_in_pieces_keep_their_value() {
        let size = 3 * TEXT_PIECE + 5;
        let nuls = [
            None,
            Some(0),
            Some(1),
            Some(TEXT_PIECE - 1),
            Some(TEXT_PIECE),
            Some(2 * TEXT_PIECE + 3),
            Some(size - 1),
        ];
        for nul in nuls {
            let mut string: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            if let Some(at) = nul {
                string[at] = 0;
                // Bytes after the NUL are not part of the value.
                string[size - 1] = b'!';
            }
            let want: String = string
                .iter()
                .take_while(|&&b| b != 0)
                .map(|&b| char::from(b))
                .collect();

            // Unbuffered: `write_buffer` at 0, the string from 1 on.
            let mut bytes = vec![UNBUFFERED];
            bytes.extend(&string);
            let view = View::from_bytes(&bytes);
            let (reading, text) = read_at(&view, 0, &format!("{size}s"));
            assert_eq!(reading.value_offset, 1);
            assert_eq!(decode_text(&text), want, "NUL at {nul:?}");

            // Seqlocked: `write_buffer` 1 at 7, buffer 0 from 8 on, its
            // sequence word (even: no write going on) first.
            let mut bytes = vec![0u8; 7];
            bytes.push(1);
            bytes.extend(0u64.to_ne_bytes());
            bytes.extend(&string);
            bytes.extend(vec![b'z'; 8 + size]);
            let view = View::from_bytes(&bytes);
            let (reading, text) = read_at(&view, 7, &format!("=8x{size}s"));
            assert_eq!(reading.seq_offset, Some(8));
            assert_eq!(reading.value_offset, 16);
            assert_eq!(decode_text(&text), want, "seqlocked, NUL at {nul:?}");
        }
    }
}
