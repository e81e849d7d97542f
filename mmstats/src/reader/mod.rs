//! Reading stats files: the ones this crate writes and the ones Python
//! mmstats 0.8 wrote.
//!
//! A [`StatsFile`] maps a file read-only (or holds a copy of some bytes) and
//! reads its fields on demand, every time afresh, so a long-lived
//! `StatsFile` follows the writer's changes. The file is untrusted input:
//! every length and offset is checked before use, and a broken file gives a
//! [`ReadError`] naming the offset, never a panic or an unbounded
//! allocation.
//!
//! [`StatsFile::read_all`] and [`StatsFile::fields`] give owned [`Field`]s;
//! a [`Cursor`] reads into buffers it reuses and lends [`FieldRef`]s, which
//! allocates nothing per field.
//!
//! Values are read the way Python 0.8's reader read them (the first item of
//! the field's signature, from buffer `write_buffer ^ 1` of a
//! double-buffered field), with two additions that keep values written by
//! this crate from tearing: a number whose offset is aligned to its size is
//! read with one atomic load, and a buffer protected by a sequence word (see
//! [`Signature::seq_word`](crate::format::Signature::seq_word)) is re-read
//! until the writer left it alone during the read.
//!
//! ```
//! use mmstats::reader::{StatsFile, Value};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A version-1 file with one double-buffered `Q` field named "done",
//! // written once: write_buffer is 1, the value is in buffer 0.
//! let mut bytes = vec![1u8];
//! bytes.extend(4u16.to_ne_bytes());
//! bytes.extend(b"done");
//! bytes.extend(1u16.to_ne_bytes());
//! bytes.extend(b"Q");
//! bytes.push(1);
//! bytes.extend(113u64.to_ne_bytes());
//! bytes.extend(0u64.to_ne_bytes());
//! bytes.resize(4096, 0);
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("blog.mmstats");
//! std::fs::write(&path, &bytes)?;
//!
//! let file = StatsFile::open(&path)?;
//! assert_eq!(file.len(), 4096);
//! for field in file.fields() {
//!     let field = field?;
//!     println!("{} = {}", field.label, field.value);
//! }
//! let fields = file.read_all()?;
//! assert_eq!(fields[0].value, Value::UInt(113));
//! assert_eq!(fields[0].read_buffer(), Some(0));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod decode;
mod error;
mod field;
mod kind;
mod repr;
mod value;

use core::fmt;
use core::sync::atomic::Ordering;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::format::VERSION;
use crate::shm::view::View;

pub use error::{FieldPart, IoAction, ReadError};
use field::Scratch;
pub use field::{Cursor, Field, FieldRef, Fields};
pub use kind::FieldKind;
pub use value::{Value, ValueRef};

/// A stats file opened for reading.
///
/// Opening maps the file read-only; nothing is read from it but the version
/// byte until [`fields`](StatsFile::fields) is iterated.
///
/// A file that another process truncates while it is mapped does not kill
/// the reading process with `SIGBUS`: the pages past the new end read as
/// zeros, and the read that notices (of [`fields`](StatsFile::fields), a
/// [`Cursor`] or [`read_all`](StatsFile::read_all)) ends with
/// [`ReadError::Shrunk`]; open the file again to read what it now holds.
/// Writers of this crate and of Python 0.8 never shrink a file.
///
/// A file that is removed, or replaced by another under the same name (a
/// writer that re-created it, a cleaner), stays mapped and readable as it
/// was: [`is_replaced`](StatsFile::is_replaced) tells, and a long-lived
/// reader that asks opens the path again to read the new file.
///
/// ```
/// use mmstats::reader::{StatsFile, Value};
/// use mmstats::{Counter, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.done.add(3);
/// let file = StatsFile::open(stats.path())?;
/// let done = file.read_all()?.into_iter().find(|f| f.label == "done");
/// assert_eq!(done.map(|f| f.value), Some(Value::UInt(3)));
/// assert!(!file.is_replaced());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StatsFile {
    view: View,
    path: Option<PathBuf>,
    /// The device and inode of the file mapped, for
    /// [`is_replaced`](StatsFile::is_replaced).
    identity: Option<(u64, u64)>,
    version: u8,
    /// Buffers for [`read_all`](StatsFile::read_all) to reuse.
    scratch: Mutex<Scratch>,
}

impl fmt::Debug for StatsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatsFile")
            .field("view", &self.view)
            .field("path", &self.path)
            .field("version", &self.version)
            .finish()
    }
}

