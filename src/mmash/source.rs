//! The files `mmash` serves: which they are (looked up again for each
//! request) and reading them, one field at a time, into a [`Visitor`].
#![forbid(unsafe_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::confined;
use super::field_budget::{Bounded, FieldBudget, FieldLimits};
use super::request_glob::{self, GlobRejected};
use crate::escape::path_text;
use crate::files::{expand_glob, FilesError, PathPattern};
use mmstats::reader::{ReadError, StatsFile};

/// What a request reads the files into.
pub trait Visitor {
    /// Reads one file, normally its fields through
    /// [`for_each_field`](super::field_budget::for_each_field), which
    /// keeps the answer's bounds on fields. A file that fails part way
    /// must leave no trace: return the error having dropped whatever was
    /// kept of the file, so that a response never shows half a file.
    ///
    /// # Errors
    ///
    /// The [`ReadError`] that stopped the reading.
    fn file(&mut self, path: &Path, file: &Bounded<'_>) -> Result<(), ReadError>;

    /// The file (or directory searched for files) `file` could not be read,
    /// for the reason `error`, which names it. Nothing by default.
    fn failed(&mut self, file: &str, error: &str) {
        let _ = (file, error);
    }
}

/// The stats files `mmash` serves, the bounds on the fields of one answer,
/// and the counts of the files that `/metrics` could not read and of the
/// fields it left out since it started.
#[derive(Debug)]
pub struct Source {
    globs: Vec<String>,
    /// Where request patterns apply; `None` refuses them.
    stats_dir: Option<PathBuf>,
    /// The directories files are read from, no link followed below them:
    /// the served patterns' and the stats directory.
    roots: Vec<PathBuf>,
    field_limits: FieldLimits,
    metrics_read_errors: AtomicU64,
    metrics_dropped_fields: AtomicU64,
}

/// What reading the files for one answer left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The fields past the answer's bounds.
    pub dropped_fields: u64,
}

impl Source {
    /// Serves the files matching `globs`; `?glob=` patterns of requests
    /// are relative to `stats_dir`, and refused if it is `None`.
    pub fn new(globs: Vec<String>, stats_dir: Option<PathBuf>) -> Source {
        let roots = globs
            .iter()
            .filter_map(|glob| PathPattern::parse(glob).ok())
            .map(|pattern| pattern.root())
            .chain(stats_dir.clone())
            .collect();
        Source {
            globs,
            stats_dir,
            roots,
            field_limits: FieldLimits::default(),
            metrics_read_errors: AtomicU64::new(0),
            metrics_dropped_fields: AtomicU64::new(0),
        }
    }

    /// The same source, serving at most `limits` fields per answer.
    pub fn with_field_limits(mut self, limits: FieldLimits) -> Source {
        self.field_limits = limits;
        self
    }

    /// Adds the fields one `/metrics` answer left out to the count of them
    /// since this source was made; returns the new count.
    pub fn add_metrics_dropped_fields(&self, dropped: u64) -> u64 {
        self.metrics_dropped_fields
            .fetch_add(dropped, Ordering::Relaxed)
            .wrapping_add(dropped)
    }

