//! The customer single view computed while the input is read: memory grows with the customers,
//! their invoices and products, not with the rows.

use std::path::Path;

use polars::prelude::*;

use super::{BaseTotals, CustomerView, CustomerViewParams, MISSING_VALUE, ValueSpend};
use crate::data::clean::RowAccounting;
use crate::data::ids::rank_by_id;
use crate::data::stream::{
    KeptRows, NO_VALUE, RowSink, SinkColumns, Streamed, TextColumn, stream_in_blocks,
};
use crate::data::transactions::{LoadOptions, Transactions, before_first_transaction};
use crate::error::{Context, Error, Result};
use crate::exact_sum::ExactSum;
use crate::grouping::DistinctPairs;

/// A customer single view computed from files, and the row accounting of the read
/// ([`CustomerViewParams::fit_streaming`]).
#[derive(Debug, Clone)]
pub struct StreamedView {
    /// The view, the same as [`CustomerViewParams::fit`] gives on the loaded transactions.
    pub view: CustomerView,
    /// Every input row, kept or counted under its reason.
    pub accounting: RowAccounting,
    /// Whether the rows were aggregated while reading (`false`: the input was loaded in memory,
    /// as [`Transactions::load`] does, because this path does not read it).
    pub streamed: bool,
}

impl StreamedView {
    /// The view as notebook HTML, under a line saying how many rows it came from and how.
    pub fn html(&self) -> String {
        let a = &self.accounting;
        format!(
            "{}\n{}",
            crate::display::streamed_line(self.view.len(), a.rows_kept, a.rows_in, self.streamed),
            crate::display::Show::show(&self.view.frame()).html()
        )
    }

    /// Shows [`StreamedView::html`] in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.html()
        );
    }
}

impl CustomerViewParams {
    /// Builds the view straight from files, aggregating per customer while reading: memory grows
    /// with the customers, their invoices and products, not with the rows. The result is the
    /// same, bit for bit, as loading the input with [`Transactions::load`] and calling
    /// [`CustomerViewParams::fit`].
    ///
    /// With [`CustomerViewParams::observation_end`], rows after that day are counted in the
    /// accounting as
    /// [`DropReason::DateOutOfRange`](crate::data::clean::DropReason::DateOutOfRange), as a
    /// [`CleaningRules::latest_date`](crate::data::clean::CleaningRules::latest_date) would.
    ///
    /// `input` is a file, a directory or a glob, as [`Transactions::load`] takes it; the
    /// dimensions are those of `options.roles.dimensions` (or the ones chosen with
    /// [`CustomerViewParams::dimensions`] among them). Delimited text in UTF-8, plain or gzip, and
    /// Parquet are aggregated while read (see [`crate::data::stream`]); anything else is loaded in
    /// memory, which [`StreamedView::streamed`] reports.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let options = LoadOptions {
    ///     roles: ColumnRoles { dimensions: vec!["Country".into()], ..Default::default() },
    ///     ..Default::default()
    /// };
    /// let view = CustomerViewParams::new().fit_streaming("sales/2024-*.parquet", &options)?;
    /// println!("{} customers from {} rows", view.view.len(), view.accounting.rows_in);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn fit_streaming(
        &self,
        input: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<StreamedView> {
        self.fit_streaming_in_blocks(input.as_ref(), options, crate::data::fast_csv::BLOCK)
    }

    /// [`CustomerViewParams::fit_streaming`] reading files in blocks of about `block` bytes.
    pub(crate) fn fit_streaming_in_blocks(
        &self,
        input: &Path,
        options: &LoadOptions,
        block: usize,
    ) -> Result<StreamedView> {
        self.check()?;
        let given = options;
        let clamped;
        let options = match self.observation_end {
            Some(date) if date < options.rules.earliest_date => {
                return Err(Error::param(
                    "CustomerViewParams::observation_end",
                    format!(
                        "{date} is before `CleaningRules::earliest_date` ({}); no row could be \
                         kept",
                        options.rules.earliest_date
                    ),
                ));
            }
            Some(date) if date < options.rules.latest_date => {
                let mut o = options.clone();
                o.rules.latest_date = date;
                clamped = o;
                &clamped
            }
            _ => options,
        };
        // Every loaded dimension is summed: which ones the view keeps shows once the first file
        // says how it names them (a dimension given as `country` is the file's `Country`).
        let positions: Vec<usize> = (0..options.roles.dimensions.len()).collect();
        let make_sink = || ViewSink::new(&positions, self.max_values);
        let streamed = stream_in_blocks(input, options, make_sink, block)
            .doing(format!("reading {}", input.display()))?;
        let Some(streamed) = streamed else {
            let transactions = Transactions::load(input, options)
                .map_err(|err| self.explain_empty_cut(input, given, block, err))?;
            return Ok(StreamedView {
                view: self.fit(&transactions)?,
                accounting: transactions.accounting().clone(),
                streamed: false,
            });
        };
        let view = self
            .view_from_sink(&streamed)
            .doing("building the customer single view")?;
        Ok(StreamedView {
            view,
            accounting: streamed.accounting,
            streamed: true,
        })
    }

