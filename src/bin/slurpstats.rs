//! `slurpstats`: print every field of mmstats files. See
//! `mmstats_tools::slurpstats` and `slurpstats --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    mmstats_tools::run_process(|args, out, err| mmstats_tools::slurpstats::main(args, out, err))
}
