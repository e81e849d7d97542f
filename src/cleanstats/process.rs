//! Whether a process is alive, and when it started: the second signal by
//! which a cleaner tells a stale file of a writer that holds no lock
//! (Python 0.8's) from a live one.
#![forbid(unsafe_code)]

use std::fs;
use std::io;

use rustix::io::Errno;
use rustix::process::Pid;

/// What `kill(pid, 0)` says of a process id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// A process with this id exists and this user may signal it.
    Alive,
    /// A process with this id exists but belongs to another user.
    OtherUser,
    /// No process has this id.
    Gone,
}

/// Asks the kernel whether process `pid` exists, without signalling it.
///
/// # Errors
///
/// An id that is not a process id (0, negative, beyond `i32`) is
/// [`io::ErrorKind::InvalidInput`]; `kill(0)` would mean this process's
/// group, which a stats file must never make a cleaner ask about. Other
/// errors of `kill` are passed on.
pub fn liveness(pid: i64) -> io::Result<Liveness> {
    // Positive only: a negative pid would make kill(2) mean a process
    // group, or every process.
    let pid = i32::try_from(pid)
        .ok()
        .filter(|&pid| pid > 0)
        .and_then(Pid::from_raw)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a process id"))?;
    match rustix::process::test_kill_process(pid) {
        Ok(()) => Ok(Liveness::Alive),
        Err(Errno::PERM) => Ok(Liveness::OtherUser),
        Err(Errno::SRCH) => Ok(Liveness::Gone),
        Err(err) => Err(err.into()),
    }
}

/// When process `pid` started, in seconds since the Unix epoch, from
/// `/proc/<pid>/stat` (its start in clock ticks after boot) and the boot
/// time in `/proc/stat`. Good to a second: the boot time is whole seconds.
///
/// # Errors
///
/// The process is gone, `/proc` is not mounted, or its files do not read
/// as expected.
pub fn start_time(pid: u32) -> io::Result<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let boot = fs::read_to_string("/proc/stat")?;
    let ticks = start_ticks(&stat).ok_or_else(|| malformed("/proc/<pid>/stat"))?;
    let boot = boot_time(&boot).ok_or_else(|| malformed("/proc/stat"))?;
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    Ok(boot as f64 + ticks as f64 / per_second as f64)
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("unexpected {what}"))
}

/// Field 22 of `/proc/<pid>/stat`, the start time in clock ticks after
/// boot. The second field, the command name in parentheses, may itself
/// hold spaces and parentheses, so the fields are counted from the last
/// `)`.
fn start_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // After the command come field 3 (state) onwards: field 22 is the 20th.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The `btime` line of `/proc/stat`: the boot time in seconds since the
/// epoch.
fn boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_ticks_counts_from_the_last_parenthesis() {
        let stat = "4242 (a) b) (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    5 3 0 0 20 0 1 0 987654 1000000 200";
        assert_eq!(start_ticks(stat), Some(987_654));
        assert_eq!(start_ticks("4242 (short) S 1"), None);
        assert_eq!(start_ticks("no parenthesis"), None);
    }

    #[test]
    fn boot_time_reads_btime() {
        assert_eq!(
            boot_time("cpu 1 2 3\nbtime 1700000000\nprocesses 9\n"),
            Some(1_700_000_000)
        );
        assert_eq!(boot_time("cpu 1 2 3\n"), None);
    }

    #[test]
    fn this_process_is_alive_and_started_before_now() {
        let pid = std::process::id();
        assert_eq!(liveness(i64::from(pid)).unwrap(), Liveness::Alive);
        let started = start_time(pid).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            started <= now + 1.0 && started > now - 86_400.0 * 365.0,
            "{started} vs {now}"
        );
    }

    #[test]
    fn ids_that_are_no_process_ids_are_refused() {
        for pid in [0, -1, i64::from(i32::MAX) + 1, i64::MIN] {
            let err = liveness(pid).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{pid}");
        }
    }
}
