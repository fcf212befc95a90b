//! Reading clusters: a profile per cluster (size, shares of customers and revenue, mean and median
//! of every feature in original units, difference to the population for the snake plot and the
//! heatmap), a descriptive name made from the profile, and a cross-tab against RFM segments.

use polars::prelude::*;

use crate::cluster::model::NOISE;
use crate::error::{Error, Result};
use crate::features::matrix::FeatureMatrix;
use crate::stats::quantile_sorted;

/// One cluster, read in original units.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterProfile {
    /// The cluster label ([`NOISE`] for DBSCAN's noise).
    pub cluster: i64,
    /// A descriptive name such as "recent, frequent, high spend".
    pub name: String,
    /// Number of customers.
    pub customers: usize,
    /// Share of all customers, 0 to 1.
    pub customer_share: f64,
    /// Revenue of the cluster's customers, when the features carry revenue.
    pub revenue: Option<f64>,
    /// Share of all revenue, 0 to 1.
    pub revenue_share: Option<f64>,
    /// Mean of each feature, original units.
    pub mean: Vec<f64>,
    /// Median of each feature, original units.
    pub median: Vec<f64>,
    /// `mean / population mean - 1` per feature (the relative-importance heatmap).
    pub relative: Vec<f64>,
    /// Mean of each transformed feature (the snake plot: on standard-scaled features, in
    /// standard deviations from the population mean).
    pub transformed_mean: Vec<f64>,
}

/// Profiles of all clusters, with the population for comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterProfiles {
    /// Feature names.
    pub features: Vec<String>,
    /// Population mean of each feature, original units.
    pub population_mean: Vec<f64>,
    /// Population median of each feature, original units.
    pub population_median: Vec<f64>,
    /// One profile per cluster, in label order (noise last).
    pub clusters: Vec<ClusterProfile>,
}

/// How a cluster's median sits in the population: below its 10% or 1/3 quantile, above its 2/3
/// or 90% quantile, or between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    VeryLow,
    Low,
    Mid,
    High,
    VeryHigh,
}

/// The words for a low and a high value of a feature (recency is "low = recent").
fn words(feature: &str) -> (String, String) {
    match feature.to_ascii_lowercase().as_str() {
        "recency" => ("recent".into(), "lapsed".into()),
        "frequency" => ("one-off".into(), "frequent".into()),
        "monetary" => ("low spend".into(), "high spend".into()),
        other => {
            let name = other.replace('_', " ");
            (format!("low {name}"), format!("high {name}"))
        }
    }
}

impl ClusterProfiles {
    /// Profiles of the clusters given by `labels` (one per customer of `features`).
    ///
    /// ```
    /// use custseg::cluster::profile::ClusterProfiles;
    /// use custseg::features::matrix::FeatureMatrix;
    /// use polars::prelude::*;
    ///
    /// let t = df!("id" => ["a", "b", "c", "d"], "recency" => [5.0, 7.0, 300.0, 320.0])?;
    /// let m = FeatureMatrix::from_frame(&t, "id", &["recency"], &[])?;
    /// let p = ClusterProfiles::new(&m, &[0, 0, 1, 1])?;
    /// assert_eq!(p.clusters[0].name, "recent");
    /// assert_eq!(p.clusters[1].mean, vec![310.0]);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn new(features: &FeatureMatrix, labels: &[i64]) -> Result<ClusterProfiles> {
        let n = features.len();
        if labels.len() != n || n == 0 {
            return Err(Error::param(
                "labels",
                format!("{} labels for {n} customers", labels.len()),
            ));
        }
        let dims = features.names().len();
        let matrix = features.matrix()?;
        let mut sorted_population: Vec<Vec<f64>> =
            (0..dims).map(|d| features.original(d).to_vec()).collect();
        sorted_population
            .iter_mut()
            .for_each(|c| c.sort_by(f64::total_cmp));
        let mean_of = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let population_mean: Vec<f64> = (0..dims).map(|d| mean_of(features.original(d))).collect();
        let population_median: Vec<f64> = sorted_population
            .iter()
            .map(|c| quantile_sorted(c, 0.5))
            .collect();
        let total_revenue: Option<f64> = features.revenue().map(|r| r.iter().sum());

