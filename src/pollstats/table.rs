//! The rows of `pollstats`: column widths, headers and cells, as the
//! original laid them out (20 characters a column, `|` between columns,
//! headers centred, numbers right-aligned in 19 characters and a space).
#![forbid(unsafe_code)]

use std::fmt::Write as _;

use mmstats::reader::FieldKind;

use crate::number::Number;

/// The width of a column, as in the original.
pub(super) const NATURAL_WIDTH: usize = 20;
/// The narrowest a column gets on a narrow terminal: room for `-1.2e+09`.
pub(super) const MIN_WIDTH: usize = 9;
/// The widest a text column gets on a wide terminal.
pub(super) const MAX_TEXT_WIDTH: usize = 64;
/// The narrowest and widest the file name column of `--per-file` gets.
pub(super) const NAME_WIDTHS: (usize, usize) = (5, 41);

const BOLD: &str = "\x1b[1m";
const YELLOW: &str = "\x1b[1;33m";
const RESET: &str = "\x1b[0m";

/// What one cell shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Shown<'a> {
    /// No file gave a value.
    Nothing,
    /// A number (a total, a change, a gauge).
    Num(Number),
    /// A change per second.
    Rate(f64),
    /// A bool, the same in every file.
    Bool(bool),
    /// Bools that differ between files: how many are true, of how many.
    Bools { on: usize, of: usize },
    /// A string (already escaped), the same in every file.
    Text(&'a str),
    /// Strings that differ between files: how many different ones.
    Texts(usize),
}

/// The widths of the value columns of the given kinds, given `fixed`
/// columns of the line taken by a file name column (its separator
/// included) and the terminal's width: the original's 20 characters, cut
/// down (to [`MIN_WIDTH`] at least) so that a row fits the terminal, the
/// room left over going to text columns (up to [`MAX_TEXT_WIDTH`]).
pub(super) fn widths(kinds: &[FieldKind], fixed: usize, terminal: Option<usize>) -> Vec<usize> {
    let n = kinds.len();
    let mut widths = vec![NATURAL_WIDTH; n];
    let Some(terminal) = terminal else {
        return widths;
    };
    // One column short of the terminal's width, so that a full row never
    // makes the terminal wrap; and the separators between columns.
    let room = terminal
        .saturating_sub(1)
        .saturating_sub(fixed)
        .saturating_sub(n.saturating_sub(1));
    if n * NATURAL_WIDTH > room {
        let width = (room / n.max(1)).max(MIN_WIDTH);
        widths.fill(width);
    } else {
        let texts = kinds.iter().filter(|k| **k == FieldKind::Text).count();
        if let Some(spare) = (room - n * NATURAL_WIDTH).checked_div(texts) {
            let extra = spare.min(MAX_TEXT_WIDTH - NATURAL_WIDTH);
            for (width, kind) in widths.iter_mut().zip(kinds) {
                if *kind == FieldKind::Text {
                    *width += extra;
                }
            }
        }
    }
    widths
}

/// Appends `text` centred in `width` characters as Python's
/// `text[:width].center(width)` does, bold when `color`.
pub(super) fn push_header_cell(line: &mut String, text: &str, width: usize, color: bool) {
    let len = text.chars().count().min(width);
    let margin = width - len;
    // CPython's str.center: the odd space goes left only for odd widths
    // and odd margins.
    let left = margin / 2 + (margin & width & 1);
    if color {
        line.push_str(BOLD);
    }
    push_spaces(line, left);
    line.extend(text.chars().take(len));
    push_spaces(line, margin - left);
    if color {
        line.push_str(RESET);
    }
}

/// Appends the header of a file name column: `file`, left-aligned.
pub(super) fn push_name_header(line: &mut String, width: usize, color: bool) {
    if color {
        line.push_str(BOLD);
    }
    push_left(line, "file", width);
    if color {
        line.push_str(RESET);
    }
}

/// Appends a file name (already escaped) left-aligned in `width`
/// characters, its start cut off (`…`) if it is too long, then a space.
pub(super) fn push_name_cell(line: &mut String, name: &str, width: usize) {
    let room = width.saturating_sub(1);
    let len = name.chars().count();
    if len > room {
        line.push('…');
        line.extend(name.chars().skip(len + 1 - room.max(1)));
        line.push(' ');
    } else {
        push_left(line, name, width);
    }
}

