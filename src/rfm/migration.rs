//! Segment migration: where the customers of each RFM segment on one day stood on a later day.
//!
//! Customers are scored twice, as they stood at the end of the `from` day and at the end of the
//! `to` day ([`RfmParams::observation_end`]: later transactions are left out, recency is measured
//! to the next day). Then:
//!
//! * the **transition matrix** counts, for every pair of segments, the customers who were in the
//!   first on `from` and in the second on `to`. It holds every customer seen by `from`: RFM keeps
//!   a customer once seen, so nobody leaves the table between the dates;
//! * **arrived** counts, per segment on `to`, the customers whose first purchase came after `from`;
//! * **lapsed** counts, per segment on `from`, the customers who made no purchase after `from` up
//!   to `to`: their recency on `to` is the interval `to - from` plus their recency on `from`, so
//!   it is above `to - from` days. This is what "left" can mean in RFM;
//! * [`Migration::describe`] says in words where a segment's customers went, largest move first.
//!
//! # Cohort scoring
//! Quantile scores are relative: a customer who buys as before can change segment because the
//! others changed. [`CohortScoring`] says how the second date is scored:
//!
//! * [`CohortScoring::FixedEdges`] (the default): the first date is scored with the chosen method,
//!   then both dates are scored with the first date's cut points, so a segment means the same
//!   behaviour on both days. The cut points are the largest value each score held on `from`
//!   ([`crate::rfm::scoring::MeasureScoring::ranges`]), used as [`ScoringMethod::Thresholds`]
//!   (bins closed on the right). Where quantiles already gave unique edges this scores `from`
//!   exactly as the quantiles did. Where customers with the same value were split over two
//!   scores (frequency is ranked with `rank(method="first")`, and any measure falls back to it on
//!   heavy ties), fixed cut points cannot split them: they all take the score of the lowest bin
//!   that held the value, that is the lower F or M score and, recency being reversed, the higher
//!   R score. Both dates are scored that way, so ties never look like moves. An empty bin keeps
//!   (almost) no room: its cut point is the next float above the previous one. With
//!   [`ScoringMethod::Thresholds`] the cut points are fixed already and both choices agree.
//! * [`CohortScoring::Rescored`]: each date is scored on its own quantiles, as two separate
//!   `custseg rfm` runs would score it. Segments then mean "relative to the customers of that
//!   day": a cohort that buys more overall pushes the cut points up.
//!
//! ```no_run
//! use chrono::NaiveDate;
//! use custseg::prelude::*;
//! let tx = Transactions::bundled(&LoadOptions::default())?;
//! let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! let migration = MigrationParams::new(day(2011, 6, 1), day(2011, 12, 9)).fit(&tx)?;
//! println!("{}", migration.describe("Champions")?);
//! # Ok::<(), custseg::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};
use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::dates::{MS_PER_DAY, date_of};
use crate::data::transactions::Transactions;
use crate::display::{escape_html, html_table};
use crate::error::{Context, Error, Result};
use crate::format::{NumberFormat, shorten};
use crate::frame::{float_values, text_table, text_values};
use crate::rfm::scoring::{Measure, ScoringMethod, ScoringReport};
use crate::rfm::segments::SegmentMap;
use crate::rfm::table::{RfmParams, RfmTable};

/// How the two dates of a migration are scored; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CohortScoring {
    /// Both dates scored with the cut points of the first date's scoring, so that a segment
    /// means the same behaviour on both days.
    #[default]
    FixedEdges,
    /// Each date scored on its own (quantiles of that day's customers).
    Rescored,
}

