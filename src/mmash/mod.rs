//! `mmash`: a small web server that shows the stats files of the processes
//! on this machine to a browser, to scripts and to Prometheus.
//!
//! Every request reads the files afresh: the glob patterns are expanded
//! again (so new processes show up and vanished ones go), and each file is
//! mapped read-only and read through [`StatsFile`](mmstats::reader::StatsFile)'s
//! cursor, which never writes to the file and so never disturbs its writer.
//! Reading is blocking work, so it runs on tokio's blocking threads, never
//! on the threads that drive the connections.
//!
//! The endpoints (all `GET`):
//!
//! | path | answer |
//! |---|---|
//! | `/`, `/graph/` | the dashboard page ([`GRAPH_HTML`]), compiled into the binary |
//! | `/stats/` | `{"stats": [every label, sorted, each once]}` |
//! | `/stats/<prefix>` | `{label: [its value in each file]}` for the labels starting with `prefix`; `?exact=1`, `?glob=PATTERN` and `?aggr=NAME` as in Python's mmash |
//! | `/files/`, `/files/<glob>` | `{"files": [the files read]}` |
//! | `/api/snapshot` | every field of every file, with its kind, and the files that could not be read |
//! | `/metrics` | every field in the Prometheus text format |
//!
//! The first four are those of Python mmstats 0.8's `mmash`, in the same
//! JSON shapes. A file that cannot be read never breaks a response: it is
//! left out (`/api/snapshot` lists it under `"errors"`); those that
//! `/metrics` meets are counted in its `mmstats_read_errors_total`.
//!
//! Request patterns (`?glob=`, `/files/<glob>`) are relative to the stats
//! directory: `--path`, or without it the one directory of the served
//! patterns if they share one free of wildcards (`$MMSTATS_PATH` or the
//! temporary directory when no `--glob` is given). With no such directory
//! they are refused with a 400. They may not hold `..` or `**` nor be
//! absolute.
//!
//! Every endpoint reads a file only if it is a regular file in a served
//! directory (the served patterns' directories, the stats directory),
//! reached without following a symbolic link: a link is refused, and its
//! target never opened (see `confined`).
//!
//! ```no_run
//! // What the `mmash` binary does: serve until killed.
//! let status = mmstats_tools::mmash::main(
//!     ["mmash", "--bind", "127.0.0.1:0"],
//!     &mut std::io::stdout(),
//!     &mut std::io::stderr(),
//! );
//! std::process::exit(status.into());
//! ```
#![forbid(unsafe_code)]

pub mod admission;
mod aggregate;
pub mod answer_budget;
mod api;
mod confined;
pub mod connections;
pub mod field_budget;
mod metrics;
mod page;
pub mod recent;
mod request_glob;
mod server;
mod source;
pub mod stalled;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::escape::escape_controls;
use admission::{Admission, AdmissionLimits};
use connections::{default_max_connections, raise_open_files_limit, ConnectionLimits};
use field_budget::FieldLimits;

pub use page::GRAPH_HTML;
use server::{serve, Served};
use source::Source;

/// Where `mmash` listens unless told otherwise: the port of Python's mmash.
pub const DEFAULT_BIND: &str = "127.0.0.1:5002";

const AFTER_HELP: &str = "\
Without --glob, serves $MMSTATS_GLOB, or else *.mmstats in $MMSTATS_PATH,
or else *.mmstats in the temporary directory. The files are looked up again
on every request.

Request patterns (`?glob=` and /files/GLOB) are relative to --path. Without
--path they are relative to the directory of the served patterns, if they
all have the same one and it has no wildcard (`--glob '/run/app/*.mmstats'`
gives /run/app); otherwise they are refused (400) until --path says where
they apply. They may not be absolute nor hold `..` or `**`.

Files: every endpoint reads only regular files in the served directories
(those of the patterns, up to their first wildcard, and the one request
patterns are relative to), reached without following any symbolic link.
A link is never followed, even to a file within: it is left out (listed
under errors in /api/snapshot, counted in /metrics).

The first line on standard output is the address it listens on:
  listening on http://127.0.0.1:5002/

