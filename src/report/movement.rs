//! The report's "Movement" section: the RFM segments at two dates on the same scoring rules, the
//! transition matrix, the flow chart, and where each segment's customers went, in words.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::chart::migration::migration_flow;
use crate::data::transactions::Transactions;
use crate::error::{Error, Result};
use crate::format::NumberFormat;
use crate::report::config::{MovementConfig, StudyConfig};
use crate::rfm::migration::{Migration, MigrationParams};

/// Days of data the first date needs behind it: with less, most customers' first-date scores
/// rest on a few weeks of purchases and every move looks like growth.
const MIN_HISTORY_DAYS: i64 = 90;

/// A table row of formatted cells.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MovementRow {
    pub cells: Vec<String>,
}

/// Everything the template's "Movement" section shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MovementSection {
    pub from: String,
    pub to: String,
    pub headline: String,
    /// How the dates were scored, in words.
    pub cohort: String,
    /// segment, customers on each date, stayed, lapsed, arrived.
    pub segments: Vec<MovementRow>,
    /// The segments on the first date that have customers (the matrix's rows).
    pub matrix_rows: Vec<String>,
    /// The matrix's columns: every segment with customers on the second date.
    pub matrix_columns: Vec<String>,
    /// Row shares, formatted; empty where no customer moved.
    pub matrix: Vec<MovementRow>,
    /// One sentence per segment of the first date: where its customers went.
    pub sentences: Vec<String>,
    pub chart: String,
}

/// The section, or the sentence saying why there is none.
pub(crate) enum MovementOutcome {
    Section(Box<MovementSection>),
    Skipped(String),
}

/// The dates of the migration: `to` defaults to the last transaction day and `from` to `months`
/// before it; `Err` with the sentence to show when the data does not cover enough time.
fn dates(
    config: &MovementConfig,
    first: NaiveDate,
    last: NaiveDate,
) -> std::result::Result<(NaiveDate, NaiveDate), String> {
    let to = config.to.unwrap_or(last);
    let from = match config.from {
        Some(from) => from,
        None => to
            .checked_sub_months(Months::new(config.months))
            .unwrap_or(first),
    };
    let history = (from - first).num_days();
    // Dates set in the study file are the user's choice; only the default one is judged.
    if config.from.is_none() && history < MIN_HISTORY_DAYS {
        return Err(format!(
            "Segment movement was not computed: the first date, {from}, has {} days of data \
             before it (the data starts {first}), fewer than the {MIN_HISTORY_DAYS} needed for \
             scores that mean something; set movement.from later or movement.months lower.",
            history.max(0)
        ));
    }
    Ok((from, to))
}

/// Scores the customers at both dates with the study's RFM choices and prepares the section.
pub(crate) fn movement_section(
    study: &StudyConfig,
    transactions: &Transactions,
    fmt: &NumberFormat,
) -> Result<MovementOutcome> {
    let config = &study.movement;
    let sanity = transactions.sanity();
    let (first, last) = (sanity.first_date.date(), sanity.last_date.date());
    let (from, to) = match dates(config, first, last) {
        Ok(dates) => dates,
        Err(skipped) => return Ok(MovementOutcome::Skipped(skipped)),
    };
    check_inside(from, to, first, last)?;
    let migration = MigrationParams::new(from, to)
        .scoring(study.rfm.scoring.clone())
        .segments(study.segment_map()?)
        .cohort(config.cohort()?)
        .fit(transactions)?;
    let (matrix_rows, matrix_columns, matrix) = matrix(&migration, fmt);
    Ok(MovementOutcome::Section(Box::new(MovementSection {
        from: from.to_string(),
        to: to.to_string(),
        headline: migration.headline(),
        cohort: migration.cohort().explain().to_string(),
        segments: segment_rows(&migration, fmt),
        matrix_rows,
        matrix_columns,
        matrix,
        sentences: migration.descriptions(),
        chart: migration_flow(&migration)?.svg().to_string(),
    })))
}

