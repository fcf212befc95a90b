//! The clean transaction table every later step works from.
//!
//! [`Transactions::load`] reads a file ([`crate::data::source`]), resolves column roles
//! ([`crate::data::roles`]), parses dates and numbers, applies the cleaning rules
//! ([`crate::data::clean`]) and builds the [`SanityReport`]. The result holds the kept rows in a polars
//! frame with canonical column names:
//!
//! | column | type | |
//! |---|---|---|
//! | `customer_id` | str | |
//! | `invoice` | str | only when the file has an invoice column |
//! | `date` | datetime\[ms\] | |
//! | `quantity`, `price` | f64 | when the file has them |
//! | `amount` | f64 | quantity x price, or the amount column |
//! | `product`, `description` | str | when the file has them |
//! | dimensions | str | under their own names |
//! | `customer_code` | u32 | 0.. in `customer_id` order (numeric when every id is a whole number) |
//! | `invoice_code` | u32 | 0.. in order of first appearance, when there is an invoice column |
//!
//! The codes are made once, while loading, so later steps aggregate integers instead of hashing
//! strings again.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use polars::prelude::*;

use crate::data::clean::{self, Present, cols};
use crate::data::cleaned::Cleaned;
use crate::data::dates::{self, DateFormat};
use crate::data::numbers::{CommaReading, Number, read_number};
use crate::data::roles::ResolvedRoles;
use crate::data::sanity::{LoadFacts, ParseFailure, SanityInputs, SanityReport};
use crate::data::source::{FileFormat, RawTable, SourceInfo, read_bytes, read_input};
use crate::error::{Context, Error, Result};

use crate::data::ids::{canonical_id, id_text, rank_by_id};
use crate::data::roles::text_roles;

pub use crate::data::options::LoadOptions;

/// Clean transactions, with how they were obtained.
#[derive(Debug, Clone)]
pub struct Transactions {
    frame: DataFrame,
    roles: ResolvedRoles,
    /// Computed on first use from `sanity_inputs`.
    sanity: OnceLock<SanityReport>,
    sanity_inputs: SanityInputs,
}

impl Transactions {
    /// Loads and cleans a transaction file.
    ///
    /// Well-formed UTF-8 CSV (optionally gzip-compressed) takes a streaming path that parses, types
    /// and checks the rows in one pass (`data::fast_csv`); everything else, and every error,
    /// goes through [`read_bytes`] and [`Transactions::from_raw`]. Both give the same result.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let tx = Transactions::load("online_retail.csv.gz", &LoadOptions::default())?;
    /// println!("{}", tx.sanity());
    /// # Ok::<(), custseg::Error>(())
    /// ```
    ///
    /// `path` may be `-` for standard input; every input, a pipe or FIFO included, is read once.
    ///
    /// `path` may also be a directory or a glob pattern (`data/2024-*.parquet`): every file it
    /// names is loaded as by [`Transactions::load_files`].
    pub fn load(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        let path = path.as_ref();
        let files = crate::data::inputs::input_files(path)?;
        if files.len() == 1 && files[0] == path {
            return Self::finish(Self::clean_file(path, options)?);
        }
        Self::load_files_as(path, &files, options)
    }

    /// Loads several files as one input: each is read and cleaned on its own (its own format,
    /// encoding, delimiter and date layout), then their kept rows are put end to end in the order
    /// given. The files must give the same columns (the same roles and dimensions). The row
    /// accounting adds up over the files, and [`SourceInfo::files`] keeps each file's own counts
    /// and rejected lines. With [`CleaningRules::drop_duplicates`](crate::data::clean::CleaningRules)
    /// a row repeating one of an earlier file is a duplicate too.
    ///
    /// ```no_run
    /// use custseg::prelude::*;
    /// let tx = Transactions::load_files(&["2010.csv.gz", "2011.parquet"], &LoadOptions::default())?;
    /// println!("{}", tx.sanity());
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn load_files(paths: &[impl AsRef<Path>], options: &LoadOptions) -> Result<Self> {
        let files: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let name = match files.as_slice() {
            [one] => one.clone(),
            _ => PathBuf::from(format!("{} files", files.len())),
        };
        Self::load_files_as(&name, &files, options)
    }

