//! One block's rows: parsed field by field into codes, numbers and text, with what each row
//! says for the cleaning rules.

use super::*;

/// One field of a record as the chunk sees it.
#[derive(Clone, Copy)]
pub(crate) struct Value<'t> {
    pub(crate) text: &'t str,
    pub(crate) quoted: bool,
    /// Whether `text` still has a quoted field's doubled quotes (only the basket column's may).
    pub(crate) doubled: bool,
}

impl<'t> Value<'t> {
    /// An unquoted field's text (empty: missing).
    pub(crate) fn plain(text: &'t str) -> Self {
        Value {
            text,
            quoted: false,
            doubled: false,
        }
    }
}

/// A record's fields as [`Chunk::push`] reads them, by file column: text by default (a delimited
/// file's fields); a typed source (a Parquet batch) gives numbers and dates as they are.
pub(crate) trait Record<'t> {
    /// The field in file column `column`, as text.
    fn value(&self, column: usize) -> Value<'t>;

    /// The number in file column `column`.
    fn number(&self, column: usize, thousands: CommaReading) -> Number {
        read_number(self.value(column).text, thousands)
    }

    /// The date in file column `column`.
    fn date(&self, column: usize) -> DateField<'t> {
        DateField::Text(self.value(column).text)
    }
}

impl<'t, F: Fn(usize) -> Value<'t>> Record<'t> for F {
    fn value(&self, column: usize) -> Value<'t> {
        self(column)
    }
}

/// A date field: text to be parsed, or a typed date (ms since 1970; `None`: missing).
pub(crate) enum DateField<'t> {
    Text(&'t str),
    Typed(Option<i64>),
}

/// A block's distinct typed dates (ms since 1970) in order of first appearance, coded like the
/// text dates of [`Chunk::dates`].
#[derive(Default)]
pub(crate) struct TypedDates {
    index: hashbrown::HashMap<i64, u32>,
    pub(crate) values: Vec<i64>,
    /// The previous value and its code: the lines of one invoice repeat the date.
    last: Option<(i64, u32)>,
}

impl TypedDates {
    fn code(&mut self, ms: i64) -> u32 {
        if let Some((last, code)) = self.last
            && last == ms
        {
            return code;
        }
        let next = self.values.len() as u32;
        let code = *self.index.entry(ms).or_insert(next);
        if code == next {
            self.values.push(ms);
        }
        self.last = Some((ms, code));
        code
    }
}

/// The rows of one block: one entry per row in each vector; ids and dates coded against the
/// block's own distinct values until [`Parsed::merge`].
pub(crate) struct Chunk {
    pub(super) customers: Interner,
    pub(super) invoices: Interner,
    pub(super) dates: Interner,
    /// The dates of a typed date column (the codes in `date` then refer to these, and `dates` is
    /// empty).
    pub(super) typed_dates: Option<TypedDates>,
    pub(super) facts: Vec<Facts>,
    pub(super) customer: Vec<u32>,
    pub(super) invoice: Vec<u32>,
    pub(super) date: Vec<u32>,
    pub(super) numbers: [Vec<f64>; 3],
    /// Product, description and dimension values, the end trimmed, empty ones null: copied out of
    /// the block while it is parsed (in `building`), so that blocks can go as soon as they are.
    pub(super) text: Vec<Utf8ViewArray>,
    pub(super) building: Vec<MutablePlString>,
    /// Empty fields per file column, which polars reads as nulls.
    pub(super) missing: Vec<usize>,
    /// Rows whose quantity, price or amount was present but not a number, and examples.
    pub(super) bad_numbers: [(usize, Vec<String>); 3],
    /// Each row's basket, when they are read while parsing.
    pub(super) baskets: Option<BasketRows>,
}

