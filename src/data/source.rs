//! Reading a transaction file into a raw table: CSV (any common encoding and delimiter, optionally
//! gzip-compressed), Parquet or Excel.
//!
//! Nothing is interpreted here beyond the file format: every CSV and Excel column comes back as text,
//! Parquet columns keep their types. Giving roles to columns and parsing values is
//! [`crate::data::transactions`]'s job.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::data::delimited::{RejectedRows, WHITESPACE, looks_whitespace_aligned, read_delimited};
use crate::error::{Error, Result};

/// The container format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Delimited text, optionally gzip-compressed.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Excel workbook (.xlsx, .xlsm, .xls, .ods), read with calamine.
    Excel,
}

impl FileFormat {
    /// The lower-case name, as messages and reports write it: `csv`, `parquet`, `excel`.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
            FileFormat::Excel => "excel",
        }
    }
}

/// The character encoding of a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextEncoding {
    /// UTF-8, with or without a byte-order mark.
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16 with a byte-order mark (as Excel's "Unicode text" export writes).
    #[serde(rename = "utf-16")]
    Utf16,
    /// Windows-1252, the superset of ISO-8859-1 that Excel and the UCI Online Retail CSV use.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// Parses a user-given encoding name such as `utf-8`, `latin1`, `iso-8859-1` or `cp1252`.
    pub fn from_name(name: &str) -> Result<Self> {
        let key: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match key.as_str() {
            "utf8" => Ok(TextEncoding::Utf8),
            "utf16" | "utf16le" | "utf16be" => Ok(TextEncoding::Utf16),
            "latin1" | "iso88591" | "windows1252" | "cp1252" | "l1" => {
                Ok(TextEncoding::Windows1252)
            }
            _ => Err(Error::param(
                "ReadOptions::encoding",
                format!("unknown encoding \"{name}\"; use utf-8, utf-16, latin1 or windows-1252"),
            )),
        }
    }

    /// The canonical name, as shown in reports.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16 => "UTF-16",
            TextEncoding::Windows1252 => "Windows-1252 (ISO-8859-1)",
        }
    }
}

/// How to read a file. Every field left `None` is detected.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadOptions {
    /// Container format; detected from the content and extension when `None`.
    pub format: Option<FileFormat>,
    /// Text encoding of a CSV file; detected (UTF-8 if valid, else Windows-1252) when `None`.
    pub encoding: Option<TextEncoding>,
    /// Field delimiter of a CSV file; detected from the header line when `None`. `' '` means a
    /// whitespace-aligned file: fields separated by runs of spaces or tabs.
    pub delimiter: Option<char>,
    /// Worksheet of an Excel file; the first sheet when `None`.
    pub sheet: Option<String>,
    /// Column names for a text file without a header line (CDNOW's master file, say): when given,
    /// the first line is data. Empty: the first line is the header.
    pub column_names: Vec<String>,
}

/// What was found out about a file while reading it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceInfo {
    /// The file's path, or a name such as `bundled:online-retail`.
    pub path: PathBuf,
    /// The container format.
    pub format: FileFormat,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Text encoding (CSV only).
    pub encoding: Option<TextEncoding>,
    /// Field delimiter (CSV only).
    pub delimiter: Option<char>,
    /// Whether a byte-order mark was removed.
    pub bom: bool,
    /// Bytes that were not valid in the file's (UTF-8) encoding and were read as U+FFFD: how many,
    /// and the line of the first. The rest of such a file is UTF-8, so it is read as UTF-8 rather
    /// than decoded whole as Windows-1252, which would garble every accented letter.
    pub replaced: Option<ReplacedBytes>,
    /// Lines of a text file that are not rows of the table (blank, or with the wrong number of
    /// fields), counted so that the row accounting covers every line.
    pub rejected: RejectedRows,
    /// For an input of several files (a directory, a glob): each file, in the order read. The
    /// fields above then describe the first file, but `path` (the input as given) and
    /// `rejected` (empty: each file has its own lines).
    pub files: Vec<InputFile>,
}

impl SourceInfo {
    /// A typed source (Parquet, Excel, a frame): no text encoding, delimiter or rejected lines.
    pub(crate) fn typed(path: impl AsRef<Path>, format: FileFormat, gzip: bool) -> SourceInfo {
        SourceInfo {
            path: path.as_ref().to_path_buf(),
            format,
            gzip,
            encoding: None,
            delimiter: None,
            bom: false,
            replaced: None,
            rejected: RejectedRows::default(),
            files: Vec::new(),
        }
    }
}

