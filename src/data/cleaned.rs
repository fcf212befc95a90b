//! What cleaning hands on: the kept rows of an input and what cleaning learnt, before codes and
//! the sanity report. Both loading paths (polars' reader with the loader's cleaning, and the
//! delimited fast path) produce it, and the steps below the loader (combining files, splitting
//! baskets) take and give it; it lives here so that none of them imports the loader.

use polars::prelude::DataFrame;

use crate::data::clean;
use crate::data::dates::DateFormat;
use crate::data::roles::ResolvedRoles;
use crate::data::sanity::ParseFailure;
use crate::data::source::SourceInfo;

/// Kept rows (typed, text trimmed, duplicates dropped; no codes yet) and what cleaning learnt:
/// what either loading path hands to
/// [`Transactions`](crate::data::transactions::Transactions) to finish.
pub(crate) struct Cleaned {
    pub kept: DataFrame,
    pub accounting: clean::RowAccounting,
    /// Missing (empty) values per file column, in file order.
    pub missing_values: Vec<(String, usize)>,
    pub date_format: DateFormat,
    pub source: SourceInfo,
    pub roles: ResolvedRoles,
    /// `customer_code` and `invoice_code` of the kept rows, when the loading path knows them
    /// already (see
    /// [`Transactions::frame`](crate::data::transactions::Transactions::frame) for what they are).
    pub codes: Option<(Vec<u32>, Option<Vec<u32>>)>,
    /// Values that could not be read, per column.
    pub parse_failures: Vec<ParseFailure>,
    /// The periods whose rows the rules dropped, for the monthly coverage.
    pub excluded_periods: Vec<crate::data::clean::Period>,
    /// The kept rows' baskets, when the loading path read them already (the basket column is
    /// then not among the kept columns).
    pub baskets: Option<crate::data::basket::BasketRows>,
}
