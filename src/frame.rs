//! Small helpers around polars frames.

use polars::prelude::*;

use crate::error::Result;

/// Returns the same frame rebuilt from its columns.
///
/// Under the evcxr kernel every notebook cell is its own dynamic library. A notebook that depends
/// on this crate directly (not through `notebooks/custseg-dylib`, whose cells share one polars)
/// gives every cell its own static copy of polars. A frame carries a cached schema, a hash map
/// whose hasher draws on a process-global seed of the copy that built it; looked up from another
/// cell's copy, names hash differently and polars reports `ColumnNotFound`. Rebuilding drops the
/// cache (the columns themselves are shared, not copied), so every custseg entry point that takes
/// a frame calls this first.
pub fn rebuild(frame: &DataFrame) -> Result<DataFrame> {
    Ok(DataFrame::new(frame.height(), frame.columns().to_vec())?)
}

/// The frame's column names.
pub fn column_names(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// A plain-text table of a (small) frame: every row, numbers right-aligned, floats with two
/// decimals and shares as percentages (columns ending in `_share`).
pub fn text_table(frame: &DataFrame) -> String {
    let names = column_names(frame);
    let mut cells: Vec<Vec<String>> = vec![names.clone()];
    let mut numeric = vec![false; names.len()];
    for row in 0..frame.height() {
        let mut line = Vec::with_capacity(names.len());
        for (i, column) in frame.columns().iter().enumerate() {
            let value = column.get(row).unwrap_or(AnyValue::Null);
            let text = match value {
                AnyValue::Null => String::new(),
                AnyValue::Float64(v) if names[i].ends_with("_share") => {
                    format!("{:.1}%", v * 100.0)
                }
                AnyValue::Float64(v) => format!("{v:.2}"),
                AnyValue::Float32(v) => format!("{v:.2}"),
                AnyValue::String(s) => s.to_string(),
                AnyValue::StringOwned(s) => s.to_string(),
                other => other.to_string(),
            };
            numeric[i] |= value_is_numeric(column.dtype());
            line.push(text);
        }
        cells.push(line);
    }
    let widths: Vec<usize> = (0..names.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i], numeric[i]))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

/// `text` padded with spaces to `width` characters, on the left when `right_align`.
///
/// Written out because `format!`'s width argument panics above 65,535, and a table cell (a long
/// country name, a segment name) can be longer than that.
fn pad(text: &str, width: usize, right_align: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.chars().count()));
    if right_align {
        fill + text
    } else {
        format!("{text}{fill}")
    }
}

fn value_is_numeric(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric()
}

/// A column as text values (nulls as empty strings).
pub fn text_values(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    let column = rebuild(frame)?.column(name)?.cast(&DataType::String)?;
    Ok(column
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

/// A numeric column as `f64` values (nulls as NaN).
pub fn float_values(frame: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let column = rebuild(frame)?.column(name)?.cast(&DataType::Float64)?;
    Ok(column
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}
