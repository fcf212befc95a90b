//! A block after the clean stage: its kept rows with ids coded against the block's own distinct
//! values, the counts of what was dropped, and the raw facts the sanity report gathers. What a
//! reader hands on to the input-wide stage (`data::stream::input`).

use crate::data::clean::{ReasonCounts, cols};
use crate::data::interner::Interner;
use crate::data::roles::ResolvedRoles;
use crate::data::row_sink::{NO_VALUE, SinkColumns, TextColumn};
use crate::data::sanity::ParseFailure;

/// A block of rows parsed and cleaned on its own, before duplicates are looked for: the kept rows
/// with ids coded against the block's own distinct values.
pub(crate) struct CleanBlock {
    pub customers: Interner,
    pub invoices: Option<Interner>,
    pub customer: Vec<u32>,
    pub invoice: Vec<u32>,
    pub date: Vec<i64>,
    pub amount: Vec<f64>,
    /// The quantity, when the sink reads it and the input has it.
    pub quantity: Option<Vec<f64>>,
    /// The sink's text columns ([`SinkColumns::texts`]), `None` for a column the input lacks.
    pub texts: Vec<Option<TextCodes>>,
    /// A 128-bit hash of each kept row's values in every column (see [`Fingerprint`]).
    pub fingerprint: Vec<u128>,
    /// Rows read, and rows dropped per reason (duplicates aside).
    pub rows_in: usize,
    pub counts: ReasonCounts,
    /// What the block says before cleaning, when the stream gathers it for the sanity report
    /// ([`crate::data::stream::input`], which adds them up per file).
    pub facts: Option<BlockFacts>,
}

/// One text column of a block's kept rows, coded against the block's own distinct values.
#[derive(Default)]
pub(crate) struct TextCodes {
    pub values: Interner,
    pub codes: Vec<u32>,
    /// The previous value and its code: the lines of one invoice often repeat a value.
    run: Option<(String, u32)>,
}

impl TextCodes {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        TextCodes {
            codes: Vec::with_capacity(rows),
            ..Default::default()
        }
    }

    /// Adds the next row's value (`None`: null).
    pub(crate) fn push(&mut self, value: Option<&str>) {
        let code = match (value, &self.run) {
            (None, _) => NO_VALUE,
            (Some(value), Some((previous, code))) if previous == value => *code,
            (Some(value), _) => {
                let code = self.values.intern(value);
                let run = self.run.get_or_insert_with(|| (String::new(), code));
                run.0.clear();
                run.0.push_str(value);
                run.1 = code;
                code
            }
        };
        self.codes.push(code);
    }
}

/// For each of the sink's text columns, its index among the text columns the loader keeps for
/// `roles` ([`crate::data::roles::text_roles`]); `None` when the input lacks it.
pub(crate) fn text_indices(roles: &ResolvedRoles, wanted: &SinkColumns) -> Vec<Option<usize>> {
    let kept = crate::data::roles::text_roles(roles);
    wanted
        .texts
        .iter()
        .map(|column| {
            let name = match *column {
                TextColumn::Product => cols::PRODUCT,
                TextColumn::Description => cols::DESCRIPTION,
                TextColumn::Dimension(i) => roles.dimensions.get(i)?.as_str(),
            };
            kept.iter().position(|&(_, kept)| kept == name)
        })
        .collect()
}

/// What a block says before cleaning, when the stream gathers it for the sanity report
/// ([`crate::data::stream::input`], which adds them up per file).
#[derive(Default)]
pub(crate) struct BlockFacts {
    /// Missing values per file column, in file order.
    pub missing_values: Vec<(String, usize)>,
    /// Values that could not be read, with examples in file order.
    pub parse_failures: Vec<ParseFailure>,
    /// The block's rows (0-based within the block) that are lines without a value: a delimited
    /// file's rejected lines.
    pub blank_rows: Vec<usize>,
}

/// A kept row's values in every column, hashed to 128 bits: two rows are duplicates when their
/// fingerprints are equal. (For two of 10^9 distinct rows to share one by chance is about as
/// likely as 10^-20.)
pub(crate) struct Fingerprint {
    bytes: Vec<u8>,
}

impl Fingerprint {
    pub(crate) fn new() -> Self {
        Fingerprint {
            bytes: Vec::with_capacity(256),
        }
    }

    /// The fingerprint of one kept row, from every column of the loader's kept table in one order
    /// for every format (so that a row repeated across a CSV and a Parquet file is found): the
    /// customer and invoice ids (`None`: the input has no invoices), the date, the numbers the file
    /// has (quantity, price, amount, in that order) and the text columns (product, description,
    /// dimensions; `None` is null).
    pub(crate) fn row<'t>(
        &mut self,
        (customer, invoice): (&str, Option<&str>),
        date: i64,
        numbers: impl IntoIterator<Item = f64>,
        texts: impl IntoIterator<Item = Option<&'t str>>,
    ) -> u128 {
        self.bytes.clear();
        self.text(Some(customer));
        if invoice.is_some() {
            self.text(invoice);
        }
        self.int(date);
        for number in numbers {
            self.float(number);
        }
        for text in texts {
            self.text(text);
        }
        self.finish()
    }

    /// Adds a text value (`None`: null), its length first so that values cannot run together.
    fn text(&mut self, value: Option<&str>) {
        match value {
            Some(text) => {
                self.bytes
                    .extend_from_slice(&(text.len() as u32).to_le_bytes());
                self.bytes.extend_from_slice(text.as_bytes());
            }
            None => self.bytes.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
    }

    /// Adds a whole number.
    fn int(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Adds a number, equal for equal values as polars compares them (0.0 and -0.0 are one).
    fn float(&mut self, value: f64) {
        let value = if value == 0.0 { 0.0 } else { value };
        self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
    }

    /// The row's fingerprint.
    fn finish(&self) -> u128 {
        xxhash_rust::xxh3::xxh3_128(&self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_values_apart_and_equal_values_together() {
        let print = |values: &[Option<&str>], number: f64| {
            Fingerprint::new().row(("c", None), 0, [number], values.iter().copied())
        };
        assert_eq!(
            print(&[Some("a"), None], 1.0),
            print(&[Some("a"), None], 1.0)
        );
        assert_ne!(
            print(&[Some("ab"), Some("")], 1.0),
            print(&[Some("a"), Some("b")], 1.0)
        );
        assert_ne!(
            print(&[Some("a"), None], 1.0),
            print(&[Some("a"), Some("")], 1.0)
        );
        assert_eq!(print(&[], 0.0), print(&[], -0.0));
        assert_ne!(print(&[], 1.0), print(&[], 2.0));
    }
}
