//! No torn values under full-speed writes.
//!
//! A writer process updates a value of every kind as fast as it can, each
//! from a self-checking pattern, while two reader processes read the file
//! through `mmstats::reader` and count, per kind, the reads and the values
//! that no write ever stored (torn reads):
//!
//! - `count`, a `Counter` incremented by one: every reader must see it
//!   never go down;
//! - `real` (`f64`), `int` (`i32`), `short` (`i16`): set to values whose
//!   bytes are all equal, from a set of eight: a value outside the set is
//!   torn;
//! - `flag` (`bool`): flipped on every round;
//! - `moving` (`MovingAverage`, window 3): fed the eight `real` values in a
//!   cycle, so its mean is one of the means that the same cycle gives in a
//!   scratch model;
//! - `text`, a `Text` of 255 bytes, set to 255 copies of one letter: a
//!   value of another length or with two letters is torn.
//!
//! In the default layout no read may tear. The same run against the
//! python-exact layout must tear (its strings are written in place, its
//! buffers are reused under slow readers): if it did not, the test would
//! not be strong enough to trust the first figure.
//!
//! The run is bounded for CI (`200_000` reads per kind and reader); set
//! `MMSTATS_STRESS_READS` for the long mode, e.g.
//! `MMSTATS_STRESS_READS=10000000 cargo test --release --test torn -- --nocapture`.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mmstats::reader::{ReadError, StatsFile, ValueRef};
use mmstats::{Counter, Gauge, Layout, MmStats, MovingAverage, Text};

use common::{child_role, child_test, read_fields, KillOnDrop};

#[derive(MmStats)]
struct Churn {
    count: Counter,
    real: Gauge<f64>,
    int: Gauge<i32>,
    short: Gauge<i16>,
    flag: Gauge<bool>,
    #[mmstats(window = 3)]
    moving: MovingAverage,
    #[mmstats(size = 255)]
    text: Text,
}

/// The scratch model that gives the moving average's possible means.
#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct Scratch {
    #[mmstats(window = 3)]
    moving: MovingAverage,
}

/// The kinds, as labelled in the file, in the order they are reported.
const KINDS: [&str; 7] = ["count", "real", "int", "short", "flag", "moving", "text"];

/// The bytes the patterns repeat. None makes a NaN or an infinity.
const BYTES: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x5a, 0x66, 0x77, 0xa5];

const TEXT_SIZE: usize = 255;

fn real(round: usize) -> f64 {
    f64::from_bits(u64::from_ne_bytes([BYTES[round % 8]; 8]))
}

fn int(round: usize) -> i32 {
    i32::from_ne_bytes([BYTES[round % 8]; 4])
}

fn short(round: usize) -> i16 {
    i16::from_ne_bytes([BYTES[round % 8]; 2])
}

fn letter(round: usize) -> u8 {
    b'a' + (round % 26) as u8
}

/// What the environment asks of this run: reads per kind and reader.
fn reads_wanted() -> u64 {
    std::env::var("MMSTATS_STRESS_READS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(200_000)
}

/// The writer: every kind, as fast as it can, until it is killed.
fn write_forever(path: &Path, layout: Layout) -> ! {
    let stats = Churn::options()
        .path(path.parent().unwrap())
        .filename(path.file_name().unwrap().to_str().unwrap())
        .layout(layout)
        .create()
        .unwrap();
    let texts: Vec<String> = (0..26)
        .map(|round| String::from(letter(round) as char).repeat(TEXT_SIZE))
        .collect();
    let mut round = 0usize;
    loop {
        // One round leaves every field holding a value of the pattern,
        // before the readers are started.
        stats.count.incr();
        stats.real.set(real(round));
        stats.int.set(int(round));
        stats.short.set(short(round));
        stats.flag.set(round % 2 == 1);
        stats.moving.add(real(round));
        stats.text.set(&texts[round % 26]);
        if round == 0 {
            println!("ready");
        }
        round = round.wrapping_add(1);
    }
}

/// Every mean the moving average can hold: 0 before the first sample,
/// then the means of the cycle of `real` values, from the library itself.
fn possible_means() -> Vec<u64> {
    let dir = tempfile::tempdir().unwrap();
    let scratch = Scratch::options().path(dir.path()).create().unwrap();
    let mut means = vec![0f64.to_bits()];
    for round in 0..3 * 8 {
        scratch.moving.add(real(round));
        means.push(scratch.moving.get().to_bits());
    }
    means.sort_unstable();
    means.dedup();
    means
}

/// Reads and torn values of one kind, seen by one reader.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    reads: u64,
    torn: u64,
}

