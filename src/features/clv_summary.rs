//! The repeat-purchase summary that lifetime-value models fit, built as Fader and Hardie built the
//! CDNOW summary and as lifetimes' `summary_data_from_transaction_data(..., freq="D",
//! freq_multiplier=...)` builds it.
//!
//! Per customer, with transactions up to and including the end of observation:
//!
//! | column | meaning |
//! |---|---|
//! | `customer_id` | as in the file, in customer id order |
//! | `frequency` | purchase days after the first: all purchases on one calendar day are one purchase |
//! | `recency` | from the first to the last purchase day, in the summary's unit |
//! | `T` | from the first purchase day to the end of observation, in the summary's unit |
//! | `monetary_value` | mean spend of the repeat purchase days (the first day left out); 0 without repeats |
//!
//! Units: days, weeks (days / 7) or months (days / 30, lifetimes' convention for months).
//! Transactions after the end of observation are left out and counted, and so are customers whose
//! first purchase comes after it.

use std::fmt;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::dates::{MS_PER_DAY, date_of, day_number};
use crate::data::source::RawTable;
use crate::data::transactions::Transactions;
use crate::display::Show;
use crate::error::{Context, Error, Result};

/// A numeric column of a summary table as numbers: text is parsed (surrounding spaces allowed),
/// numbers are taken as they are; an empty or unreadable value is an error naming the column and
/// the row.
fn summary_numbers(table: &RawTable, column: &str) -> Result<Vec<f64>> {
    let series = table.frame.column(column)?.as_materialized_series();
    let bad = |row: usize, text: &str| Error::Column {
        path: table.source.path.clone(),
        column: column.to_string(),
        message: format!(
            "data row {}: {:?} is not a number; every row of a summary needs one",
            row + 1,
            crate::format::shorten(text, 40)
        ),
    };
    // polars' parse first (fast); a value it leaves empty is parsed again by hand, which allows
    // surrounding spaces and finds the text to name in the error.
    let numbers = series.cast(&DataType::Float64)?;
    let text = series.str().ok();
    numbers
        .f64()?
        .iter()
        .enumerate()
        .map(|(row, value)| match (value, text) {
            (Some(value), _) => Ok(value),
            (None, Some(text)) => {
                let value = text.get(row).unwrap_or("");
                value.trim().parse::<f64>().map_err(|_| bad(row, value))
            }
            (None, None) => Err(bad(row, "")),
        })
        .collect()
}

/// The time unit of recency and T (and of the models' rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum DurationUnit {
    /// Calendar days.
    Days,
    /// Weeks of 7 days, the unit of the CDNOW studies.
    #[default]
    Weeks,
    /// Months of 30 days, as lifetimes counts them.
    Months,
}

impl DurationUnit {
    /// Days in one unit.
    pub fn days(self) -> f64 {
        match self {
            DurationUnit::Days => 1.0,
            DurationUnit::Weeks => 7.0,
            DurationUnit::Months => 30.0,
        }
    }

    /// How many units make the month of lifetime-value horizons and discounting: 30 days,
    /// 4.345 weeks (lifetimes' factors; a month is not 30 / 7 weeks there) or 1 month.
    ///
    /// ```
    /// use custseg::features::clv_summary::DurationUnit;
    /// assert_eq!(DurationUnit::Days.per_month(), 30.0);
    /// assert_eq!(DurationUnit::Weeks.per_month(), 4.345);
    /// ```
    pub fn per_month(self) -> f64 {
        match self {
            DurationUnit::Days => 30.0,
            DurationUnit::Weeks => 4.345,
            DurationUnit::Months => 1.0,
        }
    }

    /// `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            DurationUnit::Days => "day",
            DurationUnit::Weeks => "week",
            DurationUnit::Months => "month",
        }
    }

    /// Parses `day`, `week` or `month` (plural and case ignored).
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().trim_end_matches('s') {
            "day" => Ok(DurationUnit::Days),
            "week" => Ok(DurationUnit::Weeks),
            "month" => Ok(DurationUnit::Months),
            _ => Err(Error::param(
                "DurationUnit",
                format!(
                    "unknown unit \"{}\"; use day, week or month",
                    crate::format::shorten(text, 40)
                ),
            )),
        }
    }
}

