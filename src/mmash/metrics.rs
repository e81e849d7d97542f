//! `/metrics`: every field of every served file in the Prometheus text
//! exposition format, version 0.0.4.
//!
//! # Names
//!
//! A field's metric is `mmstats_` followed by its label with every
//! character other than an ASCII letter, digit or `_` replaced by `_` (one
//! `_` per character, so `status.2XX` becomes `mmstats_status_2XX` and
//! `température.°C` `mmstats_temp_rature__C`). Colons, which Prometheus
//! allows in names, are replaced too: they are reserved for recording
//! rules. Then, by the field's [`FieldKind`]:
//!
//! | kind | metric | type | value |
//! |---|---|---|---|
//! | counter | `NAME_total` (`NAME` alone if it already ends in `_total`) | `counter` | the count |
//! | gauge | `NAME` | `gauge` | the number; NaN, `+Inf`, `-Inf` as Prometheus spells them |
//! | bool | `NAME` | `gauge` | 0 or 1 |
//! | text | `NAME_info` | `gauge` | 1, the string in a `value` label |
//!
//! Each metric has a `# HELP` line quoting the label it came from (of the
//! first file that has it) and a `# TYPE` line, once, before the samples of
//! every file, grouped by name.
//!
//! # Labels
//!
//! Every sample names its process and file:
//!
//! - `cmd`: the value of the file's text field labelled `sys.cmd` (the
//!   program's base name), or if it has none, of its first one labelled
//!   `PREFIX.sys.cmd` (as a prefixed model writes it). A file without
//!   either (Python 0.8's, a model without sys fields) or with an empty
//!   one gets the command from its name: without `.mmstats`, cut before
//!   the first `-`-separated part made of digits only, the `{PID}` of any
//!   `{CMD}-{PID}...` template (`userapp-28803-service.mmstats` gives
//!   `userapp`); the whole name if nothing would be left (see
//!   [`command_of`]);
//! - `pid`: the value of the file's integer field labelled `sys.pid`, or
//!   if it has none, of its first one labelled `PREFIX.sys.pid`; left out
//!   if it has neither;
//! - `file`: the file's path.
//!
//! Label values are escaped as the format asks: `\` as `\\`, `"` as `\"`
//! and a newline as `\n`.
//!
//! # Clashes
//!
//! Two labels of one file that become the same name (`a.b` and `a_b`) give
//! one sample: the first field's. A name that the files give different
//! types (a counter `x_total` and a gauge `x.total`) keeps the type it got
//! first; samples of the other type are left out. A field whose name would
//! be `mmstats_read_errors` or `mmstats_read_errors_total` is left out:
//! those names are the server's own.
//!
//! # The server's own
//!
//! `mmstats_read_errors_total` (a counter, no labels) counts the files
//! (and the directories searched for them) that `/metrics` could not read,
//! one for each such file in each answer of `/metrics`, since the server
//! started; the other endpoints do not count. Such files are left out of
//! the answer.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use super::field_budget::{for_each_field, Bounded};
use super::source::{Source, Visitor};
use crate::escape::{escape_controls, path_text};
use crate::sys_field::SysField;
use mmstats::reader::FieldKind;
use mmstats::reader::{ReadError, ValueRef};

/// The content type of the answer: the text format, version 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The prefix of every metric made of a field.
pub const PREFIX: &str = "mmstats_";

/// The counter of failed reads.
pub const READ_ERRORS: &str = "mmstats_read_errors_total";

/// The family of [`READ_ERRORS`], which no field may take either.
const READ_ERRORS_FAMILY: &str = "mmstats_read_errors";

/// The counter of fields left out of answers.
pub const DROPPED_FIELDS: &str = "mmstats_fields_dropped_total";

/// The family of [`DROPPED_FIELDS`], which no field may take either.
const DROPPED_FIELDS_FAMILY: &str = "mmstats_fields_dropped";

