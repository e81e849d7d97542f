//! Interoperation with the original: Python mmstats 0.8.0 under CPython
//! 2.7.18, run as the reference peer.
//!
//! - Files written by the original's own models (`python/write_models.py`)
//!   read the same through `mmstats::reader` as through the original
//!   `MmStatsReader`.
//! - Files written by Rust models, in both layouts, read through the
//!   original `MmStatsReader` (`python/read_files.py`) and the original
//!   `slurpstats` to the labels and values the Rust side wrote.
//! - The same model given the same writes comes out byte for byte the same
//!   from the original (`python/write_for_bytes.py`) and from Rust in the
//!   python-exact layout.
//! - `cleanstats` keeps the file of a live Python writer
//!   (`python/live_writer.py`), which holds no lock, and removes it once the
//!   writer is gone.
//!
//! CPython 2.7.18 is looked up through pyenv (`$PYENV_ROOT`, `pyenv root`,
//! `~/.pyenv`). The package is expected in `<target>/py2-mmstats`, where
//! `.ci/run` installs it; when it is not there the tests install it
//! (`pip install --target`). Without Python 2.7, or when the install fails,
//! each test prints a line starting with `SKIP:` saying what is missing,
//! and passes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{check_every_fields, read_bytes, read_fields, write_every, Every};
use mmstats::reader::{Field, Value};
use mmstats::{
    Average, Counter, Gauge, Layout, MmStats, Model, MovingAverage, Static, StaticText, Text, Timer,
};
use serde_json::Value as Json;

const PYTHON_VERSION: &str = "2.7.18";
const PACKAGE: &str = "mmstats==0.8.0";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        // A relative target dir is relative to the workspace.
        Some(dir) if !dir.is_empty() => workspace().join(dir),
        _ => workspace().join("target"),
    }
}

/// Where pyenv may keep its versions, most specific first, and a note when
/// the `pyenv` command is unavailable.
fn pyenv_roots() -> (Vec<PathBuf>, Option<String>) {
    let mut roots = Vec::new();
    if let Some(root) = std::env::var_os("PYENV_ROOT").filter(|r| !r.is_empty()) {
        roots.push(PathBuf::from(root));
    }
    let note = match Command::new("pyenv").arg("root").output() {
        Ok(out) if out.status.success() => {
            let root = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if !root.is_empty() {
                roots.push(PathBuf::from(root));
            }
            None
        }
        Ok(out) => Some(format!("`pyenv root` failed ({})", out.status)),
        Err(err) => Some(format!("no `pyenv` command ({err})")),
    };
    if let Some(home) = std::env::var_os("HOME") {
        roots.push(Path::new(&home).join(".pyenv"));
    }
    (roots, note)
}

fn find_python2() -> Result<PathBuf, String> {
    let (roots, note) = pyenv_roots();
    let candidates: Vec<PathBuf> = roots
        .iter()
        .map(|root| {
            root.join("versions")
                .join(PYTHON_VERSION)
                .join("bin/python")
        })
        .collect();
    if let Some(python) = candidates.iter().find(|python| python.is_file()) {
        return Ok(python.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "CPython {PYTHON_VERSION} not found: no {}{}",
        looked.join(", no "),
        note.map(|n| format!("; {n}")).unwrap_or_default()
    ))
}

/// The package directory, installed with pip first if needed. Installs go
/// to a staging directory renamed into place, so a concurrent install
/// never leaves a half-filled package behind.
fn ensure_package(python: &Path) -> Result<PathBuf, String> {
    let package = target_dir().join("py2-mmstats");
    let installed = |dir: &Path| dir.join("mmstats/reader.py").is_file();
    if installed(&package) {
        return Ok(package);
    }
    fs::create_dir_all(target_dir())
        .map_err(|err| format!("could not create {}: {err}", target_dir().display()))?;
    let staging = target_dir().join(format!("py2-mmstats.{}.tmp", std::process::id()));
    // Leftovers of an earlier failed attempt of a process with this id.
    let _ = fs::remove_dir_all(&staging);
    let out = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg("--target")
        .arg(&staging)
        .arg(PACKAGE)
        .output()
        .map_err(|err| format!("could not run {} -m pip: {err}", python.display()))?;
    if !out.status.success() || !installed(&staging) {
        let _ = fs::remove_dir_all(&staging);
        // Without pip's notices about Python 2's end of life.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("DEPRECATION:"))
            .collect();
        return Err(format!(
            "`pip install {PACKAGE}` failed ({}): {}",
            out.status,
            errors.join(" / ")
        ));
    }
    if let Err(err) = fs::rename(&staging, &package) {
        let _ = fs::remove_dir_all(&staging);
        if !installed(&package) {
            return Err(format!(
                "could not move the package to {}: {err}",
                package.display()
            ));
        }
    }
    Ok(package)
}

