//! Clustering quality metrics with scikit-learn's definitions: silhouette (mean and per sample),
//! Calinski-Harabasz and Davies-Bouldin. linfa has only the silhouette; these three are written
//! here so that a comparison table matches scikit-learn's to 1e-9 (tested against
//! `tests/fixtures/cluster/metrics_cases.json`, made by `tests/reference/cluster_metrics.py`).
//! The adjusted Rand index compares two labellings of the same samples instead (tested against
//! `tests/fixtures/cluster/ari_cases.json`, made by `tests/reference/adjusted_rand.py`).
//!
//! The data is a row-major matrix: `rows` samples of `dims` features in one slice.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::matrix::Matrix;

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Dense cluster ids 0..k for the labels, and k. Labels may be any integers.
fn relabel(labels: &[i64]) -> (Vec<usize>, usize) {
    let mut distinct: Vec<i64> = labels.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let ids = labels
        .iter()
        .map(|l| distinct.binary_search(l).unwrap_or(0))
        .collect();
    (ids, distinct.len())
}

fn check(x: &Matrix, labels: &[i64]) -> Result<(Vec<usize>, usize)> {
    if labels.len() != x.rows() {
        return Err(Error::param(
            "labels",
            format!("{} labels for {} samples", labels.len(), x.rows()),
        ));
    }
    let (ids, k) = relabel(labels);
    if k < 2 || k > x.rows().saturating_sub(1) {
        return Err(Error::param(
            "labels",
            format!(
                "the metrics need 2 to n - 1 = {} clusters, got {k}",
                x.rows().saturating_sub(1)
            ),
        ));
    }
    Ok((ids, k))
}

/// The mean of each cluster's members and the cluster sizes (an empty cluster's mean is NaN).
pub(crate) fn centroids(x: &Matrix, ids: &[usize], k: usize) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut sums = vec![vec![0.0; x.dims()]; k];
    let mut counts = vec![0usize; k];
    for (i, &c) in ids.iter().enumerate() {
        counts[c] += 1;
        for (s, v) in sums[c].iter_mut().zip(x.row(i)) {
            *s += v;
        }
    }
    for (sum, &n) in sums.iter_mut().zip(&counts) {
        for s in sum.iter_mut() {
            *s /= n as f64;
        }
    }
    (sums, counts)
}

/// The silhouette of a sample of cluster `own` from its summed distances to every cluster.
fn coefficient(sums: &[f64], sizes: &[usize], own: usize) -> f64 {
    if sizes[own] <= 1 {
        return 0.0;
    }
    let a = sums[own] / (sizes[own] - 1) as f64;
    let b = (0..sums.len())
        .filter(|&c| c != own)
        .map(|c| sums[c] / sizes[c] as f64)
        .fold(f64::INFINITY, f64::min);
    let s = (b - a) / a.max(b);
    if s.is_nan() { 0.0 } else { s }
}

/// The number of samples in each cluster 0..k.
fn cluster_sizes(ids: &[usize], k: usize) -> Vec<usize> {
    let mut sizes = vec![0usize; k];
    for &c in ids {
        sizes[c] += 1;
    }
    sizes
}

