//! [`Timer`] and its scope guard.
#![forbid(unsafe_code)]

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use crate::average::MovingAverage;
use crate::clock::{Clock, Reading};
use crate::layout::StatKind;
use crate::stat::{debug_handle, sealed, Slot, Stat};

/// The moving average of elapsed seconds (Python's `TimerField(size=100)`,
/// signature `d`).
///
/// [`start`](Timer::start) returns a guard that records the time elapsed
/// when it is dropped — at the end of the scope, on an early return, or
/// while unwinding from a panic — and [`time`](Timer::time) times a closure.
///
/// ```
/// use mmstats::{MmStats, Timer};
///
/// #[derive(MmStats)]
/// struct Stats {
///     #[mmstats(window = 10)]
///     db_call: Timer,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// {
///     let _timing = stats.db_call.start();
///     std::thread::sleep(std::time::Duration::from_millis(1));
/// } // recorded here
/// let rows = stats.db_call.time(|| 42);
/// assert_eq!(rows, 42);
/// assert!(stats.db_call.get() > 0.0);
/// assert!(stats.db_call.last() >= 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows its label, the mean and the last time in seconds, and
/// the window: `Timer { label: "db_call", mean: 0.0011, last: 0.0012, window: 10 }`.
#[must_use]
pub struct Timer {
    average: MovingAverage,
    last: Cell<f64>,
    clock: Clock,
}

impl Timer {
    /// Starts timing; the returned guard records the elapsed time when it
    /// is dropped or [stopped](TimerGuard::stop).
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// {
    ///     let _timing = stats.t.start();
    ///     // the work
    /// } // recorded here
    /// assert_eq!(stats.t.get(), stats.t.last());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn start(&self) -> TimerGuard<'_> {
        TimerGuard {
            timer: self,
            started: self.clock.now(),
        }
    }

    /// Runs `f`, records how long it took, and returns its value.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// let rows = stats.t.time(|| 3);
    /// assert_eq!(rows, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn time<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.start();
        f()
    }

    /// Records an elapsed time measured elsewhere.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.t.record(std::time::Duration::from_millis(250));
    /// assert_eq!(stats.t.last(), 0.25);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn record(&self, elapsed: Duration) {
        self.record_secs(elapsed.as_secs_f64());
    }

    /// Records an elapsed time in seconds.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.t.record_secs(1.0);
    /// stats.t.record_secs(3.0);
    /// assert_eq!(stats.t.get(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn record_secs(&self, seconds: f64) {
        self.last.set(seconds);
        self.average.add(seconds);
    }

    /// The moving average of the recorded times, in seconds.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.t.get(), 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn get(&self) -> f64 {
        self.average.get()
    }

    /// The last recorded time in seconds (0 before the first).
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// stats.t.record_secs(0.5);
    /// assert_eq!(stats.t.last(), 0.5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn last(&self) -> f64 {
        self.last.get()
    }

    /// How many samples the average covers at most.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { #[mmstats(window = 10)] t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// assert_eq!(stats.t.window(), 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn window(&self) -> usize {
        self.average.window()
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_handle(f, "Timer", self.average.spec())
            .field("mean", &self.get())
            .field("last", &self.last())
            .field("window", &self.window())
            .finish()
    }
}

// Unwind safety: `last` and the moving average change only while a sample
// is recorded, which runs no user code and cannot panic; a panic in a timed
// scope unwinds through the guard, which records a whole sample. See
// `MovingAverage` for the worst case, a wrong mean.
impl std::panic::RefUnwindSafe for Timer {}

impl sealed::Sealed for Timer {}

impl Stat for Timer {
    const KIND: StatKind = StatKind::Timer;
    // Never given: the derive rejects `initial` on this kind at compile time.
    type Init = f64;

    fn bind(slot: Slot<'_>, _init: Option<f64>) -> Self {
        Timer {
            average: MovingAverage::from_slot(&slot),
            last: Cell::new(0.0),
            // Calibrated here, at creation, not in the first timed scope.
            clock: Clock::get(),
        }
    }
}

/// Times a scope for a [`Timer`]: records the elapsed time when dropped.
///
/// A panic in the timed scope unwinds through the guard, which records the
/// time as usual. Models, timers included, are `UnwindSafe` and
/// `RefUnwindSafe`: `catch_unwind` takes a closure using a model without
/// `AssertUnwindSafe`, since recording a sample runs no user code and
/// cannot be interrupted half-way.
///
/// ```
/// use mmstats::{MmStats, Timer};
///
/// #[derive(MmStats)]
/// struct Stats {
///     job: Timer,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// let result = std::panic::catch_unwind(|| {
///     let _timing = stats.job.start();
///     std::panic::resume_unwind(Box::new("the job failed")); // as a panic would
/// });
/// assert!(result.is_err());
/// assert!(stats.job.last() >= 0.0); // the failed job's time was recorded
/// assert_eq!(stats.job.get(), stats.job.last());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Its `Debug` shows the timer's label and the time elapsed so far:
/// `TimerGuard { timer: "db_call", elapsed: 1.2ms }`.
#[must_use = "the time is recorded when the guard is dropped; binding it to `_` drops it at once"]
pub struct TimerGuard<'a> {
    timer: &'a Timer,
    started: Reading,
}

impl TimerGuard<'_> {
    /// The time elapsed so far.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// let timing = stats.t.start();
    /// assert!(timing.elapsed() < std::time::Duration::from_secs(60));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn elapsed(&self) -> Duration {
        let clock = &self.timer.clock;
        clock.between(self.started, clock.now())
    }

    /// Records the elapsed time now and returns it.
    ///
    /// ```
    /// # use mmstats::{MmStats, Timer};
    /// # #[derive(MmStats)]
    /// # struct Stats { t: Timer }
    /// # let dir = tempfile::tempdir()?;
    /// # let stats = Stats::options().path(dir.path()).create()?;
    /// let timing = stats.t.start();
    /// let took = timing.stop(); // recorded now
    /// assert_eq!(stats.t.last(), took.as_secs_f64());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(self) -> Duration {
        let elapsed = self.elapsed();
        self.timer.record(elapsed);
        std::mem::forget(self);
        elapsed
    }
}

impl fmt::Debug for TimerGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerGuard")
            .field("timer", &self.timer.average.spec().label)
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl Drop for TimerGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        let clock = &self.timer.clock;
        let seconds = clock.seconds_between(self.started, clock.now());
        self.timer.record_secs(seconds);
    }
}
