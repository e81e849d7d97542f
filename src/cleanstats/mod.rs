//! `cleanstats`: remove the stats files of processes that are gone.
//!
//! A file is removed only when it is a regular mmstats file with a
//! `sys.pid` field (under any label prefix) and its writer is known to be
//! gone:
//!
//! - Every live writer of this crate holds an exclusive `flock` on its file
//!   for as long as its model lives. A file whose lock is held is alive,
//!   whatever its `sys.pid` says; a file written by this crate (it has an
//!   `org.rust.version` field) whose lock the cleaner can take has no
//!   writer left, even if another process now has its pid (pid reuse, or a
//!   writer in another pid namespace).
//! - Python 0.8's writers hold no lock, so for their files the pid decides:
//!   no such process, or one of another user (as the original cleaned), is
//!   gone; a live process that started after the file's `sys.created` got
//!   the pid by reuse, so the file is stale too.
//!
//! Anything else is left alone with a message: a file that is not an
//! mmstats file, one without `sys.pid`, a symbolic link (never followed),
//! anything that is not a regular file. The file is opened once, without
//! following links, judged from that descriptor, and removed only if its
//! name still leads to that same file. Its directory is opened once
//! first, and the file opened, checked and removed relative to that
//! directory's descriptor: a directory on its path swapped for a link
//! meanwhile cannot lead the removal into another directory. Its lock is tested before anything
//! is read, so a live writer's file counts as alive however fast it
//! changes; what is read is read through a mapping of the descriptor, so
//! that a value caught while it is written is read again from the live
//! bytes rather than from a copy that stays torn.
//!
//! In the directories it cleans, it also removes the temporary files
//! (`.NAME.mmstats.PID.N.tmp`) of writers that died while creating their
//! stats files, once no process has that pid.
//!
//! It ends with a summary line, `Removed N  -  M alive`. When it finds
//! nothing to judge at all (no stats file, no leftover temporary file to
//! remove), it says `no stats files found in DIR` on stderr instead, with
//! exit status 1, as the other tools do when they find no file.
#![forbid(unsafe_code)]

pub mod process;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FlockOperation, Mode, OFlags, CWD};
use rustix::io::Errno;

use self::process::{liveness, start_time, Liveness};
use crate::escape::escape_controls;
use crate::escape::path_text;
use crate::files::{input_files, searched};
use crate::sys_field::SysField;
use mmstats::reader::{ReadError, StatsFile, ValueRef};

const AFTER_HELP: &str = "\
Without FILE arguments, cleans $MMSTATS_GLOB, or else *.mmstats in
$MMSTATS_PATH, or else *.mmstats in the temporary directory.

A file goes when its writer is gone: a file of this library whose writer's
lock is free, or a Python mmstats file whose sys.pid names no process, a
process of another user, or a process that started after the file was
created (the pid was reused). Files that are not mmstats files, that have
no sys.pid, and symbolic links are left alone. In the same directories,
the temporary files (.NAME.mmstats.PID.N.tmp) of writers that died while
creating their stats files go too.

Examples:
  cleanstats                        clean the default place
  cleanstats --dry-run              list what would go, remove nothing
  cleanstats /var/run/myapp         every *.mmstats file in a directory
  cleanstats -v /tmp/job-*.mmstats  also say why each kept file is alive

Prints what it removes and a summary line, `Removed N  -  M alive`. With
nothing found to judge (no stats file, no leftover temporary file) it
prints no summary but says so on stderr: no stats files found in DIR.

Exit status: 0 if every file was judged (and removed if stale); 1 if some
could not be, or if none was found; 2 for bad usage.";

/// The command line of `cleanstats`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "cleanstats",
    version,
    about = "Remove the mmstats files of processes that are gone",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Stats files to clean; a directory means the *.mmstats files in it,
    /// and a quoted glob pattern (`'/run/app/*.mmstats'`) the files it matches
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// List the files that would be removed, and remove nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Also list the files kept alive, and why
    #[arg(short, long)]
    pub verbose: bool,
}

/// What a file's fate is, and why.
#[derive(Debug)]
pub enum Verdict {
    /// Its writer is alive: kept.
    Alive(String),
    /// Its writer is gone: removed. The file, opened and locked, to check
    /// that its name still leads to it before removing it.
    Stale(String, Opened),
    /// Not a file cleanstats judges: left alone.
    Skipped(String),
}

