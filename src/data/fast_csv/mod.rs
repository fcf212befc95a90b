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

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

use polars::prelude::*;
use polars_arrow::array::{Array, MutablePlString, Utf8ViewArray};

use crate::data::basket::BasketRows;
use crate::data::clean::{self, DropReason, Facts, Present, ReasonCounts, cols};
use crate::data::dates;
use crate::data::delimited::RejectedRows;
use crate::data::interner::{Interner, NULL};
use crate::data::numbers::{CommaReading, Number, read_number};
use crate::data::roles::ResolvedRoles;
use crate::data::sanity::ParseFailure;
use crate::data::source::{FileFormat, ReplacedBytes, SourceInfo, TextEncoding};
use crate::data::transactions::{Cleaned, LoadOptions, text_roles};

pub(crate) mod stream;

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
    use Unsupported::{NotUtf8, Other};
    std::thread::scope(|scope| {
        let (block_sender, blocks) = mpsc::sync_channel(4);
        scope.spawn(move || read_blocks(source, block_sender, BLOCK));
        // An early return drops `blocks` and `jobs`, which stops the other threads.
        let first = blocks.recv().map_err(|_| Other)?.map_err(|_| Other)?;
        let first = String::from_utf8(first).map_err(|_| NotUtf8)?;
        let (header, body) = Header::read(&first, delimiter, name, options).ok_or(Other)?;
        let header = Arc::new(header);
        let (job_sender, jobs) = mpsc::channel::<(usize, Vec<u8>, usize)>();
        let jobs = Arc::new(Mutex::new(jobs));
        let (done_sender, done) = mpsc::channel();
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
                    let parsed = String::from_utf8(block)
                        .map_err(|_| NotUtf8)
                        .and_then(|text| parse_chunk(&text, from, &header).ok_or(Other));
                    if done_sender.send((index, parsed)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_sender);
        job_sender
            .send((0, first.into_bytes(), body))
            .map_err(|_| Other)?;
        let mut count = 1;
        for block in blocks {
            job_sender
                .send((count, block.map_err(|_| Other)?, 0))
                .map_err(|_| Other)?;
            count += 1;
        }
        drop(job_sender);
        let mut slots: Vec<Option<Chunk>> = (0..count).map(|_| None).collect();
        for (index, parsed) in done {
            *slots.get_mut(index).ok_or(Other)? = Some(parsed?);
        }
        let chunks = slots.into_iter().collect::<Option<Vec<_>>>().ok_or(Other)?;
        Ok(Parsed {
            header: Arc::unwrap_or_clone(header),
            chunks,
        })
    })
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

/// What the header line says: column names, delimiter, and which column plays which role.
#[derive(Clone)]
struct Header {
    names: Vec<String>,
    delimiter: u8,
    bom: bool,
    roles: ResolvedRoles,
    layout: Layout,
}

impl Header {
    /// Reads the header at the start of `text`; returns it and where the first record starts.
    fn read(
        text: &str,
        delimiter: Option<u8>,
        name: &Path,
        options: &LoadOptions,
    ) -> Option<(Self, usize)> {
        let bom = text.starts_with('\u{feff}');
        let body = if bom { 3 } else { 0 };
        let bytes = text.as_bytes();
        if bytes[body..].starts_with(b"PAR1") {
            return None;
        }
        let delimiter =
            delimiter.unwrap_or_else(|| crate::data::source::sniff_delimiter(&bytes[body..]));
        if delimiter == crate::data::delimited::WHITESPACE {
            return None;
        }
        let mut names = Vec::new();
        let mut pos = body;
        loop {
            let field = field(bytes, text, pos, delimiter, true)?;
            let at = field.next;
            pos = at + 1;
            match bytes.get(at) {
                Some(&b) if b == delimiter => names.push(field.text.into_owned()),
                Some(b'\n') => {
                    names.push(strip_cr(field.text, field.quoted).into_owned());
                    break;
                }
                _ => return None,
            }
        }
        let mut sorted: Vec<&String> = names.iter().collect();
        sorted.sort();
        if names.iter().any(String::is_empty) || sorted.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let roles = options.roles.resolve(&name_refs, name).ok()?;
        // Duplicates are found on the kept columns, the JSON text included: then the baskets are
        // read from the kept rows' text instead of while parsing.
        let read_baskets = !options.rules.drop_duplicates;
        let layout = Layout::new(&names, &roles, delimiter, read_baskets)?;
        Some((
            Header {
                names,
                delimiter,
                bom,
                roles,
                layout,
            },
            pos,
        ))
    }
}

