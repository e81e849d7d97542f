//! Building stats files by hand, for tests.

use crate::format::UNBUFFERED;
use crate::layout::{layout_field, FieldLayout, FieldSpec, Layout, StatKind};

/// A version-1 file under construction.
pub(crate) struct FileBuilder {
    pub(crate) bytes: Vec<u8>,
}

impl FileBuilder {
    pub(crate) fn new() -> FileBuilder {
        FileBuilder { bytes: vec![1] }
    }

    /// Appends a field with raw parts; returns its offset.
    pub(crate) fn raw(
        &mut self,
        label: &[u8],
        sig: &[u8],
        write_buffer: u8,
        storage: &[u8],
    ) -> usize {
        let at = self.bytes.len();
        self.bytes.extend((label.len() as u16).to_ne_bytes());
        self.bytes.extend(label);
        self.bytes.extend((sig.len() as u16).to_ne_bytes());
        self.bytes.extend(sig);
        self.bytes.push(write_buffer);
        self.bytes.extend(storage);
        at
    }

    /// Appends an unbuffered field holding `value`.
    pub(crate) fn unbuffered(&mut self, label: &str, sig: &str, value: &[u8]) -> usize {
        self.raw(label.as_bytes(), sig.as_bytes(), UNBUFFERED, value)
    }

    /// Appends a field as [`layout_field`] lays it out (header included),
    /// with zeroed storage; returns the layout.
    pub(crate) fn laid_out(
        &mut self,
        label: &str,
        kind: StatKind,
        size: Option<usize>,
        layout: Layout,
    ) -> FieldLayout {
        let spec = FieldSpec::new("", kind, size, None);
        let record = self.bytes.len();
        let field = layout_field(&spec, record, label.len(), layout);
        let storage = vec![0u8; field.end - field.write_buffer_at - 1];
        self.raw(
            label.as_bytes(),
            field.sig.as_bytes(),
            field.write_buffer,
            &storage,
        );
        assert_eq!(self.bytes.len(), field.end);
        field
    }

    /// Writes `bytes` at `offset`.
    pub(crate) fn put(&mut self, offset: usize, bytes: &[u8]) {
        self.bytes[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// The file, zero-padded to `len` bytes (if longer than it is).
    pub(crate) fn finish(mut self, len: usize) -> Vec<u8> {
        if self.bytes.len() < len {
            self.bytes.resize(len, 0);
        }
        self.bytes
    }
}