/// A file opened for judging: its directory's descriptor, its name in
/// that directory, and the file itself. Checked and removed relative to
/// the directory's descriptor, never through the path again.
#[derive(Debug)]
pub struct Opened {
    dir: OwnedFd,
    name: OsString,
    file: File,
}

/// The flags every judged file is opened with: never through a link, and
/// not waiting on a FIFO or device.
const OPEN_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK)
    .union(OFlags::CLOEXEC);

/// Opens the directory of `path` (following links on the way, this once)
/// and, relative to it, the file itself without following a link.
fn open_in_dir(path: &Path) -> Result<Opened, Errno> {
    let name = path.file_name().ok_or(Errno::ISDIR)?.to_owned();
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let dir = rustix::fs::openat(CWD, parent, dir_flags, Mode::empty())?;
    let file = File::from(rustix::fs::openat(&dir, &name, OPEN_FLAGS, Mode::empty())?);
    Ok(Opened { dir, name, file })
}

/// Parses the command line `args` (program name first) and runs the tool;
/// returns the exit status.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("notes.mmstats"), "not stats")?;
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let status = mmstats_tools::cleanstats::main(
///     ["cleanstats".as_ref(), dir.path().as_os_str()],
///     &mut out,
///     &mut err,
/// );
/// assert_eq!(status, 0);
/// assert_eq!(String::from_utf8(out)?, "Removed 0  -  0 alive\n");
/// assert!(String::from_utf8(err)?.contains("not an mmstats file"));
/// assert!(dir.path().join("notes.mmstats").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn main<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    crate::parse_then_run::<Args, _, _>(args, out, err, run)
}

/// Runs the tool with parsed arguments; returns the exit status.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut failed = false;
    let (mut removed, mut alive) = (0usize, 0usize);
    // Output that cannot be written is not worth stopping the cleaning
    // for: the files are what matters, and the status still says so.
    let say = |stream: &mut dyn Write, line: String| {
        let _ = writeln!(stream, "{}", escape_controls(&line));
    };
    let files = input_files(&args.files, mmstats::default_glob);
    // Whether there was anything to clean: a stats file, or a leftover
    // temporary file to remove.
    let mut found = !files.is_empty();
    let dirs = directories(&args.files);
    for file in files {
        let path = match file {
            Ok(path) => path,
            // Left alone, as `judge` leaves a link named on the command line.
            Err(crate::files::FilesError::SymbolicLink(path)) => {
                let shown = path_text(&path);
                say(
                    err,
                    format!("cleanstats: {shown}: left alone: a symbolic link, not followed"),
                );
                continue;
            }
            Err(reason) => {
                failed = true;
                say(err, format!("cleanstats: {reason}"));
                continue;
            }
        };
        let shown = path_text(&path);
        // A file named on the command line that is not there is an error; one
        // found in a directory that went since is only gone.
        if args.files.contains(&path) {
            if let Err(e) = path.symlink_metadata() {
                failed = true;
                say(err, format!("cleanstats: {shown}: cannot open: {e}"));
                continue;
            }
        }
        let judged = match judge(&path) {
            Ok(judged) => judged,
            Err(reason) => {
                failed = true;
                say(err, format!("cleanstats: {shown}: {reason}"));
                continue;
            }
        };
        match judged {
            Verdict::Alive(why) => {
                alive += 1;
                if args.verbose {
                    say(out, format!("alive {shown}: {why}"));
                }
            }
            Verdict::Skipped(why) => say(err, format!("cleanstats: {shown}: left alone: {why}")),
            Verdict::Stale(why, _) if args.dry_run => {
                removed += 1;
                say(out, format!("would remove {shown}: {why}"));
            }
            Verdict::Stale(why, opened) => match remove_if_same(&opened) {
                Ok(true) => {
                    removed += 1;
                    say(out, format!("removed {shown}: {why}"));
                }
                Ok(false) => say(
                    err,
                    format!("cleanstats: {shown}: left alone: replaced while it was checked"),
                ),
                Err(e) => {
                    failed = true;
                    say(err, format!("cleanstats: {shown}: cannot remove: {e}"));
                }
            },
        }
    }
    for (path, pid) in dirs.iter().flat_map(|dir| leftovers(dir)) {
        let shown = path_text(&path);
        let why = format!("a temporary file of pid {pid}, which died creating its stats file");
        let removal = remove_leftover(&path, args.dry_run);
        found = found || !matches!(removal, Ok(false));
        match removal {
            Ok(true) if args.dry_run => {
                removed += 1;
                say(out, format!("would remove {shown}: {why}"));
            }
            Ok(true) => {
                removed += 1;
                say(out, format!("removed {shown}: {why}"));
            }
            Ok(false) => {}
            Err(e) => {
                failed = true;
                say(err, format!("cleanstats: {shown}: cannot remove: {e}"));
            }
        }
    }
    if !found {
        let place = searched(&args.files, mmstats::default_glob);
        say(err, format!("cleanstats: no stats files found in {place}"));
        return 1;
    }
    let verb = if args.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    say(out, format!("{verb} {removed}  -  {alive} alive"));
    let _ = out.flush();
    u8::from(failed)
}

