use mmstats::{MmStats, Timer};

#[derive(MmStats)]
struct Stats {
    #[mmstats(window = 0)]
    timer: Timer,
}

fn main() {}
