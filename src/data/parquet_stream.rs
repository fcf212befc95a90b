//! A Parquet file read for [`crate::data::stream`]: row group after row group, each batch typed
//! and cleaned by the loader's own steps, then handed on.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, mpsc};

use polars::prelude::*;

use crate::data::clean::{Present, ReasonCounts, cols};
use crate::data::dates::{DateEvidence, DateFormat, DateKind};
use crate::data::interner::Interner;
use crate::data::roles::{ColumnRoles, ResolvedRoles};
use crate::data::source::{FileFormat, RawTable, SourceInfo};
use crate::data::stream::{
    BlockFacts, CleanBlock, FileRead, Fingerprint, RowSink, SinkColumns, Stream, TextCodes,
    kept_columns, text_indices,
};
use crate::data::transactions::{LoadOptions, Transactions, text_roles};

/// Rows read at a time at least (whole row groups are read, so more when they are larger).
const BATCH_ROWS: usize = 1 << 18;

/// Reads one Parquet file into `stream`, or `None` when it needs the in-memory loader.
pub(crate) fn stream_file<S: RowSink>(
    path: &Path,
    options: &LoadOptions,
    stream: &mut Stream<S>,
) -> Option<FileRead> {
    let mut reader = ParquetReader::new(std::fs::File::open(path).ok()?);
    let schema = reader.schema().ok()?;
    let metadata = reader.get_metadata().ok()?.clone();
    let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    let roles = options.roles.resolve(&names, path).ok()?;
    // JSON baskets become product rows after duplicates are found: the loader does that.
    if roles.basket.is_some() {
        return None;
    }
    let dated_as_text = !matches!(
        schema.get(roles.date.as_str())?.dtype(),
        ArrowDataType::Date32 | ArrowDataType::Date64 | ArrowDataType::Timestamp(_, _)
    );
    let wanted = stream.columns().clone();
    let needed = needed_columns(
        &roles,
        options.rules.drop_duplicates || !wanted.texts.is_empty(),
    );
    // The batches read only `needed`: their roles are the ones resolved on the whole file.
    let batch_options = LoadOptions {
        roles: ColumnRoles {
            customer: Some(roles.customer.clone()),
            invoice: roles.invoice.clone(),
            date: Some(roles.date.clone()),
            quantity: roles.quantity.clone(),
            price: roles.price.clone(),
            amount: roles.amount.clone(),
            product: roles.product.clone().filter(|c| needed.contains(c)),
            description: roles.description.clone().filter(|c| needed.contains(c)),
            dimensions: roles.dimensions.clone(),
            basket_json: None,
        },
        ..options.clone()
    };
    let mut start = 0;
    let batches: Vec<(usize, usize)> = batches(metadata.row_groups.iter().map(|g| g.num_rows()))
        .into_iter()
        .map(|rows| {
            start += rows;
            (start - rows, rows)
        })
        .collect();
    let read_with: OnceLock<Option<DateFormat>> = OnceLock::new();
    if options.date_format.is_some() || !dated_as_text {
        let _ = read_with.set(options.date_format.clone());
    }
    let job = Job {
        path,
        metadata: metadata.clone(),
        needed: &needed,
        date: &roles.date,
        dated_as_text,
        options: &batch_options,
        drop_duplicates: options.rules.drop_duplicates,
        wanted: &wanted,
        raw_facts: stream.raw_facts(),
        read_with: &read_with,
    };
    let mut evidence = dated_as_text.then(DateEvidence::default);
    let next = AtomicUsize::new(0);
    let read = std::thread::scope(|scope| -> Option<()> {
        let (done_sender, done) = mpsc::sync_channel(PARALLEL_BATCHES);
        for _ in 0..PARALLEL_BATCHES {
            let (done_sender, next, batches, job) = (done_sender.clone(), &next, &batches, &job);
            scope.spawn(move || {
                while let Some(&(offset, rows)) = batches.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    let index = offset;
                    let cleaned = job.run(offset, rows);
                    if done_sender.send((index, cleaned)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_sender);
        // In file order: a batch's offset is where it starts.
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        for (offset, cleaned) in done {
            waiting.insert(offset, cleaned?);
            while let Some((rows, block, batch_evidence)) = waiting.remove(&expected) {
                if let (Some(file), Some(batch)) = (&mut evidence, batch_evidence) {
                    file.merge(batch);
                }
                stream.take(block);
                expected += rows;
            }
        }
        waiting.is_empty().then_some(())
    });
    read?;
    Some(FileRead {
        evidence,
        read_with: read_with.get().cloned().flatten(),
        columns: kept_columns(&roles),
        source: SourceInfo::typed(path, FileFormat::Parquet, false),
        roles,
    })
}

/// Batches read and cleaned at once.
const PARALLEL_BATCHES: usize = 2;

/// What reading and cleaning a batch needs.
struct Job<'a> {
    path: &'a Path,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
    needed: &'a [String],
    date: &'a str,
    dated_as_text: bool,
    options: &'a LoadOptions,
    drop_duplicates: bool,
    /// What the sink reads besides customer, invoice, date and amount.
    wanted: &'a SinkColumns,
    /// Whether each batch's facts are gathered for the sanity report (every column is then read:
    /// the report counts missing values in all of them).
    raw_facts: bool,
    /// The date layout the batches are read with: given, or the one the first batch suggests.
    read_with: &'a OnceLock<Option<DateFormat>>,
}

impl Job<'_> {
    /// Reads `rows` rows from `offset` and cleans them; gives the rows, the block and what the
    /// batch's dates say.
    fn run(&self, offset: usize, rows: usize) -> Option<(usize, CleanBlock, Option<DateEvidence>)> {
        let first = offset == 0;
        let outcome = self.read_and_clean(offset, rows);
        if first && self.read_with.get().is_none() {
            // The first batch failed before suggesting a layout: release the others.
            let _ = self.read_with.set(Some(DateFormat::MonthFirst));
        }
        outcome
    }

    fn read_and_clean(
        &self,
        offset: usize,
        rows: usize,
    ) -> Option<(usize, CleanBlock, Option<DateEvidence>)> {
        let mut reader = ParquetReader::new(std::fs::File::open(self.path).ok()?);
        // The footer is read once per file, not once per batch.
        reader.set_metadata(self.metadata.clone());
        let columns = (!self.raw_facts).then(|| self.needed.to_vec());
        let frame = reader
            .with_columns(columns)
            .with_slice(Some((offset, rows)))
            .finish()
            .ok()?;
        let evidence = match self.dated_as_text {
            true => Some(date_evidence(&frame, self.date)?),
            false => None,
        };
        if offset == 0
            && let Some(evidence) = &evidence
        {
            let _ = self
                .read_with
                .set(Some(evidence.decide().unwrap_or(DateFormat::MonthFirst)));
        }
        let format = self.read_with.wait().clone();
        let block = clean_batch(
            frame,
            self.path,
            self.options,
            format.as_ref(),
            self.drop_duplicates,
            self.wanted,
            self.raw_facts,
        )?;
        Some((rows, block, evidence))
    }
}

/// The columns the roles read; product and description tell duplicates apart and may be read by
/// the sink, so they are left unread when neither needs them (`texts`).
fn needed_columns(roles: &ResolvedRoles, texts: bool) -> Vec<String> {
    let mut needed: Vec<String> = Vec::new();
    let optional = [&roles.invoice, &roles.quantity, &roles.price, &roles.amount];
    let texts = [&roles.product, &roles.description]
        .into_iter()
        .filter(|_| texts)
        .flatten();
    let all = [Some(&roles.customer), Some(&roles.date)]
        .into_iter()
        .flatten()
        .chain(optional.into_iter().flatten())
        .chain(texts)
        .chain(&roles.dimensions);
    for column in all {
        if !needed.contains(column) {
            needed.push(column.clone());
        }
    }
    needed
}

/// Row counts of the batches: small row groups joined until a batch has [`BATCH_ROWS`], large ones
/// read in slices of about that many (two batches are in memory at once).
fn batches(row_groups: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rows = 0;
    for group in row_groups {
        if group > BATCH_ROWS {
            if rows > 0 {
                out.push(std::mem::take(&mut rows));
            }
            let slices = group.div_ceil(BATCH_ROWS);
            let size = group.div_ceil(slices);
            let mut left = group;
            while left > 0 {
                out.push(size.min(left));
                left -= size.min(left);
            }
            continue;
        }
        rows += group;
        if rows >= BATCH_ROWS {
            out.push(std::mem::take(&mut rows));
        }
    }
    if rows > 0 {
        out.push(rows);
    }
    out
}

/// What a batch's date values say about their layout, every row's value in order (a run of
/// equal values, the lines of one invoice, is classified once).
fn date_evidence(frame: &DataFrame, column: &str) -> Option<DateEvidence> {
    let text = frame.column(column).ok()?.cast(&DataType::String).ok()?;
    let mut evidence = DateEvidence::default();
    let mut run: Option<(&str, DateKind, usize)> = None;
    for value in text.str().ok()?.iter().flatten() {
        match &mut run {
            Some((previous, kind, times)) if *previous == value => {
                evidence.lead(*kind);
                *times += 1;
            }
            _ => {
                if let Some((previous, kind, times)) = run {
                    evidence.count(kind, previous, times);
                }
                let kind = DateKind::of(value);
                evidence.lead(kind);
                run = Some((value, kind, 1));
            }
        }
    }
    if let Some((previous, kind, times)) = run {
        evidence.count(kind, previous, times);
    }
    Some(evidence)
}

/// Types and cleans a batch with the loader's steps (duplicates aside) and keeps what the kept
/// rows need downstream, with their fingerprints.
fn clean_batch(
    frame: DataFrame,
    path: &Path,
    options: &LoadOptions,
    date_format: Option<&DateFormat>,
    drop_duplicates: bool,
    wanted: &SinkColumns,
    raw_facts: bool,
) -> Option<CleanBlock> {
    let batch_options = LoadOptions {
        date_format: date_format.cloned(),
        rules: crate::data::clean::CleaningRules {
            drop_duplicates: false,
            ..options.rules.clone()
        },
        ..options.clone()
    };
    let raw = RawTable {
        frame,
        source: SourceInfo::typed(path, FileFormat::Parquet, false),
    };
    // A batch the loader refuses on its own (every row blank, say): the whole file goes to it.
    let cleaned = Transactions::clean_raw(raw, &batch_options).ok()?;
    let kept = &cleaned.kept;
    let roles = &cleaned.roles;
    let mut counts: ReasonCounts = Default::default();
    for &(reason, rows) in &cleaned.accounting.dropped {
        counts[reason as usize] += rows;
    }
    let texts = |name: &str| -> Option<Vec<Option<&str>>> {
        Some(kept.column(name).ok()?.str().ok()?.iter().collect())
    };
    let customer_ids = texts(cols::CUSTOMER)?;
    let invoice_ids = match roles.invoice {
        Some(_) => Some(texts(cols::INVOICE)?),
        None => None,
    };
    let date = kept
        .column(cols::DATE)
        .ok()?
        .as_materialized_series()
        .datetime()
        .ok()?
        .physical()
        .clone();
    let floats = |name: &str| -> Option<Vec<f64>> {
        let column = kept.column(name).ok()?.f64().ok()?.rechunk();
        Some(column.cont_slice().ok()?.to_vec())
    };
    let amount = floats(cols::AMOUNT)?;
    let present = Present::of(roles);
    // The numbers a kept row is compared on, as the delimited reader hashes them.
    let mut numbers = Vec::new();
    for (name, is_present) in [
        (cols::QUANTITY, present.quantity),
        (cols::PRICE, present.price),
        (cols::AMOUNT, present.amount_column),
    ] {
        if is_present {
            numbers.push(floats(name)?);
        }
    }
    let text_columns = text_roles(roles)
        .into_iter()
        .map(|(_, name)| texts(name))
        .collect::<Option<Vec<_>>>()?;
    let rows = kept.height();
    let quantity = match wanted.quantity && present.quantity {
        true => Some(floats(cols::QUANTITY)?),
        false => None,
    };
    let mut wanted_texts = Vec::with_capacity(wanted.texts.len());
    for index in text_indices(roles, wanted) {
        wanted_texts.push(match index {
            Some(index) => {
                let mut codes = TextCodes::with_capacity(rows);
                for &value in &text_columns[index] {
                    codes.push(value);
                }
                Some(codes)
            }
            None => None,
        });
    }
    let mut block = CleanBlock {
        customers: Interner::new(),
        invoices: invoice_ids.as_ref().map(|_| Interner::new()),
        customer: Vec::with_capacity(rows),
        invoice: Vec::with_capacity(if invoice_ids.is_some() { rows } else { 0 }),
        date: Vec::with_capacity(rows),
        amount,
        quantity,
        texts: wanted_texts,
        facts: raw_facts.then(|| BlockFacts {
            missing_values: cleaned.missing_values.clone(),
            parse_failures: cleaned.parse_failures.clone(),
            blank_rows: Vec::new(),
        }),
        fingerprint: Vec::with_capacity(if options.rules.drop_duplicates {
            rows
        } else {
            0
        }),
        rows_in: cleaned.accounting.rows_in,
        counts,
    };
    let mut print = Fingerprint::new();
    // The lines of one invoice repeat the customer and the invoice: a run is coded once.
    let mut runs: [Option<(&str, u32)>; 2] = [None, None];
    for row in 0..rows {
        // Kept rows have a customer and a date (and an invoice when the file has them).
        let customer = customer_ids[row]?;
        let day = date.get(row)?;
        block
            .customer
            .push(coded(&mut runs[0], &mut block.customers, customer));
        block.date.push(day);
        let invoice = match (&invoice_ids, &mut block.invoices) {
            (Some(ids), Some(interner)) => {
                let id = ids[row]?;
                block.invoice.push(coded(&mut runs[1], interner, id));
                Some(id)
            }
            _ => None,
        };
        if !drop_duplicates {
            continue;
        }
        block.fingerprint.push(print.row(
            (customer, invoice),
            day,
            numbers.iter().map(|values| values[row]),
            text_columns.iter().map(|values| values[row]),
        ));
    }
    Some(block)
}

/// The code of `id`, looked up only when it differs from the previous one (`run`).
fn coded<'a>(run: &mut Option<(&'a str, u32)>, interner: &mut Interner, id: &'a str) -> u32 {
    match *run {
        Some((previous, code)) if previous == id => code,
        _ => {
            let code = interner.intern(id);
            *run = Some((id, code));
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_join_small_row_groups_and_slice_large_ones() {
        let b = BATCH_ROWS;
        assert_eq!(batches([b / 2, b / 2, b / 4].into_iter()), vec![b, b / 4]);
        assert_eq!(batches([b + 2].into_iter()), vec![b / 2 + 1, b / 2 + 1]);
        assert_eq!(
            batches([10, 4 * b, 10].into_iter()),
            vec![10, b, b, b, b, 10]
        );
        assert_eq!(batches(std::iter::empty()), Vec::<usize>::new());
    }
}
