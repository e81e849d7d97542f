//! Crashes lose nothing that was written.
//!
//! A writer process increments a counter (and sets a gauge and a text from
//! the same round) as fast as it can, telling its parent the counter's value
//! every so often; the parent kills it with `SIGKILL` at a random moment,
//! from before the model exists to long after. Every file left behind must
//! read cleanly, hold a counter at least as large as the last value the
//! writer reported, and show in `slurpstats`; `cleanstats` then removes
//! them all, and a killed writer's name can be taken by a new model at once
//! (its lock died with it).
//!
//! Bounded for CI (30 kills); `MMSTATS_CRASH_KILLS` asks for more, e.g.
//! `MMSTATS_CRASH_KILLS=200 cargo test --release --test crash -- --nocapture`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mmstats::reader::Value;
use mmstats::{Counter, Gauge, MmStats, Text};

use common::{child_role, child_test, read_fields, KillOnDrop};

#[derive(MmStats)]
struct Victim {
    done: Counter,
    round: Gauge<u64>,
    #[mmstats(size = 32)]
    last: Text,
}

/// How many increments between two reports to the parent.
const REPORT_EVERY: u64 = 1000;

fn kills_wanted() -> u32 {
    std::env::var("MMSTATS_CRASH_KILLS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(30)
}

/// The writer: counts until it is killed, reporting on stdout.
fn count_forever(path: &Path) -> ! {
    // The test harness has begun a line ("test NAME ... "): end it, so that
    // every report is a line of its own. The parent times the kill from
    // this line, which comes before the model exists.
    println!("\nstarted");
    let stats = Victim::options()
        .path(path.parent().unwrap())
        .filename(path.file_name().unwrap().to_str().unwrap())
        .create()
        .unwrap();
    let mut round = 0u64;
    loop {
        round += 1;
        stats.done.incr();
        stats.round.set(round);
        stats.last.set(&format!("round {round}"));
        if round.is_multiple_of(REPORT_EVERY) {
            // The value is in the mapping before the parent hears of it.
            println!("done {}", stats.done.get());
        }
    }
}

/// A small generator for the kill moments; its seed is printed so a
/// failing run can be repeated with `MMSTATS_CRASH_SEED`.
fn moments() -> impl FnMut() -> u64 {
    let mut state = std::env::var("MMSTATS_CRASH_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("MMSTATS_CRASH_SEED={state}");
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// What one kill left.
struct Killed {
    path: std::path::PathBuf,
    reported: Option<u64>,
}

/// Starts a writer on `path`, kills it `delay` after it started (however
/// long starting a process takes on a busy machine), and returns the last
/// value it reported.
fn kill_after(test: &str, path: &Path, delay: Duration) -> Option<u64> {
    let mut writer = KillOnDrop(
        child_test(test, "writer")
            .env("MMSTATS_CRASH_PATH", path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = writer.stdout.take().unwrap();
    let last = Arc::new(AtomicU64::new(0));
    let (started, has_started) = std::sync::mpsc::channel();
    let listener = {
        let last = Arc::clone(&last);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line == "started" {
                    let _ = started.send(());
                } else if let Some(count) = line.strip_prefix("done ") {
                    last.store(count.parse().unwrap(), Ordering::SeqCst);
                }
            }
        })
    };
    has_started
        .recv_timeout(Duration::from_secs(60))
        .expect("the writer did not start");
    std::thread::sleep(delay);
    writer.kill().unwrap();
    let status = writer.wait().unwrap();
    assert!(!status.success(), "the writer ended by itself: {status:?}");
    // The pipe closes with the writer: every report it made is in.
    listener.join().unwrap();
    match last.load(Ordering::SeqCst) {
        0 => None,
        count => Some(count),
    }
}

#[test]
fn a_killed_writer_leaves_a_clean_file_with_every_reported_count() {
    const TEST: &str = "a_killed_writer_leaves_a_clean_file_with_every_reported_count";
    if let Some(role) = child_role() {
        assert_eq!(role, "writer");
        let path = std::env::var_os("MMSTATS_CRASH_PATH").unwrap();
        count_forever(Path::new(&path));
    }
    let dir = tempfile::tempdir().unwrap();
    let mut next = moments();
    let mut killed = Vec::new();
    for kill in 0..kills_wanted() {
        let path = dir.path().join(format!("victim-{kill}.mmstats"));
        // From the writer's start, before its model exists (creating one
        // takes well under a millisecond), to well into its counting: one
        // kill in four within the first half millisecond.
        let range = if next().is_multiple_of(4) {
            500
        } else {
            60_000
        };
        let delay = Duration::from_micros(next() % range);
        let reported = kill_after(TEST, &path, delay);
        killed.push(Killed { path, reported });
    }

    let mut files = 0;
    let mut lost = 0;
    for Killed { path, reported } in &killed {
        if !path.exists() {
            // Killed before the file got its name: then it never reported.
            assert_eq!(*reported, None, "{} is missing", path.display());
            continue;
        }
        files += 1;
        let fields = read_fields(path);
        let Value::UInt(done) = fields[0].value else {
            panic!("{}: done is {:?}", path.display(), fields[0].value);
        };
        let Value::UInt(round) = fields[1].value else {
            panic!("{}: round is {:?}", path.display(), fields[1].value);
        };
        if done < reported.unwrap_or(0) {
            lost += 1;
        }
        assert!(
            done >= reported.unwrap_or(0),
            "{}: done {done}, but the writer reported {reported:?}",
            path.display()
        );
        // The round is written after the increment, the text after the
        // round: each is at most one round behind the counter.
        assert!(done - round <= 1, "{}: {done} vs {round}", path.display());
        let Value::Str(last) = &fields[2].value else {
            panic!("{}: last is {:?}", path.display(), fields[2].value);
        };
        let text_round: u64 = match last.strip_prefix("round ") {
            Some(number) => number.parse().unwrap(),
            None => {
                assert_eq!(last, "", "{}", path.display());
                0
            }
        };
        assert!(round - text_round <= 1, "{}: {last:?}", path.display());
    }
    println!(
        "{} kills: {files} files, {} with a report, {lost} lost counts",
        killed.len(),
        killed.iter().filter(|k| k.reported.is_some()).count()
    );
    assert!(
        killed.iter().filter(|k| k.reported.is_some()).count() * 2 >= killed.len(),
        "too few writers got to report before the kill: the kills prove little"
    );

    // slurpstats shows every file the writers left.
    let out = Command::new(env!("CARGO_BIN_EXE_slurpstats"))
        .args(killed.iter().map(|k| &k.path).filter(|p| p.exists()))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("==> ").count(), files, "{stdout}");
    assert_eq!(stdout.matches("\n  done ").count(), files, "{stdout}");

    // Nothing but the files and, from writers killed while creating theirs,
    // hidden temporary files that no glob of stats files matches.
    let mut leftovers = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.starts_with('.') && name.ends_with(".tmp") {
            leftovers += 1;
        } else {
            assert!(name.ends_with(".mmstats"), "{name}");
        }
    }

    // A killed writer's lock died with it: its name is free for a new model.
    let taken = killed.iter().find(|k| k.path.exists()).unwrap();
    let again = Victim::options()
        .path(dir.path())
        .filename(taken.path.file_name().unwrap().to_str().unwrap())
        .create()
        .unwrap();
    assert_eq!(again.done.get(), 0);

    // cleanstats removes every other file the killed writers left, their
    // temporary files too, and keeps the new writer's.
    let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .arg(dir.path())
        .output()
        .unwrap();
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        summary.ends_with(&format!("Removed {}  -  1 alive\n", files - 1 + leftovers)),
        "{summary}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(left, [again.path().to_owned()]);
    println!(
        "cleanstats removed {} files and {leftovers} temporary files",
        files - 1
    );
}
