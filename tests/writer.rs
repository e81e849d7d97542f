//! Models written through the derive and read back through the reader:
//! every field type, both layouts, prefixes, sys fields, options, errors.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use common::{check_every_fields, every_values, read_fields, write_every, Every, SYS_LABELS};
use mmstats::reader::{Field, Value};
use mmstats::{Counter, Error, Layout, MmStats, PerThread, Text, Timer};

fn values(fields: &[Field]) -> BTreeMap<String, Value> {
    fields
        .iter()
        .map(|f| (f.label.clone(), f.value.clone()))
        .collect()
}

#[test]
fn every_field_type_round_trips_in_the_default_layout() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Every::options().path(dir.path()).create().unwrap();
    assert_eq!(stats.label_prefix(), "t.", "the declared prefix");
    write_every(&stats);
    assert_eq!(stats.count.get(), 42);
    assert_eq!(stats.name.get(), "bob");
    assert_eq!(stats.s_text.get(), "static ☃ ünïcödé");
    assert!(stats.flag_on.get(), "initial = true");
    assert_eq!(stats.s_u32.get(), u32::MAX);
    assert_eq!(stats.s_i64.get(), i64::MIN);
    assert_eq!(stats.s_i32.get(), -5);
    assert_eq!(stats.s_u64.get(), u64::MAX);
    assert_eq!(stats.s_f32.get(), 0.1);
    assert_eq!(stats.s_f64.get(), std::f64::consts::E);
    let fields = read_fields(stats.path());
    check_every_fields(&fields, "t.", "default layout");

    // Declaration order, then the seven sys fields.
    let own = every_values().len();
    let labels: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels[0], "t.count");
    assert_eq!(labels[own - 1], "t.s_text");
    assert_eq!(labels[own..], SYS_LABELS.map(|l| format!("t.{l}")));
    // Aligned signatures; every number on a boundary of its size.
    let sig = |label: &str| {
        let f = fields.iter().find(|f| f.label == label).unwrap();
        (f.signature.clone(), f.write_buffer)
    };
    assert!(sig("t.count").0.starts_with('=') && sig("t.count").0.ends_with("xQ"));
    assert!(sig("t.u64g").0.ends_with("x1Q"));
    assert_eq!(sig("t.flag_on"), ("?".to_owned(), 255));
    assert_eq!(sig("t.i8g"), ("b".to_owned(), 255));
    assert_eq!(sig("t.u8g"), ("B".to_owned(), 255));
    let (text_sig, text_wb) = sig("t.name");
    assert!(text_sig.contains("x8x10s"), "{text_sig}");
    assert!(text_wb <= 1);
    assert_eq!(sig("t.s_u32"), ("I".to_owned(), 255));
    assert_eq!(sig("t.s_i32"), ("i".to_owned(), 255));
}

#[test]
fn every_field_type_round_trips_in_the_python_exact_layout() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Every::options()
        .path(dir.path())
        .layout(Layout::PythonExact)
        .create()
        .unwrap();
    assert_eq!(stats.layout(), Layout::PythonExact);
    write_every(&stats);
    let fields = read_fields(stats.path());
    check_every_fields(&fields, "t.", "python-exact layout");
    let sigs: BTreeMap<&str, (&str, u8)> = fields
        .iter()
        .map(|f| (f.label.as_str(), (f.signature.as_str(), f.write_buffer)))
        .collect();
    // Python 0.8's signatures and buffering exactly: a double-buffered
    // field's write buffer is 0 after an even number of writes.
    assert_eq!(sigs["t.count"], ("Q", 0)); // 2 writes: incr, add
    assert_eq!(sigs["t.avg"], ("d", 0)); // 2 samples
    assert_eq!(sigs["t.moving"], ("d", 0)); // 4 samples
    assert_eq!(sigs["t.db.timer"], ("d", 1)); // 3 samples
    assert_eq!(sigs["t.u64g"], ("Q", 1)); // 1 set
    assert_eq!(sigs["t.température.°C"], ("h", 1));
    assert_eq!(sigs["t.i64g"], ("q", 1));
    assert_eq!(sigs["t.i8g"], ("b", 255));
    assert_eq!(sigs["t.u8g"], ("B", 255));
    assert_eq!(sigs["t.flag_on"], ("?", 255));
    assert_eq!(sigs["t.name"], ("10s", 255));
    assert_eq!(sigs["t.x"], ("255s", 255));
    assert_eq!(sigs["t.s_text"], ("32s", 255));
    // Fields follow each other with no padding: offset 1, then each record's end.
    let mut expected_offset = 1;
    for f in &fields {
        assert_eq!(f.offset, expected_offset, "{}", f.label);
        let storage = match f.signature.as_str() {
            "Q" | "q" | "d" => 8,
            "I" | "i" | "f" => 4,
            "h" | "H" => 2,
            "b" | "B" | "?" => 1,
            s => s.trim_end_matches('s').parse::<usize>().unwrap(),
        } * if f.write_buffer == 255 { 1 } else { 2 };
        expected_offset += 2 + f.label.len() + 2 + f.signature.len() + 1 + storage;
    }
}

