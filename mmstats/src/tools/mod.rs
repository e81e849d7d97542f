//! The logic of the command-line tools, as functions that take their
//! arguments and output streams, so that they can be tested in-process;
//! the binaries of the `mmstats-tools` package only call them.
//!
//! Enabled by the `tools` feature.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

pub mod cleanstats;
pub mod escape;
pub mod files;
pub mod json;
pub mod kind;
#[cfg(feature = "mmash")]
pub mod mmash;
pub mod pollstats;
pub mod process;
pub mod slurpstats;
#[cfg(test)]
mod testing;

/// Parses a tool's command line `args` (program name first) into `A` and
/// runs `run` with it; returns the exit status. `--help` and `--version`
/// print to `out` and return 0; bad usage prints the error and usage to
/// `err` and returns 2.
pub(crate) fn parse_then_run<A, I, T>(
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    run: impl FnOnce(&A, &mut dyn Write, &mut dyn Write) -> u8,
) -> u8
where
    A: clap::Parser,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match A::try_parse_from(args) {
        Ok(args) => run(&args, out, err),
        Err(e) => {
            let (stream, status): (&mut dyn Write, u8) =
                if e.use_stderr() { (err, 2) } else { (out, 0) };
            // Nothing sensible is left to do if even this cannot be written.
            let _ = write!(stream, "{e}").and_then(|()| stream.flush());
            status
        }
    }
}

/// Runs a tool's `main` (as `slurpstats::main`) on this process's
/// arguments, a buffered standard output and the standard error, and turns
/// its status into the process's exit code: what each tool's binary does.
pub fn run_process(
    main: impl FnOnce(std::env::ArgsOs, &mut dyn Write, &mut dyn Write) -> u8,
) -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = io::stderr().lock();
    ExitCode::from(main(std::env::args_os(), &mut out, &mut err))
}

/// The message of a read error, naming the file if it does not already
/// (errors about a file's content name only the offset).
pub(crate) fn describe(path: &std::path::Path, error: &crate::reader::ReadError) -> String {
    if error.path().is_some() {
        error.to_string()
    } else {
        format!("{}: {error}", path.display())
    }
}
