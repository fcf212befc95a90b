//! The streaming path of [`Transactions::load`](crate::data::transactions::Transactions::load) for
//! delimited text.
//!
//! polars' CSV reader builds every column as text before anything is typed, and inflating a gzip
//! stream before parsing leaves the second core idle. Here one thread reads the file (inflating
//! gzip) into blocks that end at a line end while two others parse the blocks, each on its own,
//! keeping only what the roles need: customer, invoice and date as codes into their distinct
//! values (the lines of one invoice repeat them), numbers as `f64`, JSON baskets as product codes,
//! free text copied out. A block is dropped once parsed, so the file's text is never all in
//! memory ([`load_file`]; [`load`] parses text already in memory the same way). The blocks'
//! distinct values are then merged in file order, cleaning looks at codes and numbers, and text
//! columns are gathered for the kept rows only.
//!
//! UTF-8 (with or without a byte-order mark) streams this way. Text in another encoding (Windows-1252
//! detected or given, UTF-16, a forced encoding) is inflated and decoded whole first, as the general
//! path does, and then parsed in blocks the same way. Only the common shape of file takes this
//! path: one record per line (LF or CRLF), every record with as many fields as the header, quotes
//! only around whole fields. For anything else (ragged rows, line breaks inside quotes, blank
//! lines, a damaged stream) and for every error, [`load`] returns `None` and the caller takes the
//! general path, polars' reader and
//! [`Transactions::from_raw`](crate::data::transactions::Transactions::from_raw), which gives the
//! same result, or the error with its message. The tests hold both paths to identical transactions.
//!
//! The pieces, in the order a file meets them: this module reads the file in blocks and runs the
//! parsing threads; `header` reads the header line and decides which column plays which role;
//! `fields` splits records; `parse` parses a block into a chunk of codes, numbers and text with
//! what each row says for the rules ([`crate::data::row_block`], the stage Parquet batches go
//! through too); `finish` merges the blocks into the loader's table of kept rows; `stream`
//! instead cleans each block on its own and hands it to [`crate::data::stream`].

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use polars::prelude::*;
use polars_arrow::array::{Array, MutablePlString, Utf8ViewArray};

use crate::data::basket::BasketRows;
use crate::data::clean::{self, DropReason, Present, ReasonCounts, cols};
use crate::data::cleaned::Cleaned;
use crate::data::dates;
use crate::data::delimited::RejectedRows;
use crate::data::interner::{Interner, NULL};
use crate::data::numbers::CommaReading;
use crate::data::options::LoadOptions;
use crate::data::roles::ResolvedRoles;
use crate::data::sanity::ParseFailure;
use crate::data::source::{FileFormat, ReplacedBytes, SourceInfo, TextEncoding};

mod fields;
mod finish;
mod header;
mod parse;
pub(crate) mod stream;

use crate::data::row_block::{Chunk, Layout, Value, date_facts, stored_texts};
use fields::*;
use header::*;
use parse::*;

/// How much text one parsing job gets (cut after a line end).
pub(crate) const BLOCK: usize = 1 << 20;
/// Threads that parse blocks while another inflates.
const PARSERS: usize = 2;
/// Whether polars counts a quoted empty field (`""`) as missing.
const QUOTED_EMPTY_IS_NULL: bool = false;

/// Loads well-formed CSV (optionally gzip-compressed) held in memory straight into cleaned rows,
/// or returns `None` when the file needs the general path (see the module documentation).
pub(crate) fn load(name: &Path, bytes: &[u8], options: &LoadOptions) -> Option<Cleaned> {
    match load_from(bytes, name, options) {
        FileOutcome::Loaded(cleaned) => Some(*cleaned),
        FileOutcome::General => None,
        FileOutcome::ReadWhole => load_decoded(name, bytes, options),
    }
}

/// [`load`] for text in another encoding (or UTF-8 that [`load_file`] found invalid): the whole
/// text is decoded first, then parsed in blocks.
pub(crate) fn load_decoded(name: &Path, bytes: &[u8], options: &LoadOptions) -> Option<Cleaned> {
    let delimiter = fast_delimiter(options)?;
    let forced = options.read.encoding;
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    // Another encoding: the whole text is decoded first, exactly as the general path decodes it,
    // and then parsed in blocks.
    let raw = if gzip {
        crate::data::source::inflate(name, bytes).ok()?
    } else {
        bytes.to_vec()
    };
    let decoded = crate::data::source::decode_text(name, raw, forced).ok()?;
    let text = String::from_utf8(decoded.text).ok()?;
    let parsed = parse_plain(text.as_bytes(), delimiter, name, options).ok()?;
    let how = (decoded.encoding, decoded.bom, decoded.replaced);
    parsed.finish(name, gzip, Some(how), options)
}

