//! The report's cluster section: customers clustered on their RFM values, the comparison over k
//! with its charts, the k chosen and why, cluster profiles with names, and the cross-tab against
//! the RFM segments.

use serde::Serialize;

use crate::chart::cluster::{
    elbow, metric_comparison, pca_scatter, profile_heatmap, silhouette_plot, snake_plot,
};
use crate::chart::distribution::feature_distribution;
use crate::cluster::ClusterModel;
use crate::cluster::metrics::silhouette_samples;
use crate::cluster::profile::{ClusterProfiles, CrossTab};
use crate::cluster::selection::{Selection, SelectionParams, sample_indices, select};
use crate::data::transactions::Transactions;
use crate::error::Result;
use crate::features::customer_view::CustomerViewParams;
use crate::features::matrix::FeatureMatrix;
use crate::features::pca::project_2d;
use crate::format::NumberFormat;
use crate::frame::text_values;
use crate::matrix::Matrix;
use crate::report::config::ClusteringConfig;
use crate::rfm::RfmTable;

/// A table row: formatted cells, and whether to highlight it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClusterRow {
    pub cells: Vec<String>,
    pub flag: bool,
}

/// Everything the template's cluster section shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClusterSection {
    pub model: String,
    pub models: String,
    pub transform: String,
    /// What customers are placed by, for the section's first sentence.
    pub measures: String,
    /// The profile table's median columns.
    pub feature_headers: Vec<String>,
    pub k_min: usize,
    pub k_max: usize,
    pub chosen_k: usize,
    pub why: String,
    /// How the study's range of k was narrowed to what the data allows, if it was.
    pub adapted: Option<String>,
    pub silhouette_note: Option<String>,
    pub selection: Vec<ClusterRow>,
    pub profiles: Vec<ClusterRow>,
    pub crosstab_segments: Vec<String>,
    pub crosstab: Vec<ClusterRow>,
    pub charts: ClusterCharts,
}

/// The section's charts as SVG markup.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClusterCharts {
    pub elbow: String,
    pub metrics: String,
    pub silhouette: String,
    pub scatter: String,
    pub snake: String,
    pub heatmap: String,
    /// One chart per feature: its distribution in each cluster, in original units.
    pub distributions: Vec<String>,
}

/// The k to profile, and a sentence saying why.
fn choose_k(config: &ClusteringConfig, selection: &Selection, model: &str) -> (usize, String) {
    let best = selection.best_silhouette(model);
    let best_text = best.map_or_else(String::new, |b| {
        format!(
            " The mean silhouette is highest at k = {} ({:.2}).",
            b.k, b.silhouette
        )
    });
    if let Some(k) = config.k {
        return (k, format!("k = {k} was set in the study file.{best_text}"));
    }
    match (selection.knee, best) {
        (Some(k), _) => (
            k,
            format!(
                "k = {k} is the elbow of the inertia curve (found with the Kneedle method): each \
                 cluster added beyond it reduces the spread within clusters much less than the \
                 ones before.{best_text}"
            ),
        ),
        (None, Some(b)) => (
            b.k,
            format!(
                "The inertia curve has no clear elbow, so k = {} was chosen for its mean \
                 silhouette ({:.2}), the highest compared.",
                b.k, b.silhouette
            ),
        ),
        (None, None) => (
            config.k_min,
            format!(
                "Neither an elbow nor a silhouette could be computed; k = {} is the smallest \
                 compared.",
                config.k_min
            ),
        ),
    }
}

/// The report's cluster section, or why there is none.
pub(crate) enum ClusterOutcome {
    /// The section.
    Section(Box<ClusterSection>),
    /// The data cannot be clustered (too few customers, or all alike): the sentence saying so.
    Skipped(String),
}

/// The study's clustering settings narrowed to what `x` allows ([`SelectionParams::largest_k`]),
/// with a sentence saying what changed; `Err` with the reason when nothing can be compared.
fn fit_to_data(
    config: &ClusteringConfig,
    x: &Matrix,
) -> std::result::Result<(ClusteringConfig, Option<String>), String> {
    let largest = SelectionParams::largest_k(x);
    let customers = x.rows();
    if largest < config.k_min.max(2) {
        return Err(format!(
            "Clustering was skipped: the {customers} customers allow at most {largest} \
             cluster(s) (k must stay below the number of customers and cannot exceed the number \
             of customers with different recency, frequency and spend), fewer than the {} the \
             study compares first.",
            config.k_min.max(2)
        ));
    }
    let mut adapted = config.clone();
    let mut notes = Vec::new();
    if config.k_max > largest {
        adapted.k_max = largest;
        notes.push(format!(
            "k was compared up to {largest} instead of {}: the {customers} customers allow no more \
             clusters.",
            config.k_max
        ));
    }
    if let Some(k) = config.k.filter(|&k| k > largest) {
        adapted.k = Some(largest);
        notes.push(format!(
            "The study file sets k = {k}; {largest} is the most these customers allow."
        ));
    }
    Ok((adapted, (!notes.is_empty()).then(|| notes.join(" "))))
}