    /// [`Transactions::load_files`] with the name the input goes by in messages and reports.
    fn load_files_as(name: &Path, files: &[PathBuf], options: &LoadOptions) -> Result<Self> {
        if files.is_empty() {
            return Err(Error::NoData {
                path: name.to_path_buf(),
                message: "no file to load".into(),
            });
        }
        // Without duplicates to find across files, each file's baskets are split as it is read;
        // else after the files are put together, as in one file.
        let split_each = !options.rules.drop_duplicates;
        let mut parts = Vec::with_capacity(files.len());
        for file in files {
            let cleaned = Self::clean_file(file, options)?;
            parts.push(if split_each && cleaned.roles.basket.is_some() {
                crate::data::basket::split(cleaned)?
            } else {
                cleaned
            });
        }
        let combined = crate::data::combine::combine(name, parts, options)?;
        Self::finish(combined)
    }

    /// Loads the bundled UCI Online Retail data (541,909 rows; see `data/online-retail/SOURCE.md`).
    pub fn bundled(options: &LoadOptions) -> Result<Self> {
        Self::from_bytes(
            Path::new(crate::data::bundled::ONLINE_RETAIL_NAME),
            crate::data::bundled::ONLINE_RETAIL_CSV_GZ.to_vec(),
            options,
        )
    }

    /// Loads a CSV, Parquet or Excel file held in memory (CSV optionally gzip-compressed); `name`
    /// is used in messages and reports, and its extension to tell an Excel workbook.
    pub fn from_bytes(
        name: impl AsRef<Path>,
        bytes: Vec<u8>,
        options: &LoadOptions,
    ) -> Result<Self> {
        Self::finish(Self::clean_bytes(name.as_ref(), bytes, options)?)
    }

    /// Reads and cleans one file: a regular file of well-formed UTF-8 CSV is parsed as it is read
    /// (see [`crate::data::fast_csv`]); anything else is read whole first.
    fn clean_file(path: &Path, options: &LoadOptions) -> Result<Cleaned> {
        use crate::data::fast_csv::{FileOutcome, load_file};
        if path.is_file()
            && crate::data::source::format_of_file(path, &options.read) == FileFormat::Csv
        {
            match load_file(path, options) {
                FileOutcome::Loaded(cleaned) => return Ok(*cleaned),
                FileOutcome::General => {
                    let (name, bytes) = read_input(path)?;
                    return Self::clean_raw(read_bytes(&name, bytes, &options.read)?, options);
                }
                // Another encoding: decoded whole, without parsing the stream's start again.
                FileOutcome::ReadWhole => {
                    let (name, bytes) = read_input(path)?;
                    if let Some(cleaned) =
                        crate::data::fast_csv::load_decoded(&name, &bytes, options)
                    {
                        return Ok(cleaned);
                    }
                    return Self::clean_raw(read_bytes(&name, bytes, &options.read)?, options);
                }
            }
        }
        let (name, bytes) = read_input(path)?;
        Self::clean_bytes(&name, bytes, options)
    }

    /// Reads and cleans one file held in memory, by the fast path when it can.
    fn clean_bytes(name: &Path, bytes: Vec<u8>, options: &LoadOptions) -> Result<Cleaned> {
        let format = options
            .read
            .format
            .unwrap_or_else(|| crate::data::source::detect_format(name, &bytes));
        if format == FileFormat::Csv
            && let Some(cleaned) = crate::data::fast_csv::load(name, &bytes, options)
        {
            return Ok(cleaned);
        }
        Self::clean_raw(read_bytes(name, bytes, &options.read)?, options)
    }

    /// Cleans a polars frame built in memory (columns named as in a file; text or typed).
    ///
    /// Safe to call with a frame made in an earlier notebook cell (see [`crate::frame::rebuild`]).
    pub fn from_frame(frame: DataFrame, options: &LoadOptions) -> Result<Self> {
        let source = SourceInfo::typed("in-memory frame", FileFormat::Parquet, false);
        Self::from_raw(RawTable { frame, source }, options)
    }

    /// Cleans a table that was already read.
    pub fn from_raw(raw: RawTable, options: &LoadOptions) -> Result<Self> {
        Self::finish(Self::clean_raw(raw, options)?)
    }

    /// Types and cleans a table that was already read.
    pub(crate) fn clean_raw(raw: RawTable, options: &LoadOptions) -> Result<Cleaned> {
        let path = raw.source.path.clone();
        Self::from_raw_steps(raw, options).doing(format!(
            "typing and cleaning the rows of {}",
            path.display()
        ))
    }

