//! mmstats: publish application statistics in memory-mapped files.
//!
//! An application declares a model, a struct whose fields are statistics,
//! and derives [`MmStats`] for it. Creating the model creates a file (in
//! `$MMSTATS_PATH`, else the temporary directory) and maps it; from then on
//! every update is a few stores into shared memory — no lock, no system
//! call — and any number of other processes can read the values, live or
//! after the writer has exited or crashed, with the [`reader`] or the
//! `slurpstats` tool.
//!
//! ```
//! use mmstats::{Counter, MmStats, Text, Timer};
//!
//! #[derive(MmStats)]
//! struct Stats {
//!     done: Counter,
//!     missing_email: Counter,
//!     otherdb_timer: Timer,
//!     #[mmstats(label = "user")]
//!     last_user: Text,
//! }
//!
//! # let dir = tempfile::tempdir()?;
//! let stats = Stats::options().path(dir.path()).create()?;
//! stats.last_user.set("rob");
//! stats.otherdb_timer.time(|| { /* otherdb.update(user) */ });
//! stats.done.incr();
//!
//! // Any process can read the file:
//! let file = mmstats::reader::StatsFile::open(stats.path())?;
//! let done = file.fields().find(|f| matches!(f, Ok(f) if f.label == "done"));
//! assert!(done.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Field types
//!
//! Every field class of Python mmstats 0.8 has a counterpart, writing the
//! same signature:
//!
//! | Python 0.8 | Rust | signature | operations |
//! |---|---|---|---|
//! | `CounterField` | [`Counter`] | `Q` | `incr()`, `add(n)`, `sub(n)`, `set(v)`, `get()` |
//! | `AverageField` | [`Average`] | `d` | `add(x)`, `get()` |
//! | `MovingAverageField(size=100)` | [`MovingAverage`] (`#[mmstats(window = 100)]`) | `d` | `add(x)`, `get()` |
//! | `TimerField(size=100)` | [`Timer`] (`#[mmstats(window = 100)]`) | `d` | `start()` guard, `time(f)`, `record(d)`, `last()`, `get()` |
//! | `UInt64Field` | [`Gauge<u64>`] | `Q` | `set(v)`, `get()` |
//! | `UIntField` | [`Gauge<u32>`] | `I` | `set(v)`, `get()` |
//! | `IntField` | [`Gauge<i32>`] | `i` | `set(v)`, `get()` |
//! | `ShortField` | [`Gauge<i16>`] | `h` | `set(v)`, `get()` |
//! | `UShortField` | [`Gauge<u16>`] | `H` | `set(v)`, `get()` |
//! | `FloatField` | [`Gauge<f32>`] | `f` | `set(v)`, `get()` |
//! | `DoubleField` | [`Gauge<f64>`] | `d` | `set(v)`, `get()` |
//! | `ByteField` | [`Gauge<i8>`] | `b` | `set(v)`, `get()` |
//! | `BoolField(initial=False)` | [`Gauge<bool>`] (`#[mmstats(initial = true)]`) | `?` | `set(v)`, `get()` |
//! | `StringField(size=255)` | [`Text`] (`#[mmstats(size = 255)]`) | `255s` | `set(&str)`, `get()` |
//! | `StaticUIntField(value=)` | [`Static<u32>`] (`#[mmstats(value = ...)]`) | `I` | `get()` |
//! | `StaticInt64Field` | [`Static<i64>`] | `q` | `get()` |
//! | `StaticUInt64Field` | [`Static<u64>`] | `Q` | `get()` |
//! | `StaticFloatField` | [`Static<f32>`] | `f` | `get()` |
//! | `StaticDoubleField` | [`Static<f64>`] | `d` | `get()` |
//! | `StaticTextField` | [`StaticText`] | `256s` | `get()` |
//!
//! `Gauge` also takes `u8` and `i64`. The signatures are those of the
//! [`Layout::PythonExact`] layout; the default layout adds alignment (see
//! below).
//!
//! # The derive
//!
//! On the struct: `#[mmstats(label_prefix = "app.")]` prepends a prefix to
//! every label (the sys fields' too; [`ModelOptions::label_prefix`] can
//! replace it at run time), and `#[mmstats(sys_fields = false)]` leaves out
//! the seven default fields, as Python's `BaseMmStats` did: Python 0.8's six
//! in its order (`sys.pid`, `sys.tid`, `sys.uid`, `sys.gid`,
//! `org.rust.version`, `sys.created`), then `sys.cmd`, the program's base
//! name (a 256-byte static text, what `{CMD}` gives).
//! `#[mmstats(crate = "renamed")]` names the mmstats crate when it is a
//! renamed dependency (`stats = { package = "mmstats", ... }`) or
//! re-exported by another crate. The struct also gets inherent
//! `options()` and `create()` functions, so `Stats::options()` needs no
//! import of the [`MmStats`](trait@MmStats) trait.
//!
//! On a field: `label = "..."` (default: the field's name), `size = N`
//! (text), `window = N` (moving averages and timers), `value = EXPR`
//! (static fields: evaluated when the model is created), `initial = EXPR`
//! (counters, gauges, text). Fields are laid out in declaration order, at
//! offsets computed at compile time. Bad models — a field type that is not a
//! statistic, duplicate labels, labels over 65535 bytes, a zero size or
//! window, an attribute that does not apply, tuple structs, enums, unions —
//! are compile errors pointing at the offending item.
//!
//! # Consistent reads
//!
//! Readers in other processes race the writer. In the default layout,
//! [`Layout::Aligned`], no reader sees a torn value, and Python 0.8's reader
//! still reads every field:
//!
//! - Numbers (counters, gauges, averages, timers) are stored once, unbuffered,
//!   at an offset that is a multiple of their size: the signature begins
//!   with pad bytes (`=5xQ`), which Python's `struct` skips. An aligned store
//!   of 1, 2, 4 or 8 bytes is a single access that cannot straddle a cache
//!   line, and readers load it with one atomic load of the same width, so a
//!   read returns the old or the new value. A `u64` gauge is written `=5x1Q`
//!   so tools can tell it from a counter.
//! - Strings are double buffered (`=3x8x255s2x`): each buffer starts with an
//!   8-byte sequence word kept in pad bytes. A write makes the word odd,
//!   writes the buffer readers are not reading, makes the word even and flips
//!   `write_buffer`. A reader reads the word, copies the text, and reads the
//!   word again; if the word was odd or changed, the copy may be torn and the
//!   reader retries. Python's reader ignores the word and reads the buffer
//!   `write_buffer ^ 1` as before.
//! - Static fields are written before the file is given its name, so no
//!   reader can see them change.
//!
//! [`Layout::PythonExact`] reproduces Python 0.8's bytes exactly (plain
//! signatures, double-buffered numbers at whatever offset they fall,
//! strings written in place) and inherits its torn reads: a slow reader can
//! see a buffer being rewritten, an unaligned 8-byte value can straddle a
//! cache line, and a string can be read half old, half new.
//!
//! # Threads, processes and files
//!
//! A [`Model`] has one writer: it is `Send` but not `Sync`. [`PerThread`]
//! gives each thread its own model and file, as Python's thread-local models
//! did. Each live writer holds an exclusive `flock` on its file. Files are
//! created under a temporary name and renamed into place, never following a
//! symlink or replacing anything but a stale stats file of the same user
//! (see [`ModelOptions::create`]), with mode `0o600` unless
//! [`ModelOptions::mode`] says otherwise. They stay on disk when the process
//! exits, for post-mortem reading, unless removed.
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks
)]

