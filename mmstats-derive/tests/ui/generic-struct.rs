use mmstats::{Gauge, MmStats, Scalar};

#[derive(MmStats)]
struct Stats<T: Scalar> {
    value: Gauge<T>,
}

fn main() {}
