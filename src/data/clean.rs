//! Cleaning rules and the row accounting that goes with them.
//!
//! Every input row is either kept or dropped under exactly one named [`DropReason`]: the first
//! reason in [`DropReason::ALL`] order that applies. The counts therefore always add up to the rows
//! read, which [`RowAccounting::check`] verifies.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::error::Result;

/// Which rows to drop. Rows without a customer, date, or usable quantity / price / amount are always
/// dropped (RFM cannot use them); the rest is configurable. The defaults are the studies' rules.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleaningRules {
    /// Drop cancelled invoices, recognised by [`CleaningRules::cancellation_pattern`].
    pub drop_cancellations: bool,
    /// A regular expression matched against the whole invoice id. The default, `^C\d+$`, is Online
    /// Retail's convention (C536379); an id that merely starts with C, like CA-2016-152156, is kept.
    pub cancellation_pattern: String,
    /// Drop rows whose quantity is zero or negative (returns, stock adjustments).
    pub drop_non_positive_quantity: bool,
    /// Drop rows whose unit price or amount is zero or negative (free items, bad-debt adjustments).
    pub drop_non_positive_price: bool,
    /// Drop rows identical to an earlier row in every column (pandas' `drop_duplicates()`).
    pub drop_duplicates: bool,
    /// The earliest date a transaction can have; earlier rows are dropped as
    /// [`DropReason::DateOutOfRange`]. A year 0001 or 1899 in a sales file is a typing or export
    /// error, and one such row would stretch every recency and the monthly coverage.
    pub earliest_date: NaiveDate,
    /// The latest date a transaction can have; later rows are dropped as
    /// [`DropReason::DateOutOfRange`] (one row dated 2101 would move the snapshot date, and with it
    /// every customer's recency).
    pub latest_date: NaiveDate,
    /// Periods whose rows are dropped as [`DropReason::ExcludedPeriod`], such as an incomplete
    /// year (the health study excluded 2021, which has no data from June to December). In a
    /// study file: `excluded_periods = ["2021", "2023-01..2023-02-15"]`.
    pub excluded_periods: Vec<Period>,
}

/// A span of calendar days, both ends included: `2021` (a year), `2021-06` (a month),
/// `2021-06-01` (a day) or `2021-06-01..2021-12-31` (a range; each end may be a year, month or
/// day: `2021-06..2021-12` is June to December).
///
/// ```
/// use custseg::data::clean::Period;
/// let p = Period::parse("2021")?;
/// assert_eq!(p.to_string(), "2021-01-01..2021-12-31");
/// assert_eq!(Period::parse("2021-06..2021-12")?.to_string(), "2021-06-01..2021-12-31");
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    /// The first day.
    pub first: NaiveDate,
    /// The last day.
    pub last: NaiveDate,
}

impl Period {
    /// Reads `2021`, `2021-06`, `2021-06-01` or `FROM..TO` (each end one of those).
    pub fn parse(text: &str) -> Result<Period> {
        let text = text.trim();
        let bad = || {
            crate::error::Error::param(
                "CleaningRules::excluded_periods",
                format!(
                    "\"{}\" is not a period; write a year (2021), a month (2021-06), a day \
                     (2021-06-01) or a range (2021-06-01..2021-12-31)",
                    crate::format::shorten(text, 60)
                ),
            )
        };
        let (first, last) = match text.split_once("..") {
            Some((from, to)) => (
                period_end(from, false).ok_or_else(bad)?,
                period_end(to, true).ok_or_else(bad)?,
            ),
            None => (
                period_end(text, false).ok_or_else(bad)?,
                period_end(text, true).ok_or_else(bad)?,
            ),
        };
        let period = Period { first, last };
        period.check()?;
        Ok(period)
    }

    /// Checks that the period is not empty.
    pub fn check(&self) -> Result<()> {
        if self.first > self.last {
            return Err(crate::error::Error::param(
                "CleaningRules::excluded_periods",
                format!("{} is after {}: the period is empty", self.first, self.last),
            ));
        }
        Ok(())
    }

