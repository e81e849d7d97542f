use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(label = "")]
    done: Counter,
}

fn main() {
    // The model has an error, but using it adds none.
    let stats = Stats::create().unwrap();
    stats.done.incr();
}
