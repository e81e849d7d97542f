//! Where a handle's value lives in the mapping: the cells that the field
//! types write through, in either layout.
#![forbid(unsafe_code)]

use crate::shm::region::{Buffered, RawBytes, SeqText, Shared, Word};

/// Where a number lives: one aligned atomic cell, or Python's double buffer.
#[derive(Debug)]
pub(crate) enum Place<W: Word> {
    Atomic(Shared<W>),
    Buffered(Buffered),
}

impl<W: Word> Place<W> {
    #[inline(always)]
    pub(crate) fn store(&self, value: W) {
        match self {
            Place::Atomic(cell) => cell.store(value, std::sync::atomic::Ordering::Relaxed),
            Place::Buffered(buffers) => buffers.store(value.to_ne()),
        }
    }

    #[inline(always)]
    pub(crate) fn load(&self) -> W {
        match self {
            Place::Atomic(cell) => cell.load(std::sync::atomic::Ordering::Relaxed),
            Place::Buffered(buffers) => W::from_ne(buffers.load()),
        }
    }
}

/// Where a string lives: a seqlocked double buffer, or in place (Python's).
#[derive(Debug)]
pub(crate) enum TextPlace {
    Seq(SeqText),
    InPlace(RawBytes),
}

impl TextPlace {
    #[inline]
    pub(crate) fn write(&self, bytes: &[u8]) {
        match self {
            TextPlace::Seq(text) => text.write(bytes),
            TextPlace::InPlace(raw) => write_in_place(raw, bytes),
        }
    }

    pub(crate) fn read(&self, out: &mut Vec<u8>) {
        match self {
            TextPlace::Seq(text) => text.read(out),
            TextPlace::InPlace(raw) => raw.read_terminated(out),
        }
    }

    pub(crate) fn size(&self) -> usize {
        match self {
            TextPlace::Seq(text) => text.size(),
            TextPlace::InPlace(raw) => raw.len(),
        }
    }
}

/// The python-exact layout's text write, kept out of the default path.
#[cold]
#[inline(never)]
fn write_in_place(raw: &RawBytes, bytes: &[u8]) {
    raw.write_terminated(bytes);
}
