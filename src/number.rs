//! Numbers as the tools add, average and compare them: integers exactly,
//! floats as floats, as Python does.
//!
//! `pollstats` sums counters and averages gauges over files with it;
//! `mmash` sums, averages and compares a label's values for `?aggr=`.
#![forbid(unsafe_code)]

use std::cmp::Ordering;
use std::ops::{Add, Sub};

use mmstats::reader::ValueRef;

/// A number read from a field, or made of several: an integer kept exactly
/// or a float.
///
/// Every integer a field holds (an `i64` or a `u64`) fits an `i128`, and
/// so do sums of many of them; a sum that would not becomes a float rather
/// than wrap. Once a float is added, the result is a float, as Python's
/// `sum` does.
///
/// ```
/// use mmstats::reader::ValueRef;
/// use mmstats_tools::number::Number;
///
/// let big = Number::of(ValueRef::UInt(u64::MAX)).unwrap();
/// assert_eq!(big + big, Number::Int(2 * i128::from(u64::MAX)));
/// assert_eq!(Number::Int(1) + Number::Float(0.5), Number::Float(1.5));
/// assert_eq!(Number::Int(6).mean(3), Number::Int(2));
/// assert_eq!(Number::of(ValueRef::Bool(true)), Some(Number::Int(1)));
/// assert_eq!(Number::of(ValueRef::Str("7")), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// An integer, exactly.
    Int(i128),
    /// A float.
    Float(f64),
}

impl Number {
    /// The number a value is: integers and floats as they are, bools as 0
    /// and 1 (as Python counts them); `None` for a string.
    pub fn of(value: ValueRef<'_>) -> Option<Number> {
        match value {
            ValueRef::Int(v) => Some(Number::Int(i128::from(v))),
            ValueRef::UInt(v) => Some(Number::Int(i128::from(v))),
            ValueRef::Bool(v) => Some(Number::Int(i128::from(v))),
            ValueRef::Float(v) => Some(Number::Float(v)),
            ValueRef::Str(_) => None,
        }
    }

    /// The number as a float (an integer beyond 2^53 rounded).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(v) => v as f64,
            Number::Float(v) => v,
        }
    }

    /// The mean of `count` numbers adding up to `self`: an integer when it
    /// is one. A count of 0 counts as 1.
    ///
    /// ```
    /// use mmstats_tools::number::Number;
    ///
    /// assert_eq!(Number::Int(6).mean(3), Number::Int(2));
    /// assert_eq!(Number::Int(7).mean(2), Number::Float(3.5));
    /// ```
    #[must_use]
    pub fn mean(self, count: usize) -> Number {
        let n = count.max(1);
        match self {
            Number::Int(sum) => match i128::try_from(n) {
                Ok(n) if sum % n == 0 => Number::Int(sum / n),
                _ => Number::Float(sum as f64 / n as f64),
            },
            Number::Float(sum) => Number::Float(sum / n as f64),
        }
    }

    /// Compares two numbers by their exact values, as Python compares an
    /// integer and a float: `2^64 - 1` is less than the float `2^64`,
    /// though it rounds to it. `None` if either is NaN.
    ///
    /// ```
    /// use std::cmp::Ordering;
    /// use mmstats_tools::number::Number;
    ///
    /// let max = Number::Int(i128::from(u64::MAX));
    /// assert_eq!(max.compare(Number::Float(u64::MAX as f64)), Some(Ordering::Less));
    /// assert_eq!(Number::Int(1).compare(Number::Float(f64::NAN)), None);
    /// ```
    pub fn compare(self, other: Number) -> Option<Ordering> {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
            (Number::Float(a), Number::Float(b)) => a.partial_cmp(&b),
            (Number::Int(a), Number::Float(b)) => compare_int_float(a, b),
            (Number::Float(a), Number::Int(b)) => compare_int_float(b, a).map(Ordering::reverse),
        }
    }
}