/// One file of an input made of several.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InputFile {
    /// How the file was read, with its own rejected lines.
    pub source: SourceInfo,
    /// Data rows read from the file.
    pub rows_in: usize,
    /// Its rows kept by cleaning (before baskets are split into products); a row repeating an
    /// earlier file's row is not kept when duplicates are dropped, so the files' kept rows add up
    /// to the input's.
    pub rows_kept: usize,
    /// The file's date layout.
    pub date_format: crate::data::dates::DateFormat,
}

/// Invalid bytes replaced while decoding a mostly valid UTF-8 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReplacedBytes {
    /// Invalid byte sequences replaced by U+FFFD.
    pub count: usize,
    /// The line of the first (1-based).
    pub first_line: usize,
}

/// A file read into a polars frame, with what was learnt about its format.
#[derive(Debug, Clone)]
pub struct RawTable {
    /// The rows, one column per column of the file (text for CSV and Excel).
    pub frame: DataFrame,
    /// How the file was read.
    pub source: SourceInfo,
}

/// Reads a transaction file from disk.
///
/// ```no_run
/// use custseg::data::source::{read_table, ReadOptions};
/// let raw = read_table("transactions.csv.gz", &ReadOptions::default())?;
/// println!("{} rows, delimiter {:?}", raw.frame.height(), raw.source.delimiter);
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn read_table(path: impl AsRef<Path>, options: &ReadOptions) -> Result<RawTable> {
    let (name, bytes) = read_input(path.as_ref())?;
    read_bytes(name, bytes, options)
}

/// The path that means standard input.
pub const STDIN: &str = "-";

/// The whole input, read once: a file, or standard input for [`STDIN`]. Reading once matters for
/// pipes and FIFOs (`<(zcat f.csv.gz)`), which cannot be opened a second time. Returns the name to
/// use in messages with the bytes.
pub fn read_input(path: &Path) -> Result<(PathBuf, Vec<u8>)> {
    if path.as_os_str() == STDIN {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("standard input", e))?;
        return Ok(("standard input".into(), bytes));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok((path.to_path_buf(), bytes))
}

/// Reads a transaction file held in memory; `name` is used in messages (and its extension, with
/// the first bytes, to tell the format when `options.format` is `None`).
pub fn read_bytes(
    name: impl AsRef<Path>,
    bytes: Vec<u8>,
    options: &ReadOptions,
) -> Result<RawTable> {
    let name = name.as_ref();
    let format = match options.format {
        Some(format) => format,
        None => detect_format(name, &bytes),
    };
    if format == FileFormat::Excel {
        return crate::data::excel::read_excel(name, bytes, options.sheet.as_deref());
    }
    let (bytes, gzip) = if bytes.starts_with(&[0x1f, 0x8b]) {
        (inflate(name, &bytes)?, true)
    } else {
        (bytes, false)
    };
    if format == FileFormat::Parquet || bytes.starts_with(b"PAR1") {
        read_parquet(name, bytes, gzip)
    } else {
        read_csv(name, bytes, gzip, options)
    }
}

/// Inflates a whole gzip stream (all members).
pub(crate) fn inflate(name: &Path, gz: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(inflated_size_hint(gz));
    flate2::read::MultiGzDecoder::new(gz)
        .read_to_end(&mut out)
        .map_err(|e| Error::format(name, format!("the gzip stream is damaged: {e}")))?;
    Ok(out)
}

/// How many bytes a gzip stream inflates to, for sizing the output once: growing a 45 MB buffer
/// to 90 MB copies it. The trailer's ISIZE field holds the (last member's) size modulo 4 GiB; it is
/// trusted only up to deflate's best ratio, and 6x the input is the floor.
pub(crate) fn inflated_size_hint(gz: &[u8]) -> usize {
    let floor = gz.len().saturating_mul(6);
    let trailer = gz
        .len()
        .checked_sub(4)
        .and_then(|start| gz.get(start..))
        .and_then(|tail| <[u8; 4]>::try_from(tail).ok())
        .map_or(0, |tail| u32::from_le_bytes(tail) as usize);
    let ceiling = gz.len().saturating_mul(1032);
    // A little slack so that reading the end of the stream does not grow the buffer.
    trailer.min(ceiling).max(floor).saturating_add(64)
}

/// The format `read` gives, or the one the file's name and first bytes say.
pub(crate) fn format_of_file(path: &Path, read: &ReadOptions) -> FileFormat {
    use std::io::Read;
    if let Some(format) = read.format {
        return format;
    }
    let mut head = Vec::with_capacity(8);
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(8).read_to_end(&mut head);
    }
    detect_format(path, &head)
}

/// The format from the first bytes (Parquet's and Excel's magic numbers) and the name's extension.
pub(crate) fn detect_format(path: &Path, bytes: &[u8]) -> FileFormat {
    let head = &bytes[..bytes.len().min(8)];
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if head.starts_with(b"PAR1") {
        FileFormat::Parquet
    } else if matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
        || head.starts_with(b"PK\x03\x04")
        || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
    {
        FileFormat::Excel
    } else {
        FileFormat::Csv
    }
}

