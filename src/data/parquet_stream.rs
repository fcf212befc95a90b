//! A Parquet file read for [`crate::data::stream`]: row group after row group, each batch's
//! columns read row by row into the clean-and-account stage a delimited file's blocks go through
//! ([`crate::data::row_block`]), with numbers and dates taken as they are typed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, mpsc};

use polars::prelude::*;
use polars_arrow::array::{Array, MutablePlString, PrimitiveArray, Utf8ViewArray};

use crate::data::dates::{DateEvidence, DateFormat};
use crate::data::ids::{integer_ids, whole_ids};
use crate::data::interner::{Interner, NULL};
use crate::data::numbers::{CommaReading, Number, read_number};
use crate::data::options::LoadOptions;
use crate::data::roles::ResolvedRoles;
use crate::data::row_block::{
    Chunk, CleanBlock, Columns, Layout, Rules, TypedDates, block_facts, clean_chunk, code_runs,
    evidence, push_texts,
};
use crate::data::row_sink::RowSink;
use crate::data::source::{FileFormat, SourceInfo};
use crate::data::stream::input::{FileRead, Stream, kept_columns};

/// Rows read at a time at least (whole row groups are read, so more when they are larger).
const BATCH_ROWS: usize = 1 << 18;

/// Reads one Parquet file into `stream`, or `None` when it needs the in-memory loader.
pub(crate) fn stream_file<S: RowSink>(
    path: &Path,
    options: &LoadOptions,
    stream: &mut Stream<S>,
) -> Option<FileRead> {
    let mut reader = ParquetReader::new(std::fs::File::open(path).ok()?);
    let schema = reader.schema().ok()?;
    let metadata = reader.get_metadata().ok()?.clone();
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let roles = options.roles.resolve(&name_refs, path).ok()?;
    // JSON baskets become product rows after duplicates are found: the loader does that.
    if roles.basket.is_some() {
        return None;
    }
    // The loader reads commas in the numbers of a file without a delimiter as decimal commas.
    let mut layout = Layout::new(&names, &roles, CommaReading::DecimalComma, false)?;
    let wanted = stream.columns().clone();
    // Text columns tell duplicates apart: without that rule, and when the sink reads none, they
    // are not read.
    if !options.rules.drop_duplicates && wanted.texts.is_empty() {
        layout.texts.clear();
    }
    let raw_facts = stream.raw_facts();
    let rules = Rules::new(options, &roles, &layout, &wanted, raw_facts)?;
    let dated_as_text = !matches!(
        schema.get(roles.date.as_str())?.dtype(),
        ArrowDataType::Date32 | ArrowDataType::Date64 | ArrowDataType::Timestamp(_, _)
    );
    let mut start = 0;
    let batches: Vec<(usize, usize)> = batches(metadata.row_groups.iter().map(|g| g.num_rows()))
        .into_iter()
        .map(|rows| {
            start += rows;
            (start - rows, rows)
        })
        .collect();
    let read_with: OnceLock<Option<DateFormat>> = OnceLock::new();
    if options.date_format.is_some() || !dated_as_text {
        let _ = read_with.set(options.date_format.clone());
    }
    let kinds = field_kinds(&names, &layout);
    let whole = whole_float_ids(path, &metadata, (&names, &kinds), &schema, &batches)?;
    let read: Vec<String> = names
        .iter()
        .zip(&kinds)
        .filter(|(_, kind)| **kind != FieldKind::Unread)
        .map(|(name, _)| name.clone())
        .collect();
    let job = Job {
        read: &read,
        whole: &whole,
        path,
        metadata: metadata.clone(),
        names: &names,
        kinds: &kinds,
        layout: &layout,
        rules: &rules,
        roles: &roles,
        raw_facts,
        dated_as_text,
        read_with: &read_with,
    };
    let mut evidence = dated_as_text.then(DateEvidence::default);
    let next = AtomicUsize::new(0);
    let read = std::thread::scope(|scope| -> Option<()> {
        let (done_sender, done) = mpsc::sync_channel(PARALLEL_BATCHES);
        for _ in 0..PARALLEL_BATCHES {
            let (done_sender, next, batches, job) = (done_sender.clone(), &next, &batches, &job);
            scope.spawn(move || {
                while let Some(&(offset, rows)) = batches.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    let cleaned = job.run(offset, rows);
                    if done_sender.send((offset, cleaned)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_sender);
        // In file order: a batch's offset is where it starts.
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        for (offset, cleaned) in done {
            waiting.insert(offset, cleaned?);
            while let Some((rows, block, batch_evidence)) = waiting.remove(&expected) {
                if let (Some(file), Some(batch)) = (&mut evidence, batch_evidence) {
                    file.merge(batch);
                }
                stream.take(block);
                expected += rows;
            }
        }
        waiting.is_empty().then_some(())
    });
    read?;
    Some(FileRead {
        evidence,
        read_with: read_with.get().cloned().flatten(),
        columns: kept_columns(&roles),
        source: SourceInfo::typed(path, FileFormat::Parquet, false),
        roles,
    })
}

/// Rows pushed into a block at a time, column by column.
const PUSHED_ROWS: usize = 4096;

/// Batches read and cleaned at once.
const PARALLEL_BATCHES: usize = 2;

/// How a file column is read: ids, dates and numbers as their role reads them, other text as
/// text; columns no role reads are not read (unless the sanity report counts their nulls).
#[derive(Clone, Copy, PartialEq)]
enum FieldKind {
    Id,
    Date,
    Number,
    Text,
    Unread,
}

/// The columns `wanted` (all when `None`) of the rows `(offset, rows)` of the file.
fn read_slice(
    path: &Path,
    metadata: &polars::io::parquet::metadata::FileMetadataRef,
    slice: (usize, usize),
    wanted: Option<Vec<String>>,
) -> Option<DataFrame> {
    let mut reader = ParquetReader::new(std::fs::File::open(path).ok()?);
    // The footer is read once per file, not once per batch.
    reader.set_metadata(metadata.clone());
    reader
        .with_columns(wanted)
        .with_slice(Some(slice))
        .finish()
        .ok()
}

/// For each float id column, whether its ids are whole numbers over the whole file (`None` for
/// every other column): the loader decides on the whole column, and a batch of whole numbers must
/// not write `-5.0` as `-5` while the file's fractions make the loader keep `-5.0`. Reads only
/// those columns, batch by batch, until a value that is not whole.
fn whole_float_ids(
    path: &Path,
    metadata: &polars::io::parquet::metadata::FileMetadataRef,
    (names, kinds): (&[String], &[FieldKind]),
    schema: &polars::prelude::ArrowSchema,
    batches: &[(usize, usize)],
) -> Option<Vec<Option<bool>>> {
    let mut whole = vec![None; names.len()];
    for ((name, &kind), whole) in names.iter().zip(kinds).zip(&mut whole) {
        let float = matches!(
            schema.get(name.as_str())?.dtype(),
            ArrowDataType::Float16 | ArrowDataType::Float32 | ArrowDataType::Float64
        );
        if kind != FieldKind::Id || !float {
            continue;
        }
        let mut all = true;
        for &slice in batches {
            let frame = read_slice(path, metadata, slice, Some(vec![name.clone()]))?;
            let values = frame.column(name).ok()?.cast(&DataType::Float64).ok()?;
            if !whole_ids(values.f64().ok()?) {
                all = false;
                break;
            }
        }
        *whole = Some(all);
    }
    Some(whole)
}

/// Each file column's [`FieldKind`] under `layout`.
fn field_kinds(names: &[String], layout: &Layout) -> Vec<FieldKind> {
    let mut kinds = vec![FieldKind::Unread; names.len()];
    kinds[layout.customer] = FieldKind::Id;
    if let Some(invoice) = layout.invoice {
        kinds[invoice] = FieldKind::Id;
    }
    kinds[layout.date] = FieldKind::Date;
    for &(_, column) in &layout.numbers {
        kinds[column] = FieldKind::Number;
    }
    for &(_, column) in &layout.texts {
        kinds[column] = FieldKind::Text;
    }
    kinds
}

/// What reading and cleaning a batch needs.
struct Job<'a> {
    path: &'a Path,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
    /// The file's columns, in file order.
    names: &'a [String],
    kinds: &'a [FieldKind],
    /// The columns a role reads (every column is read when `raw_facts`).
    read: &'a [String],
    /// For each float id column, whether the file's ids are all whole numbers.
    whole: &'a [Option<bool>],
    layout: &'a Layout,
    rules: &'a Rules<'a>,
    roles: &'a ResolvedRoles,
    /// Whether each batch's facts are gathered for the sanity report (every column is then read:
    /// the report counts missing values in all of them).
    raw_facts: bool,
    dated_as_text: bool,
    /// The date layout the batches are read with: given, or the one the first batch suggests.
    read_with: &'a OnceLock<Option<DateFormat>>,
}

impl Job<'_> {
    /// Reads `rows` rows from `offset` and cleans them; gives the rows, the block and what the
    /// batch's dates say.
    fn run(&self, offset: usize, rows: usize) -> Option<(usize, CleanBlock, Option<DateEvidence>)> {
        let first = offset == 0;
        let outcome = self.read_and_clean(offset, rows);
        if first && self.read_with.get().is_none() {
            // The first batch failed before suggesting a layout: release the others.
            let _ = self.read_with.set(Some(DateFormat::MonthFirst));
        }
        outcome
    }

    /// The columns `wanted` (all when `None`) of `rows` rows from `offset`.
    fn read(&self, offset: usize, rows: usize, wanted: Option<Vec<String>>) -> Option<DataFrame> {
        read_slice(self.path, &self.metadata, (offset, rows), wanted)
    }

    fn read_and_clean(
        &self,
        offset: usize,
        rows: usize,
    ) -> Option<(usize, CleanBlock, Option<DateEvidence>)> {
        let frame = self.read(offset, rows, (!self.raw_facts).then(|| self.read.to_vec()))?;
        let segments = segments(&frame, self.names, self.kinds, self.whole)?;
        let blank = self.blank_rows(&frame, offset)?;
        let blank_count = blank.iter().filter(|b| **b).count();
        let mut chunk = Chunk::new(self.layout);
        chunk.reserve(self.layout, frame.height());
        let mut rest = &blank[..];
        for fields in &segments {
            let rows = fields.iter().find_map(Field::len).unwrap_or_default();
            let (segment_blank, after) = rest.split_at(rows.min(rest.len()));
            // In slices that stay in the core's cache while each column is read over them.
            for (slice, blank) in segment_blank.chunks(PUSHED_ROWS).enumerate() {
                let start = slice * PUSHED_ROWS;
                chunk.push_columns(self.layout, &Segment { fields, start }, blank);
            }
            rest = after;
        }
        chunk.finish_text();
        let evidence = self.dated_as_text.then(|| evidence(&chunk));
        if offset == 0
            && let Some(evidence) = &evidence
        {
            let _ = self
                .read_with
                .set(Some(evidence.decide().unwrap_or(DateFormat::MonthFirst)));
        }
        let format = self
            .read_with
            .wait()
            .clone()
            .unwrap_or(DateFormat::YearFirst);
        // The loader counts a file's missing values once its blank rows are set aside.
        let missing_values = || {
            frame
                .columns()
                .iter()
                .map(|c| (c.name().to_string(), c.null_count() - blank_count))
                .collect()
        };
        // A Parquet file has no lines to reject: its blank rows are among the dropped rows.
        let block = clean_chunk(chunk, self.layout, &format, self.rules, |chunk, parsed| {
            block_facts(chunk, self.roles, parsed, missing_values(), Vec::new())
        });
        Some((rows, block, evidence))
    }

    /// Whether each row of the batch is null in every column of the file (the loader drops those
    /// as blank rows). The columns `frame` lacks are read only when a row is null in all of its.
    fn blank_rows(&self, frame: &DataFrame, offset: usize) -> Option<Vec<bool>> {
        let mut blank = vec![true; frame.height()];
        and_nulls(&mut blank, frame);
        let rest: Vec<String> = self
            .names
            .iter()
            .filter(|name| frame.column(name).is_err())
            .cloned()
            .collect();
        if blank.contains(&true) && !rest.is_empty() {
            let others = self.read(offset, frame.height(), Some(rest))?;
            and_nulls(&mut blank, &others);
        }
        Some(blank)
    }
}

/// Leaves `blank` true only for rows that are null in every column of `frame` too.
fn and_nulls(blank: &mut [bool], frame: &DataFrame) {
    for column in frame.columns() {
        if column.null_count() == 0 {
            blank.fill(false);
            return;
        }
        let nulls = column.is_null();
        for (blank, null) in blank.iter_mut().zip(nulls.iter()) {
            *blank &= null == Some(true);
        }
    }
}

/// One column of a batch as a record reads it.
#[derive(Clone)]
enum Field {
    Text(Utf8ViewArray),
    /// Ids of an integer column (or of a float column of whole numbers).
    Integer(PrimitiveArray<i64>),
    Number(PrimitiveArray<f64>),
    /// Milliseconds since 1970.
    Date(PrimitiveArray<i64>),
    Unread,
}

/// A column of a batch as its role reads it: ids as the loader writes them as text, typed numbers
/// and dates as they are, everything else cast to text.
enum Typed {
    Text(StringChunked),
    Integer(Int64Chunked),
    Number(Float64Chunked),
    Date(Int64Chunked),
    Unread,
}

impl Typed {
    /// `whole`: for a float id column, whether the file's ids are all whole numbers.
    fn read(frame: &DataFrame, name: &str, kind: FieldKind, whole: Option<bool>) -> Option<Typed> {
        if kind == FieldKind::Unread {
            return Some(Typed::Unread);
        }
        let column = frame.column(name).ok()?;
        let dtype = column.dtype();
        let text = match kind {
            FieldKind::Number if dtype.is_primitive_numeric() => {
                let values = column.cast(&DataType::Float64).ok()?;
                return Some(Typed::Number(values.f64().ok()?.clone()));
            }
            FieldKind::Date if matches!(dtype, DataType::Datetime(_, _) | DataType::Date) => {
                let values = column
                    .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                    .ok()?;
                return Some(Typed::Date(values.datetime().ok()?.physical().clone()));
            }
            FieldKind::Id => match integer_ids(column, whole).ok()? {
                Some(integers) => return Some(Typed::Integer(integers.i64().ok()?.clone())),
                None => column.cast(&DataType::String).ok()?,
            },
            _ => column.cast(&DataType::String).ok()?,
        };
        Some(Typed::Text(text.str().ok()?.clone()))
    }

    fn chunk_lengths(&self) -> Option<Vec<usize>> {
        match self {
            Typed::Text(values) => Some(values.chunk_lengths().collect()),
            Typed::Integer(values) => Some(values.chunk_lengths().collect()),
            Typed::Number(values) => Some(values.chunk_lengths().collect()),
            Typed::Date(values) => Some(values.chunk_lengths().collect()),
            Typed::Unread => None,
        }
    }

    /// The column as one array per segment: its own arrays when `split` (every column's arrays
    /// then end at the same rows), else one array.
    fn segments(self, split: bool) -> Option<Vec<Field>> {
        fn arrays<T, A: Clone>(
            values: ChunkedArray<T>,
            split: bool,
            field: fn(A) -> Field,
        ) -> Vec<Field>
        where
            T: PolarsDataType<Array = A>,
        {
            let values = if split {
                values
            } else {
                values.rechunk().into_owned()
            };
            values.downcast_iter().map(|a| field(a.clone())).collect()
        }
        Some(match self {
            Typed::Text(values) => arrays(values, split, Field::Text),
            Typed::Integer(values) => arrays(values, split, Field::Integer),
            Typed::Number(values) => arrays(values, split, Field::Number),
            Typed::Date(values) => arrays(values, split, Field::Date),
            Typed::Unread => return None,
        })
    }
}

/// A batch's columns (by file column, [`Field::Unread`] for those not read) as segments of rows
/// that a record reads together: the arrays polars read (one per row group), or one array per
/// column when the columns' arrays end at different rows (copied into one then).
fn segments(
    frame: &DataFrame,
    names: &[String],
    kinds: &[FieldKind],
    whole: &[Option<bool>],
) -> Option<Vec<Vec<Field>>> {
    let typed = names
        .iter()
        .zip(kinds)
        .zip(whole)
        .map(|((name, &kind), &whole)| Typed::read(frame, name, kind, whole))
        .collect::<Option<Vec<Typed>>>()?;
    let lengths: Vec<Vec<usize>> = typed.iter().filter_map(Typed::chunk_lengths).collect();
    let split = lengths.windows(2).all(|w| w[0] == w[1]);
    let count = match split {
        true => lengths.first().map_or(1, Vec::len),
        false => 1,
    };
    let mut segments: Vec<Vec<Field>> = vec![Vec::with_capacity(names.len()); count];
    for column in typed {
        match column.segments(split) {
            Some(arrays) => {
                for (segment, array) in segments.iter_mut().zip(arrays) {
                    segment.push(array);
                }
            }
            None => segments.iter_mut().for_each(|s| s.push(Field::Unread)),
        }
    }
    Some(segments)
}

/// Rows of one segment of a batch, from `start` on: the segment's columns by file column, each an
/// array of the segment's rows.
struct Segment<'a> {
    fields: &'a [Field],
    start: usize,
}

