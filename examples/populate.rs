//! Writes many stats files at once, as a directory of running processes
//! leaves them: for trying the tools on a realistic load.
//!
//! ```text
//! cargo run --release --example populate -- /tmp/many 1000
//! cargo run --release --bin slurpstats -- --json /tmp/many > /dev/null
//! ```
//!
//! Creates `DIR/proc-N.mmstats` for N in 0..COUNT (default 1000), each a
//! model of 50 fields that cycle through counters, gauges, timers and text
//! (the benchmarks' `Mixed50`), with values set.

#[path = "../benches/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: populate DIR [COUNT]");
        return ExitCode::from(2);
    };
    let count: usize = match args.next().map(|arg| arg.parse()) {
        None => 1000,
        Some(Ok(count)) => count,
        Some(Err(err)) => {
            eprintln!("populate: COUNT must be a whole number: {err}");
            return ExitCode::from(2);
        }
    };
    if let Err(err) = std::fs::create_dir_all(&dir) {
        eprintln!("populate: cannot create {}: {err}", dir.display());
        return ExitCode::FAILURE;
    }
    for i in 0..count {
        let model = common::Mixed50::options()
            .path(&dir)
            .filename(format!("proc-{i}.mmstats"))
            .mode(0o644)
            .create();
        match model {
            Ok(model) => common::fill_mixed50(&model),
            Err(err) => {
                eprintln!("populate: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{count} files of 50 fields in {}", dir.display());
    ExitCode::SUCCESS
}
