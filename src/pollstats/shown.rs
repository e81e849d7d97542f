//! What a column shows over the polled files: counters' totals, changes
//! and rates, gauges' means, bools and strings.
#![forbid(unsafe_code)]

use mmstats::reader::FieldKind;

use super::sample::{Polled, Sample};
use super::table::Shown;
use crate::number::Number;

/// What a column shows over `files`: see the module documentation.
/// `first` is whether this is the first row (counters show their totals),
/// `rates` whether counters show their change per second rather than per
/// interval.
pub(super) fn shown<'p>(
    kind: FieldKind,
    j: usize,
    files: &[&'p Polled],
    first: bool,
    rates: bool,
) -> Shown<'p> {
    match kind {
        FieldKind::Counter => {
            let mut change: Option<Number> = None;
            let mut rate: Option<f64> = None;
            for file in files {
                let Some(now) = file.sample(j).num() else {
                    continue;
                };
                if first {
                    change = Some(change.map_or(now, |sum| sum + now));
                    continue;
                }
                let (true, Some(before)) = (file.reads >= 2, file.before[j].num()) else {
                    continue;
                };
                // Since the file's last whole read, which a failed read
                // may have put more than an interval back.
                let value = now - before;
                if rates {
                    let seconds = file.now_at.duration_since(file.before_at).as_secs_f64();
                    let per_second = value.as_f64() / seconds.max(1e-9);
                    rate = Some(rate.map_or(per_second, |sum| sum + per_second));
                } else {
                    change = Some(change.map_or(value, |sum| sum + value));
                }
            }
            match (change, rate) {
                (Some(change), _) => Shown::Num(change),
                (None, Some(rate)) => Shown::Rate(rate),
                (None, None) => Shown::Nothing,
            }
        }
        FieldKind::Bool => {
            let (mut on, mut of) = (0, 0);
            for file in files {
                if let Some(n) = file.sample(j).num() {
                    of += 1;
                    on += usize::from(n.as_f64() != 0.0);
                }
            }
            match (on, of) {
                (_, 0) => Shown::Nothing,
                (0, _) => Shown::Bool(false),
                (on, of) if on == of => Shown::Bool(true),
                (on, of) => Shown::Bools { on, of },
            }
        }
        FieldKind::Text => {
            let mut texts = files
                .iter()
                .filter(|file| file.sample(j) == Sample::Text)
                .map(|file| file.texts[j].as_str());
            let Some(first_text) = texts.next() else {
                return Shown::Nothing;
            };
            if texts.clone().all(|text| text == first_text) {
                return Shown::Text(first_text);
            }
            let mut all: Vec<&str> = std::iter::once(first_text).chain(texts).collect();
            all.sort_unstable();
            all.dedup();
            Shown::Texts(all.len())
        }
        // Gauges, and kinds this tool does not know yet: the mean.
        _ => {
            let mut sum: Option<Number> = None;
            let mut count = 0;
            for file in files {
                if let Some(n) = file.sample(j).num() {
                    sum = Some(sum.map_or(n, |s| s + n));
                    count += 1;
                }
            }
            sum.map_or(Shown::Nothing, |sum| Shown::Num(sum.mean(count)))
        }
    }
}
