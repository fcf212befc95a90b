//! The report's "Customer value" section: BG/NBD (or Pareto/NBD) and Gamma-Gamma fitted to the
//! customers, their lifetime value by RFM segment, P(alive) by recency and frequency, and the
//! holdout check of the predictions.

use chrono::Duration;
use serde::Serialize;

use crate::chart::clv::{clv_by_segment, holdout_by_frequency, holdout_tracking, p_alive_matrix};
use crate::clv::analysis::{ClvModel, ClvPredictions, FittedPurchaseModel};
use crate::clv::holdout::{HoldoutCheck, HoldoutParams};
use crate::data::transactions::Transactions;
use crate::error::Result;
use crate::features::clv_summary::{ClvSummary, ClvSummaryParams};
use crate::format::NumberFormat;
use crate::report::config::ValueConfig;
use crate::rfm::RfmTable;

/// A table row of formatted cells.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ValueRow {
    pub cells: Vec<String>,
}

/// Everything the template's "Customer value" section shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ValueSection {
    /// The purchase model's name, e.g. "BG/NBD".
    pub model: String,
    /// What was fitted on what, in one sentence.
    pub fitted: String,
    pub horizon_months: u32,
    /// The discount rate as a percentage a month.
    pub discount_rate: String,
    pub total_clv: String,
    /// name, value, standard error of every parameter of both models.
    pub parameters: Vec<ValueRow>,
    pub independence: String,
    /// A warning when the fit sees almost no customer leave (P(alive) near 1 everywhere).
    pub caveat: Option<String>,
    /// segment, customers, mean P(alive), expected purchases, mean CLV, total CLV, share.
    pub segments: Vec<ValueRow>,
    pub clv_chart: String,
    pub p_alive_chart: String,
    pub holdout: Option<HoldoutPart>,
    /// Why there is no holdout check, when there is none.
    pub holdout_skipped: Option<String>,
}

/// The holdout check's sentence, table and charts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HoldoutPart {
    pub summary: String,
    /// calibration frequency, customers, actual mean, predicted mean.
    pub rows: Vec<ValueRow>,
    pub by_frequency_chart: String,
    pub tracking_chart: String,
}

/// The section, or the sentence saying why there is none.
pub(crate) enum ValueOutcome {
    Section(Box<ValueSection>),
    Skipped(String),
}

/// Fits the models as `config` says and prepares the section. A fit the data does not allow
/// (too few repeat buyers, no convergence) skips the section with the error's own words, so the
/// rest of the report is still made.
pub(crate) fn value_section(
    config: &ValueConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
    segment_order: &[String],
    fmt: &NumberFormat,
) -> Result<ValueOutcome> {
    let params = config.model_params()?;
    let unit = config.unit()?;
    let fitted = ClvSummaryParams::new()
        .unit(unit)
        .fit(transactions)
        .and_then(|summary| {
            let model = params.fit(&summary)?;
            let predictions = model.predict(&summary)?;
            Ok((summary, model, predictions))
        });
    let (summary, model, predictions) = match fitted {
        Ok(fitted) => fitted,
        Err(e) => {
            return Ok(ValueOutcome::Skipped(format!(
                "Customer value was not computed: {e}"
            )));
        }
    };
    let segments = segment_of_each(rfm, summary.customer_ids())?;
    let (holdout, holdout_skipped) = holdout_part(config, transactions, &params, fmt)?;
    let total: f64 = predictions.clv.iter().sum();
    Ok(ValueOutcome::Section(Box::new(ValueSection {
        model: model.purchase.kind().label().to_string(),
        fitted: fitted_sentence(&model, &summary, fmt),
        horizon_months: config.horizon_months,
        discount_rate: fmt.percent(config.discount_rate),
        total_clv: fmt.money(total, 0),
        parameters: parameter_rows(&model),
        independence: model.independence_check(),
        caveat: caveat(&model, &predictions, fmt),
        segments: segment_rows(&segments, &predictions, segment_order, fmt),
        clv_chart: clv_by_segment(&segments, &predictions.clv, segment_order)?
            .svg()
            .to_string(),
        p_alive_chart: p_alive_matrix(&model, &summary)?.svg().to_string(),
        holdout,
        holdout_skipped,
    })))
}

/// Each customer's RFM segment, in the summary's order.
fn segment_of_each(rfm: &RfmTable, customer_ids: &[String]) -> Result<Vec<String>> {
    Ok(rfm
        .segments_of(customer_ids)?
        .into_iter()
        .map(|s| s.unwrap_or_else(|| "Other".to_string()))
        .collect())
}

fn fitted_sentence(model: &ClvModel, summary: &ClvSummary, fmt: &NumberFormat) -> String {
    format!(
        "{} was fitted to the purchase days of {} customers and Gamma-Gamma to the spend of \
         their {} repeat buyers{}, time counted in {}s to {} (log-likelihood {}).",
        model.purchase.kind().label(),
        fmt.count(model.purchase_customers()),
        fmt.count(model.spend.n),
        match model.spend.non_positive_spend {
            0 => String::new(),
            n => format!(
                " ({} with repeat spend of 0 or less left out)",
                fmt.count(n)
            ),
        },
        summary.unit().name(),
        summary.observation_end(),
        fmt.number(model.purchase.log_likelihood(), 2)
    )
}

fn parameter_rows(model: &ClvModel) -> Vec<ValueRow> {
    let purchase = model.purchase.kind().label();
    let rows = model
        .purchase
        .parameters()
        .into_iter()
        .map(|p| (purchase, p))
        .chain(
            model
                .spend_parameters()
                .into_iter()
                .map(|p| ("Gamma-Gamma", p)),
        );
    rows.map(|(model, (name, value, error))| ValueRow {
        cells: vec![
            model.to_string(),
            name.to_string(),
            format!("{value:.4}"),
            error.map_or("-".to_string(), |e| format!("{e:.4}")),
        ],
    })
    .collect()
}

