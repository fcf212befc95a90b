//! Aggregating while reading: an input's kept rows reach a [`RowSink`] block by block, in file
//! order, and are not kept.
//!
//! [`Transactions::load`](crate::data::transactions::Transactions::load) keeps every kept row in
//! memory, which does not fit a machine at hundreds of millions of rows. Here each file is read in
//! blocks; each block is parsed and cleaned on its own, and the
//! blocks are taken in file order: their ids are coded against the input's distinct customers and
//! invoices, exact duplicates are dropped (first occurrence kept, as the loader does), and the
//! rows left go to the sink. What stays in memory grows with the distinct customers, invoices and
//! dates, the distinct values of the text columns the sink asks for ([`SinkColumns`]), and one
//! 16-byte fingerprint per kept row while
//! [`CleaningRules::drop_duplicates`](crate::data::clean::CleaningRules) is on (it is off by
//! default); the sink's own memory is its own.
//!
//! The rules and their accounting are the loader's, row for row: the sink sees exactly the rows
//! [`Transactions::load`](crate::data::transactions::Transactions::load) would keep, in the same
//! order, so sums over them are bit for bit the same. A file's date layout is settled from all of
//! its values ([`DateEvidence`]); the rows are read with the layout the first block suggests, and
//! when the whole file settles on another one, the input is read a second time with that layout.
//!
//! Delimited text (UTF-8, plain or gzip) is read in blocks by the loader's fast path, Parquet row
//! group by row group. Inputs this path does not read (Excel, JSON baskets, text in another
//! encoding, CSV that needs polars' reader, standard input) give `None`: the caller loads them in
//! memory instead.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use crate::data::clean::{self, DropReason, Present, ReasonCounts, RowAccounting, cols};
use crate::data::dates::{DateEvidence, DateFormat};
use crate::data::interner::{Interner, NULL};
use crate::data::options::LoadOptions;
use crate::data::roles::ResolvedRoles;
use crate::data::sanity::ParseFailure;
use crate::data::source::{FileFormat, SourceInfo};
use crate::error::Result;

/// A block of kept rows, in file order. Customer and invoice codes number the input's distinct
/// ids in order of first appearance ([`Streamed::customer_id`] gives a customer's id).
#[derive(Debug, Clone, Copy)]
pub struct KeptRows<'a> {
    /// The customer's code, per row.
    pub customer: &'a [u32],
    /// The invoice's code, per row, when the input has invoices.
    pub invoice: Option<&'a [u32]>,
    /// The date, in milliseconds since 1970-01-01.
    pub date: &'a [i64],
    /// The spend (amount, or quantity x unit price).
    pub amount: &'a [f64],
    /// The quantity, when the sink asks for it ([`SinkColumns::quantity`]) and the input has a
    /// quantity column.
    pub quantity: Option<&'a [f64]>,
    /// The values of the text columns the sink asks for ([`SinkColumns::texts`]), one vector of
    /// codes per column in that order: distinct values numbered in order of first appearance over
    /// the whole input ([`Streamed::text_value`] gives a code's value), [`NO_VALUE`] for an empty
    /// value and on every row of a column the input lacks.
    pub texts: &'a [Vec<u32>],
}

/// The code of an empty text value in [`KeptRows::texts`].
pub const NO_VALUE: u32 = NULL;

/// The columns a sink reads besides customer, invoice, date and amount ([`RowSink::columns`]):
/// the readers read and code only these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkColumns {
    /// The quantity ([`KeptRows::quantity`]).
    pub quantity: bool,
    /// Text columns, by role ([`KeptRows::texts`]).
    pub texts: Vec<TextColumn>,
}

/// A text column a sink reads, by its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextColumn {
    /// The product id ([`ColumnRoles::product`](crate::data::roles::ColumnRoles::product)).
    Product,
    /// The product description.
    Description,
    /// The dimension at this position in
    /// [`ColumnRoles::dimensions`](crate::data::roles::ColumnRoles::dimensions).
    Dimension(usize),
}