impl CohortScoring {
    /// `fixed-edges` or `rescored`, as the command line writes them.
    pub fn name(self) -> &'static str {
        match self {
            CohortScoring::FixedEdges => "fixed-edges",
            CohortScoring::Rescored => "rescored",
        }
    }

    /// Reads `fixed-edges` (or `fixed`) and `rescored`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fixed-edges" | "fixed_edges" | "fixed" => Ok(CohortScoring::FixedEdges),
            "rescored" | "re-scored" => Ok(CohortScoring::Rescored),
            _ => Err(Error::param(
                "MigrationParams::cohort",
                format!(
                    "unknown cohort scoring \"{}\"; use fixed-edges or rescored",
                    shorten(text, 40)
                ),
            )),
        }
    }

    /// One line for reports: what the choice means.
    pub fn explain(self) -> &'static str {
        match self {
            CohortScoring::FixedEdges => {
                "fixed edges: both dates scored with the first date's cut points"
            }
            CohortScoring::Rescored => "re-scored: each date scored on its own",
        }
    }
}

/// Parameters of a segment migration, checked by [`MigrationParams::fit`].
#[derive(Debug, Clone)]
pub struct MigrationParams {
    from: NaiveDate,
    to: NaiveDate,
    scoring: ScoringMethod,
    segments: SegmentMap,
    cohort: CohortScoring,
}

impl MigrationParams {
    /// From the end of `from` to the end of `to`: quintiles, the 11-segment table, fixed edges.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        MigrationParams {
            from,
            to,
            scoring: ScoringMethod::quintiles(),
            segments: SegmentMap::table(),
            cohort: CohortScoring::default(),
        }
    }

    /// How to turn values into scores (on the first date; see [`CohortScoring`] for the second).
    pub fn scoring(mut self, method: ScoringMethod) -> Self {
        self.scoring = method;
        self
    }

    /// The segment map.
    pub fn segments(mut self, map: SegmentMap) -> Self {
        self.segments = map;
        self
    }

    /// How the two dates are scored.
    pub fn cohort(mut self, cohort: CohortScoring) -> Self {
        self.cohort = cohort;
        self
    }

    /// Checks the parameters without data: the dates' order, the scoring and the map.
    pub fn check(&self) -> Result<()> {
        if self.from >= self.to {
            return Err(Error::param(
                "MigrationParams::from",
                format!(
                    "{} is not before `MigrationParams::to` ({}); the first snapshot must come \
                     before the second",
                    self.from, self.to
                ),
            ));
        }
        self.rfm(self.scoring.clone()).check()
    }

    /// Scores the customers on both dates and counts their moves.
    pub fn fit(&self, transactions: &Transactions) -> Result<Migration> {
        self.fit_steps(transactions)
            .doing("computing the segment migration")
    }

    fn fit_steps(&self, transactions: &Transactions) -> Result<Migration> {
        self.check()?;
        self.check_dates(transactions)?;
        let (first, scoring) = self.first_snapshot(transactions)?;
        let second = self
            .rfm(scoring)
            .observation_end(self.to)
            .fit(transactions)?;
        let order = self.segments.segment_names();
        let interval = (self.to - self.from).num_days();
        let counted = tally(&order, &first, &second, interval)?;
        Ok(Migration {
            from: self.from,
            to: self.to,
            cohort: self.cohort,
            order,
            counts: counted.counts,
            arrived: counted.arrived,
            lapsed: counted.lapsed,
            first,
            second,
        })
    }

    fn rfm(&self, scoring: ScoringMethod) -> RfmParams {
        RfmParams::new()
            .scoring(scoring)
            .segments(self.segments.clone())
    }

    /// Both dates within the data: `from` on or after the first transaction's day, `to` on or
    /// before the last one's.
    fn check_dates(&self, transactions: &Transactions) -> Result<()> {
        let (first, last) = data_days(transactions)?;
        if self.from < first {
            return Err(Error::param(
                "MigrationParams::from",
                format!(
                    "{} is before the first transaction ({first}); choose a day inside the data",
                    self.from
                ),
            ));
        }
        if self.to > last {
            return Err(Error::param(
                "MigrationParams::to",
                format!(
                    "{} is after the last transaction ({last}): the second snapshot counts the \
                     days up to and including it, and days without data would make customers \
                     look lapsed; choose a day inside the data, at the latest {last}",
                    self.to
                ),
            ));
        }
        Ok(())
    }

    /// The first date's table and the scoring the second date takes.
    fn first_snapshot(&self, transactions: &Transactions) -> Result<(RfmTable, ScoringMethod)> {
        let table = self
            .rfm(self.scoring.clone())
            .observation_end(self.from)
            .fit(transactions)?;
        match (self.cohort, &self.scoring) {
            (CohortScoring::FixedEdges, ScoringMethod::Quantiles { .. }) => {
                let fixed = fixed_cut_points(table.scoring())?;
                let table = self
                    .rfm(fixed.clone())
                    .observation_end(self.from)
                    .fit(transactions)?;
                Ok((table, fixed))
            }
            _ => Ok((table, self.scoring.clone())),
        }
    }
}

