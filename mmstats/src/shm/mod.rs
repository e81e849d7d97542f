//! All `unsafe` code that touches shared memory lives below this module:
//! [`region`] for the writer's read-write mapping and the cells carved out of
//! it, `view` for readers' bounds-checked access to untrusted bytes, and
//! [`mappings`] for the process-wide guards of both against files that
//! shrink while mapped (`SIGBUS`) and against `fork()`.
//!
//! Shared memory that other processes read (or, for readers, write) is never
//! exposed as `&[u8]` or `&mut [u8]`: it is touched only through atomics,
//! volatile accesses and raw-pointer copies.

pub(crate) mod mappings;
pub(crate) mod region;
pub(crate) mod view;
