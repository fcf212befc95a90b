//! `custseg generate`: seeded look-alikes of the studies' private datasets, and the Online Retail
//! file at any size.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use custseg::Result;
use custseg::generate::{Dataset, GenerateParams};

use crate::cli::Timings;

/// The datasets on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DatasetArg {
    /// Study 2: flowers-and-gifts orders, 16 raw columns (default 6,601 orders).
    Flowers,
    /// Study 4: dunnhumby-layout supermarket line items with 4 planted customer groups (default 956,575 rows).
    Supermarket,
    /// Study 5: health-products transactions with a JSON basket column (default 2,406,316 rows).
    Health,
    /// Studies 1 and 3: the bundled Online Retail file's columns and quirks at any size, for scale tests (default 541,909 rows).
    OnlineRetail,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Which dataset.
    #[arg(value_enum)]
    pub dataset: DatasetArg,
    /// Data rows to write [default: the original data's size]
    #[arg(long, conflicts_with = "customers")]
    pub rows: Option<u64>,
    /// Customers to write (rows follow from them), instead of --rows
    #[arg(long)]
    pub customers: Option<u64>,
    /// Random seed: the same seed and size give the same bytes
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output file: .csv, .csv.gz or .parquet
    #[arg(long, short)]
    pub output: PathBuf,
}

pub fn run(args: &GenerateArgs, timings: &mut Timings) -> Result<()> {
    let dataset = match args.dataset {
        DatasetArg::Flowers => Dataset::Flowers,
        DatasetArg::Supermarket => Dataset::Supermarket,
        DatasetArg::Health => Dataset::Health,
        DatasetArg::OnlineRetail => Dataset::OnlineRetail,
    };
    let mut params = GenerateParams::new(dataset).seed(args.seed);
    if let Some(rows) = args.rows {
        params = params.rows(rows);
    }
    if let Some(customers) = args.customers {
        params = params.customers(customers);
    }
    let written = params.write(&args.output)?;
    timings.mark("generate");
    eprintln!(
        "wrote {} rows of {} customers to {}",
        written.rows,
        written.customers,
        written.path.display()
    );
    for side in &written.side_files {
        eprintln!("wrote {}", side.display());
    }
    Ok(())
}
