//! The reader: parsing one mapped file of 10, 100 and 1,000 fields, and
//! reading 100 and 1,000 files of 50 fields (opening and mapping included).
//!
//! `read/*` and `slurp/*` parse every field with a [`Cursor`], as the tools
//! do: label, signature and value decoded, strings included, nothing
//! allocated per field. `read_all/*` collects owned [`Field`]s (a `String`
//! for each label, signature and text value).
//!
//! ```text
//! cargo bench --bench read -- --quick
//! ```
//!
//! [`Cursor`]: mmstats::reader::Cursor
//! [`Field`]: mmstats::reader::Field

mod common;

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mmstats::reader::{Cursor, StatsFile};

use common::{Mixed10, Mixed100, Mixed1000, Mixed50};

/// Parses every field the cursor has left; returns how many there were.
fn parse_all(cursor: &mut Cursor<'_>) -> usize {
    let mut fields = 0;
    while let Some(field) = cursor.next_field() {
        black_box(field.expect("field"));
        fields += 1;
    }
    fields
}

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
    let files = [
        (10u64, m10.path()),
        (100, m100.path()),
        (1000, m1000.path()),
    ];

    let mut group = c.benchmark_group("read");
    for (fields, path) in files {
        let file = StatsFile::open(path).expect("open");
        let mut cursor = file.cursor();
        assert_eq!(parse_all(&mut cursor) as u64, fields);
        group.throughput(Throughput::Elements(fields));
        group.bench_function(fields.to_string(), |b| {
            b.iter(|| {
                cursor.rewind();
                parse_all(&mut cursor)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read_all");
    for (fields, path) in files {
        let file = StatsFile::open(path).expect("open");
        assert_eq!(file.read_all().expect("read").len() as u64, fields);
        group.throughput(Throughput::Elements(fields));
        group.bench_function(fields.to_string(), |b| {
            b.iter(|| file.read_all().expect("read"))
        });
    }
    group.finish();
}

/// `count` files of 50 fields, as a directory of running processes leaves.
fn files_of_50(dir: &Path, count: usize) -> Vec<PathBuf> {
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
    group.sample_size(20);
    for count in [100, 1000] {
        let paths = &paths[..count];
        group.throughput(Throughput::Elements(50 * count as u64));
        group.bench_function(format!("{count}x50"), |b| {
            b.iter(|| {
                let mut fields = 0;
                for path in paths {
                    let file = StatsFile::open(path).expect("open");
                    fields += parse_all(&mut file.cursor());
                }
                assert_eq!(fields, 50 * count);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, read, slurp);
criterion_main!(benches);