impl Field {
    /// Rows in the array (`None`: not read).
    fn len(&self) -> Option<usize> {
        match self {
            Field::Text(values) => Some(values.len()),
            Field::Integer(values) => Some(values.len()),
            Field::Number(values) => Some(values.len()),
            Field::Date(values) => Some(values.len()),
            Field::Unread => None,
        }
    }

    /// Row `row` as text: empty when null or not text (typed columns are read as they are).
    #[inline]
    fn text(&self, row: usize) -> Option<&str> {
        match self {
            Field::Text(values) if values.is_valid(row) => Some(values.value(row)),
            _ => None,
        }
    }
}

/// Whether rows `row` and `row - 1` of a text array hold the same value: equal views are equal
/// values (the same inline bytes, or the same bytes of one buffer), and dictionary-encoded pages
/// give a repeated value the same view. `false` says nothing.
#[inline]
fn same_text(values: &Utf8ViewArray, row: usize) -> bool {
    let views = values.views();
    views[row].as_u128() == views[row - 1].as_u128()
        && values.is_valid(row)
        && values.is_valid(row - 1)
}

/// Whether rows `row` and `row - 1` of a typed array hold the same value.
#[inline]
fn same_value<T: polars_arrow::types::NativeType>(values: &PrimitiveArray<T>, row: usize) -> bool {
    values.value(row) == values.value(row - 1) && values.is_valid(row) && values.is_valid(row - 1)
}

