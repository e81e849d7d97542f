//! Laying out and rendering the rows: when a header is due, the column
//! widths for the terminal, a row over all files or a row per file.
#![forbid(unsafe_code)]

use std::io;

use mmstats::reader::FieldKind;

use super::args::Args;
use super::header;
use super::sample::Polled;
use super::shown::shown;
use super::table;
use super::watch::Poll;
use super::Output;

/// Lays out and renders the rows, in buffers reused from row to row.
#[derive(Debug)]
pub(super) struct Screen {
    output: Output,
    color: bool,
    per_file: bool,
    delta: bool,
    headers: u64,
    /// The column widths of the last header (the name column's first with
    /// `--per-file`).
    widths: Vec<usize>,
    name_width: usize,
    rows_since_header: Option<u64>,
    text: String,
    scratch: String,
}

impl Screen {
    pub(super) fn new(args: &Args, output: Output, color: bool) -> Screen {
        Screen {
            output,
            color,
            per_file: args.per_file,
            delta: args.delta,
            headers: args.headers,
            widths: Vec::new(),
            name_width: 0,
            rows_since_header: None,
            text: String::new(),
            scratch: String::new(),
        }
    }

    /// The rows of one read: a header if it is due or the layout changed,
    /// then the row (or a row per file).
    pub(super) fn render(&mut self, poll: &Poll<'_>, first: bool) -> &[u8] {
        self.text.clear();
        let files = poll.polled();
        let kinds: Vec<FieldKind> = poll
            .columns
            .iter()
            .map(|c| c.kind.unwrap_or(FieldKind::Gauge))
            .collect();
        let name_width = if self.per_file {
            let longest = files.iter().map(|f| f.name.chars().count()).max();
            (longest.unwrap_or(0) + 1).clamp(table::NAME_WIDTHS.0, table::NAME_WIDTHS.1)
        } else {
            0
        };
        let fixed = if self.per_file { name_width + 1 } else { 0 };
        let terminal = terminal_width(self.output);
        let mut widths = table::widths(&kinds, fixed, terminal);
        let titles: Vec<(&str, &str)> = poll
            .columns
            .iter()
            .zip(&kinds)
            .map(|(column, kind)| {
                let rate = *kind == FieldKind::Counter && !self.delta;
                (column.title.as_str(), if rate { "/s" } else { "" })
            })
            .collect();
        let headers = header::fit(&titles, &mut widths, terminal.is_none());
        let rows = if self.per_file { files.len() as u64 } else { 1 };
        let due = match self.rows_since_header {
            None => true,
            Some(n) => self.headers > 0 && n >= self.headers,
        };
        // A new layout needs a new header, but only if the new layout is
        // used by a row.
        let changed =
            rows > 0 && (widths != self.widths || (self.per_file && name_width != self.name_width));
        if rows > 0 && (due || changed) {
            self.widths = widths;
            self.name_width = name_width;
            self.push_header(&headers);
            self.rows_since_header = Some(0);
        }
        let rates = !self.delta;
        if self.per_file {
            for file in &files {
                table::push_name_cell(&mut self.text, &file.name, self.name_width);
                self.text.push('|');
                self.push_row(&kinds, std::slice::from_ref(file), first, rates);
            }
        } else {
            self.push_row(&kinds, &files, first, rates);
        }
        self.rows_since_header = self.rows_since_header.map(|n| n + rows);
        self.text.as_bytes()
    }

    /// The header line: the headers [fitted](header::fit) to the widths.
    fn push_header(&mut self, headers: &[String]) {
        if self.per_file {
            table::push_name_header(&mut self.text, self.name_width, self.color);
            self.text.push('|');
        }
        for (j, header) in headers.iter().enumerate() {
            if j > 0 {
                self.text.push('|');
            }
            let width = self.widths.get(j).copied().unwrap_or(table::NATURAL_WIDTH);
            table::push_header_cell(&mut self.text, header, width, self.color);
        }
        self.text.push('\n');
    }

    fn push_row(&mut self, kinds: &[FieldKind], files: &[&Polled], first: bool, rates: bool) {
        for (j, kind) in kinds.iter().enumerate() {
            if j > 0 {
                self.text.push('|');
            }
            let width = self.widths.get(j).copied().unwrap_or(table::NATURAL_WIDTH);
            let shown = shown(*kind, j, files, first, rates);
            table::push_value_cell(&mut self.text, shown, width, self.color, &mut self.scratch);
        }
        self.text.push('\n');
    }
}

/// The width of the terminal the rows go to, or `$COLUMNS`.
fn terminal_width(output: Output) -> Option<usize> {
    if output == Output::Terminal {
        if let Ok(size) = rustix::termios::tcgetwinsize(io::stdout()) {
            if size.ws_col > 0 {
                return Some(usize::from(size.ws_col));
            }
        }
    }
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&n: &usize| n > 0)
}