/// CPython 2.7 with mmstats 0.8 importable.
struct Python2 {
    python: PathBuf,
    package: PathBuf,
}

fn python2() -> &'static Result<Python2, String> {
    static PYTHON2: OnceLock<Result<Python2, String>> = OnceLock::new();
    PYTHON2.get_or_init(|| {
        let python = find_python2()?;
        let package = ensure_package(&python)?;
        Ok(Python2 { python, package })
    })
}

/// The reference peer, or `None` after printing why `test` is skipped.
fn peer(test: &str) -> Option<&'static Python2> {
    match python2() {
        Ok(python) => Some(python),
        Err(reason) => {
            let line = format!("SKIP: {test}: {reason}");
            println!("{line}");
            // Straight to the stream: the test harness swallows the output
            // of `eprintln!` in passing tests, and a skip must be seen.
            let _ = writeln!(std::io::stderr(), "{line}");
            None
        }
    }
}

impl Python2 {
    /// Runs Python with `args`; returns its stdout, failing the test with
    /// its stderr if it exits with an error or complains on stderr.
    fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> String {
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        let out = Command::new(&self.python)
            .args(args)
            .env("PYTHONPATH", &self.package)
            .env("PYTHONIOENCODING", "utf-8")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONSTARTUP")
            // Not the workspace, whose `mmstats/` is the Rust crate.
            .current_dir(&self.package)
            .output()
            .unwrap_or_else(|err| panic!("running {}: {err}", self.python.display()));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "python {shown:?} failed ({}):\n{stderr}",
            out.status
        );
        String::from_utf8(out.stdout).expect("Python's output is UTF-8")
    }

    /// Runs one of the scripts in `tests/python` and parses its JSON output.
    fn script<S: AsRef<OsStr>>(&self, name: &str, args: &[S]) -> Json {
        let mut all = vec![workspace().join("tests/python").join(name).into_os_string()];
        all.extend(args.iter().map(|a| a.as_ref().to_owned()));
        let stdout = self.run(&all);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|err| panic!("{name} printed no JSON ({err}):\n{stdout}"))
    }
}

/// Whether a value the original reader returned, as encoded by
/// `python/interop.py`, is `want`: integers exactly, floats bit for bit
/// (any NaN matching any NaN), bools and strings exactly.
fn same_value(python: &Json, want: &Value) -> bool {
    let Some((kind, value)) = python.as_object().and_then(|o| o.iter().next()) else {
        return false;
    };
    match (kind.as_str(), want) {
        ("int", Value::Int(v)) => value.as_str() == Some(v.to_string().as_str()),
        ("int", Value::UInt(v)) => value.as_str() == Some(v.to_string().as_str()),
        ("float", Value::Float(v)) => value
            .as_str()
            .and_then(|text| text.parse::<f64>().ok())
            .is_some_and(|x| x.to_bits() == v.to_bits() || (x.is_nan() && v.is_nan())),
        ("bool", Value::Bool(v)) => value.as_bool() == Some(*v),
        ("str", Value::Str(v)) => value.as_str() == Some(v.as_str()),
        _ => false,
    }
}

/// `[[label, value], ...]` as printed by the scripts.
fn python_fields(json: &Json) -> Vec<(String, Json)> {
    json.as_array()
        .unwrap_or_else(|| panic!("not a list of fields: {json}"))
        .iter()
        .map(|pair| {
            let label = pair[0]
                .as_str()
                .unwrap_or_else(|| panic!("bad field {pair}"));
            (label.to_owned(), pair[1].clone())
        })
        .collect()
}

/// Asserts that the original and the Rust reader read the same labels and
/// values from one file, whatever the order.
fn assert_same_reading(path: &Path, python: &[(String, Json)], rust: &[Field]) {
    let file = path.display();
    let python_map: BTreeMap<&str, &Json> = python.iter().map(|(l, v)| (l.as_str(), v)).collect();
    let rust_map: BTreeMap<&str, &Value> =
        rust.iter().map(|f| (f.label.as_str(), &f.value)).collect();
    assert_eq!(
        python_map.len(),
        python.len(),
        "{file}: duplicate labels in Python's reading"
    );
    assert_eq!(
        rust_map.len(),
        rust.len(),
        "{file}: duplicate labels in Rust's reading"
    );
    let python_labels: BTreeSet<&str> = python_map.keys().copied().collect();
    let rust_labels: BTreeSet<&str> = rust_map.keys().copied().collect();
    assert_eq!(rust_labels, python_labels, "{file}: labels");
    for (label, value) in rust_map {
        assert!(
            same_value(python_map[label], value),
            "{file}: {label}: Rust read {value:?}, Python read {}",
            python_map[label]
        );
    }
}