impl fmt::Display for DurationUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parameters of a [`ClvSummary`].
///
/// ```no_run
/// use custseg::prelude::*;
/// let tx = Transactions::bundled(&LoadOptions::default())?;
/// let summary = ClvSummaryParams::new().unit(DurationUnit::Weeks).fit(&tx)?;
/// println!("{} customers, {} repeat buyers", summary.len(), summary.repeat_buyers());
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClvSummaryParams {
    unit: DurationUnit,
    observation_end: Option<NaiveDate>,
}

impl ClvSummaryParams {
    /// Weeks, observation to the last transaction's day.
    pub fn new() -> Self {
        Self::default()
    }

    /// The unit of recency and T.
    pub fn unit(mut self, unit: DurationUnit) -> Self {
        self.unit = unit;
        self
    }

    /// The last day observed (inclusive); later transactions are left out and counted.
    pub fn observation_end(mut self, day: NaiveDate) -> Self {
        self.observation_end = Some(day);
        self
    }

    /// Builds the summary from clean transactions.
    pub fn fit(&self, transactions: &Transactions) -> Result<ClvSummary> {
        self.fit_steps(transactions)
            .doing("computing the lifetime-value summary")
    }

    fn fit_steps(&self, transactions: &Transactions) -> Result<ClvSummary> {
        let frame = transactions.frame();
        let purchases = PurchaseDays::from_frame(&frame)?;
        let last_day = purchases
            .rows
            .iter()
            .map(|r| r.day)
            .max()
            .ok_or_else(|| Error::param("transactions", "there are no transactions"))?;
        let end_day = match self.observation_end {
            Some(end) => day_number(end),
            None => last_day,
        };
        let first_day = purchases
            .rows
            .iter()
            .map(|r| r.day)
            .min()
            .unwrap_or(end_day);
        if end_day < first_day {
            return Err(Error::param(
                "ClvSummaryParams::observation_end",
                format!(
                    "{} is before the first transaction ({}); set it to a day inside the data",
                    date_of(end_day),
                    date_of(first_day)
                ),
            ));
        }
        Ok(purchases.summarise(end_day, self.unit))
    }
}

/// One kept row reduced to what the summary needs.
#[derive(Debug, Clone, Copy)]
struct Row {
    customer: u32,
    day: i64,
    amount: f64,
}

/// Kept rows with their customer ids.
struct PurchaseDays {
    rows: Vec<Row>,
    ids: Vec<String>,
}

impl PurchaseDays {
    fn from_frame(frame: &DataFrame) -> Result<Self> {
        let customer = frame.column(cols::CUSTOMER_CODE)?.u32()?.rechunk();
        let customer = customer.cont_slice().map_err(Error::from)?;
        let id_column = frame.column(cols::CUSTOMER)?.str()?;
        let dates = cols::date_ms(frame)?;
        let dates = dates.cont_slice().map_err(Error::from)?;
        let amounts = frame.column(cols::AMOUNT)?.f64()?.rechunk();
        let amounts = amounts.cont_slice().map_err(Error::from)?;
        let n = customer.iter().copied().max().map_or(0, |m| m as usize + 1);
        let mut ids = vec![String::new(); n];
        let mut rows = Vec::with_capacity(customer.len());
        for (i, (&c, (&ms, &amount))) in customer.iter().zip(dates.iter().zip(amounts)).enumerate()
        {
            if ids[c as usize].is_empty() {
                ids[c as usize] = id_column.get(i).unwrap_or_default().to_string();
            }
            rows.push(Row {
                customer: c,
                day: ms.div_euclid(MS_PER_DAY),
                amount,
            });
        }
        Ok(PurchaseDays { rows, ids })
    }

    /// Collapses each customer's rows up to `end_day` into purchase days and summarises them.
    fn summarise(mut self, end_day: i64, unit: DurationUnit) -> ClvSummary {
        let rows_in = self.rows.len();
        self.rows.retain(|r| r.day <= end_day);
        let rows_after_end = rows_in - self.rows.len();
        // A stable sort keeps file order within a day, so a day's spend is summed in row order,
        // as pandas' groupby sum does.
        self.rows.sort_by_key(|r| (r.customer, r.day));
        let mut summary = ClvSummary {
            unit,
            observation_end: date_of(end_day),
            rows_after_end,
            ..ClvSummary::default()
        };
        let days = unit.days();
        let mut start = 0;
        while start < self.rows.len() {
            let customer = self.rows[start].customer;
            let end = start
                + self.rows[start..]
                    .iter()
                    .take_while(|r| r.customer == customer)
                    .count();
            let spend = daily_spend(&self.rows[start..end]);
            let (first, _) = spend[0];
            let (last, _) = spend[spend.len() - 1];
            let repeats = &spend[1..];
            summary
                .customer_ids
                .push(self.ids[customer as usize].clone());
            summary.frequency.push(repeats.len() as f64);
            summary.recency.push((last - first) as f64 / days);
            summary.t.push((end_day - first) as f64 / days);
            summary.monetary_value.push(if repeats.is_empty() {
                0.0
            } else {
                repeats.iter().map(|(_, s)| s).sum::<f64>() / repeats.len() as f64
            });
            start = end;
        }
        let customers_in = self.ids.iter().filter(|id| !id.is_empty()).count();
        summary.customers_after_end = customers_in - summary.customer_ids.len();
        summary
    }
}

