//! The tests of `pollstats` that need its parts: rows made one at a time,
//! files changed between them.

use std::path::Path;
use std::time::{Duration, SystemTime};

use clap::Parser;
use mmstats::reader::testing::{cut, FileBuilder};

use super::args::{parse_delay, parse_fields, Args};
use super::failure::Failure;
use super::sample::MISSED_NOTE;
use super::screen::Screen;
use super::watch::{Poll, Start, State};
use super::{main, Output};
use crate::testing::ClosedPipe;

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
        note_on(
            &dir.path().join("c.mmstats"),
            "matches none of the filters, skipped"
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
            "pollstats: {}: not an mmstats file (bad version byte)\n",
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
        assert_eq!(poll.check_start(), Ok(Start::Ready));
    }
    poll.sample(err);
    let text = String::from_utf8(screen.render(poll, first).to_vec()).unwrap();
    cells(text.lines().last().unwrap())
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The note `pollstats` writes about the file at `path`: `what` of it.
fn note_on(path: &Path, what: &str) -> String {
    format!("pollstats: {}: {what}\n", path.display())
}

/// The rows of a [`Poll`] made one at a time, as `run` makes them, and
/// the notes written meanwhile.
struct Rows<'a> {
    poll: Poll<'a>,
    screen: Screen,
    err: Vec<u8>,
}

impl<'a> Rows<'a> {
    fn new(args: &'a Args) -> Rows<'a> {
        Rows {
            poll: Poll::new(args),
            screen: Screen::new(args, Output::Plain, false),
            err: Vec::new(),
        }
    }

    /// The cells of the next row.
    fn row(&mut self) -> Vec<String> {
        next_row(&mut self.poll, &mut self.screen, &mut self.err)
    }

    /// The notes written since the last call.
    fn notes(&mut self) -> String {
        notes(&mut self.err)
    }
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
    let mut rows = Rows::new(&args);
    assert_eq!(rows.row(), ["10", "ann"]);
    assert_eq!(rows.row(), ["0", "ann"]);

    // A writer in the middle of changing `name` (its sequence word
    // odd), while `done` counts on: no values in this row, no note.
    poke(&path, seq, &7u64.to_ne_bytes());
    poke(&path, DONE, &15u64.to_ne_bytes());
    assert_eq!(rows.row(), ["-", "-"]);
    assert_eq!(rows.notes(), "");
    // Still polled, not opened again: the change since the last whole
    // read.
    poke(&path, seq, &8u64.to_ne_bytes());
    poke(&path, DONE, &25u64.to_ne_bytes());
    assert_eq!(rows.row(), ["15", "ann"]);
    assert_eq!(rows.row(), ["0", "ann"]);
    assert_eq!(rows.notes(), "");

    // A value that stays torn is noted, once, naming the file.
    poke(&path, seq, &9u64.to_ne_bytes());
    for _ in 0..=MISSED_NOTE {
        assert_eq!(rows.row(), ["-", "-"]);
    }
    let noted = rows.notes();
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
    assert_eq!(rows.row(), ["0", "ann"]);
    assert_eq!(rows.notes(), "");
}

#[test]
fn a_file_that_shrank_is_opened_again_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mmstats");
    write(dir.path(), "a.mmstats", 10, 1, "ann", None);
    let args = parse(&["--delta", "done,level", path.to_str().unwrap()]);
    let mut rows = Rows::new(&args);
    assert_eq!(rows.row(), ["10", "1"]);
    cut(&path, 0);
    assert_eq!(rows.row(), ["-", "-"]);
    assert_eq!(rows.notes(), "");
    // Written again in place: the same file, changed.
    write(dir.path(), "a.mmstats", 3, 2, "ann", None);
    assert_eq!(rows.row(), ["-", "2"]);
    assert_eq!(rows.notes(), note_on(&path, "changed, reopened"));
    assert_eq!(rows.row(), ["0", "2"]);
    assert_eq!(rows.notes(), "");
}

