//! [`Static`] and [`StaticText`]: values written once, at creation.
#![forbid(unsafe_code)]

use std::fmt;

use crate::layout::{FieldSpec, StatKind};
use crate::scalar::Scalar;
use crate::shm::region::Word;
use crate::stat::{debug_handle, sealed, Slot, Stat};
use crate::text::cut_to_char_boundary;

/// A number written once when the model is created, from the derive's
/// `value = ...` expression: Python's `StaticUIntField` (`Static<u32>`),
/// `StaticInt64Field` (`i64`), `StaticUInt64Field` (`u64`),
/// `StaticFloatField` (`f32`) and `StaticDoubleField` (`f64`).
///
/// ```
/// use mmstats::{MmStats, Static};
///
/// #[derive(MmStats)]
/// struct Stats {
///     #[mmstats(value = 8)]
///     workers: Static<u32>,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// assert_eq!(stats.workers.get(), 8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its type, label and value:
/// `Static<u32> { label: "workers", value: 8 }`.
#[must_use]
pub struct Static<T: Scalar> {
    value: T,
    spec: &'static FieldSpec,
}

impl<T: Scalar> Static<T> {
    /// The value written at creation.
    ///
    /// ```
    /// # use mmstats::{MmStats, Static};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(value = 4)] n: Static<u16> }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.n.get(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self) -> T {
        self.value
    }
}

impl<T: Scalar> sealed::Sealed for Static<T> {}

impl<T: Scalar> Stat for Static<T> {
    const KIND: StatKind = StatKind::Static(T::CODE);
    type Init = T;

    fn bind(slot: Slot<'_>, init: Option<T>) -> Self {
        let value = init.unwrap_or_else(|| T::from_word(<T::Word as Word>::from_ne([0; 8])));
        let bytes = value.to_word().to_ne();
        slot.write_once(&bytes[..T::CODE.standard_size()]);
        Static {
            value,
            spec: slot.spec(),
        }
    }
}

impl<T: Scalar> fmt::Debug for Static<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = format!("Static<{}>", std::any::type_name::<T>());
        debug_handle(f, &kind, self.spec)
            .field("value", &self.value)
            .finish()
    }
}

/// A string written once when the model is created (Python's
/// `StaticTextField`, 256 bytes unless `size = ...` says otherwise), cut
/// to its size on a character boundary.
///
/// ```
/// use mmstats::{MmStats, StaticText};
///
/// #[derive(MmStats)]
/// struct Stats {
///     #[mmstats(value = env!("CARGO_PKG_VERSION"))]
///     version: StaticText,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// assert_eq!(stats.version.get(), env!("CARGO_PKG_VERSION"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its label and value:
/// `StaticText { label: "version", value: "0.1.0" }`.
#[must_use]
pub struct StaticText {
    value: String,
    spec: &'static FieldSpec,
}

impl StaticText {
    /// The text written at creation (after cutting to size).
    ///
    /// ```
    /// # use mmstats::{MmStats, StaticText};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(value = "v1")] s: StaticText }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.s.get(), "v1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self) -> &str {
        &self.value
    }
}

impl sealed::Sealed for StaticText {}

impl Stat for StaticText {
    const KIND: StatKind = StatKind::StaticText;
    type Init = String;

    fn bind(slot: Slot<'_>, init: Option<String>) -> Self {
        let mut value = init.unwrap_or_default();
        let keep = cut_to_char_boundary(&value, slot.spec().size).len();
        value.truncate(keep);
        slot.write_once(value.as_bytes());
        StaticText {
            value,
            spec: slot.spec(),
        }
    }
}

impl fmt::Debug for StaticText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_handle(f, "StaticText", self.spec)
            .field("value", &self.value)
            .finish()
    }
}
