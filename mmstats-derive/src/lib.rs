//! The `#[derive(MmStats)]` macro of the [mmstats] crate, which re-exports
//! it; use it from there.
//!
//! [mmstats]: https://docs.rs/mmstats

mod ast;
mod attr;
mod ctxt;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Makes a struct with named fields an mmstats model: implements
/// `mmstats::MmStats`, whose file layout (every field's offset) is computed
/// at compile time.
///
/// Each field is one statistic in the file, in declaration order, and its
/// type says which kind: `Counter`, `Average`, `MovingAverage`, `Timer`,
/// `Gauge<T>`, `Text`, `Static<T>` or `StaticText`. Any other type is a
/// compile error on that field's type.
///
/// ```
/// use mmstats::{Counter, Gauge, MmStats, Static, Text, Timer};
///
/// #[derive(MmStats)]
/// #[mmstats(label_prefix = "app.")]
/// struct Stats {
///     done: Counter,
///     #[mmstats(label = "user", size = 64)]
///     last_user: Text,
///     #[mmstats(window = 10)]
///     otherdb_timer: Timer,
///     #[mmstats(value = std::process::id())]
///     pid: Static<u32>,
///     #[mmstats(initial = true)]
///     enabled: Gauge<bool>,
/// }
/// ```
///
/// # Struct attributes
///
/// - `#[mmstats(label_prefix = "app.")]`: a string prepended to every label
///   in the file, the sys fields' included. Default `""`.
/// - `#[mmstats(sys_fields = false)]`: leaves out the seven fields that are
///   otherwise appended after the struct's own: Python 0.8's six
///   (`sys.pid`, `sys.tid`, `sys.uid`, `sys.gid`, `org.rust.version`,
///   `sys.created`), then `sys.cmd` (the program's base name). Default
///   `true`.
/// - `#[mmstats(crate = "renamed")]`: the path of the mmstats crate, for a
///   dependency renamed in `Cargo.toml` (`stats = { package = "mmstats" }`)
///   or re-exported by another crate. Default `::mmstats`.
///
/// Besides the trait, the derive gives the struct inherent `options()` and
/// `create()` functions (with the struct's visibility), so that
/// `Stats::options()` works without importing the `MmStats` trait; a struct
/// that defines functions of those names itself conflicts with them.
///
/// # Field attributes
///
/// - `label = "name"`: the field's label (before the prefix). Default: the
///   field's name. Labels must be unique within the model, sys fields
///   included, not empty, and at most 65535 bytes with the prefix.
/// - `size = 64`: the size in bytes of a `Text` (default 255) or
///   `StaticText` (default 256), from 1 to 2^30.
/// - `window = 10`: the number of samples a `MovingAverage` or `Timer`
///   averages (default 100), from 1 to 2^30.
/// - `value = expr`: the value of a `Static<T>` or `StaticText`, evaluated
///   when the model is created. Required by these two, refused by the
///   others.
/// - `initial = expr`: the value a `Counter`, `Gauge<T>` or `Text` starts
///   with, instead of zero or empty. Refused by the other kinds.
///
/// A `value` or `initial` expression is converted with `Into` to the
/// field's value type (a `u32` for `Static<u32>`, a `String` for `Text`
/// and `StaticText`, so `initial = "rob"` works); an unsuffixed number
/// literal such as `5` or `-0.5` simply takes the field's number type.
///
/// Attributes may be combined in one `#[mmstats(...)]` or spread over
/// several. Every error in a model is reported, each at the attribute or
/// field that causes it.
#[proc_macro_derive(MmStats, attributes(mmstats))]
pub fn derive_mmstats(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
