//! k-means as scikit-learn's `KMeans` (Lloyd's algorithm) runs it: greedy k-means++ starts
//! (`2 + ln k` candidates per centre, the one that lowers the potential most wins), `n_init` runs
//! keeping the lowest inertia, at most `max_iter` iterations, stopping when the labels no longer
//! change or the centres move less than `tol` times the mean feature variance, empty clusters
//! moved to the samples farthest from their centres, and a final assignment to the final centres.
//!
//! Written here rather than taken from linfa: linfa's `KMeans` took 1.4 s for the 90 fits of a
//! k = 2..10 comparison on the 4,338 Online Retail customers (BENCHMARKS.md), and the runs here
//! are independent, so they go to all cores. Same data and seed give the same labels: run `r`
//! draws from a Xoshiro256+ generator seeded with `seed + r`, and the best run wins ties by index.

use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

use crate::cluster::model::check_k;
use crate::error::{Error, Result};
use crate::matrix::{Matrix, squared_distance};

/// Checked parameters of a k-means fit.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    k: usize,
    n_init: usize,
    max_iter: u64,
    tol: f64,
    seed: u64,
}

impl KMeansParams {
    /// `k` clusters with scikit-learn's defaults: 10 runs, 300 iterations, tolerance 1e-4, seed 0.
    pub fn new(k: usize) -> Self {
        KMeansParams {
            k,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
        }
    }

    /// The number of clusters.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Number of runs from different initial centres; the lowest inertia wins.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Maximum iterations per run.
    pub fn max_iter(mut self, max_iter: u64) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Tolerance, relative to the mean variance of the features (as scikit-learn's `tol`).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Seed of the random initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters against the data size.
    pub fn check(&self, samples: usize) -> Result<()> {
        check_k(self.k, samples)?;
        if self.n_init == 0 || self.max_iter == 0 {
            return Err(Error::param(
                "KMeansParams::n_init",
                "n_init and max_iter must be at least 1",
            ));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param(
                "KMeansParams::tol",
                format!("must be finite and non-negative, got {}", self.tol),
            ));
        }
        Ok(())
    }

    /// Fits k-means to the rows of `x`.
    pub fn fit(&self, x: &Matrix) -> Result<KMeansModel> {
        let n = x.rows();
        self.check(n)?;
        let dims = x.dims();
        // scikit-learn's tolerance is relative to the data's mean variance.
        let mean_variance = (0..dims)
            .map(|d| {
                let mean = (0..n).map(|i| x.row(i)[d]).sum::<f64>() / n as f64;
                (0..n).map(|i| (x.row(i)[d] - mean).powi(2)).sum::<f64>() / n as f64
            })
            .sum::<f64>()
            / dims as f64;
        let tol = self.tol * mean_variance;
        let columns = Columns::new(x);
        let runs: Vec<KMeansModel> = (0..self.n_init)
            .into_par_iter()
            .map(|run| {
                let mut rng = Xoshiro256Plus::seed_from_u64(self.seed.wrapping_add(run as u64));
                let centres = greedy_kmeans_plus_plus(x, &columns, self.k, &mut rng);
                lloyd(x, centres, self.max_iter, tol)
            })
            .collect();
        runs.into_iter()
            .reduce(|best, run| {
                if run.inertia < best.inertia {
                    run
                } else {
                    best
                }
            })
            .ok_or_else(|| Error::param("KMeansParams::n_init", "no run"))
    }
}

