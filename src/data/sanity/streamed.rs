//! The sanity report computed while the input is read: memory grows with the customers, invoices,
//! products and months, not with the rows.

use hashbrown::HashSet;
use std::path::Path;

use super::{KeptSummary, LoadFacts, Months, SanityReport};
use crate::data::source::InputFile;
use crate::data::stream::{
    FileFacts, KeptRows, NO_VALUE, RowSink, SinkColumns, Streamed, TextColumn, stream_files,
};
use crate::data::transactions::{LoadOptions, Transactions};
use crate::error::{Context, Result};
use crate::exact_sum::ExactSum;

/// A sanity report computed from files ([`SanityReport::streaming`]).
#[derive(Debug, Clone)]
pub struct StreamedSanity {
    /// The report, the same as [`Transactions::sanity`] gives for the loaded input.
    pub report: SanityReport,
    /// Whether the rows were counted while reading (`false`: the input was loaded in memory, as
    /// [`Transactions::load`] does, because this path does not read it).
    pub streamed: bool,
}

impl StreamedSanity {
    /// Shows the report in an evcxr notebook, as [`SanityReport::evcxr_display`] does.
    pub fn evcxr_display(&self) {
        self.report.evcxr_display();
    }
}

impl SanityReport {
    /// The sanity report of files, counted while they are read: memory grows with the customers,
    /// invoices, products and months, not with the rows. The report is the same as loading the
    /// input with [`Transactions::load`] and asking for [`Transactions::sanity`].
    ///
    /// `input` is a file, a directory or a glob, as [`Transactions::load`] takes it. Delimited
    /// text in UTF-8, plain or gzip, and Parquet are counted while read (see
    /// [`crate::data::stream`]); anything else is loaded in memory, which
    /// [`StreamedSanity::streamed`] reports.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let sanity = SanityReport::streaming("sales/2024-*.csv.gz", &LoadOptions::default())?;
    /// println!("{}", sanity.report);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn streaming(input: impl AsRef<Path>, options: &LoadOptions) -> Result<StreamedSanity> {
        streaming_in_blocks(input.as_ref(), options, crate::data::fast_csv::BLOCK)
    }
}

/// [`SanityReport::streaming`] reading files in blocks of about `block` bytes.
pub(crate) fn streaming_in_blocks(
    input: &Path,
    options: &LoadOptions,
    block: usize,
) -> Result<StreamedSanity> {
    let streamed = stream_files(input, options, KeptCounts::default, block, true)
        .doing(format!("reading {}", input.display()))?;
    let Some(streamed) = streamed else {
        let transactions = Transactions::load(input, options)?;
        return Ok(StreamedSanity {
            report: transactions.sanity().clone(),
            streamed: false,
        });
    };
    let facts = input_facts(input, &streamed, options)?;
    let kept = streamed
        .sink
        .summary(streamed.has_invoices, streamed.has_text(0));
    Ok(StreamedSanity {
        report: SanityReport::assemble(kept, facts),
        streamed: true,
    })
}

/// What the files said, put together as the loader puts several files together.
fn input_facts(
    input: &Path,
    streamed: &Streamed<KeptCounts>,
    options: &LoadOptions,
) -> Result<LoadFacts> {
    let files = &streamed.file_facts;
    let facts = |file: &FileFacts| LoadFacts {
        source: file.source.clone(),
        roles: file.roles.clone(),
        date_format: file.date_format.clone(),
        accounting: streamed.accounting.clone(),
        missing_values: file.missing_values.clone(),
        parse_failures: file.parse_failures.clone(),
        excluded_periods: options.rules.excluded_periods.clone(),
    };
    let (first, rest) = files
        .split_first()
        .ok_or_else(|| crate::error::Error::NoData {
            path: input.to_path_buf(),
            message: "no file to read".into(),
        })?;
    let mut combined = facts(first);
    // One file given as itself: its own facts, as the loader reports them.
    if let [(path, _)] = streamed.files.as_slice()
        && path == input
    {
        return Ok(combined);
    }
    for file in rest {
        crate::data::combine::add_missing_values(
            &mut combined.missing_values,
            file.missing_values.clone(),
        );
        for failure in &file.parse_failures {
            crate::data::combine::add_parse_failure(&mut combined.parse_failures, failure.clone());
        }
    }
    combined.source.path = input.to_path_buf();
    combined.source.rejected = Default::default();
    combined.source.files = files
        .iter()
        .map(|file| InputFile {
            source: file.source.clone(),
            rows_in: file.rows_in,
            rows_kept: file.rows_kept,
            date_format: file.date_format.clone(),
        })
        .collect();
    Ok(combined)
}

/// What the sanity report counts over the kept rows.
#[derive(Default)]
struct KeptCounts {
    rows: usize,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    customers: Seen,
    invoices: Seen,
    products: Seen,
    /// Whether a kept row has no product.
    no_product: bool,
    revenue: ExactSum,
    months: Months,
    /// The distinct (month number, customer) pairs.
    month_customers: HashSet<(u32, u32)>,
}

/// Codes seen, and how many.
#[derive(Default)]
struct Seen {
    seen: Vec<bool>,
    count: usize,
}

