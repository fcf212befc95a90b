//! `custseg clv`: customer lifetime value per customer.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use custseg::Result;
use custseg::clv::analysis::{ClvModel, ClvModelParams, PurchaseModelKind};
use custseg::clv::holdout::{HoldoutCheck, HoldoutParams};
use custseg::error::Error;
use custseg::features::clv_summary::{ClvSummary, ClvSummaryParams, DurationUnit};
use custseg::rfm::RfmParams;
use polars::prelude::*;

use super::Timings;
use super::args::InputArgs;
use super::output::{check_output, check_table_output, write_frame, write_text};

/// Arguments of `custseg clv`.
#[derive(Debug, Args)]
pub struct ClvArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Time unit of recency, T and the model's rates
    #[arg(
        long,
        default_value = "week",
        value_name = "day|week|month",
        help_heading = "CLV"
    )]
    unit: String,
    /// Last day observed; later transactions are left out of the fit and counted [default: the last transaction's day]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "CLV")]
    observation_end: Option<NaiveDate>,
    /// Check the model on the last N days: fit on the days before, predict these, compare
    #[arg(
        long,
        value_name = "N",
        help_heading = "CLV",
        conflicts_with = "calibration_end"
    )]
    holdout_days: Option<u32>,
    /// Check the model with a holdout that starts the day after this one
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "CLV")]
    calibration_end: Option<NaiveDate>,
    /// Months of the value horizon (and of expected_purchases)
    #[arg(long, default_value_t = 12, help_heading = "CLV")]
    horizon_months: u32,
    /// Monthly discount rate (0.01 = 1% a month)
    #[arg(long, default_value_t = 0.01, help_heading = "CLV")]
    discount_rate: f64,
    /// Purchase model
    #[arg(
        long,
        default_value = "bgnbd",
        value_name = "bgnbd|paretonbd",
        help_heading = "CLV"
    )]
    model: String,
    /// Penalty on the parameters' squares (lifetimes' penalizer_coef); try 0.001 when a fit does not converge
    #[arg(long, default_value_t = 0.0, help_heading = "CLV")]
    penalizer: f64,
    /// INPUT is a per-customer summary, not transactions: columns customer_id, frequency, recency, T, monetary_value (lifetimes' names; --customer names another id column), times in --unit. The segment column is then empty (RFM needs the transactions)
    #[arg(
        long,
        help_heading = "CLV",
        conflicts_with_all = ["observation_end", "holdout_days", "calibration_end"]
    )]
    summary: bool,
    /// Write the fitted parameters, standard errors and log-likelihoods to this .json file
    #[arg(long, value_name = "FILE.json")]
    params: Option<PathBuf>,
    /// Output file (.csv or .parquet): customer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_spend,clv,segment
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
}

impl ClvArgs {
    fn model_params(&self) -> Result<ClvModelParams> {
        // The flags are checked here so that errors name them, not the library's settings.
        if !(self.penalizer.is_finite() && self.penalizer >= 0.0) {
            return Err(Error::param(
                "--penalizer",
                format!("must be 0 or more, got {}", self.penalizer),
            ));
        }
        if self.horizon_months == 0 {
            return Err(Error::param("--horizon-months", "must be at least 1"));
        }
        if !(self.discount_rate.is_finite() && self.discount_rate > -1.0) {
            return Err(Error::param(
                "--discount-rate",
                format!(
                    "must be above -1 (a monthly rate: 0.01 is 1%), got {}",
                    self.discount_rate
                ),
            ));
        }
        let params = ClvModelParams::new()
            .model(PurchaseModelKind::parse(&self.model).map_err(|_| {
                Error::param(
                    "--model",
                    format!(
                        "unknown model \"{}\"; use bgnbd or paretonbd",
                        custseg::format::shorten(&self.model, 40)
                    ),
                )
            })?)
            .penalizer(self.penalizer)
            .horizon_months(self.horizon_months)
            .discount_rate(self.discount_rate);
        params.check()?;
        Ok(params)
    }

    fn unit(&self) -> Result<DurationUnit> {
        DurationUnit::parse(&self.unit).map_err(|_| {
            Error::param(
                "--unit",
                format!(
                    "unknown unit \"{}\"; use day, week or month",
                    custseg::format::shorten(&self.unit, 40)
                ),
            )
        })
    }
}