/// A uniform draw in [0, 1).
fn uniform(rng: &mut Xoshiro256Plus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// scikit-learn's `_kmeans_plusplus`: the first centre uniformly at random, then each next one
/// the best of `2 + ln k` candidates drawn with probability proportional to the squared
/// distance to the nearest centre so far.
fn greedy_kmeans_plus_plus(
    x: &Matrix,
    columns: &Columns,
    k: usize,
    rng: &mut Xoshiro256Plus,
) -> Vec<Vec<f64>> {
    let n = x.rows();
    let trials = 2 + (k as f64).ln() as usize;
    let first = (rng.next_u64() % n as u64) as usize;
    let mut centres = vec![x.row(first).to_vec()];
    let mut closest = vec![0.0; n];
    columns.squared_distances(x.row(first), &mut closest);
    let mut to_candidate = vec![0.0; n];
    let mut best_closest = vec![0.0; n];
    let mut potential: f64 = closest.iter().sum();
    let mut cumulative = vec![0.0; n];
    while centres.len() < k {
        let mut running = 0.0;
        for (c, d) in cumulative.iter_mut().zip(&closest) {
            running += d;
            *c = running;
        }
        // The best candidate's distances stay in `best_closest`; a better one swaps in.
        let mut best: Option<(f64, usize)> = None;
        for _ in 0..trials {
            let target = uniform(rng) * potential;
            let candidate = cumulative.partition_point(|&c| c <= target).min(n - 1);
            columns.squared_distances(x.row(candidate), &mut to_candidate);
            let mut total = 0.0;
            for (e, &d) in to_candidate.iter_mut().zip(&closest) {
                *e = e.min(d);
                total += *e;
            }
            if best.is_none_or(|(p, _)| total < p) {
                best = Some((total, candidate));
                std::mem::swap(&mut best_closest, &mut to_candidate);
            }
        }
        if let Some((total, candidate)) = best {
            centres.push(x.row(candidate).to_vec());
            std::mem::swap(&mut closest, &mut best_closest);
            potential = total;
        }
    }
    centres
}

/// The samples one feature at a time (`columns[d][i]`), so that the distances from one centre to
/// every sample are a vectorisable loop.
struct Columns {
    columns: Vec<Vec<f64>>,
    rows: usize,
}

impl Columns {
    fn new(x: &Matrix) -> Columns {
        Columns {
            columns: x.columns(),
            rows: x.rows(),
        }
    }

    /// The squared distance from `point` to every sample.
    fn squared_distances(&self, point: &[f64], out: &mut [f64]) {
        out.iter_mut().for_each(|s| *s = 0.0);
        for (column, &v) in self.columns.iter().zip(point) {
            for (s, x) in out.iter_mut().zip(column) {
                *s += (x - v) * (x - v);
            }
        }
    }

    /// For every sample, the nearest centre (row-major, `dims` values each; the first wins
    /// ties) and the squared distance to it. Samples go in blocks small enough for the cache
    /// (as scikit-learn's chunks), so each block is read once for all centres.
    fn assign(
        &self,
        centres: &[f64],
        labels: &mut [usize],
        nearest: &mut [f64],
        scratch: &mut [f64],
    ) {
        const BLOCK: usize = 1024;
        let dims = self.columns.len();
        nearest.iter_mut().for_each(|d| *d = f64::INFINITY);
        for start in (0..self.rows).step_by(BLOCK) {
            let end = (start + BLOCK).min(self.rows);
            let scratch = &mut scratch[..end - start];
            let labels = &mut labels[start..end];
            let nearest = &mut nearest[start..end];
            for (c, centre) in centres.chunks_exact(dims).enumerate() {
                scratch.iter_mut().for_each(|s| *s = 0.0);
                for (column, &v) in self.columns.iter().zip(centre) {
                    for (s, x) in scratch.iter_mut().zip(&column[start..end]) {
                        *s += (x - v) * (x - v);
                    }
                }
                for ((label, best), &d) in labels.iter_mut().zip(nearest.iter_mut()).zip(&*scratch)
                {
                    if d < *best {
                        *best = d;
                        *label = c;
                    }
                }
            }
        }
    }
}

/// The nearest and second nearest centre's squared distances for one sample, and the nearest
/// centre (the first wins ties, as in a plain scan).
fn two_nearest(row: &[f64], centres: &[f64]) -> (usize, f64, f64) {
    let (mut best, mut first, mut second) = (0, f64::INFINITY, f64::INFINITY);
    for (c, centre) in centres.chunks_exact(row.len()).enumerate() {
        let d = squared_distance(row, centre);
        if d < first {
            second = first;
            first = d;
            best = c;
        } else if d < second {
            second = d;
        }
    }
    (best, first, second)
}

/// How far the centres moved in the last update, still to be applied to the bounds: a sample's
/// own centre moved by `moved[own]`, any other by at most the largest move among the others.
struct PendingMoves {
    moved: Vec<f64>,
    top: usize,
    top_move: f64,
    next_move: f64,
}

impl PendingMoves {
    fn new(moved: Vec<f64>) -> Self {
        let (mut top, mut top_move, mut next_move) = (0, 0.0f64, 0.0f64);
        for (c, &m) in moved.iter().enumerate() {
            if m > top_move {
                next_move = top_move;
                top_move = m;
                top = c;
            } else if m > next_move {
                next_move = m;
            }
        }
        PendingMoves {
            moved,
            top,
            top_move,
            next_move,
        }
    }
}

/// The state of Lloyd's iterations with Hamerly's bounds: each sample keeps its centre, an upper
/// bound on the distance to it and a lower bound on the distance to any other.
struct Hamerly<'a> {
    x: &'a Matrix<'a>,
    k: usize,
    labels: Vec<u32>,
    upper: Vec<f64>,
    lower: Vec<f64>,
    /// Per-cluster sums (row-major, `dims` each) and counts of the last pass's labels.
    sums: Vec<f64>,
    counts: Vec<usize>,
}

