//! The `pollstats` binary, run as a command: against files that live
//! writer processes (this test binary, started again) keep changing,
//! against the Python 0.8 fixtures, and against files that appear, go and
//! are replaced while it polls.

mod common;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{child_role, child_test, fixtures_dir, KillOnDrop};
use mmstats::reader::testing::cut;
use mmstats::reader::{StatsFile, Value};
use mmstats::{Counter, Gauge, MmStats, Text};

/// What a writer publishes.
#[derive(MmStats)]
struct Live {
    done: Counter,
    level: Gauge<u32>,
    #[mmstats(size = 32)]
    user: Text,
    busy: Gauge<bool>,
}

/// How long a test waits for something that takes milliseconds on an idle
/// machine: a shared, loaded one can be very much slower.
const DEADLINE: Duration = Duration::from_secs(60);

/// The environment variable that gives a writer its file.
const WRITER_PATH: &str = "MMSTATS_POLLSTATS_TEST_PATH";

/// The writer role: sets its gauges and text once, then counts about a
/// thousand times a second (a millisecond's sleep between increments)
/// until it is killed.
fn play_writer() -> ! {
    let path = PathBuf::from(std::env::var_os(WRITER_PATH).unwrap());
    let stats = Live::options()
        .path(path.parent().unwrap())
        .filename(path.file_name().unwrap().to_str().unwrap())
        .create()
        .unwrap();
    stats.level.set(42);
    stats.user.set("writer\x1b[31m");
    stats.busy.set(true);
    loop {
        stats.done.incr();
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Starts a writer of `path` from the test `test`, and waits until it has
/// counted.
fn start_writer(test: &str, path: &Path) -> KillOnDrop {
    let child = KillOnDrop(
        child_test(test, "writer")
            .env(WRITER_PATH, path)
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + DEADLINE;
    loop {
        let counted = StatsFile::open(path)
            .and_then(|file| file.read_all())
            .is_ok_and(|fields| {
                fields
                    .iter()
                    .any(|f| f.label == "done" && f.value != Value::UInt(0))
            });
        if counted {
            return child;
        }
        assert!(
            Instant::now() < deadline,
            "the writer of {} never counted",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `pollstats ARGS` in `dir`, with none of the variables that change its
/// output set.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pollstats"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("MMSTATS_GLOB")
        .env_remove("MMSTATS_PATH")
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR");
    command
}

fn pollstats(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

/// The cells of a row, trimmed.
fn cells(line: &str) -> Vec<&str> {
    line.split('|').map(str::trim).collect()
}

fn is_header(line: &str) -> bool {
    line.contains("done/s") || line.contains("file ")
}

#[test]
fn counters_show_their_rate_and_the_rest_their_current_value() {
    const TEST: &str = "counters_show_their_rate_and_the_rest_their_current_value";
    if child_role().is_some() {
        play_writer();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.mmstats");
    let _writer = start_writer(TEST, &path);
    let out = pollstats(
        dir.path(),
        &[
            "-c",
            "5",
            "-d",
            "0.2",
            "done,level,user,busy",
            "live.mmstats",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(0), ""),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "escape codes in {stdout:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert_eq!(
        cells(lines[0]),
        ["done/s", "level", "user", "busy"],
        "{stdout}"
    );
    // The first row: the total so far, at least what the writer counted
    // before we started; then changes per second. The writer sleeps a
    // millisecond between increments, so no more than ~1000/s; on a loaded
    // machine it may be much slower, or not run at all for a row, but not
    // for all of them.
    let total: u64 = cells(lines[1])[0].parse().unwrap();
    assert!(total >= 1, "{stdout}");
    let mut rates = Vec::new();
    for line in &lines[2..] {
        let row = cells(line);
        let rate: f64 = row[0].parse().unwrap();
        assert!((0.0..1500.0).contains(&rate), "rate {rate} in {stdout}");
        assert!(row[0].contains('.'), "{stdout}");
        rates.push(rate);
    }
    assert!(rates.iter().any(|&rate| rate > 0.0), "{stdout}");
    for line in &lines[1..] {
        // The text is printed with its escape character escaped.
        assert_eq!(
            cells(line)[1..],
            ["42", "writer\\x1b[31m", "True"],
            "{stdout}"
        );
    }
    // The original's layout: 20 characters a column.
    assert!(
        lines.iter().all(|l| l.chars().count() == 4 * 20 + 3),
        "{stdout}"
    );

    // --delta: changes per interval, no unit in the header. Over the
    // rows, the writer counted at least once, and no faster than once a
    // millisecond of the time pollstats ran.
    let started = Instant::now();
    let out = pollstats(
        dir.path(),
        &["--delta", "-c", "5", "-d", "0.2", "done", "."],
    );
    let ran = started.elapsed();
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert_eq!(cells(lines[0]), ["done"], "{stdout}");
    let changes: Vec<u64> = lines[2..]
        .iter()
        .map(|line| cells(line)[0].parse().unwrap())
        .collect();
    let counted: u64 = changes.iter().sum();
    let most = ran.as_millis() as u64 + 1;
    assert!(
        (1..=most).contains(&counted),
        "{changes:?} in {ran:?}: {stdout}"
    );
}

#[test]
fn files_that_appear_go_or_are_replaced_while_polling() {
    const TEST: &str = "files_that_appear_go_or_are_replaced_while_polling";
    if child_role().is_some() {
        play_writer();
    }
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.mmstats");
    let second = dir.path().join("second.mmstats");
    let copied = dir.path().join("copied.mmstats");
    std::fs::copy(fixtures_dir().join("blog_script.mmstats"), &copied).unwrap();
    let mut first_writer = start_writer(TEST, &first);

    // No count: the test ends pollstats once it has noted everything.
    let (poll, mut lines) = polling(
        dir.path(),
        &["-d", "0.2", "-n", "5", "done,level", "*.mmstats"],
    );
    // The files there at the start are listed (a header, then a row) before
    // the changes, so that each change is noted.
    lines.wait_for(|lines| lines.stdout.len() >= 2);
    let _second_writer = start_writer(TEST, &second);
    lines.wait_for(|lines| lines.has_note("pollstats: second.mmstats: new file, polled"));
    first_writer.kill().unwrap();
    first_writer.wait().unwrap();
    std::fs::remove_file(&first).unwrap();
    // Another file takes the copied file's name.
    let new = dir.path().join("new");
    std::fs::copy(fixtures_dir().join("blog_script.mmstats"), &new).unwrap();
    std::fs::rename(&new, &copied).unwrap();
    lines.wait_for(|lines| {
        lines.has_note("pollstats: first.mmstats: gone, dropped")
            && lines.has_note("pollstats: copied.mmstats: replaced, reopened")
    });
    // Some more rows, after the changes.
    let rows = lines.stdout.len();
    lines.wait_for(|lines| lines.stdout.len() >= rows + 3);
    drop(poll);
    let lines = lines.finish();

    let stdout = lines.stdout.join("\n");
    let stderr = lines.stderr.join("\n");
    assert!(!stdout.contains('\x1b'), "escape codes in {stdout:?}");
    assert_eq!(lines.stderr.len(), 3, "{stderr}");
    // The header every five rows.
    for (i, line) in lines.stdout.iter().enumerate() {
        assert_eq!(is_header(line), i % 6 == 0, "line {i}: {stdout}");
    }
    // Every row has a value: the counters never went backwards as files
    // came and went, and the gauge is the mean over the files: 42 from
    // both writers, 42 and nothing from the Python file (which has no
    // `level`). A writer sets its gauge just after it creates its file, so
    // pollstats may read the second writer's before it is set (the mean of
    // 42 and 0).
    for line in lines.stdout.iter().filter(|l| !is_header(l)).skip(1) {
        let row = cells(line);
        let rate: f64 = row[0].parse().unwrap();
        assert!(rate >= 0.0, "{stdout}");
        assert!(["42", "21"].contains(&row[1]), "{stdout}");
    }
    let last = lines.stdout.last().unwrap();
    assert_eq!(cells(last)[1], "42", "{stdout}");
}

/// A model of two pages: a counter and a text fill the first page, a
/// gauge starts the second. Cut to its first page, the file reads whole,
/// without the gauge.
#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct TwoPages {
    done: Counter,
    #[mmstats(size = 2000)]
    comment: Text,
    level: Gauge<u32>,
}

/// A [`TwoPages`] at `dir/cycled.mmstats` with `done` 7 and `level` 42,
/// and its bytes.
fn two_pages(dir: &Path) -> (mmstats::Model<TwoPages>, Vec<u8>) {
    let stats = TwoPages::options()
        .path(dir)
        .filename("cycled.mmstats")
        .create()
        .unwrap();
    stats.done.add(7);
    stats.comment.set("first page");
    stats.level.set(42);
    let fields = StatsFile::open(stats.path()).unwrap().read_all().unwrap();
    assert_eq!(fields[2].offset, PAGE);
    let bytes = std::fs::read(stats.path()).unwrap();
    (stats, bytes)
}

const PAGE: usize = 4096;

/// Writes `bytes` back over the file at `path`, in place.
fn restore(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.write_all_at(bytes, 0).unwrap();
}

#[test]
fn a_file_cut_short_and_filled_again_while_polled_shows_its_values_again() {
    let cycles: usize = std::env::var("MMSTATS_POLL_CYCLES")
        .ok()
        .and_then(|cycles| cycles.parse().ok())
        .unwrap_or(2);
    let dir = tempfile::tempdir().unwrap();
    let (stats, bytes) = two_pages(dir.path());
    let args = ["-n", "0", "-d", "0.1", "--delta", "done,level", "."];
    let (poll, mut lines) = polling(dir.path(), &args);
    lines.wait_for(|lines| lines.stdout.len() >= 2);
    assert_eq!(cells(&lines.stdout[1]), ["7", "42"]);
    let reopened = "pollstats: cycled.mmstats: changed, reopened";
    let grew = "pollstats: cycled.mmstats: grew, reopened";
    let count = |lines: &Lines, note: &str| lines.stderr.iter().filter(|l| *l == note).count();
    // Rows printed after a restore still without `level`: the restore
    // came between a listing and its read, or the note was seen late.
    let mut late = 0;
    for cycle in 0..cycles {
        // Cut where `level` starts, until pollstats has opened it again
        // so and read it: the fields before `level`.
        cut(stats.path(), PAGE as u64);
        lines.wait_for(|lines| count(lines, reopened) > cycle);
        let rows = lines.stdout.len();
        lines.wait_for(|lines| lines.stdout.len() > rows + 1);
        assert_eq!(cells(lines.stdout.last().unwrap())[1], "-", "cycle {cycle}");
        restore(stats.path(), &bytes);
        // Read whole again from the next listing on: ten rows are far more
        // than it takes.
        let restored = lines.stdout.len();
        lines.wait_for(|lines| count(lines, grew) > cycle || lines.stdout.len() >= restored + 10);
        let noted = lines.stdout.len();
        assert_eq!(
            count(&lines, grew),
            cycle + 1,
            "cycle {cycle}:\n{}",
            lines.stdout[restored..].join("\n")
        );
        lines.wait_for(|lines| lines.stdout.len() > noted + 1);
        assert_eq!(
            cells(lines.stdout.last().unwrap()),
            ["0", "42"],
            "cycle {cycle}"
        );
        late += lines.stdout[restored..noted]
            .iter()
            .filter(|line| cells(line)[1] == "-")
            .count();
    }
    drop(poll);
    let lines = lines.finish();
    assert_eq!(
        lines.stderr.len(),
        2 * cycles,
        "{}",
        lines.stderr.join("\n")
    );
    eprintln!("{cycles} cut-and-restore cycles: {late} rows after a restore without `level`");
}

#[test]
fn a_file_cut_short_at_the_start_is_polled_once_filled_again() {
    let dir = tempfile::tempdir().unwrap();
    let (stats, bytes) = two_pages(dir.path());
    let path = stats.path().to_owned();
    // Cut inside `level`, and kept cut: as written just now, so that
    // pollstats waits for it.
    cut(&path, PAGE as u64 + 3);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let status = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let file = File::options().write(true).open(&path).unwrap();
                file.set_modified(std::time::SystemTime::now()).unwrap();
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let (mut poll, mut lines) = polling(
            dir.path(),
            &["-c", "3", "-d", "0.1", "--delta", "done,level", "."],
        );
        lines.wait_for(|lines| !lines.stderr.is_empty());
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        restore(&path, &bytes);
        let status = poll.wait().unwrap();
        (status, lines.finish())
    });
    let (status, lines) = status;
    let stdout = lines.stdout.join("\n");
    let stderr = lines.stderr.join("\n");
    assert!(status.success(), "{status}: {stdout}\n{stderr}");
    assert!(
        lines.stderr[0].starts_with("pollstats: cycled.mmstats: field at offset "),
        "{stderr}"
    );
    assert!(
        lines.has_note("pollstats: cycled.mmstats: now readable, polled"),
        "{stderr}"
    );
    assert_eq!(lines.stdout.len(), 4, "{stdout}");
    assert_eq!(cells(&lines.stdout[1]), ["7", "42"], "{stdout}");
    assert_eq!(cells(&lines.stdout[3]), ["0", "42"], "{stdout}");
}

/// `pollstats ARGS` in `dir`, started, and the lines it prints as they
/// come.
fn polling(dir: &Path, args: &[&str]) -> (KillOnDrop, Lines) {
    let mut poll = KillOnDrop(
        command(dir, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lines = Lines::of(&mut poll);
    (poll, lines)
}

/// The lines a child prints on its piped stdout and stderr, as they come.
struct Lines {
    stdout: Vec<String>,
    stderr: Vec<String>,
    receiver: mpsc::Receiver<(bool, String)>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Lines {
    /// Starts reading the pipes of `child`.
    fn of(child: &mut KillOnDrop) -> Lines {
        let (sender, receiver) = mpsc::channel();
        let stdout: Box<dyn Read + Send> = Box::new(child.0.stdout.take().unwrap());
        let stderr: Box<dyn Read + Send> = Box::new(child.0.stderr.take().unwrap());
        let readers = [(false, stdout), (true, stderr)]
            .into_iter()
            .map(|(is_stderr, pipe)| {
                let sender = sender.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(pipe).lines() {
                        // The test may have failed and gone.
                        if sender.send((is_stderr, line.unwrap())).is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        Lines {
            stdout: Vec::new(),
            stderr: Vec::new(),
            receiver,
            readers,
        }
    }

    fn has_note(&self, note: &str) -> bool {
        self.stderr.iter().any(|line| line == note)
    }

    /// Takes lines until `done` says so; fails after [`DEADLINE`], or if
    /// the child ends first.
    fn wait_for(&mut self, done: impl Fn(&Lines) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => self.take(line),
                Err(e) => panic!(
                    "{e} waiting; stdout:\n{}\nstderr:\n{}",
                    self.stdout.join("\n"),
                    self.stderr.join("\n")
                ),
            }
        }
    }

    fn take(&mut self, (is_stderr, line): (bool, String)) {
        if is_stderr {
            self.stderr.push(line);
        } else {
            self.stdout.push(line);
        }
    }

    /// Takes the lines left once the child is gone.
    fn finish(mut self) -> Lines {
        for reader in std::mem::take(&mut self.readers) {
            reader.join().unwrap();
        }
        while let Ok(line) = self.receiver.try_recv() {
            self.take(line);
        }
        self
    }
}

#[test]
fn per_file_rows() {
    const TEST: &str = "per_file_rows";
    if child_role().is_some() {
        play_writer();
    }
    let dir = tempfile::tempdir().unwrap();
    let _a = start_writer(TEST, &dir.path().join("a.mmstats"));
    let _b = start_writer(TEST, &dir.path().join("b.mmstats"));
    let out = pollstats(
        dir.path(),
        &["-P", "-c", "4", "-d", "0.2", "done,user", "."],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{stdout}");
    assert_eq!(cells(lines[0]), ["file", "done/s", "user"], "{stdout}");
    let names = ["a", "b"].iter().cycle();
    for (line, name) in lines[1..].iter().zip(names) {
        let row = cells(line);
        assert_eq!(row[0], format!("{name}.mmstats"), "{stdout}");
        assert_eq!(row[2], "writer\\x1b[31m", "{stdout}");
    }
    // Each writer counted in one of the rows after the first, at most a
    // thousand times a second.
    for file in 0..2 {
        let rates: Vec<f64> = lines[3 + file..]
            .iter()
            .step_by(2)
            .map(|line| cells(line)[1].parse().unwrap())
            .collect();
        assert!(
            rates.iter().all(|rate| (0.0..1500.0).contains(rate)),
            "{stdout}"
        );
        assert!(rates.iter().any(|&rate| rate > 0.0), "{stdout}");
    }
}

#[test]
fn python_fixtures_print_as_the_original_did() {
    let dir = fixtures_dir();
    // What Python 0.8's pollstats printed for these files, its escape
    // codes left out: `pollstats -c 3 done,missing_email blog_script.mmstats
    // all_types.mmstats` (all_types has neither field, so it is not polled).
    let out = pollstats(
        &dir,
        &[
            "--delta",
            "-c",
            "3",
            "-d",
            "0.05",
            "done,missing_email",
            "blog_script.mmstats",
            "all_types.mmstats",
        ],
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        text(&out.stdout),
        "        done        |   missing_email    \n\
         \x20               113 |                 12 \n\
         \x20                 0 |                  0 \n\
         \x20                 0 |                  0 \n"
    );
    // The same with every kind of field; the prefix is left out of the
    // headers.
    let out = pollstats(
        &dir,
        &[
            "-c",
            "2",
            "-d",
            "0.05",
            "-p",
            "fixture.",
            "requests.count,db.timer,enabled,last.name,sys.uid",
            "all_types.mmstats",
        ],
    );
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        text(&out.stdout),
        "  requests.count/s  |      db.timer      |      enabled       |     last.name      |      sys.uid       \n\
         \x20     1099511627881 |           0.241667 |               True | bob                |                  0 \n\
         \x20               0.0 |           0.241667 |               True | bob                |                  0 \n"
    );
}

#[test]
fn columns_fit_columns_and_terminals_get_colours() {
    let dir = fixtures_dir();
    let mut narrow = command(
        &dir,
        &[
            "-c",
            "1",
            "done,missing_email,user,sys.pid",
            "blog_script.mmstats",
        ],
    );
    let out = narrow.env("COLUMNS", "50").output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.lines().all(|l| l.chars().count() < 50), "{stdout}");
    // A header too long for its column keeps its start, its end and unit.
    assert!(stdout.contains("|miss…mail/s|"), "{stdout}");

    // On a terminal 60 columns wide: colours, and the same fitting.
    let stdout = on_terminal(
        &dir,
        60,
        &[],
        &["-c", "1", "done,user", "blog_script.mmstats"],
    );
    assert!(stdout.contains("\x1b[1m"), "{stdout:?}");
    assert!(stdout.contains("\x1b[1;33m"), "{stdout:?}");
    let plain = strip_escapes(&stdout);
    // The text column takes the room the counter leaves.
    let first = plain.lines().next().unwrap();
    assert_eq!(first.chars().count(), 59, "{plain:?}");
    // --no-color and $NO_COLOR turn the colours off.
    let stdout = on_terminal(
        &dir,
        60,
        &[],
        &["--no-color", "-c", "1", "done", "blog_script.mmstats"],
    );
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    let stdout = on_terminal(
        &dir,
        60,
        &[("NO_COLOR", "1")],
        &["-c", "1", "done", "blog_script.mmstats"],
    );
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
}

/// What `pollstats ARGS` prints on a pseudo-terminal `columns` wide.
fn on_terminal(dir: &Path, columns: u16, env: &[(&str, &str)], args: &[&str]) -> String {
    let (master, slave) = open_pty(columns);
    let mut command = command(dir, args);
    command
        .envs(env.iter().copied())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped());
    let child: Child = command.spawn().unwrap();
    // The child has the terminal now; with our copy gone, reading the
    // master ends once the child is done.
    drop(command);
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stderr), "");
    assert!(out.status.success());
    let mut text = Vec::new();
    let mut master = File::from(master);
    // Linux reports EIO at the end of a pseudo-terminal's output.
    let _ = master.read_to_end(&mut text);
    String::from_utf8(text).unwrap().replace("\r\n", "\n")
}

/// A pseudo-terminal `columns` wide: its master and its slave. Both are
/// opened close-on-exec, so that the children other tests start meanwhile
/// do not inherit them (a child that holds the slave would keep reading the
/// master from ending).
fn open_pty(columns: u16) -> (OwnedFd, OwnedFd) {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: posix_openpt takes only flags; it returns a new descriptor
    // or -1.
    let master = unsafe { libc::posix_openpt(flags) };
    assert!(
        master >= 0,
        "posix_openpt: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: posix_openpt succeeded, so this is an open descriptor that
    // nothing else owns.
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    // SAFETY: unlockpt takes a descriptor, open for the call.
    let status = unsafe { libc::unlockpt(master.as_raw_fd()) };
    assert_eq!(status, 0, "unlockpt: {}", std::io::Error::last_os_error());
    // SAFETY: TIOCGPTPEER takes the open flags of the slave as an integer
    // and returns a new descriptor or -1; the master is open for the call.
    let slave = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    assert!(
        slave >= 0,
        "TIOCGPTPEER: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: the ioctl succeeded, so this is an open descriptor that
    // nothing else owns.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    let size = libc::winsize {
        ws_row: 24,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize from the pointer, which points to
    // one that lives through the call; the slave is open for it.
    let status = unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    assert_eq!(status, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
    (master, slave)
}

fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = KillOnDrop(
        command(
            &fixtures_dir(),
            &["-d", "0.05", "done", "blog_script.mmstats"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("done/s"), "{line}");
    drop(stdout);
    let out = wait_with_output_after_close(child);
    assert_eq!((out.0.code(), out.1.as_str()), (Some(0), ""));
}

fn wait_with_output_after_close(mut child: KillOnDrop) -> (std::process::ExitStatus, String) {
    let mut err = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.0.wait().unwrap(), err)
}

#[test]
fn bad_usage_exits_2_and_a_missing_field_is_an_error() {
    let dir = fixtures_dir();
    for args in [
        &[][..],
        &["--bogus", "done"],
        &["-d", "0", "done"],
        &["-d", "soon", "done"],
        &["-c", "-1", "done"],
        &["done,,missing_email"],
    ] {
        let out = pollstats(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
    let out = pollstats(&dir, &["-c", "1", "done,nothing", "blog_script.mmstats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert_eq!(
        text(&out.stderr),
        "pollstats: blog_script.mmstats: no field named 'nothing'\n"
    );
    let out = pollstats(&dir, &["-c", "1", "nothing", "missing.mmstats"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("pollstats: missing.mmstats: cannot open: "),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("pollstats: no stats files to poll\n"),
        "{stderr}"
    );

    let out = pollstats(&dir, &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("--per-file"),
        "{help}"
    );
}
