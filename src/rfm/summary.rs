//! Segment summaries: customers, revenue and typical R, F, M per segment, overall or per dimension.

use std::fmt;

use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::transactions::Transactions;
use crate::dominant::{MISSING_VALUE, SpendByValue, byte_order_ranks};
use crate::error::{Context, Result};
use crate::rfm::table::RfmTable;

/// Per segment: `customers, customer_share, revenue, revenue_share` and the mean and median of
/// recency, frequency and monetary; by dimension, the same per (dimension value, segment) with
/// shares taken within the dimension value.
#[derive(Debug, Clone)]
pub struct SegmentSummary {
    frame: DataFrame,
    dimension: Option<String>,
    /// The segment map's segments in priority order, then "Other": present or not, so that a
    /// segment keeps its place (and colour) in every chart of a study.
    order: Vec<String>,
}

impl SegmentSummary {
    /// The summary as a polars frame.
    ///
    /// A fresh frame sharing the columns (no copy), safe to use in any notebook cell; see
    /// [`crate::frame::rebuild`].
    pub fn frame(&self) -> DataFrame {
        crate::frame::rebuild(&self.frame).unwrap_or_else(|_| self.frame.clone())
    }

    /// Every segment of the map the table was scored with, in the map's order, then "Other",
    /// whether customers fell in it or not: the order (and colours) of every segment chart.
    pub fn segment_order(&self) -> &[String] {
        &self.order
    }

    /// For a summary by dimension: the `n` dimension values with the most customers, with their
    /// customer counts, largest first (ties alphabetical). Empty for the overall summary.
    pub fn top_values(&self, n: usize) -> Result<Vec<(String, f64)>> {
        let Some(dimension) = &self.dimension else {
            return Ok(Vec::new());
        };
        let values = crate::frame::text_values(&self.frame, dimension)?;
        let customers = crate::frame::float_values(&self.frame, "customers")?;
        let mut totals: Vec<(String, f64)> = Vec::new();
        for (v, c) in values.iter().zip(&customers) {
            match totals.iter_mut().find(|(name, _)| name == v) {
                Some(entry) => entry.1 += c,
                None => totals.push((v.clone(), *c)),
            }
        }
        totals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        totals.truncate(n);
        Ok(totals)
    }

    /// The dimension broken down by, if any.
    pub fn dimension(&self) -> Option<&str> {
        self.dimension.as_deref()
    }
}

fn stats() -> Vec<Expr> {
    let mut exprs = vec![
        len().cast(DataType::UInt64).alias("customers"),
        col("monetary").sum().alias("revenue"),
    ];
    for measure in ["recency", "frequency", "monetary"] {
        exprs.push(
            col(measure)
                .cast(DataType::Float64)
                .mean()
                .alias(format!("{measure}_mean")),
        );
        exprs.push(
            col(measure)
                .cast(DataType::Float64)
                .median()
                .alias(format!("{measure}_median")),
        );
    }
    exprs
}

/// Each customer's dominant value of `dimension` in loaded transactions (the rule of
/// [`crate::dominant`]), over the rows dated before `before_ms` (ms since 1970) when given:
/// `customer_id` and the value, in a column named `dimension`.
pub(crate) fn dominant_values(
    transactions: &Transactions,
    dimension: &str,
    before_ms: Option<i64>,
) -> Result<DataFrame> {
    let tx = transactions.frame();
    if tx.column(dimension).is_err() {
        return Err(crate::data::roles::not_a_dimension(
            dimension,
            &transactions.roles().dimensions,
        ));
    }
    let customers = tx.column(cols::CUSTOMER_CODE)?.u32()?;
    let amounts = tx.column(cols::AMOUNT)?.f64()?;
    let values = tx.column(dimension)?.cast(&DataType::String)?;
    let dates = cols::date_ms(&tx)?;
    let mut spend = SpendByValue::default();
    let mut codes: PlHashMap<&str, u32> = PlHashMap::new();
    let mut labels: Vec<&str> = vec![MISSING_VALUE];
    for (((customer, value), amount), date) in customers
        .iter()
        .zip(values.str()?.iter())
        .zip(amounts.iter())
        .zip(dates.iter())
    {
        let (Some(customer), Some(amount)) = (customer, amount) else {
            continue;
        };
        if before_ms.is_some_and(|before| date.is_none_or(|date| date >= before)) {
            continue;
        }
        // Code 0 is the empty value.
        let code = value.map_or(0, |value| {
            *codes.entry(value).or_insert_with(|| {
                labels.push(value);
                labels.len() as u32 - 1
            })
        });
        spend.add(customer, code, amount);
    }
    let n = customers
        .iter()
        .flatten()
        .max()
        .map_or(0, |m| m as usize + 1);
    let mut ids: Vec<&str> = vec![""; n];
    for (customer, id) in customers
        .iter()
        .zip(tx.column(cols::CUSTOMER)?.str()?.iter())
    {
        if let (Some(customer), Some(id)) = (customer, id) {
            ids[customer as usize] = id;
        }
    }
    dominant_frame(&spend, dimension, &ids, &labels)
}

