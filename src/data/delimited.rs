//! Splitting decoded delimited text into a raw table, row by row, with line numbers.
//!
//! This is the general path's CSV reader (the streaming path in `data::fast_csv` takes the
//! common shape of file and hands everything else here). It is written out rather than left to
//! polars' reader because custseg must account for every line: polars reads a blank line as a row
//! of nulls, stops at the first ragged row with a message in Python's words and no line number, and
//! reads an unclosed quote as one value running to the end of the file. Here a blank row, a row with fewer
//! or more fields than the header, and an unclosed quote are each named, with the line.
//!
//! Fields follow RFC 4180 as polars reads it: a field that starts with `"` is quoted, `""` inside it
//! is one quote, and text after the closing quote up to the delimiter is kept; a quote inside an
//! unquoted field is an ordinary character; an empty unquoted field is missing (null) while a quoted
//! empty field (`""`) is empty text; a `\r` before a line end is dropped.
//!
//! A delimiter of `' '` means a whitespace-aligned file (CDNOW's `00001 19970101 1 11.77`): fields
//! are separated by runs of spaces and tabs, leading and trailing blanks are ignored, and quotes
//! are ordinary characters.

use std::borrow::Cow;
use std::path::Path;

use polars::prelude::*;
use polars_arrow::array::{MutablePlString, Utf8ViewArray};

use crate::data::clean::DropReason;
use crate::error::{Error, Result};

/// More columns than any transaction table has: a sign of the wrong delimiter, and a frame of a
/// million empty columns is not worth building to say so.
const MAX_COLUMNS: usize = 10_000;

/// The delimiter value that means "runs of spaces and tabs".
pub const WHITESPACE: u8 = b' ';

/// Rows the reader could not turn into a table row, per reason, with the first line of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RejectedRows {
    /// (reason, rows, first line number), in [`DropReason::ALL`] order.
    pub reasons: Vec<(DropReason, usize, usize)>,
}

impl RejectedRows {
    /// All rejected rows.
    pub fn total(&self) -> usize {
        self.reasons.iter().map(|(_, n, _)| n).sum()
    }

    /// Counts one more row for `reason`, on `line`.
    pub(crate) fn add(&mut self, reason: DropReason, line: usize) {
        match self.reasons.iter_mut().find(|(r, _, _)| *r == reason) {
            Some((_, n, _)) => *n += 1,
            None => {
                self.reasons.push((reason, 1, line));
                self.reasons.sort_by_key(|(r, _, _)| *r);
            }
        }
    }
}

/// One field as read: its text and whether it was quoted.
struct Field<'t> {
    text: Cow<'t, str>,
    quoted: bool,
}

/// Reads `text` (UTF-8, byte-order mark removed) split on `delimiter` into a frame of text columns.
///
/// The first line is the header unless `column_names` is given, in which case every line is data.
/// Rows whose fields are all empty are counted as [`DropReason::BlankRow`]; rows with fewer or
/// more fields than the header as [`DropReason::ShortRow`] and [`DropReason::LongRow`]; none of
/// them is in the frame.
pub fn read_delimited(
    name: &Path,
    text: &str,
    delimiter: u8,
    column_names: &[String],
) -> Result<(DataFrame, RejectedRows)> {
    let mut lines = Records {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        delimiter,
    };
    let header: Vec<String> = if column_names.is_empty() {
        let mut fields = Vec::new();
        match lines
            .next_record(&mut fields)
            .map_err(|line| unclosed(name, line))?
        {
            Some(_) if fields.len() > MAX_COLUMNS => {
                return Err(too_many_columns(name, fields.len()));
            }
            Some(_) => header_names(fields),
            None => {
                return Err(Error::format(
                    name,
                    "the file is empty: it has no header line and no rows. Export the data again.",
                ));
            }
        }
    } else {
        column_names.to_vec()
    };
    let width = header.len();
    if width > MAX_COLUMNS {
        return Err(too_many_columns(name, width));
    }
    // Values go straight into the columns' arrays: one pass, and no vector of fields per row or
    // of values per column (on a 525 MB file those took more memory than the table).
    let rows_guess = rows_estimate(lines.bytes.get(lines.pos..).unwrap_or_default(), width);
    let mut columns: Vec<MutablePlString> = (0..width)
        .map(|_| MutablePlString::with_capacity(rows_guess))
        .collect();
    let mut rejected = RejectedRows::default();
    let mut fields = Vec::with_capacity(width);
    let mut height = 0;
    while let Some(line) = lines
        .next_record(&mut fields)
        .map_err(|line| unclosed(name, line))?
    {
        if fields.iter().all(|f| f.text.is_empty()) {
            rejected.add(DropReason::BlankRow, line);
        } else if fields.len() < width {
            rejected.add(DropReason::ShortRow, line);
        } else if fields.len() > width {
            rejected.add(DropReason::LongRow, line);
        } else {
            for (column, field) in columns.iter_mut().zip(&fields) {
                column.push((field.quoted || !field.text.is_empty()).then_some(&*field.text));
            }
            height += 1;
        }
    }
    let series: Vec<Column> = header
        .iter()
        .zip(columns)
        .map(|(name, values)| {
            let values: Utf8ViewArray = values.into();
            StringChunked::with_chunk(name.as_str().into(), values).into_column()
        })
        .collect();
    Ok((DataFrame::new(height, series)?, rejected))
}

