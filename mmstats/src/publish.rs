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

/// How many temporary names a writer tries before it gives up: each is
/// new and unpredictable, so only a directory filling up with files of
/// those names (planted by someone who guesses 64 random bits) or an
/// unusable random source makes it try more than once.
const TEMP_ATTEMPTS: u32 = 16;

/// The most bytes of the target's name a temporary name keeps.
const TEMP_NAME_KEEP: usize = 200;

/// A temporary name for `name` in `dir`: `.NAME.PID.RANDOM.tmp`, with 64
/// random bits in hexadecimal, so that no one can plant a file of the name
/// a writer is about to use.
fn temp_name(dir: &Path, name: &str) -> PathBuf {
    let mut random = [0u8; 8];
    // getrandom(2) fills a buffer this small at once; should it fail, the
    // clock and a counter still make the name new, if predictable.
    let filled = rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty());
    if !matches!(filled, Ok(n) if n == random.len()) {
        static FALLBACK: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        random = (nanos ^ FALLBACK.fetch_add(1, Ordering::Relaxed).rotate_left(32)).to_ne_bytes();
    }
    // A name of up to 255 bytes must leave room for the 30 or so the
    // temporary name adds: keep its first 200 bytes (whole characters).
    let mut keep = name.len().min(TEMP_NAME_KEEP);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    dir.join(format!(
        ".{}.{}.{:016x}.tmp",
        &name[..keep],
        std::process::id(),
        u64::from_ne_bytes(random)
    ))
}

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
    let mut attempt = 1;
    let (fd, path) = loop {
        let path = temp_name(dir, &name);
        match rustix::fs::openat(CWD, &path, flags, mode) {
            Ok(fd) => break (fd, path),
            Err(Errno::EXIST) if attempt < TEMP_ATTEMPTS => attempt += 1,
            Err(Errno::EXIST) => {
                return Err(create_err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{TEMP_ATTEMPTS} temporary names were taken, the last {}",
                        path.display()
                    ),
                )))
            }
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

/// How many times publishing starts over because the name changed under
/// it (a stale file removed by a cleaner, another writer's file appearing):
/// each time someone else made progress, so this is never reached but by a
/// directory that is being changed without pause.
const PUBLISH_ATTEMPTS: u32 = 100;

/// Gives the temporary file its name, replacing only a stale stats file.
///
/// A stale file is replaced while this writer holds its lock, and only if
/// the name still leads to it then: a cleaner (which takes the same lock
/// before it removes a file by name) can therefore never remove the new
/// file in its place, and a stale file that vanishes meanwhile only makes
/// the name free.
pub(crate) fn publish(mut temp: TempName, target: &Path) -> Result<(), Error> {
    let publish_err = |error: io::Error| Error::Create {
        path: target.to_owned(),
        error,
    };
    let mut attempt = 1;
    loop {
        let taken =
            match rustix::fs::renameat_with(CWD, &temp.path, CWD, target, RenameFlags::NOREPLACE) {
                Ok(()) => false,
                Err(Errno::EXIST) => true,
                Err(Errno::INVAL | Errno::NOSYS) => match fs::hard_link(&temp.path, target) {
                    Ok(()) => {
                        fs::remove_file(&temp.path).map_err(publish_err)?;
                        false
                    }
                    Err(err) if err.kind() == io::ErrorKind::AlreadyExists => true,
                    Err(err) => return Err(publish_err(err)),
                },
                Err(err) => return Err(publish_err(err.into())),
            };
        if !taken {
            break;
        }
        match check_stale(target)? {
            Stale::Locked(stale) => {
                // rename(2) replaces the directory entry, never what a link
                // points to; and no one else can replace or remove the
                // stale file while its lock is held here.
                fs::rename(&temp.path, target).map_err(publish_err)?;
                drop(stale);
                break;
            }
            Stale::Gone if attempt < PUBLISH_ATTEMPTS => attempt += 1,
            Stale::Gone => {
                return Err(publish_err(io::Error::other(
                    "the name kept changing while it was being taken",
                )))
            }
        }
    }
    temp.armed = false;
    Ok(())
}

/// A stale file found at a name being taken.
enum Stale {
    /// The name leads to a stale stats file of this user, locked by this
    /// process until dropped.
    Locked(File),
    /// The name led to a file that is gone now: it may be free.
    Gone,
}

/// Whether `target` is a stats file of this user that no live writer holds;
/// if so it comes back locked, the name checked to lead to it under the
/// lock.
fn check_stale(target: &Path) -> Result<Stale, Error> {
    let occupied = |reason: String| Error::Occupied {
        path: target.to_owned(),
        reason,
    };
    let meta = match fs::symlink_metadata(target) {
        Ok(meta) => meta,
        // Gone since the rename failed: nothing is in the way any more.
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Stale::Gone),
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
    let fd = match rustix::fs::openat(CWD, target, flags, Mode::empty()) {
        Ok(fd) => fd,
        // Removed (by a cleaner, say) since it was inspected.
        Err(Errno::NOENT) => return Ok(Stale::Gone),
        Err(err) => return Err(occupied(format!("cannot open it: {err}"))),
    };
    let mut file = File::from(fd);
    let opened = file
        .metadata()
        .map_err(|err| occupied(format!("cannot inspect it: {err}")))?;
    if (opened.dev(), opened.ino()) != (meta.dev(), meta.ino()) {
        // Replaced since it was inspected: look again.
        return Ok(Stale::Gone);
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
            Ok(()) => break,
            // The cleaner has unlinked it already: the name is free.
            Err(Errno::WOULDBLOCK) if file.metadata().is_ok_and(|meta| meta.nlink() == 0) => {
                return Ok(Stale::Gone)
            }
            Err(Errno::WOULDBLOCK) if attempt < LOCK_ATTEMPTS => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(Errno::WOULDBLOCK) => return Err(occupied("a live writer holds it".into())),
            Err(err) => return Err(occupied(format!("cannot test its lock: {err}"))),
        }
    }
    // Under the lock, the name must still lead to this file: a cleaner may
    // have removed it (and a new file taken the name) between the opening
    // and the locking.
    match fs::symlink_metadata(target) {
        Ok(now) if (now.dev(), now.ino()) == (meta.dev(), meta.ino()) => Ok(Stale::Locked(file)),
        Ok(_) => Ok(Stale::Gone),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Stale::Gone),
        Err(err) => Err(occupied(format!("cannot inspect it: {err}"))),
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
