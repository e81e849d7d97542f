//! Walking the fields of a file: header parsing with every offset checked.
#![forbid(unsafe_code)]

use core::borrow::BorrowMut;
use core::fmt;
use core::iter::FusedIterator;
use core::sync::atomic::Ordering;

use super::decode::{Decoded, Storage};
use super::error::{show_signature, Failed};
use super::{FieldPart, ReadError, Value, ValueRef};
use crate::format::{
    decode_text, push_utf8_dropping, text_before_nul, utf8_dropping_from_vec, Signature,
    SignatureError, LEN_PREFIX, UNBUFFERED,
};
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
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let field = &StatsFile::open(stats.path())?.read_all()?[0];
    /// assert!(!field.is_buffered()); // the default layout stores numbers once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_buffered(&self) -> bool {
        self.write_buffer != UNBUFFERED
    }

    /// The buffer the value was read from: 0 or 1 for a buffered field.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let field = &StatsFile::open(stats.path())?.read_all()?[0];
    /// assert_eq!(field.read_buffer(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_buffer(&self) -> Option<u8> {
        self.is_buffered().then_some(self.write_buffer ^ 1)
    }

    /// The field as a [`FieldRef`] borrowing its strings.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let field = &StatsFile::open(stats.path())?.read_all()?[0];
    /// assert_eq!(field.as_field_ref().label, "done");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_field_ref(&self) -> FieldRef<'_> {
        FieldRef {
            label: &self.label,
            signature: &self.signature,
            write_buffer: self.write_buffer,
            offset: self.offset,
            value: ValueRef::from(&self.value),
            value_offset: self.value_offset,
            seq_offset: self.seq_offset,
            end: self.end,
        }
    }
}

/// One field of a stats file as a [`Cursor`] reads it: the label, the
/// signature and a string value borrow the cursor's buffers, so reading a
/// field allocates nothing once the buffers have grown to fit.
///
/// The parts mean what they mean in [`Field`].
///
/// ```
/// use mmstats::reader::{StatsFile, ValueRef};
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
/// let mut cursor = file.cursor();
/// let field = cursor.next_field().unwrap()?;
/// assert_eq!((field.label, field.signature), ("done", "Q"));
/// assert_eq!(field.value, ValueRef::UInt(7));
/// assert_eq!(field.to_field(), file.read_all()?[0]);
/// assert!(cursor.next_field().is_none());
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct FieldRef<'a> {
    /// The label, decoded as UTF-8 with undecodable bytes dropped.
    pub label: &'a str,
    /// The type signature as stored.
    pub signature: &'a str,
    /// The `write_buffer` byte the value was read under.
    pub write_buffer: u8,
    /// Offset of the field's `label_len`, where the field starts.
    pub offset: usize,
    /// The value.
    pub value: ValueRef<'a>,
    /// Offset of the first byte of the value that was read.
    pub value_offset: usize,
    /// Offset of the sequence word that protected the read, if any.
    pub seq_offset: Option<usize>,
    /// Offset one past the field's last byte: where the next field starts.
    pub end: usize,
}

impl FieldRef<'_> {
    /// Whether the field has two buffers (`write_buffer` 0 or 1).
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let file = StatsFile::open(stats.path())?;
    /// let mut cursor = file.cursor();
    /// let field = cursor.next_field().expect("one field")?;
    /// assert!(!field.is_buffered());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_buffered(&self) -> bool {
        self.write_buffer != UNBUFFERED
    }

    /// The buffer the value was read from: 0 or 1 for a buffered field.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let file = StatsFile::open(stats.path())?;
    /// let mut cursor = file.cursor();
    /// let field = cursor.next_field().expect("one field")?;
    /// assert_eq!(field.read_buffer(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_buffer(&self) -> Option<u8> {
        self.is_buffered().then_some(self.write_buffer ^ 1)
    }

    /// The field with its label, signature and string copied.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let file = StatsFile::open(stats.path())?;
    /// let mut cursor = file.cursor();
    /// let field = cursor.next_field().expect("one field")?;
    /// assert_eq!(field.to_field(), file.read_all()?[0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_field(&self) -> Field {
        Field {
            label: self.label.to_owned(),
            signature: self.signature.to_owned(),
            write_buffer: self.write_buffer,
            offset: self.offset,
            value: self.value.to_value(),
            value_offset: self.value_offset,
            seq_offset: self.seq_offset,
            end: self.end,
        }
    }
}

