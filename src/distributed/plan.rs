//! The DataFusion plan the cluster runs: type each row as the local loader does, give it its fate
//! from the cleaning rules' list of checks, and aggregate the kept rows per customer.

use std::path::{Path, PathBuf};

use ballista::prelude::SessionContextExt;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use datafusion::arrow::compute::cast as cast_array;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Int32Type, Int64Type, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::functions_aggregate::expr_fn::{count, count_distinct, max, min, sum};
use datafusion::logical_expr::conditional_expressions::CaseBuilder;
use datafusion::prelude::*;
use datafusion::scalar::ScalarValue;
use polars::prelude::{ArrowDataType, ParquetReader, SerReader};

use super::{Answer, BallistaEngine, Customer};
use crate::data::clean::{Check, Present, checks, cols};
use crate::data::dates::DateFormat;
use crate::data::roles::ResolvedRoles;
use crate::data::transactions::LoadOptions;
use crate::error::{Error, Result};
use crate::exact_sum::{ExactSum, HIGH_SCALE, LOW_SCALE};

/// The fate of a kept row.
pub(super) const KEPT: i32 = -1;
/// Fates of rows the plan cannot type as the local loader does.
const UNSUPPORTED_CUSTOMER: i32 = -2;
const UNSUPPORTED_INVOICE: i32 = -3;
const UNSUPPORTED_DATE: i32 = -4;

/// An id column as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum IdKind {
    Text,
    Integer,
    Float,
}

/// What the plan needs to know of the input, read from the files' footers here.
pub(crate) struct Input {
    pub(crate) roles: ResolvedRoles,
    pub(crate) first_file: PathBuf,
    customer: IdKind,
    invoice: Option<IdKind>,
    /// Dates as text (`true`) or typed.
    dates_as_text: bool,
}

impl Input {
    /// Reads every file's schema (they must agree), resolves the roles and checks that the plan
    /// can type each column the way the local loader does.
    pub(crate) fn inspect(files: &[PathBuf], options: &LoadOptions) -> Result<Input> {
        let first_file = files.first().cloned().ok_or_else(|| {
            Error::param(
                "input",
                "no files to read: give a Parquet file, directory or glob",
            )
        })?;
        let schema = parquet_schema(&first_file)?;
        for file in &files[1..] {
            if parquet_schema(file)? != schema {
                return Err(Error::format(
                    file,
                    format!(
                        "its columns or their types differ from {}'s; the files of one input \
                         must share one layout",
                        first_file.display()
                    ),
                ));
            }
        }
        let names: Vec<&str> = schema.iter().map(|(n, _)| n.as_str()).collect();
        let roles = options.roles.resolve(&names, &first_file)?;
        let refuse = |column: &str, message: String| Error::Column {
            path: first_file.clone(),
            column: column.to_string(),
            message,
        };
        let kind = |column: &str| schema.iter().find(|(n, _)| n == column).map(|(_, k)| k);
        let local_only = "read it on this machine (RfmParams::fit_streaming)";
        if let Some(basket) = &roles.basket {
            return Err(refuse(
                basket,
                format!("JSON baskets are not read by the distributed engine; {local_only}"),
            ));
        }
        if options.rules.drop_duplicates {
            return Err(Error::param(
                "CleaningRules::drop_duplicates",
                format!(
                    "the distributed engine does not drop duplicate rows yet; set it to false \
                     or {local_only}"
                ),
            ));
        }
        if options
            .date_format
            .as_ref()
            .is_some_and(|f| !matches!(f, DateFormat::YearFirst))
            || !options.other_date_formats.is_empty()
        {
            return Err(Error::param(
                "LoadOptions::date_format",
                format!(
                    "the distributed engine reads typed dates and YYYY-MM-DD[ HH:MM:SS] text; \
                     leave date_format and other_date_formats unset or {local_only}"
                ),
            ));
        }
        let id_kind = |column: &str| -> Result<IdKind> {
            match kind(column) {
                Some(t) if is_text(t) => Ok(IdKind::Text),
                Some(t) if is_integer(t) => Ok(IdKind::Integer),
                Some(t) if is_float(t) => Ok(IdKind::Float),
                other => Err(refuse(
                    column,
                    format!(
                        "ids of type {other:?} are not read by the distributed engine; store \
                         them as text or integers, or {local_only}"
                    ),
                )),
            }
        };
        let customer = id_kind(&roles.customer)?;
        let invoice = roles.invoice.as_deref().map(id_kind).transpose()?;
        let dates_as_text = match kind(&roles.date) {
            Some(t) if is_text(t) => true,
            Some(ArrowDataType::Date32 | ArrowDataType::Date64) => false,
            Some(ArrowDataType::Timestamp(_, None)) => false,
            other => {
                return Err(refuse(
                    &roles.date,
                    format!(
                        "dates of type {other:?} are not read by the distributed engine \
                         (timestamps with a time zone among them); {local_only}"
                    ),
                ));
            }
        };
        for column in [&roles.quantity, &roles.price, &roles.amount]
            .into_iter()
            .flatten()
        {
            if !kind(column).is_some_and(|t| is_integer(t) || is_float(t)) {
                return Err(refuse(
                    column,
                    format!(
                        "the distributed engine reads numbers stored as integers or floats, \
                         not {:?}; write the column as numbers or {local_only}",
                        kind(column)
                    ),
                ));
            }
        }
        Ok(Input {
            roles,
            first_file,
            customer,
            invoice,
            dates_as_text,
        })
    }
}

