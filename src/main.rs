//! The `custseg` command line: transaction files in, RFM tables, sanity reports out.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
