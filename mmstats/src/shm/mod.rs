//! All `unsafe` code that touches shared memory lives below this module:
//! [`region`] for the writer's read-write mapping and the cells carved out of
//! it, `view` for readers' bounds-checked access to untrusted bytes.
//!
//! Shared memory that other processes read (or, for readers, write) is never
//! exposed as `&[u8]` or `&mut [u8]`: it is touched only through atomics,
//! volatile accesses and raw-pointer copies.

pub(crate) mod region;
pub(crate) mod view;
