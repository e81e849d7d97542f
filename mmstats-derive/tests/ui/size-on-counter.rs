use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(size = 8)]
    done: Counter,
}

fn main() {}