impl Hamerly<'_> {
    /// One pass over the samples: move the bounds by the pending centre moves, relabel every
    /// sample the bounds cannot vouch for, and add each sample to its cluster's sum. One pass
    /// instead of three keeps the iteration within memory bandwidth on large data; the
    /// arithmetic and its order are those of separate passes. Returns whether a label changed.
    fn pass(&mut self, centres: &[f64], moves: &PendingMoves) -> bool {
        let dims = self.x.dims();
        let k = self.k;
        let centre = |c: usize| &centres[c * dims..(c + 1) * dims];
        // Half the distance from each centre to its nearest other centre: a sample closer than
        // that to its own centre cannot be closer to another.
        let half_gap: Vec<f64> = (0..k)
            .map(|a| {
                (0..k)
                    .filter(|&b| b != a)
                    .map(|b| squared_distance(centre(a), centre(b)).sqrt())
                    .fold(f64::INFINITY, f64::min)
                    / 2.0
            })
            .collect();
        self.sums.iter_mut().for_each(|s| *s = 0.0);
        self.counts.iter_mut().for_each(|c| *c = 0);
        let mut changed = false;
        for i in 0..self.x.rows() {
            let own = self.labels[i] as usize;
            self.upper[i] += moves.moved[own];
            self.lower[i] -= if own == moves.top {
                moves.next_move
            } else {
                moves.top_move
            };
            let row = self.x.row(i);
            let bound = half_gap[own].max(self.lower[i]);
            if self.upper[i] > bound {
                self.upper[i] = squared_distance(row, centre(own)).sqrt();
                if self.upper[i] > bound {
                    let (best, first, second) = two_nearest(row, centres);
                    changed |= best != own;
                    self.labels[i] = best as u32;
                    self.upper[i] = first.sqrt();
                    self.lower[i] = second.sqrt();
                }
            }
            let label = self.labels[i] as usize;
            self.counts[label] += 1;
            for (s, v) in self.sums[label * dims..(label + 1) * dims]
                .iter_mut()
                .zip(row)
            {
                *s += v;
            }
        }
        changed
    }

    /// Forgets the bounds: every sample is measured afresh in the next pass.
    fn reset_bounds(&mut self) {
        self.upper.iter_mut().for_each(|u| *u = f64::INFINITY);
        self.lower.iter_mut().for_each(|l| *l = 0.0);
    }
}

/// Lloyd iterations from the given centres, as scikit-learn's `_kmeans_single_lloyd`, with
/// Hamerly's bounds: each sample keeps an upper bound on the distance to its centre and a lower
/// bound on the distance to any other, moved by how far the centres move; a sample whose bounds
/// show it cannot have changed cluster is skipped. The labels are Lloyd's, with far fewer
/// distances computed on low-dimensional data.
fn lloyd(x: &Matrix, start: Vec<Vec<f64>>, max_iter: u64, tol: f64) -> KMeansModel {
    let n = x.rows();
    let k = start.len();
    let dims = x.dims();
    let mut centres: Vec<f64> = start.concat();
    let mut state = Hamerly {
        x,
        k,
        labels: vec![0; n],
        upper: vec![f64::INFINITY; n],
        lower: vec![0.0; n],
        sums: vec![0.0; k * dims],
        counts: vec![0; k],
    };
    // No centre has moved before the first pass.
    let mut moves = PendingMoves::new(vec![0.0; k]);
    let mut converged = false;
    for iteration in 0..max_iter {
        let changed = state.pass(&centres, &moves);
        // The first pass starts from no labels at all, so it always counts as a change.
        if iteration > 0 && !changed {
            converged = true;
            break;
        }
        if state.counts.contains(&0) {
            relocate_empty(&mut state, &centres);
            // Relocation breaks the bounds.
            state.reset_bounds();
        }
        let mut shift = 0.0;
        let mut moved = vec![0.0; k];
        for (c, ((centre, sum), &count)) in centres
            .chunks_exact_mut(dims)
            .zip(state.sums.chunks_exact(dims))
            .zip(&state.counts)
            .enumerate()
        {
            if count == 0 {
                continue;
            }
            let mut squared = 0.0;
            for (value, s) in centre.iter_mut().zip(sum) {
                let mean = s / count as f64;
                squared += (*value - mean) * (*value - mean);
                *value = mean;
            }
            shift += squared;
            moved[c] = squared.sqrt();
        }
        moves = PendingMoves::new(moved);
        if shift <= tol {
            break;
        }
    }
    if !converged {
        state.pass(&centres, &moves);
    }
    let labels = state.labels;
    let inertia = (0..n)
        .map(|i| {
            let c = labels[i] as usize;
            squared_distance(x.row(i), &centres[c * dims..(c + 1) * dims])
        })
        .sum();
    KMeansModel {
        labels: labels.iter().map(|&c| i64::from(c)).collect(),
        centroids: centres.chunks_exact(dims).map(<[f64]>::to_vec).collect(),
        inertia,
    }
}

