//! The writer's mapping and the typed cells that handles write through.
//!
//! ## Safety
//!
//! A [`Region`] is a `MAP_SHARED` read-write mapping of a file this process
//! created with `O_EXCL` and holds an exclusive `flock` on. Other processes
//! only map it read-only, so the only writer of its bytes is this process,
//! and within this process the bytes of each field belong to exactly one
//! handle (handles are created once per field by the model and can be neither
//! cloned nor moved out of it). Writes therefore never race with other
//! writes; they race only with readers, which is what the atomic stores, the
//! fences and the layouts in [`crate::layout`] are for.
//!
//! Cells hold raw pointers into the mapping. They are created only by
//! [`Region`] methods that check bounds and alignment, and only stored in
//! handles owned by a `Model`, which drops the handles before the region
//! (its field order) and never hands them out by value. The file is never
//! truncated while mapped: its size is set before mapping and the model never
//! changes it, so the pages stay valid for the life of the mapping.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU16, AtomicU32, AtomicU64, AtomicU8, Ordering};

use memmap2::{MmapOptions, MmapRaw};

use super::mappings::Registration;

/// A read-write shared mapping of a whole stats file.
///
/// Registered with [`mappings`](super::mappings) for its whole life: a page
/// past the end of a file that someone else truncated becomes private zeros
/// instead of a `SIGBUS`, and a forked child gets a private copy instead of
/// writing into this process's file.
#[derive(Debug)]
pub(crate) struct Region {
    // Field order matters: unregistered before unmapped, unmapped before
    // the file descriptor the registration names is closed.
    _registration: Registration,
    map: MmapRaw,
    /// The file, for the fork handler to remap it privately.
    _fd: OwnedFd,
}

/// A cell that is out of the region's bounds or misaligned: a bug in the
/// layout code, reported instead of creating an unsound pointer.
#[derive(Debug, thiserror::Error)]
#[error("field storage at offset {offset} (+{len} bytes) does not fit the {map_len}-byte mapping or is misaligned")]
pub(crate) struct BadCell {
    pub(crate) offset: usize,
    pub(crate) len: usize,
    pub(crate) map_len: usize,
}

