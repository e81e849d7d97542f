//! Expanding a glob pattern into the paths it matches, walking the
//! directories with [`std::fs::read_dir`] and matching each name as the
//! system gives it, so that no name (one that is not UTF-8, say) can stop
//! the walk.
#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use super::name_pattern::NamePattern;
use super::FilesError;

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
        })
    }

    /// The files in directory `dir` whose names match `names`.
    pub fn in_dir(dir: &Path, names: &OsStr) -> PathPattern {
        PathPattern {
            start: dir.to_owned(),
            steps: vec![Step::Match(NamePattern::new(names))],
            dirs_only: false,
        }
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
    /// listed. A path that does not exist matches nothing.
    pub fn expand(&self) -> Vec<Result<PathBuf, FilesError>> {
        let mut found = Vec::new();
        self.walk(self.start.clone(), &self.steps, &mut found);
        found
    }

    fn walk(&self, path: PathBuf, steps: &[Step], found: &mut Vec<Result<PathBuf, FilesError>>) {
        let Some((step, rest)) = steps.split_first() else {
            if !self.dirs_only || is_dir(&path) {
                found.push(Ok(path));
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
                    self.walk(next, rest, found);
                }
            }
            Step::Match(pattern) => {
                if !is_dir(&path) {
                    return;
                }
                match list(&path) {
                    Ok(names) => {
                        for name in names.iter().filter(|name| pattern.matches(name)) {
                            self.walk(child(&path, name), rest, found);
                        }
                    }
                    Err(error) => found.push(Err(error)),
                }
            }
            Step::Recursive => {
                let rest = rest
                    .iter()
                    .position(|step| !matches!(step, Step::Recursive))
                    .map_or(&[][..], |at| &rest[at..]);
                if is_dir(&path) {
                    self.descend(path, rest, found);
                }
            }
        }
    }

    /// `**` at the directory `path`: `rest` from here, then from every
    /// directory below, hidden ones and links to directories left out.
    fn descend(&self, path: PathBuf, rest: &[Step], found: &mut Vec<Result<PathBuf, FilesError>>) {
        self.walk(path.clone(), rest, found);
        match list(&path) {
            Ok(names) => {
                for name in names {
                    let below = child(&path, &name);
                    let hidden = name.as_encoded_bytes().starts_with(b".");
                    let real_dir = below.symlink_metadata().is_ok_and(|m| m.is_dir());
                    if !hidden && real_dir {
                        self.descend(below, rest, found);
                    }
                }
            }
            Err(error) => found.push(Err(error)),
        }
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

/// The names in directory `path`, sorted.
fn list(path: &Path) -> Result<Vec<std::ffi::OsString>, FilesError> {
    let read = |path: &Path| -> std::io::Result<Vec<_>> {
        std::fs::read_dir(dir_or_cwd(path))?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect()
    };
    let mut names = read(path).map_err(|error| FilesError::ReadDir {
        dir: dir_or_cwd(path).to_owned(),
        error,
    })?;
    names.sort();
    Ok(names)
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
            .map(|p| {
                let p = p.unwrap();
                p.strip_prefix(dir).unwrap().to_string_lossy().into_owned()
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
        assert_eq!(names(d, "*/*.mmstats"), ["a/x.mmstats", "link/x.mmstats"]);
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
        assert_eq!(names(d, "*/"), ["a", "c", "link"]);
        assert_eq!(names(d, "top.mmstats/*"), Vec::<String>::new());
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
