//! The contract between the derive and the field types: [`Stat`], and the
//! [`Slot`] a field type turns into its cells when a model is bound.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt;

use crate::layout::{FieldLayout, FieldSpec, Layout, StatKind};
use crate::place::{Place, TextPlace};
use crate::shm::region::{BadCell, Region, SeqText, Shared, Word};

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
///
/// ```
/// use mmstats::{layout::StatKind, Counter, Stat};
///
/// // What the derive asks of each field's type.
/// assert_eq!(<Counter as Stat>::KIND, StatKind::Counter);
/// ```
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

/// Starts a handle's `Debug`: its kind, then its label, so every handle
/// shows what a user wants to see (kind, label, value), never pointers.
pub(crate) fn debug_handle<'a, 'b>(
    f: &'a mut fmt::Formatter<'b>,
    kind: &str,
    spec: &FieldSpec,
) -> fmt::DebugStruct<'a, 'b> {
    let mut out = f.debug_struct(kind);
    out.field("label", &spec.label);
    out
}

pub(crate) mod sealed {
    /// Keeps [`Stat`](super::Stat) implementations inside this crate.
    pub trait Sealed {}
}

/// Why a field could not be bound.
#[derive(Debug)]
pub(crate) enum BindError {
    Cell(BadCell),
    MissingField,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindError::Cell(cell) => cell.fmt(f),
            BindError::MissingField => f.write_str("the model binds more fields than it declares"),
        }
    }
}

/// A field spec for a slot with no field behind it.
static NO_FIELD: FieldSpec = FieldSpec::new("", StatKind::Counter, None, None);

/// One field's place in a file being built; the field types' `bind` turn it
/// into their cells.
#[doc(hidden)]
pub struct Slot<'a> {
    region: &'a Region,
    /// The field, or none when the model binds more fields than it declares.
    place: Option<(&'static FieldSpec, &'a FieldLayout)>,
    layout: Layout,
    error: &'a Cell<Option<BindError>>,
}

impl<'a> Slot<'a> {
    /// The slot of the field `place` (none: a field the model does not
    /// declare) in `region`; a failure to bind it is kept in `error`.
    pub(crate) fn new(
        region: &'a Region,
        place: Option<(&'static FieldSpec, &'a FieldLayout)>,
        layout: Layout,
        error: &'a Cell<Option<BindError>>,
    ) -> Slot<'a> {
        Slot {
            region,
            place,
            layout,
            error,
        }
    }

    /// The field as declared (the program's constant, which handles keep
    /// for their `Debug`).
    pub(crate) fn spec(&self) -> &'static FieldSpec {
        self.place.map_or(&NO_FIELD, |(spec, _)| spec)
    }

    /// Keeps the first error; the handle being bound gets detached cells.
    fn failed(&self, error: BadCell) {
        let first = self.error.take().unwrap_or(BindError::Cell(error));
        self.error.set(Some(first));
    }

    /// The number cell of this field.
    pub(crate) fn number<W: Word>(&self) -> Place<W> {
        let Some((_, field)) = self.place else {
            return Place::Atomic(Shared::detached());
        };
        let place = if field.is_buffered() {
            self.region
                .buffered(field.write_buffer_at, field.value, field.buffer_len)
                .map(Place::Buffered)
        } else {
            self.region.atomic::<W>(field.value).map(Place::Atomic)
        };
        place.unwrap_or_else(|error| {
            self.failed(error);
            Place::Atomic(Shared::detached())
        })
    }

    /// The text cell of this field.
    pub(crate) fn text(&self) -> TextPlace {
        let Some((spec, field)) = self.place else {
            return TextPlace::Seq(SeqText::detached());
        };
        let place = match (self.layout, field.seq) {
            (Layout::Aligned, Some(seq)) => self
                .region
                .seq_text(field.write_buffer_at, seq, field.buffer_len, spec.size)
                .map(TextPlace::Seq),
            _ => self
                .region
                .bytes(field.value, spec.size)
                .map(TextPlace::InPlace),
        };
        place.unwrap_or_else(|error| {
            self.failed(error);
            TextPlace::Seq(SeqText::detached())
        })
    }

    /// Writes a value once, before the file is published (static fields).
    pub(crate) fn write_once(&self, bytes: &[u8]) {
        if let Some((spec, field)) = self.place {
            if let Err(error) = write_static(self.region, spec, field, bytes) {
                self.failed(error);
            }
        }
    }
}

/// Writes a static field's value into a file not yet published.
pub(crate) fn write_static(
    region: &Region,
    spec: &FieldSpec,
    field: &FieldLayout,
    bytes: &[u8],
) -> Result<(), BadCell> {
    if matches!(spec.kind, StatKind::StaticText) {
        region
            .bytes(field.value, spec.size)?
            .write_terminated(bytes);
        Ok(())
    } else {
        region.write_bytes(field.value, bytes)
    }
}
