//! Flags shared by the commands: input, column roles, reading and cleaning options.

use std::path::PathBuf;

use clap::Args;
use custseg::Result;
use custseg::data::clean::{CleaningRules, Period};
use custseg::data::dates::DateFormat;
use custseg::data::roles::ColumnRoles;
use custseg::data::source::{FileFormat, RawTable, ReadOptions, TextEncoding, read_table};
use custseg::data::transactions::{LoadOptions, Transactions};
use custseg::error::Error;
use custseg::rfm::{ScoringMethod, SegmentMap};

/// The input file and how to read it.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Transaction file (.csv, .csv.gz, .tsv, .txt, .parquet, .xlsx), - for standard input, a directory (its transaction files), or a quoted glob such as 'data/2024-*.parquet' (files of one layout, loaded as one input). Default: the bundled Online Retail data.
    pub input: Option<PathBuf>,

    /// Customer id column [auto: CustomerID, Customer ID, CUST_CODE, customer_id, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub customer: Option<String>,
    /// Invoice / order / basket id column [auto: InvoiceNo, Invoice, Order ID, BASKET_ID, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub invoice: Option<String>,
    /// Transaction date column [auto: InvoiceDate, Order Date, SHOP_DATE, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub date: Option<String>,
    /// Quantity column [auto: Quantity, Qty, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub quantity: Option<String>,
    /// Unit price column [auto: UnitPrice, Price, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub price: Option<String>,
    /// Ready amount column, used instead of quantity x price [auto when there is no price: Sales, SPEND, total_amt, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub amount: Option<String>,
    /// Product id column [auto: StockCode, Product ID, PROD_CODE, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub product: Option<String>,
    /// Product description column [auto: Description, ...]
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub description: Option<String>,
    /// Column to break results down by (repeatable): country, store, category...
    #[arg(
        long = "dimension",
        value_name = "COLUMN",
        help_heading = "Column roles"
    )]
    pub dimensions: Vec<String>,
    /// Column holding each transaction's products as a JSON list, e.g. [{"product_id": "A1", "quantity": 2}]: one row per product, the amount split by quantity
    #[arg(long, value_name = "COLUMN", help_heading = "Column roles")]
    pub basket_json: Option<String>,

    /// File format [default: detected]
    #[arg(long, value_enum, help_heading = "Reading")]
    pub format: Option<FormatArg>,
    /// Text encoding: utf-8, utf-16, latin1 (= iso-8859-1, windows-1252) [default: detected]
    #[arg(long, help_heading = "Reading")]
    pub encoding: Option<String>,
    /// Field delimiter, e.g. ';' or '\t', or 'space' for whitespace-aligned columns [default: detected from the header]
    #[arg(long, help_heading = "Reading")]
    pub delimiter: Option<String>,
    /// Column names for a text file without a header line (its first line is then data), e.g. customer_id,date,quantity,amount
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAME,NAME,..",
        help_heading = "Reading"
    )]
    pub columns: Vec<String>,
    /// Excel worksheet [default: the first]
    #[arg(long, help_heading = "Reading")]
    pub sheet: Option<String>,
    /// Date layout: iso, mdy, dmy, yyyymmdd, or a chrono pattern like "%d/%m/%Y %H:%M" [default: detected]
    #[arg(long, help_heading = "Reading")]
    pub date_format: Option<String>,
    /// Another date layout (repeatable), tried for dates the main one cannot read, e.g. dmy for DD/MM/YYYY dates among ISO ones
    #[arg(long, value_name = "LAYOUT", help_heading = "Reading")]
    pub other_date_format: Vec<String>,

    /// Keep cancelled invoices (by default invoices matching --cancellation-pattern are dropped)
    #[arg(long, help_heading = "Cleaning")]
    pub keep_cancellations: bool,
    /// Regular expression for cancelled invoice ids [default: ^C\d+$]
    #[arg(long, help_heading = "Cleaning")]
    pub cancellation_pattern: Option<String>,
    /// Keep rows with zero or negative quantity, price or amount
    #[arg(long, help_heading = "Cleaning")]
    pub keep_non_positive: bool,
    /// Drop rows that repeat an earlier row exactly
    #[arg(long, help_heading = "Cleaning")]
    pub drop_duplicates: bool,
    /// Rows dated before this day are dropped as out of range [default: 1900-01-01]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Cleaning")]
    pub earliest_date: Option<chrono::NaiveDate>,
    /// Rows dated after this day are dropped as out of range [default: 2100-12-31]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Cleaning")]
    pub latest_date: Option<chrono::NaiveDate>,
    /// Drop the rows of a period (repeatable): a year (2021), a month (2021-06), a day, or a range (2021-06-01..2021-12-31)
    #[arg(long, value_name = "PERIOD", help_heading = "Cleaning")]
    pub exclude_period: Vec<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Parquet,
    Excel,
}