/// The first and last transaction's days.
fn data_days(transactions: &Transactions) -> Result<(NaiveDate, NaiveDate)> {
    let frame = transactions.frame();
    let dates = cols::date_ms(&frame)?;
    match (dates.min(), dates.max()) {
        (Some(first), Some(last)) => Ok((
            date_of(first.div_euclid(MS_PER_DAY)),
            date_of(last.div_euclid(MS_PER_DAY)),
        )),
        _ => Err(Error::param("transactions", "there are no transactions")),
    }
}

/// The cut points that reproduce `report`'s scores: per measure, the largest value each score
/// held, in ascending order of value (recency's scores are reversed back to days).
fn fixed_cut_points(report: &ScoringReport) -> Result<ScoringMethod> {
    let cuts = |measure: Measure| -> Result<Vec<f64>> {
        let mut ranges = report
            .measures
            .iter()
            .find(|m| m.measure == measure)
            .map(|m| m.ranges.clone())
            .unwrap_or_default();
        if measure == Measure::Recency {
            ranges.reverse();
        }
        upper_bounds(&ranges).ok_or_else(|| {
            Error::param(
                "MigrationParams::cohort",
                format!(
                    "the first date's scoring has no {} values to take cut points from",
                    measure.name()
                ),
            )
        })
    };
    Ok(ScoringMethod::Thresholds {
        recency: cuts(Measure::Recency)?,
        frequency: cuts(Measure::Frequency)?,
        monetary: cuts(Measure::Monetary)?,
    })
}

/// Strictly ascending cut points, one per bin but the last, from the (smallest, largest) value
/// of each bin in ascending order (`None` for an empty bin): the largest value reached by that
/// bin. Empty bins before the first value get cut points just below it; a cut point that would
/// not exceed the previous one (an empty bin, or a value split over two bins) becomes the next
/// float above it. `None` without any value or with fewer than two bins.
fn upper_bounds(ranges: &[Option<(f64, f64)>]) -> Option<Vec<f64>> {
    if ranges.len() < 2 {
        return None;
    }
    let lowest = ranges
        .iter()
        .flatten()
        .map(|&(low, _)| low)
        .reduce(f64::min)?;
    let mut reached: Option<f64> = None;
    let reach: Vec<Option<f64>> = ranges[..ranges.len() - 1]
        .iter()
        .map(|range| {
            if let Some((_, high)) = range {
                reached = Some(reached.map_or(*high, |r| r.max(*high)));
            }
            reached
        })
        .collect();
    let leading = reach.iter().take_while(|r| r.is_none()).count();
    let mut cuts: Vec<f64> = (0..leading)
        .map(|k| steps_below(lowest, leading - k))
        .collect();
    for cut in reach.into_iter().flatten() {
        let cut = match cuts.last() {
            Some(&previous) if cut <= previous => previous.next_up(),
            _ => cut,
        };
        cuts.push(cut);
    }
    Some(cuts)
}

/// `x` moved `steps` floats down.
fn steps_below(x: f64, steps: usize) -> f64 {
    (0..steps).fold(x, |value, _| value.next_down())
}