/// Which file column plays which role.
#[derive(Clone)]
struct Layout {
    columns: usize,
    customer: usize,
    invoice: Option<usize>,
    date: usize,
    /// (index into [`clean::numeric_checks`], column) for quantity, price and amount.
    numbers: Vec<(usize, usize)>,
    /// (index into [`stored_texts`], column) for product, description, basket and dimensions.
    texts: Vec<(usize, usize)>,
    /// Whether each file column is one of `texts`.
    /// The JSON basket column, when the baskets are read while parsing (it is then not a text).
    basket: Option<usize>,
    /// The reasons each of quantity, price and amount can name (see [`clean::numeric_checks`]).
    number_reasons: [[DropReason; 3]; 3],
    /// Whether spend is an amount column (else quantity x price).
    amount_column: bool,
    /// How commas in numbers read (see [`read_number`]).
    thousands: CommaReading,
}

impl Layout {
    /// `None` when a column plays two roles or a role names no column (the general path explains
    /// those).
    fn new(
        names: &[String],
        roles: &ResolvedRoles,
        delimiter: u8,
        read_baskets: bool,
    ) -> Option<Self> {
        let mut taken = vec![false; names.len()];
        let mut find = |column: &str| -> Option<usize> {
            let index = names.iter().position(|n| n == column)?;
            if std::mem::replace(&mut taken[index], true) {
                return None;
            }
            Some(index)
        };
        let customer = find(&roles.customer)?;
        let invoice = match &roles.invoice {
            Some(invoice) => Some(find(invoice)?),
            None => None,
        };
        let date = find(&roles.date)?;
        let present = Present::of(roles);
        let mut numbers = Vec::new();
        let number_roles = [
            (&roles.quantity, present.quantity),
            (&roles.price, present.price),
            (&roles.amount, present.amount_column),
        ];
        for (k, (role, present)) in number_roles.into_iter().enumerate() {
            if let (Some(column), true) = (role, present) {
                numbers.push((k, find(column)?));
            }
        }
        let basket = match &roles.basket {
            Some(column) if read_baskets => Some(find(column)?),
            _ => None,
        };
        let mut texts = Vec::new();
        for (t, (column, _)) in stored_texts(roles, basket.is_some())
            .into_iter()
            .enumerate()
        {
            let column = find(column)?;
            texts.push((t, column));
        }
        Some(Layout {
            columns: names.len(),
            customer,
            invoice,
            date,
            numbers,
            texts,
            basket,
            number_reasons: clean::numeric_checks(present).map(|(_, _, reasons)| reasons),
            amount_column: present.amount_column,
            thousands: CommaReading::for_delimiter(delimiter),
        })
    }
}

/// The text columns kept as text: [`text_roles`] but the basket column when its baskets are read
/// while parsing.
fn stored_texts(roles: &ResolvedRoles, baskets_read: bool) -> Vec<(&str, &str)> {
    let mut texts = text_roles(roles);
    if baskets_read {
        texts.retain(|(_, name)| *name != cols::BASKET);
    }
    texts
}

/// One field of a record as the chunk sees it.
#[derive(Clone, Copy)]
struct Value<'t> {
    text: &'t str,
    quoted: bool,
    /// Whether `text` still has a quoted field's doubled quotes (only the basket column's may).
    doubled: bool,
}

/// The rows of one block: one entry per row in each vector; ids and dates coded against the
/// block's own distinct values until [`Parsed::merge`].
struct Chunk {
    customers: Interner,
    invoices: Interner,
    dates: Interner,
    facts: Vec<Facts>,
    customer: Vec<u32>,
    invoice: Vec<u32>,
    date: Vec<u32>,
    numbers: [Vec<f64>; 3],
    /// Product, description and dimension values, the end trimmed, empty ones null: copied out of
    /// the block while it is parsed (in `building`), so that blocks can go as soon as they are.
    text: Vec<Utf8ViewArray>,
    building: Vec<MutablePlString>,
    /// Empty fields per file column, which polars reads as nulls.
    missing: Vec<usize>,
    /// Rows whose quantity, price or amount was present but not a number, and examples.
    bad_numbers: [(usize, Vec<String>); 3],
    /// Each row's basket, when they are read while parsing.
    baskets: Option<BasketRows>,
}

/// What each distinct date value (parsed, `None` when unreadable) says about its rows.
fn date_facts(parsed: &[Option<i64>], options: &LoadOptions) -> Vec<Facts> {
    let (earliest, latest) = options.rules.date_bounds_ms();
    let excluded = options.rules.excluded_ms();
    parsed
        .iter()
        .map(|parsed| match parsed {
            None => DropReason::UnparsableDate.bit(),
            Some(ms) if *ms < earliest || *ms > latest => DropReason::DateOutOfRange.bit(),
            Some(ms) if excluded(*ms) => DropReason::ExcludedPeriod.bit(),
            Some(_) => 0,
        })
        .collect()
}