/// About how many rows of `width` fields `text` holds, from the lines in its first 256 KiB: room
/// for the columns' values reserved once, without a count over the whole text. Never more than a
/// table row can take (its delimiters, a line end and one non-empty field: blank rows are not
/// kept), so that short lines at the start of a file cannot make it reserve more than that.
fn rows_estimate(text: &[u8], width: usize) -> usize {
    let sample = &text[..text.len().min(1 << 18)];
    let lines = memchr::memchr_iter(b'\n', sample).count().max(1);
    let estimate = text.len() / sample.len().div_ceil(lines).max(1) + 1;
    estimate.min(text.len() / (width + 1) + 1)
}

/// Header names as polars would give them: an empty name becomes `column_N` (its 1-based
/// position), a repeated one gets `_duplicated_N`.
fn header_names(fields: Vec<Field<'_>>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(fields.len());
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, field) in fields.into_iter().enumerate() {
        let mut name = if field.text.is_empty() {
            format!("column_{}", i + 1)
        } else {
            field.text.into_owned()
        };
        let base = name.clone();
        let mut n = 0;
        while taken.contains(&name) {
            name = format!("{base}_duplicated_{n}");
            n += 1;
        }
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

fn too_many_columns(name: &Path, width: usize) -> Error {
    Error::format(
        name,
        format!(
            "the header has {width} fields, more than any transaction table ({MAX_COLUMNS} at \
             most): the file is probably not split on its real delimiter. Set \
             `ReadOptions::delimiter` to the character between its columns."
        ),
    )
}

fn unclosed(name: &Path, line: usize) -> Error {
    Error::format(
        name,
        format!(
            "line {line}: a quoted field opens here and is never closed, so the rest of the file \
             would be read as one value. Close the quote (a quote inside a quoted field is \
             written twice: \"\"), or check that the delimiter is right."
        ),
    )
}

/// The records of a text, one at a time.
struct Records<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    /// The line the next record starts on (1-based).
    line: usize,
    delimiter: u8,
}

impl<'t> Records<'t> {
    /// Reads the next record into `fields` (emptied first) and gives the line it starts on;
    /// `Err(line)` for a quote opened on `line` that never closes.
    fn next_record(
        &mut self,
        fields: &mut Vec<Field<'t>>,
    ) -> std::result::Result<Option<usize>, usize> {
        fields.clear();
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let start_line = self.line;
        if self.delimiter == WHITESPACE {
            self.whitespace_record(fields);
        } else {
            self.delimited_record(fields)?;
        }
        Ok(Some(start_line))
    }

