//! Ids as custseg compares them: text made canonical (`17850.0` is `17850`), integer and float
//! id columns written as text the same way on every path, and customer ids ordered as pandas
//! orders them.

use polars::prelude::*;

use crate::error::Result;

/// An id column as text, before trimming: a float column whose values are all whole numbers (a
/// Parquet CustomerID of 17850.0) is written as integers first.
pub(crate) fn id_text(column: &Column) -> Result<Column> {
    let integers = integer_ids(column, None)?;
    Ok(integers
        .as_ref()
        .unwrap_or(column)
        .cast(&DataType::String)?)
}

/// An id column as 64-bit integers when its values are integers: an integer column of up to 64
/// bits (but an unsigned 64-bit one, whose values may not fit), or a float column whose values
/// are all whole numbers below 10^15 in size ([`whole_ids`]); `None` otherwise. `whole` is that
/// decision when the caller took it on more rows than `column` holds (a whole file read in
/// batches), else it is taken on `column`.
pub(crate) fn integer_ids(column: &Column, whole: Option<bool>) -> Result<Option<Column>> {
    let dtype = column.dtype();
    if matches!(
        dtype,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
    ) {
        return Ok(Some(column.cast(&DataType::Int64)?));
    }
    if !dtype.is_float() {
        return Ok(None);
    }
    let whole = match whole {
        Some(whole) => whole,
        None => whole_ids(column.cast(&DataType::Float64)?.f64()?),
    };
    Ok(whole.then(|| column.cast(&DataType::Int64)).transpose()?)
}

/// Whether float ids are all whole numbers below 10^15 in size, so that they are written as
/// integers (`17850`, not `17850.0`).
pub(crate) fn whole_ids(values: &Float64Chunked) -> bool {
    values
        .iter()
        .flatten()
        .all(|v| v.fract() == 0.0 && v.abs() < 1e15)
}

/// An id as custseg compares it: a whole number written with a zero fraction (`17850.0`, as pandas
/// writes a float CustomerID) is the same id as `17850`. Other ids are kept as they are, leading
/// zeros included (`00001` is not `1`).
pub(crate) fn canonical_id(id: &str) -> &str {
    match id.split_once('.') {
        Some((whole, fraction))
            if !whole.is_empty()
                && !fraction.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b == b'0') =>
        {
            whole
        }
        _ => id,
    }
}

/// The position of each distinct customer id in customer_id order: numeric when all ids are whole
/// numbers, as pandas sorts a numeric CustomerID, else lexicographic. Customer codes are these
/// positions, so that code order is id order.
pub(crate) fn rank_by_id(uniques: &[&str]) -> Vec<u32> {
    let numeric: Option<Vec<i128>> = uniques.iter().map(|id| id.parse::<i128>().ok()).collect();
    let mut order: Vec<u32> = (0..uniques.len() as u32).collect();
    match numeric {
        Some(keys) => order.sort_by_key(|&i| keys[i as usize]),
        None => order.sort_by(|&a, &b| uniques[a as usize].cmp(uniques[b as usize])),
    }
    let mut rank = vec![0u32; uniques.len()];
    for (position, &code) in order.iter().enumerate() {
        rank[code as usize] = position as u32;
    }
    rank
}
