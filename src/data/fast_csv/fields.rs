//! Splitting a record into fields: plain runs fast, quoted fields one by one.

use super::*;

/// One field's text and where the next field starts.
pub(super) struct Field<'t> {
    /// The text, quotes undoubled unless the caller asked to keep them (see `doubled`).
    pub(super) text: Cow<'t, str>,
    pub(super) quoted: bool,
    /// Whether `text` still has its doubled quotes (`""` for each `"`).
    pub(super) doubled: bool,
    /// Where the field ends: at the delimiter or line end that follows it, if any.
    pub(super) next: usize,
}

/// How a record without quotes splits.
pub(super) enum Split {
    /// The fields are in `bounds`; the next record starts here.
    Row(usize),
    /// The record has a quote: take the careful path.
    Quoted,
    /// Not the shape the fast path handles.
    Unsupported,
}

/// Splits a record that has no quote into `bounds` (one byte range per column, without a CRLF's
/// `\r`).
pub(super) fn split_plain(
    bytes: &[u8],
    pos: usize,
    delimiter: u8,
    bounds: &mut [(usize, usize)],
) -> Split {
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
pub(super) fn next_special(bytes: &[u8], from: usize, delimiter: u8) -> usize {
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
pub(super) fn strip_cr(text: Cow<'_, str>, quoted: bool) -> Cow<'_, str> {
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
pub(super) fn field<'t>(
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
