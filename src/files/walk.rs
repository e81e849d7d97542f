//! Expanding a glob pattern into the paths it matches, walking the
//! directories with [`std::fs::read_dir`] and matching each name as the
//! system gives it, so that no name (one that is not UTF-8, say) can stop
//! the walk.
//!
//! What a wildcard finds is taken as the directory lists it: a symbolic
//! link found so is never followed, neither to a directory (walked into
//! only if real, so that links such as `l1 -> .` cannot make a pattern's
//! work grow with its depth) nor to a file (reported as
//! [`FilesError::SymbolicLink`] in place of the path). The components
//! without wildcards (`/var/run` in `/var/run/*.mmstats`) are the
//! pattern's author's choice, and followed. And one expansion looks at
//! [`MAX_PATHS`] paths at most.
#![forbid(unsafe_code)]

use std::ffi::{OsStr, OsString};
use std::fs::FileType;
use std::path::{Component, Path, PathBuf};

use super::name_pattern::NamePattern;
use super::{FilesError, MAX_PATHS};

/// One component of a [`PathPattern`].
#[derive(Clone, Debug)]
enum Step {
    /// A name without wildcards: the path exists or not, no listing needed.
    Literal(std::ffi::OsString),
    /// The names of a directory that match.
    Match(NamePattern),
    /// `**`: this directory and every one below it (links not followed).
    Recursive,
}

/// A pattern of whole paths: where to start, and one step per component.
#[derive(Clone, Debug)]
pub struct PathPattern {
    start: PathBuf,
    steps: Vec<Step>,
    /// The pattern ends with `/`: only directories match.
    dirs_only: bool,
    /// The pattern, to name in errors.
    text: PathBuf,
    /// The most paths one expansion looks at.
    limit: usize,
}

/// One expansion under way: what it found, and how many more paths it
/// may look at.
struct Walk {
    found: Vec<Result<PathBuf, FilesError>>,
    left: usize,
    stopped: bool,
}

impl PathPattern {
    /// Parses `pattern`, a glob pattern (`/run/app/*.mmstats`).
    ///
    /// # Errors
    ///
    /// [`FilesError::BadPattern`] if the glob crate refuses it.
    pub fn parse(pattern: &str) -> Result<PathPattern, FilesError> {
        if let Err(source) = glob::Pattern::new(pattern) {
            return Err(FilesError::BadPattern {
                pattern: pattern.to_owned(),
                source,
            });
        }
        let (start, rest) = match pattern.strip_prefix('/') {
            Some(rest) => (PathBuf::from("/"), rest),
            None => (PathBuf::new(), pattern),
        };
        let steps = rest
            .split('/')
            .filter(|component| !component.is_empty())
            .map(|component| {
                if component == "**" {
                    return Step::Recursive;
                }
                let name = NamePattern::new(OsStr::new(component));
                match name.literal() {
                    Some(literal) => Step::Literal(literal),
                    None => Step::Match(name),
                }
            })
            .collect();
        Ok(PathPattern {
            start,
            steps,
            dirs_only: pattern.len() > 1 && pattern.ends_with('/'),
            text: PathBuf::from(pattern),
            limit: MAX_PATHS,
        })
    }

    /// The files in directory `dir` whose names match `names`.
    pub fn in_dir(dir: &Path, names: &OsStr) -> PathPattern {
        PathPattern {
            start: dir.to_owned(),
            steps: vec![Step::Match(NamePattern::new(names))],
            dirs_only: false,
            text: dir.join(names),
            limit: MAX_PATHS,
        }
    }

    /// The same pattern, looking at `limit` paths at most.
    #[cfg(test)]
    fn with_limit(mut self, limit: usize) -> PathPattern {
        self.limit = limit;
        self
    }

    /// The directory every match lies in: the pattern's leading components
    /// without wildcards, its last one apart (empty for the current
    /// directory).
    ///
    /// ```
    /// use std::path::Path;
    /// use mmstats_tools::files::PathPattern;
    ///
    /// let root = |p| PathPattern::parse(p).unwrap().root();
    /// assert_eq!(root("/run/st[[]1[]]/*/x.mmstats"), Path::new("/run/st[1]"));
    /// assert_eq!(root("*.mmstats"), Path::new(""));
    /// assert_eq!(root("/run/app/x.mmstats"), Path::new("/run/app"));
    /// ```
    pub fn root(&self) -> PathBuf {
        let mut root = self.start.clone();
        let dirs = self.steps.len().saturating_sub(1);
        for step in &self.steps[..dirs] {
            match step {
                Step::Literal(name) => root.push(name),
                _ => break,
            }
        }
        root
    }

    /// The paths matching, sorted by name within each directory, and an
    /// error in place of the names of each directory that could not be
    /// listed. A path that does not exist matches nothing. A symbolic link
    /// found by a wildcard is an error in place of the path; past
    /// [`MAX_PATHS`] looked at, the expansion stops with an error.
    pub fn expand(&self) -> Vec<Result<PathBuf, FilesError>> {
        let mut walk = Walk {
            found: Vec::new(),
            left: self.limit,
            stopped: false,
        };
        self.walk(self.start.clone(), &self.steps, &mut walk);
        walk.found
    }

