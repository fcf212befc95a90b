//! `custseg sanity`.

use clap::Args;
use custseg::Result;

use super::Timings;
use super::args::InputArgs;

/// Arguments of `custseg sanity`.
#[derive(Debug, Args)]
pub struct SanityArgs {
    #[command(flatten)]
    input: InputArgs,
}

pub fn run(args: &SanityArgs, timings: &mut Timings) -> Result<()> {
    let options = args.input.load_options()?;
    let transactions = args.input.load(&options)?;
    timings.mark("load");
    super::out(transactions.sanity())?;
    Ok(())
}
