//! Feature transforms for clustering, recorded so results can be reported in original units.
//!
//! A [`Pipeline`] is a list of [`Step`]s fitted on the data (linfa's params -> fit -> model
//! pattern): `fit` learns each step's parameters column by column, `transform` applies them, and
//! `inverse` maps cluster centres back to the original units. Definitions follow scikit-learn:
//! standard scaling divides by the population standard deviation (`StandardScaler`), robust
//! scaling by the inter-quartile range around the median (`RobustScaler`), min-max maps to [0, 1]
//! (`MinMaxScaler`); quantiles use linear interpolation. Constant columns are left centred but not
//! divided (scikit-learn's behaviour for a zero scale).

use crate::error::{Error, Result};
use crate::stats::quantile_sorted;

/// One transform.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// `ln(1 + x)`; values must be greater than -1.
    Log1p,
    /// `(x - mean) / population std`.
    Standard,
    /// `(x - median) / (q75 - q25)`.
    Robust,
    /// `(x - min) / (max - min)`.
    MinMax,
    /// Clip each column to its `lower` and `upper` quantiles (e.g. 0.01 and 0.99).
    Winsorize {
        /// Lower quantile, 0 to 1.
        lower: f64,
        /// Upper quantile, 0 to 1.
        upper: f64,
    },
}

impl Step {
    /// Parses `log1p`, `standard`, `robust`, `minmax`, `winsorize` (1% and 99%) or
    /// `winsorize:0.05:0.95`.
    pub fn parse(text: &str) -> Result<Self> {
        let mut parts = text.trim().split(':');
        let name = parts.next().unwrap_or_default().to_ascii_lowercase();
        let step = match name.as_str() {
            "log1p" => Step::Log1p,
            "standard" | "zscore" => Step::Standard,
            "robust" => Step::Robust,
            "minmax" => Step::MinMax,
            "winsorize" | "winsorise" => {
                let lower = parts
                    .next()
                    .map(str::parse)
                    .transpose()
                    .map_err(|_| bad(text))?
                    .unwrap_or(0.01);
                let upper = parts
                    .next()
                    .map(str::parse)
                    .transpose()
                    .map_err(|_| bad(text))?
                    .unwrap_or(0.99);
                Step::Winsorize { lower, upper }
            }
            _ => return Err(bad(text)),
        };
        if let Step::Winsorize { lower, upper } = step
            && !(0.0 <= lower && lower < upper && upper <= 1.0)
        {
            return Err(Error::param(
                "Step",
                format!("winsorize needs 0 <= lower < upper <= 1, got {lower} and {upper}"),
            ));
        }
        Ok(step)
    }
}

fn bad(text: &str) -> Error {
    Error::param(
        "Step",
        format!(
            "unknown transform \"{}\"; use log1p, standard, robust, minmax or winsorize[:LOWER:UPPER]",
            crate::format::shorten(text, 80)
        ),
    )
}

/// What a fitted step learnt about one column.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Fitted {
    /// `ln(1 + x)`.
    Log1p,
    /// Subtract `center`, divide by `scale`.
    Affine {
        /// Subtracted first.
        center: f64,
        /// Then divided by (1 for constant columns).
        scale: f64,
    },
    /// Clip to `[low, high]`.
    Clip {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
}

impl Fitted {
    fn apply(self, v: f64) -> f64 {
        match self {
            Fitted::Log1p => v.ln_1p(),
            Fitted::Affine { center, scale } => (v - center) / scale,
            Fitted::Clip { low, high } => v.clamp(low, high),
        }
    }

    fn invert(self, v: f64) -> f64 {
        match self {
            Fitted::Log1p => v.exp_m1(),
            Fitted::Affine { center, scale } => v * scale + center,
            // Clipping loses information; the clipped value is the best inverse.
            Fitted::Clip { .. } => v,
        }
    }
}

/// An ordered list of steps, fitted per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    steps: Vec<Step>,
    /// `fitted[s][c]`: step `s` for column `c`.
    fitted: Vec<Vec<Fitted>>,
}

fn nonzero(scale: f64) -> f64 {
    if scale == 0.0 || !scale.is_finite() {
        1.0
    } else {
        scale
    }
}

