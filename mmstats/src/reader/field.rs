//! Walking the fields of a file: header parsing with every offset checked.
#![forbid(unsafe_code)]

use core::iter::FusedIterator;
use core::sync::atomic::Ordering;

use super::decode::Storage;
use super::error::show_signature;
use super::{FieldPart, ReadError, Value};
use crate::format::{decode_utf8_dropping, Signature, LEN_PREFIX, UNBUFFERED};
use crate::shm::view::View;

/// One field of a stats file, read at one moment.
///
/// ```
/// use mmstats::reader::{StatsFile, Value};
///
/// // version 1, then label "done", signature "Q", unbuffered, the value 7.
/// let mut bytes = vec![1u8];
/// bytes.extend(4u16.to_ne_bytes());
/// bytes.extend(b"done");
/// bytes.extend(1u16.to_ne_bytes());
/// bytes.extend(b"Q");
/// bytes.push(255);
/// bytes.extend(7u64.to_ne_bytes());
///
/// let file = StatsFile::from_bytes(bytes)?;
/// let field = file.fields().next().unwrap()?;
/// assert_eq!(field.label, "done");
/// assert_eq!(field.signature, "Q");
/// assert_eq!(field.offset, 1);
/// assert_eq!(field.value, Value::UInt(7));
/// assert!(!field.is_buffered());
/// assert_eq!(field.value_offset, 1 + 2 + 4 + 2 + 1 + 1);
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Field {
    /// The label, decoded as UTF-8 with undecodable bytes dropped.
    pub label: String,
    /// The type signature as stored (a Python `struct` format string).
    pub signature: String,
    /// The `write_buffer` byte the value was read under: 255 for an
    /// unbuffered field, else the buffer the writer writes next (the value
    /// comes from the other one).
    pub write_buffer: u8,
    /// Offset of the field's `label_len`, where the field starts.
    pub offset: usize,
    /// The value.
    pub value: Value,
    /// Offset of the first byte of the value that was read.
    pub value_offset: usize,
    /// Offset of the sequence word that protected the read, if the value is
    /// seqlocked (see [`Signature::seq_word`]).
    pub seq_offset: Option<usize>,
    /// Offset one past the field's last byte: where the next field starts.
    pub end: usize,
}

impl Field {
    /// Whether the field has two buffers (`write_buffer` 0 or 1).
    pub fn is_buffered(&self) -> bool {
        self.write_buffer != UNBUFFERED
    }

    /// The buffer the value was read from: 0 or 1 for a buffered field.
    pub fn read_buffer(&self) -> Option<u8> {
        self.is_buffered().then_some(self.write_buffer ^ 1)
    }
}

/// The fields of a [`StatsFile`](super::StatsFile), in file order.
///
/// Yields each field as it is read from the file (a later iteration sees
/// later values); ends after the last field, or after the first error.
#[derive(Debug)]
pub struct Fields<'a> {
    view: &'a View,
    next: usize,
    done: bool,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(view: &'a View) -> Fields<'a> {
        Fields {
            view,
            next: 1,
            done: false,
        }
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<Field, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = read_field(self.view, self.next);
        match &read {
            Ok(Some(field)) => self.next = field.end,
            Ok(None) | Err(_) => self.done = true,
        }
        read.transpose()
    }
}

impl FusedIterator for Fields<'_> {}

