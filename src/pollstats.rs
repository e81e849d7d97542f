//! `pollstats`: watch fields of stats files change, a row per interval,
//! like `vmstat`.
//!
//! The invocation is the original Python tool's: `pollstats [-p PREFIX]
//! [-c COUNT] [-d DELAY] [-f FILTER...] [-n HEADERS] FIELDS FILES...`. It
//! prints a header row, then every DELAY seconds (fractions allowed) a row
//! with a column per field, over all the files that have it, and repeats
//! the header every HEADERS rows. The layout is the original's: columns of
//! 20 characters separated by `|`, headers centred, values right-aligned.
//!
//! Unlike the original, which could only show counters, each column shows
//! its field as its kind ([`FieldKind`]) calls for:
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
//! re-created under the same name, see [`StatsFile::is_replaced`]) is
//! dropped (or reopened), each with a note on stderr. Files are mapped
//! read-only, once, and read without locks, so polling never slows a
//! writer down.
//!
//! A value that a writer kept changing while it was read is read again,
//! with the rest of its file; if it still cannot be read, the file's values
//! are left out of that row (without a note, unless it keeps failing) and
//! it stays polled, its counters' next change counted from its last whole
//! read. A file that shrank is opened again at the next listing, with a
//! note. Every other error, which names the file, drops it; such a file,
//! and one that could not be opened, is tried again once it changes (its
//! identity, size or times).
//!
//! Columns shrink to fit the terminal's width (or `$COLUMNS`), and text
//! columns take the room left over. Headers are bold and values yellow on a
//! terminal, unless `--no-color` or `$NO_COLOR`; nothing else writes escape
//! codes. Labels, strings and file names are printed with their control
//! characters escaped. A closed output pipe ends the tool quietly.
#![forbid(unsafe_code)]

mod table;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use clap::{ArgAction, Parser};

use self::table::{Num, Shown};
use crate::escape::{escape_controls, push_escaped};
use crate::files::describe;
use crate::files::input_files;
use mmstats::reader::FieldKind;
use mmstats::reader::{Cursor, FieldRef, ReadError, StatsFile, ValueRef};

const AFTER_HELP: &str = "\
FIELDS is a comma-separated list of labels (PREFIX is put before each).
FILES may be stats files, directories (the *.mmstats files in them) or glob
patterns; without FILES, $MMSTATS_GLOB, or else *.mmstats in $MMSTATS_PATH,
or else in the temporary directory. FILES are listed again every interval:
files that appear are polled from then on, files that go are dropped, with
a note on stderr. Only files with at least one of the FIELDS are polled.

A column shows its field over all the files that have it:
  counters  the change per second (header FIELD/s); with --delta, the
            change per interval, as the original pollstats. The first row
            is the total so far.
  numbers   gauges, averages, timers: the mean of the current values
  bools     True or False, or how many files say True (2/3 True)
  strings   the current value, or how many values the files differ in
With --per-file, a row per file and interval instead.

A FILTER of LABEL polls only files with a field whose label starts with
LABEL; LABEL=VALUE only files whose field LABEL shows VALUE when the file is
first read. A file is polled if it matches any FILTER. As in the original,
-f takes every value that follows it: give it after FIELDS and FILES, or
end its values with --.

Examples:
  pollstats done,errors                         the default files, every second
  pollstats -d 0.5 -c 10 done,user /var/run/app ten rows, twice a second
  pollstats -p myapp. done,db.timer 'myapp-*.mmstats'
  pollstats --per-file done,user                a row per file
  pollstats done,user -f sys.pid=4242           only process 4242's file
  pollstats --delta -n 0 done worker.mmstats    the original's numbers

Exit status: 0 after COUNT rows or when the output is closed, 1 if no file
to poll has one of the FIELDS, 2 for bad usage.";

/// The command line of `pollstats`.
#[derive(Debug, Parser)]
#[command(
    name = "pollstats",
    version,
    about = "Watch fields of mmstats files change, a row per interval",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Comma-separated labels of the fields to show, a column each
    #[arg(value_name = "FIELDS", value_parser = parse_fields)]
    pub fields: String,

    /// Stats files, directories or glob patterns to poll
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Put PREFIX before each of the FIELDS (and leave it out of the headers)
    #[arg(short, long, value_name = "PREFIX", default_value = "")]
    pub prefix: String,

    /// Stop after COUNT rows (0: never, the default)
    #[arg(short, long, value_name = "COUNT")]
    pub count: Option<u64>,

    /// Seconds between rows; fractions allowed
    #[arg(short, long, value_name = "SECONDS", default_value = "1", value_parser = parse_delay)]
    pub delay: Duration,

    /// Poll only files matching a FILTER: LABEL (a label prefix) or LABEL=VALUE
    #[arg(short, long = "filter", value_name = "FILTER", num_args = 1.., action = ArgAction::Append)]
    pub filters: Vec<String>,

    /// Print the header again every HEADERS rows (0: only once)
    #[arg(short = 'n', long, value_name = "HEADERS", default_value_t = 20)]
    pub headers: u64,

    /// Show counters as their change per interval, as the original
    /// pollstats, rather than per second
    #[arg(long)]
    pub delta: bool,

    /// A row per file (behind its name) instead of one over all files
    #[arg(short = 'P', long)]
    pub per_file: bool,

    /// No colours, even on a terminal (so does a non-empty $NO_COLOR)
    #[arg(long)]
    pub no_color: bool,

    /// Also note files that are skipped (they have none of the FIELDS or
    /// match no FILTER)
    #[arg(short, action = ArgAction::Count)]
    pub verbose: u8,
}

fn parse_fields(text: &str) -> Result<String, String> {
    if text.split(',').any(str::is_empty) {
        return Err("expected labels separated by commas, like done,errors".into());
    }
    Ok(text.to_owned())
}

