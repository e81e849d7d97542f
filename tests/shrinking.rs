//! A stats file cut short while it is mapped: readers get an error (or the
//! new content), never `SIGBUS`; a writer whose file is cut keeps running;
//! and a `SIGBUS` from a mapping that is not a stats file still ends the
//! process, as it would without the library. A file replaced or removed
//! while it is mapped reads as it was, and the reader can tell.

mod common;

use std::fs::File;
use std::os::unix::process::ExitStatusExt;

use mmstats::reader::testing::cut;
use mmstats::reader::{ReadError, StatsFile};
use mmstats::{Counter, MmStats, Text};

use common::{child_role, child_test};

/// Two pages: a counter on the first, a long text (two buffers of 3000
/// bytes) running onto the second.
#[derive(MmStats)]
#[mmstats(sys_fields = false)]
struct TwoPages {
    first: Counter,
    #[mmstats(size = 3000)]
    long: Text,
    last: Counter,
}

#[test]
fn a_reader_reports_a_file_cut_short_while_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let model = TwoPages::options().path(dir.path()).create().unwrap();
    model.first.add(7);
    model.long.set(&"x".repeat(3000));
    model.last.add(9);
    assert_eq!(model.len(), 8192);

    let stats = StatsFile::open(model.path()).unwrap();
    assert_eq!(stats.read_all().unwrap().len(), 3);

    // Cut to one page: the long text and the last counter are gone.
    cut(model.path(), 4096);
    let err = stats.read_all().unwrap_err();
    assert!(matches!(err, ReadError::Shrunk { len: 8192, .. }), "{err}");
    assert!(err.to_string().contains("shrank"), "{err}");
    // The cursor and the iterator say the same, and keep saying it.
    let mut cursor = stats.cursor();
    let mut results = Vec::new();
    while let Some(field) = cursor.next_field() {
        results.push(field.map(|f| f.label.to_owned()).map_err(|e| e.to_string()));
    }
    assert!(
        matches!(results.last(), Some(Err(e)) if e.contains("shrank")),
        "{results:?}"
    );
    assert!(stats.fields().any(|field| field.is_err()));

    // The writer, whose second page is cut off too, writes on.
    model.long.set("still here");
    model.last.incr();
    model.first.incr();
    assert_eq!(model.long.get(), "still here");

    // Opened again, the file reads as what it now is: one page, whose last
    // field runs past its end.
    let again = StatsFile::open(model.path()).unwrap();
    let err = again.read_all().unwrap_err();
    assert!(matches!(err, ReadError::PastEnd { .. }), "{err}");
    let first = again.fields().next().unwrap().unwrap();
    assert_eq!(
        (first.label.as_str(), first.value.to_string()),
        ("first", "8".into())
    );
}

/// A cut inside the last mapped page raises no `SIGBUS`: the rest of the
/// page reads as zeros. A reading that meets them where a field should be
/// says the file shrank, not that it holds a bad field.
#[test]
fn a_cut_inside_the_last_mapped_page_reads_as_shrunk() {
    let dir = tempfile::tempdir().unwrap();
    let model = TwoPages::options().path(dir.path()).create().unwrap();
    model.first.add(7);
    let stats = StatsFile::open(model.path()).unwrap();
    assert_eq!(stats.read_all().unwrap().len(), 3);
    // In the middle of the first field's signature.
    cut(model.path(), 20);
    let err = stats.read_all().unwrap_err();
    assert!(matches!(err, ReadError::Shrunk { .. }), "{err}");
    // A cursor's walk ends with the same error, whatever it lent before.
    let mut cursor = stats.cursor();
    let mut last = None;
    while let Some(field) = cursor.next_field() {
        last = Some(field.map(|_| ()).map_err(|e| e.to_string()));
    }
    assert!(
        matches!(&last, Some(Err(e)) if e.contains("shrank")),
        "{last:?}"
    );
}

#[test]
fn a_file_cut_to_nothing_reads_as_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = TwoPages::options().path(dir.path()).create().unwrap();
    let stats = StatsFile::open(model.path()).unwrap();
    cut(model.path(), 0);
    let err = stats.read_all().unwrap_err();
    assert!(matches!(err, ReadError::Shrunk { field: 1, .. }), "{err}");
    // Refilled by someone else (as a writer re-creating the file with
    // O_TRUNC would): the new content, or the error again, never a crash.
    std::fs::write(model.path(), vec![1u8; 10]).unwrap();
    let _ = stats.read_all();
    model.first.incr();
}

