use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(lable = "x")]
    done: Counter,
}

fn main() {}
