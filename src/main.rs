//! The `custseg` command line: transaction files in, RFM tables, sanity reports out.

mod cli;

// polars recommends a faster allocator than the system's: loading allocates and frees tens of
// megabytes in short-lived buffers, and mimalloc reuses them instead of faulting in fresh pages.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
