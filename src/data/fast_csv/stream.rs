//! A delimited file read for [`crate::data::stream`]: the blocks the fast path parses are cleaned
//! on the parsing threads and handed on in file order, instead of being kept until the end.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use super::{
    Chunk, Header, PARSERS, Unsupported, date_facts, fast_delimiter, parse_chunk, read_blocks,
};
use crate::data::clean::{self, Facts};
use crate::data::dates::{self, DateEvidence, DateFormat, DateKind};
use crate::data::interner::NULL;
use crate::data::source::TextEncoding;
use crate::data::stream::{CleanBlock, FileRead, Fingerprint, RowSink, Stream, kept_columns};
use crate::data::transactions::LoadOptions;

/// What every block's cleaning needs.
struct Rules<'o> {
    options: &'o LoadOptions,
    cancellation: Option<regex::Regex>,
    enforced: Facts,
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
    read.ok()
}

/// Reads `source` in blocks on one thread, parses and cleans them on [`PARSERS`] others, and gives
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
    std::thread::scope(|scope| {
        let (block_sender, blocks) = mpsc::sync_channel(4);
        scope.spawn(move || read_blocks(source, block_sender, block));
        let first = blocks.recv().map_err(|_| Other)?.map_err(|_| Other)?;
        let first = String::from_utf8(first).map_err(|_| Unsupported::NotUtf8)?;
        let (mut header, body) = Header::read(&first, delimiter, path, options).ok_or(Other)?;
        // Text columns only tell duplicates apart: without that rule they are not read.
        if !options.rules.drop_duplicates {
            header.layout.texts.clear();
        }
        // JSON baskets become product rows after duplicates are found: the loader does that.
        if header.roles.basket.is_some() {
            return Err(Other);
        }
        let columns = kept_columns(&header.roles);
        let rules = Rules {
            options,
            cancellation: (options.rules.drop_cancellations && header.roles.invoice.is_some())
                .then(|| clean::cancellation_regex(&options.rules))
                .transpose()
                .map_err(|_| Other)?,
            enforced: clean::enforced(&options.rules),
        };
        let read_with: Arc<OnceLock<DateFormat>> = Arc::new(OnceLock::new());
        if let Some(format) = &options.date_format {
            let _ = read_with.set(format.clone());
        }
        let (header, rules) = (Arc::new(header), Arc::new(rules));
        // A block that could not be read (`Err`) stops the file.
        type Job = (usize, Result<Vec<u8>, ()>, usize);
        let (job_sender, jobs) = mpsc::sync_channel::<Job>(PARSERS);
        let jobs = Arc::new(Mutex::new(jobs));
        let (done_sender, done) = mpsc::sync_channel(PARSERS * 2);
        for _ in 0..PARSERS {
            let (jobs, header, rules) =
                (Arc::clone(&jobs), Arc::clone(&header), Arc::clone(&rules));
            let (done_sender, read_with) = (done_sender.clone(), Arc::clone(&read_with));
            scope.spawn(move || {
                loop {
                    let job = match jobs.lock() {
                        Ok(jobs) => jobs.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, block, from)) = job else {
                        return;
                    };
                    let chunk = block
                        .map_err(|()| Other)
                        .and_then(|block| {
                            String::from_utf8(block).map_err(|_| Unsupported::NotUtf8)
                        })
                        .and_then(|text| parse_chunk(&text, from, &header).ok_or(Other));
                    let cleaned = chunk.map(|chunk| {
                        let evidence = evidence(&chunk);
                        if index == 0 {
                            // The first block suggests the layout the others are read with; a
                            // column it cannot settle is read month-first until the file says.
                            let _ =
                                read_with.set(evidence.decide().unwrap_or(DateFormat::MonthFirst));
                        }
                        let format = read_with.wait();
                        (clean_chunk(chunk, &header, format, &rules), evidence)
                    });
                    if index == 0 && cleaned.is_err() {
                        // Nobody may wait for a layout that will not come.
                        let _ = read_with.set(DateFormat::MonthFirst);
                    }
                    if done_sender.send((index, cleaned)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_sender);
        job_sender
            .send((0, Ok(first.into_bytes()), body))
            .map_err(|_| Other)?;
        scope.spawn(move || {
            for (index, block) in blocks.into_iter().enumerate() {
                let failed = block.is_err();
                if job_sender
                    .send((index + 1, block.map_err(|_| ()), 0))
                    .is_err()
                    || failed
                {
                    return;
                }
            }
        });
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        let mut file_evidence = DateEvidence::default();
        for (index, cleaned) in done {
            waiting.insert(index, cleaned?);
            while let Some((block, evidence)) = waiting.remove(&next) {
                file_evidence.merge(evidence);
                stream.take(block);
                next += 1;
            }
        }
        if !waiting.is_empty() {
            return Err(Other);
        }
        Ok(FileRead {
            evidence: Some(file_evidence),
            read_with: Some(read_with.get().cloned().ok_or(Other)?),
            columns,
        })
    })
}

/// What a block's date values say about the layout (see [`DateEvidence`]), every row's value in
/// order, as the loader's detection sees them.
fn evidence(chunk: &Chunk) -> DateEvidence {
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

/// Applies the cleaning rules to a block's rows (duplicates aside) and keeps what the kept rows
/// need downstream, with their fingerprints.
fn clean_chunk(
    mut chunk: Chunk,
    header: &Header,
    format: &DateFormat,
    rules: &Rules,
) -> CleanBlock {
    let options = rules.options;
    let parsed: Vec<Option<i64>> = chunk
        .dates
        .values()
        .map(|value| dates::parse_with_fallbacks(format, &options.other_date_formats, value))
        .collect();
    let cancelled: Vec<bool> = match &rules.cancellation {
        Some(pattern) => chunk
            .invoices
            .values()
            .map(|id| pattern.is_match(id))
            .collect(),
        None => Vec::new(),
    };
    let (keep, counts) = chunk.fates(&date_facts(&parsed, options), &cancelled, rules.enforced);
    let layout = &header.layout;
    let kept = keep.iter().filter(|k| **k).count();
    let mut block = CleanBlock {
        customers: std::mem::take(&mut chunk.customers),
        invoices: None,
        customer: Vec::with_capacity(kept),
        invoice: Vec::with_capacity(if layout.invoice.is_some() { kept } else { 0 }),
        date: Vec::with_capacity(kept),
        amount: Vec::with_capacity(kept),
        fingerprint: Vec::with_capacity(if options.rules.drop_duplicates {
            kept
        } else {
            0
        }),
        rows_in: chunk.facts.len(),
        counts,
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
        if !options.rules.drop_duplicates {
            continue;
        }
        // Every column of the loader's kept table: ids, date, numbers and texts.
        print.clear();
        print.text(Some(block.customers.get(customer)));
        if layout.invoice.is_some() {
            print.text(Some(chunk.invoices.get(chunk.invoice[row])));
        }
        print.int(date);
        for &(k, _) in &layout.numbers {
            print.float(chunk.numbers[k][row]);
        }
        for values in &chunk.text {
            use polars_arrow::array::Array;
            print.text(values.is_valid(row).then(|| values.value(row)));
        }
        block.fingerprint.push(print.finish());
    }
    if layout.invoice.is_some() {
        block.invoices = Some(std::mem::take(&mut chunk.invoices));
    }
    block
}