/// The value of `label` as the Rust reader read it.
fn value_of<'a>(fields: &'a [Field], label: &str) -> &'a Value {
    &fields
        .iter()
        .find(|f| f.label == label)
        .unwrap_or_else(|| panic!("no field {label}"))
        .value
}

/// The fixtures in `tests/fixtures/python-mmstats-0.8` are what the
/// original writes: `python/write_fixtures.py` writes them again with
/// mmstats 0.8.0 (the sys fields given the values the fixtures recorded),
/// and every file, its reader's `.expected.json` and its slurpstats
/// outputs included, comes out byte for byte the same.
#[test]
fn fixtures_are_what_the_original_writes() {
    let Some(python) = peer("fixtures_are_what_the_original_writes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fixtures = common::fixtures_dir();
    let script = workspace().join("tests/python/write_fixtures.py");
    python.run(&[
        script.as_os_str(),
        dir.path().as_os_str(),
        OsStr::new("--sys-from"),
        fixtures.as_os_str(),
    ]);
    let mut compared = 0;
    for entry in fs::read_dir(&fixtures).unwrap() {
        let name = entry.unwrap().file_name();
        if name == "README.md" {
            continue;
        }
        let want = fs::read(fixtures.join(&name)).unwrap();
        let got = fs::read(dir.path().join(&name))
            .unwrap_or_else(|err| panic!("{name:?} was not written again: {err}"));
        assert!(
            want == got,
            "{name:?}: the original writes {} bytes that differ from the fixture's {} from byte {}",
            got.len(),
            want.len(),
            want.iter()
                .zip(&got)
                .position(|(a, b)| a != b)
                .unwrap_or(want.len().min(got.len()))
        );
        compared += 1;
    }
    assert_eq!(compared, 16, "four fixtures of four files each");
}

#[test]
fn files_written_by_python_read_the_same_in_rust() {
    let Some(python) = peer("files_written_by_python_read_the_same_in_rust") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let written = python.script("write_models.py", &[dir.path()]);
    let files = written["files"].as_array().expect("a list of files");
    let names: Vec<&str> = files.iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, ["every", "bare"]);

    let mut read = BTreeMap::new();
    for file in files {
        let path = PathBuf::from(file["path"].as_str().expect("a path"));
        let rust = read_fields(&path);
        assert_same_reading(&path, &python_fields(&file["fields"]), &rust);
        read.insert(file["name"].as_str().unwrap(), rust);
    }

    // What the script means to write, so that both readers agreeing on
    // something else cannot pass.
    let every = &read["every"];
    assert_eq!(every.len(), 32 + 6, "every: fields");
    let expect = [
        ("py.counter", Value::UInt(42)),
        ("py.counter_wrap", Value::UInt(u64::MAX - 1)),
        ("py.average", Value::Float(1.75)),
        ("py.moving.avg", Value::Float(5.0)),
        ("py.db.timer", Value::Float(0.375)),
        ("py.u64", Value::UInt(u64::MAX)),
        ("py.u32_wrap", Value::UInt(u64::from(u32::MAX))),
        ("py.i32", Value::Int(i64::from(i32::MIN))),
        ("py.température.°C", Value::Int(-40)),
        ("py.short_wrap", Value::Int(-25536)),
        ("py.u16", Value::UInt(65535)),
        ("py.byte_wrap", Value::Int(-56)),
        ("py.f32", Value::Float(f64::from(0.1f32))),
        ("py.f32_tiny", Value::Float(f64::from(f32::from_bits(1)))),
        ("py.f64_max", Value::Float(f64::MAX)),
        ("py.f64_inf", Value::Float(f64::NEG_INFINITY)),
        ("py.flag_on", Value::Bool(true)),
        ("py.flag_truthy", Value::Bool(true)),
        ("py.name.cut", Value::Str("naïve ☃".into())),
        ("py.user", Value::Str("bob".into())),
        ("py.s_i64", Value::Int(i64::MIN)),
        ("py.s_text", Value::Str("static ☃".into())),
    ];
    for (label, want) in &expect {
        assert_eq!(value_of(every, label), want, "{label}");
    }
    let float = |label: &str| match value_of(every, label) {
        Value::Float(x) => *x,
        other => panic!("{label}: {other:?} is not a float"),
    };
    assert!(float("py.f32_nan").is_nan());
    assert_eq!(float("py.f64_neg_zero").to_bits(), (-0.0f64).to_bits());
    // One thread: the kernel thread id is the process id.
    match (value_of(every, "py.sys.pid"), value_of(every, "py.sys.tid")) {
        (Value::UInt(pid), Value::Int(tid)) => assert_eq!(i64::try_from(*pid), Ok(*tid)),
        other => panic!("sys.pid and sys.tid: {other:?}"),
    }
    assert!(value_of(every, "py.org.python.version")
        .as_str()
        .is_some_and(|v| v.starts_with(PYTHON_VERSION)));

    let bare = &read["bare"];
    let labels: BTreeSet<&str> = bare.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(
        labels,
        BTreeSet::from(["ε.hits", "ε.exact", "ε.ratio.😀", "ε.flag"])
    );
    assert_eq!(value_of(bare, "ε.exact"), &Value::Str("exactly8".into()));
    assert_eq!(value_of(bare, "ε.ratio.😀"), &Value::Float(0.25));
}

