//! A whole lifetime-value fit on one summary, as the `clv` command and a notebook run it: the
//! purchase model (BG/NBD or Pareto/NBD), the Gamma-Gamma spend model with its independence
//! check, and per-customer predictions over a horizon.
//!
//! ```no_run
//! use custseg::prelude::*;
//! let tx = Transactions::bundled(&LoadOptions::default())?;
//! let summary = ClvSummaryParams::new().fit(&tx)?;
//! let model = ClvModelParams::new().horizon_months(12).fit(&summary)?;
//! println!("{}", model.describe());
//! let predictions = model.predict(&summary)?;
//! println!("mean 12-month value {:.2}", predictions.clv.iter().sum::<f64>() / summary.len() as f64);
//! # Ok::<(), custseg::Error>(())
//! ```

use std::fmt::Write;

use polars::prelude::*;
use rayon::prelude::*;

use crate::clv::bgnbd::{BetaGeo, BetaGeoParams};
use crate::clv::gamma_gamma::{GammaGamma, GammaGammaParams, frequency_monetary_correlation};
use crate::clv::paretonbd::{ParetoNbd, ParetoNbdParams};
use crate::clv::value::{ClvParams, PurchaseModel, horizon_purchases};
use crate::error::{Error, Result};
use crate::features::clv_summary::ClvSummary;

/// Above this absolute correlation between frequency and spend among repeat buyers, the
/// Gamma-Gamma model's independence assumption is doubtful (lifetimes' documentation).
pub const CORRELATION_WARNING: f64 = 0.3;

/// Which model predicts purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PurchaseModelKind {
    /// BG/NBD: drop-out after a purchase.
    #[default]
    BgNbd,
    /// Pareto/NBD: drop-out at any time.
    ParetoNbd,
}

impl PurchaseModelKind {
    /// `bg_nbd` or `pareto_nbd`: the key of the model in the parameters file.
    pub fn key(self) -> &'static str {
        match self {
            PurchaseModelKind::BgNbd => "bg_nbd",
            PurchaseModelKind::ParetoNbd => "pareto_nbd",
        }
    }

    /// `BG/NBD` or `Pareto/NBD`.
    pub fn label(self) -> &'static str {
        match self {
            PurchaseModelKind::BgNbd => "BG/NBD",
            PurchaseModelKind::ParetoNbd => "Pareto/NBD",
        }
    }

    /// Parses `bgnbd` or `paretonbd` (`bg_nbd`, `BG/NBD`, `pareto-nbd`... punctuation and case
    /// ignored).
    pub fn parse(text: &str) -> Result<Self> {
        let plain: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match plain.as_str() {
            "bgnbd" => Ok(PurchaseModelKind::BgNbd),
            "paretonbd" | "pnbd" => Ok(PurchaseModelKind::ParetoNbd),
            _ => Err(Error::param(
                "PurchaseModelKind",
                format!(
                    "unknown purchase model \"{}\"; use bgnbd or paretonbd",
                    crate::format::shorten(text, 40)
                ),
            )),
        }
    }
}

/// A fitted purchase model.
#[derive(Debug, Clone, PartialEq)]
pub enum FittedPurchaseModel {
    /// A fitted BG/NBD.
    BgNbd(BetaGeo),
    /// A fitted Pareto/NBD.
    ParetoNbd(ParetoNbd),
}

impl FittedPurchaseModel {
    /// Which model this is.
    pub fn kind(&self) -> PurchaseModelKind {
        match self {
            FittedPurchaseModel::BgNbd(_) => PurchaseModelKind::BgNbd,
            FittedPurchaseModel::ParetoNbd(_) => PurchaseModelKind::ParetoNbd,
        }
    }

    /// The model for the value computation.
    pub fn as_purchase_model(&self) -> &dyn PurchaseModel {
        match self {
            FittedPurchaseModel::BgNbd(m) => m,
            FittedPurchaseModel::ParetoNbd(m) => m,
        }
    }

