use mmstats::{Counter, MmStats};

#[derive(MmStats)]
#[mmstats(crate = "not a path!")]
struct Stats {
    done: Counter,
}

#[derive(MmStats)]
#[mmstats(crate = renamed)]
struct Other {
    done: Counter,
}

fn main() {
    let _ = Stats::options();
    let _ = Other::options();
}