impl StatsFile {
    /// Opens and maps the file at `path` read-only.
    ///
    /// ```no_run
    /// let file = mmstats::reader::StatsFile::open("/tmp/worker-1234.mmstats")?;
    /// for field in file.read_all()? {
    ///     println!("{} {}", field.label, field.value);
    /// }
    /// # Ok::<(), mmstats::reader::ReadError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReadError::Io`] if the file cannot be opened or mapped,
    /// [`ReadError::NotAFile`] for directories, FIFOs and the like,
    /// [`ReadError::Empty`] for an empty file and [`ReadError::BadVersion`]
    /// if byte 0 is not 1. Their messages start with `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<StatsFile, ReadError> {
        let path = path.as_ref();
        let file = open_nonblocking(path).map_err(|error| ReadError::Io {
            path: path.to_owned(),
            action: IoAction::Open,
            error,
        })?;
        StatsFile::from_file(file, path)
    }

    /// Maps a file already opened for reading read-only, as
    /// [`open`](StatsFile::open) does once it has opened `path`: for a
    /// caller that must judge the very file it opened (opened without
    /// following links, say, or locked), not whatever the path names by
    /// the time it is opened again. `path` names the file in errors and is
    /// the one [`is_replaced`](StatsFile::is_replaced) and
    /// [`has_grown`](StatsFile::has_grown) look at.
    ///
    /// The mapping, not `file`, is kept: `file` is closed when this returns
    /// (so a lock held through it is released; keep a clone to hold one).
    ///
    /// ```
    /// use mmstats::reader::{StatsFile, Value};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("job.mmstats");
    /// let mut bytes = vec![1u8];
    /// bytes.extend(4u16.to_ne_bytes());
    /// bytes.extend(b"done");
    /// bytes.extend(1u16.to_ne_bytes());
    /// bytes.extend(b"Q");
    /// bytes.push(255); // unbuffered
    /// bytes.extend(7u64.to_ne_bytes());
    /// std::fs::write(&path, &bytes)?;
    ///
    /// let file = std::fs::File::open(&path)?;
    /// let stats = StatsFile::from_file(file, &path)?;
    /// assert_eq!(stats.path(), Some(path.as_path()));
    /// assert_eq!(stats.read_all()?[0].value, Value::UInt(7));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`open`](StatsFile::open), but for opening: [`ReadError::Io`] if
    /// the file cannot be inspected or mapped (one opened for writing only,
    /// say), [`ReadError::NotAFile`], [`ReadError::Empty`] and
    /// [`ReadError::BadVersion`]. Their messages start with `path`.
    pub fn from_file(file: File, path: impl Into<PathBuf>) -> Result<StatsFile, ReadError> {
        let path = path.into();
        let io_error = |action, error| ReadError::Io {
            path: path.clone(),
            action,
            error,
        };
        let meta = file
            .metadata()
            .map_err(|e| io_error(IoAction::Inspect, e))?;
        if !meta.is_file() {
            return Err(ReadError::NotAFile { path });
        }
        if meta.len() == 0 {
            return Err(ReadError::Empty { path: Some(path) });
        }
        let len = usize::try_from(meta.len()).map_err(|_| {
            io_error(
                IoAction::Map,
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "file larger than the address space",
                ),
            )
        })?;
        let mut view = View::map(&file, len).map_err(|e| io_error(IoAction::Map, e))?;
        view.set_origin(path.clone(), (meta.dev(), meta.ino()));
        let mut stats = StatsFile::new(view, Some(path))?;
        stats.identity = Some((meta.dev(), meta.ino()));
        Ok(stats)
    }

    /// Reads stats from bytes in memory (a copy of a file, say).
    ///
    /// ```
    /// use mmstats::reader::{ReadError, StatsFile};
    ///
    /// let file = StatsFile::from_bytes(vec![1u8, 0, 0])?;
    /// assert_eq!(file.read_all()?, vec![]);
    ///
    /// assert!(matches!(
    ///     StatsFile::from_bytes(*b"{}"),
    ///     Err(ReadError::BadVersion { found: b'{', .. })
    /// ));
    /// # Ok::<(), ReadError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ReadError::Empty`] for no bytes, [`ReadError::BadVersion`] if the
    /// first byte is not 1.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<StatsFile, ReadError> {
        let bytes: Vec<u8> = bytes.into();
        StatsFile::new(View::from_bytes(&bytes), None)
    }

    fn new(view: View, path: Option<PathBuf>) -> Result<StatsFile, ReadError> {
        match view.load_u8(0, Ordering::Relaxed) {
            None => Err(ReadError::Empty { path }),
            Some(VERSION) => Ok(StatsFile {
                view,
                path,
                identity: None,
                version: VERSION,
                scratch: Mutex::new(Scratch::default()),
            }),
            Some(found) => Err(ReadError::BadVersion { path, found }),
        }
    }

    /// The format version (byte 0); always [`VERSION`].
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// assert_eq!(StatsFile::open(stats.path())?.version(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Size of the file in bytes, when it was opened.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// assert_eq!(StatsFile::open(stats.path())?.len(), stats.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.view.len()
    }

    /// Always `false`: an empty file cannot be opened.
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// assert!(!StatsFile::open(stats.path())?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.view.len() == 0
    }

    /// The path the file was opened with; `None` for
    /// [`from_bytes`](StatsFile::from_bytes).
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
    /// assert_eq!(file.path(), Some(stats.path()));
    /// assert_eq!(StatsFile::from_bytes(vec![1])?.path(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether the path this file was opened with names another file now,
    /// or nothing: the file was removed, or replaced (renamed over, or
    /// removed and created again). The mapping still shows the file that
    /// was opened; open the path again to read the new one. A file changed
    /// in place, even cut short and refilled, is not replaced (its reads
    /// end with [`ReadError::Shrunk`] where it shrank). Always `false` for
    /// [`from_bytes`](StatsFile::from_bytes).
    ///
    /// One `stat` of the path: cheap, but a system call, so ask once per
    /// round of reads rather than per field.
    ///
    /// ```
    /// use mmstats::reader::StatsFile;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("job.mmstats");
    /// std::fs::write(&path, [1u8, 0, 0])?;
    /// let stats = StatsFile::open(&path)?;
    /// assert!(!stats.is_replaced());
    ///
    /// // Another file takes the name.
    /// std::fs::write(dir.path().join("new"), [1u8, 0, 0])?;
    /// std::fs::rename(dir.path().join("new"), &path)?;
    /// assert!(stats.is_replaced());
    /// let stats = StatsFile::open(&path)?;
    /// assert!(!stats.is_replaced());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_replaced(&self) -> bool {
        let (Some(path), Some(identity)) = (&self.path, self.identity) else {
            return false;
        };
        match std::fs::metadata(path) {
            Ok(meta) => (meta.dev(), meta.ino()) != identity,
            Err(_) => true,
        }
    }

    /// Whether the file this was opened from is larger now than when it
    /// was mapped: its path still names it (it is not
    /// [replaced](StatsFile::is_replaced)) and it has bytes past the
    /// mapping, which reads cannot see. Open the path again to read them.
    ///
    /// Writers of this crate and of Python 0.8 never change a file's size
    /// once it is made, so a file grows only back after it was cut short (a
    /// file opened while it was cut short, or copied back in place): a
    /// mapping made then ends early, and its reads stop at its end as if
    /// the fields did. Always `false` for
    /// [`from_bytes`](StatsFile::from_bytes). One `stat` of the path, as
    /// [`is_replaced`](StatsFile::is_replaced).
    ///
    /// ```
    /// use mmstats::reader::StatsFile;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("job.mmstats");
    /// std::fs::write(&path, [1u8, 0, 0])?;
    /// let stats = StatsFile::open(&path)?;
    /// assert!(!stats.has_grown());
    ///
    /// std::fs::OpenOptions::new().write(true).open(&path)?.set_len(4096)?;
    /// assert!(stats.has_grown());
    /// assert!(!StatsFile::open(&path)?.has_grown());
    /// # Ok(())
    /// # }
    /// ```
    pub fn has_grown(&self) -> bool {
        let (Some(path), Some(identity)) = (&self.path, self.identity) else {
            return false;
        };
        std::fs::metadata(path).is_ok_and(|meta| {
            (meta.dev(), meta.ino()) == identity && meta.len() > self.view.len() as u64
        })
    }

    /// Iterates over the fields, reading each one as it comes.
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
    /// for field in file.fields() {
    ///     let field = field?;
    ///     assert_eq!((field.label.as_str(), field.value.as_f64()), ("done", Some(2.0)));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fields(&self) -> Fields<'_> {
        Fields::new(&self.view)
    }

    /// Reads the fields one at a time into buffers the [`Cursor`] reuses:
    /// like [`fields`](StatsFile::fields), without allocating per field.
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
    /// while let Some(field) = cursor.next_field() {
    ///     let field = field?;
    ///     assert_eq!(field.label, "done"); // borrowed: no allocation per field
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cursor(&self) -> Cursor<'_> {
        Cursor::new(&self.view)
    }

    /// Reads every field.
    ///
    /// The file keeps the buffers of the last call (as large as its result,
    /// at most) to reuse in the next one.
    ///
    /// # Errors
    ///
    /// The first error met; see [`ReadError`].
    ///
    /// ```
    /// # use mmstats::{reader::StatsFile, Counter, MmStats};
    /// # #[derive(MmStats)]
    /// # #[mmstats(sys_fields = false)]
    /// # struct Stats { done: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// # stats.done.add(2);
    /// let fields = StatsFile::open(stats.path())?.read_all()?;
    /// assert_eq!(fields.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_all(&self) -> Result<Vec<Field>, ReadError> {
        // The buffers (and parsed signatures) of the last call, unless
        // another thread is using them.
        match self.scratch.try_lock() {
            Ok(mut scratch) => field::read_all(&self.view, &mut scratch),
            Err(_) => field::read_all(&self.view, &mut Scratch::default()),
        }
    }
}

/// Opens `path` for reading without blocking, so that a FIFO found where a
/// stats file was expected is reported instead of waiting for a writer.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
pub mod testing;

#[cfg(test)]
mod tests;