    /// The period as milliseconds since 1970-01-01, from the start of the first day to the end
    /// of the last.
    pub(crate) fn bounds_ms(&self) -> (i64, i64) {
        let start = |d: NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis()
        };
        (
            start(self.first),
            self.last.succ_opt().map_or(i64::MAX, start) - 1,
        )
    }
}

/// The first (or, with `last`, the last) day of `2021`, `2021-06` or `2021-06-01`.
fn period_end(text: &str, last: bool) -> Option<NaiveDate> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    let number = |s: &str| s.parse::<u32>().ok();
    let year = parts.first().and_then(|y| y.parse::<i32>().ok())?;
    if parts[0].len() != 4 {
        return None;
    }
    match parts.len() {
        1 => NaiveDate::from_ymd_opt(year, if last { 12 } else { 1 }, if last { 31 } else { 1 }),
        2 => {
            let month = number(parts[1])?;
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            if last {
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)?
                };
                next.pred_opt()
            } else {
                Some(first)
            }
        }
        3 => NaiveDate::from_ymd_opt(year, number(parts[1])?, number(parts[2])?),
        _ => None,
    }
}

impl TryFrom<String> for Period {
    type Error = crate::error::Error;

    fn try_from(text: String) -> Result<Self> {
        Period::parse(&text)
    }
}

impl From<Period> for String {
    fn from(period: Period) -> String {
        period.to_string()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.first, self.last)
    }
}

/// The largest amount one row can have: 10^15 in any currency (40 billion US dollars even in
/// Vietnamese dong) is no order line, and a billion such rows sum to 10^24, far from overflowing,
/// so sums, charts and quantiles never meet an infinite value.
pub const MAX_AMOUNT: f64 = 1e15;

/// Whether an amount is too large for a transaction (see [`MAX_AMOUNT`]); NaN counts as too large.
pub(crate) fn amount_too_large(amount: f64) -> bool {
    amount.is_nan() || amount.abs() > MAX_AMOUNT
}

/// The default [`CleaningRules::earliest_date`]: 1900-01-01.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// The default [`CleaningRules::latest_date`]: 2100-12-31.
pub const LATEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};

impl Default for CleaningRules {
    fn default() -> Self {
        CleaningRules {
            drop_cancellations: true,
            cancellation_pattern: r"^C\d+$".to_string(),
            drop_non_positive_quantity: true,
            drop_non_positive_price: true,
            drop_duplicates: false,
            earliest_date: EARLIEST_DATE,
            latest_date: LATEST_DATE,
            excluded_periods: Vec::new(),
        }
    }
}

impl CleaningRules {
    /// The plausible dates as milliseconds since 1970-01-01: from the start of
    /// [`CleaningRules::earliest_date`] to the end of [`CleaningRules::latest_date`].
    pub(crate) fn date_bounds_ms(&self) -> (i64, i64) {
        let start = |d: NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis()
        };
        let end = self.latest_date.succ_opt().map_or(i64::MAX, start) - 1;
        (start(self.earliest_date), end)
    }

    /// Checks that the date range is not empty.
    pub fn check(&self) -> Result<()> {
        if self.earliest_date > self.latest_date {
            return Err(crate::error::Error::param(
                "CleaningRules::earliest_date",
                format!(
                    "{} is after `CleaningRules::latest_date` ({}); no row could be kept",
                    self.earliest_date, self.latest_date
                ),
            ));
        }
        for period in &self.excluded_periods {
            period.check()?;
        }
        cancellation_regex(self).map(|_| ())
    }

    /// Whether a time (milliseconds since 1970-01-01) falls in an excluded period.
    pub(crate) fn excluded_ms(&self) -> impl Fn(i64) -> bool + Sync + '_ {
        let bounds: Vec<(i64, i64)> = self
            .excluded_periods
            .iter()
            .map(Period::bounds_ms)
            .collect();
        move |ms| bounds.iter().any(|&(start, end)| ms >= start && ms <= end)
    }
}

