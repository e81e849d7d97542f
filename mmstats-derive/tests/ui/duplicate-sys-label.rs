use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats {
    #[mmstats(label = "sys.pid")]
    pid: Counter,
}

fn main() {}
