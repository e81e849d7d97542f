//! Which files a tool reads (the paths given, directories and glob patterns
//! expanded, or the default glob), and naming them in messages.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use crate::escape::path_text;
use mmstats::reader::ReadError;

mod name_pattern;
mod walk;

pub use walk::PathPattern;

/// The file name pattern of stats files, searched in directories.
pub const STATS_FILES: &str = "*.mmstats";

/// Why some of a tool's input files could not be listed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilesError {
    /// A glob pattern is malformed.
    #[error("{pattern}: bad glob pattern: {source}")]
    BadPattern {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        #[source]
        source: glob::PatternError,
    },
    /// A directory could not be listed while expanding a pattern.
    #[error("{}: {error}", path_text(.dir))]
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// The system's error, whose message ends this one's.
        error: std::io::Error,
    },
    /// A pattern given as an argument matched no file.
    #[error("{0}: no such file")]
    NoMatch(String),
    /// A file found by listing a directory or expanding a pattern is a
    /// symbolic link: not followed, not opened (a link planted in a shared
    /// directory could name any file the tool's user may read).
    #[error("{}: a symbolic link, not followed", path_text(.0))]
    SymbolicLink(PathBuf),
    /// Expanding a pattern looked at more paths (directory entries and
    /// candidates) than [`MAX_PATHS`]: stopped there, its matches so far
    /// kept.
    #[error(
        "{}: pattern expansion stopped: more than {limit} paths looked at",
        path_text(.pattern)
    )]
    TooManyPaths {
        /// The pattern (or directory searched, its file name pattern last).
        pattern: PathBuf,
        /// The bound passed.
        limit: usize,
    },
}

/// The most paths (directory entries listed, candidates tried) that one
/// expansion of a pattern looks at before it stops with
/// [`FilesError::TooManyPaths`].
pub const MAX_PATHS: usize = 100_000;

/// The files matching `pattern`, sorted; like the shell (and Python's
/// `glob`), `*` does not match a leading dot. Names need not be UTF-8:
/// `*.mmstats` matches `caf\xe9.mmstats`.
///
/// # Errors
///
/// An error for a bad pattern, and one for each directory that could not be
/// read, in place of its files.
pub fn expand_glob(pattern: &str) -> Vec<Result<PathBuf, FilesError>> {
    match PathPattern::parse(pattern) {
        Ok(pattern) => pattern.expand(),
        Err(error) => vec![Err(error)],
    }
}