impl KeptRows<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// What consumes the kept rows of a streamed input, block by block in file order: implement it to
/// aggregate anything per customer over files too large to load.
///
/// ```
/// use custseg::data::stream::{KeptRows, RowSink, stream};
/// use custseg::prelude::*;
///
/// /// Rows and spend per customer code.
/// #[derive(Default)]
/// struct Spend(Vec<(usize, f64)>);
///
/// impl RowSink for Spend {
///     fn take(&mut self, rows: &KeptRows<'_>) {
///         for (&customer, &amount) in rows.customer.iter().zip(rows.amount) {
///             let c = customer as usize;
///             if c >= self.0.len() {
///                 self.0.resize(c + 1, (0, 0.0));
///             }
///             self.0[c].0 += 1;
///             self.0[c].1 += amount;
///         }
///     }
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("sales.csv");
/// std::fs::write(
///     &path,
///     "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n\
///      1,A7,2011-01-03 10:00,2,1.5\n\
///      1,A7,2011-01-03 10:00,1,4\n\
///      2,,2011-01-04 11:00,1,9\n\
///      3,B2,2011-01-05 12:00,3,2\n",
/// )
/// .unwrap();
/// let streamed = stream(&path, &LoadOptions::default(), Spend::default)?.expect("plain UTF-8 CSV streams");
/// assert_eq!(streamed.accounting.rows_kept, 3); // the row without a customer is dropped
/// let per_customer: Vec<(&str, usize, f64)> = streamed
///     .sink
///     .0
///     .iter()
///     .enumerate()
///     .filter(|(_, (rows, _))| *rows > 0)
///     .map(|(code, &(rows, spend))| (streamed.customer_id(code as u32), rows, spend))
///     .collect();
/// assert_eq!(per_customer, vec![("A7", 2, 7.0), ("B2", 1, 6.0)]);
/// # Ok::<(), custseg::Error>(())
/// ```
pub trait RowSink {
    /// Takes the next block of kept rows.
    fn take(&mut self, rows: &KeptRows<'_>);

    /// The columns [`RowSink::take`] reads besides customer, invoice, date and amount (default:
    /// none).
    fn columns(&self) -> SinkColumns {
        SinkColumns::default()
    }
}

/// An input read by [`stream`]: the sink that took its rows, and what the reading found.
pub struct Streamed<S> {
    /// The sink, after the last block.
    pub sink: S,
    customers: Interner,
    /// Every input row, kept or counted under its reason.
    pub accounting: RowAccounting,
    /// Whether the input has invoices.
    pub has_invoices: bool,
    /// The files read, in order, and the date layout each was read with (`None`: typed dates).
    pub files: Vec<(PathBuf, Option<DateFormat>)>,
    /// How many times the input was read: 2 when a file's date layout was settled only by values
    /// after its first block.
    pub passes: usize,
    /// Whether the input has a quantity column and the sink asked for it
    /// ([`SinkColumns::quantity`]).
    pub has_quantity: bool,
    /// The values of the sink's [`SinkColumns::texts`] (`None`: the input lacks the column).
    texts: Vec<Option<Interner>>,
    /// Each file's facts, when they were gathered ([`stream_files`]).
    pub(crate) file_facts: Vec<FileFacts>,
    /// The first file's columns by role.
    roles: Option<ResolvedRoles>,
}

impl<S> Streamed<S> {
    /// The id of customer `code` (codes as in [`KeptRows::customer`]).
    pub fn customer_id(&self, code: u32) -> &str {
        self.customers.get(code)
    }

    /// Number of customer codes (customers whose rows were all dropped included).
    pub fn customer_codes(&self) -> usize {
        self.customers.len()
    }

    /// The value of `code` in the sink's text column `column` (an index into
    /// [`SinkColumns::texts`]); `None` for [`NO_VALUE`] and for a column the sink did not ask for.
    pub fn text_value(&self, column: usize, code: u32) -> Option<&str> {
        match self.texts.get(column) {
            Some(Some(values)) if code != NO_VALUE => Some(values.get(code)),
            _ => None,
        }
    }

    /// Every value of the sink's text column `column` (an index into [`SinkColumns::texts`]), in
    /// code order; none when the input lacks the column.
    pub fn text_values(&self, column: usize) -> impl Iterator<Item = &str> {
        self.texts
            .get(column)
            .into_iter()
            .flatten()
            .flat_map(Interner::values)
    }

    /// Whether the input has the sink's text column `column` (an index into
    /// [`SinkColumns::texts`]).
    pub fn has_text(&self, column: usize) -> bool {
        matches!(self.texts.get(column), Some(Some(_)))
    }

