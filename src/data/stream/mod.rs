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
//! its values ([`DateEvidence`](crate::data::dates::DateEvidence)); the rows are read with the
//! layout the first block suggests, and when the whole file settles on another one, the input is
//! read a second time with that layout.
//!
//! Delimited text (UTF-8, plain or gzip) is read in blocks by the loader's fast path, Parquet row
//! group by row group. Inputs this path does not read (Excel, JSON baskets, text in another
//! encoding, CSV that needs polars' reader, standard input) give `None`: the caller loads them in
//! memory instead.
//!
//! The stages, each a module that calls only the ones below it:
//! - this module drives them: it lists the files, picks each one's reader, and reads the input
//!   again when a file's date layout is settled late;
//! - the readers parse a file in blocks: `data::fast_csv::stream` (delimited text) and
//!   `data::parquet_stream`;
//! - `data::row_block` cleans a block on its own and counts what it drops;
//! - `data::stream::input` takes the cleaned blocks in file order, codes them over the input,
//!   drops duplicates, hands the rows to the sink and, at the end, gives the input read
//!   ([`Streamed`]);
//! - `data::row_sink`: what the sink implements ([`RowSink`]) and takes ([`KeptRows`]).

pub(crate) mod input;

use std::path::Path;

use crate::data::dates::DateFormat;
use crate::data::options::LoadOptions;
use crate::data::source::FileFormat;
use crate::error::Result;
use input::Stream;

pub(crate) use input::FileFacts;
pub use input::Streamed;

pub use crate::data::row_sink::{KeptRows, NO_VALUE, RowSink, SinkColumns, TextColumn};

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
            let before = state.rows();
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
        return Ok(state.finish(used, pass, file_facts, roles));
    }
    Ok(None)
}
