//! Where generated rows go: CSV, gzip-compressed CSV or Parquet, chosen by the file name, written
//! as the rows come so that memory does not grow with the number of rows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use polars::prelude::*;

use crate::error::{Context, Error, Result};

/// The type a column has in a Parquet file (CSV writes every value as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Float,
}

/// One value of a generated row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Float(f64),
}

/// Rows buffered before a Parquet row group is written.
const PARQUET_BATCH: usize = 131_072;

/// A file being written row by row.
pub(crate) struct RowSink {
    path: PathBuf,
    columns: Vec<(&'static str, Kind)>,
    out: Output,
    line: String,
    rows: u64,
}

enum Output {
    Csv(BufWriter<File>),
    CsvGz(Box<GzEncoder<BufWriter<File>>>),
    Parquet(Box<ParquetBatches>),
}

struct ParquetBatches {
    writer: polars::io::parquet::write::BatchedWriter<File>,
    buffers: Vec<Buffer>,
}

enum Buffer {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
}

/// The output formats, by extension.
pub const OUTPUT_EXTENSIONS: &str = ".csv, .csv.gz or .parquet";

impl RowSink {
    /// Creates `path` and writes the header (CSV) or prepares the schema (Parquet).
    pub fn create(path: &Path, columns: &[(&'static str, Kind)]) -> Result<Self> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let open = || File::create(path).map_err(|e| Error::write(path, e));
        let out = if name.ends_with(".csv.gz") {
            Output::CsvGz(Box::new(GzEncoder::new(
                BufWriter::with_capacity(1 << 20, open()?),
                Compression::new(6),
            )))
        } else if name.ends_with(".csv") {
            Output::Csv(BufWriter::with_capacity(1 << 20, open()?))
        } else if name.ends_with(".parquet") {
            let schema: Schema = columns
                .iter()
                .map(|&(name, kind)| Field::new(name.into(), dtype(kind)))
                .collect();
            let writer = ParquetWriter::new(open()?)
                .batched(&schema)
                .doing(format!("starting the Parquet file {}", path.display()))?;
            Output::Parquet(Box::new(ParquetBatches {
                writer,
                buffers: columns.iter().map(|&(_, kind)| Buffer::new(kind)).collect(),
            }))
        } else {
            return Err(Error::param(
                "output",
                format!(
                    "{}: generated data is written as {OUTPUT_EXTENSIONS}, chosen by the file \
                     name's extension; name the file with one of them",
                    path.display()
                ),
            ));
        };
        let mut sink = RowSink {
            path: path.to_path_buf(),
            columns: columns.to_vec(),
            out,
            line: String::with_capacity(512),
            rows: 0,
        };
        if !matches!(sink.out, Output::Parquet(_)) {
            let header: Vec<Value> = columns.iter().map(|(name, _)| Value::Text(name)).collect();
            sink.write_line(&header)?;
        }
        Ok(sink)
    }

    /// Writes one row; `values` has one value per column.
    pub fn write(&mut self, values: &[Value]) -> Result<()> {
        debug_assert_eq!(values.len(), self.columns.len());
        self.rows += 1;
        if let Output::Parquet(batches) = &mut self.out {
            for (buffer, value) in batches.buffers.iter_mut().zip(values) {
                buffer.push(*value);
            }
            if batches.buffers.first().map_or(0, Buffer::len) >= PARQUET_BATCH {
                self.flush_batch()?;
            }
            return Ok(());
        }
        self.write_line(values)
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Writes what is buffered and closes the file.
    pub fn finish(mut self) -> Result<u64> {
        let path = self.path.clone();
        match &mut self.out {
            Output::Parquet(_) => {
                self.flush_batch()?;
                if let Output::Parquet(batches) = &self.out {
                    batches
                        .writer
                        .finish()
                        .doing(format!("finishing the Parquet file {}", path.display()))?;
                }
            }
            Output::Csv(out) => out.flush().map_err(|e| Error::write(&path, e))?,
            Output::CsvGz(out) => {
                out.try_finish().map_err(|e| Error::write(&path, e))?;
                out.get_mut().flush().map_err(|e| Error::write(&path, e))?;
            }
        }
        Ok(self.rows)
    }

    fn write_line(&mut self, values: &[Value]) -> Result<()> {
        use std::fmt::Write as _;
        self.line.clear();
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            match value {
                Value::Null => {}
                Value::Text(text) => push_csv_field(&mut self.line, text),
                Value::Int(v) => {
                    let _ = write!(self.line, "{v}");
                }
                Value::Float(v) => {
                    let _ = write!(self.line, "{v}");
                }
            }
        }
        self.line.push('\n');
        let bytes = self.line.as_bytes();
        let written = match &mut self.out {
            Output::Csv(out) => out.write_all(bytes),
            Output::CsvGz(out) => out.write_all(bytes),
            Output::Parquet(_) => Ok(()),
        };
        written.map_err(|e| Error::write(&self.path, e))
    }

    fn flush_batch(&mut self) -> Result<()> {
        let Output::Parquet(batches) = &mut self.out else {
            return Ok(());
        };
        let height = batches.buffers.first().map_or(0, Buffer::len);
        if height == 0 {
            return Ok(());
        }
        let columns: Vec<Column> = batches
            .buffers
            .iter_mut()
            .zip(&self.columns)
            .map(|(buffer, (name, _))| buffer.take(name))
            .collect();
        let frame = DataFrame::new(height, columns)?;
        batches
            .writer
            .write_batch(&frame)
            .doing(format!("writing rows to {}", self.path.display()))
    }
}

fn dtype(kind: Kind) -> DataType {
    match kind {
        Kind::Text => DataType::String,
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
    }
}

/// Appends a CSV field, quoted when it holds a delimiter, quote or line break (RFC 4180).
fn push_csv_field(line: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        line.push('"');
        for c in text.chars() {
            if c == '"' {
                line.push('"');
            }
            line.push(c);
        }
        line.push('"');
    } else {
        line.push_str(text);
    }
}

impl Buffer {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Text => Buffer::Text(Vec::with_capacity(PARQUET_BATCH)),
            Kind::Int => Buffer::Int(Vec::with_capacity(PARQUET_BATCH)),
            Kind::Float => Buffer::Float(Vec::with_capacity(PARQUET_BATCH)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Buffer::Text(v) => v.len(),
            Buffer::Int(v) => v.len(),
            Buffer::Float(v) => v.len(),
        }
    }

