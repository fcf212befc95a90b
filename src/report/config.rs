//! The study file: everything a report run needs, in TOML, so a run can be reproduced exactly.
//!
//! ```toml
//! title = "Customer segmentation"
//! company = "Online Retail"
//! input = "orders.csv.gz"          # relative to the study file; omit for the bundled data
//! date_format = "dmy"              # optional: iso, mdy, dmy, yyyymmdd or a chrono pattern
//! # other_date_formats = ["dmy"]   # tried for dates the main layout cannot read
//!
//! [read]                           # all optional, detected when left out
//! encoding = "windows-1252"
//! delimiter = ";"
//!
//! [roles]                          # all optional, detected from common names
//! customer = "CustomerID"
//! dimensions = ["Country"]
//! # basket_json = "product_json"   # products as a JSON list per transaction
//!
//! [cleaning]
//! drop_duplicates = false
//! # excluded_periods = ["2021"]    # years, months, days or FROM..TO ranges
//!
//! [rfm]
//! snapshot = "2011-12-10"          # default: the day after the last transaction
//! segments = "table"               # table, code-list, rf-regex, or a TOML map (relative to the study file)
//! weights = [1.0, 1.0, 1.0]
//! scoring = { method = "quantiles", bins = 5 }
//!
//! [clustering]                     # section 5 of the report; enabled by default
//! enabled = true
//! models = ["kmeans"]              # the first is profiled; all appear in the comparison
//! transform = ["log1p", "standard"]
//! k_min = 2
//! k_max = 10
//! # k = 4                          # default: the elbow of inertia, else the best silhouette
//! seed = 0
//! silhouette_sample = 10000        # silhouette on a sample when there are more customers
//! # features = ["visits", "ticket_size", "recency"]  # customer-view columns instead of RFM
//!
//! [value]                        # the "Customer value" section
//! enabled = true
//! model = "bgnbd"                  # bgnbd or paretonbd, with Gamma-Gamma for spend
//! unit = "week"                    # day, week or month
//! horizon_months = 12
//! discount_rate = 0.01             # a month
//! penalizer = 0.0                  # as lifetimes' penalizer_coef
//! holdout_days = 90                # the last days held out to check the predictions; 0: none
//!
//! [movement]                       # the "Movement" section
//! enabled = true
//! months = 6                       # from this many months before the last day to the last day
//! # from = "2011-06-01"            # or fixed dates
//! # to = "2011-12-09"
//! cohort = "fixed-edges"           # or "rescored"
//!
//! [recommendations]              # products per segment in "Recommendations"
//! enabled = true
//! window_months = 2                # what each segment bought in the last months
//! holdout_months = 2               # the last months held out to evaluate the recommender
//! products_per_segment = 5
//! min_share = 0.05                 # of the segment's customers active in the window
//! min_active_customers = 10        # quieter segments are named, not listed
//! k = 10                           # products per customer in the evaluation
//!
//! [format]
//! currency = "£"
//! locale = "en-GB"                 # en-GB, en-US, de-DE, fr-FR, vi-VN, ...
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::cluster::ClusterModel;
use crate::cluster::selection::SelectionParams;
use crate::clv::analysis::{ClvModelParams, PurchaseModelKind};
use crate::data::clean::CleaningRules;
use crate::data::dates::DateFormat;
use crate::data::roles::ColumnRoles;
use crate::data::source::ReadOptions;
use crate::data::transactions::LoadOptions;
use crate::error::{Error, Result};
use crate::features::clv_summary::DurationUnit;
use crate::features::transform::Step;
use crate::format::NumberFormat;
use crate::rfm::migration::CohortScoring;
use crate::rfm::{RfmParams, ScoringMethod, SegmentMap};

/// A study: data source, cleaning, RFM choices and presentation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyConfig {
    /// Report title.
    pub title: String,
    /// Company name, used in the text.
    pub company: String,
    /// The transaction file; `None` for the bundled Online Retail data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<PathBuf>,
    /// Date layout (`iso`, `mdy`, `dmy`, `yyyymmdd` or a chrono pattern); detected when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// Layouts tried, in order, for dates the main one cannot read (same names as `date_format`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_date_formats: Vec<String>,
    /// How to read the file.
    pub read: ReadOptions,
    /// Column roles.
    pub roles: ColumnRoles,
    /// Cleaning rules.
    pub cleaning: CleaningRules,
    /// RFM choices.
    pub rfm: RfmConfig,
    /// Clustering choices (the report's cluster section).
    pub clustering: ClusteringConfig,
    /// Customer-value choices (the report's "Customer value" section).
    pub value: ValueConfig,
    /// Segment-migration choices (the report's "Movement" section).
    pub movement: MovementConfig,
    /// Product recommendations per segment (in the report's "Recommendations").
    pub recommendations: RecommendationsConfig,
    /// Number formatting.
    pub format: NumberFormat,
    /// Report options.
    pub report: ReportOptions,
}