/// Parses the records of `block` from byte `pos`.
fn parse_chunk(block: &str, mut pos: usize, header: &Header) -> Option<Chunk> {
    let layout = &header.layout;
    let bytes = block.as_bytes();
    let mut chunk = Chunk::new(layout);
    // Room for rows of 32 bytes or more without growing: growing copies the vectors, and room
    // that is never written costs no memory.
    chunk.reserve(layout, block.len() / 32);
    let mut bounds = vec![(0usize, 0usize); layout.columns];
    while pos < bytes.len() {
        if matches!(bytes[pos], b'\n' | b'\r') {
            // A blank line: how polars handles those is left to polars.
            return None;
        }
        match split_plain(bytes, pos, header.delimiter, &mut bounds) {
            Split::Row(next) if bounds.iter().all(|(start, end)| start == end) => {
                chunk.push_blank(layout);
                pos = next;
            }
            Split::Row(next) => {
                // polars reads an empty field as null.
                for (missing, (start, end)) in chunk.missing.iter_mut().zip(&bounds) {
                    *missing += usize::from(start == end);
                }
                chunk.push(layout, |i| {
                    let (start, end) = bounds[i];
                    Value {
                        text: block.get(start..end).unwrap_or_default(),
                        quoted: false,
                        doubled: false,
                    }
                });
                pos = next;
            }
            Split::Quoted => pos = chunk.push_quoted(block, pos, header)?,
            Split::Unsupported => return None,
        }
    }
    chunk.text = std::mem::take(&mut chunk.building)
        .into_iter()
        .map(Utf8ViewArray::from)
        .collect();
    Some(chunk)
}

impl Chunk {
    /// Adds what the rows' dates (`date_facts`, by date code) and invoices (`cancelled`, by
    /// invoice code) say, then gives each row's fate under the `enforced` reasons.
    fn fates(
        &mut self,
        date_facts: &[Facts],
        cancelled: &[bool],
        enforced: Facts,
    ) -> (Vec<bool>, ReasonCounts) {
        for (row, facts) in self.facts.iter_mut().enumerate() {
            let date = self.date[row];
            if date != NULL {
                *facts |= date_facts[date as usize];
            }
            if let Some(&invoice) = self.invoice.get(row)
                && cancelled.get(invoice as usize) == Some(&true)
            {
                *facts |= DropReason::Cancellation.bit();
            }
        }
        clean::account(&self.facts, enforced)
    }

    fn new(layout: &Layout) -> Self {
        Chunk {
            customers: Interner::for_ids(),
            invoices: Interner::for_ids(),
            dates: Interner::new(),
            facts: Vec::new(),
            customer: Vec::new(),
            invoice: Vec::new(),
            date: Vec::new(),
            numbers: [Vec::new(), Vec::new(), Vec::new()],
            text: Vec::new(),
            building: (0..layout.texts.len())
                .map(|_| MutablePlString::new())
                .collect(),
            missing: vec![0; layout.columns],
            bad_numbers: Default::default(),
            baskets: layout.basket.map(|_| BasketRows::default()),
        }
    }

    fn reserve(&mut self, layout: &Layout, rows: usize) {
        self.facts.reserve(rows);
        self.customer.reserve(rows);
        if layout.invoice.is_some() {
            self.invoice.reserve(rows);
        }
        self.date.reserve(rows);
        for &(k, _) in &layout.numbers {
            self.numbers[k].reserve(rows);
        }
        for values in &mut self.building {
            values.reserve(rows);
        }
    }

