//! `pollstats`: watch fields of stats files change, a row per interval,
//! like `vmstat`.
//!
//! The invocation is the original Python tool's: `pollstats [-p PREFIX]
//! [-c COUNT] [-d DELAY] [-f FILTER...] [-n HEADERS] FIELDS FILES...`. It
//! prints a header row, then every DELAY seconds (fractions allowed) a row
//! with a column per field, over all the files that have it, and repeats
//! the header every HEADERS rows. The layout is the original's: columns of
//! 20 characters separated by `|`, headers centred, values right-aligned.
//! A header too long for its column is cut in the middle, not at its end,
//! so that it keeps its last label part and unit and no two columns look
//! alike (`jobsvc.worker…done/s`).
//!
//! Unlike the original, which could only show counters, each column shows
//! its field as its kind ([`FieldKind`](mmstats::reader::FieldKind)) calls for:
//!
//! - counters: the change per second, with `/s` after the label in the
//!   header; with `--delta`, the change per interval, as the original. In
//!   both, the first row is the total so far, as in the original (and as
//!   `vmstat`'s first line is the figures since boot). A file's counts
//!   count from its first read: a file that appears adds to the change from
//!   its second row on, one that goes takes none of its counts away.
//! - gauges, averages, moving averages and timers: the mean of the current
//!   values (an integer when it is one).
//! - bools: `True` or `False`, or `2/3 True` when the files disagree.
//! - strings: the current value, or `(3 values)` when the files disagree.
//!
//! `--per-file` prints a row per file and interval instead, behind a
//! column with the file's name. A cell no file has a value for shows `-`.
//!
//! The files are listed again every interval: a file that appears (a new
//! process) is polled from then on, one that goes (or that a new process
//! re-created under the same name, see [`StatsFile::is_replaced`](mmstats::reader::StatsFile::is_replaced)) is
//! dropped (or reopened), each with a note on stderr. Files are mapped
//! read-only, once, and read without locks, so polling never slows a
//! writer down.
//!
//! A value that a writer kept changing while it was read is read again,
//! with the rest of its file; if it still cannot be read, the file's values
//! are left out of that row (without a note, unless it keeps failing) and
//! it stays polled, its counters' next change counted from its last whole
//! read. A file that shrank is opened again at the next listing, with a
//! note, and so is one that grew past what was mapped of it (opened while
//! it was cut short, then filled again), which would otherwise end its
//! fields early. Every other error, which names the file, drops it; such a
//! file, and one that could not be opened, is tried again once it changes
//! (its identity, size or times).
//!
//! At the start, when a column has no field in any file read only because
//! a file failed in a way that may pass by itself (it shrank or a value
//! kept changing while it was read, or it was written just now), no row is
//! printed yet and the files are listed again at the next interval, rather
//! than giving up.
//!
//! Columns shrink to fit the terminal's width (or `$COLUMNS`), and text
//! columns take the room left over. Headers are bold and values yellow on a
//! terminal, unless `--no-color` or `$NO_COLOR`; nothing else writes escape
//! codes. Labels, strings and file names are printed with their control
//! characters escaped. A closed output pipe ends the tool quietly.
#![forbid(unsafe_code)]

mod args;
mod columns;
mod failure;
mod header;
mod sample;
mod screen;
mod shown;
mod table;
#[cfg(test)]
mod tests;
mod watch;

use std::ffi::OsString;
use std::io::{self, Write};
use std::time::Instant;

pub use self::args::Args;
use self::screen::Screen;
use self::watch::{Poll, Start};
use crate::escape::escape_controls;

/// Where `pollstats` writes its rows, which decides its colours and width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// A file or a pipe: no escape codes, and columns as wide as the
    /// original's unless `$COLUMNS` gives a width to fit.
    #[default]
    Plain,
    /// The terminal of the process's standard output: bold headers and
    /// yellow values unless `--no-color` (or `$NO_COLOR`), and columns
    /// fitted to the terminal's width, asked for at every row.
    Terminal,
}

/// Parses the command line `args` (program name first) and runs the tool,
/// writing to `out` as to a file or a pipe ([`Output::Plain`]); returns
/// the exit status.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let mut out = Vec::new();
/// let mut err = Vec::new();
/// let status = mmstats_tools::pollstats::main(
///     ["pollstats", "done", dir.path().to_str().unwrap()],
///     &mut out,
///     &mut err,
/// );
/// assert_eq!(status, 1);
/// assert!(String::from_utf8(err)?.starts_with("pollstats: no stats files to poll"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn main<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    main_to(args, out, err, Output::Plain)
}

/// As [`main`], writing to `out` as `output` says.
pub fn main_to<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write, output: Output) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    crate::parse_then_run::<Args, _, _>(args, out, err, |args, out, err| {
        run(args, out, err, output)
    })
}

/// Runs the tool with parsed arguments until COUNT rows are printed (or
/// forever), reading the environment for the default glob, `$COLUMNS` and
/// `$NO_COLOR`; returns the exit status.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write, output: Output) -> u8 {
    let mut poll = Poll::new(args);
    let color = output == Output::Terminal
        && !args.no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut screen = Screen::new(args, output, color);
    let limit = args.count.filter(|&count| count > 0);
    let mut next = Instant::now();
    let mut row = 0u64;
    let mut started = false;
    while limit.is_none_or(|limit| row < limit) {
        if poll.listing > 0 {
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let now = Instant::now();
        // Rows keep to the schedule; after a stall (a suspended process),
        // the next row is a whole delay away rather than at once.
        next = match next.checked_add(args.delay) {
            Some(planned) if planned > now => planned,
            _ => now + args.delay,
        };
        poll.refresh(err);
        if !started {
            match poll.check_start() {
                Ok(Start::Ready) => started = true,
                // No row yet: the files are listed again at the next one.
                Ok(Start::Wait) => continue,
                Err(reason) => {
                    note(err, &reason);
                    return 1;
                }
            }
        }
        poll.sample(err);
        let text = screen.render(&poll, row == 0);
        if let Err(e) = out.write_all(text).and_then(|()| out.flush()) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return 0;
            }
            note(err, &format!("cannot write output: {e}"));
            return 1;
        }
        row += 1;
    }
    0
}

fn note(err: &mut dyn Write, message: &str) {
    // If stderr is gone there is nowhere left to report to.
    let _ = writeln!(err, "pollstats: {}", escape_controls(message));
}