/// Clustering choices of a study: customers are clustered on their recency, frequency and
/// monetary value, or on columns of the customer single view
/// ([`crate::features::customer_view`]) named in `features`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusteringConfig {
    /// Whether the report has a cluster section.
    pub enabled: bool,
    /// Models to compare (`kmeans`, `gmm`, `dbscan`, `hierarchical`, `spectral`); the first one
    /// is profiled.
    pub models: Vec<String>,
    /// Feature transforms, in order (`log1p`, `standard`, `robust`, `minmax`, `winsorize`).
    pub transform: Vec<String>,
    /// Smallest k compared.
    pub k_min: usize,
    /// Largest k compared.
    pub k_max: usize,
    /// A fixed k; by default the elbow of inertia, or the best silhouette when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    /// Seed of every random choice.
    pub seed: u64,
    /// Silhouette on a random sample of this many customers when there are more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silhouette_sample: Option<usize>,
    /// Columns of the customer single view to cluster on, such as `["visits", "ticket_size",
    /// "recency", "share_store_format_ls"]` (the view is built with the study's dimensions);
    /// empty: recency, frequency and monetary value from the RFM table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl Default for ClusteringConfig {
    fn default() -> Self {
        ClusteringConfig {
            enabled: true,
            models: vec!["kmeans".to_string()],
            transform: vec!["log1p".to_string(), "standard".to_string()],
            k_min: 2,
            k_max: 10,
            k: None,
            seed: 0,
            silhouette_sample: Some(10_000),
            features: Vec::new(),
        }
    }
}

impl ClusteringConfig {
    /// The transform steps.
    pub fn steps(&self) -> Result<Vec<Step>> {
        self.transform.iter().map(|t| Step::parse(t)).collect()
    }

    /// The comparison to run.
    pub fn selection_params(&self) -> Result<SelectionParams> {
        let models = self
            .models
            .iter()
            .map(|m| ClusterModel::named(m, self.k_min, self.seed))
            .collect::<Result<Vec<_>>>()?;
        let params = SelectionParams::new(models, self.k_min..=self.k_max)
            .silhouette_sample(self.silhouette_sample)
            .seed(self.seed);
        params.check()?;
        if let Some(k) = self.k
            && !(self.k_min..=self.k_max).contains(&k)
        {
            return Err(Error::param(
                "clustering.k",
                format!(
                    "{k} is outside k_min..k_max ({}..{})",
                    self.k_min, self.k_max
                ),
            ));
        }
        Ok(params)
    }
}

/// Customer-value choices of a study: the purchase and spend models of
/// [`crate::clv::analysis`] and the holdout check of [`crate::clv::holdout`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValueConfig {
    /// Whether the report has a "Customer value" section.
    pub enabled: bool,
    /// Purchase model: `bgnbd` or `paretonbd`.
    pub model: String,
    /// Time unit of the models: `day`, `week` or `month`.
    pub unit: String,
    /// Months of value counted.
    pub horizon_months: u32,
    /// Monthly discount rate (0.01 = 1% a month).
    pub discount_rate: f64,
    /// Penalty on the parameters' size, as lifetimes' `penalizer_coef`.
    pub penalizer: f64,
    /// Days at the end of the data held out to check the predictions (0: no check). The check is
    /// left out, saying why, when the data does not cover twice as many days before them.
    pub holdout_days: u32,
}

impl Default for ValueConfig {
    fn default() -> Self {
        ValueConfig {
            enabled: true,
            model: "bgnbd".to_string(),
            unit: "week".to_string(),
            horizon_months: 12,
            discount_rate: 0.01,
            penalizer: 0.0,
            holdout_days: 90,
        }
    }
}