#[test]
fn a_runtime_label_prefix_relays_the_fields() {
    let dir = tempfile::tempdir().unwrap();
    for prefix in ["", "x", "a.much.longer.prefix.", "ε."] {
        let stats = Every::options()
            .path(dir.path())
            .filename(format!("p{}.mmstats", prefix.len()))
            .label_prefix(prefix)
            .create()
            .unwrap();
        assert_eq!(stats.label_prefix(), prefix);
        write_every(&stats);
        let fields = read_fields(stats.path());
        let v = values(&fields);
        assert_eq!(v[&format!("{prefix}count")], Value::UInt(42));
        assert_eq!(v[&format!("{prefix}name")], Value::Str("bob".into()));
        assert_eq!(v[&format!("{prefix}db.timer")], Value::Float(0.625));
        assert!(v.contains_key(&format!("{prefix}sys.pid")));
        check_every_fields(&fields, prefix, prefix);
    }
}

#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct Bare {
    only: Counter,
}

#[test]
fn sys_fields_describe_the_writer_and_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let bare = Bare::options()
        .path(dir.path())
        .filename("bare.mmstats")
        .create()
        .unwrap();
    let fields = read_fields(bare.path());
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].label, "only");

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let every = Every::options()
        .path(dir.path())
        .filename("every.mmstats")
        .create()
        .unwrap();
    let v = values(&read_fields(every.path()));
    assert_eq!(v["t.sys.pid"], Value::UInt(u64::from(std::process::id())));
    let Value::Int(tid) = v["t.sys.tid"] else {
        panic!("sys.tid")
    };
    assert!(tid > 0);
    assert_eq!(
        v["t.sys.uid"],
        Value::UInt(u64::from(fs::metadata(every.path()).unwrap().uid()))
    );
    let Value::Str(version) = &v["t.org.rust.version"] else {
        panic!("version")
    };
    assert!(
        version.starts_with("mmstats ") && version.contains("rustc"),
        "{version}"
    );
    let Value::Float(created) = v["t.sys.created"] else {
        panic!("created")
    };
    assert!(created >= before - 1.0 && created < before + 60.0);
    // The program's base name, as `{CMD}` gives it, after Python's six.
    let arg0 = std::env::args_os().next().unwrap();
    let cmd = std::path::Path::new(&arg0).file_name().unwrap();
    assert_eq!(v["t.sys.cmd"], Value::Str(cmd.to_string_lossy().into()));
    let sig = read_fields(every.path())
        .into_iter()
        .find(|f| f.label == "t.sys.cmd")
        .map(|f| f.signature);
    assert_eq!(sig.as_deref(), Some("256s"));
}

#[derive(MmStats)]
struct WorkerStats {
    jobs: Counter,
}

#[test]
fn two_model_types_on_one_thread_get_a_file_each_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let workers = WorkerStats::options().path(dir.path()).create().unwrap();
    let bare = Bare::options().path(dir.path()).create().unwrap();
    workers.jobs.incr();
    bare.only.add(2);
    assert_ne!(workers.path(), bare.path());
    let name = |path: &std::path::Path| path.file_name().unwrap().to_str().unwrap().to_owned();
    let tid = match values(&read_fields(workers.path()))["sys.tid"] {
        Value::Int(tid) => tid,
        ref other => panic!("sys.tid {other:?}"),
    };
    let cmd = std::env::args_os().next().unwrap();
    let cmd = std::path::Path::new(&cmd)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let pid = std::process::id();
    assert_eq!(
        name(workers.path()),
        format!("{cmd}-{pid}-{tid}-WorkerStats.mmstats")
    );
    assert_eq!(name(bare.path()), format!("{cmd}-{pid}-{tid}-Bare.mmstats"));
    assert_eq!(values(&read_fields(workers.path()))["jobs"], Value::UInt(1));
    assert_eq!(values(&read_fields(bare.path()))["only"], Value::UInt(2));
}

