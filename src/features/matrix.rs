//! The feature matrix a clustering model takes: one row per customer, chosen numeric columns of a
//! per-customer table (RFM, or any customer single view), transformed by a recorded
//! [`Pipeline`] so results can be read back in original units.

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::features::transform::{Pipeline, Step};
use crate::frame::{float_values, rebuild, text_values};
use crate::matrix::Matrix;
use crate::rfm::RfmTable;

/// Customers by features, in original units and transformed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    customer_ids: Vec<String>,
    names: Vec<String>,
    /// Original values, one vector per feature.
    original: Vec<Vec<f64>>,
    /// Revenue per customer, when the table has it (profiles report revenue shares).
    revenue: Option<Vec<f64>>,
    pipeline: Pipeline,
    /// Transformed values, row-major.
    values: Vec<f64>,
}

/// A per-customer table has one row per customer. Transactions given where a per-customer table
/// belongs would put one customer in several clusters.
fn check_one_row_per_customer(ids: &[String], id_column: &str) -> Result<()> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut repeated = 0usize;
    let mut example: Option<(&str, usize, usize)> = None;
    for (row, id) in ids.iter().enumerate() {
        if let Some(&first) = seen.get(id.as_str()) {
            repeated += 1;
            example.get_or_insert((id, first, row));
        } else {
            seen.insert(id, row);
        }
    }
    match example {
        None => Ok(()),
        Some((id, first, again)) => Err(Error::param(
            "FeatureMatrix::from_frame columns",
            format!(
                "the table has {repeated} row(s) whose customer is already on an earlier row (id \
                 \"{}\" in column \"{id_column}\" on rows {} and {}): feature columns are read \
                 from a table with one row per customer. For transactions, compute per-customer \
                 features first (RFM: `RfmParams::fit`).",
                crate::format::shorten(id, 80),
                first + 1,
                again + 1
            ),
        )),
    }
}

impl FeatureMatrix {
    /// Recency, frequency and monetary of an RFM table (monetary doubles as revenue).
    pub fn from_rfm(table: &RfmTable, steps: &[Step]) -> Result<FeatureMatrix> {
        let mut matrix = FeatureMatrix::from_frame(
            &table.frame(),
            "customer_id",
            &["recency", "frequency", "monetary"],
            steps,
        )?;
        matrix.revenue = Some(matrix.original[2].clone());
        Ok(matrix)
    }

    /// Numeric `columns` of a per-customer frame, one row per customer identified by
    /// `id_column`. Missing or non-numeric values are an error that names the column.
    ///
    /// ```
    /// use custseg::features::matrix::FeatureMatrix;
    /// use custseg::features::transform::Step;
    /// use polars::prelude::*;
    ///
    /// let customers = df!("id" => ["a", "b", "c"], "visits" => [1, 2, 3])?;
    /// let m = FeatureMatrix::from_frame(&customers, "id", &["visits"], &[Step::MinMax])?;
    /// assert_eq!(m.matrix()?.values(), &[0.0, 0.5, 1.0]);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn from_frame(
        frame: &DataFrame,
        id_column: &str,
        columns: &[&str],
        steps: &[Step],
    ) -> Result<FeatureMatrix> {
        let frame = rebuild(frame)?;
        let has = crate::frame::column_names(&frame);
        for name in std::iter::once(&id_column).chain(columns) {
            if !has.iter().any(|h| h == name) {
                let has: Vec<&str> = has.iter().map(String::as_str).collect();
                return Err(Error::param(
                    "FeatureMatrix::from_frame columns",
                    format!(
                        "no column \"{}\"; the table has: {}",
                        crate::format::shorten(name, 80),
                        crate::data::roles::list_columns(&has)
                    ),
                ));
            }
        }
        if columns.is_empty() {
            return Err(Error::param(
                "FeatureMatrix::from_frame columns",
                "name at least one feature column",
            ));
        }
        let customer_ids = text_values(&frame, id_column)?;
        check_one_row_per_customer(&customer_ids, id_column)?;
        let mut original = Vec::with_capacity(columns.len());
        for name in columns {
            let column = frame.column(name)?;
            let nulls_before = column.null_count();
            let values = float_values(&frame, name)?;
            let bad = values.iter().filter(|v| !v.is_finite()).count();
            if bad > 0 {
                let why = if bad == nulls_before {
                    "missing"
                } else {
                    "missing or not numbers"
                };
                return Err(Error::param(
                    "FeatureMatrix::from_frame columns",
                    format!(
                        "column \"{}\" has {bad} {why} value(s) among {} customers; fill or \
                         drop those customers first",
                        crate::format::shorten(name, 80),
                        values.len()
                    ),
                ));
            }
            original.push(values);
        }
        let (pipeline, transformed) = Pipeline::fit(steps, &original)?;
        let rows = customer_ids.len();
        let values = (0..rows)
            .flat_map(|i| transformed.iter().map(move |c| c[i]))
            .collect();
        Ok(FeatureMatrix {
            customer_ids,
            names: columns.iter().map(|c| c.to_string()).collect(),
            original,
            revenue: None,
            pipeline,
            values,
        })
    }

    /// Takes revenue per customer from a column of the same frame (for revenue shares).
    pub fn with_revenue(mut self, revenue: Vec<f64>) -> Result<FeatureMatrix> {
        if revenue.len() != self.customer_ids.len() {
            return Err(Error::param(
                "revenue",
                format!(
                    "{} revenue values for {} customers",
                    revenue.len(),
                    self.customer_ids.len()
                ),
            ));
        }
        self.revenue = Some(revenue);
        Ok(self)
    }

    /// The transformed values as a matrix view for the models and metrics.
    pub fn matrix(&self) -> Result<Matrix<'_>> {
        Matrix::new(&self.values, self.names.len())
    }

    /// Customer ids, in row order.
    pub fn customer_ids(&self) -> &[String] {
        &self.customer_ids
    }

    /// Feature names, in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// One feature's values in original units.
    pub fn original(&self, feature: usize) -> &[f64] {
        &self.original[feature]
    }

    /// Revenue per customer, if known.
    pub fn revenue(&self) -> Option<&[f64]> {
        self.revenue.as_deref()
    }

    /// The fitted transform.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer_ids.len()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.customer_ids.is_empty()
    }

    /// `customer_id,cluster` plus the features in original units (the CLI's assignment file).
    pub fn assignment_frame(&self, labels: &[i64]) -> Result<DataFrame> {
        if labels.len() != self.len() {
            return Err(Error::param(
                "labels",
                format!("{} labels for {} customers", labels.len(), self.len()),
            ));
        }
        let mut columns = vec![
            Column::new("customer_id".into(), self.customer_ids.clone()),
            Column::new("cluster".into(), labels.to_vec()),
        ];
        for (name, values) in self.names.iter().zip(&self.original) {
            columns.push(Column::new(name.as_str().into(), values.clone()));
        }
        Ok(DataFrame::new(self.len(), columns)?)
    }
}
