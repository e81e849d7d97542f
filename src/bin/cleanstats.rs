//! `cleanstats`: remove the stats files of processes that are gone. See
//! `mmstats_tools::cleanstats` and `cleanstats --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    mmstats_tools::run_process(|args, out, err| mmstats_tools::cleanstats::main(args, out, err))
}