/// Dates set in the study file must fall inside the data (errors name the file's keys).
fn check_inside(from: NaiveDate, to: NaiveDate, first: NaiveDate, last: NaiveDate) -> Result<()> {
    if from < first {
        return Err(Error::param(
            "movement.from",
            format!(
                "{from} is before the first transaction ({first}); choose a day inside the data"
            ),
        ));
    }
    if to > last {
        return Err(Error::param(
            "movement.to",
            format!(
                "{to} is after the last transaction ({last}); days without data would make \
                 customers look lapsed: choose a day up to {last}, or leave movement.to out"
            ),
        ));
    }
    if from >= to {
        return Err(Error::param(
            "movement.from",
            format!("{from} is not before the second date ({to})"),
        ));
    }
    Ok(())
}

fn segment_rows(migration: &Migration, fmt: &NumberFormat) -> Vec<MovementRow> {
    let (starting, ending) = (migration.starting(), migration.ending());
    migration
        .segment_order()
        .iter()
        .enumerate()
        .filter(|&(i, _)| starting[i] > 0 || ending[i] > 0)
        .map(|(i, name)| MovementRow {
            cells: vec![
                name.clone(),
                fmt.count(starting[i]),
                fmt.count(ending[i]),
                fmt.count(migration.counts()[i][i]),
                fmt.count(migration.lapsed()[i]),
                fmt.count(migration.arrived()[i]),
            ],
        })
        .collect()
}

/// The row shares of the segments present: rows are the first date's segments, columns the
/// second's; each row adds up to 100%.
fn matrix(
    migration: &Migration,
    fmt: &NumberFormat,
) -> (Vec<String>, Vec<String>, Vec<MovementRow>) {
    let order = migration.segment_order();
    let (starting, ending) = (migration.starting(), migration.ending());
    let rows: Vec<usize> = (0..order.len()).filter(|&i| starting[i] > 0).collect();
    let columns: Vec<usize> = (0..order.len()).filter(|&j| ending[j] > 0).collect();
    let shares = migration.row_shares();
    let matrix = rows
        .iter()
        .map(|&i| MovementRow {
            cells: columns
                .iter()
                .map(|&j| {
                    if migration.counts()[i][j] == 0 {
                        String::new()
                    } else {
                        fmt.percent(shares[i][j])
                    }
                })
                .collect(),
        })
        .collect();
    let names = |indices: &[usize]| indices.iter().map(|&i| order[i].clone()).collect();
    (names(&rows), names(&columns), matrix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn default_dates_are_months_before_the_last_day() {
        let config = MovementConfig::default();
        let (from, to) = dates(&config, day("2010-12-01"), day("2011-12-09")).unwrap();
        assert_eq!((from, to), (day("2011-06-09"), day("2011-12-09")));
    }

    #[test]
    fn too_little_history_before_the_first_date_is_a_sentence() {
        let config = MovementConfig::default();
        let why = dates(&config, day("2011-05-01"), day("2011-12-09")).unwrap_err();
        assert!(why.contains("2011-06-09"), "{why}");
        assert!(why.contains("39 days"), "{why}");
        assert!(why.contains("movement.months"), "{why}");
        // A first date set by the user is taken as it is.
        let fixed = MovementConfig {
            from: Some(day("2011-06-01")),
            ..MovementConfig::default()
        };
        let (from, to) = dates(&fixed, day("2011-05-01"), day("2011-12-09")).unwrap();
        assert_eq!((from, to), (day("2011-06-01"), day("2011-12-09")));
        assert!(check_inside(from, to, day("2011-06-02"), to).is_err());
        assert!(check_inside(from, day("2011-12-10"), day("2011-05-01"), to).is_err());
        assert!(check_inside(from, to, day("2011-05-01"), to).is_ok());
    }
}
