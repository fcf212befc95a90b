//! `custseg rfm`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use custseg::Result;
use custseg::error::Error;
use custseg::rfm::RfmParams;

use super::Timings;
use super::args::{InputArgs, ScoringArgs};
use super::output::{check_table_output, write_frame};

/// Arguments of `custseg rfm`.
#[derive(Debug, Args)]
pub struct RfmArgs {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    scoring: ScoringArgs,
    /// Date recency is measured to [default: the day after the last transaction]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "RFM")]
    snapshot: Option<NaiveDate>,
    /// Weights of R, F and M in the combined score
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "R,F,M",
        default_value = "1,1,1",
        help_heading = "RFM"
    )]
    weights: Vec<f64>,
    /// Write the per-customer table (customer_id,recency,frequency,monetary,r,f,m,rfm_code,segment) to a .csv or .parquet file instead of printing the segment summary
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also print the summary broken down by this dimension (load it with --dimension)
    #[arg(long, value_name = "COLUMN")]
    by: Option<String>,
    /// Read, clean and aggregate the input on an Apache DataFusion Ballista cluster whose scheduler is at this address; scoring runs here. The input must be Parquet files the executors see at the same absolute paths. Needs a custseg built with the `distributed` feature
    #[arg(long, value_name = "df://HOST:PORT")]
    engine: Option<String>,
}

impl RfmArgs {
    fn params(&self) -> Result<RfmParams> {
        let [r, f, m] = <[f64; 3]>::try_from(self.weights.as_slice()).map_err(|_| {
            Error::param(
                "--weights",
                format!(
                    "give three numbers R,F,M, got {} number(s)",
                    self.weights.len()
                ),
            )
        })?;
        let mut params = RfmParams::new()
            .scoring(self.scoring.scoring())
            .segments(self.scoring.segment_map()?)
            .weights(r, f, m);
        if let Some(date) = self.snapshot {
            params = params.snapshot(date);
        }
        params.check()?;
        Ok(params)
    }
}

pub fn run(args: &RfmArgs, timings: &mut Timings) -> Result<()> {
    let params = args.params()?;
    let options = args.input.load_options()?;
    if let Some(path) = &args.output {
        check_table_output(path, "--output", args.input.input.as_deref())?;
    }
    // Files are aggregated while read (with the summary by a dimension, when it is printed); the
    // bundled data is loaded.
    let by_dimension = args.by.as_ref().filter(|_| args.output.is_none());
    let (table, accounting, by) = match &args.input.input {
        _ if args.engine.is_some() && args.by.is_some() => {
            return Err(Error::param(
                "--by",
                "the breakdown by a dimension needs the rows, which stay on the cluster with \
                 --engine; leave out one of the two",
            ));
        }
        None if args.engine.is_some() => {
            return Err(Error::param(
                "--engine",
                "give the input's Parquet files, as the cluster's executors see them",
            ));
        }
        Some(input) if args.engine.is_some() => {
            let address = args.engine.as_deref().unwrap_or_default();
            let distributed = fit_distributed(&params, input, &options, address)?;
            (distributed.table, distributed.accounting, None)
        }
        Some(input) => {
            let (streamed, by) = match by_dimension {
                Some(dimension) => {
                    let (streamed, by) = params.fit_streaming_by(input, &options, dimension)?;
                    (streamed, Some(by))
                }
                None => (params.fit_streaming(input, &options)?, None),
            };
            if !streamed.streamed {
                super::note_loaded_in_memory(input);
            }
            (streamed.table, streamed.accounting, by)
        }
        None => {
            let transactions = args.input.load(&options)?;
            timings.mark("load");
            let table = params.fit(&transactions)?;
            let by = by_dimension
                .map(|dimension| table.segment_summary_by(&transactions, dimension))
                .transpose()?;
            (table, transactions.accounting().clone(), by)
        }
    };
    timings.mark("rfm");
    match &args.output {
        Some(path) => {
            let mut frame = table.export_frame()?;
            write_frame(&mut frame, path)?;
            timings.mark("write");
            super::note_dropped(&accounting);
            for note in &table.scoring().fallbacks {
                eprintln!("note: {note}");
            }
        }
        None => {
            let a = &accounting;
            super::out(format_args!(
                "{} customers from {} of {} rows; snapshot {}; scores 1-{} ({}); segments: {}\n",
                table.len(),
                a.rows_kept,
                a.rows_in,
                table.snapshot(),
                table.scoring().bins,
                table
                    .scoring()
                    .measures
                    .iter()
                    .map(|m| format!("{} by {}", m.measure.name(), m.rule))
                    .collect::<Vec<_>>()
                    .join(", "),
                table.segment_map().name
            ))?;
            for note in &table.scoring().fallbacks {
                super::out(format_args!("note: {note}\n"))?;
            }
            let coverage = table.coverage();
            if !coverage.uncovered.is_empty() {
                super::out(format_args!(
                    "note: {} of the map's codes fall to \"Other\": {}\n",
                    coverage.uncovered.len(),
                    coverage.uncovered.join(" ")
                ))?;
            }
            super::out("\n")?;
            super::out(table.segment_summary()?)?;
            if let Some(by) = &by {
                super::out("\n")?;
                super::out(by)?;
            }
        }
    }
    Ok(())
}

#[cfg(feature = "distributed")]
fn fit_distributed(
    params: &RfmParams,
    input: &std::path::Path,
    options: &custseg::data::transactions::LoadOptions,
    address: &str,
) -> Result<custseg::rfm::StreamedRfm> {
    let engine = custseg::distributed::BallistaEngine::new(address)
        .map_err(|_| Error::param("--engine", format!("\"{address}\" is not df://HOST:PORT")))?;
    params.fit_distributed(input, options, &engine)
}

#[cfg(not(feature = "distributed"))]
fn fit_distributed(
    _: &RfmParams,
    _: &std::path::Path,
    _: &custseg::data::transactions::LoadOptions,
    _: &str,
) -> Result<custseg::rfm::StreamedRfm> {
    Err(Error::param(
        "--engine",
        "this custseg was built without the `distributed` feature; build it with \
         `cargo install --path . --features distributed`",
    ))
}