    /// Adds one record; `value(i)` is its field in file column `i`.
    /// Missing values are counted by the callers, which see the field bounds.
    fn push<'t>(&mut self, layout: &Layout, value: impl Fn(usize) -> Value<'t>) {
        let customer = self.customers.code(value(layout.customer).text);
        self.customer.push(customer);
        if customer == NULL {
            self.push_without_customer(layout, value(layout.date).text);
            return;
        }
        let mut facts: Facts = 0;
        if let Some(column) = layout.invoice {
            let invoice = self.invoices.code(value(column).text);
            if invoice == NULL {
                facts |= DropReason::MissingInvoice.bit();
            }
            self.invoice.push(invoice);
        }
        let date = self.dates.code(value(layout.date).text);
        if date == NULL {
            facts |= DropReason::MissingDate.bit();
        }
        self.date.push(date);
        let mut read = [1.0f64; 3];
        for &(k, column) in &layout.numbers {
            let [unparsable, missing, non_positive] = layout.number_reasons[k];
            let number = match read_number(value(column).text, layout.thousands) {
                Number::Value(v) => {
                    if v <= 0.0 {
                        facts |= non_positive.bit();
                    }
                    v
                }
                Number::Missing => {
                    facts |= missing.bit();
                    0.0
                }
                Number::Unparsable => {
                    facts |= unparsable.bit();
                    let (rows, examples) = &mut self.bad_numbers[k];
                    *rows += 1;
                    ParseFailure::add_example(examples, value(column).text.trim());
                    0.0
                }
            };
            self.numbers[k].push(number);
            read[k] = number;
        }
        // Spend per row: a huge or overflowing amount is dropped.
        let amount = if layout.amount_column {
            read[2]
        } else {
            read[0] * read[1]
        };
        if clean::amount_too_large(amount) {
            facts |= DropReason::AmountTooLarge.bit();
        }
        for &(t, column) in &layout.texts {
            match value(column).text.trim_end() {
                "" => self.building[t].push_null(),
                text => self.building[t].push_value(text),
            }
        }
        if let (Some(column), Some(baskets)) = (layout.basket, self.baskets.as_mut()) {
            // Read whatever else holds: a reason found so far may be one the rules do not enforce.
            let basket = value(column);
            if basket.doubled {
                baskets.push_doubled(basket.text);
            } else {
                baskets.push(Some(basket.text));
            }
        }
        self.facts.push(facts);
    }

    /// A row without a customer is dropped for that whatever else holds (it is the first reason
    /// and always enforced), so its numbers, invoice and text are not read. Its date is: the date
    /// layout is detected from every row's date, as the general path does.
    fn push_without_customer(&mut self, layout: &Layout, date: &str) {
        let date = self.dates.code(date);
        self.push_dropped(layout, date, DropReason::MissingCustomer);
    }

    /// A row whose fields are all empty: dropped as a blank row, its fields not counted as missing
    /// values (the general path never makes it a row of the table).
    fn push_blank(&mut self, layout: &Layout) {
        self.customer.push(NULL);
        self.push_dropped(layout, NULL, DropReason::BlankRow);
    }

    /// The rest of a row dropped for `reason` before its values are read (the customer is
    /// pushed already): its date code and placeholders for everything else.
    fn push_dropped(&mut self, layout: &Layout, date: u32, reason: DropReason) {
        if layout.invoice.is_some() {
            self.invoice.push(NULL);
        }
        self.date.push(date);
        for &(k, _) in &layout.numbers {
            self.numbers[k].push(0.0);
        }
        for &(t, _) in &layout.texts {
            self.building[t].push_null();
        }
        if let Some(baskets) = self.baskets.as_mut() {
            baskets.push_unread();
        }
        self.facts.push(reason.bit());
    }

    /// Adds a record that has quotes, read field by field; returns where the next record starts.
    fn push_quoted(&mut self, block: &str, mut pos: usize, header: &Header) -> Option<usize> {
        let bytes = block.as_bytes();
        let columns = header.layout.columns;
        let mut fields: Vec<(Cow<'_, str>, bool, bool)> = Vec::with_capacity(columns);
        for column in 0..columns {
            // The basket reader reads JSON with its quotes still doubled: no undoubled copy.
            let undouble = header.layout.basket != Some(column);
            let field = field(bytes, block, pos, header.delimiter, undouble)?;
            let at = field.next;
            let last = column + 1 == columns;
            // The field must end where the header says: a delimiter inside the record, a line end
            // (or the end of the text) after the last field.
            let (text, next) = match bytes.get(at) {
                Some(&d) if d == header.delimiter && !last => (field.text, at + 1),
                Some(b'\n') if last => (strip_cr(field.text, field.quoted), at + 1),
                // A lone \r at the very end is not a line end polars would agree on.
                None if last && (field.quoted || !field.text.ends_with('\r')) => (field.text, at),
                _ => return None,
            };
            fields.push((text, field.quoted, field.doubled));
            pos = next;
        }
        let values: Vec<Value<'_>> = fields
            .iter()
            .map(|(text, quoted, doubled)| Value {
                text,
                quoted: *quoted,
                doubled: *doubled,
            })
            .collect();
        if values.iter().all(|v| v.text.is_empty()) {
            self.push_blank(&header.layout);
            return Some(pos);
        }
        for (missing, value) in self.missing.iter_mut().zip(&values) {
            // polars reads an empty field as null, a quoted empty one ("") as empty text.
            if value.text.is_empty() && (!value.quoted || QUOTED_EMPTY_IS_NULL) {
                *missing += 1;
            }
        }
        self.push(&header.layout, |i| values[i]);
        Some(pos)
    }
}

/// The file's distinct ids and dates, and what they say.
struct Merged {
    customers: Interner,
    invoices: Interner,
    /// Per invoice code: whether the id is a cancellation's (empty when they are not dropped).
    cancelled: Vec<bool>,
    date_values: Interner,
    date_format: dates::DateFormat,
    /// Per date code: the date in ms since the epoch, `None` when unreadable.
    parsed_dates: Vec<Option<i64>>,
}

