//! The sanity report: what was read, what was kept and why the rest was dropped, missing values,
//! and coverage by month with gaps flagged.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDateTime};
use polars::prelude::*;

use crate::data::clean::{Period, RowAccounting, cols};
use crate::data::dates::DateFormat;
use crate::data::dates::MS_PER_DAY;
use crate::data::roles::ResolvedRoles;
use crate::data::source::SourceInfo;
use crate::error::Result;
use crate::exact_sum::ExactSum;

mod streamed;
pub use streamed::StreamedSanity;

/// Rows, revenue and customers in one calendar month of the kept data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonthCoverage {
    /// `YYYY-MM`.
    pub month: String,
    /// Kept rows dated in the month.
    pub rows: usize,
    /// Sum of amount (exact, rounded once).
    pub revenue: f64,
    /// Distinct customers.
    pub customers: usize,
    /// Whether the month has no rows because it lies in one of
    /// [`CleaningRules::excluded_periods`](crate::data::clean::CleaningRules::excluded_periods):
    /// no gap in the data, a rule's doing.
    pub excluded: bool,
}

/// Values present in a column but not readable as what its role needs (a date, a number, a JSON
/// basket), among the rows that have a customer id.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParseFailure {
    /// The file column.
    pub column: String,
    /// What its values should be: "date", "quantity", "price", "amount" or "JSON basket".
    pub role: &'static str,
    /// Rows whose value could not be read. A row can fail in several columns; the row accounting
    /// names only its first reason.
    pub rows: usize,
    /// Up to [`PARSE_EXAMPLES`] distinct values as they are in the file, in file order.
    pub examples: Vec<String>,
}

/// How many examples a [`ParseFailure`] keeps.
pub const PARSE_EXAMPLES: usize = 3;

impl ParseFailure {
    /// Adds `value` to `examples` unless it is there already or there are enough.
    pub(crate) fn add_example(examples: &mut Vec<String>, value: &str) {
        // Compared as kept (shortened), so that two long values alike in their first 80
        // characters are one example however the file was read.
        let value = crate::format::shorten(value, 80);
        if examples.len() < PARSE_EXAMPLES && !examples.iter().any(|e| *e == value) {
            examples.push(value.into_owned());
        }
    }
}

/// What cleaning does with a row whose value in `column` is empty: the rule the sanity report
/// states beside each column's missing values.
pub fn missing_value_rule(roles: &ResolvedRoles, column: &str) -> &'static str {
    let is = |role: &Option<String>| role.as_deref() == Some(column);
    if roles.customer == column {
        "row dropped (missing customer)"
    } else if roles.date == column {
        "row dropped (missing date)"
    } else if is(&roles.invoice) {
        "row dropped (missing invoice)"
    } else if is(&roles.amount) {
        "row dropped (missing amount)"
    } else if is(&roles.quantity) {
        "row dropped (missing quantity)"
    } else if is(&roles.price) && roles.amount.is_none() {
        "row dropped (missing price)"
    } else if is(&roles.basket) {
        "row dropped (missing basket)"
    } else if is(&roles.product) || is(&roles.description) {
        "kept (no product or description)"
    } else if roles.dimensions.iter().any(|d| d == column) {
        "kept, as the value \"(missing)\""
    } else {
        "kept (column not used)"
    }
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
    /// Columns whose values could not all be read as their role needs, with examples.
    pub parse_failures: Vec<ParseFailure>,
    /// First kept transaction.
    pub first_date: NaiveDateTime,
    /// Last kept transaction.
    pub last_date: NaiveDateTime,
    /// Every calendar month from the first to the last, including months with no rows.
    pub months: Vec<MonthCoverage>,
    /// Months inside the range with no rows at all (`YYYY-MM`), excluded periods aside.
    pub gaps: Vec<String>,
    /// Distinct customers kept.
    pub customers: usize,
    /// Distinct invoices kept (rows, when there is no invoice column).
    pub invoices: usize,
    /// Distinct products kept, when there is a product column.
    pub products: Option<usize>,
    /// Sum of amount over kept rows: the exact sum rounded once ([`crate::exact_sum`]), the same
    /// in any row order.
    pub revenue: f64,
}

