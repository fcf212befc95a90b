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
//! | `dominant_<dimension>` | the value with the largest spend among the customer's (ties, within [`TIE`] relative, to the first in that order; [`crate::dominant`]) |
//!
//! Dimension and value names are made column-safe: lower case, every other character than a letter
//! or digit becomes `_`, runs of `_` collapse and ends are trimmed (`BASKET_DOMINANT_MISSION`,
//! `Nonfood` gives `share_basket_dominant_mission_nonfood`). An empty dimension value is the value
//! `(missing)`. `spend` and `items` are exact sums rounded once ([`crate::exact_sum`]): the
//! same in any row order, and `spend` equals the RFM table's `monetary` to the bit. The shares
//! are ratios of row-order sums.
//!
//! [`CustomerViewParams::fit`] builds the view from loaded transactions;
//! [`CustomerViewParams::fit_streaming`] builds the same table, bit for bit, while reading files
//! too large to load.

use chrono::{Duration, NaiveDate};
use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::dates::MS_PER_DAY;
use crate::data::transactions::{Transactions, recode_customers, rows_until};
use crate::error::{Context, Error, Result};
use crate::exact_sum::ExactSum;
use crate::grouping::distinct_keys_per_group;

pub use crate::dominant::{MISSING_VALUE, TIE};

mod streamed;
pub use streamed::StreamedView;

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
    observation_end: Option<NaiveDate>,
    dimensions: Option<Vec<String>>,
    max_values: usize,
}