/// The delimiter the options give (`Some(None)`: detect it), or `None` when the options need the
/// general path: headerless files, whitespace-aligned columns, rules the general path refuses
/// with a message.
fn fast_delimiter(options: &LoadOptions) -> Option<Option<u8>> {
    if !options.read.column_names.is_empty() || options.rules.check().is_err() {
        return None;
    }
    match options.read.delimiter {
        Some(d) if d.is_ascii() && !matches!(d, '"' | '\n' | '\r' | ' ') => Some(Some(d as u8)),
        Some(_) => None,
        None => Some(None),
    }
}

/// What [`load_file`] made of a file.
pub(crate) enum FileOutcome {
    /// Read and cleaned.
    Loaded(Box<Cleaned>),
    /// The file must be read whole and given to [`load`]: its text is in another encoding, or it
    /// could not be opened (the whole read then says why).
    ReadWhole,
    /// The file needs the general path.
    General,
}

/// [`load`] for a file on disk, read in blocks as it is parsed (inflated on the way when it is
/// gzip): the file's text is never all in memory.
pub(crate) fn load_file(path: &Path, options: &LoadOptions) -> FileOutcome {
    match std::fs::File::open(path) {
        Ok(file) => load_from(
            std::io::BufReader::with_capacity(1 << 16, file),
            path,
            options,
        ),
        Err(_) => FileOutcome::ReadWhole,
    }
}

/// Parses `source` (gzip or not) as it is read; `name` is used in messages and reports.
fn load_from(
    mut source: impl std::io::BufRead + Send,
    name: &Path,
    options: &LoadOptions,
) -> FileOutcome {
    let Some(delimiter) = fast_delimiter(options) else {
        return FileOutcome::General;
    };
    let forced = options.read.encoding;
    if !matches!(forced, None | Some(TextEncoding::Utf8)) {
        return FileOutcome::ReadWhole;
    }
    let gzip = match source.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(_) => return FileOutcome::ReadWhole,
    };
    let parsed = if gzip {
        parse_stream(
            flate2::bufread::MultiGzDecoder::new(source),
            delimiter,
            name,
            options,
        )
    } else {
        parse_stream(source, delimiter, name, options)
    };
    match parsed {
        Ok(parsed) => parsed
            .finish(name, gzip, None, options)
            .map_or(FileOutcome::General, |c| FileOutcome::Loaded(Box::new(c))),
        // Not UTF-8 and no encoding given: Windows-1252, decided for the whole file.
        Err(Unsupported::NotUtf8) if forced.is_none() => FileOutcome::ReadWhole,
        Err(_) => FileOutcome::General,
    }
}

/// Why the fast path passed a file on.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unsupported {
    /// The text is not UTF-8: it may be decodable as a whole.
    NotUtf8,
    /// A shape, value or setting the general path handles (or explains).
    Other,
}

/// The file parsed: its header and one chunk of rows per block of text.
struct Parsed {
    header: Header,
    chunks: Vec<Chunk>,
}

/// Reads `source` in blocks on one thread (inflating gzip there) and parses the blocks on
/// [`PARSERS`] others as they come; each block is dropped once parsed, so the text is never all
/// in memory.
fn parse_stream(
    source: impl Read + Send,
    delimiter: Option<u8>,
    name: &Path,
    options: &LoadOptions,
) -> Result<Parsed, Unsupported> {
    let mut chunks = Vec::new();
    let header = parse_in_order(
        source,
        (delimiter, name, options, BLOCK),
        |_| Ok(()),
        |_, chunk, _| chunk,
        |chunk| {
            chunks.push(chunk);
            Ok(())
        },
    )?;
    Ok(Parsed { header, chunks })
}