impl Parsed {
    /// Codes every chunk's ids and dates against the file's distinct values, in file order, and
    /// reads what those values say: which invoices are cancellations, the date layout and each
    /// date. One task per column, each going on as far as its column allows.
    fn merge(&mut self, options: &LoadOptions) -> Option<Merged> {
        let mut parts: [Vec<(&Interner, &mut Vec<u32>)>; 3] = Default::default();
        for chunk in &mut self.chunks {
            parts[0].push((&chunk.customers, &mut chunk.customer));
            parts[1].push((&chunk.invoices, &mut chunk.invoice));
            parts[2].push((&chunk.dates, &mut chunk.date));
        }
        let absorb_all = |parts: Vec<(&Interner, &mut Vec<u32>)>| {
            let mut merged = Interner::new();
            // Room for every value up front: growing the table rehashes every value so far.
            let (values, bytes) = parts.iter().fold((0, 0), |(n, b), (local, _)| {
                (n + local.len(), b + local.text_len())
            });
            merged.reserve(values, bytes);
            for (local, codes) in parts {
                merged.absorb(local, codes);
            }
            merged
        };
        // Dates are only parsed by code: a value repeated in two blocks may have two codes and be
        // parsed twice, which is cheaper than merging millions of distinct timestamps.
        let concat_all = |parts: &mut [(&Interner, &mut Vec<u32>)]| {
            let mut merged = Interner::new();
            for (local, codes) in parts.iter_mut() {
                let offset = merged.append(local);
                for code in codes.iter_mut().filter(|c| **c != NULL) {
                    *code += offset;
                }
            }
            merged
        };
        let drop_cancellations =
            options.rules.drop_cancellations && self.header.roles.invoice.is_some();
        let invoices_read = |parts| -> Option<(Interner, Vec<bool>)> {
            let invoices = absorb_all(parts);
            if !drop_cancellations {
                return Some((invoices, Vec::new()));
            }
            let pattern = clean::cancellation_regex(&options.rules).ok()?;
            let cancelled = invoices.values().map(|id| pattern.is_match(id)).collect();
            Some((invoices, cancelled))
        };
        let dates_read = |mut parts: Vec<(&Interner, &mut Vec<u32>)>| {
            let values = concat_all(&mut parts);
            let format = match &options.date_format {
                Some(format) => format.clone(),
                None => {
                    let seen = parts
                        .iter()
                        .flat_map(|(_, codes)| codes.iter())
                        .filter(|&&c| c != NULL)
                        .map(|&c| values.get(c));
                    dates::detect(seen).ok()?
                }
            };
            let parsed: Vec<Option<i64>> = {
                use rayon::prelude::*;
                (0..values.len() as u32)
                    .into_par_iter()
                    .map(|code| {
                        dates::parse_with_fallbacks(
                            &format,
                            &options.other_date_formats,
                            values.get(code),
                        )
                    })
                    .collect()
            };
            Some((values, format, parsed))
        };
        let [customers, invoices, dates] = parts;
        let (customers, (invoices, dates)) = rayon::join(
            || absorb_all(customers),
            || rayon::join(|| invoices_read(invoices), || dates_read(dates)),
        );
        let (invoices, cancelled) = invoices?;
        let (date_values, date_format, parsed_dates) = dates?;
        Some(Merged {
            customers,
            invoices,
            cancelled,
            date_values,
            date_format,
            parsed_dates,
        })
    }

    /// Dates and numbers that were present but not readable, among rows with a customer id, in
    /// the general path's order: date, quantity, price, amount.
    fn parse_failures(
        &self,
        roles: &ResolvedRoles,
        date_values: &Interner,
        parsed_dates: &[Option<i64>],
    ) -> Vec<ParseFailure> {
        let mut out = Vec::new();
        let mut rows = 0;
        let mut examples = Vec::new();
        for chunk in &self.chunks {
            for (&customer, &date) in chunk.customer.iter().zip(&chunk.date) {
                if customer != NULL && date != NULL && parsed_dates[date as usize].is_none() {
                    rows += 1;
                    ParseFailure::add_example(&mut examples, date_values.get(date));
                }
            }
        }
        if rows > 0 {
            out.push(ParseFailure {
                column: roles.date.clone(),
                role: "date",
                rows,
                examples,
            });
        }
        let price = if roles.amount.is_none() {
            roles.price.as_ref()
        } else {
            None
        };
        let sources = [
            (roles.quantity.as_ref(), "quantity"),
            (price, "price"),
            (roles.amount.as_ref(), "amount"),
        ];
        for (k, (source, role)) in sources.into_iter().enumerate() {
            let Some(source) = source else { continue };
            let rows: usize = self.chunks.iter().map(|c| c.bad_numbers[k].0).sum();
            if rows == 0 {
                continue;
            }
            let mut examples = Vec::new();
            for chunk in &self.chunks {
                for example in &chunk.bad_numbers[k].1 {
                    ParseFailure::add_example(&mut examples, example);
                }
            }
            out.push(ParseFailure {
                column: source.clone(),
                role,
                rows,
                examples,
            });
        }
        out
    }

