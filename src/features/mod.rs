//! From per-customer tables to feature matrices for models: the matrix, its transforms and their
//! record, and a 2-D projection for plots.

pub mod clv_summary;
pub mod customer_view;
pub mod matrix;
pub mod pca;
pub mod transform;