/// The pipeline both consumers of a file share: `source` is read in blocks of about `size` bytes
/// on one thread (inflating gzip there), the blocks are parsed on [`PARSERS`] others, where
/// `work` turns each block's chunk (or why it could not be parsed) into what `take` gets on this
/// thread, in file order. `adjust` sees the header before the first block is parsed. Returns the
/// header; an error from any step stops every thread.
fn parse_in_order<T: Send>(
    source: impl Read + Send,
    (delimiter, name, options, size): (Option<u8>, &Path, &LoadOptions, usize),
    adjust: impl FnOnce(&mut Header) -> Result<(), Unsupported>,
    work: impl Fn(usize, Result<Chunk, Unsupported>, &Header) -> Result<T, Unsupported> + Sync,
    mut take: impl FnMut(T) -> Result<(), Unsupported>,
) -> Result<Header, Unsupported> {
    use Unsupported::{NotUtf8, Other};
    let work = &work;
    let header = std::thread::scope(|scope| {
        let (block_sender, blocks) = mpsc::sync_channel(4);
        scope.spawn(move || read_blocks(source, block_sender, size));
        // An early return drops `blocks`, `jobs` and `done`, which stops the other threads.
        let first = blocks.recv().map_err(|_| Other)?.map_err(|_| Other)?;
        let first = String::from_utf8(first).map_err(|_| NotUtf8)?;
        let (mut header, body) = Header::read(&first, delimiter, name, options).ok_or(Other)?;
        adjust(&mut header)?;
        let header = Arc::new(header);
        // A block that could not be read (`Err`) stops the file.
        type Job = (usize, Result<Vec<u8>, ()>, usize);
        let (job_sender, jobs) = mpsc::sync_channel::<Job>(PARSERS);
        let jobs = Arc::new(Mutex::new(jobs));
        let (done_sender, done) = mpsc::sync_channel(PARSERS * 2);
        for _ in 0..PARSERS {
            let (jobs, header) = (Arc::clone(&jobs), Arc::clone(&header));
            let done_sender = done_sender.clone();
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
                        .and_then(|block| String::from_utf8(block).map_err(|_| NotUtf8))
                        .and_then(|text| parse_chunk(&text, from, &header).ok_or(Other));
                    if done_sender
                        .send((index, work(index, chunk, &header)))
                        .is_err()
                    {
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
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (index, done) in done {
            waiting.insert(index, done?);
            while let Some(done) = waiting.remove(&next) {
                take(done)?;
                next += 1;
            }
        }
        if !waiting.is_empty() {
            return Err(Other);
        }
        Ok(header)
    })?;
    Ok(Arc::unwrap_or_clone(header))
}

/// Parses text that is already in memory, in blocks on rayon's threads.
fn parse_plain(
    bytes: &[u8],
    delimiter: Option<u8>,
    name: &Path,
    options: &LoadOptions,
) -> Result<Parsed, Unsupported> {
    use rayon::prelude::*;
    let text = std::str::from_utf8(bytes).map_err(|_| Unsupported::NotUtf8)?;
    let (header, body) = Header::read(text, delimiter, name, options).ok_or(Unsupported::Other)?;
    let mut blocks: Vec<&str> = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = match bytes.get(start + BLOCK..) {
            Some(rest) => memchr::memchr(b'\n', rest).map_or(text.len(), |i| start + BLOCK + i + 1),
            None => text.len(),
        };
        blocks.push(text.get(start..end).ok_or(Unsupported::Other)?);
        start = end;
    }
    let chunks = blocks
        .par_iter()
        .enumerate()
        .map(|(i, block)| parse_chunk(block, if i == 0 { body } else { 0 }, &header))
        .collect::<Option<Vec<_>>>()
        .ok_or(Unsupported::Other)?;
    Ok(Parsed { header, chunks })
}

/// Reads `source` in blocks of about `size` bytes ([`BLOCK`]) that end just after a line end, so that
/// records (short of quoted line breaks) and UTF-8 characters never straddle two blocks.
fn read_blocks(
    mut source: impl Read,
    sender: mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    size: usize,
) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut block = Vec::with_capacity(size + carry.len());
        block.append(&mut carry);
        let room = size as u64;
        let read = match source.by_ref().take(room).read_to_end(&mut block) {
            Ok(read) => read as u64,
            Err(e) => {
                let _ = sender.send(Err(e));
                return;
            }
        };
        if read < room {
            // The end of the stream.
            if !block.is_empty() {
                let _ = sender.send(Ok(block));
            }
            return;
        }
        match memchr::memrchr(b'\n', &block) {
            Some(end) => carry = block.split_off(end + 1),
            // A line longer than a block: keep reading.
            None => {
                carry = block;
                continue;
            }
        }
        if sender.send(Ok(block)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    //! The fast path against the general path: same transactions, same sanity report, same errors.

    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::data::clean::CleaningRules;
    use crate::data::roles::ColumnRoles;
    use crate::data::source::read_bytes;
    use crate::data::transactions::Transactions;

    /// Loads `csv` both ways, checks that they agree, and says whether the fast path took it.
    fn agree(csv: &[u8], options: &LoadOptions) -> bool {
        agree_or_fail(csv, options).0
    }

    /// [`agree`], also saying whether loading succeeded.
    fn agree_or_fail(csv: &[u8], options: &LoadOptions) -> (bool, bool) {
        let name = Path::new("t.csv");
        let fast = Transactions::from_bytes(name, csv.to_vec(), options);
        let general = read_bytes(name, csv.to_vec(), &options.read)
            .and_then(|raw| Transactions::from_raw(raw, options));
        let loaded = general.is_ok();
        match (fast, general) {
            (Ok(fast), Ok(general)) => {
                let (a, b) = (fast.frame(), general.frame());
                assert_eq!(a.schema(), b.schema());
                assert!(a.equals_missing(&b), "frames differ:\n{a}\n{b}");
                assert_eq!(
                    format!("{:?}", fast.sanity()),
                    format!("{:?}", general.sanity())
                );
            }
            (Err(fast), Err(general)) => assert_eq!(fast.to_string(), general.to_string()),
            (fast, general) => panic!(
                "one path failed: fast {:?}, general {:?}",
                fast.err().map(|e| e.to_string()),
                general.err().map(|e| e.to_string())
            ),
        }
        (load(name, csv, options).is_some(), loaded)
    }

    const RETAIL: &str =
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
536365,71053,\"LANTERN, WHITE\",6,2010-12-01 08:26:00,3.39,17850,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527,United Kingdom
536380,22,\"SAY \"\"HELLO\"\" \",3,2010-12-01 09:41:00,1.5,,France
536381,23,  ,0,2010-12-02 10:00:00,1.5, 12583 ,France
536382,24,X,abc,2010-12-02 10:00:00,1.5,12583,
536383,25,Y,2,not a date,1.5,12583,France
536384,26,Z,2,2010-12-03 10:00:00,\"1,5\",12346,France
536385,27,W,2,2010-12-03 10:00:00,-3,12346,\"\"
536386,28,V,2,,2,12347,France
536387,29,U,2,2010-12-04 10:00:00,,12347,France
CA-2016-1,30,T,1,2010-12-05 10:00:00,4,12348,France
536388,31,S ,1,2010-12-05 10:00:00,4,12348,France
536388,31,S ,1,2010-12-05 10:00:00,4,12348,France
";

    fn country() -> LoadOptions {
        LoadOptions {
            roles: ColumnRoles {
                dimensions: vec!["Country".into()],
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn well_formed_files_take_the_fast_path_and_agree() {
        let plain = LoadOptions::default();
        assert!(agree(RETAIL.as_bytes(), &plain));
        assert!(agree(RETAIL.as_bytes(), &country()));
        let crlf = RETAIL.replace('\n', "\r\n");
        assert!(agree(crlf.as_bytes(), &country()));
        let bom_no_final_newline = format!("\u{feff}{}", RETAIL.trim_end());
        assert!(agree(bom_no_final_newline.as_bytes(), &plain));
        let quoted_header =
            RETAIL.replacen("InvoiceNo,StockCode", "\"InvoiceNo\",\"StockCode\"", 1);
        assert!(agree(quoted_header.as_bytes(), &plain));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(crlf.as_bytes()).unwrap();
        assert!(agree(&gz.finish().unwrap(), &country()));
    }

    #[test]
    fn rules_and_overrides_agree() {
        let rules = CleaningRules {
            drop_cancellations: false,
            drop_non_positive_quantity: false,
            drop_non_positive_price: false,
            drop_duplicates: true,
            ..Default::default()
        };
        let options = LoadOptions {
            rules,
            date_format: Some(crate::data::dates::DateFormat::YearFirst),
            ..country()
        };
        assert!(agree(RETAIL.as_bytes(), &options));
        let dedupe = LoadOptions {
            rules: CleaningRules {
                drop_duplicates: true,
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(agree(RETAIL.as_bytes(), &dedupe));
    }

    #[test]
    fn other_layouts_agree() {
        let semicolon = "Order ID;Customer ID;Order Date;Sales;Segment\n\
            A-1;C1;25.12.2020;1,5;Home\n\
            A-2;C2;03.01.2021;\"2,25\";Office\n\
            A-2;C2;03.01.2021;;Office\n\
            A-3; ;13.01.2021;7;Home\n";
        assert!(agree(semicolon.as_bytes(), &LoadOptions::default()));
        let no_invoice =
            "CUST_CODE\tSHOP_DATE\tSPEND\n1\t20200101\t3\n2\t20200102\t0\n2\t20200103\t4.5\n";
        assert!(agree(no_invoice.as_bytes(), &LoadOptions::default()));
    }

    #[test]
    fn unusual_files_take_the_general_path() {
        let options = LoadOptions::default();
        let ragged = RETAIL.replacen(",United Kingdom\n", ",United Kingdom,extra\n", 1);
        let blank_line = RETAIL.replacen("\n5363", "\n\n5363", 1);
        let quoted_newline = RETAIL.replacen("LANTERN, WHITE", "LANTERN,\nWHITE", 1);
        let stray_quote = RETAIL.replacen("WHITE HANGING", "WHITE \"HANGING", 1);
        for text in [ragged, blank_line, quoted_newline, stray_quote] {
            assert!(!agree(text.as_bytes(), &options));
        }
        let header_only = "InvoiceNo,Quantity,InvoiceDate,UnitPrice,CustomerID\n";
        assert!(!agree(header_only.as_bytes(), &options));
        assert!(!agree(b"", &options));
    }

    #[test]
    fn other_encodings_are_decoded_whole_then_parsed() {
        let text = RETAIL.replacen("WHITE HANGING", "WH\u{c9}TE \u{a3}5 HANGING", 1);
        let latin1 = encoding_rs::WINDOWS_1252.encode(&text).0.into_owned();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&latin1).unwrap();
        let latin1_gz = gz.finish().unwrap();
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let detected = LoadOptions::default();
        for bytes in [&latin1, &latin1_gz, &utf16] {
            assert!(agree(bytes, &detected));
        }
        // A given encoding wins over detection, even on valid UTF-8.
        for encoding in [TextEncoding::Windows1252, TextEncoding::Utf16] {
            let forced = LoadOptions {
                read: crate::data::source::ReadOptions {
                    encoding: Some(encoding),
                    ..Default::default()
                },
                ..Default::default()
            };
            agree(text.as_bytes(), &forced);
        }
        let forced_latin1 = LoadOptions {
            read: crate::data::source::ReadOptions {
                encoding: Some(TextEncoding::Windows1252),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(agree(text.as_bytes(), &forced_latin1));
    }

    #[test]
    fn blocks_split_at_line_ends_and_merge_in_file_order() {
        // More than one block, so that codes and first appearances cross block boundaries.
        let mut csv = String::from("InvoiceNo,InvoiceDate,Quantity,UnitPrice,CustomerID\n");
        let mut row = 0usize;
        while csv.len() < 3 * BLOCK {
            let customer = 90_000 - (row * 7919) % 5003;
            csv.push_str(&format!(
                "{},2011-0{}-1{} 10:00,{},1.25,{}\n",
                500_000 + row / 3,
                1 + row % 9,
                row % 10,
                1 + row % 4,
                customer
            ));
            row += 1;
        }
        assert!(agree(csv.as_bytes(), &LoadOptions::default()));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(csv.as_bytes()).unwrap();
        assert!(agree(&gz.finish().unwrap(), &LoadOptions::default()));
    }

    fn field(choices: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        proptest::sample::select(choices)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn random_files_agree(
            rows in proptest::collection::vec(
                (
                    field(&["1", "2", "C3", "C 4", "\"5\"", "", " "]),
                    field(&["12345", " 12346 ", "", " ", "A1", "\"12347\"", "\"\""]),
                    field(&["2011-01-01 10:00", "2011-01-02 11:30:00", "", "bad", "2011-13-01 00:00", "\"2011-02-03 04:05\""]),
                    field(&["1", "-2", "0", "2.5", "\"1,5\"", "abc", "", " ", "1e3", "inf", "(3)", "\"1,234.5\"", "007"]),
                    field(&["1", "0.5", "-1", "", "x", "\"2,5\"", " 3 "]),
                    field(&["a", "", " b ", "\"c, d\"", "\"e \"\"f\"\"\"", "g  ", "\"\"", "\u{a3}5 caf\u{e9}"]),
                ),
                1..30,
            ),
            crlf in any::<bool>(),
            bom in any::<bool>(),
            final_newline in any::<bool>(),
            dedupe in any::<bool>(),
            keep_non_positive in any::<bool>(),
            latin1 in any::<bool>(),
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut csv = String::new();
            if bom {
                csv.push('\u{feff}');
            }
            csv.push_str("InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Description");
            for (invoice, customer, date, quantity, price, description) in &rows {
                csv.push_str(end);
                csv.push_str(&[*invoice, customer, date, quantity, price, description].join(","));
            }
            if final_newline {
                csv.push_str(end);
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
            let bytes = if latin1 {
                // Windows-1252 has no byte-order mark.
                let csv = csv.trim_start_matches('\u{feff}');
                encoding_rs::WINDOWS_1252.encode(csv).0.into_owned()
            } else {
                csv.into_bytes()
            };
            let (fast, loaded) = agree_or_fail(&bytes, &options);
            // Every generated file is well formed: only files that fail to load leave the fast path.
            prop_assert!(fast || !loaded);
        }
    }
}
