use mmstats::{MmStats, Static};

#[derive(MmStats)]
struct Stats {
    #[mmstats(initial = 1)]
    pid: Static<u32>,
}

fn main() {}
