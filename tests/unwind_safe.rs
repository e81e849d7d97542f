//! Models cross `catch_unwind` without `AssertUnwindSafe`: every handle
//! and every model is `UnwindSafe` and `RefUnwindSafe`.

use std::panic::{RefUnwindSafe, UnwindSafe};

use mmstats::{
    Average, Counter, Gauge, MmStats, Model, MovingAverage, PerThread, Static, StaticText, Text,
    Timer, TimerGuard,
};

#[derive(MmStats)]
struct Stats {
    done: Counter,
    average: Average,
    moving: MovingAverage,
    timer: Timer,
    gauge: Gauge<f64>,
    text: Text,
    #[mmstats(value = 1)]
    fixed: Static<u32>,
    #[mmstats(value = "x")]
    label: StaticText,
}

const fn both<T: UnwindSafe + RefUnwindSafe + ?Sized>() {}

const _: () = {
    both::<Counter>();
    both::<Average>();
    both::<MovingAverage>();
    both::<Timer>();
    both::<Gauge<f64>>();
    both::<Text>();
    both::<Static<u32>>();
    both::<StaticText>();
    both::<TimerGuard<'static>>();
    both::<Stats>();
    both::<Model<Stats>>();
    both::<PerThread<Stats>>();
};

#[test]
fn a_panic_in_a_timed_scope_is_caught_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Stats::options().path(dir.path()).create().unwrap();
    let caught = std::panic::catch_unwind(|| {
        let _timing = stats.timer.start();
        stats.done.incr();
        std::panic::resume_unwind(Box::new("the job failed"));
    });
    assert!(caught.is_err());
    assert_eq!(stats.done.get(), 1);
    assert_eq!(stats.moving.window(), 100);
    assert!(stats.timer.last() >= 0.0);
    assert_eq!(stats.timer.get(), stats.timer.last());
    let _ = (
        &stats.average,
        &stats.gauge,
        &stats.text,
        &stats.fixed,
        &stats.label,
    );
}
