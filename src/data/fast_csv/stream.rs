//! A delimited file read for [`crate::data::stream`]: the blocks the fast path parses are cleaned
//! on the parsing threads and handed on in file order, instead of being kept until the end.

use std::path::Path;
use std::sync::OnceLock;

use polars_arrow::array::Array;

use super::finish::parse_failures;
use super::{Chunk, Header, Layout, Unsupported, date_facts, fast_delimiter, parse_in_order};
use crate::data::clean::{self, DropReason, Facts};
use crate::data::dates::{self, DateEvidence, DateFormat, DateKind};
use crate::data::interner::NULL;
use crate::data::roles::ResolvedRoles;
use crate::data::source::{FileFormat, SourceInfo, TextEncoding};
use crate::data::stream::{
    BlockFacts, CleanBlock, FileRead, Fingerprint, RowSink, SinkColumns, Stream, TextCodes,
    kept_columns, text_indices,
};
use crate::data::transactions::LoadOptions;

/// What every block's cleaning needs.
pub(crate) struct Rules<'o> {
    options: &'o LoadOptions,
    cancellation: Option<regex::Regex>,
    enforced: Facts,
    /// Whether the sink reads the quantity and the file has it.
    quantity: bool,
    /// The sink's text columns, as indices into the block's text columns.
    texts: Vec<Option<usize>>,
    /// Whether each block's facts are gathered for the sanity report.
    raw_facts: bool,
}

impl<'o> Rules<'o> {
    /// The rules for a file with `roles` and `layout`, read for a sink that reads `wanted`.
    pub(crate) fn new(
        options: &'o LoadOptions,
        roles: &ResolvedRoles,
        layout: &Layout,
        wanted: &SinkColumns,
        raw_facts: bool,
    ) -> Option<Self> {
        let cancellation = (options.rules.drop_cancellations && roles.invoice.is_some())
            .then(|| clean::cancellation_regex(&options.rules))
            .transpose()
            .ok()?;
        Some(Rules {
            options,
            cancellation,
            enforced: clean::enforced(&options.rules),
            quantity: wanted.quantity && layout.numbers.iter().any(|&(k, _)| k == 0),
            texts: text_indices(roles, wanted),
            raw_facts,
        })
    }
}

/// Reads one file into `stream`, or `None` when it needs the in-memory loader (see
/// [`crate::data::stream`]). Its rows are read with `options.date_format` when it is given, else
/// with the layout its first block suggests; [`FileRead`] says what the whole file suggests.
pub(crate) fn stream_file<S: RowSink>(
    path: &Path,
    options: &LoadOptions,
    stream: &mut Stream<S>,
    block: usize,
) -> Option<FileRead> {
    let delimiter = fast_delimiter(options)?;
    if !matches!(options.read.encoding, None | Some(TextEncoding::Utf8)) {
        return None;
    }
    let mut source = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(path).ok()?);
    let gzip = std::io::BufRead::fill_buf(&mut source)
        .ok()?
        .starts_with(&[0x1f, 0x8b]);
    let read = if gzip {
        stream_blocks(
            flate2::bufread::MultiGzDecoder::new(source),
            delimiter,
            path,
            options,
            stream,
            block,
        )
    } else {
        stream_blocks(source, delimiter, path, options, stream, block)
    };
    let mut read = read.ok()?;
    read.source.gzip = gzip;
    Some(read)
}

