//! Errors follow one convention: a message is complete, the underlying
//! error ends it, and it is not repeated as the error's `source()`. A
//! reporter that prints the whole chain (anyhow's `{:#}`,
//! `std::error::Report`) therefore shows each cause once, and a plain
//! `{}` still says why.

use mmstats::reader::{ReadError, StatsFile};
use mmstats::{Counter, Error, MmStats};

#[derive(MmStats)]
struct Stats {
    done: Counter,
}

/// The error and every source after it, joined as a reporter joins them.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

const ENOENT: &str = "No such file or directory (os error 2)";

#[test]
fn a_model_error_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let err = Stats::options()
        .path(dir.path().join("missing"))
        .create()
        .unwrap_err();
    let Error::Create { error, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().ends_with(ENOENT), "{err}");
    assert_eq!(chain(&err).matches(ENOENT).count(), 1, "{}", chain(&err));
}

#[test]
fn a_read_error_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let err = StatsFile::open(dir.path().join("missing.mmstats")).unwrap_err();
    assert!(matches!(err, ReadError::Io { .. }), "{err}");
    assert!(err.to_string().ends_with(ENOENT), "{err}");
    assert_eq!(chain(&err).matches(ENOENT).count(), 1, "{}", chain(&err));

    // A bad signature: its parse error ends the message, once.
    let mut bytes = vec![1u8];
    bytes.extend_from_slice(&1u16.to_ne_bytes());
    bytes.push(b'a');
    bytes.extend_from_slice(&1u16.to_ne_bytes());
    bytes.push(b'!');
    bytes.push(255);
    bytes.resize(64, 0);
    let err = StatsFile::from_bytes(bytes)
        .and_then(|file| file.read_all())
        .unwrap_err();
    let ReadError::BadSignature { error, .. } = &err else {
        panic!("{err}");
    };
    let cause = error.to_string();
    assert!(err.to_string().ends_with(&cause), "{err}");
    assert_eq!(chain(&err).matches(&cause).count(), 1, "{}", chain(&err));
}

/// `fn main() -> Result<(), mmstats::Error>` prints the error's `Debug`:
/// it is the message, not the variant's fields.
#[test]
fn debug_is_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let err = Stats::options()
        .path(dir.path().join("missing"))
        .create()
        .unwrap_err();
    assert_eq!(format!("{err:?}"), err.to_string());
    assert!(!format!("{err:?}").contains("Os {"), "{err:?}");
    let read = StatsFile::open(dir.path().join("missing.mmstats")).unwrap_err();
    assert_eq!(format!("{read:?}"), read.to_string());
}
