use mmstats::{Counter, MmStats, Text};

#[derive(MmStats)]
struct Stats {
    #[mmstats(label = "")]
    empty: Counter,
    #[mmstats(size = 0)]
    user: Text,
    #[mmstats(lable = "typo")]
    typo: Counter,
    #[mmstats(label = "done")]
    first: Counter,
    #[mmstats(label = "done")]
    second: Counter,
    #[mmstats(label = "sys.tid")]
    tid: Counter,
}

fn main() {}