    /// (name, value, standard error) of each parameter.
    pub fn parameters(&self) -> Vec<(&'static str, f64, Option<f64>)> {
        let (names, values, errors): (&[&str], Vec<f64>, Option<Vec<f64>>) = match self {
            FittedPurchaseModel::BgNbd(m) => (
                &["r", "alpha", "a", "b"],
                m.params().to_vec(),
                m.standard_errors.map(|e| e.to_vec()),
            ),
            FittedPurchaseModel::ParetoNbd(m) => (
                &["r", "alpha", "s", "beta"],
                m.params().to_vec(),
                m.standard_errors.map(|e| e.to_vec()),
            ),
        };
        named(names, &values, errors.as_deref())
    }

    /// Total log-likelihood of the data.
    pub fn log_likelihood(&self) -> f64 {
        match self {
            FittedPurchaseModel::BgNbd(m) => m.log_likelihood,
            FittedPurchaseModel::ParetoNbd(m) => m.log_likelihood,
        }
    }

    /// Probability that a customer with this history is still active at the end of observation.
    pub fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        match self {
            FittedPurchaseModel::BgNbd(m) => m.probability_alive(frequency, recency, age),
            FittedPurchaseModel::ParetoNbd(m) => m.probability_alive(frequency, recency, age),
        }
    }

    /// Expected purchases of a new customer in their first `t` units (unconditional).
    pub fn expected_purchases(&self, t: f64) -> Result<f64> {
        match self {
            FittedPurchaseModel::BgNbd(m) => m.expected_purchases(t),
            FittedPurchaseModel::ParetoNbd(m) => m.expected_purchases(t),
        }
    }
}

fn named(
    names: &[&'static str],
    values: &[f64],
    errors: Option<&[f64]>,
) -> Vec<(&'static str, f64, Option<f64>)> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, values[i], errors.map(|e| e[i])))
        .collect()
}

/// Parameters of a [`ClvModel`]: which purchase model, its penalty, and the value horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct ClvModelParams {
    model: PurchaseModelKind,
    penalizer: f64,
    horizon_months: u32,
    discount_rate: f64,
}

impl Default for ClvModelParams {
    fn default() -> Self {
        ClvModelParams {
            model: PurchaseModelKind::BgNbd,
            penalizer: 0.0,
            horizon_months: 12,
            discount_rate: 0.01,
        }
    }
}

impl ClvModelParams {
    /// BG/NBD without penalty, 12 months at 1% a month.
    pub fn new() -> Self {
        Self::default()
    }

    /// The purchase model.
    pub fn model(mut self, model: PurchaseModelKind) -> Self {
        self.model = model;
        self
    }

    /// lifetimes' `penalizer_coef` for the purchase model and Gamma-Gamma (0 for none).
    pub fn penalizer(mut self, penalizer: f64) -> Self {
        self.penalizer = penalizer;
        self
    }

    /// Months of the value horizon (and of `expected_purchases`).
    pub fn horizon_months(mut self, months: u32) -> Self {
        self.horizon_months = months;
        self
    }

    /// Monthly discount rate of the value (0.01 = 1% a month).
    pub fn discount_rate(mut self, rate: f64) -> Self {
        self.discount_rate = rate;
        self
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        self.value_params(crate::features::clv_summary::DurationUnit::Weeks)
            .check()?;
        if !(self.penalizer.is_finite() && self.penalizer >= 0.0) {
            return Err(Error::param(
                "ClvModelParams::penalizer",
                format!("must be 0 or more, got {}", self.penalizer),
            ));
        }
        Ok(())
    }

    fn value_params(&self, unit: crate::features::clv_summary::DurationUnit) -> ClvParams {
        ClvParams::new()
            .months(self.horizon_months)
            .discount_rate(self.discount_rate)
            .unit(unit)
    }

    /// Fits the purchase model to every customer and Gamma-Gamma to the repeat buyers.
    pub fn fit(&self, summary: &ClvSummary) -> Result<ClvModel> {
        self.check()?;
        let (f, r, t) = (summary.frequency(), summary.recency(), summary.t());
        let purchase = match self.model {
            PurchaseModelKind::BgNbd => FittedPurchaseModel::BgNbd(
                BetaGeoParams::new()
                    .penalizer(self.penalizer)
                    .fit(f, r, t)?,
            ),
            PurchaseModelKind::ParetoNbd => FittedPurchaseModel::ParetoNbd(
                ParetoNbdParams::new()
                    .penalizer(self.penalizer)
                    .fit(f, r, t)?,
            ),
        };
        let spend = GammaGammaParams::new()
            .penalizer(self.penalizer)
            .fit(f, summary.monetary_value())?;
        let correlation = frequency_monetary_correlation(f, summary.monetary_value())?;
        Ok(ClvModel {
            purchase,
            spend,
            correlation,
            params: self.clone(),
            unit: summary.unit(),
        })
    }
}