impl ValueConfig {
    /// The model parameters.
    pub fn model_params(&self) -> Result<ClvModelParams> {
        let model = PurchaseModelKind::parse(&self.model).map_err(|_| {
            Error::param(
                "value.model",
                format!(
                    "unknown model \"{}\"; use \"bgnbd\" or \"paretonbd\"",
                    crate::format::shorten(&self.model, 40)
                ),
            )
        })?;
        let params = ClvModelParams::new()
            .model(model)
            .penalizer(self.penalizer)
            .horizon_months(self.horizon_months)
            .discount_rate(self.discount_rate);
        params
            .check()
            .map_err(|e| Error::param("value", e.to_string()))?;
        Ok(params)
    }

    /// The time unit.
    pub fn unit(&self) -> Result<DurationUnit> {
        DurationUnit::parse(&self.unit).map_err(|_| {
            Error::param(
                "value.unit",
                format!(
                    "unknown unit \"{}\"; use \"day\", \"week\" or \"month\"",
                    crate::format::shorten(&self.unit, 40)
                ),
            )
        })
    }
}

/// Segment-migration choices of a study ([`crate::rfm::migration`]): the RFM segments at two
/// dates, scored with the study's RFM choices.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MovementConfig {
    /// Whether the report has a "Movement" section.
    pub enabled: bool,
    /// The first date; default `months` before `to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// The second date; default the last transaction day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Months between the dates when `from` is not set.
    pub months: u32,
    /// `fixed-edges` (both dates scored with the first date's cut points) or `rescored`.
    pub cohort: String,
}

impl Default for MovementConfig {
    fn default() -> Self {
        MovementConfig {
            enabled: true,
            from: None,
            to: None,
            months: 6,
            cohort: "fixed-edges".to_string(),
        }
    }
}

impl MovementConfig {
    /// The cohort scoring.
    pub fn cohort(&self) -> Result<CohortScoring> {
        CohortScoring::parse(&self.cohort).map_err(|_| {
            Error::param(
                "movement.cohort",
                format!(
                    "unknown cohort scoring \"{}\"; use \"fixed-edges\" or \"rescored\"",
                    crate::format::shorten(&self.cohort, 40)
                ),
            )
        })
    }

    /// Checks what can be checked without data.
    pub fn check(&self) -> Result<()> {
        self.cohort()?;
        if self.from.is_none() && self.months == 0 {
            return Err(Error::param(
                "movement.months",
                "must be at least 1 (or set movement.from)",
            ));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(Error::param(
                "movement.from",
                format!("{from} is not before movement.to ({to})"),
            ));
        }
        Ok(())
    }
}

/// Product-recommendation choices of a study ([`crate::recommend`]): each segment's products
/// and the holdout evaluation in the report's "Recommendations" section.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecommendationsConfig {
    /// Whether the report lists products per segment.
    pub enabled: bool,
    /// Months before the last day whose purchases say what a segment buys.
    pub window_months: u32,
    /// The last months held out to evaluate the recommender.
    pub holdout_months: u32,
    /// Products listed per segment.
    pub products_per_segment: usize,
    /// Smallest share of a segment's active customers who bought a product for it to be listed.
    pub min_share: f64,
    /// Segments with fewer customers active in the window are not listed.
    pub min_active_customers: u32,
    /// Products per customer in the evaluation.
    pub k: usize,
}

impl Default for RecommendationsConfig {
    fn default() -> Self {
        RecommendationsConfig {
            enabled: true,
            window_months: 2,
            holdout_months: 2,
            products_per_segment: 5,
            min_share: 0.05,
            min_active_customers: 10,
            k: 10,
        }
    }
}

impl RecommendationsConfig {
    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        let positive = [
            ("recommendations.window_months", self.window_months as usize),
            (
                "recommendations.holdout_months",
                self.holdout_months as usize,
            ),
            (
                "recommendations.products_per_segment",
                self.products_per_segment,
            ),
            ("recommendations.k", self.k),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(Error::param(key, "must be at least 1"));
            }
        }
        if !(0.0..=1.0).contains(&self.min_share) {
            return Err(Error::param(
                "recommendations.min_share",
                format!("must be from 0 to 1, got {}", self.min_share),
            ));
        }
        Ok(())
    }
}

/// RFM choices of a study.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RfmConfig {
    /// Snapshot date; default the day after the last transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<NaiveDate>,
    /// `table`, `code-list`, `rf-regex`, or a path to a TOML segment map.
    pub segments: String,
    /// Weights of R, F, M in the combined score.
    pub weights: [f64; 3],
    /// Scoring method.
    pub scoring: ScoringMethod,
}

