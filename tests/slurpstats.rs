//! The `slurpstats` binary, run as a command, against the output of the
//! original Python tool on the Python fixtures.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{expected_json, fixtures_dir, FIXTURE_NAMES};
use serde_json::Value as Json;

/// `slurpstats ARGS` in the fixtures directory, with no default-glob
/// variables set.
fn slurpstats(args: &[&str]) -> Output {
    slurpstats_in(&fixtures_dir(), args, &[])
}

fn slurpstats_in(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slurpstats"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("MMSTATS_GLOB")
        .env_remove("MMSTATS_PATH");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

fn expected_text(name: &str) -> String {
    std::fs::read_to_string(fixtures_dir().join(format!("{name}.slurpstats.txt"))).unwrap()
}

#[test]
fn output_is_byte_identical_to_the_python_tool() {
    for name in FIXTURE_NAMES {
        let out = slurpstats(&[&format!("{name}.mmstats")]);
        assert_eq!(text(&out.stderr), "", "{name}");
        assert!(out.status.success(), "{name}");
        let want = std::fs::read(fixtures_dir().join(format!("{name}.slurpstats.txt"))).unwrap();
        assert!(
            out.stdout == want,
            "{name}: got\n{}\nwant\n{}",
            text(&out.stdout),
            text(&want)
        );
    }
}

#[test]
fn several_files_print_in_argument_order() {
    let out = slurpstats(&["empty.mmstats", "blog_script.mmstats", "all_types.mmstats"]);
    assert!(out.status.success());
    let want = expected_text("empty") + &expected_text("blog_script") + &expected_text("all_types");
    assert_eq!(text(&out.stdout), want);
}

/// JSON equality with numbers compared exactly: integers as integers,
/// floats bit for bit.
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
            } else {
                x.as_u64() == y.as_u64() && x.as_i64() == y.as_i64()
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn json_matches_the_expected_files() {
    let args: Vec<String> = FIXTURE_NAMES
        .iter()
        .map(|n| format!("{n}.mmstats"))
        .collect();
    let mut argv: Vec<&str> = vec!["--json"];
    argv.extend(args.iter().map(String::as_str));
    let out = slurpstats(&argv);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<&str> = text(&out.stdout).lines().collect();
    assert_eq!(lines.len(), FIXTURE_NAMES.len());
    for (line, name) in lines.iter().zip(FIXTURE_NAMES) {
        let got: Json = serde_json::from_str(line).unwrap();
        let want = expected_json(name);
        assert_eq!(got["file"], format!("{name}.mmstats"));
        assert!(same_json(&got["version"], &want["version"]), "{name}");
        assert!(same_json(&got["size"], &want["size"]), "{name}");
        let (got, want) = (
            got["fields"].as_array().unwrap(),
            want["fields"].as_array().unwrap(),
        );
        assert_eq!(got.len(), want.len(), "{name}");
        for (g, w) in got.iter().zip(want) {
            assert!(same_json(g, w), "{name}: got {g}, want {w}");
        }
    }
}

#[test]
fn a_missing_file_is_reported_and_the_others_still_printed() {
    let out = slurpstats(&["missing.mmstats", "blog_script.mmstats"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), expected_text("blog_script"));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("slurpstats: missing.mmstats: cannot open: "),
        "{err}"
    );
}

#[test]
fn a_file_it_may_not_read_is_reported_and_the_others_still_printed() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let readable = dir.path().join("blog_script.mmstats");
    std::fs::copy(fixtures_dir().join("blog_script.mmstats"), &readable).unwrap();
    std::fs::set_permissions(&readable, std::fs::Permissions::from_mode(0o644)).unwrap();
    let secret = dir.path().join("secret.mmstats");
    std::fs::copy(fixtures_dir().join("blog_script.mmstats"), &secret).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_slurpstats"));
    command
        .args(["secret.mmstats", "blog_script.mmstats"])
        .current_dir(dir.path());
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Root reads anything: run as nobody, whom a 0600 file shuts out.
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        command.uid(65534).gid(65534);
    } else {
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), expected_text("blog_script"));
    assert_eq!(
        text(&out.stderr),
        "slurpstats: secret.mmstats: cannot open: Permission denied (os error 13)\n"
    );
}