/// The `# HELP` of [`DROPPED_FIELDS`].
const DROPPED_FIELDS_HELP: &str = "Fields that /metrics left out since mmash started, past its \
    bounds on fields per file (--max-fields-per-file) and per answer (--max-fields)";

/// The `# HELP` of [`READ_ERRORS`].
const READ_ERRORS_HELP: &str = "Stats files (or directories searched for them) that /metrics \
    could not read since mmash started, one per file per scrape; other endpoints do not count";

/// A Prometheus metric type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MetricType {
    Counter,
    Gauge,
}

impl MetricType {
    fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
        }
    }
}

/// `mmstats_` and `label` with every character outside `[a-zA-Z0-9_]`
/// replaced by `_`.
pub fn metric_name(label: &str) -> String {
    let mut name = String::with_capacity(PREFIX.len() + label.len());
    name.push_str(PREFIX);
    name.extend(label.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    name
}

/// Appends `value` as a label value: `\`, `"` and newlines escaped.
pub fn push_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Appends a float as Prometheus reads it: `NaN`, `+Inf`, `-Inf`, or the
/// shortest decimal that reads back the same.
pub fn push_float(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        // Debug is the shortest round-trip form (`1e16`, `0.1`), which
        // Prometheus's float parser reads.
        let _ = write!(out, "{value:?}");
    }
}

/// The text of a `# HELP` line: only `\` and newlines may be escaped
/// there, so control characters are first made visible as `\xNN`.
fn help_text(label: &str, kind: &str) -> String {
    let mut text = String::new();
    text.push_str("mmstats field ");
    for c in escape_controls(label).chars() {
        if c == '\\' {
            text.push_str("\\\\");
        } else {
            text.push(c);
        }
    }
    text.push_str(" (");
    text.push_str(kind);
    text.push(')');
    text
}

/// The command of a file without a `sys.cmd` field, from its name: the
/// name without `.mmstats`, cut before its first `-`-separated part made
/// of digits only (the `{PID}` of a `{CMD}-{PID}...` template), or the
/// whole name if nothing would be left.
///
/// `userapp-28803-service.mmstats` (`{CMD}-{PID}-service.mmstats`),
/// `userapp-28803-28805.mmstats` (`{CMD}-{PID}-{TID}.mmstats`, Python 0.8's
/// default) and `userapp-28803-28805-Stats.mmstats`
/// (`{CMD}-{PID}-{TID}-{MODEL}.mmstats`, this library's) all give
/// `userapp`.
pub fn command_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| path_text(Path::new(n)))
        .unwrap_or_default();
    let stem = name.strip_suffix(".mmstats").unwrap_or(&name);
    let is_number = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mut end = 0;
    for part in stem.split('-') {
        if is_number(part) {
            break;
        }
        end += part.len() + 1;
    }
    match stem.get(..end.saturating_sub(1)) {
        Some(cmd) if !cmd.is_empty() => cmd.to_owned(),
        _ => stem.to_owned(),
    }
}

/// One metric: its type, help and samples, in the order written.
#[derive(Debug)]
struct Family {
    kind: MetricType,
    help: String,
    samples: String,
}

/// A field of the file being read, kept until the file's labels (its
/// `sys.pid`) are known.
struct Staged {
    name: String,
    kind: MetricType,
    /// The field's label and kind, for the family's help if it is new.
    label: String,
    kind_text: &'static str,
    /// The sample's value, and for a string the `value` label.
    value: String,
    info: Option<String>,
}

#[derive(Default)]
struct Exposition {
    families: BTreeMap<String, Family>,
    /// The files (and directories) that could not be read.
    failed: u64,
}

