//! `cleanstats`, run as a command against files of live and killed writer
//! processes, Python 0.8 files whose pid is gone or was reused, and files
//! it must never remove.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mmstats::reader::StatsFile;
use mmstats::{Counter, MmStats, Text};

use common::{child_role, child_test, fixtures_dir, spawn_role, wait_for_line, KillOnDrop};

#[derive(MmStats)]
struct Job {
    done: Counter,
}

/// One test at a time: a child process another test starts holds a copy of
/// every descriptor of this process until it calls exec, the lock of a
/// model just dropped too, which would make its file look alive.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn cleanstats(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .args(args)
        .env_remove("MMSTATS_GLOB")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A model of [`Job`] at `dir/name`, created and dropped by this process:
/// its lock is free, its `sys.pid` is this (live) process.
fn abandoned(dir: &Path, name: &str) -> PathBuf {
    let job = Job::options().path(dir).filename(name).create().unwrap();
    job.done.add(3);
    job.path().to_owned()
}

/// Starts a writer process with a model at `path`, and waits until the file
/// is there.
fn writer(test: &str, path: &Path) -> KillOnDrop {
    let mut child = spawn_role(test, "writer", &[("MMSTATS_CLEAN_PATH", path.as_os_str())]);
    wait_for_line(&mut child, "ready");
    child
}

/// A model whose text a busy writer rewrites without pause.
#[derive(MmStats)]
struct Busy {
    #[mmstats(size = 16000)]
    note: Text,
}

