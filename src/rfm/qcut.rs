//! Quantile binning with pandas' exact semantics.
//!
//! [`qcut`] reproduces `pandas.qcut(x, q, labels=False) + 1`: bin edges are `Series.quantile` at
//! `numpy.linspace(0, 1, q + 1)` with linear interpolation (numpy's `_lerp`, bit for bit), bins are
//! closed on the right, and the first bin also holds the minimum (`include_lowest=True`). Where two
//! edges coincide pandas raises "Bin edges must be unique"; [`qcut`] returns
//! [`QcutError::DuplicateEdges`] so the caller can apply its documented fallback.

use crate::stats::quantile_sorted;

/// Why [`qcut`] could not bin the values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QcutError {
    /// No values.
    #[error("there are no values to bin")]
    Empty,
    /// Fewer than two bins asked for.
    #[error("quantile binning needs at least 2 bins")]
    TooFewBins,
    /// Two quantile edges are equal (pandas: "Bin edges must be unique").
    #[error(
        "two quantile edges are equal ({}): too many tied values for this many bins",
        .0.iter().map(f64::to_string).collect::<Vec<_>>().join(", ")
    )]
    DuplicateEdges(Vec<f64>),
}

/// The quantile edges pandas computes for `q` bins of `values` (sorted or not; NaN not allowed).
pub fn quantile_edges(values: &[f64], q: usize) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_probabilities(q)
        .into_iter()
        .map(|fraction| quantile_sorted(&sorted, fraction))
        .collect()
}

/// The probabilities pandas 3 uses for `q` bins: `numpy.linspace(0, 1, q + 1)` (that is
/// `i * (1/q)`), each bumped to the next float up where `q * p != i` ("round up rather than to
/// nearest if not representable in base 2"). For q = 5 the fourth is 0.6000000000000002.
pub fn quantile_probabilities(q: usize) -> Vec<f64> {
    let step = 1.0 / q as f64;
    (0..=q)
        .map(|i| {
            let p = if i == q { 1.0 } else { i as f64 * step };
            if q as f64 * p != i as f64 {
                next_up(p)
            } else {
                p
            }
        })
        .collect()
}

/// The next representable f64 above a finite non-negative `x` (`numpy.nextafter(x, 1)` for x < 1).
fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else {
        f64::from_bits(x.to_bits() + 1)
    }
}

/// Bins `values` into `q` quantile bins, returning labels `1..=q` (pandas' `labels=False` plus one).
///
/// ```
/// use custseg::rfm::qcut::{qcut, QcutError};
/// assert_eq!(qcut(&[1.0, 2.0, 3.0, 4.0, 5.0], 5), Ok(vec![1, 2, 3, 4, 5]));
/// assert!(matches!(qcut(&[1.0, 1.0, 1.0, 2.0], 4), Err(QcutError::DuplicateEdges(_))));
/// ```
pub fn qcut(values: &[f64], q: usize) -> Result<Vec<u32>, QcutError> {
    if values.is_empty() {
        return Err(QcutError::Empty);
    }
    if q < 2 {
        return Err(QcutError::TooFewBins);
    }
    let edges = quantile_edges(values, q);
    if edges.windows(2).any(|w| w[0] == w[1]) {
        return Err(QcutError::DuplicateEdges(edges));
    }
    Ok(values.iter().map(|&x| bin_of(&edges, x)).collect())
}

/// The 1-based bin of `x` for right-closed `edges`, the first bin including its left edge.
pub(crate) fn bin_of(edges: &[f64], x: f64) -> u32 {
    // searchsorted(side="left"): edges strictly below x.
    let below = edges.partition_point(|&e| e < x);
    below.clamp(1, edges.len() - 1) as u32
}

/// `pandas.Series.rank(method="first")`: 1..n, ties broken by position.
pub fn rank_first(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; values.len()];
    for (rank, &i) in order.iter().enumerate() {
        ranks[i] = (rank + 1) as f64;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_edges_and_bins() {
        // n = 6 values 10..60, q = 5: virtual indices 0..5, so the edges are the values themselves,
        // except the fourth: pandas bumps p = 0.6000000000000001 up to 0.6000000000000002, whose
        // virtual index lands a hair above 3, giving 40.00000000000001 (pandas prints the same).
        let v = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
        assert_eq!(
            quantile_edges(&v, 5),
            vec![10.0, 20.0, 30.0, 40.00000000000001, 50.0, 60.0]
        );
        // 10 -> first bin (include_lowest), 20 -> (10,20] bin 1, 30 -> bin 2 ...
        assert_eq!(qcut(&v, 5).unwrap(), vec![1, 1, 2, 3, 4, 5]);
        // 4 values, q = 2: edges 1, 2.5, 4.
        assert_eq!(
            quantile_edges(&[4.0, 1.0, 3.0, 2.0], 2),
            vec![1.0, 2.5, 4.0]
        );
        assert_eq!(qcut(&[4.0, 1.0, 3.0, 2.0], 2).unwrap(), vec![2, 1, 2, 1]);
    }

    #[test]
    fn ties_and_degenerate_inputs() {
        assert!(matches!(qcut(&[7.0], 5), Err(QcutError::DuplicateEdges(_))));
        assert_eq!(qcut(&[], 5), Err(QcutError::Empty));
        assert_eq!(qcut(&[1.0, 2.0], 1), Err(QcutError::TooFewBins));
        // Fewer values than bins still works when they are distinct: 3 values, 5 bins.
        assert_eq!(qcut(&[1.0, 2.0, 3.0], 5).unwrap(), vec![1, 3, 5]);
    }

    #[test]
    fn rank_first_breaks_ties_by_position() {
        assert_eq!(
            rank_first(&[3.0, 1.0, 3.0, 2.0, 1.0]),
            vec![4.0, 1.0, 5.0, 3.0, 2.0]
        );
    }
}
