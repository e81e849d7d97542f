//! What the integration tests share: the Python 0.8 fixtures, the sys
//! labels, reading a file back, and [`Every`], one model with every field
//! type, with the writes [`write_every`] gives it and the values
//! [`every_values`] they leave.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mmstats::reader::{Field, StatsFile, Value};
use mmstats::{Average, Counter, Gauge, MmStats, MovingAverage, Static, StaticText, Text, Timer};
use serde_json::Value as Json;

/// The files written by the original Python mmstats 0.8, each with what
/// its reader (`NAME.expected.json`) and its slurpstats
/// (`NAME.slurpstats.txt`) made of it: `tests/fixtures/python-mmstats-0.8`,
/// whose README says how they were made.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python-mmstats-0.8")
}

/// The fixtures (`NAME` of `NAME.mmstats`), sorted.
pub const FIXTURE_NAMES: [&str; 4] = ["all_types", "blog_script", "edge_cases", "empty"];

/// `NAME.expected.json`: what the Python reader read from `NAME.mmstats`.
pub fn expected_json(name: &str) -> Json {
    let path = fixtures_dir().join(format!("{name}.expected.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Asserts that `fields`, read from fixture `name`, are the records Python
/// recorded in `want` (its `NAME.expected.json`): the same number, each
/// with the same label, signature, write buffer and offset, back to back.
pub fn check_records_against_expected(name: &str, fields: &[Field], want: &Json) {
    let want_fields = want["fields"].as_array().unwrap();
    assert_eq!(fields.len(), want_fields.len(), "{name}: number of fields");
    for (got, want) in fields.iter().zip(want_fields) {
        let at = format!("{name}: field at {} ({})", got.offset, got.label);
        assert_eq!(Some(got.label.as_str()), want["label"].as_str(), "{at}");
        assert_eq!(Some(got.offset as u64), want["offset"].as_u64(), "{at}");
        assert_eq!(Some(got.signature.as_str()), want["type"].as_str(), "{at}");
        assert_eq!(
            Some(u64::from(got.write_buffer)),
            want["write_buffer"].as_u64(),
            "{at}"
        );
    }
    for pair in fields.windows(2) {
        assert_eq!(
            pair[0].end, pair[1].offset,
            "{name}: records are back to back"
        );
    }
}

/// The fields a model appends unless declared with `sys_fields = false`,
/// in file order, without the label prefix.
pub const SYS_LABELS: [&str; 7] = [
    "sys.pid",
    "sys.tid",
    "sys.uid",
    "sys.gid",
    "org.rust.version",
    "sys.created",
    "sys.cmd",
];

/// Every field of the file at `path`, through `mmstats::reader`.
pub fn read_fields(path: &Path) -> Vec<Field> {
    StatsFile::open(path)
        .and_then(|file| file.read_all())
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

/// Every field of a file's `bytes`, through `mmstats::reader`; `what` names
/// the file in a failure.
pub fn read_bytes(bytes: &[u8], what: &str) -> Vec<Field> {
    StatsFile::from_bytes(bytes)
        .and_then(|file| file.read_all())
        .unwrap_or_else(|err| panic!("{what}: {err}"))
}

/// Whether two values are the same: floats bit for bit, any NaN matching
/// any NaN.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(a), Value::Float(b)) => {
            a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
        }
        (a, b) => a == b,
    }
}

/// A model with every field type: every counter and average kind, a gauge
/// of every scalar type (two of them holding NaN and -inf), texts that are
/// cut, filled exactly and written once to several times, and a static of
/// every type. Its labels carry the prefix `t.` unless the options give
/// another.
#[derive(MmStats)]
#[mmstats(label_prefix = "t.")]
pub struct Every {
    pub count: Counter,
    pub avg: Average,
    #[mmstats(window = 3)]
    pub moving: MovingAverage,
    #[mmstats(label = "db.timer", window = 2)]
    pub timer: Timer,
    pub u64g: Gauge<u64>,
    pub u32g: Gauge<u32>,
    pub i32g: Gauge<i32>,
    #[mmstats(label = "température.°C")]
    pub temperature: Gauge<i16>,
    pub u16g: Gauge<u16>,
    pub f32g: Gauge<f32>,
    pub f32_nan: Gauge<f32>,
    pub f64g: Gauge<f64>,
    pub f64_inf: Gauge<f64>,
    pub i8g: Gauge<i8>,
    pub u8g: Gauge<u8>,
    pub i64g: Gauge<i64>,
    #[mmstats(initial = true)]
    pub flag_on: Gauge<bool>,
    pub flag_off: Gauge<bool>,
    #[mmstats(label = "user.name", size = 16)]
    pub user: Text,
    #[mmstats(size = 10)]
    pub name: Text,
    #[mmstats(size = 8)]
    pub exact: Text,
    #[mmstats(label = "x", size = 255)]
    pub long_text: Text,
    // u32::MAX, as a suffixed literal.
    #[mmstats(value = 4_294_967_295u32)]
    pub s_u32: Static<u32>,
    #[mmstats(value = i64::MIN)]
    pub s_i64: Static<i64>,
    #[mmstats(value = -5)]
    pub s_i32: Static<i32>,
    #[mmstats(value = u64::MAX)]
    pub s_u64: Static<u64>,
    #[mmstats(value = 0.1)]
    pub s_f32: Static<f32>,
    #[mmstats(value = std::f64::consts::E)]
    pub s_f64: Static<f64>,
    #[mmstats(value = "static ☃ ünïcödé", size = 32)]
    pub s_text: StaticText,
}

/// Gives [`Every`] its test values. How many times each field is written
/// decides its write buffer in the python-exact layout (two writes leave
/// 0, one or three leave 1) and the sequence words of the texts.
pub fn write_every(stats: &Every) {
    stats.count.incr();
    stats.count.add(41);
    stats.avg.add(1.0);
    stats.avg.add(2.5);
    for x in [1.0, 2.0, 3.0, 10.0] {
        stats.moving.add(x);
    }
    for secs in [0.5, 0.25, 1.0] {
        stats.timer.record_secs(secs);
    }
    stats.u64g.set(u64::MAX);
    stats.u32g.set(4_000_000_000);
    stats.i32g.set(i32::MIN);
    stats.temperature.set(-40);
    stats.u16g.set(u16::MAX);
    stats.f32g.set(0.1);
    stats.f32_nan.set(f32::NAN);
    stats.f64g.set(-1.0 / 3.0);
    stats.f64_inf.set(f64::NEG_INFINITY);
    stats.i8g.set(i8::MIN);
    stats.u8g.set(u8::MAX);
    stats.i64g.set(i64::MIN);
    stats.flag_off.set(false);
    stats.user.set("first value");
    stats.user.set("ñandú ☃");
    stats.name.set("alice");
    stats.name.set("bob");
    stats.exact.set("exactly8");
    for text in ["one", "two", "three"] {
        stats.long_text.set(text);
    }
}

/// The values of [`Every`]'s own fields after [`write_every`], by label
/// without the prefix, in declaration order.
pub fn every_values() -> Vec<(&'static str, Value)> {
    vec![
        ("count", Value::UInt(42)),
        ("avg", Value::Float(1.75)),
        // The last 3 of 1, 2, 3, 10.
        ("moving", Value::Float(5.0)),
        // The last 2 of 0.5, 0.25, 1.
        ("db.timer", Value::Float(0.625)),
        ("u64g", Value::UInt(u64::MAX)),
        ("u32g", Value::UInt(4_000_000_000)),
        ("i32g", Value::Int(i64::from(i32::MIN))),
        ("température.°C", Value::Int(-40)),
        ("u16g", Value::UInt(u64::from(u16::MAX))),
        ("f32g", Value::Float(f64::from(0.1f32))),
        ("f32_nan", Value::Float(f64::from(f32::NAN))),
        ("f64g", Value::Float(-1.0 / 3.0)),
        ("f64_inf", Value::Float(f64::NEG_INFINITY)),
        ("i8g", Value::Int(i64::from(i8::MIN))),
        ("u8g", Value::UInt(u64::from(u8::MAX))),
        ("i64g", Value::Int(i64::MIN)),
        ("flag_on", Value::Bool(true)),
        ("flag_off", Value::Bool(false)),
        ("user.name", Value::Str("ñandú ☃".into())),
        ("name", Value::Str("bob".into())),
        ("exact", Value::Str("exactly8".into())),
        ("x", Value::Str("three".into())),
        ("s_u32", Value::UInt(u64::from(u32::MAX))),
        ("s_i64", Value::Int(i64::MIN)),
        ("s_i32", Value::Int(-5)),
        ("s_u64", Value::UInt(u64::MAX)),
        ("s_f32", Value::Float(f64::from(0.1f32))),
        ("s_f64", Value::Float(std::f64::consts::E)),
        ("s_text", Value::Str("static ☃ ünïcödé".into())),
    ]
}

/// Asserts that `fields`, read from an [`Every`] file with label prefix
/// `prefix` after [`write_every`], are its own fields in declaration order
/// with [`every_values`], then the sys fields. `what` names the file in a
/// failure.
pub fn check_every_fields(fields: &[Field], prefix: &str, what: &str) {
    let expected = every_values();
    let labels: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
    let want: Vec<String> = expected
        .iter()
        .map(|(label, _)| *label)
        .chain(SYS_LABELS)
        .map(|label| format!("{prefix}{label}"))
        .collect();
    assert_eq!(labels, want, "{what}: labels");
    for ((label, value), field) in expected.iter().zip(fields) {
        assert!(
            same_value(value, &field.value),
            "{what}: {prefix}{label}: wrote {value:?}, read {:?}",
            field.value
        );
    }
}

/// The environment variable that tells a test binary, started again by one
/// of its own tests, which child role to play.
pub const CHILD_ROLE: &str = "MMSTATS_TEST_CHILD_ROLE";

/// A command that runs the test `test` of this test binary again, in a
/// child process whose [`child_role`] is `role`.
pub fn child_test(test: &str, role: &str) -> std::process::Command {
    let exe = std::env::current_exe().expect("the test binary");
    let mut command = std::process::Command::new(exe);
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ROLE, role);
    command
}

