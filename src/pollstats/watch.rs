//! The files being polled: listed again at every interval, opened when
//! they appear, reopened when replaced, dropped when gone, each with a note.
#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use mmstats::reader::{Cursor, FieldKind, ReadError, StatsFile};

use super::args::Args;
use super::columns::{Column, Filter};
use super::failure::{Failure, Stamp};
use super::note;
use super::sample::{Polled, Sample, MISSED_NOTE};
use crate::escape::{escape_controls, path_text};
use crate::files::{describe, input_files, searched};

/// What became of a path at one listing.
#[derive(Debug)]
pub(super) enum State {
    Polled(Box<Polled>),
    /// Opened, but not polled: kept to tell when it is replaced.
    Skipped(Box<StatsFile>),
    /// Could not be opened or read.
    Failed(Failure),
}

#[derive(Debug)]
pub(super) struct Entry {
    /// The last listing the path was in.
    seen: u64,
    pub(super) state: State,
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
    /// The file there is longer than its mapping: opened while it was cut
    /// short, it was filled again.
    Grown,
}

impl Reopen {
    fn word(self) -> &'static str {
        match self {
            Reopen::Replaced => "replaced",
            Reopen::Changed => "changed",
            Reopen::Grown => "grew",
        }
    }

    /// What comes between the word and the file that took the old one's
    /// place.
    fn preposition(self) -> &'static str {
        match self {
            Reopen::Replaced => "by",
            Reopen::Changed | Reopen::Grown => "into",
        }
    }

    /// Why a file still mapped is opened again, if it is: another file
    /// took its path, or it has bytes past its mapping.
    fn of(file: &StatsFile) -> Option<Reopen> {
        if file.is_replaced() {
            Some(Reopen::Replaced)
        } else {
            file.has_grown().then_some(Reopen::Grown)
        }
    }
}

/// What the first listing allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// Every column has a field in a polled file: the polling starts.
    Ready,
    /// Not yet, but a file failed in a way that may pass by itself (see
    /// [`Failure::passing`]): the files are listed again at the next
    /// interval.
    Wait,
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
        name: escape_controls(&path_text(path)).into_owned(),
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
pub(super) struct Poll<'a> {
    args: &'a Args,
    pub(super) columns: Vec<Column>,
    filters: Vec<Filter>,
    pub(super) entries: HashMap<PathBuf, Entry>,
    /// The polled files, in the order of the last listing.
    order: Vec<PathBuf>,
    /// The number of the last listing.
    pub(super) listing: u64,
    /// The errors of the last listing, so that each is noted once.
    listing_errors: HashSet<String>,
}

impl<'a> Poll<'a> {
    pub(super) fn new(args: &'a Args) -> Poll<'a> {
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

    /// Lists the files again: opens the new ones, reopens the ones
    /// replaced, shrunk or grown, drops the ones gone, with a note for each
    /// (none for the files found at the start).
    pub(super) fn refresh(&mut self, err: &mut dyn Write) {
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
            State::Polled(polled) => Reopen::of(&polled.file),
            State::Skipped(file) => Reopen::of(file),
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
            (_, Opened::Polled(_)) if how == Reopen::Replaced => {
                note(err, &format!("{name}: new file, polled"));
            }
            (_, Opened::Polled(_)) => note(err, &format!("{name}: {}, polled", how.word())),
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

    /// After a listing, until the polling starts: whether every column has
    /// a field in a polled file, or else whether to wait for a file whose
    /// failure may pass; an error if neither.
    pub(super) fn check_start(&self) -> Result<Start, String> {
        let Some(missing) = self.columns.iter().find(|c| c.kind.is_none()) else {
            return Ok(Start::Ready);
        };
        let passing = |entry: &Entry| matches!(&entry.state, State::Failed(f) if f.passing);
        if self.entries.values().any(passing) {
            return Ok(Start::Wait);
        }
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
            // Nothing found at all, or only files that could not be read
            // (each already noted).
            [] if self.entries.is_empty() => Err(format!(
                "no stats files to poll in {}",
                searched(&self.args.files, mmstats::default_glob)
            )),
            [] => Err("no stats files to poll".to_owned()),
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
    pub(super) fn sample(&mut self, err: &mut dyn Write) {
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
    pub(super) fn polled(&self) -> Vec<&Polled> {
        self.order
            .iter()
            .filter_map(|path| match &self.entries.get(path)?.state {
                State::Polled(polled) => Some(&**polled),
                _ => None,
            })
            .collect()
    }
}