/// The writer's part: a model at the given path, kept until killed; as
/// role `writer` it sits idle, as `busy` it rewrites a text without pause.
fn play_writer() -> bool {
    let Some(role) = child_role() else {
        return false;
    };
    let path = PathBuf::from(std::env::var_os("MMSTATS_CLEAN_PATH").unwrap());
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    match role.as_str() {
        "writer" => {
            let job = Job::options().path(dir).filename(name).create().unwrap();
            job.done.incr();
            println!("\nready");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        "busy" => {
            let busy = Busy::options().path(dir).filename(name).create().unwrap();
            let texts = ["a".repeat(16000), "b".repeat(15000)];
            busy.note.set(&texts[0]);
            println!("\nready");
            for text in texts.iter().cycle() {
                busy.note.set(text);
            }
            unreachable!("the texts cycle forever")
        }
        other => panic!("no role {other}"),
    }
}

#[test]
fn removes_the_files_of_gone_writers_and_keeps_the_live_ones() {
    const TEST: &str = "removes_the_files_of_gone_writers_and_keeps_the_live_ones";
    if play_writer() {
        return;
    }
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let live_path = dir.path().join("live.mmstats");
    let killed_path = dir.path().join("killed.mmstats");
    let _live = writer(TEST, &live_path);
    let mut killed = writer(TEST, &killed_path);
    killed.kill().unwrap();
    killed.wait().unwrap();
    // Its writer is gone though its sys.pid (this process) is alive: the
    // free lock tells.
    let abandoned = abandoned(dir.path(), "abandoned.mmstats");

    let out = cleanstats(&[dir.path()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(live_path.exists(), "the live writer's file was removed");
    assert!(!killed_path.exists(), "{stdout}");
    assert!(!abandoned.exists(), "{stdout}");
    assert!(stdout.ends_with("Removed 2  -  1 alive\n"), "{stdout}");
    assert!(
        stdout.contains(&format!("removed {}: its writer", killed_path.display())),
        "{stdout}"
    );
    // The live file still reads: cleaning did not disturb its writer.
    assert!(StatsFile::open(&live_path).unwrap().read_all().is_ok());

    // Once more: nothing left to remove, and -v says why the rest lives.
    let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .arg("-v")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.contains("holds its lock"), "{stdout}");
    assert!(stdout.ends_with("Removed 0  -  1 alive\n"), "{stdout}");
}

/// The uid and gid of `nobody`.
const NOBODY: u32 = 65534;

#[test]
fn a_busy_live_writer_is_alive_however_fast_it_writes() {
    const TEST: &str = "a_busy_live_writer_is_alive_however_fast_it_writes";
    if play_writer() {
        return;
    }
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.mmstats");
    let mut command = child_test(TEST, "busy");
    command
        .env("MMSTATS_CLEAN_PATH", &path)
        .stdout(std::process::Stdio::piped());
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        // The writer of another user, as a cleaner run by root meets it.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        command.uid(NOBODY).gid(NOBODY);
    }
    let mut busy = KillOnDrop(command.spawn().unwrap());
    wait_for_line(&mut busy, "ready");
    if root {
        assert_eq!(fs::metadata(&path).unwrap().uid(), NOBODY);
    }
    // Each run reads the file while the writer is rewriting its text.
    let runs: u32 = std::env::var("MMSTATS_CLEAN_BUSY_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(300);
    for run in 0..runs {
        let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
            .args(["-v", "--dry-run"])
            .arg(&path)
            .output()
            .unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(out.status.success(), "run {run}: {stdout}{stderr}");
        assert_eq!(stderr, "", "run {run}");
        // The pid, unless the writer kept its text changing through every
        // attempt to read up to it: the lock alone tells.
        let alive = [format!("(pid {}) ", busy.id()), String::new()].map(|pid| {
            format!(
                "alive {}: its writer {pid}holds its lock\nWould remove 0  -  1 alive\n",
                path.display()
            )
        });
        assert!(alive.contains(&stdout), "run {run}: {stdout}");
    }
    assert!(busy.try_wait().unwrap().is_none(), "the writer died");
}

/// A copy of the Python fixture `blog_script` with its `sys.pid` and
/// `sys.created` set.
fn python_file(path: &Path, pid: u32, created: f64) {
    let mut bytes = fs::read(fixtures_dir().join("blog_script.mmstats")).unwrap();
    let fields = StatsFile::from_bytes(bytes.clone())
        .unwrap()
        .read_all()
        .unwrap();
    assert!(!fields.iter().any(|f| f.label.contains("rust")));
    let at = |label: &str| {
        fields
            .iter()
            .find(|f| f.label == label)
            .unwrap()
            .value_offset
    };
    let pid_at = at("sys.pid");
    bytes[pid_at..pid_at + 4].copy_from_slice(&pid.to_ne_bytes());
    let created_at = at("sys.created");
    bytes[created_at..created_at + 8].copy_from_slice(&created.to_ne_bytes());
    fs::write(path, bytes).unwrap();
}

#[test]
fn python_files_go_by_their_pid_and_its_start_time() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let me = std::process::id();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    // This process, alive, but started long after the file was made: the
    // pid was reused.
    let reused = dir.path().join("reused.mmstats");
    python_file(&reused, me, 1_000_000_000.0);
    // This process, which was running when the file was made.
    let alive = dir.path().join("alive.mmstats");
    python_file(&alive, me, now);
    // A process that has exited.
    let mut gone_child = Command::new("true").spawn().unwrap();
    let gone_pid = gone_child.id();
    gone_child.wait().unwrap();
    let gone = dir.path().join("gone.mmstats");
    python_file(&gone, gone_pid, now);

    let out = cleanstats(&[dir.path()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(alive.exists(), "{stdout}");
    assert!(!reused.exists(), "{stdout}");
    assert!(!gone.exists(), "{stdout}");
    assert!(stdout.contains(&format!("pid {me} was reused")), "{stdout}");
    assert!(
        stdout.contains(&format!("pid {gone_pid} not found")),
        "{stdout}"
    );
    assert!(stdout.ends_with("Removed 2  -  1 alive\n"), "{stdout}");
}

#[test]
fn never_removes_what_is_not_a_stale_stats_file() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    // A stale stats file outside, reached only through a symbolic link.
    let target = abandoned(elsewhere.path(), "target.mmstats");
    std::os::unix::fs::symlink(&target, dir.path().join("link.mmstats")).unwrap();
    fs::write(dir.path().join("notes.mmstats"), "not stats").unwrap();
    fs::write(dir.path().join("empty.mmstats"), "").unwrap();
    fs::copy(
        fixtures_dir().join("edge_cases.mmstats"),
        dir.path().join("no-pid.mmstats"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("dir.mmstats")).unwrap();
    // kill(0) would ask about this process's group, kill(-1) about every
    // process: both refused.
    for (name, pid) in [("pid-zero.mmstats", 0i32), ("pid-negative.mmstats", -1)] {
        let mut hostile = vec![1u8];
        hostile.extend(7u16.to_ne_bytes());
        hostile.extend(b"sys.pid");
        hostile.extend(1u16.to_ne_bytes());
        hostile.extend(b"i");
        hostile.push(255);
        hostile.extend(pid.to_ne_bytes());
        fs::write(dir.path().join(name), &hostile).unwrap();
    }
    let before = fs::read_dir(dir.path()).unwrap().count();

    let out = cleanstats(&[dir.path()]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout, "Removed 0  -  0 alive\n", "{stderr}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), before);
    assert!(target.exists(), "the link's target was removed");
    for (name, why) in [
        ("link.mmstats", "symbolic link"),
        ("notes.mmstats", "not an mmstats file"),
        ("empty.mmstats", "not an mmstats file"),
        ("no-pid.mmstats", "no sys.pid"),
        ("pid-zero.mmstats", "not a process id"),
        ("pid-negative.mmstats", "not a process id"),
    ] {
        let line = stderr
            .lines()
            .find(|line| line.contains(name))
            .unwrap_or_else(|| panic!("no message for {name}:\n{stderr}"));
        assert!(line.contains(why), "{line}");
        // A file that is not a stats file is not quoted.
        assert!(!line.contains("byte 0x"), "{line}");
    }
}

#[test]
fn dry_run_lists_what_would_go_and_removes_nothing() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let stale = abandoned(dir.path(), "stale.mmstats");
    let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .arg("--dry-run")
        .env("MMSTATS_GLOB", dir.path().join("*.mmstats"))
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        stdout,
        format!(
            "would remove {}: its writer (pid {}) is gone: its lock is free\nWould remove 1  -  0 alive\n",
            stale.display(),
            std::process::id()
        )
    );
    assert!(stale.exists());

    // Without --dry-run, the default glob is cleaned for real.
    let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .env("MMSTATS_GLOB", dir.path().join("*.mmstats"))
        .output()
        .unwrap();
    assert!(text(&out.stdout).ends_with("Removed 1  -  0 alive\n"));
    assert!(!stale.exists());
}

#[test]
fn help_shows_examples_and_bad_usage_exits_2() {
    let _turn = one_at_a_time();
    let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(
        help.contains("--dry-run") && help.contains("Examples:"),
        "{help}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_cleanstats"))
        .arg("--no-such-flag")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn leftovers_of_writers_that_died_creating_their_files_go_too() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let mut gone_child = Command::new("true").spawn().unwrap();
    let gone = gone_child.id();
    gone_child.wait().unwrap();
    let me = std::process::id();
    let dead = dir.path().join(format!(".job.mmstats.{gone}.0.tmp"));
    let creating = dir.path().join(format!(".job.mmstats.{me}.3.tmp"));
    let not_ours = dir.path().join(format!(".notes.txt.{gone}.0.tmp"));
    // A writer this process cannot see (another pid namespace) locks its
    // temporary file from the start.
    let locked = dir.path().join(format!(".other.mmstats.{gone}.1.tmp"));
    for path in [&dead, &creating, &not_ours, &locked] {
        fs::write(path, [1u8]).unwrap();
    }
    let holder = fs::File::open(&locked).unwrap();
    // SAFETY: flock on a descriptor this test owns; it touches no memory.
    assert_eq!(
        unsafe {
            libc::flock(
                std::os::fd::AsRawFd::as_raw_fd(&holder),
                libc::LOCK_EX | libc::LOCK_NB,
            )
        },
        0
    );

    // A file named on its own leaves its neighbours alone.
    let named = abandoned(dir.path(), "named.mmstats");
    let out = cleanstats(&[&named]);
    assert!(text(&out.stdout).ends_with("Removed 1  -  0 alive\n"));
    assert!(dead.exists());

    let out = cleanstats(&[dir.path()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert_eq!(
        stdout,
        format!(
            "removed {}: a temporary file of pid {gone}, which died creating its stats file\nRemoved 1  -  0 alive\n",
            dead.display()
        )
    );
    assert!(!dead.exists());
    assert!(creating.exists(), "a live process's file in the making");
    assert!(locked.exists(), "a locked file in the making");
    assert!(not_ours.exists());
    drop(holder);
}

#[test]
fn finding_no_file_is_said_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "not a stats file").unwrap();
    // A writer creating its file right now (this process): not a leftover.
    let creating = dir
        .path()
        .join(format!(".job.mmstats.{}.0.tmp", std::process::id()));
    fs::write(&creating, [1u8]).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let shown = dir.path().display();
    let default = format!("{}/*.mmstats", empty.path().display());
    for (dry_run, args, place) in [
        (false, vec![dir.path()], shown.to_string()),
        (true, vec![dir.path()], shown.to_string()),
        // The default place, empty.
        (false, vec![], default),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cleanstats"));
        if dry_run {
            command.arg("--dry-run");
        }
        let out = command
            .args(args)
            .env_remove("MMSTATS_GLOB")
            .env("MMSTATS_PATH", empty.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(text(&out.stdout), "");
        assert_eq!(
            text(&out.stderr),
            format!("cleanstats: no stats files found in {place}\n")
        );
    }
    assert!(creating.exists());
}

#[test]
fn a_named_file_that_is_not_there_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("x.mmstats");
    for dry_run in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cleanstats"));
        if dry_run {
            command.arg("--dry-run");
        }
        let out = command.arg(&missing).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!(
                "cleanstats: {}: cannot open: No such file or directory",
                missing.display()
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_socket_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("x.mmstats");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for arg in [dir.path(), socket.as_path()] {
        let out = cleanstats(&[arg]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(text(&out.stdout), "Removed 0  -  0 alive\n", "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "cleanstats: {}: left alone: not a regular file\n",
                socket.display()
            )
        );
        assert!(socket.symlink_metadata().is_ok());
    }
}

/// A directory being cleaned, swapped again and again with a symbolic link
/// to another directory (`renameat2(RENAME_EXCHANGE)`, as a user who owns
/// the directory can): the files of that other directory, which are not
/// stale, must never be removed. The rounds are bounded by a few seconds;
/// `MMSTATS_CLEAN_SWAP_ROUNDS` asks for more.
#[test]
fn a_directory_swapped_for_a_link_does_not_redirect_the_removal() {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let _turn = one_at_a_time();
    let root = tempfile::tempdir().unwrap();
    let cleaned = root.path().join("cleaned");
    let swap = root.path().join("swap");
    let victims = root.path().join("victims");
    fs::create_dir(&cleaned).unwrap();
    fs::create_dir(&victims).unwrap();
    std::os::unix::fs::symlink(&victims, &swap).unwrap();
    let stale = fs::read(abandoned(root.path(), "seed.mmstats")).unwrap();
    let names: Vec<String> = (0..100).map(|i| format!("job-{i}.mmstats")).collect();
    for name in &names {
        fs::write(
            victims.join(name),
            "not stats, and not cleanstats' to remove",
        )
        .unwrap();
    }

    // The swapper exchanges the two names and back while holding `turn`,
    // so that the test finds them in place whenever it holds it.
    let turn = Arc::new(Mutex::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (turn, stop) = (Arc::clone(&turn), Arc::clone(&stop));
        let (cleaned, swap) = (cleaned.clone(), swap.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _held = turn.lock().unwrap();
                for _ in 0..2 {
                    renameat_with(CWD, &cleaned, CWD, &swap, RenameFlags::EXCHANGE).unwrap();
                }
            }
        })
    };
    let rounds: u32 = std::env::var("MMSTATS_CLEAN_SWAP_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX);
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut round = 0;
    let mut lost = Vec::new();
    let mut removed = 0;
    while round < rounds && (rounds != u32::MAX || Instant::now() < deadline) {
        round += 1;
        {
            let _held = turn.lock().unwrap();
            for name in &names {
                fs::write(cleaned.join(name), &stale).unwrap();
            }
        }
        cleanstats(&[&cleaned]);
        let _held = turn.lock().unwrap();
        removed += names
            .iter()
            .filter(|name| !cleaned.join(name).exists())
            .count();
        lost = names
            .iter()
            .filter(|name| !victims.join(name).exists())
            .collect();
        if !lost.is_empty() {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(
        lost.is_empty(),
        "round {round}: removed through the swapped link: {lost:?}"
    );
    // Still removed, when reached through the directory itself.
    assert!(removed > 0, "{round} rounds removed no stale file");
}
