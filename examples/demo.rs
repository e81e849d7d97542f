//! The demo: publish statistics from one process and read them, live, from
//! another.
//!
//! ```text
//! cargo run --example demo
//! ```
//!
//! The writer serves simulated requests for two seconds, publishing a
//! counter, a timer, a gauge and a text field. Meanwhile it starts a copy of
//! itself as a separate reader process that opens the same file read-only
//! and prints what it sees five times. At the end the writer prints the
//! whole file the way `slurpstats` does, and leaves it behind.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use mmstats::reader::StatsFile;
use mmstats::{Counter, Gauge, MmStats, Text, Timer};

#[derive(MmStats)]
#[mmstats(label_prefix = "demo.")]
struct DemoStats {
    requests: Counter,
    errors: Counter,
    #[mmstats(window = 50)]
    request_time: Timer,
    queue_depth: Gauge<u32>,
    #[mmstats(size = 32)]
    last_path: Text,
}

const READER_FLAG: &str = "--read";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some(READER_FLAG) => match args.get(2) {
            Some(path) => read_live(Path::new(path)),
            None => Err(format!("{READER_FLAG} needs a file")),
        },
        _ => write_and_watch(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("demo: {err}");
            ExitCode::FAILURE
        }
    }
}

fn write_and_watch() -> Result<(), String> {
    let stats = DemoStats::options()
        .filename("demo-{PID}.mmstats")
        .create()
        .map_err(|err| err.to_string())?;
    println!(
        "writer (pid {}) publishes {}",
        std::process::id(),
        stats.path().display()
    );

    let exe = std::env::current_exe().map_err(|err| format!("cannot find myself: {err}"))?;
    let mut reader = Command::new(exe)
        .arg(READER_FLAG)
        .arg(stats.path())
        .spawn()
        .map_err(|err| format!("cannot start the reader process: {err}"))?;

    let paths = ["/", "/users", "/users/rob", "/search?q=mmap", "/health"];
    let until = Instant::now() + Duration::from_secs(2);
    let mut n: u64 = 0;
    while Instant::now() < until {
        n += 1;
        let path = paths[(n % paths.len() as u64) as usize];
        stats.last_path.set(path);
        stats.queue_depth.set((n % 17) as u32);
        stats.request_time.time(|| {
            // A request takes 20 to 70 microseconds.
            std::thread::sleep(Duration::from_micros(20 + (n % 6) * 10));
        });
        if n.is_multiple_of(97) {
            stats.errors.incr();
        }
        stats.requests.incr();
    }
    let status = reader
        .wait()
        .map_err(|err| format!("reader process: {err}"))?;
    if !status.success() {
        return Err(format!("the reader process failed ({status})"));
    }

    println!("\nthe file after the writer stopped (as `slurpstats` shows it):");
    print_file(stats.path())?;
    println!(
        "it stays on disk; read it again with\n  cargo run --bin slurpstats -- {}",
        stats.path().display()
    );
    Ok(())
}

/// Runs in the reader process: samples the writer's file five times.
fn read_live(path: &Path) -> Result<(), String> {
    let me = std::process::id();
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(350));
        let file = StatsFile::open(path).map_err(|err| err.to_string())?;
        let mut line = Vec::new();
        for field in file.fields() {
            let field = field.map_err(|err| err.to_string())?;
            let Some(short) = field.label.strip_prefix("demo.") else {
                continue;
            };
            match (short, field.value.as_f64()) {
                // The prefix applies to the sys fields too; they don't change.
                (s, _) if s.starts_with("sys.") || s.starts_with("org.") => {}
                ("request_time", Some(seconds)) => {
                    line.push(format!("request_time={:.1}µs", seconds * 1e6))
                }
                _ => line.push(format!("{short}={}", field.value)),
            }
        }
        println!("reader (pid {me}) sees: {}", line.join("  "));
    }
    Ok(())
}

fn print_file(path: &Path) -> Result<(), String> {
    let file = StatsFile::open(path).map_err(|err| err.to_string())?;
    let fields = file
        .fields()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| err.to_string())?;
    let width = fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0);
    println!("==> {}", path.display());
    for field in &fields {
        println!("  {:<width$} {}", field.label, field.value);
    }
    println!();
    Ok(())
}
