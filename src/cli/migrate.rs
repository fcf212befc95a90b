//! `custseg migrate`: how customers moved between RFM segments from one day to another.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use custseg::Result;
use custseg::rfm::{CohortScoring, MigrationParams};

use super::Timings;
use super::args::{InputArgs, ScoringArgs};
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
    /// How the dates are scored: fixed-edges (both with the cut points of --from's scoring, so a segment means the same behaviour on both days) or rescored (each day on its own quantiles); with fixed cut points (--recency-cuts ...) both give the same
    #[arg(
        long,
        default_value = "fixed-edges",
        value_name = "fixed-edges|rescored",
        help_heading = "Migration"
    )]
    cohort: String,
    #[command(flatten)]
    scoring: ScoringArgs,
    /// Write the transition matrix (from_segment,to_segment,customers,share_of_from) to a .csv or .parquet file
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

impl MigrateArgs {
    fn params(&self) -> Result<MigrationParams> {
        let params = MigrationParams::new(self.from, self.to)
            .cohort(CohortScoring::parse(&self.cohort)?)
            .scoring(self.scoring.scoring())
            .segments(self.scoring.segment_map()?);
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
