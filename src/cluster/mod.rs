//! Clustering and model selection. So far: the quality metrics with scikit-learn's definitions.
//! Models (KMeans and the others of issue 4) come next.

pub mod metrics;