pub fn run(args: &ClvArgs, timings: &mut Timings) -> Result<()> {
    let model_params = args.model_params()?;
    let unit = args.unit()?;
    check_table_output(&args.output, "--output", args.input.input.as_deref())?;
    if let Some(path) = &args.params {
        let inputs: Vec<&std::path::Path> = args.input.input.as_deref().into_iter().collect();
        check_output(path, "--params", &["json"], &inputs)?;
    }
    if args.summary {
        return run_on_summary(args, &model_params, unit, timings);
    }
    let options = args.input.load_options()?;
    let transactions = args.input.load(&options)?;
    timings.mark("load");

    let mut summary_params = ClvSummaryParams::new().unit(unit);
    if let Some(end) = args.observation_end {
        summary_params = summary_params.observation_end(end);
    }
    let summary = summary_params.fit(&transactions)?;
    timings.mark("summary");
    let model = fit_predict_write(args, &model_params, &summary, timings, |summary| {
        segments(&transactions, summary.customer_ids(), args.observation_end)
    })?;

    super::note_dropped_rows(&transactions);
    if summary.rows_after_end() > 0 {
        eprintln!(
            "note: {} transactions after the observation end ({}) left out, and {} customers \
             first seen after it",
            summary.rows_after_end(),
            summary.observation_end(),
            summary.customers_after_end()
        );
    }
    super::out(model.describe())?;
    let holdout = match (args.holdout_days, args.calibration_end) {
        (Some(days), _) => Some(HoldoutParams::last_days(&transactions, days)?),
        (None, Some(day)) => Some(HoldoutParams::new(day)),
        (None, None) => None,
    };
    if let Some(holdout) = holdout {
        let mut holdout = holdout.unit(unit).model(model_params.clone());
        if let Some(end) = args.observation_end {
            holdout = holdout.observation_end(end);
        }
        let check = holdout.fit(&transactions)?;
        timings.mark("holdout");
        super::out(describe_holdout(&check))?;
    }
    eprintln!(
        "wrote {} customers to {} ({} repeat buyers; time in {}s, observation end {})",
        summary.len(),
        args.output.display(),
        summary.repeat_buyers(),
        unit.name(),
        summary.observation_end()
    );
    Ok(())
}

/// `--summary`: the input is a per-customer summary made elsewhere; fit and predict on it.
fn run_on_summary(
    args: &ClvArgs,
    model_params: &ClvModelParams,
    unit: DurationUnit,
    timings: &mut Timings,
) -> Result<()> {
    if args.input.input.is_none() {
        return Err(Error::param(
            "--summary",
            "give the summary file as INPUT (the bundled data are transactions)",
        ));
    }
    let options = args.input.load_options()?;
    let table = args.input.read(&options)?;
    let summary = ClvSummary::from_table(&table, args.input.customer.as_deref(), unit)?;
    timings.mark("load");
    let model = fit_predict_write(args, model_params, &summary, timings, |summary| {
        // RFM segments need the transactions.
        Ok(vec![String::new(); summary.len()])
    })?;
    super::out(model.describe())?;
    eprintln!(
        "wrote {} customers to {} ({} repeat buyers; time in {}s, from the summary {})",
        summary.len(),
        args.output.display(),
        summary.repeat_buyers(),
        unit.name(),
        table.source.path.display()
    );
    Ok(())
}

/// Fits the models to `summary`, predicts every customer, and writes the table (with each
/// customer's segment from `segments`) and the parameters.
fn fit_predict_write(
    args: &ClvArgs,
    model_params: &ClvModelParams,
    summary: &ClvSummary,
    timings: &mut Timings,
    segments: impl FnOnce(&ClvSummary) -> Result<Vec<String>>,
) -> Result<ClvModel> {
    let model = model_params.fit(summary)?;
    timings.mark("fit");
    let predictions = model.predict(summary)?;
    timings.mark("predict");
    let segments = segments(summary)?;
    timings.mark("segments");
    let mut frame = model.frame(summary, &predictions)?;
    frame.with_column(Column::new("segment".into(), segments))?;
    write_frame(&mut frame, &args.output)?;
    if let Some(path) = &args.params {
        let text = serde_json::to_string_pretty(&model.params_json())
            .map_err(|e| Error::param("--params", e.to_string()))?;
        write_text(path, &(text + "\n"))?;
    }
    timings.mark("write");
    Ok(model)
}

/// Each customer's RFM segment (default scoring and map) as it stood at the observation end, in
/// the summary's order.
fn segments(
    transactions: &custseg::data::transactions::Transactions,
    customer_ids: &[String],
    observation_end: Option<NaiveDate>,
) -> Result<Vec<String>> {
    let mut params = RfmParams::new();
    if let Some(end) = observation_end {
        params = params.observation_end(end);
    }
    Ok(params
        .fit(transactions)?
        .segments_of(customer_ids)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// The holdout check as text: totals, error per customer, the table by calibration frequency.
fn describe_holdout(check: &HoldoutCheck) -> String {
    let (actual, predicted) = check.totals();
    let mut out = format!(
        "Holdout check: fitted to {}, predicted {:.1} {}s to {} for {} customers \
         ({} first seen in the holdout left out)\n  repeat purchases: actual {actual:.0}, \
         predicted {predicted:.1}; mean absolute error per customer {:.3}\n  \
         calibration frequency   customers   actual mean   predicted mean\n",
        check.calibration_end,
        check.duration,
        check.unit.name(),
        check.observation_end,
        check.customer_ids.len(),
        check.customers_first_seen_in_holdout,
        check.mean_absolute_error
    );
    for row in &check.by_frequency {
        out.push_str(&format!(
            "  {:>21}   {:>9}   {:>11.3}   {:>14.3}\n",
            row.label, row.customers, row.actual, row.predicted
        ));
    }
    out
}