/// The counts of a migration.
struct Tally {
    counts: Vec<Vec<usize>>,
    arrived: Vec<usize>,
    lapsed: Vec<usize>,
}

/// Counts each customer of `second` under its segment in `first` (or as arrived) and its segment
/// in `second`; lapsed where the recency on the second date exceeds `interval` days.
fn tally(order: &[String], first: &RfmTable, second: &RfmTable, interval: i64) -> Result<Tally> {
    // The first place of a name wins (a map may name a rule "Other").
    let index: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .rev()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let segment_of = |name: &str| -> Result<usize> {
        index.get(name).copied().ok_or_else(|| {
            Error::param(
                "MigrationParams::segments",
                format!("segment \"{}\" is not in the map", shorten(name, 80)),
            )
        })
    };
    let first_frame = first.frame();
    let first_ids = text_values(&first_frame, cols::CUSTOMER)?;
    let first_segments = text_values(&first_frame, "segment")?;
    let mut start: HashMap<&str, usize> = HashMap::with_capacity(first_ids.len());
    for (id, segment) in first_ids.iter().zip(&first_segments) {
        start.insert(id.as_str(), segment_of(segment.as_str())?);
    }
    let second_frame = second.frame();
    let second_ids = text_values(&second_frame, cols::CUSTOMER)?;
    let second_segments = text_values(&second_frame, "segment")?;
    let recency = float_values(&second_frame, "recency")?;
    let n = order.len();
    let mut tally = Tally {
        counts: vec![vec![0; n]; n],
        arrived: vec![0; n],
        lapsed: vec![0; n],
    };
    for ((id, segment), days) in second_ids.iter().zip(&second_segments).zip(&recency) {
        let end = segment_of(segment.as_str())?;
        match start.get(id.as_str()) {
            Some(&begin) => {
                tally.counts[begin][end] += 1;
                if *days > interval as f64 {
                    tally.lapsed[begin] += 1;
                }
            }
            None => tally.arrived[end] += 1,
        }
    }
    Ok(tally)
}

/// How customers moved between segments from one date to another; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Migration {
    from: NaiveDate,
    to: NaiveDate,
    cohort: CohortScoring,
    order: Vec<String>,
    counts: Vec<Vec<usize>>,
    arrived: Vec<usize>,
    lapsed: Vec<usize>,
    first: RfmTable,
    second: RfmTable,
}

impl Migration {
    /// The first date (customers as they stood at its end).
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The second date.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// How the dates were scored.
    pub fn cohort(&self) -> CohortScoring {
        self.cohort
    }

    /// The map's segments in priority order, then "Other": the rows and columns of
    /// [`Migration::counts`], and the order (and colours) of the charts.
    pub fn segment_order(&self) -> &[String] {
        &self.order
    }

    /// `counts()[i][j]`: customers in segment `i` on the first date and in segment `j` on the
    /// second, over the customers seen by the first date.
    pub fn counts(&self) -> &[Vec<usize>] {
        &self.counts
    }

    /// The customers who moved from segment `from` to segment `to` (0 for a name outside the
    /// map).
    pub fn count(&self, from: &str, to: &str) -> usize {
        match (self.index_of(from), self.index_of(to)) {
            (Some(i), Some(j)) => self.counts[i][j],
            _ => 0,
        }
    }

