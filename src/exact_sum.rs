//! Sums of amounts that do not depend on the order of the rows.
//!
//! A sum of doubles taken row by row depends, in its last bits, on the order of the rows: files
//! read in parallel, or a distributed engine summing partitions on several machines, would give
//! other bytes than a reading in file order. [`ExactSum`] splits each amount into two integers on
//! a fixed binary grid of 2^-72 (about 2e-22 of a currency unit), sums the integers (integer sums
//! are exact in any order) and rounds the total to the nearest double once, at the end.
//!
//! Every amount of 2^-20 (about 1e-6) or more in size lies on the grid, so for amounts of money
//! the result is the exactly rounded sum, what Python's `math.fsum` gives; smaller amounts are
//! first rounded to the grid. The split uses only `abs`, `floor`, `round` and products by powers
//! of two, so that a SQL engine computes the same two integers per row and can sum them as
//! decimals: that is what lets a distributed engine return the same bytes (see [`split`]).
//!
//! No crate was used: exact-summation crates (`accurate`, `xsum`) keep state a SQL engine cannot
//! hold, and the point here is a state made of two integer sums.
//!
//! ```
//! use custseg::exact_sum::ExactSum;
//! let mut sum = ExactSum::default();
//! for amount in [0.1, 0.2, 0.3] {
//!     sum.add(amount);
//! }
//! assert_eq!(sum.value(), 0.6); // row by row, 0.1 + 0.2 + 0.3 is 0.6000000000000001
//! ```

/// Each amount's whole part is counted in units of 2^-10 ([`split`]'s first integer).
pub const HIGH_SCALE: f64 = 1024.0;
/// The rest is counted in units of 2^-72, this many per 2^-10 ([`split`]'s second integer).
pub const LOW_SCALE: f64 = 4_611_686_018_427_387_904.0;
/// 2^62 as an integer: [`LOW_SCALE`].
const LOW_UNITS: i128 = 1 << 62;
/// 2^-72: the value of one low unit.
const LOW_UNIT: f64 = 1.0 / 4_722_366_482_869_645_213_696.0;

/// An amount as two integers: `high` units of 2^-10 and `low` units of 2^-72, both with the
/// amount's sign; `high * 2^-10 + low * 2^-72` is the amount rounded to the 2^-72 grid.
///
/// In SQL, for a double `a` (what the distributed engine computes):
/// `high = sign * floor(abs(a) * 1024)`,
/// `low = sign * round((abs(a) * 1024 - floor(abs(a) * 1024)) * 4611686018427387904)`, with
/// `sign = -1` where `a < 0` and `1` otherwise, and `round` half away from zero. Both products are
/// by powers of two and the difference is of numbers within a factor of two (or a number under
/// one and zero), so every step is exact in doubles.
///
/// Amounts are at most [`crate::data::clean::MAX_AMOUNT`] (10^15) in size, so `high` is below
/// 2^60; larger ones saturate.
#[inline]
pub fn split(amount: f64) -> (i64, i64) {
    let scaled = amount.abs() * HIGH_SCALE;
    let sign = if amount < 0.0 { -1 } else { 1 };
    // Below 2^63 (every amount a row keeps), floor and round by integer conversion: x86-64's
    // baseline has no rounding instruction, and the calls into libm were 2.5% of reading 10^8
    // rows. Truncation is floor here (scaled >= 0); below 2^53 the conversions back are exact and
    // above it the values are whole already, so these are the same integers as below.
    if scaled < 9_223_372_036_854_775_808.0 {
        let whole = scaled as i64;
        let rest = (scaled - whole as f64) * LOW_SCALE;
        let truncated = rest as i64;
        let rounded = truncated + i64::from(rest - truncated as f64 >= 0.5);
        return (sign * whole, sign * rounded);
    }
    let whole = scaled.floor();
    let rest = ((scaled - whole) * LOW_SCALE).round();
    (sign * whole as i64, sign * rest as i64)
}

