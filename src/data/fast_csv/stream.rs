//! A delimited file read for [`crate::data::stream`]: the blocks the fast path parses are cleaned
//! on the parsing threads and handed on in file order, instead of being kept until the end.

use std::path::Path;
use std::sync::OnceLock;

use super::{Chunk, Header, Unsupported, fast_delimiter, parse_in_order};
use crate::data::clean::DropReason;
use crate::data::dates::{DateEvidence, DateFormat};
use crate::data::options::LoadOptions;
use crate::data::row_block::{BlockFacts, Rules, block_facts, clean_chunk, evidence};
use crate::data::row_sink::{RowSink, SinkColumns};
use crate::data::source::{FileFormat, SourceInfo, TextEncoding};
use crate::data::stream::input::{FileRead, Stream, kept_columns};

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
                delimited_block_facts(chunk, header, parsed)
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

/// What a block says before cleaning, for the sanity report: missing values per file column,
/// unreadable dates and numbers, blank lines.
fn delimited_block_facts(chunk: &Chunk, header: &Header, parsed: &[Option<i64>]) -> BlockFacts {
    let blank = DropReason::BlankRow.bit();
    let missing_values = header
        .names
        .iter()
        .cloned()
        .zip(chunk.missing.iter().copied())
        .collect();
    let blank_rows = (0..chunk.facts.len())
        .filter(|&row| chunk.facts[row] == blank)
        .collect();
    block_facts(chunk, &header.roles, parsed, missing_values, blank_rows)
}
