//! A directory a model cannot use (full, read-only, not writable by this
//! user) is a clear error from `create`, never a panic, a `SIGBUS` later or
//! a half-written file left behind.
//!
//! A full and a read-only file system are small tmpfs mounts in a private
//! mount namespace (`unshare --mount`), made by a child process of this
//! test; where that is not allowed the test prints a `SKIP:` line. A
//! directory without write permission is tested as the user `nobody` when
//! the test runs as root (root ignores permission bits).

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use mmstats::{Counter, Error, MmStats, Text};

use common::{child_role, child_test, read_fields};

#[derive(MmStats)]
struct OnePage {
    done: Counter,
    #[mmstats(size = 64)]
    last: Text,
}

#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct ThreePages {
    #[mmstats(size = 5000)]
    long: Text,
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Asserts that `err` is a creation error naming a file in `dir` and
/// carrying the system's error `errno`.
fn assert_create_error(err: &Error, dir: &Path, errno: i32) {
    let Error::Create { path, error } = err else {
        panic!("expected a creation error, got {err:?}");
    };
    assert!(path.starts_with(dir), "{err}");
    assert_eq!(error.raw_os_error(), Some(errno), "{err}");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
}

/// In the mount namespace: `full` is a tmpfs of four pages, `ro` a
/// read-only tmpfs.
fn in_private_mounts(root: &Path) {
    // A full file system: models fill it page by page until one does not
    // fit, which fails cleanly and leaves only the files made before.
    let full = root.join("full");
    let mut models = Vec::new();
    let err = loop {
        match OnePage::options()
            .path(&full)
            .filename(format!("m{}.mmstats", models.len()))
            .create()
        {
            Ok(model) => models.push(model),
            Err(err) => break err,
        }
        assert!(models.len() <= 4, "a 16 KiB tmpfs held {}", models.len());
    };
    assert_create_error(&err, &full, libc::ENOSPC);
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert!(!models.is_empty(), "not even one page fitted");
    let want: Vec<String> = (0..models.len()).map(|i| format!("m{i}.mmstats")).collect();
    assert_eq!(names(&full), want, "only whole files are left");
    // The files made before are fully allocated: writing to every page of
    // them, with the disk full, raises no SIGBUS.
    for model in &models {
        model.done.add(7);
        model.last.set(&"y".repeat(64));
        assert_eq!(read_fields(model.path())[0].value.to_string(), "7");
    }
    // Nothing fits now, not even a model larger than a page.
    let err = match ThreePages::options().path(&full).create() {
        Ok(model) => panic!("a text of {} bytes fitted a full disk", model.long.size()),
        Err(err) => err,
    };
    assert_create_error(&err, &full, libc::ENOSPC);
    assert_eq!(names(&full), want);

    // A read-only file system.
    let read_only = root.join("ro");
    let err = OnePage::options().path(&read_only).create().unwrap_err();
    assert_create_error(&err, &read_only, libc::EROFS);
    assert!(err.to_string().contains("Read-only file system"), "{err}");
    println!("private mounts: {} models filled the disk", models.len());
}

#[test]
fn a_full_or_read_only_file_system_is_a_clear_error() {
    const TEST: &str = "a_full_or_read_only_file_system_is_a_clear_error";
    if let Some(role) = child_role() {
        assert_eq!(role, "mounted");
        let root = std::env::var_os("MMSTATS_MOUNT_ROOT").unwrap();
        in_private_mounts(Path::new(&root));
        return;
    }
    let probe = Command::new("unshare").args(["--mount", "true"]).output();
    if !probe.as_ref().is_ok_and(|out| out.status.success()) {
        println!(
            "SKIP: {TEST}: cannot make a private mount namespace (unshare --mount): {probe:?}"
        );
        return;
    }
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("full")).unwrap();
    fs::create_dir(root.path().join("ro")).unwrap();
    let child = child_test(TEST, "mounted");
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mount -t tmpfs -o size=16k tmpfs \"$0/full\" && \
             mount -t tmpfs -o ro,size=16k tmpfs \"$0/ro\" && exec \"$@\"",
        )
        .arg(root.path())
        .arg(child.get_program())
        .args(child.get_args())
        .envs(child.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("MMSTATS_MOUNT_ROOT", root.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("private mounts:"), "{stdout}");
    // The mounts went with the namespace: nothing was left outside it.
    assert!(names(&root.path().join("full")).is_empty());
}

/// A directory this user cannot write to.
fn in_unwritable_dir(dir: &Path) {
    let err = OnePage::options().path(dir).create().unwrap_err();
    assert_create_error(&err, dir, libc::EACCES);
    assert!(err.to_string().contains("Permission denied"), "{err}");
}

#[test]
fn a_directory_without_write_permission_is_a_clear_error() {
    const TEST: &str = "a_directory_without_write_permission_is_a_clear_error";
    let nobody = 65534;
    if let Some(role) = child_role() {
        assert_eq!(role, "nobody");
        // SAFETY: setgid/setuid take plain ids; glibc applies them to every
        // thread of this process, which only runs this test.
        assert_eq!(unsafe { libc::setgid(nobody) }, 0);
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setuid(nobody) }, 0);
        let dir = std::env::var_os("MMSTATS_LOCKED_DIR").unwrap();
        in_unwritable_dir(Path::new(&dir));
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let locked = root.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        in_unwritable_dir(&locked);
    } else {
        let out = child_test(TEST, "nobody")
            .env("MMSTATS_LOCKED_DIR", &locked)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{:?}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(names(&locked).is_empty());
}
