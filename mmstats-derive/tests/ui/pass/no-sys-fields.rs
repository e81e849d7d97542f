//! A bare model: only its own fields, and a label a sys field would have
//! taken.

use mmstats::{Counter, MmStats};

#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct Stats {
    #[mmstats(label = "sys.pid")]
    pid: Counter,
    #[mmstats(initial = 5)]
    done: Counter,
}

#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct Empty {}

fn main() {
    let model = <Stats as MmStats>::__MODEL;
    assert!(!model.sys_fields);
    let labels: Vec<&str> = model.fields.iter().map(|field| field.label).collect();
    assert_eq!(labels, ["sys.pid", "done"]);
    assert_eq!(<Empty as MmStats>::__MODEL.fields.len(), 0);

    let dir = std::env::temp_dir().join(format!("mmstats-derive-ui-bare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stats = Stats::options().path(&dir).create().unwrap();
    assert_eq!(stats.done.get(), 5);
    stats.remove().unwrap();
    std::fs::remove_dir(&dir).unwrap();
}
