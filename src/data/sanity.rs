//! The sanity report: what was read, what was kept and why the rest was dropped, missing values,
//! and coverage by month with gaps flagged.

use std::fmt;

use chrono::{DateTime, NaiveDateTime};
use polars::prelude::*;

use crate::data::clean::{RowAccounting, cols};
use crate::data::dates::DateFormat;
use crate::data::roles::ResolvedRoles;
use crate::data::source::SourceInfo;
use crate::error::Result;

/// Rows, revenue and customers in one calendar month of the kept data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonthCoverage {
    /// `YYYY-MM`.
    pub month: String,
    /// Kept rows dated in the month.
    pub rows: usize,
    /// Sum of amount.
    pub revenue: f64,
    /// Distinct customers.
    pub customers: usize,
}

/// What the data looked like and what cleaning did to it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SanityReport {
    /// How the file was read.
    pub source: SourceInfo,
    /// Which column played which role.
    pub roles: ResolvedRoles,
    /// The date layout used.
    pub date_format: String,
    /// Rows in, kept, and dropped per reason.
    pub accounting: RowAccounting,
    /// Missing (empty) values per column of the file, before cleaning.
    pub missing_values: Vec<(String, usize)>,
    /// First kept transaction.
    pub first_date: NaiveDateTime,
    /// Last kept transaction.
    pub last_date: NaiveDateTime,
    /// Every calendar month from the first to the last, including months with no rows.
    pub months: Vec<MonthCoverage>,
    /// Months inside the range with no rows at all (`YYYY-MM`).
    pub gaps: Vec<String>,
    /// Distinct customers kept.
    pub customers: usize,
    /// Distinct invoices kept (rows, when there is no invoice column).
    pub invoices: usize,
    /// Distinct products kept, when there is a product column.
    pub products: Option<usize>,
    /// Sum of amount over kept rows.
    pub revenue: f64,
}

impl SanityReport {
    pub(crate) fn build(
        kept: &DataFrame,
        source: SourceInfo,
        roles: &ResolvedRoles,
        date_format: &DateFormat,
        accounting: RowAccounting,
        missing_values: Vec<(String, usize)>,
    ) -> Result<Self> {
        let dates = kept
            .column(cols::DATE)?
            .as_materialized_series()
            .datetime()?
            .physical()
            .clone();
        let to_naive = |ms: i64| {
            DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .naive_utc()
        };
        let first_date = to_naive(dates.min().unwrap_or_default());
        let last_date = to_naive(dates.max().unwrap_or_default());
        let invoice_count = if roles.invoice.is_some() {
            col(cols::INVOICE_CODE).n_unique()
        } else {
            len()
        };
        let mut totals = vec![
            col(cols::CUSTOMER_CODE)
                .n_unique()
                .cast(DataType::UInt64)
                .alias("customers"),
            invoice_count.cast(DataType::UInt64).alias("invoices"),
            col(cols::AMOUNT).sum().alias("revenue"),
        ];
        if roles.product.is_some() {
            totals.push(
                col(cols::PRODUCT)
                    .n_unique()
                    .cast(DataType::UInt64)
                    .alias("products"),
            );
        }
        let totals = kept.clone().lazy().select(totals).collect()?;
        let get_u64 = |name: &str| -> Result<usize> {
            Ok(totals.column(name)?.u64()?.get(0).unwrap_or(0) as usize)
        };
        let customers = get_u64("customers")?;
        let invoices = get_u64("invoices")?;
        let products = if roles.product.is_some() {
            Some(get_u64("products")?)
        } else {
            None
        };
        let revenue = totals.column("revenue")?.f64()?.get(0).unwrap_or(0.0);

        let monthly = kept
            .clone()
            .lazy()
            .group_by([(col(cols::DATE).dt().year() * lit(100)
                + col(cols::DATE).dt().month().cast(DataType::Int32))
            .alias("ym")])
            .agg([
                len().cast(DataType::UInt64).alias("rows"),
                col(cols::AMOUNT).sum().alias("revenue"),
                col(cols::CUSTOMER_CODE)
                    .n_unique()
                    .cast(DataType::UInt64)
                    .alias("customers"),
            ])
            .sort(["ym"], Default::default())
            .collect()?;
        let ym = monthly.column("ym")?.cast(&DataType::Int32)?;
        let ym = ym.i32()?;
        let rows = monthly.column("rows")?.u64()?;
        let month_revenue = monthly.column("revenue")?.f64()?;
        let month_customers = monthly.column("customers")?.u64()?;
        let mut months = Vec::new();
        let mut gaps = Vec::new();
        let mut expected: Option<i32> = None;
        for i in 0..monthly.height() {
            let Some(current) = ym.get(i) else { continue };
            if let Some(mut next) = expected {
                while next < current {
                    let label = format!("{}-{:02}", next / 100, next % 100);
                    months.push(MonthCoverage {
                        month: label.clone(),
                        rows: 0,
                        revenue: 0.0,
                        customers: 0,
                    });
                    gaps.push(label);
                    next = if next % 100 == 12 {
                        next + 89
                    } else {
                        next + 1
                    };
                }
            }
            months.push(MonthCoverage {
                month: format!("{}-{:02}", current / 100, current % 100),
                rows: rows.get(i).unwrap_or(0) as usize,
                revenue: month_revenue.get(i).unwrap_or(0.0),
                customers: month_customers.get(i).unwrap_or(0) as usize,
            });
            expected = Some(if current % 100 == 12 {
                current + 89
            } else {
                current + 1
            });
        }
        Ok(SanityReport {
            source,
            roles: roles.clone(),
            date_format: date_format.describe(),
            accounting,
            missing_values,
            first_date,
            last_date,
            months,
            gaps,
            customers,
            invoices,
            products,
            revenue,
        })
    }
}