fn read_parquet(name: &Path, bytes: Vec<u8>, gzip: bool) -> Result<RawTable> {
    let frame = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::format(name, format!("not a readable Parquet file: {e}")))?;
    Ok(RawTable {
        frame,
        source: SourceInfo::typed(name, FileFormat::Parquet, gzip),
    })
}

fn read_csv(name: &Path, bytes: Vec<u8>, gzip: bool, options: &ReadOptions) -> Result<RawTable> {
    let decoded = decode_text(name, bytes, options.encoding)?;
    if decoded.text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(
            name,
            "the file is empty: it has no header line and no rows. Export the data again.",
        ));
    }
    let delimiter = match options.delimiter {
        Some(d) if d.is_ascii() && !matches!(d, '"' | '\n' | '\r') => d as u8,
        Some(d) => {
            return Err(Error::param(
                "ReadOptions::delimiter",
                format!(
                    "the delimiter must be one ASCII character other than a quote or a line \
                     break, not '{}'",
                    crate::format::char_name(d)
                ),
            ));
        }
        None => sniff_delimiter(&decoded.text),
    };
    let text = std::str::from_utf8(&decoded.text)
        .map_err(|_| Error::format(name, "the decoded text is not UTF-8"))?;
    let (frame, rejected) = read_delimited(name, text, delimiter, &options.column_names)?;
    Ok(RawTable {
        frame,
        source: SourceInfo {
            path: name.to_path_buf(),
            format: FileFormat::Csv,
            gzip,
            encoding: Some(decoded.encoding),
            delimiter: Some(delimiter as char),
            bom: decoded.bom,
            replaced: decoded.replaced,
            rejected,
            files: Vec::new(),
        },
    })
}

/// A text file turned into UTF-8.
pub(crate) struct Decoded {
    /// The text, UTF-8, without a byte-order mark.
    pub text: Vec<u8>,
    /// The encoding it was in.
    pub encoding: TextEncoding,
    /// Whether a byte-order mark was removed.
    pub bom: bool,
    /// Invalid bytes of a mostly UTF-8 file, replaced.
    pub replaced: Option<ReplacedBytes>,
}

/// Turns the file's bytes into UTF-8, removing a byte-order mark.
///
/// Without `forced`: a UTF-16 byte-order mark, or the zero bytes of UTF-16 text without one, mean
/// UTF-16; valid UTF-8 is UTF-8; text that is UTF-8 but for a few bad bytes (fewer than its valid
/// multi-byte characters) is UTF-8 with those bytes replaced and reported; anything else is
/// Windows-1252.
pub(crate) fn decode_text(
    name: &Path,
    mut bytes: Vec<u8>,
    forced: Option<TextEncoding>,
) -> Result<Decoded> {
    let utf16_bom = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let utf8_bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let encoding = match forced {
        Some(encoding) => encoding,
        None if utf16_bom || utf16_without_bom(&bytes).is_some() => TextEncoding::Utf16,
        None => {
            let body = if utf8_bom { &bytes[3..] } else { &bytes[..] };
            if std::str::from_utf8(body).is_ok() || mostly_utf8(body) {
                TextEncoding::Utf8
            } else {
                TextEncoding::Windows1252
            }
        }
    };
    match encoding {
        TextEncoding::Utf8 => {
            if utf8_bom {
                bytes.drain(..3);
            }
            if let Err(e) = std::str::from_utf8(&bytes) {
                if forced.is_some() && !mostly_utf8(&bytes) {
                    let line = line_of(&bytes, e.valid_up_to());
                    return Err(Error::format(
                        name,
                        format!(
                            "the file is not valid UTF-8 (first bad byte at line {line}). It is \
                             probably Latin-1 / Windows-1252: set `ReadOptions::encoding` to \
                             latin1, or leave it unset to detect the encoding."
                        ),
                    ));
                }
                let (text, replaced) = replace_invalid_utf8(&bytes);
                return Ok(Decoded {
                    text,
                    encoding,
                    bom: utf8_bom,
                    replaced: Some(replaced),
                });
            }
            Ok(Decoded {
                text: bytes,
                encoding,
                bom: utf8_bom,
                replaced: None,
            })
        }
        TextEncoding::Windows1252 => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            Ok(Decoded {
                text: text.into_owned().into_bytes(),
                encoding,
                bom: false,
                replaced: None,
            })
        }
        TextEncoding::Utf16 => {
            // encoding_rs follows a byte-order mark; without one the zero bytes tell the order.
            let codec = match utf16_without_bom(&bytes) {
                Some(true) if !utf16_bom => encoding_rs::UTF_16BE,
                _ => encoding_rs::UTF_16LE,
            };
            let (text, used, malformed) = codec.decode(&bytes);
            if malformed {
                return Err(Error::format(
                    name,
                    format!(
                        "the file is not valid {}; re-export it as UTF-8",
                        used.name()
                    ),
                ));
            }
            Ok(Decoded {
                text: text.into_owned().into_bytes(),
                encoding,
                bom: utf16_bom,
                replaced: None,
            })
        }
    }
}