    /// The end of the current line (the index of its `\n`, or the end of the text) and the text
    /// before it without a trailing `\r`.
    fn line_end(&self) -> (usize, &'t str) {
        let end = memchr::memchr(b'\n', &self.bytes[self.pos..])
            .map_or(self.bytes.len(), |i| self.pos + i);
        let line = &self.text[self.pos..end];
        (end, line.strip_suffix('\r').unwrap_or(line))
    }

    fn whitespace_record(&mut self, fields: &mut Vec<Field<'t>>) {
        let (end, line) = self.line_end();
        self.pos = end + 1;
        self.line += 1;
        fields.extend(
            line.split([' ', '\t'])
                .filter(|f| !f.is_empty())
                .map(|f| Field {
                    text: Cow::Borrowed(f),
                    quoted: false,
                }),
        );
    }

    fn delimited_record(&mut self, fields: &mut Vec<Field<'t>>) -> std::result::Result<(), usize> {
        loop {
            let (field, ended_line) = if self.bytes.get(self.pos) == Some(&b'"') {
                self.quoted_field()?
            } else {
                self.plain_field()
            };
            fields.push(field);
            if ended_line {
                return Ok(());
            }
        }
    }

    /// An unquoted field; whether it ended its line (or the text).
    fn plain_field(&mut self) -> (Field<'t>, bool) {
        let rest = &self.bytes[self.pos..];
        let stop = memchr::memchr2(self.delimiter, b'\n', rest).map_or(rest.len(), |i| i);
        let start = self.pos;
        self.pos += stop;
        let mut text = &self.text[start..self.pos];
        let ended_line = self.bytes.get(self.pos) != Some(&self.delimiter);
        if ended_line {
            text = text.strip_suffix('\r').unwrap_or(text);
            self.line += 1;
        }
        self.pos += 1;
        let field = Field {
            text: Cow::Borrowed(text),
            quoted: false,
        };
        (field, ended_line)
    }

    /// A field that starts with a quote; whether it ended its line (or the text).
    fn quoted_field(&mut self) -> std::result::Result<(Field<'t>, bool), usize> {
        let opened_on = self.line;
        let mut pos = self.pos + 1;
        let mut owned: Option<String> = None;
        let mut piece_start = pos;
        // Inside the quotes.
        loop {
            let rest = &self.bytes[pos..];
            let Some(i) = memchr::memchr2(b'"', b'\n', rest) else {
                return Err(opened_on);
            };
            pos += i;
            if self.bytes[pos] == b'\n' {
                self.line += 1;
                pos += 1;
                continue;
            }
            if self.bytes.get(pos + 1) == Some(&b'"') {
                let text = owned.get_or_insert_with(String::new);
                text.push_str(&self.text[piece_start..=pos]);
                pos += 2;
                piece_start = pos;
                continue;
            }
            break;
        }
        let quoted_end = pos;
        pos += 1;
        // After the closing quote: text up to the delimiter is kept, as polars keeps it.
        let rest = &self.bytes[pos..];
        let stop = memchr::memchr2(self.delimiter, b'\n', rest).map_or(rest.len(), |i| i);
        let mut tail = &self.text[pos..pos + stop];
        pos += stop;
        let ended_line = self.bytes.get(pos) != Some(&self.delimiter);
        if ended_line {
            tail = tail.strip_suffix('\r').unwrap_or(tail);
            self.line += 1;
        }
        self.pos = pos + 1;
        let text = match owned {
            Some(mut text) => {
                text.push_str(&self.text[piece_start..quoted_end]);
                text.push_str(tail);
                Cow::Owned(text)
            }
            None if tail.is_empty() => Cow::Borrowed(&self.text[piece_start..quoted_end]),
            None => Cow::Owned(format!("{}{tail}", &self.text[piece_start..quoted_end])),
        };
        Ok((Field { text, quoted: true }, ended_line))
    }
}

