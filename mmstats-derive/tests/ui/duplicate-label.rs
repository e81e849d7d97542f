use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    done: Counter,
    #[mmstats(label = "done")]
    finished: Counter,
}

fn main() {}
