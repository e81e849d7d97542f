//! `cleanstats`: remove the stats files of processes that are gone. See
//! `mmstats::tools::cleanstats` and `cleanstats --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    mmstats::tools::run_process(|args, out, err| mmstats::tools::cleanstats::main(args, out, err))
}