/// The largest file judged: far more than any model needs.
const MAX_STATS_FILE: u64 = 64 << 20;

/// Judges the file at `path`: its verdict and, unless skipped, the file
/// opened (and, when stale, locked) for removal.
///
/// # Errors
///
/// Why it could not be judged: it could not be opened (other than for
/// being a link, a special file or gone), inspected, mapped or its lock tested.
pub fn judge(path: &Path) -> Result<Verdict, String> {
    let skipped = |why: &str| Ok(Verdict::Skipped(why.to_owned()));
    let opened = match open_in_dir(path) {
        Ok(opened) => opened,
        Err(Errno::LOOP) => return skipped("a symbolic link, not followed"),
        Err(Errno::NOENT) => return skipped("gone before it could be read"),
        // A socket, or a device without a driver: opening it says so.
        Err(Errno::NXIO | Errno::NODEV) => return skipped("not a regular file"),
        Err(e) => return Err(format!("cannot open: {}", io::Error::from(e))),
    };
    let file = &opened.file;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot inspect: {e}"))?;
    if !meta.is_file() {
        return skipped("not a regular file");
    }
    if meta.len() > MAX_STATS_FILE {
        return skipped("too large to be an mmstats file");
    }
    // Mapped, not copied: a read of a file that its writer is changing
    // retries on the live bytes, where a copy would stay torn.
    let mapped = file.try_clone().map_err(|e| format!("cannot map: {e}"))?;
    let stats = match StatsFile::from_file(mapped, path) {
        Ok(stats) => stats,
        Err(ReadError::Io { action, error, .. }) => {
            return Err(format!("cannot {action}: {error}"))
        }
        Err(e) => return Ok(Verdict::Skipped(crate::files::reason(&e))),
    };
    // The lock first: a writer of this crate holds it for as long as it
    // lives, so a file whose lock is held is alive, however fast its
    // writer changes it (a clean read may take long, or not come).
    match rustix::fs::flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(Errno::WOULDBLOCK) => return Ok(locked(&stats)),
        Err(e) => return Err(format!("cannot test its lock: {}", io::Error::from(e))),
    }
    // Nothing of this crate writes the file now; a writer of Python 0.8
    // may, without a lock (and without torn values to retry).
    let facts = match Facts::read(&stats) {
        Ok(facts) => facts,
        Err(why) => return Ok(Verdict::Skipped(why)),
    };
    let Some(pid) = facts.pid else {
        return skipped("no sys.pid field");
    };
    if facts.rust {
        let why = format!("its writer (pid {pid}) is gone: its lock is free");
        return Ok(Verdict::Stale(why, opened));
    }
    Ok(match judge_by_pid(pid, facts.created) {
        Ok(why) => Verdict::Stale(why, opened),
        Err(verdict) => verdict,
    })
}

/// The verdict on a file whose lock a writer holds: alive, its `sys.pid`
/// named if a read gets it, unless it has none.
fn locked(stats: &StatsFile) -> Verdict {
    match Facts::read(stats) {
        Ok(Facts { pid: None, .. }) => Verdict::Skipped("no sys.pid field".to_owned()),
        Ok(Facts { pid: Some(pid), .. }) => {
            Verdict::Alive(format!("its writer (pid {pid}) holds its lock"))
        }
        // Its writer kept changing a value: the lock says enough.
        Err(_) => Verdict::Alive("its writer holds its lock".to_owned()),
    }
}

/// How much later than a Python file's `sys.created` a process with its
/// pid must have started to be taken for another process. Both times are
/// wall-clock times, the start time derived from the boot time as the
/// clock says now: a clock stepped since (a VM setting its time after
/// boot) moves it, so only a clear difference counts.
const REUSE_MARGIN_SECS: f64 = 60.0;

