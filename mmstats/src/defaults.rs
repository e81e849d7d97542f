//! Where models put their files and where tools look for them, with the
//! environment overrides Python 0.8 honoured.
#![forbid(unsafe_code)]

use std::path::PathBuf;

/// Environment variable naming the directory for stats files.
///
/// ```
/// // MMSTATS_PATH=/dev/shm/myapp myapp
/// assert_eq!(mmstats::ENV_PATH, "MMSTATS_PATH");
/// if std::env::var_os(mmstats::ENV_PATH).is_none() {
///     assert_eq!(mmstats::default_path(), std::env::temp_dir());
/// }
/// ```
pub const ENV_PATH: &str = "MMSTATS_PATH";
/// Environment variable holding the default file name template, with the
/// placeholders of [`ModelOptions::filename`](crate::ModelOptions::filename)
/// (`{CMD}`, `{PID}`, `{TID}`, `{MODEL}`); the name it gives must end in
/// `.mmstats`. Unset or empty: [`FILENAME_TEMPLATE`].
///
/// ```
/// // MMSTATS_FILES='{CMD}-{PID}-{TID}-{MODEL}.mmstats' myapp
/// assert_eq!(mmstats::ENV_FILES, "MMSTATS_FILES");
/// ```
pub const ENV_FILES: &str = "MMSTATS_FILES";
/// Environment variable holding the glob the tools read by default.
///
/// ```
/// // MMSTATS_GLOB='/var/run/myapp/*.mmstats' slurpstats
/// assert_eq!(mmstats::ENV_GLOB, "MMSTATS_GLOB");
/// if std::env::var_os(mmstats::ENV_GLOB).is_none() {
///     assert!(mmstats::default_glob().ends_with("/*.mmstats"));
/// }
/// ```
pub const ENV_GLOB: &str = "MMSTATS_GLOB";

/// The file name template used when none is given: one file per program,
/// process, thread and model type (`{MODEL}` is the model struct's name),
/// so that two kinds of model on one thread have a file each.
///
/// ```
/// assert_eq!(mmstats::FILENAME_TEMPLATE, "{CMD}-{PID}-{TID}-{MODEL}.mmstats");
/// ```
pub const FILENAME_TEMPLATE: &str = "{CMD}-{PID}-{TID}-{MODEL}.mmstats";

/// The directory models write to: `$MMSTATS_PATH`, else the system's
/// temporary directory.
///
/// ```
/// let dir = mmstats::default_path();
/// assert!(!dir.as_os_str().is_empty());
/// ```
pub fn default_path() -> PathBuf {
    std::env::var_os(ENV_PATH)
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// The file name template models use: `$MMSTATS_FILES`, else
/// [`FILENAME_TEMPLATE`].
///
/// ```
/// if std::env::var_os(mmstats::ENV_FILES).is_none() {
///     assert_eq!(mmstats::default_filename(), mmstats::FILENAME_TEMPLATE);
/// }
/// ```
pub fn default_filename() -> String {
    std::env::var(ENV_FILES)
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| FILENAME_TEMPLATE.to_owned())
}

/// The glob the tools read when given no files: `$MMSTATS_GLOB`, else
/// `<default_path()>/*.mmstats`.
///
/// ```
/// assert!(mmstats::default_glob().ends_with(".mmstats") || std::env::var_os("MMSTATS_GLOB").is_some());
/// ```
pub fn default_glob() -> String {
    std::env::var(ENV_GLOB)
        .ok()
        .filter(|glob| !glob.is_empty())
        .unwrap_or_else(|| {
            let dir = escape_glob(&default_path().to_string_lossy());
            format!("{}/*.mmstats", dir.trim_end_matches('/'))
        })
}

/// `text` with the glob metacharacters `* ? [ ]` made literal.
fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '?' | '[' | ']' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_glob;

    #[test]
    fn glob_metacharacters_in_directories_are_literal() {
        assert_eq!(
            escape_glob("/tmp/stats[1]/a*b?"),
            "/tmp/stats[[]1[]]/a[*]b[?]"
        );
        assert_eq!(escape_glob("/plain/dir"), "/plain/dir");
    }
}