/// Each customer's dominant value as a frame: `customer_id` (`ids[customer]`) and its value
/// (`labels[value]`) in a column named `dimension`, for every customer with rows.
pub(crate) fn dominant_frame(
    spend: &SpendByValue,
    dimension: &str,
    ids: &[&str],
    labels: &[&str],
) -> Result<DataFrame> {
    let rank = byte_order_ranks(labels);
    let (mut customers, mut values) = (Vec::new(), Vec::new());
    for (customer, value) in spend
        .dominant_values(ids.len(), &rank)
        .into_iter()
        .enumerate()
    {
        if let Some(value) = value {
            customers.push(ids[customer]);
            values.push(labels[value as usize]);
        }
    }
    Ok(DataFrame::new(
        customers.len(),
        vec![
            Column::new(cols::CUSTOMER.into(), customers),
            Column::new(dimension.into(), values),
        ],
    )?)
}

/// Adds `customer_share` and `revenue_share` within each value of `dimension` to a summary sorted
/// by it: totals summed in row order, so the bytes are the same in every run.
fn with_shares_within(mut frame: DataFrame, dimension: &str) -> Result<DataFrame> {
    let values: Vec<Option<String>> = frame
        .column(dimension)?
        .cast(&DataType::String)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect();
    let customers: Vec<f64> = frame
        .column("customers")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let revenue: Vec<f64> = frame
        .column("revenue")?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    let (mut customer_share, mut revenue_share) =
        (vec![0.0; values.len()], vec![0.0; values.len()]);
    let mut start = 0;
    while start < values.len() {
        let end = (start..values.len())
            .find(|&row| values[row] != values[start])
            .unwrap_or(values.len());
        let total_customers: f64 = customers[start..end].iter().sum();
        let total_revenue: f64 = revenue[start..end].iter().sum();
        for row in start..end {
            customer_share[row] = customers[row] / total_customers;
            revenue_share[row] = revenue[row] / total_revenue;
        }
        start = end;
    }
    frame.with_column(Column::new("customer_share".into(), customer_share))?;
    frame.with_column(Column::new("revenue_share".into(), revenue_share))?;
    Ok(frame)
}

fn ordered_columns(group: &[&str]) -> Vec<Expr> {
    let mut names: Vec<&str> = group.to_vec();
    names.extend([
        "customers",
        "customer_share",
        "revenue",
        "revenue_share",
        "recency_mean",
        "recency_median",
        "frequency_mean",
        "frequency_median",
        "monetary_mean",
        "monetary_median",
    ]);
    names.into_iter().map(col).collect()
}

impl RfmTable {
    /// Customers, revenue and R/F/M statistics per segment, in the map's segment order.
    ///
    /// ```no_run
    /// # use custseg::prelude::*;
    /// # let tx = Transactions::bundled(&LoadOptions::default())?;
    /// let summary = RfmParams::new().fit(&tx)?.segment_summary()?;
    /// println!("{summary}");
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn segment_summary(&self) -> Result<SegmentSummary> {
        self.summary_steps().doing("summarising the segments")
    }