/// Reads the fields of a [`StatsFile`](super::StatsFile) one at a time into
/// buffers it owns and reuses, in file order: a lending iterator of
/// [`FieldRef`]s.
///
/// Like [`Fields`], it reads each field as it comes, and ends after the last
/// field or after the first error. Keep a cursor to read many fields (or
/// the same file again, with [`rewind`](Cursor::rewind)) without
/// allocating.
///
/// ```
/// use mmstats::reader::StatsFile;
///
/// # fn main() -> Result<(), mmstats::reader::ReadError> {
/// let mut bytes = vec![1u8];
/// for (label, value) in [("a", 1u8), ("b", 2)] {
///     bytes.extend(1u16.to_ne_bytes());
///     bytes.extend(label.as_bytes());
///     bytes.extend(1u16.to_ne_bytes());
///     bytes.extend(b"B");
///     bytes.push(255);
///     bytes.push(value);
/// }
/// let file = StatsFile::from_bytes(bytes)?;
/// let mut cursor = file.cursor();
/// let mut total = 0.0;
/// while let Some(field) = cursor.next_field() {
///     total += field?.value.as_f64().unwrap_or(0.0);
/// }
/// assert_eq!(total, 3.0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Cursor<'a> {
    walk: Walk<'a, Scratch>,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(view: &'a View) -> Cursor<'a> {
        Cursor {
            walk: Walk::new(view, Scratch::default()),
        }
    }

    /// Reads the next field, or returns `None` after the last field (or
    /// after an error).
    ///
    /// # Errors
    ///
    /// A [`ReadError`] if the field cannot be read; the cursor then ends.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let file = StatsFile::open(stats.path())?;
    /// let mut cursor = file.cursor();
    /// assert!(cursor.next_field().is_some());
    /// assert!(cursor.next_field().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_field(&mut self) -> Option<Result<FieldRef<'_>, ReadError>> {
        self.walk.next_field()
    }

    /// Starts again at the first field, keeping the buffers.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let file = StatsFile::open(stats.path())?;
    /// let mut cursor = file.cursor();
    /// while cursor.next_field().is_some() {}
    /// cursor.rewind();
    /// assert!(cursor.next_field().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rewind(&mut self) {
        self.walk.next = 1;
        self.walk.done = false;
    }
}

/// The fields of a [`StatsFile`](super::StatsFile), in file order.
///
/// Yields each field as it is read from the file (a later iteration sees
/// later values); ends after the last field, or after the first error.
///
/// ```
/// use mmstats::{reader::StatsFile, Counter, MmStats};
///
/// #[derive(MmStats)]
/// #[mmstats(sys_fields = false)]
/// struct Stats {
///     a: Counter,
///     b: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// let file = StatsFile::open(stats.path())?;
/// let labels: Vec<String> = file.fields().map(|f| f.map(|f| f.label)).collect::<Result<_, _>>()?;
/// assert_eq!(labels, ["a", "b"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Fields<'a> {
    walk: Walk<'a, Scratch>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(view: &'a View) -> Fields<'a> {
        Fields {
            walk: Walk::new(view, Scratch::default()),
        }
    }
}

impl Iterator for Fields<'_> {
    type Item = Result<Field, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.walk.next_owned()
    }
}

impl FusedIterator for Fields<'_> {}

/// Reads every field of `view` from the first one on, reusing `scratch`.
pub(crate) fn read_all(view: &View, scratch: &mut Scratch) -> Result<Vec<Field>, ReadError> {
    if scratch.fields_seen == 0 {
        // Maybe the only read of this file: straight into the result.
        let mut fields = Vec::new();
        Walk::new(view, &mut *scratch).read_all(&mut fields)?;
        scratch.fields_seen = fields.len();
        return Ok(fields);
    }
    // Read again: into the vector kept from the last time, then moved to
    // one allocated once, at the exact size.
    let mut fields = core::mem::take(&mut scratch.fields);
    fields.clear();
    fields.reserve(scratch.fields_seen);
    let read = Walk::new(view, &mut *scratch).read_all(&mut fields);
    scratch.fields_seen = fields.len();
    let all = read.map(|()| {
        let mut all = Vec::with_capacity(fields.len());
        all.append(&mut fields);
        all
    });
    // Nothing kept but the room (the fields read before an error go).
    fields.clear();
    scratch.fields = fields;
    all
}

