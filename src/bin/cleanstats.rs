//! `cleanstats`: remove the stats files of processes that are gone. See
//! `mmstats::tools::cleanstats` and `cleanstats --help`.
#![forbid(unsafe_code)]

use std::io::{self, BufWriter};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = io::stderr().lock();
    ExitCode::from(mmstats::tools::cleanstats::main(
        std::env::args_os(),
        &mut out,
        &mut err,
    ))
}