impl Seen {
    fn insert(&mut self, code: u32) {
        let c = code as usize;
        if c >= self.seen.len() {
            self.seen.resize(c + 1, false);
        }
        if !self.seen[c] {
            self.seen[c] = true;
            self.count += 1;
        }
    }
}

impl KeptCounts {
    fn summary(&self, has_invoices: bool, has_products: bool) -> KeptSummary {
        let mut monthly = self.months.totals.clone();
        monthly.sort_by_key(|m| m.ym);
        KeptSummary {
            first_ms: self.first_ms.unwrap_or_default(),
            last_ms: self.last_ms.unwrap_or_default(),
            customers: self.customers.count,
            invoices: if has_invoices {
                self.invoices.count
            } else {
                self.rows
            },
            products: has_products.then(|| self.products.count + usize::from(self.no_product)),
            revenue: self.revenue.value(),
            monthly,
        }
    }
}

impl RowSink for KeptCounts {
    fn columns(&self) -> SinkColumns {
        SinkColumns {
            quantity: false,
            texts: vec![TextColumn::Product],
        }
    }

    fn take(&mut self, rows: &KeptRows<'_>) {
        self.rows += rows.len();
        for row in 0..rows.len() {
            let (customer, date, amount) = (rows.customer[row], rows.date[row], rows.amount[row]);
            self.first_ms = Some(self.first_ms.map_or(date, |first| first.min(date)));
            self.last_ms = Some(self.last_ms.map_or(date, |last| last.max(date)));
            self.customers.insert(customer);
            if let Some(invoices) = rows.invoice {
                self.invoices.insert(invoices[row]);
            }
            match rows.texts[0][row] {
                NO_VALUE => self.no_product = true,
                product => self.products.insert(product),
            }
            self.revenue.add(amount);
            let month = self.months.of(date);
            self.months.totals[month].add(amount);
            if self.month_customers.insert((month as u32, customer)) {
                self.months.totals[month].customers += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::clean::{CleaningRules, DropReason};

    #[test]
    fn files_blocks_blank_lines_and_bad_values_give_the_loaded_report() {
        let dir = tempfile::tempdir().unwrap();
        let header = "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Description\n";
        let rows = "536365,17850,2010-12-01 08:26,6,2.55,WHITE HANGING HEART\n\
                    536366,17850,2010-12-01 08:28,6,1.85,HAND WARMER\n\
                    536367,13047,2011-02-01 08:34,32,1.69,\n";
        // a.csv: the rows twice, a blank line, an unreadable date, an unreadable quantity and a
        // row without a customer; b.csv: the rows once more (duplicates of a.csv's).
        let a = format!(
            "{header}{rows}{rows},,,,,\n536368,13047,2011-13-45 10:00,1,1,X\n\
             536369,13047,2011-02-02 10:00,lots,1,Y\n536370,,2011-02-02 10:00,1,1,Z\n"
        );
        std::fs::write(dir.path().join("a.csv"), a).unwrap();
        std::fs::write(dir.path().join("b.csv"), format!("{header}{rows}")).unwrap();
        for drop_duplicates in [false, true] {
            let options = LoadOptions {
                rules: CleaningRules {
                    drop_duplicates,
                    ..Default::default()
                },
                ..Default::default()
            };
            let loaded = Transactions::load(dir.path(), &options)
                .unwrap()
                .sanity()
                .clone();
            for block in [32, 1 << 20] {
                let streamed = streaming_in_blocks(dir.path(), &options, block).unwrap();
                assert!(streamed.streamed);
                assert_eq!(format!("{loaded:#?}"), format!("{:#?}", streamed.report));
            }
            let files = &loaded.source.files;
            assert_eq!(files.len(), 2);
            assert_eq!((files[0].rows_in, files[1].rows_in), (10, 3));
            // With duplicates dropped, b.csv's rows all repeat a.csv's: none of them is kept.
            let kept = if drop_duplicates { (3, 0) } else { (6, 3) };
            assert_eq!((files[0].rows_kept, files[1].rows_kept), kept);
            assert_eq!(
                loaded.accounting.rows_kept,
                files[0].rows_kept + files[1].rows_kept
            );
            assert_eq!(
                files[0].source.rejected.reasons,
                vec![(DropReason::BlankRow, 1, 8)]
            );
            let failures: Vec<(&str, usize, &[String])> = loaded
                .parse_failures
                .iter()
                .map(|f| (f.role, f.rows, f.examples.as_slice()))
                .collect();
            assert_eq!(
                failures,
                vec![
                    ("date", 1, &["2011-13-45 10:00".to_string()][..]),
                    ("quantity", 1, &["lots".to_string()][..])
                ]
            );
            let missing: Vec<(&str, usize)> = loaded
                .missing_values
                .iter()
                .map(|(c, n)| (c.as_str(), *n))
                .collect();
            assert_eq!(
                missing,
                vec![
                    ("InvoiceNo", 0),
                    ("CustomerID", 1),
                    ("InvoiceDate", 0),
                    ("Quantity", 0),
                    ("UnitPrice", 0),
                    ("Description", 3)
                ]
            );
        }
    }
}
