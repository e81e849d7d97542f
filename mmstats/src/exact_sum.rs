//! An exactly rounded running sum that values can be added to and taken
//! from in (amortised) constant time.
//!
//! It keeps Shewchuk's non-overlapping partials, the algorithm behind
//! Python's `math.fsum`, and rounds them the way `fsum` does, so a moving
//! average over it gives the same bits as Python 0.8's `fsum(window) / n`
//! without re-summing the window on every sample.
#![forbid(unsafe_code)]

/// The exact sum of the finite values added minus those subtracted.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExactSum {
    partials: Vec<f64>,
}

impl ExactSum {
    pub(crate) fn new() -> ExactSum {
        ExactSum {
            partials: Vec::with_capacity(4),
        }
    }

    /// Adds a finite value exactly.
    pub(crate) fn add(&mut self, mut x: f64) {
        let mut kept = 0;
        for i in 0..self.partials.len() {
            let mut y = self.partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// The sum rounded to the nearest double (ties to even), as `fsum`.
    pub(crate) fn value(&self) -> f64 {
        let p = &self.partials;
        let Some(mut n) = p.len().checked_sub(1) else {
            return 0.0;
        };
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Half-even rounding across several partials.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_exactly_where_naive_addition_does_not() {
        let mut sum = ExactSum::new();
        for x in [1e100, 1.0, -1e100, 1e-100] {
            sum.add(x);
        }
        assert_eq!(sum.value(), 1.0 + 1e-100);
        let mut tenths = ExactSum::new();
        for _ in 0..10 {
            tenths.add(0.1);
        }
        // fsum([0.1] * 10) == 1.0 while naive summing gives 0.9999999999999999.
        assert_eq!(tenths.value(), 1.0);
    }

    #[test]
    fn taking_values_out_leaves_the_exact_rest() {
        let mut sum = ExactSum::new();
        sum.add(0.1);
        sum.add(0.2);
        sum.add(0.3);
        sum.add(-0.1);
        // fsum([0.2, 0.3]) == 0.5
        assert_eq!(sum.value(), 0.5);
    }
}
