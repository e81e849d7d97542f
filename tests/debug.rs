//! `Debug` of every handle and of a model shows what a user wants to see:
//! kind, label and current value, never pointers or internal state.

use std::fmt::Debug;

use mmstats::{
    Average, Counter, Gauge, MmStats, MovingAverage, PerThread, Static, StaticText, Text, Timer,
};

#[derive(MmStats, Debug)]
#[mmstats(label_prefix = "app.")]
struct Stats {
    done: Counter,
    #[mmstats(initial = 7)]
    queue: Gauge<u32>,
    #[mmstats(initial = true)]
    healthy: Gauge<bool>,
    batch: Average,
    #[mmstats(window = 2)]
    latency: MovingAverage,
    #[mmstats(window = 100)]
    db_call: Timer,
    #[mmstats(label = "user", size = 8)]
    last_user: Text,
    #[mmstats(value = 8)]
    workers: Static<u32>,
    #[mmstats(value = "1.2.3")]
    version: StaticText,
}

fn no_internals(debug: &str) {
    assert!(!debug.contains("0x"), "a pointer in {debug}");
    for internal in ["place", "Shared", "ptr", "Atomic", "values", "sum", "clock"] {
        assert!(!debug.contains(internal), "`{internal}` in {debug}");
    }
}

#[test]
fn handles_show_kind_label_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Stats::options().path(dir.path()).create().unwrap();
    stats.done.add(3);
    stats.batch.add(1.0);
    stats.batch.add(2.0);
    stats.latency.add(4.0);
    stats.db_call.record_secs(0.5);
    stats.last_user.set("rob");

    let cases: [(&dyn Debug, &str); 9] = [
        (&stats.done, r#"Counter { label: "done", value: 3 }"#),
        (&stats.queue, r#"Gauge<u32> { label: "queue", value: 7 }"#),
        (
            &stats.healthy,
            r#"Gauge<bool> { label: "healthy", value: true }"#,
        ),
        (
            &stats.batch,
            r#"Average { label: "batch", value: 1.5, count: 2 }"#,
        ),
        (
            &stats.latency,
            r#"MovingAverage { label: "latency", value: 4.0, window: 2 }"#,
        ),
        (
            &stats.db_call,
            r#"Timer { label: "db_call", mean: 0.5, last: 0.5, window: 100 }"#,
        ),
        (
            &stats.last_user,
            r#"Text { label: "user", value: "rob", size: 8 }"#,
        ),
        (
            &stats.workers,
            r#"Static<u32> { label: "workers", value: 8 }"#,
        ),
        (
            &stats.version,
            r#"StaticText { label: "version", value: "1.2.3" }"#,
        ),
    ];
    for (handle, want) in cases {
        let debug = format!("{handle:?}");
        assert_eq!(debug, want);
        no_internals(&debug);
    }

    let guard = stats.db_call.start();
    let debug = format!("{guard:?}");
    assert!(
        debug.starts_with(r#"TimerGuard { timer: "db_call", elapsed: "#),
        "{debug}"
    );
    no_internals(&debug);
    drop(guard);
}

#[test]
fn a_model_shows_its_path_and_fields() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Stats::options().path(dir.path()).create().unwrap();
    stats.done.incr();
    let debug = format!("{stats:?}");
    let path = format!("{:?}", stats.path());
    assert!(
        debug.starts_with(&format!(
            "Model {{ path: {path}, layout: Aligned, fields: ["
        )),
        "{debug}"
    );
    assert!(
        debug.contains(r#"Counter { label: "done", value: 1 }"#),
        "{debug}"
    );
    assert!(
        debug.contains(r#"StaticText { label: "version", value: "1.2.3" }"#),
        "{debug}"
    );
    no_internals(&debug);
    // The struct's own derived Debug reads as well.
    let own = format!("{:?}", *stats);
    assert!(
        own.starts_with(r#"Stats { done: Counter { label: "done", value: 1 }, "#),
        "{own}"
    );
    no_internals(&own);

    let per_thread = PerThread::new(
        Stats::options()
            .path(dir.path())
            .filename("pt-{TID}.mmstats"),
    );
    let debug = format!("{per_thread:?}");
    assert!(debug.contains(r#"model: "Stats""#), "{debug}");
    no_internals(&debug);
}
