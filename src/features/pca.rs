//! A 2-D projection of the feature matrix by principal component analysis (linfa-reduction),
//! for the cluster scatter plot. Signs are fixed so each component's largest loading is
//! positive, which makes the picture the same from run to run.

use linfa::prelude::*;
use linfa_reduction::Pca;

use crate::cluster::Matrix;
use crate::error::{Error, Result};

/// The samples in the plane of the first two principal components.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Projection {
    /// One point per sample, in sample order.
    pub points: Vec<[f64; 2]>,
    /// Share of the variance each component explains.
    pub explained_variance_ratio: [f64; 2],
    /// The components' loadings on the features (`components[c][feature]`).
    pub components: [Vec<f64>; 2],
}

/// Projects the rows of `x` (at least two features) on their first two principal components.
///
/// ```
/// use custseg::cluster::Matrix;
/// use custseg::features::pca::project_2d;
///
/// // Points on the line y = x plus a little spread across it.
/// let values = [0.0, 0.0, 1.0, 1.1, 2.0, 1.9, 3.0, 3.0];
/// let p = project_2d(&Matrix::new(&values, 2)?)?;
/// assert!(p.explained_variance_ratio[0] > 0.99);
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn project_2d(x: &Matrix) -> Result<Projection> {
    if x.dims() < 2 || x.rows() < 3 {
        return Err(Error::param(
            "pca",
            format!(
                "a 2-D projection needs at least 2 features and 3 samples, got {} and {}",
                x.dims(),
                x.rows()
            ),
        ));
    }
    let records = x.to_array()?;
    let dataset = DatasetBase::from(records.clone());
    let pca = Pca::params(2)
        .fit(&dataset)
        .map_err(|e| Error::param("pca", e.to_string()))?;
    let mean = pca.mean();
    let mut components: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for (c, out) in components.iter_mut().enumerate() {
        let loading = pca.components().row(c).to_vec();
        let largest = loading
            .iter()
            .copied()
            .fold(0.0f64, |m, v| if v.abs() > m.abs() { v } else { m });
        let sign = if largest < 0.0 { -1.0 } else { 1.0 };
        *out = loading.iter().map(|v| v * sign).collect();
    }
    let points: Vec<[f64; 2]> = (0..x.rows())
        .map(|i| {
            let row = x.row(i);
            let along = |c: &Vec<f64>| {
                row.iter()
                    .zip(mean.iter())
                    .zip(c)
                    .map(|((v, m), l)| (v - m) * l)
                    .sum::<f64>()
            };
            [along(&components[0]), along(&components[1])]
        })
        .collect();
    // linfa's explained_variance_ratio divides by the kept components' variance only (the two
    // ratios always sum to 1); scikit-learn's divides by the total variance, as here.
    let n = x.rows() as f64;
    let total: f64 = (0..x.dims())
        .map(|d| {
            (0..x.rows())
                .map(|i| (x.row(i)[d] - mean[d]).powi(2))
                .sum::<f64>()
                / n
        })
        .sum();
    let along = |c: usize| points.iter().map(|p: &[f64; 2]| p[c] * p[c]).sum::<f64>() / n;
    let ratio = if total > 0.0 {
        [along(0) / total, along(1) / total]
    } else {
        [0.0, 0.0]
    };
    Ok(Projection {
        points,
        explained_variance_ratio: ratio,
        components,
    })
}
