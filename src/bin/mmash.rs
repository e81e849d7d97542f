//! `mmash`: serve mmstats files over HTTP (a dashboard, a JSON API and
//! Prometheus metrics). See `mmstats_tools::mmash` and `mmash --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    mmstats_tools::run_process(mmstats_tools::mmash::main)
}