    /// The error of a read that kept no row once cut at the observation end: when the input
    /// keeps rows without the cut, the observation end is before the first transaction, which is
    /// what [`CustomerViewParams::fit`] says; otherwise `err`, the load's own error. Reads the
    /// input once more, in this error path only (streamed when it can be).
    fn explain_empty_cut(
        &self,
        input: &Path,
        given: &LoadOptions,
        block: usize,
        err: Error,
    ) -> Error {
        let Some(end) = self.observation_end else {
            return err;
        };
        let kept_without_cut = match stream_in_blocks(input, given, || NoSink, block) {
            Ok(Some(_)) => true,
            Ok(None) => Transactions::load(input, given).is_ok(),
            Err(_) => false,
        };
        match kept_without_cut {
            true => before_first_transaction("CustomerViewParams::observation_end", end),
            false => err,
        }
    }

    fn view_from_sink(&self, streamed: &Streamed<ViewSink>) -> Result<CustomerView> {
        let loaded = streamed
            .roles()
            .map(|roles| roles.dimensions.clone())
            .unwrap_or_default();
        let dimensions = self.chosen_dimensions(&loaded)?;
        let sink = &streamed.sink;
        // Customers with kept rows, in the loader's `customer_code` order.
        let present: Vec<usize> = (0..sink.rows.len()).filter(|&c| sink.rows[c] > 0).collect();
        let ids: Vec<&str> = present
            .iter()
            .map(|&c| streamed.customer_id(c as u32))
            .collect();
        let rank = rank_by_id(&ids);
        let mut order: Vec<usize> = (0..present.len()).collect();
        order.sort_unstable_by_key(|&i| rank[i]);
        let order: Vec<usize> = order.into_iter().map(|i| present[i]).collect();
        let last = order.iter().map(|&c| sink.last[c]).max().unwrap_or(0);
        let snapshot = self.snapshot_after(last)?;
        let has_products = streamed.has_text(0);
        let base = BaseTotals {
            ids: order
                .iter()
                .map(|&c| streamed.customer_id(c as u32))
                .collect(),
            visits: order
                .iter()
                .map(|&c| match sink.invoices {
                    true => sink.visits[c],
                    false => sink.rows[c],
                })
                .collect(),
            spend: order.iter().map(|&c| sink.spend[c].value()).collect(),
            items: order
                .iter()
                .map(|&c| match streamed.has_quantity {
                    true => sink.items[c].value(),
                    false => f64::from(sink.rows[c]),
                })
                .collect(),
            skus: order
                .iter()
                .map(|&c| has_products.then(|| sink.bought.get(c).map_or(0, Bought::distinct)))
                .collect(),
            first: order.iter().map(|&c| sink.first[c]).collect(),
            last: order.iter().map(|&c| sink.last[c]).collect(),
        };
        let mut columns = base.columns(snapshot)?;
        for name in &dimensions {
            // Chosen among the loaded ones: the position is there.
            let d = loaded.iter().position(|l| l == name).unwrap_or_default();
            let label = |code| streamed.text_value(1 + d, code).unwrap_or(MISSING_VALUE);
            columns.extend(sink.dimensions[d].columns(name, label, &order)?);
        }
        Ok(CustomerView {
            frame: DataFrame::new(order.len(), columns)?,
            snapshot,
            dimensions,
        })
    }
}