fn parse_delay(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("the delay must be more than 0 seconds".into());
    }
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("'{text}': {e}"))
}

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
        && std::env::var_os("NO_COLOR").map_or(true, |v| v.is_empty());
    let mut screen = Screen::new(args, output, color);
    let limit = args.count.filter(|&count| count > 0);
    let mut next = Instant::now();
    let mut row = 0u64;
    while limit.map_or(true, |limit| row < limit) {
        if row > 0 {
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
        if row == 0 {
            if let Err(reason) = poll.check_start() {
                note(err, &reason);
                return 1;
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

/// One column: a field and what it is.
#[derive(Debug)]
struct Column {
    /// The label, prefix included.
    label: String,
    /// The header: the label without the prefix, escaped.
    title: String,
    /// The kind of the field in the first polled file that has it.
    kind: Option<FieldKind>,
}

/// A `-f` filter.
#[derive(Debug)]
enum Filter {
    /// A label prefix.
    Label(String),
    /// A label and the text its value shows.
    Value { label: String, value: String },
}

impl Filter {
    fn parse(text: &str) -> Filter {
        match text.split_once('=') {
            Some((label, value)) => Filter::Value {
                label: label.to_owned(),
                value: value.to_owned(),
            },
            None => Filter::Label(text.to_owned()),
        }
    }

    fn matches(&self, field: &FieldRef<'_>, scratch: &mut String) -> bool {
        match self {
            Filter::Label(prefix) => field.label.starts_with(prefix.as_str()),
            Filter::Value { label, value } => {
                if field.label != label {
                    return false;
                }
                scratch.clear();
                let _ = write!(scratch, "{}", field.value);
                scratch == value
            }
        }
    }
}

/// A field's value in one file at one read.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sample {
    /// Not in the file, or not read yet.
    Missing,
    Num(Num),
    Bool(bool),
    /// A string, in [`Polled::texts`].
    Text,
}

impl Sample {
    fn num(self) -> Option<Num> {
        match self {
            Sample::Num(n) => Some(n),
            Sample::Bool(b) => Some(Num::Int(i128::from(b))),
            Sample::Missing | Sample::Text => None,
        }
    }
}

/// A file being polled: kept open (mapped) from one read to the next.
#[derive(Debug)]
struct Polled {
    file: StatsFile,
    /// The path, escaped for printing.
    name: String,
    /// How many columns the file has a field for: reading it stops there.
    has: usize,
    /// How many times it was read whole.
    reads: u64,
    /// The values of the columns at the last whole read, and when it was.
    now: Vec<Sample>,
    now_at: Instant,
    /// The same for the whole read before it: counters show the change
    /// since, per second of the time between the two.
    before: Vec<Sample>,
    before_at: Instant,
    /// The strings of the last whole read, escaped, by column.
    texts: Vec<String>,
    /// The strings of the read under way: they replace `texts` only if it
    /// reads the file whole.
    next_texts: Vec<String>,
    /// How many reads in a row have failed since the last whole one: while
    /// any has, the file shows no values, but keeps those of its last whole
    /// read for the change of its counters.
    missed: u32,
    /// Whether a read found the file shrunk: it is opened again at the
    /// next listing.
    shrunk: bool,
}

/// After this many reads in a row that failed with a value that kept
/// changing, the failure is noted (once): it looks stuck rather than
/// caught in the middle of a write.
const MISSED_NOTE: u32 = 5;

impl Polled {
    /// Reads the file's values of `columns`, stopping once all it has are
    /// read, and notes when. A value that kept changing while it was read
    /// (a writer in the middle of writing it, as the reader tried and
    /// tried again) gets one more try, from the first field.
    ///
    /// A failed read leaves the values of the last whole one as they were,
    /// but counts as missed: see [`Polled::missed`].
    fn read(&mut self, columns: &[Column]) -> Result<(), ReadError> {
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
    fn sample(&self, j: usize) -> Sample {
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
                ValueRef::Int(v) => Sample::Num(Num::Int(i128::from(v))),
                ValueRef::UInt(v) => Sample::Num(Num::Int(i128::from(v))),
                ValueRef::Float(v) => Sample::Num(Num::Float(v)),
            };
        }
    }
    Ok(())
}

/// What `stat` says of a path, as far as it tells whether the file there
/// changed: another file, another size, or written or touched since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
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
    fn of(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|meta| Stamp::from(&meta))
    }

    /// The stamp of the path, if it can be inspected and was last written
    /// at least [`SETTLED`] ago.
    fn settled(path: &Path) -> Option<Stamp> {
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
struct Failure {
    /// The message, naming the file, so that it is noted once.
    message: String,
    /// What the path was when it failed, if only a change can mend it (a
    /// file that is not a stats file, or a field that does not parse, in
    /// a file not written for a while): it is opened and read again only
    /// once the path's [`Stamp`] differs, rather than parsed again at
    /// every listing. `None` for failures that may pass on their own (a
    /// value that kept changing, a file written just now, a path that could
    /// not be inspected): the path is tried again at every listing.
    stamp: Option<Stamp>,
}

impl Failure {
    /// The failure `error` of the file at `path`, whose
    /// [settled](Stamp::settled) stamp before it was read was `stamp`.
    fn new(path: &Path, error: &ReadError, stamp: Option<Stamp>) -> Failure {
        Failure {
            message: describe(path, error),
            stamp: stamp.filter(|_| !matches!(error, ReadError::KeptChanging { .. })),
        }
    }

    /// Whether the path changed since it failed, so that it may read now.
    fn may_have_passed(&self, path: &Path) -> bool {
        self.stamp
            .map_or(true, |stamp| Stamp::of(path) != Some(stamp))
    }
}

/// What became of a path at one listing.
#[derive(Debug)]
enum State {
    Polled(Box<Polled>),
    /// Opened, but not polled: kept to tell when it is replaced.
    Skipped(Box<StatsFile>),
    /// Could not be opened or read.
    Failed(Failure),
}

#[derive(Debug)]
struct Entry {
    /// The last listing the path was in.
    seen: u64,
    state: State,
}

/// Why a file readable file is not polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Skip {
    NoField,
    NoFilter,
}

impl Skip {
    fn reason(self) -> &'static str {
        match self {
            Skip::NoField => "has none of the fields",
            Skip::NoFilter => "matches none of the filters",
        }
    }
}

