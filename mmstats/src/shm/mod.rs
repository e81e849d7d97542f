//! All `unsafe` code that touches shared memory lives below this module.
mod view;
