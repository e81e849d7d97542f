//! mmstats: publish application statistics in memory-mapped files.
#![deny(missing_docs, unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

pub mod format;
pub mod layout;
pub mod reader;
mod stat;
mod model;
mod shm;

pub use layout::Layout;
pub use stat::Stat;
pub use model::Slot;

#[doc(hidden)]
pub mod __private {
    pub use crate::layout::{layout_fields, FieldLayout, FieldSpec, StatKind};
    pub use crate::stat::Stat;
}
