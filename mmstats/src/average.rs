//! [`Average`] and [`MovingAverage`].
#![forbid(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::fmt;

use crate::exact_sum::ExactSum;
use crate::layout::{FieldSpec, StatKind};
use crate::place::Place;
use crate::stat::{debug_handle, sealed, Slot, Stat};

/// The running mean of every sample added (Python's `AverageField`,
/// signature `d`). Each [`add`](Average::add) is O(1): the count and the
/// total are kept in the process, and the mean is one store.
///
/// ```
/// use mmstats::{Average, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     batch_size: Average,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// stats.batch_size.add(1.0);
/// stats.batch_size.add(2.0);
/// assert_eq!(stats.batch_size.get(), 1.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its label, mean and sample count:
/// `Average { label: "batch_size", value: 1.5, count: 2 }`.
#[must_use]
pub struct Average {
    place: Place<u64>,
    count: Cell<u64>,
    total: Cell<f64>,
    spec: &'static FieldSpec,
}

impl Average {
    /// Adds a sample to the mean.
    ///
    /// ```
    /// # use mmstats::{MmStats, Average};
    /// # #[derive(MmStats)]
    /// # struct Stats { a: Average }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.a.add(2.0);
    /// stats.a.add(4.0);
    /// assert_eq!(stats.a.get(), 3.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn add(&self, value: f64) {
        let count = self.count.get() + 1;
        let total = self.total.get() + value;
        self.count.set(count);
        self.total.set(total);
        self.place.store((total / count as f64).to_bits());
    }

    /// The current mean (0 before the first sample).
    ///
    /// ```
    /// # use mmstats::{MmStats, Average};
    /// # #[derive(MmStats)]
    /// # struct Stats { a: Average }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.a.get(), 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.place.load())
    }

    /// How many samples were added.
    ///
    /// ```
    /// # use mmstats::{MmStats, Average};
    /// # #[derive(MmStats)]
    /// # struct Stats { a: Average }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.a.add(1.0);
    /// assert_eq!(stats.a.count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count(&self) -> u64 {
        self.count.get()
    }
}

impl fmt::Debug for Average {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_handle(f, "Average", self.spec)
            .field("value", &self.get())
            .field("count", &self.count())
            .finish()
    }
}

// Unwind safety. The count and total in `Cell`s change only inside
// `add`, which calls no user code and cannot panic, so a panic caught with
// `catch_unwind` never interrupts an update and cannot leave them out of
// step; even if one did, the cost would be a wrong mean, not unsoundness.
// So a model may be used across `catch_unwind` without `AssertUnwindSafe`.
impl std::panic::RefUnwindSafe for Average {}

impl sealed::Sealed for Average {}

impl Stat for Average {
    const KIND: StatKind = StatKind::Average;
    // Never given: the derive rejects `initial` on this kind at compile time.
    type Init = f64;

    fn bind(slot: Slot<'_>, _init: Option<f64>) -> Self {
        Average {
            place: slot.number(),
            count: Cell::new(0),
            total: Cell::new(0.0),
            spec: slot.spec(),
        }
    }
}

/// The last `window` samples and their exact sum.
#[derive(Debug)]
struct Window {
    values: Box<[f64]>,
    next: usize,
    filled: usize,
    sum: ExactSum,
    non_finite: usize,
}

impl Window {
    fn new(size: usize) -> Window {
        Window {
            values: vec![0.0; size.max(1)].into_boxed_slice(),
            next: 0,
            filled: 0,
            sum: ExactSum::new(),
            non_finite: 0,
        }
    }

    /// Adds a sample and returns the new mean: `fsum(window) / n` with `n`
    /// the samples held, exactly as Python 0.8 computed it.
    #[inline]
    fn add(&mut self, value: f64) -> f64 {
        let Some(slot) = self.values.get_mut(self.next) else {
            return f64::NAN;
        };
        let old = std::mem::replace(slot, value);
        let exact = if self.filled == self.values.len() {
            match (old.is_finite(), value.is_finite()) {
                (true, true) => self.sum.replace(old, value),
                (true, false) => {
                    self.non_finite += 1;
                    self.sum.add(-old)
                }
                (false, true) => {
                    self.non_finite -= 1;
                    self.sum.add(value)
                }
                (false, false) => true,
            }
        } else {
            self.filled += 1;
            if value.is_finite() {
                self.sum.add(value)
            } else {
                self.non_finite += 1;
                true
            }
        };
        self.next += 1;
        if self.next == self.values.len() {
            self.next = 0;
        }
        let n = self.filled as f64;
        let sum = self.sum.value();
        if exact && self.non_finite == 0 && sum.is_finite() {
            sum / n
        } else {
            // Infinities, NaNs or an overflowing sum: the plain sum gives
            // the infinity or NaN the mean is.
            self.values[..self.filled].iter().sum::<f64>() / n
        }
    }
}

