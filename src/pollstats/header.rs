//! The headers of the columns: each label with its unit (`/s` for a
//! counter shown as a rate), fitted to its column so that no two columns
//! look the same.
//!
//! A header that fits is left whole, so the original's layout holds for
//! short labels. A longer one is cut in the middle, not at the end: its
//! start, `…`, and its end, at least its last label part and unit, so
//! `jobsvc.worker.jobs.done/s` shows as `jobsvc.worker…done/s`, never as
//! `jobsvc.worker.jobs/s`, which another column may be too. Headers that
//! still come out the same keep more of their end, and a column whose
//! header cannot be told apart that way is widened to show it whole. A
//! last part and unit too long for the column widen it too, unless the
//! columns must fit a terminal: there the last part is cut as well,
//! keeping the unit and the end of the label (`miss…mail/s`).
#![forbid(unsafe_code)]

/// The cut made between the start and the end of a header.
const CUT: char = '…';

/// One column's header as it is fitted.
struct Fitting {
    chars: Vec<char>,
    /// How many characters of the end are kept.
    tail: usize,
    width: usize,
}

impl Fitting {
    fn whole(&self) -> bool {
        self.chars.len() <= self.width
    }

    fn text(&self) -> String {
        if self.whole() {
            return self.chars.iter().collect();
        }
        let head = self.width.saturating_sub(1 + self.tail);
        let mut text: String = self.chars[..head].iter().collect();
        text.push(CUT);
        text.extend(&self.chars[self.chars.len() - self.tail..]);
        text
    }

    /// Keeps one more character of the end, or shows the header whole
    /// once no more can be kept.
    fn widen(&mut self) {
        if self.tail + 2 < self.width {
            self.tail += 1;
        } else {
            self.width = self.chars.len();
        }
    }
}

/// The headers of columns whose labels (as shown, escaped) and units are
/// `titles`, fitted to `widths`. With `may_widen` (no terminal to fit),
/// a column grows where its last label part and unit need it; on a
/// terminal a last part too long for its column is cut too, keeping the
/// unit and the end of the label. Either way a column grows where its
/// header could not be told apart otherwise.
pub(super) fn fit(titles: &[(&str, &str)], widths: &mut [usize], may_widen: bool) -> Vec<String> {
    let mut fittings: Vec<Fitting> = titles
        .iter()
        .zip(widths.iter())
        .map(|(&(title, unit), &width)| {
            let last = title.rsplit('.').next().unwrap_or(title);
            let chars: Vec<char> = title.chars().chain(unit.chars()).collect();
            let unit = unit.chars().count();
            let tail = last.chars().count() + unit;
            // Room for one character of the start, the cut and the end.
            let (tail, width) = if chars.len() <= width || tail + 2 <= width {
                (tail, width)
            } else if may_widen {
                (tail, (tail + 2).min(chars.len()))
            } else {
                // Half of what the unit leaves to the end of the label.
                (unit + width.saturating_sub(1 + unit) / 2, width)
            };
            Fitting { chars, tail, width }
        })
        .collect();
    loop {
        let texts: Vec<String> = fittings.iter().map(Fitting::text).collect();
        let mut clashing = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let clashes = texts
                .iter()
                .zip(&fittings)
                .enumerate()
                .any(|(j, (other, them))| {
                    j != i && other == text && them.chars != fittings[i].chars
                });
            if clashes && !fittings[i].whole() {
                clashing.push(i);
            }
        }
        if clashing.is_empty() {
            for (width, fitting) in widths.iter_mut().zip(&fittings) {
                *width = fitting.width;
            }
            return texts;
        }
        for i in clashing {
            fittings[i].widen();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(titles: &[(&str, &str)], width: usize) -> (Vec<String>, Vec<usize>) {
        let mut widths = vec![width; titles.len()];
        let headers = fit(titles, &mut widths, true);
        (headers, widths)
    }

    #[test]
    fn headers_that_fit_are_left_whole() {
        let (headers, widths) = fitted(&[("done", "/s"), ("missing_email", "")], 20);
        assert_eq!(headers, ["done/s", "missing_email"]);
        assert_eq!(widths, [20, 20]);
        let (headers, _) = fitted(&[("a_very_long_label_in", "")], 20);
        assert_eq!(headers, ["a_very_long_label_in"]);
    }

    #[test]
    fn long_headers_keep_their_last_part_and_unit() {
        let (headers, widths) = fitted(
            &[
                ("jobsvc.worker.jobs.done", "/s"),
                ("jobsvc.worker.jobs.failed", "/s"),
                ("jobsvc.worker.jobs.failed", ""),
            ],
            20,
        );
        assert_eq!(
            headers,
            [
                "jobsvc.worker…done/s",
                "jobsvc.work…failed/s",
                "jobsvc.worker…failed"
            ]
        );
        assert_eq!(widths, [20, 20, 20]);
    }

    #[test]
    fn headers_that_would_clash_keep_more_of_their_end() {
        let titles = [
            ("service.backend.one.requests.count", ""),
            ("service.backend.two.requests.count", ""),
        ];
        let (headers, widths) = fitted(&titles, 20);
        assert_ne!(headers[0], headers[1]);
        for ((title, _), header) in titles.iter().zip(&headers) {
            assert_eq!(header.chars().count(), 20, "{header}");
            assert!(header.ends_with(".requests.count"), "{header}");
            let (start, _) = header.split_once(CUT).unwrap();
            assert!(title.starts_with(start), "{header}");
        }
        assert_eq!(widths, [20, 20]);
        // A difference no cut of 20 characters shows: shown whole.
        let long = "x".repeat(30);
        let a = format!("{long}.a.{long}.n");
        let b = format!("{long}.b.{long}.n");
        let (headers, widths) = fitted(&[(&a, ""), (&b, "")], 20);
        assert_eq!(headers, [a.clone(), b.clone()]);
        assert_eq!(widths, [a.len(), b.len()]);
        // The same label twice is the same column twice.
        let (headers, _) = fitted(&[(&a, ""), (&a, "")], 20);
        assert_eq!(headers[0], headers[1]);
        assert_eq!(headers[0].chars().count(), 20);
    }

    #[test]
    fn on_a_terminal_a_last_part_too_long_is_cut_too() {
        let mut widths = vec![11, 11];
        let headers = fit(
            &[("missing_email", "/s"), ("done", "/s")],
            &mut widths,
            false,
        );
        assert_eq!(headers, ["miss…mail/s", "done/s"]);
        assert_eq!(widths, [11, 11]);
        // Still never two alike: more of the end, else whole.
        let mut widths = vec![9, 9];
        let titles = [("requests_a_total", ""), ("requests_b_total", "")];
        let headers = fit(&titles, &mut widths, false);
        assert_eq!(headers, ["r…a_total", "r…b_total"]);
        assert_eq!(widths, [9, 9]);
        let titles = [("requests_failed_total", ""), ("requests_served_total", "")];
        let headers = fit(&titles, &mut widths, false);
        assert_eq!(headers, ["requests_failed_total", "requests_served_total"]);
        assert_eq!(widths, [21, 21]);
    }

    #[test]
    fn a_last_part_too_long_widens_its_column() {
        let (headers, widths) = fitted(&[("no_dots_in_this_long_label", "/s")], 20);
        assert_eq!(headers, ["no_dots_in_this_long_label/s"]);
        assert_eq!(widths, [28]);
        let (headers, widths) = fitted(&[("app.a_last_part_of_twenty_chars", "")], 9);
        assert_eq!(headers, ["a…a_last_part_of_twenty_chars"]);
        assert_eq!(widths, [29]);
    }
}
