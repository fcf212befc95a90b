//! The customer single view: one row per customer with the measures studies 4 and 5 cluster on.
//!
//! Columns, in order (stable: scripts and `custseg cluster --features` name them):
//!
//! | column | meaning |
//! |---|---|
//! | `customer_id` | as in the file; customers in `customer_code` order (numeric ids numerically) |
//! | `visits` | distinct invoices (baskets); each row is a visit when there is no invoice column |
//! | `spend` | sum of the amount |
//! | `ticket_size` | `spend / visits` |
//! | `items` | sum of the quantity; rows when there is no quantity column |
//! | `skus` | distinct products; empty when there is no product column |
//! | `first_purchase`, `last_purchase` | calendar dates of the first and last transaction |
//! | `tenure_days` | days from first to last purchase (the supermarket study's `total_days`) |
//! | `recency` | days from the last purchase to the snapshot (default: the day after the last transaction) |
//! | `mean_days_between_visits` | `tenure_days / (visits - 1)`; empty for one visit |
//! | `share_<dimension>_<value>` | share of the customer's spend in rows with that value, one column per value in byte order of the raw values |
//! | `dominant_<dimension>` | the value with the largest spend (ties, within [`TIE`] relative, to the first in that order) |
//!
//! Dimension and value names are made column-safe: lower case, every other character than a letter
//! or digit becomes `_`, runs of `_` collapse and ends are trimmed (`BASKET_DOMINANT_MISSION`,
//! `Nonfood` gives `share_basket_dominant_mission_nonfood`). An empty dimension value is the value
//! `(missing)`. `spend` and `items` are exact sums rounded once ([`crate::exact_sum`]): the
//! same in any row order, and `spend` equals the RFM table's `monetary` to the bit. The shares
//! are ratios of row-order sums.

use chrono::{Duration, NaiveDate};
use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::dates::MS_PER_DAY;
use crate::data::transactions::Transactions;
use crate::error::{Context, Error, Result};
use crate::exact_sum::ExactSum;
use crate::grouping::distinct_keys_per_group;

/// Spends within this relative distance of a customer's largest count as equal when choosing the
/// `dominant_<dimension>` value.
pub const TIE: f64 = 1e-9;

/// The label of an empty dimension value.
pub const MISSING_VALUE: &str = "(missing)";

/// Parameters of a [`CustomerView`], checked by [`CustomerViewParams::fit`].
///
/// ```no_run
/// use custseg::prelude::*;
/// let options = LoadOptions {
///     roles: ColumnRoles {
///         dimensions: vec!["BASKET_DOMINANT_MISSION".into(), "STORE_FORMAT".into()],
///         ..Default::default()
///     },
///     ..Default::default()
/// };
/// let tx = Transactions::load("supermarket.csv", &options)?;
/// let view = CustomerViewParams::new().fit(&tx)?;
/// println!("{}", view.frame());
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerViewParams {
    snapshot: Option<NaiveDate>,
    dimensions: Option<Vec<String>>,
    max_values: usize,
}

impl Default for CustomerViewParams {
    fn default() -> Self {
        CustomerViewParams {
            snapshot: None,
            dimensions: None,
            max_values: 50,
        }
    }
}

impl CustomerViewParams {
    /// Snapshot the day after the last transaction; every dimension the transactions were loaded
    /// with; at most 50 values per dimension.
    pub fn new() -> Self {
        Self::default()
    }

    /// The date recency is measured to.
    pub fn snapshot(mut self, date: NaiveDate) -> Self {
        self.snapshot = Some(date);
        self
    }

