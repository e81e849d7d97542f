use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    done: Counter,
    name: String,
}

fn main() {}
