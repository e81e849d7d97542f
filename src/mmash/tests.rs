//! Every endpoint that reads files, against hostile directory entries: a
//! name that is not UTF-8, and symbolic links planted in the served
//! directory.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use mmstats::reader::testing::FileBuilder;
use serde_json::Value as Json;

use super::api::{self, ValuesQuery};
use super::metrics;
use super::source::Source;

/// A stats file with one counter `label` of 7.
fn stats_file(label: &str) -> Vec<u8> {
    let mut file = FileBuilder::new();
    file.unbuffered(label, "Q", &7u64.to_ne_bytes());
    file.finish(4096)
}

/// The answers of every endpoint that reads files: `/metrics`,
/// `/api/snapshot`, `/files/`, `/files/*`, `/stats/`, `/stats/` with a
/// prefix, with `DIR` for the served directory.
struct Answers {
    metrics: String,
    snapshot: Json,
    files: Json,
    files_glob: Json,
    labels: Json,
    values: Json,
}

fn answers(dir: &Path) -> Answers {
    let pattern = format!("{}/*.mmstats", glob::Pattern::escape(dir.to_str().unwrap()));
    let source = Source::new(vec![pattern], Some(dir.to_owned()));
    let text = |bytes: Vec<u8>| {
        String::from_utf8(bytes)
            .unwrap()
            .replace(dir.to_str().unwrap(), "DIR")
    };
    let json = |bytes: Vec<u8>| serde_json::from_str::<Json>(&text(bytes)).unwrap();
    Answers {
        metrics: text(metrics::render(&source)),
        snapshot: json(api::snapshot(&source)),
        files: json(api::files(&source, "").unwrap()),
        files_glob: json(api::files(&source, "*").unwrap()),
        labels: json(api::labels(&source)),
        values: json(api::values(&source, "", &ValuesQuery::default()).unwrap()),
    }
}

#[test]
fn names_that_are_not_utf8_are_served_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.mmstats"), stats_file("good")).unwrap();
    std::fs::write(d.join(OsStr::from_bytes(b"\xff")), b"junk").unwrap();
    std::fs::write(d.join(OsStr::from_bytes(b"\xff.mmstats")), b"").unwrap();
    std::fs::write(
        d.join(OsStr::from_bytes(b"caf\xe9.mmstats")),
        stats_file("cafe"),
    )
    .unwrap();

    let answers = answers(d);
    let both = ["DIR/caf\\xe9.mmstats", "DIR/good.mmstats"];
    assert_eq!(answers.files["files"], serde_json::json!(both));
    assert_eq!(answers.files_glob["files"], serde_json::json!(both));
    let shown: Vec<&str> = answers.snapshot["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["file"].as_str().unwrap())
        .collect();
    assert_eq!(shown, both);
    assert_eq!(
        answers.snapshot["errors"],
        serde_json::json!([{
            "file": "DIR/\\xff.mmstats",
            "error": "DIR/\\xff.mmstats: empty file, not an mmstats file",
        }])
    );
    assert!(
        answers
            .metrics
            .contains("mmstats_cafe{cmd=\"caf\\\\xe9\",file=\"DIR/caf\\\\xe9.mmstats\"} 7"),
        "{}",
        answers.metrics
    );
    assert!(answers.metrics.contains("mmstats_good{"));
    assert_eq!(answers.labels["stats"], serde_json::json!(["cafe", "good"]));
    assert_eq!(answers.values["cafe"], serde_json::json!([7]));
    assert_eq!(answers.values["good"], serde_json::json!([7]));
}

#[test]
fn links_are_not_followed_nor_their_targets_quoted() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("shadow");
    std::fs::write(&secret, b"root:$6$secret").unwrap();
    let elsewhere = outside.path().join("other.mmstats");
    std::fs::write(&elsewhere, stats_file("elsewhere")).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.mmstats"), stats_file("good")).unwrap();
    std::os::unix::fs::symlink(&secret, d.join("secret.mmstats")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, d.join("outside.mmstats")).unwrap();
    // Refused too: a link within the directory (see `confined`).
    std::os::unix::fs::symlink("good.mmstats", d.join("within.mmstats")).unwrap();

    let answers = answers(d);
    let good = serde_json::json!(["DIR/good.mmstats"]);
    assert_eq!(answers.files["files"], good);
    assert_eq!(answers.files_glob["files"], good);
    assert_eq!(answers.labels["stats"], serde_json::json!(["good"]));
    assert_eq!(answers.values["good"], serde_json::json!([7]));
    assert_eq!(answers.values.as_object().unwrap().len(), 1);
    assert!(
        !answers.metrics.contains("elsewhere"),
        "{}",
        answers.metrics
    );
    assert!(answers.metrics.contains("mmstats_read_errors_total 3"));
    let errors = answers.snapshot["errors"].as_array().unwrap();
    let named: Vec<&str> = errors.iter().map(|e| e["file"].as_str().unwrap()).collect();
    assert_eq!(
        named,
        [
            "DIR/outside.mmstats",
            "DIR/secret.mmstats",
            "DIR/within.mmstats"
        ]
    );
    for error in errors {
        let message = error["error"].as_str().unwrap();
        assert!(
            message.starts_with(error["file"].as_str().unwrap())
                && message.ends_with("refused: a symbolic link (mmash serves no links)"),
            "{message}"
        );
    }
    assert_eq!(answers.snapshot["files"].as_array().unwrap().len(), 1);
}

#[test]
fn a_file_that_is_not_a_stats_file_is_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.mmstats"), b"root:$6$secret").unwrap();
    let answers = answers(dir.path());
    assert_eq!(
        answers.snapshot["errors"],
        serde_json::json!([{
            "file": "DIR/notes.mmstats",
            "error": "DIR/notes.mmstats: not an mmstats file (bad version byte)",
        }])
    );
}
