//! DBSCAN on linfa, with scikit-learn's meaning of the parameters: a sample is a core sample when
//! at least `min_samples` samples (itself included) lie within distance `eps` of it; clusters
//! grow from core samples; samples no cluster reaches are noise ([`crate::cluster::NOISE`]).
//! Clusters are numbered in the order their first core sample appears, as scikit-learn's.

use linfa::prelude::*;
use linfa_clustering::Dbscan;

use crate::cluster::model::NOISE;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// Checked parameters of DBSCAN.
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanParams {
    eps: f64,
    min_samples: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        DbscanParams::new()
    }
}

impl DbscanParams {
    /// scikit-learn's defaults: `eps` 0.5, `min_samples` 5 (suited to standard-scaled features).
    pub fn new() -> Self {
        DbscanParams {
            eps: 0.5,
            min_samples: 5,
        }
    }

    /// The neighbourhood radius (Euclidean, in the units of the transformed features).
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// Samples (the sample itself included) needed within `eps` to make a core sample.
    pub fn min_samples(mut self, min_samples: usize) -> Self {
        self.min_samples = min_samples;
        self
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::param(
                "DbscanParams::eps",
                format!("must be a positive distance, got {}", self.eps),
            ));
        }
        if self.min_samples < 2 {
            return Err(Error::param(
                "DbscanParams::min_samples",
                format!(
                    "must be at least 2 (1 would make every sample a cluster), got {}",
                    self.min_samples
                ),
            ));
        }
        Ok(())
    }

    /// Labels every row of `x` with its cluster, or [`NOISE`].
    pub fn fit(&self, x: &Matrix) -> Result<Vec<i64>> {
        self.check()?;
        if x.rows() == 0 {
            return Ok(Vec::new());
        }
        let records = x.to_array()?;
        let params = Dbscan::params(self.min_samples)
            .tolerance(self.eps)
            .check()
            .map_err(|e| Error::param("dbscan", e.to_string()))?;
        let memberships = params.transform(&records);
        Ok(memberships
            .iter()
            .map(|m| m.map_or(NOISE, |c| c as i64))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_border_and_noise_by_hand() {
        // With eps 1 (inclusive) and min_samples 3: 1 and 2 are core (3 samples within 1, itself
        // included); 0 and 2.9 have 2 and are border samples of their cluster; 10 is noise;
        // 20, 20.5 and 21 are all core and form a second cluster.
        let values = [0.0, 1.0, 2.0, 2.9, 10.0, 20.0, 20.5, 21.0];
        let x = Matrix::new(&values, 1).unwrap();
        let labels = DbscanParams::new().eps(1.0).min_samples(3).fit(&x).unwrap();
        assert_eq!(labels, [0, 0, 0, 0, NOISE, 1, 1, 1]);
        assert!(DbscanParams::new().min_samples(1).fit(&x).is_err());
        assert!(DbscanParams::new().eps(0.0).fit(&x).is_err());
    }
}
