//! Getting transactions in: reading files, giving columns roles, parsing, cleaning, sanity checks.
//!
//! The usual entry point is [`transactions::Transactions::load`].

pub mod basket;
mod basket_scan;
pub mod bundled;
pub mod clean;
pub(crate) mod cleaned;
mod combine;
pub mod dates;
pub mod delimited;
pub mod excel;
pub(crate) mod fast_csv;
pub(crate) mod ids;
pub mod inputs;
pub(crate) mod interner;
pub mod numbers;
pub mod options;
mod parquet_stream;
pub mod roles;
pub(crate) mod row_block;
pub(crate) mod row_sink;
pub mod sanity;
pub mod source;
pub mod stream;
pub mod transactions;
