//! The crate's error type: every failure names what went wrong, where, and how to fix it.

use std::path::PathBuf;

/// Errors returned by custseg.
///
/// Messages are written for the person at the keyboard: they name the file, the column and the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read, written or moved into place.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done: "read", "write", "create", ...
        action: &'static str,
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
        "{}: no column for the {role} role{hint}. The file has the columns: {available}. \
         Set `{setting}` to the column's name.",
        path.display()
    )]
    MissingRole {
        /// The file.
        path: PathBuf,
        /// The role that could not be resolved.
        role: &'static str,
        /// The setting that names its column, e.g. `ColumnRoles::customer`.
        setting: &'static str,
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
    #[error("invalid `{name}`: {message}")]
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
    /// A model fit did not reach an optimum that can be trusted (iterations ran out, the
    /// likelihood is not finite there, or a parameter ran towards 0 or infinity). The message says
    /// what to try.
    #[error("{message}")]
    NotConverged {
        /// The setting most likely to help, e.g. `BetaGeoParams::penalizer`.
        setting: &'static str,
        /// What happened and what to try.
        message: String,
    },
    /// A distributed engine (a Ballista cluster) could not be reached or could not run the work.
    #[error("engine {address}: {message}")]
    Engine {
        /// The engine's address, e.g. `df://10.0.0.5:50050`.
        address: String,
        /// What went wrong, naming the file where one is at fault, and what to do.
        message: String,
    },
    /// An error from polars while custseg was doing something it names.
    #[error("{doing} failed in polars: {source}")]
    Polars {
        /// What custseg was doing, e.g. "computing RFM values".
        doing: std::borrow::Cow<'static, str>,
        /// polars' error.
        source: polars::error::PolarsError,
    },
}

/// What a polars error becomes when no step has named itself yet; [`Context::doing`] replaces it.
const UNNAMED_STEP: &str = "a data frame operation";

impl From<polars::error::PolarsError> for Error {
    fn from(source: polars::error::PolarsError) -> Self {
        Error::Polars {
            doing: UNNAMED_STEP.into(),
            source,
        }
    }
}

/// Names the step a polars error happened in: `rfm_values(&tx).doing("computing RFM values")?`.
pub trait Context<T> {
    /// A polars error from this result (or one that surfaced through custseg without a step's
    /// name) now says that it happened while `what`.
    fn doing(self, what: impl Into<std::borrow::Cow<'static, str>>) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn doing(self, what: impl Into<std::borrow::Cow<'static, str>>) -> Result<T> {
        self.map_err(|e| match e.into() {
            Error::Polars { doing, source } if doing == UNNAMED_STEP => Error::Polars {
                doing: what.into(),
                source,
            },
            other => other,
        })
    }
}

/// Result alias used throughout custseg.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A failure to read `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action: "read",
            source,
        }
    }

    /// A failure to write `path` (or to create it, or to move it into place).
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action: "write",
            source,
        }
    }

    /// A file that is not in a form custseg can read, with what is wrong and how to fix it.
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
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

    /// An invalid parameter: `name` is the setting in the caller's words (for the library,
    /// `RfmParams::weights`; for the command line, `--weights`).
    pub fn param(name: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            message: message.into(),
        }
    }
}
