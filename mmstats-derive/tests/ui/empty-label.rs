use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(label = "")]
    done: Counter,
}

fn main() {}
