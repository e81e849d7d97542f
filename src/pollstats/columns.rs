//! Which fields are shown (the columns) and which files are polled (the
//! `-f` filters).
#![forbid(unsafe_code)]

use std::fmt::Write as _;

use mmstats::reader::{FieldKind, FieldRef};

/// One column: a field and what it is.
#[derive(Debug)]
pub(super) struct Column {
    /// The label, prefix included.
    pub(super) label: String,
    /// The header: the label without the prefix, escaped.
    pub(super) title: String,
    /// The kind of the field in the first polled file that has it.
    pub(super) kind: Option<FieldKind>,
}

/// A `-f` filter.
#[derive(Debug)]
pub(super) enum Filter {
    /// A label prefix.
    Label(String),
    /// A label and the text its value shows.
    Value { label: String, value: String },
}

impl Filter {
    pub(super) fn parse(text: &str) -> Filter {
        match text.split_once('=') {
            Some((label, value)) => Filter::Value {
                label: label.to_owned(),
                value: value.to_owned(),
            },
            None => Filter::Label(text.to_owned()),
        }
    }

    pub(super) fn matches(&self, field: &FieldRef<'_>, scratch: &mut String) -> bool {
        match self {
            Filter::Label(prefix) => field.label.starts_with(prefix.as_str()),
            Filter::Value { label, value } => {
                if field.label != label {
                    return false;
                }
                scratch.clear();
                let _ = write!(scratch, "{}", field.value);
                scratch == value
            }
        }
    }
}