#[test]
fn remove_leaves_other_models_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let workers = WorkerStats::options().path(dir.path()).create().unwrap();
    let bare = Bare::options().path(dir.path()).create().unwrap();
    // What another thread's WorkerStats and Bare would have left.
    let other_thread = |path: &std::path::Path, model: &str| {
        let copy = path.with_file_name(
            path.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .replace(&format!("-{model}.mmstats"), &format!("1-{model}.mmstats")),
        );
        fs::copy(path, &copy).unwrap();
        copy
    };
    let workers_other = other_thread(workers.path(), "WorkerStats");
    let bare_other = other_thread(bare.path(), "Bare");
    let bare_path = bare.path().to_owned();
    workers.remove().unwrap();
    assert!(
        !workers_other.exists(),
        "the same model's other-thread file goes"
    );
    assert!(
        bare_path.exists() && bare_other.exists(),
        "another model's files stay"
    );
    drop(bare);
}

#[test]
fn a_file_name_not_ending_in_mmstats_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for template in ["{CMD}", "{CMD}-{PID}.stats", "{MODEL}.mmstats.tmp"] {
        let err = Bare::options()
            .path(dir.path())
            .filename(template)
            .create()
            .unwrap_err();
        let Error::Extension {
            template: given,
            name,
        } = &err
        else {
            panic!("{template}: {err}");
        };
        assert_eq!(given, template);
        assert!(!name.ends_with(".mmstats"), "{name}");
        let message = err.to_string();
        assert!(message.contains(&format!("{template:?}")), "{message}");
        assert!(
            message.contains("does not end in \".mmstats\""),
            "{message}"
        );
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing created"
    );
}

#[test]
fn timer_guards_record_on_scope_end_early_return_and_unwinding() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Every::options().path(dir.path()).create().unwrap();
    {
        let _guard = stats.timer.start();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(stats.timer.last() >= 0.002, "{}", stats.timer.last());
    assert_eq!(stats.timer.get(), stats.timer.last());

    fn early(timer: &Timer) -> Option<()> {
        let _guard = timer.start();
        None?;
        std::thread::sleep(std::time::Duration::from_secs(1));
        Some(())
    }
    early(&stats.timer);
    assert!(stats.timer.last() < 0.5);
    let first = stats.timer.get();
    assert_ne!(
        first,
        stats.timer.last(),
        "a second sample changes the average"
    );

    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _guard = stats.timer.start();
        std::thread::sleep(std::time::Duration::from_millis(3));
        panic!("boom");
    }));
    assert!(caught.is_err());
    assert!(stats.timer.last() >= 0.003);

    let value = stats.timer.time(|| 7);
    assert_eq!(value, 7);
    let guard = stats.timer.start();
    let elapsed = guard.stop();
    assert_eq!(stats.timer.last(), elapsed.as_secs_f64());
    // Window of 2: the mean of the last two samples only.
    stats.timer.record_secs(1.0);
    stats.timer.record_secs(3.0);
    assert_eq!(stats.timer.get(), 2.0);
    assert_eq!(
        values(&read_fields(stats.path()))["t.db.timer"],
        Value::Float(2.0)
    );
}

#[test]
fn text_is_cut_on_character_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    for layout in [Layout::Aligned, Layout::PythonExact] {
        let stats = Every::options()
            .path(dir.path())
            .filename(format!("{layout:?}.mmstats"))
            .layout(layout)
            .create()
            .unwrap();
        assert_eq!(stats.name.size(), 10);
        stats.name.set("❤❤❤❤"); // 12 bytes: three hearts fit
        assert_eq!(stats.name.get(), "❤❤❤");
        assert_eq!(
            values(&read_fields(stats.path()))["t.name"],
            Value::Str("❤❤❤".into())
        );
        stats.name.set("exactly10!");
        assert_eq!(
            values(&read_fields(stats.path()))["t.name"],
            Value::Str("exactly10!".into())
        );
        stats.name.set("");
        assert_eq!(
            values(&read_fields(stats.path()))["t.name"],
            Value::Str(String::new())
        );
    }
}

