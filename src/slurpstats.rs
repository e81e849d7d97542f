//! `slurpstats`: print every field of stats files.
//!
//! The text output is the original Python tool's, byte for byte: for each
//! file `==> FILE`, then one line per field (two spaces, the label padded
//! to the longest label of the file, a space, the value as Python's `str()`
//! printed it), then a blank line. Control characters in labels and strings
//! are escaped. A file that cannot be read gets one line on stderr and the
//! others are still printed; the exit status is then 1, as it is when no
//! file is found at all (`no stats files found in DIR` on stderr). A closed
//! output pipe ends the tool quietly.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::escape::{escape_controls, path_text, push_escaped};
use crate::files::{describe, input_files, searched};
use crate::json::FileJson;
use mmstats::reader::{ReadError, StatsFile, ValueRef};

const AFTER_HELP: &str = "\
Without FILE arguments, reads $MMSTATS_GLOB, or else *.mmstats in
$MMSTATS_PATH, or else *.mmstats in the temporary directory.

Examples:
  slurpstats                             every stats file in the default place
  slurpstats /tmp/worker-*.mmstats       some files
  slurpstats /var/run/myapp              every *.mmstats file in a directory
  slurpstats -p sys. worker.mmstats      only the sys.* fields
  slurpstats -g '*.timer' worker.mmstats labels matching a glob pattern
  slurpstats --json | jq .fields         one JSON object per file and line

Exit status: 0 if every file was read; 1 if any could not be, or if none
was found (said on stderr: no stats files found in DIR); 2 for bad usage.";

/// The command line of `slurpstats`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "slurpstats",
    version,
    about = "Print every field of mmstats files",
    after_help = AFTER_HELP
)]
pub struct Args {
    /// Stats files to read; a directory means the *.mmstats files in it,
    /// and a quoted glob pattern (`'/run/app/*.mmstats'`) the files it matches
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Print one JSON object per file and line instead of text
    #[arg(long)]
    pub json: bool,

    /// Only print fields whose label starts with PREFIX
    #[arg(short, long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Only print fields whose label matches the glob PATTERN (like 'sys.*')
    #[arg(short = 'g', long, value_name = "PATTERN", value_parser = parse_pattern)]
    pub label_glob: Option<glob::Pattern>,
}

fn parse_pattern(text: &str) -> Result<glob::Pattern, glob::PatternError> {
    glob::Pattern::new(text)
}

impl Args {
    /// Whether a field with this label is printed.
    fn selects(&self, label: &str) -> bool {
        self.prefix.as_deref().is_none_or(|p| label.starts_with(p))
            && self.label_glob.as_ref().is_none_or(|g| g.matches(label))
    }
}

/// Parses the command line `args` (program name first) and runs the tool;
/// returns the exit status.
///
/// ```
/// let mut out = Vec::new();
/// let mut err = Vec::new();
/// let status = mmstats_tools::slurpstats::main(["slurpstats", "/nonexistent.mmstats"], &mut out, &mut err);
/// assert_eq!(status, 1);
/// assert!(out.is_empty());
/// assert!(String::from_utf8(err).unwrap().starts_with("slurpstats: /nonexistent.mmstats: cannot open: "));
/// ```
pub fn main<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    crate::parse_then_run::<Args, _, _>(args, out, err, run)
}

/// Runs the tool with parsed arguments, reading the environment for the
/// default glob; returns the exit status.
pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut failed = false;
    let mut page = Page::default();
    let files = input_files(&args.files, mmstats::default_glob);
    if files.is_empty() {
        let place = searched(&args.files, mmstats::default_glob);
        report(err, &format!("no stats files found in {place}"));
        return 1;
    }
    for file in files {
        let printed = match file {
            Ok(path) => match page.render(args, &path) {
                Ok(bytes) => out.write_all(bytes),
                Err(reason) => {
                    failed = true;
                    report(err, &reason);
                    Ok(())
                }
            },
            Err(reason) => {
                failed = true;
                report(err, &reason.to_string());
                Ok(())
            }
        };
        if let Err(e) = printed.and_then(|()| out.flush()) {
            return output_failed(e, failed, err);
        }
    }
    if let Err(e) = out.flush() {
        return output_failed(e, failed, err);
    }
    u8::from(failed)
}

