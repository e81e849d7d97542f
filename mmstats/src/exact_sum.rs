//! An exactly rounded running sum that values can be added to and taken
//! from in (amortised) constant time.
//!
//! It keeps Shewchuk's non-overlapping partials, the algorithm behind
//! Python's `math.fsum`, and rounds them the way `fsum` does, so a moving
//! average over it gives the same bits as Python 0.8's `fsum(window) / n`
//! without re-summing the window on every sample.
#![forbid(unsafe_code)]

/// Most partials an exact sum of finite doubles can need: they are
/// non-overlapping, and the doubles span about 2,100 bits of exponent, 53 at
/// a time.
const CAPACITY: usize = 48;

/// The exact sum of the finite values added minus those subtracted.
#[derive(Clone, Debug)]
pub(crate) struct ExactSum {
    partials: [f64; CAPACITY],
    len: usize,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum::new()
    }
}

/// `a + b` as an exactly represented pair `(sum, error)` (Knuth's two-sum).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    let a_virtual = sum - b_virtual;
    (sum, (a - a_virtual) + (b - b_virtual))
}

impl ExactSum {
    pub(crate) fn new() -> ExactSum {
        ExactSum {
            partials: [0.0; CAPACITY],
            len: 0,
        }
    }

    /// Adds a finite value exactly. Returns false, leaving the sum
    /// unchanged, in the case that cannot happen for finite values: more
    /// partials than [`CAPACITY`].
    #[inline]
    pub(crate) fn add(&mut self, mut x: f64) -> bool {
        let mut kept = 0;
        let len = self.len.min(CAPACITY);
        for i in 0..len {
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
        match self.partials.get_mut(kept) {
            Some(slot) => {
                *slot = x;
                self.len = kept + 1;
                true
            }
            None => false,
        }
    }

    /// Replaces `old` by `new` in the sum. When the two are close, as
    /// successive samples usually are, their exact difference is one or two
    /// doubles and the partials see one pass instead of two.
    #[inline]
    pub(crate) fn replace(&mut self, old: f64, new: f64) -> bool {
        let (difference, error) = two_sum(new, -old);
        self.add(difference) && (error == 0.0 || self.add(error))
    }

    /// The sum rounded to the nearest double (ties to even), as `fsum`.
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        let p = &self.partials[..self.len.min(CAPACITY)];
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

    #[test]
    fn replacing_is_exact_too() {
        let mut sum = ExactSum::new();
        for x in [0.1, 0.2, 0.3] {
            sum.add(x);
        }
        assert!(sum.replace(0.1, 1e-300));
        assert!(sum.replace(0.2, 1e300));
        assert!(sum.replace(1e300, 0.7));
        // fsum([1e-300, 0.7, 0.3]) == 1.0
        assert_eq!(sum.value(), 1.0);
    }

    #[test]
    fn the_widest_spread_of_doubles_fits() {
        let mut sum = ExactSum::new();
        // One value per 53-bit band of the exponent range: the most
        // partials finite values can need.
        let mut x = f64::MIN_POSITIVE * f64::EPSILON;
        while x.is_finite() {
            assert!(sum.add(x));
            x *= 2f64.powi(53);
        }
        assert!(sum.len <= CAPACITY);
    }
}