/// Why a path is opened again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reopen {
    /// Another file has the path now.
    Replaced,
    /// The file there changed: the one polled shrank, or the one that
    /// failed was written or touched.
    Changed,
}

impl Reopen {
    fn word(self) -> &'static str {
        match self {
            Reopen::Replaced => "replaced",
            Reopen::Changed => "changed",
        }
    }

    /// What comes between the word and the file that took the old one's
    /// place.
    fn preposition(self) -> &'static str {
        match self {
            Reopen::Replaced => "by",
            Reopen::Changed => "into",
        }
    }
}

/// A path, opened.
enum Opened {
    Polled(Box<Polled>),
    Skipped(Box<StatsFile>, Skip),
    Failed(Failure),
}

impl Opened {
    fn into_state(self) -> State {
        match self {
            Opened::Polled(polled) => State::Polled(polled),
            Opened::Skipped(file, _) => State::Skipped(file),
            Opened::Failed(failure) => State::Failed(failure),
        }
    }
}

/// Opens `path` and decides whether to poll it; the first polled file with
/// a field of a column gives the column its kind.
fn open(path: &Path, columns: &mut [Column], filters: &[Filter]) -> Opened {
    // Taken before opening: a change after it shows in the next stamp.
    let stamp = Stamp::settled(path);
    let file = match StatsFile::open(path) {
        Ok(file) => file,
        Err(e) => return Opened::Failed(Failure::new(path, &e, stamp)),
    };
    let mut cursor = file.cursor();
    let mut scanned = scan(&mut cursor, columns, filters);
    if let Err(ReadError::KeptChanging { .. }) = scanned {
        cursor.rewind();
        scanned = scan(&mut cursor, columns, filters);
    }
    drop(cursor);
    let (kinds, matched) = match scanned {
        Ok(scanned) => scanned,
        Err(e) => return Opened::Failed(Failure::new(path, &e, stamp)),
    };
    let has = kinds.iter().flatten().count();
    if has == 0 {
        return Opened::Skipped(Box::new(file), Skip::NoField);
    }
    if !matched {
        return Opened::Skipped(Box::new(file), Skip::NoFilter);
    }
    for (column, kind) in columns.iter_mut().zip(kinds) {
        if column.kind.is_none() {
            column.kind = kind;
        }
    }
    let n = columns.len();
    let opened_at = Instant::now();
    Opened::Polled(Box::new(Polled {
        file,
        name: escape_controls(&path.to_string_lossy()).into_owned(),
        has,
        reads: 0,
        now: vec![Sample::Missing; n],
        now_at: opened_at,
        before: vec![Sample::Missing; n],
        before_at: opened_at,
        texts: vec![String::new(); n],
        next_texts: vec![String::new(); n],
        missed: 0,
        shrunk: false,
    }))
}

/// Reads every field `cursor` gives: the kind of each column's field (if
/// the file has it) and whether one of `filters` matches (or there are
/// none).
fn scan(
    cursor: &mut Cursor<'_>,
    columns: &[Column],
    filters: &[Filter],
) -> Result<(Vec<Option<FieldKind>>, bool), ReadError> {
    let mut kinds = vec![None; columns.len()];
    let mut matched = filters.is_empty();
    let mut scratch = String::new();
    while let Some(field) = cursor.next_field() {
        let field = field?;
        for (kind, column) in kinds.iter_mut().zip(columns) {
            if kind.is_none() && column.label == field.label {
                *kind = Some(FieldKind::of(&field));
            }
        }
        matched = matched || filters.iter().any(|f| f.matches(&field, &mut scratch));
    }
    Ok((kinds, matched))
}

/// The files being polled and the columns.
#[derive(Debug)]
struct Poll<'a> {
    args: &'a Args,
    columns: Vec<Column>,
    filters: Vec<Filter>,
    entries: HashMap<PathBuf, Entry>,
    /// The polled files, in the order of the last listing.
    order: Vec<PathBuf>,
    /// The number of the last listing.
    listing: u64,
    /// The errors of the last listing, so that each is noted once.
    listing_errors: HashSet<String>,
}

