//! Customer lifetime value: how many purchases each customer will make, what each will be worth,
//! and what that is worth today, from the per-customer summary `frequency, recency, T` (and the
//! mean spend of repeat purchases).
//!
//! The summary is in any time unit (days, weeks), the same for every column and every
//! prediction: `frequency` is the number of repeat purchases (purchases after the first),
//! `recency` the time from the first purchase to the last, `T` (called `age` here) the time from
//! the first purchase to the end of the data.
//!
//! - [`BetaGeo`] (BG/NBD; Fader, Hardie & Lee 2005, "Counting your customers the easy way: an
//!   alternative to the Pareto/NBD model", Marketing Science 24(2)): while alive a customer buys
//!   as a Poisson process whose rate varies across customers as a gamma distribution (r, α), and
//!   after each purchase drops out with a probability that varies as a beta distribution (a, b).
//! - [`ParetoNbd`] (Pareto/NBD; Schmittlein, Morrison & Colombo 1987, "Counting your customers:
//!   who are they and what will they do next?", Management Science 33(1); the likelihood as in
//!   Fader, Hardie & Lee's 2005 note "A note on deriving the Pareto/NBD model and related
//!   expressions"): the same purchasing, but the customer's lifetime is exponential, at any
//!   time rather than after a purchase, with a rate that varies as a gamma distribution (s, β).
//! - [`GammaGamma`] (Colombo & Jiang 1999, "A stochastic RFM model", Journal of Interactive
//!   Marketing 13(3); Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for
//!   customer base analysis", Journal of Marketing Research 42(4)): each repeat buyer's spend per
//!   purchase varies around their own mean, which varies across customers (p, q, v); it assumes
//!   spend is independent of how often a customer buys (check with
//!   [`frequency_monetary_correlation`]).
//! - [`customer_lifetime_value`]: purchases from either purchase model times expected spend,
//!   month by month, discounted.
//!
//! Likelihoods, predictions and the value computation follow the Python package lifetimes 0.11.3,
//! the reference most analysts know, so that its numbers can be reproduced here; the fits
//! maximise the same penalised likelihoods (see each `Params` type for how the penalizer enters).
//!
//! ```
//! use custseg::clv::{BetaGeo, ClvParams, DurationUnit, customer_lifetime_value};
//!
//! // The published CDNOW parameters (weeks).
//! let model = BetaGeo::from_params(0.2426, 4.4136, 0.7929, 2.4259)?;
//! let purchases = model.conditional_expected_purchases(39.0, 2.0, 30.43, 38.86)?;
//! assert!((purchases - 1.226).abs() < 1e-3);
//! let value = customer_lifetime_value(
//!     &model,
//!     &ClvParams::new().unit(DurationUnit::Weeks),
//!     &[2.0], &[30.43], &[38.86], &[22.74],
//! )?;
//! assert!(value[0] > 0.0);
//! # Ok::<(), custseg::Error>(())
//! ```

pub mod analysis;
pub mod bgnbd;
pub mod gamma_gamma;
pub mod holdout;
mod optimize;
pub mod paretonbd;
pub mod special;
pub mod value;

pub use analysis::{
    ClvModel, ClvModelParams, ClvPredictions, FittedPurchaseModel, PurchaseModelKind,
};
pub use bgnbd::{BetaGeo, BetaGeoParams};
pub use gamma_gamma::{GammaGamma, GammaGammaParams, frequency_monetary_correlation};
pub use holdout::{HoldoutCheck, HoldoutParams};
pub use paretonbd::{ParetoNbd, ParetoNbdParams};
pub use value::{ClvParams, DurationUnit, PurchaseModel, customer_lifetime_value};

use std::fmt::Write;

use crate::error::{Error, Result};

/// A validated customer summary with times divided by the longest `T`, as lifetimes fits it: the
/// optimiser then works on parameters near 1 whatever the time unit, and the penalizer means the
/// same as in lifetimes (it applies to the rescaled α and β).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScaledSummary {
    pub(crate) frequency: Vec<f64>,
    pub(crate) recency: Vec<f64>,
    pub(crate) age: Vec<f64>,
    /// 1 / max(T): multiply a time by it to get the fit's units; divide α (and β) by it to get
    /// back to the data's.
    pub(crate) scale: f64,
}

