//! A block's rows as codes, numbers and text, with what each row says for the cleaning rules.

use polars_arrow::array::{MutablePlString, Utf8ViewArray};

use super::layout::Layout;
use super::record::Value;
use crate::data::basket::BasketRows;
use crate::data::clean::{self, DropReason, Facts, ReasonCounts};
use crate::data::interner::{Interner, NULL};
use crate::data::numbers::{Number, read_number};
use crate::data::options::LoadOptions;
use crate::data::sanity::ParseFailure;

/// The rows of one block: one entry per row in each vector; ids and dates coded against the
/// block's own distinct values (the loader merges a whole file's blocks afterwards, the stream
/// recodes each cleaned block's kept rows over the input).
pub(crate) struct Chunk {
    pub(crate) customers: Interner,
    pub(crate) invoices: Interner,
    pub(crate) dates: Interner,
    /// The dates of a typed date column (the codes in `date` then refer to these, and `dates` is
    /// empty).
    pub(crate) typed_dates: Option<TypedDates>,
    pub(crate) facts: Vec<Facts>,
    pub(crate) customer: Vec<u32>,
    pub(crate) invoice: Vec<u32>,
    pub(crate) date: Vec<u32>,
    pub(crate) numbers: [Vec<f64>; 3],
    /// Product, description and dimension values, the end trimmed, empty ones null: copied out of
    /// the block while it is parsed (in `building`), so that blocks can go as soon as they are.
    pub(crate) text: Vec<Utf8ViewArray>,
    pub(crate) building: Vec<MutablePlString>,
    /// Empty fields per file column, which polars reads as nulls.
    pub(crate) missing: Vec<usize>,
    /// Rows whose quantity, price or amount was present but not a number, and examples.
    pub(crate) bad_numbers: [(usize, Vec<String>); 3],
    /// Each row's basket, when they are read while parsing.
    pub(crate) baskets: Option<BasketRows>,
}

/// What each distinct date value (parsed, `None` when unreadable) says about its rows.
pub(crate) fn date_facts(parsed: &[Option<i64>], options: &LoadOptions) -> Vec<Facts> {
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
    pub(crate) fn code(&mut self, ms: i64) -> u32 {
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
    pub(crate) fn unreadable_dates(
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
    pub(crate) fn fates(
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

    /// Adds one record of a delimited file; `value(i)` is its field in file column `i` (a typed
    /// source's batch goes in column by column: [`Chunk::push_columns`]). Missing values are
    /// counted by the callers, which see the field bounds.
    pub(crate) fn push<'t>(&mut self, layout: &Layout, value: &impl Fn(usize) -> Value<'t>) {
        let customer = self.customers.code(value(layout.customer).text);
        self.customer.push(customer);
        // A row without a customer is dropped for that whatever else holds (it is the first
        // reason and always enforced), so its numbers, invoice and text are not read, but its
        // date is coded: the date layout is detected from every row's date, as the general path
        // does.
        let date = self.dates.code(value(layout.date).text);
        if customer == NULL {
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
        if date == NULL {
            facts |= DropReason::MissingDate.bit();
        }
        self.date.push(date);
        let mut read = [1.0f64; 3];
        for &(k, column) in &layout.numbers {
            let number = read_number(value(column).text, layout.thousands);
            let bad = &mut self.bad_numbers[k];
            let reasons = layout.number_reasons[k];
            let number = number_value(number, reasons, &mut facts, bad, || value(column).text);
            self.numbers[k].push(number);
            read[k] = number;
        }
        // Spend per row: a huge or overflowing amount is dropped.
        if amount_too_large(layout, read) {
            facts |= DropReason::AmountTooLarge.bit();
        }
        for &(t, column) in &layout.texts {
            push_text(&mut self.building[t], value(column).text);
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

    /// A row whose fields are all empty: dropped as a blank row, its fields not counted as missing
    /// values (the general path never makes it a row of the table).
    pub(crate) fn push_blank(&mut self, layout: &Layout) {
        self.customer.push(NULL);
        self.push_dropped(layout, NULL, DropReason::BlankRow);
    }

    /// The rest of a row dropped for `reason` before its values are read (the customer is
    /// pushed already): its date code and placeholders for everything else.
    pub(crate) fn push_dropped(&mut self, layout: &Layout, date: u32, reason: DropReason) {
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
}

/// The value a row keeps of `number`, adding to `facts` what it says under `reasons`
/// ([`Layout::number_reasons`]); an unparsable one is counted in `bad` with `text` as an example.
#[inline]
pub(super) fn number_value<'t>(
    number: Number,
    [unparsable, missing, non_positive]: [DropReason; 3],
    facts: &mut Facts,
    (rows, examples): &mut (usize, Vec<String>),
    text: impl FnOnce() -> &'t str,
) -> f64 {
    match number {
        Number::Value(v) => {
            if v <= 0.0 {
                *facts |= non_positive.bit();
            }
            v
        }
        Number::Missing => {
            *facts |= missing.bit();
            0.0
        }
        Number::Unparsable => {
            *facts |= unparsable.bit();
            *rows += 1;
            ParseFailure::add_example(examples, text().trim());
            0.0
        }
    }
}

/// Whether a row's spend is too large to keep: its amount, or quantity x price, from `read` (the
/// row's quantity, price and amount; 1 for those the file lacks).
#[inline]
pub(super) fn amount_too_large(layout: &Layout, read: [f64; 3]) -> bool {
    let amount = match layout.amount_column {
        true => read[2],
        false => read[0] * read[1],
    };
    crate::data::clean::amount_too_large(amount)
}

/// Adds a text field as the chunk keeps text: the end trimmed, empty text as null.
#[inline]
pub(super) fn push_text(values: &mut MutablePlString, text: &str) {
    match text.trim_end() {
        "" => values.push_null(),
        text => values.push_value(text),
    }
}
