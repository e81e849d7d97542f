//! `mmash`: serve mmstats files over HTTP (a dashboard, a JSON API and
//! Prometheus metrics). See `mmstats::tools::mmash` and `mmash --help`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    mmstats::tools::run_process(mmstats::tools::mmash::main)
}