/// Reads the field starting at `at`, or `None` at the end of the fields.
fn read_field(view: &View, at: usize) -> Result<Option<Field>, ReadError> {
    let header = Header { view, field: at };
    let available = view.len().saturating_sub(at);
    // Python's reader stops at the end of the file, and at a label length of
    // zero, including a lone zero byte at the very end.
    if available == 0 {
        return Ok(None);
    }
    if available == 1 && view.load_u8(at, Ordering::Relaxed) == Some(0) {
        return Ok(None);
    }
    let label_len = header.u16_at(at, FieldPart::LabelLength)?;
    if label_len == 0 {
        return Ok(None);
    }
    let label_at = header.after(at, LEN_PREFIX, FieldPart::Label)?;
    let label = header.bytes_at(label_at, label_len, FieldPart::Label)?;
    let sig_len_at = header.after(label_at, label_len, FieldPart::SignatureLength)?;
    let sig_len = header.u16_at(sig_len_at, FieldPart::SignatureLength)?;
    let sig_at = header.after(sig_len_at, LEN_PREFIX, FieldPart::Signature)?;
    let sig_bytes = header.bytes_at(sig_at, sig_len, FieldPart::Signature)?;
    let sig = Signature::parse(&sig_bytes).map_err(|source| ReadError::BadSignature {
        field: at,
        offset: sig_at,
        signature: show_signature(&sig_bytes),
        source,
    })?;
    let write_buffer_at = header.after(sig_at, sig_len, FieldPart::WriteBuffer)?;
    let write_buffer = header.bytes_at(write_buffer_at, 1, FieldPart::WriteBuffer)?[0];
    let buffers: u8 = match write_buffer {
        UNBUFFERED => 1,
        0 | 1 => 2,
        found => {
            return Err(ReadError::BadWriteBuffer {
                field: at,
                offset: write_buffer_at,
                found,
            })
        }
    };
    let start = write_buffer_at + 1;
    let end = sig
        .size()
        .checked_mul(usize::from(buffers))
        .and_then(|storage| start.checked_add(storage))
        .filter(|&end| end <= view.len())
        .ok_or(ReadError::PastEnd {
            field: at,
            offset: start,
            buffers,
            buffer_len: sig.size(),
            len: view.len(),
        })?;
    let storage = Storage {
        view,
        field: at,
        write_buffer_at,
        sig,
    };
    let reading = storage.read()?;
    if (reading.write_buffer == UNBUFFERED) != (buffers == 1) {
        // The writer changed the field's buffering under us: a different
        // file now, or garbage.
        return Err(ReadError::BadWriteBuffer {
            field: at,
            offset: write_buffer_at,
            found: reading.write_buffer,
        });
    }
    Ok(Some(Field {
        label: decode_utf8_dropping(&label),
        signature: String::from_utf8_lossy(&sig_bytes).into_owned(),
        write_buffer: reading.write_buffer,
        offset: at,
        value: reading.value,
        value_offset: reading.value_offset,
        seq_offset: reading.seq_offset,
        end,
    }))
}

/// Bounds-checked reads of one field's header.
struct Header<'a> {
    view: &'a View,
    field: usize,
}

impl Header<'_> {
    /// `len` bytes at `offset`, copied out; checked against the file size
    /// before anything is allocated.
    fn bytes_at(&self, offset: usize, len: usize, part: FieldPart) -> Result<Vec<u8>, ReadError> {
        let available = self.view.len().saturating_sub(offset);
        if len > available {
            return Err(self.truncated(offset, len, part));
        }
        let mut bytes = vec![0u8; len];
        self.view
            .copy_to(offset, &mut bytes)
            .ok_or_else(|| self.truncated(offset, len, part))?;
        Ok(bytes)
    }

    /// The native-endian `u16` at `offset` (at any alignment).
    fn u16_at(&self, offset: usize, part: FieldPart) -> Result<usize, ReadError> {
        let bytes = self.bytes_at(offset, LEN_PREFIX, part)?;
        Ok(usize::from(u16::from_ne_bytes([bytes[0], bytes[1]])))
    }

    /// `offset + len`, where `part` starts; an overflow means the file is
    /// too short for it.
    fn after(&self, offset: usize, len: usize, part: FieldPart) -> Result<usize, ReadError> {
        offset
            .checked_add(len)
            .ok_or_else(|| self.truncated(offset, len, part))
    }

    fn truncated(&self, offset: usize, needed: usize, part: FieldPart) -> ReadError {
        ReadError::Truncated {
            field: self.field,
            part,
            offset,
            needed,
            available: self.view.len().saturating_sub(offset),
        }
    }
}
