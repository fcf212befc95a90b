//! Reading a transaction file into a raw table: CSV (any common encoding and delimiter, optionally
//! gzip-compressed), Parquet or Excel.
//!
//! Nothing is interpreted here beyond the file format: every CSV and Excel column comes back as text,
//! Parquet columns keep their types. Giving roles to columns and parsing values is
//! [`crate::data::transactions`]'s job.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use polars::prelude::*;

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
                "encoding",
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
    /// Field delimiter of a CSV file; detected from the header line when `None`.
    pub delimiter: Option<char>,
    /// Worksheet of an Excel file; the first sheet when `None`.
    pub sheet: Option<String>,
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
    let path = path.as_ref();
    let format = match options.format {
        Some(format) => format,
        None => detect_format(path)?,
    };
    match format {
        FileFormat::Excel => crate::data::excel::read_excel(path, options.sheet.as_deref()),
        FileFormat::Parquet | FileFormat::Csv => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            read_bytes(
                path,
                bytes,
                &ReadOptions {
                    format: Some(format),
                    ..options.clone()
                },
            )
        }
    }
}

/// Reads a transaction file held in memory; `name` is used in messages.
pub fn read_bytes(
    name: impl AsRef<Path>,
    bytes: Vec<u8>,
    options: &ReadOptions,
) -> Result<RawTable> {
    let name = name.as_ref();
    let (bytes, gzip) = if bytes.starts_with(&[0x1f, 0x8b]) {
        (inflate(name, &bytes)?, true)
    } else {
        (bytes, false)
    };
    let format = match options.format {
        Some(format) => format,
        None if bytes.starts_with(b"PAR1") => FileFormat::Parquet,
        None => FileFormat::Csv,
    };
    match format {
        FileFormat::Parquet => read_parquet(name, bytes, gzip),
        FileFormat::Csv => read_csv(name, bytes, gzip, options),
        FileFormat::Excel => Err(Error::format(
            name,
            "Excel workbooks are read from a file path; save the workbook to disk first",
        )),
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

pub(crate) fn detect_format(path: &Path) -> Result<FileFormat> {
    let mut head = [0u8; 8];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::io(path, e))?;
    let head = &head[..n];
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    Ok(if head.starts_with(b"PAR1") {
        FileFormat::Parquet
    } else if matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
        || head.starts_with(b"PK\x03\x04")
        || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
    {
        FileFormat::Excel
    } else {
        FileFormat::Csv
    })
}

fn read_parquet(name: &Path, bytes: Vec<u8>, gzip: bool) -> Result<RawTable> {
    let frame = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::format(name, format!("not a readable Parquet file: {e}")))?;
    Ok(RawTable {
        frame,
        source: SourceInfo {
            path: name.to_path_buf(),
            format: FileFormat::Parquet,
            gzip,
            encoding: None,
            delimiter: None,
            bom: false,
        },
    })
}

fn read_csv(name: &Path, bytes: Vec<u8>, gzip: bool, options: &ReadOptions) -> Result<RawTable> {
    let (text, encoding, bom) = decode_text(name, bytes, options.encoding)?;
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::format(
            name,
            "the file is empty: it has no header line and no rows. Export the data again.",
        ));
    }
    let delimiter = match options.delimiter {
        Some(d) if d.is_ascii() => d as u8,
        Some(d) => {
            return Err(Error::param(
                "delimiter",
                format!("the delimiter must be a single ASCII character, not {d:?}"),
            ));
        }
        None => sniff_delimiter(&text),
    };
    let parse = CsvParseOptions::default()
        .with_separator(delimiter)
        .with_missing_is_null(true);
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(parse)
        .into_reader_with_file_handle(Cursor::new(text))
        .finish()
        .map_err(|e| {
            Error::format(
                name,
                format!(
                    "cannot parse as CSV with delimiter {:?}: {e}. Check the delimiter \
                     (--delimiter) and that quoted fields are closed.",
                    delimiter as char
                ),
            )
        })?;
    Ok(RawTable {
        frame,
        source: SourceInfo {
            path: name.to_path_buf(),
            format: FileFormat::Csv,
            gzip,
            encoding: Some(encoding),
            delimiter: Some(delimiter as char),
            bom,
        },
    })
}

/// Turns the file's bytes into UTF-8, removing a byte-order mark.
pub(crate) fn decode_text(
    name: &Path,
    bytes: Vec<u8>,
    forced: Option<TextEncoding>,
) -> Result<(Vec<u8>, TextEncoding, bool)> {
    let utf16_bom = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    // Validated once here and reused below: a pass over 47 MB is not free.
    let mut valid_utf8 = None;
    let encoding = match forced {
        Some(encoding) => encoding,
        None if utf16_bom => TextEncoding::Utf16,
        None => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            let checked = std::str::from_utf8(body).map(|_| ());
            let encoding = if checked.is_ok() {
                TextEncoding::Utf8
            } else {
                TextEncoding::Windows1252
            };
            valid_utf8 = Some(checked);
            encoding
        }
    };
    match encoding {
        TextEncoding::Utf8 => {
            let bom = bytes.starts_with(b"\xEF\xBB\xBF");
            let mut bytes = bytes;
            if bom {
                bytes.drain(..3);
            }
            let checked = match valid_utf8 {
                Some(checked) => checked,
                None => std::str::from_utf8(&bytes).map(|_| ()),
            };
            if let Err(e) = checked {
                let offset = e.valid_up_to();
                let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
                return Err(Error::format(
                    name,
                    format!(
                        "the file is not valid UTF-8 (first bad byte at line {line}). \
                         It is probably Latin-1 / Windows-1252: pass --encoding latin1, \
                         or leave --encoding out to detect it."
                    ),
                ));
            }
            Ok((bytes, encoding, bom))
        }
        TextEncoding::Windows1252 => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            Ok((text.into_owned().into_bytes(), encoding, false))
        }
        TextEncoding::Utf16 => {
            let (text, used, malformed) = encoding_rs::UTF_16LE.decode(&bytes);
            if malformed {
                return Err(Error::format(
                    name,
                    format!(
                        "the file is not valid {}; re-export it as UTF-8",
                        used.name()
                    ),
                ));
            }
            Ok((text.into_owned().into_bytes(), encoding, utf16_bom))
        }
    }
}

/// Picks the delimiter that occurs most often in the header line, outside quotes.
pub(crate) fn sniff_delimiter(text: &[u8]) -> u8 {
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
        let (text, enc, bom) = decode_text(Path::new("x"), b"a\n\xA3 5\n".to_vec(), None).unwrap();
        assert_eq!(enc, TextEncoding::Windows1252);
        assert!(!bom);
        assert_eq!(String::from_utf8(text).unwrap(), "a\n£ 5\n");
        let (text, enc, bom) =
            decode_text(Path::new("x"), b"\xEF\xBB\xBFa\n1\n".to_vec(), None).unwrap();
        assert_eq!((enc, bom), (TextEncoding::Utf8, true));
        assert_eq!(text, b"a\n1\n");
    }
}