/// What a [`SanityReport`] is computed from: the kept rows' columns (shared, not copied) and
/// what loading learnt. Taking them out of the frame is the only step that can fail; computing the
/// report from them cannot, so [`crate::data::transactions::Transactions`] does it on first use:
/// scripts that never look at the report (`custseg rfm --output`) do not pay for it.
#[derive(Debug, Clone)]
pub(crate) struct SanityInputs {
    dates: Int64Chunked,
    codes: UInt32Chunked,
    invoice_codes: Option<UInt32Chunked>,
    amounts: Float64Chunked,
    products: Option<StringChunked>,
    rows: usize,
    pub(crate) source: SourceInfo,
    roles: ResolvedRoles,
    date_format: DateFormat,
    pub(crate) accounting: RowAccounting,
    missing_values: Vec<(String, usize)>,
    parse_failures: Vec<ParseFailure>,
    excluded_periods: Vec<Period>,
}

/// What loading learnt besides the kept rows: the report's other inputs.
pub(crate) struct LoadFacts {
    pub source: SourceInfo,
    pub roles: ResolvedRoles,
    pub date_format: DateFormat,
    pub accounting: RowAccounting,
    pub missing_values: Vec<(String, usize)>,
    pub parse_failures: Vec<ParseFailure>,
    pub excluded_periods: Vec<Period>,
}

impl SanityInputs {
    pub(crate) fn new(kept: &DataFrame, facts: LoadFacts) -> Result<Self> {
        let LoadFacts {
            source,
            roles,
            date_format,
            accounting,
            missing_values,
            parse_failures,
            excluded_periods,
        } = facts;
        let dates = cols::date_ms(kept)?;
        let invoice_codes = match roles.invoice {
            Some(_) => Some(kept.column(cols::INVOICE_CODE)?.u32()?.clone()),
            None => None,
        };
        let products = match roles.product {
            Some(_) => Some(kept.column(cols::PRODUCT)?.str()?.clone()),
            None => None,
        };
        Ok(SanityInputs {
            dates,
            codes: kept.column(cols::CUSTOMER_CODE)?.u32()?.clone(),
            invoice_codes,
            amounts: kept.column(cols::AMOUNT)?.f64()?.clone(),
            products,
            rows: kept.height(),
            source,
            roles,
            date_format,
            accounting,
            missing_values,
            parse_failures,
            excluded_periods,
        })
    }
}

/// Distinct values, counting null as one value as polars' `n_unique` does.
fn distinct(values: &StringChunked) -> usize {
    let mut seen: PlHashSet<&str> = PlHashSet::default();
    let mut null = false;
    for value in values.iter() {
        match value {
            Some(v) => {
                seen.insert(v);
            }
            None => null = true,
        }
    }
    seen.len() + usize::from(null)
}

/// What the report says about the kept rows, however they were gathered.
pub(crate) struct KeptSummary {
    /// First and last kept date, ms since 1970.
    pub first_ms: i64,
    pub last_ms: i64,
    pub customers: usize,
    pub invoices: usize,
    pub products: Option<usize>,
    pub revenue: f64,
    /// Sorted by month.
    pub monthly: Vec<MonthTotals>,
}

impl SanityReport {
    pub(crate) fn build(inputs: &SanityInputs) -> Self {
        let SanityInputs {
            dates,
            codes,
            invoice_codes,
            amounts,
            products,
            rows,
            ..
        } = inputs;
        // Codes are dense, 0.. over the kept rows, so the distinct count is one past the largest.
        let customers = codes.max().map_or(0, |c| c as usize + 1);
        let invoices = match invoice_codes {
            Some(codes) => codes.max().map_or(0, |c| c as usize + 1),
            None => *rows,
        };
        let revenue = {
            let mut sum = ExactSum::default();
            amounts.iter().flatten().for_each(|a| sum.add(a));
            sum.value()
        };
        // Distinct products hash every product id: count them on a second thread meanwhile.
        let (products, monthly) = rayon::join(
            || products.as_ref().map(distinct),
            || monthly_totals(dates, codes, amounts, customers),
        );
        let kept = KeptSummary {
            first_ms: dates.min().unwrap_or_default(),
            last_ms: dates.max().unwrap_or_default(),
            customers,
            invoices,
            products,
            revenue,
            monthly,
        };
        let facts = LoadFacts {
            source: inputs.source.clone(),
            roles: inputs.roles.clone(),
            date_format: inputs.date_format.clone(),
            accounting: inputs.accounting.clone(),
            missing_values: inputs.missing_values.clone(),
            parse_failures: inputs.parse_failures.clone(),
            excluded_periods: inputs.excluded_periods.clone(),
        };
        Self::assemble(kept, facts)
    }