/// Exact for integers (a float if the sum overflows), a float otherwise.
///
/// ```
/// use mmstats_tools::number::Number;
///
/// assert_eq!(Number::Int(2) + Number::Int(3), Number::Int(5));
/// assert_eq!(Number::Float(0.5) + Number::Int(1), Number::Float(1.5));
/// ```
impl Add for Number {
    type Output = Number;

    fn add(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_add(b)
                .map_or_else(|| Number::Float(a as f64 + b as f64), Number::Int),
            (a, b) => Number::Float(a.as_f64() + b.as_f64()),
        }
    }
}

/// As [`Number`]'s `+` adds.
///
/// ```
/// use mmstats_tools::number::Number;
///
/// assert_eq!(Number::Int(2) - Number::Int(3), Number::Int(-1));
/// ```
impl Sub for Number {
    type Output = Number;

    fn sub(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_sub(b)
                .map_or_else(|| Number::Float(a as f64 - b as f64), Number::Int),
            (a, b) => Number::Float(a.as_f64() - b.as_f64()),
        }
    }
}

fn compare_int_float(int: i128, float: f64) -> Option<Ordering> {
    let rough = (int as f64).partial_cmp(&float)?;
    if rough != Ordering::Equal {
        return Some(rough);
    }
    // Equal after rounding the integer: the float is integral and within
    // the range of i128 (the integer rounded to it), so it converts
    // exactly; `as` saturates at i128::MAX, which only 2^127 reaches, and
    // no integer here is that large.
    Some(int.cmp(&(float as i128)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_add_exactly_until_they_overflow() {
        let big = Number::Int(i128::from(u64::MAX));
        assert_eq!(big + big - big, big);
        assert_eq!(
            Number::Int(i128::MAX) + Number::Int(1),
            Number::Float(i128::MAX as f64 + 1.0)
        );
        assert_eq!(
            Number::Int(i128::MIN) - Number::Int(1),
            Number::Float(i128::MIN as f64 - 1.0)
        );
        assert_eq!(Number::Int(1) + Number::Float(0.5), Number::Float(1.5));
        assert_eq!(Number::Float(0.5) - Number::Int(1), Number::Float(-0.5));
    }

    #[test]
    fn means_are_integers_when_they_can_be() {
        assert_eq!(Number::Int(6).mean(3), Number::Int(2));
        assert_eq!(Number::Int(-6).mean(4), Number::Float(-1.5));
        assert_eq!(Number::Int(7).mean(2), Number::Float(3.5));
        assert_eq!(Number::Float(3.0).mean(0), Number::Float(3.0));
        assert_eq!(Number::Int(3).mean(0), Number::Int(3));
    }

    #[test]
    fn values_become_numbers_as_python_counts_them() {
        assert_eq!(Number::of(ValueRef::Int(-3)), Some(Number::Int(-3)));
        assert_eq!(Number::of(ValueRef::UInt(3)), Some(Number::Int(3)));
        assert_eq!(Number::of(ValueRef::Float(0.5)), Some(Number::Float(0.5)));
        assert_eq!(Number::of(ValueRef::Bool(false)), Some(Number::Int(0)));
        assert_eq!(Number::of(ValueRef::Str("")), None);
        assert_eq!(Number::Int(i128::from(u64::MAX)).as_f64(), u64::MAX as f64);
    }

    #[test]
    fn integers_and_floats_compare_exactly() {
        let big = u64::MAX;
        let int = |v: u64| Number::Int(i128::from(v));
        assert_eq!(
            int(big).compare(Number::Float(big as f64)),
            Some(Ordering::Less)
        );
        assert_eq!(
            Number::Float(big as f64).compare(int(big)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            int(big - 1).compare(Number::Float(18446744073709549568.0)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Number::Int(2).compare(Number::Float(2.0)),
            Some(Ordering::Equal)
        );
        assert_eq!(
            Number::Int(-1).compare(Number::Float(-0.5)),
            Some(Ordering::Less)
        );
        assert_eq!(Number::Float(f64::NAN).compare(Number::Int(0)), None);
        assert_eq!(
            Number::Float(1.0).compare(Number::Float(2.0)),
            Some(Ordering::Less)
        );
    }
}
