//! The worst case of a counter increment: how long the writer can stall
//! when the kernel writes the stats file back to disk.
//!
//! ```text
//! cargo run --release --example write_latency -- /tmp                # baseline
//! cargo run --release --example write_latency -- --writeback /tmp    # with a sync loop
//! cargo run --release --example write_latency -- --writeback /dev/shm
//! cargo run --release --example write_latency -- --count 200000 DIR
//! ```
//!
//! An increment is a store into a shared file mapping, so it is normally a
//! few CPU cycles. But a page of a file-backed mapping that the kernel has
//! written back is write-protected again, so that the next write is
//! noticed: that store takes a page fault, and on a disk file system the
//! fault handler (ext4's `page_mkwrite`) updates the file's times through
//! the journal and may wait for a commit or for the page's writeback to
//! finish. That is where the JVM's `hsperfdata` file, the same idea as
//! mmstats, saw pauses of hundreds of milliseconds. tmpfs (`/dev/shm`) has
//! no writeback, so its pages stay writable.
//!
//! The example creates a model with one counter in DIR (default:
//! `$MMSTATS_PATH`, else the temporary directory) and increments it COUNT
//! times (`--count`, default 10,000,000), timing every increment on its own
//! with two `Instant::now()` readings. The durations go into a fixed
//! log-linear histogram (exact below 32 ns, then 32 buckets per power of
//! two: a figure is at most 3 % above the true value; nothing is allocated
//! in the loop). With `--writeback`, another process runs `sync` in a loop
//! for the whole measurement, each round after rewriting a 1 MiB scratch
//! file beside the stats file (so that every round has data and a journal
//! commit to write, as on a busy machine); the increments themselves keep
//! the stats page dirty, so every `sync` writes it back too.
//!
//! It prints the count, one line per percentile (p50, p99, p99.9, p99.99,
//! max) of the timed increments, each beside the same percentile of an
//! empty timed region measured just before (the timer's own cost, and the
//! scheduling noise of the machine, which the increments' figures
//! include), how many increments took longer than 10 µs, the page faults
//! and context switches of the process during the increments (getrusage),
//! which increments took a page fault (their number, median and maximum,
//! and how many slept in it) and the slowest increment that took none, and
//! finally the counter read back from the file by
//! `mmstats::reader::StatsFile`, which must equal the count. The file is
//! removed at the end.
//!
//! A fault is attributed to the increment that took it by reading the
//! fault count (getrusage, outside the timed region) after every increment
//! slower than 1 µs, as an increment that faults is. What the faults do
//! not explain is the machine's: the empty timed region shows the same
//! scheduling delays (a preempted writer waits a scheduler tick or more).
//! Running the writer under `chrt -f 10` (as root) takes most of them out;
//! the `--writeback` loop would inherit that policy, so run the loop from
//! another shell then.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode};
use std::time::{Duration, Instant};

use mmstats::reader::{StatsFile, Value};
use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Latency {
    increments: Counter,
}

const USAGE: &str = "usage: write_latency [--writeback] [--count N] [DIR]";

/// The percentiles printed, with their labels.
const PERCENTILES: [(&str, f64); 4] = [
    ("p50", 0.50),
    ("p99", 0.99),
    ("p99.9", 0.999),
    ("p99.99", 0.9999),
];

/// Increments slower than this are counted on their own.
const SLOW_NANOS: u64 = 10_000;

/// After an increment slower than this, the fault count is read.
const FAULT_CHECK_NANOS: u64 = 1_000;