impl Segment<'_> {
    /// Pushes the code among `values` of each row's text in `column` to `codes` (the rows of a
    /// run of one view share a code).
    fn code_text(&self, column: usize, read: &[bool], values: &mut Interner, codes: &mut Vec<u32>) {
        let code = |row| values.code(self.text(column, row));
        match &self.fields[column] {
            Field::Text(text) => {
                code_runs(read, codes, |row| same_text(text, self.start + row), code)
            }
            _ => code_runs(read, codes, |_| false, code),
        }
    }
}

impl Columns for Segment<'_> {
    fn code_ids(&self, column: usize, read: &[bool], ids: &mut Interner, codes: &mut Vec<u32>) {
        let at = self.start;
        match &self.fields[column] {
            Field::Integer(values) => code_runs(
                read,
                codes,
                |row| same_value(values, at + row),
                |row| values.get(at + row).map_or(NULL, |id| ids.code_integer(id)),
            ),
            _ => self.code_text(column, read, ids, codes),
        }
    }

    fn code_dates(
        &self,
        column: usize,
        read: &[bool],
        (text, typed): (&mut Interner, &mut Option<TypedDates>),
        codes: &mut Vec<u32>,
    ) {
        let at = self.start;
        match &self.fields[column] {
            Field::Date(values) => code_runs(
                read,
                codes,
                |row| same_value(values, at + row),
                |row| match values.get(at + row) {
                    Some(ms) => typed.get_or_insert_default().code(ms),
                    None => NULL,
                },
            ),
            _ => self.code_text(column, read, text, codes),
        }
    }

    fn numbers(
        &self,
        column: usize,
        read: &[bool],
        thousands: CommaReading,
        mut each: impl FnMut(usize, Number),
    ) {
        let rows = read.iter().enumerate().filter(|(_, read)| **read);
        match &self.fields[column] {
            Field::Number(values) => {
                for (row, _) in rows {
                    each(
                        row,
                        values
                            .get(self.start + row)
                            .map_or(Number::Missing, Number::Value),
                    );
                }
            }
            _ => {
                for (row, _) in rows {
                    each(row, read_number(self.text(column, row), thousands));
                }
            }
        }
    }

    fn texts(&self, column: usize, read: &[bool], values: &mut MutablePlString) {
        let field = &self.fields[column];
        push_texts(read, values, |row| field.text(self.start + row));
    }

    fn text(&self, column: usize, row: usize) -> &str {
        self.fields[column]
            .text(self.start + row)
            .unwrap_or_default()
    }
}

/// Row counts of the batches: small row groups joined until a batch has [`BATCH_ROWS`], large ones
/// read in slices of about that many (two batches are in memory at once).
fn batches(row_groups: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rows = 0;
    for group in row_groups {
        if group > BATCH_ROWS {
            if rows > 0 {
                out.push(std::mem::take(&mut rows));
            }
            let slices = group.div_ceil(BATCH_ROWS);
            let size = group.div_ceil(slices);
            let mut left = group;
            while left > 0 {
                out.push(size.min(left));
                left -= size.min(left);
            }
            continue;
        }
        rows += group;
        if rows >= BATCH_ROWS {
            out.push(std::mem::take(&mut rows));
        }
    }
    if rows > 0 {
        out.push(rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_join_small_row_groups_and_slice_large_ones() {
        let b = BATCH_ROWS;
        assert_eq!(batches([b / 2, b / 2, b / 4].into_iter()), vec![b, b / 4]);
        assert_eq!(batches([b + 2].into_iter()), vec![b / 2 + 1, b / 2 + 1]);
        assert_eq!(
            batches([10, 4 * b, 10].into_iter()),
            vec![10, b, b, b, b, 10]
        );
        assert_eq!(batches(std::iter::empty()), Vec::<usize>::new());
    }
}