/// Per customer code, what the view's columns are made of.
struct ViewSink {
    /// The positions of the view's dimensions among the loaded ones.
    positions: Vec<usize>,
    /// Whether the rows have invoices (a visit is then an invoice, else a row).
    invoices: bool,
    rows: Vec<u32>,
    first: Vec<i64>,
    last: Vec<i64>,
    spend: Vec<ExactSum>,
    items: Vec<ExactSum>,
    visits: Vec<u32>,
    purchases: DistinctPairs,
    /// The products each customer bought, for `skus`.
    bought: Vec<Bought>,
    dimensions: Vec<ValueSpend>,
}

impl ViewSink {
    fn new(positions: &[usize], max_values: usize) -> Self {
        ViewSink {
            positions: positions.to_vec(),
            invoices: false,
            rows: Vec::new(),
            first: Vec::new(),
            last: Vec::new(),
            spend: Vec::new(),
            items: Vec::new(),
            visits: Vec::new(),
            purchases: DistinctPairs::default(),
            bought: Vec::new(),
            dimensions: positions
                .iter()
                .map(|_| ValueSpend::new(0, max_values))
                .collect(),
        }
    }

    /// Room for customer code `c`.
    fn grow(&mut self, c: usize) {
        let n = c + 1;
        self.rows.resize(n, 0);
        self.first.resize(n, i64::MAX);
        self.last.resize(n, i64::MIN);
        self.spend.resize(n, ExactSum::default());
        self.items.resize(n, ExactSum::default());
        self.visits.resize(n, 0);
        self.bought.resize_with(n, Bought::default);
    }
}

/// One customer's product codes: pushed as they come, sorted and made distinct whenever the list
/// has doubled since the last time. Four bytes a distinct (customer, product) pair, where a hash
/// set of pairs took about three times that on 10^8 rows.
#[derive(Default, Clone)]
struct Bought {
    codes: Vec<u32>,
    /// The length after the last sort.
    sorted: usize,
}

impl Bought {
    fn push(&mut self, code: u32) {
        self.codes.push(code);
        if self.codes.len() >= (2 * self.sorted).max(16) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.codes.sort_unstable();
        self.codes.dedup();
        self.codes.shrink_to(2 * self.codes.len().max(8));
        self.sorted = self.codes.len();
    }

    /// The number of distinct products.
    fn distinct(&self) -> u32 {
        let mut codes = self.codes.clone();
        codes.sort_unstable();
        codes.dedup();
        codes.len() as u32
    }
}

impl RowSink for ViewSink {
    fn columns(&self) -> SinkColumns {
        SinkColumns {
            quantity: true,
            texts: std::iter::once(TextColumn::Product)
                .chain(self.positions.iter().map(|&p| TextColumn::Dimension(p)))
                .collect(),
        }
    }

    fn take(&mut self, rows: &KeptRows<'_>) {
        self.invoices = rows.invoice.is_some();
        for row in 0..rows.len() {
            let customer = rows.customer[row];
            let c = customer as usize;
            if c >= self.rows.len() {
                self.grow(c);
            }
            let (date, amount) = (rows.date[row], rows.amount[row]);
            self.rows[c] += 1;
            self.first[c] = self.first[c].min(date);
            self.last[c] = self.last[c].max(date);
            self.spend[c].add(amount);
            if let Some(quantity) = rows.quantity {
                self.items[c].add(quantity[row]);
            }
            if let Some(invoice) = rows.invoice
                && self.purchases.insert(customer, invoice[row])
            {
                self.visits[c] += 1;
            }
            let product = rows.texts[0][row];
            if product != NO_VALUE {
                self.bought[c].push(product);
            }
            for (spend, codes) in self.dimensions.iter_mut().zip(&rows.texts[1..]) {
                let code = codes[row];
                spend.add(c, (code != NO_VALUE).then_some(code), amount);
            }
        }
    }
}

/// A sink that takes nothing: a read that only tells whether any row is kept.
struct NoSink;

impl RowSink for NoSink {
    fn columns(&self) -> SinkColumns {
        SinkColumns::default()
    }