/// Writes [`Every`] in both layouts, with the label prefix `rs.`; returns
/// the models and, for each, the fields as the Rust reader reads them (sys
/// fields included).
fn write_every_in_both_layouts(dir: &Path) -> Vec<(Model<Every>, Vec<Field>)> {
    [Layout::Aligned, Layout::PythonExact]
        .into_iter()
        .map(|layout| {
            let stats = Every::options()
                .path(dir)
                .filename(format!("every-{layout:?}.mmstats"))
                .label_prefix("rs.")
                .layout(layout)
                .create()
                .unwrap();
            write_every(&stats);
            let fields = read_fields(stats.path());
            check_every_fields(&fields, "rs.", &format!("{layout:?}"));
            (stats, fields)
        })
        .collect()
}

#[test]
fn files_written_by_rust_read_the_same_in_python() {
    let Some(python) = peer("files_written_by_rust_read_the_same_in_python") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let written = write_every_in_both_layouts(dir.path());
    let paths: Vec<&Path> = written.iter().map(|(stats, _)| stats.path()).collect();
    let read = python.script("read_files.py", &paths);

    for (stats, rust) in &written {
        let path = stats.path();
        let key = path.to_str().unwrap();
        let python_read = python_fields(&read[key]);
        // The original reads the fields in file order, as Rust does.
        let python_labels: Vec<&str> = python_read.iter().map(|(l, _)| l.as_str()).collect();
        let rust_labels: Vec<&str> = rust.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(python_labels, rust_labels, "{key}: labels");
        assert_same_reading(path, &python_read, rust);
    }
}

/// The value part of `label`'s line in slurpstats output: `  LABEL`, padded
/// with spaces to `width` characters, a space, the value.
fn slurped_value<'a>(output: &'a str, label: &str, width: usize) -> Option<&'a str> {
    let padding = width - label.chars().count() + 1;
    output.lines().find_map(|line| {
        let rest = line.strip_prefix("  ")?.strip_prefix(label)?;
        let value = rest.get(padding..)?;
        (rest[..padding].bytes().all(|b| b == b' ')).then_some(value)
    })
}

/// Whether the text Python 2's `str()` printed for a value is `want`.
/// Floats printed with 12 significant digits; they match within a relative
/// 1e-11.
fn slurped_matches(text: &str, want: &Value) -> bool {
    match want {
        Value::Int(v) => text == v.to_string(),
        Value::UInt(v) => text == v.to_string(),
        Value::Bool(v) => text == if *v { "True" } else { "False" },
        Value::Str(v) => text == v,
        Value::Float(v) => text.parse::<f64>().is_ok_and(|x| {
            x == *v || (x.is_nan() && v.is_nan()) || (x - v).abs() <= 1e-11 * x.abs().max(v.abs())
        }),
    }
}