impl<'a> Poll<'a> {
    fn new(args: &'a Args) -> Poll<'a> {
        let columns = args
            .fields
            .split(',')
            .map(|field| Column {
                label: format!("{}{field}", args.prefix),
                title: escape_controls(field).into_owned(),
                kind: None,
            })
            .collect();
        Poll {
            args,
            columns,
            filters: args.filters.iter().map(|f| Filter::parse(f)).collect(),
            entries: HashMap::new(),
            order: Vec::new(),
            listing: 0,
            listing_errors: HashSet::new(),
        }
    }

    /// Lists the files again: opens the new ones, reopens the replaced
    /// ones, drops the ones gone, with a note for each (none for the files
    /// found at the start).
    fn refresh(&mut self, err: &mut dyn Write) {
        self.listing += 1;
        self.order.clear();
        let mut errors = HashSet::new();
        for item in input_files(&self.args.files, mmstats::default_glob) {
            match item {
                Ok(path) => self.visit(path, err),
                Err(e) => {
                    let message = e.to_string();
                    if !self.listing_errors.contains(&message) {
                        note(err, &message);
                    }
                    errors.insert(message);
                }
            }
        }
        self.listing_errors = errors;
        let listing = self.listing;
        self.entries.retain(|path, entry| {
            if entry.seen != listing {
                if let State::Polled(_) = entry.state {
                    note(err, &format!("{}: gone, dropped", path.display()));
                }
            }
            entry.seen == listing
        });
    }

    fn visit(&mut self, path: PathBuf, err: &mut dyn Write) {
        let announce = self.listing > 1;
        let verbose = self.args.verbose > 0;
        let name = path.display();
        let Some(entry) = self.entries.get_mut(&path) else {
            let opened = open(&path, &mut self.columns, &self.filters);
            match &opened {
                Opened::Polled(_) if announce => note(err, &format!("{name}: new file, polled")),
                Opened::Polled(_) => {}
                Opened::Skipped(_, why) if verbose => {
                    note(err, &format!("{name}: {}, skipped", why.reason()));
                }
                Opened::Skipped(..) => {}
                Opened::Failed(failure) => note(err, &failure.message),
            }
            if let Opened::Polled(_) = opened {
                self.order.push(path.clone());
            }
            let state = opened.into_state();
            self.entries.insert(
                path,
                Entry {
                    seen: self.listing,
                    state,
                },
            );
            return;
        };
        entry.seen = self.listing;
        let reopen = match &entry.state {
            State::Polled(polled) if polled.shrunk => Some(Reopen::Changed),
            State::Polled(polled) => polled.file.is_replaced().then_some(Reopen::Replaced),
            State::Skipped(file) => file.is_replaced().then_some(Reopen::Replaced),
            State::Failed(failure) => failure.may_have_passed(&path).then_some(Reopen::Changed),
        };
        let Some(how) = reopen else {
            if let State::Polled(_) = entry.state {
                self.order.push(path);
            }
            return;
        };
        let opened = open(&path, &mut self.columns, &self.filters);
        match (&entry.state, &opened) {
            (State::Polled(_), Opened::Polled(_)) => {
                note(err, &format!("{name}: {}, reopened", how.word()));
            }
            (State::Polled(_), Opened::Failed(_)) if !path.exists() => {
                note(err, &format!("{name}: gone, dropped"));
            }
            (State::Polled(_), Opened::Failed(failure)) => {
                note(err, &format!("{}; dropped", failure.message));
            }
            (State::Polled(_), Opened::Skipped(_, why)) => {
                let (how, into) = (how.word(), how.preposition());
                note(
                    err,
                    &format!("{name}: {how} {into} a file that {}, dropped", why.reason()),
                );
            }
            (State::Failed(old), Opened::Failed(new)) if old.message == new.message => {}
            (_, Opened::Failed(failure)) => note(err, &failure.message),
            (State::Failed(_), Opened::Polled(_)) => {
                note(err, &format!("{name}: now readable, polled"))
            }
            (_, Opened::Polled(_)) => note(err, &format!("{name}: new file, polled")),
            (_, Opened::Skipped(_, why)) if verbose => {
                note(err, &format!("{name}: {}, skipped", why.reason()));
            }
            (_, Opened::Skipped(..)) => {}
        }
        if let Opened::Polled(_) = opened {
            self.order.push(path);
        }
        entry.state = opened.into_state();
    }

    /// After the first listing: an error unless every column has a field
    /// in a polled file.
    fn check_start(&self) -> Result<(), String> {
        let Some(missing) = self.columns.iter().find(|c| c.kind.is_none()) else {
            return Ok(());
        };
        let mut read: Vec<&Path> = Vec::new();
        let mut filtered = 0;
        for (path, entry) in &self.entries {
            match &entry.state {
                State::Polled(_) => read.push(path),
                State::Skipped(file) => {
                    read.push(path);
                    // Tell whether the filters are why nothing is polled.
                    let has_one = file
                        .fields()
                        .flatten()
                        .any(|field| self.columns.iter().any(|c| c.label == field.label));
                    filtered += usize::from(has_one);
                }
                State::Failed(_) => {}
            }
        }
        read.sort();
        let label = &missing.label;
        match read.as_slice() {
            [] => Err(if self.args.files.is_empty() {
                format!("no stats files to poll in {}", mmstats::default_glob())
            } else {
                "no stats files to poll".to_owned()
            }),
            _ if self.order.is_empty() && filtered > 0 => Err(format!(
                "none of the {} files with the fields matches the filters",
                filtered
            )),
            [one] => Err(format!("{}: no field named '{label}'", one.display())),
            several => {
                let mut names = String::new();
                for (i, path) in several.iter().take(3).enumerate() {
                    let _ = write!(names, "{}{}", if i > 0 { ", " } else { "" }, path.display());
                }
                if several.len() > 3 {
                    names.push_str(", ...");
                }
                Err(format!(
                    "no field named '{label}' in any of the {} files read ({names})",
                    several.len()
                ))
            }
        }
    }

    /// Reads every polled file. A file whose values kept changing or that
    /// shrank shows no values in this row and stays polled (one that shrank
    /// is opened again at the next listing); a file that fails otherwise is
    /// dropped, with a note.
    fn sample(&mut self, err: &mut dyn Write) {
        let mut failed = false;
        for path in &self.order {
            let Some(entry) = self.entries.get_mut(path) else {
                continue;
            };
            let State::Polled(polled) = &mut entry.state else {
                continue;
            };
            match polled.read(&self.columns) {
                Ok(()) => {}
                Err(e @ ReadError::KeptChanging { .. }) => {
                    if polled.missed == MISSED_NOTE {
                        let message = describe(path, &e);
                        note(err, &format!("{message}; no values until it reads"));
                    }
                }
                Err(ReadError::Shrunk { .. }) => polled.shrunk = true,
                Err(e) => {
                    let failure = Failure::new(path, &e, Stamp::settled(path));
                    note(err, &format!("{}; dropped", failure.message));
                    entry.state = State::Failed(failure);
                    failed = true;
                }
            }
        }
        if failed {
            let entries = &self.entries;
            self.order.retain(|path| {
                entries
                    .get(path)
                    .is_some_and(|e| matches!(e.state, State::Polled(_)))
            });
        }
    }

    /// The polled files, in order.
    fn polled(&self) -> Vec<&Polled> {
        self.order
            .iter()
            .filter_map(|path| match &self.entries.get(path)?.state {
                State::Polled(polled) => Some(&**polled),
                _ => None,
            })
            .collect()
    }
}

/// What a column shows over `files`: see the module documentation.
/// `first` is whether this is the first row (counters show their totals),
/// `rates` whether counters show their change per second rather than per
/// interval.
fn shown<'p>(
    kind: FieldKind,
    j: usize,
    files: &[&'p Polled],
    first: bool,
    rates: bool,
) -> Shown<'p> {
    match kind {
        FieldKind::Counter => {
            let mut change: Option<Num> = None;
            let mut rate: Option<f64> = None;
            for file in files {
                let Some(now) = file.sample(j).num() else {
                    continue;
                };
                if first {
                    change = Some(change.map_or(now, |sum| sum.add(now)));
                    continue;
                }
                let (true, Some(before)) = (file.reads >= 2, file.before[j].num()) else {
                    continue;
                };
                // Since the file's last whole read, which a failed read
                // may have put more than an interval back.
                let value = now.sub(before);
                if rates {
                    let seconds = file.now_at.duration_since(file.before_at).as_secs_f64();
                    let per_second = value.as_f64() / seconds.max(1e-9);
                    rate = Some(rate.map_or(per_second, |sum| sum + per_second));
                } else {
                    change = Some(change.map_or(value, |sum| sum.add(value)));
                }
            }
            match (change, rate) {
                (Some(change), _) => Shown::Num(change),
                (None, Some(rate)) => Shown::Rate(rate),
                (None, None) => Shown::Nothing,
            }
        }
        FieldKind::Bool => {
            let (mut on, mut of) = (0, 0);
            for file in files {
                if let Some(n) = file.sample(j).num() {
                    of += 1;
                    on += usize::from(n.as_f64() != 0.0);
                }
            }
            match (on, of) {
                (_, 0) => Shown::Nothing,
                (0, _) => Shown::Bool(false),
                (on, of) if on == of => Shown::Bool(true),
                (on, of) => Shown::Bools { on, of },
            }
        }
        FieldKind::Text => {
            let mut texts = files
                .iter()
                .filter(|file| file.sample(j) == Sample::Text)
                .map(|file| file.texts[j].as_str());
            let Some(first_text) = texts.next() else {
                return Shown::Nothing;
            };
            if texts.clone().all(|text| text == first_text) {
                return Shown::Text(first_text);
            }
            let mut all: Vec<&str> = std::iter::once(first_text).chain(texts).collect();
            all.sort_unstable();
            all.dedup();
            Shown::Texts(all.len())
        }
        // Gauges, and kinds this tool does not know yet: the mean.
        _ => {
            let mut sum: Option<Num> = None;
            let mut count = 0;
            for file in files {
                if let Some(n) = file.sample(j).num() {
                    sum = Some(sum.map_or(n, |s| s.add(n)));
                    count += 1;
                }
            }
            sum.map_or(Shown::Nothing, |sum| Shown::Num(sum.mean(count)))
        }
    }
}