    /// Each row of [`Migration::counts`] as shares of its total (a row without customers is all
    /// zeros).
    pub fn row_shares(&self) -> Vec<Vec<f64>> {
        self.counts
            .iter()
            .map(|row| {
                let total: usize = row.iter().sum();
                row.iter()
                    .map(|&c| {
                        if total == 0 {
                            0.0
                        } else {
                            c as f64 / total as f64
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Per segment on the second date: customers whose first purchase came after the first date.
    pub fn arrived(&self) -> &[usize] {
        &self.arrived
    }

    /// Per segment on the first date: customers with no purchase after it up to the second date.
    pub fn lapsed(&self) -> &[usize] {
        &self.lapsed
    }

    /// Per segment: customers on the first date (the rows' totals).
    pub fn starting(&self) -> Vec<usize> {
        self.counts.iter().map(|row| row.iter().sum()).collect()
    }

    /// Per segment: customers on the second date (the columns' totals and the arrivals).
    pub fn ending(&self) -> Vec<usize> {
        (0..self.order.len())
            .map(|j| self.counts.iter().map(|row| row[j]).sum::<usize>() + self.arrived[j])
            .collect()
    }

    /// The RFM table of the first date (scored as [`CohortScoring`] says).
    pub fn first_table(&self) -> &RfmTable {
        &self.first
    }

    /// The RFM table of the second date.
    pub fn second_table(&self) -> &RfmTable {
        &self.second
    }

    fn index_of(&self, segment: &str) -> Option<usize> {
        self.order.iter().position(|s| s == segment)
    }

    /// The moves as a frame, one row per pair of segments with at least one customer, in the
    /// map's order: `from_segment, to_segment, customers, share_of_from` (the share of the
    /// `from_segment`'s customers; they add up to 1 per `from_segment`).
    pub fn to_frame(&self) -> Result<DataFrame> {
        let moves = self.moves();
        let from: Vec<&str> = moves.iter().map(|m| self.order[m.0].as_str()).collect();
        let to: Vec<&str> = moves.iter().map(|m| self.order[m.1].as_str()).collect();
        let customers: Vec<u64> = moves.iter().map(|m| m.2 as u64).collect();
        let shares: Vec<f64> = moves.iter().map(|m| m.3).collect();
        Ok(DataFrame::new(
            moves.len(),
            vec![
                Column::new("from_segment".into(), from),
                Column::new("to_segment".into(), to),
                Column::new("customers".into(), customers),
                Column::new("share_of_from".into(), shares),
            ],
        )?)
    }

    /// One row per segment with customers on either date: `segment, customers_from,
    /// customers_to, stayed, lapsed, arrived`.
    pub fn segment_frame(&self) -> Result<DataFrame> {
        let (starting, ending) = (self.starting(), self.ending());
        let kept: Vec<usize> = (0..self.order.len())
            .filter(|&i| starting[i] > 0 || ending[i] > 0)
            .collect();
        let stayed: Vec<usize> = (0..self.order.len()).map(|i| self.counts[i][i]).collect();
        let pick =
            |values: &[usize]| -> Vec<u64> { kept.iter().map(|&i| values[i] as u64).collect() };
        let names: Vec<&str> = kept.iter().map(|&i| self.order[i].as_str()).collect();
        Ok(DataFrame::new(
            kept.len(),
            vec![
                Column::new("segment".into(), names),
                Column::new("customers_from".into(), pick(starting.as_slice())),
                Column::new("customers_to".into(), pick(ending.as_slice())),
                Column::new("stayed".into(), pick(stayed.as_slice())),
                Column::new("lapsed".into(), pick(self.lapsed.as_slice())),
                Column::new("arrived".into(), pick(self.arrived.as_slice())),
            ],
        )?)
    }

    /// (from index, to index, customers, share of the from segment) of every non-empty cell.
    fn moves(&self) -> Vec<(usize, usize, usize, f64)> {
        let mut moves = Vec::new();
        for (i, row) in self.counts.iter().enumerate() {
            let total: usize = row.iter().sum();
            for (j, &customers) in row.iter().enumerate().filter(|(_, c)| **c > 0) {
                moves.push((i, j, customers, customers as f64 / total as f64));
            }
        }
        moves
    }

    /// Where the customers of `segment` on the first date stood on the second, in words, largest
    /// share first (ties in the map's order): "Of the 120 Champions on 2011-06-01, 61.7% were
    /// still Champions on 2011-12-09, 25.0% became Loyal Customers and 13.3% became At Risk. 14 of
    /// them (11.7%) made no purchase from 2011-06-02 to 2011-12-09."
    pub fn describe(&self, segment: &str) -> Result<String> {
        let i = self.index_of(segment).ok_or_else(|| {
            Error::param(
                "Migration::describe",
                format!(
                    "\"{}\" is not a segment of this migration; its segments are: {}",
                    shorten(segment, 80),
                    self.order.join(", ")
                ),
            )
        })?;
        let row = &self.counts[i];
        let total: usize = row.iter().sum();
        if total == 0 {
            return Ok(format!("No customers were {segment} on {}.", self.from));
        }
        let number = NumberFormat::default();
        let share = |c: usize| number.percent(c as f64 / total as f64);
        let mut targets: Vec<(usize, usize)> = row
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, c)| *c > 0)
            .collect();
        // A stable sort: equal counts keep the map's order.
        targets.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        let parts: Vec<String> = targets
            .iter()
            .enumerate()
            .map(|(k, &(j, c))| {
                let part = if j == i {
                    format!("{} were still {}", share(c), self.order[j])
                } else {
                    format!("{} became {}", share(c), self.order[j])
                };
                if k == 0 {
                    format!("{part} on {}", self.to)
                } else {
                    part
                }
            })
            .collect();
        let mut text = format!(
            "Of the {} {} on {}, {}.",
            number.count(total),
            self.order[i],
            self.from,
            join_list(&parts)
        );
        let lapsed = self.lapsed[i];
        if lapsed > 0 {
            let _ = write!(
                text,
                " {} of them ({}) made no purchase from {} to {}.",
                number.count(lapsed),
                share(lapsed),
                self.from + Duration::days(1),
                self.to
            );
        }
        Ok(text)
    }

    /// [`Migration::describe`] for every segment with customers on the first date, in the map's
    /// order.
    pub fn descriptions(&self) -> Vec<String> {
        let starting = self.starting();
        self.order
            .iter()
            .zip(starting)
            .filter(|(_, n)| *n > 0)
            .filter_map(|(name, _)| self.describe(name).ok())
            .collect()
    }

    /// One line: the dates, the customers on each and how the dates were scored.
    pub fn headline(&self) -> String {
        let number = NumberFormat::default();
        let first: usize = self.starting().iter().sum();
        let second: usize = self.ending().iter().sum();
        let arrived: usize = self.arrived.iter().sum();
        format!(
            "Segment migration from {} to {}: {} customers on {}, {} on {} ({} first seen after {}); {}",
            self.from,
            self.to,
            number.count(first),
            self.from,
            number.count(second),
            self.to,
            number.count(arrived),
            self.from,
            self.cohort.explain()
        )
    }

    /// The migration as HTML (escaped): the headline, the segment table, the moves and the
    /// sentences.
    pub fn html(&self) -> String {
        let mut out = format!("<p><b>{}</b></p>", escape_html(&self.headline()));
        if let Ok(frame) = self.segment_frame() {
            out.push_str(&html_table(&frame, 200));
        }
        if let Ok(frame) = self.to_frame() {
            out.push_str(&html_table(&frame, 400));
        }
        out.push_str("<ul>");
        for sentence in self.descriptions() {
            let _ = write!(out, "<li>{}</li>", escape_html(&sentence));
        }
        out.push_str("</ul>");
        out
    }

    /// Shows the migration in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.html()
        );
    }

    /// The moves for the terminal: shares as percentages.
    fn moves_text(&self) -> Result<String> {
        let number = NumberFormat::default();
        let moves = self.moves();
        let from: Vec<&str> = moves.iter().map(|m| self.order[m.0].as_str()).collect();
        let to: Vec<&str> = moves.iter().map(|m| self.order[m.1].as_str()).collect();
        let customers: Vec<u64> = moves.iter().map(|m| m.2 as u64).collect();
        let shares: Vec<String> = moves.iter().map(|m| number.percent(m.3)).collect();
        let frame = DataFrame::new(
            moves.len(),
            vec![
                Column::new("from_segment".into(), from),
                Column::new("to_segment".into(), to),
                Column::new("customers".into(), customers),
                Column::new("share_of_from".into(), shares),
            ],
        )?;
        Ok(text_table(&frame))
    }
}

/// "a", "a and b", "a, b and c".
fn join_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl fmt::Display for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let segments = self.segment_frame().map_err(|_| fmt::Error)?;
        let moves = self.moves_text().map_err(|_| fmt::Error)?;
        writeln!(f, "{}\n", self.headline())?;
        writeln!(f, "{}", text_table(&segments))?;
        writeln!(f, "{moves}")?;
        for sentence in self.descriptions() {
            writeln!(f, "{sentence}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bounds_of_clean_bins_are_their_largest_values() {
        let ranges = [Some((1.0, 3.0)), Some((4.0, 7.0)), Some((9.0, 20.0))];
        assert_eq!(upper_bounds(&ranges), Some(vec![3.0, 7.0]));
    }

    #[test]
    fn ties_split_over_bins_fall_to_the_lowest_bin() {
        // rank-first put customers with frequency 1 in bins 1, 2 and 3.
        let ranges = [
            Some((1.0, 1.0)),
            Some((1.0, 1.0)),
            Some((1.0, 2.0)),
            Some((2.0, 3.0)),
            Some((3.0, 10.0)),
        ];
        let cuts = upper_bounds(&ranges).unwrap();
        assert_eq!(cuts, vec![1.0, 1.0f64.next_up(), 2.0, 3.0]);
        let method = ScoringMethod::Thresholds {
            recency: cuts.clone(),
            frequency: cuts.clone(),
            monetary: cuts,
        };
        assert!(method.check().is_ok());
        let values = [1.0, 2.0, 3.0, 4.0];
        let scores = crate::rfm::scoring::score(&method, &values, &values, &values).unwrap();
        assert_eq!(scores.f, vec![1, 3, 4, 5]);
        // Recency is reversed: the tied value takes the best R score of its bins.
        assert_eq!(scores.r, vec![5, 3, 2, 1]);
    }

    #[test]
    fn empty_bins_keep_the_one_value_in_its_score() {
        // Every customer had the same value: all got the middle score 3 of 5.
        let ranges = [None, None, Some((5.0, 5.0)), None, None];
        let cuts = upper_bounds(&ranges).unwrap();
        assert_eq!(
            cuts,
            vec![
                5.0f64.next_down().next_down(),
                5.0f64.next_down(),
                5.0,
                5.0f64.next_up()
            ]
        );
        let method = ScoringMethod::Thresholds {
            recency: cuts.clone(),
            frequency: cuts.clone(),
            monetary: cuts,
        };
        let scores = crate::rfm::scoring::score(&method, &[5.0], &[5.0], &[5.0]).unwrap();
        assert_eq!((scores.r[0], scores.f[0], scores.m[0]), (3, 3, 3));
        assert_eq!(upper_bounds(&[None, None]), None);
        assert_eq!(upper_bounds(&[Some((1.0, 1.0))]), None);
    }

    #[test]
    fn lists_read_as_english() {
        let parts = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_list(&parts(&["a"])), "a");
        assert_eq!(join_list(&parts(&["a", "b"])), "a and b");
        assert_eq!(join_list(&parts(&["a", "b", "c"])), "a, b and c");
    }

    #[test]
    fn cohort_names_round_trip() {
        for cohort in [CohortScoring::FixedEdges, CohortScoring::Rescored] {
            assert_eq!(CohortScoring::parse(cohort.name()).unwrap(), cohort);
        }
        let err = CohortScoring::parse("sideways").unwrap_err().to_string();
        assert!(err.contains("MigrationParams::cohort"), "{err}");
    }
}
