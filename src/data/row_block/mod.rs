//! The clean-and-account stage both file formats share: a parser pushes rows into a [`Chunk`]
//! (delimited text in `fast_csv` row by row, each field a [`Value`]; a Parquet batch in
//! `parquet_stream` column by column, through [`Columns`]); [`clean_chunk`] applies the cleaning
//! rules to the chunk's rows, counts each dropped row under its reason and gives the kept rows as
//! a [`CleanBlock`], which the reader hands on to the input-wide stage (`data::stream::input`).
//!
//! `record` is what a delimited parser gives per field, `columns` what a typed source gives per
//! column, `layout` which file column plays which role, `chunk` the block's rows as codes, numbers
//! and facts, `clean` the rules applied to them, and `block` what comes out.

mod block;
mod chunk;
mod clean;
mod columns;
mod layout;
mod record;

pub(crate) use block::{BlockFacts, CleanBlock, Fingerprint, TextCodes, text_indices};
pub(crate) use chunk::{Chunk, TypedDates, date_facts};
pub(crate) use clean::{Rules, block_facts, clean_chunk, evidence, parse_failures};
pub(crate) use columns::{Columns, code_runs, push_texts};
pub(crate) use layout::{Layout, stored_texts};
pub(crate) use record::Value;
