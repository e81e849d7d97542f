//! A writer that re-creates a model of the same name over and over (each
//! new model replacing the stale file its predecessor left) races
//! `cleanstats` removing stale files in the same directory: no live file is
//! ever removed, and no creation fails because a stale file vanished under
//! it.
//!
//! CI runs a few thousand creations; the long mode many more:
//!
//! ```sh
//! MMSTATS_CLEAN_RACE_CREATIONS=100000 cargo test --release --test clean_race -- --nocapture
//! ```

use std::io::sink;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mmstats::reader::{StatsFile, Value};
use mmstats::{Counter, Error, MmStats};

#[derive(MmStats)]
struct Racer {
    round: Counter,
}

fn creations() -> u64 {
    std::env::var("MMSTATS_CLEAN_RACE_CREATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000)
}

/// The `round` counter of the file at `path`, if it can be read.
fn round_in(path: &std::path::Path) -> Option<u64> {
    let file = StatsFile::open(path).ok()?;
    let fields = file.fields().collect::<Result<Vec<_>, _>>().ok()?;
    fields
        .iter()
        .find(|f| f.label == "round")
        .and_then(|f| match f.value {
            Value::UInt(v) => Some(v),
            _ => None,
        })
}

#[test]
fn cleanstats_never_removes_a_live_file() {
    let dir = tempfile::tempdir().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let cleanings = Arc::new(AtomicU64::new(0));
    let cleaner = {
        let dir = dir.path().to_owned();
        let done = Arc::clone(&done);
        let cleanings = Arc::clone(&cleanings);
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                mmstats_tools::cleanstats::main(
                    [std::ffi::OsString::from("cleanstats"), dir.clone().into()],
                    &mut sink(),
                    &mut sink(),
                );
                cleanings.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let total = creations();
    let mut lost = 0;
    let mut busy = 0;
    for round in 1..=total {
        let model = match Racer::options()
            .path(dir.path())
            .filename("racer.mmstats")
            .create()
        {
            Ok(model) => model,
            // The cleaner held the stale file's lock for longer than a new
            // model waits for it (a busy machine): a refusal, never a loss.
            Err(Error::Occupied { reason, .. }) if reason.contains("a live writer holds it") => {
                busy += 1;
                continue;
            }
            Err(err) => panic!("creation {round} failed: {err}"),
        };
        model.round.set(round);
        std::thread::sleep(Duration::from_micros(50));
        if round_in(model.path()) != Some(round) {
            lost += 1;
        }
        // Dropped: the file stays behind, stale, for the next round to
        // replace or the cleaner to remove.
    }
    done.store(true, Ordering::Relaxed);
    cleaner.join().unwrap();
    let cleanings = cleanings.load(Ordering::Relaxed);
    println!(
        "{total} creations racing {cleanings} cleanstats runs: {lost} live files lost, {busy} \
         refused while the cleaner held a stale file"
    );
    assert_eq!(lost, 0, "live files removed under their writer");
    assert!(cleanings > 0, "cleanstats never ran");
    // Refusals are rare: the cleaner holds a lock for microseconds.
    assert!(busy * 10 < total, "{busy} of {total} creations refused");
}
