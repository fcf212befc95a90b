//! The random draws the generators need, on one seeded Xoshiro256++ stream.
//!
//! Written here rather than taken from `rand_distr` because the generators need five small
//! distributions and a promise that the same seed gives the same bytes across releases, which a
//! distribution crate's sampling algorithms do not make.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};

/// A seeded random stream.
pub(crate) struct Random(Xoshiro256PlusPlus);

impl Random {
    pub fn new(seed: u64) -> Self {
        Random(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `low..=high`.
    pub fn int(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low + 1).max(1) as u64;
        // Multiply-shift maps 64 random bits onto the span with negligible bias for small spans.
        low + ((u128::from(self.0.next_u64()) * u128::from(span)) >> 64) as i64
    }

    /// Index in `0..n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.int(0, n as i64 - 1) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal (Box-Muller; one of the pair is dropped to keep the stream simple).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given median and log-scale spread.
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Geometric number of extra events: 0, 1, 2, ... with the given mean.
    pub fn geometric(&mut self, mean: f64) -> u64 {
        let p = 1.0 / (1.0 + mean);
        let u = 1.0 - self.uniform();
        (u.ln() / (1.0 - p).ln()).floor() as u64
    }

    /// Hex digits of 64 random bits, `digits` long (at most 16).
    pub fn hex(&mut self, digits: usize) -> String {
        let value = self.0.next_u64();
        format!("{value:016x}")[16 - digits.min(16)..].to_string()
    }
}

/// A categorical distribution: draws an index with probability proportional to its weight.
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.into_iter().map(|c| c / total).collect();
        Weighted { cumulative }
    }

    pub fn draw(&self, random: &mut Random) -> usize {
        let u = random.uniform();
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// A continuous distribution given by quantiles: `(probability, value)` points, increasing in
/// both, from probability 0 to 1. Draws interpolate linearly in log-value between the points, so
/// every given quantile holds up to sampling error.
pub(crate) struct Quantiles {
    points: Vec<(f64, f64)>,
}

impl Quantiles {
    pub fn new(points: &[(f64, f64)]) -> Self {
        Quantiles {
            points: points.iter().map(|&(p, v)| (p, v.ln())).collect(),
        }
    }

    pub fn draw(&self, random: &mut Random) -> f64 {
        self.at(random.uniform())
    }

    /// The value at probability `u`.
    pub fn at(&self, u: f64) -> f64 {
        let i = self
            .points
            .partition_point(|&(p, _)| p <= u)
            .clamp(1, self.points.len() - 1);
        let ((p0, v0), (p1, v1)) = (self.points[i - 1], self.points[i]);
        let t = ((u - p0) / (p1 - p0)).clamp(0.0, 1.0);
        (v0 + t * (v1 - v0)).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Random::new(3), Random::new(3));
        for _ in 0..100 {
            assert_eq!(a.uniform().to_bits(), b.uniform().to_bits());
        }
        assert_ne!(Random::new(4).uniform(), Random::new(3).uniform());
    }

    #[test]
    fn int_stays_in_range_and_reaches_both_ends() {
        let mut r = Random::new(1);
        let draws: Vec<i64> = (0..2000).map(|_| r.int(3, 6)).collect();
        assert!(draws.iter().all(|d| (3..=6).contains(d)));
        assert!(draws.contains(&3) && draws.contains(&6));
    }

    #[test]
    fn weighted_draws_follow_the_weights() {
        let mut r = Random::new(5);
        let w = Weighted::new([1.0, 0.0, 3.0]);
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[w.draw(&mut r)] += 1;
        }
        assert_eq!(counts[1], 0);
        let share = counts[2] as f64 / 40_000.0;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }

    #[test]
    fn quantiles_hit_their_points() {
        let q = Quantiles::new(&[(0.0, 10.0), (0.5, 100.0), (1.0, 1000.0)]);
        assert!((q.at(0.5) - 100.0).abs() < 1e-9);
        assert!((q.at(0.0) - 10.0).abs() < 1e-9);
        assert!((q.at(1.0) - 1000.0).abs() < 1e-9);
        // Log-linear: halfway between 10 and 100 in log is sqrt(10 * 100).
        assert!((q.at(0.25) - 1000f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn geometric_mean_is_close() {
        let mut r = Random::new(9);
        let n = 50_000;
        let mean = (0..n).map(|_| r.geometric(3.0)).sum::<u64>() as f64 / n as f64;
        assert!((mean - 3.0).abs() < 0.1, "{mean}");
    }
}
