//! After `fork()`, a child's writes through the models it inherited never
//! reach the parent's file, the child never removes that file, and a
//! `PerThread` gives the child a file of its own.

mod common;

use std::fs;

use mmstats::reader::Value;
use mmstats::{Counter, MmStats, PerThread, Text};

use common::read_fields;

#[derive(MmStats)]
struct Forked {
    done: Counter,
    #[mmstats(size = 16)]
    last: Text,
}

/// What the child checks, as an exit status: 0 when all is as it should.
fn in_child(inherited: mmstats::Model<Forked>, per_thread: &PerThread<Forked>) -> i32 {
    if !inherited.is_inherited() {
        return 10;
    }
    for _ in 0..1000 {
        inherited.done.incr();
    }
    inherited.last.set("child");
    // The child sees its own writes.
    if inherited.done.get() != 1005 || inherited.last.get() != "child" {
        return 11;
    }
    // Its thread's model is a new one, in a file of its own.
    let own = match per_thread.get() {
        Ok(own) => own,
        Err(_) => return 12,
    };
    if own.is_inherited() || own.path() == inherited.path() || own.done.get() != 0 {
        return 13;
    }
    own.done.add(3);
    // Neither removing nor dropping (with remove_on_drop) touches the
    // parent's file.
    if !matches!(inherited.remove(), Err(mmstats::Error::Inherited { .. })) {
        return 14;
    }
    0
}

#[test]
fn a_forked_child_never_writes_to_or_removes_the_parents_file() {
    let dir = tempfile::tempdir().unwrap();
    let options = Forked::options()
        .path(dir.path())
        .filename("forked-{PID}-{TID}.mmstats")
        .remove_on_drop(true);
    let per_thread = PerThread::new(options.clone());
    let parent = per_thread.get().unwrap();
    parent.done.add(5);
    parent.last.set("parent");
    let inherited = options.filename("direct-{PID}.mmstats").create().unwrap();
    inherited.done.add(5);

    // SAFETY: the child only writes to memory, makes system calls (the
    // mapping, the files) and allocates (glibc's fork makes malloc usable
    // in the child); it leaves with `_exit`, running no test harness code.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let status = in_child(inherited, &per_thread);
        // SAFETY: ends the child at once, as a child of fork should.
        unsafe { libc::_exit(status) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child status {status:#x}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "the child's check that failed"
    );

    // The parent's files hold the parent's values only.
    let fields = read_fields(inherited.path());
    assert_eq!(fields[0].value, Value::UInt(5));
    let fields = read_fields(parent.path());
    assert_eq!(fields[0].value, Value::UInt(5));
    assert_eq!(fields[1].value, Value::Str("parent".into()));
    // And the parent writes on.
    inherited.done.incr();
    assert_eq!(read_fields(inherited.path())[0].value, Value::UInt(6));

    // The child's own file, with its own value.
    let child_file = dir.path().join(format!("forked-{pid}-{pid}.mmstats"));
    let fields = read_fields(&child_file);
    assert_eq!(fields[0].value, Value::UInt(3));
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
}
