//! The holdout check Fader and Hardie make of a purchase model: fit on a calibration period,
//! predict each customer's repeat purchases in the holdout period that follows, and compare with
//! what they did, per customer (mean absolute error), per calibration frequency, and week by week
//! for the whole cohort (the cumulative tracking chart).
//!
//! Customers are those whose first purchase falls in the calibration period; customers first
//! seen in the holdout are left out and counted. A holdout purchase is a purchase day, as in the
//! summary (lifetimes' `frequency_holdout`).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};

use crate::clv::analysis::{ClvModel, ClvModelParams};
use crate::data::dates::{date_of, day_number};
use crate::data::transactions::Transactions;
use crate::error::{Error, Result};
use crate::features::clv_summary::{ClvSummaryParams, DurationUnit, purchase_days};

/// Calibration frequencies shown one by one in [`HoldoutCheck::by_frequency`]; higher ones are
/// pooled into the last row ("7+"), as Fader and Hardie plot them.
pub const POOLED_FROM: u32 = 7;

/// Where the calibration period ends and the holdout begins.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutParams {
    calibration_end: NaiveDate,
    observation_end: Option<NaiveDate>,
    unit: DurationUnit,
    model: ClvModelParams,
}

impl HoldoutParams {
    /// Calibration up to `calibration_end` (inclusive), holdout from the next day to the last
    /// transaction's day, weeks, the default models.
    pub fn new(calibration_end: NaiveDate) -> Self {
        HoldoutParams {
            calibration_end,
            observation_end: None,
            unit: DurationUnit::Weeks,
            model: ClvModelParams::new(),
        }
    }

    /// A holdout of the last `days` days of the data (to the last transaction's day).
    pub fn last_days(transactions: &Transactions, days: u32) -> Result<Self> {
        let last = ClvSummaryParams::new().fit(transactions)?.observation_end();
        if days == 0 {
            return Err(Error::param(
                "HoldoutParams::last_days",
                "the holdout needs at least one day",
            ));
        }
        Ok(Self::new(last - Duration::days(i64::from(days))))
    }

    /// The end of the holdout (inclusive); later transactions are left out.
    pub fn observation_end(mut self, day: NaiveDate) -> Self {
        self.observation_end = Some(day);
        self
    }

    /// The time unit of the fit.
    pub fn unit(mut self, unit: DurationUnit) -> Self {
        self.unit = unit;
        self
    }

    /// The models fitted on the calibration period.
    pub fn model(mut self, model: ClvModelParams) -> Self {
        self.model = model;
        self
    }

    /// Fits on the calibration period and compares its predictions with the holdout.
    pub fn fit(&self, transactions: &Transactions) -> Result<HoldoutCheck> {
        let full = match self.observation_end {
            Some(end) => ClvSummaryParams::new().observation_end(end),
            None => ClvSummaryParams::new(),
        }
        .unit(self.unit)
        .fit(transactions)?;
        let observation_end = full.observation_end();
        if self.calibration_end >= observation_end {
            return Err(Error::param(
                "HoldoutParams::calibration_end",
                format!(
                    "{} leaves no holdout: the data ends on {observation_end}; choose an earlier \
                     day or fewer holdout days",
                    self.calibration_end
                ),
            ));
        }
        let calibration = ClvSummaryParams::new()
            .unit(self.unit)
            .observation_end(self.calibration_end)
            .fit(transactions)?;
        let model = self.model.fit(&calibration)?;
        let duration =
            (observation_end - self.calibration_end).num_days() as f64 / self.unit.days();

        let row_of: HashMap<&str, usize> = full
            .customer_ids()
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let purchase = model.purchase.as_purchase_model();
        let (f, r, t) = (
            calibration.frequency(),
            calibration.recency(),
            calibration.t(),
        );
        let mut actual = Vec::with_capacity(calibration.len());
        let mut predicted = Vec::with_capacity(calibration.len());
        for (i, id) in calibration.customer_ids().iter().enumerate() {
            let total = row_of
                .get(id.as_str())
                .map_or(f[i], |&j| full.frequency()[j]);
            actual.push(total - f[i]);
            predicted.push(purchase.conditional_expected_purchases(duration, f[i], r[i], t[i])?);
        }
        let mean_absolute_error = actual
            .iter()
            .zip(&predicted)
            .map(|(a, p)| (a - p).abs())
            .sum::<f64>()
            / actual.len().max(1) as f64;
        let by_frequency = by_frequency(f, &actual, &predicted);
        let tracking = tracking(transactions, &model, self, observation_end)?;
        Ok(HoldoutCheck {
            calibration_end: self.calibration_end,
            observation_end,
            duration,
            unit: self.unit,
            customers_first_seen_in_holdout: full.len() - calibration.len(),
            customer_ids: calibration.customer_ids().to_vec(),
            calibration_frequency: f.to_vec(),
            actual,
            predicted,
            mean_absolute_error,
            by_frequency,
            tracking,
            model,
        })
    }
}

