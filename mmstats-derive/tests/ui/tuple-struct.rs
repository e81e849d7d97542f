use mmstats::{Counter, MmStats};

#[derive(MmStats)]
struct Stats(Counter);

fn main() {}