    /// The report from what the kept rows say and what reading learnt.
    pub(crate) fn assemble(kept: KeptSummary, facts: LoadFacts) -> Self {
        let to_naive = |ms: i64| {
            DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .naive_utc()
        };
        let mut months = Vec::new();
        let mut gaps = Vec::new();
        let mut expected: Option<i32> = None;
        for month in &kept.monthly {
            let current = month.ym;
            if let Some(mut next) = expected {
                while next < current {
                    let label = format!("{}-{:02}", next / 100, next % 100);
                    let excluded = month_excluded(next, &facts.excluded_periods);
                    months.push(MonthCoverage {
                        month: label.clone(),
                        rows: 0,
                        revenue: 0.0,
                        customers: 0,
                        excluded,
                    });
                    if !excluded {
                        gaps.push(label);
                    }
                    next = next_month(next);
                }
            }
            months.push(MonthCoverage {
                month: format!("{}-{:02}", current / 100, current % 100),
                rows: month.rows,
                revenue: month.revenue(),
                customers: month.customers,
                excluded: false,
            });
            expected = Some(next_month(current));
        }
        SanityReport {
            source: facts.source,
            roles: facts.roles,
            date_format: facts.date_format.describe(),
            accounting: facts.accounting,
            missing_values: facts.missing_values,
            parse_failures: facts.parse_failures,
            first_date: to_naive(kept.first_ms),
            last_date: to_naive(kept.last_ms),
            months,
            gaps,
            customers: kept.customers,
            invoices: kept.invoices,
            products: kept.products,
            revenue: kept.revenue,
        }
    }
}

/// The month after `ym` (`year * 100 + month`).
fn next_month(ym: i32) -> i32 {
    if ym % 100 == 12 { ym + 89 } else { ym + 1 }
}

/// Whether the month `ym` (`year * 100 + month`) overlaps an excluded period.
fn month_excluded(ym: i32, periods: &[Period]) -> bool {
    let Some(first) = chrono::NaiveDate::from_ymd_opt(ym / 100, (ym % 100) as u32, 1) else {
        return false;
    };
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    periods.iter().any(|p| p.first <= last && p.last >= first)
}

/// One calendar month's totals while they are being gathered.
#[derive(Clone)]
pub(crate) struct MonthTotals {
    /// `year * 100 + month`.
    pub ym: i32,
    pub rows: usize,
    /// The exact sum (the same in any row order, as RFM's monetary).
    pub sum: ExactSum,
    pub customers: usize,
}

impl MonthTotals {
    /// An empty month.
    pub(crate) fn new(ym: i32) -> Self {
        MonthTotals {
            ym,
            rows: 0,
            sum: ExactSum::default(),
            customers: 0,
        }
    }

    pub(crate) fn add(&mut self, amount: f64) {
        self.rows += 1;
        self.sum.add(amount);
    }

    fn revenue(&self) -> f64 {
        self.sum.value()
    }
}

/// The calendar months rows fall in, numbered as they first appear.
#[derive(Default)]
pub(crate) struct Months {
    /// By number.
    pub totals: Vec<MonthTotals>,
    number: std::collections::HashMap<i32, usize>,
    /// The previous row's day and its month's number.
    current: Option<(i64, usize)>,
}