/// The buffers a walk over the fields reuses from field to field (and a
/// [`StatsFile`](super::StatsFile) from one read to the next).
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// The current field's label bytes (for [`Walk::next_field`] only).
    label: Vec<u8>,
    /// The current field's label when its bytes are not valid UTF-8.
    label_text: String,
    /// The current field's signature, if no longer than [`SHORT`] bytes.
    short_signature: [u8; SHORT],
    /// The current field's signature, if longer.
    signature: Vec<u8>,
    /// The raw bytes of the current field's string value.
    raw: Vec<u8>,
    /// The current field's string value, decoded.
    text: String,
    /// Recently parsed signatures.
    signatures: SignatureCache,
    /// Room for the fields [`read_all`] reads.
    fields: Vec<Field>,
    /// How many fields [`read_all`] read last time.
    fields_seen: usize,
}

/// The longest signature kept in [`Scratch::short_signature`] and looked
/// up in the [`SignatureCache`].
const SHORT: usize = 16;

impl Scratch {
    /// The bytes of the signature of the field read last, `len` long.
    #[inline(always)]
    fn signature(&self, len: usize) -> &[u8] {
        if len <= SHORT {
            self.short_signature.get(..len).unwrap_or_default()
        } else {
            &self.signature
        }
    }
}

/// A walk over the fields of a view, with its scratch buffers.
struct Walk<'a, S> {
    view: &'a View,
    /// Offset of the next field.
    next: usize,
    /// Whether the walk has ended (at the end of the fields or an error).
    done: bool,
    scratch: S,
}

