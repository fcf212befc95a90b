//! Seeded generators for the studies whose data cannot ship (STUDIES.md, studies 2, 4 and 5).
//!
//! Each writes a file with the raw schema and the quirks of the original, so that the notebooks,
//! reports and benchmarks run anywhere and the same code reads the real file when a user has it:
//!
//! | dataset | study | original | module |
//! |---|---|---|---|
//! | [`Dataset::Flowers`] | 2 | flowers-and-gifts orders, Vietnam (no licence) | [`flowers`] |
//! | [`Dataset::Supermarket`] | 4 | dunnhumby "Let's Get Sort-of-Real" sample (not redistributable) | [`supermarket`] |
//! | [`Dataset::Health`] | 5 | health-products distributor, Asia (private) | [`health`] |
//! | [`Dataset::OnlineRetail`] | 1, 3 (at any size) | UCI Online Retail (ships with custseg) | [`retail`] |
//!
//! Rows are written as they are generated, so memory does not grow with their number; the same
//! dataset, size and seed give the same bytes.
//!
//! ```no_run
//! use custseg::generate::{Dataset, GenerateParams};
//! let written = GenerateParams::new(Dataset::Health).rows(100_000).seed(7).write("health.csv.gz")?;
//! println!("{} rows, {} customers", written.rows, written.customers);
//! # Ok::<(), custseg::Error>(())
//! ```

pub mod flowers;
pub mod health;
mod random;
pub mod retail;
mod sink;
pub mod supermarket;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use sink::OUTPUT_EXTENSIONS;

/// The datasets custseg can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// Study 2: flowers-and-gifts e-commerce orders (16 raw columns, VND amounts).
    Flowers,
    /// Study 4: supermarket line items in dunnhumby's 22-column layout, with four planted
    /// customer groups.
    Supermarket,
    /// Study 5: health-products transactions with a JSON basket column.
    Health,
    /// Studies 1 and 3: the bundled Online Retail file's columns and quirks at any size, for
    /// scale tests and benchmarks.
    OnlineRetail,
}

impl Dataset {
    /// Every dataset.
    pub const ALL: [Dataset; 4] = [
        Dataset::Flowers,
        Dataset::Supermarket,
        Dataset::Health,
        Dataset::OnlineRetail,
    ];

    /// The dataset's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Flowers => "flowers",
            Dataset::Supermarket => "supermarket",
            Dataset::Health => "health",
            Dataset::OnlineRetail => "online-retail",
        }
    }

    /// The dataset named `name` (`flowers`, `supermarket`, `health` or `online-retail`).
    pub fn from_name(name: &str) -> Result<Self> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                Error::param(
                    "Dataset",
                    format!(
                        "unknown dataset {name:?}; choose flowers, supermarket, health or \
                         online-retail"
                    ),
                )
            })
    }

    /// The raw columns of the dataset's file, in order.
    pub fn columns(self) -> Vec<&'static str> {
        let columns: &[(&str, sink::Kind)] = match self {
            Dataset::Flowers => &flowers::COLUMNS,
            Dataset::Supermarket => &supermarket::COLUMNS,
            Dataset::Health => &health::COLUMNS,
            Dataset::OnlineRetail => &retail::COLUMNS,
        };
        columns.iter().map(|(name, _)| *name).collect()
    }

    /// Rows written when no size is given: the size of the original data.
    pub fn default_rows(self) -> u64 {
        match self {
            Dataset::Flowers => flowers::ORDERS,
            Dataset::Supermarket => supermarket::ROWS,
            Dataset::Health => health::ROWS,
            Dataset::OnlineRetail => retail::ROWS,
        }
    }
}

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Exactly this many data rows (the last customer may have fewer rows than drawn).
    Rows(u64),
    /// Exactly this many customers, with as many rows as they draw.
    Customers(u64),
}

impl Size {
    /// Whether another customer should be generated after `customers` customers and `rows` rows.
    pub(crate) fn wants_customer(self, customers: u64, rows: u64) -> bool {
        match self {
            Size::Rows(target) => rows < target,
            Size::Customers(target) => customers < target,
        }
    }

