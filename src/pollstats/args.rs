//! The command line of `pollstats`: its arguments and their checks.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser};

const AFTER_HELP: &str = "\
FIELDS is a comma-separated list of labels (PREFIX is put before each).
FILES may be stats files, directories (the *.mmstats files in them) or glob
patterns; without FILES, $MMSTATS_GLOB, or else *.mmstats in $MMSTATS_PATH,
or else in the temporary directory. FILES are listed again every interval:
files that appear are polled from then on, files that go are dropped, with
a note on stderr. Only files with at least one of the FIELDS are polled.

A column shows its field over all the files that have it:
  counters  the change per second (header FIELD/s); with --delta, the
            change per interval, as the original pollstats. The first row
            is the total so far.
  numbers   gauges, averages, timers: the mean of the current values
  bools     True or False, or how many files say True (2/3 True)
  strings   the current value, or how many values the files differ in
With --per-file, a row per file and interval instead.

A FILTER of LABEL polls only files with a field whose label starts with
LABEL; LABEL=VALUE only files whose field LABEL shows VALUE when the file is
first read. A file is polled if it matches any FILTER. As in the original,
-f takes every value that follows it: give it after FIELDS and FILES, or
end its values with --.

A header too long for its column is cut in the middle (jobsvc.worker…done/s):
it keeps its last label part and unit, and no two columns look alike.

Examples:
  pollstats done,errors                         the default files, every second
  pollstats -d 0.5 -c 10 done,user /var/run/app ten rows, twice a second
  pollstats -p myapp. done,db.timer 'myapp-*.mmstats'
  pollstats --per-file done,user                a row per file
  pollstats done,user -f sys.pid=4242           only process 4242's file
  pollstats --delta -n 0 done worker.mmstats    the original's numbers

Exit status: 0 after COUNT rows or when the output is closed, 1 if no file
to poll has one of the FIELDS, 2 for bad usage.";

/// The command line of `pollstats`.
#[derive(Debug, Parser)]
#[command(
    name = "pollstats",
    version,
    about = "Watch fields of mmstats files change, a row per interval",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Comma-separated labels of the fields to show, a column each
    #[arg(value_name = "FIELDS", value_parser = parse_fields)]
    pub fields: String,

    /// Stats files, directories or glob patterns to poll
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Put PREFIX before each of the FIELDS (and leave it out of the headers)
    #[arg(short, long, value_name = "PREFIX", default_value = "")]
    pub prefix: String,

    /// Stop after COUNT rows (0: never, the default)
    #[arg(short, long, value_name = "COUNT")]
    pub count: Option<u64>,

    /// Seconds between rows; fractions allowed
    #[arg(short, long, value_name = "SECONDS", default_value = "1", value_parser = parse_delay)]
    pub delay: Duration,

    /// Poll only files matching a FILTER: LABEL (a label prefix) or LABEL=VALUE
    #[arg(short, long = "filter", value_name = "FILTER", num_args = 1.., action = ArgAction::Append)]
    pub filters: Vec<String>,

    /// Print the header again every HEADERS rows (0: only once)
    #[arg(short = 'n', long, value_name = "HEADERS", default_value_t = 20)]
    pub headers: u64,

    /// Show counters as their change per interval, as the original
    /// pollstats, rather than per second
    #[arg(long)]
    pub delta: bool,

    /// A row per file (behind its name) instead of one over all files
    #[arg(short = 'P', long)]
    pub per_file: bool,

    /// No colours, even on a terminal (so does a non-empty $NO_COLOR)
    #[arg(long)]
    pub no_color: bool,

    /// Also note files that are skipped (they have none of the FIELDS or
    /// match no FILTER)
    #[arg(short, action = ArgAction::Count)]
    pub verbose: u8,
}

pub(super) fn parse_fields(text: &str) -> Result<String, String> {
    if text.split(',').any(str::is_empty) {
        return Err("expected labels separated by commas, like done,errors".into());
    }
    Ok(text.to_owned())
}

pub(super) fn parse_delay(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("the delay must be more than 0 seconds".into());
    }
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("'{text}': {e}"))
}