fn is_text(t: &ArrowDataType) -> bool {
    matches!(
        t,
        ArrowDataType::Utf8 | ArrowDataType::LargeUtf8 | ArrowDataType::Utf8View
    )
}

fn is_integer(t: &ArrowDataType) -> bool {
    use ArrowDataType as T;
    matches!(
        t,
        T::Int8 | T::Int16 | T::Int32 | T::Int64 | T::UInt8 | T::UInt16 | T::UInt32 | T::UInt64
    )
}

fn is_float(t: &ArrowDataType) -> bool {
    matches!(t, ArrowDataType::Float32 | ArrowDataType::Float64)
}

/// A Parquet file's columns and their types.
fn parquet_schema(path: &Path) -> Result<Vec<(String, ArrowDataType)>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let schema = ParquetReader::new(file)
        .schema()
        .map(|schema| schema.as_ref().clone())
        .map_err(|e| Error::format(path, format!("not a readable Parquet file: {e}")))?;
    Ok(schema
        .iter()
        .map(|(name, field)| (name.to_string(), field.dtype().clone()))
        .collect())
}

/// What a fate code refuses, if it is one of the `UNSUPPORTED_*` codes: the column, what its
/// values are, and what to do.
pub(super) fn unsupported(
    fate: i32,
    input: &Input,
) -> Option<(String, &'static str, &'static str)> {
    let fix = "store them as text or integers, or read the input on this machine \
               (RfmParams::fit_streaming)";
    match fate {
        UNSUPPORTED_CUSTOMER => Some((
            input.roles.customer.clone(),
            "float ids that are not whole numbers",
            fix,
        )),
        UNSUPPORTED_INVOICE => Some((
            input.roles.invoice.clone().unwrap_or_default(),
            "float ids that are not whole numbers",
            fix,
        )),
        UNSUPPORTED_DATE => Some((
            input.roles.date.clone(),
            "dates not written YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
            "write them so, store them as Parquet dates or timestamps, or read the input on \
             this machine (RfmParams::fit_streaming)",
        )),
        _ => None,
    }
}

/// Runs the plan on the cluster and reads its answer.
pub(super) fn run(
    engine: &BallistaEngine,
    files: &[PathBuf],
    input: &Input,
    options: &LoadOptions,
    cutoff: Option<i64>,
) -> Result<Answer> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| engine.error(format!("cannot start the client's async runtime: {e}")))?;
    let paths: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let batches = runtime.block_on(async {
        let query = collect_answer(engine, paths, input, options, cutoff);
        match tokio::time::timeout(engine.timeout, query).await {
            Ok(Ok(batches)) => Ok(batches),
            Ok(Err(e)) => Err(engine.error(format!("the query failed: {e}"))),
            Err(_) => Err(engine.error(format!(
                "no answer within {} s (BallistaEngine::timeout); the cluster may have lost its \
                 executors",
                engine.timeout.as_secs()
            ))),
        }
    })?;
    read_answer(&batches).map_err(|e| engine.error(format!("unexpected answer: {e}")))
}

