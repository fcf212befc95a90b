//! Cleaning rules and the row accounting that goes with them.
//!
//! Every input row is either kept or dropped under exactly one named [`DropReason`]: the first
//! reason in [`DropReason::ALL`] order that applies. The counts therefore always add up to the rows
//! read, which [`RowAccounting::check`] verifies.

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
}

impl Default for CleaningRules {
    fn default() -> Self {
        CleaningRules {
            drop_cancellations: true,
            cancellation_pattern: r"^C\d+$".to_string(),
            drop_non_positive_quantity: true,
            drop_non_positive_price: true,
            drop_duplicates: false,
        }
    }
}

/// Why a row was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
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
    /// The row repeats an earlier row exactly.
    Duplicate,
}

impl DropReason {
    /// Every reason, in the order in which they are checked.
    pub const ALL: [DropReason; 15] = [
        DropReason::MissingCustomer,
        DropReason::MissingInvoice,
        DropReason::Cancellation,
        DropReason::UnparsableDate,
        DropReason::MissingDate,
        DropReason::UnparsableQuantity,
        DropReason::MissingQuantity,
        DropReason::NonPositiveQuantity,
        DropReason::UnparsablePrice,
        DropReason::MissingPrice,
        DropReason::NonPositivePrice,
        DropReason::UnparsableAmount,
        DropReason::MissingAmount,
        DropReason::NonPositiveAmount,
        DropReason::Duplicate,
    ];

    /// A short human label, e.g. "cancellation".
    pub fn label(self) -> &'static str {
        match self {
            DropReason::MissingCustomer => "missing customer",
            DropReason::MissingInvoice => "missing invoice",
            DropReason::Cancellation => "cancellation",
            DropReason::MissingDate => "missing date",
            DropReason::UnparsableDate => "unparsable date",
            DropReason::MissingQuantity => "missing quantity",
            DropReason::UnparsableQuantity => "unparsable quantity",
            DropReason::NonPositiveQuantity => "non-positive quantity",
            DropReason::MissingPrice => "missing price",
            DropReason::UnparsablePrice => "unparsable price",
            DropReason::NonPositivePrice => "non-positive price",
            DropReason::MissingAmount => "missing amount",
            DropReason::UnparsableAmount => "unparsable amount",
            DropReason::NonPositiveAmount => "non-positive amount",
            DropReason::Duplicate => "exact duplicate",
        }
    }

    fn code(self) -> u32 {
        self as u32
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
    /// `true` where the raw text was present but could not be parsed.
    pub const BAD_PREFIX: &str = "__unparsable_";
    pub const REASON: &str = "__drop_reason";
    pub const ROW: &str = "__row";
}

/// Which typed columns are present, so the rules know what to check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Present {
    pub invoice: bool,
    pub quantity: bool,
    pub price: bool,
    pub amount_column: bool,
}

/// Applies the rules to a typed frame (see [`crate::data::transactions`]) and returns the kept rows,
/// without the helper columns, and the accounting. `duplicate_key` names the columns that make two
/// rows "the same".
pub(crate) fn apply(
    typed: DataFrame,
    rules: &CleaningRules,
    present: Present,
    duplicate_key: &[String],
) -> Result<(DataFrame, RowAccounting)> {
    use cols::*;
    let rows_in = typed.height();
    let bad = |name: &str| col(format!("{BAD_PREFIX}{name}"));
    let mut checks: Vec<(Expr, DropReason)> =
        vec![(col(CUSTOMER).is_null(), DropReason::MissingCustomer)];
    if present.invoice {
        checks.push((col(INVOICE).is_null(), DropReason::MissingInvoice));
        if rules.drop_cancellations {
            checks.push((
                col(INVOICE)
                    .str()
                    .contains(lit(rules.cancellation_pattern.as_str()), true),
                DropReason::Cancellation,
            ));
        }
    }
    checks.push((bad(DATE), DropReason::UnparsableDate));
    checks.push((col(DATE).is_null(), DropReason::MissingDate));
    let mut numeric =
        |name: &str, present: bool, drop_non_positive: bool, reasons: [DropReason; 3]| {
            if present {
                checks.push((bad(name), reasons[1]));
                checks.push((col(name).is_null(), reasons[0]));
                if drop_non_positive {
                    checks.push((col(name).lt_eq(lit(0.0)), reasons[2]));
                }
            }
        };
    use DropReason as R;
    numeric(
        QUANTITY,
        present.quantity,
        rules.drop_non_positive_quantity,
        [
            R::MissingQuantity,
            R::UnparsableQuantity,
            R::NonPositiveQuantity,
        ],
    );
    numeric(
        PRICE,
        present.price,
        rules.drop_non_positive_price,
        [R::MissingPrice, R::UnparsablePrice, R::NonPositivePrice],
    );
    numeric(
        AMOUNT,
        present.amount_column,
        rules.drop_non_positive_price,
        [R::MissingAmount, R::UnparsableAmount, R::NonPositiveAmount],
    );
    // The checks were pushed in DropReason::ALL order; the first that holds names the row.
    let reason = checks
        .into_iter()
        .rev()
        .fold(
            lit(NULL).cast(DataType::UInt32),
            |otherwise, (cond, reason)| {
                when(cond.fill_null(lit(false)))
                    .then(lit(reason.code()))
                    .otherwise(otherwise)
            },
        )
        .alias(REASON);
    let with_reason = typed.lazy().with_column(reason).collect()?;

    let mut counts = [0usize; DropReason::ALL.len()];
    for code in with_reason.column(REASON)?.u32()?.iter().flatten() {
        counts[code as usize] += 1;
    }
    let mut kept = with_reason
        .lazy()
        .filter(col(REASON).is_null())
        .select([all()
            .exclude_cols([format!("^{BAD_PREFIX}.*$"), REASON.to_string()])
            .as_expr()])
        .collect()?;
    if rules.drop_duplicates && kept.height() > 0 {
        let before = kept.height();
        let key: Vec<Expr> = duplicate_key.iter().map(col).collect();
        kept = kept
            .lazy()
            .unique_stable_generic(Some(key), UniqueKeepStrategy::First)
            .collect()?;
        counts[DropReason::Duplicate as usize] = before - kept.height();
    }
    let dropped = DropReason::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| (*r, n))
        .collect();
    let accounting = RowAccounting {
        rows_in,
        rows_kept: kept.height(),
        dropped,
    };
    debug_assert!(accounting.check());
    Ok((kept, accounting))
}
