//! Everything a notebook or script needs: `use custseg::prelude::*;`.
//!
//! Re-exports polars' prelude too, so users never pin a second polars.

pub use polars::prelude::*;

pub use crate::data::clean::{CleaningRules, DropReason, RowAccounting};
pub use crate::data::dates::DateFormat;
pub use crate::data::roles::ColumnRoles;
pub use crate::data::sanity::SanityReport;
pub use crate::data::source::{FileFormat, ReadOptions, TextEncoding};
pub use crate::data::transactions::{LoadOptions, Transactions};
pub use crate::error::{Error, Result};
pub use crate::rfm::{RfmParams, RfmTable, ScoringMethod, SegmentMap, SegmentSummary};
