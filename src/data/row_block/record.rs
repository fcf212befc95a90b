//! What a delimited file's parser hands the chunk for each field of a row.

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
