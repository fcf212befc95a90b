//! The per-customer RFM table: values, scores, code and segment.

use chrono::{Duration, NaiveDate};
use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::dates::MS_PER_DAY;
use crate::data::transactions::{Transactions, rows_until};
use crate::error::{Context, Error, Result};
use crate::exact_sum::ExactSum;
use crate::rfm::scoring::{ScoringMethod, ScoringReport, score};
use crate::rfm::segments::{Coverage, SegmentMap, rfm_code};

/// Parameters of an RFM analysis, checked by [`RfmParams::fit`] (linfa's params -> fit -> model
/// pattern).
///
/// ```no_run
/// use custseg::prelude::*;
/// let tx = Transactions::bundled(&LoadOptions::default())?;
/// let rfm = RfmParams::new().segments(SegmentMap::rf_regex()).fit(&tx)?;
/// println!("{}", rfm.segment_summary()?);
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RfmParams {
    snapshot: Option<NaiveDate>,
    observation_end: Option<NaiveDate>,
    scoring: ScoringMethod,
    weights: [f64; 3],
    segments: SegmentMap,
}

impl Default for RfmParams {
    fn default() -> Self {
        RfmParams {
            snapshot: None,
            observation_end: None,
            scoring: ScoringMethod::quintiles(),
            weights: [1.0, 1.0, 1.0],
            segments: SegmentMap::table(),
        }
    }
}

impl RfmParams {
    /// Quintile scoring, the 11-segment table, snapshot the day after the last transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// The date recency is measured to. Default: the day after the last transaction.
    pub fn snapshot(mut self, date: NaiveDate) -> Self {
        self.snapshot = Some(date);
        self
    }

    /// RFM as it stood at the end of this day: later transactions are left out, and recency is
    /// measured to the next day unless [`RfmParams::snapshot`] says otherwise. The `clv` command
    /// and segment migration score customers at such past dates.
    pub fn observation_end(mut self, day: NaiveDate) -> Self {
        self.observation_end = Some(day);
        self
    }

    /// How to turn values into scores.
    pub fn scoring(mut self, method: ScoringMethod) -> Self {
        self.scoring = method;
        self
    }

    /// Weights of R, F and M in the combined `score` (weighted sum; default 1, 1, 1, so the score
    /// is R + F + M).
    pub fn weights(mut self, r: f64, f: f64, m: f64) -> Self {
        self.weights = [r, f, m];
        self
    }

    /// The segment map.
    pub fn segments(mut self, map: SegmentMap) -> Self {
        self.segments = map;
        self
    }

    /// Checks the parameters without data.
    pub fn check(&self) -> Result<()> {
        self.scoring.check()?;
        if self.weights.iter().any(|w| !w.is_finite() || *w < 0.0)
            || self.weights.iter().all(|w| *w == 0.0)
        {
            return Err(Error::param(
                "RfmParams::weights",
                format!(
                    "must be finite, non-negative and not all zero, got {}",
                    self.weights.map(|w| w.to_string()).join(", ")
                ),
            ));
        }
        if self.segments.levels as usize != self.scoring.bins() {
            return Err(Error::param(
                "RfmParams::segments",
                format!(
                    "the map \"{}\" is written for {}-level scores but scoring gives {} levels; \
                     score with {} bins or use a map with `levels = {}`",
                    self.segments.name,
                    self.segments.levels,
                    self.scoring.bins(),
                    self.segments.levels,
                    self.scoring.bins()
                ),
            ));
        }
        Ok(())
    }

    /// Computes the RFM table from clean transactions.
    pub fn fit(&self, transactions: &Transactions) -> Result<RfmTable> {
        self.fit_steps(transactions)
            .doing("computing the RFM table")
    }

    fn fit_steps(&self, transactions: &Transactions) -> Result<RfmTable> {
        self.check()?;
        let mut frame = transactions.frame();
        let mut last = last_date(&frame)?;
        if let Some(end) = self.observation_end {
            frame = rows_until(&frame, end, "RfmParams::observation_end")?;
            last = end;
        }
        let snapshot = self.snapshot_after(last)?;
        let values = rfm_values(frame, transactions.has_invoices(), snapshot)?;
        self.table_from_values(values, snapshot, transactions.has_invoices())
    }

    /// The snapshot date for data whose last transaction is on `last`.
    pub(crate) fn snapshot_after(&self, last: NaiveDate) -> Result<NaiveDate> {
        let snapshot = self.snapshot.unwrap_or(last + Duration::days(1));
        if snapshot < last {
            return Err(Error::param(
                "RfmParams::snapshot",
                format!(
                    "{snapshot} is before the last transaction ({last}); recency would be negative"
                ),
            ));
        }
        Ok(snapshot)
    }

    /// The observation end, if any.
    pub(crate) fn observation_end_day(&self) -> Option<NaiveDate> {
        self.observation_end
    }

