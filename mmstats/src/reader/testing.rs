//! Building stats files byte by byte, for tests: files no writer of this
//! crate would make (Python 0.8's shapes, broken fields, odd signatures),
//! and files cut short under their readers ([`cut`]).
//!
//! Test support, not part of the API: compiled only for this crate's own
//! tests and with the `test-util` feature, which the workspace's tools
//! package enables for its tests. It may change in any release.
//!
//! ```
//! # #[cfg(feature = "test-util")] {
//! use mmstats::reader::testing::FileBuilder;
//! use mmstats::reader::{StatsFile, Value};
//!
//! let mut file = FileBuilder::new();
//! file.unbuffered("level", "I", &7u32.to_ne_bytes());
//! let stats = StatsFile::from_bytes(file.finish(64))?;
//! assert_eq!(stats.read_all()?[0].value, Value::UInt(7));
//! # }
//! # Ok::<(), mmstats::reader::ReadError>(())
//! ```

use crate::format::UNBUFFERED;
use crate::layout::{layout_field, FieldLayout, FieldSpec, Layout, StatKind};

/// A version-1 file under construction: the version byte, then the fields
/// appended one after the other.
#[derive(Debug, Clone)]
pub struct FileBuilder {
    /// The bytes so far.
    pub bytes: Vec<u8>,
}

impl Default for FileBuilder {
    fn default() -> FileBuilder {
        FileBuilder::new()
    }
}

impl FileBuilder {
    /// A file holding only the version byte.
    pub fn new() -> FileBuilder {
        FileBuilder { bytes: vec![1] }
    }

    /// Appends a field with raw parts (label, signature, `write_buffer`
    /// byte, value storage), taken as they are; returns its offset.
    ///
    /// # Panics
    ///
    /// A label or signature longer than 65535 bytes.
    pub fn raw(&mut self, label: &[u8], sig: &[u8], write_buffer: u8, storage: &[u8]) -> usize {
        let at = self.bytes.len();
        let len = |part: &[u8]| u16::try_from(part.len()).expect("at most 65535 bytes");
        self.bytes.extend(len(label).to_ne_bytes());
        self.bytes.extend(label);
        self.bytes.extend(len(sig).to_ne_bytes());
        self.bytes.extend(sig);
        self.bytes.push(write_buffer);
        self.bytes.extend(storage);
        at
    }

    /// Appends an unbuffered field holding `value`; returns its offset.
    pub fn unbuffered(&mut self, label: &str, sig: &str, value: &[u8]) -> usize {
        self.raw(label.as_bytes(), sig.as_bytes(), UNBUFFERED, value)
    }

    /// Appends a field as this crate's writer lays it out (header
    /// included), with zeroed storage; returns the layout.
    pub fn laid_out(
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
    ///
    /// # Panics
    ///
    /// `offset + bytes.len()` beyond the bytes so far.
    pub fn put(&mut self, offset: usize, bytes: &[u8]) {
        self.bytes[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// The file, zero-padded to `len` bytes (if longer than it is).
    pub fn finish(mut self, len: usize) -> Vec<u8> {
        if self.bytes.len() < len {
            self.bytes.resize(len, 0);
        }
        self.bytes
    }
}

/// Cuts the file at `path` to `len` bytes in place, as another process
/// truncating a file that readers have mapped would.
///
/// # Panics
///
/// The file cannot be opened for writing or cut.
pub fn cut(path: &std::path::Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|file| file.set_len(len))
        .unwrap_or_else(|e| panic!("cutting {}: {e}", path.display()));
}
