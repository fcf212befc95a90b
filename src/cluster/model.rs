//! One type over every clustering algorithm, so a comparison can loop over them: each variant
//! holds that algorithm's checked parameters, and `fit` gives the same [`Clustering`] result.

use std::fmt;

use crate::cluster::dbscan::DbscanParams;
use crate::cluster::gmm::GmmParams;
use crate::cluster::hierarchical::HierarchicalParams;
use crate::cluster::kmeans::KMeansParams;
use crate::cluster::metrics::centroids;
use crate::cluster::spectral::SpectralParams;
use crate::error::{Error, Result};
use crate::matrix::{Matrix, squared_distance};

/// The label DBSCAN gives to noise (as scikit-learn's `-1`).
pub const NOISE: i64 = -1;

/// A clustering algorithm with its parameters.
///
/// ```
/// use custseg::cluster::ClusterModel;
/// use custseg::matrix::Matrix;
///
/// let values = [0.0, 0.1, 0.2, 9.0, 9.1, 9.2];
/// let x = Matrix::new(&values, 1)?;
/// for model in ClusterModel::all(2, 0) {
///     let fitted = model.fit(&x)?;
///     assert_eq!(fitted.labels().len(), 6, "{}", model.name());
/// }
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterModel {
    /// k-means (k-means++ start, several runs).
    KMeans(KMeansParams),
    /// Gaussian mixture fitted by expectation-maximisation; each sample goes to its most likely
    /// component.
    GaussianMixture(GmmParams),
    /// Density-based clusters; the number of clusters follows from `eps` and `min_samples`.
    Dbscan(DbscanParams),
    /// Agglomerative clustering (Ward, complete, average or single linkage).
    Hierarchical(HierarchicalParams),
    /// Spectral clustering: k-means on the leading eigenvectors of the normalised affinity.
    Spectral(SpectralParams),
}

impl ClusterModel {
    /// Every model with its defaults, for `k` clusters and a seed (DBSCAN ignores `k`).
    pub fn all(k: usize, seed: u64) -> Vec<ClusterModel> {
        ["kmeans", "gmm", "dbscan", "hierarchical", "spectral"]
            .iter()
            .filter_map(|name| ClusterModel::named(name, k, seed).ok())
            .collect()
    }

    /// The model called `name` (`kmeans`, `gmm`, `dbscan`, `hierarchical`, `spectral`) with its
    /// defaults.
    pub fn named(name: &str, k: usize, seed: u64) -> Result<ClusterModel> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "kmeans" | "k-means" => ClusterModel::KMeans(KMeansParams::new(k).seed(seed)),
            "gmm" | "gaussian-mixture" => {
                ClusterModel::GaussianMixture(GmmParams::new(k).seed(seed))
            }
            "dbscan" => ClusterModel::Dbscan(DbscanParams::new()),
            "hierarchical" | "agglomerative" => {
                ClusterModel::Hierarchical(HierarchicalParams::new(k))
            }
            "spectral" => ClusterModel::Spectral(SpectralParams::new(k).seed(seed)),
            other => {
                return Err(Error::param(
                    "ClusterModel::named",
                    format!(
                        "unknown model \"{}\"; use kmeans, gmm, dbscan, hierarchical or spectral",
                        crate::format::shorten(other, 80)
                    ),
                ));
            }
        })
    }

    /// The model's short name, as in the selection table.
    pub fn name(&self) -> &'static str {
        match self {
            ClusterModel::KMeans(_) => "kmeans",
            ClusterModel::GaussianMixture(_) => "gmm",
            ClusterModel::Dbscan(_) => "dbscan",
            ClusterModel::Hierarchical(_) => "hierarchical",
            ClusterModel::Spectral(_) => "spectral",
        }
    }

    /// Whether the number of clusters is a parameter (false for DBSCAN).
    pub fn takes_k(&self) -> bool {
        !matches!(self, ClusterModel::Dbscan(_))
    }

    /// The same model with `k` clusters (DBSCAN is returned unchanged).
    pub fn with_k(self, k: usize) -> ClusterModel {
        match self {
            ClusterModel::KMeans(p) => ClusterModel::KMeans(p.k(k)),
            ClusterModel::GaussianMixture(p) => ClusterModel::GaussianMixture(p.k(k)),
            ClusterModel::Dbscan(p) => ClusterModel::Dbscan(p),
            ClusterModel::Hierarchical(p) => ClusterModel::Hierarchical(p.k(k)),
            ClusterModel::Spectral(p) => ClusterModel::Spectral(p.k(k)),
        }
    }

    /// Fits the model to the rows of `x`.
    pub fn fit(&self, x: &Matrix) -> Result<Clustering> {
        let labels = match self {
            ClusterModel::KMeans(p) => {
                let model = p.fit(x)?;
                return Ok(Clustering::with_inertia(
                    model.labels().to_vec(),
                    model.inertia(),
                ));
            }
            ClusterModel::GaussianMixture(p) => p.fit(x)?,
            ClusterModel::Dbscan(p) => p.fit(x)?,
            ClusterModel::Hierarchical(p) => p.fit(x)?,
            ClusterModel::Spectral(p) => p.fit(x)?,
        };
        Ok(Clustering::new(x, labels))
    }
}

