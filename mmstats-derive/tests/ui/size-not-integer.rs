use mmstats::{MmStats, Text};

const SIZE: usize = 64;

#[derive(MmStats)]
struct Stats {
    #[mmstats(size = SIZE)]
    user: Text,
}

fn main() {}