impl ScaledSummary {
    /// Checks the summary and rescales its times.
    pub(crate) fn new(frequency: &[f64], recency: &[f64], age: &[f64]) -> Result<ScaledSummary> {
        check_summary(frequency, recency, age)?;
        let longest = age.iter().copied().fold(0.0, f64::max);
        if longest <= 0.0 {
            return Err(Error::param(
                "T",
                "every customer's T is 0: the data covers no time after the first purchases",
            ));
        }
        let scale = 1.0 / longest;
        Ok(ScaledSummary {
            frequency: frequency.to_vec(),
            recency: recency.iter().map(|r| r * scale).collect(),
            age: age.iter().map(|t| t * scale).collect(),
            scale,
        })
    }

    /// Number of customers.
    pub(crate) fn len(&self) -> usize {
        self.frequency.len()
    }
}

/// Customers with the same history `(frequency, recency, T)` counted once, with their number as
/// a weight. The likelihood is a sum over customers, and a large summary repeats the same
/// histories many times (times are whole days), so the fit evaluates far fewer terms; the sum is
/// the same up to rounding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WeightedHistories {
    pub(crate) frequency: Vec<f64>,
    pub(crate) recency: Vec<f64>,
    pub(crate) age: Vec<f64>,
    pub(crate) weight: Vec<f64>,
    /// The number of customers (the sum of the weights).
    pub(crate) customers: f64,
    /// The largest frequency, for tables indexed by frequency.
    pub(crate) max_frequency: usize,
    /// The distinct recencies, for tables of functions of them.
    pub(crate) recencies: DistinctValues,
    /// The distinct ages (T).
    pub(crate) ages: DistinctValues,
}

/// Items grouped by a key: the first item of each group, in order of appearance, and each
/// item's group. Customers grouped by history (frequency, recency, T, exact values compared)
/// share every prediction; times grouped by value share every function of the time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Groups {
    /// The first item of each group.
    pub(crate) first: Vec<usize>,
    /// Each item's group: an index into `first`.
    pub(crate) of_item: Vec<usize>,
}

impl Groups {
    /// Groups items 0..n by `key`.
    pub(crate) fn by<K: std::hash::Hash + Eq>(n: usize, key: impl Fn(usize) -> K) -> Self {
        // polars' hasher: several times faster than SipHash on a million keys; the groups'
        // order is the items' order, whatever the hasher.
        let mut index = polars::prelude::PlHashMap::default();
        let mut first = Vec::new();
        let of_item = (0..n)
            .map(|i| {
                *index.entry(key(i)).or_insert_with(|| {
                    first.push(i);
                    first.len() - 1
                })
            })
            .collect();
        Groups { first, of_item }
    }

    /// Customers grouped by their history (frequency, recency, T).
    pub(crate) fn histories(frequency: &[f64], recency: &[f64], age: &[f64]) -> Self {
        Groups::by(frequency.len(), |i| {
            (
                frequency[i].to_bits(),
                recency[i].to_bits(),
                age[i].to_bits(),
            )
        })
    }

    /// The number of groups.
    pub(crate) fn len(&self) -> usize {
        self.first.len()
    }
}

/// The distinct values of a column, and each entry's value as an index into them: a likelihood
/// computes a function of a time once per distinct time (a summary in whole days has a few
/// hundred) rather than once per history.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DistinctValues {
    pub(crate) values: Vec<f64>,
    pub(crate) index: Vec<usize>,
}

impl DistinctValues {
    pub(crate) fn new(column: &[f64]) -> Self {
        let groups = Groups::by(column.len(), |i| column[i].to_bits());
        DistinctValues {
            values: groups.first.iter().map(|&i| column[i]).collect(),
            index: groups.of_item,
        }
    }

    /// `f` of each distinct value, in the order of `values`.
    pub(crate) fn map<T>(&self, f: impl Fn(f64) -> T) -> Vec<T> {
        self.values.iter().map(|&v| f(v)).collect()
    }
}

/// Terms per chunk of a parallel sum: chunks are fixed, and their sums are added in order, so the
/// total does not depend on the number of threads.
const SUM_CHUNK: usize = 16_384;