/// Reads `source` in blocks on one thread, parses and cleans them on the parsing threads, and gives
/// them to `stream` in file order on this one.
fn stream_blocks<S: RowSink>(
    source: impl std::io::Read + Send,
    delimiter: Option<u8>,
    path: &Path,
    options: &LoadOptions,
    stream: &mut Stream<S>,
    block: usize,
) -> Result<FileRead, Unsupported> {
    use Unsupported::Other;
    let rules: OnceLock<Rules> = OnceLock::new();
    let read_with: OnceLock<DateFormat> = OnceLock::new();
    if let Some(format) = &options.date_format {
        let _ = read_with.set(format.clone());
    }
    let mut file_evidence = DateEvidence::default();
    let wanted: SinkColumns = stream.columns().clone();
    let raw_facts = stream.raw_facts();
    let header = parse_in_order(
        source,
        (delimiter, path, options, block),
        |header| {
            // JSON baskets become product rows after duplicates are found: the loader does that.
            if header.roles.basket.is_some() {
                return Err(Other);
            }
            // Text columns tell duplicates apart: without that rule, and when the sink reads none,
            // they are not read.
            if !options.rules.drop_duplicates && wanted.texts.is_empty() {
                header.layout.texts.clear();
            }
            let file_rules = Rules::new(options, &header.roles, &header.layout, &wanted, raw_facts)
                .ok_or(Other)?;
            let _ = rules.set(file_rules);
            Ok(())
        },
        |index, chunk, header| {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(why) => {
                    if index == 0 {
                        // Nobody may wait for a layout that will not come.
                        let _ = read_with.set(DateFormat::MonthFirst);
                    }
                    return Err(why);
                }
            };
            let evidence = evidence(&chunk);
            if index == 0 {
                // The first block suggests the layout the others are read with; a column it
                // cannot settle is read month-first until the file says.
                let _ = read_with.set(evidence.decide().unwrap_or(DateFormat::MonthFirst));
            }
            let format = read_with.wait();
            let rules = rules.get().ok_or(Other)?;
            let block = clean_chunk(chunk, &header.layout, format, rules, |chunk, parsed| {
                block_facts(chunk, header, parsed)
            });
            Ok((block, evidence))
        },
        |(cleaned, evidence)| {
            file_evidence.merge(evidence);
            stream.take(cleaned);
            Ok(())
        },
    )?;
    Ok(FileRead {
        evidence: Some(file_evidence),
        read_with: Some(read_with.get().cloned().ok_or(Other)?),
        columns: kept_columns(&header.roles),
        source: SourceInfo {
            path: path.to_path_buf(),
            format: FileFormat::Csv,
            // Set by the caller, which knows.
            gzip: false,
            encoding: Some(TextEncoding::Utf8),
            delimiter: Some(header.delimiter as char),
            bom: header.bom,
            replaced: None,
            rejected: Default::default(),
            files: Vec::new(),
        },
        roles: header.roles,
    })
}

/// What a block's date values say about the layout (see [`DateEvidence`]), every row's value in
/// order, as the loader's detection sees them.
pub(crate) fn evidence(chunk: &Chunk) -> DateEvidence {
    let kinds: Vec<DateKind> = chunk.dates.values().map(DateKind::of).collect();
    let mut rows = vec![0usize; kinds.len()];
    let mut evidence = DateEvidence::default();
    for &code in chunk.date.iter().filter(|&&c| c != NULL) {
        rows[code as usize] += 1;
        evidence.lead(kinds[code as usize]);
    }
    for (code, (kind, rows)) in kinds.into_iter().zip(rows).enumerate() {
        evidence.count(kind, chunk.dates.get(code as u32), rows);
    }
    evidence
}

/// What a block says before cleaning, for the sanity report: missing values per file column,
/// unreadable dates and numbers, blank lines.
fn block_facts(chunk: &Chunk, header: &Header, parsed: &[Option<i64>]) -> BlockFacts {
    let blank = DropReason::BlankRow.bit();
    BlockFacts {
        missing_values: header
            .names
            .iter()
            .cloned()
            .zip(chunk.missing.iter().copied())
            .collect(),
        blank_rows: (0..chunk.facts.len())
            .filter(|&row| chunk.facts[row] == blank)
            .collect(),
        ..typed_block_facts(chunk, &header.roles, parsed, Vec::new())
    }
}

/// What a block of a typed source (a Parquet batch) says before cleaning: its `missing_values`
/// per column, counted from its nulls by the caller, and unreadable dates and numbers. Its blank
/// rows are counted among the dropped rows, not as rejected lines (there are no lines).
pub(crate) fn typed_block_facts(
    chunk: &Chunk,
    roles: &ResolvedRoles,
    parsed: &[Option<i64>],
    missing_values: Vec<(String, usize)>,
) -> BlockFacts {
    let mut dates = (0, Vec::new());
    chunk.unreadable_dates(&chunk.dates, parsed, &mut dates);
    BlockFacts {
        missing_values,
        parse_failures: parse_failures(roles, dates, chunk.bad_numbers.clone()),
        blank_rows: Vec::new(),
    }
}

