//! The write paths as standalone functions, to read what they compile to.
//!
//! ```text
//! cargo build --release --example hot_path
//! objdump -d --no-show-raw-insn -M intel target/release/examples/hot_path \
//!     | awk '/<hot_path_incr>:/,/ret/'
//! ```
//!
//! Run, it times each path over ten million calls (for a quick look; the
//! benchmarks in `benches/` are the measurements).

use std::hint::black_box;
use std::time::Instant;

use mmstats::{Counter, Gauge, MmStats, Text, Timer};

#[derive(MmStats)]
struct Hot {
    counter: Counter,
    gauge: Gauge<f64>,
    timer: Timer,
    #[mmstats(size = 32)]
    text: Text,
}

/// One counter increment.
#[no_mangle]
#[inline(never)]
pub fn hot_path_incr(counter: &Counter) {
    counter.incr();
}

/// Increments in a loop: the layout check is hoisted out of it.
#[no_mangle]
#[inline(never)]
pub fn hot_path_incr_loop(counter: &Counter, times: u64) {
    for _ in 0..times {
        counter.incr();
    }
}

/// One gauge set.
#[no_mangle]
#[inline(never)]
pub fn hot_path_gauge(gauge: &Gauge<f64>, value: f64) {
    gauge.set(value);
}

/// One timed empty scope.
#[no_mangle]
#[inline(never)]
pub fn hot_path_timer(timer: &Timer) {
    let _timing = timer.start();
}

/// One text set.
#[no_mangle]
#[inline(never)]
pub fn hot_path_text(text: &Text, value: &str) {
    text.set(value);
}

fn per_call(name: &str, times: u32, mut f: impl FnMut()) {
    let start = Instant::now();
    for _ in 0..times {
        f();
    }
    let nanos = start.elapsed().as_nanos() as f64 / f64::from(times);
    println!("{name:<8} {nanos:>7.2} ns");
}

fn main() -> Result<(), mmstats::Error> {
    let hot = Hot::options()
        .filename("hot_path-{PID}.mmstats")
        .remove_on_drop(true)
        .create()?;
    const TIMES: u32 = 10_000_000;
    per_call("incr", TIMES, || hot_path_incr(black_box(&hot.counter)));
    per_call("gauge", TIMES, || {
        hot_path_gauge(&hot.gauge, black_box(0.5))
    });
    per_call("timer", TIMES, || hot_path_timer(&hot.timer));
    per_call("text", TIMES, || {
        hot_path_text(&hot.text, black_box("/users/rob12"))
    });
    hot_path_incr_loop(&hot.counter, black_box(1000));
    Ok(())
}
