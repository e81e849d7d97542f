//! Errors of creating, flushing and removing a model's file.
#![forbid(unsafe_code)]

use std::io;
use std::path::PathBuf;

/// Why a model's file could not be created, flushed or removed.
///
/// Every variant names the file (or template) it concerns, and its message
/// is complete: the system's error, when there is one, ends the message
/// (`cannot create stats file /x/a.mmstats: No such file or directory (os
/// error 2)`) and is kept in the variant's `error` field, not repeated as
/// the error's [`source`](std::error::Error::source), so a reporter that
/// walks the chain (anyhow, `std::error::Report`) prints it once, and
/// `eprintln!("{e}")` tells the whole story.
///
/// ```
/// use mmstats::{Counter, Error, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let err = Stats::options().path(dir.path().join("missing")).create().unwrap_err();
/// match &err {
///     Error::Create { path, error } => {
///         assert!(path.starts_with(dir.path()));
///         assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
///     }
///     other => panic!("{other}"),
/// }
/// // The whole story in one line: the file, then the system's error.
/// let message = err.to_string();
/// assert!(message.starts_with("cannot create stats file "), "{message}");
/// assert!(message.ends_with("No such file or directory (os error 2)"), "{message}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A `path` or `filename` template is malformed.
    #[error("bad file name template {template:?}: {reason}")]
    Template {
        /// The template as given (`$MMSTATS_FILES=...` when it came from
        /// that variable).
        template: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A label, with the runtime label prefix, does not fit the format's
    /// 16-bit length.
    #[error("label {label:?} is {len} bytes long with its prefix; labels are at most 65535 bytes")]
    LabelTooLong {
        /// The label (prefix included), cut for display.
        label: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The file could not be created, sized or mapped.
    #[error("cannot create stats file {path}: {error}")]
    Create {
        /// The file being created.
        path: PathBuf,
        /// The system's error, whose message ends this one's.
        error: io::Error,
    },
    /// Something other than a stale stats file of this user is in the way;
    /// it is left untouched.
    #[error("refusing to replace {path}: {reason}")]
    Occupied {
        /// The target name.
        path: PathBuf,
        /// What was found there.
        reason: String,
    },
    /// A live model of this process holds the file's name: two models (of
    /// different types, or created twice on one thread) were given the same
    /// file name.
    #[error(
        "refusing to replace {path}: a live writer in this process holds it; give this model \
         another name with `ModelOptions::filename(...)` (a template such as \
         `{{CMD}}-{{PID}}-{{TID}}-{{MODEL}}-2.mmstats`), and keep `{{MODEL}}` and `{{TID}}` in \
         $MMSTATS_FILES if it is set"
    )]
    InUse {
        /// The target name.
        path: PathBuf,
    },
    /// The file name, with its placeholders substituted, does not end in
    /// `.mmstats`: the tools look for `*.mmstats` files and would never
    /// find it.
    #[error(
        "bad file name template {template:?}: it gives {name:?}, which does not end in \".mmstats\"; \
         the tools (slurpstats, pollstats, cleanstats, mmash) look for *.mmstats files and would not find it"
    )]
    Extension {
        /// The template as given.
        template: String,
        /// The file name it gave.
        name: String,
    },
    /// The file could not be flushed to disk.
    #[error("cannot flush stats file {path}: {error}")]
    Flush {
        /// The file.
        path: PathBuf,
        /// The system's error, whose message ends this one's.
        error: io::Error,
    },
    /// The model came through `fork()`: its file belongs to the parent
    /// process, which this process does not remove.
    #[error("not removing stats file {path}: this process inherited it through fork(), it belongs to the parent")]
    Inherited {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be removed.
    #[error("cannot remove stats file {path}: {error}")]
    Remove {
        /// The file.
        path: PathBuf,
        /// The system's error, whose message ends this one's.
        error: io::Error,
    },
}

/// The same message as `Display`, so that a `main` returning
/// `Result<(), Error>` (which prints the error's `Debug`) prints the message,
/// not the variant's fields; match on the variant to get at them.
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