/// Why a row was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Every field of the row is empty (a blank line, a line of delimiters, an empty sheet row).
    BlankRow,
    /// The row has fewer fields than the header.
    ShortRow,
    /// The row has more fields than the header.
    LongRow,
    /// The customer id is empty.
    MissingCustomer,
    /// The invoice id is empty (only when an invoice column is used).
    MissingInvoice,
    /// The invoice id marks a cancellation.
    Cancellation,
    /// The date is present but not a date in the column's layout.
    UnparsableDate,
    /// The date is empty.
    MissingDate,
    /// The date is outside [`CleaningRules::earliest_date`] to [`CleaningRules::latest_date`].
    DateOutOfRange,
    /// The date falls in one of [`CleaningRules::excluded_periods`].
    ExcludedPeriod,
    /// The quantity is present but not a number.
    UnparsableQuantity,
    /// The quantity is empty.
    MissingQuantity,
    /// The quantity is zero or negative.
    NonPositiveQuantity,
    /// The unit price is present but not a number.
    UnparsablePrice,
    /// The unit price is empty.
    MissingPrice,
    /// The unit price is zero or negative.
    NonPositivePrice,
    /// The amount is present but not a number.
    UnparsableAmount,
    /// The amount is empty.
    MissingAmount,
    /// The amount is zero or negative.
    NonPositiveAmount,
    /// The amount (quantity x price, or the amount column) is above [`MAX_AMOUNT`] in size, or
    /// overflows to infinity: an export error, and one such row would swamp every sum.
    AmountTooLarge,
    /// The row repeats an earlier row exactly.
    Duplicate,
    /// The basket column ([`ColumnRoles::basket_json`](crate::data::roles::ColumnRoles::basket_json))
    /// is empty.
    MissingBasket,
    /// The basket is not a JSON list of products (invalid JSON, another JSON value, a product that
    /// is neither an object nor an id, or a quantity that is not a positive number).
    MalformedBasket,
    /// The basket is an empty list.
    EmptyBasket,
    /// A product in the basket has no id: the basket's amount cannot be split over products it
    /// cannot name, so the whole row is dropped.
    ProductWithoutId,
}

impl DropReason {
    /// Every reason, in the order in which they are checked.
    pub const ALL: [DropReason; 25] = [
        DropReason::BlankRow,
        DropReason::ShortRow,
        DropReason::LongRow,
        DropReason::MissingCustomer,
        DropReason::MissingInvoice,
        DropReason::Cancellation,
        DropReason::UnparsableDate,
        DropReason::MissingDate,
        DropReason::DateOutOfRange,
        DropReason::ExcludedPeriod,
        DropReason::UnparsableQuantity,
        DropReason::MissingQuantity,
        DropReason::NonPositiveQuantity,
        DropReason::UnparsablePrice,
        DropReason::MissingPrice,
        DropReason::NonPositivePrice,
        DropReason::UnparsableAmount,
        DropReason::MissingAmount,
        DropReason::NonPositiveAmount,
        DropReason::AmountTooLarge,
        DropReason::Duplicate,
        DropReason::MissingBasket,
        DropReason::MalformedBasket,
        DropReason::EmptyBasket,
        DropReason::ProductWithoutId,
    ];