impl Months {
    /// The number of the month of a row dated `ms` (a new month gets empty totals).
    pub(crate) fn of(&mut self, ms: i64) -> usize {
        let day = ms.div_euclid(MS_PER_DAY);
        match self.current {
            // Rows come in date order in most files: the day decides the month without chrono.
            Some((last_day, number)) if last_day == day => number,
            _ => {
                let date = DateTime::from_timestamp_millis(ms)
                    .unwrap_or_default()
                    .naive_utc();
                let ym = date.year() * 100 + date.month() as i32;
                let totals = &mut self.totals;
                let number = *self.number.entry(ym).or_insert_with(|| {
                    totals.push(MonthTotals::new(ym));
                    totals.len() - 1
                });
                self.current = Some((day, number));
                number
            }
        }
    }
}

/// Rows, revenue and distinct customers per calendar month, sorted by month, in one pass over the
/// kept rows (a polars group-by on the datetime's year and month cost about 40 ms on Online Retail).
/// Rows without a date are left out; cleaning drops them anyway.
fn monthly_totals(
    dates: &Int64Chunked,
    codes: &UInt32Chunked,
    amounts: &Float64Chunked,
    customers: usize,
) -> Vec<MonthTotals> {
    let mut calendar = Months::default();
    // Month of each row (index into `months`), for the distinct-customer count below.
    let mut row_month: Vec<u32> = Vec::with_capacity(dates.len());
    for ((ms, code), amount) in dates.iter().zip(codes.iter()).zip(amounts.iter()) {
        let (Some(ms), Some(_)) = (ms, code) else {
            row_month.push(u32::MAX);
            continue;
        };
        let index = calendar.of(ms);
        let months = &mut calendar.totals;
        row_month.push(index as u32);
        // Polars' sum skips missing amounts; the row still counts.
        match amount {
            Some(amount) => months[index].add(amount),
            None => months[index].rows += 1,
        }
    }
    let mut months = calendar.totals;
    // Distinct customers per month: one pass remembering the last month each customer was counted
    // in, which is exact when each month's rows are contiguous (date-ordered files); otherwise
    // sort (month, customer) pairs.
    let mut counted = vec![u32::MAX; customers];
    let mut contiguous = true;
    let mut previous = u32::MAX;
    let mut finished = vec![false; months.len()];
    for (&month, code) in row_month.iter().zip(codes.iter()) {
        let (Some(code), false) = (code, month == u32::MAX) else {
            continue;
        };
        if month != previous {
            if finished[month as usize] {
                contiguous = false;
                break;
            }
            if previous != u32::MAX {
                finished[previous as usize] = true;
            }
            previous = month;
        }
        let slot = &mut counted[code as usize];
        if *slot != month {
            *slot = month;
            months[month as usize].customers += 1;
        }
    }
    if !contiguous {
        let mut pairs: Vec<u64> = row_month
            .iter()
            .zip(codes.iter())
            .filter_map(|(&month, code)| {
                let code = code?;
                (month != u32::MAX).then_some(((month as u64) << 32) | code as u64)
            })
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for month in months.iter_mut() {
            month.customers = 0;
        }
        for pair in pairs {
            months[(pair >> 32) as usize].customers += 1;
        }
    }
    months.sort_by_key(|m| m.ym);
    months
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
        let mut how = src.format.name().to_string();
        if src.gzip {
            how.push_str(", gzip");
        }
        if let Some(e) = src.encoding {
            how.push_str(&format!(", {}", e.name()));
        }
        if let Some(d) = src.delimiter {
            how.push_str(&format!(", delimiter '{}'", crate::format::char_name(d)));
        }
        if src.bom {
            how.push_str(", byte-order mark removed");
        }
        writeln!(f, "  read as: {how}; dates: {}", self.date_format)?;
        if let Some(replaced) = src.replaced {
            writeln!(
                f,
                "  WARNING: {} byte sequence(s) are not valid UTF-8 (the first on line {}); they \
                 read as U+FFFD",
                replaced.count, replaced.first_line
            )?;
        }
        for (reason, rows, line) in &src.rejected.reasons {
            writeln!(
                f,
                "  {} row(s) not read ({}), the first on line {line}",
                group(*rows),
                reason.label()
            )?;
        }
        if !src.files.is_empty() {
            writeln!(f, "  files: {}", src.files.len())?;
        }
        for file in &src.files {
            writeln!(
                f,
                "    {}: {} rows read, {} kept; dates: {}",
                file.source.path.display(),
                group(file.rows_in),
                group(file.rows_kept),
                file.date_format.describe()
            )?;
            for (reason, rows, line) in &file.source.rejected.reasons {
                writeln!(
                    f,
                    "      {} row(s) not read ({}), the first on line {line}",
                    group(*rows),
                    reason.label()
                )?;
            }
        }
        let r = &self.roles;
        // A name with spaces (flowers' " summary.gran _total ") is quoted, or its ends vanish.
        let shown = |name: &str| {
            if name.contains(char::is_whitespace) || name.is_empty() {
                format!("\"{name}\"")
            } else {
                name.to_string()
            }
        };
        let opt = |o: &Option<String>| o.as_deref().map_or_else(|| "-".into(), shown);
        writeln!(
            f,
            "  roles: customer={} invoice={} date={} quantity={} price={} amount={} product={}",
            shown(&r.customer),
            opt(&r.invoice),
            shown(&r.date),
            opt(&r.quantity),
            opt(&r.price),
            r.amount
                .as_deref()
                .map_or_else(|| "quantity x price".into(), shown),
            opt(&r.product)
        )?;
        writeln!(f, "\nRows")?;
        let dropped: Vec<(String, usize)> = a
            .dropped
            .iter()
            .map(|(reason, n)| (format!("dropped: {}", reason.label()), *n))
            .collect();
        // Wide enough for the longest reason, so that the counts line up.
        let width = dropped
            .iter()
            .map(|(l, _)| l.len() + 2)
            .fold(28, usize::max);
        writeln!(f, "  {:<width$}{:>12}", "read", group(a.rows_in))?;
        for (label, n) in &dropped {
            writeln!(f, "  {label:<width$}{:>12}", group(*n))?;
        }
        writeln!(f, "  {:<width$}{:>12}", "kept", group(a.rows_kept))?;
        if let Some(products) = a.product_rows {
            writeln!(
                f,
                "  {:<width$}{:>12}",
                "rows after splitting baskets",
                group(products)
            )?;
        }
        if !self.parse_failures.is_empty() {
            writeln!(f, "\nValues that could not be read")?;
            for failure in &self.parse_failures {
                writeln!(
                    f,
                    "  {:<28}{:>12}  not a {}; e.g. {}",
                    failure.column,
                    group(failure.rows),
                    failure.role,
                    failure
                        .examples
                        .iter()
                        .map(|e| format!("\"{e}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
        }
        writeln!(f, "\nMissing values (before cleaning)")?;
        for (column, n) in &self.missing_values {
            let rule = if *n > 0 {
                missing_value_rule(&self.roles, column)
            } else {
                ""
            };
            let line = format!("  {:<28}{:>12}  {rule}", column, group(*n));
            writeln!(f, "{}", line.trim_end())?;
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
            let flag = if m.excluded {
                "  <- excluded period"
            } else if m.rows == 0 {
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
    crate::format::NumberFormat::default().count(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_examples_alike_in_what_is_kept_are_one_example() {
        let long = |end: &str| format!("{}{end}", "9".repeat(100));
        let mut examples = Vec::new();
        ParseFailure::add_example(&mut examples, &long("a"));
        ParseFailure::add_example(&mut examples, &long("b"));
        ParseFailure::add_example(&mut examples, "x");
        ParseFailure::add_example(&mut examples, "x");
        assert_eq!(examples.len(), 2, "{examples:?}");
        assert_eq!(examples[1], "x");
    }
    use crate::data::transactions::{LoadOptions, Transactions};

    #[test]
    fn distinct_counts_null_as_one_value_like_polars() {
        let with_nulls =
            StringChunked::new("p".into(), &[Some("a"), None, Some("b"), Some("a"), None]);
        let without = StringChunked::new("p".into(), &[Some("a"), Some("a"), Some("c")]);
        for values in [with_nulls, without] {
            let polars = values.clone().into_column().n_unique().unwrap();
            assert_eq!(distinct(&values), polars);
        }
        assert_eq!(
            distinct(&StringChunked::new("p".into(), &[Some("a"), None])),
            2
        );
    }

    /// What the report computed with a polars group-by before `monthly_totals` replaced it.
    fn reference(kept: &DataFrame) -> Vec<(i32, u64, f64, u64)> {
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
            .collect()
            .unwrap();
        let ym = monthly
            .column("ym")
            .unwrap()
            .cast(&DataType::Int32)
            .unwrap();
        let ym = ym.i32().unwrap();
        let rows = monthly.column("rows").unwrap().u64().unwrap();
        let revenue = monthly.column("revenue").unwrap().f64().unwrap();
        let customers = monthly.column("customers").unwrap().u64().unwrap();
        (0..monthly.height())
            .map(|i| {
                (
                    ym.get(i).unwrap(),
                    rows.get(i).unwrap(),
                    revenue.get(i).unwrap(),
                    customers.get(i).unwrap(),
                )
            })
            .collect()
    }

    fn one_pass(kept: &DataFrame) -> Vec<(i32, u64, f64, u64)> {
        let dates = kept
            .column(cols::DATE)
            .unwrap()
            .as_materialized_series()
            .datetime()
            .unwrap()
            .physical()
            .clone();
        let codes = kept.column(cols::CUSTOMER_CODE).unwrap().u32().unwrap();
        let customers = codes.max().map_or(0, |c| c as usize + 1);
        let amounts = kept.column(cols::AMOUNT).unwrap().f64().unwrap();
        monthly_totals(&dates, codes, amounts, customers)
            .iter()
            .map(|m| (m.ym, m.rows as u64, m.revenue(), m.customers as u64))
            .collect()
    }

    #[test]
    fn monthly_totals_agree_with_polars_and_do_not_depend_on_row_order() {
        let tx = Transactions::bundled(&LoadOptions::default()).unwrap();
        let kept = tx.frame();
        let forward = one_pass(&kept);
        let polars = reference(&kept);
        // Rows and distinct customers exactly; revenue is the exact sum, polars' a compensated
        // one in row order: they differ at most in the last bits.
        let counts = |v: &[(i32, u64, f64, u64)]| -> Vec<(i32, u64, u64)> {
            v.iter().map(|&(ym, rows, _, c)| (ym, rows, c)).collect()
        };
        assert_eq!(counts(&forward), counts(&polars));
        for (ours, theirs) in forward.iter().zip(&polars) {
            assert!(
                (ours.2 - theirs.2).abs() <= 1e-12 * theirs.2.abs(),
                "{ours:?} {theirs:?}"
            );
        }
        // Rows out of date order take the sorting path for distinct customers; every order
        // gives the same bits.
        let reversed = kept.reverse();
        assert_eq!(one_pass(&reversed), forward);
        let (left, right) = kept.split_at(200_000);
        let shuffled = right.vstack(&left).unwrap();
        assert_eq!(one_pass(&shuffled), forward);
    }

    #[test]
    fn monthly_revenue_is_rounded_once() {
        let ms = |day: i64| day * MS_PER_DAY;
        let dates = Int64Chunked::from_slice("d".into(), &[ms(0), ms(1), ms(2), ms(40)]);
        let codes = UInt32Chunked::from_slice("c".into(), &[0, 1, 0, 1]);
        let amounts = Float64Chunked::from_slice("a".into(), &[0.1, 0.2, 0.3, 1.0]);
        let months: Vec<(i32, usize, f64, usize)> = monthly_totals(&dates, &codes, &amounts, 2)
            .iter()
            .map(|m| (m.ym, m.rows, m.revenue(), m.customers))
            .collect();
        // January 1970: 0.1 + 0.2 + 0.3 is 0.6 to the nearest double (0.6000000000000001 row by
        // row); February: one row.
        assert_eq!(months, [(197001, 3, 0.6, 2), (197002, 1, 1.0, 1)]);
    }
}
