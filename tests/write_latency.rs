//! The `write_latency` example, run small: its report is complete and
//! consistent, and no increment is lost, with and without a process
//! forcing writeback. No timing is asserted: the machines are shared.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::example;

const COUNT: u64 = 200_000;
const PERCENTILES: [&str; 5] = ["p50", "p99", "p99.9", "p99.99", "max"];

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(example("write_latency"))
        .args(args)
        .arg(dir)
        .output()
        .expect("run write_latency")
}

/// The first number on the line that starts with `label`.
fn number(text: &str, label: &str) -> u64 {
    let rest = text
        .lines()
        .filter_map(|line| line.strip_prefix(label))
        .find(|rest| rest.starts_with(' '))
        .unwrap_or_else(|| panic!("no {label} line in\n{text}"));
    rest.split_whitespace()
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label} in {rest:?}"))
}

fn check_report(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let count = COUNT.to_string();
    let mut all_args = vec!["--count", count.as_str()];
    all_args.extend_from_slice(args);
    let out = run(&all_args, dir.path());
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(number(&text, "count"), COUNT, "{text}");
    let figures: Vec<u64> = PERCENTILES
        .iter()
        .map(|label| number(&text, label))
        .collect();
    assert!(
        figures.windows(2).all(|pair| pair[0] <= pair[1]),
        "percentiles must not decrease: {figures:?}\n{text}"
    );
    number(&text, "minor faults");
    assert!(
        text.contains(&format!(
            "read back      {COUNT} of {COUNT} increments: nothing lost"
        )),
        "{text}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "the stats file (and the scratch file) are removed:\n{text}"
    );
    text
}

#[test]
fn reports_every_percentile_and_loses_nothing() {
    let text = check_report(&[]);
    assert!(text.contains("writeback loop off"), "{text}");
}

#[test]
fn reports_every_percentile_and_loses_nothing_under_a_sync_loop() {
    let text = check_report(&["--writeback"]);
    assert!(text.contains("writeback loop on"), "{text}");
}

#[test]
fn rejects_a_bad_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--count", "many"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("positive whole number"));
}
