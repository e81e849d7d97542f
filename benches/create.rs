//! Creating and removing a model's file, for 10 and 100 fields.
//!
//! ```text
//! cargo bench --bench create -- --quick
//! ```

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

use common::{Counters10, Counters100};

fn create(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("create");
    group.bench_function("10", |b| {
        b.iter(|| {
            let model = Counters10::options()
                .path(dir.path())
                .create()
                .expect("model");
            model.remove().expect("remove");
        })
    });
    group.bench_function("100", |b| {
        b.iter(|| {
            let model = Counters100::options()
                .path(dir.path())
                .create()
                .expect("model");
            model.remove().expect("remove");
        })
    });
    group.finish();
}

criterion_group!(benches, create);
criterion_main!(benches);