/// Lays out and renders the rows, in buffers reused from row to row.
#[derive(Debug)]
struct Screen {
    output: Output,
    color: bool,
    per_file: bool,
    delta: bool,
    headers: u64,
    /// The column widths of the last header (the name column's first with
    /// `--per-file`).
    widths: Vec<usize>,
    name_width: usize,
    rows_since_header: Option<u64>,
    text: String,
    scratch: String,
}

impl Screen {
    fn new(args: &Args, output: Output, color: bool) -> Screen {
        Screen {
            output,
            color,
            per_file: args.per_file,
            delta: args.delta,
            headers: args.headers,
            widths: Vec::new(),
            name_width: 0,
            rows_since_header: None,
            text: String::new(),
            scratch: String::new(),
        }
    }

    /// The rows of one read: a header if it is due or the layout changed,
    /// then the row (or a row per file).
    fn render(&mut self, poll: &Poll<'_>, first: bool) -> &[u8] {
        self.text.clear();
        let files = poll.polled();
        let kinds: Vec<FieldKind> = poll
            .columns
            .iter()
            .map(|c| c.kind.unwrap_or(FieldKind::Gauge))
            .collect();
        let name_width = if self.per_file {
            let longest = files.iter().map(|f| f.name.chars().count()).max();
            (longest.unwrap_or(0) + 1).clamp(table::NAME_WIDTHS.0, table::NAME_WIDTHS.1)
        } else {
            0
        };
        let fixed = if self.per_file { name_width + 1 } else { 0 };
        let widths = table::widths(&kinds, fixed, terminal_width(self.output));
        let rows = if self.per_file { files.len() as u64 } else { 1 };
        let due = match self.rows_since_header {
            None => true,
            Some(n) => self.headers > 0 && n >= self.headers,
        };
        // A new layout needs a new header, but only if the new layout is
        // used by a row.
        let changed =
            rows > 0 && (widths != self.widths || (self.per_file && name_width != self.name_width));
        if rows > 0 && (due || changed) {
            self.widths = widths;
            self.name_width = name_width;
            self.push_header(poll, &kinds);
            self.rows_since_header = Some(0);
        }
        let rates = !self.delta;
        if self.per_file {
            for file in &files {
                table::push_name_cell(&mut self.text, &file.name, self.name_width);
                self.text.push('|');
                self.push_row(&kinds, std::slice::from_ref(file), first, rates);
            }
        } else {
            self.push_row(&kinds, &files, first, rates);
        }
        self.rows_since_header = self.rows_since_header.map(|n| n + rows);
        self.text.as_bytes()
    }