impl Default for RfmConfig {
    fn default() -> Self {
        RfmConfig {
            snapshot: None,
            segments: "table".to_string(),
            weights: [1.0, 1.0, 1.0],
            scoring: ScoringMethod::quintiles(),
        }
    }
}

/// Report presentation options.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportOptions {
    /// How many values of each dimension to chart (the rest stay in the table).
    pub top_dimension_values: usize,
    /// Embed the per-customer CSV as a download link.
    pub embed_customer_csv: bool,
    /// A fixed "generated on" text; reports carry no clock time unless this is set, so the same
    /// input gives the same bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_on: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            top_dimension_values: 10,
            embed_customer_csv: true,
            generated_on: None,
        }
    }
}

impl Default for StudyConfig {
    fn default() -> Self {
        StudyConfig {
            title: "Customer segmentation".to_string(),
            company: "the company".to_string(),
            input: None,
            date_format: None,
            other_date_formats: Vec::new(),
            read: ReadOptions::default(),
            roles: ColumnRoles::default(),
            cleaning: CleaningRules::default(),
            rfm: RfmConfig::default(),
            clustering: ClusteringConfig::default(),
            value: ValueConfig::default(),
            movement: MovementConfig::default(),
            recommendations: RecommendationsConfig::default(),
            format: NumberFormat::default(),
            report: ReportOptions::default(),
        }
    }
}

impl StudyConfig {
    /// The study of the bundled UCI Online Retail data.
    pub fn online_retail() -> Self {
        StudyConfig {
            title: "Customer segmentation: Online Retail".to_string(),
            company: "Online Retail".to_string(),
            roles: ColumnRoles {
                dimensions: vec!["Country".to_string()],
                ..Default::default()
            },
            format: NumberFormat {
                currency: "£".to_string(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// Reads a study file; relative paths in it are taken relative to the file's folder.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut config: StudyConfig = toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: format!("not a valid study file: {e}"),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let Some(input) = &config.input
            && input.is_relative()
        {
            config.input = Some(base.join(input));
        }
        if !crate::rfm::SegmentMap::BUILT_IN.contains(&config.rfm.segments.as_str())
            && Path::new(&config.rfm.segments).is_relative()
        {
            config.rfm.segments = base.join(&config.rfm.segments).display().to_string();
        }
        config.check().map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(config)
    }

    /// The configuration as TOML (what `--print-config` writes).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::param("config", e.to_string()))
    }

    /// Checks the values that can be checked without data.
    pub fn check(&self) -> Result<()> {
        self.load_options()?;
        self.rfm_params()?.check()?;
        if self.clustering.enabled {
            self.clustering.steps()?;
            self.clustering.selection_params()?;
        }
        if self.value.enabled {
            self.value.model_params()?;
            self.value.unit()?;
        }
        if self.movement.enabled {
            self.movement.check()?;
        }
        if self.recommendations.enabled {
            self.recommendations.check()?;
        }
        self.format.check()
    }

    /// Loading options.
    pub fn load_options(&self) -> Result<LoadOptions> {
        let date_format = self
            .date_format
            .as_deref()
            .map(DateFormat::parse_user)
            .transpose()?;
        let other_date_formats = self
            .other_date_formats
            .iter()
            .map(|f| DateFormat::parse_other(f))
            .collect::<Result<Vec<_>>>()?;
        Ok(LoadOptions {
            read: self.read.clone(),
            roles: self.roles.clone(),
            date_format,
            other_date_formats,
            rules: self.cleaning.clone(),
        })
    }

    /// The segment map named by `rfm.segments`.
    pub fn segment_map(&self) -> Result<SegmentMap> {
        SegmentMap::named(&self.rfm.segments)
    }

    /// RFM parameters.
    pub fn rfm_params(&self) -> Result<RfmParams> {
        let [r, f, m] = self.rfm.weights;
        let mut params = RfmParams::new()
            .scoring(self.rfm.scoring.clone())
            .weights(r, f, m)
            .segments(self.segment_map()?);
        if let Some(date) = self.rfm.snapshot {
            params = params.snapshot(date);
        }
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_toml_and_rejects_unknown_keys() {
        let config = StudyConfig::online_retail();
        let text = config.to_toml().unwrap();
        let back: StudyConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, config);
        let err = toml::from_str::<StudyConfig>("titel = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("titel"), "{err}");
        let err = toml::from_str::<StudyConfig>(
            "[rfm]\nscoring = { method = \"quantiles\", bins = \"five\" }",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("bins") || err.contains("five"), "{err}");
    }
}
