use mmstats::MmStats;

#[derive(MmStats)]
union Stats {
    done: u64,
}

fn main() {}