/// Whether `text` looks whitespace-aligned: its first line has none of the usual delimiters but
/// splits into two or more fields on runs of blanks, and so does the next line, into as many.
pub(crate) fn looks_whitespace_aligned(text: &[u8]) -> bool {
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let Some(first) = lines.next() else {
        return false;
    };
    if first.iter().any(|b| b",;\t|\"".contains(b)) {
        return false;
    }
    let count = |line: &[u8]| {
        line.split(|&b| b == b' ' || b == b'\t')
            .filter(|f| !f.is_empty())
            .count()
    };
    let width = count(first);
    width >= 2 && lines.next().is_some_and(|second| count(second) == width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, delimiter: u8) -> (DataFrame, RejectedRows) {
        read_delimited(Path::new("t.csv"), text, delimiter, &[]).unwrap()
    }

    fn cells(frame: &DataFrame) -> Vec<Vec<Option<String>>> {
        (0..frame.height())
            .map(|row| {
                frame
                    .columns()
                    .iter()
                    .map(|c| c.str().unwrap().get(row).map(str::to_string))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn fields_quotes_and_missing_values() {
        let (frame, rejected) = read("a,b,c\r\n1,\"x,\"\"y\"\"\",\r\n\"\",2\"3,\"q\"r\n", b',');
        assert_eq!(rejected.total(), 0);
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            cells(&frame),
            [
                vec![s("1"), s("x,\"y\""), None],
                vec![s(""), s("2\"3"), s("qr")]
            ]
        );
    }

    #[test]
    fn blank_short_and_long_rows_are_counted_with_their_first_line() {
        let text = "a;b\n1;2\n\n;\n3\n4;5;6\n7;8\n\r\n";
        let (frame, rejected) = read(text, b';');
        assert_eq!(frame.height(), 2);
        assert_eq!(
            rejected.reasons,
            [
                (DropReason::BlankRow, 3, 3),
                (DropReason::ShortRow, 1, 5),
                (DropReason::LongRow, 1, 6)
            ]
        );
    }

    #[test]
    fn quoted_line_breaks_count_lines() {
        let text = "a,b\n\"x\ny\",1\n,\n";
        let (frame, rejected) = read(text, b',');
        assert_eq!(frame.height(), 1);
        assert_eq!(rejected.reasons, [(DropReason::BlankRow, 1, 4)]);
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        let err = read_delimited(Path::new("t.csv"), "a,b\n1,2\n3,\"oops\n4,5\n", b',', &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.csv") && err.contains("line 3"), "{err}");
    }

    #[test]
    fn whitespace_aligned_files() {
        let text = "00001 19970101 1 11.77\n  00001\t19970112  1  12.00\n";
        assert!(looks_whitespace_aligned(text.as_bytes()));
        assert!(!looks_whitespace_aligned(b"a,b c\n1,2 3\n"));
        let names = ["id", "date", "n", "usd"].map(String::from);
        let (frame, _) = read_delimited(Path::new("t"), text, WHITESPACE, &names).unwrap();
        assert_eq!(frame.height(), 2);
        assert_eq!(
            cells(&frame)[1],
            ["00001", "19970112", "1", "12.00"].map(|s| Some(s.to_string()))
        );
    }

    #[test]
    fn the_row_estimate_follows_the_first_lines_and_never_passes_what_rows_can_take() {
        assert_eq!(rows_estimate("a,b,c\n".repeat(1000).as_bytes(), 3), 1001);
        // Blank lines at the start: at most one row per width + 1 bytes.
        assert_eq!(rows_estimate("\n".repeat(100_000).as_bytes(), 3), 25_001);
        assert_eq!(rows_estimate(b"", 3), 1);
    }

    #[test]
    fn a_header_alone_gives_an_empty_table_with_its_columns() {
        for text in ["a,b", "a,b\n", "a,b\r\n"] {
            let (frame, rejected) = read(text, b',');
            assert_eq!(frame.height(), 0, "{text:?}");
            let names: Vec<&str> = frame
                .get_column_names()
                .iter()
                .map(|s| s.as_str())
                .collect();
            assert_eq!(names, ["a", "b"], "{text:?}");
            assert_eq!(rejected.total(), 0);
        }
    }

    #[test]
    fn header_names_are_made_unique() {
        let (frame, _) = read("a,,a\n1,2,3\n", b',');
        let names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(names, ["a", "column_2", "a_duplicated_0"]);
    }
}
