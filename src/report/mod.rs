//! The shareable HTML report: one self-contained file for a marketing team.

pub mod build;
pub(crate) mod clusters;
pub mod config;
pub(crate) mod movement;
pub mod playbooks;
pub(crate) mod products;
pub(crate) mod value;
