//! Gaussian mixture on linfa, with scikit-learn's defaults (`GaussianMixture`: full covariances,
//! k-means start, one run, 100 iterations, tolerance 1e-3 on the log-likelihood, 1e-6 added to
//! the covariance diagonals). Each sample is labelled with its most likely component.

use linfa::prelude::*;
use linfa_clustering::GaussianMixtureModel;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use crate::cluster::model::check_k;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// Checked parameters of a Gaussian mixture fit.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmParams {
    k: usize,
    n_init: u64,
    max_iter: u64,
    tol: f64,
    reg_covar: f64,
    seed: u64,
}

impl GmmParams {
    /// `k` components with scikit-learn's defaults and seed 0.
    pub fn new(k: usize) -> Self {
        GmmParams {
            k,
            n_init: 1,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            seed: 0,
        }
    }

    /// The number of components.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Number of runs; the best likelihood wins.
    pub fn n_init(mut self, n_init: u64) -> Self {
        self.n_init = n_init;
        self
    }

    /// Maximum EM iterations per run.
    pub fn max_iter(mut self, max_iter: u64) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Convergence threshold on the change of the mean log-likelihood.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Seed of the k-means start.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters against the data size.
    pub fn check(&self, samples: usize) -> Result<()> {
        check_k(self.k, samples)?;
        if self.n_init == 0 || self.max_iter == 0 {
            return Err(Error::param(
                "GmmParams::n_init",
                "n_init and max_iter must be at least 1",
            ));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::param(
                "GmmParams::tol",
                format!("must be finite and positive, got {}", self.tol),
            ));
        }
        Ok(())
    }

    /// Fits the mixture and labels each row of `x` with its most likely component.
    pub fn fit(&self, x: &Matrix) -> Result<Vec<i64>> {
        self.check(x.rows())?;
        let records = x.to_array()?;
        let dataset = DatasetBase::from(records.clone());
        let model =
            GaussianMixtureModel::params_with_rng(self.k, Xoshiro256Plus::seed_from_u64(self.seed))
                .n_runs(self.n_init)
                .max_n_iterations(self.max_iter)
                .tolerance(self.tol)
                .reg_covariance(self.reg_covar)
                .fit(&dataset)
                .map_err(|e| {
                    Error::param(
                        "gmm",
                        format!("{e}; try fewer components or a different seed"),
                    )
                })?;
        Ok(model.predict(&records).iter().map(|&c| c as i64).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_blobs_deterministically() {
        let values = [0.0, 0.0, 0.2, 0.1, 0.1, 0.3, 8.0, 8.0, 8.3, 8.1, 8.1, 7.8];
        let x = Matrix::new(&values, 2).unwrap();
        let labels = GmmParams::new(2).seed(3).fit(&x).unwrap();
        assert!(labels[0] == labels[1] && labels[1] == labels[2]);
        assert!(labels[3] == labels[4] && labels[4] == labels[5]);
        assert_ne!(labels[0], labels[3]);
        assert_eq!(GmmParams::new(2).seed(3).fit(&x).unwrap(), labels);
        assert!(GmmParams::new(7).fit(&x).is_err());
    }
}
