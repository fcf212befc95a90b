//! k-means on linfa, with scikit-learn's vocabulary: k-means++ initialisation, `n_init` runs
//! keeping the lowest inertia, a maximum number of iterations, a tolerance, and a seed.
//!
//! Same data and seed give the same labels: linfa draws its initial centres from the seeded
//! Xoshiro256+ generator and nothing else is random.

use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use crate::cluster::metrics::Matrix;
use crate::error::{Error, Result};

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
        if self.k < 1 || self.k > samples {
            return Err(Error::param(
                "k",
                format!(
                    "must be between 1 and the number of samples ({samples}), got {}",
                    self.k
                ),
            ));
        }
        if self.n_init == 0 || self.max_iter == 0 {
            return Err(Error::param(
                "n_init",
                "n_init and max_iter must be at least 1",
            ));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param(
                "tol",
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
        let records = Array2::from_shape_vec((n, dims), x.values().to_vec())
            .map_err(|e| Error::param("matrix", e.to_string()))?;
        // scikit-learn's tolerance is relative to the data's mean variance; linfa's is absolute.
        let mean_variance = (0..dims)
            .map(|d| {
                let column: Vec<f64> = (0..n).map(|i| x.row(i)[d]).collect();
                let mean = column.iter().sum::<f64>() / n as f64;
                column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64
            })
            .sum::<f64>()
            / dims as f64;
        let dataset = DatasetBase::from(records.clone());
        let model = KMeans::params_with_rng(self.k, Xoshiro256Plus::seed_from_u64(self.seed))
            .n_runs(self.n_init)
            .max_n_iterations(self.max_iter)
            .tolerance(self.tol * mean_variance)
            .fit(&dataset)
            .map_err(|e| Error::param("kmeans", e.to_string()))?;
        let assigned = model.predict(&records);
        // linfa stops when the centres move less than the tolerance, a hair before they settle;
        // one last update makes every centre the mean of its members, as scikit-learn's are.
        let mut centroids: Vec<Vec<f64>> = model
            .centroids()
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        let (means, counts) = crate::cluster::metrics::centroids(x, &assigned.to_vec(), self.k);
        for ((centre, mean), &count) in centroids.iter_mut().zip(means).zip(&counts) {
            if count > 0 {
                *centre = mean;
            }
        }
        let labels: Vec<i64> = assigned.iter().map(|&c| c as i64).collect();
        // Inertia as scikit-learn reports it: the sum (not linfa's mean) of squared distances.
        let inertia = (0..n)
            .map(|i| {
                x.row(i)
                    .iter()
                    .zip(&centroids[assigned[i]])
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
            })
            .sum();
        Ok(KMeansModel {
            labels,
            centroids,
            inertia,
        })
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
    pub fn predict(&self, x: &Matrix) -> Vec<i64> {
        (0..x.rows())
            .map(|i| {
                let row = x.row(i);
                let distance = |c: &Vec<f64>| {
                    row.iter()
                        .zip(c)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                };
                (0..self.centroids.len())
                    .min_by(|&a, &b| {
                        distance(&self.centroids[a]).total_cmp(&distance(&self.centroids[b]))
                    })
                    .unwrap_or(0) as i64
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(model.predict(&x), l.to_vec());
        assert!(KMeansParams::new(9).fit(&x).is_err());
        assert!(KMeansParams::new(2).n_init(0).fit(&x).is_err());
    }
}