    fn from_raw_steps(raw: RawTable, options: &LoadOptions) -> Result<Cleaned> {
        options.rules.check()?;
        let RawTable { frame, source } = raw;
        let rejected = &source.rejected;
        let frame = crate::frame::rebuild(&frame)?;
        let path = source.path.clone();
        let names = crate::frame::column_names(&frame);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let roles = options.roles.resolve(&names, &path)?;
        let (frame, blank_rows) = without_blank_rows(frame)?;
        let mut prior: clean::ReasonCounts = Default::default();
        for (reason, rows, _) in &rejected.reasons {
            prior[*reason as usize] += rows;
        }
        prior[clean::DropReason::BlankRow as usize] += blank_rows;
        if frame.height() == 0 {
            return Err(Error::NoData {
                path,
                message: match prior.iter().sum::<usize>() {
                    0 => "the file has a header but no data rows".to_string(),
                    lines => format!(
                        "the file has no usable rows: {}. Check the delimiter \
                         (`ReadOptions::delimiter`) and that every row has one field per column.",
                        rejected_summary(rejected, blank_rows, lines)
                    ),
                },
            });
        }
        let missing_values = missing_values(&frame)?;
        let commas = source.delimiter.map_or(CommaReading::DecimalComma, |d| {
            CommaReading::for_delimiter(d as u8)
        });
        let (typed, date_format) = typed_frame(
            &frame,
            &roles,
            options.date_format.as_ref(),
            &options.other_date_formats,
            commas,
            &path,
        )?;
        let parse_failures = parse_failures(&frame, &typed, &roles)?;
        let present = Present::of(&roles);
        let duplicate_key: Vec<String> = crate::frame::column_names(&typed)
            .into_iter()
            .filter(|n| !n.starts_with(cols::BAD_PREFIX))
            .collect();
        let (kept, accounting) = clean::apply(
            typed,
            &options.rules,
            present,
            &duplicate_key,
            prior,
            |kept| trim_text_columns(kept, &roles),
        )?;
        Ok(Cleaned {
            kept,
            accounting,
            missing_values,
            date_format,
            source,
            roles,
            codes: None,
            parse_failures,
            excluded_periods: options.rules.excluded_periods.clone(),
            baskets: None,
        })
    }

    /// Baskets, codes, the empty-result check and the sanity report: the part both loading paths
    /// share.
    fn finish(cleaned: Cleaned) -> Result<Self> {
        // A basket column's rows are split into products here, unless they were already.
        let cleaned = if cleaned.roles.basket.is_some() && cleaned.accounting.product_rows.is_none()
        {
            crate::data::basket::split(cleaned)?
        } else {
            cleaned
        };
        let Cleaned {
            kept,
            accounting,
            missing_values,
            date_format,
            source,
            roles,
            codes,
            parse_failures,
            excluded_periods,
            baskets: _,
        } = cleaned;
        let mut kept = match codes {
            Some((customer, invoice)) => attach_codes(kept, customer, invoice)?,
            None => with_codes(kept, roles.invoice.is_some())?,
        };
        // One contiguous chunk per column: later steps read them as plain slices.
        kept.rechunk_mut_par();
        if kept.height() == 0 {
            let reasons: Vec<String> = accounting
                .dropped
                .iter()
                .map(|(r, n)| format!("{n} {}", r.label()))
                .collect();
            return Err(Error::NoData {
                path: source.path,
                message: format!(
                    "every one of the {} rows was dropped by cleaning ({}). Check the column roles \
                     and the cleaning rules.",
                    accounting.rows_in,
                    reasons.join(", ")
                ),
            });
        }
        let inputs = SanityInputs::new(
            &kept,
            LoadFacts {
                source,
                roles: roles.clone(),
                date_format,
                accounting,
                missing_values,
                parse_failures,
                excluded_periods,
            },
        )?;
        Ok(Transactions {
            frame: kept,
            roles,
            sanity: OnceLock::new(),
            sanity_inputs: inputs,
        })
    }

    /// The kept rows, in file order, with canonical column names.
    ///
    /// A fresh frame sharing the columns (no copy), safe to use in any notebook cell; see
    /// [`crate::frame::rebuild`].
    pub fn frame(&self) -> DataFrame {
        crate::frame::rebuild(&self.frame).unwrap_or_else(|_| self.frame.clone())
    }

    /// A lazy view of the kept rows, for building polars pipelines.
    pub fn lazy(&self) -> LazyFrame {
        self.frame().lazy()
    }

