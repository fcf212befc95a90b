//! Choosing a model and k: every model fitted for every k, scored by inertia (with the elbow
//! found by Kneedle) and the three quality metrics, in one table like PyCaret's model comparison.
//!
//! The silhouette costs a distance per pair of customers; on large data it is computed on a
//! random sample, as scikit-learn's `silhouette_score(sample_size=...)` does (the sample is drawn
//! once from the seed, and the same customers serve every model and k).

use std::ops::RangeInclusive;

use polars::prelude::*;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

use crate::cluster::metrics::{calinski_harabasz_score, davies_bouldin_score, silhouette_scores};
use crate::cluster::model::{ClusterModel, Clustering};
use crate::cluster::spectral::SpectralEmbedding;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// One fitted candidate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelectionRow {
    /// Model name, e.g. `kmeans`.
    pub model: String,
    /// Number of clusters (for DBSCAN: the number it found, noise not counted).
    pub k: usize,
    /// Sum of squared distances to the cluster means.
    pub inertia: f64,
    /// Mean silhouette (higher is better); NaN when the model found fewer than 2 clusters.
    pub silhouette: f64,
    /// Calinski-Harabasz index (higher is better); NaN as above.
    pub calinski_harabasz: f64,
    /// Davies-Bouldin index (lower is better); NaN as above.
    pub davies_bouldin: f64,
}

/// The comparison across models and k.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Selection {
    /// One row per model and k, models in the order given, k increasing.
    pub rows: Vec<SelectionRow>,
    /// The elbow of the first model's inertia over k (Kneedle), if the curve has one.
    pub knee: Option<usize>,
    /// Customers the silhouette was computed on (all of them unless sampled).
    pub silhouette_samples: usize,
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

    /// Shows the table in an evcxr (Jupyter) notebook.
    pub fn evcxr_display(&self) {
        match self.to_frame() {
            Ok(frame) => crate::display::Show::show_rows(&frame, 200).evcxr_display(),
            Err(e) => println!("{e}"),
        }
    }

    /// The row with the best mean silhouette among `model`'s rows.
    pub fn best_silhouette(&self, model: &str) -> Option<&SelectionRow> {
        self.rows
            .iter()
            .filter(|r| r.model == model && r.silhouette.is_finite())
            .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
    }
}

/// What [`select`] compares and how it scores.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionParams {
    models: Vec<ClusterModel>,
    ks: RangeInclusive<usize>,
    silhouette_sample: Option<usize>,
    seed: u64,
}

impl SelectionParams {
    /// `models` (their own k is replaced by each k of `ks`) over `ks`, full silhouette, seed 0.
    pub fn new(models: Vec<ClusterModel>, ks: RangeInclusive<usize>) -> Self {
        SelectionParams {
            models,
            ks,
            silhouette_sample: None,
            seed: 0,
        }
    }

    /// Computes the silhouette on a random sample of this many customers (scikit-learn's
    /// `sample_size`); `None` uses everyone.
    pub fn silhouette_sample(mut self, size: Option<usize>) -> Self {
        self.silhouette_sample = size;
        self
    }

    /// Seed of the silhouette sample.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The largest k that `x` can be clustered into and scored: below the number of samples (the
    /// silhouette needs a sample outside each cluster) and at most the number of distinct samples
    /// (identical customers cannot be told apart). Below 2, `x` has no structure to find.
    pub fn largest_k(x: &Matrix) -> usize {
        let below_n = x.rows().saturating_sub(1);
        distinct_rows_up_to(x, below_n).min(below_n)
    }

    /// Checks the range of k against the data: see [`SelectionParams::largest_k`].
    pub fn check_for(&self, x: &Matrix) -> Result<()> {
        let largest = Self::largest_k(x);
        let wanted = *self.ks.end();
        if !self.models.iter().any(ClusterModel::takes_k) || wanted <= largest {
            return Ok(());
        }
        let n = x.rows();
        let distinct = distinct_rows_up_to(x, n);
        let why = if largest < 2 {
            format!(
                "the {n} customers cannot be clustered: {}",
                if distinct < 2 {
                    "they all have the same feature values".to_string()
                } else {
                    format!("there are only {n}, and k must stay below that")
                }
            )
        } else if distinct < n.saturating_sub(1) && distinct == largest {
            format!(
                "only {distinct} of the {n} customers differ in their feature values, so at most \
                 {largest} clusters can be told apart; use a range that ends at {largest} or below"
            )
        } else {
            format!(
                "there are {n} customers and k must stay below that (the silhouette needs a \
                 customer outside each cluster); use a range that ends at {largest} or below"
            )
        };
        Err(Error::param(
            "SelectionParams::ks",
            format!("the range of k goes up to {wanted}, but {why}"),
        ))
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        if self.models.is_empty() {
            return Err(Error::param(
                "SelectionParams::models",
                "name at least one model to compare",
            ));
        }
        if self.ks.is_empty() || *self.ks.start() < 2 {
            return Err(Error::param(
                "SelectionParams::ks",
                format!(
                    "the range of k must start at 2 or more and not end below its start, got \
                     {}..{}",
                    self.ks.start(),
                    self.ks.end()
                ),
            ));
        }
        if self.silhouette_sample.is_some_and(|s| s < 2) {
            return Err(Error::param(
                "SelectionParams::silhouette_sample",
                "the silhouette sample needs at least 2 customers",
            ));
        }
        Ok(())
    }
}

