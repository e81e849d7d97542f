//! The files this process's live models hold, so that a model given the
//! name of another live model of the same process is told so, rather than
//! that some writer holds it.
#![forbid(unsafe_code)]

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::sync::{Mutex, PoisonError};

/// A file's identity, and the process that registered it (a forked child
/// inherits the list but not the models' files).
type Entry = (u64, u64, u32);

static LIVE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// A live model's place in the list; removed on drop.
#[derive(Debug)]
pub(crate) struct Live {
    entry: Option<Entry>,
}

impl Live {
    /// Registers `file` as held by a live model of this process.
    pub(crate) fn register(file: &File) -> Live {
        let entry = file
            .metadata()
            .ok()
            .map(|meta| (meta.dev(), meta.ino(), std::process::id()));
        if let Some(entry) = entry {
            LIVE.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(entry);
        }
        Live { entry }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let Some(entry) = self.entry else { return };
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = live.iter().position(|held| *held == entry) {
            live.swap_remove(at);
        }
    }
}

/// Whether a live model of this process holds the file `(dev, ino)`.
pub(crate) fn held_here(dev: u64, ino: u64) -> bool {
    let pid = std::process::id();
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(&(dev, ino, pid))
}