    /// Which file columns played which role.
    pub fn roles(&self) -> &ResolvedRoles {
        &self.roles
    }

    /// Row accounting, missing values, coverage (computed on first use).
    pub fn sanity(&self) -> &SanityReport {
        self.sanity
            .get_or_init(|| SanityReport::build(&self.sanity_inputs))
    }

    /// Rows read, kept and dropped per reason, without computing the rest of the sanity report.
    pub fn accounting(&self) -> &clean::RowAccounting {
        &self.sanity_inputs.accounting
    }

    /// How the file was read.
    pub fn source(&self) -> &SourceInfo {
        &self.sanity_inputs.source
    }

    /// Whether spend came from an invoice column (else each row is its own purchase).
    pub fn has_invoices(&self) -> bool {
        self.roles.invoice.is_some()
    }
}

/// The frame without rows whose every value is null (an empty spreadsheet row, a blank line), and
/// how many there were.
fn without_blank_rows(frame: DataFrame) -> Result<(DataFrame, usize)> {
    let Some(first) = frame.columns().first() else {
        return Ok((frame, 0));
    };
    let mut blank = first.is_null();
    for column in &frame.columns()[1..] {
        blank = &blank & &column.is_null();
    }
    let count = blank.sum().unwrap_or(0) as usize;
    if count == 0 {
        return Ok((frame, 0));
    }
    Ok((frame.filter(&!&blank)?, count))
}

/// "3 blank rows (first at line 7), 2 rows with fewer fields than the header (first at line 9)".
fn rejected_summary(
    rejected: &crate::data::delimited::RejectedRows,
    blank_rows: usize,
    lines: usize,
) -> String {
    let mut parts: Vec<String> = rejected
        .reasons
        .iter()
        .map(|(reason, rows, line)| format!("{rows} {} (first at line {line})", reason.label()))
        .collect();
    if blank_rows > 0 {
        parts.push(format!("{blank_rows} blank rows"));
    }
    format!("all {lines} rows were rejected: {}", parts.join(", "))
}

/// The date and number columns' values that were present but not readable, among rows with a
/// customer id: `raw` is the file's table, `typed` has the `__unparsable_*` flags.
fn parse_failures(
    raw: &DataFrame,
    typed: &DataFrame,
    roles: &ResolvedRoles,
) -> Result<Vec<ParseFailure>> {
    let has_customer = typed.column(cols::CUSTOMER)?.is_not_null();
    let price = if roles.amount.is_none() {
        roles.price.as_ref()
    } else {
        None
    };
    let checked = [
        (Some(&roles.date), cols::DATE, "date"),
        (roles.quantity.as_ref(), cols::QUANTITY, "quantity"),
        (price, cols::PRICE, "price"),
        (roles.amount.as_ref(), cols::AMOUNT, "amount"),
    ];
    let mut out = Vec::new();
    for (source, name, role) in checked {
        let Some(source) = source else { continue };
        let flags = typed
            .column(&format!("{}{name}", cols::BAD_PREFIX))?
            .bool()?;
        let flags = flags & &has_customer;
        let rows = flags.sum().unwrap_or(0) as usize;
        if rows == 0 {
            continue;
        }
        let values = raw.column(source)?.cast(&DataType::String)?;
        let mut examples = Vec::new();
        for (flag, value) in flags.iter().zip(values.str()?.iter()) {
            if let (Some(true), Some(value)) = (flag, value) {
                ParseFailure::add_example(&mut examples, value.trim());
                if examples.len() == crate::data::sanity::PARSE_EXAMPLES {
                    break;
                }
            }
        }
        out.push(ParseFailure {
            column: source.clone(),
            role,
            rows,
            examples,
        });
    }
    Ok(out)
}

/// Missing values per column of the file, in file order: nulls, which include CSV's empty fields.
fn missing_values(frame: &DataFrame) -> Result<Vec<(String, usize)>> {
    Ok(frame
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.null_count()))
        .collect())
}

/// Adds `customer_code` (ordered like `customer_id`) and `invoice_code` (first appearance).
fn with_codes(frame: DataFrame, has_invoices: bool) -> Result<DataFrame> {
    std::thread::scope(|scope| with_codes_in(scope, &frame, has_invoices))
}

