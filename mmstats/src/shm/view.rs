//! Readers' access to the bytes of a stats file: bounds-checked, and only
//! through atomic loads, since another process may be writing them.

use core::fmt;
use core::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::fs::File;
use std::io;

use memmap2::{MmapOptions, MmapRaw};

/// Read-only, bounds-checked access to the bytes of a stats file: either a
/// read-only shared mapping of the file or an owned copy of its bytes.
///
/// Every read checks `offset + size <= len()` with checked arithmetic, so
/// an offset or length taken from a hostile file can neither overflow nor
/// reach outside the bytes; out-of-range reads return `None`.
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
/// Known limitation: if the file is truncated while it is mapped, touching a
/// page past the new end raises `SIGBUS` and kills the reading process. The
/// bounds checks use the length at mapping time and cannot prevent that.
pub(crate) struct View {
    bytes: Bytes,
    len: usize,
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
    ($(#[$doc:meta])* $name:ident, $t:ty, $atomic:ty) => {
        $(#[$doc])*
        pub(crate) fn $name(&self, offset: usize, order: Ordering) -> Option<$t> {
            const SIZE: usize = size_of::<$t>();
            let ptr = self.at(offset, SIZE, SIZE)?;
            // SAFETY: `at` checked that offset + SIZE <= len and that the
            // address is SIZE-aligned (the atomic's alignment); the bytes
            // stay mapped (or allocated) while `self` is borrowed and are
            // only loaded from, with a Relaxed atomic load no wider than a
            // pointer (this module requires 64-bit atomics), which is sound
            // on read-only memory.
            let value = unsafe { <$atomic>::from_ptr(ptr.cast_mut().cast()) }.load(Ordering::Relaxed);
            acquire_if(order);
            Some(value)
        }
    };
}

impl View {
    /// Maps `len` bytes of `file` read-only. `len` must be the file's
    /// current length and not zero.
    pub(crate) fn map(file: &File, len: usize) -> io::Result<View> {
        let map = MmapOptions::new().len(len).map_raw_read_only(file)?;
        Ok(View {
            len: map.len(),
            bytes: Bytes::Map(map),
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
            bytes: Bytes::Owned(words),
            len: bytes.len(),
        }
    }

    /// Number of bytes that can be read.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the bytes come from a mapped file.
    pub(crate) fn is_mapped(&self) -> bool {
        matches!(self.bytes, Bytes::Map(_))
    }

    /// Start of the bytes. Valid for reads of `len` bytes while `self` lives.
    fn base(&self) -> *const u8 {
        match &self.bytes {
            Bytes::Map(map) => map.as_ptr(),
            Bytes::Owned(words) => words.as_ptr().cast::<u8>(),
        }
    }

    /// Pointer to `size` readable bytes at `offset`, aligned to `align`, or
    /// `None` if they are out of bounds or misaligned.
    fn at(&self, offset: usize, size: usize, align: usize) -> Option<*const u8> {
        let end = offset.checked_add(size)?;
        if end > self.len {
            return None;
        }
        // `wrapping_add` stays inside the allocation: offset + size <= len.
        let ptr = self.base().wrapping_add(offset);
        (ptr as usize % align == 0).then_some(ptr)
    }

    /// Copies `dst.len()` bytes starting at `offset` into `dst`, or returns
    /// `None` (and leaves `dst` unspecified) if they are out of bounds.
    ///
    /// The copy is a sequence of relaxed atomic loads (8 bytes at a time
    /// where aligned), so it is not atomic as a whole.
    pub(crate) fn copy_to(&self, offset: usize, dst: &mut [u8]) -> Option<()> {
        self.at(offset, dst.len(), 1)?;
        let mut done = 0;
        while done < dst.len() {
            // In bounds: offset + dst.len() <= len was checked above.
            let at = offset + done;
            let rest = dst.len() - done;
            if let Some(word) = self.load_u64(at, Ordering::Relaxed).filter(|_| rest >= 8) {
                dst[done..done + 8].copy_from_slice(&word.to_ne_bytes());
                done += 8;
            } else {
                dst[done] = self.load_u8(at, Ordering::Relaxed)?;
                done += 1;
            }
        }
        Some(())
    }

    load!(
        /// Loads the byte at `offset`.
        load_u8, u8, AtomicU8
    );
    load!(
        /// Loads the native-endian `u16` at `offset`, which must be 2-aligned
        /// in memory.
        load_u16, u16, AtomicU16
    );
    load!(
        /// Loads the native-endian `u32` at `offset`, which must be 4-aligned
        /// in memory.
        load_u32, u32, AtomicU32
    );
    load!(
        /// Loads the native-endian `u64` at `offset`, which must be 8-aligned
        /// in memory.
        load_u64, u64, AtomicU64
    );
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
        const WRITES: u64 = 100_000;
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
            for i in 0..WRITES {
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
                    }
                    Err(ReadError::KeptChanging { .. }) => changing += 1,
                    Err(other) => panic!("{other}"),
                }
            }
        });
        drop(map);
        assert!(good > 0, "no successful read ({changing} gave up)");
    }
}