    fn push_header(&mut self, poll: &Poll<'_>, kinds: &[FieldKind]) {
        if self.per_file {
            table::push_name_header(&mut self.text, self.name_width, self.color);
            self.text.push('|');
        }
        for (j, (column, kind)) in poll.columns.iter().zip(kinds).enumerate() {
            if j > 0 {
                self.text.push('|');
            }
            let width = self.widths.get(j).copied().unwrap_or(table::NATURAL_WIDTH);
            self.scratch.clear();
            if *kind == FieldKind::Counter && !self.delta {
                // Cut the label rather than its unit.
                let room = width.saturating_sub(2);
                self.scratch.extend(column.title.chars().take(room));
                self.scratch.push_str("/s");
            } else {
                self.scratch.push_str(&column.title);
            }
            table::push_header_cell(&mut self.text, &self.scratch, width, self.color);
        }
        self.text.push('\n');
    }

    fn push_row(&mut self, kinds: &[FieldKind], files: &[&Polled], first: bool, rates: bool) {
        for (j, kind) in kinds.iter().enumerate() {
            if j > 0 {
                self.text.push('|');
            }
            let width = self.widths.get(j).copied().unwrap_or(table::NATURAL_WIDTH);
            let shown = shown(*kind, j, files, first, rates);
            table::push_value_cell(&mut self.text, shown, width, self.color, &mut self.scratch);
        }
        self.text.push('\n');
    }
}

