//! Several files' cleaned rows as one input (a directory, a glob, a list of files): the kept rows
//! end to end, the row accounting added up, each file's own facts kept in
//! [`SourceInfo::files`].

use std::path::Path;

use polars::prelude::*;

use crate::data::clean::{self, DropReason};
use crate::data::cleaned::Cleaned;
use crate::data::options::LoadOptions;
use crate::data::sanity::ParseFailure;
use crate::data::source::InputFile;
use crate::error::{Error, Result};

/// Puts the files' cleaned rows together, in order; `name` is the input as given. With
/// `drop_duplicates`, rows that repeat a row of an earlier file are dropped as duplicates too.
pub(crate) fn combine(name: &Path, parts: Vec<Cleaned>, options: &LoadOptions) -> Result<Cleaned> {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Err(Error::NoData {
            path: name.to_path_buf(),
            message: "no file to load".into(),
        });
    };
    let columns = schema_of(&first.kept);
    let mut files = vec![file_of(&first)];
    let mut heights = vec![first.kept.height()];
    let mut combined = first;
    combined.codes = None;
    for mut part in parts {
        // The same columns in another order (a Parquet file written by another tool) line up.
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        if part.kept.width() == names.len() && names.iter().all(|n| part.kept.column(n).is_ok()) {
            part.kept = part.kept.select(names)?;
        }
        check_same_columns(&columns, &combined.source.path, &part)?;
        files.push(file_of(&part));
        heights.push(part.kept.height());
        combined.kept.vstack_mut_owned(part.kept)?;
        add_accounting(&mut combined.accounting, &part.accounting);
        add_missing_values(&mut combined.missing_values, part.missing_values);
        for failure in part.parse_failures {
            add_parse_failure(&mut combined.parse_failures, failure);
        }
        combined.baskets = match (combined.baskets.take(), part.baskets) {
            (Some(mut all), Some(more)) => {
                all.append(&more, None);
                Some(all)
            }
            _ => None,
        };
    }
    combined.kept.rechunk_mut_par();
    if options.rules.drop_duplicates {
        let kept = std::mem::take(&mut combined.kept);
        let (kept, per_file) = drop_duplicates_across(kept, &heights)?;
        combined.kept = kept;
        let across: usize = per_file.iter().sum();
        if across > 0 {
            add_dropped(&mut combined.accounting, DropReason::Duplicate, across);
            combined.accounting.rows_kept -= across;
        }
        // A file's kept rows are those in the input's kept rows.
        for (file, dropped) in files.iter_mut().zip(per_file) {
            file.rows_kept -= dropped;
        }
    }
    let mut source = combined.source.clone();
    source.path = name.to_path_buf();
    source.rejected = Default::default();
    source.files = files;
    combined.source = source;
    Ok(combined)
}

/// Drops rows that repeat an earlier row of another file (each file's own duplicates are gone
/// already); gives the rows left and how many each file lost, `heights` being each file's rows of
/// `kept`, in order.
fn drop_duplicates_across(kept: DataFrame, heights: &[usize]) -> Result<(DataFrame, Vec<usize>)> {
    const ROW: &str = "__row";
    let key: Vec<Expr> = crate::frame::column_names(&kept)
        .iter()
        .map(|name| col(name.as_str()))
        .collect();
    let unique = kept
        .with_row_index(ROW.into(), None)?
        .lazy()
        .unique_stable_generic(Some(key), UniqueKeepStrategy::First)
        .collect()?;
    // Each file's rows are a range of row numbers, in file order.
    let mut ends = Vec::with_capacity(heights.len());
    let mut end = 0;
    for height in heights {
        end += height;
        ends.push(end);
    }
    let mut left = vec![0usize; heights.len()];
    for row in unique.column(ROW)?.idx()?.into_no_null_iter() {
        let file = ends.partition_point(|&end| end <= row as usize);
        left[file] += 1;
    }
    let lost = heights
        .iter()
        .zip(&left)
        .map(|(height, left)| height - left)
        .collect();
    Ok((unique.drop(ROW)?, lost))
}

