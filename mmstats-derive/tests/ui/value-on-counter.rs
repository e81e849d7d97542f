use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(value = 5)]
    done: Counter,
}

fn main() {}