/// Appends one value cell of `width` characters: numbers right-aligned in
/// `width - 1` and a space, as the original's `"%19d "`, text
/// left-aligned between two spaces; a value that does not fit is shortened (fewer
/// digits, or text cut with `…`). Yellow when `color`, as the original.
pub(super) fn push_value_cell(
    line: &mut String,
    shown: Shown<'_>,
    width: usize,
    color: bool,
    scratch: &mut String,
) {
    let room = width.saturating_sub(1);
    scratch.clear();
    let text = match shown {
        Shown::Text(text) => {
            // A space each side, so that a cut text keeps off the `|`.
            let room = width.saturating_sub(2);
            line.push(' ');
            if color {
                line.push_str(YELLOW);
            }
            let len = text.chars().count();
            if len > room {
                line.extend(text.chars().take(room.saturating_sub(1)));
                line.push('…');
            } else {
                push_left(line, text, room);
            }
            if color {
                line.push_str(RESET);
            }
            line.push(' ');
            return;
        }
        Shown::Nothing => "-",
        Shown::Num(Number::Int(v)) => {
            let _ = write!(scratch, "{v}");
            if scratch.len() > room {
                scratch.clear();
                push_scientific_fit(scratch, v as f64, room);
            }
            scratch
        }
        Shown::Num(Number::Float(v)) => {
            push_float(scratch, v, room);
            scratch
        }
        Shown::Rate(v) => {
            push_rate(scratch, v, room);
            scratch
        }
        Shown::Bool(true) => "True",
        Shown::Bool(false) => "False",
        Shown::Bools { on, of } => {
            let _ = write!(scratch, "{on}/{of} True");
            scratch
        }
        Shown::Texts(n) => {
            let _ = write!(scratch, "({n} values)");
            scratch
        }
    };
    if color {
        line.push_str(YELLOW);
    }
    push_right(line, text, room);
    if color {
        line.push_str(RESET);
    }
    line.push(' ');
}

/// A change per second: one decimal, fewer digits if it does not fit in
/// `room` characters.
pub(super) fn push_rate(out: &mut String, v: f64, room: usize) {
    let start = out.len();
    let _ = write!(out, "{v:.1}");
    if out.len() - start > room {
        out.truncate(start);
        let _ = write!(out, "{v:.0}");
        if out.len() - start > room {
            out.truncate(start);
            push_scientific_fit(out, v, room);
        }
    }
}

/// A float as a person reads it: integers without decimals, others to six
/// significant digits (trailing zeros dropped), very small or large ones
/// in scientific notation (`3.21e-06`); fewer digits if it does not fit in
/// `room` characters. Python's spellings of the special values.
pub(super) fn push_float(out: &mut String, v: f64, room: usize) {
    let start = out.len();
    if v.is_nan() {
        out.push_str("nan");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v < 0.0 { "-inf" } else { "inf" });
        return;
    }
    if v == 0.0 || (v.fract() == 0.0 && v.abs() < 1e15) {
        let _ = write!(out, "{v:.0}");
    } else {
        let magnitude = v.abs().log10().floor();
        if (-4.0..15.0).contains(&magnitude) {
            // Six significant digits, or none after the point for numbers
            // of six digits and more.
            let decimals = (5.0 - magnitude).max(0.0) as usize;
            let _ = write!(out, "{v:.decimals$}");
            trim_fraction(out, start);
        } else {
            push_scientific(out, v, 5);
        }
    }
    if out.len() - start > room {
        out.truncate(start);
        push_scientific_fit(out, v, room);
    }
}

/// Drops the trailing zeros of the fraction of the number that starts at
/// `start`, and the point if nothing is left after it.
fn trim_fraction(out: &mut String, start: usize) {
    if out.get(start..).is_some_and(|n| n.contains('.')) {
        let kept = out.trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(kept);
    }
}

/// `v` in scientific notation with the most digits (up to 5 after the
/// point) that fit in `room` characters, or 0 digits if none fit.
fn push_scientific_fit(out: &mut String, v: f64, room: usize) {
    let start = out.len();
    for digits in (0..=5).rev() {
        out.truncate(start);
        push_scientific(out, v, digits);
        if out.len() - start <= room {
            return;
        }
    }
}