/// A file of two pages: a counter `done` (as `write` makes it) and a
/// string filling the rest of the first page, then a gauge `level` on the
/// second. Cut to its first page, it reads whole, without `level`.
fn two_pages(done: u64, level: u32) -> Vec<u8> {
    let mut file = FileBuilder::new();
    let mut storage = done.to_ne_bytes().to_vec();
    storage.extend(0u64.to_ne_bytes());
    file.raw(b"done", b"Q", 1, &storage);
    // The filler's header: lengths, label "fill", a 5-byte signature
    // ("NNNNs") and its write_buffer byte.
    let size = 4096 - file.bytes.len() - (2 + 4 + 2 + 5 + 1);
    file.unbuffered("fill", &format!("{size}s"), &vec![b'x'; size]);
    assert_eq!(file.bytes.len(), 4096);
    file.unbuffered("level", "I", &level.to_ne_bytes());
    file.finish(8192)
}

#[test]
fn a_file_cut_short_then_filled_again_shows_all_its_values_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mmstats");
    std::fs::write(&path, two_pages(10, 1)).unwrap();
    let args = parse(&["--delta", "done,level", path.to_str().unwrap()]);
    let mut rows = Rows::new(&args);
    assert_eq!(rows.row(), ["10", "1"]);
    cut(&path, 4096);
    assert_eq!(rows.row(), ["-", "-"]);
    // Opened again while still cut short: one page, which ends before
    // `level`.
    assert_eq!(rows.row(), ["-", "-"]);
    assert_eq!(rows.notes(), note_on(&path, "changed, reopened"));
    // Its bytes put back in place: the whole file is read again.
    std::fs::write(&path, two_pages(15, 2)).unwrap();
    assert_eq!(rows.row(), ["-", "2"]);
    assert_eq!(rows.notes(), note_on(&path, "grew, reopened"));
    std::fs::write(&path, two_pages(18, 3)).unwrap();
    assert_eq!(rows.row(), ["3", "3"]);
    assert_eq!(rows.notes(), "");
}

