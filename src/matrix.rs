//! The numeric matrix models work on: a row-major view of `rows` samples of `dims` features.
//!
//! A leaf module: features build it, models read it, charts draw from it.

use crate::error::{Error, Result};

/// A row-major matrix view: sample `i` is `values[i * dims..(i + 1) * dims]`.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a> {
    values: &'a [f64],
    dims: usize,
}

impl<'a> Matrix<'a> {
    /// Wraps `values` as rows of `dims` features.
    pub fn new(values: &'a [f64], dims: usize) -> Result<Self> {
        if dims == 0 || !values.len().is_multiple_of(dims) {
            return Err(Error::param(
                "matrix",
                format!("{} values do not split into rows of {dims}", values.len()),
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::param(
                "matrix",
                "the features hold NaN or infinite values; transform or drop them first",
            ));
        }
        Ok(Matrix { values, dims })
    }

    /// Number of samples.
    pub fn rows(&self) -> usize {
        self.values.len() / self.dims
    }

    /// Number of features.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// All values, row after row.
    pub fn values(&self) -> &'a [f64] {
        self.values
    }

    /// One sample.
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.values[i * self.dims..(i + 1) * self.dims]
    }

    /// The values one feature at a time (`columns[d][i]`), so that distances from one point to
    /// every sample are a vectorisable loop.
    pub(crate) fn columns(&self) -> Vec<Vec<f64>> {
        (0..self.dims)
            .map(|d| (0..self.rows()).map(|i| self.row(i)[d]).collect())
            .collect()
    }

    /// A copy as an ndarray matrix, the form linfa's models take.
    pub(crate) fn to_array(self) -> Result<ndarray::Array2<f64>> {
        ndarray::Array2::from_shape_vec((self.rows(), self.dims), self.values.to_vec())
            .map_err(|e| Error::param("matrix", e.to_string()))
    }
}

/// The squared Euclidean distance.
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}