fn with_codes_in<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    frame: &'scope DataFrame,
    has_invoices: bool,
) -> Result<DataFrame> {
    // Invoices are encoded on a second thread meanwhile.
    let invoices = if has_invoices {
        Some(frame.column(cols::INVOICE)?.str()?)
    } else {
        None
    };
    let invoice_codes = Joined(scope.spawn(move || invoices.map(|ids| encode(ids).0)));
    let customers = frame.column(cols::CUSTOMER)?.str()?;
    let (first_seen, uniques) = encode(customers);
    let rank = rank_by_id(&uniques);
    let codes: Vec<u32> = first_seen.into_iter().map(|c| rank[c as usize]).collect();
    attach_codes(frame.clone(), codes, invoice_codes.join()?)
}

/// The rows of a transactions frame dated on or before `end` (the whole day), in their order;
/// when no row is, the error of [`before_first_transaction`] for the parameter `setting`.
pub(crate) fn rows_until(
    frame: &DataFrame,
    end: chrono::NaiveDate,
    setting: &'static str,
) -> Result<DataFrame> {
    let cutoff = end
        .succ_opt()
        .map_or(i64::MAX, |next| dates::day_number(next) * dates::MS_PER_DAY);
    let dates = cols::date_ms(frame)?;
    let kept = frame.filter(&dates.lt(cutoff))?;
    if kept.height() == 0 {
        return Err(before_first_transaction(setting, end));
    }
    Ok(kept)
}

/// The error for an observation end (the parameter `setting`) before any transaction.
pub(crate) fn before_first_transaction(setting: &'static str, end: chrono::NaiveDate) -> Error {
    Error::param(
        setting,
        format!("{end} is before the first transaction; choose a day inside the data"),
    )
}

/// `frame` with its `customer_code` column made again from `customer_id`, as loading makes it:
/// for a subset of loaded rows, so that the codes are again 0.. in id order.
pub(crate) fn recode_customers(frame: DataFrame) -> Result<DataFrame> {
    let (first_seen, uniques) = encode(frame.column(cols::CUSTOMER)?.str()?);
    let rank = rank_by_id(&uniques);
    let codes: Vec<u32> = first_seen.into_iter().map(|c| rank[c as usize]).collect();
    let mut frame = frame;
    frame.with_column(Column::new(cols::CUSTOMER_CODE.into(), codes))?;
    Ok(frame)
}

/// Adds the `customer_code` and (when there are invoices) `invoice_code` columns.
fn attach_codes(
    frame: DataFrame,
    customer: Vec<u32>,
    invoice: Option<Vec<u32>>,
) -> Result<DataFrame> {
    let mut columns = frame.columns().to_vec();
    columns.push(Column::new(cols::CUSTOMER_CODE.into(), customer));
    if let Some(invoice) = invoice {
        columns.push(Column::new(cols::INVOICE_CODE.into(), invoice));
    }
    Ok(DataFrame::new(frame.height(), columns)?)
}

/// A scoped thread whose panic becomes an error instead of propagating.
struct Joined<'scope, T>(std::thread::ScopedJoinHandle<'scope, T>);

impl<T> Joined<'_, T> {
    fn join(self) -> Result<T> {
        self.0
            .join()
            .map_err(|_| Error::param("codes", "the invoice encoder stopped unexpectedly"))
    }
}

/// Dense codes in order of first appearance, and the distinct values. Nulls never reach here.
///
/// The lines of one invoice are usually adjacent, so a value equal to the one before reuses its code
/// without hashing.
fn encode(values: &StringChunked) -> (Vec<u32>, Vec<&str>) {
    let mut index: PlHashMap<&str, u32> = PlHashMap::default();
    let mut uniques = Vec::new();
    let mut last: Option<(&str, u32)> = None;
    let codes = values
        .iter()
        .map(|v| {
            let v = v.unwrap_or_default();
            match last {
                Some((previous, code)) if previous == v => code,
                _ => {
                    let code = *index.entry(v).or_insert_with(|| {
                        uniques.push(v);
                        (uniques.len() - 1) as u32
                    });
                    last = Some((v, code));
                    code
                }
            }
        })
        .collect();
    (codes, uniques)
}