#[test]
fn python_slurpstats_shows_files_written_by_rust() {
    let Some(python) = peer("python_slurpstats_shows_files_written_by_rust") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (stats, rust) in write_every_in_both_layouts(dir.path()) {
        let path = stats.path();
        let output = python.run(&[
            OsStr::new("-m"),
            OsStr::new("mmstats.slurpstats"),
            path.as_os_str(),
        ]);
        let header = format!("==> {}", path.display());
        assert_eq!(output.lines().next(), Some(header.as_str()), "{output}");
        assert!(
            output.ends_with("\n\n"),
            "a blank line ends the file's section:\n{output}"
        );
        assert_eq!(output.lines().count(), 1 + rust.len() + 1, "{output}");
        let width = rust.iter().map(|f| f.label.chars().count()).max().unwrap();
        for field in &rust {
            let text = slurped_value(&output, &field.label, width)
                .unwrap_or_else(|| panic!("no line for {} in:\n{output}", field.label));
            assert!(
                slurped_matches(text, &field.value),
                "{}: slurpstats printed {text:?} for {:?}",
                field.label,
                field.value
            );
        }
    }
}

/// The model of `python/write_for_bytes.py`.
#[derive(MmStats)]
#[mmstats(label_prefix = "live.", sys_fields = false)]
// The static fields are only ever read from the file.
#[allow(dead_code)]
struct Live {
    counter: Counter,
    average: Average,
    #[mmstats(window = 3)]
    moving: MovingAverage,
    timer: Timer,
    average_long: Average,
    #[mmstats(window = 7)]
    moving_long: MovingAverage,
    timer_long: Timer,
    #[mmstats(label = "u64")]
    u64g: Gauge<u64>,
    #[mmstats(label = "u32")]
    u32g: Gauge<u32>,
    #[mmstats(label = "température.°C")]
    temperature: Gauge<i32>,
    #[mmstats(label = "i16")]
    i16g: Gauge<i16>,
    #[mmstats(label = "u16")]
    u16g: Gauge<u16>,
    #[mmstats(label = "i8")]
    i8g: Gauge<i8>,
    #[mmstats(label = "f32")]
    f32g: Gauge<f32>,
    #[mmstats(label = "f64")]
    f64g: Gauge<f64>,
    flag_off: Gauge<bool>,
    #[mmstats(initial = true)]
    flag_on: Gauge<bool>,
    #[mmstats(initial = true)]
    flag_cleared: Gauge<bool>,
    #[mmstats(size = 12)]
    user: Text,
    text: Text,
    #[mmstats(size = 5)]
    cleared: Text,
    #[mmstats(value = u32::MAX)]
    s_u32: Static<u32>,
    #[mmstats(value = i64::MIN)]
    s_i64: Static<i64>,
    #[mmstats(value = u64::MAX)]
    s_u64: Static<u64>,
    #[mmstats(value = 0.1)]
    s_f32: Static<f32>,
    #[mmstats(value = std::f64::consts::PI)]
    s_f64: Static<f64>,
    #[mmstats(value = "static ☃")]
    s_text: StaticText,
}

/// `awkward_samples` of `python/write_for_bytes.py`: floats of mixed signs
/// and magnitudes, so that moving sums need exact rounding.
fn awkward_samples(n: u32) -> Vec<f64> {
    (1..=n)
        .map(|k| {
            let x = f64::from(k) * 0.1;
            let mut x = x * x * x;
            if k % 2 == 1 {
                x = -x;
            }
            if k % 7 == 0 {
                x += 1e16;
            }
            if k % 11 == 0 {
                x -= 1e16;
            }
            x
        })
        .collect()
}

/// The writes of `python/write_for_bytes.py`, in the same order.
fn write_live(stats: &Live) {
    stats.counter.incr();
    stats.counter.add(5);
    stats.counter.sub(10);
    for x in [1.0, 2.0, 4.0] {
        stats.average.add(x);
    }
    stats.u64g.set(1);
    // `interop.write_shared`.
    for x in [1.0, 2.0, 3.0, 10.0] {
        stats.moving.add(x);
    }
    // Python's fake clock: 100.25 - 100.0 and 200.5 - 200.0.
    for secs in [0.25, 0.5] {
        stats.timer.record_secs(secs);
    }
    stats.u64g.set(u64::MAX);
    stats.i16g.set(i16::MIN);
    stats.u16g.set(u16::MAX);
    stats.i8g.set(i8::MIN);
    stats.f32g.set(0.1);
    stats.f64g.set(-1.0 / 3.0);

    stats.u16g.set(1);
    stats.f32g.set(3.5);
    for x in awkward_samples(250) {
        stats.average_long.add(x);
        stats.moving_long.add(x);
        stats.timer_long.record_secs(x);
    }
    // Python sets -1, which wraps.
    stats.u32g.set(u32::MAX);
    for v in [7, i32::MIN, -40] {
        stats.temperature.set(v);
    }
    stats.flag_cleared.set(false);
    stats.user.set("alice wonder");
    stats.user.set("bob");
    stats.text.set("naïve ☃ café");
    stats.cleared.set("hello");
    stats.cleared.set("");
}

