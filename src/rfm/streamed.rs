//! RFM computed while the input is read: memory grows with customers and invoices, not rows.

use hashbrown::HashSet;
use std::path::Path;

use chrono::{Duration, NaiveDate};
use polars::prelude::*;

use crate::data::clean::{RowAccounting, cols};
use crate::data::dates::{MS_PER_DAY, day_number};
use crate::data::ids::rank_by_id;
use crate::data::stream::{
    KeptRows, NO_VALUE, RowSink, SinkColumns, Streamed, TextColumn, stream_in_blocks,
};
use crate::data::transactions::{LoadOptions, Transactions, before_first_transaction};
use crate::dominant::{MISSING_VALUE, SpendByValue};
use crate::error::{Context, Error, Result};
use crate::exact_sum::ExactSum;
use crate::grouping::DistinctPairs;
use crate::rfm::summary::SegmentSummary;
use crate::rfm::table::{RfmParams, RfmTable};

/// An RFM table computed from files, and the row accounting of the read
/// ([`RfmParams::fit_streaming`]).
#[derive(Debug, Clone)]
pub struct StreamedRfm {
    /// The table, the same as [`RfmParams::fit`] gives on the loaded transactions.
    pub table: RfmTable,
    /// Every input row, kept or counted under its reason.
    pub accounting: RowAccounting,
    /// Whether the rows were aggregated while reading (`false`: the input was loaded in memory,
    /// as [`Transactions::load`] does, because this path does not read it).
    pub streamed: bool,
}

impl StreamedRfm {
    /// The table as notebook HTML, under a line saying how many rows it came from and how.
    pub fn html(&self) -> String {
        let a = &self.accounting;
        format!(
            "{}\n{}",
            crate::display::streamed_line(self.table.len(), a.rows_kept, a.rows_in, self.streamed),
            crate::display::Show::show(&self.table.frame()).html()
        )
    }

    /// Shows [`StreamedRfm::html`] in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.html()
        );
    }
}

impl RfmParams {
    /// Computes the RFM table straight from files, aggregating per customer while reading: memory
    /// grows with the customers and invoices, not with the rows, so inputs of hundreds of millions
    /// of rows fit one machine. The result is the same, bit for bit, as loading the input with
    /// [`Transactions::load`] and calling [`RfmParams::fit`].
    ///
    /// `input` is a file, a directory or a glob, as [`Transactions::load`] takes it. Delimited
    /// text in UTF-8, plain or gzip, and Parquet are aggregated while read (see
    /// [`crate::data::stream`]); anything else (Excel, JSON baskets, other encodings, unusual CSV
    /// shapes, standard input) is loaded in memory, which [`StreamedRfm::streamed`] reports.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let rfm = RfmParams::new().fit_streaming("sales/2024-*.csv.gz", &LoadOptions::default())?;
    /// println!("{} customers from {} rows", rfm.table.len(), rfm.accounting.rows_in);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn fit_streaming(
        &self,
        input: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<StreamedRfm> {
        self.fit_streaming_in_blocks(input.as_ref(), options, crate::data::fast_csv::BLOCK)
    }

    /// [`RfmParams::fit_streaming`] reading files in blocks of about `block` bytes.
    pub(crate) fn fit_streaming_in_blocks(
        &self,
        input: &Path,
        options: &LoadOptions,
        block: usize,
    ) -> Result<StreamedRfm> {
        Ok(self
            .fit_streaming_by_in_blocks(input, options, None, block)?
            .0)
    }

    /// [`RfmParams::fit_streaming`] and the table's
    /// [`segment_summary_by`](RfmTable::segment_summary_by) `dimension` (one of
    /// `options.roles.dimensions`), in one read: the same, bit for bit, as loading the input and
    /// summarising the loaded transactions.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let options = LoadOptions {
    ///     roles: ColumnRoles { dimensions: vec!["Country".into()], ..Default::default() },
    ///     ..Default::default()
    /// };
    /// let (rfm, by_country) =
    ///     RfmParams::new().fit_streaming_by("sales/2024-*.csv.gz", &options, "Country")?;
    /// println!("{by_country}");
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn fit_streaming_by(
        &self,
        input: impl AsRef<Path>,
        options: &LoadOptions,
        dimension: &str,
    ) -> Result<(StreamedRfm, SegmentSummary)> {
        let (rfm, summary) = self.fit_streaming_by_in_blocks(
            input.as_ref(),
            options,
            Some(dimension),
            crate::data::fast_csv::BLOCK,
        )?;
        let summary = summary.ok_or_else(|| {
            Error::param("ColumnRoles::dimensions", "no dimension to summarise by")
        })?;
        Ok((rfm, summary))
    }