/// Fitted purchase and spend models; see [`ClvModelParams`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClvModel {
    /// The purchase model.
    pub purchase: FittedPurchaseModel,
    /// The spend model, fitted on the repeat buyers.
    pub spend: GammaGamma,
    /// Pearson correlation of frequency and mean spend among repeat buyers (NaN when undefined):
    /// Gamma-Gamma assumes it is near 0.
    pub correlation: f64,
    params: ClvModelParams,
    unit: crate::features::clv_summary::DurationUnit,
}

/// Per-customer predictions, in the summary's customer order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClvPredictions {
    /// Probability the customer is still active at the end of observation.
    pub p_alive: Vec<f64>,
    /// Expected purchases over the horizon.
    pub expected_purchases: Vec<f64>,
    /// Expected mean spend per purchase (Gamma-Gamma; the population mean without repeats).
    pub expected_spend: Vec<f64>,
    /// Discounted value over the horizon.
    pub clv: Vec<f64>,
}

impl ClvModel {
    /// The horizon in the summary's unit (months times [`DurationUnit::per_month`](crate::features::clv_summary::DurationUnit::per_month)).
    pub fn horizon(&self) -> f64 {
        f64::from(self.params.horizon_months) * self.unit.per_month()
    }

    /// Predictions for the customers of `summary` (the one fitted, or another in the same unit).
    pub fn predict(&self, summary: &ClvSummary) -> Result<ClvPredictions> {
        let (f, r, t, m) = (
            summary.frequency(),
            summary.recency(),
            summary.t(),
            summary.monetary_value(),
        );
        let model = self.purchase.as_purchase_model();
        let value_params = self.params.value_params(summary.unit());
        // Expected purchases over the horizon are the value computation's last cumulative
        // expectation: one pass gives both.
        let horizon = horizon_purchases(model, &value_params, f, r, t)?;
        // Customers are independent: computed on rayon's threads, collected in order.
        let expected_spend: Vec<f64> = (0..summary.len())
            .into_par_iter()
            .map(|i| self.spend.conditional_expected_average_profit(f[i], m[i]))
            .collect::<Result<_>>()?;
        Ok(ClvPredictions {
            p_alive: horizon.iter().map(|h| h.p_alive).collect(),
            expected_purchases: horizon.iter().map(|h| h.total).collect(),
            clv: horizon
                .iter()
                .zip(&expected_spend)
                .map(|(h, spend)| spend * h.discounted)
                .collect(),
            expected_spend,
        })
    }

    /// The per-customer table: `customer_id, frequency, recency, T, monetary_value, p_alive,
    /// expected_purchases, expected_spend, clv`.
    pub fn frame(&self, summary: &ClvSummary, predictions: &ClvPredictions) -> Result<DataFrame> {
        let mut frame = summary.frame()?;
        let n = frame.height();
        for (name, values) in [
            ("p_alive", &predictions.p_alive),
            ("expected_purchases", &predictions.expected_purchases),
            ("expected_spend", &predictions.expected_spend),
            ("clv", &predictions.clv),
        ] {
            if values.len() != n {
                return Err(Error::param(
                    "predictions",
                    format!("{} {name} values for {n} customers", values.len()),
                ));
            }
            frame.with_column(Column::new(name.into(), values.clone()))?;
        }
        Ok(frame)
    }