/// Why a file without a writer's lock (Python 0.8's) is stale, from its
/// `sys.pid` and `sys.created`; else the verdict that keeps it.
fn judge_by_pid(pid: i64, created: Option<f64>) -> Result<String, Verdict> {
    match liveness(pid) {
        Err(e) => Err(Verdict::Skipped(format!("sys.pid {pid}: {e}"))),
        Ok(Liveness::Gone) => Ok(format!("pid {pid} not found")),
        Ok(Liveness::OtherUser) => Ok(format!("pid {pid} is alive but owned by another user")),
        Ok(Liveness::Alive) => {
            let started = u32::try_from(pid).ok().and_then(|pid| start_time(pid).ok());
            match (started, created) {
                // The file was created by its process, so after it started.
                (Some(started), Some(created)) if started > created + REUSE_MARGIN_SECS => Ok(format!(
                    "pid {pid} was reused: its process started at {started:.0}, after the file was created at {created:.0}"
                )),
                _ => Err(Verdict::Alive(format!("pid {pid} is alive"))),
            }
        }
    }
}

/// What a cleaner needs to know of a stats file.
#[derive(Debug)]
struct Facts {
    pid: Option<i64>,
    created: Option<f64>,
    /// Written by this crate, whose writers hold a lock.
    rust: bool,
}

impl Facts {
    /// Reads the facts from a stats file; why it cannot be read if it
    /// cannot.
    fn read(stats: &StatsFile) -> Result<Facts, String> {
        let mut pid = SysField::new("sys.pid");
        let mut created = SysField::new("sys.created");
        let mut rust = SysField::new("org.rust.version");
        let mut cursor = stats.cursor();
        while let Some(field) = cursor.next_field() {
            let field = match field {
                Ok(field) => field,
                // The fields before a broken one are still the file's.
                Err(_) if pid.is_found() => break,
                Err(e) => {
                    return Err(format!(
                        "not a readable mmstats file: {}",
                        crate::files::reason(&e)
                    ))
                }
            };
            let value = field.value;
            pid.offer(field.label, || match value {
                ValueRef::UInt(pid) => i64::try_from(pid).ok(),
                ValueRef::Int(pid) => Some(pid),
                _ => None,
            });
            created.offer(field.label, || value.as_f64());
            rust.offer(field.label, || Some(()));
        }
        Ok(Facts {
            pid: pid.value(),
            created: created.value(),
            rust: rust.is_found(),
        })
    }
}

/// Removes the opened file if its name in its directory still leads to
/// it; whether it did. Both the check and the removal are relative to the
/// directory's descriptor, so a directory on the path swapped since cannot
/// redirect them; a lock taken on the file is held until it is gone.
fn remove_if_same(opened: &Opened) -> io::Result<bool> {
    let own = opened.file.metadata()?;
    match rustix::fs::statat(&opened.dir, &opened.name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) if (stat.st_dev, stat.st_ino) == (own.dev(), own.ino()) => {
            rustix::fs::unlinkat(&opened.dir, &opened.name, AtFlags::empty())?;
            Ok(true)
        }
        Ok(_) | Err(Errno::NOENT) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The directories whose leftover temporary files are cleaned too: those
/// given as arguments or, without arguments, the default one. Files named
/// one by one leave their neighbours alone.
fn directories(args: &[PathBuf]) -> BTreeSet<PathBuf> {
    if args.is_empty() {
        let glob = mmstats::default_glob();
        let dir = Path::new(&glob).parent().filter(|dir| dir.is_dir());
        return dir.map(Path::to_owned).into_iter().collect();
    }
    args.iter().filter(|arg| arg.is_dir()).cloned().collect()
}

/// The temporary files in `dir` that writers left when they died while
/// creating their stats files (`.NAME.mmstats.PID.N.tmp`, see
/// `publish::create_temp`), with the dead writer's pid. A file whose
/// process lives may be one being created right now, and is kept.
fn leftovers(dir: &Path) -> Vec<(PathBuf, u32)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let pid = leftover_pid(name.to_str()?)?;
            let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
            let gone = matches!(liveness(i64::from(pid)), Ok(Liveness::Gone));
            (is_file && gone).then(|| (entry.path(), pid))
        })
        .collect()
}

