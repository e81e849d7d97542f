use mmstats::{MmStats, Static};

#[derive(MmStats)]
struct Stats {
    #[mmstats(value = 5, initial = 5)]
    pid: Static<u32>,
}

fn main() {}