    fn take(&mut self, _rows: &KeptRows<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::clean::CleaningRules;
    use crate::data::roles::ColumnRoles;

    /// Loads `input` and builds the view, then builds it while streaming in blocks of `block`
    /// bytes: the same frame (floats by their bits) and accounting. Returns the streamed view.
    fn agree(input: &Path, options: &LoadOptions, block: usize) -> CustomerView {
        let tx = Transactions::load(input, options).unwrap();
        let loaded = CustomerViewParams::new().fit(&tx).unwrap();
        let streamed = CustomerViewParams::new()
            .fit_streaming_in_blocks(input, options, block)
            .unwrap();
        assert!(streamed.streamed);
        let (a, b) = (loaded.frame(), streamed.view.frame());
        assert_eq!(a.get_column_names(), b.get_column_names());
        for (x, y) in a.columns().iter().zip(b.columns()) {
            let same = match x.dtype() {
                DataType::Float64 => x
                    .f64()
                    .unwrap()
                    .iter()
                    .zip(y.f64().unwrap().iter())
                    .all(|(p, q)| p.map(f64::to_bits) == q.map(f64::to_bits)),
                _ => x.equals_missing(y),
            };
            assert!(same, "{}: {x:?} vs {y:?}", x.name());
        }
        assert_eq!(tx.accounting(), &streamed.accounting);
        streamed.view
    }

    #[test]
    fn a_customers_products_are_counted_once_across_compactions() {
        let mut bought = Bought::default();
        // 50 distinct codes, each bought three times in a scrambled order: the list is
        // compacted several times on the way.
        for round in 0..3u32 {
            for i in 0..50u32 {
                bought.push((i * 7 + round * 11) % 50);
            }
        }
        assert_eq!(bought.distinct(), 50);
        assert!(
            bought.codes.len() < 150,
            "compacted: {}",
            bought.codes.len()
        );
        assert_eq!(Bought::default().distinct(), 0);
    }

    #[test]
    fn small_blocks_duplicates_and_empty_values_give_the_loaded_view() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.csv");
        // A repeated line (a duplicate when that rule is on), an empty store and an empty product.
        let rows = "I1,C2,2011-01-03 10:00,2,1.5,P1,North\n\
                    I1,C2,2011-01-03 10:00,1,4,P2,North\n\
                    I2,C1,2011-01-04 11:00,1,9,P1,\n\
                    I3,C2,2011-01-09 12:00,3,2,,South\n\
                    I3,C2,2011-01-09 12:00,3,2,,South\n\
                    I4,C1,2011-01-10 09:00,1,7,P3,South\n";
        std::fs::write(
            &path,
            format!("InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,StockCode,Store\n{rows}"),
        )
        .unwrap();
        for drop_duplicates in [false, true] {
            let options = LoadOptions {
                roles: ColumnRoles {
                    dimensions: vec!["Store".into()],
                    ..Default::default()
                },
                rules: CleaningRules {
                    drop_duplicates,
                    ..Default::default()
                },
                ..Default::default()
            };
            for block in [16, 64, 1 << 20] {
                let view = agree(&path, &options, block);
                let frame = view.frame();
                let column = |name: &str| frame.column(name).unwrap().clone();
                let f64s = |name: &str| -> Vec<f64> {
                    column(name).f64().unwrap().into_no_null_iter().collect()
                };
                // C1: 9 (empty store) + 7 (South); C2: 3 + 4 (North) + 6 or 12 (South).
                let c2_south = if drop_duplicates { 6.0 } else { 12.0 };
                assert_eq!(f64s("spend"), vec![16.0, 7.0 + c2_south]);
                assert_eq!(
                    f64s("items"),
                    vec![2.0, if drop_duplicates { 6.0 } else { 9.0 }]
                );
                let skus: Vec<u32> = column("skus").u32().unwrap().into_no_null_iter().collect();
                assert_eq!(skus, vec![2, 2]);
                assert_eq!(f64s("share_store_missing"), vec![9.0 / 16.0, 0.0]);
                assert_eq!(f64s("share_store_north"), vec![0.0, 7.0 / (7.0 + c2_south)]);
                let dominant: Vec<&str> = frame
                    .column("dominant_store")
                    .unwrap()
                    .str()
                    .unwrap()
                    .iter()
                    .map(Option::unwrap)
                    .collect();
                assert_eq!(
                    dominant,
                    vec![
                        MISSING_VALUE,
                        if drop_duplicates { "North" } else { "South" }
                    ]
                );
            }
        }
        // Too many values: refused with the count, as the loaded view refuses.
        let options = LoadOptions {
            roles: ColumnRoles {
                dimensions: vec!["Store".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let err = CustomerViewParams::new()
            .max_values(2)
            .fit_streaming_in_blocks(&path, &options, 16)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has 3 distinct values") && err.contains("max_values"),
            "{err}"
        );
    }
}
