//! What decides how a file becomes clean transactions: one value every loading path reads.

use crate::data::clean::CleaningRules;
use crate::data::dates::DateFormat;
use crate::data::roles::ColumnRoles;
use crate::data::source::ReadOptions;

/// Everything that decides how a file becomes clean transactions.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoadOptions {
    /// File format, encoding, delimiter, sheet.
    pub read: ReadOptions,
    /// Which column plays which role.
    pub roles: ColumnRoles,
    /// Date layout; detected when `None`.
    pub date_format: Option<DateFormat>,
    /// Layouts tried, in order, for a date the main layout cannot read: the health study's
    /// export has `DD/MM/YYYY HH:MM` dates among year-first ones, which `[DateFormat::DayFirst]`
    /// converts instead of dropping.
    pub other_date_formats: Vec<DateFormat>,
    /// Which rows to drop.
    pub rules: CleaningRules,
}