    /// A short human label, e.g. "cancellation".
    pub fn label(self) -> &'static str {
        match self {
            DropReason::BlankRow => "blank row",
            DropReason::ShortRow => "fewer fields than the header",
            DropReason::LongRow => "more fields than the header",
            DropReason::MissingCustomer => "missing customer",
            DropReason::MissingInvoice => "missing invoice",
            DropReason::Cancellation => "cancellation",
            DropReason::MissingDate => "missing date",
            DropReason::UnparsableDate => "unparsable date",
            DropReason::DateOutOfRange => "date outside the plausible range",
            DropReason::MissingQuantity => "missing quantity",
            DropReason::UnparsableQuantity => "unparsable quantity",
            DropReason::NonPositiveQuantity => "non-positive quantity",
            DropReason::MissingPrice => "missing price",
            DropReason::UnparsablePrice => "unparsable price",
            DropReason::NonPositivePrice => "non-positive price",
            DropReason::MissingAmount => "missing amount",
            DropReason::UnparsableAmount => "unparsable amount",
            DropReason::NonPositiveAmount => "non-positive amount",
            DropReason::AmountTooLarge => "amount too large (above 1e15)",
            DropReason::Duplicate => "exact duplicate",
            DropReason::ExcludedPeriod => "date in an excluded period",
            DropReason::MissingBasket => "missing basket",
            DropReason::MalformedBasket => "basket not a JSON list of products",
            DropReason::EmptyBasket => "empty basket",
            DropReason::ProductWithoutId => "product without id in the basket",
        }
    }

    /// The reason's position in [`DropReason::ALL`].
    fn code(self) -> u8 {
        self as u8
    }
}

/// Rows in, rows kept, and rows dropped per reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowAccounting {
    /// Data rows read (the header is not a row).
    pub rows_in: usize,
    /// Rows kept after cleaning.
    pub rows_kept: usize,
    /// Rows dropped, per reason, in [`DropReason::ALL`] order; reasons with no rows are left out.
    pub dropped: Vec<(DropReason, usize)>,
    /// With a basket column: the rows after each kept row was split into one row per product
    /// (the rows of [`Transactions::frame`](crate::data::transactions::Transactions::frame)).
    pub product_rows: Option<usize>,
}

impl RowAccounting {
    /// Rows dropped for `reason`.
    pub fn dropped_for(&self, reason: DropReason) -> usize {
        self.dropped
            .iter()
            .find(|(r, _)| *r == reason)
            .map_or(0, |(_, n)| *n)
    }

    /// All dropped rows.
    pub fn rows_dropped(&self) -> usize {
        self.dropped.iter().map(|(_, n)| n).sum()
    }

    /// Whether kept + dropped == read. Always true for accounting made by custseg; kept public so
    /// callers who build their own can check theirs.
    pub fn check(&self) -> bool {
        self.rows_kept + self.rows_dropped() == self.rows_in
    }
}

/// Names of the typed columns the cleaning step reads; see [`crate::data::transactions`].
pub(crate) mod cols {
    pub const CUSTOMER: &str = "customer_id";
    pub const INVOICE: &str = "invoice";
    pub const DATE: &str = "date";
    pub const QUANTITY: &str = "quantity";
    pub const PRICE: &str = "price";
    pub const AMOUNT: &str = "amount";
    pub const PRODUCT: &str = "product";
    pub const DESCRIPTION: &str = "description";
    pub const CUSTOMER_CODE: &str = "customer_code";
    pub const INVOICE_CODE: &str = "invoice_code";
    /// The basket's JSON text, until baskets are split into products.
    pub const BASKET: &str = "basket";
    /// `true` where the raw text was present but could not be parsed.
    pub const BAD_PREFIX: &str = "__unparsable_";

    /// The [`DATE`] column of a transactions frame as milliseconds since 1970, in one chunk.
    pub fn date_ms(
        frame: &polars::prelude::DataFrame,
    ) -> crate::error::Result<polars::prelude::Int64Chunked> {
        let dates = frame.column(DATE)?.as_materialized_series().datetime()?;
        Ok(dates.physical().rechunk().into_owned())
    }
}

/// Which typed columns are present, so the rules know what to check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present {
    pub invoice: bool,
    pub quantity: bool,
    pub price: bool,
    pub amount_column: bool,
}