/// Gives each empty cluster the sample farthest from its centre (scikit-learn's rule), moving
/// that sample out of its old cluster's sums.
fn relocate_empty(state: &mut Hamerly, centres: &[f64]) {
    let empty: Vec<usize> = (0..state.k).filter(|&c| state.counts[c] == 0).collect();
    if empty.is_empty() {
        return;
    }
    let x = state.x;
    let dims = x.dims();
    let distances: Vec<f64> = state
        .labels
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let c = c as usize;
            squared_distance(x.row(i), &centres[c * dims..(c + 1) * dims])
        })
        .collect();
    let mut far: Vec<usize> = (0..state.labels.len()).collect();
    far.sort_by(|&a, &b| distances[b].total_cmp(&distances[a]).then(a.cmp(&b)));
    for (&cluster, &sample) in empty.iter().zip(&far) {
        let old = state.labels[sample] as usize;
        if state.counts[old] <= 1 {
            continue;
        }
        for (d, v) in x.row(sample).iter().enumerate() {
            state.sums[old * dims + d] -= v;
            state.sums[cluster * dims + d] = *v;
        }
        state.counts[old] -= 1;
        state.counts[cluster] = 1;
        state.labels[sample] = cluster as u32;
    }
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansModel {
    labels: Vec<i64>,
    centroids: Vec<Vec<f64>>,
    inertia: f64,
}

impl KMeansModel {
    /// The cluster of each sample, 0..k.
    pub fn labels(&self) -> &[i64] {
        &self.labels
    }

    /// The cluster centres, in transformed units.
    pub fn centroids(&self) -> &[Vec<f64>] {
        &self.centroids
    }

    /// Sum of squared distances of the samples to their centres (scikit-learn's `inertia_`).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The cluster of each row of `x`: the nearest centre.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<i64>> {
        let dims = self.centroids.first().map_or(0, Vec::len);
        if x.dims() != dims {
            return Err(Error::param(
                "matrix",
                format!("the model has {dims} features, the data {}", x.dims()),
            ));
        }
        let n = x.rows();
        let (mut labels, mut nearest, mut scratch) = (vec![0; n], vec![0.0; n], vec![0.0; n]);
        Columns::new(x).assign(
            &self.centroids.concat(),
            &mut labels,
            &mut nearest,
            &mut scratch,
        );
        Ok(labels.iter().map(|&c| c as i64).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_cluster_takes_the_farthest_sample() {
        // Two distinct values and k = 3: k-means++ has to start two centres on the same value,
        // so one cluster is empty after the first pass and is given a sample (all samples are
        // at distance 0 from their centre: the first by index, taken from the four zeros).
        let values = [0.0, 0.0, 0.0, 0.0, 5.0, 5.0];
        let x = Matrix::new(&values, 1).unwrap();
        let model = KMeansParams::new(3).n_init(1).fit(&x).unwrap();
        let l = model.labels();
        let mut sizes = [0usize; 3];
        for &c in l {
            sizes[c as usize] += 1;
        }
        assert!(
            sizes.iter().all(|&s| s > 0),
            "every cluster has a sample: {l:?}"
        );
        assert_eq!(l[4], l[5]);
        assert_eq!(&l[1..4], &[l[1]; 3]);
        assert_ne!(l[0], l[1], "the relocated sample is the first zero: {l:?}");
        assert_eq!(model.inertia(), 0.0);
    }

    #[test]
    fn separates_obvious_groups_deterministically() {
        let values = [0.0, 0.1, 0.2, 10.0, 10.1, 10.2, 20.0, 20.2];
        let x = Matrix::new(&values, 1).unwrap();
        let model = KMeansParams::new(3).seed(7).fit(&x).unwrap();
        let l = model.labels();
        assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[4] == l[5] && l[6] == l[7]);
        assert!(l[0] != l[3] && l[3] != l[6] && l[0] != l[6]);
        // Centres 0.1, 10.1, 20.1: inertia 0.01 * 2 + 0.01 * 2 + 0.01 * 2.
        assert!((model.inertia() - 0.06).abs() < 1e-9, "{}", model.inertia());
        assert_eq!(
            KMeansParams::new(3).seed(7).fit(&x).unwrap(),
            model,
            "same seed, same model"
        );
        assert_eq!(model.predict(&x).unwrap(), l.to_vec());
        assert!(KMeansParams::new(9).fit(&x).is_err());
        assert!(KMeansParams::new(2).n_init(0).fit(&x).is_err());
    }
}