/// Connects to the cluster, reads the files there and collects the answer's batches.
async fn collect_answer(
    engine: &BallistaEngine,
    paths: Vec<String>,
    input: &Input,
    options: &LoadOptions,
    cutoff: Option<i64>,
) -> datafusion::error::Result<Vec<RecordBatch>> {
    let ctx = SessionContext::remote(engine.address()).await?;
    let rows = ctx
        .read_parquet(paths, ParquetReadOptions::default())
        .await?;
    per_customer(rows, input, options, cutoff)?.collect().await
}

/// The typed columns of a row, as DataFusion expressions over the file's columns.
struct Typed {
    customer: Expr,
    invoice: Option<Expr>,
    /// ms since 1970.
    date: Expr,
    date_unreadable: Expr,
    quantity: Option<Expr>,
    price: Option<Expr>,
    amount: Expr,
    /// (fate, condition, the offending value as text) for values the plan cannot type.
    unsupported: Vec<(i32, Expr, Expr)>,
}

fn null_text() -> Expr {
    lit(ScalarValue::Utf8(None))
}

fn text(e: Expr) -> Expr {
    cast(e, DataType::Utf8)
}

/// `str::trim` (Unicode white space: the regex crate's `\s`), empty becoming null.
fn trimmed(e: Expr) -> Expr {
    let trimmed = regexp_replace(text(e), lit(r"^\s+|\s+$"), lit(""), Some(lit("g")));
    nullif(trimmed, lit(""))
}

/// An id as the loader reads it (`transactions::id_column` and `ids::canonical_id`), and when it
/// cannot be read so.
fn id(column: &str, kind: IdKind) -> datafusion::error::Result<(Expr, Expr)> {
    Ok(match kind {
        IdKind::Text => (
            regexp_replace(
                trimmed(ident(column)),
                lit(r"^([0-9]+)\.0+$"),
                lit(r"\1"),
                None,
            ),
            lit(false),
        ),
        IdKind::Integer => (text(ident(column)), lit(false)),
        IdKind::Float => {
            // The loader writes whole-number float ids as integers (a pandas CustomerID of
            // 17850.0 is "17850"); other floats it formats as polars does, which this plan
            // does not reproduce, so it refuses them.
            let x = cast(ident(column), DataType::Float64);
            let whole = floor(x.clone())
                .eq(x.clone())
                .and(abs(x.clone()).lt(lit(1e15)))
                .and(not(isnan(x.clone())));
            let value = text(cast(x.clone(), DataType::Int64));
            let value = when(whole.clone(), value).otherwise(null_text())?;
            (value, x.is_not_null().and(not(whole)))
        }
    })
}

fn number(column: &str) -> Expr {
    cast(ident(column), DataType::Float64)
}

impl Typed {
    fn new(input: &Input) -> datafusion::error::Result<Typed> {
        let roles = &input.roles;
        let mut unsupported = Vec::new();
        let (customer, bad) = id(&roles.customer, input.customer)?;
        unsupported.push((
            UNSUPPORTED_CUSTOMER,
            bad,
            text(ident(roles.customer.as_str())),
        ));
        let invoice = match (&roles.invoice, input.invoice) {
            (Some(column), Some(kind)) => {
                let (invoice, bad) = id(column, kind)?;
                unsupported.push((UNSUPPORTED_INVOICE, bad, text(ident(column.as_str()))));
                Some(invoice)
            }
            _ => None,
        };
        let ms = DataType::Timestamp(TimeUnit::Millisecond, None);
        let (date, date_unreadable) = if input.dates_as_text {
            let value = trimmed(ident(roles.date.as_str()));
            // What the local loader's year-first layout reads, and arrow's parser too.
            let iso = regexp_like(
                value.clone(),
                lit("^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?$"),
                None,
            );
            let date = when(
                iso.clone(),
                cast(try_cast(value.clone(), ms), DataType::Int64),
            )
            .end()?;
            unsupported.push((
                UNSUPPORTED_DATE,
                value.clone().is_not_null().and(not(iso.clone())),
                value,
            ));
            (date.clone(), iso.and(date.is_null()))
        } else {
            (
                cast(cast(ident(roles.date.as_str()), ms), DataType::Int64),
                lit(false),
            )
        };
        let quantity = roles.quantity.as_deref().map(number);
        let price = roles.price.as_deref().map(number);
        let amount = match (&roles.amount, &quantity, &price) {
            (Some(column), _, _) => number(column),
            (None, Some(q), Some(p)) => q.clone() * p.clone(),
            _ => {
                let error = Error::param(
                    "ColumnRoles::amount",
                    "give an amount column, or quantity and unit price columns",
                );
                return Err(DataFusionError::Plan(error.to_string()));
            }
        };
        Ok(Typed {
            customer,
            invoice,
            date,
            date_unreadable,
            quantity,
            price,
            amount,
            unsupported,
        })
    }

