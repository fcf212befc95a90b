//! custseg as one Rust `dylib`, for notebooks under the evcxr kernel.
//!
//! evcxr builds every cell as its own shared object, linked with `-C prefer-dynamic`. Against
//! the plain `custseg` crate (an rlib) each cell's object gets a static copy of every function it
//! reaches in custseg and polars: 10 to 97 MB per cell in notebook 05, and most of a cell's build
//! time went to the linker (rust-lld) zeroing fresh memory for that link. Through this crate the
//! cell links against `libcustseg_dylib.so` instead: the cell's object is about 150 KB and builds
//! in under a second. The library itself links once per change of custseg (about 7 s).
//!
//! It also gives the notebook one copy of polars, so a frame made in one cell is the same kind
//! of value in every later cell.
//!
//! In a notebook (the path is relative to the notebook's directory):
//!
//! ```text
//! :dep custseg = { path = "custseg-dylib", package = "custseg-dylib" }
//! ```
//!
//! and then, as with the plain crate, `use custseg::prelude::*;`.
pub use custseg::*;
