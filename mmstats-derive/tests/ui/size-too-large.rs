use mmstats::{MmStats, Text};

#[derive(MmStats)]
struct Stats {
    #[mmstats(size = 1073741825)]
    user: Text,
}

fn main() {}