    /// The table, and the summary by `dimension` when one is given.
    pub(crate) fn fit_streaming_by_in_blocks(
        &self,
        input: &Path,
        options: &LoadOptions,
        dimension: Option<&str>,
        block: usize,
    ) -> Result<(StreamedRfm, Option<SegmentSummary>)> {
        self.check()?;
        // Every loaded dimension is summed: which one `dimension` is shows once the first file
        // says how it names them.
        let dimensions = dimension.map(|_| options.roles.dimensions.len());
        let cutoff = self
            .observation_end_day()
            .map(|end| day_number(end + Duration::days(1)) * MS_PER_DAY);
        let streamed =
            stream_in_blocks(input, options, || RfmTotals::new(cutoff, dimensions), block)
                .doing(format!("reading {}", input.display()))?;
        let Some(streamed) = streamed else {
            let transactions = Transactions::load(input, options)?;
            let table = self.fit(&transactions)?;
            let summary = dimension
                .map(|name| table.segment_summary_by(&transactions, name))
                .transpose()?;
            let rfm = StreamedRfm {
                table,
                accounting: transactions.accounting().clone(),
                streamed: false,
            };
            return Ok((rfm, summary));
        };
        let table = self
            .table_from_totals(&streamed)
            .doing("computing the RFM table")?;
        let summary = match dimension {
            Some(name) => Some(
                summary_from_spend(&table, &streamed, name)
                    .doing("summarising the segments by a dimension")?,
            ),
            None => None,
        };
        let rfm = StreamedRfm {
            table,
            accounting: streamed.accounting,
            streamed: true,
        };
        Ok((rfm, summary))
    }

    fn table_from_totals(&self, streamed: &Streamed<RfmTotals>) -> Result<RfmTable> {
        let mut customers = CustomerTotals::default();
        for (c, totals) in streamed.sink.customers.iter().enumerate() {
            if totals.last == i64::MIN {
                continue;
            }
            customers.ids.push(streamed.customer_id(c as u32));
            customers.last.push(totals.last);
            customers.frequency.push(totals.frequency);
            customers.monetary.push(totals.monetary.value());
        }
        self.table_from_customers(customers, streamed.has_invoices)
    }

    /// The table from each customer's totals, in any order: scored as [`RfmParams::fit`] scores.
    pub(crate) fn table_from_customers(
        &self,
        customers: CustomerTotals<'_>,
        has_invoices: bool,
    ) -> Result<RfmTable> {
        let last_ms = customers.last.iter().copied().max().unwrap_or(i64::MIN);
        let last = match self.observation_end_day() {
            Some(end) if last_ms == i64::MIN => {
                return Err(before_first_transaction("RfmParams::observation_end", end));
            }
            Some(end) => end,
            None => chrono::DateTime::from_timestamp_millis(last_ms)
                .unwrap_or_default()
                .date_naive(),
        };
        let snapshot = self.snapshot_after(last)?;
        let values = customers.values(snapshot)?;
        self.table_from_values(values, snapshot, has_invoices)
    }
}

/// The summary by `dimension` from the streamed spend per customer and value of every loaded
/// dimension.
fn summary_from_spend(
    table: &RfmTable,
    streamed: &Streamed<RfmTotals>,
    dimension: &str,
) -> Result<SegmentSummary> {
    let loaded = streamed
        .roles()
        .map(|roles| roles.dimensions.clone())
        .unwrap_or_default();
    let position = loaded
        .iter()
        .position(|d| d == dimension)
        .ok_or_else(|| crate::data::roles::not_a_dimension(dimension, &loaded))?;
    let spend = streamed
        .sink
        .by
        .get(position)
        .ok_or_else(|| crate::data::roles::not_a_dimension(dimension, &loaded))?;
    let ids: Vec<&str> = (0..streamed.customer_codes() as u32)
        .map(|code| streamed.customer_id(code))
        .collect();
    let labels: Vec<&str> = std::iter::once(MISSING_VALUE)
        .chain(streamed.text_values(position))
        .collect();
    let primary = crate::rfm::summary::dominant_frame(spend, dimension, &ids, &labels)?;
    table.summary_by_primary(dimension, primary)
}

