//! The examples, run as the README runs them: their files read back by
//! `slurpstats` from another process.
//!
mod common;

use std::path::PathBuf;
use std::process::Command;

use common::example;

/// `label value` pairs from slurpstats' text output.
fn slurp(path: &std::path::Path) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_slurpstats"))
        .arg(path)
        .output()
        .expect("run slurpstats");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8 output")
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| {
            let (label, value) = line.split_once(' ')?;
            Some((label.to_owned(), value.trim_start().to_owned()))
        })
        .collect()
}

fn value<'a>(fields: &'a [(String, String)], label: &str) -> &'a str {
    fields
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {label} in {fields:?}"))
}

#[test]
fn update_emails_leaves_its_counts_for_slurpstats() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(example("update_emails"))
        .arg("50")
        .env("MMSTATS_PATH", dir.path())
        .env("MMSTATS_FILES", "emails-{PID}.mmstats")
        .output()
        .expect("run update_emails");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let path = PathBuf::from(printed.trim());
    assert_eq!(path.parent(), Some(dir.path()), "honours MMSTATS_PATH");
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("emails-") && name.ends_with(".mmstats"),
        "honours MMSTATS_FILES: {name}"
    );
    assert!(path.exists(), "the file is left behind");

    let fields = slurp(&path);
    assert_eq!(value(&fields, "done"), "50");
    assert_eq!(value(&fields, "missing_email"), "5");
    let timer: f64 = value(&fields, "otherdb_timer").parse().unwrap();
    assert!(timer > 0.0, "otherdb_timer {timer}");
    assert_eq!(value(&fields, "user"), "user50");
    assert!(value(&fields, "org.rust.version").starts_with("mmstats "));
}

#[test]
fn update_emails_rejects_a_bad_count() {
    let out = Command::new(example("update_emails"))
        .arg("many")
        .output()
        .expect("run update_emails");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("whole number"));
}

#[test]
fn the_demo_is_read_live_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(example("demo"))
        .env("MMSTATS_PATH", dir.path())
        .output()
        .expect("run demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let reader_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("reader (pid"))
        .collect();
    assert_eq!(reader_lines.len(), 5, "{text}");
    // The reader is another process, and it saw the counter move.
    let writer_pid = text
        .lines()
        .find_map(|l| l.strip_prefix("writer (pid "))
        .and_then(|l| l.split(')').next())
        .unwrap();
    assert!(!reader_lines[0].contains(&format!("pid {writer_pid})")));
    let requests = |line: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix("requests="))
            .and_then(|n| n.parse().ok())
            .unwrap()
    };
    assert!(
        requests(reader_lines[4]) > requests(reader_lines[0]),
        "{text}"
    );
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "the demo leaves its file");
}

#[test]
fn the_threads_example_gives_each_thread_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(example("threads"))
        .arg("3")
        .env("MMSTATS_PATH", dir.path())
        .output()
        .expect("run threads");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("3 workers, "), "{text}");
    let files: Vec<&str> = text.lines().filter(|l| l.ends_with(".mmstats")).collect();
    assert_eq!(files.len(), 3, "{text}");
    let jobs: u64 = text
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(jobs > 0, "{text}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "removed at thread end"
    );
}
