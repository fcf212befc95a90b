//! Spectral clustering as scikit-learn's `SpectralClustering(affinity="rbf")` does it: an RBF
//! affinity `exp(-gamma * |x - y|^2)` between every pair of samples, the normalised affinity
//! `D^-1/2 A D^-1/2` (self-affinity left out, as scipy's normalised Laplacian does), its `k`
//! leading eigenvectors (LOBPCG from linfa-linalg), each divided by the square root of the
//! sample's degree, signs fixed so each vector's largest entry is positive, and k-means
//! (10 runs) on those rows.
//!
//! The affinity matrix is dense (8 bytes per pair), so the sample count is capped at
//! [`MAX_SAMPLES`]; beyond that, cluster a sample of the customers or use k-means.

use linfa_linalg::Order;
use linfa_linalg::lobpcg::lobpcg;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};

use crate::cluster::kmeans::KMeansParams;
use crate::error::{Error, Result};
use crate::matrix::{Matrix, squared_distance};

/// The largest sample count accepted (the affinity matrix then takes about 1.8 GB).
pub const MAX_SAMPLES: usize = 15_000;

/// Checked parameters of spectral clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralParams {
    k: usize,
    gamma: f64,
    seed: u64,
}

impl SpectralParams {
    /// `k` clusters, `gamma` 1 (scikit-learn's default, suited to standard-scaled features),
    /// seed 0.
    pub fn new(k: usize) -> Self {
        SpectralParams {
            k,
            gamma: 1.0,
            seed: 0,
        }
    }

    /// The number of clusters.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Width of the RBF kernel: larger values make the affinity more local.
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
    }

    /// Seed of the eigen-solver's start and of k-means.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters against the data size.
    pub fn check(&self, samples: usize) -> Result<()> {
        if self.k < 2 || self.k >= samples {
            return Err(Error::param(
                "k",
                format!(
                    "must be between 2 and the number of samples - 1 ({}), got {}",
                    samples.saturating_sub(1),
                    self.k
                ),
            ));
        }
        if samples > MAX_SAMPLES {
            return Err(Error::param(
                "samples",
                format!(
                    "spectral clustering keeps a dense affinity matrix and takes at most \
                     {MAX_SAMPLES} samples, got {samples}; use k-means or cluster a sample"
                ),
            ));
        }
        if !(self.gamma.is_finite() && self.gamma > 0.0) {
            return Err(Error::param(
                "SpectralParams::gamma",
                format!("must be positive, got {}", self.gamma),
            ));
        }
        Ok(())
    }

    /// Labels every row of `x` with its cluster.
    pub fn fit(&self, x: &Matrix) -> Result<Vec<i64>> {
        self.check(x.rows())?;
        let embedding = self.embedding(x, self.k)?;
        self.fit_embedding(&embedding)
    }

    /// The spectral embedding of `x`: `n_components` columns, leading eigenvector first. A
    /// comparison over k computes it once for the largest k and passes it to
    /// [`SpectralParams::fit_embedding`], since the leading vectors do not depend on k.
    pub fn embedding(&self, x: &Matrix, n_components: usize) -> Result<SpectralEmbedding> {
        let n = x.rows();
        self.check(n)?;
        if n_components < self.k || n_components >= n {
            return Err(Error::param(
                "n_components",
                format!("must be between k and n - 1, got {n_components}"),
            ));
        }
        let mut affinity = Array2::<f64>::zeros((n, n));
        for i in 0..n {
            for j in i + 1..n {
                let a = (-self.gamma * squared_distance(x.row(i), x.row(j))).exp();
                affinity[[i, j]] = a;
                affinity[[j, i]] = a;
            }
        }
        // scipy gives an isolated sample (degree 0) degree 1, so it embeds at 0.
        let root_degree: Vec<f64> = affinity
            .rows()
            .into_iter()
            .map(|r| {
                let d = r.sum();
                if d > 0.0 { d.sqrt() } else { 1.0 }
            })
            .collect();
        for ((i, j), a) in affinity.indexed_iter_mut() {
            *a /= root_degree[i] * root_degree[j];
        }
        let mut rng = Xoshiro256Plus::seed_from_u64(self.seed);
        let start = Array2::from_shape_fn((n, n_components), |_| {
            (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        });
        let operator = |v: ArrayView2<f64>| affinity.dot(&v);
        let no_preconditioner = |_: ArrayViewMut2<f64>| {};
        let solved = match lobpcg(
            operator,
            start,
            no_preconditioner,
            None,
            1e-7,
            1000,
            Order::Largest,
        ) {
            Ok(result) => result,
            // The best iterate is returned with the error when only the tolerance was missed.
            Err((_, Some(result))) => result,
            Err((e, None)) => {
                return Err(Error::param(
                    "spectral",
                    format!("the eigen-solver failed ({e}); try another gamma"),
                ));
            }
        };
        let mut order: Vec<usize> = (0..n_components).collect();
        order.sort_by(|&a, &b| solved.eigvals[b].total_cmp(&solved.eigvals[a]));
        let mut values = vec![0.0; n * n_components];
        for (c, &e) in order.iter().enumerate() {
            let column: Vec<f64> = (0..n)
                .map(|i| solved.eigvecs[[i, e]] / root_degree[i])
                .collect();
            let largest = column
                .iter()
                .copied()
                .fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
            let sign = if largest < 0.0 { -1.0 } else { 1.0 };
            for (i, v) in column.iter().enumerate() {
                values[i * n_components + c] = sign * v;
            }
        }
        Ok(SpectralEmbedding {
            values,
            components: n_components,
        })
    }

    /// k-means (10 runs, this seed) on the first `k` columns of an embedding.
    pub fn fit_embedding(&self, embedding: &SpectralEmbedding) -> Result<Vec<i64>> {
        if self.k > embedding.components {
            return Err(Error::param(
                "k",
                format!(
                    "the embedding has {} components, fewer than k = {}",
                    embedding.components, self.k
                ),
            ));
        }
        let rows = embedding.values.len() / embedding.components;
        let values: Vec<f64> = (0..rows)
            .flat_map(|i| {
                embedding.values[i * embedding.components..i * embedding.components + self.k]
                    .iter()
                    .copied()
            })
            .collect();
        let maps = Matrix::new(&values, self.k)?;
        let model = KMeansParams::new(self.k).seed(self.seed).fit(&maps)?;
        Ok(model.labels().to_vec())
    }
}

/// The rows of a spectral embedding (leading eigenvector first).
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralEmbedding {
    values: Vec<f64>,
    components: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_rings_of_blobs_deterministically() {
        // Two tight groups far apart: the affinity between them is ~0, so the embedding splits them.
        let mut values = Vec::new();
        for i in 0..10 {
            let t = i as f64 * 0.05;
            values.extend([t, -t]);
        }
        for i in 0..10 {
            let t = i as f64 * 0.05;
            values.extend([3.0 + t, 3.0 - t]);
        }
        let x = Matrix::new(&values, 2).unwrap();
        let p = SpectralParams::new(2).seed(1);
        let labels = p.fit(&x).unwrap();
        assert!(labels[..10].iter().all(|&l| l == labels[0]));
        assert!(labels[10..].iter().all(|&l| l == labels[10]));
        assert_ne!(labels[0], labels[10]);
        assert_eq!(p.fit(&x).unwrap(), labels, "same seed, same labels");
        assert!(SpectralParams::new(2).gamma(0.0).fit(&x).is_err());
    }
}