/// The files a tool given `args` reads, in order, each once.
///
/// An argument that names a directory stands for the stats files in it; one
/// that exists otherwise is taken as is (whatever it is, reading it reports
/// the problem); one that does not exist but holds glob characters is
/// expanded (and is an error if nothing matches). With no arguments, the
/// files of `default_pattern` (normally [`mmstats::default_glob`]) are read.
///
/// ```
/// use mmstats_tools::files::input_files;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("b.mmstats"), b"\x01")?;
/// std::fs::write(dir.path().join("a.mmstats"), b"\x01")?;
/// let files: Vec<_> = input_files(&[dir.path().to_owned()], String::new)
///     .into_iter()
///     .collect::<Result<_, _>>()?;
/// assert_eq!(files, [dir.path().join("a.mmstats"), dir.path().join("b.mmstats")]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn input_files(
    args: &[PathBuf],
    default_pattern: impl FnOnce() -> String,
) -> Vec<Result<PathBuf, FilesError>> {
    let mut found = Vec::new();
    if args.is_empty() {
        found.extend(expand_glob(&default_pattern()));
    }
    for arg in args {
        if arg.is_dir() {
            found.extend(PathPattern::in_dir(arg, STATS_FILES.as_ref()).expand());
        } else if arg.symlink_metadata().is_err() && has_glob_chars(arg) {
            let pattern = arg.to_string_lossy();
            let matches = expand_glob(&pattern);
            if matches.is_empty() {
                found.push(Err(FilesError::NoMatch(pattern.into_owned())));
            }
            found.extend(matches);
        } else {
            found.push(Ok(arg.clone()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|item| match item {
        Ok(path) => seen.insert(path.clone()),
        Err(_) => true,
    });
    found
}

/// Where a tool given `args` looked for stats files, for the message that
/// it found none: the arguments (then directories without stats files, as
/// any other argument gives a file or an error), or without any the
/// default pattern. Control characters are left for the message's
/// printer to escape.
///
/// ```
/// use std::path::PathBuf;
/// use mmstats_tools::files::searched;
///
/// let args = [PathBuf::from("/run/a"), PathBuf::from("/run/b")];
/// assert_eq!(searched(&args, String::new), "/run/a, /run/b");
/// assert_eq!(searched(&[], || "/tmp/*.mmstats".to_owned()), "/tmp/*.mmstats");
/// ```
pub fn searched(args: &[PathBuf], default_pattern: impl FnOnce() -> String) -> String {
    if args.is_empty() {
        return default_pattern();
    }
    let names: Vec<_> = args.iter().map(|arg| path_text(arg)).collect();
    names.join(", ")
}

fn has_glob_chars(path: &Path) -> bool {
    path.to_str().is_some_and(|s| s.contains(['*', '?', '[']))
}

/// The message of a read error, naming the file (its name as
/// [`path_text`] shows it) if the error does not already (errors about a
/// file's content name only the offset).
///
/// A file that is not an mmstats file at all is not quoted: the message
/// says so without the byte found, so that a tool run on a file it may
/// read but its user may not (a link planted in a shared directory, a
/// server's error page) shows nothing of the file.
///
/// ```
/// use std::path::Path;
/// use mmstats::reader::StatsFile;
/// use mmstats_tools::files::describe;
///
/// // A label said to be 5 bytes long, with 1 byte left in the file.
/// let mut bytes = vec![1u8];
/// bytes.extend(5u16.to_ne_bytes());
/// bytes.push(b'a');
/// let file = StatsFile::from_bytes(bytes)?;
/// let error = file.fields().next().unwrap().unwrap_err();
/// assert_eq!(
///     describe(Path::new("/tmp/a.mmstats"), &error),
///     "/tmp/a.mmstats: field at offset 1: truncated label at offset 3: \
///      needs 5 bytes, the file has 1 left"
/// );
///
/// let error = StatsFile::from_bytes(*b"root:x:0:0").unwrap_err();
/// assert_eq!(
///     describe(Path::new("/tmp/b.mmstats"), &error),
///     "/tmp/b.mmstats: not an mmstats file (bad version byte)"
/// );
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
pub fn describe(path: &Path, error: &ReadError) -> String {
    let named = error.path().unwrap_or(path);
    format!("{}: {}", path_text(named), reason(error))
}

/// What [`describe`] says of `error`, without the file's name.
///
/// ```
/// use mmstats::reader::StatsFile;
/// use mmstats_tools::files::reason;
///
/// let error = StatsFile::from_bytes(*b"secret").unwrap_err();
/// assert_eq!(reason(&error), "not an mmstats file (bad version byte)");
/// ```
pub fn reason(error: &ReadError) -> String {
    match error {
        ReadError::Io { action, error, .. } => format!("cannot {action}: {error}"),
        ReadError::NotAFile { .. } => "not a regular file".to_owned(),
        ReadError::Empty { .. } => "empty file, not an mmstats file".to_owned(),
        ReadError::BadVersion { .. } => "not an mmstats file (bad version byte)".to_owned(),
        // Without the path its message may start with: the caller names
        // the file.
        error => {
            let message = error.to_string();
            error
                .path()
                .and_then(|path| message.strip_prefix(&format!("{}: ", path.display())))
                .map_or_else(|| message.clone(), str::to_owned)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(items: Vec<Result<PathBuf, FilesError>>) -> Vec<PathBuf> {
        items.into_iter().map(|i| i.unwrap()).collect()
    }

    #[test]
    fn non_utf8_names_are_listed() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join(OsStr::from_bytes(b"d\xff"));
        std::fs::create_dir(&bad).unwrap();
        let cafe = bad.join(OsStr::from_bytes(b"caf\xe9.mmstats"));
        std::fs::write(&cafe, b"\x01").unwrap();
        std::fs::write(bad.join(OsStr::from_bytes(b"\xff")), b"").unwrap();
        let never = || -> String { panic!("no default with arguments") };
        assert_eq!(
            ok(input_files(std::slice::from_ref(&bad), never)),
            std::slice::from_ref(&cafe)
        );
        let pattern = format!("{}/*", glob::Pattern::escape(dir.path().to_str().unwrap()));
        assert_eq!(ok(input_files(&[], || pattern)), [bad]);
        let pattern = format!(
            "{}/*/*.mmstats",
            glob::Pattern::escape(dir.path().to_str().unwrap())
        );
        assert_eq!(ok(input_files(&[], || pattern)), [cafe]);
    }

    #[test]
    fn arguments_expand_directories_and_patterns() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in ["b.mmstats", "a.mmstats", ".hidden.mmstats", "c.txt"] {
            std::fs::write(d.join(name), b"\x01").unwrap();
        }
        let sub = d.join("we[ird]");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x.mmstats"), b"\x01").unwrap();

        let never = || -> String { panic!("no default with arguments") };
        assert_eq!(
            ok(input_files(&[d.to_owned()], never)),
            [d.join("a.mmstats"), d.join("b.mmstats")]
        );
        assert_eq!(
            ok(input_files(std::slice::from_ref(&sub), never)),
            [sub.join("x.mmstats")]
        );
        assert_eq!(
            ok(input_files(
                &[d.join("c.txt"), d.join("missing"), d.join("c.txt")],
                never
            )),
            [d.join("c.txt"), d.join("missing")]
        );
        assert_eq!(
            ok(input_files(&[d.join("?.txt")], never)),
            [d.join("c.txt")]
        );
        let none = input_files(&[d.join("*.nothing")], never);
        assert!(matches!(&none[..], [Err(FilesError::NoMatch(_))]));

        let pattern = format!("{}/*.mmstats", glob::Pattern::escape(d.to_str().unwrap()));
        assert_eq!(
            ok(input_files(&[], || pattern)),
            [d.join("a.mmstats"), d.join("b.mmstats")]
        );
        let bad = input_files(&[], || "[".to_owned());
        assert!(matches!(&bad[..], [Err(FilesError::BadPattern { .. })]));
    }
}