impl Region {
    /// Maps the first `len` bytes of `file` (which is at least that long)
    /// shared and writable.
    pub(crate) fn map(file: &File, len: usize) -> io::Result<Region> {
        let fd = rustix::io::fcntl_dupfd_cloexec(file, 0)?;
        let map = MmapOptions::new().len(len).map_raw(file)?;
        let registration = Registration::new(map.as_ptr(), map.len(), fd.as_raw_fd(), true);
        Ok(Region {
            _registration: registration,
            map,
            _fd: fd,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn check(&self, offset: usize, len: usize, align: usize) -> Result<NonNull<u8>, BadCell> {
        let bad = BadCell {
            offset,
            len,
            map_len: self.len(),
        };
        match offset.checked_add(len) {
            Some(end) if end <= self.len() => {}
            _ => return Err(bad),
        }
        // The mapping starts on a page boundary, so the address's alignment
        // is the offset's; check the address anyway.
        let base = self.map.as_mut_ptr();
        if !(base as usize).wrapping_add(offset).is_multiple_of(align) {
            return Err(bad);
        }
        // SAFETY: offset + len <= map length (checked above), so the result
        // stays inside (or one past the end of) the mapped allocation.
        let ptr = unsafe { base.add(offset) };
        NonNull::new(ptr).ok_or(bad)
    }

    /// Copies `bytes` to `offset`. Used while building a file, before it is
    /// published, and for values written once.
    pub(crate) fn write_bytes(&self, offset: usize, bytes: &[u8]) -> Result<(), BadCell> {
        let dst = self.check(offset, bytes.len(), 1)?;
        // SAFETY: dst..dst+len is inside the mapping (checked); `bytes` is a
        // local slice and cannot overlap the mapping's pages, which are never
        // handed out as Rust references.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.as_ptr(), bytes.len()) };
        Ok(())
    }

    /// An aligned atomic cell of `W` at `offset`.
    pub(crate) fn atomic<W: Word>(&self, offset: usize) -> Result<Shared<W>, BadCell> {
        let ptr = self.check(offset, size_of::<W>(), align_of::<W::Atomic>())?;
        Ok(Shared { ptr: ptr.cast() })
    }

    /// Python 0.8's double buffer: a `write_buffer` byte at `write_buffer_at`
    /// and two values of `size` bytes from `first`.
    pub(crate) fn buffered(
        &self,
        write_buffer_at: usize,
        first: usize,
        size: usize,
    ) -> Result<Buffered, BadCell> {
        let write_buffer = self.atomic::<u8>(write_buffer_at)?;
        let end_len = size.checked_mul(2).ok_or(BadCell {
            offset: first,
            len: size,
            map_len: self.len(),
        })?;
        let first = self.check(first, end_len, 1)?;
        Ok(Buffered {
            write_buffer,
            first,
            size,
        })
    }

    /// Bytes written in place, with no protocol (Python's strings).
    pub(crate) fn bytes(&self, offset: usize, len: usize) -> Result<RawBytes, BadCell> {
        Ok(RawBytes {
            ptr: self.check(offset, len, 1)?,
            len,
        })
    }

    /// A seqlocked double-buffered text slot (see [`SeqText`]).
    pub(crate) fn seq_text(
        &self,
        write_buffer_at: usize,
        seq0: usize,
        buffer_len: usize,
        size: usize,
    ) -> Result<SeqText, BadCell> {
        let seq1 = seq0.checked_add(buffer_len).ok_or(BadCell {
            offset: seq0,
            len: buffer_len,
            map_len: self.len(),
        })?;
        let seq = [self.atomic::<u64>(seq0)?, self.atomic::<u64>(seq1)?];
        let data = [self.bytes(seq0 + 8, size)?, self.bytes(seq1 + 8, size)?];
        Ok(SeqText {
            write_buffer: self.atomic::<u8>(write_buffer_at)?,
            seq,
            data,
        })
    }

    /// `msync(MS_SYNC)` of the whole mapping.
    pub(crate) fn flush(&self) -> io::Result<()> {
        self.map.flush()
    }

    /// `msync(MS_ASYNC)` of the whole mapping.
    pub(crate) fn flush_async(&self) -> io::Result<()> {
        self.map.flush_async()
    }
}

/// An unsigned integer that has an atomic twin of the same size and
/// alignment.
pub trait Word: Copy + sealed::Sealed {
    /// The atomic type stored in the mapping.
    type Atomic: 'static;
    #[doc(hidden)]
    fn store(cell: &Self::Atomic, value: Self, order: Ordering);
    #[doc(hidden)]
    fn load(cell: &Self::Atomic, order: Ordering) -> Self;
    /// The value's bytes in native order.
    fn to_ne(self) -> [u8; 8];
    /// The value from native-order bytes (the first `size_of::<Self>()`).
    fn from_ne(bytes: [u8; 8]) -> Self;
    /// A process-wide cell that belongs to no file, for handles whose field
    /// could not be bound.
    #[doc(hidden)]
    fn detached() -> &'static Self::Atomic;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! word {
    ($t:ty, $atomic:ty) => {
        impl sealed::Sealed for $t {}
        impl Word for $t {
            type Atomic = $atomic;
            #[inline(always)]
            fn store(cell: &$atomic, value: $t, order: Ordering) {
                cell.store(value, order)
            }
            #[inline(always)]
            fn load(cell: &$atomic, order: Ordering) -> $t {
                cell.load(order)
            }
            #[inline(always)]
            fn to_ne(self) -> [u8; 8] {
                let mut out = [0; 8];
                out[..size_of::<$t>()].copy_from_slice(&self.to_ne_bytes());
                out
            }
            #[inline(always)]
            fn from_ne(bytes: [u8; 8]) -> $t {
                let mut own = [0; size_of::<$t>()];
                own.copy_from_slice(&bytes[..size_of::<$t>()]);
                <$t>::from_ne_bytes(own)
            }
            fn detached() -> &'static $atomic {
                static DETACHED: $atomic = <$atomic>::new(0);
                &DETACHED
            }
        }
    };
}
word!(u8, AtomicU8);
word!(u16, AtomicU16);
word!(u32, AtomicU32);
word!(u64, AtomicU64);

/// An aligned atomic cell in the mapping.
pub(crate) struct Shared<W: Word> {
    ptr: NonNull<W::Atomic>,
}

impl<W: Word> std::fmt::Debug for Shared<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("ptr", &self.ptr).finish()
    }
}

// SAFETY: the pointer targets a mapping owned by the same model as the
// handle holding this cell, and the model moves between threads as a whole
// (see the module's Safety section). Not Sync: one writer at a time.
unsafe impl<W: Word> Send for Shared<W> {}

impl<W: Word> Shared<W> {
    /// A cell in no file (see [`Word::detached`]): what a handle holds
    /// when its field could not be bound and the model is being discarded.
    pub(crate) fn detached() -> Shared<W> {
        Shared {
            ptr: NonNull::from(W::detached()),
        }
    }

    #[inline(always)]
    fn cell(&self) -> &W::Atomic {
        // SAFETY: created by `Region::atomic`, which checked bounds and
        // alignment; the mapping outlives every cell (module Safety section),
        // and atomics may alias memory other processes read.
        unsafe { self.ptr.as_ref() }
    }

