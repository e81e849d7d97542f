//! The contract between the derive and the field types.

use crate::layout::StatKind;
use crate::model::Slot;

/// A type that can be a field of a `#[derive(MmStats)]` model.
///
/// Implemented by [`Counter`](crate::Counter), [`Average`](crate::Average),
/// [`MovingAverage`](crate::MovingAverage), [`Timer`](crate::Timer),
/// [`Gauge`](crate::Gauge), [`Text`](crate::Text),
/// [`Static`](crate::Static) and [`StaticText`](crate::StaticText); it is
/// sealed, since the file format knows only those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an mmstats field type",
    label = "not a field type of mmstats",
    note = "fields of a `#[derive(MmStats)]` model are Counter, Average, MovingAverage, Timer, Gauge<T>, Text, Static<T> or StaticText"
)]
pub trait Stat: Sized + sealed::Sealed {
    /// What kind of statistic the type is.
    const KIND: StatKind;
    /// The type of the value given by `initial = ...` / `value = ...`.
    type Init;
    /// Creates the handle for the field stored at `slot`, writing `init` (or
    /// the kind's zero value) into the not yet published file.
    #[doc(hidden)]
    fn bind(slot: Slot<'_>, init: Option<Self::Init>) -> Self;
}

pub(crate) mod sealed {
    /// Keeps [`Stat`](super::Stat) implementations inside this crate.
    pub trait Sealed {}
}