Connections: a client must send each request header within --header-timeout
seconds of connecting or of its last answer, or the connection is closed
(idle keep-alive connections included); one that takes no byte of an answer
for --write-timeout seconds is closed too. At most --max-connections are open
at once; more wait until one closes, and standard error says when the bound
is reached. At start the soft limit on open files is raised to the hard
limit; the default bound is half of it less 64, at most 1024.

Load: at most --max-reads requests read the stats files at once for /metrics,
and as many for all other endpoints together, so neither can starve the
other. A request waits for its turn up to 8 s (/metrics) or --queue-wait
seconds (the others); past that it is answered 503 with Retry-After: 1.
Built answers waiting to be sent hold at most --max-answer-bytes in all; an
answer finding no room within the same wait is a 503 too. A /metrics answer
rendered less than 250 ms ago is served again to the scrapes that follow.
An answer serves at most --max-fields-per-file fields of one file and
--max-fields in all; /metrics counts the rest in mmstats_fields_dropped_total
and /api/snapshot lists each file cut short among its errors.

Endpoints:
  /                      the dashboard (also /graph/)
  /stats/                every label, as JSON
  /stats/PREFIX          the values of the labels starting with PREFIX, per
                         file; ?exact=1, ?glob=PATTERN, ?aggr=avg|one|max|
                         min|sum|nonzero-min|nonzero-avg (labels it does not
                         apply to, texts say, are left out)
  /files/, /files/GLOB   the files read
  /api/snapshot          every field of every file, with its kind
  /metrics               Prometheus text format (version 0.0.4)

Examples:
  mmash                                  serve the default place on port 5002
  mmash --bind 127.0.0.1:0               any free port (printed on stdout)
  mmash --glob '/var/run/myapp/*.mmstats' --glob '/tmp/job-*.mmstats'
  curl -s localhost:5002/stats/myapp.?aggr=sum
  curl -s localhost:5002/metrics

Exit status: 1 if it cannot listen or stops serving, 2 for bad usage.";

/// The command line of `mmash`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "mmash",
    version,
    about = "Serve mmstats files over HTTP: a live dashboard, a JSON API and Prometheus metrics",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Serve the stats files matching PATTERN, or the *.mmstats files of a
    /// directory (may be given several times)
    #[arg(short, long = "glob", value_name = "PATTERN", value_parser = parse_pattern)]
    pub globs: Vec<String>,

    /// Listen on ADDR (use port 0 for any free port)
    #[arg(short, long, value_name = "ADDR", default_value = DEFAULT_BIND)]
    pub bind: String,

    /// The directory that request patterns (`?glob=`, /files/GLOB) are
    /// relative to [default: the served patterns' directory, if they share
    /// one without wildcards; else request patterns are refused]
    #[arg(short, long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Keep at most N connections open [default: from the limit on open
    /// files, at most 1024]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,

    /// Close a connection that has not sent a whole request header SECONDS
    /// after it opened or got its last answer
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_timeout)]
    pub header_timeout: Duration,

    /// Close a connection whose client takes no byte of an answer for
    /// SECONDS
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_timeout)]
    pub write_timeout: Duration,

    /// Keep at most BYTES of built answers waiting to be sent, in all; an
    /// answer finding no room within its wait is a 503 [default: 128 MiB]
    #[arg(long, value_name = "BYTES", value_parser = parse_count)]
    pub max_answer_bytes: Option<usize>,

    /// Let at most N requests read the stats files at once for /metrics,
    /// and N for the other endpoints [default: the number of CPUs, at most 4]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_reads: Option<u32>,

    /// How long a request other than /metrics waits for its turn to read
    /// the files before a 503
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = parse_timeout)]
    pub queue_wait: Duration,

    /// Serve at most N fields of one file in an answer; the rest are
    /// counted in mmstats_fields_dropped_total (/metrics) or listed among
    /// the errors (/api/snapshot) [default: 100000]
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_fields_per_file: Option<usize>,

    /// Serve at most N fields in one answer, counted alike [default: 500000]
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_fields: Option<usize>,
}

fn parse_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("not a positive whole number: {text}")),
    }
}

