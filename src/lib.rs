//! # custseg: customer segmentation in Rust
//!
//! The steps of a segmentation study, as a library: load transactions ([`data`]), check and clean
//! them with full row accounting, compute RFM values, scores and segments ([`rfm`]), and summarise.
//!
//! ```no_run
//! use custseg::prelude::*;
//!
//! let tx = Transactions::bundled(&LoadOptions::default())?; // UCI Online Retail, bundled
//! println!("{}", tx.sanity());                               // rows kept and dropped per reason
//! let rfm = RfmParams::new().fit(&tx)?;                      // quintiles, 11-segment table
//! println!("{}", rfm.segment_summary()?);
//! # Ok::<(), custseg::Error>(())
//! ```

pub mod chart;
pub mod cluster;
pub mod clv;
pub mod data;
pub mod display;
#[cfg(feature = "distributed")]
pub mod distributed;
pub mod dominant;
pub mod error;
pub mod exact_sum;
pub mod features;
pub mod format;
pub mod frame;
pub mod generate;
pub mod grouping;
pub mod matrix;
pub mod prelude;
pub mod recommend;
pub mod report;
pub mod rfm;
pub mod stats;

pub use error::{Error, Result};

/// The README's examples, compiled as doctests so that they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
