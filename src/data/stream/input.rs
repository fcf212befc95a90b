//! The input-wide stage: blocks taken in file order, their ids coded against the input's
//! distinct customers and invoices, exact duplicates dropped, every row counted, and the rows
//! left handed to the sink. The readers ([`crate::data::fast_csv::stream`],
//! [`crate::data::parquet_stream`]) call down into it block by block; [`super::stream_files`]
//! drives them file by file.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;

use crate::data::clean::{self, DropReason, Present, ReasonCounts, RowAccounting, cols};
use crate::data::dates::{DateEvidence, DateFormat};
use crate::data::interner::Interner;
use crate::data::roles::ResolvedRoles;
use crate::data::row_block::{BlockFacts, CleanBlock};
use crate::data::row_sink::{KeptRows, NO_VALUE, RowSink, SinkColumns};
use crate::data::sanity::ParseFailure;
use crate::data::source::SourceInfo;

/// An input read by [`stream`](super::stream): the sink that took its rows, and what the reading
/// found.
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
    /// Each file's facts, when they were gathered ([`stream_files`](super::stream_files)).
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
    /// file's `Country`): what
    /// [`Transactions::roles`](crate::data::transactions::Transactions::roles) gives for the
    /// loaded input.
    pub fn roles(&self) -> Option<&ResolvedRoles> {
        self.roles.as_ref()
    }
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
    pub(super) fn new(sink: S, drop_duplicates: bool, raw_facts: bool) -> Self {
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
    pub(super) fn file_facts(&mut self, done: &FileRead, before: (usize, usize)) -> FileFacts {
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

    /// Rows read and kept so far.
    pub(super) fn rows(&self) -> (usize, usize) {
        (self.rows_in, self.rows_kept)
    }

    /// The input read: `None` when no row was kept (the loader explains why).
    pub(super) fn finish(
        self,
        files: Vec<(PathBuf, Option<DateFormat>)>,
        passes: usize,
        file_facts: Vec<FileFacts>,
        roles: Option<ResolvedRoles>,
    ) -> Option<Streamed<S>> {
        if self.rows_kept == 0 {
            return None;
        }
        Some(Streamed {
            sink: self.sink,
            customers: self.customers,
            accounting: clean::accounting(self.rows_in, self.rows_kept, self.counts),
            has_invoices: self.has_invoices.unwrap_or(false),
            files,
            passes,
            has_quantity: self.has_quantity.unwrap_or(false),
            texts: self.text_values.unwrap_or_default(),
            file_facts,
            roles,
        })
    }

    /// Starts a file: its raw facts are counted from here.
    pub(super) fn start_file(&mut self) {
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
        // Without duplicates to look for every row is kept: each column is copied on its own.
        let kept: Option<Vec<usize>> = self.seen.as_mut().map(|seen| {
            (0..block.customer.len())
                .filter(|&row| seen.insert(block.fingerprint[row]))
                .collect()
        });
        if let Some(kept) = &kept {
            self.counts[DropReason::Duplicate as usize] += block.customer.len() - kept.len();
        }
        copy_kept(&mut self.customer, &block.customer, kept.as_deref(), |c| {
            customers[c as usize]
        });
        if has_invoices {
            copy_kept(&mut self.invoice, &block.invoice, kept.as_deref(), |i| {
                invoices[i as usize]
            });
        }
        copy_kept(&mut self.date, &block.date, kept.as_deref(), |date| date);
        copy_kept(&mut self.amount, &block.amount, kept.as_deref(), |amount| {
            amount
        });
        if let Some(quantity) = &block.quantity {
            copy_kept(&mut self.quantity, quantity, kept.as_deref(), |q| q);
        }
        for ((codes, block_codes), input_codes) in
            self.texts.iter_mut().zip(&block.texts).zip(&text_codes)
        {
            match (block_codes, input_codes) {
                (Some(block_codes), Some(input_codes)) => copy_kept(
                    codes,
                    &block_codes.codes,
                    kept.as_deref(),
                    |code| match code {
                        NO_VALUE => NO_VALUE,
                        code => input_codes[code as usize],
                    },
                ),
                _ => codes.resize(self.customer.len(), NO_VALUE),
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

/// Appends `map` of the `kept` rows of `block` (every row when `None`) to `out`.
#[inline]
fn copy_kept<T: Copy, U>(
    out: &mut Vec<U>,
    block: &[T],
    kept: Option<&[usize]>,
    map: impl Fn(T) -> U,
) {
    match kept {
        None => out.extend(block.iter().map(|&value| map(value))),
        Some(kept) => out.extend(kept.iter().map(|&row| map(block[row]))),
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
    fn the_set_keeps_first_sightings_only() {
        let mut set = FingerprintSet::new();
        assert!(set.insert(7));
        assert!(set.insert(u128::MAX));
        assert!(!set.insert(7));
        assert!(!set.insert(u128::MAX));
        assert!(set.insert(8));
    }
}