fn report(err: &mut dyn Write, reason: &str) {
    // If stderr is gone there is nowhere left to report to.
    let _ = writeln!(err, "slurpstats: {}", escape_controls(reason));
}

/// The status after stdout failed: a closed pipe is a normal way for a
/// reader (`| head`) to stop; anything else is an error.
fn output_failed(e: io::Error, failed: bool, err: &mut dyn Write) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return u8::from(failed);
    }
    report(err, &format!("cannot write output: {e}"));
    1
}

/// What one file prints, built in buffers that are reused from file to
/// file (nothing is allocated per field), and written out only once the
/// whole file was read: a file that fails half-way prints nothing but its
/// error line.
#[derive(Debug, Default)]
struct Page {
    out: Vec<u8>,
    /// Text output: the escaped labels and values of the selected fields,
    /// back to back.
    cells: String,
    /// Text output: a row per selected field.
    rows: Vec<Row>,
}

/// Where a row's label and value end in [`Page::cells`].
#[derive(Debug)]
struct Row {
    label_end: usize,
    value_end: usize,
    /// The label's width in characters.
    width: usize,
}

impl Page {
    /// Reads `path` and renders it; the error names the file.
    fn render(&mut self, args: &Args, path: &Path) -> Result<&[u8], String> {
        self.out.clear();
        let stats = StatsFile::open(path).map_err(|e| describe(path, &e))?;
        let name = path_text(path);
        let failed = |e: ReadError| describe(path, &e);
        let mut cursor = stats.cursor();
        if args.json {
            let mut json = FileJson::begin(&mut self.out, &name, stats.version(), stats.len());
            while let Some(field) = cursor.next_field() {
                let field = field.map_err(failed)?;
                if args.selects(field.label) {
                    json.field(&field);
                }
            }
            json.finish();
            self.out.push(b'\n');
            return Ok(&self.out);
        }
        self.cells.clear();
        self.rows.clear();
        while let Some(field) = cursor.next_field() {
            let field = field.map_err(failed)?;
            if args.selects(field.label) {
                self.push_row(field.label, field.value);
            }
        }
        self.print_rows(&name);
        Ok(&self.out)
    }

    fn push_row(&mut self, label: &str, value: ValueRef<'_>) {
        let start = self.cells.len();
        push_escaped(&mut self.cells, label);
        let label_end = self.cells.len();
        let width = self.cells.get(start..).map_or(0, |l| l.chars().count());
        match value {
            ValueRef::Str(text) => push_escaped(&mut self.cells, text),
            // Numbers and bools print no control characters. Writing to a
            // String cannot fail.
            other => {
                let _ = write!(self.cells, "{other}");
            }
        }
        self.rows.push(Row {
            label_end,
            value_end: self.cells.len(),
            width,
        });
    }

