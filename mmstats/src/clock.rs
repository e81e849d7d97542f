//! The clock timers read: the CPU's time-stamp counter where it is usable,
//! scaled to nanoseconds, through `quanta`; the system's monotonic clock
//! elsewhere.
//!
//! Reading the counter costs a few nanoseconds where `Instant::now()` (a
//! `clock_gettime` call) costs tens, which is most of what timing an empty
//! scope costs. The clock is calibrated once per process, when the first
//! model with a timer is created (it can take up to 200 ms, usually about a
//! millisecond), never inside a timed scope.
#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::time::Duration;

/// A raw reading of the clock; only differences of readings mean anything.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reading(u64);

/// The process's calibrated clock.
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    source: quanta::Clock,
    /// Seconds per raw tick, so that a sample costs one multiplication.
    seconds_per_tick: f64,
}

static CLOCK: OnceLock<Clock> = OnceLock::new();

/// Ticks over which the seconds-per-tick ratio is read off the calibration.
const RATIO_TICKS: u64 = 1 << 40;

impl Clock {
    /// The process's clock, calibrating it on first use.
    pub(crate) fn get() -> Clock {
        CLOCK
            .get_or_init(|| {
                let source = quanta::Clock::new();
                let nanos = source.delta_as_nanos(0, RATIO_TICKS) as f64;
                Clock {
                    source,
                    seconds_per_tick: nanos / RATIO_TICKS as f64 * 1e-9,
                }
            })
            .clone()
    }

    /// Reads the clock.
    #[inline(always)]
    pub(crate) fn now(&self) -> Reading {
        Reading(self.source.raw())
    }

    /// The time from `start` to `end` (zero if the clock went backwards).
    #[inline(always)]
    pub(crate) fn between(&self, start: Reading, end: Reading) -> Duration {
        Duration::from_nanos(self.source.delta_as_nanos(start.0, end.0))
    }

    /// Seconds from `start` to `end` (zero if the clock went backwards).
    #[inline(always)]
    pub(crate) fn seconds_between(&self, start: Reading, end: Reading) -> f64 {
        end.0.saturating_sub(start.0) as f64 * self.seconds_per_tick
    }
}

#[cfg(test)]
mod tests {
    use super::Clock;
    use std::time::{Duration, Instant};

    #[test]
    fn seconds_agree_with_the_system_clock() {
        let clock = Clock::get();
        let system = Instant::now();
        let start = clock.now();
        std::thread::sleep(Duration::from_millis(20));
        let end = clock.now();
        let system = system.elapsed().as_secs_f64();
        let ours = clock.seconds_between(start, end);
        assert!((ours - system).abs() < 0.005, "{ours} vs {system}");
        assert!((clock.between(start, end).as_secs_f64() - ours).abs() < 1e-6);
        assert_eq!(clock.seconds_between(end, start), 0.0);
    }
}