/// The silhouette of every sample under several labellings of the same samples (`[t][i]`), in
/// one pass: each distance is computed once and added to every labelling's sums. One labelling
/// is [`silhouette_samples`]; many are a comparison over k ([`silhouette_scores`]).
fn silhouettes(x: &Matrix, labellings: &[&[i64]]) -> Result<Vec<Vec<f64>>> {
    let n = x.rows();
    let mut prepared = Vec::with_capacity(labellings.len());
    let mut offsets = Vec::with_capacity(labellings.len() + 1);
    offsets.push(0usize);
    for labels in labellings {
        let (ids, k) = check(x, labels)?;
        let sizes = cluster_sizes(&ids, k);
        offsets.push(offsets[offsets.len() - 1] + k);
        prepared.push((ids, sizes));
    }
    let total = offsets[offsets.len() - 1];
    let t_count = labellings.len();
    // Where sample j's distance goes for each labelling, sample-major so one read serves all.
    let slots: Vec<u32> = (0..n)
        .flat_map(|j| {
            let offsets = &offsets;
            prepared
                .iter()
                .enumerate()
                .map(move |(t, (ids, _))| (offsets[t] + ids[j]) as u32)
        })
        .collect();
    let columns = x.columns();
    // Each sample's sums are independent: split them over the cores (results do not depend on
    // how the work is split).
    let per_sample: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0.0; n], vec![0.0; total]),
            |(row, sums), i| {
                row.iter_mut().for_each(|v| *v = 0.0);
                for (column, &v) in columns.iter().zip(x.row(i)) {
                    for (r, c) in row.iter_mut().zip(column) {
                        *r += (c - v) * (c - v);
                    }
                }
                row.iter_mut().for_each(|v| *v = v.sqrt());
                sums.iter_mut().for_each(|v| *v = 0.0);
                for (d, slot) in row.iter().zip(slots.chunks_exact(t_count)) {
                    for &s in slot {
                        sums[s as usize] += d;
                    }
                }
                prepared
                    .iter()
                    .enumerate()
                    .map(|(t, (ids, sizes))| {
                        coefficient(&sums[offsets[t]..offsets[t + 1]], sizes, ids[i])
                    })
                    .collect()
            },
        )
        .collect();
    Ok((0..t_count)
        .map(|t| per_sample.iter().map(|s| s[t]).collect())
        .collect())
}

/// Mean silhouettes of several labellings of the same samples (a comparison over k), computing
/// each distance once for all of them. Equal to [`silhouette_score`] of each labelling.
///
/// ```
/// use custseg::cluster::metrics::{silhouette_score, silhouette_scores};
/// use custseg::matrix::Matrix;
/// let values = [0.0, 1.0, 4.0, 6.0, 20.0];
/// let x = Matrix::new(&values, 1)?;
/// let labellings = [vec![0, 0, 1, 1, 1], vec![0, 0, 1, 1, 2]];
/// let scores = silhouette_scores(&x, &labellings)?;
/// assert!((scores[1] - silhouette_score(&x, &labellings[1])?).abs() < 1e-12);
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn silhouette_scores(x: &Matrix, labellings: &[Vec<i64>]) -> Result<Vec<f64>> {
    let views: Vec<&[i64]> = labellings.iter().map(Vec::as_slice).collect();
    Ok(silhouettes(x, &views)?
        .iter()
        .map(|samples| samples.iter().sum::<f64>() / samples.len() as f64)
        .collect())
}

/// Silhouette coefficient of every sample (scikit-learn's `silhouette_samples`, Euclidean):
/// `(b - a) / max(a, b)` with `a` the mean distance to the other members of its cluster and `b`
/// the smallest mean distance to another cluster; 0 for a sample alone in its cluster.
pub fn silhouette_samples(x: &Matrix, labels: &[i64]) -> Result<Vec<f64>> {
    Ok(silhouettes(x, &[labels])?.swap_remove(0))
}

/// Mean silhouette coefficient (scikit-learn's `silhouette_score`, Euclidean, all samples).
pub fn silhouette_score(x: &Matrix, labels: &[i64]) -> Result<f64> {
    let samples = silhouette_samples(x, labels)?;
    Ok(samples.iter().sum::<f64>() / samples.len() as f64)
}

/// Calinski-Harabasz index: between-cluster dispersion over within-cluster dispersion, each by its
/// degrees of freedom, `[B / (k - 1)] / [W / (n - k)]`; 1 when W is 0 (scikit-learn's convention).
pub fn calinski_harabasz_score(x: &Matrix, labels: &[i64]) -> Result<f64> {
    let (ids, k) = check(x, labels)?;
    let n = x.rows();
    let mean: Vec<f64> = (0..x.dims())
        .map(|d| (0..n).map(|i| x.row(i)[d]).sum::<f64>() / n as f64)
        .collect();
    let (centers, counts) = centroids(x, &ids, k);
    let mut between = 0.0;
    for (c, center) in centers.iter().enumerate() {
        between += counts[c] as f64
            * center
                .iter()
                .zip(&mean)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>();
    }
    let mut within = 0.0;
    for (i, &c) in ids.iter().enumerate() {
        within += x
            .row(i)
            .iter()
            .zip(&centers[c])
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>();
    }
    Ok(if within == 0.0 {
        1.0
    } else {
        between * (n - k) as f64 / (within * (k - 1) as f64)
    })
}

