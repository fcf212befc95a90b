//! Clustering and model selection: k-means, Gaussian mixture, DBSCAN, hierarchical and spectral
//! clustering behind one [`ClusterModel`], the quality metrics with scikit-learn's definitions,
//! the choice of k (elbow with Kneedle, silhouette, CH, DB), and cluster profiles.

pub mod dbscan;
pub mod gmm;
pub mod hierarchical;
pub mod kmeans;
pub mod metrics;
pub mod model;
pub mod profile;
pub mod selection;
pub mod spectral;

pub use metrics::{
    adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_samples,
    silhouette_score,
};
pub use model::{ClusterModel, Clustering, NOISE};