/// One reader: reads the file until it has read every kind `wanted` times
/// (or a minute has passed) and prints a line per kind,
/// `tally KIND READS TORN`, then `changing N` (reads that gave up on a
/// value the writer kept changing), `failed N FIRST-ERROR` (any other
/// error), `changes N`.
fn read_and_count(path: &Path, wanted: u64) {
    let reals: Vec<u64> = (0..8).map(|round| real(round).to_bits()).collect();
    let ints: Vec<i64> = (0..8).map(|round| i64::from(int(round))).collect();
    let shorts: Vec<i64> = (0..8).map(|round| i64::from(short(round))).collect();
    let means = possible_means();
    let file = StatsFile::open(path).unwrap();
    let mut cursor = file.cursor();
    let mut tallies = [Tally::default(); KINDS.len()];
    let (mut failed, mut changing) = (0u64, 0u64);
    let mut first_error = None;
    let mut last_count = 0u64;
    let mut changes = 0u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut passes = 0u64;
    while tallies.iter().any(|tally| tally.reads < wanted)
        && (!passes.is_multiple_of(1024) || Instant::now() < deadline)
    {
        passes += 1;
        cursor.rewind();
        while let Some(field) = cursor.next_field() {
            let field = match field {
                Ok(field) => field,
                Err(ReadError::KeptChanging { .. }) => {
                    changing += 1;
                    break;
                }
                Err(err) => {
                    failed += 1;
                    first_error.get_or_insert_with(|| err.to_string());
                    break;
                }
            };
            let Some(kind) = KINDS.iter().position(|&k| k == field.label) else {
                continue;
            };
            let good = match (kind, field.value) {
                (0, ValueRef::UInt(count)) => {
                    let good = count >= last_count;
                    changes += u64::from(count != last_count);
                    last_count = count;
                    good
                }
                (1, ValueRef::Float(x)) => reals.contains(&x.to_bits()),
                (2 | 3, ValueRef::Int(x)) => {
                    if kind == 2 {
                        ints.contains(&x)
                    } else {
                        shorts.contains(&x)
                    }
                }
                (4, ValueRef::Bool(_)) => true,
                (5, ValueRef::Float(x)) => means.binary_search(&x.to_bits()).is_ok(),
                (6, ValueRef::Str(text)) => {
                    let bytes = text.as_bytes();
                    bytes.len() == TEXT_SIZE
                        && bytes[0].is_ascii_lowercase()
                        && bytes.iter().all(|&b| b == bytes[0])
                }
                (_, other) => panic!("{}: unexpected value {other:?}", field.label),
            };
            tallies[kind].reads += 1;
            tallies[kind].torn += u64::from(!good);
        }
    }
    for (kind, tally) in KINDS.iter().zip(tallies) {
        println!("tally {kind} {} {}", tally.reads, tally.torn);
    }
    println!("changing {changing}");
    println!("failed {failed} {}", first_error.unwrap_or_default());
    println!("changes {changes}");
}

/// The lines of a child's stdout, up to and including the first that
/// starts with `until` (or all of them).
fn lines_until(child: &mut Child, until: &str) -> Vec<String> {
    let stdout = child.stdout.as_mut().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with(until);
        lines.push(line);
        if done {
            break;
        }
    }
    lines
}

/// What the two readers saw, summed.
#[derive(Debug, Default)]
struct Outcome {
    tallies: BTreeMap<String, Tally>,
    failed: u64,
    changing: u64,
    errors: Vec<String>,
    changes: u64,
    writes: u64,
    seconds: f64,
}

