//! From per-customer tables to feature matrices for models: transforms and their record.

pub mod transform;
