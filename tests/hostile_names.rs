//! File names that are not UTF-8, which any local user can create in a
//! shared stats directory (`/tmp` by default): every tool lists them
//! without a panic, reads those that match like any other, and shows their
//! names with the bytes that are not UTF-8 as `\xNN`. (mmash's endpoints
//! are checked in its unit tests, `src/mmash/tests.rs`.)

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};

use common::fixtures_dir;

/// A directory holding `good.mmstats` and `caf\xe9.mmstats` (both a stats
/// file with a counter `done` of 113) and a junk file named `\xff`.
fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let stats = fixtures_dir().join("blog_script.mmstats");
    std::fs::copy(&stats, dir.path().join("good.mmstats")).unwrap();
    let cafe = dir.path().join(OsStr::from_bytes(b"caf\xe9.mmstats"));
    std::fs::copy(&stats, cafe).unwrap();
    std::fs::write(dir.path().join(OsStr::from_bytes(b"\xff")), b"junk").unwrap();
    dir
}

/// Runs the tool `bin` with `args` and `dir` last; its status, standard
/// output and error, with `DIR` for `dir`.
fn run(bin: &str, args: &[&str], dir: &Path) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(bin)
        .args(args)
        .arg(dir)
        .env_remove("MMSTATS_GLOB")
        .output()
        .unwrap();
    let shown = |bytes: Vec<u8>| {
        String::from_utf8(bytes)
            .unwrap()
            .replace(&*dir.to_string_lossy(), "DIR")
    };
    let err = shown(stderr);
    assert!(!err.contains("panicked"), "{bin}: {err}");
    (status.code().unwrap_or(-1), shown(stdout), err)
}

#[test]
fn slurpstats_reads_and_escapes_names_that_are_not_utf8() {
    let dir = hostile_dir();
    let slurpstats = env!("CARGO_BIN_EXE_slurpstats");
    let (status, out, err) = run(slurpstats, &[], dir.path());
    assert_eq!((status, err.as_str()), (0, ""));
    let heads: Vec<&str> = out.lines().filter(|l| l.starts_with("==> ")).collect();
    assert_eq!(
        heads,
        ["==> DIR/caf\\xe9.mmstats", "==> DIR/good.mmstats"],
        "{out}"
    );
    assert_eq!(out.matches("  done               113\n").count(), 2);

    let (status, out, _) = run(slurpstats, &["--json"], dir.path());
    assert_eq!(status, 0);
    let files: Vec<String> = out
        .lines()
        .map(|line| {
            let file: serde_json::Value = serde_json::from_str(line).unwrap();
            file["file"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(files, ["DIR/caf\\xe9.mmstats", "DIR/good.mmstats"]);

    // A junk file whose name matches is one error line, named escaped.
    std::fs::write(dir.path().join(OsStr::from_bytes(b"\xfe.mmstats")), b"").unwrap();
    let (status, out, err) = run(slurpstats, &[], dir.path());
    assert_eq!(status, 1);
    assert_eq!(
        err,
        "slurpstats: DIR/\\xfe.mmstats: empty file, not an mmstats file\n"
    );
    assert_eq!(out.matches("==> ").count(), 2);
}

#[test]
fn pollstats_polls_files_whose_names_are_not_utf8() {
    let dir = hostile_dir();
    let pollstats = env!("CARGO_BIN_EXE_pollstats");
    let (status, out, err) = run(pollstats, &["-c", "1", "done"], dir.path());
    assert_eq!((status, err.as_str()), (0, ""));
    // The first row is the sum of both files' counters.
    assert_eq!(out.lines().nth(1).map(str::trim), Some("226"), "{out}");
}

#[test]
fn cleanstats_judges_files_whose_names_are_not_utf8() {
    let dir = hostile_dir();
    let cleanstats = env!("CARGO_BIN_EXE_cleanstats");
    let (status, out, err) = run(cleanstats, &["--dry-run", "-v"], dir.path());
    assert_eq!((status, err.as_str()), (0, ""));
    // The fixtures' writer is long gone (or its pid is someone else's).
    for name in ["DIR/caf\\xe9.mmstats: ", "DIR/good.mmstats: "] {
        assert!(
            out.lines().any(
                |l| (l.starts_with("would remove ") || l.starts_with("alive ")) && l.contains(name)
            ),
            "{name}: {out}"
        );
    }
}

#[test]
fn a_directory_whose_name_is_not_utf8_is_searched() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join(OsStr::from_bytes(b"st\xff"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(
        fixtures_dir().join("blog_script.mmstats"),
        dir.join("a.mmstats"),
    )
    .unwrap();
    let (status, out, err) = run(env!("CARGO_BIN_EXE_slurpstats"), &[], &dir);
    assert_eq!((status, err.as_str()), (0, ""));
    let head = format!("==> {}/st\\xff/a.mmstats\n", parent.path().display());
    assert!(out.starts_with(&head), "{out}");
}

/// A symbolic link planted in a shared directory, named like a stats file:
/// slurpstats lists it as an error without opening it (nothing of its
/// target shown); named on the command line, it is the user's choice.
#[test]
fn slurpstats_follows_no_link_it_finds() {
    let dir = hostile_dir();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.bin");
    std::fs::write(&secret, b"TOPS secret").unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("x.mmstats")).unwrap();
    let slurpstats = env!("CARGO_BIN_EXE_slurpstats");
    let (status, out, err) = run(slurpstats, &[], dir.path());
    assert_eq!(status, 1);
    assert_eq!(
        err,
        "slurpstats: DIR/x.mmstats: a symbolic link, not followed\n"
    );
    assert_eq!(out.matches("==> ").count(), 2, "{out}");

    let named = outside.path().join("mine.mmstats");
    std::os::unix::fs::symlink(dir.path().join("good.mmstats"), &named).unwrap();
    let (status, out, err) = run(slurpstats, &[], &named);
    assert_eq!((status, err.as_str()), (0, ""));
    assert!(out.contains("  done               113\n"), "{out}");
}

/// Two links to `.` made a pattern of 18 levels of `*/` double its work
/// per level (2^17 paths): links to directories are not walked into.
#[test]
fn a_deep_pattern_through_links_to_directories_returns_at_once() {
    let dir = hostile_dir();
    std::os::unix::fs::symlink(".", dir.path().join("l1")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("l2")).unwrap();
    let pattern = format!(
        "{}/{}*.mmstats",
        glob::Pattern::escape(dir.path().to_str().unwrap()),
        "*/".repeat(17)
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_slurpstats"))
        .arg(&pattern)
        .env_remove("MMSTATS_GLOB")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(10) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("still expanding {pattern} after 10 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(err, format!("slurpstats: {pattern}: no such file\n"));
}