/// Runs the writer and two readers against one file in `layout`, one race
/// at a time: two at once would share the two cores and race less.
fn race(test: &str, layout: &str) -> Outcome {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("churn.mmstats");
    let spawn = |role: &str| {
        KillOnDrop(
            child_test(test, role)
                .env("MMSTATS_TORN_PATH", &path)
                .env("MMSTATS_TORN_LAYOUT", layout)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    };
    let mut writer = spawn("writer");
    let ready = lines_until(&mut writer, "ready");
    assert_eq!(
        ready.last().map(String::as_str),
        Some("ready"),
        "writer: {ready:?}"
    );
    let started = Instant::now();
    let readers: Vec<KillOnDrop> = (0..2).map(|_| spawn("reader")).collect();
    let mut outcome = Outcome::default();
    for mut reader in readers {
        let lines = lines_until(&mut reader, "changes");
        assert!(reader.wait().unwrap().success(), "reader: {lines:?}");
        for line in &lines {
            let words: Vec<&str> = line.splitn(4, ' ').collect();
            match words[..] {
                ["tally", kind, reads, torn] => {
                    let tally = outcome.tallies.entry(kind.to_owned()).or_default();
                    tally.reads += reads.parse::<u64>().unwrap();
                    tally.torn += torn.parse::<u64>().unwrap();
                }
                ["failed", count, ..] => {
                    outcome.failed += count.parse::<u64>().unwrap();
                    let error = line.splitn(3, ' ').nth(2).unwrap_or_default();
                    if !error.is_empty() {
                        outcome.errors.push(error.to_owned());
                    }
                }
                ["changes", count] => outcome.changes += count.parse::<u64>().unwrap(),
                ["changing", count] => outcome.changing += count.parse::<u64>().unwrap(),
                _ => {}
            }
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    writer.kill().unwrap();
    writer.wait().unwrap();
    let fields = read_fields(&path);
    outcome.writes = match fields[0].value {
        mmstats::reader::Value::UInt(count) => count,
        ref other => panic!("count: {other:?}"),
    };
    println!(
        "{layout}: {:.1} s, {} rounds written, {} counter changes seen, {} reads gave up on a changing value, {} failed {:?}",
        outcome.seconds,
        outcome.writes,
        outcome.changes,
        outcome.changing,
        outcome.failed,
        outcome.errors
    );
    for (kind, tally) in &outcome.tallies {
        println!(
            "{layout}: {kind:6} {:>10} reads {:>8} torn",
            tally.reads, tally.torn
        );
    }
    outcome
}

/// Plays the writer's or a reader's part when this binary was started as
/// one; returns whether it did.
fn play_child_role() -> bool {
    let Some(role) = child_role() else {
        return false;
    };
    let path = std::env::var_os("MMSTATS_TORN_PATH").unwrap();
    let path = Path::new(&path);
    let layout = match std::env::var("MMSTATS_TORN_LAYOUT").as_deref() {
        Ok("aligned") => Layout::Aligned,
        Ok("python-exact") => Layout::PythonExact,
        other => panic!("layout {other:?}"),
    };
    // The test harness has begun a line ("test NAME ... "): end it, so that
    // every report is a line of its own.
    println!();
    match role.as_str() {
        "writer" => write_forever(path, layout),
        "reader" => read_and_count(path, reads_wanted()),
        other => panic!("unknown role {other}"),
    }
    true
}

/// Both readers read every kind as often as asked, and saw the writer at
/// work while they did.
fn check_coverage(outcome: &Outcome) {
    let wanted = 2 * reads_wanted();
    for kind in KINDS {
        let reads = outcome.tallies.get(kind).map_or(0, |t| t.reads);
        assert!(reads >= wanted, "{kind}: {reads} reads, wanted {wanted}");
    }
    assert!(
        outcome.changes >= 100,
        "the readers saw the counter change only {} times: no race",
        outcome.changes
    );
}

#[test]
fn the_default_layout_never_tears() {
    if play_child_role() {
        return;
    }
    let outcome = race("the_default_layout_never_tears", "aligned");
    check_coverage(&outcome);
    // Read errors would hide tears. A reader may give up on a text the
    // writer rewrites without pause (and reads it on the next pass), but
    // only rarely.
    assert_eq!(outcome.failed, 0, "{:?}", outcome.errors);
    let text_reads = outcome.tallies["text"].reads;
    assert!(
        outcome.changing * 1000 <= text_reads,
        "{} of {text_reads} text reads gave up",
        outcome.changing
    );
    for (kind, tally) in &outcome.tallies {
        assert_eq!(tally.torn, 0, "{kind}: {tally:?}");
    }
}

#[test]
fn the_python_exact_layout_tears_under_the_same_race() {
    if play_child_role() {
        return;
    }
    // Python 0.8 wrote strings in place: a reader racing the writer must
    // catch one half rewritten, or the race is too weak to prove anything.
    // A machine busy elsewhere may keep the writer and the readers from
    // running at once for a whole race: three races, then it is the test.
    let mut texts = Vec::new();
    for _ in 0..3 {
        let outcome = race(
            "the_python_exact_layout_tears_under_the_same_race",
            "python-exact",
        );
        check_coverage(&outcome);
        assert_eq!(outcome.failed, 0, "{:?}", outcome.errors);
        let text = outcome.tallies["text"];
        if text.torn > 0 {
            return;
        }
        texts.push(text);
    }
    panic!("python-exact text never tore: {texts:?}");
}