    fn summary_steps(&self) -> Result<SegmentSummary> {
        let order = segment_rank(self)?;
        let frame = self
            .frame()
            .lazy()
            // In order of first appearance: the shares below sum the groups in that order, so the
            // bytes do not depend on how threads split the grouping.
            .group_by_stable([col("segment")])
            .agg(stats())
            .with_columns([
                (col("customers").cast(DataType::Float64)
                    / col("customers").sum().cast(DataType::Float64))
                .alias("customer_share"),
                (col("revenue") / col("revenue").sum()).alias("revenue_share"),
            ])
            .join(
                order.lazy(),
                [col("segment")],
                [col("segment")],
                JoinArgs::new(JoinType::Left),
            )
            .sort(["__order"], Default::default())
            .select(ordered_columns(&["segment"]))
            .collect()?;
        Ok(SegmentSummary {
            frame,
            dimension: None,
            order: self.segment_map().segment_names(),
        })
    }

    /// The summary per value of a dimension of the transactions (country, store...). A customer
    /// counts under the value that brought the most revenue, so every customer is counted once
    /// (the rule of [`crate::dominant`]: ties within a rounding go to the first value
    /// in byte order; an empty value is `(missing)`).
    pub fn segment_summary_by(
        &self,
        transactions: &Transactions,
        dimension: &str,
    ) -> Result<SegmentSummary> {
        self.summary_by_steps(transactions, dimension)
            .doing("summarising the segments by a dimension")
    }

    fn summary_by_steps(
        &self,
        transactions: &Transactions,
        dimension: &str,
    ) -> Result<SegmentSummary> {
        let primary = dominant_values(transactions, dimension, None)?;
        self.summary_by_primary(dimension, primary)
    }

    /// The summary by `dimension` from each customer's dominant value of it (`primary`:
    /// `customer_id` and the value, in a column named `dimension`).
    pub(crate) fn summary_by_primary(
        &self,
        dimension: &str,
        primary: DataFrame,
    ) -> Result<SegmentSummary> {
        // Each customer's value, in the table's row order.
        let primary_ids = primary.column(cols::CUSTOMER)?.str()?;
        let primary_values = primary.column(dimension)?.str()?;
        let value_of: PlHashMap<&str, &str> = primary_ids
            .iter()
            .zip(primary_values.iter())
            .filter_map(|(id, value)| Some((id?, value?)))
            .collect();
        let mut table = self.frame();
        let values: Vec<Option<&str>> = table
            .column(cols::CUSTOMER)?
            .str()?
            .iter()
            .map(|id| id.and_then(|id| value_of.get(id).copied()))
            .collect();
        table.with_column(Column::new(dimension.into(), values))?;
        let order = segment_rank(self)?;
        let grouped = table
            .lazy()
            // Stable: the groups' sums are taken in the table's row order.
            .group_by_stable([col(dimension), col("segment")])
            .agg(stats())
            .join(
                order.lazy(),
                [col("segment")],
                [col("segment")],
                JoinArgs::new(JoinType::Left),
            )
            .sort_by_exprs(
                [col(dimension), col("__order")],
                SortMultipleOptions::default().with_nulls_last(true),
            )
            .collect()?;
        let frame = with_shares_within(grouped, dimension)?
            .lazy()
            .select(ordered_columns(&[dimension, "segment"]))
            .collect()?;
        Ok(SegmentSummary {
            frame,
            dimension: Some(dimension.to_string()),
            order: self.segment_map().segment_names(),
        })
    }
}

fn segment_rank(table: &RfmTable) -> Result<DataFrame> {
    let names = table.segment_map().segment_names();
    let order: Vec<u32> = (0..names.len() as u32).collect();
    Ok(DataFrame::new(
        names.len(),
        vec![
            Column::new("segment".into(), names),
            Column::new("__order".into(), order),
        ],
    )?)
}

impl SegmentSummary {
    /// Shows the summary as an HTML table in an evcxr notebook.
    pub fn evcxr_display(&self) {
        crate::display::Show::show_rows(&self.frame, 60).evcxr_display();
    }
}

impl fmt::Display for SegmentSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::frame::text_table(&self.frame))
    }
}