    /// Stores a value, converting it to the column's type (a generator bug, not user input, if
    /// they differ: the text form is kept for text columns, numbers become null elsewhere).
    fn push(&mut self, value: Value) {
        match self {
            Buffer::Text(v) => v.push(match value {
                Value::Null => None,
                Value::Text(t) => Some(t.to_string()),
                Value::Int(i) => Some(i.to_string()),
                Value::Float(f) => Some(f.to_string()),
            }),
            Buffer::Int(v) => v.push(match value {
                Value::Int(i) => Some(i),
                _ => None,
            }),
            Buffer::Float(v) => v.push(match value {
                Value::Float(f) => Some(f),
                Value::Int(i) => Some(i as f64),
                _ => None,
            }),
        }
    }

    fn take(&mut self, name: &str) -> Column {
        match self {
            Buffer::Text(v) => Column::new(name.into(), std::mem::take(v)),
            Buffer::Int(v) => Column::new(name.into(), std::mem::take(v)),
            Buffer::Float(v) => Column::new(name.into(), std::mem::take(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut line = String::new();
        push_csv_field(&mut line, "plain");
        line.push(',');
        push_csv_field(&mut line, r#"[{"a": 1}, 2]"#);
        assert_eq!(line, r#"plain,"[{""a"": 1}, 2]""#);
    }
}