    /// Detects the date layout, applies the cleaning rules and builds the kept rows. `decoded`
    /// says how text that was not UTF-8 was decoded first (whether a byte-order mark went, and
    /// which bytes were replaced).
    fn finish(
        mut self,
        name: &Path,
        gzip: bool,
        decoded: Option<(TextEncoding, bool, Option<ReplacedBytes>)>,
        options: &LoadOptions,
    ) -> Option<Cleaned> {
        let rows_in: usize = self.chunks.iter().map(|c| c.facts.len()).sum();
        if rows_in == 0 {
            return None;
        }
        let Merged {
            customers,
            invoices,
            cancelled,
            date_values,
            date_format,
            parsed_dates,
        } = self.merge(options)?;
        let date_facts = date_facts(&parsed_dates, options);
        let enforced = clean::enforced(&options.rules);
        let fates: Vec<(Vec<bool>, ReasonCounts)> = {
            use rayon::prelude::*;
            self.chunks
                .par_iter_mut()
                .map(|chunk| chunk.fates(&date_facts, &cancelled, enforced))
                .collect()
        };
        let mut counts: ReasonCounts = Default::default();
        let mut keep: Vec<Vec<bool>> = Vec::with_capacity(fates.len());
        for (chunk_keep, chunk_counts) in fates {
            for (total, n) in counts.iter_mut().zip(chunk_counts) {
                *total += n;
            }
            keep.push(chunk_keep);
        }
        let kept = Kept {
            chunks: &self.chunks,
            keep: &keep,
            rows: rows_in - counts.iter().sum::<usize>(),
        };
        let roles = &self.header.roles;
        let texts = stored_texts(roles, self.header.layout.basket.is_some());
        let customer_codes = kept.gather(|c| &c.customer);
        let invoice_codes = kept.gather(|c| &c.invoice);
        // Text columns are views into the text (no copy of the values), built on one thread while
        // the other gathers the typed columns.
        let ((text_columns, baskets), (typed, codes)) = rayon::join(
            || (kept.text_columns(&texts), kept.baskets()),
            || {
                let ids = [
                    (&customer_codes[..], &customers),
                    (&invoice_codes[..], &invoices),
                ];
                rayon::join(
                    || kept.typed_columns(roles, ids, &parsed_dates),
                    // Duplicates change the kept rows: codes are then made from the ids left.
                    || {
                        (!options.rules.drop_duplicates).then(|| {
                            let invoice_codes =
                                roles.invoice.is_some().then_some(&invoice_codes[..]);
                            Kept::codes(&customer_codes, invoice_codes, &customers, &invoices)
                        })
                    },
                )
            },
        );
        let mut columns = typed.ok()?;
        columns.extend(text_columns);
        let frame = DataFrame::new(kept.rows, columns).ok()?;
        let key = crate::frame::column_names(&frame);
        let frame = clean::drop_duplicates(frame, &options.rules, &key, &mut counts).ok()?;
        let accounting = clean::accounting(rows_in, frame.height(), counts);
        let mut missing = vec![0; self.header.names.len()];
        for chunk in &self.chunks {
            for (total, n) in missing.iter_mut().zip(&chunk.missing) {
                *total += n;
            }
        }
        let parse_failures = self.parse_failures(&self.header.roles, &date_values, &parsed_dates);
        let Header {
            names,
            delimiter,
            bom,
            roles,
            ..
        } = self.header;
        let (encoding, bom, replaced) = decoded.unwrap_or((TextEncoding::Utf8, bom, None));
        // One record per line here: row i (0-based) is on line i + 2, after the header.
        let mut rejected = RejectedRows::default();
        let blank = DropReason::BlankRow.bit();
        let all_facts = self.chunks.iter().flat_map(|c| c.facts.iter());
        for (row, _) in all_facts.enumerate().filter(|(_, f)| **f == blank) {
            rejected.add(DropReason::BlankRow, row + 2);
        }
        let source = SourceInfo {
            path: name.to_path_buf(),
            format: FileFormat::Csv,
            gzip,
            encoding: Some(encoding),
            delimiter: Some(delimiter as char),
            bom,
            replaced,
            rejected,
            files: Vec::new(),
        };
        Some(Cleaned {
            kept: frame,
            accounting,
            missing_values: names.into_iter().zip(missing).collect(),
            date_format,
            source,
            roles,
            codes,
            parse_failures,
            excluded_periods: options.rules.excluded_periods.clone(),
            baskets,
        })
    }
}

/// The rows cleaning kept, chunk by chunk.
#[derive(Clone, Copy)]
struct Kept<'p> {
    chunks: &'p [Chunk],
    keep: &'p [Vec<bool>],
    /// How many rows are kept: the rows read less those a reason dropped.
    rows: usize,
}