    /// A typed column by the loader's canonical name.
    fn column(&self, name: &str) -> Expr {
        match name {
            cols::CUSTOMER => self.customer.clone(),
            cols::INVOICE => self.invoice.clone().unwrap_or_else(null_text),
            cols::DATE => self.date.clone(),
            cols::QUANTITY => self.quantity.clone().unwrap_or_else(|| lit(1.0)),
            cols::PRICE => self.price.clone().unwrap_or_else(|| lit(1.0)),
            _ => self.amount.clone(),
        }
    }

    /// One of the cleaning rules' checks as a condition.
    fn check(&self, check: &Check, options: &LoadOptions) -> Expr {
        let date = || self.date.clone();
        match check {
            Check::Missing(name) => self.column(name).is_null(),
            Check::Unreadable(name) if *name == cols::DATE => self.date_unreadable.clone(),
            Check::Unreadable(_) => lit(false),
            Check::Cancelled => regexp_like(
                self.column(cols::INVOICE),
                lit(options.rules.cancellation_pattern.as_str()),
                None,
            ),
            Check::DateOutside { earliest, latest } => {
                date().lt(lit(*earliest)).or(date().gt(lit(*latest)))
            }
            Check::DateIn(periods) => periods
                .iter()
                .map(|&(first, last)| date().between(lit(first), lit(last)))
                .reduce(Expr::or)
                .unwrap_or_else(|| lit(false)),
            Check::AmountTooLarge => isnan(self.amount.clone())
                .or(abs(self.amount.clone()).gt(lit(crate::data::clean::MAX_AMOUNT))),
            Check::NonPositive(name) => self.column(name).lt_eq(lit(0.0)),
        }
    }
}

/// The two integers of [`crate::exact_sum::split`], in SQL, as decimals ready to be summed.
fn exact_parts(amount: Expr) -> datafusion::error::Result<(Expr, Expr)> {
    let scaled = abs(amount.clone()) * lit(HIGH_SCALE);
    let whole = floor(scaled.clone());
    let rest = round(vec![(scaled - whole.clone()) * lit(LOW_SCALE)]);
    let signed = |e: Expr| {
        let e = cast(e, DataType::Int64);
        let negative = amount.clone().lt(lit(0.0));
        let signed = when(negative, -e.clone()).otherwise(e)?;
        Ok::<_, DataFusionError>(cast(signed, DataType::Decimal128(38, 0)))
    };
    Ok((signed(whole)?, signed(rest)?))
}