/// Fails with the first differing byte unless a field's record is the same
/// in both files; returns the Rust record.
fn assert_same_record<'a>(
    python_bytes: &[u8],
    python: &Field,
    rust_bytes: &'a [u8],
    rust: &Field,
) -> &'a [u8] {
    let want = &python_bytes[python.offset..python.end];
    let got = &rust_bytes[rust.offset..rust.end];
    if let Some(at) = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i)) {
        let from = |bytes: &[u8]| bytes[at.min(bytes.len())..bytes.len().min(at + 16)].to_vec();
        panic!(
            "{}: records differ from byte {at} of the record (Python's file offset {}, Rust's \
             {}): Python {:02x?}, Rust {:02x?}",
            python.label,
            python.offset + at,
            rust.offset + at,
            from(want),
            from(got),
        );
    }
    got
}

#[test]
fn python_and_rust_write_the_same_bytes() {
    let Some(python) = peer("python_and_rust_write_the_same_bytes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let python_path = dir.path().join("python.mmstats");
    let order = python.script("write_for_bytes.py", &[&python_path]);
    let python_bytes = fs::read(&python_path).unwrap();

    let stats = Live::options()
        .path(dir.path())
        .filename("rust.mmstats")
        .layout(Layout::PythonExact)
        .create()
        .unwrap();
    write_live(&stats);
    let rust_bytes = fs::read(stats.path()).unwrap();

    let python_records = read_bytes(&python_bytes, "Python's file");
    let rust_records = read_bytes(&rust_bytes, "Rust's file");
    let python_order: Vec<&str> = python_records.iter().map(|f| f.label.as_str()).collect();
    let printed: Option<Vec<&str>> = order
        .as_array()
        .map(|labels| labels.iter().filter_map(Json::as_str).collect());
    assert_eq!(
        printed,
        Some(python_order.clone()),
        "labels the script printed"
    );
    let rust_labels: BTreeSet<&str> = rust_records.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(
        rust_labels,
        python_order.iter().copied().collect(),
        "labels"
    );
    assert_eq!(rust_bytes.len(), python_bytes.len(), "file size");

    // Python 2 lays the fields out in an arbitrary order: pair records by
    // label, then compare the whole file with Rust's records in Python's
    // order.
    let mut reordered = vec![rust_bytes[0]];
    for python_field in &python_records {
        let rust_field = rust_records
            .iter()
            .find(|f| f.label == python_field.label)
            .unwrap();
        let got = assert_same_record(&python_bytes, python_field, &rust_bytes, rust_field);
        reordered.extend_from_slice(got);
    }
    reordered.resize(rust_bytes.len(), 0);
    assert!(
        reordered == python_bytes,
        "the whole file, Rust's records in Python's order"
    );
    let end = rust_records.iter().map(|f| f.end).max().unwrap();
    assert!(
        rust_bytes[end..].iter().all(|&b| b == 0),
        "Rust's file is zero after its fields"
    );
}

#[test]
fn cleanstats_keeps_a_live_python_writers_file_and_removes_a_dead_ones() {
    let Some(python) = peer("cleanstats_keeps_a_live_python_writers_file_and_removes_a_dead_ones")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Command::new(&python.python)
        .arg(workspace().join("tests/python/live_writer.py"))
        .arg(dir.path())
        .env("PYTHONPATH", &python.package)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&python.package)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(writer.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let path = PathBuf::from(line.trim());
    assert_eq!(path, dir.path().join(format!("py-{}.mmstats", writer.id())));
    let clean = || {
        let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
            .arg("-v")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let kept = clean();
    assert!(path.exists(), "{kept}");
    assert!(
        kept.contains(&format!("pid {} is alive", writer.id())),
        "{kept}"
    );
    assert!(kept.ends_with("Removed 0  -  1 alive\n"), "{kept}");

    // Closing its input ends the writer; its file stays behind.
    drop(writer.stdin.take());
    assert!(writer.wait().unwrap().success());
    assert!(path.exists());
    let cleaned = clean();
    assert!(!path.exists(), "{cleaned}");
    assert!(cleaned.contains("not found"), "{cleaned}");
    assert!(cleaned.ends_with("Removed 1  -  0 alive\n"), "{cleaned}");
}
