//! The JSON API: Python mmash 0.8's `/stats/` and `/files/` endpoints, and
//! `/api/snapshot`, which the dashboard reads.
//!
//! Each function reads the files (blocking: call it off the async
//! threads) and returns the body of the answer.
//!
//! - `/stats/` gives `{"stats": [labels]}`: every label of every file,
//!   sorted, each once.
//! - `/stats/<prefix>` gives `{label: [values]}` for each label that starts
//!   with `prefix`, its value in each file that has it (in file order; a
//!   file with the label twice gives two values). With `?exact=1` only the
//!   label equal to `prefix` (Python 0.8 meant this but, by a slip, still
//!   matched the prefix too); `exact` counts as set unless it is empty,
//!   `0`, `false` or `no`. With `?glob=PATTERN`, the files matching
//!   `PATTERN` relative to the stats directory instead of the served ones
//!   (see [`request_glob`](super::request_glob); refused if `mmash` has no
//!   stats directory). With `?aggr=NAME`, each
//!   label's values made one (see [`aggregate`](super::aggregate)); an
//!   empty `aggr` means none. An unknown name is refused (Python ignored
//!   it). A label the aggregation does not apply to (a text for a numeric
//!   one, only zeros for `nonzero-*`) is left out of the answer, or, when
//!   asked for with `exact=1`, refused with the reason.
//! - `/files/` and `/files/<glob>` give `{"files": [paths]}`: the files
//!   that were read whole, in the order read (Python listed those that
//!   gave at least one field, in no order).
//! - `/api/snapshot` gives `{"files": [file], "errors": [{"file",
//!   "error"}]}`, each file in the shape of a `slurpstats --json` line
//!   with a `"kind"` (`counter`, `gauge`, `bool` or `text`, from
//!   [`FieldKind`]) after each field's `"type"`.
//!
//! Refusals are [`ApiError`]s: a status of 400 and a body of
//! `{"error": "..."}`. Non-finite floats are `null`, as in
//! `slurpstats --json`.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::aggregate::Aggregation;
use super::field_budget::{for_each_field, Bounded};
use super::source::{Source, Visitor};
use crate::escape::path_text;
use crate::json::{string_json, write_value_json, FileJson};
use mmstats::reader::FieldKind;
use mmstats::reader::{ReadError, Value};

/// A request the API refuses, with the HTTP status to answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The HTTP status code: 400 for a bad request.
    pub status: u16,
    /// What is wrong, for the `"error"` member of the body.
    pub message: String,
}

impl ApiError {
    /// A 400 Bad Request saying `message`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: 400,
            message: message.into(),
        }
    }
}

/// `{"error": message}`.
pub fn error_json(message: &str) -> Vec<u8> {
    format!("{{\"error\":{}}}", string_json(message)).into_bytes()
}

/// The name of a kind in `/api/snapshot`.
pub fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Counter => "counter",
        FieldKind::Bool => "bool",
        FieldKind::Text => "text",
        // A gauge, or a kind added later: shown as its current value.
        _ => "gauge",
    }
}

/// `/stats/`: `{"stats": [every label, sorted, once]}`.
pub fn labels(source: &Source) -> Vec<u8> {
    #[derive(Default)]
    struct Labels(BTreeSet<String>);

    impl Visitor for Labels {
        fn file(&mut self, _: &Path, file: &Bounded<'_>) -> Result<(), ReadError> {
            let mut labels = Vec::new();
            for_each_field(file, |field| labels.push(field.label.to_owned()))?;
            self.0.extend(labels);
            Ok(())
        }
    }

    let mut found = Labels::default();
    source.read(source.files(), &mut found);
    let mut out = b"{\"stats\":[".to_vec();
    for (i, label) in found.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(string_json(label).as_bytes());
    }
    out.extend_from_slice(b"]}");
    out
}

/// The query of `/stats/<prefix>`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValuesQuery {
    /// Only the label equal to the prefix.
    pub exact: bool,
    /// Read the files matching this pattern, relative to the stats
    /// directory, instead of the served ones (when not empty).
    pub glob: String,
    /// Make each label's values one.
    pub aggr: Option<Aggregation>,
}

impl ValuesQuery {
    /// The query from its decoded `name=value` pairs; other names are
    /// ignored, and of a name given twice the last counts.
    ///
    /// # Errors
    ///
    /// An unknown aggregation.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ValuesQuery, ApiError> {
        let mut query = ValuesQuery::default();
        for (name, value) in pairs {
            match name {
                "exact" => query.exact = !matches!(value, "" | "0" | "false" | "no"),
                "glob" => query.glob = value.to_owned(),
                "aggr" if value.is_empty() => query.aggr = None,
                "aggr" => {
                    query.aggr = Some(
                        value
                            .parse()
                            .map_err(|e| ApiError::bad_request(format!("{e}")))?,
                    )
                }
                _ => {}
            }
        }
        Ok(query)
    }
}