    /// The fitted parameters as JSON: `{"bg_nbd": {"r": .., "alpha": .., "a": .., "b": ..,
    /// "log_likelihood": .., "standard_errors": {..}}, "gamma_gamma": {"p": .., "q": .., "v": ..,
    /// ...}, ...}`, the purchase model's key named after it.
    pub fn params_json(&self) -> serde_json::Value {
        let block =
            |parameters: &[(&'static str, f64, Option<f64>)], log_likelihood: f64, n: usize| {
                let mut map = serde_json::Map::new();
                let mut errors = serde_json::Map::new();
                for (name, value, error) in parameters {
                    map.insert((*name).into(), (*value).into());
                    if let Some(e) = error {
                        errors.insert((*name).into(), (*e).into());
                    }
                }
                map.insert("log_likelihood".into(), log_likelihood.into());
                map.insert("customers".into(), n.into());
                map.insert("standard_errors".into(), errors.into());
                serde_json::Value::Object(map)
            };
        let spend = self.spend_parameters();
        let mut root = serde_json::Map::new();
        root.insert(
            self.purchase.kind().key().into(),
            block(
                &self.purchase.parameters(),
                self.purchase.log_likelihood(),
                self.purchase_customers(),
            ),
        );
        root.insert(
            "gamma_gamma".into(),
            block(&spend, self.spend.log_likelihood, self.spend.n),
        );
        root.insert(
            "frequency_monetary_correlation".into(),
            if self.correlation.is_finite() {
                self.correlation.into()
            } else {
                serde_json::Value::Null
            },
        );
        root.insert("unit".into(), self.unit.name().into());
        root.insert("penalizer".into(), self.params.penalizer.into());
        root.insert("horizon_months".into(), self.params.horizon_months.into());
        root.insert("discount_rate".into(), self.params.discount_rate.into());
        serde_json::Value::Object(root)
    }

    /// (name, value, standard error) of Gamma-Gamma's parameters.
    pub fn spend_parameters(&self) -> Vec<(&'static str, f64, Option<f64>)> {
        let errors = self.spend.standard_errors.map(|e| e.to_vec());
        named(&["p", "q", "v"], &self.spend.params(), errors.as_deref())
    }

    /// Customers the purchase model was fitted on.
    pub fn purchase_customers(&self) -> usize {
        match &self.purchase {
            FittedPurchaseModel::BgNbd(m) => m.n,
            FittedPurchaseModel::ParetoNbd(m) => m.n,
        }
    }

    /// The fits in words: each parameter with its standard error, the log-likelihoods, and the
    /// independence check.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, (name, value, error): &(&str, f64, Option<f64>)| {
            let error = error.map_or("-".to_string(), |e| format!("{e:.4}"));
            let _ = writeln!(out, "  {name:<6} {value:>12.4}  (s.e. {error})");
        };
        let _ = writeln!(
            out,
            "{} on {} customers (time in {}s), log-likelihood {:.2}",
            self.purchase.kind().label(),
            self.purchase_customers(),
            self.unit.name(),
            self.purchase.log_likelihood()
        );
        let parameters = self.purchase.parameters();
        for p in &parameters {
            line(&mut out, p);
        }
        if parameters.iter().any(|(_, _, error)| error.is_none()) {
            let _ = writeln!(
                out,
                "  no standard errors: the likelihood is flat where the fit ended (a parameter at \
                 the edge of its range, such as a near 0 when nobody seems to drop out); the \
                 predictions stand, but not every parameter is determined by the data"
            );
        }
        let left_out = match self.spend.non_positive_spend {
            0 => String::new(),
            n => format!(" ({n} with repeat spend 0 or less left out)"),
        };
        let _ = writeln!(
            out,
            "Gamma-Gamma on {} repeat buyers{left_out}, log-likelihood {:.2}",
            self.spend.n, self.spend.log_likelihood
        );
        for p in self.spend_parameters() {
            line(&mut out, &p);
        }
        let _ = writeln!(out, "{}", self.independence_check());
        out
    }

    /// The frequency/spend independence check in one sentence.
    pub fn independence_check(&self) -> String {
        if !self.correlation.is_finite() {
            return "frequency/spend correlation among repeat buyers: undefined (too few repeat \
                    buyers or no variation)"
                .to_string();
        }
        let verdict = if self.correlation.abs() > CORRELATION_WARNING {
            "above 0.3: Gamma-Gamma assumes spend does not depend on frequency, so treat its \
             spend predictions with care"
        } else {
            "below 0.3: consistent with Gamma-Gamma's independence assumption"
        };
        format!(
            "frequency/spend correlation among repeat buyers: {:.3} ({verdict})",
            self.correlation
        )
    }
}