impl Present {
    /// What the resolved roles provide: the price is only checked when no amount column is used.
    pub(crate) fn of(roles: &crate::data::roles::ResolvedRoles) -> Self {
        Present {
            invoice: roles.invoice.is_some(),
            quantity: roles.quantity.is_some(),
            price: roles.price.is_some() && roles.amount.is_none(),
            amount_column: roles.amount.is_some(),
        }
    }
}

/// One bit per [`DropReason`] that holds for a row, at the reason's position in
/// [`DropReason::ALL`]. A row is dropped for the lowest bit among the reasons the rules enforce, so
/// each row is counted exactly once whatever order the checks ran in.
pub(crate) type Facts = u32;

impl DropReason {
    /// The reason's bit in [`Facts`].
    pub(crate) fn bit(self) -> Facts {
        1 << self.code()
    }
}

/// The reasons `rules` drop rows for: missing and unparsable values always, the others by rule.
/// Duplicates are found on the kept rows afterwards, not through [`Facts`].
pub(crate) fn enforced(rules: &CleaningRules) -> Facts {
    use DropReason as R;
    let mut mask = DropReason::ALL
        .iter()
        .filter(|r| **r != R::Duplicate)
        .fold(0, |mask, r| mask | r.bit());
    if !rules.drop_cancellations {
        mask &= !R::Cancellation.bit();
    }
    if !rules.drop_non_positive_quantity {
        mask &= !R::NonPositiveQuantity.bit();
    }
    if !rules.drop_non_positive_price {
        mask &= !(R::NonPositivePrice.bit() | R::NonPositiveAmount.bit());
    }
    mask
}

/// Rows dropped per reason, in [`DropReason::ALL`] order.
pub(crate) type ReasonCounts = [usize; DropReason::ALL.len()];

/// Each row's fate from its facts: whether it is kept, and how many rows each reason dropped.
pub(crate) fn account(facts: &[Facts], enforced: Facts) -> (Vec<bool>, ReasonCounts) {
    let mut counts = [0usize; DropReason::ALL.len()];
    let keep = facts
        .iter()
        .map(|&f| {
            let named = f & enforced;
            if named != 0 {
                counts[named.trailing_zeros() as usize] += 1;
            }
            named == 0
        })
        .collect();
    (keep, counts)
}

/// Drops exact duplicates among the kept rows when the rules say so (pandas' `drop_duplicates()`,
/// first occurrence kept, order kept), counting them in `counts`.
pub(crate) fn drop_duplicates(
    kept: DataFrame,
    rules: &CleaningRules,
    key: &[String],
    counts: &mut ReasonCounts,
) -> Result<DataFrame> {
    if !rules.drop_duplicates || kept.height() == 0 {
        return Ok(kept);
    }
    let before = kept.height();
    let key: Vec<Expr> = key.iter().map(col).collect();
    let kept = kept
        .lazy()
        .unique_stable_generic(Some(key), UniqueKeepStrategy::First)
        .collect()?;
    counts[DropReason::Duplicate as usize] = before - kept.height();
    Ok(kept)
}

/// The accounting for `rows_in` rows of which `rows_kept` survived, from the counts per reason.
pub(crate) fn accounting(rows_in: usize, rows_kept: usize, counts: ReasonCounts) -> RowAccounting {
    let dropped = DropReason::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| (*r, n))
        .collect();
    let accounting = RowAccounting {
        rows_in,
        rows_kept,
        dropped,
        product_rows: None,
    };
    debug_assert!(accounting.check());
    accounting
}