/// `/stats/<prefix>`: `{label: [values]}`, or `{label: value}` with an
/// aggregation; see the [module documentation](self).
///
/// # Errors
///
/// A 400 [`ApiError`] for a refused `glob` and for an aggregation that
/// does not apply to one of the labels.
pub fn values(source: &Source, prefix: &str, query: &ValuesQuery) -> Result<Vec<u8>, ApiError> {
    struct Values<'q> {
        prefix: &'q str,
        exact: bool,
        found: BTreeMap<String, Vec<Value>>,
    }

    impl Visitor for Values<'_> {
        fn file(&mut self, _: &Path, file: &Bounded<'_>) -> Result<(), ReadError> {
            let mut matched = Vec::new();
            for_each_field(file, |field| {
                let wanted = if self.exact {
                    field.label == self.prefix
                } else {
                    field.label.starts_with(self.prefix)
                };
                if wanted {
                    matched.push((field.label.to_owned(), field.value.to_value()));
                }
            })?;
            for (label, value) in matched {
                self.found.entry(label).or_default().push(value);
            }
            Ok(())
        }
    }

    let files = source
        .files_matching(&query.glob)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut values = Values {
        prefix,
        exact: query.exact,
        found: BTreeMap::new(),
    };
    source.read(files, &mut values);

    let mut out = vec![b'{'];
    let mut written = 0;
    for (label, values) in &values.found {
        let aggregated = match query.aggr {
            // Of a prefix, a label that cannot be aggregated (a text, or only
            // zeros for a nonzero aggregation: the `PREFIX.sys.cmd` of every
            // prefixed model, say) is left out; a label asked for exactly is
            // refused with the reason.
            Some(aggr) => match aggr.apply(label, values) {
                Ok(one) => Some(one),
                Err(_) if !query.exact => continue,
                Err(e) => return Err(ApiError::bad_request(e.to_string())),
            },
            None => None,
        };
        if written > 0 {
            out.push(b',');
        }
        written += 1;
        out.extend_from_slice(string_json(label).as_bytes());
        out.push(b':');
        match aggregated {
            Some(one) => one.write_json(&mut out),
            None => {
                out.push(b'[');
                for (j, value) in values.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    write_value_json(&mut out, value.into());
                }
                out.push(b']');
            }
        }
    }
    out.push(b'}');
    Ok(out)
}

/// `/files/` (an empty `glob`) and `/files/<glob>`: `{"files": [paths]}`.
///
/// # Errors
///
/// A 400 [`ApiError`] for a refused `glob`.
pub fn files(source: &Source, glob: &str) -> Result<Vec<u8>, ApiError> {
    #[derive(Default)]
    struct Files(Vec<String>);

    impl Visitor for Files {
        fn file(&mut self, path: &Path, file: &Bounded<'_>) -> Result<(), ReadError> {
            for_each_field(file, |_| {})?;
            self.0.push(path_text(path).into_owned());
            Ok(())
        }
    }

    let files = source
        .files_matching(glob)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut found = Files::default();
    source.read(files, &mut found);
    let mut out = b"{\"files\":[".to_vec();
    for (i, path) in found.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(string_json(path).as_bytes());
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// `/api/snapshot`: every field of every served file, with its kind, and
/// the files that could not be read.
pub fn snapshot(source: &Source) -> Vec<u8> {
    struct Snapshot {
        out: Vec<u8>,
        files: usize,
        errors: Vec<u8>,
    }

    impl Visitor for Snapshot {
        fn file(&mut self, path: &Path, file: &Bounded<'_>) -> Result<(), ReadError> {
            let mark = self.out.len();
            if self.files > 0 {
                self.out.push(b',');
            }
            let name = path_text(path);
            let mut json = FileJson::begin(&mut self.out, &name, file.version(), file.len());
            let read = for_each_field(file, |field| {
                json.field_with(field, &[("kind", kind_name(FieldKind::of(field)))]);
            });
            match read {
                Ok(()) => {
                    json.finish();
                    self.files += 1;
                    if file.dropped() > 0 {
                        let limits = file.limits();
                        self.failed(
                            &name,
                            &format!(
                                "{}: {} fields left out: an answer serves at most {} fields of \
                                 a file (--max-fields-per-file) and {} in all (--max-fields)",
                                name,
                                file.dropped(),
                                limits.per_file,
                                limits.per_answer
                            ),
                        );
                    }
                    Ok(())
                }
                Err(e) => {
                    drop(json);
                    self.out.truncate(mark);
                    Err(e)
                }
            }
        }

        fn failed(&mut self, file: &str, error: &str) {
            if !self.errors.is_empty() {
                self.errors.push(b',');
            }
            self.errors.extend_from_slice(b"{\"file\":");
            self.errors.extend_from_slice(string_json(file).as_bytes());
            self.errors.extend_from_slice(b",\"error\":");
            self.errors.extend_from_slice(string_json(error).as_bytes());
            self.errors.push(b'}');
        }
    }

    let mut snapshot = Snapshot {
        out: b"{\"files\":[".to_vec(),
        files: 0,
        errors: Vec::new(),
    };
    source.read(source.files(), &mut snapshot);
    let mut out = snapshot.out;
    out.extend_from_slice(b"],\"errors\":[");
    out.extend_from_slice(&snapshot.errors);
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_json() {
        assert_eq!(error_json("no \"x\""), br#"{"error":"no \"x\""}"#);
    }

    #[test]
    fn queries() {
        let query = ValuesQuery::from_pairs([("exact", "1"), ("aggr", "sum"), ("x", "y")]).unwrap();
        assert!(query.exact);
        assert_eq!(query.aggr, Some(Aggregation::Sum));
        assert!(!ValuesQuery::from_pairs([("exact", "0")]).unwrap().exact);
        assert!(ValuesQuery::from_pairs([("aggr", "median")]).is_err());
        assert_eq!(
            ValuesQuery::from_pairs([("aggr", "one"), ("aggr", "")])
                .unwrap()
                .aggr,
            None
        );
    }
}