impl SanityReport {
    /// Shows the report (as preformatted text) in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n<pre>{}</pre>\nEVCXR_END_CONTENT",
            crate::display::escape_html(&self.to_string())
        );
    }
}

impl fmt::Display for SanityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = &self.accounting;
        let src = &self.source;
        writeln!(f, "Sanity report for {}", src.path.display())?;
        let mut how = format!("{:?}", src.format).to_lowercase();
        if src.gzip {
            how.push_str(", gzip");
        }
        if let Some(e) = src.encoding {
            how.push_str(&format!(", {}", e.name()));
        }
        if let Some(d) = src.delimiter {
            how.push_str(&format!(", delimiter {d:?}"));
        }
        if src.bom {
            how.push_str(", byte-order mark removed");
        }
        writeln!(f, "  read as: {how}; dates: {}", self.date_format)?;
        let r = &self.roles;
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        writeln!(
            f,
            "  roles: customer={} invoice={} date={} quantity={} price={} amount={} product={}",
            r.customer,
            opt(&r.invoice),
            r.date,
            opt(&r.quantity),
            opt(&r.price),
            r.amount
                .clone()
                .unwrap_or_else(|| "quantity x price".into()),
            opt(&r.product)
        )?;
        writeln!(f, "\nRows")?;
        writeln!(f, "  {:<28}{:>12}", "read", group(a.rows_in))?;
        for (reason, n) in &a.dropped {
            writeln!(
                f,
                "  {:<28}{:>12}",
                format!("dropped: {}", reason.label()),
                group(*n)
            )?;
        }
        writeln!(f, "  {:<28}{:>12}", "kept", group(a.rows_kept))?;
        writeln!(f, "\nMissing values (before cleaning)")?;
        for (column, n) in &self.missing_values {
            writeln!(f, "  {:<28}{:>12}", column, group(*n))?;
        }
        writeln!(f, "\nKept data")?;
        writeln!(
            f,
            "  {:<28}{} to {}",
            "dates", self.first_date, self.last_date
        )?;
        writeln!(f, "  {:<28}{:>12}", "customers", group(self.customers))?;
        writeln!(f, "  {:<28}{:>12}", "invoices", group(self.invoices))?;
        if let Some(p) = self.products {
            writeln!(f, "  {:<28}{:>12}", "products", group(p))?;
        }
        writeln!(f, "  {:<28}{:>12.2}", "revenue", self.revenue)?;
        writeln!(
            f,
            "\nMonths ({} from {} to {})",
            self.months.len(),
            self.months.first().map_or("", |m| &m.month),
            self.months.last().map_or("", |m| &m.month)
        )?;
        for m in &self.months {
            let flag = if m.rows == 0 {
                "  <- no data (gap)"
            } else {
                ""
            };
            writeln!(
                f,
                "  {}  rows {:>9}  customers {:>7}  revenue {:>14.2}{flag}",
                m.month,
                group(m.rows),
                group(m.customers),
                m.revenue
            )?;
        }
        if self.gaps.is_empty() {
            writeln!(f, "  no month without data inside the range")?;
        } else {
            writeln!(
                f,
                "  WARNING: {} month(s) without data inside the range: {}",
                self.gaps.len(),
                self.gaps.join(", ")
            )?;
        }
        Ok(())
    }
}

/// 541909 -> "541,909".
fn group(n: usize) -> String {
    crate::report::format::NumberFormat::default().count(n)
}