/// Every distinct (customer code, purchase day) of the kept rows, sorted: what the holdout
/// check's week-by-week tracking counts.
pub fn purchase_days(transactions: &Transactions) -> Result<Vec<(u32, i64)>> {
    let purchases = PurchaseDays::from_frame(&transactions.frame())?;
    let mut days: Vec<(u32, i64)> = purchases.rows.iter().map(|r| (r.customer, r.day)).collect();
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// (day, spend) per purchase day of one customer's rows, sorted by day.
fn daily_spend(rows: &[Row]) -> Vec<(i64, f64)> {
    let mut days: Vec<(i64, f64)> = Vec::new();
    for row in rows {
        match days.last_mut() {
            Some((day, spend)) if *day == row.day => *spend += row.amount,
            _ => days.push((row.day, row.amount)),
        }
    }
    days
}

/// Per-customer frequency, recency, T and monetary value; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClvSummary {
    customer_ids: Vec<String>,
    frequency: Vec<f64>,
    recency: Vec<f64>,
    t: Vec<f64>,
    monetary_value: Vec<f64>,
    unit: DurationUnit,
    observation_end: NaiveDate,
    rows_after_end: usize,
    customers_after_end: usize,
}

impl ClvSummary {
    /// A summary from its columns (say a published summary such as lifetimes' CDNOW one), checked:
    /// equal lengths, finite values, whole non-negative frequencies, `0 <= recency <= T`, recency 0
    /// without repeat purchases. A repeat buyer's monetary value of 0 or less (free or refunded
    /// repeat orders) is kept: the Gamma-Gamma fit leaves such buyers out and counts them. The
    /// summary has no observation end ([`ClvSummary::observation_end`] is 1970-01-01).
    pub fn from_columns(
        customer_ids: Vec<String>,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        t: Vec<f64>,
        monetary_value: Vec<f64>,
        unit: DurationUnit,
    ) -> Result<Self> {
        let n = customer_ids.len();
        for (name, column) in [
            ("frequency", &frequency),
            ("recency", &recency),
            ("T", &t),
            ("monetary_value", &monetary_value),
        ] {
            if column.len() != n {
                return Err(Error::param(
                    "ClvSummary::from_columns",
                    format!("{} has {} values for {n} customers", name, column.len()),
                ));
            }
        }
        for i in 0..n {
            let (x, r, age, m) = (frequency[i], recency[i], t[i], monetary_value[i]);
            let bad = |what: &str| {
                Err(Error::param(
                    "ClvSummary::from_columns",
                    format!(
                        "customer \"{}\" (row {}): {what} (frequency {x}, recency {r}, T {age}, monetary_value {m})",
                        crate::format::shorten(&customer_ids[i], 40),
                        i + 1
                    ),
                ))
            };
            if ![x, r, age, m].iter().all(|v| v.is_finite()) {
                return bad("a value is missing or not finite");
            }
            if x < 0.0 || x.fract() != 0.0 {
                return bad("frequency must be a whole number, 0 or more");
            }
            if r < 0.0 || r > age {
                return bad("recency must be between 0 and T");
            }
            if x == 0.0 && r != 0.0 {
                return bad("recency must be 0 for a customer without repeat purchases");
            }
        }
        Ok(ClvSummary {
            customer_ids,
            frequency,
            recency,
            t,
            monetary_value,
            unit,
            ..ClvSummary::default()
        })
    }