impl fmt::Display for ClusterModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The result of a fit: a label per sample (0..k, or [`NOISE`]) and the inertia.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    labels: Vec<i64>,
    inertia: f64,
}

impl Clustering {
    /// Labels from any algorithm; the inertia is the sum of squared distances of the samples to
    /// their cluster's mean (noise left out), which is k-means' inertia for k-means labels.
    pub fn new(x: &Matrix, labels: Vec<i64>) -> Clustering {
        let clusters = labels.iter().copied().max().map_or(0, |m| (m + 1).max(0)) as usize;
        let ids: Vec<usize> = labels
            .iter()
            .map(|&l| if l < 0 { clusters } else { l as usize })
            .collect();
        // Noise becomes one extra group whose centre is never used.
        let (means, _) = centroids(x, &ids, clusters + 1);
        let inertia = ids
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c < clusters)
            .map(|(i, &c)| squared_distance(x.row(i), &means[c]))
            .sum();
        Clustering { labels, inertia }
    }

    fn with_inertia(labels: Vec<i64>, inertia: f64) -> Clustering {
        Clustering { labels, inertia }
    }

    /// The cluster of each sample.
    pub fn labels(&self) -> &[i64] {
        &self.labels
    }

    /// Sum of squared distances to the cluster means.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Number of clusters found (noise not counted).
    pub fn n_clusters(&self) -> usize {
        let mut seen: Vec<i64> = self.labels.iter().copied().filter(|&l| l >= 0).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// Number of samples labelled noise.
    pub fn noise(&self) -> usize {
        self.labels.iter().filter(|&&l| l == NOISE).count()
    }
}

/// Checks that `k` clusters can be made from `samples` samples.
pub(crate) fn check_k(k: usize, samples: usize) -> Result<()> {
    if k < 1 || k > samples {
        return Err(Error::param(
            "k",
            format!("must be between 1 and the number of samples ({samples}), got {k}"),
        ));
    }
    Ok(())
}

/// Renumbers labels by first appearance (0, 1, 2... in sample order), keeping noise, so that
/// algorithms whose cluster ids are arbitrary give stable ones.
pub(crate) fn by_first_appearance(labels: &[i64]) -> Vec<i64> {
    let mut map: Vec<(i64, i64)> = Vec::new();
    labels
        .iter()
        .map(|&l| {
            if l < 0 {
                return NOISE;
            }
            match map.iter().find(|(from, _)| *from == l) {
                Some(&(_, to)) => to,
                None => {
                    let to = map.len() as i64;
                    map.push((l, to));
                    to
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inertia_from_labels_by_hand() {
        // Cluster 0 = {0, 2} (mean 1): 1 + 1; cluster 1 = {10} (mean 10): 0; 50 is noise.
        let values = [0.0, 2.0, 10.0, 50.0];
        let x = Matrix::new(&values, 1).unwrap();
        let c = Clustering::new(&x, vec![0, 0, 1, NOISE]);
        assert_eq!(c.inertia(), 2.0);
        assert_eq!(c.n_clusters(), 2);
        assert_eq!(c.noise(), 1);
        assert_eq!(
            by_first_appearance(&[5, 5, -1, 2, 5, 9]),
            [0, 0, -1, 1, 0, 2]
        );
        assert!(ClusterModel::named("affinity", 3, 0).is_err());
        assert_eq!(ClusterModel::named("GMM", 3, 0).unwrap().name(), "gmm");
    }
}
