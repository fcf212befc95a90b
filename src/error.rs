//! The crate's error type: every failure names what went wrong, where, and how to fix it.

use std::path::PathBuf;

/// Errors returned by custseg.
///
/// Messages are written for the person at the keyboard: they name the file, the column and the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The input file is not in a format custseg can read, or is malformed.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A column role (customer, date, ...) could not be resolved to a column of the file.
    #[error(
        "{path}: no column for the {role} role{hint}. The file has the columns: {available}. \
         Name the column with --{flag} COLUMN."
    )]
    MissingRole {
        /// The file.
        path: PathBuf,
        /// The role that could not be resolved.
        role: &'static str,
        /// The CLI flag that sets it.
        flag: &'static str,
        /// Extra explanation (may be empty).
        hint: String,
        /// The file's columns, comma-separated.
        available: String,
    },
    /// Values of a column could not be interpreted.
    #[error("{path}: column \"{column}\": {message}")]
    Column {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Cleaning left no rows to work with.
    #[error("{path}: {message}")]
    NoData {
        /// The file.
        path: PathBuf,
        /// Which rules dropped the rows.
        message: String,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name}: {message}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid and what is allowed.
        message: String,
    },
    /// A user-supplied segment map or configuration file is invalid.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A chart could not be drawn.
    #[error("cannot draw chart: {0}")]
    Chart(String),
    /// A report template could not be rendered.
    #[error("report template {template}: {message}")]
    Template {
        /// The template's name or path.
        template: String,
        /// What went wrong.
        message: String,
    },
    /// An error from polars that custseg could not attribute more precisely.
    #[error("data frame operation failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// Result alias used throughout custseg.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn column(
        path: impl Into<PathBuf>,
        column: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Column {
            path: path.into(),
            column: column.into(),
            message: message.into(),
        }
    }

    pub(crate) fn param(name: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            message: message.into(),
        }
    }
}
