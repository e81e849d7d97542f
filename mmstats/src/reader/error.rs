//! What can go wrong reading a stats file.
#![forbid(unsafe_code)]

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::format::SignatureError;

/// Why a stats file, or one of its fields, cannot be read.
///
/// Errors about the file's content name the byte offset where the problem
/// is; errors from [`StatsFile::open`](super::StatsFile::open) name the file.
/// A message is complete: the underlying error, when there is one, ends it
/// and is kept in the variant's `error` field, not repeated as the error's
/// [`source`](std::error::Error::source), so a reporter walking the chain
/// prints it once.
///
/// ```
/// use mmstats::reader::{ReadError, StatsFile};
///
/// let err = StatsFile::from_bytes(vec![2]).unwrap_err();
/// assert!(matches!(err, ReadError::BadVersion { found: 2, .. }));
/// assert_eq!(err.offset(), Some(0));
/// assert_eq!(
///     err.to_string(),
///     "in-memory bytes: not an mmstats version 1 file: byte 0x02 at offset 0, expected 0x01"
/// );
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened, inspected or mapped.
    #[error("{}: cannot {action}: {error}", .path.display())]
    Io {
        /// The path as given to `open`.
        path: PathBuf,
        /// What was being done.
        action: IoAction,
        /// The system's error, whose message ends this one's.
        error: io::Error,
    },
    /// The path names something other than a regular file (a directory, a
    /// FIFO, a device).
    #[error("{}: not a regular file", .path.display())]
    NotAFile {
        /// The path as given to `open`.
        path: PathBuf,
    },
    /// The file has no bytes at all, not even the version byte.
    #[error("{}: empty file, not an mmstats file", origin(.path))]
    Empty {
        /// The path, if the bytes came from a file.
        path: Option<PathBuf>,
    },
    /// Byte 0 is not the version this reader knows.
    #[error(
        "{}: not an mmstats version 1 file: byte 0x{found:02x} at offset 0, expected 0x01",
        origin(.path)
    )]
    BadVersion {
        /// The path, if the bytes came from a file.
        path: Option<PathBuf>,
        /// The byte found.
        found: u8,
    },
    /// The file ends inside a field's header.
    #[error(
        "field at offset {field}: truncated {part} at offset {offset}: \
         needs {needed} bytes, the file has {available} left"
    )]
    Truncated {
        /// Offset of the field's `label_len`.
        field: usize,
        /// The part of the header being read.
        part: FieldPart,
        /// Where that part starts.
        offset: usize,
        /// How many bytes it needs.
        needed: usize,
        /// How many bytes the file has from `offset` on.
        available: usize,
    },
    /// A field's signature cannot be parsed or holds no value.
    #[error("field at offset {field}: bad signature \"{signature}\" at offset {offset}: {error}")]
    BadSignature {
        /// Offset of the field's `label_len`.
        field: usize,
        /// Offset of the signature's first byte.
        offset: usize,
        /// The signature, ASCII-escaped (and shortened if very long).
        signature: String,
        /// What is wrong with it; its message ends this one's.
        error: SignatureError,
    },
    /// A `write_buffer` byte other than 0, 1 or 255.
    #[error("field at offset {field}: write_buffer {found} at offset {offset} is not 0, 1 or 255")]
    BadWriteBuffer {
        /// Offset of the field's `label_len`.
        field: usize,
        /// Offset of the `write_buffer` byte.
        offset: usize,
        /// The byte found.
        found: u8,
    },
    /// A seqlocked value was being written during every attempt to read it.
    #[error(
        "field at offset {field}: the value at offset {offset} kept changing \
         while it was read ({attempts} attempts)"
    )]
    KeptChanging {
        /// Offset of the field's `label_len`.
        field: usize,
        /// Offset of the value last attempted.
        offset: usize,
        /// How many times the reader tried.
        attempts: u32,
    },
    /// The file shrank (another process truncated it) while it was mapped
    /// and being read: the pages past its new end read as zeros, so
    /// nothing from `field` on is trusted. Open the file again to read what
    /// it holds now.
    #[error(
        "field at offset {field}: the file shrank below its mapped size of \
         {len} bytes while it was being read"
    )]
    Shrunk {
        /// Offset of the field being read when the shrinking was noticed.
        field: usize,
        /// The size the file had when it was mapped.
        len: usize,
    },
    /// A field's value storage runs past the end of the file.
    #[error(
        "field at offset {field}: value storage at offset {offset} \
         ({buffers} x {buffer_len} bytes) runs past the end of the file ({len} bytes)"
    )]
    PastEnd {
        /// Offset of the field's `label_len`.
        field: usize,
        /// Offset of the storage's first byte.
        offset: usize,
        /// Number of buffers (1 or 2).
        buffers: u8,
        /// Size of one buffer, from the signature.
        buffer_len: usize,
        /// Size of the file.
        len: usize,
    },
}

