//! A multi-threaded application with one model (and one file) per thread.
//!
//! ```text
//! cargo run --example threads -- 4
//! ```
//!
//! Starts N worker threads (first argument, default 4) that each process
//! jobs for a second, counting them in their own file through
//! [`PerThread`]: no counter is shared between threads, so no cache line
//! bounces between cores. The main thread then reads every worker's file
//! and prints the total. The files are removed when the threads end.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mmstats::reader::{StatsFile, Value};
use mmstats::{Counter, Gauge, MmStats, PerThread, Timer};

#[derive(MmStats)]
#[mmstats(label_prefix = "worker.")]
struct Worker {
    jobs: Counter,
    #[mmstats(window = 1000)]
    job_time: Timer,
    busy: Gauge<bool>,
}

fn work(stats: &Worker, until: Instant) {
    while Instant::now() < until {
        stats.busy.set(true);
        stats
            .job_time
            .time(|| std::hint::black_box((0..200u64).sum::<u64>()));
        stats.busy.set(false);
        stats.jobs.incr();
    }
}

fn read_jobs(path: &std::path::Path) -> Option<u64> {
    let file = StatsFile::open(path).ok()?;
    file.fields().flatten().find_map(|field| match field.value {
        Value::UInt(jobs) if field.label == "worker.jobs" => Some(jobs),
        _ => None,
    })
}

fn main() -> ExitCode {
    let threads: usize = match std::env::args().nth(1).map(|arg| arg.parse()) {
        None => 4,
        Some(Ok(n)) if n > 0 => n,
        _ => {
            eprintln!("threads: the thread count must be a positive whole number");
            return ExitCode::from(2);
        }
    };
    let dir = mmstats::default_path();
    let workers = PerThread::new(
        Worker::options()
            .path(&dir)
            .filename("threads-{PID}-{TID}.mmstats")
            .remove_on_drop(true),
    );
    let until = Instant::now() + Duration::from_secs(1);
    let (paths_tx, paths_rx) = std::sync::mpsc::channel();
    let result = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let paths_tx = paths_tx.clone();
                let workers = &workers;
                s.spawn(move || -> Result<(), mmstats::Error> {
                    let stats = workers.get()?;
                    let _ = paths_tx.send(stats.path().to_owned());
                    work(&stats, until);
                    Ok(())
                })
            })
            .collect();
        drop(paths_tx);
        // Read the workers' files while they run, from outside the threads.
        let paths: Vec<_> = paths_rx.iter().take(threads).collect();
        std::thread::sleep(Duration::from_millis(500));
        let halfway: u64 = paths.iter().filter_map(|path| read_jobs(path)).sum();
        println!(
            "{} workers, {halfway} jobs after half a second:",
            paths.len()
        );
        for path in &paths {
            println!("  {}", path.display());
        }
        handles
            .into_iter()
            .map(|handle| handle.join())
            .collect::<Vec<_>>()
    });
    for outcome in result {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                eprintln!("threads: {err}");
                return ExitCode::FAILURE;
            }
            Err(_) => {
                eprintln!("threads: a worker panicked");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("all workers done; their files were removed as the threads ended");
    ExitCode::SUCCESS
}