/// What each distinct date value (parsed, `None` when unreadable) says about its rows.
pub(super) fn date_facts(parsed: &[Option<i64>], options: &LoadOptions) -> Vec<Facts> {
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
pub(super) fn parse_chunk(block: &str, mut pos: usize, header: &Header) -> Option<Chunk> {
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
                chunk.push(layout, &|i| {
                    let (start, end) = bounds[i];
                    Value::plain(block.get(start..end).unwrap_or_default())
                });
                pos = next;
            }
            Split::Quoted => pos = chunk.push_quoted(block, pos, header)?,
            Split::Unsupported => return None,
        }
    }
    chunk.finish_text();
    Some(chunk)
}

impl Chunk {
    /// Ends the text columns once every row is pushed.
    pub(crate) fn finish_text(&mut self) {
        self.text = std::mem::take(&mut self.building)
            .into_iter()
            .map(Utf8ViewArray::from)
            .collect();
    }

    /// Counts the rows with a customer whose date is present but unreadable (`parsed[code]` is
    /// `None`), with examples from `values`, into `(rows, examples)`.
    pub(super) fn unreadable_dates(
        &self,
        values: &Interner,
        parsed: &[Option<i64>],
        (rows, examples): &mut (usize, Vec<String>),
    ) {
        for (&customer, &date) in self.customer.iter().zip(&self.date) {
            if customer != NULL && date != NULL && parsed[date as usize].is_none() {
                *rows += 1;
                ParseFailure::add_example(examples, values.get(date));
            }
        }
    }

    /// Adds what the rows' dates (`date_facts`, by date code) and invoices (`cancelled`, by
    /// invoice code) say, then gives each row's fate under the `enforced` reasons.
    pub(super) fn fates(
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

    pub(crate) fn new(layout: &Layout) -> Self {
        Chunk {
            customers: Interner::for_ids(),
            invoices: Interner::for_ids(),
            dates: Interner::new(),
            typed_dates: None,
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

    pub(crate) fn reserve(&mut self, layout: &Layout, rows: usize) {
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

    /// Adds one record; `record.value(i)` is its field in file column `i`.
    /// Missing values are counted by the callers, which see the field bounds.
    pub(crate) fn push<'t>(&mut self, layout: &Layout, record: &impl Record<'t>) {
        let value = |column: usize| record.value(column);
        let customer = self.customers.code(value(layout.customer).text);
        self.customer.push(customer);
        if customer == NULL {
            let date = self.date_code(record.date(layout.date));
            self.push_dropped(layout, date, DropReason::MissingCustomer);
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
        let date = self.date_code(record.date(layout.date));
        if date == NULL {
            facts |= DropReason::MissingDate.bit();
        }
        self.date.push(date);
        let mut read = [1.0f64; 3];
        for &(k, column) in &layout.numbers {
            let [unparsable, missing, non_positive] = layout.number_reasons[k];
            let number = match record.number(column, layout.thousands) {
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

    /// The code of a row's date. A row without a customer is dropped for that whatever else holds
    /// (it is the first reason and always enforced), so its numbers, invoice and text are not
    /// read, but its date is coded: the date layout is detected from every row's date, as the
    /// general path does.
    fn date_code(&mut self, date: DateField<'_>) -> u32 {
        match date {
            DateField::Text(text) => self.dates.code(text),
            DateField::Typed(Some(ms)) => self.typed_dates.get_or_insert_default().code(ms),
            DateField::Typed(None) => NULL,
        }
    }

    /// A row whose fields are all empty: dropped as a blank row, its fields not counted as missing
    /// values (the general path never makes it a row of the table).
    pub(crate) fn push_blank(&mut self, layout: &Layout) {
        self.customer.push(NULL);
        self.push_dropped(layout, NULL, DropReason::BlankRow);
    }

    /// The rest of a row dropped for `reason` before its values are read (the customer is
    /// pushed already): its date code and placeholders for everything else.
    pub(super) fn push_dropped(&mut self, layout: &Layout, date: u32, reason: DropReason) {
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
    pub(super) fn push_quoted(
        &mut self,
        block: &str,
        mut pos: usize,
        header: &Header,
    ) -> Option<usize> {
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
        self.push(&header.layout, &|i| values[i]);
        Some(pos)
    }
}
