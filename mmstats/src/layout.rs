//! Where each field of a model goes in the file, computed by `const fn` so
//! that a derived model's offsets are constants of the program.
//!
//! Two layouts are offered (see [`Layout`]); both are version-1 files that
//! Python mmstats 0.8 reads. The default one, [`Layout::Aligned`], is built so
//! that no reader can see a torn value:
//!
//! | field | signature | buffering | why it cannot tear |
//! |---|---|---|---|
//! | counter | `=<n>xQ` | unbuffered | `n` pad bytes put the `u64` on an 8-byte boundary: one aligned 8-byte store, one aligned 8-byte load |
//! | `u64` gauge | `=<n>x1Q` | unbuffered | as the counter; the explicit count `1` marks it as a gauge |
//! | 2/4/8-byte gauge, average, moving average, timer | `=<n>x<code>` | unbuffered | naturally aligned, so one store, one load |
//! | `i8`, `u8`, `bool` | `b`, `B`, `?` | unbuffered | a single byte |
//! | text of `N` bytes | `=<a>x8x<N>s<b>x` | double buffered | each buffer holds an 8-byte sequence word (in pad bytes that Python skips) before the text: a seqlock whose reader retries if the writer touched the buffer while it was copied |
//! | static values | as Python 0.8 | unbuffered | written before the file is published under its name |
//!
//! The pad counts `n`, `a` and `b` are always one digit from 1 to 8, so a
//! signature's length does not depend on the padding it needs, and the
//! padding can be computed from the field's offset in one step.
//!
//! [`Layout::PythonExact`] writes exactly what Python 0.8 wrote (plain
//! one-letter signatures, double-buffered numbers, strings in place) and is
//! therefore not torn-free.
//!
//! ```
//! use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
//!
//! let spec = FieldSpec::new("done", StatKind::Counter, None, None);
//! let aligned = layout_field(&spec, 1, 4, Layout::Aligned);
//! let exact = layout_field(&spec, 1, 4, Layout::PythonExact);
//! assert_eq!(aligned.sig.as_bytes(), b"=2xQ"); // two pad bytes: the u64 at offset 16
//! assert_eq!(aligned.value, 16);
//! assert_eq!(exact.sig.as_bytes(), b"Q"); // Python's: double buffered, unaligned
//! assert_eq!(exact.value, 11);
//! ```

use crate::format::{Code, PAGE_SIZE, UNBUFFERED};

/// Which byte layout a model's file uses.
///
/// ```
/// use mmstats::{Counter, Layout, MmStats};
///
/// #[derive(MmStats)]
/// struct Stats {
///     done: Counter,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).layout(Layout::PythonExact).create()?;
/// assert_eq!(stats.layout(), Layout::PythonExact);
/// assert_eq!(Layout::default(), Layout::Aligned);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Aligned values, seqlocked text: readers never see a torn value.
    /// Python 0.8 reads these files too.
    #[default]
    Aligned,
    /// Byte for byte what Python mmstats 0.8 wrote for the same model.
    /// Values may be torn by a reader racing the writer, as in the original.
    PythonExact,
}

/// What kind of statistic a field is: decides its signature, its buffering
/// and which attributes it takes.
///
/// ```
/// use mmstats::layout::StatKind;
/// use mmstats::{Stat, Text, Timer};
///
/// assert_eq!(<Timer as Stat>::KIND, StatKind::Timer);
/// assert!(<Text as Stat>::KIND.takes_size());
/// assert!(!StatKind::Counter.takes_window());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatKind {
    /// A `u64` counter.
    Counter,
    /// Running mean of every sample.
    Average,
    /// Mean of the last `window` samples.
    MovingAverage,
    /// Moving average of elapsed seconds.
    Timer,
    /// A settable number or bool of the given code.
    Gauge(Code),
    /// A settable UTF-8 string of `size` bytes.
    Text,
    /// A number set once at creation.
    Static(Code),
    /// A string set once at creation.
    StaticText,
}

/// Whether a kind of field takes an initial value (`initial = ...` or
/// `value = ...` in the derive).
///
/// ```
/// use mmstats::layout::{InitRule, StatKind};
///
/// assert_eq!(StatKind::Counter.init_rule(), InitRule::Optional); // `initial = ...`
/// assert_eq!(StatKind::StaticText.init_rule(), InitRule::Required); // `value = ...`
/// assert_eq!(StatKind::Timer.init_rule(), InitRule::Forbidden);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitRule {
    /// The field takes no initial value.
    Forbidden,
    /// The field may be given one (`initial = ...`).
    Optional,
    /// The field must be given one (`value = ...`).
    Required,
}