        let mut ids: Vec<i64> = labels.to_vec();
        ids.sort_unstable_by_key(|&l| (l == NOISE, l));
        ids.dedup();
        let mut clusters = Vec::with_capacity(ids.len());
        for &cluster in &ids {
            let members: Vec<usize> = (0..n).filter(|&i| labels[i] == cluster).collect();
            let mut mean = Vec::with_capacity(dims);
            let mut median = Vec::with_capacity(dims);
            let mut levels = Vec::with_capacity(dims);
            let mut transformed_mean = Vec::with_capacity(dims);
            for (d, population) in sorted_population.iter().enumerate() {
                let mut values: Vec<f64> =
                    members.iter().map(|&i| features.original(d)[i]).collect();
                values.sort_by(f64::total_cmp);
                let m = quantile_sorted(&values, 0.5);
                mean.push(mean_of(&values));
                median.push(m);
                let q = |p: f64| quantile_sorted(population, p);
                levels.push(if m < q(0.1) {
                    Level::VeryLow
                } else if m < q(1.0 / 3.0) {
                    Level::Low
                } else if m > q(0.9) {
                    Level::VeryHigh
                } else if m > q(2.0 / 3.0) {
                    Level::High
                } else {
                    Level::Mid
                });
                transformed_mean.push(
                    members.iter().map(|&i| matrix.row(i)[d]).sum::<f64>() / members.len() as f64,
                );
            }
            let relative = mean
                .iter()
                .zip(&population_mean)
                .map(|(m, p)| if *p != 0.0 { m / p - 1.0 } else { 0.0 })
                .collect();
            let revenue = features
                .revenue()
                .map(|r| members.iter().map(|&i| r[i]).sum::<f64>());
            let name = if cluster == NOISE {
                "noise (no dense group)".to_string()
            } else {
                describe(features.names(), &levels)
            };
            clusters.push(ClusterProfile {
                cluster,
                name,
                customers: members.len(),
                customer_share: members.len() as f64 / n as f64,
                revenue,
                revenue_share: revenue
                    .zip(total_revenue)
                    .map(|(r, t)| if t != 0.0 { r / t } else { 0.0 }),
                mean,
                median,
                relative,
                transformed_mean,
            });
        }
        disambiguate(&mut clusters);
        Ok(ClusterProfiles {
            features: features.names().to_vec(),
            population_mean,
            population_median,
            clusters,
        })
    }

    /// Shows the profiles in an evcxr (Jupyter) notebook.
    pub fn evcxr_display(&self) {
        match self.to_frame() {
            Ok(frame) => crate::display::Show::show_rows(&frame, 200).evcxr_display(),
            Err(e) => println!("{e}"),
        }
    }

    /// The profiles as a frame: `cluster, name, customers, customer_share, revenue,
    /// revenue_share`, then `mean_<feature>` and `median_<feature>` for each feature.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let c = &self.clusters;
        let mut columns = vec![
            Column::new(
                "cluster".into(),
                c.iter().map(|p| p.cluster).collect::<Vec<_>>(),
            ),
            Column::new(
                "name".into(),
                c.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "customers".into(),
                c.iter().map(|p| p.customers as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                "customer_share".into(),
                c.iter().map(|p| p.customer_share).collect::<Vec<_>>(),
            ),
            Column::new(
                "revenue".into(),
                c.iter().map(|p| p.revenue).collect::<Vec<_>>(),
            ),
            Column::new(
                "revenue_share".into(),
                c.iter().map(|p| p.revenue_share).collect::<Vec<_>>(),
            ),
        ];
        for (d, feature) in self.features.iter().enumerate() {
            columns.push(Column::new(
                format!("mean_{feature}").into(),
                c.iter().map(|p| p.mean[d]).collect::<Vec<_>>(),
            ));
            columns.push(Column::new(
                format!("median_{feature}").into(),
                c.iter().map(|p| p.median[d]).collect::<Vec<_>>(),
            ));
        }
        Ok(DataFrame::new(c.len(), columns)?)
    }
}

/// "recent, frequent, high spend": the features whose median is low or high in the population
/// ("very" beyond the 10% and 90% quantiles), in feature order; "typical" when every feature sits
/// in the middle third.
fn describe(names: &[String], levels: &[Level]) -> String {
    let parts: Vec<String> = names
        .iter()
        .zip(levels)
        .filter_map(|(name, level)| {
            let (low, high) = words(name);
            match level {
                Level::VeryLow => Some(format!("very {low}")),
                Level::Low => Some(low),
                Level::High => Some(high),
                Level::VeryHigh => Some(format!("very {high}")),
                Level::Mid => None,
            }
        })
        .collect();
    if parts.is_empty() {
        "typical".to_string()
    } else {
        parts.join(", ")
    }
}

/// Clusters that got the same name are told apart by their rank in size ("typical (larger)"
/// would not scale to three, so the cluster number is added instead).
fn disambiguate(clusters: &mut [ClusterProfile]) {
    let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
    for c in clusters.iter_mut() {
        if names.iter().filter(|n| **n == c.name).count() > 1 {
            c.name = format!("{} (cluster {})", c.name, c.cluster);
        }
    }
}

/// Customers by cluster (rows) and RFM segment (columns).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrossTab {
    /// Cluster labels, in order.
    pub clusters: Vec<i64>,
    /// Segment names, in order of first appearance in `segment_order` (or sorted).
    pub segments: Vec<String>,
    /// `counts[row][column]`.
    pub counts: Vec<Vec<usize>>,
}