impl WeightedHistories {
    /// Groups the customers of `data` by history, in order of first appearance.
    pub(crate) fn new(data: &ScaledSummary) -> Self {
        let groups = Groups::histories(&data.frequency, &data.recency, &data.age);
        let mut weight = vec![0.0; groups.len()];
        for &h in &groups.of_item {
            weight[h] += 1.0;
        }
        let pick =
            |column: &[f64]| -> Vec<f64> { groups.first.iter().map(|&i| column[i]).collect() };
        let frequency = pick(&data.frequency);
        let (recency, age) = (pick(&data.recency), pick(&data.age));
        WeightedHistories {
            max_frequency: frequency.iter().copied().fold(0.0, f64::max) as usize,
            recencies: DistinctValues::new(&recency),
            ages: DistinctValues::new(&age),
            frequency,
            recency,
            age,
            weight,
            customers: data.len() as f64,
        }
    }

    /// Σ weight × term(history), on rayon's threads in fixed chunks added in order.
    pub(crate) fn weighted_sum(&self, term: impl Fn(usize) -> f64 + Sync) -> f64 {
        parallel_sum(self.weight.len(), |i| self.weight[i] * term(i))
    }

    /// Σ weight × terms(history) for K terms at once (a likelihood and its derivatives), in
    /// the same fixed chunks as [`WeightedHistories::weighted_sum`].
    pub(crate) fn weighted_sums<const K: usize>(
        &self,
        terms: impl Fn(usize) -> [f64; K] + Sync,
    ) -> [f64; K] {
        parallel_sums(self.weight.len(), |i| terms(i).map(|t| self.weight[i] * t))
    }
}

/// Σ term(i) for i in 0..n, on rayon's threads in fixed chunks whose sums are added in order:
/// the same total whatever the number of threads.
pub(crate) fn parallel_sum(n: usize, term: impl Fn(usize) -> f64 + Sync) -> f64 {
    use rayon::prelude::*;
    let chunks: Vec<f64> = (0..n.div_ceil(SUM_CHUNK))
        .into_par_iter()
        .map(|c| {
            let end = ((c + 1) * SUM_CHUNK).min(n);
            (c * SUM_CHUNK..end).map(&term).sum::<f64>()
        })
        .collect();
    chunks.iter().sum()
}

/// K sums at once, Σ terms(i) for i in 0..n, in the fixed chunks of [`parallel_sum`].
pub(crate) fn parallel_sums<const K: usize>(
    n: usize,
    terms: impl Fn(usize) -> [f64; K] + Sync,
) -> [f64; K] {
    use rayon::prelude::*;
    let add = |mut total: [f64; K], more: [f64; K]| {
        total.iter_mut().zip(more).for_each(|(t, m)| *t += m);
        total
    };
    let chunks: Vec<[f64; K]> = (0..n.div_ceil(SUM_CHUNK))
        .into_par_iter()
        .map(|c| {
            let end = ((c + 1) * SUM_CHUNK).min(n);
            (c * SUM_CHUNK..end).map(&terms).fold([0.0; K], add)
        })
        .collect();
    chunks.into_iter().fold([0.0; K], add)
}

/// Values of `f(x)` for x = 0, 1, ... `max` (whole frequencies), when `max` is small enough for
/// a table to pay; `None` otherwise.
pub(crate) fn frequency_table<T>(max: usize, f: impl Fn(f64) -> T) -> Option<Vec<T>> {
    (max <= MAX_TABLE).then(|| (0..=max).map(|x| f(x as f64)).collect())
}

/// The largest frequency a per-frequency table is built for.
const MAX_TABLE: usize = 1 << 20;

/// Checks a `frequency, recency, T` summary as lifetimes' `_check_inputs` does, and more: equal
/// lengths, at least one customer, finite values, whole non-negative frequencies, 0 ≤ recency ≤
/// T, recency 0 for customers without repeat purchases. The error names the column and the
/// customer's position.
pub(crate) fn check_summary(frequency: &[f64], recency: &[f64], age: &[f64]) -> Result<()> {
    if frequency.len() != recency.len() || frequency.len() != age.len() {
        return Err(Error::param(
            "frequency",
            format!(
                "frequency, recency and T must have one value per customer; they have {}, {} \
                 and {}",
                frequency.len(),
                recency.len(),
                age.len()
            ),
        ));
    }
    if frequency.is_empty() {
        return Err(Error::param("frequency", "there are no customers"));
    }
    for (i, ((&x, &t_x), &t)) in frequency.iter().zip(recency).zip(age).enumerate() {
        check_customer(|| format!("customer {i}"), x, t_x, t)?;
    }
    Ok(())
}

