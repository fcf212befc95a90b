//! A block of delimited text parsed record by record into a [`Chunk`] (see
//! [`crate::data::row_block`]).

use super::*;

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