#[test]
fn a_reader_opened_while_its_file_was_cut_short_tells_when_it_grows_back() {
    let dir = tempfile::tempdir().unwrap();
    let model = TwoPages::options().path(dir.path()).create().unwrap();
    model.last.add(9);
    let whole = std::fs::read(model.path()).unwrap();
    cut(model.path(), 4096);
    let cut_short = StatsFile::open(model.path()).unwrap();
    assert_eq!(cut_short.len(), 4096);
    assert!(!cut_short.has_grown());

    // The bytes put back in place: the same file, longer than the mapping.
    std::fs::write(model.path(), &whole).unwrap();
    assert!(!cut_short.is_replaced());
    assert!(cut_short.has_grown());
    let again = StatsFile::open(model.path()).unwrap();
    assert!(!again.has_grown());
    assert_eq!(again.read_all().unwrap()[2].value.to_string(), "9");

    // Opened from a descriptor: the same answers, about the same path.
    let from_file = StatsFile::from_file(File::open(model.path()).unwrap(), model.path()).unwrap();
    assert_eq!(from_file.path(), Some(model.path()));
    assert!(!from_file.has_grown() && !from_file.is_replaced());

    // Another file under the name has not grown: it is replaced.
    drop(model);
    let bigger = dir.path().join("bigger");
    std::fs::write(&bigger, vec![1u8; 3 * 4096]).unwrap();
    std::fs::rename(&bigger, again.path().unwrap()).unwrap();
    assert!(again.is_replaced());
    assert!(!again.has_grown());
    assert!(!StatsFile::from_bytes(vec![1u8, 0, 0]).unwrap().has_grown());
}

#[test]
fn a_reader_tells_when_its_file_is_replaced_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let first = TwoPages::options()
        .path(dir.path())
        .filename("job.mmstats")
        .create()
        .unwrap();
    first.first.add(5);
    let stats = StatsFile::open(first.path()).unwrap();
    assert!(!stats.is_replaced());
    // Written to in place: the same file.
    first.first.incr();
    assert!(!stats.is_replaced());

    // The writer ends and a new one re-creates the file under its name.
    drop(first);
    // Another test of this binary may be starting a child process: until
    // it calls exec, the child holds a copy of every descriptor of this
    // process, the first writer's locked one too, so the name can look
    // taken for a moment.
    let second = (0..200)
        .find_map(|_| {
            let created = TwoPages::options()
                .path(dir.path())
                .filename("job.mmstats")
                .create();
            match created {
                Err(mmstats::Error::Occupied { .. }) => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    None
                }
                other => Some(other.unwrap()),
            }
        })
        .expect("the first writer's lock outlived it");
    second.first.add(100);
    assert!(stats.is_replaced());
    // The old mapping still reads, as the old file.
    assert_eq!(stats.read_all().unwrap()[0].value.to_string(), "6");
    let reopened = StatsFile::open(second.path()).unwrap();
    assert!(!reopened.is_replaced());
    assert_eq!(reopened.read_all().unwrap()[0].value.to_string(), "100");

    // Removed (as a cleaner would): replaced by nothing.
    second.remove().unwrap();
    assert!(reopened.is_replaced());
    assert_eq!(reopened.read_all().unwrap()[0].value.to_string(), "100");
    // Bytes in memory are never replaced.
    assert!(!StatsFile::from_bytes(vec![1u8, 0, 0])
        .unwrap()
        .is_replaced());
}

#[test]
fn a_sigbus_elsewhere_still_ends_the_process() {
    match child_role().as_deref() {
        Some("foreign-mapping") => {
            // The library's handler is installed by the first mapping.
            let dir = tempfile::tempdir().unwrap();
            let _model = TwoPages::options().path(dir.path()).create().unwrap();
            let path = dir.path().join("plain");
            std::fs::write(&path, vec![7u8; 8192]).unwrap();
            let file = File::open(&path).unwrap();
            // SAFETY: a fresh read-only private mapping of 8192 bytes of an
            // open file; the loads below are what this child is for.
            let map = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    8192,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    std::os::fd::AsRawFd::as_raw_fd(&file),
                    0,
                )
            };
            assert_ne!(map, libc::MAP_FAILED);
            cut(&path, 0);
            // SAFETY: inside the mapping; the file was cut, so this load
            // raises SIGBUS, which must end this process.
            let byte = unsafe { map.cast::<u8>().add(4096).read_volatile() };
            println!("survived a SIGBUS, read {byte}");
            std::process::exit(0);
        }
        Some(other) => panic!("unknown role {other}"),
        None => {}
    }
    let out = child_test(
        "a_sigbus_elsewhere_still_ends_the_process",
        "foreign-mapping",
    )
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGBUS),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("survived"), "{stdout}");
}
