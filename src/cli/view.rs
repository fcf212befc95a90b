//! `custseg view`: the customer single view.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use custseg::Result;
use custseg::features::customer_view::CustomerViewParams;

use super::Timings;
use super::args::InputArgs;
use super::output::{check_table_output, write_frame};

/// Arguments of `custseg view`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Date recency is measured to [default: the day after the last transaction]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "View")]
    snapshot: Option<NaiveDate>,
    /// Most distinct values a --dimension may have (each becomes a share column)
    #[arg(long, default_value_t = 50, help_heading = "View")]
    max_values: usize,
    /// Output file (.csv or .parquet): customer_id, visits, spend, ticket_size, items, skus, first_purchase, last_purchase, tenure_days, recency, mean_days_between_visits, then share_<dimension>_<value> and dominant_<dimension> for each --dimension
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
}

pub fn run(args: &ViewArgs, timings: &mut Timings) -> Result<()> {
    let mut params = CustomerViewParams::new().max_values(args.max_values);
    if let Some(date) = args.snapshot {
        params = params.snapshot(date);
    }
    params.check()?;
    check_table_output(&args.output, "--output", args.input.input.as_deref())?;
    let options = args.input.load_options()?;
    // Files are aggregated while read; the bundled data is loaded.
    let (view, accounting) = match &args.input.input {
        Some(input) => {
            let streamed = params.fit_streaming(input, &options)?;
            if !streamed.streamed {
                super::note_loaded_in_memory(input);
            }
            (streamed.view, streamed.accounting)
        }
        None => {
            let transactions = args.input.load(&options)?;
            timings.mark("load");
            let view = params.fit(&transactions)?;
            (view, transactions.accounting().clone())
        }
    };
    timings.mark("view");
    write_frame(&mut view.frame(), &args.output)?;
    timings.mark("write");
    super::note_dropped(&accounting);
    eprintln!(
        "wrote {} customers x {} columns to {} (snapshot {})",
        view.len(),
        view.frame().width(),
        args.output.display(),
        view.snapshot()
    );
    Ok(())
}
