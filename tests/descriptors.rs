//! A live model holds exactly one file descriptor: ten thousand models
//! must not need twenty thousand. The only test in its binary, so no other
//! test opens or closes descriptors while it counts them.

use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    done: Counter,
}

fn open_descriptors() -> usize {
    // The directory's own descriptor is counted in every call alike.
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn each_live_model_holds_one_descriptor() {
    const N: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    // The first model also sets up what the process keeps once (the
    // clock, the signal and fork handlers): not counted.
    let first = Stats::options()
        .path(dir.path())
        .filename("first.mmstats")
        .create()
        .unwrap();
    let before = open_descriptors();
    let models: Vec<_> = (0..N)
        .map(|i| {
            Stats::options()
                .path(dir.path())
                .filename(format!("fd-{i}.mmstats"))
                .create()
                .unwrap()
        })
        .collect();
    for model in &models {
        model.done.incr();
    }
    assert_eq!(
        open_descriptors(),
        before + N,
        "one descriptor per live model"
    );
    drop(models);
    assert_eq!(
        open_descriptors(),
        before,
        "every descriptor closed on drop"
    );
    first.remove().unwrap();
}