impl Visitor for Exposition {
    fn file(&mut self, path: &Path, file: &Bounded<'_>) -> Result<(), ReadError> {
        let mut staged: Vec<Staged> = Vec::new();
        let mut names = HashSet::new();
        let mut pid = SysField::new("sys.pid");
        let mut cmd = SysField::new("sys.cmd");
        for_each_field(file, |field| {
            let value = field.value;
            pid.offer(field.label, || match value {
                ValueRef::Int(_) | ValueRef::UInt(_) => Some(value.to_string()),
                _ => None,
            });
            cmd.offer(field.label, || match value {
                ValueRef::Str(text) if !text.is_empty() => Some(text.to_owned()),
                _ => None,
            });
            let base = metric_name(field.label);
            let kind = FieldKind::of(field);
            let (name, metric, kind_text) = match kind {
                FieldKind::Counter if base.ends_with("_total") => {
                    (base, MetricType::Counter, "counter")
                }
                FieldKind::Counter => (base + "_total", MetricType::Counter, "counter"),
                FieldKind::Text => (base + "_info", MetricType::Gauge, "text"),
                FieldKind::Bool => (base, MetricType::Gauge, "bool"),
                _ => (base, MetricType::Gauge, "gauge"),
            };
            let reserved = [
                READ_ERRORS,
                READ_ERRORS_FAMILY,
                DROPPED_FIELDS,
                DROPPED_FIELDS_FAMILY,
            ];
            if reserved.contains(&name.as_str()) || !names.insert(name.clone()) {
                return;
            }
            let mut value = String::new();
            let mut info = None;
            match field.value {
                ValueRef::Int(v) => {
                    let _ = write!(value, "{v}");
                }
                ValueRef::UInt(v) => {
                    let _ = write!(value, "{v}");
                }
                ValueRef::Float(v) => push_float(&mut value, v),
                ValueRef::Bool(v) => value.push(if v { '1' } else { '0' }),
                ValueRef::Str(s) => {
                    value.push('1');
                    info = Some(s.to_owned());
                }
            }
            staged.push(Staged {
                name,
                kind: metric,
                label: field.label.to_owned(),
                kind_text,
                value,
                info,
            });
        })?;

        let mut labels = String::from("cmd=\"");
        let cmd = cmd.value().unwrap_or_else(|| command_of(path));
        push_label_value(&mut labels, &cmd);
        if let Some(pid) = pid.value() {
            labels.push_str("\",pid=\"");
            labels.push_str(&pid);
        }
        labels.push_str("\",file=\"");
        push_label_value(&mut labels, &path_text(path));
        labels.push('"');

        for field in staged {
            let family = self
                .families
                .entry(field.name.clone())
                .or_insert_with(|| Family {
                    kind: field.kind,
                    help: help_text(&field.label, field.kind_text),
                    samples: String::new(),
                });
            if family.kind != field.kind {
                continue;
            }
            let out = &mut family.samples;
            out.push_str(&field.name);
            out.push('{');
            out.push_str(&labels);
            if let Some(text) = &field.info {
                out.push_str(",value=\"");
                push_label_value(out, text);
                out.push('"');
            }
            out.push_str("} ");
            out.push_str(&field.value);
            out.push('\n');
        }
        Ok(())
    }

    fn failed(&mut self, _: &str, _: &str) {
        self.failed += 1;
    }
}