/// How many distinct rows `x` has, counting no further than `limit + 1`.
fn distinct_rows_up_to(x: &Matrix, limit: usize) -> usize {
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    for i in 0..x.rows() {
        seen.insert(x.row(i).iter().map(|v| v.to_bits()).collect());
        if seen.len() > limit {
            break;
        }
    }
    seen.len()
}

/// Fits every model for every k and scores each fit.
///
/// ```
/// use custseg::cluster::ClusterModel;
/// use custseg::matrix::Matrix;
/// use custseg::cluster::selection::{SelectionParams, select};
///
/// let values = [0.0, 0.2, 0.1, 5.0, 5.2, 5.1, 10.0, 10.1, 10.3];
/// let x = Matrix::new(&values, 1)?;
/// let models = vec![ClusterModel::named("kmeans", 2, 0)?];
/// let table = select(&x, &SelectionParams::new(models, 2..=4))?;
/// assert_eq!(table.rows.len(), 3);
/// let best = table.best_silhouette("kmeans").map(|r| r.k);
/// assert_eq!(best, Some(3));
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn select(x: &Matrix, params: &SelectionParams) -> Result<Selection> {
    params.check()?;
    params.check_for(x)?;
    let n = x.rows();
    let sample = params
        .silhouette_sample
        .filter(|&s| s < n)
        .map(|s| sample_indices(n, s, params.seed));
    let sampled_values: Option<Vec<f64>> = sample
        .as_ref()
        .map(|idx| idx.iter().flat_map(|&i| x.row(i).iter().copied()).collect());
    let sampled = match &sampled_values {
        Some(v) => Some(Matrix::new(v, x.dims())?),
        None => None,
    };
    let mut fits: Vec<(&ClusterModel, usize, Clustering)> = Vec::new();
    for model in &params.models {
        // The spectral embedding's leading vectors do not depend on k: compute them once.
        let embedding: Option<SpectralEmbedding> = match model {
            ClusterModel::Spectral(p) => Some(p.embedding(x, *params.ks.end())?),
            _ => None,
        };
        let ks: Vec<usize> = if model.takes_k() {
            params.ks.clone().collect()
        } else {
            vec![0]
        };
        let fit_k = |k: usize| match (&embedding, model) {
            (Some(e), ClusterModel::Spectral(p)) => {
                Ok(Clustering::new(x, p.clone().k(k).fit_embedding(e)?))
            }
            _ => model.clone().with_k(k).fit(x),
        };
        // Each fit draws from its own seed, so fitting the ks side by side on rayon's threads
        // gives the same results as one after another (k-means' few runs per k alone left a
        // core idle). Hierarchical fits hold every pairwise distance (up to 1.6 GB): one at a
        // time. Collected in k's order, so the first failing k names the error.
        let fitted: Vec<Result<Clustering>> = match model {
            ClusterModel::Hierarchical(_) => ks.iter().map(|&k| fit_k(k)).collect(),
            _ => ks.par_iter().map(|&k| fit_k(k)).collect(),
        };
        for (k, fit) in ks.into_iter().zip(fitted) {
            fits.push((model, k, fit?));
        }
    }
    // Fits with fewer than two groups have no metrics; the others' silhouettes in one pass.
    let scored: Vec<usize> = (0..fits.len())
        .filter(|&f| fits[f].2.n_clusters() + usize::from(fits[f].2.noise() > 0) >= 2)
        .collect();
    let labellings: Vec<Vec<i64>> = scored
        .iter()
        .map(|&f| {
            let labels = fits[f].2.labels();
            match &sample {
                Some(idx) => idx.iter().map(|&i| labels[i]).collect(),
                None => labels.to_vec(),
            }
        })
        .collect();
    let silhouettes = match &sampled {
        Some(m) => labellings
            .par_iter()
            .map(|l| silhouette_scores(m, std::slice::from_ref(l)).map_or(f64::NAN, |s| s[0]))
            .collect(),
        None => silhouette_scores(x, &labellings)?,
    };
    let mut rows = Vec::with_capacity(fits.len());
    for (f, (model, k, fit)) in fits.iter().enumerate() {
        let (silhouette, calinski_harabasz, davies_bouldin) =
            match scored.iter().position(|&s| s == f) {
                Some(p) => (
                    silhouettes[p],
                    calinski_harabasz_score(x, fit.labels())?,
                    davies_bouldin_score(x, fit.labels())?,
                ),
                None => (f64::NAN, f64::NAN, f64::NAN),
            };
        rows.push(SelectionRow {
            model: model.name().to_string(),
            k: if model.takes_k() {
                *k
            } else {
                fit.n_clusters()
            },
            inertia: fit.inertia(),
            silhouette,
            calinski_harabasz,
            davies_bouldin,
        });
    }
    let first = &rows[0].model;
    let (ks, inertia): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .filter(|r| &r.model == first)
        .map(|r| (r.k as f64, r.inertia))
        .unzip();
    let knee = kneedle_convex_decreasing(&ks, &inertia).map(|k| k as usize);
    Ok(Selection {
        rows,
        knee,
        silhouette_samples: sample.map_or(n, |s| s.len()),
    })
}