    /// One atomic store: readers see the old or the new value, never a mix.
    #[inline(always)]
    pub(crate) fn store(&self, value: W, order: Ordering) {
        W::store(self.cell(), value, order)
    }

    /// One atomic load.
    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> W {
        W::load(self.cell(), order)
    }
}

/// Bytes of the mapping with no concurrency protocol.
#[derive(Debug)]
pub(crate) struct RawBytes {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: as for `Shared`.
unsafe impl Send for RawBytes {}

impl RawBytes {
    /// No bytes, in no file: writes store nothing, reads read nothing.
    pub(crate) fn detached() -> RawBytes {
        RawBytes {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Copies `src` to the start of these bytes, then a NUL if `src` is
    /// shorter (as Python's ctypes string assignment does). `src` longer
    /// than the slot is cut.
    #[inline]
    pub(crate) fn write_terminated(&self, src: &[u8]) {
        let n = src.len().min(self.len);
        // SAFETY: n <= self.len, the slot's checked extent; `src` is not in
        // the mapping's pages (they are never exposed as slices).
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr(), n) };
        if n < self.len {
            // SAFETY: n < self.len, inside the slot.
            unsafe { self.ptr.as_ptr().add(n).write_volatile(0) };
        }
    }

    /// Copies the bytes up to the first NUL (or all of them) into `out`.
    pub(crate) fn read_terminated(&self, out: &mut Vec<u8>) {
        out.clear();
        for i in 0..self.len {
            // SAFETY: i < self.len, inside the slot; volatile because other
            // code may have written it through another pointer.
            let byte = unsafe { self.ptr.as_ptr().add(i).read_volatile() };
            if byte == 0 {
                break;
            }
            out.push(byte);
        }
    }
}

/// Python 0.8's double buffer: write the buffer `write_buffer` names, then
/// flip it; readers read the other one.
#[derive(Debug)]
pub(crate) struct Buffered {
    write_buffer: Shared<u8>,
    first: NonNull<u8>,
    size: usize,
}

// SAFETY: as for `Shared`.
unsafe impl Send for Buffered {}

impl Buffered {
    fn buffer(&self, index: u8) -> *mut u8 {
        let index = usize::from(index & 1);
        // SAFETY: `Region::buffered` checked that 2 * size bytes from `first`
        // are mapped; index is 0 or 1.
        unsafe { self.first.as_ptr().add(index * self.size) }
    }

    /// Stores the first `size` bytes of `value` (native order) the way
    /// Python 0.8 did. Out of line and cold: the python-exact layout's
    /// path must not weigh on the default layout's where both are inlined.
    #[cold]
    #[inline(never)]
    pub(crate) fn store(&self, value: [u8; 8]) {
        let index = self.write_buffer.load(Ordering::Relaxed);
        let n = self.size.min(8);
        // SAFETY: the buffer has `size` >= n bytes inside the mapping; the
        // write may be unaligned, which `copy_nonoverlapping` allows.
        unsafe { std::ptr::copy_nonoverlapping(value.as_ptr(), self.buffer(index), n) };
        self.write_buffer.store(index ^ 1, Ordering::Release);
    }

    /// The value in the read buffer.
    #[cold]
    #[inline(never)]
    pub(crate) fn load(&self) -> [u8; 8] {
        let index = self.write_buffer.load(Ordering::Acquire) ^ 1;
        let mut out = [0; 8];
        let n = self.size.min(8);
        // SAFETY: as in `store`; this process is the only writer.
        unsafe { std::ptr::copy_nonoverlapping(self.buffer(index), out.as_mut_ptr(), n) };
        out
    }
}

/// A double-buffered text slot where each buffer is guarded by a sequence
/// word: a reader that copied a buffer while the writer touched it sees the
/// word change and retries, so it never returns a torn string.
///
/// The text bytes are stored with atomic stores (8-byte words from the
/// 8-aligned start of the text, then single bytes), so that the release fence
/// after the odd sequence word orders them in the language's memory model,
/// not only on the hardware.
#[derive(Debug)]
pub(crate) struct SeqText {
    write_buffer: Shared<u8>,
    seq: [Shared<u64>; 2],
    data: [RawBytes; 2],
}

impl SeqText {
    /// An empty text slot in no file.
    pub(crate) fn detached() -> SeqText {
        SeqText {
            write_buffer: Shared::detached(),
            seq: [Shared::detached(), Shared::detached()],
            data: [RawBytes::detached(), RawBytes::detached()],
        }
    }