/// Applies the cleaning rules to a block's rows (duplicates aside) and keeps what the kept rows
/// need downstream, with their fingerprints. `block_facts` gives what the block says before
/// cleaning, from the chunk and its parsed dates (by date code), when the rules gather it.
pub(crate) fn clean_chunk(
    mut chunk: Chunk,
    layout: &Layout,
    format: &DateFormat,
    rules: &Rules,
    block_facts: impl FnOnce(&Chunk, &[Option<i64>]) -> BlockFacts,
) -> CleanBlock {
    let options = rules.options;
    let parsed: Vec<Option<i64>> = match &chunk.typed_dates {
        Some(typed) => typed.values.iter().map(|&ms| Some(ms)).collect(),
        None => chunk
            .dates
            .values()
            .map(|value| dates::parse_with_fallbacks(format, &options.other_date_formats, value))
            .collect(),
    };
    // A clone has its own matching state: the parsing threads do not queue for one.
    let cancelled: Vec<bool> = match rules.cancellation.clone() {
        Some(pattern) => chunk
            .invoices
            .values()
            .map(|id| pattern.is_match(id))
            .collect(),
        None => Vec::new(),
    };
    let facts = rules.raw_facts.then(|| block_facts(&chunk, &parsed));
    let (keep, counts) = chunk.fates(&date_facts(&parsed, options), &cancelled, rules.enforced);
    let kept = keep.iter().filter(|k| **k).count();
    let mut block = CleanBlock {
        customers: std::mem::take(&mut chunk.customers),
        invoices: None,
        customer: Vec::with_capacity(kept),
        invoice: Vec::with_capacity(if layout.invoice.is_some() { kept } else { 0 }),
        date: Vec::with_capacity(kept),
        amount: Vec::with_capacity(kept),
        quantity: rules.quantity.then(|| Vec::with_capacity(kept)),
        texts: rules
            .texts
            .iter()
            .map(|t| t.map(|_| TextCodes::with_capacity(kept)))
            .collect(),
        fingerprint: Vec::with_capacity(if options.rules.drop_duplicates {
            kept
        } else {
            0
        }),
        rows_in: chunk.facts.len(),
        counts,
        facts,
    };
    let mut print = Fingerprint::new();
    for (row, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
        let customer = chunk.customer[row];
        // A kept row has a readable date.
        let date = parsed[chunk.date[row] as usize].unwrap_or_default();
        let amount = if layout.amount_column {
            chunk.numbers[2][row]
        } else {
            chunk.numbers[0][row] * chunk.numbers[1][row]
        };
        block.customer.push(customer);
        block.date.push(date);
        block.amount.push(amount);
        if layout.invoice.is_some() {
            block.invoice.push(chunk.invoice[row]);
        }
        if let Some(quantity) = &mut block.quantity {
            quantity.push(chunk.numbers[0][row]);
        }
        for (codes, t) in block.texts.iter_mut().zip(&rules.texts) {
            if let (Some(codes), Some(t)) = (codes, t) {
                let values = &chunk.text[*t];
                codes.push(values.is_valid(row).then(|| values.value(row)));
            }
        }
        if !options.rules.drop_duplicates {
            continue;
        }
        let invoice = layout
            .invoice
            .map(|_| chunk.invoices.get(chunk.invoice[row]));
        block.fingerprint.push(
            print.row(
                (block.customers.get(customer), invoice),
                date,
                layout.numbers.iter().map(|&(k, _)| chunk.numbers[k][row]),
                chunk
                    .text
                    .iter()
                    .map(|values| values.is_valid(row).then(|| values.value(row))),
            ),
        );
    }
    if layout.invoice.is_some() {
        block.invoices = Some(std::mem::take(&mut chunk.invoices));
    }
    block
}
