//! [`Counter`]: a `u64` that counts up.
#![forbid(unsafe_code)]

use std::fmt;

use crate::layout::FieldSpec;
use crate::layout::StatKind;
use crate::place::Place;
use crate::stat::{debug_handle, sealed, Slot, Stat};

/// A `u64` counter (Python's `CounterField`, signature `Q`).
///
/// An increment is one load and one store to the mapping, with no lock,
/// no atomic read-modify-write and no system call: the model has a single
/// writer, and in the default layout the value is one aligned 8-byte word
/// that readers load atomically. Arithmetic wraps at 2⁶⁴ as Python's did.
///
/// ```
/// use mmstats::{Counter, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     requests: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.requests.incr();
/// stats.requests.add(10);
/// assert_eq!(stats.requests.get(), 11);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its label (without the model's prefix) and value:
/// `Counter { label: "requests", value: 11 }`.
#[must_use]
pub struct Counter {
    place: Place<u64>,
    spec: &'static FieldSpec,
}

impl Counter {
    /// Adds one.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.incr();
    /// assert_eq!(stats.n.get(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn incr(&self) {
        self.add(1);
    }

    /// Adds `amount` (wrapping).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.add(5);
    /// assert_eq!(stats.n.get(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn add(&self, amount: u64) {
        self.place.store(self.place.load().wrapping_add(amount));
    }

    /// Subtracts `amount` (wrapping below zero, as Python's did).
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.sub(1); // wraps below zero
    /// assert_eq!(stats.n.get(), u64::MAX);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn sub(&self, amount: u64) {
        self.place.store(self.place.load().wrapping_sub(amount));
    }

    /// Sets the value.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.n.set(42);
    /// assert_eq!(stats.n.get(), 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn set(&self, value: u64) {
        self.place.store(value);
    }

    /// The current value.
    ///
    /// ```
    /// # use mmstats::{MmStats, Counter};
    /// # #[derive(MmStats)]
    /// # struct Stats { n: Counter }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.n.get(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn get(&self) -> u64 {
        self.place.load()
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_handle(f, "Counter", self.spec)
            .field("value", &self.get())
            .finish()
    }
}

impl sealed::Sealed for Counter {}

impl Stat for Counter {
    const KIND: StatKind = StatKind::Counter;
    type Init = u64;

    fn bind(slot: Slot<'_>, init: Option<u64>) -> Self {
        let counter = Counter {
            place: slot.number(),
            spec: slot.spec(),
        };
        if let Some(value) = init {
            counter.set(value);
        }
        counter
    }
}