    /// Writes `src` (cut to the slot's size) with the seqlock protocol.
    #[inline]
    pub(crate) fn write(&self, src: &[u8]) {
        let index = usize::from(self.write_buffer.load(Ordering::Relaxed) & 1);
        let seq = &self.seq[index];
        let start = seq.load(Ordering::Relaxed);
        // Odd: a write to this buffer is in progress.
        seq.store(start.wrapping_add(1), Ordering::Relaxed);
        // Orders the odd sequence word before the text stores.
        fence(Ordering::Release);
        self.data[index].store_terminated_atomic(src);
        // Even again, after the text (Release orders the text before it).
        seq.store(start.wrapping_add(2), Ordering::Release);
        self.write_buffer
            .store((index as u8) ^ 1, Ordering::Release);
    }

    /// The current text (the buffer readers read), up to its NUL.
    pub(crate) fn read(&self, out: &mut Vec<u8>) {
        let index = usize::from((self.write_buffer.load(Ordering::Acquire) ^ 1) & 1);
        self.data[index].read_terminated(out);
    }

    pub(crate) fn size(&self) -> usize {
        self.data[0].len()
    }
}

impl RawBytes {
    /// `total` bytes of `src` (NUL after its end) with one-byte atomic
    /// stores: for a slot that is not 8-aligned, which no layout makes.
    #[cold]
    #[inline(never)]
    fn store_bytewise(&self, src: &[u8], total: usize) {
        let base = self.ptr.as_ptr();
        for i in 0..total.min(self.len) {
            let byte = src.get(i).copied().unwrap_or(0);
            // SAFETY: i < self.len, inside the slot; AtomicU8 has
            // alignment 1.
            unsafe { &*base.add(i).cast::<AtomicU8>() }.store(byte, Ordering::Relaxed);
        }
    }

    /// As [`RawBytes::write_terminated`], with atomic stores: whole 8-byte
    /// words while they fit, then at most one 4-, one 2- and one 1-byte
    /// store. The slot starts on an 8-byte boundary (seqlocked text does, by
    /// layout), so every store is aligned to its width.
    #[inline]
    fn store_terminated_atomic(&self, src: &[u8]) {
        let n = src.len().min(self.len);
        let total = if n < self.len { n + 1 } else { n };
        let base = self.ptr.as_ptr();
        if !(base as usize).is_multiple_of(8) {
            // Not reachable through the layouts; stay correct regardless.
            self.store_bytewise(src, total);
            return;
        }
        // Whole words of text first. Fixed-size copies only: they compile
        // to moves, where a variable-length copy becomes a `memcpy` call.
        let mut i = 0;
        while i + 8 <= n {
            let mut word = [0u8; 8];
            word.copy_from_slice(&src[i..i + 8]);
            // SAFETY: i + 8 <= n <= self.len, inside the slot; base and i
            // are multiples of 8, so the word is aligned; atomics may alias
            // memory that readers load.
            let cell = unsafe { &*base.add(i).cast::<AtomicU64>() };
            cell.store(u64::from_ne_bytes(word), Ordering::Relaxed);
            i += 8;
        }
        // The last 0 to 7 bytes of text, then the NUL when the text is
        // shorter than the slot: at most 8 bytes, stored 8, or 4 + 2 + 1.
        let text_left = n - i;
        let mut tail = [0u8; 8];
        let mut k = 0;
        if text_left >= 4 {
            tail[..4].copy_from_slice(&src[i..i + 4]);
            k = 4;
        }
        if text_left - k >= 2 {
            tail[k..k + 2].copy_from_slice(&src[i + k..i + k + 2]);
            k += 2;
        }
        if text_left - k >= 1 {
            tail[k] = src[i + k];
        }
        let rest = total - i;
        if rest == 8 {
            // SAFETY: i + 8 == total <= self.len, inside the slot; i is a
            // multiple of 8, so the word is aligned.
            let cell = unsafe { &*base.add(i).cast::<AtomicU64>() };
            cell.store(u64::from_ne_bytes(tail), Ordering::Relaxed);
            return;
        }
        let mut at = 0;
        if rest - at >= 4 {
            let word = u32::from_ne_bytes([tail[0], tail[1], tail[2], tail[3]]);
            // SAFETY: i + 4 <= total <= self.len; i is a multiple of 8, so
            // the store is 4-aligned.
            unsafe { &*base.add(i).cast::<AtomicU32>() }.store(word, Ordering::Relaxed);
            at = 4;
        }
        if rest - at >= 2 {
            let word = u16::from_ne_bytes([tail[at], tail[at + 1]]);
            // SAFETY: i + at + 2 <= total <= self.len; i + at is even.
            unsafe { &*base.add(i + at).cast::<AtomicU16>() }.store(word, Ordering::Relaxed);
            at += 2;
        }
        if rest - at >= 1 {
            // SAFETY: i + at < total <= self.len; AtomicU8 has alignment 1.
            unsafe { &*base.add(i + at).cast::<AtomicU8>() }.store(tail[at], Ordering::Relaxed);
        }
    }
}