    /// Scores per-customer `recency, frequency, monetary` (one row per customer, in id order).
    pub(crate) fn table_from_values(
        &self,
        values: DataFrame,
        snapshot: NaiveDate,
        has_invoices: bool,
    ) -> Result<RfmTable> {
        let mut table = self.score_values(values, snapshot)?;
        if !has_invoices {
            table.scoring.fallbacks.push(
                "frequency counts purchase days: the data has no invoice column, so all of a \
                 customer's purchases on one calendar day count as one purchase"
                    .to_string(),
            );
        }
        Ok(table)
    }

    fn score_values(&self, values: DataFrame, snapshot: NaiveDate) -> Result<RfmTable> {
        let as_f64 = |name: &str| -> Result<Vec<f64>> {
            Ok(values
                .column(name)?
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| v.unwrap_or(0.0))
                .collect())
        };
        let (recency, frequency, monetary) = (
            as_f64("recency")?,
            as_f64("frequency")?,
            as_f64("monetary")?,
        );
        let scores = score(&self.scoring, &recency, &frequency, &monetary)?;
        let levels = self.scoring.bins() as u32;
        let [wr, wf, wm] = self.weights;
        // Every code's text and segment, computed once: at most levels^3 of them.
        let key =
            |r: u32, f: u32, m: u32| (((r - 1) * levels + (f - 1)) * levels + (m - 1)) as usize;
        let mut lookup: Vec<(String, String)> =
            Vec::with_capacity((levels * levels * levels) as usize);
        for r in 1..=levels {
            for f in 1..=levels {
                for m in 1..=levels {
                    debug_assert_eq!(key(r, f, m), lookup.len());
                    lookup.push((
                        rfm_code(r, f, m, levels),
                        self.segments.assign(r, f, m).to_string(),
                    ));
                }
            }
        }
        let n = values.height();
        let mut codes = Vec::with_capacity(n);
        let mut segment = Vec::with_capacity(n);
        let mut combined = Vec::with_capacity(n);
        for i in 0..n {
            let (r, f, m) = (scores.r[i], scores.f[i], scores.m[i]);
            let (code, name) = &lookup[key(r, f, m)];
            codes.push(code.as_str());
            segment.push(name.as_str());
            combined.push(wr * f64::from(r) + wf * f64::from(f) + wm * f64::from(m));
        }
        let mut columns = values.columns().to_vec();
        columns.push(Column::new("r".into(), &scores.r));
        columns.push(Column::new("f".into(), &scores.f));
        columns.push(Column::new("m".into(), &scores.m));
        columns.push(Column::new("rfm_code".into(), codes));
        columns.push(Column::new("score".into(), combined));
        columns.push(Column::new("segment".into(), segment));
        Ok(RfmTable {
            frame: DataFrame::new(n, columns)?,
            snapshot,
            scoring: scores.report,
            segments: self.segments.clone(),
        })
    }
}

fn last_date(frame: &DataFrame) -> Result<NaiveDate> {
    let dates = cols::date_ms(frame)?;
    let max = dates
        .max()
        .ok_or_else(|| Error::param("transactions", "there are no transactions"))?;
    Ok(chrono::DateTime::from_timestamp_millis(max)
        .unwrap_or_default()
        .date_naive())
}