/// The most fields an answer serves of one file, and in all.
fn field_limits(args: &Args) -> FieldLimits {
    let default = FieldLimits::default();
    FieldLimits {
        per_file: args.max_fields_per_file.unwrap_or(default.per_file),
        per_answer: args.max_fields.unwrap_or(default.per_answer),
    }
}

/// How long a `/metrics` request waits for its turn: under Prometheus'
/// default scrape timeout of 10 s.
const SCRAPE_WAIT: Duration = Duration::from_secs(8);

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("not a number of seconds: {text}"))?;
    if !(seconds > 0.0 && seconds <= 3600.0) {
        return Err(format!(
            "must be more than 0 and at most 3600 seconds: {text}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A `--glob` that names a directory stands for its `*.mmstats` files, as
/// a directory does for the other tools.
fn directory_glob(glob: &str) -> String {
    if std::path::Path::new(glob).is_dir() {
        let dir = glob::Pattern::escape(glob.trim_end_matches('/'));
        format!("{dir}/*.mmstats")
    } else {
        glob.to_owned()
    }
}

fn parse_pattern(text: &str) -> Result<String, glob::PatternError> {
    glob::Pattern::new(text).map(|_| text.to_owned())
}

/// Parses the command line `args` (program name first) and serves until
/// the process is killed or the listener fails; returns the exit status.
/// The first line written to `out` (and flushed) is
/// `listening on http://ADDR/`, with the port actually bound.
pub fn main<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    crate::parse_then_run::<Args, _, _>(args, out, err, run)
}

/// Serves with parsed arguments, reading the environment for the defaults;
/// returns the exit status when serving stops.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let globs = if args.globs.is_empty() {
        vec![mmstats::default_glob()]
    } else {
        args.globs.iter().map(|glob| directory_glob(glob)).collect()
    };
    let stats_dir = match &args.path {
        Some(path) => Some(path.clone()),
        None => request_glob::stats_dir_of(&globs),
    };
    let source = Arc::new(Source::new(globs, stats_dir).with_field_limits(field_limits(args)));
    let open_files = raise_open_files_limit();
    let limits = ConnectionLimits {
        max_connections: args.max_connections.map_or_else(
            || default_max_connections(open_files),
            |n| usize::try_from(n).unwrap_or(usize::MAX),
        ),
        header_timeout: args.header_timeout,
        write_timeout: args.write_timeout,
    };
    let reads_per_class = args.max_reads.map_or_else(
        || std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
        |n| usize::try_from(n).unwrap_or(1),
    );
    let admission = Admission::new(AdmissionLimits {
        reads_per_class,
        scrape_wait: SCRAPE_WAIT.max(args.queue_wait),
        api_wait: args.queue_wait,
    });
    let answers = answer_budget::AnswerBudget::new(
        args.max_answer_bytes
            .unwrap_or(answer_budget::DEFAULT_BYTES),
    );
    let served = Arc::new(Served {
        source,
        admission,
        answers,
        recent_metrics: recent::Recent::default(),
    });
    let say = |stream: &mut dyn Write, line: String| {
        // Nothing sensible is left to do if the error cannot be written.
        let _ = writeln!(stream, "mmash: {}", escape_controls(&line)).and_then(|()| stream.flush());
    };
    // Only admitted requests read files on blocking threads: twice the
    // permits, and a few for the rest (a spare for each class).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(2 * reads_per_class + 2)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say(err, format!("cannot start the async runtime: {e}"));
            return 1;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&args.bind).await {
            Ok(listener) => listener,
            Err(e) => {
                say(err, format!("cannot listen on {}: {e}", args.bind));
                return 1;
            }
        };
        let announced = listener.local_addr().and_then(|addr| {
            writeln!(out, "listening on http://{addr}/")?;
            out.flush()
        });
        if let Err(e) = announced {
            say(err, format!("cannot write the address listened on: {e}"));
            return 1;
        }
        match serve(listener, served, limits, err).await {
            Ok(()) => 0,
            Err(e) => {
                say(err, format!("stopped serving: {e}"));
                1
            }
        }
    })
}

#[cfg(test)]
mod tests;