/// For text without a byte-order mark: `Some(big_endian)` when it looks like UTF-16, that is when
/// most of the first bytes at one parity are zero and almost none at the other (ASCII text in
/// UTF-16 is every other byte zero; no text file in a single-byte encoding has zero bytes).
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let zeros_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 2 > pairs && even * 10 < pairs {
        Some(false)
    } else if even * 2 > pairs && odd * 10 < pairs {
        Some(true)
    } else {
        None
    }
}

/// Whether text that is not valid UTF-8 still is UTF-8 with a few damaged bytes: it holds valid
/// multi-byte characters, more of them than invalid sequences. Windows-1252 text almost never
/// forms a valid multi-byte sequence ("Ã±" would be one), so one accented letter in UTF-8 outweighs
/// a stray byte.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut multibyte = 0usize;
    let mut invalid = 0usize;
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    multibyte > invalid
}

/// The text with each invalid UTF-8 sequence replaced by U+FFFD, and how many there were.
fn replace_invalid_utf8(bytes: &[u8]) -> (Vec<u8>, ReplacedBytes) {
    let mut text = String::with_capacity(bytes.len() + 16);
    let mut count = 0;
    let mut first_at = None;
    let mut offset = 0;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            text.push(char::REPLACEMENT_CHARACTER);
            count += 1;
            first_at.get_or_insert(offset);
            offset += chunk.invalid().len();
        }
    }
    let first_line = line_of(bytes, first_at.unwrap_or(0));
    (text.into_bytes(), ReplacedBytes { count, first_line })
}

/// The 1-based line of byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count() + 1
}

/// Picks the delimiter that occurs most often in the header line, outside quotes; a header with
/// none of them whose lines split alike on runs of blanks is whitespace-aligned ([`WHITESPACE`]).
pub(crate) fn sniff_delimiter(text: &[u8]) -> u8 {
    if looks_whitespace_aligned(text) {
        return WHITESPACE;
    }
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut in_quotes = false;
    for &b in text {
        if b == b'\n' && !in_quotes {
            break;
        }
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    // Ties go to the earlier candidate, so a header without any delimiter reads as one column.
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters_outside_quotes() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,2;3;4"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x,y,z\";b\n"), b';');
        assert_eq!(sniff_delimiter(b"single\n1\n"), b',');
    }

    #[test]
    fn decodes_latin1_and_strips_bom() {
        let d = decode_text(Path::new("x"), b"a\n\xA3 5\n".to_vec(), None).unwrap();
        assert_eq!(d.encoding, TextEncoding::Windows1252);
        assert!(!d.bom);
        assert_eq!(String::from_utf8(d.text).unwrap(), "a\n£ 5\n");
        let d = decode_text(Path::new("x"), b"\xEF\xBB\xBFa\n1\n".to_vec(), None).unwrap();
        assert_eq!((d.encoding, d.bom), (TextEncoding::Utf8, true));
        assert_eq!(d.text, b"a\n1\n");
    }

    #[test]
    fn a_stray_byte_in_utf8_text_is_replaced_not_a_reason_to_decode_as_latin1() {
        let bytes = "country\nEspaña\nEspaña\n".as_bytes().iter().copied();
        let mut bytes: Vec<u8> = bytes.collect();
        bytes.extend_from_slice(b"x\xFFy\n");
        let d = decode_text(Path::new("x"), bytes, None).unwrap();
        assert_eq!(d.encoding, TextEncoding::Utf8);
        assert_eq!(
            String::from_utf8(d.text).unwrap(),
            "country\nEspaña\nEspaña\nx\u{FFFD}y\n"
        );
        assert_eq!(
            d.replaced,
            Some(ReplacedBytes {
                count: 1,
                first_line: 4
            })
        );
    }

    #[test]
    fn utf16_without_a_byte_order_mark() {
        let text = "id,date\n1,2010-12-01\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [le, be] {
            let d = decode_text(Path::new("x"), bytes, None).unwrap();
            assert_eq!(d.encoding, TextEncoding::Utf16);
            assert_eq!(String::from_utf8(d.text).unwrap(), text);
        }
    }
}