impl Default for CustomerViewParams {
    fn default() -> Self {
        CustomerViewParams {
            snapshot: None,
            observation_end: None,
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

    /// The view as it stood at the end of this day: later transactions are left out, as if the
    /// file ended then (the same rows as loading it with
    /// [`CleaningRules::latest_date`](crate::data::clean::CleaningRules::latest_date) set to
    /// `day`), and recency is measured to the next day unless [`CustomerViewParams::snapshot`]
    /// says otherwise. Customers with no transaction by then are left out. A holdout's
    /// calibration view, as [`RfmParams::observation_end`](crate::rfm::RfmParams::observation_end)
    /// gives its RFM table.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let tx = Transactions::load("online_retail.csv.gz", &LoadOptions::default())?;
    /// let cut = chrono::NaiveDate::from_ymd_opt(2011, 9, 30).unwrap();
    /// let then = CustomerViewParams::new().observation_end(cut).fit(&tx)?;
    /// println!("{} customers by {cut}", then.len());
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn observation_end(mut self, day: NaiveDate) -> Self {
        self.observation_end = Some(day);
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
        let frame = match self.observation_end {
            Some(end) => {
                let kept = rows_until(
                    &transactions.frame(),
                    end,
                    "CustomerViewParams::observation_end",
                )?;
                // Ids are ranked as numbers only when every one is, so the customers left are
                // ranked again, as a load ending on `end` ranks them.
                recode_customers(kept)?
            }
            None => transactions.frame(),
        };
        let dimensions = self.chosen_dimensions(&transactions.roles().dimensions)?;
        let rows = Rows::of(&frame, transactions.has_invoices())?;
        let last = rows.dates.iter().copied().max().unwrap_or(0);
        let snapshot = self.snapshot_after(last)?;
        let (base, shares) = rayon::join(
            || base_totals(&frame, &rows)?.columns(snapshot),
            || -> Result<Vec<Vec<Column>>> {
                let order: Vec<usize> = (0..rows.customers).collect();
                dimensions
                    .iter()
                    .map(|name| {
                        let values = frame.column(name)?.cast(&DataType::String)?;
                        let (spend, labels) =
                            dimension_spend(values.str()?, &rows, self.max_values);
                        spend.columns(name, |code| labels[code as usize], &order)
                    })
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

    /// The dimensions to break spend down by: those asked for, which must be among the `loaded`
    /// ones, or all of them.
    fn chosen_dimensions(&self, loaded: &[String]) -> Result<Vec<String>> {
        let Some(names) = &self.dimensions else {
            return Ok(loaded.to_vec());
        };
        for name in names {
            if !loaded.contains(name) {
                return Err(Error::param(
                    "CustomerViewParams::dimensions",
                    format!(
                        "\"{name}\" is not a dimension of the loaded transactions ({}); add it to \
                         `ColumnRoles::dimensions` when loading",
                        if loaded.is_empty() {
                            "none were loaded".to_string()
                        } else {
                            loaded.join(", ")
                        }
                    ),
                ));
            }
        }
        Ok(names.clone())
    }

    /// The snapshot for transactions whose last is at `last` (ms since 1970), or that end on the
    /// observation end.
    fn snapshot_after(&self, last: i64) -> Result<NaiveDate> {
        let last_day = self.observation_end.unwrap_or_else(|| day_of(last));
        let snapshot = self.snapshot.unwrap_or(last_day + Duration::days(1));
        if snapshot < last_day {
            let end = match self.observation_end {
                Some(_) => "`CustomerViewParams::observation_end`",
                None => "the last transaction",
            };
            return Err(Error::param(
                "CustomerViewParams::snapshot",
                format!("{snapshot} is before {end} ({last_day}); recency would be negative"),
            ));
        }
        Ok(snapshot)
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
        let dates: Vec<i64> = cols::date_ms(frame)?.into_no_null_iter().collect();
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

/// Per customer, in the view's row order: what the columns before the shares are made of.
struct BaseTotals<'a> {
    ids: Vec<&'a str>,
    visits: Vec<u32>,
    spend: Vec<f64>,
    items: Vec<f64>,
    /// `None` without a product column.
    skus: Vec<Option<u32>>,
    /// First and last purchase, ms since 1970.
    first: Vec<i64>,
    last: Vec<i64>,
}

/// The base totals of loaded transactions, customers in `customer_code` order.
fn base_totals<'a>(frame: &'a DataFrame, rows: &Rows) -> Result<BaseTotals<'a>> {
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
    Ok(BaseTotals {
        ids: ids.into_iter().map(Option::unwrap_or_default).collect(),
        visits,
        spend: spend.iter().map(ExactSum::value).collect(),
        items,
        skus: skus?,
        first,
        last,
    })
}

impl BaseTotals<'_> {
    /// `customer_id` to `mean_days_between_visits`.
    fn columns(self, snapshot: NaiveDate) -> Result<Vec<Column>> {
        let BaseTotals {
            ids,
            visits,
            spend,
            items,
            skus,
            first,
            last,
        } = self;
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

/// A dimension's spend per loaded customer and value (`values`, per row), with each value
/// code's label.
fn dimension_spend<'a>(
    values: &'a StringChunked,
    rows: &Rows,
    max_values: usize,
) -> (ValueSpend, Vec<&'a str>) {
    // Each row's value as a code in order of first appearance.
    let mut codes: PlHashMap<&str, u32> = PlHashMap::new();
    let mut labels: Vec<&str> = Vec::new();
    let mut last: Option<(&str, u32)> = None;
    let mut spend = ValueSpend::new(rows.customers, max_values);
    for (row, value) in values.iter().enumerate() {
        let code = value.map(|v| match last {
            Some((previous, code)) if previous == v => code,
            _ => {
                let code = *codes.entry(v).or_insert_with(|| {
                    labels.push(v);
                    labels.len() as u32 - 1
                });
                last = Some((v, code));
                code
            }
        });
        spend.add(rows.customer[row] as usize, code, rows.amounts[row]);
    }
    (spend, labels)
}

/// One dimension's spend per customer and value, summed in row order, for at most `max_values`
/// values: one vector per value over the customers (`NaN` where a customer has no row with the
/// value). Past `max_values` values only the distinct values are counted, for the error.
struct ValueSpend {
    /// By slot: 0 is the empty value, `code + 1` the value `code`.
    by_value: Vec<Vec<f64>>,
    /// Each customer's spend over the dimension's rows, in row order.
    spend: Vec<f64>,
    /// Whether each slot was seen, and how many were.
    seen: Vec<bool>,
    distinct: usize,
    max_values: usize,
}

impl ValueSpend {
    /// Room for `customers` customers (more are added as they come).
    fn new(customers: usize, max_values: usize) -> Self {
        ValueSpend {
            by_value: Vec::new(),
            spend: vec![0.0; customers],
            seen: Vec::new(),
            distinct: 0,
            max_values,
        }
    }

    /// Adds a row of `customer` with value `code` (`None`: empty).
    fn add(&mut self, customer: usize, code: Option<u32>, amount: f64) {
        let slot = code.map_or(0, |code| code as usize + 1);
        if slot >= self.seen.len() {
            self.seen.resize(slot + 1, false);
        }
        if !self.seen[slot] {
            self.seen[slot] = true;
            self.distinct += 1;
            if self.distinct > self.max_values {
                // The view will refuse the dimension: its sums are not needed.
                self.by_value = Vec::new();
            }
        }
        if self.distinct > self.max_values {
            return;
        }
        if customer >= self.spend.len() {
            self.spend.resize(customer + 1, 0.0);
        }
        self.spend[customer] += amount;
        if slot >= self.by_value.len() {
            self.by_value.resize_with(slot + 1, Vec::new);
        }
        let column = &mut self.by_value[slot];
        if customer >= column.len() {
            column.resize(self.spend.len().max(customer + 1), f64::NAN);
        }
        let cell = &mut column[customer];
        *cell = if cell.is_nan() {
            amount
        } else {
            *cell + amount
        };
    }

    /// `share_<dimension>_<value>` for every value in byte order of the labels, then
    /// `dominant_<dimension>`; `label(code)` is value `code`'s label, `order` the customers in
    /// the view's row order.
    fn columns<'a>(
        &self,
        name: &str,
        label: impl Fn(u32) -> &'a str,
        order: &[usize],
    ) -> Result<Vec<Column>> {
        let max_values = self.max_values;
        if self.distinct > max_values {
            return Err(Error::param(
                "CustomerViewParams::max_values",
                format!(
                    "the dimension \"{name}\" has {} distinct values and each would become a \
                     column; the limit is {max_values}. Raise `CustomerViewParams::max_values` \
                     or choose a coarser dimension",
                    self.distinct
                ),
            ));
        }
        let label = |slot: usize| match slot {
            0 => MISSING_VALUE,
            code => label(code as u32 - 1),
        };
        let mut levels: Vec<usize> = (0..self.seen.len()).filter(|&s| self.seen[s]).collect();
        levels.sort_by(|&a, &b| label(a).as_bytes().cmp(label(b).as_bytes()));
        let prefix = column_safe(name);
        let mut names: Vec<String> = Vec::with_capacity(levels.len());
        for &slot in &levels {
            let mut column = format!("share_{prefix}_{}", column_safe(label(slot)));
            // Two values that read alike once made column-safe ("A-B", "a b") get numbered.
            let base = column.clone();
            let mut suffix = 2;
            while names.contains(&column) {
                column = format!("{base}_{suffix}");
                suffix += 1;
            }
            names.push(column);
        }
        let spend_of = |slot: usize, c: usize| -> f64 {
            self.by_value[slot].get(c).copied().unwrap_or(f64::NAN)
        };
        let mut columns: Vec<Column> = levels
            .iter()
            .zip(&names)
            .map(|(&slot, column)| {
                let shares: Vec<f64> = order
                    .iter()
                    .map(|&c| {
                        let spend = spend_of(slot, c);
                        // A value the customer has no row with: a share of nothing.
                        let spend = if spend.is_nan() { 0.0 } else { spend };
                        spend / self.spend[c]
                    })
                    .collect();
                Column::new(column.as_str().into(), shares)
            })
            .collect();
        let mut spends = vec![0.0; levels.len()];
        let dominant: Vec<&str> = order
            .iter()
            .map(|&c| {
                for (spend, &slot) in spends.iter_mut().zip(&levels) {
                    *spend = spend_of(slot, c);
                }
                let best = crate::dominant::dominant(&spends).unwrap_or(0);
                label(levels[best])
            })
            .collect();
        columns.push(Column::new(format!("dominant_{prefix}").into(), dominant));
        Ok(columns)
    }
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
