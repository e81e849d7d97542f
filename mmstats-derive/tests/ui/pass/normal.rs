//! The model of the crate's documentation, with every attribute, in a
//! module whose names could clash with the generated code's.
#![allow(dead_code)]

use mmstats::{Counter, Gauge, MmStats, Static, Text, Timer};

// Generated code uses absolute paths, so none of these get in its way.
mod core {}
struct Option;
struct Result;
struct FieldSpec;

fn binder() -> u32 {
    7
}

fn __binder() -> u32 {
    8
}

#[derive(MmStats)]
#[mmstats(label_prefix = "app.")]
struct Stats {
    done: Counter,
    #[mmstats(label = "user", size = 64)]
    last_user: Text,
    #[mmstats(window = 10)]
    otherdb_timer: Timer,
    #[mmstats(value = std::process::id())]
    pid: Static<u32>,
    #[mmstats(initial = true)]
    enabled: Gauge<bool>,
    #[mmstats(label = "seven")]
    #[mmstats(value = binder())]
    r#static: Static<u32>,
    // Names the derive's own parameter, which it cannot see.
    #[mmstats(value = __binder())]
    hygiene: Static<u32>,
}

macro_rules! text_model {
    ($name:ident, $label:literal, $size:literal) => {
        #[derive(MmStats)]
        #[mmstats(sys_fields = false)]
        struct $name {
            #[mmstats(label = $label, size = $size)]
            text: Text,
        }
    };
}

text_model!(FromMacro, "t", 8);

fn main() {
    let model = <Stats as MmStats>::__MODEL;
    assert_eq!(model.label_prefix, "app.");
    assert!(model.sys_fields);
    let labels: Vec<&str> = model.fields.iter().map(|field| field.label).collect();
    assert_eq!(
        labels,
        [
            "done",
            "user",
            "otherdb_timer",
            "pid",
            "enabled",
            "seven",
            "hygiene",
            "sys.pid",
            "sys.tid",
            "sys.uid",
            "sys.gid",
            "org.rust.version",
            "sys.created",
            "sys.cmd",
        ]
    );
    assert_eq!(model.fields[1].size, 64);
    assert_eq!(model.fields[2].window, 10);
    assert_eq!(model.aligned.len(), labels.len());
    assert_eq!(model.python_exact.len(), labels.len());
    // Offsets count the prefix: each record is 2 + 4 + 2 + ... bytes.
    assert_eq!(model.python_exact[1].record, 1 + 2 + "app.done".len() + 2 + 1 + 1 + 2 * 8);

    let dir = std::env::temp_dir().join(format!("mmstats-derive-ui-normal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stats = Stats::options().path(&dir).create().unwrap();
    stats.done.incr();
    stats.last_user.set("rob");
    assert_eq!(stats.done.get(), 1);
    assert!(stats.enabled.get());
    assert_eq!(stats.pid.get(), std::process::id());
    assert_eq!(stats.r#static.get(), 7);
    assert_eq!(stats.hygiene.get(), 8);
    stats.remove().unwrap();

    let from_macro = <FromMacro as MmStats>::__MODEL;
    assert_eq!(from_macro.fields.len(), 1);
    assert_eq!(from_macro.fields[0].label, "t");
    assert_eq!(from_macro.fields[0].size, 8);

    std::fs::remove_dir(&dir).unwrap();
}