/// Mean actual and predicted holdout purchases of the customers with one calibration frequency.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FrequencyRow {
    /// Calibration frequency (the last row pools [`POOLED_FROM`] and above).
    pub frequency: u32,
    /// `0`, `1`, ... or `7+`.
    pub label: String,
    /// Customers in the row.
    pub customers: usize,
    /// Mean repeat purchases they made in the holdout.
    pub actual: f64,
    /// Mean the model predicted.
    pub predicted: f64,
}

/// Cumulative repeat purchases of the calibration cohort up to the end of one week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TrackingRow {
    /// Last day of the week.
    pub week_end: NaiveDate,
    /// Repeat purchase days made up to that day.
    pub actual: f64,
    /// Repeat purchases the model expects up to that day.
    pub expected: f64,
}

/// The result of [`HoldoutParams::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutCheck {
    /// Last day of the calibration period.
    pub calibration_end: NaiveDate,
    /// Last day of the holdout.
    pub observation_end: NaiveDate,
    /// Length of the holdout in `unit`s.
    pub duration: f64,
    /// The time unit of the fit.
    pub unit: DurationUnit,
    /// Customers whose first purchase is in the holdout: not part of the check.
    pub customers_first_seen_in_holdout: usize,
    /// The calibration cohort.
    pub customer_ids: Vec<String>,
    /// Each customer's calibration frequency.
    pub calibration_frequency: Vec<f64>,
    /// Each customer's repeat purchase days in the holdout.
    pub actual: Vec<f64>,
    /// What the model predicted for each.
    pub predicted: Vec<f64>,
    /// Mean of |actual - predicted| per customer.
    pub mean_absolute_error: f64,
    /// Actual and predicted by calibration frequency.
    pub by_frequency: Vec<FrequencyRow>,
    /// Week by week, cumulative, from the first purchase to the end of the holdout.
    pub tracking: Vec<TrackingRow>,
    /// The models fitted on the calibration period.
    pub model: ClvModel,
}

impl HoldoutCheck {
    /// Total repeat purchases in the holdout: (actual, predicted).
    pub fn totals(&self) -> (f64, f64) {
        (self.actual.iter().sum(), self.predicted.iter().sum())
    }
}

fn by_frequency(frequency: &[f64], actual: &[f64], predicted: &[f64]) -> Vec<FrequencyRow> {
    let mut groups: BTreeMap<u32, (usize, f64, f64)> = BTreeMap::new();
    for ((&f, &a), &p) in frequency.iter().zip(actual).zip(predicted) {
        let key = (f as u32).min(POOLED_FROM);
        let entry = groups.entry(key).or_default();
        entry.0 += 1;
        entry.1 += a;
        entry.2 += p;
    }
    groups
        .into_iter()
        .map(|(frequency, (customers, a, p))| FrequencyRow {
            frequency,
            label: if frequency == POOLED_FROM {
                format!("{POOLED_FROM}+")
            } else {
                frequency.to_string()
            },
            customers,
            actual: a / customers as f64,
            predicted: p / customers as f64,
        })
        .collect()
}

/// Weekly cumulative repeat purchases of the calibration cohort, actual and expected. Expected
/// purchases depend only on each customer's first purchase day, so they are computed once per
/// distinct first day, not once per customer.
fn tracking(
    transactions: &Transactions,
    model: &ClvModel,
    params: &HoldoutParams,
    observation_end: NaiveDate,
) -> Result<Vec<TrackingRow>> {
    let days = purchase_days(transactions)?;
    // First purchase day per customer, and the repeat purchase days of the cohort.
    let mut first: HashMap<u32, i64> = HashMap::new();
    for &(customer, day) in &days {
        first.entry(customer).or_insert(day);
    }
    let calibration_end = day_number(params.calibration_end);
    let end = day_number(observation_end);
    let mut repeats: Vec<i64> = days
        .iter()
        .filter(|(customer, day)| {
            let start = first.get(customer).copied().unwrap_or(i64::MAX);
            start <= calibration_end && *day > start && *day <= end
        })
        .map(|(_, day)| *day)
        .collect();
    repeats.sort_unstable();
    let mut cohort_starts: BTreeMap<i64, usize> = BTreeMap::new();
    for &start in first.values().filter(|&&s| s <= calibration_end) {
        *cohort_starts.entry(start).or_default() += 1;
    }
    let Some((&origin, _)) = cohort_starts.iter().next() else {
        return Ok(Vec::new());
    };
    let unit_days = params.unit.days();
    let mut rows = Vec::new();
    let mut week_end = origin + 6;
    loop {
        let day = week_end.min(end);
        let actual = repeats.partition_point(|&d| d <= day) as f64;
        let mut expected = 0.0;
        for (&start, &customers) in &cohort_starts {
            if start < day {
                let t = (day - start) as f64 / unit_days;
                expected += customers as f64 * model.purchase.expected_purchases(t)?;
            }
        }
        rows.push(TrackingRow {
            week_end: date_of(day),
            actual,
            expected,
        });
        if day >= end {
            break;
        }
        week_end += 7;
    }
    Ok(rows)
}
