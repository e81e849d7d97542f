//! `?aggr=`: a label's values across files, made one.
//!
//! The aggregations of Python's mmash, with its semantics: `avg` is the
//! float mean; `one` the first file's value; `max` and `min` the first
//! greatest or least value, as it was (an integer stays an integer, a bool
//! a bool); `sum` an integer if every value is one (bools count as 0 and 1;
//! no overflow: up to `i128`) and a float otherwise; `nonzero-min` and
//! `nonzero-avg` the same over the values that are not zero (`0`, `0.0`,
//! `-0.0`, `false`; NaN is not zero, as in Python).
//!
//! Where Python failed (a string in a numeric aggregation, nothing left
//! after dropping the zeros) the answer is an [`AggregateError`], which
//! the API turns into a 400 with a JSON body. `one` applies to strings too.
#![forbid(unsafe_code)]

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::json::write_value_json;
use crate::number::Number;
use mmstats::reader::{Value, ValueRef};

/// A way of making a label's values one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// The mean, as a float.
    Avg,
    /// The first value.
    One,
    /// The greatest value.
    Max,
    /// The least value.
    Min,
    /// The sum.
    Sum,
    /// The least value that is not zero.
    NonzeroMin,
    /// The mean of the values that are not zero.
    NonzeroAvg,
}

/// Every aggregation with its name in `?aggr=`, in the order of the
/// documentation: the one place the names are spelled.
const TABLE: [(Aggregation, &str); 7] = [
    (Aggregation::Avg, "avg"),
    (Aggregation::One, "one"),
    (Aggregation::Max, "max"),
    (Aggregation::Min, "min"),
    (Aggregation::Sum, "sum"),
    (Aggregation::NonzeroMin, "nonzero-min"),
    (Aggregation::NonzeroAvg, "nonzero-avg"),
];

// `name` indexes the table by variant: each must be at its own index.
const _: () = {
    let mut i = 0;
    while i < TABLE.len() {
        assert!(TABLE[i].0 as usize == i);
        i += 1;
    }
};

/// The names `?aggr=` takes, in the order of the documentation.
pub fn names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|&(_, name)| name)
}

impl Aggregation {
    /// The name in `?aggr=`.
    pub fn name(self) -> &'static str {
        TABLE[self as usize].1
    }

    /// The values of `label` made one.
    ///
    /// # Errors
    ///
    /// [`AggregateError`] if `values` is empty, if a numeric aggregation
    /// meets a string, or if a nonzero one finds only zeros.
    pub fn apply(self, label: &str, values: &[Value]) -> Result<Aggregated, AggregateError> {
        let fail = |reason| AggregateError {
            aggregation: self,
            label: label.to_owned(),
            reason,
        };
        if self != Aggregation::One && values.iter().any(|v| matches!(v, Value::Str(_))) {
            return Err(fail(Reason::NotNumeric));
        }
        let nonzero: Vec<Value>;
        let values = match self {
            Aggregation::NonzeroMin | Aggregation::NonzeroAvg => {
                nonzero = values.iter().filter(|v| !is_zero(v)).cloned().collect();
                if nonzero.is_empty() {
                    return Err(fail(Reason::AllZero));
                }
                &nonzero[..]
            }
            _ => values,
        };
        let Some((first, rest)) = values.split_first() else {
            return Err(fail(Reason::NoValues));
        };
        Ok(match self {
            Aggregation::One => Aggregated::Value(first.clone()),
            Aggregation::Avg | Aggregation::NonzeroAvg => {
                Aggregated::Float(sum(values).as_f64() / values.len() as f64)
            }
            Aggregation::Sum => sum(values),
            Aggregation::Max => Aggregated::Value(extreme(first, rest, Ordering::Greater)),
            Aggregation::Min | Aggregation::NonzeroMin => {
                Aggregated::Value(extreme(first, rest, Ordering::Less))
            }
        })
    }
}

impl FromStr for Aggregation {
    type Err = UnknownAggregation;

