use mmstats::{Average, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(initial = 1.0)]
    mean: Average,
}

fn main() {}
