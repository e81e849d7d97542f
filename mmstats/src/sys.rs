//! The default fields every model carries unless it opts out, like Python's
//! `MmStats` base: `sys.pid`, `sys.tid`, `sys.uid`, `sys.gid`,
//! `org.rust.version` and `sys.created`, then `sys.cmd`.
#![forbid(unsafe_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use crate::format::Code;
use crate::layout::{FieldSpec, StatKind, DEFAULT_STATIC_TEXT_SIZE};
use crate::text::cut_to_char_boundary;

/// The sys fields: the six of Python 0.8 in its order (with the language
/// field naming Rust), then `sys.cmd`, the program's base name (what
/// `{CMD}` gives), so tools need not guess it from the file's name.
pub const SYS_FIELDS: [FieldSpec; 7] = [
    FieldSpec::new("sys.pid", StatKind::Static(Code::U32), None, None),
    FieldSpec::new("sys.tid", StatKind::Static(Code::I64), None, None),
    FieldSpec::new("sys.uid", StatKind::Static(Code::U64), None, None),
    FieldSpec::new("sys.gid", StatKind::Static(Code::U64), None, None),
    FieldSpec::new("org.rust.version", StatKind::StaticText, None, None),
    FieldSpec::new("sys.created", StatKind::Static(Code::F64), None, None),
    FieldSpec::new("sys.cmd", StatKind::StaticText, None, None),
];

/// The value `org.rust.version` holds.
///
/// ```
/// use mmstats::reader::{StatsFile, Value};
/// use mmstats::{Counter, MmStats, RUST_VERSION};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// assert!(RUST_VERSION.starts_with("mmstats "));
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// let fields = StatsFile::open(stats.path())?.read_all()?;
/// let version = fields.iter().find(|f| f.label == "org.rust.version").map(|f| &f.value);
/// assert_eq!(version, Some(&Value::Str(RUST_VERSION.into())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const RUST_VERSION: &str = concat!(
    "mmstats ",
    env!("CARGO_PKG_VERSION"),
    "; ",
    env!("MMSTATS_RUSTC_VERSION")
);

/// This process's id.
pub(crate) fn pid() -> u32 {
    std::process::id()
}

/// The calling thread's kernel thread id (what Python 0.8 got from
/// `SYS_gettid`).
pub(crate) fn tid() -> i64 {
    i64::from(rustix::thread::gettid().as_raw_nonzero().get())
}

/// The base name of the program (`argv[0]`), for `{CMD}`.
pub(crate) fn command_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|arg0| {
            std::path::Path::new(&arg0)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The values of the sys fields for a model created now by the program
/// `cmd`, as native-order bytes in [`SYS_FIELDS`] order.
pub(crate) fn values(cmd: &str) -> [Vec<u8>; 7] {
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    [
        pid().to_ne_bytes().to_vec(),
        tid().to_ne_bytes().to_vec(),
        u64::from(rustix::process::getuid().as_raw())
            .to_ne_bytes()
            .to_vec(),
        u64::from(rustix::process::getgid().as_raw())
            .to_ne_bytes()
            .to_vec(),
        RUST_VERSION.as_bytes().to_vec(),
        created.to_ne_bytes().to_vec(),
        cut_to_char_boundary(cmd, DEFAULT_STATIC_TEXT_SIZE)
            .as_bytes()
            .to_vec(),
    ]
}
