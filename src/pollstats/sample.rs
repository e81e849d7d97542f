//! Reading a polled file's values at each interval, and keeping those of
//! the read before for the change of its counters.
#![forbid(unsafe_code)]

use std::time::Instant;

use mmstats::reader::{Cursor, ReadError, StatsFile, ValueRef};

use super::columns::Column;
use crate::escape::push_escaped;
use crate::number::Number;

/// A field's value in one file at one read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Sample {
    /// Not in the file, or not read yet.
    Missing,
    Num(Number),
    Bool(bool),
    /// A string, in [`Polled::texts`].
    Text,
}

impl Sample {
    pub(super) fn num(self) -> Option<Number> {
        match self {
            Sample::Num(n) => Some(n),
            Sample::Bool(b) => Number::of(ValueRef::Bool(b)),
            Sample::Missing | Sample::Text => None,
        }
    }
}

/// A file being polled: kept open (mapped) from one read to the next.
#[derive(Debug)]
pub(super) struct Polled {
    pub(super) file: StatsFile,
    /// The path, escaped for printing.
    pub(super) name: String,
    /// How many columns the file has a field for: reading it stops there.
    pub(super) has: usize,
    /// How many times it was read whole.
    pub(super) reads: u64,
    /// The values of the columns at the last whole read, and when it was.
    pub(super) now: Vec<Sample>,
    pub(super) now_at: Instant,
    /// The same for the whole read before it: counters show the change
    /// since, per second of the time between the two.
    pub(super) before: Vec<Sample>,
    pub(super) before_at: Instant,
    /// The strings of the last whole read, escaped, by column.
    pub(super) texts: Vec<String>,
    /// The strings of the read under way: they replace `texts` only if it
    /// reads the file whole.
    pub(super) next_texts: Vec<String>,
    /// How many reads in a row have failed since the last whole one: while
    /// any has, the file shows no values, but keeps those of its last whole
    /// read for the change of its counters.
    pub(super) missed: u32,
    /// Whether a read found the file shrunk: it is opened again at the
    /// next listing.
    pub(super) shrunk: bool,
}

/// After this many reads in a row that failed with a value that kept
/// changing, the failure is noted (once): it looks stuck rather than
/// caught in the middle of a write.
pub(super) const MISSED_NOTE: u32 = 5;

impl Polled {
    /// Reads the file's values of `columns`, stopping once all it has are
    /// read, and notes when. A value that kept changing while it was read
    /// (a writer in the middle of writing it, as the reader tried and
    /// tried again) gets one more try, from the first field.
    ///
    /// A failed read leaves the values of the last whole one as they were,
    /// but counts as missed: see [`Polled::missed`].
    pub(super) fn read(&mut self, columns: &[Column]) -> Result<(), ReadError> {
        let Polled {
            file,
            has,
            before,
            next_texts,
            ..
        } = self;
        // The values of the read before last are not needed any more:
        // read into their place.
        let mut cursor = file.cursor();
        let mut read = read_values(&mut cursor, columns, *has, before, next_texts);
        if let Err(ReadError::KeptChanging { .. }) = read {
            cursor.rewind();
            read = read_values(&mut cursor, columns, *has, before, next_texts);
        }
        if let Err(e) = read {
            self.missed = self.missed.saturating_add(1);
            return Err(e);
        }
        // Right after the read, for the rates of its counters.
        let at = Instant::now();
        std::mem::swap(&mut self.now, &mut self.before);
        std::mem::swap(&mut self.texts, &mut self.next_texts);
        self.before_at = std::mem::replace(&mut self.now_at, at);
        self.reads += 1;
        self.missed = 0;
        Ok(())
    }

    /// The value of column `j` in this row: none after a failed read.
    pub(super) fn sample(&self, j: usize) -> Sample {
        if self.missed > 0 {
            Sample::Missing
        } else {
            self.now[j]
        }
    }
}

/// Reads the values of `columns` from the fields `cursor` gives into
/// `values` (and the strings into `texts`), stopping once `has` are read.
fn read_values(
    cursor: &mut Cursor<'_>,
    columns: &[Column],
    has: usize,
    values: &mut [Sample],
    texts: &mut [String],
) -> Result<(), ReadError> {
    values.fill(Sample::Missing);
    let mut found = 0;
    while found < has {
        let Some(field) = cursor.next_field() else {
            break;
        };
        let field = field?;
        for (j, column) in columns.iter().enumerate() {
            if column.label != field.label || values[j] != Sample::Missing {
                continue;
            }
            found += 1;
            values[j] = match field.value {
                ValueRef::Str(text) => {
                    texts[j].clear();
                    push_escaped(&mut texts[j], text);
                    Sample::Text
                }
                ValueRef::Bool(b) => Sample::Bool(b),
                number => Number::of(number).map_or(Sample::Missing, Sample::Num),
            };
        }
    }
    Ok(())
}
