//! `custseg migrate`: how customers moved between RFM segments from one day to another.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use custseg::Result;
use custseg::rfm::{CohortScoring, MigrationParams, ScoringMethod, SegmentMap};

use super::Timings;
use super::args::InputArgs;
use super::output::{check_table_output, write_frame};

/// Arguments of `custseg migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    input: InputArgs,

    /// First snapshot: customers as they stood at the end of this day
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Migration")]
    from: NaiveDate,
    /// Second snapshot, after --from: customers as they stood at the end of this day
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Migration")]
    to: NaiveDate,
    /// How the dates are scored: fixed-edges (both with the cut points of --from's scoring, so a segment means the same behaviour on both days) or rescored (each day on its own quantiles)
    #[arg(
        long,
        default_value = "fixed-edges",
        value_name = "fixed-edges|rescored",
        help_heading = "Migration"
    )]
    cohort: String,
    /// Segment map: `table` (11 segments on R, F and M), `code-list` (study 1's 11 segments as
    /// lists of codes), `rf-regex` (10 segments on R and F), or a TOML file
    #[arg(
        long,
        default_value = "table",
        value_name = "table|code-list|rf-regex|PATH.toml",
        help_heading = "RFM"
    )]
    segments: String,
    /// Number of quantile bins (5 = quintiles, pandas qcut semantics)
    #[arg(long, default_value_t = 5, help_heading = "RFM")]
    bins: usize,
    /// Fixed recency cut points in days, ascending, e.g. 30,90,180,365 (with --frequency-cuts and --monetary-cuts; replaces quantiles, and then --cohort makes no difference)
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,Y,..",
        help_heading = "RFM"
    )]
    recency_cuts: Vec<f64>,
    /// Fixed frequency cut points, ascending
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,Y,..",
        help_heading = "RFM"
    )]
    frequency_cuts: Vec<f64>,
    /// Fixed monetary cut points, ascending
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,Y,..",
        help_heading = "RFM"
    )]
    monetary_cuts: Vec<f64>,
    /// Write the transition matrix (from_segment,to_segment,customers,share_of_from) to a .csv or .parquet file
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl MigrateArgs {
    fn scoring(&self) -> ScoringMethod {
        let cuts = [
            &self.recency_cuts,
            &self.frequency_cuts,
            &self.monetary_cuts,
        ];
        if cuts.iter().all(|c| c.is_empty()) {
            ScoringMethod::Quantiles { bins: self.bins }
        } else {
            ScoringMethod::Thresholds {
                recency: self.recency_cuts.clone(),
                frequency: self.frequency_cuts.clone(),
                monetary: self.monetary_cuts.clone(),
            }
        }
    }

    fn params(&self) -> Result<MigrationParams> {
        let params = MigrationParams::new(self.from, self.to)
            .cohort(CohortScoring::parse(&self.cohort)?)
            .scoring(self.scoring())
            .segments(SegmentMap::named(&self.segments)?);
        params.check()?;
        Ok(params)
    }
}

pub fn run(args: &MigrateArgs, timings: &mut Timings) -> Result<()> {
    let params = args.params()?;
    if let Some(path) = &args.output {
        check_table_output(path, "--output", args.input.input.as_deref())?;
    }
    let options = args.input.load_options()?;
    let transactions = args.input.load(&options)?;
    timings.mark("load");
    let migration = params.fit(&transactions)?;
    timings.mark("migration");
    if let Some(path) = &args.output {
        let mut frame = migration.to_frame()?;
        write_frame(&mut frame, path)?;
        timings.mark("write");
        eprintln!(
            "wrote {} moves between segments to {}",
            frame.height(),
            path.display()
        );
    }
    super::note_dropped_rows(&transactions);
    let mut notes: Vec<&String> = Vec::new();
    for table in [migration.first_table(), migration.second_table()] {
        for note in &table.scoring().fallbacks {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    for note in notes {
        eprintln!("note: {note}");
    }
    super::out(&migration)?;
    Ok(())
}