    /// A summary read from a table that already holds one, such as lifetimes'
    /// `summary_data_from_transaction_data` output written with `to_csv`: columns `frequency`,
    /// `recency`, `T` and `monetary_value` (names matched ignoring case and surrounding spaces),
    /// and the customer id in `customer_column`, by default a column named `customer_id`, else
    /// the first column. Times are in `unit`. The values are checked as
    /// [`ClvSummary::from_columns`] checks them; errors name the file, the column and the row.
    ///
    /// ```no_run
    /// use custseg::data::source::{ReadOptions, read_table};
    /// use custseg::features::clv_summary::{ClvSummary, DurationUnit};
    ///
    /// let table = read_table("summary.csv", &ReadOptions::default())?;
    /// let summary = ClvSummary::from_table(&table, None, DurationUnit::Weeks)?;
    /// println!("{} customers, {} repeat buyers", summary.len(), summary.repeat_buyers());
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn from_table(
        table: &RawTable,
        customer_column: Option<&str>,
        unit: DurationUnit,
    ) -> Result<Self> {
        let path = &table.source.path;
        let names: Vec<String> = crate::frame::column_names(&table.frame);
        let find = |wanted: &str| {
            names
                .iter()
                .find(|name| name.trim().eq_ignore_ascii_case(wanted))
                .cloned()
        };
        let missing = |wanted: &str, setting: &str| {
            Error::format(
                path,
                format!(
                    "no column \"{wanted}\": a summary table has the columns customer_id, \
                     frequency, recency, T and monetary_value (lifetimes' names); this one has {}. \
                     {setting}",
                    names.join(", ")
                ),
            )
        };
        let customer = match customer_column {
            Some(name) => find(name).ok_or_else(|| {
                missing(
                    name,
                    "Give the customer id column's name as it is in the file.",
                )
            })?,
            None => find("customer_id")
                .or_else(|| names.first().cloned())
                .ok_or_else(|| missing("customer_id", "The table has no columns."))?,
        };
        let numbers = |wanted: &str| {
            let column = find(wanted)
                .ok_or_else(|| missing(wanted, "Rename the file's column to this name."))?;
            summary_numbers(table, &column)
        };
        let (frequency, recency, t) = (numbers("frequency")?, numbers("recency")?, numbers("T")?);
        let monetary_value = numbers("monetary_value")?;
        let customer_ids = crate::frame::text_values(&table.frame, &customer)?;
        ClvSummary::from_columns(customer_ids, frequency, recency, t, monetary_value, unit).map_err(
            |e| match e {
                Error::InvalidParameter { message, .. } => Error::format(path, message),
                other => other,
            },
        )
    }

    /// Customer ids, in customer id order.
    pub fn customer_ids(&self) -> &[String] {
        &self.customer_ids
    }

    /// Repeat purchase days per customer.
    pub fn frequency(&self) -> &[f64] {
        &self.frequency
    }

    /// First to last purchase day, in [`ClvSummary::unit`]s.
    pub fn recency(&self) -> &[f64] {
        &self.recency
    }

    /// First purchase day to the end of observation, in [`ClvSummary::unit`]s.
    pub fn t(&self) -> &[f64] {
        &self.t
    }

    /// Mean spend of the repeat purchase days; 0 without repeats.
    pub fn monetary_value(&self) -> &[f64] {
        &self.monetary_value
    }

    /// The unit of recency and T.
    pub fn unit(&self) -> DurationUnit {
        self.unit
    }

    /// The last day observed.
    pub fn observation_end(&self) -> NaiveDate {
        self.observation_end
    }

    /// Kept transactions dated after the end of observation, left out.
    pub fn rows_after_end(&self) -> usize {
        self.rows_after_end
    }

    /// Customers whose first purchase comes after the end of observation, left out.
    pub fn customers_after_end(&self) -> usize {
        self.customers_after_end
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer_ids.len()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customer_ids.is_empty()
    }

    /// Customers with at least one repeat purchase day.
    pub fn repeat_buyers(&self) -> usize {
        self.frequency.iter().filter(|f| **f > 0.0).count()
    }

    /// `customer_id, frequency, recency, T, monetary_value`.
    pub fn frame(&self) -> Result<DataFrame> {
        Ok(DataFrame::new(
            self.len(),
            vec![
                Column::new(cols::CUSTOMER.into(), self.customer_ids.clone()),
                Column::new("frequency".into(), self.frequency.clone()),
                Column::new("recency".into(), self.recency.clone()),
                Column::new("T".into(), self.t.clone()),
                Column::new("monetary_value".into(), self.monetary_value.clone()),
            ],
        )?)
    }

    /// Shows the summary as an HTML table in an evcxr notebook.
    pub fn evcxr_display(&self) {
        match self.frame() {
            Ok(frame) => frame.show().evcxr_display(),
            Err(e) => println!("{e}"),
        }
    }
}
