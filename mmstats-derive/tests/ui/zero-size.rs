use mmstats::{MmStats, Text};

#[derive(MmStats)]
struct Stats {
    #[mmstats(size = 0)]
    user: Text,
}

fn main() {}
