//! `custseg sanity`.

use clap::Args;
use custseg::Result;
use custseg::data::transactions::Transactions;

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
    let raw = args.input.read(&options)?;
    timings.mark("read");
    let transactions = Transactions::from_raw(raw, &options)?;
    timings.mark("clean");
    print!("{}", transactions.sanity());
    Ok(())
}
