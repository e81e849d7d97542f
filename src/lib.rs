//! The command-line tools for mmstats files: `slurpstats`, `pollstats`,
//! `cleanstats` and `mmash`.
//!
//! Each tool is a module whose `main` takes the command line and the output
//! streams, so that it can be tested in-process; the binaries in `src/bin/`
//! only call it through [`run_process`]. The modules beside them are what
//! the tools share: which files to read ([`files`]), printing file content
//! safely ([`escape`]), JSON ([`json`]) and exact numbers
//! ([`number`]).
//!
//! The library crate `mmstats` stays the writer, the reader and the
//! format; everything a command line needs (clap, glob, serde_json, an
//! HTTP stack) is this package's.
//!
//! ```
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let status = mmstats_tools::slurpstats::main(["slurpstats", "--version"], &mut out, &mut err);
//! assert_eq!(status, 0);
//! assert!(String::from_utf8(out)?.starts_with("slurpstats "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cleanstats;
mod cli;
pub mod escape;
pub mod files;
pub mod json;
pub mod mmash;
pub mod number;
pub mod pollstats;
pub mod slurpstats;
pub mod sys_field;
#[cfg(test)]
mod testing;

pub(crate) use cli::parse_then_run;
pub use cli::run_process;
