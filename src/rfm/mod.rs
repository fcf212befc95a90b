//! RFM analysis: recency, frequency and monetary value per customer, scores, segments, summaries.
//!
//! Definitions (the studies' and the R `rfm` package's):
//! * **recency**: calendar days from the date of the customer's last purchase to the snapshot date,
//!   time of day ignored (a purchase on 2011-12-07 against a 2011-12-10 snapshot is 3). The snapshot
//!   defaults to the day after the last transaction, so the most recent customers have recency 1.
//! * **frequency**: distinct invoices (without an invoice column, distinct purchase days).
//! * **monetary**: sum of quantity x unit price, or of the amount column.
//!
//! Scoring is described in [`scoring`], segment maps in [`segments`], how customers move between
//! segments from one date to another in [`migration`].

pub mod migration;
pub mod qcut;
pub mod scoring;
pub mod segments;
pub mod streamed;
pub mod summary;
pub mod table;

pub use migration::{CohortScoring, Migration, MigrationParams};
pub use scoring::{ScoringMethod, ScoringReport};
pub use segments::SegmentMap;
pub use streamed::StreamedRfm;
pub use summary::SegmentSummary;
pub use table::{RfmParams, RfmTable};
