use mmstats::{MmStats, Static};

#[derive(MmStats)]
struct Stats {
    pid: Static<u32>,
}

fn main() {}
