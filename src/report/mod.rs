//! The shareable HTML report: one self-contained file for a marketing team.

pub mod build;
pub mod config;
pub mod format;
pub mod playbooks;
