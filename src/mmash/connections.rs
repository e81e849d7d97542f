//! How many connections mmash keeps open and for how long.
//!
//! A stats server on a shared machine must stay reachable for its scraper
//! whatever other local clients do. So mmash
//!
//! - closes a connection that does not send a whole request header within
//!   the header timeout, counted from when the connection opens or the last
//!   answer was written: silent sockets, headers sent a byte at a time and
//!   idle keep-alive connections all go away;
//! - closes a connection whose client takes no byte of an answer for the
//!   write timeout, so that a client that stops reading frees its
//!   connection and the answer it holds;
//! - keeps at most a bounded number of connections open; a client beyond the
//!   bound waits in the listen queue until one closes, which the timeout
//!   above makes happen soon, and the first time the bound is reached a line
//!   on standard error says so;
//! - raises its soft limit on open files to the hard limit at start, and
//!   by default keeps the bound well below it, so that accepting never
//!   fails for want of descriptors and reading the stats files still has
//!   descriptors to spare.
#![forbid(unsafe_code)]

use std::time::Duration;

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// The most connections mmash keeps open by default, whatever the limit
/// on open files.
pub const MAX_DEFAULT_CONNECTIONS: usize = 1024;

/// Descriptors kept out of the default connection bound for everything
/// else: the listener, the runtime, standard streams, and the stats files
/// that requests read (each open only while it is mapped).
const RESERVED_DESCRIPTORS: u64 = 64;

/// The bounds one server keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long a connection may take to send a request header, counted
    /// from when it opens or from the end of the last answer.
    pub header_timeout: Duration,
    /// How long a write may wait for the client to take a byte before the
    /// connection is closed.
    pub write_timeout: Duration,
}

/// Raises the soft limit on open files to the hard limit; returns the soft
/// limit in force afterwards (`None`: unlimited). A failure to raise it
/// leaves the limit as it was.
pub fn raise_open_files_limit() -> Option<u64> {
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return limit.maximum;
        }
    }
    limit.current
}

/// The default bound on connections for a soft limit on open files of
/// `open_files` (`None`: unlimited): half of what is left after a reserve
/// for everything else, at least 1 and at most [`MAX_DEFAULT_CONNECTIONS`].
pub fn default_max_connections(open_files: Option<u64>) -> usize {
    match open_files {
        None => MAX_DEFAULT_CONNECTIONS,
        Some(limit) => {
            let half = limit.saturating_sub(RESERVED_DESCRIPTORS) / 2;
            usize::try_from(half)
                .unwrap_or(usize::MAX)
                .clamp(1, MAX_DEFAULT_CONNECTIONS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bound_leaves_room_for_files() {
        assert_eq!(default_max_connections(Some(256)), 96);
        assert_eq!(default_max_connections(Some(1024)), 480);
        assert_eq!(
            default_max_connections(Some(1 << 20)),
            MAX_DEFAULT_CONNECTIONS
        );
        assert_eq!(default_max_connections(None), MAX_DEFAULT_CONNECTIONS);
        // A limit below the reserve still serves one connection.
        assert_eq!(default_max_connections(Some(10)), 1);
    }

    #[test]
    fn raising_reaches_the_hard_limit() {
        let after = raise_open_files_limit();
        let now = getrlimit(Resource::Nofile);
        assert_eq!(now.current, after);
        assert_eq!(now.current, now.maximum);
    }
}
