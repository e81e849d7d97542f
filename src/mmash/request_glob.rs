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
//! - holds `**` (a recursive walk of the whole tree, for each request), or
//! - is not a valid pattern.
//!
//! A file it matches is then read only if it is a regular file in the
//! stats directory reached without a symbolic link (see `confined`): a
//! link to a directory or file elsewhere leads nowhere.
//!
//! When there is no stats directory (`--glob` given without `--path`, and
//! the served patterns do not share one directory free of wildcards),
//! every request pattern is refused; see [`stats_dir_of`].
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
    /// The pattern holds `**`.
    #[error("glob {0:?}: `**` is not allowed in request patterns")]
    Recursive(String),
    /// There is no stats directory for request patterns to apply to.
    #[error(
        "glob {0:?}: request patterns are refused because the served --glob \
         patterns are not all in one directory without wildcards; start mmash \
         with --path DIR to set the directory that request patterns apply to"
    )]
    NoStatsDir(String),
    /// The pattern is malformed.
    #[error("glob {pattern:?}: bad glob pattern: {error}")]
    Bad {
        /// The pattern.
        pattern: String,
        /// What is wrong with it, told in the message (not also as the
        /// error's source, so that a chain prints it once).
        error: glob::PatternError,
    },
}

/// The full pattern for a request's `pattern`, relative to `stats_dir`
/// (whose name is escaped, so that its own `*` or `[` are literal).
///
/// # Errors
///
/// [`GlobRejected`] for an empty, absolute, climbing, recursive or
/// malformed pattern.
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
    if pattern.contains("**") {
        return Err(GlobRejected::Recursive(pattern.to_owned()));
    }
    if let Err(error) = Pattern::new(pattern) {
        return Err(GlobRejected::Bad {
            pattern: pattern.to_owned(),
            error,
        });
    }
    if pattern.is_empty() {
        // An empty pattern would name the directory itself.
        return Err(GlobRejected::Parent(pattern.to_owned()));
    }
    let dir = Pattern::escape(&stats_dir.to_string_lossy());
    Ok(format!("{}/{pattern}", dir.trim_end_matches('/')))
}

/// The directory that request patterns apply to when `--path` is not
/// given: the one directory of the served `globs`, if their directory
/// parts are all the same and hold no wildcard (escaped metacharacters,
/// as in `[[]`, count as literal). `None` otherwise, and then request
/// patterns are refused.
pub fn stats_dir_of(globs: &[String]) -> Option<PathBuf> {
    let mut dirs = globs.iter().map(|glob| literal_dir(glob));
    let first = dirs.next()??;
    for dir in dirs {
        if dir? != first {
            return None;
        }
    }
    Some(first)
}

/// The directory part of `glob` (all before its last `/`), unescaped, if
/// it holds no wildcard.
fn literal_dir(glob: &str) -> Option<PathBuf> {
    let dir = match glob.rsplit_once('/') {
        None => return Some(PathBuf::from(".")),
        Some(("", _)) => return Some(PathBuf::from("/")),
        Some((dir, _)) => dir,
    };
    let mut out = String::with_capacity(dir.len());
    let mut chars = dir.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => return None,
            '[' => {
                // Only the escapes of one metacharacter, `[*]` and the
                // like, are literal.
                let escaped = chars.next().filter(|c| "*?[]".contains(*c))?;
                if chars.next() != Some(']') {
                    return None;
                }
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    Some(PathBuf::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolving() {
        assert_eq!(
            resolve(Path::new("/run/st[1]"), "web-*.mmstats").unwrap(),
            "/run/st[[]1[]]/web-*.mmstats"
        );
        for bad in [
            "/etc/*",
            "../x",
            "a/../../x",
            "a..b",
            ".?/x",
            "a/.*",
            "[",
            "",
            "**",
            "a/**/*",
        ] {
            assert!(resolve(Path::new("/tmp"), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_stats_dir_of_served_patterns() {
        let of =
            |globs: &[&str]| stats_dir_of(&globs.iter().map(|g| g.to_string()).collect::<Vec<_>>());
        assert_eq!(of(&["/tmp/served/*.mmstats"]), Some("/tmp/served".into()));
        assert_eq!(
            of(&["/run/st[[]1[]]/a-*.mmstats", "/run/st[[]1[]]/b-*"]),
            Some("/run/st[1]".into())
        );
        assert_eq!(of(&["/*.mmstats"]), Some("/".into()));
        assert_eq!(of(&["*.mmstats"]), Some(".".into()));
        for none in [
            &["/tmp/*/x.mmstats"][..],
            &["/tmp/a/*", "/tmp/b/*"],
            &["/tmp/[ab]/*"],
            &["/tmp/**/*.mmstats"],
            &[],
        ] {
            assert_eq!(of(none), None, "{none:?}");
        }
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
            resolve(dir, "a/**"),
            Err(GlobRejected::Recursive(_))
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