#[test]
fn files_get_an_explicit_mode_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let private = Bare::options()
        .path(dir.path())
        .filename("private.mmstats")
        .create()
        .unwrap();
    let mode = fs::metadata(private.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let shared = Bare::options()
        .path(dir.path())
        .filename("shared.mmstats")
        .mode(0o644)
        .create()
        .unwrap();
    let mode = fs::metadata(shared.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // No temporary file is left behind.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".mmstats")), "{names:?}");
}

#[test]
fn files_stay_after_drop_unless_asked_and_remove_deletes_them() {
    let dir = tempfile::tempdir().unwrap();
    let kept = Bare::options()
        .path(dir.path())
        .filename("kept.mmstats")
        .create()
        .unwrap();
    kept.only.add(5);
    let path = kept.path().to_owned();
    drop(kept);
    assert_eq!(
        values(&read_fields(&path))["only"],
        Value::UInt(5),
        "post-mortem value"
    );

    let gone = Bare::options()
        .path(dir.path())
        .filename("gone.mmstats")
        .remove_on_drop(true)
        .create()
        .unwrap();
    let path = gone.path().to_owned();
    assert!(path.exists());
    drop(gone);
    assert!(!path.exists());

    let removed = Bare::options()
        .path(dir.path())
        .filename("removed.mmstats")
        .create()
        .unwrap();
    let path = removed.path().to_owned();
    removed.remove().unwrap();
    assert!(!path.exists());
}

#[test]
fn remove_takes_this_process_other_thread_files_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pid = std::process::id();
    let template = "w-{PID}-{TID}.mmstats";
    // A file another thread of this process left behind, one of another
    // process, and one that is not a stats file.
    let thread_file = dir.path().join(format!("w-{pid}-1.mmstats"));
    let other_pid = dir.path().join(format!("w-{}-1.mmstats", pid + 1));
    let foreign = dir.path().join(format!("w-{pid}-2.mmstats"));
    {
        let other = Bare::options()
            .path(dir.path())
            .filename("tmp.mmstats")
            .create()
            .unwrap();
        fs::copy(other.path(), &thread_file).unwrap();
        fs::copy(other.path(), &other_pid).unwrap();
        other.remove().unwrap();
    }
    fs::write(&foreign, "not stats").unwrap();
    let mine = Bare::options()
        .path(dir.path())
        .filename(template)
        .create()
        .unwrap();
    let own = mine.path().to_owned();
    mine.remove().unwrap();
    assert!(!own.exists());
    assert!(!thread_file.exists(), "other thread's file removed");
    assert!(other_pid.exists(), "another process's file kept");
    assert!(foreign.exists(), "a file that is not a stats file kept");
}

