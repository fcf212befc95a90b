//! A Parquet file read for [`crate::data::stream`]: row group after row group, each batch typed
//! and cleaned by the loader's own steps, then handed on.

use std::path::Path;

use polars::prelude::*;

use crate::data::clean::{Present, ReasonCounts, cols};
use crate::data::dates::{DateEvidence, DateFormat};
use crate::data::interner::Interner;
use crate::data::roles::ResolvedRoles;
use crate::data::source::{FileFormat, RawTable, SourceInfo};
use crate::data::stream::{CleanBlock, FileRead, Fingerprint, RowSink, Stream, kept_columns};
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
    let needed = needed_columns(&roles);
    let mut evidence = dated_as_text.then(DateEvidence::default);
    let mut read_with = options.date_format.clone();
    let mut offset = 0;
    for rows in batches(metadata.row_groups.iter().map(|g| g.num_rows())) {
        let frame = ParquetReader::new(std::fs::File::open(path).ok()?)
            .with_columns(Some(needed.clone()))
            .with_slice(Some((offset, rows)))
            .finish()
            .ok()?;
        offset += rows;
        if let Some(file_evidence) = &mut evidence {
            let batch_evidence = date_evidence(&frame, &roles.date)?;
            read_with
                .get_or_insert_with(|| batch_evidence.decide().unwrap_or(DateFormat::MonthFirst));
            file_evidence.merge(batch_evidence);
        }
        stream.take(clean_batch(frame, path, options, read_with.as_ref())?);
    }
    Some(FileRead {
        evidence,
        read_with,
        columns: kept_columns(&roles),
    })
}

/// The columns the roles read.
fn needed_columns(roles: &ResolvedRoles) -> Vec<String> {
    let mut needed: Vec<String> = Vec::new();
    let optional = [
        &roles.invoice,
        &roles.quantity,
        &roles.price,
        &roles.amount,
        &roles.product,
        &roles.description,
    ];
    let all = [Some(&roles.customer), Some(&roles.date)]
        .into_iter()
        .flatten()
        .chain(optional.into_iter().flatten())
        .chain(&roles.dimensions);
    for column in all {
        if !needed.contains(column) {
            needed.push(column.clone());
        }
    }
    needed
}

/// Row counts of the batches: whole row groups, joined until each has [`BATCH_ROWS`].
fn batches(row_groups: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rows = 0;
    for group in row_groups {
        rows += group;
        if rows >= BATCH_ROWS {
            out.push(rows);
            rows = 0;
        }
    }
    if rows > 0 {
        out.push(rows);
    }
    out
}

/// What a batch's date values say about their layout, row by row.
fn date_evidence(frame: &DataFrame, column: &str) -> Option<DateEvidence> {
    let text = frame.column(column).ok()?.cast(&DataType::String).ok()?;
    let mut evidence = DateEvidence::default();
    for value in text.str().ok()?.iter().flatten() {
        evidence.add(value);
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
        source: SourceInfo {
            path: path.to_path_buf(),
            format: FileFormat::Parquet,
            gzip: false,
            encoding: None,
            delimiter: None,
            bom: false,
            replaced: None,
            rejected: Default::default(),
            files: Vec::new(),
        },
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
    let mut block = CleanBlock {
        customers: Interner::new(),
        invoices: invoice_ids.as_ref().map(|_| Interner::new()),
        customer: Vec::with_capacity(rows),
        invoice: Vec::with_capacity(if invoice_ids.is_some() { rows } else { 0 }),
        date: Vec::with_capacity(rows),
        amount,
        fingerprint: Vec::with_capacity(if options.rules.drop_duplicates {
            rows
        } else {
            0
        }),
        rows_in: cleaned.accounting.rows_in,
        counts,
    };
    let mut print = Fingerprint::new();
    for row in 0..rows {
        // Kept rows have a customer and a date (and an invoice when the file has them).
        let customer = customer_ids[row]?;
        let day = date.get(row)?;
        block.customer.push(block.customers.intern(customer));
        block.date.push(day);
        let invoice = match (&invoice_ids, &mut block.invoices) {
            (Some(ids), Some(interner)) => {
                let id = ids[row]?;
                block.invoice.push(interner.intern(id));
                Some(id)
            }
            _ => None,
        };
        if !options.rules.drop_duplicates {
            continue;
        }
        print.clear();
        print.text(Some(customer));
        if invoice_ids.is_some() {
            print.text(invoice);
        }
        print.int(day);
        for values in &numbers {
            print.float(values[row]);
        }
        for values in &text_columns {
            print.text(values[row]);
        }
        block.fingerprint.push(print.finish());
    }
    Some(block)
}