#[test]
fn a_file_without_the_fields_while_cut_short_is_polled_once_filled_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mmstats");
    std::fs::write(&path, two_pages(10, 1)).unwrap();
    let other = dir.path().join("b.mmstats");
    write(dir.path(), "b.mmstats", 5, 4, "ann", None);
    cut(&path, 4096);
    let args = parse(&[
        "-v",
        "level",
        path.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    let mut rows = Rows::new(&args);
    assert_eq!(rows.row(), ["4"]);
    assert_eq!(
        rows.notes(),
        note_on(&path, "has none of the fields, skipped")
    );
    std::fs::write(&path, two_pages(10, 2)).unwrap();
    assert_eq!(rows.row(), ["3"]);
    assert_eq!(rows.notes(), note_on(&path, "grew, polled"));
}

#[test]
fn a_file_cut_short_at_the_start_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.mmstats");
    write(dir.path(), "a.mmstats", 10, 1, "ann", None);
    // Cut inside its first field, just now.
    cut(&path, 10);
    let args = parse(&["--delta", "done,level", path.to_str().unwrap()]);
    let mut poll = Poll::new(&args);
    let mut err = Vec::new();
    poll.refresh(&mut err);
    assert_eq!(poll.check_start(), Ok(Start::Wait));
    let noted = notes(&mut err);
    assert!(noted.contains("truncated write_buffer"), "{noted}");
    // Still cut short at the next listing: waited for, without a note.
    poll.refresh(&mut err);
    assert_eq!(poll.check_start(), Ok(Start::Wait));
    assert_eq!(notes(&mut err), "");

    // One that shrank while it was read is waited for, however long ago
    // it was written.
    set_modified(&path, 1_000_000);
    let shrunk = mmstats::reader::ReadError::Shrunk {
        field: 1,
        len: 4096,
    };
    *failure(&mut poll) = Failure::new(&path, &shrunk, super::failure::Stamp::of(&path));
    assert_eq!(failure(&mut poll).stamp, None);
    assert_eq!(poll.check_start(), Ok(Start::Wait));
    // Cut short long ago: given up on.
    poll.refresh(&mut err);
    assert!(failure(&mut poll).stamp.is_some());
    assert_eq!(poll.check_start(), Err("no stats files to poll".to_owned()));
    assert!(notes(&mut err).contains("truncated write_buffer"));

    // Filled again: polled.
    write(dir.path(), "a.mmstats", 12, 3, "ann", None);
    poll.refresh(&mut err);
    assert_eq!(poll.check_start(), Ok(Start::Ready));
    assert_eq!(notes(&mut err), note_on(&path, "now readable, polled"));
    poll.sample(&mut err);
    let mut screen = Screen::new(&args, Output::Plain, false);
    let text = String::from_utf8(screen.render(&poll, true).to_vec()).unwrap();
    assert_eq!(cells(text.lines().last().unwrap()), ["12", "3"]);
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
    let mut rows = Rows::new(&args);
    assert_eq!(rows.row(), ["10"]);
    // A bad write_buffer byte: dropped, with a note naming the file.
    poke(&path, DONE_WRITE_BUFFER, &[7]);
    assert_eq!(rows.row(), ["-"]);
    let message = format!(
        "{}: field at offset 1: write_buffer 7 at offset {DONE_WRITE_BUFFER} \
         is not 0, 1 or 255",
        path.display()
    );
    assert_eq!(rows.notes(), format!("pollstats: {message}; dropped\n"));
    // Written just now: it may be in the middle of being written, so
    // it is read again at every listing (the same failure, no note).
    assert_eq!(failure(&mut rows.poll).stamp, None);
    set_modified(&path, 1_000_000);
    assert_eq!(rows.row(), ["-"]);
    assert_eq!(rows.notes(), "");
    // Not written for a while: it is not read again while it stays as
    // it is (a message it was not read with stays).
    assert!(failure(&mut rows.poll).stamp.is_some());
    failure(&mut rows.poll).message = "not read again".into();
    assert_eq!(rows.row(), ["-"]);
    assert_eq!(failure(&mut rows.poll).message, "not read again");
    // Mended, so changed: read again.
    poke(&path, DONE_WRITE_BUFFER, &[1]);
    set_modified(&path, 2_000_000);
    assert_eq!(rows.row(), ["-"]);
    assert_eq!(rows.notes(), note_on(&path, "now readable, polled"));
    assert_eq!(rows.row(), ["0"]);
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

#[test]
fn long_headers_stay_apart_and_keep_their_last_part() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = FileBuilder::new();
    for (label, value) in [
        ("jobsvc.worker.jobs.done", 7u64),
        ("jobsvc.worker.jobs.failed", 2),
    ] {
        let mut storage = value.to_ne_bytes().to_vec();
        storage.extend(0u64.to_ne_bytes());
        file.raw(label.as_bytes(), b"Q", 1, &storage);
    }
    file.unbuffered("jobsvc.worker.jobs.latency", "d", &0.5f64.to_ne_bytes());
    std::fs::write(dir.path().join("a.mmstats"), file.finish(4096)).unwrap();
    let fields = "jobsvc.worker.jobs.done,jobsvc.worker.jobs.failed,jobsvc.worker.jobs.latency";

    let (status, out, err) = run_in(dir.path(), &["-c", "1", fields]);
    assert_eq!((status, err.as_str()), (0, ""));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "jobsvc.worker…done/s|jobsvc.work…failed/s|jobsvc.worke…latency"
    );
    assert_eq!(cells(lines[1]), ["7", "2", "0.5"]);

    // Per interval: no unit, the same cut.
    let (_, out, _) = run_in(dir.path(), &["--delta", "-c", "1", fields]);
    assert_eq!(
        out.lines().next().unwrap(),
        "jobsvc.worker.j…done|jobsvc.worker…failed|jobsvc.worke…latency"
    );
}