#[test]
fn a_stale_file_is_replaced_but_nothing_else_is() {
    let dir = tempfile::tempdir().unwrap();
    let name = "same.mmstats";
    let first = Bare::options()
        .path(dir.path())
        .filename(name)
        .create()
        .unwrap();
    first.only.add(3);
    // A live writer holds the name.
    let err = Bare::options()
        .path(dir.path())
        .filename(name)
        .create()
        .unwrap_err();
    assert!(matches!(err, Error::InUse { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("a live writer in this process holds it"),
        "{err}"
    );
    assert!(message.contains("`ModelOptions::filename(...)`"), "{err}");
    assert!(
        message.contains("`{CMD}-{PID}-{TID}-{MODEL}-2.mmstats`"),
        "{err}"
    );
    assert_eq!(first.only.get(), 3);
    drop(first);
    // Its writer is gone: the stale file is replaced.
    let second = Bare::options()
        .path(dir.path())
        .filename(name)
        .create()
        .unwrap();
    assert_eq!(values(&read_fields(second.path()))["only"], Value::UInt(0));

    let target = dir.path().join("victim");
    fs::write(&target, "precious").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("link.mmstats")).unwrap();
    let err = Bare::options()
        .path(dir.path())
        .filename("link.mmstats")
        .create()
        .unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    fs::hard_link(&target, dir.path().join("hard.mmstats")).unwrap();
    let err = Bare::options()
        .path(dir.path())
        .filename("hard.mmstats")
        .create()
        .unwrap_err();
    assert!(err.to_string().contains("hard links"), "{err}");
    fs::write(dir.path().join("text.mmstats"), "hello").unwrap();
    let err = Bare::options()
        .path(dir.path())
        .filename("text.mmstats")
        .create()
        .unwrap_err();
    assert!(err.to_string().contains("not an mmstats file"), "{err}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
    assert_eq!(
        fs::read_to_string(dir.path().join("text.mmstats")).unwrap(),
        "hello"
    );
}

#[test]
fn unusable_paths_and_templates_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir");
    let err = Bare::options().path(&missing).create().unwrap_err();
    assert!(matches!(err, Error::Create { .. }));
    assert!(err.to_string().contains("no/such/dir"), "{err}");

    let err = Bare::options()
        .path(dir.path())
        .filename("{USER}.mmstats")
        .create()
        .unwrap_err();
    assert!(matches!(err, Error::Template { .. }), "{err}");
    assert!(err.to_string().contains("{USER}"), "{err}");

    let long = "p".repeat(70_000);
    let err = Bare::options()
        .path(dir.path())
        .label_prefix(long)
        .create()
        .unwrap_err();
    assert!(matches!(err, Error::LabelTooLong { .. }), "{err}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}

#[test]
fn templates_substitute_cmd_pid_and_tid() {
    let dir = tempfile::tempdir().unwrap();
    // The directory is a template too.
    fs::create_dir(dir.path().join(std::process::id().to_string())).unwrap();
    let stats = Bare::options()
        .path(format!("{}/{{PID}}", dir.path().display()))
        .filename("{CMD}.{PID}.{TID}.{{x}}.mmstats")
        .create()
        .unwrap();
    let parent = stats.path().parent().unwrap();
    assert_eq!(parent, dir.path().join(std::process::id().to_string()));
    let name = stats
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let cmd = std::env::current_exe().unwrap();
    let cmd = cmd.file_name().unwrap().to_str().unwrap();
    let parts: Vec<&str> = name.rsplitn(5, '.').collect();
    assert_eq!(parts[0], "mmstats");
    assert_eq!(parts[1], "{x}");
    assert!(parts[2].parse::<u64>().unwrap() > 0, "tid in {name}");
    assert_eq!(parts[3], std::process::id().to_string());
    assert_eq!(parts[4], cmd);
}

#[test]
fn per_thread_models_write_separate_files_and_clean_up_at_thread_end() {
    let dir = tempfile::tempdir().unwrap();
    let per_thread = PerThread::new(
        Bare::options()
            .path(dir.path())
            .filename("pt-{PID}-{TID}.mmstats")
            .remove_on_drop(true),
    );
    let paths: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (1..=3u64)
            .map(|n| {
                let per_thread = &per_thread;
                s.spawn(move || {
                    let stats = per_thread.get().unwrap();
                    for _ in 0..n * 100 {
                        stats.only.incr();
                    }
                    // The same model on a second call.
                    assert_eq!(per_thread.get().unwrap().only.get(), n * 100);
                    let path = stats.path().to_owned();
                    assert_eq!(values(&read_fields(&path))["only"], Value::UInt(n * 100));
                    path
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(paths.len(), 3);
    assert_ne!(paths[0], paths[1]);
    assert!(paths.iter().all(|p| !p.exists()), "removed at thread end");
}

#[test]
fn flush_writes_back() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Bare::options().path(dir.path()).create().unwrap();
    stats.only.incr();
    stats.flush().unwrap();
    stats.flush_async().unwrap();
    assert_eq!(fs::read(stats.path()).unwrap().len(), stats.len());
}

#[test]
fn models_move_between_threads() {
    let dir = tempfile::tempdir().unwrap();
    let stats = Every::options().path(dir.path()).create().unwrap();
    let stats = std::thread::spawn(move || {
        write_every(&stats);
        stats
    })
    .join()
    .unwrap();
    check_every_fields(&read_fields(stats.path()), "t.", "moved");
}

#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct Texts {
    #[mmstats(size = 1)]
    s1: Text,
    #[mmstats(size = 7)]
    s7: Text,
    #[mmstats(size = 8)]
    s8: Text,
    #[mmstats(size = 9)]
    s9: Text,
    #[mmstats(size = 16)]
    s16: Text,
    #[mmstats(size = 23)]
    s23: Text,
}

#[test]
fn text_of_every_length_reads_back_over_stale_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for layout in [Layout::Aligned, Layout::PythonExact] {
        let stats = Texts::options()
            .path(dir.path())
            .filename(format!("texts-{layout:?}.mmstats"))
            .layout(layout)
            .create()
            .unwrap();
        let fields = [
            ("s1", &stats.s1),
            ("s7", &stats.s7),
            ("s8", &stats.s8),
            ("s9", &stats.s9),
            ("s16", &stats.s16),
            ("s23", &stats.s23),
        ];
        for (label, field) in fields {
            for len in 0..=field.size() {
                let value: String = (0..len)
                    .map(|i| char::from(b'a' + (i % 26) as u8))
                    .collect();
                // Twice over a full-length stale value, so both buffers of
                // the aligned layout hold one.
                for _ in 0..2 {
                    field.set(&"z".repeat(field.size()));
                    field.set(&value);
                }
                assert_eq!(field.get(), value, "{layout:?} {label} length {len}");
                let read = values(&read_fields(stats.path()));
                assert_eq!(
                    read[label],
                    Value::Str(value.clone()),
                    "{layout:?} {label} length {len}"
                );
            }
        }
    }
}

#[test]
fn a_file_name_template_names_a_file_not_a_path() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("a/b");
    std::fs::create_dir_all(&dir).unwrap();
    for template in [
        "../../escape-{PID}.mmstats",
        "/etc/abs-{PID}.mmstats",
        "new\nline-{PID}.mmstats",
        ".hidden-{PID}.mmstats",
    ] {
        let err = Bare::options()
            .path(&dir)
            .filename(template)
            .create()
            .unwrap_err();
        assert!(
            matches!(err, mmstats::Error::Template { .. }),
            "{template:?}: {err}"
        );
        assert!(err.to_string().contains("template"), "{err}");
    }
    // Nothing was created anywhere.
    let mut found = Vec::new();
    let mut stack = vec![parent.path().to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                found.push(entry.path());
            }
        }
    }
    assert!(found.is_empty(), "{found:?}");
    assert!(!std::path::Path::new(&format!("/etc/abs-{}.mmstats", std::process::id())).exists());
}

#[test]
fn planted_temporary_names_do_not_block_creation() {
    let dir = tempfile::tempdir().unwrap();
    let name = "planted.mmstats";
    // Every name of the old, predictable scheme a writer of this process
    // would have tried.
    for n in 0..200 {
        let planted = dir
            .path()
            .join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        std::fs::write(planted, b"planted").unwrap();
    }
    let stats = Bare::options()
        .path(dir.path())
        .filename(name)
        .create()
        .unwrap();
    stats.only.incr();
    // The planted files are untouched, and no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 201);
    assert!(names.iter().any(|n| n == name));
}

/// An error about a template taken from `$MMSTATS_FILES` says so.
#[test]
fn a_template_from_the_environment_is_named_as_such() {
    const TEST: &str = "a_template_from_the_environment_is_named_as_such";
    if common::child_role().is_some() {
        let dir = tempfile::tempdir().unwrap();
        let err = Bare::options().path(dir.path()).create().unwrap_err();
        // On a line of its own, after the harness' "test NAME ... ".
        println!("\nerror: {err}");
        return;
    }
    for (template, want) in [
        (
            "{CMD}",
            "bad file name template \"$MMSTATS_FILES={CMD}\": it gives",
        ),
        (
            "../{CMD}.mmstats",
            "bad file name template \"$MMSTATS_FILES=../{CMD}.mmstats\"",
        ),
    ] {
        let mut child = common::spawn_role(
            TEST,
            "create",
            &[("MMSTATS_FILES", std::ffi::OsStr::new(template))],
        );
        let line = common::wait_for_line(&mut child, "error: ");
        assert!(line.starts_with(want), "{line}");
    }
}

/// A name near the file system's limit of 255 bytes still gets a
/// temporary name that fits.
#[test]
fn a_long_file_name_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.mmstats", "é".repeat(123));
    assert_eq!(name.len(), 254);
    let stats = Bare::options()
        .path(dir.path())
        .filename(name.as_str())
        .create()
        .unwrap();
    assert!(stats.path().ends_with(&name));
}
