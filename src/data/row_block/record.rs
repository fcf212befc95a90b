//! What a parser hands the chunk for each row: its fields by file column.

use crate::data::numbers::{CommaReading, Number, read_number};

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

    /// Whether the field in file column `column` is known to hold the same value as the
    /// previous row's (a shortcut for typed sources; `false` says nothing).
    fn repeats(&self, _column: usize) -> bool {
        false
    }

    /// The id in file column `column`.
    fn id(&self, column: usize) -> IdField<'t> {
        IdField::Text(self.value(column).text)
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

/// An id field: text, or an integer column's value (coded as its decimal text would be).
pub(crate) enum IdField<'t> {
    Text(&'t str),
    Integer(i64),
}

/// A date field: text to be parsed, or a typed date (ms since 1970; `None`: missing).
pub(crate) enum DateField<'t> {
    Text(&'t str),
    Typed(Option<i64>),
}
