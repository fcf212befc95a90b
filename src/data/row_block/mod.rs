//! The clean-and-account stage both file formats share: a parser (delimited text in
//! `fast_csv`, a Parquet batch in `parquet_stream`) pushes each row's fields into a [`Chunk`]
//! through a [`Record`]; [`clean_chunk`] applies the cleaning rules to the chunk's rows, counts
//! each dropped row under its reason and gives the kept rows as a [`CleanBlock`], which the reader
//! hands on to the input-wide stage (`data::stream::input`).
//!
//! `record` is what a parser gives per row, `layout` which file column plays which role, `chunk`
//! the block's rows as codes, numbers and facts, `clean` the rules applied to them, and `block`
//! what comes out.

mod block;
mod chunk;
mod clean;
mod layout;
mod record;

pub(crate) use block::{BlockFacts, CleanBlock, Fingerprint, TextCodes, text_indices};
pub(crate) use chunk::{Chunk, date_facts};
pub(crate) use clean::{Rules, block_facts, clean_chunk, evidence, parse_failures};
pub(crate) use layout::{Layout, stored_texts};
pub(crate) use record::{DateField, IdField, Record, Value};