/// `/metrics`: the text of every served file's fields, and of
/// [`READ_ERRORS`].
pub fn render(source: &Source) -> Vec<u8> {
    let mut exposition = Exposition::default();
    // Reserved first, so that no field's metric of another type takes it.
    exposition.families.insert(
        READ_ERRORS.to_owned(),
        Family {
            kind: MetricType::Counter,
            help: READ_ERRORS_HELP.to_owned(),
            samples: String::new(),
        },
    );
    exposition.families.insert(
        DROPPED_FIELDS.to_owned(),
        Family {
            kind: MetricType::Counter,
            help: DROPPED_FIELDS_HELP.to_owned(),
            samples: String::new(),
        },
    );
    let summary = source.read(source.files(), &mut exposition);
    let read_errors = source.add_metrics_read_errors(exposition.failed);
    if let Some(errors) = exposition.families.get_mut(READ_ERRORS) {
        let _ = writeln!(errors.samples, "{READ_ERRORS} {read_errors}");
    }
    let dropped = source.add_metrics_dropped_fields(summary.dropped_fields);
    if let Some(family) = exposition.families.get_mut(DROPPED_FIELDS) {
        let _ = writeln!(family.samples, "{DROPPED_FIELDS} {dropped}");
    }

    let mut out = String::new();
    for (name, family) in &exposition.families {
        if family.samples.is_empty() {
            continue;
        }
        let _ = writeln!(out, "# HELP {name} {}", family.help);
        let _ = writeln!(out, "# TYPE {name} {}", family.kind.as_str());
        out.push_str(&family.samples);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmstats::reader::testing::FileBuilder;

    #[test]
    fn names_values_and_commands() {
        assert_eq!(metric_name("status.2XX"), "mmstats_status_2XX");
        assert_eq!(metric_name("a:b c\n"), "mmstats_a_b_c_");
        assert_eq!(metric_name("température"), "mmstats_temp_rature");

        let mut out = String::new();
        push_label_value(&mut out, "a\\b\"c\nd");
        assert_eq!(out, r#"a\\b\"c\nd"#);

        let mut out = String::new();
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.1, 1e16, -0.0] {
            push_float(&mut out, x);
            out.push(' ');
        }
        assert_eq!(out, "NaN +Inf -Inf 0.1 1e16 -0.0 ");

        for (path, cmd) in [
            ("/tmp/update-emails-4242-4243.mmstats", "update-emails"),
            ("web-17.mmstats", "web"),
            ("/run/worker.mmstats", "worker"),
            ("job-12-34-56.mmstats", "job"),
            ("userapp-28803-service.mmstats", "userapp"),
            ("userapp-28803-28805-jobs.mmstats", "userapp"),
            ("user-app2-28803-x-1.mmstats", "user-app2"),
            ("a--1.mmstats", "a-"),
            ("-17.mmstats", "-17"),
            ("4242-4243.mmstats", "4242-4243"),
            ("plain", "plain"),
        ] {
            assert_eq!(command_of(Path::new(path)), cmd);
        }
    }

    #[test]
    fn sys_pid_itself_wins_over_prefixed_ones() {
        let mut a = FileBuilder::new();
        a.unbuffered("x", "B", &[1]);
        a.unbuffered("a.sys.pid", "I", &11u32.to_ne_bytes());
        a.unbuffered("b.sys.pid", "I", &12u32.to_ne_bytes());
        a.unbuffered("sys.pid", "I", &13u32.to_ne_bytes());
        let mut b = FileBuilder::new();
        b.unbuffered("x", "B", &[2]);
        b.unbuffered("nosys.pid", "I", &20u32.to_ne_bytes());
        b.unbuffered("a.sys.pid", "I", &21u32.to_ne_bytes());
        b.unbuffered("b.sys.pid", "I", &22u32.to_ne_bytes());
        let text = render_files(&[("a.mmstats", a.finish(4096)), ("b.mmstats", b.finish(4096))]);
        assert!(
            text.contains("mmstats_x{cmd=\"a\",pid=\"13\",file=\"DIR/a.mmstats\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("mmstats_x{cmd=\"b\",pid=\"21\",file=\"DIR/b.mmstats\"} 2\n"),
            "{text}"
        );
    }

    /// Appends a 256-byte static text field, as `sys.cmd` is written.
    fn static_text(file: &mut FileBuilder, label: &str, value: &str) {
        let mut bytes = value.as_bytes().to_vec();
        bytes.resize(256, 0);
        file.unbuffered(label, "256s", &bytes);
    }

    #[test]
    fn cmd_is_sys_cmd_else_the_name_before_its_pid() {
        // sys.cmd itself wins over a prefixed one, whatever the name.
        let mut a = FileBuilder::new();
        a.unbuffered("x", "B", &[1]);
        static_text(&mut a, "app.sys.cmd", "prefixed");
        static_text(&mut a, "sys.cmd", "userapp");
        // Only prefixed ones: the first.
        let mut b = FileBuilder::new();
        b.unbuffered("x", "B", &[2]);
        static_text(&mut b, "app.sys.cmd", "worker");
        static_text(&mut b, "other.sys.cmd", "other");
        // None (a Python 0.8 file; `nosys.cmd` is no sys field), or an
        // empty one: the name, cut before its first all-digit part.
        let mut c = FileBuilder::new();
        c.unbuffered("x", "B", &[3]);
        static_text(&mut c, "nosys.cmd", "no");
        let mut d = FileBuilder::new();
        d.unbuffered("x", "B", &[4]);
        static_text(&mut d, "sys.cmd", "");
        let text = render_files(&[
            ("a-1-2.mmstats", a.finish(4096)),
            ("renamed.mmstats", b.finish(4096)),
            ("userapp-28803-service.mmstats", c.finish(4096)),
            ("job-7-8-jobs.mmstats", d.finish(4096)),
        ]);
        for sample in [
            "mmstats_x{cmd=\"userapp\",file=\"DIR/a-1-2.mmstats\"} 1\n",
            "mmstats_x{cmd=\"worker\",file=\"DIR/renamed.mmstats\"} 2\n",
            "mmstats_x{cmd=\"userapp\",file=\"DIR/userapp-28803-service.mmstats\"} 3\n",
            "mmstats_x{cmd=\"job\",file=\"DIR/job-7-8-jobs.mmstats\"} 4\n",
        ] {
            assert!(text.contains(sample), "{sample}{text}");
        }
    }

    #[test]
    fn fields_may_not_take_the_read_errors_names() {
        let mut a = FileBuilder::new();
        a.raw(b"read.errors", b"Q", 255, &[5, 0, 0, 0, 0, 0, 0, 0]);
        a.raw(b"read_errors_total", b"Q", 255, &[6, 0, 0, 0, 0, 0, 0, 0]);
        a.unbuffered("read_errors", "B", &[7]);
        a.unbuffered("kept", "B", &[8]);
        let text = render_files(&[("a.mmstats", a.finish(4096))]);
        let help = format!("# HELP {READ_ERRORS} {READ_ERRORS_HELP}");
        let read_errors: Vec<&str> = text
            .lines()
            .filter(|line| line.contains("read_errors"))
            .collect();
        assert_eq!(
            read_errors,
            [
                help.as_str(),
                "# TYPE mmstats_read_errors_total counter",
                "mmstats_read_errors_total 0",
            ],
            "{text}"
        );
        assert!(text.contains("} 8\n"), "{text}");
    }

    #[test]
    fn read_errors_count_the_files_each_scrape_could_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.mmstats"), b"not mmstats").unwrap();
        let pattern = format!(
            "{}/*.mmstats",
            glob::Pattern::escape(dir.path().to_str().unwrap())
        );
        let source = Source::new(vec![pattern], None);
        let errors = |text: Vec<u8>| {
            String::from_utf8(text)
                .unwrap()
                .lines()
                .find_map(|line| {
                    line.strip_prefix("mmstats_read_errors_total ")?
                        .parse()
                        .ok()
                })
                .unwrap_or(u64::MAX)
        };
        assert_eq!(errors(render(&source)), 1);
        // Other endpoints do not count.
        let _ = super::super::api::snapshot(&source);
        let _ = super::super::api::labels(&source);
        assert_eq!(errors(render(&source)), 2);
    }

    fn render_files(files: &[(&str, Vec<u8>)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let pattern = format!(
            "{}/*.mmstats",
            glob::Pattern::escape(dir.path().to_str().unwrap())
        );
        let source = Source::new(vec![pattern], None);
        let text = String::from_utf8(render(&source)).unwrap();
        text.replace(dir.path().to_str().unwrap(), "DIR")
    }

    #[test]
    fn fields_become_samples_grouped_by_name() {
        let mut a = FileBuilder::new();
        a.raw(
            b"req.count",
            b"Q",
            1,
            &[7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        a.unbuffered("load", "d", &f64::NAN.to_ne_bytes());
        a.unbuffered("up", "?", &[1]);
        a.unbuffered("user", "8s", b"a\"b\\c\nd\0");
        a.unbuffered("app.sys.pid", "I", &4242u32.to_ne_bytes());
        a.unbuffered("load", "d", &1.0f64.to_ne_bytes());
        let mut b = FileBuilder::new();
        b.unbuffered("load", "d", &f64::NEG_INFINITY.to_ne_bytes());
        b.unbuffered("req_count_total", "=7xQ", &[0; 15]);
        let text = render_files(&[
            ("web-4242-4242.mmstats", a.finish(4096)),
            ("x\"y.mmstats", b.finish(4096)),
        ]);
        let want = "\
# HELP mmstats_app_sys_pid mmstats field app.sys.pid (gauge)
# TYPE mmstats_app_sys_pid gauge
mmstats_app_sys_pid{cmd=\"web\",pid=\"4242\",file=\"DIR/web-4242-4242.mmstats\"} 4242
# HELP mmstats_fields_dropped_total @DROPPED@
# TYPE mmstats_fields_dropped_total counter
mmstats_fields_dropped_total 0
# HELP mmstats_load mmstats field load (gauge)
# TYPE mmstats_load gauge
mmstats_load{cmd=\"web\",pid=\"4242\",file=\"DIR/web-4242-4242.mmstats\"} NaN
mmstats_load{cmd=\"x\\\"y\",file=\"DIR/x\\\"y.mmstats\"} -Inf
# HELP mmstats_read_errors_total @HELP@
# TYPE mmstats_read_errors_total counter
mmstats_read_errors_total 0
# HELP mmstats_req_count_total mmstats field req.count (counter)
# TYPE mmstats_req_count_total counter
mmstats_req_count_total{cmd=\"web\",pid=\"4242\",file=\"DIR/web-4242-4242.mmstats\"} 7
mmstats_req_count_total{cmd=\"x\\\"y\",file=\"DIR/x\\\"y.mmstats\"} 0
# HELP mmstats_up mmstats field up (bool)
"
        .replace("@HELP@", READ_ERRORS_HELP)
        .replace("@DROPPED@", DROPPED_FIELDS_HELP);
        assert!(text.starts_with(&want), "{text}");
        assert!(text.contains(
            "mmstats_up{cmd=\"web\",pid=\"4242\",file=\"DIR/web-4242-4242.mmstats\"} 1\n"
        ));
        assert!(text.contains(
            "# TYPE mmstats_user_info gauge\nmmstats_user_info{cmd=\"web\",pid=\"4242\",\
             file=\"DIR/web-4242-4242.mmstats\",value=\"a\\\"b\\\\c\\nd\"} 1\n"
        ));
    }

    #[test]
    fn clashes_keep_the_first_and_broken_files_are_counted() {
        let mut a = FileBuilder::new();
        a.unbuffered("a.b", "B", &[1]);
        a.unbuffered("a_b", "B", &[2]);
        a.raw(b"x.total", b"Q", 255, &[5, 0, 0, 0, 0, 0, 0, 0]);
        a.unbuffered("bad\\help\n\u{1b}", "B", &[3]);
        let mut b = FileBuilder::new();
        b.raw(b"x", b"Q", 0, &[0; 16]);
        let text = render_files(&[
            ("a.mmstats", a.finish(4096)),
            ("b.mmstats", b.finish(4096)),
            ("c.mmstats", b"not mmstats".to_vec()),
        ]);
        assert!(
            text.contains("mmstats_a_b{cmd=\"a\",file=\"DIR/a.mmstats\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("} 2\n"), "{text}");
        assert!(text.contains("# TYPE mmstats_x_total gauge\nmmstats_x_total{cmd=\"a\",file=\"DIR/a.mmstats\"} 5\n"), "{text}");
        assert!(
            text.contains(
                "# HELP mmstats_bad_help__ mmstats field bad\\\\help\\\\x0a\\\\x1b (gauge)\n"
            ),
            "{text}"
        );
        assert!(text.contains("mmstats_read_errors_total 1\n"), "{text}");
    }
}