struct Args {
    dir: Option<PathBuf>,
    count: u64,
    writeback: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        dir: None,
        count: 10_000_000,
        writeback: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--writeback" => parsed.writeback = true,
            "--count" => {
                let value = args.next().ok_or("--count needs a number")?;
                parsed.count = match value.replace('_', "").parse::<u64>() {
                    Ok(count) if count > 0 => count,
                    _ => return Err(format!("--count must be a positive whole number: {value}")),
                };
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}\n{USAGE}")),
            _ if parsed.dir.is_some() => return Err(format!("one directory only\n{USAGE}")),
            _ => parsed.dir = Some(PathBuf::from(arg)),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    if std::env::args().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("write_latency: {err}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("write_latency: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Measures and prints; `Ok(false)` when increments were lost.
fn run(args: &Args) -> Result<bool, String> {
    let mut options = Latency::options()
        .filename("write_latency-{PID}.mmstats")
        .remove_on_drop(true);
    if let Some(dir) = &args.dir {
        options = options.path(dir);
    }
    let stats = options.create().map_err(|err| err.to_string())?;
    println!("file           {}", stats.path().display());

    let writeback = if args.writeback {
        let scratch = stats.path().with_extension("scratch");
        let writeback = WritebackLoop::start(scratch)?;
        println!(
            "writeback loop on (`sync` and 1 MiB of scratch data in a loop, pid {})",
            writeback.pid()
        );
        // Let the loop get going before the clock starts.
        std::thread::sleep(Duration::from_millis(200));
        Some(writeback)
    } else {
        println!("writeback loop off");
        None
    };

    let mut timer_alone = Histogram::new();
    let mut increments = Histogram::new();
    let mut slow = 0u64;
    for _ in 0..args.count {
        let start = Instant::now();
        black_box(());
        timer_alone.record(elapsed_nanos(start, Instant::now()));
    }
    let mut faulted = Histogram::new();
    let mut faulted_blocked = 0u64;
    let mut max_not_faulted = 0u64;
    let counter = black_box(&stats.increments);
    let before = Usage::now()?;
    let mut seen = before;
    for _ in 0..args.count {
        let start = Instant::now();
        counter.incr();
        let nanos = elapsed_nanos(start, Instant::now());
        increments.record(nanos);
        slow += u64::from(nanos > SLOW_NANOS);
        // A page fault costs more than a microsecond, so reading the
        // fault count after each slower increment (outside the timed
        // region, a few thousand times) catches every fault in the
        // increment that took it.
        if nanos > FAULT_CHECK_NANOS {
            let now = Usage::now()?;
            if now.faults() > seen.faults() {
                faulted.record(nanos);
                faulted_blocked += u64::from(now.voluntary_switches > seen.voluntary_switches);
            } else {
                max_not_faulted = max_not_faulted.max(nanos);
            }
            seen = now;
        } else {
            max_not_faulted = max_not_faulted.max(nanos);
        }
    }
    let after = Usage::now()?;
    drop(writeback);

    println!("count          {}", increments.count());
    for (label, quantile) in PERCENTILES {
        println!(
            "{label:<14} {:>9} ns   (timer alone {:>9} ns)",
            increments.quantile(quantile),
            timer_alone.quantile(quantile)
        );
    }
    println!(
        "{:<14} {:>9} ns   (timer alone {:>9} ns)",
        "max",
        increments.max(),
        timer_alone.max()
    );
    println!("over 10 µs     {slow}");
    println!(
        "minor faults   {}",
        after.minor_faults - before.minor_faults
    );
    println!(
        "major faults   {}",
        after.major_faults - before.major_faults
    );
    if faulted.count() > 0 {
        println!(
            "faulted        {} increments: p50 {} ns, max {} ns; {} of them blocked",
            faulted.count(),
            faulted.quantile(0.5),
            faulted.max(),
            faulted_blocked
        );
    } else {
        println!("faulted        0 increments");
    }
    println!("max unfaulted  {max_not_faulted} ns");
    println!(
        "context switches {} voluntary, {} involuntary",
        after.voluntary_switches - before.voluntary_switches,
        after.involuntary_switches - before.involuntary_switches
    );

    let file = StatsFile::open(stats.path()).map_err(|err| err.to_string())?;
    let mut read_back = None;
    for field in file.fields() {
        let field = field.map_err(|err| err.to_string())?;
        if field.label == "increments" {
            read_back = Some(field.value);
        }
    }
    let nothing_lost = read_back == Some(Value::UInt(args.count));
    match read_back {
        Some(value) => println!(
            "read back      {value} of {} increments: {}",
            args.count,
            if nothing_lost { "nothing lost" } else { "LOST" }
        ),
        None => println!("read back      no `increments` field in the file: LOST"),
    }
    Ok(nothing_lost)
}

fn elapsed_nanos(start: Instant, end: Instant) -> u64 {
    u64::try_from(end.duration_since(start).as_nanos()).unwrap_or(u64::MAX)
}

/// Durations in nanoseconds, in log-linear buckets: exact below
/// 2^`SUB_BITS`, then 2^`SUB_BITS` buckets per power of two up to
/// 2^`MAX_BITS` ns (18 minutes; longer durations land in the last bucket,
/// but the maximum is kept exactly).
struct Histogram {
    buckets: Box<[u64; Histogram::BUCKETS]>,
    count: u64,
    max: u64,
}

impl Histogram {
    const SUB_BITS: u32 = 5;
    const SUB: u64 = 1 << Self::SUB_BITS;
    const MAX_BITS: u32 = 40;
    const BUCKETS: usize = ((Self::MAX_BITS - Self::SUB_BITS + 1) as u64 * Self::SUB) as usize;

    fn new() -> Histogram {
        let mut buckets = Box::new([0u64; Histogram::BUCKETS]);
        // Touch every page now, so that recording never takes a page fault.
        for bucket in buckets.iter_mut() {
            *bucket = black_box(0);
        }
        Histogram {
            buckets,
            count: 0,
            max: 0,
        }
    }

    fn index(nanos: u64) -> usize {
        let nanos = nanos.min((1 << Self::MAX_BITS) - 1);
        if nanos < Self::SUB {
            return nanos as usize;
        }
        let shift = 63 - nanos.leading_zeros() - Self::SUB_BITS;
        let group = u64::from(shift) + 1;
        (group * Self::SUB + (nanos >> shift) - Self::SUB) as usize
    }

    /// The largest value that falls in bucket `index`.
    fn highest_in(index: usize) -> u64 {
        let index = index as u64;
        if index < Self::SUB {
            return index;
        }
        let shift = index / Self::SUB - 1;
        let lowest = (Self::SUB + index % Self::SUB) << shift;
        lowest + (1 << shift) - 1
    }

    #[inline(always)]
    fn record(&mut self, nanos: u64) {
        self.buckets[Self::index(nanos)] += 1;
        self.count += 1;
        self.max = self.max.max(nanos);
    }

    fn count(&self) -> u64 {
        self.count
    }

    fn max(&self) -> u64 {
        self.max
    }

    /// The smallest recorded value (to the bucket's precision) that at
    /// least `quantile` of the values do not exceed.
    fn quantile(&self, quantile: f64) -> u64 {
        let rank = ((quantile * self.count as f64).ceil() as u64).clamp(1, self.count.max(1));
        let mut seen = 0;
        for (index, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Self::highest_in(index).min(self.max);
            }
        }
        self.max
    }
}

/// The process's page faults and context switches so far.
#[derive(Clone, Copy)]
struct Usage {
    minor_faults: libc::c_long,
    major_faults: libc::c_long,
    voluntary_switches: libc::c_long,
    involuntary_switches: libc::c_long,
}

impl Usage {
    fn now() -> Result<Usage, String> {
        // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `usage` is a valid, writable `rusage` for the call to fill.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return Err(format!("getrusage: {}", std::io::Error::last_os_error()));
        }
        Ok(Usage {
            minor_faults: usage.ru_minflt,
            major_faults: usage.ru_majflt,
            voluntary_switches: usage.ru_nvcsw,
            involuntary_switches: usage.ru_nivcsw,
        })
    }

    fn faults(&self) -> libc::c_long {
        self.minor_faults + self.major_faults
    }
}

/// A shell that, in a loop, rewrites a 1 MiB scratch file beside the stats
/// file (so that each round has data and a journal commit to write, as on
/// a busy machine) and runs `sync`. It runs in its own process group;
/// dropping it kills the group, reaps the shell and removes the scratch
/// file.
struct WritebackLoop {
    child: Child,
    scratch: PathBuf,
}

impl WritebackLoop {
    const SCRIPT: &'static str = r#"while :; do head -c 1048576 /dev/zero > "$1"; sync; done"#;

    fn start(scratch: PathBuf) -> Result<WritebackLoop, String> {
        use std::os::unix::process::CommandExt;
        let child = Command::new("sh")
            .args(["-c", Self::SCRIPT, "sh"])
            .arg(&scratch)
            .process_group(0)
            .spawn()
            .map_err(|err| format!("cannot start the writeback loop: {err}"))?;
        Ok(WritebackLoop { child, scratch })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for WritebackLoop {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) has no memory-safety preconditions; the
            // negative pid names the process group the shell leads (it was
            // started with `process_group(0)`, and is not reaped yet, so
            // the id is still ours).
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.scratch);
    }
}
