//! What every tool's command line goes through: parsing it, then running
//! the tool, and running a tool as this process.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

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
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     mmstats_tools::run_process(|args, out, err| mmstats_tools::slurpstats::main(args, out, err))
/// }
/// ```
pub fn run_process(
    main: impl FnOnce(std::env::ArgsOs, &mut dyn Write, &mut dyn Write) -> u8,
) -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut err = io::stderr().lock();
    ExitCode::from(main(std::env::args_os(), &mut out, &mut err))
}