    fn from_str(name: &str) -> Result<Aggregation, UnknownAggregation> {
        TABLE
            .iter()
            .find(|&&(_, known)| known == name)
            .map(|&(aggregation, _)| aggregation)
            .ok_or_else(|| UnknownAggregation(name.to_owned()))
    }
}

/// An `?aggr=` name that is none of [`names`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown aggregation {name:?}: expected one of {names}",
    name = .0,
    names = names().collect::<Vec<_>>().join(", ")
)]
pub struct UnknownAggregation(pub String);

/// Why a label's values cannot be aggregated.
#[derive(Debug, thiserror::Error)]
#[error("aggr={}: {label:?} {reason}", .aggregation.name())]
pub struct AggregateError {
    /// The aggregation asked for.
    pub aggregation: Aggregation,
    /// The label whose values it cannot make one.
    pub label: String,
    /// Why not.
    pub reason: Reason,
}

/// Why an aggregation does not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// There are no values at all.
    NoValues,
    /// A value is a string.
    NotNumeric,
    /// Every value is zero.
    AllZero,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NoValues => "has no values",
            Reason::NotNumeric => "has a string value, which only aggr=one takes",
            Reason::AllZero => "has no value other than zero",
        })
    }
}

/// A label's values made one.
#[derive(Clone, Debug, PartialEq)]
pub enum Aggregated {
    /// One of the values, as it was.
    Value(Value),
    /// An integer sum (of integers up to `u64::MAX` each).
    Int(i128),
    /// A float sum or a mean.
    Float(f64),
}

impl Aggregated {
    fn as_f64(&self) -> f64 {
        match self {
            Aggregated::Value(v) => v.as_f64().unwrap_or(f64::NAN),
            Aggregated::Int(v) => *v as f64,
            Aggregated::Float(v) => *v,
        }
    }

    /// Writes the value as JSON: integers exactly, non-finite floats as
    /// `null` (as [`write_value_json`]).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Aggregated::Value(v) => write_value_json(out, ValueRef::from(v)),
            Aggregated::Int(v) => out.extend_from_slice(v.to_string().as_bytes()),
            Aggregated::Float(v) => write_value_json(out, ValueRef::Float(*v)),
        }
    }
}

/// Python's truth of a number: zero is false, NaN true.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Int(v) => *v == 0,
        Value::UInt(v) => *v == 0,
        Value::Float(v) => *v == 0.0,
        Value::Bool(v) => !v,
        Value::Str(s) => s.is_empty(),
    }
}

/// A value as a number; strings, refused before numbers are made, as NaN.
fn num(value: &Value) -> Number {
    Number::of(ValueRef::from(value)).unwrap_or(Number::Float(f64::NAN))
}

/// Sums left to right as Python's `sum` does: integers exactly, and once a
/// float comes, floats from there on.
fn sum(values: &[Value]) -> Aggregated {
    match values
        .iter()
        .fold(Number::Int(0), |total, v| total + num(v))
    {
        Number::Int(t) => Aggregated::Int(t),
        Number::Float(t) => Aggregated::Float(t),
    }
}

