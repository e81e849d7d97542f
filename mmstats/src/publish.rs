//! Creating a stats file safely and removing it again.
//!
//! A file is built under a temporary name (`O_CREAT | O_EXCL | O_NOFOLLOW`,
//! an explicit mode, so a planted symlink or file is never followed,
//! truncated or reused), fully initialised, locked, and only then given its
//! name with a rename that refuses to replace anything
//! (`renameat2(RENAME_NOREPLACE)`, or `link` where the file system lacks
//! it). Readers therefore never see a half-written file. If the name is
//! taken, the old file is replaced only when it is a stale stats file: a
//! regular file with one link, owned by this user, starting with the version
//! byte, and not locked by a live writer. Anything else is left untouched
//! and creation fails with [`Error::Occupied`].
//!
//! Every live writer holds an exclusive `flock` on its file for as long as
//! the model lives, which is how a cleaner (or a new model) tells a live
//! writer's file from a dead one's.
#![forbid(unsafe_code)]

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{FlockOperation, Mode, OFlags, RenameFlags, CWD};
use rustix::io::Errno;

use crate::error::Error;
use crate::format::VERSION;
use crate::template::{Substitutions, Template};

/// A file's temporary name; the file is removed on drop unless published.
#[derive(Debug)]
pub(crate) struct TempName {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempName {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates an empty file of `len` bytes next to `target`, readable and
/// writable as `mode` says (the umask does not apply), never following or
/// reusing anything already there. Returns the file (the only descriptor
/// the model will hold) and its temporary name.
pub(crate) fn create_temp(target: &Path, mode: u32, len: usize) -> Result<(File, TempName), Error> {
    let create_err = |error: io::Error| Error::Create {
        path: target.to_owned(),
        error,
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let flags = OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::RDWR | OFlags::CLOEXEC;
    let mode = Mode::from_raw_mode(mode & 0o777);
    let mut attempt = 0;
    let (fd, path) = loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match rustix::fs::openat(CWD, &path, flags, mode) {
            Ok(fd) => break (fd, path),
            Err(Errno::EXIST) if attempt < 100 => attempt += 1,
            Err(err) => return Err(create_err(err.into())),
        }
    };
    let file = File::from(fd);
    let temp = TempName { path, armed: true };
    rustix::fs::fchmod(&file, mode).map_err(|err| create_err(err.into()))?;
    let len = u64::try_from(len).map_err(|_| create_err(io::Error::other("file too large")))?;
    file.set_len(len).map_err(create_err)?;
    // Reserve the blocks now: a full disk is an error here, not a SIGBUS on
    // the first write to a page. Not every file system can; those that
    // cannot are left sparse.
    match rustix::fs::fallocate(&file, rustix::fs::FallocateFlags::empty(), 0, len) {
        Ok(()) | Err(Errno::OPNOTSUPP) | Err(Errno::NOSYS) => {}
        Err(err) => return Err(create_err(err.into())),
    }
    Ok((file, temp))
}

/// Locks the file for its writer's lifetime.
pub(crate) fn lock(file: &File, target: &Path) -> Result<(), Error> {
    rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive).map_err(|err| Error::Create {
        path: target.to_owned(),
        error: err.into(),
    })
}

/// Gives the temporary file its name, replacing only a stale stats file.
pub(crate) fn publish(mut temp: TempName, target: &Path) -> Result<(), Error> {
    let publish_err = |error: io::Error| Error::Create {
        path: target.to_owned(),
        error,
    };
    match rustix::fs::renameat_with(CWD, &temp.path, CWD, target, RenameFlags::NOREPLACE) {
        Ok(()) => {}
        Err(Errno::EXIST) => replace_stale(&temp.path, target)?,
        Err(Errno::INVAL | Errno::NOSYS) => match fs::hard_link(&temp.path, target) {
            Ok(()) => fs::remove_file(&temp.path).map_err(publish_err)?,
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                replace_stale(&temp.path, target)?
            }
            Err(err) => return Err(publish_err(err)),
        },
        Err(err) => return Err(publish_err(err.into())),
    }
    temp.armed = false;
    Ok(())
}

