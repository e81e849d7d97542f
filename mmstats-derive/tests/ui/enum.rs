use mmstats::MmStats;

#[derive(MmStats)]
enum Stats {
    Done,
}

fn main() {}