/// A running sum of amounts whose value does not depend on the order they were added in (see the
/// module documentation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExactSum {
    /// The sum of the amounts' units of 2^-10.
    pub high: i128,
    /// The sum of the amounts' units of 2^-72.
    pub low: i128,
}

impl ExactSum {
    /// Adds one amount.
    #[inline]
    pub fn add(&mut self, amount: f64) {
        let (high, low) = split(amount);
        self.high += i128::from(high);
        self.low += i128::from(low);
    }

    /// Adds another sum (of other rows).
    pub fn merge(&mut self, other: ExactSum) {
        self.high += other.high;
        self.low += other.low;
    }

    /// The total rounded to the nearest double (ties to even).
    pub fn value(&self) -> f64 {
        // total = (high * 2^62 + low) * 2^-72; first bring low into 0..2^62.
        let high = self.high + self.low.div_euclid(LOW_UNITS);
        let low = self.low.rem_euclid(LOW_UNITS) as u128;
        // The size as (upper * 2^62 + lower) units of 2^-72, lower below 2^62.
        let (upper, lower) = if high >= 0 || low == 0 {
            (high.unsigned_abs(), if high >= 0 { low } else { 0 })
        } else {
            (high.unsigned_abs() - 1, LOW_UNITS as u128 - low)
        };
        let size = if upper < 1 << 65 {
            // Fits 127 bits: one conversion, rounded to nearest, then an exact scaling.
            ((upper << 62) | lower) as f64 * LOW_UNIT
        } else {
            // Above 2^55: `upper` alone has more than 65 significant bits, so the lower part
            // only decides ties, as a sticky bit in `upper`'s last place.
            (upper | u128::from(lower != 0)) as f64 / HIGH_SCALE
        };
        if high < 0 { -size } else { size }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn sum(amounts: &[f64]) -> f64 {
        let mut sum = ExactSum::default();
        amounts.iter().for_each(|&a| sum.add(a));
        sum.value()
    }

    /// The exact sum of multiples of 2^-20 below 2^40 in size, as an integer count of 2^-20
    /// (exact in i128), converted once: an independent correctly rounded sum.
    fn reference(amounts: &[f64]) -> f64 {
        let units: i128 = amounts
            .iter()
            .map(|a| {
                let u = a * 1_048_576.0;
                assert_eq!(u, u.trunc(), "{a} is not on the 2^-20 grid");
                u as i128
            })
            .sum();
        units as f64 / 1_048_576.0
    }

    #[test]
    fn sums_round_once() {
        assert_eq!(sum(&[0.1, 0.2, 0.3]), 0.6);
        assert_eq!(0.1 + 0.2 + 0.3, 0.6000000000000001);
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[1e15, 1.0, -1e15]), 1.0);
        assert_eq!(sum(&[2.5, -7.25]), -4.75);
        assert_eq!(sum(&[-0.1, -0.2, -0.3]), -0.6);
        // The rest of a negative amount is carried the other way.
        assert_eq!(sum(&[-0.1, 0.3]), 0.19999999999999998);
        assert_eq!(-0.1 + 0.3, 0.19999999999999998);
    }

    #[test]
    fn every_amount_of_money_survives_the_split() {
        for amount in [
            0.01,
            0.1,
            1.0 / 3.0,
            2.55,
            1234.5678,
            9.99e14,
            1e15,
            1e-6,
            -3.75,
            -0.01,
            0.0,
        ] {
            assert_eq!(sum(&[amount]), amount, "{amount}");
        }
        // Below 2^-20 an amount is rounded to the 2^-72 grid.
        assert_eq!(sum(&[1e-30]), 0.0);
    }

    #[test]
    fn large_totals_are_rounded_once() {
        // 2^55 and more: the branch that keeps the low part as a sticky bit.
        let big = 9.0e14;
        let amounts = vec![big; 200];
        assert_eq!(sum(&amounts), 1.8e17);
        // A tie at 2^60 + 64 (halfway between two doubles 256 apart): the low part breaks it.
        let two_60 = 2f64.powi(60);
        let mut exact = ExactSum::default();
        for _ in 0..1024 {
            exact.add(2f64.powi(50));
        }
        assert_eq!(exact.value(), two_60);
        exact.add(128.0);
        assert_eq!(exact.value(), two_60, "ties to even");
        // Far below the grid of the high part: only the sticky bit says the total is past the tie.
        exact.add(1e-6);
        assert_eq!(exact.value(), two_60 + 256.0, "just above the tie");
    }

    /// `split` as the SQL engine computes it, with floor and round.
    fn split_by_floor_and_round(amount: f64) -> (i64, i64) {
        let scaled = amount.abs() * HIGH_SCALE;
        let whole = scaled.floor();
        let rest = ((scaled - whole) * LOW_SCALE).round();
        let sign = if amount < 0.0 { -1 } else { 1 };
        (sign * whole as i64, sign * rest as i64)
    }

    #[test]
    fn split_by_integers_is_split_by_floor_and_round() {
        // Halfway cases of the low unit (2^-73 rounds up, away from zero), whole numbers, values
        // beside powers of two, the largest amount a row keeps, and what no row keeps.
        let mut amounts = vec![
            0.0,
            -0.0,
            2f64.powi(-73),
            -(2f64.powi(-73)),
            3.0 * 2f64.powi(-73),
            2f64.powi(-74),
            0.1,
            -2.55,
            1e15,
            -1e15,
            2f64.powi(52),
            2f64.powi(53) + 2.0,
            9e18,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        for power in -80..60 {
            let x = 2f64.powi(power);
            amounts.extend([x, x.next_up(), x.next_down(), -x, 0.3 * x, 1.7 * x]);
        }
        for amount in amounts {
            assert_eq!(
                split(amount),
                split_by_floor_and_round(amount),
                "{amount:e}"
            );
        }
    }

    proptest! {
        #[test]
        fn split_by_integers_agrees_on_any_double(bits in any::<u64>()) {
            let amount = f64::from_bits(bits);
            prop_assert_eq!(split(amount), split_by_floor_and_round(amount));
        }

        #[test]
        fn order_does_not_matter(
            cents in proptest::collection::vec(-10_000_000i64..10_000_000, 0..60),
            seed in any::<u64>(),
        ) {
            let amounts: Vec<f64> = cents.iter().map(|&c| c as f64 / 100.0).collect();
            // A reproducible shuffle without a random crate: sort by a hash of the position.
            let mut keyed: Vec<(u64, f64)> = amounts
                .iter()
                .enumerate()
                .map(|(i, &a)| ((i as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15), a))
                .collect();
            keyed.sort_by_key(|(k, _)| *k);
            let shuffled: Vec<f64> = keyed.into_iter().map(|(_, a)| a).collect();
            prop_assert_eq!(sum(&amounts).to_bits(), sum(&shuffled).to_bits());
            // Split in two and merged, as partitions of a distributed engine are.
            let (left, right) = amounts.split_at(amounts.len() / 2);
            let mut merged = ExactSum::default();
            left.iter().for_each(|&a| merged.add(a));
            let mut other = ExactSum::default();
            right.iter().for_each(|&a| other.add(a));
            merged.merge(other);
            prop_assert_eq!(merged.value().to_bits(), sum(&amounts).to_bits());
        }

        #[test]
        fn matches_an_independent_exact_sum(
            units in proptest::collection::vec(-(1i64 << 50)..(1i64 << 50), 0..40),
        ) {
            let amounts: Vec<f64> = units.iter().map(|&u| u as f64 / 1_048_576.0).collect();
            prop_assert_eq!(sum(&amounts).to_bits(), reference(&amounts).to_bits());
        }
    }
}
