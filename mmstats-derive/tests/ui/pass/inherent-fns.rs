//! `options()` and `create()` are callable on the model without importing
//! the `MmStats` trait.

mod model {
    #[derive(mmstats::MmStats)]
    pub struct Stats {
        pub done: mmstats::Counter,
    }
}

mod user {
    // No `use mmstats::MmStats` here.
    use crate::model::Stats;

    pub fn run() {
        let dir = std::env::temp_dir().join(format!("mmstats-derive-ui-inherent-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stats = Stats::options().path(&dir).create().unwrap();
        stats.done.incr();
        assert_eq!(stats.done.get(), 1);
        stats.remove().unwrap();
        std::fs::remove_dir(&dir).unwrap();
        let _create: fn() -> Result<mmstats::Model<Stats>, mmstats::Error> = Stats::create;
    }
}

fn main() {
    user::run();
}