impl ReadError {
    /// The file the error names in its message, if it names one.
    ///
    /// ```
    /// use mmstats::reader::StatsFile;
    ///
    /// let err = StatsFile::open("/nonexistent/a.mmstats").unwrap_err();
    /// assert_eq!(err.path(), Some(std::path::Path::new("/nonexistent/a.mmstats")));
    /// ```
    pub fn path(&self) -> Option<&Path> {
        match self {
            ReadError::Io { path, .. } | ReadError::NotAFile { path } => Some(path),
            ReadError::Empty { path } | ReadError::BadVersion { path, .. } => path.as_deref(),
            _ => None,
        }
    }

    /// The byte offset the error is about, if it is about the file's content.
    ///
    /// ```
    /// use mmstats::reader::StatsFile;
    ///
    /// let err = StatsFile::from_bytes(vec![7]).unwrap_err();
    /// assert_eq!(err.offset(), Some(0));
    /// ```
    pub fn offset(&self) -> Option<usize> {
        match self {
            ReadError::BadVersion { .. } => Some(0),
            ReadError::Truncated { offset, .. }
            | ReadError::BadSignature { offset, .. }
            | ReadError::BadWriteBuffer { offset, .. }
            | ReadError::KeptChanging { offset, .. }
            | ReadError::PastEnd { offset, .. } => Some(*offset),
            ReadError::Shrunk { field, .. } => Some(*field),
            _ => None,
        }
    }
}

/// A [`ReadError`] as the reader's internals pass it on: boxed, so that
/// their results stay small on the path without errors.
pub(crate) type Failed = Box<ReadError>;

/// What [`ReadError::Io`] was doing.
///
/// ```
/// use mmstats::reader::{IoAction, ReadError, StatsFile};
///
/// let err = StatsFile::open("/nonexistent/a.mmstats").unwrap_err();
/// assert!(matches!(err, ReadError::Io { action: IoAction::Open, .. }));
/// assert_eq!(IoAction::Open.to_string(), "open");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoAction {
    /// Opening the file.
    Open,
    /// Reading its metadata.
    Inspect,
    /// Mapping it.
    Map,
}

impl fmt::Display for IoAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoAction::Open => "open",
            IoAction::Inspect => "inspect",
            IoAction::Map => "map",
        })
    }
}

/// The part of a field's header that [`ReadError::Truncated`] was reading.
///
/// ```
/// use mmstats::reader::{FieldPart, ReadError, StatsFile};
///
/// // A label length of 5, then the file ends.
/// let mut bytes = vec![1u8];
/// bytes.extend_from_slice(&5u16.to_ne_bytes());
/// let err = StatsFile::from_bytes(bytes)?.read_all().unwrap_err();
/// assert!(matches!(err, ReadError::Truncated { part: FieldPart::Label, .. }), "{err}");
/// assert_eq!(FieldPart::Label.to_string(), "label");
/// # Ok::<(), ReadError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldPart {
    /// The `u16` label length.
    LabelLength,
    /// The label bytes.
    Label,
    /// The `u16` signature length.
    SignatureLength,
    /// The signature bytes.
    Signature,
    /// The `write_buffer` byte.
    WriteBuffer,
}

impl fmt::Display for FieldPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldPart::LabelLength => "label length",
            FieldPart::Label => "label",
            FieldPart::SignatureLength => "signature length",
            FieldPart::Signature => "signature",
            FieldPart::WriteBuffer => "write_buffer byte",
        })
    }
}

/// How errors name bytes that did not come from a file.
fn origin(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => path.display().to_string(),
        None => "in-memory bytes".to_owned(),
    }
}

/// A signature for an error message: ASCII-escaped, at most 64 bytes of it.
pub(crate) fn show_signature(bytes: &[u8]) -> String {
    const SHOWN: usize = 64;
    let (head, tail) = bytes.split_at(bytes.len().min(SHOWN));
    let mut shown = head.escape_ascii().to_string();
    if !tail.is_empty() {
        shown.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    shown
}

/// The same message as `Display`, so that a `main` returning
/// `Result<(), ReadError>` (which prints the error's `Debug`) prints the message,
/// not the variant's fields; match on the variant to get at them.
impl std::fmt::Debug for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