/// Davies-Bouldin index: for each cluster the worst ratio of summed spreads to centroid distance,
/// averaged; spreads are mean distances to the centroid. 0 when every spread or every centroid
/// distance is 0 (scikit-learn's convention); coincident centroids are ignored.
pub fn davies_bouldin_score(x: &Matrix, labels: &[i64]) -> Result<f64> {
    let (ids, k) = check(x, labels)?;
    let (centers, counts) = centroids(x, &ids, k);
    let mut spread = vec![0.0; k];
    for (i, &c) in ids.iter().enumerate() {
        spread[c] += distance(x.row(i), &centers[c]);
    }
    for (s, &n) in spread.iter_mut().zip(&counts) {
        *s /= n as f64;
    }
    let gaps: Vec<Vec<f64>> = (0..k)
        .map(|a| (0..k).map(|b| distance(&centers[a], &centers[b])).collect())
        .collect();
    let close = |v: f64| v.abs() < 1e-12;
    if spread.iter().all(|s| close(*s)) || gaps.iter().flatten().all(|g| close(*g)) {
        return Ok(0.0);
    }
    let worst: Vec<f64> = (0..k)
        .map(|a| {
            (0..k)
                .filter(|&b| b != a)
                .map(|b| {
                    if gaps[a][b] == 0.0 {
                        0.0
                    } else {
                        (spread[a] + spread[b]) / gaps[a][b]
                    }
                })
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    Ok(worst.iter().sum::<f64>() / k as f64)
}

/// Up to this many samples the pair counts of [`adjusted_rand_score`] and their products fit in
/// an `i128`: `n^2 <= 2^62`, and the denominator, a sum of two products of counts of at most
/// `n^2` each, is at most `2^125`.
const ARI_MAX_SAMPLES: usize = 1 << 31;

/// The sum of the squared counts, exactly.
fn sum_of_squares<K>(counts: &HashMap<K, u64>) -> i128 {
    counts
        .values()
        .map(|&c| i128::from(c) * i128::from(c))
        .sum()
}

/// Adjusted Rand index of two labellings of the same samples (scikit-learn's
/// `adjusted_rand_score`): the Rand index (the share of sample pairs on which the two agree,
/// together in both or apart in both) corrected for chance. 1 for the same partition whatever the
/// label values, about 0 for independent labellings, negative for worse than chance; symmetric
/// in its arguments. Labels are any integers: [`NOISE`](crate::cluster::NOISE) is an ordinary
/// cluster here. 1 when neither labelling puts together a pair that the other keeps apart: no
/// samples, one sample, one cluster on both sides, all singletons on both sides.
///
/// Computed as scikit-learn 1.9 does: from the contingency table `n_ij` (samples with true label
/// `i` and predicted label `j`) with row sums `a_i` and column sums `b_j`, the counts of ordered
/// pairs `tp = sum n_ij^2 - n` (together in both), `fp = sum b_j^2 - sum n_ij^2` (together in
/// `labels_pred` only), `fn = sum a_i^2 - sum n_ij^2` (together in `labels_true` only) and
/// `tn = n^2 - fp - fn - sum n_ij^2` (apart in both), exactly in integers; then 1 if
/// `fn = fp = 0`, else `2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))` with the
/// integer numerator and denominator each rounded to `f64` once, so the bits are scikit-learn's.
///
/// ```
/// use custseg::cluster::adjusted_rand_score;
/// // The same partition under other label values.
/// assert_eq!(adjusted_rand_score(&[0, 0, 1, 1], &[5, 5, -1, -1])?, 1.0);
/// // The second true cluster split in two: tp = 2, fp = 0, fn = 2, tn = 8, ARI = 32 / 56.
/// let ari = adjusted_rand_score(&[0, 0, 1, 1], &[0, 0, 1, 2])?;
/// assert_eq!(ari, 4.0 / 7.0);
/// # Ok::<(), custseg::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidParameter`] when the slices differ in length, or hold more than 2^31 labels.
pub fn adjusted_rand_score(labels_true: &[i64], labels_pred: &[i64]) -> Result<f64> {
    if labels_pred.len() != labels_true.len() {
        return Err(Error::param(
            "labels_pred",
            format!(
                "{} predicted labels for {} true labels (one of each per sample)",
                labels_pred.len(),
                labels_true.len()
            ),
        ));
    }
    if labels_true.len() > ARI_MAX_SAMPLES {
        return Err(Error::param(
            "labels_true",
            format!(
                "{} samples; the adjusted Rand index takes at most 2^31",
                labels_true.len()
            ),
        ));
    }
    let mut cells: HashMap<(i64, i64), u64> = HashMap::new();
    let mut true_sizes: HashMap<i64, u64> = HashMap::new();
    let mut pred_sizes: HashMap<i64, u64> = HashMap::new();
    for (&t, &p) in labels_true.iter().zip(labels_pred) {
        *cells.entry((t, p)).or_default() += 1;
        *true_sizes.entry(t).or_default() += 1;
        *pred_sizes.entry(p).or_default() += 1;
    }
    // At most 2^31 samples (checked above): every count below is at most n^2 <= 2^62.
    let n = labels_true.len() as i128;
    let together_both = sum_of_squares(&cells);
    let tp = together_both - n;
    let fp = sum_of_squares(&pred_sizes) - together_both;
    let fn_ = sum_of_squares(&true_sizes) - together_both;
    let tn = n * n - fp - fn_ - together_both;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    // |numerator| <= 2^124 and 0 < denominator <= 2^125: no overflow. `as f64` rounds to the
    // nearest f64, ties to even, like Python's int -> float; doubling is exact.
    let numerator = tp * tn - fn_ * fp;
    let denominator = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(2.0 * numerator as f64 / denominator as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_two_clusters() {
        // Points 0, 1 (cluster A) and 4, 6 (cluster B) on a line.
        let values = [0.0, 1.0, 4.0, 6.0];
        let x = Matrix::new(&values, 1).unwrap();
        let labels = [0, 0, 1, 1];
        // Sample 0: a = 1, b = (4 + 6) / 2 = 5 -> 0.8; sample 1: a = 1, b = 4 -> 0.75;
        // sample 2: a = 2, b = 3.5 -> 1.5 / 3.5; sample 3: a = 2, b = 5.5 -> 3.5 / 5.5.
        let s = silhouette_samples(&x, &labels).unwrap();
        let want = [0.8, 0.75, 1.5 / 3.5, 3.5 / 5.5];
        for (g, w) in s.iter().zip(want) {
            assert!((g - w).abs() < 1e-15);
        }
        // Centroids 0.5 and 5, mean 2.75: B = 2 * 2.25^2 * 2 = 20.25; W = 0.5 + 2 = 2.5.
        let ch = calinski_harabasz_score(&x, &labels).unwrap();
        assert!((ch - 20.25 * 2.0 / 2.5).abs() < 1e-12);
        // Spreads 0.5 and 1, centroid distance 4.5: DB = (1.5 / 4.5 + 1.5 / 4.5) / 2.
        let db = davies_bouldin_score(&x, &labels).unwrap();
        assert!((db - 1.5 / 4.5).abs() < 1e-15);
    }

    #[test]
    fn singleton_and_bad_inputs() {
        let values = [0.0, 1.0, 10.0];
        let x = Matrix::new(&values, 1).unwrap();
        let s = silhouette_samples(&x, &[0, 0, 7]).unwrap();
        assert_eq!(s[2], 0.0, "alone in its cluster");
        assert!(silhouette_score(&x, &[0, 0, 0]).is_err(), "one cluster");
        assert!(silhouette_score(&x, &[0, 1, 2]).is_err(), "n clusters");
        assert!(silhouette_score(&x, &[0, 1]).is_err(), "label count");
        assert!(Matrix::new(&[1.0, f64::NAN], 1).is_err());
        assert!(Matrix::new(&[1.0, 2.0, 3.0], 2).is_err());
    }
}