/// Customers with at least one purchase, in any order: the id, the last purchase (ms since 1970),
/// the purchases and the spend of each.
#[derive(Debug, Default)]
pub(crate) struct CustomerTotals<'a> {
    pub ids: Vec<&'a str>,
    pub last: Vec<i64>,
    pub frequency: Vec<i64>,
    pub monetary: Vec<f64>,
}

impl CustomerTotals<'_> {
    /// `customer_id, recency, frequency, monetary`, in id order (the loader's `customer_code`
    /// order).
    fn values(&self, snapshot: NaiveDate) -> Result<DataFrame> {
        let snapshot_day = day_number(snapshot);
        let rank = rank_by_id(&self.ids);
        let mut order: Vec<usize> = (0..self.ids.len()).collect();
        order.sort_unstable_by_key(|&i| rank[i]);
        let pick = |values: &[i64]| -> Vec<i64> { order.iter().map(|&i| values[i]).collect() };
        let names: Vec<&str> = order.iter().map(|&i| self.ids[i]).collect();
        let recency: Vec<i64> = pick(&self.last)
            .into_iter()
            .map(|ms| snapshot_day - ms.div_euclid(MS_PER_DAY))
            .collect();
        let monetary: Vec<f64> = order.iter().map(|&i| self.monetary[i]).collect();
        Ok(DataFrame::new(
            names.len(),
            vec![
                Column::new(cols::CUSTOMER.into(), names),
                Column::new("recency".into(), recency),
                Column::new("frequency".into(), pick(&self.frequency)),
                Column::new("monetary".into(), monetary),
            ],
        )?)
    }
}

/// Per customer code: the last date, the spend (summed exactly, as [`RfmParams::fit`] sums it, so
/// the totals agree to the last bit in any order) and the distinct purchases.
pub(crate) struct RfmTotals {
    /// Rows dated at or after this (ms) are left out: [`RfmParams::observation_end`].
    cutoff: Option<i64>,
    /// By customer code.
    customers: Vec<Totals>,
    /// The distinct (customer, invoice) pairs.
    purchases: DistinctPairs,
    /// Without invoices a purchase is a customer's calendar day.
    days: HashSet<(u32, i64)>,
    /// For the summary by a dimension: the spend per customer and value of each loaded dimension
    /// (over every row, as the summary of loaded transactions takes it); empty without one.
    by: Vec<SpendByValue>,
}

/// One customer's totals, side by side in one cache line: a row reads its customer's once (three
/// vectors took three cache misses per invoice over 800,000 customers).
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Totals {
    monetary: ExactSum,
    /// The last date (ms since 1970); `i64::MIN` until the customer has a row.
    last: i64,
    frequency: i64,
}

impl Totals {
    const NONE: Totals = Totals {
        monetary: ExactSum { high: 0, low: 0 },
        last: i64::MIN,
        frequency: 0,
    };
}

impl RfmTotals {
    /// `dimensions`: how many loaded dimensions to sum spend by, for a summary by one of them.
    fn new(cutoff: Option<i64>, dimensions: Option<usize>) -> Self {
        RfmTotals {
            by: (0..dimensions.unwrap_or(0))
                .map(|_| SpendByValue::default())
                .collect(),
            cutoff,
            customers: Vec::new(),
            purchases: DistinctPairs::default(),
            days: HashSet::new(),
        }
    }
}

impl RowSink for RfmTotals {
    fn columns(&self) -> SinkColumns {
        SinkColumns {
            quantity: false,
            texts: (0..self.by.len()).map(TextColumn::Dimension).collect(),
        }
    }

