//! Glob patterns that come with a request (`?glob=` and `/files/<glob>`):
//! relative to the stats directory, and never reaching out of it.
//!
//! Python's mmash refused a pattern holding `..` and joined the rest to its
//! stats directory, so an absolute pattern replaced the directory. Here a
//! pattern is refused if it
//!
//! - is absolute (starts with `/`),
//! - holds `..` anywhere,
//! - has a path component that matches `..` as a pattern (`.?`, `.*`,
//!   `.[.]`: the glob crate lets a component that starts with a literal dot
//!   match the special entries `.` and `..`), or
//! - is not a valid pattern.
//!
//! And a file it matches is served only if the directory it is in,
//! symbolic links resolved, is the stats directory or below it (a link to
//! a directory elsewhere leads nowhere). Files that are links themselves
//! are read, as the served patterns read them.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};

/// Why a request's pattern is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GlobRejected {
    /// The pattern is an absolute path.
    #[error(
        "glob {0:?}: absolute patterns are not allowed, give one relative to the stats directory"
    )]
    Absolute(String),
    /// The pattern could lead to a parent directory.
    #[error("glob {0:?}: patterns may not lead out of the stats directory")]
    Parent(String),
    /// The pattern is malformed.
    #[error("glob {pattern:?}: bad glob pattern: {source}")]
    Bad {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        #[source]
        source: glob::PatternError,
    },
}

/// The full pattern for a request's `pattern`, relative to `stats_dir`
/// (whose name is escaped, so that its own `*` or `[` are literal).
///
/// ```
/// use std::path::Path;
/// use mmstats::tools::mmash::request_glob::resolve;
///
/// assert_eq!(resolve(Path::new("/run/st[1]"), "web-*.mmstats").unwrap(), "/run/st[[]1[]]/web-*.mmstats");
/// for bad in ["/etc/*", "../x", "a/../../x", "a..b", ".?/x", "a/.*", "[", ""] {
///     assert!(resolve(Path::new("/tmp"), bad).is_err(), "{bad}");
/// }
/// ```
///
/// # Errors
///
/// [`GlobRejected`] for an empty, absolute, climbing or malformed pattern.
pub fn resolve(stats_dir: &Path, pattern: &str) -> Result<String, GlobRejected> {
    if pattern.starts_with('/') {
        return Err(GlobRejected::Absolute(pattern.to_owned()));
    }
    let lenient = MatchOptions::new();
    let climbs = pattern.contains("..")
        || pattern.split('/').any(|component| {
            // What the glob crate's walk does: only a component that starts
            // with a literal dot is tried against `.` and `..`.
            component.starts_with('.')
                && Pattern::new(component).is_ok_and(|p| p.matches_with("..", lenient))
        });
    if climbs {
        return Err(GlobRejected::Parent(pattern.to_owned()));
    }
    if let Err(source) = Pattern::new(pattern) {
        return Err(GlobRejected::Bad {
            pattern: pattern.to_owned(),
            source,
        });
    }
    if pattern.is_empty() {
        // An empty pattern would name the directory itself.
        return Err(GlobRejected::Parent(pattern.to_owned()));
    }
    let dir = Pattern::escape(&stats_dir.to_string_lossy());
    Ok(format!("{}/{pattern}", dir.trim_end_matches('/')))
}

/// Tells whether a path found by a request's pattern lies in the stats
/// directory, symbolic links of directories resolved.
#[derive(Debug)]
pub struct Containment {
    /// The stats directory, resolved; `None` if it cannot be (it does not
    /// exist), and then nothing is in it.
    root: Option<PathBuf>,
}

impl Containment {
    /// Checks paths against `stats_dir`.
    pub fn new(stats_dir: &Path) -> Containment {
        Containment {
            root: std::fs::canonicalize(stats_dir).ok(),
        }
    }

    /// Whether the directory holding `path` is the stats directory or
    /// below it.
    pub fn holds(&self, path: &Path) -> bool {
        let Some(root) = &self.root else {
            return false;
        };
        path.parent()
            .and_then(|dir| std::fs::canonicalize(dir).ok())
            .is_some_and(|dir| dir.starts_with(root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_directories_elsewhere_lead_nowhere() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x.mmstats"), b"\x01").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/y.mmstats"), b"\x01").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("away")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("x.mmstats"),
            dir.path().join("link.mmstats"),
        )
        .unwrap();

        let inside = Containment::new(dir.path());
        assert!(inside.holds(&dir.path().join("sub/y.mmstats")));
        assert!(inside.holds(&dir.path().join("link.mmstats")));
        assert!(!inside.holds(&dir.path().join("away/x.mmstats")));
        assert!(
            !Containment::new(&dir.path().join("missing")).holds(&dir.path().join("sub/y.mmstats"))
        );
    }

    #[test]
    fn refusals_say_why() {
        let dir = Path::new("/tmp");
        assert!(matches!(
            resolve(dir, "/etc/*"),
            Err(GlobRejected::Absolute(_))
        ));
        assert!(matches!(
            resolve(dir, "x/.[.]/y"),
            Err(GlobRejected::Parent(_))
        ));
        assert!(matches!(
            resolve(dir, "[z-a"),
            Err(GlobRejected::Bad { .. })
        ));
        assert_eq!(resolve(Path::new("/tmp/"), "a/*").unwrap(), "/tmp/a/*");
        assert_eq!(resolve(Path::new("/"), "*").unwrap(), "/*");
        assert_eq!(resolve(dir, "*/[.]x*").unwrap(), "/tmp/*/[.]x*");
    }
}
