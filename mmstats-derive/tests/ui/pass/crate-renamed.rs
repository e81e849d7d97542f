//! A model whose runtime crate is reachable only under another name, as
//! with `stats = { package = "mmstats", ... }` in Cargo.toml: `::mmstats`
//! here names another crate, so only `crate = "..."` can make it work.

extern crate core as mmstats;
extern crate mmstats as renamed;

use renamed::{Counter, MmStats};

#[derive(MmStats)]
#[mmstats(crate = "renamed")]
struct Stats {
    #[mmstats(initial = 2)]
    done: Counter,
}

mod nested {
    #[derive(renamed::MmStats)]
    #[mmstats(crate = "crate::renamed", sys_fields = false)]
    pub struct Inner {
        pub n: renamed::Counter,
    }
}

fn main() {
    assert_eq!(<Stats as MmStats>::__MODEL.name, "Stats");
    let dir = std::env::temp_dir().join(format!("mmstats-derive-ui-renamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stats = Stats::options().path(&dir).create().unwrap();
    stats.done.incr();
    assert_eq!(stats.done.get(), 3);
    stats.remove().unwrap();
    let inner = nested::Inner::options().path(&dir).create().unwrap();
    inner.n.incr();
    inner.remove().unwrap();
    std::fs::remove_dir(&dir).unwrap();
}