/// Applies the rules to a typed frame (see [`crate::data::transactions`]) and returns the kept rows,
/// without the helper columns, and the accounting. `before_duplicates` runs on the kept rows before
/// duplicates are looked for (the caller normalises text columns there, for surviving rows only);
/// `duplicate_key` names the columns that make two rows "the same". `rejected` counts the rows the
/// reader could not make table rows of (blank, short, long), which the accounting includes.
pub(crate) fn apply(
    typed: DataFrame,
    rules: &CleaningRules,
    present: Present,
    duplicate_key: &[String],
    rejected: ReasonCounts,
    before_duplicates: impl FnOnce(DataFrame) -> Result<DataFrame>,
) -> Result<(DataFrame, RowAccounting)> {
    use cols::*;
    let rows_in = typed.height() + rejected.iter().sum::<usize>();
    // Plain loops over one facts word per row: a polars when/then chain of a dozen conditions cost
    // about 45 ms on Online Retail.
    let enforced = enforced(rules);
    let mut facts: Vec<Facts> = vec![0; typed.height()];
    let is_null = |name: &str| -> Result<BooleanChunked> { Ok(typed.column(name)?.is_null()) };
    let flagged = |name: &str| -> Result<BooleanChunked> {
        Ok(typed
            .column(&format!("{BAD_PREFIX}{name}"))?
            .bool()?
            .clone())
    };
    // Two checks read the dates as milliseconds: cast once.
    let dates = typed.column(DATE)?.cast(&DataType::Int64)?;
    let dates = dates.i64()?;
    for (reason, check) in checks(rules, present) {
        let hits = match check {
            Check::Missing(name) => is_null(name)?,
            Check::Unreadable(name) => flagged(name)?,
            Check::Cancelled => {
                let pattern = cancellation_regex(rules)?;
                cancellations(typed.column(INVOICE)?.str()?, &pattern)
            }
            Check::DateOutside { earliest, latest } => dates
                .iter()
                .map(|ms| ms.map(|ms| ms < earliest || ms > latest))
                .collect(),
            Check::DateIn(periods) => dates
                .iter()
                .map(|ms| ms.map(|ms| periods.iter().any(|&(a, b)| ms >= a && ms <= b)))
                .collect(),
            Check::AmountTooLarge => typed
                .column(AMOUNT)?
                .f64()?
                .iter()
                .map(|v| v.map(amount_too_large))
                .collect(),
            // A null slot is already named missing, a reason checked first.
            Check::NonPositive(name) => typed.column(name)?.f64()?.lt_eq(0.0),
        };
        mark(&mut facts, &hits, reason);
    }

    let (keep, mut counts) = account(&facts, enforced);
    for (count, prior) in counts.iter_mut().zip(rejected) {
        *count += prior;
    }
    let helpers: Vec<String> = crate::frame::column_names(&typed)
        .into_iter()
        .filter(|n| n.starts_with(BAD_PREFIX))
        .collect();
    let kept = typed
        .drop_many(helpers)
        .filter(&BooleanChunked::from_slice(PlSmallStr::EMPTY, &keep))?;
    let kept = before_duplicates(kept)?;
    let kept = drop_duplicates(kept, rules, duplicate_key, &mut counts)?;
    let accounting = accounting(rows_in, kept.height(), counts);
    Ok((kept, accounting))
}