impl CrossTab {
    /// Counts customers per cluster and segment; `segment_order` fixes the column order
    /// (segments not in it follow, sorted).
    pub fn new(labels: &[i64], segments: &[String], segment_order: &[String]) -> Result<CrossTab> {
        if labels.len() != segments.len() {
            return Err(Error::param(
                "segments",
                format!("{} segments for {} labels", segments.len(), labels.len()),
            ));
        }
        let mut clusters: Vec<i64> = labels.to_vec();
        clusters.sort_unstable_by_key(|&l| (l == NOISE, l));
        clusters.dedup();
        let mut present: Vec<String> = segments.to_vec();
        present.sort();
        present.dedup();
        let mut columns: Vec<String> = segment_order
            .iter()
            .filter(|s| present.contains(s))
            .cloned()
            .collect();
        columns.extend(present.into_iter().filter(|s| !segment_order.contains(s)));
        let mut counts = vec![vec![0usize; columns.len()]; clusters.len()];
        for (label, segment) in labels.iter().zip(segments) {
            let row = clusters.iter().position(|c| c == label).unwrap_or(0);
            let column = columns.iter().position(|s| s == segment).unwrap_or(0);
            counts[row][column] += 1;
        }
        Ok(CrossTab {
            clusters,
            segments: columns,
            counts,
        })
    }

    /// The cross-tab as a frame: `cluster` then one count column per segment.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let mut columns = vec![Column::new("cluster".into(), self.clusters.clone())];
        for (j, segment) in self.segments.iter().enumerate() {
            columns.push(Column::new(
                segment.as_str().into(),
                self.counts.iter().map(|r| r[j] as u64).collect::<Vec<_>>(),
            ));
        }
        Ok(DataFrame::new(self.clusters.len(), columns)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::transform::Step;

    fn customers() -> FeatureMatrix {
        let t = df!(
            "id" => ["a", "b", "c", "d", "e", "f"],
            "recency" => [2.0, 4.0, 3.0, 200.0, 300.0, 250.0],
            "frequency" => [10.0, 12.0, 8.0, 1.0, 1.0, 2.0],
            "monetary" => [900.0, 1100.0, 1000.0, 50.0, 20.0, 30.0]
        )
        .unwrap();
        let m = FeatureMatrix::from_frame(
            &t,
            "id",
            &["recency", "frequency", "monetary"],
            &[Step::Standard],
        )
        .unwrap();
        let monetary = m.original(2).to_vec();
        m.with_revenue(monetary).unwrap()
    }

    #[test]
    fn profiles_by_hand() {
        let p = ClusterProfiles::new(&customers(), &[0, 0, 0, 1, 1, 1]).unwrap();
        let best = &p.clusters[0];
        assert_eq!(best.customers, 3);
        assert_eq!(best.customer_share, 0.5);
        assert_eq!(best.mean, vec![3.0, 10.0, 1000.0]);
        assert_eq!(best.median, vec![3.0, 10.0, 1000.0]);
        assert_eq!(best.revenue, Some(3000.0));
        assert_eq!(best.revenue_share, Some(3000.0 / 3100.0));
        // Population mean recency (2+4+3+200+300+250)/6 = 126.5.
        assert!((best.relative[0] - (3.0 / 126.5 - 1.0)).abs() < 1e-12);
        assert_eq!(best.name, "recent, frequent, high spend");
        assert_eq!(p.clusters[1].name, "lapsed, one-off, low spend");
        // Standard-scaled means of the two halves are opposite.
        assert!((best.transformed_mean[1] + p.clusters[1].transformed_mean[1]).abs() < 1e-12);
        let frame = p.to_frame().unwrap();
        assert_eq!(frame.height(), 2);
        assert_eq!(frame.width(), 6 + 2 * 3);
    }

    #[test]
    fn same_names_are_told_apart_and_noise_goes_last() {
        let p = ClusterProfiles::new(&customers(), &[1, NOISE, 0, 1, 0, 1]).unwrap();
        let labels: Vec<i64> = p.clusters.iter().map(|c| c.cluster).collect();
        assert_eq!(labels, [0, 1, NOISE]);
        assert!(p.clusters[2].name.starts_with("noise"));
        // Clusters 0 = {c, e} and 1 = {a, d, f} both straddle the population: same words.
        assert!(
            p.clusters[0].name.ends_with("(cluster 0)"),
            "{}",
            p.clusters[0].name
        );
    }

    #[test]
    fn crosstab_counts_every_customer_once() {
        let seg = |s: &str| s.to_string();
        let segments = [seg("Lost"), seg("Champions"), seg("Lost"), seg("New")];
        let t = CrossTab::new(&[0, 1, 0, 1], &segments, &[seg("Champions"), seg("Lost")]).unwrap();
        assert_eq!(t.segments, ["Champions", "Lost", "New"]);
        assert_eq!(t.counts, vec![vec![0, 2, 0], vec![1, 0, 1]]);
        assert_eq!(t.counts.iter().flatten().sum::<usize>(), 4);
        assert!(CrossTab::new(&[0], &segments, &[]).is_err());
    }
}