/// Default size of a [`StatKind::Text`] field, as Python's `StringField`.
///
/// ```
/// use mmstats::{layout::DEFAULT_TEXT_SIZE, MmStats, Text};
///
/// #[derive(MmStats)]
/// struct Stats {
///     user: Text,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// assert_eq!(stats.user.size(), DEFAULT_TEXT_SIZE);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_TEXT_SIZE: usize = 255;
/// Size of a [`StatKind::StaticText`] field by default, as Python's `StaticTextField`.
///
/// ```
/// use mmstats::layout::{FieldSpec, StatKind, DEFAULT_STATIC_TEXT_SIZE};
///
/// let spec = FieldSpec::new("version", StatKind::StaticText, None, None);
/// assert_eq!(spec.size, DEFAULT_STATIC_TEXT_SIZE);
/// ```
pub const DEFAULT_STATIC_TEXT_SIZE: usize = 256;
/// Default window of moving averages and timers, as Python's.
///
/// ```
/// use mmstats::{layout::DEFAULT_WINDOW, MmStats, Timer};
///
/// #[derive(MmStats)]
/// struct Stats {
///     call: Timer,
/// }
///
/// # let dir = tempfile::tempdir()?;
/// let stats = Stats::options().path(dir.path()).create()?;
/// assert_eq!(stats.call.window(), DEFAULT_WINDOW);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_WINDOW: usize = 100;

impl StatKind {
    /// Whether the `size` attribute applies.
    ///
    /// ```
    /// use mmstats::layout::StatKind;
    ///
    /// assert!(StatKind::Text.takes_size());
    /// assert!(!StatKind::Counter.takes_size());
    /// ```
    pub const fn takes_size(self) -> bool {
        matches!(self, StatKind::Text | StatKind::StaticText)
    }

    /// Whether the `window` attribute applies.
    ///
    /// ```
    /// use mmstats::layout::StatKind;
    ///
    /// assert!(StatKind::Timer.takes_window());
    /// assert!(!StatKind::Text.takes_window());
    /// ```
    pub const fn takes_window(self) -> bool {
        matches!(self, StatKind::MovingAverage | StatKind::Timer)
    }

    /// Whether and how the field takes an initial value.
    ///
    /// ```
    /// use mmstats::layout::{InitRule, StatKind};
    ///
    /// assert_eq!(StatKind::Average.init_rule(), InitRule::Forbidden);
    /// ```
    pub const fn init_rule(self) -> InitRule {
        match self {
            StatKind::Static(_) | StatKind::StaticText => InitRule::Required,
            StatKind::Counter | StatKind::Gauge(_) | StatKind::Text => InitRule::Optional,
            StatKind::Average | StatKind::MovingAverage | StatKind::Timer => InitRule::Forbidden,
        }
    }
}

/// One field of a model as declared: its label (without the model's label
/// prefix), its kind and its sizes.
///
/// ```
/// use mmstats::layout::{FieldSpec, StatKind};
///
/// let spec = FieldSpec::new("user", StatKind::Text, Some(64), None);
/// assert_eq!((spec.label, spec.size, spec.window), ("user", 64, 0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The label, without the model's prefix.
    pub label: &'static str,
    /// The kind of statistic.
    pub kind: StatKind,
    /// Text size in bytes (text kinds), otherwise 0.
    pub size: usize,
    /// Moving-average window in samples (moving averages and timers), otherwise 0.
    pub window: usize,
}

impl FieldSpec {
    /// A field, with the defaults of Python 0.8 for sizes not given.
    ///
    /// ```
    /// use mmstats::layout::{FieldSpec, StatKind, DEFAULT_TEXT_SIZE};
    ///
    /// let spec = FieldSpec::new("user", StatKind::Text, None, None);
    /// assert_eq!(spec.size, DEFAULT_TEXT_SIZE);
    /// ```
    pub const fn new(
        label: &'static str,
        kind: StatKind,
        size: Option<usize>,
        window: Option<usize>,
    ) -> FieldSpec {
        let size = match (kind, size) {
            (StatKind::Text, None) => DEFAULT_TEXT_SIZE,
            (StatKind::StaticText, None) => DEFAULT_STATIC_TEXT_SIZE,
            (StatKind::Text | StatKind::StaticText, Some(size)) => size,
            _ => 0,
        };
        let window = match (kind, window) {
            (StatKind::MovingAverage | StatKind::Timer, None) => DEFAULT_WINDOW,
            (StatKind::MovingAverage | StatKind::Timer, Some(window)) => window,
            _ => 0,
        };
        FieldSpec {
            label,
            kind,
            size,
            window,
        }
    }
}

