//! The logic of the command-line tools, as functions that take their
//! arguments and output streams, so that they can be tested in-process;
//! the binaries of the `mmstats-tools` package only call them.
//!
//! Enabled by the `tools` feature.
#![forbid(unsafe_code)]

pub mod cleanstats;
pub mod escape;
pub mod files;
pub mod json;
pub mod process;
pub mod slurpstats;