impl Pipeline {
    /// Fits `steps` to the columns (each column a slice of values) and returns the pipeline with
    /// the transformed columns.
    ///
    /// ```
    /// use custseg::features::transform::{Pipeline, Step};
    /// let (pipeline, out) = Pipeline::fit(&[Step::Standard], &[vec![1.0, 2.0, 3.0]])?;
    /// let s = (2.0f64 / 3.0).sqrt(); // population std of 1, 2, 3
    /// assert_eq!(out[0], vec![-1.0 / s, 0.0, 1.0 / s]);
    /// assert!((pipeline.inverse(0, out[0][2]) - 3.0).abs() < 1e-12);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn fit(steps: &[Step], columns: &[Vec<f64>]) -> Result<(Pipeline, Vec<Vec<f64>>)> {
        let mut data: Vec<Vec<f64>> = columns.to_vec();
        if data.iter().any(|c| c.is_empty()) {
            return Err(Error::param("features", "a feature column is empty"));
        }
        let mut fitted = Vec::with_capacity(steps.len());
        for step in steps {
            let mut per_column = Vec::with_capacity(data.len());
            for (index, column) in data.iter_mut().enumerate() {
                let learnt = fit_step(step, column, index)?;
                column.iter_mut().for_each(|v| *v = learnt.apply(*v));
                per_column.push(learnt);
            }
            fitted.push(per_column);
        }
        Ok((
            Pipeline {
                steps: steps.to_vec(),
                fitted,
            },
            data,
        ))
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// What each step learnt, per column.
    pub fn fitted(&self) -> &[Vec<Fitted>] {
        &self.fitted
    }

    /// Applies the fitted pipeline to one value of column `column`.
    pub fn transform(&self, column: usize, value: f64) -> f64 {
        self.fitted
            .iter()
            .fold(value, |v, step| step[column].apply(v))
    }

    /// Maps a transformed value of column `column` back to original units.
    pub fn inverse(&self, column: usize, value: f64) -> f64 {
        self.fitted
            .iter()
            .rev()
            .fold(value, |v, step| step[column].invert(v))
    }
}

fn fit_step(step: &Step, column: &[f64], index: usize) -> Result<Fitted> {
    if column.iter().any(|v| !v.is_finite()) {
        return Err(Error::param(
            "features",
            format!("column {index} holds NaN or infinite values"),
        ));
    }
    let n = column.len() as f64;
    let sorted = || {
        let mut s = column.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    Ok(match step {
        Step::Log1p => {
            if let Some(v) = column.iter().find(|v| **v <= -1.0) {
                return Err(Error::param(
                    "Step",
                    format!(
                        "log1p needs values above -1, column {index} has {v}; drop or shift the values first"
                    ),
                ));
            }
            Fitted::Log1p
        }
        Step::Standard => {
            let mean = column.iter().sum::<f64>() / n;
            let variance = column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            Fitted::Affine {
                center: mean,
                scale: nonzero(variance.sqrt()),
            }
        }
        Step::Robust => {
            let s = sorted();
            Fitted::Affine {
                center: quantile_sorted(&s, 0.5),
                scale: nonzero(quantile_sorted(&s, 0.75) - quantile_sorted(&s, 0.25)),
            }
        }
        Step::MinMax => {
            let s = sorted();
            Fitted::Affine {
                center: s[0],
                scale: nonzero(s[s.len() - 1] - s[0]),
            }
        }
        Step::Winsorize { lower, upper } => {
            let s = sorted();
            Fitted::Clip {
                low: quantile_sorted(&s, *lower),
                high: quantile_sorted(&s, *upper),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_steps() {
        let col = vec![vec![0.0, 1.0, 2.0, 3.0, 100.0]];
        let (_, robust) = Pipeline::fit(&[Step::Robust], &col).unwrap();
        // median 2, q25 1, q75 3 -> (x - 2) / 2.
        assert_eq!(robust[0], vec![-1.0, -0.5, 0.0, 0.5, 49.0]);
        let (_, minmax) = Pipeline::fit(&[Step::MinMax], &col).unwrap();
        assert_eq!(minmax[0], vec![0.0, 0.01, 0.02, 0.03, 1.0]);
        let (_, clipped) = Pipeline::fit(
            &[Step::Winsorize {
                lower: 0.25,
                upper: 0.75,
            }],
            &col,
        )
        .unwrap();
        assert_eq!(clipped[0], vec![1.0, 1.0, 2.0, 3.0, 3.0]);
        let (p, logged) = Pipeline::fit(&[Step::Log1p, Step::Standard], &col).unwrap();
        for (v, t) in col[0].iter().zip(&logged[0]) {
            assert!((p.inverse(0, *t) - v).abs() < 1e-9);
            assert!((p.transform(0, *v) - t).abs() < 1e-12);
        }
        let (_, constant) = Pipeline::fit(&[Step::Standard], &[vec![5.0, 5.0]]).unwrap();
        assert_eq!(constant[0], vec![0.0, 0.0]);
    }

    #[test]
    fn parsing_and_errors() {
        assert_eq!(
            Step::parse("winsorize:0.05:0.95").unwrap(),
            Step::Winsorize {
                lower: 0.05,
                upper: 0.95
            }
        );
        assert_eq!(Step::parse("LOG1P").unwrap(), Step::Log1p);
        assert!(Step::parse("winsorize:0.9:0.1").is_err());
        assert!(
            Step::parse("sqrt")
                .unwrap_err()
                .to_string()
                .contains("log1p, standard")
        );
        assert!(
            Pipeline::fit(&[Step::Log1p], &[vec![-2.0]])
                .unwrap_err()
                .to_string()
                .contains("above -1")
        );
    }
}
