//! What kind of statistic a field holds, told from its signature and value,
//! so that a tool can show each field sensibly: a counter as its rate, a
//! gauge as its current value, and so on.
#![forbid(unsafe_code)]

use crate::format::{Code, Mode, Signature, UNBUFFERED};
use crate::reader::{FieldRef, ValueRef};

/// The kind of statistic a field holds, as far as a reader can tell.
///
/// Files do not record the field class that wrote them, so the kind is
/// inferred from the signature, the buffering and the value:
///
/// | field | signature | kind |
/// |---|---|---|
/// | Python `CounterField`, this crate's `Counter` in the python-exact layout | `Q`, double buffered | [`Counter`](FieldKind::Counter) |
/// | this crate's `Counter` (aligned layout) | `=<n>xQ` | [`Counter`](FieldKind::Counter) |
/// | this crate's `Gauge<u64>` (aligned layout) | `=<n>x1Q` (the explicit count marks a gauge) | [`Gauge`](FieldKind::Gauge) |
/// | Python `StaticUInt64Field`, `sys.uid`, `sys.gid` | `Q`, unbuffered | [`Gauge`](FieldKind::Gauge) |
/// | every other number: averages, moving averages and timers (`d`), gauges, statics | | [`Gauge`](FieldKind::Gauge) |
/// | `BoolField`, `Gauge<bool>` | `?` | [`Bool`](FieldKind::Bool) |
/// | strings | `Ns`, `c` | [`Text`](FieldKind::Text) |
///
/// Python's `UInt64Field` writes what `CounterField` writes (a
/// double-buffered `Q`), so it reads as a counter, as does a `Gauge<u64>`
/// in the python-exact layout.
///
/// ```
/// use mmstats::reader::ValueRef;
/// use mmstats::reader::FieldKind;
///
/// // A Python CounterField: double buffered (write_buffer 0 or 1).
/// assert_eq!(FieldKind::classify("Q", 1, ValueRef::UInt(113)), FieldKind::Counter);
/// // This crate's counter and u64 gauge in the aligned layout (unbuffered).
/// assert_eq!(FieldKind::classify("=5xQ", 255, ValueRef::UInt(7)), FieldKind::Counter);
/// assert_eq!(FieldKind::classify("=5x1Q", 255, ValueRef::UInt(7)), FieldKind::Gauge);
/// // A static u64 such as sys.uid.
/// assert_eq!(FieldKind::classify("Q", 255, ValueRef::UInt(0)), FieldKind::Gauge);
/// // A timer, a bool, a string.
/// assert_eq!(FieldKind::classify("d", 0, ValueRef::Float(0.35)), FieldKind::Gauge);
/// assert_eq!(FieldKind::classify("?", 255, ValueRef::Bool(true)), FieldKind::Bool);
/// assert_eq!(FieldKind::classify("255s", 255, ValueRef::Str("rob")), FieldKind::Text);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// A count that only goes up: what matters is its change over time.
    Counter,
    /// A number whose current value matters: a gauge, a static number, an
    /// average, a moving average or a timer.
    Gauge,
    /// A true/false value.
    Bool,
    /// A string.
    Text,
}

impl FieldKind {
    /// The kind of a field read by a [`Cursor`](crate::reader::Cursor).
    ///
    /// ```
    /// use mmstats::reader::StatsFile;
    /// use mmstats::reader::FieldKind;
    ///
    /// // version 1, then "done": signature "Q", double buffered, 113 in buffer 0.
    /// let mut bytes = vec![1u8];
    /// bytes.extend(4u16.to_ne_bytes());
    /// bytes.extend(b"done");
    /// bytes.extend(1u16.to_ne_bytes());
    /// bytes.extend(b"Q");
    /// bytes.push(1);
    /// bytes.extend(113u64.to_ne_bytes());
    /// bytes.extend(0u64.to_ne_bytes());
    ///
    /// let file = StatsFile::from_bytes(bytes)?;
    /// let mut cursor = file.cursor();
    /// let field = cursor.next_field().unwrap()?;
    /// assert_eq!(FieldKind::of(&field), FieldKind::Counter);
    /// # Ok::<(), mmstats::reader::ReadError>(())
    /// ```
    pub fn of(field: &FieldRef<'_>) -> FieldKind {
        FieldKind::classify(field.signature, field.write_buffer, field.value)
    }