/// The mean of the last `window` samples (Python's
/// `MovingAverageField(size=100)`, signature `d`). Adding a sample is
/// O(1): an exactly rounded running sum replaces Python's re-summing of the
/// whole window, with bit-identical results.
///
/// ```
/// use mmstats::{MmStats, MovingAverage};
///
/// #[derive(MmStats)]
/// struct Stats {
///     #[mmstats(window = 2)]
///     latency: MovingAverage,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// for sample in [1.0, 2.0, 4.0] {
///     stats.latency.add(sample);
/// }
/// assert_eq!(stats.latency.get(), 3.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its label, mean and window:
/// `MovingAverage { label: "latency", value: 3.0, window: 2 }`.
#[must_use]
pub struct MovingAverage {
    place: Place<u64>,
    window: RefCell<Window>,
    spec: &'static FieldSpec,
}

impl MovingAverage {
    pub(crate) fn from_slot(slot: &Slot<'_>) -> Self {
        MovingAverage {
            place: slot.number(),
            window: RefCell::new(Window::new(slot.spec().window)),
            spec: slot.spec(),
        }
    }

    /// Adds a sample.
    ///
    /// ```
    /// # use mmstats::{MmStats, MovingAverage};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(window = 2)] m: MovingAverage }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// for x in [1.0, 2.0, 6.0] {
    ///     stats.m.add(x);
    /// }
    /// assert_eq!(stats.m.get(), 4.0); // the last two
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn add(&self, value: f64) {
        // Never re-entered (nothing here calls out), so the borrow succeeds.
        if let Ok(mut window) = self.window.try_borrow_mut() {
            let mean = window.add(value);
            self.place.store(mean.to_bits());
        }
    }

    /// The current mean (0 before the first sample).
    ///
    /// ```
    /// # use mmstats::{MmStats, MovingAverage};
    /// # #[derive(MmStats)]
    /// # struct Stats { m: MovingAverage }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.m.get(), 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.place.load())
    }

    /// How many samples the mean covers at most.
    ///
    /// ```
    /// # use mmstats::{MmStats, MovingAverage};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(window = 10)] m: MovingAverage }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.m.window(), 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn window(&self) -> usize {
        self.window.borrow().values.len()
    }

    /// The field as declared.
    pub(crate) fn spec(&self) -> &'static FieldSpec {
        self.spec
    }
}

impl fmt::Debug for MovingAverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_handle(f, "MovingAverage", self.spec)
            .field("value", &self.get())
            .field("window", &self.window())
            .finish()
    }
}

// Unwind safety, as for `Average`: the window changes only inside `add`,
// which calls no user code and takes the `RefCell` with `try_borrow_mut`,
// so nothing there panics. The worst a caught panic could leave, were one
// possible mid-update, is a window whose running sum missed a sample: a
// wrong moving mean, never an unsound state.
impl std::panic::RefUnwindSafe for MovingAverage {}

impl sealed::Sealed for MovingAverage {}

impl Stat for MovingAverage {
    const KIND: StatKind = StatKind::MovingAverage;
    // Never given: the derive rejects `initial` on this kind at compile time.
    type Init = f64;

    fn bind(slot: Slot<'_>, _init: Option<f64>) -> Self {
        MovingAverage::from_slot(&slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_mean_is_fsum_over_held_samples() {
        let mut w = Window::new(3);
        assert_eq!(w.add(1.0), 1.0);
        assert_eq!(w.add(2.0), 1.5);
        assert_eq!(w.add(3.0), 2.0);
        assert_eq!(w.add(10.0), 5.0);
        // Python: fsum([10.0, 0.1, 0.2]) / 3
        w.add(0.1);
        assert_eq!(w.add(0.2), 10.3 / 3.0);
    }

    #[test]
    fn infinities_leave_the_window_cleanly() {
        let mut w = Window::new(2);
        w.add(f64::INFINITY);
        assert_eq!(w.add(1.0), f64::INFINITY);
        assert_eq!(w.add(2.0), 1.5);
        assert!(w.add(f64::NAN).is_nan());
        w.add(4.0);
        assert_eq!(w.add(6.0), 5.0);
    }
}
