use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(label = "a")]
    #[mmstats(label = "b")]
    done: Counter,
}

fn main() {}