    /// Counts `n` paths looked at; false once past the bound (the error
    /// said once).
    fn look(&self, n: usize, walk: &mut Walk) -> bool {
        if walk.stopped {
            return false;
        }
        if n > walk.left {
            walk.stopped = true;
            walk.found.push(Err(FilesError::TooManyPaths {
                pattern: self.text.clone(),
                limit: self.limit,
            }));
            return false;
        }
        walk.left -= n;
        true
    }

    /// Whether the pattern has a wildcard: what it finds is then listed,
    /// not named.
    fn wild(&self) -> bool {
        self.steps
            .iter()
            .any(|step| !matches!(step, Step::Literal(_)))
    }

    fn walk(&self, path: PathBuf, steps: &[Step], walk: &mut Walk) {
        if !self.look(1, walk) {
            return;
        }
        let Some((step, rest)) = steps.split_first() else {
            let link = || path.symlink_metadata().is_ok_and(|m| m.is_symlink());
            if self.wild() && link() {
                walk.found.push(Err(FilesError::SymbolicLink(path)));
            } else if !self.dirs_only || is_dir(&path) {
                walk.found.push(Ok(path));
            }
            return;
        };
        match step {
            Step::Literal(name) => {
                let next = child(&path, name);
                let special = matches!(
                    Path::new(name).components().next(),
                    Some(Component::CurDir | Component::ParentDir)
                );
                let exists = if special {
                    is_dir(&path)
                } else {
                    next.symlink_metadata().is_ok()
                };
                if exists {
                    self.walk(next, rest, walk);
                }
            }
            Step::Match(pattern) => {
                if !is_dir(&path) {
                    return;
                }
                match self.list(&path, walk) {
                    Some(Ok(entries)) => {
                        for (name, kind) in entries.iter().filter(|(name, _)| pattern.matches(name))
                        {
                            // Only a real directory has anything below.
                            if rest.is_empty() || kind.is_dir() {
                                self.walk(child(&path, name), rest, walk);
                            }
                        }
                    }
                    Some(Err(error)) => walk.found.push(Err(error)),
                    None => {}
                }
            }
            Step::Recursive => {
                let rest = rest
                    .iter()
                    .position(|step| !matches!(step, Step::Recursive))
                    .map_or(&[][..], |at| &rest[at..]);
                if is_dir(&path) {
                    self.descend(path, rest, walk);
                }
            }
        }
    }

    /// `**` at the directory `path`: `rest` from here, then from every
    /// directory below, hidden ones and links to directories left out.
    fn descend(&self, path: PathBuf, rest: &[Step], walk: &mut Walk) {
        self.walk(path.clone(), rest, walk);
        match self.list(&path, walk) {
            Some(Ok(entries)) => {
                for (name, kind) in entries {
                    let hidden = name.as_encoded_bytes().starts_with(b".");
                    if !hidden && kind.is_dir() {
                        self.descend(child(&path, &name), rest, walk);
                    }
                }
            }
            Some(Err(error)) => walk.found.push(Err(error)),
            None => {}
        }
    }

    /// The entries of directory `path`, sorted by name, each with its own
    /// type (a link as a link); `None` past the bound.
    fn list(
        &self,
        path: &Path,
        walk: &mut Walk,
    ) -> Option<Result<Vec<(OsString, FileType)>, FilesError>> {
        let dir = dir_or_cwd(path);
        let error = |error| FilesError::ReadDir {
            dir: dir.to_owned(),
            error,
        };
        let mut entries = Vec::new();
        match std::fs::read_dir(dir) {
            Ok(read) => {
                for entry in read {
                    if !self.look(1, walk) {
                        return None;
                    }
                    match entry.and_then(|e| Ok((e.file_name(), e.file_type()?))) {
                        Ok(entry) => entries.push(entry),
                        Err(e) => return Some(Err(error(e))),
                    }
                }
            }
            Err(e) => return Some(Err(error(e))),
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Some(Ok(entries))
    }
}

/// `name` in the directory `path`; as the glob crate does, a name in the
/// current directory (`""` or `.`) is the name alone (`./*.mmstats`
/// gives `a.mmstats`).
fn child(path: &Path, name: &OsStr) -> PathBuf {
    if path.as_os_str().is_empty() || path == Path::new(".") {
        PathBuf::from(name)
    } else {
        path.join(name)
    }
}

/// Whether `path` (the current directory if empty) is a directory, links
/// followed.
fn is_dir(path: &Path) -> bool {
    dir_or_cwd(path).is_dir()
}

fn dir_or_cwd(path: &Path) -> &Path {
    if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn names(dir: &Path, pattern: &str) -> Vec<String> {
        let full = format!("{}/{pattern}", glob::Pattern::escape(dir.to_str().unwrap()));
        PathPattern::parse(&full)
            .unwrap()
            .expand()
            .into_iter()
            .map(|p| match p {
                Ok(p) => p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(),
                Err(e) => format!("! {e}").replace(&*dir.to_string_lossy(), "DIR"),
            })
            .collect()
    }

    #[test]
    fn walks_like_the_glob_crate() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [
            "a/x.mmstats",
            "a/b/y.mmstats",
            "c/.h/z.mmstats",
            "top.mmstats",
        ] {
            let path = d.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"\x01").unwrap();
        }
        std::fs::write(d.join(OsStr::from_bytes(b"caf\xe9.mmstats")), b"\x01").unwrap();
        std::fs::write(d.join(OsStr::from_bytes(b"\xff")), b"").unwrap();
        std::os::unix::fs::symlink(d.join("a"), d.join("link")).unwrap();