/// The numeric columns and the reasons each can name: (column, present, [unparsable, missing,
/// non-positive]).
pub(crate) fn numeric_checks(present: Present) -> [(&'static str, bool, [DropReason; 3]); 3] {
    use DropReason as R;
    [
        (
            cols::QUANTITY,
            present.quantity,
            [
                R::UnparsableQuantity,
                R::MissingQuantity,
                R::NonPositiveQuantity,
            ],
        ),
        (
            cols::PRICE,
            present.price,
            [R::UnparsablePrice, R::MissingPrice, R::NonPositivePrice],
        ),
        (
            cols::AMOUNT,
            present.amount_column,
            [R::UnparsableAmount, R::MissingAmount, R::NonPositiveAmount],
        ),
    ]
}

/// One check of the cleaning rules on the typed columns (see [`checks`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// The column is null: missing, or empty after trimming.
    Missing(&'static str),
    /// The column's value was present but could not be read (its [`cols::BAD_PREFIX`] flag).
    Unreadable(&'static str),
    /// The invoice id matches [`CleaningRules::cancellation_pattern`].
    Cancelled,
    /// The date (ms since 1970) is before `earliest` or after `latest`.
    DateOutside { earliest: i64, latest: i64 },
    /// The date (ms since 1970) falls in one of these periods, both ends included.
    DateIn(Vec<(i64, i64)>),
    /// The amount is above [`MAX_AMOUNT`] in size, or not a number.
    AmountTooLarge,
    /// The column's value is zero or negative.
    NonPositive(&'static str),
}

/// The checks `rules` make on a typed table with the `present` columns, each with the reason it
/// drops rows for, in [`DropReason::ALL`] order (a row is dropped for the first that holds), and
/// only those the rules enforce. The local loader evaluates this list on polars columns and the
/// distributed engine turns it into one DataFusion expression, so the rules are written once.
/// Duplicates are looked for afterwards, on the kept rows.
pub(crate) fn checks(rules: &CleaningRules, present: Present) -> Vec<(DropReason, Check)> {
    use DropReason as R;
    use cols::*;
    let mut list = vec![(R::MissingCustomer, Check::Missing(CUSTOMER))];
    if present.invoice {
        list.push((R::MissingInvoice, Check::Missing(INVOICE)));
        if rules.drop_cancellations {
            list.push((R::Cancellation, Check::Cancelled));
        }
    }
    list.push((R::UnparsableDate, Check::Unreadable(DATE)));
    list.push((R::MissingDate, Check::Missing(DATE)));
    let (earliest, latest) = rules.date_bounds_ms();
    list.push((R::DateOutOfRange, Check::DateOutside { earliest, latest }));
    if !rules.excluded_periods.is_empty() {
        let periods = rules.excluded_periods.iter().map(Period::bounds_ms);
        list.push((R::ExcludedPeriod, Check::DateIn(periods.collect())));
    }
    let enforced = enforced(rules);
    for (name, present, [unparsable, missing, non_positive]) in numeric_checks(present) {
        if present {
            list.push((unparsable, Check::Unreadable(name)));
            list.push((missing, Check::Missing(name)));
            if enforced & non_positive.bit() != 0 {
                list.push((non_positive, Check::NonPositive(name)));
            }
        }
    }
    list.push((R::AmountTooLarge, Check::AmountTooLarge));
    debug_assert!(list.windows(2).all(|w| w[0].0 < w[1].0), "ALL order");
    list
}

/// Sets `reason`'s bit on every row where `hits` is true (null counts as false).
fn mark(facts: &mut [Facts], hits: &BooleanChunked, reason: DropReason) {
    // Most checks hold for no row at all (no nulls, nothing unparsable): a bit count says so.
    if !hits.any() {
        return;
    }
    let mut row = 0;
    for array in hits.downcast_iter() {
        let values = array.values();
        let valid = array.validity();
        for i in 0..array.len() {
            if values.get_bit(i) && valid.is_none_or(|v| v.get_bit(i)) {
                facts[row] |= reason.bit();
            }
            row += 1;
        }
    }
}

/// The cancellation pattern, compiled.
pub(crate) fn cancellation_regex(rules: &CleaningRules) -> Result<regex::Regex> {
    regex::Regex::new(&rules.cancellation_pattern).map_err(|e| {
        crate::error::Error::param(
            "CleaningRules::cancellation_pattern",
            format!("not a valid regular expression: {e}"),
        )
    })
}

/// Whether each invoice id matches the cancellation pattern in full (null ids do not).
///
/// The lines of one invoice are usually adjacent, so the regex runs once per run of equal ids
/// rather than once per row.
fn cancellations(invoices: &StringChunked, pattern: &regex::Regex) -> BooleanChunked {
    let mut last: Option<(&str, bool)> = None;
    invoices
        .iter()
        .map(|id| {
            let id = id?;
            match last {
                Some((previous, hit)) if previous == id => Some(hit),
                _ => {
                    let hit = pattern.is_match(id);
                    last = Some((id, hit));
                    Some(hit)
                }
            }
        })
        .collect()
}
