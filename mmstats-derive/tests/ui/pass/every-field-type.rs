//! Every field type, with every attribute it takes.

use mmstats::{Average, Counter, Gauge, MmStats, MovingAverage, Static, StaticText, Text, Timer};

type Alias = Counter;

#[derive(MmStats)]
struct Stats {
    #[mmstats(initial = 1)]
    counter: Counter,
    alias: Alias,
    average: Average,
    #[mmstats(window = 3)]
    moving_average: MovingAverage,
    #[mmstats(window = 5)]
    timer: Timer,
    #[mmstats(initial = 1)]
    u8: Gauge<u8>,
    #[mmstats(initial = -1)]
    i8: Gauge<i8>,
    u16: Gauge<u16>,
    i16: Gauge<i16>,
    u32: Gauge<u32>,
    i32: Gauge<i32>,
    u64: Gauge<u64>,
    i64: Gauge<i64>,
    f32: Gauge<f32>,
    #[mmstats(initial = 0.5)]
    f64: Gauge<f64>,
    bool: Gauge<bool>,
    #[mmstats(size = 16, initial = "rob")]
    text: Text,
    default_text: Text,
    #[mmstats(value = 1u32)]
    static_u32: Static<u32>,
    #[mmstats(value = -1)]
    static_i64: Static<i64>,
    #[mmstats(value = u64::MAX)]
    static_u64: Static<u64>,
    #[mmstats(value = 1.5)]
    static_f32: Static<f32>,
    #[mmstats(value = 2.5)]
    static_f64: Static<f64>,
    #[mmstats(value = "fixed", size = 8)]
    static_text: StaticText,
    #[mmstats(value = format!("pid {}", std::process::id()))]
    static_default_text: StaticText,
}

fn main() {
    let model = <Stats as MmStats>::__MODEL;
    assert_eq!(model.fields.len(), 25 + 7);
    assert_eq!(model.fields[16].size, 16);
    assert_eq!(model.fields[17].size, 255);
    assert_eq!(model.fields[23].size, 8);
    assert_eq!(model.fields[24].size, 256);
    assert_eq!(model.fields[3].window, 3);
    assert_eq!(model.fields[4].window, 5);

    let dir = std::env::temp_dir().join(format!("mmstats-derive-ui-every-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stats = Stats::options().path(&dir).create().unwrap();
    assert_eq!(stats.counter.get(), 1);
    assert_eq!(stats.u8.get(), 1);
    assert_eq!(stats.i8.get(), -1);
    assert_eq!(stats.f64.get(), 0.5);
    assert_eq!(stats.text.get(), "rob");
    assert_eq!(stats.static_u64.get(), u64::MAX);
    assert_eq!(stats.static_text.get(), "fixed");
    stats.remove().unwrap();
    std::fs::remove_dir(&dir).unwrap();
}