/// The first of `first` and `rest` that compares `goal` to every one
/// before it (Python's `max` for `Greater`, `min` for `Less`); NaN
/// compares to nothing.
fn extreme(first: &Value, rest: &[Value], goal: Ordering) -> Value {
    let mut best = first;
    for value in rest {
        if num(value).compare(num(best)) == Some(goal) {
            best = value;
        }
    }
    best.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(aggr: &str, values: &[Value]) -> Result<Aggregated, AggregateError> {
        aggr.parse::<Aggregation>().unwrap().apply("x", values)
    }

    #[test]
    fn every_name_parses_back() {
        for name in names() {
            assert_eq!(name.parse::<Aggregation>().unwrap().name(), name);
        }
        assert_eq!(names().count(), TABLE.len());
        let err = "median".parse::<Aggregation>().unwrap_err().to_string();
        assert!(
            err.contains("median") && err.contains("nonzero-avg"),
            "{err}"
        );
    }

    #[test]
    fn big_sums_and_nonzero() {
        let values = [Value::UInt(u64::MAX), Value::UInt(2), Value::Int(0)];
        assert_eq!(
            Aggregation::Sum.apply("n", &values).unwrap(),
            Aggregated::Int(i128::from(u64::MAX) + 2)
        );
        assert_eq!(
            Aggregation::Avg
                .apply("n", &[Value::UInt(1), Value::Float(2.0)])
                .unwrap(),
            Aggregated::Float(1.5)
        );
        assert_eq!(
            Aggregation::NonzeroMin.apply("n", &values).unwrap(),
            Aggregated::Value(Value::UInt(2))
        );
        assert!(Aggregation::NonzeroAvg
            .apply("n", &[Value::Int(0)])
            .is_err());
    }

    #[test]
    fn pythons_answers() {
        use Value::*;
        let v = [UInt(3), Int(-1), Float(2.5), Bool(true)];
        assert_eq!(apply("sum", &v).unwrap(), Aggregated::Float(5.5));
        assert_eq!(apply("avg", &v).unwrap(), Aggregated::Float(1.375));
        assert_eq!(apply("max", &v).unwrap(), Aggregated::Value(UInt(3)));
        assert_eq!(apply("min", &v).unwrap(), Aggregated::Value(Int(-1)));
        assert_eq!(apply("one", &v).unwrap(), Aggregated::Value(UInt(3)));
        // The first of equals wins; bools stay bools.
        assert_eq!(
            apply("max", &[Bool(true), UInt(1)]).unwrap(),
            Aggregated::Value(Bool(true))
        );
        assert_eq!(
            apply("sum", &[Bool(true), Bool(true)]).unwrap(),
            Aggregated::Int(2)
        );
        // Exact comparison of big integers and floats.
        let big = u64::MAX;
        assert_eq!(
            apply("max", &[Float(big as f64), UInt(big)]).unwrap(),
            Aggregated::Value(Float(big as f64))
        );
        assert_eq!(
            apply("max", &[UInt(big - 1), Float(18446744073709549568.0)]).unwrap(),
            Aggregated::Value(UInt(big - 1))
        );
        // NaN: first it sticks, later it is passed over; it is not zero.
        assert!(
            matches!(apply("max", &[Float(f64::NAN), UInt(1)]).unwrap(), Aggregated::Value(Float(x)) if x.is_nan())
        );
        assert_eq!(
            apply("max", &[UInt(1), Float(f64::NAN)]).unwrap(),
            Aggregated::Value(UInt(1))
        );
        assert!(apply("nonzero-min", &[Float(0.0), Float(f64::NAN)]).is_ok());
        assert_eq!(
            apply("nonzero-avg", &[UInt(0), UInt(4), Float(-0.0), UInt(2)]).unwrap(),
            Aggregated::Float(3.0)
        );
    }

    #[test]
    fn what_cannot_be_aggregated() {
        use Value::*;
        for aggr in ["avg", "max", "min", "sum", "nonzero-min", "nonzero-avg"] {
            let err = apply(aggr, &[UInt(1), Str("a".into())]).unwrap_err();
            assert_eq!(err.reason, Reason::NotNumeric, "{aggr}");
            assert!(apply(aggr, &[]).is_err(), "{aggr}");
        }
        assert_eq!(
            apply("one", &[Str("a".into())]).unwrap(),
            Aggregated::Value(Str("a".into()))
        );
        assert!(apply("one", &[]).is_err());
        let err = apply("nonzero-min", &[UInt(0), Bool(false)]).unwrap_err();
        assert_eq!(err.reason, Reason::AllZero);
        assert_eq!(
            err.to_string(),
            "aggr=nonzero-min: \"x\" has no value other than zero"
        );
    }

    #[test]
    fn json_of_results() {
        let json = |a: Aggregated| {
            let mut out = Vec::new();
            a.write_json(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            json(Aggregated::Int(i128::from(u64::MAX) * 3)),
            "55340232221128654845"
        );
        assert_eq!(json(Aggregated::Float(f64::NAN)), "null");
        assert_eq!(json(Aggregated::Float(0.5)), "0.5");
        assert_eq!(json(Aggregated::Value(Value::Bool(true))), "true");
    }
}