    /// The dimensions to break spend down by (default: those of
    /// [`ColumnRoles::dimensions`](crate::data::roles::ColumnRoles::dimensions)).
    pub fn dimensions(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.dimensions = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The most distinct values a dimension may have (each becomes a column).
    pub fn max_values(mut self, max: usize) -> Self {
        self.max_values = max;
        self
    }

    /// Checks the parameters without data.
    pub fn check(&self) -> Result<()> {
        if self.max_values == 0 {
            return Err(Error::param(
                "CustomerViewParams::max_values",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// Builds the view from clean transactions.
    pub fn fit(&self, transactions: &Transactions) -> Result<CustomerView> {
        self.fit_steps(transactions)
            .doing("building the customer single view")
    }

    fn fit_steps(&self, transactions: &Transactions) -> Result<CustomerView> {
        self.check()?;
        let frame = transactions.frame();
        let dimensions = match &self.dimensions {
            Some(names) => names.clone(),
            None => transactions.roles().dimensions.clone(),
        };
        let has = crate::frame::column_names(&frame);
        for name in &dimensions {
            if !has.contains(name) {
                return Err(Error::param(
                    "CustomerViewParams::dimensions",
                    format!(
                        "\"{name}\" is not a dimension of the loaded transactions ({}); add it to \
                         `ColumnRoles::dimensions` when loading",
                        if transactions.roles().dimensions.is_empty() {
                            "none were loaded".to_string()
                        } else {
                            transactions.roles().dimensions.join(", ")
                        }
                    ),
                ));
            }
        }
        let rows = Rows::of(&frame, transactions.has_invoices())?;
        let last = rows.dates.iter().copied().max().unwrap_or(0);
        let last_day = day_of(last);
        let snapshot = self.snapshot.unwrap_or(last_day + Duration::days(1));
        if snapshot < last_day {
            return Err(Error::param(
                "CustomerViewParams::snapshot",
                format!(
                    "{snapshot} is before the last transaction ({last_day}); recency would be \
                     negative"
                ),
            ));
        }
        let (base, shares) = rayon::join(
            || base_columns(&frame, &rows, snapshot),
            || -> Result<Vec<Vec<Column>>> {
                dimensions
                    .iter()
                    .map(|name| dimension_columns(&frame, &rows, name, self.max_values))
                    .collect()
            },
        );
        let mut columns = base?;
        columns.extend(shares?.into_iter().flatten());
        let frame = DataFrame::new(rows.customers, columns)?;
        Ok(CustomerView {
            frame,
            snapshot,
            dimensions,
        })
    }
}

/// One row per customer: visits, spend, ticket size, items, products, dates, recency and spend
/// shares per dimension value. See the [module documentation](self) for every column.
#[derive(Debug, Clone)]
pub struct CustomerView {
    frame: DataFrame,
    snapshot: NaiveDate,
    dimensions: Vec<String>,
}

impl CustomerView {
    /// The view with default parameters.
    pub fn new(transactions: &Transactions) -> Result<Self> {
        CustomerViewParams::new().fit(transactions)
    }

    /// The table (a fresh frame sharing the columns, safe in any notebook cell).
    pub fn frame(&self) -> DataFrame {
        crate::frame::rebuild(&self.frame).unwrap_or_else(|_| self.frame.clone())
    }

    /// The date recency was measured to.
    pub fn snapshot(&self) -> NaiveDate {
        self.snapshot
    }

    /// The dimensions spend was broken down by.
    pub fn dimensions(&self) -> &[String] {
        &self.dimensions
    }

    /// The numeric columns a clustering can use: `visits`, `spend`, `ticket_size`, `items`,
    /// `skus` (when known), `tenure_days`, `recency` and every share.
    pub fn feature_columns(&self) -> Vec<String> {
        let skus_known = self
            .frame
            .column("skus")
            .map(|c| c.null_count() < c.len())
            .unwrap_or(false);
        crate::frame::column_names(&self.frame)
            .into_iter()
            .filter(|name| match name.as_str() {
                "visits" | "spend" | "ticket_size" | "items" | "tenure_days" | "recency" => true,
                "skus" => skus_known,
                other => other.starts_with("share_"),
            })
            .collect()
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    /// Whether there are no customers (never true for a built view).
    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    /// Shows the first and last customers as an HTML table in an evcxr notebook.
    pub fn evcxr_display(&self) {
        crate::display::Show::show(&self.frame).evcxr_display();
    }
}

/// The row-level columns the view reads, as slices.
struct Rows {
    customer: Vec<u32>,
    customers: usize,
    dates: Vec<i64>,
    amounts: Vec<f64>,
    /// Visit key per row: the invoice code, or the row number without invoices.
    visit: Vec<u32>,
}

impl Rows {
    fn of(frame: &DataFrame, has_invoices: bool) -> Result<Self> {
        let customer: Vec<u32> = frame
            .column(cols::CUSTOMER_CODE)?
            .u32()?
            .into_no_null_iter()
            .collect();
        let customers = customer.iter().copied().max().map_or(0, |m| m as usize + 1);
        let dates: Vec<i64> = frame
            .column(cols::DATE)?
            .as_materialized_series()
            .datetime()?
            .physical()
            .into_no_null_iter()
            .collect();
        let amounts: Vec<f64> = frame
            .column(cols::AMOUNT)?
            .f64()?
            .into_no_null_iter()
            .collect();
        let visit = if has_invoices {
            frame
                .column(cols::INVOICE_CODE)?
                .u32()?
                .into_no_null_iter()
                .collect()
        } else {
            (0..frame.height() as u32).collect()
        };
        Ok(Rows {
            customer,
            customers,
            dates,
            amounts,
            visit,
        })
    }
}

fn day_of(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .date_naive()
}

fn base_columns(frame: &DataFrame, rows: &Rows, snapshot: NaiveDate) -> Result<Vec<Column>> {
    let n = rows.customers;
    let mut ids: Vec<Option<&str>> = vec![None; n];
    let customer_ids = frame.column(cols::CUSTOMER)?.str()?;
    let mut spend = vec![ExactSum::default(); n];
    let mut first = vec![i64::MAX; n];
    let mut last = vec![i64::MIN; n];
    for (row, &c) in rows.customer.iter().enumerate() {
        let c = c as usize;
        if ids[c].is_none() {
            ids[c] = customer_ids.get(row);
        }
        spend[c].add(rows.amounts[row]);
        first[c] = first[c].min(rows.dates[row]);
        last[c] = last[c].max(rows.dates[row]);
    }
    let (visits, skus) = rayon::join(
        || distinct_keys_per_group(&rows.customer, &rows.visit, n),
        || -> Result<Vec<Option<u32>>> {
            Ok(match frame.column(cols::PRODUCT) {
                Ok(product) => {
                    // Rows without a product id name no product: they are left out of the count.
                    let (customers, keys) = text_codes(product.str()?, &rows.customer);
                    distinct_keys_per_group(&customers, &keys, n)
                        .into_iter()
                        .map(Some)
                        .collect()
                }
                Err(_) => vec![None; n],
            })
        },
    );
    let skus = skus?;
    let spend: Vec<f64> = spend.iter().map(ExactSum::value).collect();
    let items: Vec<f64> = match frame.column(cols::QUANTITY) {
        Ok(quantity) => {
            let mut items = vec![ExactSum::default(); n];
            for (&c, q) in rows.customer.iter().zip(quantity.f64()?.iter()) {
                items[c as usize].add(q.unwrap_or(0.0));
            }
            items.iter().map(ExactSum::value).collect()
        }
        Err(_) => {
            let mut items = vec![0.0f64; n];
            for &c in &rows.customer {
                items[c as usize] += 1.0;
            }
            items
        }
    };
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let snapshot_day = (snapshot - epoch).num_days();
    let first_day: Vec<i64> = first.iter().map(|&ms| ms.div_euclid(MS_PER_DAY)).collect();
    let last_day: Vec<i64> = last.iter().map(|&ms| ms.div_euclid(MS_PER_DAY)).collect();
    let tenure: Vec<i64> = first_day
        .iter()
        .zip(&last_day)
        .map(|(f, l)| l - f)
        .collect();
    let recency: Vec<i64> = last_day.iter().map(|l| snapshot_day - l).collect();
    let ticket: Vec<f64> = spend
        .iter()
        .zip(&visits)
        .map(|(s, &v)| s / f64::from(v))
        .collect();
    let between: Vec<Option<f64>> = tenure
        .iter()
        .zip(&visits)
        .map(|(&t, &v)| (v > 1).then(|| t as f64 / f64::from(v - 1)))
        .collect();
    let as_date = |days: &[i64]| -> Result<Column> {
        let values: Vec<i32> = days.iter().map(|&d| d as i32).collect();
        Ok(Column::new("".into(), values).cast(&DataType::Date)?)
    };
    Ok(vec![
        Column::new("customer_id".into(), ids),
        Column::new("visits".into(), visits),
        Column::new("spend".into(), spend),
        Column::new("ticket_size".into(), ticket),
        Column::new("items".into(), items),
        Column::new("skus".into(), skus),
        as_date(&first_day)?.with_name("first_purchase".into()),
        as_date(&last_day)?.with_name("last_purchase".into()),
        Column::new("tenure_days".into(), tenure),
        Column::new("recency".into(), recency),
        Column::new("mean_days_between_visits".into(), between),
    ])
}

/// Dense codes of the non-empty values of a text column, in order of first appearance, with the
/// customers of those rows. The rows of one basket or invoice often repeat a value: the previous
/// value is checked before hashing.
fn text_codes<'a>(values: &'a StringChunked, customer: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut codes: PlHashMap<&'a str, u32> = PlHashMap::default();
    let mut last: Option<(&'a str, u32)> = None;
    let mut customers = Vec::with_capacity(customer.len());
    let mut keys = Vec::with_capacity(customer.len());
    for (value, &c) in values.iter().zip(customer) {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        let code = match last {
            Some((previous, code)) if previous == value => code,
            _ => {
                let next = codes.len() as u32;
                let code = *codes.entry(value).or_insert(next);
                last = Some((value, code));
                code
            }
        };
        customers.push(c);
        keys.push(code);
    }
    (customers, keys)
}

/// A name made column-safe: lower case letters and digits, `_` between words.
pub fn column_safe(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "blank".to_string()
    } else {
        trimmed.to_string()
    }
}

/// `share_<dimension>_<value>` for every value, then `dominant_<dimension>`.
fn dimension_columns(
    frame: &DataFrame,
    rows: &Rows,
    name: &str,
    max_values: usize,
) -> Result<Vec<Column>> {
    let values = frame.column(name)?.cast(&DataType::String)?;
    let values = values.str()?;
    // Each row's value as a code in order of first appearance, then the codes renumbered in the
    // byte order of the values.
    let mut first_seen: PlHashMap<&str, usize> = PlHashMap::new();
    let mut last: Option<(&str, usize)> = None;
    let row_codes: Vec<usize> = values
        .iter()
        .map(|v| {
            let v = v.unwrap_or(MISSING_VALUE);
            match last {
                Some((previous, code)) if previous == v => code,
                _ => {
                    let next = first_seen.len();
                    let code = *first_seen.entry(v).or_insert(next);
                    last = Some((v, code));
                    code
                }
            }
        })
        .collect();
    let mut levels: Vec<&str> = first_seen.keys().copied().collect();
    levels.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    if levels.len() > max_values {
        return Err(Error::param(
            "CustomerViewParams::max_values",
            format!(
                "the dimension \"{name}\" has {} distinct values and each would become a column; \
                 the limit is {max_values}. Raise `CustomerViewParams::max_values` or choose a \
                 coarser dimension",
                levels.len()
            ),
        ));
    }
    let mut level_of = vec![0usize; levels.len()];
    for (level, value) in levels.iter().enumerate() {
        level_of[first_seen[value]] = level;
    }
    let k = levels.len();
    let n = rows.customers;
    let mut by_level = vec![0.0f64; n * k];
    let mut spend = vec![0.0f64; n];
    for (row, &code) in row_codes.iter().enumerate() {
        let c = rows.customer[row] as usize;
        let level = level_of[code];
        by_level[c * k + level] += rows.amounts[row];
        spend[c] += rows.amounts[row];
    }
    let prefix = column_safe(name);
    let mut names: Vec<String> = Vec::with_capacity(k);
    for level in &levels {
        let mut column = format!("share_{prefix}_{}", column_safe(level));
        // Two values that read alike once made column-safe ("A-B", "a b") get numbered.
        let base = column.clone();
        let mut suffix = 2;
        while names.contains(&column) {
            column = format!("{base}_{suffix}");
            suffix += 1;
        }
        names.push(column);
    }
    let mut columns: Vec<Column> = (0..k)
        .map(|level| {
            let shares: Vec<f64> = (0..n).map(|c| by_level[c * k + level] / spend[c]).collect();
            Column::new(names[level].as_str().into(), shares)
        })
        .collect();
    let dominant: Vec<&str> = (0..n)
        .map(|c| {
            let row = &by_level[c * k..(c + 1) * k];
            let most = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Within TIE of the largest is a tie: two equal baskets whose amounts were split over
            // products sum to values a rounding apart, and rounding must not pick the winner.
            let best = row
                .iter()
                .position(|&value| value >= most - TIE * most.abs())
                .unwrap_or(0);
            levels[best]
        })
        .collect();
    columns.push(Column::new(format!("dominant_{prefix}").into(), dominant));
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_safe_names() {
        assert_eq!(
            column_safe("BASKET_DOMINANT_MISSION"),
            "basket_dominant_mission"
        );
        assert_eq!(column_safe(" Top  Up! "), "top_up");
        assert_eq!(column_safe("Hồ Chí Minh"), "hồ_chí_minh");
        assert_eq!(column_safe("(missing)"), "missing");
        assert_eq!(column_safe("--"), "blank");
    }
}
