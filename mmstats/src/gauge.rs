//! [`Gauge`]: a number or bool that is set.
#![forbid(unsafe_code)]

use std::fmt;

use crate::layout::FieldSpec;
use crate::layout::StatKind;
use crate::place::Place;
use crate::scalar::Scalar;
use crate::stat::{debug_handle, sealed, Slot, Stat};

/// A value that is set, of any [`Scalar`] type: Python's `UInt64Field`
/// (`Gauge<u64>`), `UIntField` (`u32`), `IntField` (`i32`), `ShortField`
/// (`i16`), `UShortField` (`u16`), `FloatField` (`f32`), `DoubleField`
/// (`f64`), `ByteField` (`i8`) and `BoolField` (`bool`).
///
/// A set is one atomic store of the value's width into the mapping; in the
/// default layout the value is naturally aligned, so readers see the old or
/// the new value, never a mix.
///
/// ```
/// use mmstats::{Gauge, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     queue_len: Gauge<u32>,
///     load: Gauge<f64>,
///     #[mmstats(initial = true)]
///     healthy: Gauge<bool>,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.queue_len.set(7);
/// stats.load.set(0.75);
/// assert!(stats.healthy.get());
/// assert_eq!(stats.queue_len.get(), 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its type, label and value:
/// `Gauge<u32> { label: "queue_len", value: 7 }`.
#[must_use]
pub struct Gauge<T: Scalar> {
    place: Place<T::Word>,
    spec: &'static FieldSpec,
}

impl<T: Scalar> Gauge<T> {
    /// Sets the value.
    ///
    /// ```
    /// # use mmstats::{MmStats, Gauge};
    /// # #[derive(MmStats)]
    /// # struct Stats { level: Gauge<i32> }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.level.set(-3);
    /// assert_eq!(stats.level.get(), -3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn set(&self, value: T) {
        self.place.store(value.to_word());
    }

    /// The current value.
    ///
    /// ```
    /// # use mmstats::{MmStats, Gauge};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(initial = true)] up: Gauge<bool> }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert!(stats.up.get());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn get(&self) -> T {
        T::from_word(self.place.load())
    }
}

impl<T: Scalar> fmt::Debug for Gauge<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = format!("Gauge<{}>", std::any::type_name::<T>());
        debug_handle(f, &kind, self.spec)
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Scalar> sealed::Sealed for Gauge<T> {}

impl<T: Scalar> Stat for Gauge<T> {
    const KIND: StatKind = StatKind::Gauge(T::CODE);
    type Init = T;

    fn bind(slot: Slot<'_>, init: Option<T>) -> Self {
        let gauge = Gauge {
            place: slot.number(),
            spec: slot.spec(),
        };
        if let Some(value) = init {
            gauge.set(value);
        }
        gauge
    }
}
