//! `slurpstats`: print every field of mmstats files. See
//! `mmstats::tools::slurpstats` and `slurpstats --help`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    mmstats::tools::run_process(|args, out, err| mmstats::tools::slurpstats::main(args, out, err))
}
