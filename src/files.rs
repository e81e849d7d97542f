//! Which files a tool reads (the paths given, directories and glob patterns
//! expanded, or the default glob), and naming them in messages.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};
use mmstats::reader::ReadError;

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
    /// A path or environment variable that must become a glob pattern is
    /// not valid UTF-8.
    #[error("{}: not valid UTF-8, cannot be searched", .0.to_string_lossy())]
    NotUtf8(OsString),
    /// A directory could not be read while expanding a pattern.
    #[error("{}: {}", .0.path().display(), .0.error())]
    Glob(#[from] glob::GlobError),
    /// A pattern given as an argument matched no file.
    #[error("{0}: no such file")]
    NoMatch(String),
}

/// The pattern of the stats files in `dir`, its name escaped.
fn dir_glob(dir: &Path) -> Result<String, FilesError> {
    let Some(name) = dir.to_str() else {
        return Err(FilesError::NotUtf8(dir.as_os_str().to_owned()));
    };
    if name.is_empty() {
        return Ok(STATS_FILES.to_owned());
    }
    let escaped = Pattern::escape(name);
    Ok(if escaped.ends_with('/') {
        format!("{escaped}{STATS_FILES}")
    } else {
        format!("{escaped}/{STATS_FILES}")
    })
}

/// The files matching `pattern`, sorted; like the shell (and Python's
/// `glob`), `*` does not match a leading dot.
///
/// # Errors
///
/// An error for a bad pattern, and one for each directory that could not be
/// read, in place of its files.
pub fn expand_glob(pattern: &str) -> Vec<Result<PathBuf, FilesError>> {
    let options = MatchOptions {
        require_literal_leading_dot: true,
        ..MatchOptions::new()
    };
    match glob::glob_with(pattern, options) {
        Ok(paths) => paths.map(|p| p.map_err(FilesError::from)).collect(),
        Err(source) => vec![Err(FilesError::BadPattern {
            pattern: pattern.to_owned(),
            source,
        })],
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
            match dir_glob(arg) {
                Ok(pattern) => found.extend(expand_glob(&pattern)),
                Err(err) => found.push(Err(err)),
            }
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
    let names: Vec<String> = args.iter().map(|arg| arg.display().to_string()).collect();
    names.join(", ")
}

fn has_glob_chars(path: &Path) -> bool {
    path.to_str().is_some_and(|s| s.contains(['*', '?', '[']))
}

/// The message of a read error, naming the file if it does not already
/// (errors about a file's content name only the offset).
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
/// # Ok::<(), mmstats::reader::ReadError>(())
/// ```
pub fn describe(path: &Path, error: &ReadError) -> String {
    if error.path().is_some() {
        error.to_string()
    } else {
        format!("{}: {error}", path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(items: Vec<Result<PathBuf, FilesError>>) -> Vec<PathBuf> {
        items.into_iter().map(|i| i.unwrap()).collect()
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_directories_cannot_be_searched() {
        use std::os::unix::ffi::OsStringExt;
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join(OsString::from_vec(vec![b'd', 0xff]));
        std::fs::create_dir(&bad).unwrap();
        let found = input_files(&[bad], String::new);
        assert!(matches!(&found[..], [Err(FilesError::NotUtf8(_))]));
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

        let pattern = format!("{}/*.mmstats", Pattern::escape(d.to_str().unwrap()));
        assert_eq!(
            ok(input_files(&[], || pattern)),
            [d.join("a.mmstats"), d.join("b.mmstats")]
        );
        let bad = input_files(&[], || "[".to_owned());
        assert!(matches!(&bad[..], [Err(FilesError::BadPattern { .. })]));
    }
}