/// Builds the canonical typed frame, with `__unparsable_*` flags for values that were present but
/// could not be parsed.
fn typed_frame(
    frame: &DataFrame,
    roles: &ResolvedRoles,
    date_format: Option<&DateFormat>,
    other_date_formats: &[DateFormat],
    commas: CommaReading,
    path: &Path,
) -> Result<(DataFrame, DateFormat)> {
    let height = frame.height();
    // Ids and dates on a second thread while this one parses the numbers: the two halves take
    // about as long.
    std::thread::scope(|scope| -> Result<(DataFrame, DateFormat)> {
        let ids_and_dates = scope.spawn(|| {
            let ids = id_column(frame, &roles.customer, cols::CUSTOMER).and_then(|customer| {
                let mut columns = vec![customer];
                if let Some(invoice) = &roles.invoice {
                    columns.push(id_column(frame, invoice, cols::INVOICE)?);
                }
                Ok(columns)
            });
            (
                ids,
                date_column(frame, &roles.date, date_format, other_date_formats, path),
            )
        });
        let others = other_columns(frame, roles, commas, path);
        let (ids, dates) = ids_and_dates
            .join()
            .map_err(|_| Error::param("dates", "the date parser stopped unexpectedly"))?;
        // Errors surface in the order the columns were built before they were split over two
        // threads: ids, then the other columns, then dates.
        let mut columns = ids?;
        let mut others = others?;
        let (date, date_bad, format) = dates?;
        columns.push(date);
        columns.push(date_bad);
        columns.append(&mut others);
        Ok((DataFrame::new(height, columns)?, format))
    })
}

/// Every typed column but the ids and the date.
fn other_columns(
    frame: &DataFrame,
    roles: &ResolvedRoles,
    commas: CommaReading,
    path: &Path,
) -> Result<Vec<Column>> {
    let mut columns: Vec<Column> = Vec::new();
    let mut numeric = |role: &Option<String>, name: &str| -> Result<Option<Column>> {
        match role {
            Some(source) => {
                let (values, bad) = number_column(frame, source, name, commas)?;
                let out = values.clone();
                columns.push(values);
                columns.push(bad);
                Ok(Some(out))
            }
            None => Ok(None),
        }
    };
    let quantity = numeric(&roles.quantity, cols::QUANTITY)?;
    let amount_source = roles.amount.clone();
    let price = if amount_source.is_none() {
        numeric(&roles.price, cols::PRICE)?
    } else {
        None
    };
    match (&amount_source, quantity, price) {
        (Some(source), _, _) => {
            numeric(&Some(source.clone()), cols::AMOUNT)?;
        }
        (None, Some(q), Some(p)) => {
            let amount = (q.as_materialized_series() * p.as_materialized_series())?;
            columns.push(amount.with_name(cols::AMOUNT.into()).into_column());
        }
        // resolve() guarantees an amount or both quantity and price.
        _ => unreachable!("roles without amount or quantity x price"),
    }
    // Product, description and dimensions go in as they are; they are trimmed after cleaning, for
    // the kept rows only (see trim_text_columns): no rule looks at them.
    for (source, name) in text_roles(roles) {
        if frame.column(source).is_err() {
            return Err(Error::column(
                path,
                source,
                "no such column (given as a dimension)",
            ));
        }
        let text = frame.column(source)?.cast(&DataType::String)?;
        columns.push(text.with_name(name.into()));
    }
    Ok(columns)
}

/// Trims the end of product, description and dimension values (empty becomes null), on the rows
/// that survived the cleaning rules: a quarter of Online Retail's rows are dropped, and trimming
/// rewrites the whole column whenever one description ends in a space.
fn trim_text_columns(mut kept: DataFrame, roles: &ResolvedRoles) -> Result<DataFrame> {
    use rayon::prelude::*;
    // One column per thread: the columns are independent.
    let trimmed: Vec<Column> = text_roles(roles)
        .par_iter()
        .map(|(_, name)| text_column(&kept, name, name, true))
        .collect::<Result<_>>()?;
    for column in trimmed {
        kept.with_column(column)?;
    }
    Ok(kept)
}

/// Ids as trimmed text; empty becomes null. Whole-number floats (a Parquet CustomerID of 17850.0)
/// become "17850", as they are written in the CSV.
fn id_column(frame: &DataFrame, source: &str, name: &str) -> Result<Column> {
    let series = id_text(frame.column(source)?)?;
    let ids = text_column(
        &DataFrame::new(frame.height(), vec![series])?,
        source,
        name,
        false,
    )?;
    let text = ids.str()?;
    if !text
        .iter()
        .flatten()
        .any(|id| canonical_id(id).len() != id.len())
    {
        return Ok(ids);
    }
    let canonical: StringChunked = text.iter().map(|id| id.map(canonical_id)).collect();
    Ok(canonical.with_name(name.into()).into_column())
}