/// Checks the arguments of a prediction for one customer: `t` (the time ahead) finite and 0 or
/// more, and the customer's summary as [`check_summary`] checks it.
pub(crate) fn check_prediction(t: f64, frequency: f64, recency: f64, age: f64) -> Result<()> {
    if !(t.is_finite() && t >= 0.0) {
        return Err(Error::param(
            "t",
            format!("the time ahead must be finite and 0 or more, got {t}"),
        ));
    }
    check_customer(|| "the customer".to_string(), frequency, recency, age)
}

/// Checks that model parameters are finite and above 0, naming the first one that is not.
pub(crate) fn check_positive(names: &[&'static str], values: &[f64]) -> Result<()> {
    for (&name, &value) in names.iter().zip(values) {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::param(
                name,
                format!("model parameters must be finite and above 0, got {value}"),
            ));
        }
    }
    Ok(())
}

/// The checks of one customer's summary; `who` names the customer in messages.
fn check_customer(who: impl Fn() -> String, x: f64, t_x: f64, t: f64) -> Result<()> {
    for (name, value) in [("frequency", x), ("recency", t_x), ("T", t)] {
        if !value.is_finite() {
            let who = who();
            return Err(Error::param(
                name,
                format!("{who}: {value} is not a finite number"),
            ));
        }
    }
    if x < 0.0 || x.fract() != 0.0 {
        let who = who();
        return Err(Error::param(
            "frequency",
            format!("{who}: {x} is not a whole number of repeat purchases (0, 1, 2, ...)"),
        ));
    }
    if t_x < 0.0 {
        let who = who();
        return Err(Error::param(
            "recency",
            format!("{who}: {t_x} is negative (the last purchase before the first?)"),
        ));
    }
    if t_x > t {
        let who = who();
        return Err(Error::param(
            "recency",
            format!(
                "{who}: recency {t_x} is after T {t}; recency is the time from the first \
                 purchase to the last and T the time from the first purchase to the end of the \
                 data, so recency cannot exceed T"
            ),
        ));
    }
    if x == 0.0 && t_x != 0.0 {
        let who = who();
        return Err(Error::param(
            "recency",
            format!(
                "{who}: recency is {t_x} but frequency is 0; without repeat purchases the \
                 last purchase is the first, so recency must be 0"
            ),
        ));
    }
    Ok(())
}

/// `value` with 4 significant digits, as the models show their numbers: `0.2426`, `4.414`,
/// `-9582`; scientific notation outside 1e-4 to 1e6, and `-` for a value that is not finite.
pub(crate) fn significant(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor();
    if !(-4.0..6.0).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (3.0 - magnitude).max(0.0) as usize;
    format!("{value:.decimals$}")
}

/// A fitted model as an HTML table: one row per parameter (estimate and standard error), then
/// the facts of the fit. Every string here is written by custseg, so nothing needs escaping.
pub(crate) fn model_html(
    title: &str,
    parameters: &[(&str, f64, Option<f64>)],
    facts: &[(&str, String)],
) -> String {
    const CELL: &str = "padding:2px 8px;text-align:right";
    let mut out = format!(
        "<table style=\"border-collapse:collapse;font-size:13px\"><caption style=\"font-weight:\
         bold;text-align:left\">{title}</caption><thead><tr><th style=\"padding:2px 8px;\
         border-bottom:1px solid #999\">parameter</th><th style=\"padding:2px 8px;border-bottom:\
         1px solid #999\">estimate</th><th style=\"padding:2px 8px;border-bottom:1px solid #999\">\
         std. error</th></tr></thead><tbody>"
    );
    for (name, estimate, error) in parameters {
        let error = error.map_or_else(|| "-".to_string(), significant);
        let _ = write!(
            out,
            "<tr><td style=\"padding:2px 8px\">{name}</td><td style=\"{CELL}\">{}</td>\
             <td style=\"{CELL}\">{error}</td></tr>",
            significant(*estimate)
        );
    }
    out.push_str("</tbody></table><p style=\"font-size:12px;color:#666\">");
    let facts: Vec<String> = facts.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    out.push_str(&facts.join(" · "));
    out.push_str("</p>");
    out
}

/// Prints `html` for the evcxr notebook kernel, which shows it as the cell's output.
pub(crate) fn show_html(html: &str) {
    println!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT");
}

