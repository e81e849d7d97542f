//! `pollstats`: watch fields of mmstats files change, a row per interval.
//! See `mmstats_tools::pollstats` and `pollstats --help`.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use mmstats_tools::pollstats::{self, Output};

fn main() -> ExitCode {
    let output = if std::io::stdout().is_terminal() {
        Output::Terminal
    } else {
        Output::Plain
    };
    mmstats_tools::run_process(|args, out, err| pollstats::main_to(args, out, err, output))
}