/// Column names and types of a file's kept rows.
fn schema_of(frame: &DataFrame) -> Vec<(String, DataType)> {
    frame
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().clone()))
        .collect()
}

/// One file's own facts.
fn file_of(part: &Cleaned) -> InputFile {
    InputFile {
        source: part.source.clone(),
        rows_in: part.accounting.rows_in,
        rows_kept: part.accounting.rows_kept,
        date_format: part.date_format.clone(),
    }
}

/// The kept rows of every file must have the first file's columns: the same roles and dimensions.
fn check_same_columns(
    first: &[(String, DataType)],
    first_path: &Path,
    part: &Cleaned,
) -> Result<()> {
    let these = schema_of(&part.kept);
    if these == first {
        return Ok(());
    }
    let path = part.source.path.clone();
    let names = |schema: &[(String, DataType)]| -> Vec<String> {
        schema.iter().map(|(n, _)| n.clone()).collect()
    };
    let (mine, theirs) = (names(&these), names(first));
    if let Some(missing) = theirs.iter().find(|n| !mine.contains(n)) {
        return Err(Error::Column {
            path,
            column: missing.clone(),
            message: format!(
                "this file gives no such column where {} does: every file of one input must have \
                 the same column roles and dimensions (set them explicitly, or load the files \
                 separately)",
                first_path.display()
            ),
        });
    }
    if let Some(extra) = mine.iter().find(|n| !theirs.contains(n)) {
        return Err(Error::Column {
            path,
            column: extra.clone(),
            message: format!(
                "this file gives a column {} does not: every file of one input must have the same \
                 column roles and dimensions",
                first_path.display()
            ),
        });
    }
    let message = |column: &str, how: String| Error::Column {
        path: path.clone(),
        column: column.to_string(),
        message: format!(
            "{how} in {}: every file of one input must give each column the same type",
            first_path.display()
        ),
    };
    Err(match these.iter().zip(first).find(|(a, b)| a != b) {
        Some(((name, dtype), (_, other))) => message(
            name,
            format!("its values read as {dtype} here and as {other}"),
        ),
        None => message("", "the columns differ".to_string()),
    })
}

fn add_accounting(total: &mut clean::RowAccounting, part: &clean::RowAccounting) {
    total.rows_in += part.rows_in;
    total.rows_kept += part.rows_kept;
    for &(reason, rows) in &part.dropped {
        add_dropped(total, reason, rows);
    }
    total.product_rows = match (total.product_rows, part.product_rows) {
        (Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
}

/// Adds `rows` dropped for `reason`, keeping the reasons in [`DropReason::ALL`] order.
fn add_dropped(total: &mut clean::RowAccounting, reason: DropReason, rows: usize) {
    match total.dropped.iter_mut().find(|(r, _)| *r == reason) {
        Some((_, n)) => *n += rows,
        None => {
            total.dropped.push((reason, rows));
            total.dropped.sort_by_key(|(r, _)| *r as usize);
        }
    }
}

/// Missing values per file column, by name; a column only some files have is added at the end.
pub(crate) fn add_missing_values(total: &mut Vec<(String, usize)>, part: Vec<(String, usize)>) {
    for (column, missing) in part {
        match total.iter_mut().find(|(c, _)| *c == column) {
            Some((_, n)) => *n += missing,
            None => total.push((column, missing)),
        }
    }
}

/// Values that could not be read, by column and role: rows added, examples kept in file order.
pub(crate) fn add_parse_failure(total: &mut Vec<ParseFailure>, failure: ParseFailure) {
    match total
        .iter_mut()
        .find(|f| f.column == failure.column && f.role == failure.role)
    {
        Some(known) => {
            known.rows += failure.rows;
            for example in &failure.examples {
                ParseFailure::add_example(&mut known.examples, example);
            }
        }
        None => total.push(failure),
    }
}
