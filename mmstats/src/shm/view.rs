//! Readers' access to the bytes of a stats file: bounds-checked, and only
//! through atomic loads, since another process may be writing them.

use core::fmt;
use core::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::fs::File;
use std::io;
use std::path::PathBuf;

use memmap2::{MmapOptions, MmapRaw};

use super::mappings::Registration;

/// Read-only, bounds-checked access to the bytes of a stats file: either a
/// read-only shared mapping of the file or an owned copy of its bytes.
///
/// Every read checks `offset + size <= len()` with checked arithmetic, so
/// an offset or length taken from a hostile file can neither overflow nor
/// reach outside the bytes; out-of-range reads return `None`. Reads of
/// bytes at any alignment may load the whole aligned words that hold them
/// (and drop the bytes around them), but only words that lie entirely
/// inside the bytes.
///
/// ## Safety
///
/// The mapped bytes belong to the file, not to this process: the writer
/// (in this process or another, in Rust, Python or anything else) may change
/// any of them at any moment. So they are never exposed as `&[u8]`, which
/// would promise the compiler they do not change. Every read is an atomic
/// load of 1, 2, 4 or 8 bytes with [`Ordering::Relaxed`] through a raw
/// pointer into the mapping; Rust documents such loads (of at most the
/// pointer width) as sound on read-only memory. Acquire ordering is obtained
/// with a fence after the relaxed load. A foreign writer that does not use
/// atomic stores can still make a multi-byte value torn: readers detect that
/// only where the format provides for it (the seqlock of text fields).
///
/// A file truncated while it is mapped would make a read past its new end
/// raise `SIGBUS`; the bounds checks use the length at mapping time and
/// cannot prevent that. The mapping is registered with
/// [`mappings`](super::mappings), whose handler turns such a page into
/// zeros and marks the view [shrunk](View::shrunk), which readers check
/// after each field.
pub(crate) struct View {
    /// For a mapping: its place among the guarded mappings. Dropped (and
    /// so unregistered) before `bytes` is unmapped.
    registration: Option<Registration>,
    bytes: Bytes,
    len: usize,
    /// For a mapping: the file's path and identity (device, inode), to
    /// tell a cut within the last mapped page, which raises no `SIGBUS`.
    origin: Option<(PathBuf, (u64, u64))>,
}

enum Bytes {
    /// A read-only shared mapping of a file, `len` bytes long.
    Map(MmapRaw),
    /// An owned copy, held as words so that its base address is 8-aligned
    /// (like a mapping's) and so that it is borrowed only through atomics.
    Owned(Box<[AtomicU64]>),
}