/// `size` distinct indices below `n`, drawn from `seed` (partial Fisher-Yates), in increasing
/// order.
pub(crate) fn sample_indices(n: usize, size: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut all: Vec<usize> = (0..n).collect();
    for i in 0..size.min(n) {
        let j = i + (rng.next_u64() % (n - i) as u64) as usize;
        all.swap(i, j);
    }
    all.truncate(size.min(n));
    all.sort_unstable();
    all
}

/// The knee of a convex, decreasing curve (an elbow plot) by Kneedle (Satopää et al. 2011),
/// exactly as yellowbrick's distortion-score elbow finds it (its `KneeLocator` with a convex,
/// decreasing curve, sensitivity 1, offline): normalise x and y to [0, 1], flip y (`1 - y`), take
/// the difference curve `y - x`, and walk it from its first local maximum; the knee is the last
/// local maximum passed when the curve first drops below that maximum minus the mean x step (or
/// below 0 after a local minimum). `None` when there is no such drop (a straight line) or fewer
/// than two points. Tested against yellowbrick 1.5 on `tests/fixtures/cluster/models_cases.json`.
pub fn kneedle_convex_decreasing(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || n != y.len() {
        return None;
    }
    let normalise = |v: &[f64]| -> Option<Vec<f64>> {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (hi > lo).then(|| v.iter().map(|a| (a - lo) / (hi - lo)).collect())
    };
    let xs = normalise(x)?;
    let ys = normalise(y)?;
    let top = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let difference: Vec<f64> = xs.iter().zip(&ys).map(|(a, b)| (top - b) - a).collect();
    // scipy's argrelextrema(order=1, mode="clip"): the ends compare with themselves.
    let neighbours = |i: usize| {
        (
            difference[i.saturating_sub(1)],
            difference[(i + 1).min(n - 1)],
        )
    };
    let is_max = |i: usize| {
        let (before, after) = neighbours(i);
        difference[i] >= before && difference[i] >= after
    };
    let is_min = |i: usize| {
        let (before, after) = neighbours(i);
        difference[i] <= before && difference[i] <= after
    };
    let mean_step = xs.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (n - 1) as f64;
    let first_max = (0..n).find(|&i| is_max(i))?;
    let mut threshold = f64::NAN;
    let mut knee_index = first_max;
    for i in first_max..n {
        // yellowbrick stops at the largest x; the index check keeps unsorted x in bounds.
        if xs[i] == 1.0 || i + 1 == n {
            break;
        }
        if is_max(i) {
            threshold = difference[i] - mean_step;
            knee_index = i;
        }
        if is_min(i) {
            threshold = 0.0;
        }
        if difference[i + 1] < threshold {
            return Some(x[knee_index]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kneedle_by_hand() {
        // Normalised: x = 0, .25, .5, .75, 1; y = 1, .3, .1, .05, 0
        // -> 1 - y - x = 0, .45, .4, .2, 0.
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

    #[test]
    fn sample_is_distinct_sorted_and_seeded() {
        let s = sample_indices(100, 10, 4);
        assert_eq!(s.len(), 10);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s, sample_indices(100, 10, 4));
        assert_ne!(s, sample_indices(100, 10, 5));
        assert_eq!(sample_indices(5, 9, 0), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn compares_models_and_scores_dbscan_by_what_it_found() {
        let values = [0.0, 0.2, 0.1, 5.0, 5.2, 5.1, 10.0, 10.1, 10.3];
        let x = Matrix::new(&values, 1).unwrap();
        let models = vec![
            ClusterModel::named("kmeans", 2, 0).unwrap(),
            ClusterModel::Dbscan(crate::cluster::dbscan::DbscanParams::new().min_samples(2)),
        ];
        let table = select(&x, &SelectionParams::new(models, 2..=3)).unwrap();
        let names: Vec<(&str, usize)> =
            table.rows.iter().map(|r| (r.model.as_str(), r.k)).collect();
        assert_eq!(names, [("kmeans", 2), ("kmeans", 3), ("dbscan", 3)]);
        // DBSCAN (eps 0.5) finds the same three groups as k-means with k = 3.
        assert_eq!(table.rows[2].silhouette, table.rows[1].silhouette);
        assert_eq!(table.silhouette_samples, 9);
        let sampled = select(
            &x,
            &SelectionParams::new(vec![ClusterModel::named("kmeans", 2, 0).unwrap()], 3..=3)
                .silhouette_sample(Some(5)),
        )
        .unwrap();
        assert_eq!(sampled.silhouette_samples, 5);
        assert!(SelectionParams::new(vec![], 2..=3).check().is_err());
        assert!(select(&x, &SelectionParams::new(table_models(), 1..=3)).is_err());
    }

    fn table_models() -> Vec<ClusterModel> {
        vec![ClusterModel::named("kmeans", 2, 0).unwrap()]
    }
}
