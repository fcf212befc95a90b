//! Segment summaries: customers, revenue and typical R, F, M per segment, overall or per dimension.

use std::fmt;

use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::transactions::Transactions;
use crate::error::{Context, Error, Result};
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
            .group_by([col("segment")])
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
    /// counts under the value that brought the most revenue (ties: the alphabetically first), so
    /// every customer is counted once.
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
        let tx = transactions.frame();
        if tx.column(dimension).is_err() {
            return Err(Error::param(
                "ColumnRoles::dimensions",
                format!(
                    "\"{}\" is not a dimension of these transactions; load them with it among \
                     `ColumnRoles::dimensions`; loaded dimensions: {}",
                    crate::format::shorten(dimension, 80),
                    transactions.roles().dimensions.join(", ")
                ),
            ));
        }
        let primary = tx
            .lazy()
            .group_by([col(cols::CUSTOMER), col(dimension)])
            .agg([col(cols::AMOUNT).sum().alias("__revenue")])
            .sort_by_exprs(
                [col(cols::CUSTOMER), col("__revenue"), col(dimension)],
                SortMultipleOptions::default()
                    .with_order_descending_multi([false, true, false])
                    .with_nulls_last(true),
            )
            .group_by_stable([col(cols::CUSTOMER)])
            .agg([col(dimension).first()]);
        let order = segment_rank(self)?;
        let frame = self
            .frame()
            .lazy()
            .join(
                primary,
                [col(cols::CUSTOMER)],
                [col(cols::CUSTOMER)],
                JoinArgs::new(JoinType::Left),
            )
            .group_by([col(dimension), col("segment")])
            .agg(stats())
            .with_columns([
                (col("customers").cast(DataType::Float64)
                    / col("customers")
                        .sum()
                        .over([col(dimension)])?
                        .cast(DataType::Float64))
                .alias("customer_share"),
                (col("revenue") / col("revenue").sum().over([col(dimension)])?)
                    .alias("revenue_share"),
            ])
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
