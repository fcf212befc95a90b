//! `custseg sanity`.

use clap::Args;
use custseg::Result;
use custseg::data::sanity::SanityReport;

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
    // Files are counted while read; the bundled data is loaded.
    let report = match &args.input.input {
        Some(input) => {
            let streamed = SanityReport::streaming(input, &options)?;
            if !streamed.streamed {
                super::note_loaded_in_memory(input);
            }
            streamed.report
        }
        None => args.input.load(&options)?.sanity().clone(),
    };
    timings.mark("sanity");
    super::out(report)?;
    Ok(())
}
