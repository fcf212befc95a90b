//! Reading Excel workbooks with calamine into an all-text frame.
//!
//! Cells become text the way a CSV export would write them, so one parsing path serves both: dates
//! as ISO `YYYY-MM-DD HH:MM:SS`, whole numbers without a decimal point.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use polars::prelude::*;

use crate::data::source::{FileFormat, RawTable, SourceInfo};
use crate::error::{Error, Result};

/// Reads one worksheet (the first when `sheet` is `None`) of a workbook held in memory; its first
/// non-empty row is the header. `path` names the workbook in messages.
pub fn read_excel(path: &Path, bytes: Vec<u8>, sheet: Option<&str>) -> Result<RawTable> {
    let mut workbook = open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| Error::format(path, format!("not a readable Excel workbook: {e}")))?;
    let names = workbook.sheet_names();
    let sheet_name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                Error::format(
                    path,
                    format!(
                        "no worksheet named \"{wanted}\"; the workbook has: {}",
                        names.join(", ")
                    ),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::format(path, "the workbook has no worksheets"))?,
    };
    let range = workbook
        .worksheet_range(&sheet_name)
        .map_err(|e| Error::format(path, format!("cannot read worksheet \"{sheet_name}\": {e}")))?;
    let mut rows = range
        .rows()
        .skip_while(|row| row.iter().all(|c| matches!(c, Data::Empty)));
    let header: Vec<String> = match rows.next() {
        Some(row) => row
            .iter()
            .enumerate()
            .map(|(i, c)| match cell_text(c) {
                Some(name) if !name.trim().is_empty() => name,
                _ => format!("column_{}", i + 1),
            })
            .collect(),
        None => {
            return Err(Error::format(
                path,
                format!("worksheet \"{sheet_name}\" is empty: it has no header row"),
            ));
        }
    };
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    for row in rows {
        for (i, column) in columns.iter_mut().enumerate() {
            column.push(row.get(i).and_then(cell_text));
        }
    }
    let height = columns.first().map_or(0, Vec::len);
    let columns = header
        .iter()
        .zip(columns)
        .map(|(name, values)| Column::new(name.as_str().into(), values))
        .collect();
    let frame = DataFrame::new(height, columns)
        .map_err(|e| Error::format(path, format!("worksheet \"{sheet_name}\": {e}")))?;
    Ok(RawTable {
        frame,
        source: SourceInfo::typed(path, FileFormat::Excel, false),
    })
}

fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty | Data::Error(_) => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
    }
}