    /// Adds the `failed` reads of one `/metrics` answer to the count of
    /// them since this source was made; returns the new count.
    pub fn add_metrics_read_errors(&self, failed: u64) -> u64 {
        self.metrics_read_errors
            .fetch_add(failed, Ordering::Relaxed)
            .wrapping_add(failed)
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
    /// directory, or that is malformed (see [`request_glob::resolve`]);
    /// any pattern if there is no stats directory.
    pub fn files_matching(
        &self,
        pattern: &str,
    ) -> Result<Vec<Result<PathBuf, FilesError>>, GlobRejected> {
        if pattern.is_empty() {
            return Ok(self.files());
        }
        let Some(stats_dir) = &self.stats_dir else {
            return Err(GlobRejected::NoStatsDir(pattern.to_owned()));
        };
        let full = request_glob::resolve(stats_dir, pattern)?;
        // What a pattern finds beyond a link is refused when it is read.
        Ok(expand_glob(&full))
    }

    /// Reads `files` into `visitor`, one after the other, within the
    /// bounds on fields of one answer, each opened as [`confined::open`]
    /// says (a regular file in a served directory, reached without a
    /// symbolic link) or refused. A file whose value kept changing while
    /// it was read is read once more before it counts as failed, so that
    /// a busy writer does not make its series vanish from an answer.
    ///
    /// Each file (device and inode) is read once per answer: another name
    /// of a file already read (a hard link) is skipped silently, neither
    /// read nor counted as failed, so that links to one large file do not
    /// multiply the work of an answer.
    pub fn read(
        &self,
        files: Vec<Result<PathBuf, FilesError>>,
        visitor: &mut impl Visitor,
    ) -> Summary {
        let budget = FieldBudget::new(self.field_limits);
        let mut read_files = HashSet::new();
        for item in files {
            let path = match item {
                Ok(path) => path,
                // Refused as `confined` refuses a link, in the same words.
                Err(FilesError::SymbolicLink(path)) => {
                    let refused = confined::OpenRefused::Link(path.clone());
                    visitor.failed(&path_text(&path), &refused.to_string());
                    continue;
                }
                Err(error) => {
                    visitor.failed(&failed_file(&error), &error.to_string());
                    continue;
                }
            };
            let opened = match confined::open(&self.roots, &path) {
                Ok(opened) => opened,
                Err(refused) => {
                    visitor.failed(&path_text(&path), &refused.to_string());
                    continue;
                }
            };
            if let Ok(meta) = opened.metadata() {
                use std::os::unix::fs::MetadataExt;
                if !read_files.insert((meta.dev(), meta.ino())) {
                    continue;
                }
            }
            let before = budget.spent();
            let read = StatsFile::from_file(opened, &path).and_then(|file| {
                match visitor.file(&path, &Bounded::new(&file, &budget)) {
                    // The visitor kept nothing of the failed reading.
                    Err(ReadError::KeptChanging { .. }) => {
                        budget.restore(before);
                        visitor.file(&path, &Bounded::new(&file, &budget))
                    }
                    read => read,
                }
            });
            if let Err(error) = read {
                budget.restore(before);
                visitor.failed(&path_text(&path), &crate::files::describe(&path, &error));
            }
        }
        Summary {
            dropped_fields: budget.dropped(),
        }
    }
}

/// The file (or directory) a listing error is about.
fn failed_file(error: &FilesError) -> String {
    match error {
        FilesError::ReadDir { dir, .. } => path_text(dir).into_owned(),
        FilesError::BadPattern { pattern, .. } | FilesError::NoMatch(pattern) => pattern.clone(),
        FilesError::SymbolicLink(path) | FilesError::TooManyPaths { pattern: path, .. } => {
            path_text(path).into_owned()
        }
        // A kind of error added later: the message names what it is about.
        #[allow(unreachable_patterns)]
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmash::field_budget::for_each_field;

    #[derive(Default)]
    struct Labels {
        kept: Vec<String>,
        failed: Vec<(String, String)>,
    }

    impl Visitor for Labels {
        fn file(&mut self, _: &Path, file: &Bounded<'_>) -> Result<(), ReadError> {
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
    fn a_value_that_kept_changing_is_read_again_once() {
        use mmstats::reader::testing::FileBuilder;

        /// Fails with `KeptChanging` the first `fail` times.
        struct Busy {
            fail: usize,
            tries: usize,
            failed: usize,
        }
        impl Visitor for Busy {
            fn file(&mut self, _: &Path, _: &Bounded<'_>) -> Result<(), ReadError> {
                self.tries += 1;
                if self.tries <= self.fail {
                    return Err(ReadError::KeptChanging {
                        field: 1,
                        offset: 8,
                        attempts: 3,
                    });
                }
                Ok(())
            }
            fn failed(&mut self, _: &str, _: &str) {
                self.failed += 1;
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let mut good = FileBuilder::new();
        good.unbuffered("a", "B", &[1]);
        let path = dir.path().join("a.mmstats");
        std::fs::write(&path, good.finish(4096)).unwrap();
        let source = Source::new(Vec::new(), Some(dir.path().to_owned()));
        for (fail, tries, failed) in [(0, 1, 0), (1, 2, 0), (2, 2, 1)] {
            let mut busy = Busy {
                fail,
                tries: 0,
                failed: 0,
            };
            source.read(vec![Ok(path.clone())], &mut busy);
            assert_eq!((busy.tries, busy.failed), (tries, failed), "{fail}");
        }
    }

    #[test]
    fn no_stats_dir_refuses_request_patterns() {
        let source = Source::new(vec!["/nowhere/*".to_owned()], None);
        let err = source.files_matching("*").unwrap_err().to_string();
        assert!(err.contains("--path"), "{err}");
        assert!(source.files_matching("").is_ok());
    }

    #[test]
    fn a_file_failing_half_way_is_dropped_whole() {
        use mmstats::reader::testing::FileBuilder;

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
        let source = Source::new(vec![pattern.clone(), pattern], Some(dir.path().to_owned()));
        let mut labels = Labels::default();
        source.read(source.files(), &mut labels);
        assert_eq!(labels.kept, ["a"]);
        assert_eq!(labels.failed.len(), 1);
        let (file, error) = &labels.failed[0];
        assert!(file.ends_with("b.mmstats"), "{file}");
        assert!(error.starts_with(file.as_str()), "{error}");
        assert!(error.contains("write_buffer 7"), "{error}");

        let mut labels = Labels::default();
        source.read(source.files_matching("a*").unwrap(), &mut labels);
        assert_eq!(labels.kept, ["a"]);
        assert!(source.files_matching("../*").is_err());
    }
}