/// Longest signature the writer produces (`=8x8x<20 digits>s8x`).
///
/// ```
/// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind, MAX_SIGNATURE};
///
/// let spec = FieldSpec::new("t", StatKind::Text, Some(1 << 30), None);
/// let field = layout_field(&spec, 1, 1, Layout::Aligned);
/// assert!(field.sig.len() <= MAX_SIGNATURE);
/// ```
pub const MAX_SIGNATURE: usize = 32;

/// A signature built at compile time.
///
/// ```
/// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
///
/// let spec = FieldSpec::new("n", StatKind::Counter, None, None);
/// let sig = layout_field(&spec, 1, 1, Layout::PythonExact).sig;
/// assert_eq!(sig.as_bytes(), b"Q");
/// assert_eq!(sig.len(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sig {
    bytes: [u8; MAX_SIGNATURE],
    len: usize,
}

impl Sig {
    const EMPTY: Sig = Sig {
        bytes: [0; MAX_SIGNATURE],
        len: 0,
    };

    /// The signature's bytes, as stored in the file.
    ///
    /// ```
    /// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
    ///
    /// let spec = FieldSpec::new("n", StatKind::Gauge(mmstats::format::Code::I32), None, None);
    /// let sig = layout_field(&spec, 1, 1, Layout::PythonExact).sig;
    /// assert_eq!(sig.as_bytes(), b"i");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.split_at(self.len).0
    }

    /// The signature's length in bytes.
    ///
    /// ```
    /// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
    ///
    /// let spec = FieldSpec::new("n", StatKind::Gauge(mmstats::format::Code::I32), None, None);
    /// let sig = layout_field(&spec, 1, 1, Layout::PythonExact).sig;
    /// assert_eq!(sig.len(), 1);
    /// ```
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the signature is empty (it never is for a laid-out field).
    ///
    /// ```
    /// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
    ///
    /// let spec = FieldSpec::new("n", StatKind::Gauge(mmstats::format::Code::I32), None, None);
    /// let sig = layout_field(&spec, 1, 1, Layout::PythonExact).sig;
    /// assert!(!sig.is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    const fn push(mut self, byte: u8) -> Sig {
        self.bytes[self.len] = byte;
        self.len += 1;
        self
    }

    const fn push_count(mut self, mut n: usize) -> Sig {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 {
            count -= 1;
            self = self.push(digits[count]);
        }
        self
    }
}

const fn digit_count(mut n: usize) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// A pad count from 1 to `align` that moves `offset` to a multiple of `align`.
const fn pad_to(offset: usize, align: usize) -> usize {
    align - offset % align
}

/// Where one field's bytes are in the file.
///
/// ```
/// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
///
/// // A counter labelled "n" right after the version byte.
/// let spec = FieldSpec::new("n", StatKind::Counter, None, None);
/// let field = layout_field(&spec, 1, 1, Layout::Aligned);
/// assert_eq!(field.record, 1);
/// assert_eq!(field.value % 8, 0); // aligned for one atomic store
/// assert!(!field.is_buffered());
/// assert_eq!(field.end, field.value + 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldLayout {
    /// Offset of the field's `label_len`.
    pub record: usize,
    /// Length of the full label (prefix included).
    pub label_len: usize,
    /// The signature written.
    pub sig: Sig,
    /// The initial `write_buffer` byte: [`UNBUFFERED`] or 0.
    pub write_buffer: u8,
    /// Offset of the `write_buffer` byte.
    pub write_buffer_at: usize,
    /// `calcsize(sig)`: the size of one buffer.
    pub buffer_len: usize,
    /// Offset of the first value item in buffer 0 (the only buffer when
    /// unbuffered); buffer 1's is `buffer_len` further.
    pub value: usize,
    /// For seqlocked text: offset of buffer 0's sequence word.
    pub seq: Option<usize>,
    /// Offset one past the field's last byte.
    pub end: usize,
}

impl FieldLayout {
    const EMPTY: FieldLayout = FieldLayout {
        record: 0,
        label_len: 0,
        sig: Sig::EMPTY,
        write_buffer: UNBUFFERED,
        write_buffer_at: 0,
        buffer_len: 0,
        value: 0,
        seq: None,
        end: 0,
    };

    /// Whether the field has two buffers.
    ///
    /// ```
    /// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
    ///
    /// let spec = FieldSpec::new("n", StatKind::Gauge(mmstats::format::Code::I32), None, None);
    /// let field = layout_field(&spec, 1, 1, Layout::PythonExact);
    /// assert!(field.is_buffered()); // Python 0.8 double-buffered numbers
    /// ```
    pub const fn is_buffered(&self) -> bool {
        self.write_buffer != UNBUFFERED
    }
}

