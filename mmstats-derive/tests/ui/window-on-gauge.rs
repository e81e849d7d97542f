use mmstats::{Gauge, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(window = 10)]
    level: Gauge<u32>,
}

fn main() {}
