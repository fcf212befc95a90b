//! A chunk's rows cleaned on their own: dates parsed once per distinct value, the rules
//! applied, each dropped row counted under its reason, and the kept rows handed on as a
//! [`CleanBlock`] for the input-wide stage (`data::stream::input`).

use polars_arrow::array::Array;

use super::chunk::{Chunk, date_facts};
use super::layout::Layout;
use crate::data::clean::{self, Facts};
use crate::data::dates::{self, DateEvidence, DateFormat, DateKind};
use crate::data::interner::NULL;
use crate::data::options::LoadOptions;
use crate::data::roles::ResolvedRoles;
use crate::data::row_block::{BlockFacts, CleanBlock, Fingerprint, TextCodes, text_indices};
use crate::data::row_sink::SinkColumns;
use crate::data::sanity::ParseFailure;

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

/// What a block says before cleaning, for the sanity report: the reader's `missing_values` per
/// file column and `blank_rows` (a delimited file's rejected lines; a Parquet batch has none, its
/// blank rows are counted among the dropped rows), and the unreadable dates and numbers the chunk
/// met.
pub(crate) fn block_facts(
    chunk: &Chunk,
    roles: &ResolvedRoles,
    parsed: &[Option<i64>],
    missing_values: Vec<(String, usize)>,
    blank_rows: Vec<usize>,
) -> BlockFacts {
    let mut dates = (0, Vec::new());
    chunk.unreadable_dates(&chunk.dates, parsed, &mut dates);
    BlockFacts {
        missing_values,
        parse_failures: parse_failures(roles, dates, chunk.bad_numbers.clone()),
        blank_rows,
    }
}

/// The parse failures from what was counted (rows and examples): unreadable dates and unreadable
/// quantities, prices and amounts, in the general path's order: date, quantity, price, amount.
pub(crate) fn parse_failures(
    roles: &ResolvedRoles,
    dates: (usize, Vec<String>),
    numbers: [(usize, Vec<String>); 3],
) -> Vec<ParseFailure> {
    let mut out = Vec::new();
    if dates.0 > 0 {
        out.push(ParseFailure {
            column: roles.date.clone(),
            role: "date",
            rows: dates.0,
            examples: dates.1,
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
    for ((source, role), (rows, examples)) in sources.into_iter().zip(numbers) {
        if let (Some(source), true) = (source, rows > 0) {
            out.push(ParseFailure {
                column: source.clone(),
                role,
                rows,
                examples,
            });
        }
    }
    out
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