/// The width of the terminal the rows go to, or `$COLUMNS`.
fn terminal_width(output: Output) -> Option<usize> {
    if output == Output::Terminal {
        if let Ok(size) = rustix::termios::tcgetwinsize(io::stdout()) {
            if size.ws_col > 0 {
                return Some(usize::from(size.ws_col));
            }
        }
    }
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&n: &usize| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ClosedPipe;
    use mmstats::reader::testing::FileBuilder;

    /// A file with a double-buffered counter `done` (Python's
    /// CounterField), a gauge `level`, a string `user` and, if given, a
    /// bool `busy`.
    fn write(dir: &Path, name: &str, done: u64, level: u32, user: &str, busy: Option<bool>) {
        let mut file = FileBuilder::new();
        let mut storage = done.to_ne_bytes().to_vec();
        storage.extend(0u64.to_ne_bytes());
        file.raw(b"done", b"Q", 1, &storage);
        file.unbuffered("level", "I", &level.to_ne_bytes());
        let mut text = user.as_bytes().to_vec();
        text.resize(8, 0);
        file.unbuffered("user", "8s", &text);
        if let Some(busy) = busy {
            file.unbuffered("busy", "?", &[u8::from(busy)]);
        }
        std::fs::write(dir.join(name), file.finish(4096)).unwrap();
    }

    fn sample_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.mmstats", 10, 1, "ann", Some(true));
        write(dir.path(), "b.mmstats", 5, 2, "ann", Some(false));
        write(dir.path(), "c.mmstats", 1, 4, "bob\x07", None);
        dir
    }

    fn run_in(dir: &Path, args: &[&str]) -> (u8, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let dir = dir.to_str().unwrap();
        let status = main(
            ["pollstats"].iter().chain(args).chain([&dir]),
            &mut out,
            &mut err,
        );
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn cells(line: &str) -> Vec<&str> {
        line.split('|').map(str::trim).collect()
    }

    #[test]
    fn columns_sum_counters_and_average_the_rest() {
        let dir = sample_dir();
        let (status, out, err) = run_in(
            dir.path(),
            &["-c", "2", "-d", "0.01", "done,level,user,busy"],
        );
        assert_eq!((status, err.as_str()), (0, ""));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(cells(lines[0]), ["done/s", "level", "user", "busy"]);
        assert_eq!(cells(lines[1]), ["16", "2.33333", "(2 values)", "1/2 True"]);
        assert_eq!(
            cells(lines[2]),
            ["0.0", "2.33333", "(2 values)", "1/2 True"]
        );
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn per_file_rows_escape_strings() {
        let dir = sample_dir();
        let (status, out, _) = run_in(dir.path(), &["-P", "-c", "1", "done,user,busy"]);
        assert_eq!(status, 0);
        let rows: Vec<Vec<&str>> = out.lines().skip(1).map(cells).collect();
        let name = |n: &str| dir.path().join(n).display().to_string();
        assert_eq!(rows.len(), 3, "{out}");
        assert!(name("a.mmstats").ends_with(rows[0][0].trim_start_matches('…')));
        assert_eq!(rows[0][1..], ["10", "ann", "True"]);
        assert_eq!(rows[1][1..], ["5", "ann", "False"]);
        assert_eq!(rows[2][1..], ["1", "bob\\x07", "-"]);
    }

    #[test]
    fn filters_pick_files_and_verbose_notes_the_others() {
        let dir = sample_dir();
        let (status, out, err) = run_in(
            dir.path(),
            &["-c", "1", "-f", "busy=True", "--", "done,user"],
        );
        assert_eq!((status, err.as_str()), (0, ""));
        assert_eq!(cells(out.lines().nth(1).unwrap()), ["10", "ann"]);
        // Filters after the positionals; LABEL filters match a prefix.
        let (_, out, _) = run_in(
            dir.path(),
            &["-c", "1", "done", "-f", "bu", "nothing", "--"],
        );
        assert_eq!(cells(out.lines().nth(1).unwrap()), ["15"]);
        let (_, _, err) = run_in(
            dir.path(),
            &["-v", "-c", "1", "done", "-f", "user=ann", "--"],
        );
        assert_eq!(
            err,
            format!(
                "pollstats: {}: matches none of the filters, skipped\n",
                dir.path().join("c.mmstats").display()
            )
        );
        let (status, out, err) = run_in(dir.path(), &["-c", "1", "done", "-f", "user=zed", "--"]);
        assert_eq!((status, out.as_str()), (1, ""));
        assert_eq!(
            err,
            "pollstats: none of the 3 files with the fields matches the filters\n"
        );
    }

    #[test]
    fn files_without_the_fields_are_skipped_and_a_missing_field_named() {
        let dir = sample_dir();
        std::fs::write(dir.path().join("d.mmstats"), [1u8, 0, 0]).unwrap();
        std::fs::write(dir.path().join("e.mmstats"), b"not stats").unwrap();
        let (status, out, err) = run_in(dir.path(), &["-c", "1", "busy"]);
        assert_eq!(status, 0);
        assert_eq!(cells(out.lines().nth(1).unwrap()), ["1/2 True"]);
        assert_eq!(
            err,
            format!(
                "pollstats: {}: not an mmstats version 1 file: byte 0x6e at offset 0, expected 0x01\n",
                dir.path().join("e.mmstats").display()
            )
        );
        let (status, out, err) = run_in(dir.path(), &["-c", "1", "busy,idle"]);
        assert_eq!((status, out.as_str()), (1, ""));
        assert!(
            err.ends_with(&format!(
                "pollstats: no field named 'idle' in any of the 4 files read ({}, {}, {}, ...)\n",
                dir.path().join("a.mmstats").display(),
                dir.path().join("b.mmstats").display(),
                dir.path().join("c.mmstats").display(),
            )),
            "{err}"
        );
    }

    #[test]
    fn headers_repeat_every_n_rows() {
        let dir = sample_dir();
        let (_, out, _) = run_in(dir.path(), &["-c", "5", "-d", "0.001", "-n", "2", "level"]);
        let headers: Vec<usize> = out
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains("level"))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(headers, [0, 3, 6]);
        let (_, out, _) = run_in(dir.path(), &["-c", "5", "-d", "0.001", "-n", "0", "level"]);
        assert_eq!(out.lines().filter(|l| l.contains("level")).count(), 1);
    }

    #[test]
    fn a_closed_pipe_ends_the_polling_quietly() {
        let dir = sample_dir();
        let mut err = Vec::new();
        let args = [
            "pollstats",
            "-d",
            "0.01",
            "done",
            dir.path().to_str().unwrap(),
        ];
        assert_eq!(main(args, &mut ClosedPipe, &mut err), 0);
        assert!(err.is_empty());
    }

    /// The offset of the value of `done` (buffer 0, the one read) in the
    /// files `write` and `write_seqlocked` make, and of its `write_buffer`.
    const DONE: usize = 11;
    const DONE_WRITE_BUFFER: usize = 10;

    /// A file with a counter `done` (as `write` makes it) and a seqlocked
    /// string `name` holding "ann", read from its buffer 0; returns the
    /// layout of `name`.
    fn write_seqlocked(path: &Path, done: u64) -> mmstats::layout::FieldLayout {
        use mmstats::layout::{Layout, StatKind};
        let mut file = FileBuilder::new();
        let mut storage = done.to_ne_bytes().to_vec();
        storage.extend(0u64.to_ne_bytes());
        file.raw(b"done", b"Q", 1, &storage);
        let name = file.laid_out("name", StatKind::Text, Some(8), Layout::Aligned);
        file.put(name.write_buffer_at, &[1]);
        file.put(name.value, b"ann");
        std::fs::write(path, file.finish(4096)).unwrap();
        name
    }

    /// Writes `bytes` at `offset` of the file at `path`, in place.
    fn poke(path: &Path, offset: usize, bytes: &[u8]) {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.write_all_at(bytes, offset as u64).unwrap();
    }

    fn set_modified(path: &Path, seconds: u64) {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
            .unwrap();
    }

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(["pollstats"].iter().chain(args)).unwrap()
    }

    /// One row of `poll`, as `run` makes it (the files listed again, read
    /// and shown): its cells.
    fn next_row(poll: &mut Poll<'_>, screen: &mut Screen, err: &mut Vec<u8>) -> Vec<String> {
        let first = poll.listing == 0;
        poll.refresh(err);
        if first {
            poll.check_start().unwrap();
        }
        poll.sample(err);
        let text = String::from_utf8(screen.render(poll, first).to_vec()).unwrap();
        cells(text.lines().last().unwrap())
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// The notes written to `err` since the last call.
    fn notes(err: &mut Vec<u8>) -> String {
        String::from_utf8(std::mem::take(err)).unwrap()
    }

    #[test]
    fn a_value_that_kept_changing_leaves_its_file_out_of_a_row_but_polled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mmstats");
        let name = write_seqlocked(&path, 10);
        let seq = name.seq.unwrap();
        let args = parse(&["--delta", "done,name", path.to_str().unwrap()]);
        let mut poll = Poll::new(&args);
        let mut screen = Screen::new(&args, Output::Plain, false);
        let mut err = Vec::new();
        let mut row = |poll: &mut Poll<'_>, err: &mut Vec<u8>| next_row(poll, &mut screen, err);
        assert_eq!(row(&mut poll, &mut err), ["10", "ann"]);
        assert_eq!(row(&mut poll, &mut err), ["0", "ann"]);

        // A writer in the middle of changing `name` (its sequence word
        // odd), while `done` counts on: no values in this row, no note.
        poke(&path, seq, &7u64.to_ne_bytes());
        poke(&path, DONE, &15u64.to_ne_bytes());
        assert_eq!(row(&mut poll, &mut err), ["-", "-"]);
        assert_eq!(notes(&mut err), "");
        // Still polled, not opened again: the change since the last whole
        // read.
        poke(&path, seq, &8u64.to_ne_bytes());
        poke(&path, DONE, &25u64.to_ne_bytes());
        assert_eq!(row(&mut poll, &mut err), ["15", "ann"]);
        assert_eq!(row(&mut poll, &mut err), ["0", "ann"]);
        assert_eq!(notes(&mut err), "");

        // A value that stays torn is noted, once, naming the file.
        poke(&path, seq, &9u64.to_ne_bytes());
        for _ in 0..=MISSED_NOTE {
            assert_eq!(row(&mut poll, &mut err), ["-", "-"]);
        }
        let noted = notes(&mut err);
        let start = format!(
            "pollstats: {}: field at offset {}: the value at offset {} kept changing",
            path.display(),
            name.record,
            name.value
        );
        assert!(noted.starts_with(&start), "{noted}");
        assert!(noted.ends_with("; no values until it reads\n"), "{noted}");
        assert_eq!(noted.lines().count(), 1, "{noted}");
        poke(&path, seq, &10u64.to_ne_bytes());
        assert_eq!(row(&mut poll, &mut err), ["0", "ann"]);
        assert_eq!(notes(&mut err), "");
    }

    #[test]
    fn a_file_that_shrank_is_opened_again_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mmstats");
        write(dir.path(), "a.mmstats", 10, 1, "ann", None);
        let args = parse(&["--delta", "done,level", path.to_str().unwrap()]);
        let mut poll = Poll::new(&args);
        let mut screen = Screen::new(&args, Output::Plain, false);
        let mut err = Vec::new();
        let mut row = |poll: &mut Poll<'_>, err: &mut Vec<u8>| next_row(poll, &mut screen, err);
        assert_eq!(row(&mut poll, &mut err), ["10", "1"]);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_len(0))
            .unwrap();
        assert_eq!(row(&mut poll, &mut err), ["-", "-"]);
        assert_eq!(notes(&mut err), "");
        // Written again in place: the same file, changed.
        write(dir.path(), "a.mmstats", 3, 2, "ann", None);
        assert_eq!(row(&mut poll, &mut err), ["-", "2"]);
        assert_eq!(
            notes(&mut err),
            format!("pollstats: {}: changed, reopened\n", path.display())
        );
        assert_eq!(row(&mut poll, &mut err), ["0", "2"]);
        assert_eq!(notes(&mut err), "");
    }

    #[test]
    fn errors_name_the_file() {
        let dir = sample_dir();
        let bad = dir.path().join("bad.mmstats");
        let mut bytes = vec![1u8];
        bytes.extend(5u16.to_ne_bytes());
        bytes.push(b'a');
        std::fs::write(&bad, bytes).unwrap();
        let (status, _, err) = run_in(dir.path(), &["-c", "1", "done"]);
        assert_eq!(status, 0);
        assert_eq!(
            err,
            format!(
                "pollstats: {}: field at offset 1: truncated label at offset 3: \
                 needs 5 bytes, the file has 1 left\n",
                bad.display()
            )
        );
    }

    #[test]
    fn a_file_that_failed_is_read_again_only_once_it_changed() {
        let dir = sample_dir();
        let path = dir.path().join("a.mmstats");
        let args = parse(&["--delta", "done", path.to_str().unwrap()]);
        let mut poll = Poll::new(&args);
        let mut screen = Screen::new(&args, Output::Plain, false);
        let mut err = Vec::new();
        let mut row = |poll: &mut Poll<'_>, err: &mut Vec<u8>| next_row(poll, &mut screen, err);
        assert_eq!(row(&mut poll, &mut err), ["10"]);
        // A bad write_buffer byte: dropped, with a note naming the file.
        poke(&path, DONE_WRITE_BUFFER, &[7]);
        assert_eq!(row(&mut poll, &mut err), ["-"]);
        let message = format!(
            "{}: field at offset 1: write_buffer 7 at offset {DONE_WRITE_BUFFER} \
             is not 0, 1 or 255",
            path.display()
        );
        assert_eq!(notes(&mut err), format!("pollstats: {message}; dropped\n"));
        // Written just now: it may be in the middle of being written, so
        // it is read again at every listing (the same failure, no note).
        assert_eq!(failure(&mut poll).stamp, None);
        set_modified(&path, 1_000_000);
        assert_eq!(row(&mut poll, &mut err), ["-"]);
        assert_eq!(notes(&mut err), "");
        // Not written for a while: it is not read again while it stays as
        // it is (a message it was not read with stays).
        assert!(failure(&mut poll).stamp.is_some());
        failure(&mut poll).message = "not read again".into();
        assert_eq!(row(&mut poll, &mut err), ["-"]);
        assert_eq!(failure(&mut poll).message, "not read again");
        // Mended, so changed: read again.
        poke(&path, DONE_WRITE_BUFFER, &[1]);
        set_modified(&path, 2_000_000);
        assert_eq!(row(&mut poll, &mut err), ["-"]);
        assert_eq!(
            notes(&mut err),
            format!("pollstats: {}: now readable, polled\n", path.display())
        );
        assert_eq!(row(&mut poll, &mut err), ["0"]);
    }

    /// The failure of the only path `poll` lists.
    fn failure<'p>(poll: &'p mut Poll<'_>) -> &'p mut Failure {
        match &mut poll.entries.values_mut().next().unwrap().state {
            State::Failed(failure) => failure,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn delays_and_fields_are_checked() {
        assert_eq!(parse_delay("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_delay("0").is_err());
        assert!(parse_delay("-1").is_err());
        assert!(parse_delay("NaN").is_err());
        assert!(parse_delay("inf").is_err());
        assert!(parse_fields("a,b").is_ok());
        assert!(parse_fields("a,").is_err());
        assert!(parse_fields("").is_err());
    }
}
