//! Opening a listed file the way every `mmash` endpoint does: below one of
//! the served directories, without following any symbolic link on the
//! way, and only if it is a regular file.
//!
//! The served directories are those the patterns name before their first
//! wildcard (`/run/app` for `/run/app/*/x.mmstats`) and the stats
//! directory of request patterns; these may be (or lie under) links, as
//! their owner chose them. Below them, each directory is opened under the
//! descriptor of its parent with `O_NOFOLLOW`, and the file too, so a link
//! planted in a shared directory (`/tmp/x.mmstats` → `/etc/shadow`) is
//! refused without being opened, however it is swapped in, and nothing is
//! read from its target. Every link is refused, even one to a file within
//! the directory: telling the two apart would mean resolving the link.
#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::escape::path_text;

/// Why a listed file is not opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenRefused {
    /// The file, or a directory on the way to it, is a symbolic link.
    #[error("{}: refused: a symbolic link (mmash serves no links)", path_text(.0))]
    Link(PathBuf),
    /// The file is not a regular file (a directory, a FIFO, a device).
    #[error("{}: not a regular file", path_text(.0))]
    NotAFile(PathBuf),
    /// The file is not below any served directory.
    #[error("{}: refused: not in a served directory", path_text(.0))]
    Outside(PathBuf),
    /// The system refused to open the file or a directory on the way.
    #[error("{}: cannot open: {error}", path_text(.path))]
    Io {
        /// The file as listed.
        path: PathBuf,
        /// The system's error, whose message ends this one's.
        error: io::Error,
    },
}

/// Opens `path`, as listed, for reading if it is a regular file in one of
/// `roots` or below, reached without a symbolic link.
///
/// # Errors
///
/// [`OpenRefused`], naming `path`.
pub fn open(roots: &[PathBuf], path: &Path) -> Result<File, OpenRefused> {
    let refused = |make: fn(PathBuf) -> OpenRefused| make(path.to_owned());
    // The innermost root that holds the path.
    let Some((root, names)) = roots
        .iter()
        .filter_map(|root| Some((root, names_below(root, path)?)))
        .min_by_key(|(_, names)| names.len())
    else {
        return Err(refused(OpenRefused::Outside));
    };
    let Some((file_name, dirs)) = names.split_last() else {
        return Err(refused(OpenRefused::NotAFile));
    };
    let io_error = |error: io::Error| OpenRefused::Io {
        path: path.to_owned(),
        error,
    };
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let dir_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut dir =
        rustix::fs::open(root, dir_flags, Mode::empty()).map_err(|e| io_error(e.into()))?;
    for name in dirs {
        dir = rustix::fs::openat(&dir, *name, dir_flags | OFlags::NOFOLLOW, Mode::empty())
            .map_err(|e| refusal(&dir, name, path, e))?;
    }
    // Non-blocking, so that a FIFO is refused rather than waited on.
    let file_flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let file = rustix::fs::openat(&dir, *file_name, file_flags, Mode::empty())
        .map_err(|e| refusal(&dir, file_name, path, e))?;
    let stat = rustix::fs::fstat(&file).map_err(|e| io_error(e.into()))?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::RegularFile {
        return Err(refused(OpenRefused::NotAFile));
    }
    Ok(File::from(file))
}

/// The names of the directories and file that lead from `root` to
/// `path`, if `path` lies below it (`.` components aside) and does not
/// climb back with `..`.
fn names_below<'p>(root: &Path, path: &'p Path) -> Option<Vec<&'p OsStr>> {
    let mut root = root.components().filter(|c| *c != Component::CurDir);
    let mut path = path.components().filter(|c| *c != Component::CurDir);
    for part in root.by_ref() {
        if path.next() != Some(part) {
            return None;
        }
    }
    path.map(|part| match part {
        Component::Normal(name) => Some(name),
        _ => None,
    })
    .collect()
}

/// The error for `name` in `dir` that `openat` refused with `errno`: a
/// link if it is one (`ELOOP`, or `ENOTDIR` for a directory's).
fn refusal(
    dir: &rustix::fd::OwnedFd,
    name: &OsStr,
    path: &Path,
    errno: rustix::io::Errno,
) -> OpenRefused {
    let is_link = || {
        rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|stat| {
            rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Symlink
        })
    };
    if matches!(errno, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) && is_link() {
        return OpenRefused::Link(path.to_owned());
    }
    OpenRefused::Io {
        path: path.to_owned(),
        error: errno.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn only_regular_files_below_a_root_without_links() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, b"root:x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/a.mmstats"), b"\x01").unwrap();
        symlink(&secret, d.join("out.mmstats")).unwrap();
        symlink("sub/a.mmstats", d.join("near.mmstats")).unwrap();
        symlink(outside.path(), d.join("away")).unwrap();
        rustix::fs::mkfifoat(rustix::fs::CWD, d.join("fifo.mmstats"), Mode::RUSR).unwrap();
        let roots = [d.to_owned()];

        assert!(open(&roots, &d.join("sub/a.mmstats")).is_ok());
        for link in ["out.mmstats", "near.mmstats", "away/secret"] {
            let err = open(&roots, &d.join(link)).unwrap_err();
            assert!(matches!(err, OpenRefused::Link(_)), "{link}: {err}");
            assert!(err
                .to_string()
                .starts_with(&*d.join(link).to_string_lossy()));
        }
        for not_file in ["fifo.mmstats", "sub"] {
            let err = open(&roots, &d.join(not_file)).unwrap_err();
            assert!(matches!(err, OpenRefused::NotAFile(_)), "{not_file}: {err}");
        }
        assert!(matches!(
            open(&roots, &secret),
            Err(OpenRefused::Outside(_))
        ));
        assert!(matches!(
            open(&roots, &d.join("sub/../out.mmstats")),
            Err(OpenRefused::Outside(_))
        ));
        assert!(matches!(
            open(&roots, &d.join("gone.mmstats")),
            Err(OpenRefused::Io { .. })
        ));
        // The innermost root counts; a root may itself be reached by a link.
        let roots = [d.to_owned(), d.join("away")];
        assert!(open(&roots, &d.join("away/secret")).is_ok());
    }

    #[test]
    fn names_below_a_root() {
        let below = |root: &str, path: &str| {
            names_below(Path::new(root), Path::new(path)).map(|names| {
                names
                    .iter()
                    .map(|n| n.to_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("/")
            })
        };
        assert_eq!(below("/run/app", "/run/app/a/x"), Some("a/x".into()));
        assert_eq!(below(".", "x.mmstats"), Some("x.mmstats".into()));
        assert_eq!(below("", "./x.mmstats"), Some("x.mmstats".into()));
        assert_eq!(below("./st", "st/x"), Some("x".into()));
        assert_eq!(below("/run/app", "/run/apple/x"), None);
        assert_eq!(below("/run/app", "/run/app/../x"), None);
        assert_eq!(below("st", "/st/x"), None);
    }
}