/// Clusters the customers of `rfm` as `config` says (narrowed to what the data allows) and
/// prepares the section.
pub(crate) fn cluster_section(
    config: &ClusteringConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
    segment_order: &[String],
    fmt: &NumberFormat,
) -> Result<ClusterOutcome> {
    let on_view = !config.features.is_empty();
    let features = if on_view {
        // Customers in customer_code order, as in the RFM table: the segments line up.
        let view = CustomerViewParams::new().fit(transactions)?;
        let names: Vec<&str> = config.features.iter().map(String::as_str).collect();
        FeatureMatrix::from_frame(&view.frame(), "customer_id", &names, &config.steps()?)?
    } else {
        FeatureMatrix::from_rfm(rfm, &config.steps()?)?
    };
    let x = features.matrix()?;
    let (config, adapted) = match fit_to_data(config, &x) {
        Ok(fitted) => fitted,
        Err(skipped) => return Ok(ClusterOutcome::Skipped(skipped)),
    };
    let config = &config;
    let params = config.selection_params()?;
    let selection = select(&x, &params)?;
    let model_name = config
        .models
        .first()
        .map_or("kmeans", String::as_str)
        .to_string();
    let model = ClusterModel::named(&model_name, config.k_min, config.seed)?;
    let (chosen_k, why) = choose_k(config, &selection, model.name());
    let fitted = model.clone().with_k(chosen_k).fit(&x)?;
    let labels = fitted.labels();
    let profiles = ClusterProfiles::new(&features, labels)?;
    let names: Vec<String> = profiles.clusters.iter().map(|p| p.name.clone()).collect();

    // The silhouette plot needs every sample's value: on large data, on the same random sample
    // of customers as the comparison.
    let n = x.rows();
    let limit = config.silhouette_sample.unwrap_or(n).min(n);
    let silhouette_note = (limit < n).then(|| {
        format!(
            "Silhouettes computed on a random sample of {} of {} customers.",
            fmt.count(limit),
            fmt.count(n)
        )
    });
    let chosen: Vec<usize> = sample_indices(n, limit, config.seed);
    let sample_values: Vec<f64> = chosen
        .iter()
        .flat_map(|&i| x.row(i).iter().copied())
        .collect();
    let sample_labels: Vec<i64> = chosen.iter().map(|&i| labels[i]).collect();
    let sample = Matrix::new(&sample_values, x.dims())?;
    let silhouettes = silhouette_samples(&sample, &sample_labels)?;

    let number = |v: f64, decimals: usize| {
        if v.is_finite() {
            fmt.number(v, decimals)
        } else {
            "–".to_string()
        }
    };
    let selection_rows = selection
        .rows
        .iter()
        .map(|r| ClusterRow {
            cells: vec![
                r.model.clone(),
                r.k.to_string(),
                number(r.inertia, 1),
                number(r.silhouette, 3),
                number(r.calinski_harabasz, 1),
                number(r.davies_bouldin, 3),
            ],
            flag: r.model == model.name() && r.k == chosen_k,
        })
        .collect();
    let profile_rows = profiles
        .clusters
        .iter()
        .map(|p| {
            let mut cells = vec![
                p.cluster.to_string(),
                p.name.clone(),
                fmt.count(p.customers),
                fmt.percent(p.customer_share),
                p.revenue.map_or_else(String::new, |r| fmt.money(r, 0)),
                p.revenue_share.map_or_else(String::new, |s| fmt.percent(s)),
            ];
            if on_view {
                cells.extend(p.median.iter().map(|&m| fmt.number(m, 2)));
            } else {
                cells.extend([
                    fmt.number(p.median[0], 0),
                    fmt.number(p.median[1], 0),
                    fmt.money(p.median[2], 0),
                ]);
            }
            ClusterRow { cells, flag: false }
        })
        .collect();
    let (measures, feature_headers) = if on_view {
        (
            format!(
                "their customer single view ({})",
                config.features.join(", ")
            ),
            config
                .features
                .iter()
                .map(|f| format!("median {f}"))
                .collect(),
        )
    } else {
        (
            "their recency, frequency and spend".to_string(),
            vec![
                "median recency (days)".to_string(),
                "median orders".to_string(),
                "median spend".to_string(),
            ],
        )
    };
    let segments = text_values(&rfm.frame(), "segment")?;
    let crosstab = CrossTab::new(labels, &segments, segment_order)?;
    let crosstab_rows = crosstab
        .clusters
        .iter()
        .zip(&crosstab.counts)
        .map(|(cluster, counts)| {
            let name = profiles
                .clusters
                .iter()
                .find(|p| p.cluster == *cluster)
                .map_or_else(|| cluster.to_string(), |p| p.name.clone());
            ClusterRow {
                cells: std::iter::once(name)
                    .chain(counts.iter().map(|&n| fmt.count(n)))
                    .collect(),
                flag: false,
            }
        })
        .collect();
    let projection = project_2d(&x)?;
    let charts = ClusterCharts {
        elbow: elbow(&selection)?.svg().to_string(),
        metrics: metric_comparison(&selection)?.svg().to_string(),
        silhouette: silhouette_plot(&silhouettes, &sample_labels)?
            .svg()
            .to_string(),
        scatter: pca_scatter(&projection, labels, &names)?.svg().to_string(),
        snake: snake_plot(&profiles)?.svg().to_string(),
        heatmap: profile_heatmap(&profiles)?.svg().to_string(),
        distributions: features
            .names()
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Ok(feature_distribution(features.original(i), labels, name)?
                    .svg()
                    .to_string())
            })
            .collect::<Result<_>>()?,
    };
    Ok(ClusterOutcome::Section(Box::new(ClusterSection {
        model: model.name().to_string(),
        models: config.models.join(", "),
        transform: config.transform.join(" then "),
        measures,
        feature_headers,
        k_min: config.k_min,
        k_max: config.k_max,
        chosen_k,
        why,
        adapted,
        silhouette_note,
        selection: selection_rows,
        profiles: profile_rows,
        crosstab_segments: crosstab.segments,
        crosstab: crosstab_rows,
        charts,
    })))
}