/// recency, frequency, monetary per customer, in `customer_code` order, which is customer id
/// order (see [`crate::data::transactions`]).
///
/// One pass over integer-coded rows: the codes were made while loading, so nothing is hashed here.
fn rfm_values(frame: DataFrame, has_invoices: bool, snapshot: NaiveDate) -> Result<DataFrame> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let snapshot_day = (snapshot - epoch).num_days();
    let customer = frame.column(cols::CUSTOMER_CODE)?.u32()?.rechunk();
    let customer = customer.cont_slice().map_err(Error::from)?;
    let ids = frame.column(cols::CUSTOMER)?.str()?;
    let dates = cols::date_ms(&frame)?;
    let amounts = frame.column(cols::AMOUNT)?.f64()?.rechunk();
    let n = customer.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut last = vec![i64::MIN; n];
    let mut monetary = vec![ExactSum::default(); n];
    let mut frequency = vec![0i64; n];
    let mut names: Vec<Option<&str>> = vec![None; n];
    // Summed exactly (see `crate::exact_sum`): the same bytes whatever the order of the rows,
    // which the streaming and distributed paths rely on. Cleaning leaves no null date or amount,
    // so the values are plain slices.
    let dates = dates.cont_slice().map_err(Error::from)?;
    let amounts = amounts.cont_slice().map_err(Error::from)?;
    for (row, (&c, (&d, &a))) in customer.iter().zip(dates.iter().zip(amounts)).enumerate() {
        let c = c as usize;
        last[c] = last[c].max(d);
        monetary[c].add(a);
        if names[c].is_none() {
            names[c] = ids.get(row);
        }
    }
    let monetary: Vec<f64> = monetary.iter().map(ExactSum::value).collect();
    if has_invoices {
        let invoice = frame.column(cols::INVOICE_CODE)?.u32()?.rechunk();
        let invoice = invoice.cont_slice().map_err(Error::from)?;
        // Distinct (customer, invoice) pairs. An invoice nearly always has one customer: remember
        // it, and fall back to a set only for invoices shared by several customers.
        let counts = crate::grouping::distinct_keys_per_group(customer, invoice, n);
        for (f, c) in frequency.iter_mut().zip(counts) {
            *f = i64::from(c);
        }
    } else {
        // Without invoices a purchase is a customer's calendar day, as in the CDNOW summaries.
        let first_day = dates
            .iter()
            .map(|ms| ms.div_euclid(MS_PER_DAY))
            .min()
            .unwrap_or(0);
        let days: Vec<u32> = dates
            .iter()
            .map(|ms| (ms.div_euclid(MS_PER_DAY) - first_day) as u32)
            .collect();
        let counts = crate::grouping::distinct_keys_per_group(customer, &days, n);
        for (f, c) in frequency.iter_mut().zip(counts) {
            *f = i64::from(c);
        }
    }
    let recency: Vec<i64> = last
        .iter()
        .map(|&ms| snapshot_day - ms.div_euclid(MS_PER_DAY))
        .collect();
    let present: Vec<bool> = last.iter().map(|&ms| ms != i64::MIN).collect();
    let names: Vec<&str> = names.into_iter().map(Option::unwrap_or_default).collect();
    let frame = DataFrame::new(
        n,
        vec![
            Column::new(cols::CUSTOMER.into(), names),
            Column::new("recency".into(), recency),
            Column::new("frequency".into(), frequency),
            Column::new("monetary".into(), monetary),
        ],
    )?;
    // Customers whose every row came after an observation end have no purchase to measure.
    if present.iter().all(|p| *p) {
        Ok(frame)
    } else {
        let keep: BooleanChunked = present.into_iter().collect();
        Ok(frame.filter(&keep)?)
    }
}

/// One row per customer: `customer_id, recency, frequency, monetary, r, f, m, rfm_code, score,
/// segment`, sorted by customer id.
#[derive(Debug, Clone)]
pub struct RfmTable {
    frame: DataFrame,
    snapshot: NaiveDate,
    scoring: ScoringReport,
    segments: SegmentMap,
}

impl RfmTable {
    /// The table as a polars frame.
    ///
    /// A fresh frame sharing the columns (no copy), safe to use in any notebook cell; see
    /// [`crate::frame::rebuild`].
    pub fn frame(&self) -> DataFrame {
        crate::frame::rebuild(&self.frame).unwrap_or_else(|_| self.frame.clone())
    }

    /// The columns of the CLI's contract: `customer_id,recency,frequency,monetary,r,f,m,rfm_code,segment`.
    pub fn export_frame(&self) -> Result<DataFrame> {
        Ok(crate::frame::rebuild(&self.frame)?.select([
            "customer_id",
            "recency",
            "frequency",
            "monetary",
            "r",
            "f",
            "m",
            "rfm_code",
            "segment",
        ])?)
    }

    /// The date recency was measured to.
    pub fn snapshot(&self) -> NaiveDate {
        self.snapshot
    }

    /// How scores were computed, with any fallback.
    pub fn scoring(&self) -> &ScoringReport {
        &self.scoring
    }

    /// The segment of each of `customer_ids` (`None` for a customer not in the table), for
    /// joining the segments onto another per-customer table.
    pub fn segments_of(&self, customer_ids: &[String]) -> Result<Vec<Option<String>>> {
        let frame = crate::frame::rebuild(&self.frame)?;
        let ids = frame.column("customer_id")?.cast(&DataType::String)?;
        let names = frame.column("segment")?.cast(&DataType::String)?;
        // Borrowed from the columns: a million customers need no copies of their ids.
        let by_id: PlHashMap<&str, &str> = ids
            .str()?
            .iter()
            .zip(names.str()?.iter())
            .filter_map(|(id, name)| Some((id?, name?)))
            .collect();
        Ok(customer_ids
            .iter()
            .map(|id| by_id.get(id.as_str()).map(|s| s.to_string()))
            .collect())
    }

    /// The segment map used.
    pub fn segment_map(&self) -> &SegmentMap {
        &self.segments
    }

    /// Codes of the map that fall to "Other" (whether or not a customer has them).
    pub fn coverage(&self) -> Coverage {
        self.segments.coverage()
    }

    /// Shows the first and last customers as an HTML table in an evcxr notebook.
    pub fn evcxr_display(&self) {
        crate::display::Show::show(&self.frame).evcxr_display();
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    /// Whether there are no customers (never true for a fitted table).
    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }
}