fn replace_stale(temp: &Path, target: &Path) -> Result<(), Error> {
    check_stale(target)?;
    // rename(2) replaces the directory entry, never what a link points to,
    // so even if the entry changed since the check nothing is written
    // through it.
    fs::rename(temp, target).map_err(|error| Error::Create {
        path: target.to_owned(),
        error,
    })
}

/// Whether `target` is a stats file of this user that no live writer holds.
fn check_stale(target: &Path) -> Result<(), Error> {
    let occupied = |reason: String| Error::Occupied {
        path: target.to_owned(),
        reason,
    };
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        // Gone since the rename failed: nothing is in the way any more.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(occupied(format!("cannot inspect it: {err}"))),
    };
    if meta.file_type().is_symlink() {
        return Err(occupied("it is a symbolic link".into()));
    }
    if !meta.file_type().is_file() {
        return Err(occupied("it is not a regular file".into()));
    }
    if crate::live::held_here(meta.dev(), meta.ino()) {
        return Err(Error::InUse {
            path: target.to_owned(),
        });
    }
    if meta.nlink() > 1 {
        return Err(occupied(format!(
            "it has {} hard links (a stats file has one)",
            meta.nlink()
        )));
    }
    let euid = rustix::process::geteuid().as_raw();
    if meta.uid() != euid {
        return Err(occupied(format!(
            "it belongs to uid {}, not to this user (uid {euid})",
            meta.uid()
        )));
    }
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(CWD, target, flags, Mode::empty())
        .map_err(|err| occupied(format!("cannot open it: {err}")))?;
    let mut file = File::from(fd);
    let opened = file
        .metadata()
        .map_err(|err| occupied(format!("cannot inspect it: {err}")))?;
    if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
        return Err(occupied("it changed while being checked".into()));
    }
    let mut first = [0u8; 1];
    let read = file
        .read(&mut first)
        .map_err(|err| occupied(format!("cannot read it: {err}")))?;
    if read != 1 || first[0] != VERSION {
        return Err(occupied("it is not an mmstats file".into()));
    }
    // A cleaner removing the stale file holds its lock for a moment: once
    // it has unlinked the file the name is free; until then ask a few
    // times before taking the lock for a live writer's.
    let mut attempt = 1;
    loop {
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(()),
            // The cleaner has unlinked it already: the name is free.
            Err(Errno::WOULDBLOCK) if file.metadata().is_ok_and(|meta| meta.nlink() == 0) => {
                return Ok(())
            }
            Err(Errno::WOULDBLOCK) if attempt < LOCK_ATTEMPTS => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(Errno::WOULDBLOCK) => return Err(occupied("a live writer holds it".into())),
            Err(err) => return Err(occupied(format!("cannot test its lock: {err}"))),
        }
    }
}

/// How many times a new model tries the lock of a stale file, a
/// millisecond apart.
const LOCK_ATTEMPTS: u32 = 10;

/// Removes `path` if it is still the file `own` refers to.
pub(crate) fn remove_own(path: &Path, own: &File) -> Result<(), Error> {
    let remove_err = |error: io::Error| Error::Remove {
        path: path.to_owned(),
        error,
    };
    let own = own.metadata().map_err(remove_err)?;
    match fs::symlink_metadata(path) {
        Ok(meta) if (meta.dev(), meta.ino()) == (own.dev(), own.ino()) => {
            fs::remove_file(path).map_err(remove_err)
        }
        // Replaced or removed by someone else: not ours to remove.
        Ok(_) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(remove_err(err)),
    }
}

/// Removes the files that `template` gave this process's other threads:
/// regular stats files of this user in `dir` whose name matches the
/// template with any thread id.
pub(crate) fn remove_thread_files(
    dir: &Path,
    template: &Template,
    subs: &Substitutions,
) -> Result<(), Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            return Err(Error::Remove {
                path: dir.to_owned(),
                error,
            })
        }
    };
    let euid = rustix::process::geteuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !template.matches_any_thread(name, subs) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.file_type().is_file() || meta.uid() != euid || !starts_with_version(&path) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(Error::Remove { path, error }),
        }
    }
    Ok(())
}

fn starts_with_version(path: &Path) -> bool {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let Ok(fd) = rustix::fs::openat(CWD, path, flags, Mode::empty()) else {
        return false;
    };
    let mut first = [0u8; 1];
    matches!(File::from(fd).read(&mut first), Ok(1) if first[0] == VERSION)
}
