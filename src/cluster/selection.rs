//! Choosing k: inertia with the elbow found by Kneedle, and the three quality metrics, per k, in
//! one table like PyCaret's model comparison.

use std::ops::RangeInclusive;

use polars::prelude::*;

use crate::cluster::kmeans::KMeansParams;
use crate::cluster::metrics::{
    Matrix, calinski_harabasz_score, davies_bouldin_score, silhouette_score,
};
use crate::error::{Error, Result};

/// One fitted candidate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelectionRow {
    /// Model name, e.g. `kmeans`.
    pub model: String,
    /// Number of clusters.
    pub k: usize,
    /// Sum of squared distances to the centres.
    pub inertia: f64,
    /// Mean silhouette (higher is better).
    pub silhouette: f64,
    /// Calinski-Harabasz index (higher is better).
    pub calinski_harabasz: f64,
    /// Davies-Bouldin index (lower is better).
    pub davies_bouldin: f64,
}

/// The comparison across k.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Selection {
    /// One row per k, in increasing k.
    pub rows: Vec<SelectionRow>,
    /// The elbow of inertia over k (Kneedle), if the curve has one.
    pub knee: Option<usize>,
}

impl Selection {
    /// The table as a polars frame: `model,k,inertia,silhouette,calinski_harabasz,davies_bouldin`.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let r = &self.rows;
        Ok(DataFrame::new(
            r.len(),
            vec![
                Column::new(
                    "model".into(),
                    r.iter().map(|x| x.model.clone()).collect::<Vec<_>>(),
                ),
                Column::new("k".into(), r.iter().map(|x| x.k as u32).collect::<Vec<_>>()),
                Column::new(
                    "inertia".into(),
                    r.iter().map(|x| x.inertia).collect::<Vec<_>>(),
                ),
                Column::new(
                    "silhouette".into(),
                    r.iter().map(|x| x.silhouette).collect::<Vec<_>>(),
                ),
                Column::new(
                    "calinski_harabasz".into(),
                    r.iter().map(|x| x.calinski_harabasz).collect::<Vec<_>>(),
                ),
                Column::new(
                    "davies_bouldin".into(),
                    r.iter().map(|x| x.davies_bouldin).collect::<Vec<_>>(),
                ),
            ],
        )?)
    }
}

/// Fits k-means for every k in `ks` (with `base`'s other parameters) and scores each fit.
pub fn select_kmeans(
    x: &Matrix,
    ks: RangeInclusive<usize>,
    base: &KMeansParams,
) -> Result<Selection> {
    if ks.is_empty() || *ks.start() < 2 {
        return Err(Error::param(
            "k",
            format!("the range of k must start at 2 or more, got {ks:?}"),
        ));
    }
    let mut rows = Vec::new();
    for k in ks {
        let model = base.clone().k(k).fit(x)?;
        let labels = model.labels();
        rows.push(SelectionRow {
            model: "kmeans".to_string(),
            k,
            inertia: model.inertia(),
            silhouette: silhouette_score(x, labels)?,
            calinski_harabasz: calinski_harabasz_score(x, labels)?,
            davies_bouldin: davies_bouldin_score(x, labels)?,
        });
    }
    let ks: Vec<f64> = rows.iter().map(|r| r.k as f64).collect();
    let inertia: Vec<f64> = rows.iter().map(|r| r.inertia).collect();
    let knee = kneedle_convex_decreasing(&ks, &inertia).map(|k| k as usize);
    Ok(Selection { rows, knee })
}

/// The knee of a convex, decreasing curve (an elbow plot) by Kneedle (Satopää et al. 2011), as
/// yellowbrick's distortion-score elbow uses it: normalise x and y to [0, 1], flip y
/// (`1 - y`), and take the x where `y - x` peaks. `None` when the curve is a straight line or
/// has fewer than three points.
pub fn kneedle_convex_decreasing(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() < 3 || x.len() != y.len() {
        return None;
    }
    let normalise = |v: &[f64]| -> Option<Vec<f64>> {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (hi > lo).then(|| v.iter().map(|a| (a - lo) / (hi - lo)).collect())
    };
    let xs = normalise(x)?;
    let ys = normalise(y)?;
    let difference: Vec<f64> = xs.iter().zip(&ys).map(|(a, b)| (1.0 - b) - a).collect();
    let (best, value) =
        difference
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |acc, (i, d)| {
                if *d > acc.1 { (i, *d) } else { acc }
            });
    (value > 1e-12).then(|| x[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kneedle_by_hand() {
        // Normalised: x = 0, .25, .5, .75, 1; y = 1, .3, .1, .05, 0 -> 1 - y - x = 0, .45, .4, .2, 0.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [100.0, 30.0, 10.0, 5.0, 0.0];
        assert_eq!(kneedle_convex_decreasing(&x, &y), Some(2.0));
        assert_eq!(
            kneedle_convex_decreasing(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]),
            None,
            "a straight line has no knee"
        );
        assert_eq!(kneedle_convex_decreasing(&x[..2], &y[..2]), None);
    }
}