/// Lays out one field whose record starts at `record`, with a label of
/// `label_len` bytes (prefix included).
///
/// ```
/// use mmstats::layout::{layout_field, FieldSpec, Layout, StatKind};
///
/// let spec = FieldSpec::new("n", StatKind::Counter, None, None);
/// // 2 + 1 + 2 header bytes, then `Q` and the write_buffer byte; two buffers.
/// let field = layout_field(&spec, 1, 1, Layout::PythonExact);
/// assert_eq!((field.write_buffer_at, field.value, field.end), (7, 8, 24));
/// assert!(field.is_buffered());
/// ```
pub const fn layout_field(
    spec: &FieldSpec,
    record: usize,
    label_len: usize,
    layout: Layout,
) -> FieldLayout {
    // The signature starts after label_len, label and sig_len.
    let sig_at = record + 2 + label_len + 2;
    let value_code = match spec.kind {
        StatKind::Counter => Code::U64,
        StatKind::Average | StatKind::MovingAverage | StatKind::Timer => Code::F64,
        StatKind::Gauge(code) | StatKind::Static(code) => code,
        StatKind::Text | StatKind::StaticText => Code::Bytes,
    };
    let is_static = matches!(spec.kind, StatKind::Static(_) | StatKind::StaticText);
    let is_text = matches!(spec.kind, StatKind::Text | StatKind::StaticText);
    let item_size = if is_text {
        spec.size
    } else {
        value_code.standard_size()
    };

    // Statics and the python-exact layout write Python's own signatures.
    if is_static || matches!(layout, Layout::PythonExact) {
        let sig = if is_text {
            Sig::EMPTY.push_count(spec.size).push(b's')
        } else {
            Sig::EMPTY.push(value_code.as_char())
        };
        let buffered = !is_static && !is_text && item_size > 1;
        let write_buffer_at = sig_at + sig.len();
        let storage = write_buffer_at + 1;
        let buffers = if buffered { 2 } else { 1 };
        return FieldLayout {
            record,
            label_len,
            sig,
            write_buffer: if buffered { 0 } else { UNBUFFERED },
            write_buffer_at,
            buffer_len: item_size,
            value: storage,
            seq: None,
            end: storage + buffers * item_size,
        };
    }

    if is_text {
        // `=<a>x8x<N>s<b>x`: every buffer is [a pad][seq u64][N text][b pad].
        let sig_len = 1 + 2 + 2 + digit_count(spec.size) + 1 + 2;
        let write_buffer_at = sig_at + sig_len;
        let storage = write_buffer_at + 1;
        let lead = pad_to(storage, 8);
        let tail = pad_to(lead + spec.size, 8);
        let sig = Sig::EMPTY
            .push(b'=')
            .push_count(lead)
            .push(b'x')
            .push(b'8')
            .push(b'x')
            .push_count(spec.size)
            .push(b's')
            .push_count(tail)
            .push(b'x');
        let buffer_len = lead + 8 + spec.size + tail;
        return FieldLayout {
            record,
            label_len,
            sig,
            write_buffer: 0,
            write_buffer_at,
            buffer_len,
            value: storage + lead + 8,
            seq: Some(storage + lead),
            end: storage + 2 * buffer_len,
        };
    }

    if item_size == 1 {
        let sig = Sig::EMPTY.push(value_code.as_char());
        let write_buffer_at = sig_at + 1;
        return FieldLayout {
            record,
            label_len,
            sig,
            write_buffer: UNBUFFERED,
            write_buffer_at,
            buffer_len: 1,
            value: write_buffer_at + 1,
            seq: None,
            end: write_buffer_at + 2,
        };
    }

    // `=<n>x<code>`, or `=<n>x1Q` for a u64 gauge (the count marks it as
    // not being a counter).
    let gauge_u64 = matches!(spec.kind, StatKind::Gauge(Code::U64));
    let sig_len = if gauge_u64 { 5 } else { 4 };
    let write_buffer_at = sig_at + sig_len;
    let storage = write_buffer_at + 1;
    let pad = pad_to(storage, item_size);
    let mut sig = Sig::EMPTY.push(b'=').push_count(pad).push(b'x');
    if gauge_u64 {
        sig = sig.push(b'1');
    }
    sig = sig.push(value_code.as_char());
    FieldLayout {
        record,
        label_len,
        sig,
        write_buffer: UNBUFFERED,
        write_buffer_at,
        buffer_len: pad + item_size,
        value: storage + pad,
        seq: None,
        end: storage + pad + item_size,
    }
}