impl<'p> Kept<'p> {
    /// The kept values of one per-row vector, over all chunks in order.
    fn gather<T: Copy + Default + 'p>(self, values: impl Fn(&'p Chunk) -> &'p [T]) -> Vec<T> {
        let mut out = vec![T::default(); self.chunks.iter().map(|c| values(c).len()).sum()];
        let mut kept = 0;
        for (chunk, keep) in self.chunks.iter().zip(self.keep) {
            // Without a branch per row: a quarter of Online Retail's rows are dropped, in no
            // pattern a branch predictor could learn.
            for (value, &k) in values(chunk).iter().zip(keep) {
                out[kept] = *value;
                kept += usize::from(k);
            }
        }
        out.truncate(kept);
        out
    }

    /// The kept rows' baskets, when they were read while parsing.
    fn baskets(self) -> Option<BasketRows> {
        let mut kept = BasketRows::default();
        for (chunk, keep) in self.chunks.iter().zip(self.keep) {
            kept.append(chunk.baskets.as_ref()?, Some(keep));
        }
        Some(kept)
    }

    /// Ids, date and numbers, as the general path types them.
    fn typed_columns(
        self,
        roles: &ResolvedRoles,
        ids: [(&[u32], &Interner); 2],
        parsed_dates: &[Option<i64>],
    ) -> PolarsResult<Vec<Column>> {
        // Kept rows never have a missing id, so every code is in range.
        let column = |(codes, interner): (&[u32], &Interner), name: &str| {
            let codes: Vec<IdxSize> = codes.iter().map(|&c| c as IdxSize).collect();
            let values = interner
                .column()
                .take(&IdxCa::from_vec(PlSmallStr::EMPTY, codes))?;
            PolarsResult::Ok(values.with_name(name.into()).into_column())
        };
        let [customers, invoices] = ids;
        let mut typed = vec![column(customers, cols::CUSTOMER)?];
        if roles.invoice.is_some() {
            typed.push(column(invoices, cols::INVOICE)?);
        }
        let dates: Int64Chunked = self
            .gather(|c| &c.date)
            .into_iter()
            .map(|c| parsed_dates.get(c as usize).copied().flatten())
            .collect();
        typed.push(
            dates
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_series()
                .with_name(cols::DATE.into())
                .into_column(),
        );
        let present = Present::of(roles);
        let numbers = |k: usize| -> Vec<f64> { self.gather(|c| &c.numbers[k]) };
        let float = |name: &str, values: Vec<f64>| {
            Float64Chunked::from_vec(name.into(), values).into_column()
        };
        let [quantity, price, amount] = [0, 1, 2].map(numbers);
        let amount = if present.amount_column {
            amount
        } else {
            quantity.iter().zip(&price).map(|(q, p)| q * p).collect()
        };
        if present.quantity {
            typed.push(float(cols::QUANTITY, quantity));
        }
        if present.price {
            typed.push(float(cols::PRICE, price));
        }
        typed.push(float(cols::AMOUNT, amount));
        Ok(typed)
    }

    /// Product, description and dimensions of the kept rows (the end trimmed and empty values null,
    /// as the general path makes them), from the chunks' values.
    fn text_columns(self, texts: &[(&str, &str)]) -> Vec<Column> {
        use rayon::prelude::*;
        texts
            .par_iter()
            .enumerate()
            .map(|(t, (_, name))| {
                let mut values = MutablePlString::with_capacity(self.rows);
                for (chunk, keep) in self.chunks.iter().zip(self.keep) {
                    let chunk_values = &chunk.text[t];
                    for (row, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
                        values.push(chunk_values.is_valid(row).then(|| chunk_values.value(row)));
                    }
                }
                let array: Utf8ViewArray = values.into();
                StringChunked::with_chunk((*name).into(), array).into_column()
            })
            .collect()
    }

    /// `customer_code` (ranked by id) and `invoice_code` (first appearance) of the kept rows, as
    /// [`Transactions`](crate::data::transactions::Transactions) defines them, from the merged
    /// codes: the same numbers the general path gets by hashing the kept ids again.
    fn codes(
        customer_codes: &[u32],
        invoice_codes: Option<&[u32]>,
        customers: &Interner,
        invoices: &Interner,
    ) -> (Vec<u32>, Option<Vec<u32>>) {
        // Dense codes over the kept rows, in order of first appearance there.
        let dense = |codes: &[u32], distinct: usize| -> (Vec<u32>, Vec<u32>) {
            let mut remap = vec![NULL; distinct];
            let mut firsts = Vec::new();
            let dense = codes
                .iter()
                .map(|&c| {
                    let slot = &mut remap[c as usize];
                    if *slot == NULL {
                        *slot = firsts.len() as u32;
                        firsts.push(c);
                    }
                    *slot
                })
                .collect();
            (dense, firsts)
        };
        let (first_seen, firsts) = dense(customer_codes, customers.len());
        let ids: Vec<&str> = firsts.iter().map(|&c| customers.get(c)).collect();
        let rank = crate::data::transactions::rank_by_id(&ids);
        let customer = first_seen.into_iter().map(|c| rank[c as usize]).collect();
        let invoice = invoice_codes.map(|codes| dense(codes, invoices.len()).0);
        (customer, invoice)
    }
}

/// One field's text and where the next field starts.
struct Field<'t> {
    /// The text, quotes undoubled unless the caller asked to keep them (see `doubled`).
    text: Cow<'t, str>,
    quoted: bool,
    /// Whether `text` still has its doubled quotes (`""` for each `"`).
    doubled: bool,
    /// Where the field ends: at the delimiter or line end that follows it, if any.
    next: usize,
}