/// `v` in scientific notation as Python's `%g` spells it (`1.5e+09`,
/// `3.21e-06`), with at most `digits` digits after the point, trailing
/// zeros dropped.
fn push_scientific(out: &mut String, v: f64, digits: usize) {
    let mut text = String::new();
    let _ = write!(text, "{v:.digits$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let start = out.len();
    out.push_str(mantissa);
    trim_fraction(out, start);
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    let _ = write!(out, "e{sign}{:02}", exponent.unsigned_abs());
}

fn push_spaces(line: &mut String, n: usize) {
    line.extend(std::iter::repeat_n(' ', n));
}

/// `text` left-aligned in `width` characters.
fn push_left(line: &mut String, text: &str, width: usize) {
    line.push_str(text);
    push_spaces(line, width.saturating_sub(text.chars().count()));
}

/// `text` right-aligned in `width` characters.
fn push_right(line: &mut String, text: &str, width: usize) {
    push_spaces(line, width.saturating_sub(text.chars().count()));
    line.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(v: f64, room: usize) -> String {
        let mut out = String::new();
        push_float(&mut out, v, room);
        out
    }

    fn rate(v: f64, room: usize) -> String {
        let mut out = String::new();
        push_rate(&mut out, v, room);
        out
    }

    fn cell(shown: Shown<'_>, width: usize) -> String {
        let mut line = String::new();
        push_value_cell(&mut line, shown, width, false, &mut String::new());
        line
    }

    fn header(text: &str, width: usize) -> String {
        let mut line = String::new();
        push_header_cell(&mut line, text, width, false);
        line
    }

    #[test]
    fn floats_read_like_a_person_writes_them() {
        assert_eq!(float(1.625, 19), "1.625");
        assert_eq!(float(0.35249999999999915, 19), "0.3525");
        assert_eq!(float(5.666666666666667, 19), "5.66667");
        assert_eq!(float(-1.0 / 3.0, 19), "-0.333333");
        assert_eq!(float(0.000321, 19), "0.000321");
        assert_eq!(float(3.21e-6, 19), "3.21e-06");
        assert_eq!(float(12345.678, 19), "12345.7");
        assert_eq!(float(1795455883.031542, 19), "1795455883");
        assert_eq!(float(3.0, 19), "3");
        assert_eq!(float(0.0, 19), "0");
        assert_eq!(float(-0.0, 19), "-0");
        assert_eq!(float(1e300, 19), "1e+300");
        assert_eq!(float(f64::NAN, 19), "nan");
        assert_eq!(float(f64::NEG_INFINITY, 19), "-inf");
        // Too long for the room: fewer digits.
        assert_eq!(float(1795455883.031542, 8), "1.8e+09");
        assert_eq!(float(-1.0 / 3.0, 7), "-3e-01");
        assert_eq!(float(-1.0 / 3.0, 8), "-3.3e-01");
    }

    #[test]
    fn rates_have_one_decimal() {
        assert_eq!(rate(1002.44, 19), "1002.4");
        assert_eq!(rate(0.0, 19), "0.0");
        assert_eq!(rate(-3.25, 19), "-3.2");
        assert_eq!(rate(123456.7, 7), "123457");
        assert_eq!(rate(123456789.0, 7), "1.2e+08");
        assert_eq!(rate(123456789.0, 5), "1e+08");
    }

    #[test]
    fn headers_centre_as_python_does() {
        // Python 2: 'done'.center(20), 'missing_email'.center(20), ...
        assert_eq!(header("done", 20), "        done        ");
        assert_eq!(header("missing_email", 20), "   missing_email    ");
        assert_eq!(header("abc", 9), "   abc   ");
        assert_eq!(header("ab", 9), "    ab   ");
        assert_eq!(header("abcd", 9), "   abcd  ");
        assert_eq!(
            header("a_very_long_label_indeed", 20),
            "a_very_long_label_in"
        );
        assert_eq!(header("ε.°C", 6), " ε.°C ");
    }

    #[test]
    fn cells_are_python_sized() {
        assert_eq!(
            cell(Shown::Num(Number::Int(113)), 20),
            "                113 "
        );
        assert_eq!(cell(Shown::Nothing, 10), "        - ");
        assert_eq!(cell(Shown::Rate(2.0), 10), "      2.0 ");
        assert_eq!(cell(Shown::Bool(true), 10), "     True ");
        assert_eq!(cell(Shown::Bools { on: 2, of: 3 }, 10), " 2/3 True ");
        assert_eq!(cell(Shown::Texts(4), 12), " (4 values) ");
        assert_eq!(cell(Shown::Text("rob"), 8), " rob    ");
        assert_eq!(cell(Shown::Text("robertson"), 8), " rober… ");
        assert_eq!(
            cell(Shown::Num(Number::Int(i128::from(u64::MAX))), 20),
            "        1.84467e+19 "
        );
        assert_eq!(
            cell(Shown::Num(Number::Int(i128::from(u64::MAX))), 10),
            "1.845e+19 "
        );
        let mut line = String::new();
        push_value_cell(
            &mut line,
            Shown::Num(Number::Int(7)),
            5,
            true,
            &mut String::new(),
        );
        assert_eq!(line, "\x1b[1;33m   7\x1b[0m ");
        let mut line = String::new();
        push_header_cell(&mut line, "x", 3, true);
        assert_eq!(line, "\x1b[1m x \x1b[0m");
    }

    #[test]
    fn names_lose_their_start() {
        let mut line = String::new();
        push_name_cell(&mut line, "/tmp/worker-1.mmstats", 10);
        assert_eq!(line, "….mmstats ");
        let mut line = String::new();
        push_name_cell(&mut line, "a.mmstats", 12);
        assert_eq!(line, "a.mmstats   ");
    }

    #[test]
    fn columns_shrink_to_the_terminal_and_texts_take_the_room_left() {
        use FieldKind::*;
        let kinds = [Counter, Gauge, Text];
        assert_eq!(widths(&kinds, 0, None), [20, 20, 20]);
        assert_eq!(widths(&kinds, 0, Some(80)), [20, 20, 20 + 17]);
        assert_eq!(widths(&kinds, 0, Some(200)), [20, 20, 64]);
        assert_eq!(widths(&kinds, 0, Some(50)), [15, 15, 15]);
        assert_eq!(widths(&kinds, 10, Some(50)), [12, 12, 12]);
        assert_eq!(widths(&kinds, 0, Some(10)), [MIN_WIDTH; 3]);
        assert_eq!(widths(&[Counter, Gauge], 0, Some(100)), [20, 20]);
        assert_eq!(widths(&[], 0, Some(100)), Vec::<usize>::new());
    }
}