    /// The columns by role, as the first file names them (a role given as `country` reads the
    /// file's `Country`): what [`Transactions::roles`](crate::data::transactions::Transactions::roles)
    /// gives for the loaded input.
    pub fn roles(&self) -> Option<&ResolvedRoles> {
        self.roles.as_ref()
    }
}

/// Reads `input` (a file, a directory of files or a glob, as
/// [`Transactions::load`](crate::data::transactions::Transactions::load) takes) into a sink made
/// by `make_sink`, or gives `None` when the input must be loaded in memory (see the module
/// documentation). `make_sink` is called again when the input is read a second time.
pub fn stream<S: RowSink>(
    input: &Path,
    options: &LoadOptions,
    make_sink: impl FnMut() -> S,
) -> Result<Option<Streamed<S>>> {
    stream_in_blocks(input, options, make_sink, crate::data::fast_csv::BLOCK)
}

/// [`stream`] reading files in blocks of about `block` bytes (small ones in tests).
pub(crate) fn stream_in_blocks<S: RowSink>(
    input: &Path,
    options: &LoadOptions,
    make_sink: impl FnMut() -> S,
    block: usize,
) -> Result<Option<Streamed<S>>> {
    stream_files(input, options, make_sink, block, false)
}

/// [`stream_in_blocks`], gathering each file's facts for the sanity report when `raw_facts` is
/// set: missing values in every column, values that could not be read, lines that are not rows
/// ([`Streamed::file_facts`]).
pub(crate) fn stream_files<S: RowSink>(
    input: &Path,
    options: &LoadOptions,
    mut make_sink: impl FnMut() -> S,
    block: usize,
    raw_facts: bool,
) -> Result<Option<Streamed<S>>> {
    let files = crate::data::inputs::input_files(input)?;
    let mut formats_of_files = Vec::with_capacity(files.len());
    for file in &files {
        if !file.is_file() {
            return Ok(None);
        }
        match crate::data::source::format_of_file(file, &options.read) {
            format @ (FileFormat::Csv | FileFormat::Parquet) => formats_of_files.push(format),
            _ => return Ok(None),
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    let mut formats: Vec<Option<DateFormat>> = vec![options.date_format.clone(); files.len()];
    for pass in 1..=2 {
        let mut state = Stream::new(make_sink(), options.rules.drop_duplicates, raw_facts);
        let mut read = Vec::with_capacity(files.len());
        let mut columns = None;
        let mut file_facts = Vec::new();
        for ((file, format), kind) in files.iter().zip(&formats).zip(&formats_of_files) {
            let file_options = LoadOptions {
                date_format: format.clone(),
                ..options.clone()
            };
            state.start_file();
            let before = (state.rows_in, state.rows_kept);
            let done = match kind {
                FileFormat::Parquet => {
                    crate::data::parquet_stream::stream_file(file, &file_options, &mut state)
                }
                _ => crate::data::fast_csv::stream::stream_file(
                    file,
                    &file_options,
                    &mut state,
                    block,
                ),
            };
            let Some(done) = done else {
                return Ok(None);
            };
            // Files with other columns: the loader explains.
            if *columns.get_or_insert_with(|| done.columns.clone()) != done.columns {
                return Ok(None);
            }
            if raw_facts {
                file_facts.push(state.file_facts(&done, before));
            }
            read.push(done);
        }
        let roles = read.first().map(|done| done.roles.clone());
        let mut again = false;
        let mut used = Vec::with_capacity(files.len());
        for (((file, format), done), facts) in files.iter().zip(&mut formats).zip(read).zip(
            file_facts
                .iter_mut()
                .map(Some)
                .chain(std::iter::repeat_with(|| None)),
        ) {
            // Typed dates (Parquet) need no layout.
            let settled = match (&format, &done.evidence) {
                (Some(given), _) => Some(given.clone()),
                (None, None) => None,
                // A column the loader cannot settle: it explains.
                (None, Some(evidence)) => match evidence.decide() {
                    Ok(settled) => Some(settled),
                    Err(_) => return Ok(None),
                },
            };
            if settled.is_some() && settled != done.read_with {
                again = true;
            }
            format.clone_from(&settled);
            if let Some(facts) = facts {
                // Typed dates read as they are: the loader says year first whatever was given.
                facts.date_format = match &done.evidence {
                    Some(_) => settled.clone().unwrap_or(DateFormat::YearFirst),
                    None => DateFormat::YearFirst,
                };
            }
            used.push((file.clone(), settled));
        }
        if again && pass == 1 {
            continue;
        }
        let Stream {
            sink,
            customers,
            rows_in,
            rows_kept,
            counts,
            has_invoices,
            has_quantity,
            text_values,
            ..
        } = state;
        if rows_kept == 0 {
            return Ok(None);
        }
        return Ok(Some(Streamed {
            sink,
            customers,
            accounting: clean::accounting(rows_in, rows_kept, counts),
            has_invoices: has_invoices.unwrap_or(false),
            files: used,
            passes: pass,
            has_quantity: has_quantity.unwrap_or(false),
            texts: text_values.unwrap_or_default(),
            file_facts,
            roles,
        }));
    }
    Ok(None)
}

/// A block of rows parsed and cleaned on its own, before duplicates are looked for: the kept rows
/// with ids coded against the block's own distinct values.
pub(crate) struct CleanBlock {
    pub customers: Interner,
    pub invoices: Option<Interner>,
    pub customer: Vec<u32>,
    pub invoice: Vec<u32>,
    pub date: Vec<i64>,
    pub amount: Vec<f64>,
    /// The quantity, when the sink reads it and the input has it.
    pub quantity: Option<Vec<f64>>,
    /// The sink's text columns ([`SinkColumns::texts`]), `None` for a column the input lacks.
    pub texts: Vec<Option<TextCodes>>,
    /// A 128-bit hash of each kept row's values in every column (see [`Fingerprint`]).
    pub fingerprint: Vec<u128>,
    /// Rows read, and rows dropped per reason (duplicates aside).
    pub rows_in: usize,
    pub counts: ReasonCounts,
    /// What the block says before cleaning, when the stream gathers it ([`stream_files`]).
    pub facts: Option<BlockFacts>,
}

/// One text column of a block's kept rows, coded against the block's own distinct values.
#[derive(Default)]
pub(crate) struct TextCodes {
    pub values: Interner,
    pub codes: Vec<u32>,
    /// The previous value and its code: the lines of one invoice often repeat a value.
    run: Option<(String, u32)>,
}

impl TextCodes {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        TextCodes {
            codes: Vec::with_capacity(rows),
            ..Default::default()
        }
    }

    /// Adds the next row's value (`None`: null).
    pub(crate) fn push(&mut self, value: Option<&str>) {
        let code = match (value, &self.run) {
            (None, _) => NO_VALUE,
            (Some(value), Some((previous, code))) if previous == value => *code,
            (Some(value), _) => {
                let code = self.values.intern(value);
                let run = self.run.get_or_insert_with(|| (String::new(), code));
                run.0.clear();
                run.0.push_str(value);
                run.1 = code;
                code
            }
        };
        self.codes.push(code);
    }
}

/// For each of the sink's text columns, its index among the text columns the loader keeps for
/// `roles` ([`crate::data::roles::text_roles`]); `None` when the input lacks it.
pub(crate) fn text_indices(roles: &ResolvedRoles, wanted: &SinkColumns) -> Vec<Option<usize>> {
    let kept = crate::data::roles::text_roles(roles);
    wanted
        .texts
        .iter()
        .map(|column| {
            let name = match *column {
                TextColumn::Product => cols::PRODUCT,
                TextColumn::Description => cols::DESCRIPTION,
                TextColumn::Dimension(i) => roles.dimensions.get(i)?.as_str(),
            };
            kept.iter().position(|&(_, kept)| kept == name)
        })
        .collect()
}

/// What reading one file gave besides its rows.
pub(crate) struct FileRead {
    /// What the file's date values say about their layout (`None`: the dates are typed).
    pub evidence: Option<DateEvidence>,
    /// The layout its rows were read with.
    pub read_with: Option<DateFormat>,
    /// The file's columns by role (to check that files agree).
    pub columns: Vec<String>,
    /// How the file was read (its rejected lines are the stream's to count).
    pub source: SourceInfo,
    /// The file's columns by role.
    pub roles: ResolvedRoles,
}

/// What a block says before cleaning, when the stream gathers it ([`stream_files`]).
#[derive(Default)]
pub(crate) struct BlockFacts {
    /// Missing values per file column, in file order.
    pub missing_values: Vec<(String, usize)>,
    /// Values that could not be read, with examples in file order.
    pub parse_failures: Vec<ParseFailure>,
    /// The block's rows (0-based within the block) that are lines without a value: a delimited
    /// file's rejected lines.
    pub blank_rows: Vec<usize>,
}

/// One file of a streamed input, as the sanity report describes it.
#[derive(Debug, Clone)]
pub(crate) struct FileFacts {
    pub source: SourceInfo,
    pub roles: ResolvedRoles,
    /// The date layout its rows were read with.
    pub date_format: DateFormat,
    pub missing_values: Vec<(String, usize)>,
    /// In the loader's order: date, quantity, price, amount.
    pub parse_failures: Vec<ParseFailure>,
    pub rows_in: usize,
    /// Rows kept from the file, duplicates of earlier files' rows left out.
    pub rows_kept: usize,
}

/// The columns the loader's table of kept rows has for `roles`, by their clean names: files of one
/// input must agree on them.
pub(crate) fn kept_columns(roles: &ResolvedRoles) -> Vec<String> {
    let present = Present::of(roles);
    let mut names = vec![cols::CUSTOMER.to_string()];
    if roles.invoice.is_some() {
        names.push(cols::INVOICE.into());
    }
    names.push(cols::DATE.into());
    if present.quantity {
        names.push(cols::QUANTITY.into());
    }
    if present.price {
        names.push(cols::PRICE.into());
    }
    names.push(cols::AMOUNT.into());
    for (_, name) in crate::data::roles::text_roles(roles) {
        names.push(name.to_string());
    }
    names
}

/// The input-wide state the blocks pass through, in order.
pub(crate) struct Stream<S> {
    sink: S,
    customers: Interner,
    invoices: Interner,
    seen: Option<FingerprintSet>,
    rows_in: usize,
    rows_kept: usize,
    counts: ReasonCounts,
    has_invoices: Option<bool>,
    /// What the sink reads besides customer, invoice, date and amount.
    columns: SinkColumns,
    /// Whether each file's facts are gathered for the sanity report.
    raw_facts: bool,
    has_quantity: Option<bool>,
    /// The values of the sink's text columns over the input, once a block has said which the
    /// input has.
    text_values: Option<Vec<Option<Interner>>>,
    /// The current file's raw facts so far (when the sink asks for them).
    file: BlockFacts,
    file_rows: usize,
    rejected: crate::data::delimited::RejectedRows,
    // Reused for every block.
    customer: Vec<u32>,
    invoice: Vec<u32>,
    date: Vec<i64>,
    amount: Vec<f64>,
    quantity: Vec<f64>,
    texts: Vec<Vec<u32>>,
}

impl<S: RowSink> Stream<S> {
    fn new(sink: S, drop_duplicates: bool, raw_facts: bool) -> Self {
        let columns = sink.columns();
        Stream {
            raw_facts,
            texts: vec![Vec::new(); columns.texts.len()],
            columns,
            has_quantity: None,
            text_values: None,
            file: BlockFacts::default(),
            file_rows: 0,
            rejected: Default::default(),
            quantity: Vec::new(),
            sink,
            customers: Interner::new(),
            invoices: Interner::new(),
            seen: drop_duplicates.then(FingerprintSet::new),
            rows_in: 0,
            rows_kept: 0,
            counts: Default::default(),
            has_invoices: None,
            customer: Vec::new(),
            invoice: Vec::new(),
            date: Vec::new(),
            amount: Vec::new(),
        }
    }

    /// What the sink reads besides customer, invoice, date and amount.
    pub(crate) fn columns(&self) -> &SinkColumns {
        &self.columns
    }

    /// Whether the readers gather each block's facts for the sanity report ([`BlockFacts`]).
    pub(crate) fn raw_facts(&self) -> bool {
        self.raw_facts
    }

    /// The facts of the file just read (`before`: rows read and kept before it).
    fn file_facts(&mut self, done: &FileRead, before: (usize, usize)) -> FileFacts {
        let mut source = done.source.clone();
        source.rejected = std::mem::take(&mut self.rejected);
        let facts = std::mem::take(&mut self.file);
        let mut parse_failures = facts.parse_failures;
        let order = ["date", "quantity", "price", "amount"];
        parse_failures.sort_by_key(|f| order.iter().position(|r| *r == f.role));
        FileFacts {
            source,
            roles: done.roles.clone(),
            // Settled once every file is read.
            date_format: DateFormat::YearFirst,
            missing_values: facts.missing_values,
            parse_failures,
            rows_in: self.rows_in - before.0,
            rows_kept: self.rows_kept - before.1,
        }
    }

    /// Starts a file: its raw facts are counted from here.
    fn start_file(&mut self) {
        self.file = BlockFacts::default();
        self.file_rows = 0;
        self.rejected = Default::default();
    }

    /// Takes the raw facts of a block of the current file.
    fn take_facts(&mut self, facts: BlockFacts, rows: usize) {
        crate::data::combine::add_missing_values(
            &mut self.file.missing_values,
            facts.missing_values,
        );
        for failure in facts.parse_failures {
            crate::data::combine::add_parse_failure(&mut self.file.parse_failures, failure);
        }
        // One record per line: the block's row i is on line (rows before it) + i + 2.
        for row in facts.blank_rows {
            self.rejected
                .add(DropReason::BlankRow, self.file_rows + row + 2);
        }
        self.file_rows += rows;
    }

    /// Takes the next block in input order.
    pub(crate) fn take(&mut self, mut block: CleanBlock) {
        if let Some(facts) = block.facts.take() {
            self.take_facts(facts, block.rows_in);
        }
        self.rows_in += block.rows_in;
        for (total, n) in self.counts.iter_mut().zip(block.counts) {
            *total += n;
        }
        let has_invoices = block.invoices.is_some();
        *self.has_invoices.get_or_insert(has_invoices) &= has_invoices;
        let customers: Vec<u32> = block
            .customers
            .values()
            .map(|id| self.customers.intern(id))
            .collect();
        let invoices: Vec<u32> = block.invoices.as_ref().map_or_else(Vec::new, |local| {
            local.values().map(|id| self.invoices.intern(id)).collect()
        });
        let has_quantity = block.quantity.is_some();
        *self.has_quantity.get_or_insert(has_quantity) &= has_quantity;
        // Each text column's block codes, as codes over the input.
        let text_values = self.text_values.get_or_insert_with(|| {
            block
                .texts
                .iter()
                .map(|codes| codes.as_ref().map(|_| Interner::new()))
                .collect()
        });
        let text_codes: Vec<Option<Vec<u32>>> = block
            .texts
            .iter()
            .zip(text_values.iter_mut())
            .map(|(block_codes, values)| match (block_codes, values) {
                (Some(block_codes), Some(values)) => Some(
                    block_codes
                        .values
                        .values()
                        .map(|value| values.intern(value))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        self.customer.clear();
        self.invoice.clear();
        self.date.clear();
        self.amount.clear();
        self.quantity.clear();
        for codes in &mut self.texts {
            codes.clear();
        }
        for row in 0..block.customer.len() {
            if let Some(seen) = &mut self.seen
                && !seen.insert(block.fingerprint[row])
            {
                self.counts[DropReason::Duplicate as usize] += 1;
                continue;
            }
            self.customer.push(customers[block.customer[row] as usize]);
            if has_invoices {
                self.invoice.push(invoices[block.invoice[row] as usize]);
            }
            self.date.push(block.date[row]);
            self.amount.push(block.amount[row]);
            if let Some(quantity) = &block.quantity {
                self.quantity.push(quantity[row]);
            }
            for ((codes, block_codes), input_codes) in
                self.texts.iter_mut().zip(&block.texts).zip(&text_codes)
            {
                codes.push(match (block_codes, input_codes) {
                    (Some(block_codes), Some(input_codes)) => match block_codes.codes[row] {
                        NO_VALUE => NO_VALUE,
                        code => input_codes[code as usize],
                    },
                    _ => NO_VALUE,
                });
            }
        }
        self.rows_kept += self.customer.len();
        self.sink.take(&KeptRows {
            customer: &self.customer,
            invoice: has_invoices.then_some(&self.invoice[..]),
            date: &self.date,
            amount: &self.amount,
            quantity: has_quantity.then_some(&self.quantity[..]),
            texts: &self.texts,
        });
    }
}

/// A kept row's values in every column, hashed to 128 bits: two rows are duplicates when their
/// fingerprints are equal. (For two of 10^9 distinct rows to share one by chance is about as
/// likely as 10^-20.)
pub(crate) struct Fingerprint {
    bytes: Vec<u8>,
}

impl Fingerprint {
    pub(crate) fn new() -> Self {
        Fingerprint {
            bytes: Vec::with_capacity(256),
        }
    }

    /// The fingerprint of one kept row, from every column of the loader's kept table in one order
    /// for every format (so that a row repeated across a CSV and a Parquet file is found): the
    /// customer and invoice ids (`None`: the input has no invoices), the date, the numbers the file
    /// has (quantity, price, amount, in that order) and the text columns (product, description,
    /// dimensions; `None` is null).
    pub(crate) fn row<'t>(
        &mut self,
        (customer, invoice): (&str, Option<&str>),
        date: i64,
        numbers: impl IntoIterator<Item = f64>,
        texts: impl IntoIterator<Item = Option<&'t str>>,
    ) -> u128 {
        self.bytes.clear();
        self.text(Some(customer));
        if invoice.is_some() {
            self.text(invoice);
        }
        self.int(date);
        for number in numbers {
            self.float(number);
        }
        for text in texts {
            self.text(text);
        }
        self.finish()
    }

    /// Adds a text value (`None`: null), its length first so that values cannot run together.
    fn text(&mut self, value: Option<&str>) {
        match value {
            Some(text) => {
                self.bytes
                    .extend_from_slice(&(text.len() as u32).to_le_bytes());
                self.bytes.extend_from_slice(text.as_bytes());
            }
            None => self.bytes.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
    }

    /// Adds a whole number.
    fn int(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Adds a number, equal for equal values as polars compares them (0.0 and -0.0 are one).
    fn float(&mut self, value: f64) {
        let value = if value == 0.0 { 0.0 } else { value };
        self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
    }

    /// The row's fingerprint.
    fn finish(&self) -> u128 {
        xxhash_rust::xxh3::xxh3_128(&self.bytes)
    }
}

/// The fingerprints seen so far, in shards that grow one at a time (growing one table of 10^8
/// fingerprints would hold the old and the new table, 3.4 GB, at once).
struct FingerprintSet {
    shards: Vec<HashSet<u128, PassThrough>>,
}

const SHARD_BITS: u32 = 6;

impl FingerprintSet {
    fn new() -> Self {
        FingerprintSet {
            shards: (0..1 << SHARD_BITS)
                .map(|_| HashSet::with_hasher(PassThrough))
                .collect(),
        }
    }

    /// Whether `fingerprint` is new (and now seen).
    fn insert(&mut self, fingerprint: u128) -> bool {
        let shard = (fingerprint >> (128 - SHARD_BITS)) as usize;
        self.shards[shard].insert(fingerprint)
    }
}

/// Fingerprints are hashes already: the table uses their low bits as they are.
#[derive(Clone, Copy, Default)]
struct PassThrough;

impl BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;
    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher(0)
    }
}

#[derive(Default)]
struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u128 keys reach here; this keeps the hasher total for anything else.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_values_apart_and_equal_values_together() {
        let print = |values: &[Option<&str>], number: f64| {
            Fingerprint::new().row(("c", None), 0, [number], values.iter().copied())
        };
        assert_eq!(
            print(&[Some("a"), None], 1.0),
            print(&[Some("a"), None], 1.0)
        );
        assert_ne!(
            print(&[Some("ab"), Some("")], 1.0),
            print(&[Some("a"), Some("b")], 1.0)
        );
        assert_ne!(
            print(&[Some("a"), None], 1.0),
            print(&[Some("a"), Some("")], 1.0)
        );
        assert_eq!(print(&[], 0.0), print(&[], -0.0));
        assert_ne!(print(&[], 1.0), print(&[], 2.0));
    }

    #[test]
    fn the_set_keeps_first_sightings_only() {
        let mut set = FingerprintSet::new();
        assert!(set.insert(7));
        assert!(set.insert(u128::MAX));
        assert!(!set.insert(7));
        assert!(!set.insert(u128::MAX));
        assert!(set.insert(8));
    }
}