    /// `==> FILE`, the rows with their labels padded to the widest (in
    /// characters, as Python's `%-Ns`), and a blank line.
    fn print_rows(&mut self, name: &str) {
        let out = &mut self.out;
        out.extend_from_slice(b"==> ");
        out.extend_from_slice(escape_controls(name).as_bytes());
        out.push(b'\n');
        let widest = self.rows.iter().map(|row| row.width).max().unwrap_or(0);
        let mut start = 0;
        for row in &self.rows {
            let label = self.cells.get(start..row.label_end).unwrap_or_default();
            let value = self
                .cells
                .get(row.label_end..row.value_end)
                .unwrap_or_default();
            out.extend_from_slice(b"  ");
            out.extend_from_slice(label.as_bytes());
            out.resize(out.len() + (widest - row.width) + 1, b' ');
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
            start = row.value_end;
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ClosedPipe;
    use mmstats::reader::testing::FileBuilder;

    fn run_in(args: &[&str]) -> (u8, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let status = main(
            std::iter::once("slurpstats").chain(args.iter().copied()),
            &mut out,
            &mut err,
        );
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn sample(dir: &Path) -> PathBuf {
        let mut file = FileBuilder::new();
        file.unbuffered("sys.pid", "I", &7u32.to_ne_bytes());
        file.unbuffered("évents", "Q", &12u64.to_ne_bytes());
        file.unbuffered("evil\x1b[2J", "6s", b"a\x1b]0;\x07");
        file.unbuffered("ratio", "d", &0.5f64.to_ne_bytes());
        let path = dir.join("s.mmstats");
        std::fs::write(&path, file.finish(4096)).unwrap();
        path
    }

    #[test]
    fn text_output_pads_by_characters_and_escapes_controls() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let p = path.to_str().unwrap();
        let (status, out, err) = run_in(&[p]);
        assert_eq!((status, err.as_str()), (0, ""));
        assert_eq!(
            out,
            format!(
                "==> {p}\n  sys.pid     7\n  évents      12\n  evil\\x1b[2J a\\x1b]0;\\x07\n  ratio       0.5\n\n"
            )
        );
    }

    #[test]
    fn filters_select_labels() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let p = path.to_str().unwrap();
        let (_, out, _) = run_in(&["-p", "sys.", p]);
        assert_eq!(out, format!("==> {p}\n  sys.pid 7\n\n"));
        let (_, out, _) = run_in(&["--label-glob", "*t*", p]);
        assert_eq!(out, format!("==> {p}\n  évents 12\n  ratio  0.5\n\n"));
        let (_, out, _) = run_in(&["-g", "*t*", "--prefix", "r", p]);
        assert_eq!(out, format!("==> {p}\n  ratio 0.5\n\n"));
        let (_, out, _) = run_in(&["-p", "nothing", p]);
        assert_eq!(out, format!("==> {p}\n\n"));
    }

    #[test]
    fn json_output_is_one_line_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let p = path.to_str().unwrap();
        let (status, out, _) = run_in(&["--json", "-p", "r", p, p]);
        assert_eq!(status, 0);
        assert_eq!(
            out,
            format!(
                "{{\"file\":{},\"version\":1,\"size\":4096,\"fields\":[{{\"label\":\"ratio\",\"type\":\"d\",\"write_buffer\":255,\"offset\":60,\"value\":0.5}}]}}\n",
                serde_json::Value::from(p)
            )
        );
    }

    #[test]
    fn failures_are_one_line_each_and_set_the_status() {
        let dir = tempfile::tempdir().unwrap();
        let good = sample(dir.path());
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello\n").unwrap();
        let missing = dir.path().join("missing.mmstats");
        let args = [
            missing.to_str().unwrap(),
            good.to_str().unwrap(),
            text.to_str().unwrap(),
        ];
        let (status, out, err) = run_in(&args);
        assert_eq!(status, 1);
        assert!(out.starts_with(&format!("==> {}\n", args[1])));
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].starts_with(&format!("slurpstats: {}: cannot open: ", args[0])));
        assert_eq!(
            lines[1],
            format!(
                "slurpstats: {}: not an mmstats file (bad version byte)",
                args[2]
            )
        );
    }

    #[test]
    fn a_broken_field_names_the_file_and_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = FileBuilder::new();
        file.unbuffered("a", "b", &[1]);
        file.unbuffered("b", "9999s", b"");
        let path = dir.path().join("bad.mmstats");
        std::fs::write(&path, file.finish(100)).unwrap();
        let (status, out, err) = run_in(&[path.to_str().unwrap()]);
        assert_eq!((status, out.as_str()), (1, ""));
        assert_eq!(
            err,
            format!(
                "slurpstats: {}: field at offset 9: value storage at offset 20 (1 x 9999 bytes) \
                 runs past the end of the file (100 bytes)\n",
                path.display()
            )
        );
    }

    /// A full disk.
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(28))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn closed_pipe_is_quiet_other_write_errors_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let p = sample(dir.path());
        let p = p.to_str().unwrap();
        let mut err = Vec::new();
        assert_eq!(main(["slurpstats", p, p], &mut ClosedPipe, &mut err), 0);
        assert!(err.is_empty());
        assert_eq!(main(["slurpstats", p], &mut Full, &mut err), 1);
        assert!(String::from_utf8(err)
            .unwrap()
            .starts_with("slurpstats: cannot write output: "));
    }

    #[test]
    fn usage_errors_and_help() {
        let (status, out, err) = run_in(&["--bogus"]);
        assert_eq!((status, out.as_str()), (2, ""));
        assert!(err.contains("--bogus"), "{err}");
        let (status, out, _) = run_in(&["--help"]);
        assert_eq!(status, 0);
        assert!(
            out.contains("Examples:") && out.contains("--label-glob <PATTERN>"),
            "{out}"
        );
        let (status, _, err) = run_in(&["-g", "[", "x"]);
        assert_eq!(status, 2);
        assert!(err.contains("PATTERN"), "{err}");
    }
}
