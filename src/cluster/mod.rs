//! Clustering and model selection: k-means (linfa), the quality metrics with scikit-learn's
//! definitions, and the choice of k (elbow with Kneedle, silhouette, CH, DB).

pub mod kmeans;
pub mod metrics;
pub mod selection;