/// Lays out all fields of a model, one after the other from offset 1.
///
/// ```
/// use mmstats::layout::{layout_fields, FieldSpec, Layout, StatKind};
///
/// const SPECS: [FieldSpec; 2] = [
///     FieldSpec::new("a", StatKind::Counter, None, None),
///     FieldSpec::new("b", StatKind::Counter, None, None),
/// ];
/// // Computed at compile time, as the derive does.
/// const FIELDS: [mmstats::layout::FieldLayout; 2] = layout_fields(&SPECS, 0, Layout::Aligned);
/// assert_eq!(FIELDS[0].record, 1);
/// assert_eq!(FIELDS[1].record, FIELDS[0].end);
/// ```
pub const fn layout_fields<const N: usize>(
    specs: &[FieldSpec; N],
    prefix_len: usize,
    layout: Layout,
) -> [FieldLayout; N] {
    let mut out = [FieldLayout::EMPTY; N];
    let mut at = 1;
    let mut i = 0;
    while i < N {
        out[i] = layout_field(&specs[i], at, prefix_len + specs[i].label.len(), layout);
        at = out[i].end;
        i += 1;
    }
    out
}

/// Size of the file holding fields that end at `end`: a whole number of
/// pages, at least one, as Python 0.8 sized it.
///
/// ```
/// use mmstats::{format::PAGE_SIZE, layout::file_len};
///
/// assert_eq!(file_len(1), PAGE_SIZE);
/// assert_eq!(file_len(PAGE_SIZE + 1), 2 * PAGE_SIZE);
/// ```
pub const fn file_len(end: usize) -> usize {
    if end <= PAGE_SIZE {
        PAGE_SIZE
    } else {
        end.div_ceil(PAGE_SIZE) * PAGE_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(l: &FieldLayout) -> &str {
        std::str::from_utf8(l.sig.as_bytes()).unwrap()
    }

    #[test]
    fn python_exact_matches_the_blog_fixture_offsets() {
        // done Q @1, missing_email Q @27, otherdb_timer d @62, user 255s @97,
        // then sys.pid @365 (from blog_script.expected.json).
        let specs = [
            FieldSpec::new("done", StatKind::Counter, None, None),
            FieldSpec::new("missing_email", StatKind::Counter, None, None),
            FieldSpec::new("otherdb_timer", StatKind::Timer, None, None),
            FieldSpec::new("user", StatKind::Text, None, None),
            FieldSpec::new("sys.pid", StatKind::Static(Code::U32), None, None),
        ];
        let l = layout_fields(&specs, 0, Layout::PythonExact);
        let records: Vec<usize> = l.iter().map(|f| f.record).collect();
        assert_eq!(records, [1, 27, 62, 97, 365]);
        assert_eq!(sig(&l[0]), "Q");
        assert_eq!(l[0].write_buffer, 0);
        assert_eq!(sig(&l[3]), "255s");
        assert_eq!(l[3].write_buffer, UNBUFFERED);
        assert_eq!(sig(&l[4]), "I");
    }

    #[test]
    fn aligned_values_are_aligned_for_every_label_length() {
        let kinds = [
            StatKind::Counter,
            StatKind::Gauge(Code::U64),
            StatKind::Gauge(Code::I16),
            StatKind::Gauge(Code::U32),
            StatKind::Gauge(Code::F32),
            StatKind::Timer,
            StatKind::Text,
        ];
        const LABELS: [&str; 9] = [
            "", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh",
        ];
        for kind in kinds {
            for label in LABELS {
                for size in [1usize, 7, 8, 12, 255] {
                    let spec = FieldSpec::new(label, kind, Some(size), None);
                    let f = layout_field(&spec, 1, label.len(), Layout::Aligned);
                    let align = match kind {
                        StatKind::Gauge(c) => c.standard_size(),
                        _ => 8,
                    };
                    assert_eq!(f.value % align, 0, "{kind:?} {label:?} {}", sig(&f));
                    if let Some(seq) = f.seq {
                        assert_eq!(seq % 8, 0);
                        assert_eq!(f.buffer_len % 8, 0);
                        assert_eq!(seq + 8, f.value);
                    }
                    let sig_at = 1 + 2 + label.len() + 2;
                    assert_eq!(f.write_buffer_at, sig_at + f.sig.len());
                }
            }
        }
    }

    #[test]
    fn file_len_rounds_to_pages() {
        assert_eq!(file_len(1), 4096);
        assert_eq!(file_len(4096), 4096);
        assert_eq!(file_len(4097), 8192);
    }
}