    /// Whether another row may be written after `rows` rows.
    pub(crate) fn wants_row(self, rows: u64) -> bool {
        match self {
            Size::Rows(target) => rows < target,
            Size::Customers(_) => true,
        }
    }
}

/// What to generate, checked by [`GenerateParams::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateParams {
    dataset: Dataset,
    size: Option<Size>,
    seed: u64,
}

/// What a generator wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The data file.
    pub path: PathBuf,
    /// Data rows written (the header is not a row).
    pub rows: u64,
    /// Distinct customers in the file (card holders only for the supermarket).
    pub customers: u64,
    /// Files written beside the data, such as the supermarket's planted groups.
    pub side_files: Vec<PathBuf>,
}

impl GenerateParams {
    /// The dataset at its original size ([`Dataset::default_rows`]), seed 1.
    pub fn new(dataset: Dataset) -> Self {
        GenerateParams {
            dataset,
            size: None,
            seed: 1,
        }
    }

    /// Writes exactly `rows` data rows.
    pub fn rows(mut self, rows: u64) -> Self {
        self.size = Some(Size::Rows(rows));
        self
    }

    /// Writes the rows of exactly `customers` customers.
    pub fn customers(mut self, customers: u64) -> Self {
        self.size = Some(Size::Customers(customers));
        self
    }

    /// The seed: the same seed and size give the same bytes.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The size that will be generated.
    pub fn size(&self) -> Size {
        self.size.unwrap_or(Size::Rows(self.dataset.default_rows()))
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        match self.size() {
            Size::Rows(0) => Err(Error::param(
                "GenerateParams::rows",
                "must be at least 1".to_string(),
            )),
            Size::Customers(0) => Err(Error::param(
                "GenerateParams::customers",
                "must be at least 1".to_string(),
            )),
            _ => Ok(()),
        }
    }

    /// Generates the dataset into `path` (`.csv`, `.csv.gz` or `.parquet`).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<Generated> {
        self.check()?;
        let path = path.as_ref();
        match self.dataset {
            Dataset::Flowers => flowers::write(path, self.size(), self.seed),
            Dataset::Supermarket => supermarket::write(path, self.size(), self.seed),
            Dataset::Health => health::write(path, self.size(), self.seed),
            Dataset::OnlineRetail => retail::write(path, self.size(), self.seed),
        }
    }
}

/// `dir/stem.suffix` beside a data file: `out/sm.csv.gz` with `groups.csv` gives
/// `out/sm.groups.csv`.
pub(crate) fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let stem_len = [".csv.gz", ".csv", ".parquet"]
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .map_or(name.len(), |ext| name.len() - ext.len());
    path.with_file_name(format!("{}.{suffix}", &name[..stem_len]))
}

/// A `(year, month, day)` constant as a date (the generators' constants are valid dates).
pub(crate) fn day(date: (i32, u32, u32)) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap_or_default()
}

/// A 24-hex MongoDB ObjectId: 4 bytes of Unix seconds, then 5 random bytes and a 3-byte counter,
/// as MongoDB makes them.
pub(crate) fn object_id(random: &mut random::Random, unix_seconds: i64, counter: u64) -> String {
    format!(
        "{:08x}{}{:06x}",
        unix_seconds.clamp(0, i64::from(u32::MAX)),
        random.hex(10),
        counter & 0xff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_files_sit_beside_the_data() {
        assert_eq!(
            side_file(Path::new("out/sm.csv.gz"), "groups.csv"),
            PathBuf::from("out/sm.groups.csv")
        );
        assert_eq!(
            side_file(Path::new("sm.Parquet"), "groups.csv"),
            PathBuf::from("sm.groups.csv")
        );
    }

    #[test]
    fn object_ids_are_24_hex_with_the_time_first() {
        let mut r = random::Random::new(1);
        let id = object_id(&mut r, 0x5c2a_b000, 5);
        assert_eq!(id.len(), 24);
        assert!(id.starts_with("5c2ab000") && id.ends_with("000005"));
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn zero_sizes_are_refused_in_the_api_words() {
        let err = GenerateParams::new(Dataset::Health).rows(0).check();
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("GenerateParams::rows")
        );
    }
}