/// The role this process plays if a test started it with [`child_test`].
///
/// A process that plays a role is killed when the test thread that
/// started it ends, so that a failing test leaves no writer spinning.
pub fn child_role() -> Option<String> {
    let role = std::env::var(CHILD_ROLE).ok()?;
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and touches no
    // memory of this process.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    Some(role)
}

/// Starts the test `test` of this test binary again as role `role` with
/// the environment `envs` added, its standard output piped to this process.
pub fn spawn_role(test: &str, role: &str, envs: &[(&str, &std::ffi::OsStr)]) -> KillOnDrop {
    let mut command = child_test(test, role);
    command.stdout(std::process::Stdio::piped());
    for (name, value) in envs {
        command.env(name, value);
    }
    KillOnDrop(command.spawn().expect("spawn the test binary"))
}

/// Reads `child`'s standard output up to the first line that starts with
/// `prefix`, and returns the rest of that line; fails the test if the
/// output ends first.
pub fn wait_for_line(child: &mut KillOnDrop, prefix: &str) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.as_mut().expect("stdout piped");
    std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix(prefix).map(str::to_owned))
        .unwrap_or_else(|| panic!("the child ended before a line starting {prefix:?}"))
}

/// A child process that is killed and reaped when the guard goes, however
/// the test ends.
pub struct KillOnDrop(pub std::process::Child);

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;

    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The example `name`, built by `cargo test` before the tests run, next to
/// this test binary (`target/<profile>/examples/`).
pub fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().expect("test binary path");
    let profile_dir = deps
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds the examples",
        path.display()
    );
    path
}

/// The `HOST:PORT` in mmash's first line, `listening on http://HOST:PORT/`.
pub fn listening_address(line: &str) -> String {
    line.trim_end()
        .strip_prefix("listening on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line of mmash: {line:?}"))
        .to_owned()
}
