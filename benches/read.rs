//! The reader: parsing one mapped file of 10, 100 and 1,000 fields, and
//! reading 1,000 files of 50 fields (opening and mapping included).
//!
//! ```text
//! cargo bench --bench read -- --quick
//! ```

mod common;

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mmstats::reader::StatsFile;
use mmstats::MmStats;

use common::{Mixed10, Mixed100, Mixed1000, Mixed50};

fn read(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let m10 = Mixed10::options().path(dir.path()).filename("10.mmstats");
    let m10 = m10.create().expect("model");
    common::fill_mixed10(&m10);
    let m100 = Mixed100::options().path(dir.path()).filename("100.mmstats");
    let m100 = m100.create().expect("model");
    common::fill_mixed100(&m100);
    let m1000 = Mixed1000::options()
        .path(dir.path())
        .filename("1000.mmstats");
    let m1000 = m1000.create().expect("model");
    common::fill_mixed1000(&m1000);

    let mut group = c.benchmark_group("read");
    for (fields, path) in [
        (10u64, m10.path()),
        (100, m100.path()),
        (1000, m1000.path()),
    ] {
        let file = StatsFile::open(path).expect("open");
        assert_eq!(file.read_all().expect("read").len() as u64, fields);
        group.throughput(Throughput::Elements(fields));
        group.bench_function(fields.to_string(), |b| {
            b.iter(|| file.read_all().expect("read"))
        });
    }
    group.finish();
}

/// 1,000 files of 50 fields, as a directory of running processes leaves.
fn files_of_50(dir: &std::path::Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let model = Mixed50::options()
                .path(dir)
                .filename(format!("proc-{i}.mmstats"))
                .create()
                .expect("model");
            common::fill_mixed50(&model);
            model.path().to_owned()
        })
        .collect()
}

fn slurp(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = files_of_50(dir.path(), 1000);
    let mut group = c.benchmark_group("slurp");
    group.throughput(Throughput::Elements(50 * paths.len() as u64));
    group.sample_size(20);
    group.bench_function("1000x50", |b| {
        b.iter(|| {
            let mut fields = 0;
            for path in &paths {
                let file = StatsFile::open(path).expect("open");
                fields += file.read_all().expect("read").len();
            }
            assert_eq!(fields, 50_000);
        })
    });
    group.finish();
}

criterion_group!(benches, read, slurp);
criterion_main!(benches);