/// A bounds- and alignment-checked atomic load of one unsigned width.
macro_rules! load {
    ($(#[$doc:meta])* $name:ident, $t:ty, $raw:ident) => {
        $(#[$doc])*
        pub(crate) fn $name(&self, offset: usize, order: Ordering) -> Option<$t> {
            const SIZE: usize = size_of::<$t>();
            let ptr = self.at(offset, SIZE, SIZE)?;
            // SAFETY: `at` checked that offset + SIZE <= len and that the
            // address is SIZE-aligned, and the bytes stay mapped (or
            // allocated) while `self` is borrowed.
            let value = unsafe { $raw(ptr) };
            acquire_if(order);
            Some(value)
        }
    };
}

/// An unchecked relaxed atomic load of one unsigned width.
macro_rules! raw_load {
    ($name:ident, $t:ty, $atomic:ty) => {
        /// Loads the value at `ptr` with one relaxed atomic load.
        ///
        /// # Safety
        ///
        /// `ptr` must be aligned to the size of the value, and that many
        /// bytes from `ptr` on must lie inside a view's bytes, which must
        /// stay mapped (or allocated) during the call.
        #[inline(always)]
        unsafe fn $name(ptr: *const u8) -> $t {
            // SAFETY: the caller guarantees alignment and that the bytes are
            // inside live, readable memory; they are only loaded from, with
            // a relaxed atomic load no wider than a pointer (this module
            // requires 64-bit atomics), which is sound on read-only memory.
            unsafe { <$atomic>::from_ptr(ptr.cast_mut().cast()) }.load(Ordering::Relaxed)
        }
    };
}

raw_load!(raw_load_u8, u8, AtomicU8);
raw_load!(raw_load_u16, u16, AtomicU16);
raw_load!(raw_load_u32, u32, AtomicU32);
raw_load!(raw_load_u64, u64, AtomicU64);

impl View {
    /// Maps `len` bytes of `file` read-only. `len` must be the file's
    /// current length and not zero.
    pub(crate) fn map(file: &File, len: usize) -> io::Result<View> {
        let map = MmapOptions::new().len(len).map_raw_read_only(file)?;
        Ok(View {
            registration: Some(Registration::new(map.as_ptr(), map.len(), -1, false)),
            len: map.len(),
            bytes: Bytes::Map(map),
            origin: None,
        })
    }

    /// Copies `bytes` into an owned view.
    pub(crate) fn from_bytes(bytes: &[u8]) -> View {
        let words = bytes
            .chunks(8)
            .map(|chunk| {
                let mut word = [0u8; 8];
                word[..chunk.len()].copy_from_slice(chunk);
                AtomicU64::new(u64::from_ne_bytes(word))
            })
            .collect();
        View {
            registration: None,
            bytes: Bytes::Owned(words),
            len: bytes.len(),
            origin: None,
        }
    }

    /// Records where a mapped view's file is, for [`cut_short`](View::cut_short).
    pub(crate) fn set_origin(&mut self, path: PathBuf, identity: (u64, u64)) {
        self.origin = Some((path, identity));
    }

    /// Whether the file is now shorter than the view: cut since it was
    /// mapped. A cut inside the last mapped page raises no `SIGBUS` (the
    /// rest of that page reads as zeros), so [`shrunk`](View::shrunk) cannot
    /// see it; this asks the file system, one `stat` of the path (a file
    /// replaced under it is not this one, and is not counted). Asked once
    /// per walk, at its end, not for every field.
    #[cold]
    pub(crate) fn cut_short(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Some((path, identity)) = &self.origin else {
            return false;
        };
        std::fs::metadata(path)
            .is_ok_and(|meta| (meta.dev(), meta.ino()) == *identity && meta.len() < self.len as u64)
    }

    /// Number of bytes that can be read.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the file shrank below the mapped length since it was mapped:
    /// the pages past its new end read as zeros (see
    /// [`mappings`](super::mappings)), so nothing read since is trusted.
    #[inline(always)]
    pub(crate) fn shrunk(&self) -> bool {
        self.registration.as_ref().is_some_and(Registration::shrunk)
    }

    /// Whether the bytes come from a mapped file.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.bytes, Bytes::Map(_))
    }

    /// Start of the bytes. Valid for reads of `len` bytes while `self` lives.
    #[inline(always)]
    fn base(&self) -> *const u8 {
        match &self.bytes {
            Bytes::Map(map) => map.as_ptr(),
            Bytes::Owned(words) => words.as_ptr().cast::<u8>(),
        }
    }

    /// Pointer to `size` readable bytes at `offset`, aligned to `align`, or
    /// `None` if they are out of bounds or misaligned.
    #[inline(always)]
    fn at(&self, offset: usize, size: usize, align: usize) -> Option<*const u8> {
        let end = offset.checked_add(size)?;
        if end > self.len {
            return None;
        }
        // `wrapping_add` stays inside the allocation: offset + size <= len.
        let ptr = self.base().wrapping_add(offset);
        (ptr as usize).is_multiple_of(align).then_some(ptr)
    }

    /// Copies `dst.len()` bytes starting at `offset` into `dst`, or returns
    /// `None` (and leaves `dst` unspecified) if they are out of bounds.
    ///
    /// The copy is a sequence of relaxed atomic loads (8 bytes at a time
    /// where aligned), so it is not atomic as a whole.
    #[inline]
    pub(crate) fn copy_to(&self, offset: usize, dst: &mut [u8]) -> Option<()> {
        let mut done = 0;
        self.pieces(offset, dst.len(), |piece| {
            // `pieces` hands out exactly dst.len() bytes in total.
            if let Some(out) = dst.get_mut(done..done + piece.len()) {
                out.copy_from_slice(piece);
            }
            done += piece.len();
        })
    }

    /// Appends the `len` bytes starting at `offset` to `dst`, or returns
    /// `None` (leaving `dst` as it was) if they are out of bounds. Nothing
    /// is allocated before the bounds are checked.
    ///
    /// Loads each aligned word that holds some of the bytes once, with a
    /// relaxed atomic load (the bytes around the ones asked for are loaded
    /// but dropped), when those words lie inside the view; else loads as
    /// [`copy_to`](View::copy_to) does. May reserve up to 7 bytes more than
    /// it appends.
    #[inline]
    pub(crate) fn append_to(&self, offset: usize, len: usize, dst: &mut Vec<u8>) -> Option<()> {
        let start = self.at(offset, len, 1)?;
        if len == 0 {
            return Some(());
        }
        let skip = start as usize % 8;
        // The aligned words that hold the bytes: from `first` on, up to
        // offset `words_end`.
        let first = offset.checked_sub(skip)?;
        let words_end = (offset + len).checked_next_multiple_of(8)?;
        if words_end > self.len {
            // At the end of the view: only the bytes themselves.
            dst.reserve(len);
            return self.pieces(offset, len, |piece| dst.extend_from_slice(piece));
        }
        let words = (words_end - first) / 8;
        let keep = dst.len() + len;
        dst.reserve(len.next_multiple_of(8));
        let base = start.wrapping_sub(skip);
        // SAFETY: `base` is `start` rounded down to a multiple of 8, the
        // address of offset `first`, and [first, first + 8) is inside the
        // view (words >= 1 and first + 8 * words = words_end <= len); the
        // bytes live while `self` is borrowed.
        let mut low = unsafe { raw_load_u64(base) };
        let mut loaded = 1;
        while dst.len() < keep {
            let high = if loaded < words {
                // SAFETY: 8-aligned (base plus a multiple of 8), and word
                // `loaded` < `words` is inside the view as above.
                unsafe { raw_load_u64(base.wrapping_add(8 * loaded)) }
            } else {
                0
            };
            loaded += 1;
            dst.extend_from_slice(&join_words(low, high, skip, 8).to_ne_bytes());
            low = high;
        }
        dst.truncate(keep);
        Some(())
    }

    /// The `n` (at most 8) bytes starting at `offset`, at any alignment, as
    /// the first bytes of a native-endian word whose other bytes are zero:
    /// `u64::from_ne_bytes([b0, .., b(n-1), 0, ..])`. `None` if they are
    /// out of bounds or `n > 8`.
    ///
    /// Loads the one or two aligned words that hold the bytes when they lie
    /// inside the view (the bytes around the ones asked for are loaded but
    /// dropped), else loads piecewise; the loads are relaxed atomic loads,
    /// not one atomic load of the whole.
    #[inline(always)]
    pub(crate) fn load_bytes(&self, offset: usize, n: usize) -> Option<u64> {
        if n > 8 {
            return None;
        }
        let start = self.at(offset, n, 1)?;
        if n == 0 {
            return Some(0);
        }
        let skip = start as usize % 8;
        // Offset of the aligned word holding the first byte.
        let word_at = offset.checked_sub(skip)?;
        let words = if skip + n <= 8 { 1 } else { 2 };
        let in_view = word_at
            .checked_add(8 * words)
            .is_some_and(|end| end <= self.len);
        if !in_view {
            // Near the end of the view: only the bytes themselves.
            let mut bytes = [0u8; 8];
            self.copy_to(offset, bytes.get_mut(..n)?)?;
            return Some(u64::from_ne_bytes(bytes));
        }
        let first = start.wrapping_sub(skip);
        // SAFETY: `first` is 8-aligned (it is `start` rounded down to a
        // multiple of 8) and [word_at, word_at + 8) is inside the view, as
        // `in_view` checked; the bytes live while `self` is borrowed.
        let low = unsafe { raw_load_u64(first) };
        let high = if words == 2 {
            // SAFETY: as above for the next aligned word, whose end
            // (word_at + 16) `in_view` checked too.
            unsafe { raw_load_u64(first.wrapping_add(8)) }
        } else {
            0
        };
        Some(join_words(low, high, skip, n))
    }

    /// Hands the `len` bytes starting at `offset` to `piece`, in order, in
    /// pieces of 1, 2, 4 or 8 bytes, each loaded with one relaxed atomic
    /// load of the widest width the address is aligned to; `None` (without
    /// a call) if the bytes are out of bounds.
    #[inline(always)]
    fn pieces(&self, offset: usize, len: usize, mut piece: impl FnMut(&[u8])) -> Option<()> {
        let start = self.at(offset, len, 1)?;
        let mut done = 0;
        while done < len {
            // Inside the checked range: offset + done + the width loaded
            // below stays <= offset + len <= self.len.
            let ptr = start.wrapping_add(done);
            let rest = len - done;
            let align = ptr as usize;
            if align.is_multiple_of(8) && rest >= 8 {
                // SAFETY: 8-aligned, and the 8 bytes are inside the range
                // `at` checked; the bytes live while `self` is borrowed.
                piece(&unsafe { raw_load_u64(ptr) }.to_ne_bytes());
                done += 8;
            } else if align.is_multiple_of(4) && rest >= 4 {
                // SAFETY: 4-aligned, the 4 bytes are inside the checked
                // range, which lives while `self` is borrowed.
                piece(&unsafe { raw_load_u32(ptr) }.to_ne_bytes());
                done += 4;
            } else if align.is_multiple_of(2) && rest >= 2 {
                // SAFETY: 2-aligned, the 2 bytes are inside the checked
                // range, which lives while `self` is borrowed.
                piece(&unsafe { raw_load_u16(ptr) }.to_ne_bytes());
                done += 2;
            } else {
                // SAFETY: the byte is inside the checked range (rest >= 1),
                // which lives while `self` is borrowed.
                piece(&[unsafe { raw_load_u8(ptr) }]);
                done += 1;
            }
        }
        Some(())
    }

    load!(
        /// Loads the byte at `offset`.
        load_u8, u8, raw_load_u8
    );
    load!(
        /// Loads the native-endian `u16` at `offset`, which must be 2-aligned
        /// in memory.
        load_u16, u16, raw_load_u16
    );
    load!(
        /// Loads the native-endian `u32` at `offset`, which must be 4-aligned
        /// in memory.
        load_u32, u32, raw_load_u32
    );
    load!(
        /// Loads the native-endian `u64` at `offset`, which must be 8-aligned
        /// in memory.
        load_u64, u64, raw_load_u64
    );
}

/// The `n` (1 to 8) bytes that start `skip` (0 to 7) bytes into the
/// native-endian words `low` and `high` (which follows it in memory), as
/// [`View::load_bytes`] returns them; `skip + n <= 16`.
#[inline(always)]
fn join_words(low: u64, high: u64, skip: usize, n: usize) -> u64 {
    let skip_bits = 8 * skip as u32;
    let keep_bits = 8 * n as u32;
    if cfg!(target_endian = "little") {
        // Memory order is from the least significant byte up.
        let joined = (low >> skip_bits) | high.checked_shl(64 - skip_bits).unwrap_or(0);
        joined & u64::MAX.checked_shr(64 - keep_bits).unwrap_or(0)
    } else {
        // Memory order is from the most significant byte down.
        let joined = (low << skip_bits) | high.checked_shr(64 - skip_bits).unwrap_or(0);
        joined & !u64::MAX.checked_shr(keep_bits).unwrap_or(0)
    }
}

/// Gives a Relaxed load the ordering asked for: loads cannot be Release, so
/// anything but Relaxed gets an acquire fence (SeqCst a SeqCst fence).
fn acquire_if(order: Ordering) {
    match order {
        Ordering::Relaxed => {}
        Ordering::SeqCst => fence(Ordering::SeqCst),
        _ => fence(Ordering::Acquire),
    }
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("View")
            .field("len", &self.len)
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

// SAFETY: a View only ever loads through atomics, never hands out
// references to the bytes, and owns what keeps them alive (the mapping or
// the words); sending it to another thread moves that ownership with it.
unsafe impl Send for View {}
// SAFETY: all methods take `&self` and only perform atomic loads, which any
// number of threads may do at once.
unsafe impl Sync for View {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn owned_view_reads_its_bytes() {
        let data = bytes(29);
        let view = View::from_bytes(&data);
        assert_eq!(view.len(), 29);
        assert!(!view.is_mapped());
        for offset in 0..=29 {
            for len in 0..=(29 - offset) {
                let mut out = vec![0xAA; len];
                assert_eq!(view.copy_to(offset, &mut out), Some(()));
                assert_eq!(out, data[offset..offset + len], "{offset}+{len}");
            }
        }
    }

    #[test]
    fn reads_out_of_bounds_are_none() {
        let view = View::from_bytes(&bytes(16));
        let mut one = [0u8; 1];
        assert_eq!(view.copy_to(16, &mut one), None);
        assert_eq!(view.copy_to(15, &mut [0u8; 2]), None);
        assert_eq!(view.copy_to(usize::MAX, &mut one), None);
        assert_eq!(view.copy_to(16, &mut []), Some(()));
        assert_eq!(view.copy_to(17, &mut []), None);
        assert_eq!(view.load_u8(16, Ordering::Relaxed), None);
        assert_eq!(
            view.load_u64(8, Ordering::Relaxed),
            Some(u64::from_ne_bytes(bytes(16)[8..].try_into().unwrap()))
        );
        assert_eq!(view.load_u64(16, Ordering::Relaxed), None);
        assert_eq!(view.load_u64(usize::MAX - 7, Ordering::Relaxed), None);
        assert_eq!(view.load_u32(usize::MAX, Ordering::Acquire), None);
        assert_eq!(view.load_u16(usize::MAX - 1, Ordering::SeqCst), None);
    }

    #[test]
    fn loads_require_alignment_of_the_address() {
        let data = bytes(24);
        let view = View::from_bytes(&data);
        let base = view.base() as usize;
        assert_eq!(base % 8, 0, "owned bytes start 8-aligned");
        for offset in 0..16 {
            let le = |n: usize| data[offset..offset + n].to_vec();
            assert_eq!(
                view.load_u16(offset, Ordering::Relaxed)
                    .map(|v| v.to_ne_bytes().to_vec()),
                (offset % 2 == 0).then(|| le(2)),
            );
            assert_eq!(
                view.load_u32(offset, Ordering::Acquire)
                    .map(|v| v.to_ne_bytes().to_vec()),
                (offset % 4 == 0).then(|| le(4)),
            );
            assert_eq!(
                view.load_u64(offset, Ordering::Relaxed)
                    .map(|v| v.to_ne_bytes().to_vec()),
                (offset % 8 == 0).then(|| le(8)),
            );
            assert_eq!(view.load_u8(offset, Ordering::Relaxed), Some(data[offset]));
        }
    }

    #[test]
    fn empty_view_reads_nothing() {
        let view = View::from_bytes(&[]);
        assert_eq!(view.len(), 0);
        assert_eq!(view.load_u8(0, Ordering::Relaxed), None);
        assert_eq!(view.copy_to(0, &mut []), Some(()));
    }

    #[test]
    fn mapped_view_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mmstats");
        let data = bytes(5000);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&data)
            .unwrap();
        let file = File::open(&path).unwrap();
        let view = View::map(&file, data.len()).unwrap();
        assert!(view.is_mapped());
        assert_eq!(view.len(), 5000);
        assert_eq!(view.base() as usize % 4096, 0, "a mapping is page aligned");
        let mut out = vec![0; 4999];
        assert_eq!(view.copy_to(1, &mut out), Some(()));
        assert_eq!(out, data[1..]);
        assert_eq!(
            view.load_u64(4992, Ordering::Acquire),
            Some(u64::from_ne_bytes(data[4992..].try_into().unwrap()))
        );
        assert_eq!(view.load_u64(4993, Ordering::Acquire), None);
        assert_eq!(view.load_u8(5000, Ordering::Relaxed), None);
    }

    /// What `load_bytes` should give: the bytes as the first bytes of a
    /// native-endian word, if they are in bounds.
    fn expected_word(data: &[u8], offset: usize, n: usize) -> Option<u64> {
        let bytes = data.get(offset..offset.checked_add(n)?)?;
        let mut word = [0u8; 8];
        word.get_mut(..n)?.copy_from_slice(bytes);
        Some(u64::from_ne_bytes(word))
    }

    fn check_word_loads(view: &View, data: &[u8]) {
        for offset in 0..=data.len() + 1 {
            for n in 0..=9 {
                assert_eq!(
                    view.load_bytes(offset, n),
                    expected_word(data, offset, n),
                    "{offset}+{n}"
                );
            }
            for len in 0..=data.len() + 1 - offset.min(data.len()) {
                let mut out = vec![7u8, 8, 9];
                let appended = view.append_to(offset, len, &mut out);
                match data.get(offset..offset + len) {
                    Some(bytes) => {
                        assert_eq!(appended, Some(()), "{offset}+{len}");
                        assert_eq!(out[..3], [7, 8, 9]);
                        assert_eq!(out[3..], *bytes, "{offset}+{len}");
                    }
                    None => {
                        assert_eq!(appended, None, "{offset}+{len}");
                        assert_eq!(out, [7, 8, 9]);
                    }
                }
            }
        }
        assert_eq!(view.load_bytes(usize::MAX, 1), None);
        assert_eq!(view.load_bytes(usize::MAX - 3, 8), None);
        assert_eq!(view.append_to(usize::MAX, 2, &mut Vec::new()), None);
        assert_eq!(view.append_to(1, usize::MAX, &mut Vec::new()), None);
    }

    #[test]
    fn word_loads_and_appends_give_the_bytes_at_every_offset() {
        for len in [0, 1, 7, 8, 9, 29, 64] {
            let data = bytes(len);
            check_word_loads(&View::from_bytes(&data), &data);
        }
    }

    #[test]
    fn word_loads_and_appends_stay_inside_a_mapping() {
        let dir = tempfile::tempdir().unwrap();
        for len in [5, 61, 4096 + 13] {
            let path = dir.path().join(format!("w{len}.mmstats"));
            let data = bytes(len);
            std::fs::write(&path, &data).unwrap();
            let file = File::open(&path).unwrap();
            let view = View::map(&file, len).unwrap();
            if len < 100 {
                check_word_loads(&view, &data);
            } else {
                // The end of the file, past a page boundary.
                for offset in len - 40..=len {
                    for n in 0..=8 {
                        assert_eq!(view.load_bytes(offset, n), expected_word(&data, offset, n));
                    }
                    let mut out = Vec::new();
                    assert_eq!(view.append_to(offset, len - offset, &mut out), Some(()));
                    assert_eq!(out, data[offset..]);
                    assert_eq!(view.append_to(offset, len - offset + 1, &mut out), None);
                }
            }
        }
    }

    /// A writer thread follows the seqlock protocol of text fields and
    /// stores aligned numbers with single atomic stores, through its own
    /// shared mapping; a reader of the same file must never see a torn text
    /// or number.
    #[test]
    fn concurrent_writer_never_shows_a_torn_value() {
        use crate::layout::{Layout, StatKind};
        use crate::reader::testing::FileBuilder;
        use crate::reader::{ReadError, StatsFile, Value};
        use std::sync::atomic::AtomicBool;

        const SIZE: usize = 61;
        // The writer writes until the reader has read this many values
        // (or, should the reader never get one, this many times).
        const GOOD_READS: u64 = 100;
        const MAX_WRITES: u64 = 20_000_000;
        let mut builder = FileBuilder::new();
        let text = builder.laid_out("text", StatKind::Text, Some(SIZE), Layout::Aligned);
        let gauge = builder.laid_out(
            "g",
            StatKind::Gauge(crate::format::Code::U64),
            None,
            Layout::Aligned,
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("race.mmstats");
        std::fs::write(&path, builder.finish(4096)).unwrap();

        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        // SAFETY: the file is private to this test; the writer thread below
        // is its only writer while it is mapped, and nothing truncates it.
        let mut map = unsafe { memmap2::MmapMut::map_mut(&file) }.unwrap();
        let base = map.as_mut_ptr() as usize;
        let done = AtomicBool::new(false);
        let enough = AtomicBool::new(false);
        let seq0 = text.seq.unwrap();
        let writer = || {
            let byte = |offset: usize| {
                // SAFETY: every offset used is below `text.end` or
                // `gauge.end`, inside the 4096-byte mapping, which outlives
                // this scoped thread; the bytes are touched only through
                // atomics, by this thread and the reader.
                unsafe { AtomicU8::from_ptr((base + offset) as *mut u8) }
            };
            let word = |offset: usize| {
                assert_eq!((base + offset) % 8, 0);
                // SAFETY: as for `byte`, and the address is 8-aligned (the
                // aligned layout puts sequence words and the u64 there).
                unsafe { AtomicU64::from_ptr((base + offset) as *mut u64) }
            };
            for i in 0..MAX_WRITES {
                if enough.load(Ordering::Relaxed) {
                    break;
                }
                let b = byte(text.write_buffer_at).load(Ordering::Relaxed);
                let seq = word(seq0 + usize::from(b) * text.buffer_len);
                let s = seq.load(Ordering::Relaxed);
                seq.store(s + 1, Ordering::Relaxed);
                fence(Ordering::Release);
                let fill = b'a' + (i % 26) as u8;
                let value = text.value + usize::from(b) * text.buffer_len;
                for j in 0..SIZE {
                    byte(value + j).store(fill, Ordering::Relaxed);
                }
                seq.store(s + 2, Ordering::Release);
                byte(text.write_buffer_at).store(b ^ 1, Ordering::Release);
                let g = if i % 2 == 0 {
                    u64::MAX
                } else {
                    0x0101_0101_0101_0101
                };
                word(gauge.value).store(g, Ordering::Relaxed);
            }
            done.store(true, Ordering::Release);
        };

        let stats = StatsFile::open(&path).unwrap();
        let (mut good, mut changing) = (0u64, 0u64);
        std::thread::scope(|scope| {
            scope.spawn(writer);
            while !done.load(Ordering::Acquire) {
                match stats.read_all() {
                    Ok(fields) => {
                        let Value::Str(s) = &fields[0].value else {
                            panic!("{:?}", fields[0])
                        };
                        let same = s.bytes().all(|c| Some(c) == s.bytes().next());
                        assert!(same && (s.len() == SIZE || s.is_empty()), "torn text {s:?}");
                        assert!(
                            matches!(
                                fields[1].value,
                                Value::UInt(u64::MAX | 0 | 0x0101_0101_0101_0101)
                            ),
                            "torn number {:?}",
                            fields[1].value
                        );
                        good += 1;
                        if good == GOOD_READS {
                            enough.store(true, Ordering::Relaxed);
                        }
                    }
                    Err(ReadError::KeptChanging { .. }) => changing += 1,
                    Err(other) => panic!("{other}"),
                }
            }
        });
        drop(map);
        assert!(
            good >= GOOD_READS,
            "{good} successful reads in {MAX_WRITES} writes ({changing} gave up)"
        );
    }
}