/// A small summary for the models' tests: 60 customers simulated from a BG/NBD with r = 0.25,
/// α = 4.4 weeks, a = 0.8, b = 2.4, first purchases spread over 12 weeks (Python's `random`,
/// seed 2). lifetimes 0.11.3 fits it to r = 0.268058, α = 3.798113, a = 0.236259, b = 0.650136.
#[cfg(test)]
pub(crate) mod toy {
    /// Repeat purchases.
    pub(crate) const FREQUENCY: [f64; 60] = [
        13.0, 0.0, 0.0, 10.0, 0.0, 1.0, 0.0, 20.0, 1.0, 0.0, 0.0, 2.0, 0.0, 1.0, 0.0, 2.0, 0.0,
        3.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 5.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        11.0, 0.0, 2.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0,
        0.0, 1.0, 0.0, 0.0, 3.0, 0.0, 2.0,
    ];
    /// Weeks from the first purchase to the last.
    pub(crate) const RECENCY: [f64; 60] = [
        35.59, 0.0, 0.0, 33.48, 0.0, 5.75, 0.0, 27.49, 0.1, 0.0, 0.0, 25.07, 0.0, 13.44, 0.0,
        21.15, 0.0, 13.43, 27.04, 12.21, 17.6, 0.0, 0.0, 0.0, 0.0, 0.0, 15.32, 28.57, 12.8, 0.0,
        0.0, 0.0, 0.0, 0.0, 1.59, 27.67, 0.0, 28.79, 33.14, 0.0, 4.25, 0.0, 12.79, 0.0, 30.95,
        15.86, 6.96, 0.0, 0.0, 0.0, 15.47, 0.0, 0.0, 0.0, 24.3, 0.0, 0.0, 4.25, 0.0, 14.29,
    ];
    /// Weeks from the first purchase to the end of the data.
    pub(crate) const AGE: [f64; 60] = [
        38.47, 35.09, 31.25, 33.81, 35.94, 29.53, 38.45, 27.52, 34.09, 31.9, 33.25, 32.2, 34.33,
        37.09, 30.41, 32.56, 34.91, 38.18, 28.76, 32.27, 35.44, 33.12, 37.22, 37.6, 34.03, 32.61,
        36.06, 31.85, 33.46, 34.6, 32.49, 30.82, 32.3, 36.54, 35.28, 29.1, 31.04, 36.22, 33.46,
        38.25, 28.76, 33.71, 28.68, 37.3, 32.17, 29.75, 35.43, 33.53, 30.33, 29.57, 32.37, 30.71,
        35.19, 30.76, 27.22, 32.95, 33.29, 32.23, 35.48, 35.46,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_errors_name_column_and_customer() {
        let err = |f: &[f64], r: &[f64], t: &[f64]| check_summary(f, r, t).unwrap_err().to_string();
        assert!(err(&[1.0, 2.0], &[1.0], &[2.0, 3.0]).contains("2, 1 and 2"));
        assert!(err(&[], &[], &[]).contains("no customers"));
        let e = err(&[1.0, 1.5], &[1.0, 1.0], &[2.0, 2.0]);
        assert!(e.contains("`frequency`") && e.contains("customer 1"), "{e}");
        let e = err(&[1.0, 1.0], &[1.0, 3.0], &[2.0, 2.0]);
        assert!(
            e.contains("`recency`") && e.contains("customer 1") && e.contains("after T"),
            "{e}"
        );
        let e = err(&[0.0], &[0.5], &[2.0]);
        assert!(e.contains("must be 0"), "{e}");
        let e = err(&[0.0], &[0.0], &[f64::NAN]);
        assert!(e.contains("`T`") && e.contains("customer 0"), "{e}");
        assert!(
            ScaledSummary::new(&[0.0], &[0.0], &[0.0]).is_err(),
            "no time at all"
        );
        let s = ScaledSummary::new(&[1.0, 0.0], &[2.0, 0.0], &[4.0, 2.0]).unwrap();
        assert_eq!((s.scale, s.recency[0], s.age[1]), (0.25, 0.5, 0.5));
    }

    #[test]
    fn four_significant_digits() {
        assert_eq!(significant(0.242593), "0.2426");
        assert_eq!(significant(4.41353), "4.414");
        assert_eq!(significant(-9582.43), "-9582");
        assert_eq!(significant(15.4477), "15.45");
        assert_eq!(significant(0.0), "0");
        assert_eq!(significant(f64::NAN), "-");
        assert_eq!(significant(2.5e-7), "2.500e-7");
    }
}
