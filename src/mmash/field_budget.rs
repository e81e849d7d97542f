//! How many fields one answer serves.
//!
//! A stats file may hold millions of fields (a 16 MB file of one-byte
//! fields holds about 1.1 million), and an answer that served them all
//! would cost hundreds of megabytes and seconds per request. So each
//! answer serves at most [`FieldLimits::per_file`] fields of one file and
//! [`FieldLimits::per_answer`] fields in all; the fields left out are
//! counted, never silently lost: `/metrics` adds them to
//! `mmstats_fields_dropped_total`, and `/api/snapshot` lists each file
//! cut short among its errors.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::ops::Deref;

use mmstats::reader::{FieldRef, ReadError, StatsFile};

/// The default [`FieldLimits::per_file`].
pub const DEFAULT_PER_FILE: usize = 100_000;

/// The default [`FieldLimits::per_answer`].
pub const DEFAULT_PER_ANSWER: usize = 500_000;

/// The bounds on the fields of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldLimits {
    /// The most fields of one file an answer serves.
    pub per_file: usize,
    /// The most fields an answer serves in all.
    pub per_answer: usize,
}

impl Default for FieldLimits {
    fn default() -> Self {
        FieldLimits {
            per_file: DEFAULT_PER_FILE,
            per_answer: DEFAULT_PER_ANSWER,
        }
    }
}

/// The fields one answer may still serve, and those it left out.
#[derive(Debug)]
pub struct FieldBudget {
    limits: FieldLimits,
    served: Cell<usize>,
    dropped: Cell<u64>,
}

/// What a budget had spent at some point, to go back to.
#[derive(Clone, Copy, Debug)]
pub struct Spent {
    served: usize,
    dropped: u64,
}

impl FieldBudget {
    /// A budget for one answer.
    pub fn new(limits: FieldLimits) -> FieldBudget {
        FieldBudget {
            limits,
            served: Cell::new(0),
            dropped: Cell::new(0),
        }
    }

    /// The fields left out so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.get()
    }

    /// What is spent now.
    pub fn spent(&self) -> Spent {
        Spent {
            served: self.served.get(),
            dropped: self.dropped.get(),
        }
    }

    /// Goes back to `spent`, as if nothing had been read since: for a file
    /// whose reading failed and left nothing in the answer.
    pub fn restore(&self, spent: Spent) {
        self.served.set(spent.served);
        self.dropped.set(spent.dropped);
    }
}

/// A file being read into an answer within a [`FieldBudget`]; derefs to
/// the [`StatsFile`].
#[derive(Debug)]
pub struct Bounded<'a> {
    file: &'a StatsFile,
    budget: &'a FieldBudget,
    dropped_here: Cell<u64>,
}

impl<'a> Bounded<'a> {
    /// `file`, read within `budget`.
    pub fn new(file: &'a StatsFile, budget: &'a FieldBudget) -> Bounded<'a> {
        Bounded {
            file,
            budget,
            dropped_here: Cell::new(0),
        }
    }

    /// The fields of this file the last [`for_each_field`] left out.
    pub fn dropped(&self) -> u64 {
        self.dropped_here.get()
    }

    /// The limits of the answer.
    pub fn limits(&self) -> FieldLimits {
        self.budget.limits
    }
}

impl Deref for Bounded<'_> {
    type Target = StatsFile;

    fn deref(&self) -> &StatsFile {
        self.file
    }
}

/// Calls `each` with the fields of `file`, in file order, as many as the
/// budget allows; the rest are read (a damaged one still fails the file)
/// and counted as left out.
///
/// # Errors
///
/// The [`ReadError`] of the field that could not be read.
pub fn for_each_field(
    file: &Bounded<'_>,
    mut each: impl FnMut(&FieldRef<'_>),
) -> Result<(), ReadError> {
    let budget = file.budget;
    let left = budget.limits.per_answer.saturating_sub(budget.served.get());
    let allowed = budget.limits.per_file.min(left);
    let mut served = 0;
    let mut dropped = 0u64;
    let mut cursor = file.file.cursor();
    while let Some(field) = cursor.next_field() {
        let field = field?;
        if served < allowed {
            each(&field);
            served += 1;
        } else {
            dropped += 1;
        }
    }
    budget.served.set(budget.served.get() + served);
    budget.dropped.set(budget.dropped.get() + dropped);
    file.dropped_here.set(dropped);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmstats::reader::testing::FileBuilder;

    fn file_of(dir: &std::path::Path, name: &str, fields: usize) -> StatsFile {
        let mut builder = FileBuilder::new();
        for i in 0..fields {
            builder.unbuffered(&format!("f{i}"), "B", &[1]);
        }
        let path = dir.join(name);
        std::fs::write(&path, builder.finish(4096)).unwrap();
        StatsFile::open(&path).unwrap()
    }

    fn labels(file: &Bounded<'_>) -> Vec<String> {
        let mut labels = Vec::new();
        for_each_field(file, |f| labels.push(f.label.to_owned())).unwrap();
        labels
    }

    #[test]
    fn fields_past_the_bounds_are_counted_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let a = file_of(dir.path(), "a.mmstats", 5);
        let b = file_of(dir.path(), "b.mmstats", 5);
        let budget = FieldBudget::new(FieldLimits {
            per_file: 3,
            per_answer: 4,
        });
        let first = Bounded::new(&a, &budget);
        assert_eq!(labels(&first), ["f0", "f1", "f2"]);
        assert_eq!(first.dropped(), 2);
        let second = Bounded::new(&b, &budget);
        assert_eq!(labels(&second), ["f0"]);
        assert_eq!(second.dropped(), 4);
        assert_eq!(budget.dropped(), 6);
    }

    #[test]
    fn a_restored_budget_forgets_a_failed_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = file_of(dir.path(), "a.mmstats", 5);
        let budget = FieldBudget::new(FieldLimits {
            per_file: 2,
            per_answer: 4,
        });
        let before = budget.spent();
        labels(&Bounded::new(&a, &budget));
        assert_eq!(budget.dropped(), 3);
        budget.restore(before);
        assert_eq!(budget.dropped(), 0);
        assert_eq!(labels(&Bounded::new(&a, &budget)), ["f0", "f1"]);
    }
}