    /// The kind of a field with this signature, `write_buffer` byte and
    /// value, as the [table above](FieldKind) says. A signature that does
    /// not parse (a value was read, so it normally does) gives the kind of
    /// the value alone.
    pub fn classify(signature: &str, write_buffer: u8, value: ValueRef<'_>) -> FieldKind {
        match value {
            ValueRef::Str(_) => FieldKind::Text,
            ValueRef::Bool(_) => FieldKind::Bool,
            ValueRef::Int(_) | ValueRef::UInt(_) | ValueRef::Float(_) => {
                match Signature::parse(signature.as_bytes()) {
                    Ok(sig) if is_counter(&sig, write_buffer) => FieldKind::Counter,
                    _ => FieldKind::Gauge,
                }
            }
        }
    }
}

/// A `u64` written without a repeat count, either double buffered (Python's
/// `CounterField`; its unbuffered `Q` fields are statics) or in a standard
/// mode signature (this crate's aligned counter, `=<n>xQ`).
fn is_counter(sig: &Signature, write_buffer: u8) -> bool {
    let item = sig.value();
    item.code() == Code::U64
        && !item.has_explicit_count()
        && (write_buffer != UNBUFFERED || sig.mode() == Mode::Standard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Code;
    use crate::layout::{layout_field, FieldSpec, Layout, StatKind};

    /// The signature and write_buffer that this crate's writer gives a kind
    /// of field in a layout.
    fn written(kind: StatKind, layout: Layout) -> (String, u8) {
        let field = layout_field(&FieldSpec::new("x", kind, None, None), 1, 1, layout);
        (
            String::from_utf8(field.sig.as_bytes().to_vec()).unwrap(),
            field.write_buffer,
        )
    }

    #[test]
    fn what_this_crate_writes_reads_back_as_its_kind() {
        let numbers = [
            (StatKind::Counter, FieldKind::Counter),
            (StatKind::Gauge(Code::U64), FieldKind::Gauge),
            (StatKind::Gauge(Code::I64), FieldKind::Gauge),
            (StatKind::Gauge(Code::U32), FieldKind::Gauge),
            (StatKind::Gauge(Code::F64), FieldKind::Gauge),
            (StatKind::Gauge(Code::I8), FieldKind::Gauge),
            (StatKind::Average, FieldKind::Gauge),
            (StatKind::MovingAverage, FieldKind::Gauge),
            (StatKind::Timer, FieldKind::Gauge),
            (StatKind::Static(Code::U64), FieldKind::Gauge),
            (StatKind::Static(Code::F64), FieldKind::Gauge),
        ];
        for (stat, want) in numbers {
            let (sig, wb) = written(stat, Layout::Aligned);
            assert_eq!(
                FieldKind::classify(&sig, wb, ValueRef::UInt(1)),
                want,
                "{sig}"
            );
        }
        // The python-exact layout cannot tell a u64 gauge from a counter.
        let (sig, wb) = written(StatKind::Gauge(Code::U64), Layout::PythonExact);
        assert_eq!(
            FieldKind::classify(&sig, wb, ValueRef::UInt(1)),
            FieldKind::Counter
        );
        let (sig, wb) = written(StatKind::Counter, Layout::PythonExact);
        assert_eq!(
            FieldKind::classify(&sig, wb, ValueRef::UInt(1)),
            FieldKind::Counter
        );
        let (sig, wb) = written(StatKind::Gauge(Code::Bool), Layout::Aligned);
        assert_eq!(
            FieldKind::classify(&sig, wb, ValueRef::Bool(true)),
            FieldKind::Bool
        );
        let (sig, wb) = written(StatKind::Text, Layout::Aligned);
        assert_eq!(
            FieldKind::classify(&sig, wb, ValueRef::Str("")),
            FieldKind::Text
        );
    }

    #[test]
    fn unknown_signatures_go_by_the_value() {
        assert_eq!(
            FieldKind::classify("@@", 0, ValueRef::UInt(1)),
            FieldKind::Gauge
        );
        assert_eq!(
            FieldKind::classify("<Q", 255, ValueRef::UInt(1)),
            FieldKind::Counter
        );
        assert_eq!(
            FieldKind::classify("2Q", 0, ValueRef::UInt(1)),
            FieldKind::Gauge
        );
    }
}