        assert_eq!(
            names(d, "*.mmstats"),
            ["caf\u{fffd}.mmstats", "top.mmstats"]
        );
        // A link to a directory that a wildcard finds is not walked into.
        assert_eq!(names(d, "*/*.mmstats"), ["a/x.mmstats"]);
        // Named, it is the pattern's author's choice.
        assert_eq!(names(d, "link/*.mmstats"), ["link/x.mmstats"]);
        assert_eq!(names(d, "a/x.mmstats"), ["a/x.mmstats"]);
        assert_eq!(names(d, "a/missing"), Vec::<String>::new());
        assert_eq!(names(d, "c/.h/*"), ["c/.h/z.mmstats"]);
        assert_eq!(names(d, "c/*/*"), Vec::<String>::new());
        assert_eq!(
            names(d, "**/*.mmstats"),
            [
                "caf\u{fffd}.mmstats",
                "top.mmstats",
                "a/x.mmstats",
                "a/b/y.mmstats"
            ]
        );
        assert_eq!(
            names(d, "*/"),
            ["a", "c", "! DIR/link: a symbolic link, not followed"]
        );
        assert_eq!(names(d, "top.mmstats/*"), Vec::<String>::new());
    }

    #[test]
    fn links_found_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.bin"), b"TOPS").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.mmstats"), b"\x01").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/b.mmstats"), b"\x01").unwrap();
        std::os::unix::fs::symlink(".", d.join("l1")).unwrap();
        std::os::unix::fs::symlink(".", d.join("l2")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.bin"), d.join("x.mmstats")).unwrap();

        // Two links to `.` made this pattern's work double per level.
        let started = std::time::Instant::now();
        let deep = format!("{}*.mmstats", "*/".repeat(17));
        assert_eq!(names(d, &deep), Vec::<String>::new());
        assert!(started.elapsed().as_secs() < 2, "{:?}", started.elapsed());

        let link = "! DIR/x.mmstats: a symbolic link, not followed";
        assert_eq!(
            names(d, "**/*.mmstats"),
            ["a.mmstats", link, "sub/b.mmstats"]
        );
        assert_eq!(names(d, "*.mmstats"), ["a.mmstats", link]);
        assert_eq!(names(d, "*/b.mmstats"), ["sub/b.mmstats"]);
        let listed: Vec<_> = PathPattern::in_dir(d, OsStr::new("*.mmstats"))
            .expand()
            .into_iter()
            .map(|p| p.map_err(|e| e.to_string()))
            .collect();
        assert_eq!(
            listed,
            [
                Ok(d.join("a.mmstats")),
                Err(format!(
                    "{}: a symbolic link, not followed",
                    d.join("x.mmstats").display()
                ))
            ]
        );
        // Named without a wildcard, a link is the user's choice.
        assert_eq!(names(d, "x.mmstats"), ["x.mmstats"]);
        assert_eq!(names(d, "l1/l2/a.mmstats"), ["l1/l2/a.mmstats"]);
    }

    #[test]
    fn an_expansion_past_the_bound_stops_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for i in 0..30 {
            std::fs::write(d.join(format!("{i:02}.mmstats")), b"\x01").unwrap();
        }
        let pattern = format!("{}/*.mmstats", d.display());
        let expand = |limit| {
            PathPattern::parse(&pattern)
                .unwrap()
                .with_limit(limit)
                .expand()
        };
        assert_eq!(expand(100).len(), 30);
        let stopped = expand(20);
        let (last, before) = stopped.split_last().unwrap();
        assert!(before.iter().all(Result::is_ok));
        assert!(matches!(
            last,
            Err(FilesError::TooManyPaths { limit: 20, .. })
        ));
        assert_eq!(
            last.as_ref().unwrap_err().to_string(),
            format!("{pattern}: pattern expansion stopped: more than 20 paths looked at")
        );
        assert!(matches!(
            &PathPattern::in_dir(d, OsStr::new("*"))
                .with_limit(5)
                .expand()[..],
            [Err(FilesError::TooManyPaths { .. })]
        ));
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_directories_are_errors() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read_dir(&locked).is_ok() {
            eprintln!("SKIP: running with permission to read any directory");
            return;
        }
        let found = PathPattern::in_dir(&locked, OsStr::new("*")).expand();
        assert!(matches!(&found[..], [Err(FilesError::ReadDir { .. })]));
    }
}