    fn take(&mut self, rows: &KeptRows<'_>) {
        for (spend, values) in self.by.iter_mut().zip(rows.texts) {
            for (row, &value) in values.iter().enumerate() {
                // Slot 0 is the empty value, `code + 1` the value `code`.
                let slot = if value == NO_VALUE { 0 } else { value + 1 };
                spend.add(rows.customer[row], slot, rows.amount[row]);
            }
        }
        for row in 0..rows.len() {
            let date = rows.date[row];
            if self.cutoff.is_some_and(|cutoff| date >= cutoff) {
                continue;
            }
            let customer = rows.customer[row];
            let c = customer as usize;
            if c >= self.customers.len() {
                self.customers.resize(c + 1, Totals::NONE);
            }
            let new_purchase = match rows.invoice {
                Some(invoices) => self.purchases.insert(customer, invoices[row]),
                None => self.days.insert((customer, date.div_euclid(MS_PER_DAY))),
            };
            let totals = &mut self.customers[c];
            totals.last = totals.last.max(date);
            totals.monetary.add(rows.amount[row]);
            totals.frequency += i64::from(new_purchase);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::data::clean::CleaningRules;

    /// Loads `input` in memory and fits, then fits while streaming in blocks of `block` bytes:
    /// the same table to the last bit and the same accounting, or an error both ways. Returns
    /// whether the input was streamed.
    fn agree(input: &Path, params: &RfmParams, options: &LoadOptions, block: usize) -> bool {
        let loaded = Transactions::load(input, options).and_then(|tx| {
            let table = params.fit(&tx)?;
            Ok((table, tx.accounting().clone()))
        });
        let streamed = params.fit_streaming_in_blocks(input, options, block);
        match (loaded, streamed) {
            (Ok((table, accounting)), Ok(streamed)) => {
                assert!(
                    table.frame().equals_missing(&streamed.table.frame()),
                    "{}\n{}",
                    table.frame(),
                    streamed.table.frame()
                );
                assert_eq!(table.snapshot(), streamed.table.snapshot());
                assert_eq!(
                    table.scoring().fallbacks,
                    streamed.table.scoring().fallbacks
                );
                assert_eq!(accounting, streamed.accounting);
                streamed.streamed
            }
            (Err(_), Err(_)) => false,
            (loaded, streamed) => panic!(
                "loaded: {:?}\nstreamed: {:?}",
                loaded.map(|(t, a)| (t.len(), a)),
                streamed.map(|s| (s.table.len(), s.accounting))
            ),
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const HEADER: &str = "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Description\n";

    #[test]
    fn duplicates_across_blocks_and_files_are_dropped_once() {
        let dir = tempfile::tempdir().unwrap();
        let rows = "536365,17850,2010-12-01 08:26,6,2.55,WHITE HANGING HEART\n\
                    536366,17850,2010-12-01 08:28,6,1.85,HAND WARMER\n\
                    536367,13047,2010-12-01 08:34,32,1.69,ALARM CLOCK\n";
        // The same three rows twice in one file and once more in another: six duplicates.
        write(dir.path(), "a.csv", &format!("{HEADER}{rows}{rows}"));
        write(dir.path(), "b.csv", &format!("{HEADER}{rows}"));
        let options = LoadOptions {
            rules: CleaningRules {
                drop_duplicates: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let params = RfmParams::new();
        for block in [16, 64, 1 << 20] {
            assert!(agree(dir.path(), &params, &options, block));
        }
        let streamed = params
            .fit_streaming_in_blocks(dir.path(), &options, 16)
            .unwrap();
        assert_eq!(streamed.accounting.rows_in, 9);
        assert_eq!(streamed.accounting.rows_kept, 3);
        assert_eq!(
            streamed.accounting.dropped,
            vec![(crate::data::clean::DropReason::Duplicate, 6)]
        );
        // 17850: two invoices, 6 x 2.55 + 6 x 1.85; 13047: one, 32 x 1.69.
        let frame = streamed.table.frame();
        let monetary: Vec<f64> = frame
            .column("monetary")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        let frequency: Vec<i64> = frame
            .column("frequency")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(frequency, vec![1, 2]);
        assert_eq!(monetary, vec![32.0 * 1.69, 6.0 * 2.55 + 6.0 * 1.85]);
    }

    #[test]
    fn the_notebook_view_says_where_the_rows_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "t.csv",
            &format!("{HEADER}1,7,2011-01-01 10:00,1,2,X\n2,,2011-02-01 10:00,1,3,X\n"),
        );
        let rfm = RfmParams::new()
            .fit_streaming(&path, &LoadOptions::default())
            .unwrap();
        let html = rfm.html();
        assert!(
            html.starts_with("<p>1 customers from 1 of 2 rows (aggregated while reading)</p>"),
            "{html}"
        );
        assert!(html.contains("<table") && html.contains(">7<"), "{html}");
    }

    #[test]
    fn a_layout_settled_after_the_first_block_reads_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = HEADER.to_string();
        // Days 1 to 12 read either way; 25/01/2011 only day-first, and it comes last.
        for day in 1..=12 {
            text.push_str(&format!("{day},1{day},{day:02}/01/2011 10:00,1,2.5,X\n"));
        }
        text.push_str("99,199,25/01/2011 10:00,1,2.5,X\n");
        let path = write(dir.path(), "dates.csv", &text);
        let options = LoadOptions::default();
        assert!(agree(&path, &RfmParams::new(), &options, 64));
        let passes = stream_in_blocks(&path, &options, || RfmTotals::new(None, None), 64)
            .unwrap()
            .unwrap()
            .passes;
        assert_eq!(passes, 2);
        // One block: settled by the whole file at once.
        let passes = stream_in_blocks(&path, &options, || RfmTotals::new(None, None), 1 << 20)
            .unwrap()
            .unwrap()
            .passes;
        assert_eq!(passes, 1);
    }

    #[test]
    fn inputs_this_path_does_not_read_are_loaded_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        // Ragged rows need polars' reader.
        let path = write(
            dir.path(),
            "ragged.csv",
            &format!("{HEADER}1,17850,2010-12-01 08:26,6,2.55\n"),
        );
        assert!(!agree(
            &path,
            &RfmParams::new(),
            &LoadOptions::default(),
            64
        ));
    }

    #[test]
    fn an_observation_end_leaves_later_rows_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "t.csv",
            &format!(
                "{HEADER}1,7,2011-01-01 10:00,1,2,X\n2,7,2011-02-01 10:00,1,3,X\n3,8,2011-03-01 10:00,1,4,X\n"
            ),
        );
        let day = |m| NaiveDate::from_ymd_opt(2011, m, 1).unwrap();
        for end in [day(1), day(2), day(3)] {
            let params = RfmParams::new().observation_end(end);
            assert!(agree(&path, &params, &LoadOptions::default(), 32));
        }
        let early = RfmParams::new().observation_end(NaiveDate::from_ymd_opt(2010, 1, 1).unwrap());
        assert!(!agree(&path, &early, &LoadOptions::default(), 32));
    }

