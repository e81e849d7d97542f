//! The write path against what a Rust developer would otherwise use, and
//! against the physical floor: counter increments (one and two threads),
//! gauge sets, timed scopes and text sets.
//!
//! ```text
//! cargo bench --bench write              # full run
//! cargo bench --bench write -- --quick   # a quick comparison
//! ```

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use metrics::{Key, Metadata, Recorder};
use mmstats::{Gauge, MmStats, PerThread, Text, Timer};

use common::{Counters10, Counters100};

#[derive(MmStats)]
struct Hot {
    gauge: Gauge<f64>,
    timer: Timer,
    #[mmstats(size = 32)]
    text: Text,
}

fn metrics_counter() -> metrics::Counter {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let metadata = Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));
    let counter = recorder.register_counter(&Key::from_name("bench_incr"), &metadata);
    // The handle holds what it needs; the recorder may go.
    std::mem::forget(recorder);
    counter
}

fn incr(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = Counters10::options()
        .path(dir.path())
        .create()
        .expect("model");
    let mut group = c.benchmark_group("incr");
    group.bench_function("mmstats", |b| b.iter(|| model.c3.incr()));

    let mut heap = Box::new(0u64);
    let mut local = 0u64;
    group.bench_function("floor", |b| {
        b.iter(|| {
            local += 1;
            // SAFETY: `heap` is a live, aligned, exclusively borrowed u64.
            unsafe { std::ptr::write_volatile(&mut *heap, local) }
        })
    });

    // A handle behind `&self` cannot keep the value in a register: the
    // closest floor for it is a read-modify-write of memory.
    let mut word = Box::new(0u64);
    group.bench_function("rmw_floor", |b| {
        b.iter(|| {
            let word: *mut u64 = &mut *word;
            // SAFETY: `word` points to a live, aligned, exclusively
            // borrowed u64.
            unsafe { word.write_volatile(word.read_volatile() + 1) }
        })
    });

    let atomic = AtomicU64::new(0);
    group.bench_function("atomic", |b| {
        b.iter(|| atomic.fetch_add(1, Ordering::Relaxed))
    });

    let prometheus = prometheus::IntCounter::new("bench_incr", "increments").expect("counter");
    group.bench_function("prometheus", |b| b.iter(|| prometheus.inc()));

    let metrics = metrics_counter();
    group.bench_function("metrics", |b| b.iter(|| metrics.increment(1)));
    group.finish();

    // The write path must not depend on the model's size.
    let small = Counters10::options()
        .path(dir.path())
        .filename("small.mmstats")
        .create()
        .expect("model");
    let large = Counters100::options()
        .path(dir.path())
        .filename("large.mmstats")
        .create()
        .expect("model");
    let mut group = c.benchmark_group("incr_fields");
    group.bench_function("10", |b| b.iter(|| small.c7.incr()));
    group.bench_function("100", |b| b.iter(|| large.c77.incr()));
    group.finish();
}

/// Runs `work(&state, iters)` on two threads started together, each with
/// the `state` its `setup` made before the clock starts; the time is the
/// slower thread's.
fn two_threads<S>(
    iters: u64,
    setup: impl Fn() -> S + Sync,
    work: impl Fn(&S, u64) + Sync,
) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let state = setup();
                    barrier.wait();
                    let start = Instant::now();
                    work(&state, iters);
                    start.elapsed()
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("bench thread"))
            .max()
            .unwrap_or_default()
    })
}

/// A word alone on its cache line.
#[repr(align(128))]
struct Line(u64);

fn incr2(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let per_thread = PerThread::new(
        Counters10::options()
            .path(dir.path())
            .filename("incr2-{TID}.mmstats")
            .remove_on_drop(true),
    );
    let atomic = AtomicU64::new(0);
    let prometheus = prometheus::IntCounter::new("bench_incr2", "increments").expect("counter");

    let mut group = c.benchmark_group("incr2");
    // One element: an increment by each thread.
    group.throughput(Throughput::Elements(1));
    group.bench_function("mmstats", |b| {
        b.iter_custom(|iters| {
            two_threads(
                iters,
                || per_thread.get().expect("per-thread model"),
                |model, n| {
                    for _ in 0..n {
                        model.c0.incr();
                    }
                },
            )
        })
    });
    // Each thread's own word on its own cache line: what two cores can do.
    group.bench_function("floor", |b| {
        b.iter_custom(|iters| {
            two_threads(
                iters,
                || Box::new(Line(0)),
                |line, n| {
                    let word: *const u64 = &line.0;
                    for _ in 0..n {
                        // SAFETY: `word` points to this thread's own live,
                        // aligned u64, which nothing else accesses; the
                        // volatile accesses only keep the loop from being
                        // folded, as the mapping's atomics are not.
                        unsafe {
                            let word = word.cast_mut();
                            word.write_volatile(word.read_volatile() + 1);
                        }
                    }
                },
            )
        })
    });
    group.bench_function("atomic", |b| {
        b.iter_custom(|iters| {
            two_threads(
                iters,
                || (),
                |(), n| {
                    for _ in 0..n {
                        atomic.fetch_add(1, Ordering::Relaxed);
                    }
                },
            )
        })
    });
    group.bench_function("prometheus", |b| {
        b.iter_custom(|iters| {
            two_threads(
                iters,
                || (),
                |(), n| {
                    for _ in 0..n {
                        prometheus.inc();
                    }
                },
            )
        })
    });
    group.finish();
}

fn gauge(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = Hot::options().path(dir.path()).create().expect("model");
    let mut group = c.benchmark_group("gauge");
    let mut x = 0.0f64;
    group.bench_function("mmstats", |b| {
        b.iter(|| {
            x += 1.0;
            model.gauge.set(x)
        })
    });
    let mut heap = Box::new(0.0f64);
    group.bench_function("floor", |b| {
        b.iter(|| {
            x += 1.0;
            // SAFETY: `heap` is a live, aligned, exclusively borrowed f64.
            unsafe { std::ptr::write_volatile(&mut *heap, x) }
        })
    });
    let prometheus = prometheus::Gauge::new("bench_gauge", "a gauge").expect("gauge");
    group.bench_function("prometheus", |b| {
        b.iter(|| {
            x += 1.0;
            prometheus.set(x)
        })
    });
    group.finish();
}

fn timer(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = Hot::options().path(dir.path()).create().expect("model");
    let mut group = c.benchmark_group("timer");
    group.bench_function("mmstats", |b| {
        b.iter(|| {
            let _timing = model.timer.start();
        })
    });
    group.bench_function("instant", |b| {
        b.iter(|| {
            let start = Instant::now();
            black_box(Instant::now() - start)
        })
    });
    let histogram =
        prometheus::Histogram::with_opts(prometheus::HistogramOpts::new("bench_timer", "a timer"))
            .expect("histogram");
    group.bench_function("prometheus", |b| {
        b.iter(|| {
            let _timing = histogram.start_timer();
        })
    });
    group.finish();
}

fn text(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let model = Hot::options().path(dir.path()).create().expect("model");
    let value = "/users/rob12";
    let mut group = c.benchmark_group("text");
    group.bench_function("mmstats", |b| b.iter(|| model.text.set(black_box(value))));
    let mut local = [0u8; 32];
    group.bench_function("floor", |b| {
        b.iter(|| {
            let bytes = black_box(value).as_bytes();
            local[..bytes.len()].copy_from_slice(bytes);
            black_box(&local);
        })
    });
    group.finish();
}

criterion_group!(benches, incr, incr2, gauge, timer, text);
criterion_main!(benches);