impl InputArgs {
    /// The load options these flags describe.
    pub fn load_options(&self) -> Result<LoadOptions> {
        let delimiter = match self.delimiter.as_deref() {
            None => None,
            Some("\\t") | Some("tab") => Some('\t'),
            Some("space") | Some("whitespace") => Some(' '),
            Some(d) if d.chars().count() == 1 => d.chars().next(),
            Some(d) => {
                return Err(Error::param(
                    "--delimiter",
                    format!(
                        "give one character (\\t for tab, space for whitespace-aligned \
                         columns), not \"{}\"",
                        custseg::format::shorten(d, 40)
                    ),
                ));
            }
        };
        let date_format = self
            .date_format
            .as_deref()
            .map(DateFormat::parse_user)
            .transpose()?;
        let other_date_formats = self
            .other_date_format
            .iter()
            .map(|f| DateFormat::parse_other(f))
            .collect::<Result<Vec<_>>>()?;
        Ok(LoadOptions {
            other_date_formats,
            read: ReadOptions {
                format: self.format.map(|f| match f {
                    FormatArg::Csv => FileFormat::Csv,
                    FormatArg::Parquet => FileFormat::Parquet,
                    FormatArg::Excel => FileFormat::Excel,
                }),
                encoding: self
                    .encoding
                    .as_deref()
                    .map(TextEncoding::from_name)
                    .transpose()?,
                delimiter,
                sheet: self.sheet.clone(),
                column_names: self.columns.clone(),
            },
            roles: ColumnRoles {
                customer: self.customer.clone(),
                invoice: self.invoice.clone(),
                date: self.date.clone(),
                quantity: self.quantity.clone(),
                price: self.price.clone(),
                amount: self.amount.clone(),
                product: self.product.clone(),
                description: self.description.clone(),
                dimensions: self.dimensions.clone(),
                basket_json: self.basket_json.clone(),
            },
            date_format,
            rules: self.cleaning_rules(CleaningRules::default())?,
        })
    }

    /// `base` with the cleaning flags that were given applied on top.
    pub fn cleaning_rules(&self, base: CleaningRules) -> Result<CleaningRules> {
        // Periods are read here, not by clap, so that a bad one is an error like any other.
        let periods = self
            .exclude_period
            .iter()
            .map(|p| Period::parse(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(CleaningRules {
            drop_cancellations: base.drop_cancellations && !self.keep_cancellations,
            cancellation_pattern: self
                .cancellation_pattern
                .clone()
                .unwrap_or(base.cancellation_pattern),
            drop_non_positive_quantity: base.drop_non_positive_quantity && !self.keep_non_positive,
            drop_non_positive_price: base.drop_non_positive_price && !self.keep_non_positive,
            drop_duplicates: base.drop_duplicates || self.drop_duplicates,
            earliest_date: self.earliest_date.unwrap_or(base.earliest_date),
            latest_date: self.latest_date.unwrap_or(base.latest_date),
            excluded_periods: base.excluded_periods.into_iter().chain(periods).collect(),
        })
    }

    /// Loads and cleans the input (or the bundled data).
    pub fn load(&self, options: &LoadOptions) -> Result<Transactions> {
        match &self.input {
            Some(path) => Transactions::load(path, options),
            None => Transactions::bundled(options),
        }
    }

    /// Reads the input (or the bundled data) without interpreting it.
    pub fn read(&self, options: &LoadOptions) -> Result<RawTable> {
        match &self.input {
            Some(path) => {
                let files = custseg::data::inputs::input_files(path)?;
                if files.len() > 1 || files.first() != Some(path) {
                    return Err(Error::format(
                        path,
                        format!(
                            "this command reads one table file, and this input names {} file(s); \
                             give one of them",
                            files.len()
                        ),
                    ));
                }
                read_table(path, &options.read)
            }
            None => custseg::data::bundled::online_retail_raw(&options.read),
        }
    }
}

/// The RFM scoring flags `rfm` and `migrate` share: the segment map, quantile bins or fixed cuts.
#[derive(Debug, Args)]
pub struct ScoringArgs {
    /// Segment map: `table` (11 segments on R, F and M), `code-list` (study 1's 11 segments as
    /// lists of codes), `rf-regex` (10 segments on R and F), or a TOML file
    #[arg(
        long,
        default_value = "table",
        value_name = "table|code-list|rf-regex|PATH.toml",
        help_heading = "RFM"
    )]
    segments: String,
    /// Number of quantile bins (5 = quintiles, pandas qcut semantics)
    #[arg(long, default_value_t = 5, help_heading = "RFM")]
    bins: usize,
    /// Fixed recency cut points in days, ascending, e.g. 30,90,180,365 (with --frequency-cuts and --monetary-cuts; replaces quantiles)
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,Y,..",
        help_heading = "RFM"
    )]
    recency_cuts: Vec<f64>,
    /// Fixed frequency cut points, ascending
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,Y,..",
        help_heading = "RFM"
    )]
    frequency_cuts: Vec<f64>,
    /// Fixed monetary cut points, ascending
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "X,Y,..",
        help_heading = "RFM"
    )]
    monetary_cuts: Vec<f64>,
}

impl ScoringArgs {
    /// Quantiles of `--bins`, or the fixed cuts when any is given.
    pub fn scoring(&self) -> ScoringMethod {
        let cuts = [
            &self.recency_cuts,
            &self.frequency_cuts,
            &self.monetary_cuts,
        ];
        if cuts.iter().all(|c| c.is_empty()) {
            ScoringMethod::Quantiles { bins: self.bins }
        } else {
            ScoringMethod::Thresholds {
                recency: self.recency_cuts.clone(),
                frequency: self.frequency_cuts.clone(),
                monetary: self.monetary_cuts.clone(),
            }
        }
    }

    /// The segment map named by `--segments`.
    pub fn segment_map(&self) -> Result<SegmentMap> {
        SegmentMap::named(&self.segments)
    }
}