fn text_column(frame: &DataFrame, source: &str, name: &str, trim_only_end: bool) -> Result<Column> {
    fn trim(s: &str, only_end: bool) -> &str {
        if only_end { s.trim_end() } else { s.trim() }
    }
    let text = frame.column(source)?.cast(&DataType::String)?;
    let untouched = text.str()?.iter().flatten().all(|s| {
        let trimmed = trim(s, trim_only_end);
        !trimmed.is_empty() && trimmed.len() == s.len()
    });
    if untouched {
        // The common case: nothing to trim, so share the column instead of copying it.
        return Ok(text.with_name(name.into()));
    }
    let values: StringChunked = text
        .str()?
        .iter()
        .map(|v| v.map(|s| trim(s, trim_only_end)).filter(|s| !s.is_empty()))
        .collect();
    Ok(values.with_name(name.into()).into_column())
}

fn flag_name(name: &str) -> PlSmallStr {
    format!("{}{name}", cols::BAD_PREFIX).into()
}

fn number_column(
    frame: &DataFrame,
    source: &str,
    name: &str,
    commas: CommaReading,
) -> Result<(Column, Column)> {
    let column = frame.column(source)?;
    if column.dtype().is_primitive_numeric() {
        let values = column.cast(&DataType::Float64)?.with_name(name.into());
        let bad = BooleanChunked::full(flag_name(name), false, frame.height());
        return Ok((values, bad.into_column()));
    }
    let text = column.cast(&DataType::String)?;
    let mut bad = Vec::with_capacity(text.len());
    let values: Float64Chunked = text
        .str()?
        .iter()
        .map(|raw| match raw.map(|raw| read_number(raw, commas)) {
            Some(Number::Value(v)) => {
                bad.push(false);
                Some(v)
            }
            None | Some(Number::Missing) => {
                bad.push(false);
                None
            }
            Some(Number::Unparsable) => {
                bad.push(true);
                None
            }
        })
        .collect();
    Ok((
        values.with_name(name.into()).into_column(),
        BooleanChunked::from_slice(flag_name(name), &bad).into_column(),
    ))
}

fn date_column(
    frame: &DataFrame,
    source: &str,
    format: Option<&DateFormat>,
    others: &[DateFormat],
    path: &Path,
) -> Result<(Column, Column, DateFormat)> {
    let column = frame.column(source)?;
    let datetime_ms = DataType::Datetime(TimeUnit::Milliseconds, None);
    match column.dtype() {
        DataType::Datetime(_, _) | DataType::Date => {
            let values = column.cast(&datetime_ms)?.with_name(cols::DATE.into());
            let bad = BooleanChunked::full(flag_name(cols::DATE), false, frame.height());
            return Ok((values, bad.into_column(), DateFormat::YearFirst));
        }
        _ => {}
    }
    let text = column.cast(&DataType::String)?;
    let text = text.str()?;
    let format = match format {
        Some(f) => f.clone(),
        None => {
            // A cloneable view of the values instead of a 541,909-entry Vec: detection usually
            // settles the layout on the first 10,000.
            let arrays: Vec<_> = text.downcast_iter().collect();
            let values = arrays
                .iter()
                .flat_map(|array| (0..array.len()).filter_map(move |i| array.get(i)));
            dates::detect(values).map_err(|e| {
                Error::column(path, source, format!("{} (date column)", e.explain()))
            })?
        }
    };
    let mut bad = Vec::with_capacity(text.len());
    // The lines of one invoice usually carry the same timestamp: parse each run of equal values once.
    let mut last: Option<(&str, Option<i64>)> = None;
    let values: Int64Chunked = text
        .iter()
        .map(|v| match v.map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                bad.push(false);
                None
            }
            Some(s) => {
                let parsed = match last {
                    Some((previous, parsed)) if previous == s => parsed,
                    _ => {
                        let parsed = dates::parse_with_fallbacks(&format, others, s);
                        last = Some((s, parsed));
                        parsed
                    }
                };
                bad.push(parsed.is_none());
                parsed
            }
        })
        .collect();
    let values = values
        .into_datetime(TimeUnit::Milliseconds, None)
        .into_series();
    Ok((
        values.with_name(cols::DATE.into()).into_column(),
        BooleanChunked::from_slice(flag_name(cols::DATE), &bad).into_column(),
        format,
    ))
}