/// Every row typed and given its fate, then one group per drop reason and one per customer.
fn per_customer(
    rows: DataFrame,
    input: &Input,
    options: &LoadOptions,
    cutoff: Option<i64>,
) -> datafusion::error::Result<DataFrame> {
    let typed = Typed::new(input)?;
    let mut fate: Option<CaseBuilder> = None;
    let mut add = |condition: Expr, code: i32| {
        fate = Some(match fate.take() {
            None => when(condition, lit(code)),
            Some(mut case) => case.when(condition, lit(code)),
        });
    };
    for (code, condition, _) in &typed.unsupported {
        add(condition.clone(), *code);
    }
    for (reason, check) in checks(&options.rules, Present::of(&input.roles)) {
        add(typed.check(&check, options), reason as i32);
    }
    let fate = match fate {
        Some(mut case) => case.otherwise(lit(KEPT))?,
        None => lit(KEPT),
    };
    let example = typed
        .unsupported
        .iter()
        .fold(None, |case: Option<CaseBuilder>, (_, condition, value)| {
            Some(match case {
                None => when(condition.clone(), value.clone()),
                Some(mut case) => case.when(condition.clone(), value.clone()),
            })
        })
        .map_or_else(|| Ok(null_text()), |case| case.end())?;
    let purchase = match &typed.invoice {
        Some(invoice) => invoice.clone(),
        // Without invoices a purchase is a customer's calendar day (floor division).
        None => {
            let day = lit(crate::data::dates::MS_PER_DAY);
            let date = typed.date.clone();
            let remainder = ((date.clone() % day.clone()) + day.clone()) % day.clone();
            text((date - remainder) / day)
        }
    };
    let rows = rows.select(vec![
        fate.alias("fate"),
        typed.customer.clone().alias("customer"),
        purchase.alias("purchase"),
        typed.date.clone().alias("ms"),
        typed.amount.clone().alias("amount"),
        example.alias("example"),
    ])?;
    let kept = col("fate").eq(lit(KEPT));
    let counted = match cutoff {
        Some(cutoff) => kept.clone().and(col("ms").lt(lit(cutoff))),
        None => kept.clone(),
    };
    let only = |e: Expr| when(counted.clone(), e).end();
    let (high, low) = exact_parts(col("amount"))?;
    rows.aggregate(
        vec![
            col("fate"),
            when(kept, col("customer")).end()?.alias("customer_key"),
        ],
        vec![
            count(lit(1)).alias("rows"),
            max(only(col("ms"))?).alias("last"),
            count_distinct(only(col("purchase"))?).alias("purchases"),
            sum(only(high)?).alias("high"),
            sum(only(low)?).alias("low"),
            min(col("example")).alias("example"),
        ],
    )
}

/// The answer's batches as fates, customers and examples.
fn read_answer(batches: &[RecordBatch]) -> std::result::Result<Answer, String> {
    /// A column of the answer, cast to the type read here.
    fn column(
        batch: &RecordBatch,
        name: &str,
        to: &DataType,
    ) -> std::result::Result<ArrayRef, String> {
        let array = batch
            .column_by_name(name)
            .ok_or_else(|| format!("no column {name}"))?;
        cast_array(array, to).map_err(|e| format!("column {name}: {e}"))
    }
    let mut answer = Answer {
        fates: Vec::new(),
        customers: Vec::new(),
        examples: Vec::new(),
    };
    let mut fates: std::collections::BTreeMap<i32, i64> = Default::default();
    for batch in batches {
        let fate = column(batch, "fate", &DataType::Int32)?;
        let fate = fate.as_primitive::<Int32Type>();
        let customer = column(batch, "customer_key", &DataType::Utf8)?;
        let customer = customer.as_string::<i32>();
        let rows = column(batch, "rows", &DataType::Int64)?;
        let rows = rows.as_primitive::<Int64Type>();
        let last = column(batch, "last", &DataType::Int64)?;
        let last = last.as_primitive::<Int64Type>();
        let purchases = column(batch, "purchases", &DataType::Int64)?;
        let purchases = purchases.as_primitive::<Int64Type>();
        let decimal = DataType::Decimal128(38, 0);
        let high = column(batch, "high", &decimal)?;
        let high = high.as_primitive::<Decimal128Type>();
        let low = column(batch, "low", &decimal)?;
        let low = low.as_primitive::<Decimal128Type>();
        let example = column(batch, "example", &DataType::Utf8)?;
        let example = example.as_string::<i32>();
        for i in 0..batch.num_rows() {
            let f = fate.value(i);
            *fates.entry(f).or_default() += rows.value(i);
            if example.is_valid(i) {
                answer.examples.push((f, example.value(i).to_string()));
            }
            // A kept customer without a last date had every row after the observation end.
            if f == KEPT && customer.is_valid(i) && last.is_valid(i) {
                let value = |a: &PrimitiveArray<Decimal128Type>| {
                    if a.is_valid(i) { a.value(i) } else { 0 }
                };
                answer.customers.push(Customer {
                    id: customer.value(i).to_string(),
                    last: last.value(i),
                    purchases: purchases.value(i),
                    spend: ExactSum {
                        high: value(high),
                        low: value(low),
                    },
                });
            }
        }
    }
    answer.fates = fates.into_iter().collect();
    answer.examples.sort();
    Ok(answer)
}