    fn field(choices: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        proptest::sample::select(choices)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        /// Random files, cut into random blocks and spread over one to three files: streaming
        /// gives what loading gives.
        #[test]
        fn random_inputs_agree(
            rows in proptest::collection::vec(
                (
                    field(&["1", "2", "C3", "C 4", "\"5\"", "", "A1"]),
                    field(&["12345", " 12346 ", "", "A1", "\"12347\"", "9"]),
                    field(&["2011-01-01 10:00", "2011-01-02 11:30:00", "2011-01-13 09:00", "", "bad", "2011-13-01 00:00", "1999-01-01 00:00"]),
                    field(&["1", "-2", "0", "2.5", "\"1,5\"", "abc", "", "3"]),
                    field(&["1", "0.5", "-1", "", "x", "0.1", "0.7"]),
                    field(&["a", "", " b ", "\"c, d\"", "g  "]),
                ),
                1..60,
            ),
            repeats in proptest::collection::vec(0usize..60, 0..20),
            files in 1usize..4,
            block in 8usize..200,
            dedupe in any::<bool>(),
            keep_non_positive in any::<bool>(),
            day_first in any::<bool>(),
        ) {
            let mut rows = rows;
            // Exact repeats of earlier rows, so that duplicates occur across blocks and files.
            for r in repeats {
                let row = rows[r % rows.len()];
                rows.push(row);
            }
            let dir = tempfile::tempdir().unwrap();
            let per_file = rows.len().div_ceil(files);
            for (i, part) in rows.chunks(per_file).enumerate() {
                let mut csv = HEADER.to_string();
                for &(invoice, customer, date, quantity, price, description) in part {
                    // Day-first dates in some inputs: their layout is settled by the whole file.
                    let date = if day_first && date.starts_with("2011-01-") {
                        format!("{}/01/2011{}", &date[8..10], &date[10..])
                    } else {
                        date.to_string()
                    };
                    csv.push_str(&[invoice, customer, &date, quantity, price, description].join(","));
                    csv.push('\n');
                }
                write(dir.path(), &format!("part{i}.csv"), &csv);
            }
            let options = LoadOptions {
                rules: CleaningRules {
                    drop_duplicates: dedupe,
                    drop_non_positive_quantity: !keep_non_positive,
                    drop_non_positive_price: !keep_non_positive,
                    ..Default::default()
                },
                ..Default::default()
            };
            agree(dir.path(), &RfmParams::new(), &options, block);
        }
    }
}
