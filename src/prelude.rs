//! Everything a notebook or script needs: `use custseg::prelude::*;`.
//!
//! Re-exports polars' prelude too, so users never pin a second polars.

pub use polars::prelude::*;

/// Dates for snapshots, cut dates and observation ends (`NaiveDate::from_ymd_opt(2011, 9, 9)`).
pub use chrono::NaiveDate;

pub use crate::chart::Chart;
pub use crate::chart::bars::{segment_bars, segments_by_dimension};
pub use crate::chart::boxplot::segment_boxplots;
pub use crate::chart::cluster::{
    elbow, metric_comparison, pca_scatter, profile_heatmap, silhouette_plot, snake_plot,
};
pub use crate::chart::clv::{
    clv_by_segment, holdout_by_frequency, holdout_tracking, p_alive_matrix,
};
pub use crate::chart::distribution::feature_distribution;
pub use crate::chart::heatmap::{HeatmapMeasure, rf_heatmap};
pub use crate::chart::histogram::rfm_histograms;
pub use crate::chart::migration::migration_flow;
pub use crate::chart::treemap::segment_treemap;
pub use crate::chart::trend::monthly_trend;
pub use crate::cluster::dbscan::DbscanParams;
pub use crate::cluster::gmm::GmmParams;
pub use crate::cluster::hierarchical::HierarchicalParams;
pub use crate::cluster::kmeans::KMeansParams;
pub use crate::cluster::profile::{ClusterProfiles, CrossTab};
pub use crate::cluster::selection::{Selection, SelectionParams, select};
pub use crate::cluster::spectral::SpectralParams;
pub use crate::cluster::{
    ClusterModel, Clustering, adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
    silhouette_samples, silhouette_score,
};
pub use crate::clv::{
    BetaGeo, BetaGeoParams, ClvModel, ClvModelParams, ClvParams, GammaGamma, GammaGammaParams,
    HoldoutCheck, HoldoutParams, ParetoNbd, ParetoNbdParams, PurchaseModel, PurchaseModelKind,
    customer_lifetime_value, frequency_monetary_correlation,
};
pub use crate::data::clean::{CleaningRules, DropReason, RowAccounting};
pub use crate::data::dates::DateFormat;
pub use crate::data::roles::ColumnRoles;
pub use crate::data::sanity::{SanityReport, StreamedSanity};
pub use crate::data::source::{FileFormat, ReadOptions, TextEncoding, read_table};
pub use crate::data::transactions::{LoadOptions, Transactions};
pub use crate::display::{HtmlTable, Show};
pub use crate::error::{Error, Result};
pub use crate::features::clv_summary::{ClvSummary, ClvSummaryParams, DurationUnit};
pub use crate::features::customer_view::{CustomerView, CustomerViewParams, StreamedView};
pub use crate::features::matrix::FeatureMatrix;
pub use crate::features::pca::{Projection, project_2d};
pub use crate::features::transform::{Pipeline, Step};
pub use crate::format::NumberFormat;
pub use crate::generate::{Dataset, GenerateParams, Generated};
pub use crate::matrix::Matrix;
pub use crate::recommend::{
    AssociationRules, CustomerGroups, Evaluation, HoldoutSplit, Purchases, RecommendParams,
    Recommendations, Recommender, RulesParams,
};
pub use crate::rfm::{
    CohortScoring, Migration, MigrationParams, RfmParams, RfmTable, ScoringMethod, SegmentMap,
    SegmentSummary, StreamedRfm,
};