/// How a record without quotes splits.
enum Split {
    /// The fields are in `bounds`; the next record starts here.
    Row(usize),
    /// The record has a quote: take the careful path.
    Quoted,
    /// Not the shape the fast path handles.
    Unsupported,
}

/// Splits a record that has no quote into `bounds` (one byte range per column, without a CRLF's
/// `\r`).
fn split_plain(bytes: &[u8], pos: usize, delimiter: u8, bounds: &mut [(usize, usize)]) -> Split {
    let last = bounds.len() - 1;
    let mut column = 0;
    let mut start = pos;
    loop {
        let i = next_special(bytes, start, delimiter);
        let cr = i > start && bytes[i - 1] == b'\r';
        match bytes.get(i) {
            Some(&b) if b == delimiter && column < last => {
                bounds[column] = (start, i);
                column += 1;
                start = i + 1;
            }
            Some(b'\n') if column == last => {
                bounds[column] = (start, if cr { i - 1 } else { i });
                return Split::Row(i + 1);
            }
            None if column == last && !cr => {
                bounds[column] = (start, i);
                return Split::Row(i);
            }
            Some(b'"') => return Split::Quoted,
            _ => return Split::Unsupported,
        }
    }
}

/// The position of the first delimiter, line end or quote at or after `from` (the end of `bytes`
/// when there is none). Fields are short, so eight bytes at a time beats a call into `memchr3`:
/// each byte of `word ^ splat(c)` is zero where the byte is `c`, and the lowest zero byte is
/// found exactly by the borrow trick (higher ones may be false positives, which do not matter).
fn next_special(bytes: &[u8], from: usize, delimiter: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let splat = |b: u8| ONES * u64::from(b);
    let (d, n, q) = (splat(delimiter), splat(b'\n'), splat(b'"'));
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let hits = zero_bytes(word ^ d) | zero_bytes(word ^ n) | zero_bytes(word ^ q);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == delimiter || b == b'\n' || b == b'"' {
            break;
        }
        i += 1;
    }
    i
}

/// Removes the `\r` of a CRLF line end from the last field (a quoted field's was skipped already).
fn strip_cr(text: Cow<'_, str>, quoted: bool) -> Cow<'_, str> {
    if quoted {
        return text;
    }
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_suffix('\r').unwrap_or(s)),
        Cow::Owned(s) => Cow::Owned(s.strip_suffix('\r').map(str::to_string).unwrap_or(s)),
    }
}

/// Scans one field from `pos`: plain up to the next delimiter or line end, or quoted (`""` inside
/// quotes is one quote). `None` for what the fast path leaves to polars: a quote inside a plain
/// field, an unclosed quote, a line break inside quotes, text after a closing quote.
/// With `undouble` false, a quoted field's doubled quotes are left in its text (`doubled`), for
/// a reader that handles them itself.
fn field<'t>(
    bytes: &[u8],
    text: &'t str,
    pos: usize,
    delimiter: u8,
    undouble: bool,
) -> Option<Field<'t>> {
    if bytes.get(pos) != Some(&b'"') {
        let rest = bytes.get(pos..).unwrap_or_default();
        let end = memchr::memchr3(delimiter, b'\n', b'"', rest).map_or(bytes.len(), |i| pos + i);
        if bytes.get(end) == Some(&b'"') {
            return None;
        }
        return Some(Field {
            text: Cow::Borrowed(text.get(pos..end)?),
            quoted: false,
            doubled: false,
            next: end,
        });
    }
    // The text between the quotes, undoubled as it is scanned when a quote is doubled.
    let mut from = pos + 1;
    let mut undoubled: Option<String> = None;
    let mut doubled = false;
    let close = loop {
        let quote = from + memchr::memchr(b'"', bytes.get(from..)?)?;
        if bytes.get(quote + 1) == Some(&b'"') {
            doubled = true;
            if undouble {
                let segment = text.get(from..=quote)?;
                undoubled
                    .get_or_insert_with(|| String::with_capacity(quote - pos))
                    .push_str(segment);
            }
            from = quote + 2;
        } else {
            if let Some(undoubled) = undoubled.as_mut() {
                undoubled.push_str(text.get(from..quote)?);
            }
            break quote;
        }
    };
    let inner = text.get(pos + 1..close)?;
    if memchr::memchr(b'\n', inner.as_bytes()).is_some() {
        return None;
    }
    let mut next = close + 1;
    // A CRLF after a closing quote: the \r is part of the line end.
    if bytes.get(next) == Some(&b'\r') && bytes.get(next + 1) == Some(&b'\n') {
        next += 1;
    }
    Some(Field {
        text: match undoubled {
            Some(undoubled) => Cow::Owned(undoubled),
            None => Cow::Borrowed(inner),
        },
        quoted: true,
        doubled: doubled && !undouble,
        next,
    })
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
