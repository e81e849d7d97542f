//! The files `mmash` serves: which they are (looked up again for each
//! request) and reading them, one field at a time, into a [`Visitor`].
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::request_glob::{self, GlobRejected};
use crate::reader::{FieldRef, ReadError, StatsFile};
use crate::tools::files::{expand_glob, FilesError};

/// What a request reads the files into.
pub trait Visitor {
    /// Reads one file, normally its fields through
    /// [`StatsFile::cursor`]. A file that fails part way must leave no
    /// trace: return the error having dropped whatever was kept of the
    /// file, so that a response never shows half a file.
    ///
    /// # Errors
    ///
    /// The [`ReadError`] that stopped the reading.
    fn file(&mut self, path: &Path, file: &StatsFile) -> Result<(), ReadError>;

    /// The file (or directory searched for files) `file` could not be read,
    /// for the reason `error`, which names it. Nothing by default.
    fn failed(&mut self, file: &str, error: &str) {
        let _ = (file, error);
    }
}

/// The stats files `mmash` serves and the count of the reads that failed
/// since it started.
#[derive(Debug)]
pub struct Source {
    globs: Vec<String>,
    stats_dir: PathBuf,
    read_errors: AtomicU64,
}

impl Source {
    /// Serves the files matching `globs`; `?glob=` patterns of requests
    /// are relative to `stats_dir`.
    pub fn new(globs: Vec<String>, stats_dir: PathBuf) -> Source {
        Source {
            globs,
            stats_dir,
            read_errors: AtomicU64::new(0),
        }
    }

    /// The glob patterns served.
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    /// The directory that requests' patterns are relative to.
    pub fn stats_dir(&self) -> &Path {
        &self.stats_dir
    }

    /// How many times a file (or a directory searched for files) could not
    /// be read since this source was made.
    pub fn read_errors(&self) -> u64 {
        self.read_errors.load(Ordering::Relaxed)
    }

    /// The files matching the served patterns now, in pattern order, each
    /// once; each directory that could not be searched is an error in place
    /// of its files.
    pub fn files(&self) -> Vec<Result<PathBuf, FilesError>> {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for pattern in &self.globs {
            for item in expand_glob(pattern) {
                match item {
                    Ok(path) if !seen.insert(path.clone()) => {}
                    item => found.push(item),
                }
            }
        }
        found
    }

    /// The files matching a request's `pattern`, relative to the stats
    /// directory, or the served files if it is empty (as Python's mmash
    /// did).
    ///
    /// # Errors
    ///
    /// A pattern that is absolute, that could climb out of the stats
    /// directory, or that is malformed; see [`request_glob::resolve`].
    pub fn files_matching(
        &self,
        pattern: &str,
    ) -> Result<Vec<Result<PathBuf, FilesError>>, GlobRejected> {
        if pattern.is_empty() {
            return Ok(self.files());
        }
        let full = request_glob::resolve(&self.stats_dir, pattern)?;
        let inside = request_glob::Containment::new(&self.stats_dir);
        Ok(expand_glob(&full)
            .into_iter()
            .filter(|item| match item {
                Ok(path) => inside.holds(path),
                Err(_) => true,
            })
            .collect())
    }

    /// Reads `files` into `visitor`, one after the other; counts each one
    /// that fails.
    pub fn read(&self, files: Vec<Result<PathBuf, FilesError>>, visitor: &mut impl Visitor) {
        for item in files {
            let path = match item {
                Ok(path) => path,
                Err(error) => {
                    self.count_error();
                    visitor.failed(&failed_file(&error), &error.to_string());
                    continue;
                }
            };
            let read = StatsFile::open(&path).and_then(|file| visitor.file(&path, &file));
            if let Err(error) = read {
                self.count_error();
                visitor.failed(
                    &path.to_string_lossy(),
                    &crate::tools::describe(&path, &error),
                );
            }
        }
    }

    fn count_error(&self) {
        self.read_errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Calls `each` with every field of `file`, in file order, up to the
/// first error.
///
/// # Errors
///
/// The [`ReadError`] of the field that could not be read.
pub fn for_each_field(
    file: &StatsFile,
    mut each: impl FnMut(&FieldRef<'_>),
) -> Result<(), ReadError> {
    let mut cursor = file.cursor();
    while let Some(field) = cursor.next_field() {
        each(&field?);
    }
    Ok(())
}

/// The file (or directory) a listing error is about.
fn failed_file(error: &FilesError) -> String {
    match error {
        FilesError::Glob(e) => e.path().to_string_lossy().into_owned(),
        FilesError::BadPattern { pattern, .. } | FilesError::NoMatch(pattern) => pattern.clone(),
        FilesError::NotUtf8(name) => name.to_string_lossy().into_owned(),
        // A kind of error added later: the message names what it is about.
        #[allow(unreachable_patterns)]
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Labels {
        kept: Vec<String>,
        failed: Vec<(String, String)>,
    }

    impl Visitor for Labels {
        fn file(&mut self, _: &Path, file: &StatsFile) -> Result<(), ReadError> {
            let mut labels = Vec::new();
            for_each_field(file, |field| labels.push(field.label.to_owned()))?;
            self.kept.append(&mut labels);
            Ok(())
        }
        fn failed(&mut self, file: &str, error: &str) {
            self.failed.push((file.to_owned(), error.to_owned()));
        }
    }

    #[test]
    fn a_file_failing_half_way_is_dropped_whole_and_counted() {
        use crate::reader::testing::FileBuilder;

        let dir = tempfile::tempdir().unwrap();
        let mut good = FileBuilder::new();
        good.unbuffered("a", "B", &[1]);
        std::fs::write(dir.path().join("a.mmstats"), good.finish(4096)).unwrap();
        // One good field, then a write_buffer byte of 7.
        let mut bad = FileBuilder::new();
        bad.unbuffered("x", "B", &[9]);
        bad.raw(b"y", b"B", 7, &[0, 0]);
        let bad = bad.finish(4096);
        std::fs::write(dir.path().join("b.mmstats"), bad).unwrap();

        let pattern = format!(
            "{}/*.mmstats",
            glob::Pattern::escape(dir.path().to_str().unwrap())
        );
        let source = Source::new(vec![pattern.clone(), pattern], dir.path().to_owned());
        let mut labels = Labels::default();
        source.read(source.files(), &mut labels);
        assert_eq!(labels.kept, ["a"]);
        assert_eq!(labels.failed.len(), 1);
        let (file, error) = &labels.failed[0];
        assert!(file.ends_with("b.mmstats"), "{file}");
        assert!(error.starts_with(file.as_str()), "{error}");
        assert!(error.contains("write_buffer 7"), "{error}");
        assert_eq!(source.read_errors(), 1);

        let mut labels = Labels::default();
        source.read(source.files_matching("a*").unwrap(), &mut labels);
        assert_eq!(labels.kept, ["a"]);
        assert!(source.files_matching("../*").is_err());
    }
}
