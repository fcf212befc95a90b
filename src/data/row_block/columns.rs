//! A typed source's batch (a Parquet batch) added to a [`Chunk`] column by column: the same
//! codes, numbers, text and facts as [`Chunk::push`] gives a delimited file's rows, with each
//! column's type matched once per slice of rows rather than once per field (pushing Parquet rows
//! one at a time was the largest single cost of reading 10^8 rows; BENCHMARKS.md).

use polars_arrow::array::MutablePlString;

use super::chunk::{Chunk, TypedDates, amount_too_large, number_value, push_text};
use super::layout::Layout;
use crate::data::clean::{DropReason, Facts};
use crate::data::interner::{Interner, NULL};
use crate::data::numbers::{CommaReading, Number};

/// A batch's columns as [`Chunk::push_columns`] reads them, by file column. Each method reads one
/// column over every row of the batch; `read[row]` says whether the row's value is read at all
/// (a row that is not gets [`NULL`] or a null text; `numbers` skips it).
pub(crate) trait Columns {
    /// Pushes the code among `ids` of each row's id in `column` to `codes` ([`NULL`] for a missing
    /// id), as [`Interner::code`] and [`Interner::code_integer`] code them.
    fn code_ids(&self, column: usize, read: &[bool], ids: &mut Interner, codes: &mut Vec<u32>);

    /// Pushes the code of each row's date in `column` to `codes`: text dates among `text`, typed
    /// ones among `typed` (made when the first typed date comes).
    fn code_dates(
        &self,
        column: usize,
        read: &[bool],
        dates: (&mut Interner, &mut Option<TypedDates>),
        codes: &mut Vec<u32>,
    );

    /// Hands `each` the number in `column` of each row that is `read`, with the row.
    fn numbers(
        &self,
        column: usize,
        read: &[bool],
        thousands: CommaReading,
        each: impl FnMut(usize, Number),
    );

    /// Pushes each row's text in `column` to `values`, its end trimmed, empty text as null.
    fn texts(&self, column: usize, read: &[bool], values: &mut MutablePlString);

    /// The field in `column` of `row` as text (an unreadable number's example).
    fn text(&self, column: usize, row: usize) -> &str;
}

/// Pushes a code per row to `codes`: [`NULL`] for the rows not `read`, the previous row's code
/// when both are read and `same(row)` (the row holds the previous row's value: the lines of one
/// invoice repeat ids and dates), else `code(row)`.
#[inline]
pub(crate) fn code_runs(
    read: &[bool],
    codes: &mut Vec<u32>,
    same: impl Fn(usize) -> bool,
    mut code: impl FnMut(usize) -> u32,
) {
    codes.reserve(read.len());
    let mut previous: Option<u32> = None;
    for (row, &read) in read.iter().enumerate() {
        let value = match (read, previous) {
            (false, _) => NULL,
            (true, Some(previous)) if same(row) => previous,
            (true, _) => code(row),
        };
        previous = read.then_some(value);
        codes.push(value);
    }
}

/// Pushes each row's text to `values` as [`Chunk::push`] keeps text ([`push_text`]); a row not
/// read, or null, as null.
#[inline]
pub(crate) fn push_texts<'a>(
    read: &[bool],
    values: &mut MutablePlString,
    text: impl Fn(usize) -> Option<&'a str>,
) {
    values.reserve(read.len());
    for (row, &read) in read.iter().enumerate() {
        push_text(values, text(row).filter(|_| read).unwrap_or_default());
    }
}

impl Chunk {
    /// Adds a batch's rows column by column; `blank[row]` says whether the row is null in every
    /// column of the file. The layout must not read baskets (a typed source's baskets are read by
    /// the loader).
    pub(crate) fn push_columns(&mut self, layout: &Layout, batch: &impl Columns, blank: &[bool]) {
        debug_assert!(layout.basket.is_none(), "baskets are read row by row");
        let start = self.customer.len();
        let not_blank: Vec<bool> = blank.iter().map(|blank| !blank).collect();
        batch.code_ids(
            layout.customer,
            &not_blank,
            &mut self.customers,
            &mut self.customer,
        );
        // Every row's date is coded (the layout is detected from all of them), as `push` does.
        let dates = (&mut self.dates, &mut self.typed_dates);
        batch.code_dates(layout.date, &not_blank, dates, &mut self.date);
        // A row without a customer is dropped for that whatever else holds: nothing more is read.
        let read: Vec<bool> = self.customer[start..].iter().map(|&c| c != NULL).collect();
        let mut facts: Vec<Facts> = blank
            .iter()
            .zip(&read)
            .zip(&self.date[start..])
            .map(|((&blank, &read), &date)| match (blank, read) {
                (true, _) => DropReason::BlankRow.bit(),
                (false, false) => DropReason::MissingCustomer.bit(),
                (false, true) if date == NULL => DropReason::MissingDate.bit(),
                (false, true) => 0,
            })
            .collect();
        if let Some(column) = layout.invoice {
            batch.code_ids(column, &read, &mut self.invoices, &mut self.invoice);
            let invoices = &self.invoice[start..];
            for ((facts, &invoice), &read) in facts.iter_mut().zip(invoices).zip(&read) {
                if read && invoice == NULL {
                    *facts |= DropReason::MissingInvoice.bit();
                }
            }
        }
        for &(k, column) in &layout.numbers {
            let reasons = layout.number_reasons[k];
            let bad = &mut self.bad_numbers[k];
            let values = &mut self.numbers[k];
            // Rows not read keep 0.
            values.resize(start + read.len(), 0.0);
            let values = &mut values[start..];
            batch.numbers(column, &read, layout.thousands, |row, number| {
                let text = || batch.text(column, row);
                values[row] = number_value(number, reasons, &mut facts[row], bad, text);
            });
        }
        for (row, facts) in facts.iter_mut().enumerate() {
            let mut spend = [1.0f64; 3];
            for &(k, _) in &layout.numbers {
                spend[k] = self.numbers[k][start + row];
            }
            if read[row] && amount_too_large(layout, spend) {
                *facts |= DropReason::AmountTooLarge.bit();
            }
        }
        for &(t, column) in &layout.texts {
            batch.texts(column, &read, &mut self.building[t]);
        }
        self.facts.extend(facts);
    }
}

#[cfg(test)]
mod tests {
    use polars_arrow::array::{Array, Utf8ViewArray};

    use super::*;

    #[test]
    fn a_row_takes_the_previous_code_only_when_both_are_read() {
        let read = [true, true, false, true, true, true];
        // Rows 1, 3 and 4 hold the previous row's value; row 3's previous row is not read.
        let same = |row: usize| matches!(row, 1 | 3 | 4);
        let mut coded = Vec::new();
        let mut codes = vec![7];
        code_runs(&read, &mut codes, same, |row| {
            coded.push(row);
            10 + row as u32
        });
        assert_eq!(codes, [7, 10, 10, NULL, 13, 13, 15]);
        assert_eq!(coded, [0, 3, 5]);
    }

    #[test]
    fn texts_are_trimmed_at_the_end_and_empty_ones_null() {
        let fields = [Some(" a  "), Some("   "), Some("b"), None, Some("c")];
        let read = [true, true, false, true, true];
        let mut values = MutablePlString::new();
        push_texts(&read, &mut values, |row| fields[row]);
        let values: Utf8ViewArray = values.into();
        let kept: Vec<Option<&str>> = (0..values.len())
            .map(|row| values.is_valid(row).then(|| values.value(row)))
            .collect();
        assert_eq!(kept, [Some(" a"), None, None, None, Some("c")]);
    }
}