pub mod format;
pub mod layout;
pub mod reader;

mod average;
mod clock;
mod counter;
mod defaults;
mod error;
mod exact_sum;
mod gauge;
mod live;
mod model;
mod per_thread;
mod place;
mod publish;
mod scalar;
mod shm;
mod stat;
mod statics;
mod sys;
mod template;
mod text;
mod timer;

pub use average::{Average, MovingAverage};
pub use counter::Counter;
pub use defaults::{
    default_filename, default_glob, default_path, ENV_FILES, ENV_GLOB, ENV_PATH, FILENAME_TEMPLATE,
};
pub use error::Error;
pub use gauge::Gauge;
pub use layout::Layout;
/// Derives [`MmStats`](trait@MmStats) for a struct whose fields are
/// statistics; see the [crate documentation](crate#the-derive).
pub use mmstats_derive::MmStats;
pub use model::{MmStats, Model, ModelOptions, DEFAULT_MODE};
pub use per_thread::PerThread;
pub use scalar::Scalar;
pub use stat::Stat;
pub use statics::{Static, StaticText};
pub use sys::RUST_VERSION;
pub use text::Text;
pub use timer::{Timer, TimerGuard};

#[doc(hidden)]
pub mod __private {
    pub use crate::layout::{layout_fields, FieldLayout, FieldSpec, StatKind};
    pub use crate::model::{Binder, ModelSpec};
    pub use crate::stat::{Slot, Stat};
    pub use crate::sys::SYS_FIELDS;

    use crate::layout::InitRule;

    /// `size = ...` on a field whose kind has no size.
    pub const fn check_size(kind: StatKind) {
        assert!(
            kind.takes_size(),
            "`size = ...` applies only to `Text` and `StaticText` fields"
        );
    }

    /// `window = ...` on a field that keeps no window.
    pub const fn check_window(kind: StatKind) {
        assert!(
            kind.takes_window(),
            "`window = ...` applies only to `MovingAverage` and `Timer` fields"
        );
    }

    /// `initial = ...` on a field that takes none.
    pub const fn check_initial(kind: StatKind) {
        match kind.init_rule() {
            InitRule::Optional => {}
            InitRule::Required => panic!("static fields take `value = ...`, not `initial = ...`"),
            InitRule::Forbidden => {
                panic!("`initial = ...` applies only to `Counter`, `Gauge<T>` and `Text` fields")
            }
        }
    }

    /// `value = ...` on a field that is not static.
    pub const fn check_value(kind: StatKind) {
        assert!(
            matches!(kind.init_rule(), InitRule::Required),
            "`value = ...` applies only to `Static<T>` and `StaticText` fields (use `initial = ...` for a starting value)"
        );
    }

    /// A static field without `value = ...`.
    pub const fn check_no_value(kind: StatKind) {
        assert!(
            !matches!(kind.init_rule(), InitRule::Required),
            "a static field needs `#[mmstats(value = ...)]`: the value written when the model is created"
        );
    }
}
