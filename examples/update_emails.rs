//! The scripts use case: a batch job publishes its progress while it runs
//! and leaves its numbers behind when it ends.
//!
//! ```text
//! cargo run --example update_emails -- 50
//! cargo run --bin slurpstats -- "$(cargo run -q --example update_emails -- 50)"
//! ```
//!
//! Processes N fake users (first argument, default 1000): every 10th has no
//! email and is only counted; the others are "updated" in another database
//! by a call of a few microseconds, which is timed. The file goes to
//! `$MMSTATS_PATH` (else the temporary directory) under `$MMSTATS_FILES`
//! (else `{CMD}-{PID}-{TID}-{MODEL}.mmstats`); its path is printed and it is left
//! behind.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mmstats::{Counter, MmStats, Text, Timer};

#[derive(MmStats)]
struct Stats {
    done: Counter,
    missing_email: Counter,
    otherdb_timer: Timer,
    #[mmstats(label = "user")]
    last_user: Text,
}

struct User {
    username: String,
    email: Option<String>,
}

fn users(count: u64) -> impl Iterator<Item = User> {
    (1..=count).map(|i| User {
        username: format!("user{i}"),
        email: (i % 10 != 0).then(|| format!("user{i}@example.com")),
    })
}

/// Stands in for a call to another database: a few microseconds of work.
fn otherdb_update(user: &User) {
    let until = Instant::now() + Duration::from_micros(3);
    while Instant::now() < until {
        std::hint::black_box(&user.email);
    }
}

fn main() -> ExitCode {
    let count = match std::env::args().nth(1).map(|arg| arg.parse::<u64>()) {
        None => 1000,
        Some(Ok(count)) => count,
        Some(Err(err)) => {
            eprintln!("update_emails: the user count must be a whole number: {err}");
            return ExitCode::from(2);
        }
    };
    let stats = match Stats::create() {
        Ok(stats) => stats,
        Err(err) => {
            eprintln!("update_emails: {err}");
            return ExitCode::FAILURE;
        }
    };
    for user in users(count) {
        stats.last_user.set(&user.username);
        if user.email.is_some() {
            stats.otherdb_timer.time(|| otherdb_update(&user));
        } else {
            stats.missing_email.incr();
        }
        stats.done.incr();
    }
    println!("{}", stats.path().display());
    ExitCode::SUCCESS
}