/// The writer's pid in the name of a temporary file a writer makes while
/// creating its stats file: `.NAME.mmstats.PID.RANDOM.tmp`, RANDOM in
/// hexadecimal (earlier versions wrote a decimal counter there).
fn leftover_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, n) = rest.rsplit_once('.')?;
    let (target, pid) = rest.rsplit_once('.')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let hex = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit());
    // A writer keeps at most the first 200 bytes (whole characters) of a
    // long name, which may cut off its `.mmstats`.
    let kept_whole = target.ends_with(".mmstats") || target.len() > 196;
    if !hex(n) || !digits(pid) || !kept_whole {
        return None;
    }
    pid.parse().ok()
}

/// Removes a leftover temporary file (or, with `dry_run`, only checks
/// it), if it is still a regular file and no writer holds its lock: a
/// writer locks its temporary file as soon as it has made it, so a locked
/// one is being created right now, by a process this one may not see (in
/// another pid namespace). Whether it was (or would be) removed.
fn remove_leftover(path: &Path, dry_run: bool) -> io::Result<bool> {
    let opened = match open_in_dir(path) {
        Ok(opened) => opened,
        Err(Errno::NOENT | Errno::LOOP | Errno::NXIO | Errno::NODEV) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    if !opened.file.metadata()?.is_file() {
        return Ok(false);
    }
    match rustix::fs::flock(&opened.file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(Errno::WOULDBLOCK) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    if dry_run {
        return Ok(true);
    }
    remove_if_same(&opened)
}

#[cfg(test)]
mod tests {
    use mmstats::reader::testing::FileBuilder;
    use mmstats::reader::StatsFile;

    use super::{leftover_pid, open_in_dir, remove_if_same, Facts};

    #[test]
    fn removal_stays_in_the_directory_opened_though_its_path_now_leads_elsewhere() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("x.mmstats"), "judged").unwrap();
        std::fs::write(b.join("x.mmstats"), "victim").unwrap();
        let opened = open_in_dir(&a.join("x.mmstats")).unwrap();
        // The judged file, hard-linked into b too: a check of b/x.mmstats
        // by its path would find the same file there.
        std::fs::remove_file(b.join("x.mmstats")).unwrap();
        std::fs::hard_link(a.join("x.mmstats"), b.join("x.mmstats")).unwrap();
        let moved = root.path().join("a-moved");
        std::fs::rename(&a, &moved).unwrap();
        std::os::unix::fs::symlink(&b, &a).unwrap();
        assert!(remove_if_same(&opened).unwrap());
        assert!(!moved.join("x.mmstats").exists());
        assert!(b.join("x.mmstats").exists(), "removed through the link");
    }

    #[test]
    fn sys_fields_count_under_a_prefix_but_not_as_a_label_ending() {
        let mut file = FileBuilder::new();
        file.unbuffered("nosys.pid", "i", &5i32.to_ne_bytes());
        file.unbuffered("app.sys.pid", "i", &7i32.to_ne_bytes());
        file.unbuffered("app.sys.created", "d", &1.5f64.to_ne_bytes());
        file.unbuffered("sys.pid", "i", &9i32.to_ne_bytes());
        let facts = Facts::read(&StatsFile::from_bytes(file.finish(128)).unwrap()).unwrap();
        assert_eq!(
            (facts.pid, facts.created, facts.rust),
            (Some(9), Some(1.5), false)
        );
        let mut file = FileBuilder::new();
        file.unbuffered("nosys.pid", "i", &5i32.to_ne_bytes());
        file.unbuffered("app.org.rust.version", "4s", b"1.80");
        let facts = Facts::read(&StatsFile::from_bytes(file.finish(64)).unwrap()).unwrap();
        assert_eq!((facts.pid, facts.rust), (None, true));
    }

    #[test]
    fn leftover_names_are_those_of_writers_temporary_files() {
        assert_eq!(leftover_pid(".job-1-1.mmstats.4242.0.tmp"), Some(4242));
        assert_eq!(leftover_pid(".a.b.mmstats.7.12.tmp"), Some(7));
        assert_eq!(
            leftover_pid(".job-1-1-Stats.mmstats.4242.9f86d081884c7d65.tmp"),
            Some(4242)
        );
        for name in [
            ".job.mmstats.4242.9g.tmp",
            "job.mmstats.4242.0.tmp",
            ".job.mmstats.4242.0",
            ".job.txt.4242.0.tmp",
            ".job.mmstats.42x.0.tmp",
            ".job.mmstats..0.tmp",
            ".job.mmstats.4242.tmp",
            ".mmstats.99999999999.0.tmp",
        ] {
            assert_eq!(leftover_pid(name), None, "{name}");
        }
    }
}