#[test]
fn a_foreign_file_gets_a_clear_error() {
    let out = slurpstats(&["README.md", "empty.mmstats"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), expected_text("empty"));
    assert_eq!(
        text(&out.stderr),
        "slurpstats: README.md: not an mmstats file (bad version byte)\n"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // Enough output to fill any pipe: edge_cases pads every line to its
    // 11,519-byte label.
    let dir = tempfile::tempdir().unwrap();
    let source = fixtures_dir().join("edge_cases.mmstats");
    let mut args = Vec::new();
    for i in 0..20 {
        let name = format!("copy{i:02}.mmstats");
        std::fs::copy(&source, dir.path().join(&name)).unwrap();
        args.push(name);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_slurpstats"))
        .args(&args)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "==> copy00.mmstats\n");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn prefix_and_label_glob_filter_fields() {
    let out = slurpstats(&["-p", "sys.", "blog_script.mmstats"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "==> blog_script.mmstats\n  sys.pid     7355\n  sys.tid     7355\n  sys.uid     0\n  sys.gid     0\n  sys.created 1795455883.031542\n\n"
    );
    let out = slurpstats(&["--label-glob", "*_*", "blog_script.mmstats"]);
    assert_eq!(
        text(&out.stdout),
        "==> blog_script.mmstats\n  missing_email 12\n  otherdb_timer 0.35249999999999915\n\n"
    );
    let out = slurpstats(&["-g", "ε.*_neg", "--prefix", "ε.u", "edge_cases.mmstats"]);
    assert_eq!(
        text(&out.stdout),
        "==> edge_cases.mmstats\n  ε.uint_neg   4294967196\n  ε.ushort_neg 65534\n  ε.u64_neg    18446744073709551615\n\n"
    );
    let out = slurpstats(&["--json", "-p", "done", "blog_script.mmstats"]);
    assert_eq!(
        text(&out.stdout),
        "{\"file\":\"blog_script.mmstats\",\"version\":1,\"size\":4096,\"fields\":[\
         {\"label\":\"done\",\"type\":\"Q\",\"write_buffer\":1,\"offset\":1,\"value\":113}]}\n"
    );
}

#[test]
fn no_arguments_read_the_default_glob() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures_dir().join("blog_script.mmstats"),
        dir.path().join("b.mmstats"),
    )
    .unwrap();
    std::fs::copy(
        fixtures_dir().join("empty.mmstats"),
        dir.path().join("a.mmstats"),
    )
    .unwrap();
    std::fs::write(dir.path().join("c.txt"), "not read").unwrap();

    let shown = |file: &str| dir.path().join(file).display().to_string();
    let want = format!(
        "==> {}\n\n==> {}\n{}",
        shown("a.mmstats"),
        shown("b.mmstats"),
        expected_text("blog_script").split_once('\n').unwrap().1
    );
    let out = slurpstats_in(&fixtures_dir(), &[], &[("MMSTATS_PATH", dir.path())]);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(text(&out.stdout), want);

    let pattern = dir.path().join("b.*");
    let out = slurpstats_in(&fixtures_dir(), &[], &[("MMSTATS_GLOB", &pattern)]);
    assert_eq!(text(&out.stdout), want.split_once("\n\n").unwrap().1);

    // A directory argument means its *.mmstats files.
    let out = slurpstats_in(&fixtures_dir(), &[dir.path().to_str().unwrap()], &[]);
    assert_eq!(text(&out.stdout), want);
    assert!(out.status.success());
}

#[test]
fn help_shows_examples_and_bad_usage_exits_2() {
    let out = slurpstats(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("--json") && help.contains("MMSTATS_GLOB"),
        "{help}"
    );
    let out = slurpstats(&["--no-such-option"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--no-such-option"));
}

#[test]
fn finding_no_file_is_said_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a stats file").unwrap();
    let shown = dir.path().display().to_string();

    // A directory without stats files.
    let out = slurpstats_in(&fixtures_dir(), &[&shown], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!("slurpstats: no stats files found in {shown}\n")
    );

    // The default place, empty.
    let out = slurpstats_in(&fixtures_dir(), &[], &[("MMSTATS_PATH", dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!("slurpstats: no stats files found in {shown}/*.mmstats\n")
    );
}
