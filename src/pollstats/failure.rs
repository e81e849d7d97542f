//! A file that could not be opened or read, and telling when it changed
//! enough to be worth trying again.
#![forbid(unsafe_code)]

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use mmstats::reader::ReadError;

use crate::files::describe;

/// What `stat` says of a path, as far as it tells whether the file there
/// changed: another file, another size, or written or touched since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

/// How long a file must have gone unwritten for a failure to read it to
/// be taken as lasting: one written just now may be half-built (Python's
/// writer fills a new file in place).
const SETTLED: Duration = Duration::from_secs(2);

impl Stamp {
    /// The stamp of the path, if it can be inspected.
    pub(super) fn of(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|meta| Stamp::from(&meta))
    }

    /// The stamp of the path, if it can be inspected and was last written
    /// at least [`SETTLED`] ago.
    pub(super) fn settled(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        let written = meta.modified().ok()?;
        let age = SystemTime::now().duration_since(written).ok()?;
        (age >= SETTLED).then(|| Stamp::from(&meta))
    }
}

impl From<&std::fs::Metadata> for Stamp {
    fn from(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Why a path could not be opened or read.
#[derive(Debug)]
pub(super) struct Failure {
    /// The message, naming the file, so that it is noted once.
    pub(super) message: String,
    /// What the path was when it failed, if only a change can mend it (a
    /// file that is not a stats file, or a field that does not parse, in
    /// a file not written for a while): it is opened and read again only
    /// once the path's [`Stamp`] differs, rather than parsed again at
    /// every listing. `None` for failures that may pass on their own (a
    /// value that kept changing, a file that shrank while it was read, a
    /// file written just now, a path that could not be inspected): the
    /// path is tried again at every listing.
    pub(super) stamp: Option<Stamp>,
    /// Whether the failure may pass by itself soon: the file shrank or a
    /// value kept changing while it was read, or it was written just now
    /// (it may be half-built, or cut short and about to be filled again).
    /// Until it is polled, such a file keeps `pollstats` from giving up.
    pub(super) passing: bool,
}

impl Failure {
    /// The failure `error` of the file at `path`, whose
    /// [settled](Stamp::settled) stamp before it was read was `stamp`.
    pub(super) fn new(path: &Path, error: &ReadError, stamp: Option<Stamp>) -> Failure {
        let caught = matches!(
            error,
            ReadError::KeptChanging { .. } | ReadError::Shrunk { .. }
        );
        let stamp = stamp.filter(|_| !caught);
        // What was read is not what the file will hold once its writer is
        // done with it; a file that could not be opened is not being
        // written.
        let fresh =
            stamp.is_none() && !matches!(error, ReadError::Io { .. } | ReadError::NotAFile { .. });
        Failure {
            message: describe(path, error),
            stamp,
            passing: caught || fresh,
        }
    }

    /// Whether the path changed since it failed, so that it may read now.
    pub(super) fn may_have_passed(&self, path: &Path) -> bool {
        self.stamp
            .is_none_or(|stamp| Stamp::of(path) != Some(stamp))
    }
}