impl<S> fmt::Debug for Walk<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walk")
            .field("view", self.view)
            .field("next", &self.next)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'a, S: BorrowMut<Scratch>> Walk<'a, S> {
    fn new(view: &'a View, scratch: S) -> Walk<'a, S> {
        Walk {
            view,
            next: 1,
            done: false,
            scratch,
        }
    }

    /// Reads the next field into the scratch buffers.
    fn next_field(&mut self) -> Option<Result<FieldRef<'_>, ReadError>> {
        let parsed = match self.advance()? {
            Ok(parsed) => parsed,
            Err(e) => return Some(Err(*e)),
        };
        let scratch = self.scratch.borrow_mut();
        scratch.label.clear();
        if let Err(e) = read_label(self.view, &parsed, &mut scratch.label) {
            self.done = true;
            return Some(Err(*e));
        }
        let value = match parsed.value {
            Decoded::Int(v) => ValueRef::Int(v),
            Decoded::UInt(v) => ValueRef::UInt(v),
            Decoded::Float(v) => ValueRef::Float(v),
            Decoded::Bool(v) => ValueRef::Bool(v),
            Decoded::Text => {
                scratch.text.clear();
                push_utf8_dropping(&mut scratch.text, text_before_nul(&scratch.raw));
                ValueRef::Str(&scratch.text)
            }
        };
        let label = match core::str::from_utf8(&scratch.label) {
            Ok(label) => label,
            Err(_) => {
                scratch.label_text.clear();
                push_utf8_dropping(&mut scratch.label_text, &scratch.label);
                &scratch.label_text
            }
        };
        Some(Ok(FieldRef {
            label,
            signature: scratch.signatures.text(parsed.entry),
            write_buffer: parsed.write_buffer,
            offset: parsed.at,
            value,
            value_offset: parsed.value_offset,
            seq_offset: parsed.seq_offset,
            end: parsed.end,
        }))
    }

    /// Reads the next field's header and value, leaving its signature and
    /// string bytes in the scratch buffers; `None` at the end.
    #[inline(always)]
    fn advance(&mut self) -> Option<Result<Parsed, Failed>> {
        if self.done {
            return None;
        }
        let read = read_field(self.view, self.next, self.scratch.borrow_mut());
        if self.view.shrunk() {
            // What was read may be the zeros that replaced a page cut off.
            self.done = true;
            return Some(Err(shrunk(self.view, self.next)));
        }
        match read {
            Ok(Some(parsed)) => {
                self.next = parsed.end;
                Some(Ok(parsed))
            }
            // The end of the fields, or bytes that make no field, may be the
            // zeros of a cut inside the last mapped page (values read before
            // may be such zeros too): one `stat` per walk tells.
            Ok(None) | Err(_) if self.view.cut_short() => {
                self.done = true;
                Some(Err(shrunk(self.view, self.next)))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// Reads the next field as an owned [`Field`].
    fn next_owned(&mut self) -> Option<Result<Field, ReadError>> {
        let parsed = match self.advance()? {
            Ok(parsed) => parsed,
            Err(e) => return Some(Err(*e)),
        };
        match self.owned_parts(&parsed) {
            Ok((label, signature, value)) => Some(Ok(Field {
                label,
                signature,
                write_buffer: parsed.write_buffer,
                offset: parsed.at,
                value,
                value_offset: parsed.value_offset,
                seq_offset: parsed.seq_offset,
                end: parsed.end,
            })),
            Err(e) => Some(Err(*e)),
        }
    }

    /// Reads the remaining fields into `fields`, as many
    /// [`next_owned`](Walk::next_owned) calls would, up to the first error.
    fn read_all(&mut self, fields: &mut Vec<Field>) -> Result<(), ReadError> {
        while let Some(parsed) = self.advance() {
            let parsed = parsed.map_err(|e| *e)?;
            let (label, signature, value) = self.owned_parts(&parsed).map_err(|e| *e)?;
            fields.push(Field {
                label,
                signature,
                write_buffer: parsed.write_buffer,
                offset: parsed.at,
                value,
                value_offset: parsed.value_offset,
                seq_offset: parsed.seq_offset,
                end: parsed.end,
            });
        }
        Ok(())
    }

    /// The label (read straight into its own string), the signature and
    /// the value of the field `advance` just read, owned.
    #[inline(always)]
    fn owned_parts(&mut self, parsed: &Parsed) -> Result<(String, String, Value), Failed> {
        // Nothing is allocated before the label is checked to be inside
        // the file (by `read_field`, and again by `read_label`).
        let mut label = Vec::with_capacity(parsed.label_len.next_multiple_of(8));
        if let Err(e) = read_label(self.view, parsed, &mut label) {
            self.done = true;
            return Err(e);
        }
        let scratch = self.scratch.borrow();
        let value = match parsed.value {
            Decoded::Int(v) => Value::Int(v),
            Decoded::UInt(v) => Value::UInt(v),
            Decoded::Float(v) => Value::Float(v),
            Decoded::Bool(v) => Value::Bool(v),
            Decoded::Text => Value::Str(decode_text(&scratch.raw)),
        };
        Ok((
            utf8_dropping_from_vec(label),
            scratch.signatures.text(parsed.entry).to_owned(),
            value,
        ))
    }
}

/// A field read up to its label: everything but the label's bytes, which
/// the caller copies where it wants them.
struct Parsed {
    /// Offset of the field's `label_len`.
    at: usize,
    /// Offset and length of the label, checked to lie inside the view.
    label_at: usize,
    label_len: usize,
    /// The signature cache entry that holds the signature and its text.
    entry: usize,
    write_buffer: u8,
    value: Decoded,
    value_offset: usize,
    seq_offset: Option<usize>,
    end: usize,
}

/// Appends the label of `parsed` to `out`.
#[inline(always)]
fn read_label(view: &View, parsed: &Parsed, out: &mut Vec<u8>) -> Result<(), Failed> {
    view.append_to(parsed.label_at, parsed.label_len, out)
        .ok_or_else(|| {
            truncated(
                view,
                parsed.at,
                parsed.label_at,
                parsed.label_len,
                FieldPart::Label,
            )
        })
}

/// Reads the field starting at `at`, or `None` at the end of the fields.
/// Leaves the signature and the bytes of a string value in `scratch`.
#[inline(always)]
fn read_field(view: &View, at: usize, scratch: &mut Scratch) -> Result<Option<Parsed>, Failed> {
    let len = view.len();
    // Python's reader stops at the end of the file, and at a label length of
    // zero, including a lone zero byte at the very end.
    if at >= len {
        return Ok(None);
    }
    let Some(label_len) = u16_at(view, at) else {
        // One byte left.
        if view.load_u8(at, Ordering::Relaxed) == Some(0) {
            return Ok(None);
        }
        return Err(truncated(view, at, at, LEN_PREFIX, FieldPart::LabelLength));
    };
    if label_len == 0 {
        return Ok(None);
    }
    // No overflow below: each offset is at most `len`, checked before the
    // next is computed, and a length is at most u16::MAX.
    let label_at = at + LEN_PREFIX;
    if label_len > len - label_at {
        return Err(truncated(view, at, label_at, label_len, FieldPart::Label));
    }
    let sig_len_at = label_at + label_len;
    let Some(sig_len) = u16_at(view, sig_len_at) else {
        return Err(truncated(
            view,
            at,
            sig_len_at,
            LEN_PREFIX,
            FieldPart::SignatureLength,
        ));
    };
    let sig_at = sig_len_at + LEN_PREFIX;
    if sig_len > len - sig_at {
        return Err(truncated(view, at, sig_at, sig_len, FieldPart::Signature));
    }
    let entry = read_signature(view, sig_at, sig_len, scratch)
        .map_err(|error| bad_signature(at, sig_at, scratch.signature(sig_len), error))?;
    let Some(sig) = scratch.signatures.signature(entry) else {
        // Cannot happen: `read_signature` filled the entry.
        return Err(bad_signature(
            at,
            sig_at,
            scratch.signature(sig_len),
            SignatureError::NoValue,
        ));
    };
    let write_buffer_at = sig_at + sig_len;
    let Some(write_buffer) = view.load_u8(write_buffer_at, Ordering::Relaxed) else {
        return Err(truncated(
            view,
            at,
            write_buffer_at,
            1,
            FieldPart::WriteBuffer,
        ));
    };
    let buffers: u8 = match write_buffer {
        UNBUFFERED => 1,
        0 | 1 => 2,
        found => return Err(bad_write_buffer(at, write_buffer_at, found)),
    };
    let start = write_buffer_at + 1;
    let end = sig
        .size()
        .checked_mul(usize::from(buffers))
        .and_then(|storage| start.checked_add(storage))
        .filter(|&end| end <= len)
        .ok_or_else(|| past_end(at, start, buffers, sig.size(), len))?;
    let storage = Storage {
        view,
        field: at,
        write_buffer_at,
        sig,
    };
    let reading = storage.read(&mut scratch.raw)?;
    if (reading.write_buffer == UNBUFFERED) != (buffers == 1) {
        // The writer changed the field's buffering under us: a different
        // file now, or garbage.
        return Err(bad_write_buffer(at, write_buffer_at, reading.write_buffer));
    }
    Ok(Some(Parsed {
        at,
        label_at,
        label_len,
        entry,
        write_buffer: reading.write_buffer,
        value: reading.value,
        value_offset: reading.value_offset,
        seq_offset: reading.seq_offset,
        end,
    }))
}

/// Copies the `len` bytes of signature at `offset` (checked to be inside
/// the view) into `scratch` and parses them, through the cache if they are
/// short; returns where in the cache the parsed signature is.
#[inline(always)]
fn read_signature(
    view: &View,
    offset: usize,
    len: usize,
    scratch: &mut Scratch,
) -> Result<usize, SignatureError> {
    if len > SHORT {
        scratch.signature.clear();
        // Bounded: checked to be inside the view.
        if view
            .append_to(offset, len, &mut scratch.signature)
            .is_none()
        {
            // Cannot happen: the bytes are inside the view.
            scratch.signature.clear();
        }
        let sig = Signature::parse(&scratch.signature)?;
        return Ok(scratch.signatures.insert_long(sig, &scratch.signature));
    }
    // The signature as two words, the second one empty unless it is longer
    // than 8 bytes.
    let first = view.load_bytes(offset, len.min(8)).unwrap_or(0);
    let second = if len > 8 {
        view.load_bytes(offset + 8, len - 8).unwrap_or(0)
    } else {
        0
    };
    let (low, high) = scratch.short_signature.split_at_mut(8);
    low.copy_from_slice(&first.to_ne_bytes());
    high.copy_from_slice(&second.to_ne_bytes());
    let key = [len as u64 + 1, first, second];
    if let Some(entry) = scratch.signatures.find(key) {
        return Ok(entry);
    }
    let bytes = scratch.short_signature.get(..len).unwrap_or_default();
    let sig = Signature::parse(bytes)?;
    Ok(scratch.signatures.insert(key, sig, bytes))
}

/// The native-endian `u16` at `offset` (at any alignment), or `None` if
/// it is not inside the view.
#[inline(always)]
fn u16_at(view: &View, offset: usize) -> Option<usize> {
    let [a, b, ..] = view.load_bytes(offset, LEN_PREFIX)?.to_ne_bytes();
    Some(usize::from(u16::from_ne_bytes([a, b])))
}

#[cold]
#[inline(never)]
fn truncated(view: &View, field: usize, offset: usize, needed: usize, part: FieldPart) -> Failed {
    Box::new(ReadError::Truncated {
        field,
        part,
        offset,
        needed,
        available: view.len().saturating_sub(offset),
    })
}

#[cold]
#[inline(never)]
fn shrunk(view: &View, field: usize) -> Failed {
    Box::new(ReadError::Shrunk {
        field,
        len: view.len(),
    })
}

#[cold]
#[inline(never)]
fn bad_signature(field: usize, offset: usize, bytes: &[u8], error: SignatureError) -> Failed {
    Box::new(ReadError::BadSignature {
        field,
        offset,
        signature: show_signature(bytes),
        error,
    })
}

#[cold]
#[inline(never)]
fn bad_write_buffer(field: usize, offset: usize, found: u8) -> Failed {
    Box::new(ReadError::BadWriteBuffer {
        field,
        offset,
        found,
    })
}

#[cold]
#[inline(never)]
fn past_end(field: usize, offset: usize, buffers: u8, buffer_len: usize, len: usize) -> Failed {
    Box::new(ReadError::PastEnd {
        field,
        offset,
        buffers,
        buffer_len,
        len,
    })
}

/// Signatures parsed before, by their bytes. A model repeats a few
/// distinct signatures, usually in the same order, so each entry remembers
/// the entry that followed it, and that one is tried first.
#[derive(Debug, Default)]
struct SignatureCache {
    /// Each entry's key: the signature's length plus one, then its bytes as
    /// two words (see [`read_signature`]); all zeros when empty.
    keys: [[u64; 3]; ENTRIES],
    /// The signatures of the keys, then the last signature too long to be
    /// remembered.
    sigs: [Option<Signature>; ENTRIES + 1],
    /// The text of each signature in `sigs`.
    texts: [String; ENTRIES + 1],
    /// For each entry, the entry found (or filled) right after it last.
    follow: [usize; ENTRIES],
    /// The entry found (or filled) last.
    last: usize,
    /// The entry the next new signature replaces.
    next: usize,
}

/// How many signatures a cache remembers.
const ENTRIES: usize = 16;

impl SignatureCache {
    /// The entry whose key is `key`, if any.
    #[inline(always)]
    fn find(&mut self, key: [u64; 3]) -> Option<usize> {
        let last = self.last % ENTRIES;
        let predicted = self.follow[last] % ENTRIES;
        let found = if same_key(&self.keys[predicted], &key) {
            predicted
        } else if same_key(&self.keys[last], &key) {
            last
        } else {
            (0..ENTRIES).find(|&at| same_key(&self.keys[at], &key))?
        };
        self.follow[last] = found;
        self.last = found;
        Some(found)
    }

    /// Remembers `sig` for `key`, forgetting the oldest entry; returns the
    /// entry.
    fn insert(&mut self, key: [u64; 3], sig: Signature, bytes: &[u8]) -> usize {
        let at = self.next % ENTRIES;
        self.keys[at] = key;
        self.fill(at, sig, bytes);
        self.follow[self.last % ENTRIES] = at;
        self.last = at;
        self.next = (at + 1) % ENTRIES;
        at
    }

    /// Keeps `sig` (of a long signature) until the next long one; returns
    /// its entry.
    fn insert_long(&mut self, sig: Signature, bytes: &[u8]) -> usize {
        self.fill(ENTRIES, sig, bytes);
        ENTRIES
    }

    /// Puts `sig`, parsed from `bytes`, and its text in entry `at`.
    fn fill(&mut self, at: usize, sig: Signature, bytes: &[u8]) {
        if let (Some(slot), Some(text)) = (self.sigs.get_mut(at), self.texts.get_mut(at)) {
            *slot = Some(sig);
            text.clear();
            // A signature that parses is ASCII, so never lossy.
            text.push_str(&String::from_utf8_lossy(bytes));
        }
    }

    /// The text of the signature in `entry`.
    #[inline(always)]
    fn text(&self, entry: usize) -> &str {
        self.texts.get(entry).map_or("", String::as_str)
    }

    /// The signature in `entry`.
    #[inline(always)]
    fn signature(&self, entry: usize) -> Option<&Signature> {
        self.sigs.get(entry)?.as_ref()
    }
}

/// Whether two cache keys are equal, compared word by word (the key looked
/// up is in registers).
#[inline(always)]
fn same_key(a: &[u64; 3], b: &[u64; 3]) -> bool {
    a[0] == b[0] && a[1] == b[1] && a[2] == b[2]
}