/// Mean P(alive) from this share up reads as "nobody leaves": worth a sentence, since the segment
/// table then shows "Lost" customers as alive.
const NEARLY_ALL_ALIVE: f64 = 0.95;

/// What to keep in mind when the fit says nearly every customer is still active.
fn caveat(model: &ClvModel, predictions: &ClvPredictions, fmt: &NumberFormat) -> Option<String> {
    let n = predictions.p_alive.len().max(1) as f64;
    let mean = predictions.p_alive.iter().sum::<f64>() / n;
    if mean < NEARLY_ALL_ALIVE {
        return None;
    }
    let dropout = match &model.purchase {
        FittedPurchaseModel::BgNbd(m) => {
            let [_, _, a, b] = m.params();
            format!(
                " (BG/NBD's chance of leaving after a purchase, a / (a + b), is {})",
                fmt.percent(a / (a + b))
            )
        }
        FittedPurchaseModel::ParetoNbd(_) => String::new(),
    };
    Some(format!(
        "The model sees almost no customer leave{dropout}: the mean P(alive) is {}. In this \
         data, customers who stopped buying cannot be told apart from slow buyers, so even \
         segments RFM calls lost are expected to come back at their own slow pace (their \
         expected purchases stay low): rank customers by expected purchases or value, not by \
         P(alive).",
        fmt.percent(mean)
    ))
}

/// Per segment, in the map's order: customers, mean P(alive), mean expected purchases, mean and
/// total CLV and the share of all CLV.
fn segment_rows(
    segments: &[String],
    predictions: &ClvPredictions,
    order: &[String],
    fmt: &NumberFormat,
) -> Vec<ValueRow> {
    let total: f64 = predictions.clv.iter().sum();
    order
        .iter()
        .chain(std::iter::once(&"Other".to_string()))
        .filter_map(|name| {
            let members: Vec<usize> = (0..segments.len())
                .filter(|&i| &segments[i] == name)
                .collect();
            if members.is_empty() {
                return None;
            }
            let n = members.len() as f64;
            let mean = |values: &[f64]| members.iter().map(|&i| values[i]).sum::<f64>() / n;
            let segment_total: f64 = members.iter().map(|&i| predictions.clv[i]).sum();
            Some(ValueRow {
                cells: vec![
                    name.clone(),
                    fmt.count(members.len()),
                    fmt.percent(mean(&predictions.p_alive)),
                    fmt.number(mean(&predictions.expected_purchases), 2),
                    fmt.money(segment_total / n, 0),
                    fmt.money(segment_total, 0),
                    fmt.percent(if total > 0.0 {
                        segment_total / total
                    } else {
                        0.0
                    }),
                ],
            })
        })
        .collect()
}

/// The holdout check of the last `holdout_days`, when the data covers at least twice as many days
/// before them.
fn holdout_part(
    config: &ValueConfig,
    transactions: &Transactions,
    params: &crate::clv::analysis::ClvModelParams,
    fmt: &NumberFormat,
) -> Result<(Option<HoldoutPart>, Option<String>)> {
    if config.holdout_days == 0 {
        return Ok((None, None));
    }
    let sanity = transactions.sanity();
    let (first, last) = (sanity.first_date.date(), sanity.last_date.date());
    let days = i64::from(config.holdout_days);
    let span = (last - first).num_days();
    if span < 3 * days {
        return Ok((
            None,
            Some(format!(
                "The predictions were not checked on a holdout: the data covers {span} days, \
                 fewer than three times the {days} days held out (value.holdout_days)."
            )),
        ));
    }
    let check = HoldoutParams::new(last - Duration::days(days))
        .unit(config.unit()?)
        .model(params.clone())
        .fit(transactions);
    let check = match check {
        Ok(check) => check,
        Err(e) => {
            return Ok((
                None,
                Some(format!("The holdout check could not be made: {e}")),
            ));
        }
    };
    Ok((Some(holdout_rows(&check, fmt)?), None))
}

fn holdout_rows(check: &HoldoutCheck, fmt: &NumberFormat) -> Result<HoldoutPart> {
    let (actual, predicted) = check.totals();
    let summary = format!(
        "Fitted on the data to {} and asked to predict the {} {}s to {}: the {} customers known \
         by then made {} repeat purchases, the model expected {} (a difference of {}); the mean \
         absolute error per customer is {} purchases. {} customers first seen in the holdout are \
         left out.",
        check.calibration_end,
        fmt.number(check.duration, 1),
        check.unit.name(),
        check.observation_end,
        fmt.count(check.customer_ids.len()),
        fmt.number(actual, 0),
        fmt.number(predicted, 1),
        fmt.percent(if actual > 0.0 {
            (predicted - actual) / actual
        } else {
            0.0
        }),
        fmt.number(check.mean_absolute_error, 3),
        fmt.count(check.customers_first_seen_in_holdout),
    );
    let rows = check
        .by_frequency
        .iter()
        .map(|row| ValueRow {
            cells: vec![
                row.label.clone(),
                fmt.count(row.customers),
                fmt.number(row.actual, 3),
                fmt.number(row.predicted, 3),
            ],
        })
        .collect();
    Ok(HoldoutPart {
        summary,
        rows,
        by_frequency_chart: holdout_by_frequency(check)?.svg().to_string(),
        tracking_chart: holdout_tracking(check)?.svg().to_string(),
    })
}
