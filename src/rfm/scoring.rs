//! Turning recency, frequency and monetary values into scores 1..n.
//!
//! # Methods
//! * [`ScoringMethod::Quantiles`] (the default, with 5 bins = quintiles) follows the pandas recipe
//!   used by the studies, exactly:
//!   `R = qcut(recency, n, labels=[n..1])`, `F = qcut(frequency.rank(method="first"), n,
//!   labels=[1..n])`, `M = qcut(monetary, n, labels=[1..n])`. Customers are ranked in
//!   `customer_id` order (see [`crate::rfm::RfmTable`]), so ties in frequency are broken the way
//!   pandas breaks them after a `groupby`.
//!   **Fallback:** where pandas would stop with "Bin edges must be unique" (heavy ties, such as most
//!   customers sharing one recency), that measure is scored like F, on `rank(method="first")`, and
//!   [`ScoringReport::fallbacks`] says so. Tied customers may then get adjacent scores. A single
//!   customer, whom no quantile can place, gets the middle score, and so does every customer when
//!   all have the same value of a measure (ranking would spread identical customers over every
//!   score by their order in the file).
//! * [`ScoringMethod::Thresholds`]: fixed cut points per measure, bins closed on the right like
//!   `pandas.cut`: with cut points `[t1, t2]`, values `<= t1` score 1, `(t1, t2]` 2, above 3. Recency
//!   is reversed (the most recent customers score highest).

use crate::error::{Error, Result};
use crate::rfm::qcut::{QcutError, bin_of, qcut, rank_first};

/// The three RFM measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Days since the last purchase (lower is better).
    Recency,
    /// Number of purchases.
    Frequency,
    /// Total spend.
    Monetary,
}

impl Measure {
    /// `recency`, `frequency`, `monetary`.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Recency => "recency",
            Measure::Frequency => "frequency",
            Measure::Monetary => "monetary",
        }
    }
}

/// How to score each measure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "method", deny_unknown_fields)]
pub enum ScoringMethod {
    /// Quantile bins with pandas semantics; `bins = 5` gives quintiles.
    Quantiles {
        /// Number of bins (2 or more).
        bins: usize,
    },
    /// Fixed cut points, ascending, the same number for each measure (bins = cut points + 1).
    Thresholds {
        /// Cut points on recency in days.
        recency: Vec<f64>,
        /// Cut points on frequency.
        frequency: Vec<f64>,
        /// Cut points on monetary.
        monetary: Vec<f64>,
    },
}

impl Default for ScoringMethod {
    fn default() -> Self {
        ScoringMethod::Quantiles { bins: 5 }
    }
}

impl ScoringMethod {
    /// Quintiles, the studies' method.
    pub fn quintiles() -> Self {
        ScoringMethod::Quantiles { bins: 5 }
    }

    /// Number of score levels.
    pub fn bins(&self) -> usize {
        match self {
            ScoringMethod::Quantiles { bins } => *bins,
            ScoringMethod::Thresholds { recency, .. } => recency.len() + 1,
        }
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<()> {
        match self {
            ScoringMethod::Quantiles { bins } if !(2..=99).contains(bins) => Err(Error::param(
                "ScoringMethod::Quantiles::bins",
                format!("must be between 2 and 99, got {bins}"),
            )),
            ScoringMethod::Quantiles { .. } => Ok(()),
            ScoringMethod::Thresholds {
                recency,
                frequency,
                monetary,
            } => {
                for (name, cuts) in [
                    ("recency", recency),
                    ("frequency", frequency),
                    ("monetary", monetary),
                ] {
                    if cuts.is_empty() {
                        return Err(Error::param(
                            "ScoringMethod::Thresholds",
                            format!("{name} needs at least one cut point"),
                        ));
                    }
                    if cuts.len() != recency.len() {
                        return Err(Error::param(
                            "ScoringMethod::Thresholds",
                            format!(
                                "recency has {} cut points but {name} has {}; every measure needs the same number",
                                recency.len(),
                                cuts.len()
                            ),
                        ));
                    }
                    if cuts.iter().any(|c| !c.is_finite()) || cuts.windows(2).any(|w| w[0] >= w[1])
                    {
                        return Err(Error::param(
                            "ScoringMethod::Thresholds",
                            format!(
                                "{name} cut points must be finite and strictly ascending, got {}",
                                cuts.iter()
                                    .map(f64::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                }
                if recency.len() + 1 > 99 {
                    return Err(Error::param(
                        "ScoringMethod::Thresholds",
                        "at most 98 cut points",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// How one measure was actually scored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeasureScoring {
    /// The measure.
    pub measure: Measure,
    /// `quantiles`, `rank-first quantiles` or `thresholds`.
    pub rule: String,
    /// For each score 1..=n, the smallest and largest value that got it (`None` for an empty bin).
    pub ranges: Vec<Option<(f64, f64)>>,
}

/// What the scoring did, including any fallback, for the record and for reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoringReport {
    /// Number of score levels.
    pub bins: usize,
    /// One entry per measure.
    pub measures: Vec<MeasureScoring>,
    /// Human-readable notes on fallbacks (empty when pandas' recipe applied as is).
    pub fallbacks: Vec<String>,
}

/// Scores for each customer, aligned with the input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// R scores.
    pub r: Vec<u32>,
    /// F scores.
    pub f: Vec<u32>,
    /// M scores.
    pub m: Vec<u32>,
    /// How they were computed.
    pub report: ScoringReport,
}

/// Scores the three measures; the slices are per customer, in the order ties are broken.
pub fn score(
    method: &ScoringMethod,
    recency: &[f64],
    frequency: &[f64],
    monetary: &[f64],
) -> Result<Scores> {
    method.check()?;
    let bins = method.bins();
    let mut fallbacks = Vec::new();
    let mut measures = Vec::new();
    let mut run = |measure: Measure, values: &[f64], cuts: Option<&Vec<f64>>| -> Vec<u32> {
        let reverse = measure == Measure::Recency;
        let (labels, rule) = match cuts {
            Some(cuts) => {
                let edges: Vec<f64> = std::iter::once(f64::NEG_INFINITY)
                    .chain(cuts.iter().copied())
                    .chain([f64::INFINITY])
                    .collect();
                (
                    values.iter().map(|&v| bin_of(&edges, v)).collect(),
                    "thresholds".to_string(),
                )
            }
            None => quantile_labels(measure, values, bins, &mut fallbacks),
        };
        let labels: Vec<u32> = if reverse {
            labels.into_iter().map(|l| bins as u32 + 1 - l).collect()
        } else {
            labels
        };
        measures.push(MeasureScoring {
            measure,
            rule,
            ranges: ranges(values, &labels, bins),
        });
        labels
    };
    let (rc, fc, mc) = match method {
        ScoringMethod::Thresholds {
            recency,
            frequency,
            monetary,
        } => (Some(recency), Some(frequency), Some(monetary)),
        ScoringMethod::Quantiles { .. } => (None, None, None),
    };
    let r = run(Measure::Recency, recency, rc);
    let f = run(Measure::Frequency, frequency, fc);
    let m = run(Measure::Monetary, monetary, mc);
    Ok(Scores {
        r,
        f,
        m,
        report: ScoringReport {
            bins,
            measures,
            fallbacks,
        },
    })
}

fn quantile_labels(
    measure: Measure,
    values: &[f64],
    bins: usize,
    fallbacks: &mut Vec<String>,
) -> (Vec<u32>, String) {
    if values.len() == 1 {
        fallbacks.push(format!(
            "{}: a single customer cannot be placed by quantiles; given the middle score {}",
            measure.name(),
            bins.div_ceil(2)
        ));
        return (vec![bins.div_ceil(2) as u32], "single customer".to_string());
    }
    if values.iter().all(|&v| v == values[0]) {
        // Ranking would spread identical customers over every score by their order in the file.
        fallbacks.push(format!(
            "{}: every customer has the same value ({}), so quantiles cannot tell them apart; \
             all are given the middle score {}",
            measure.name(),
            values[0],
            bins.div_ceil(2)
        ));
        return (
            vec![bins.div_ceil(2) as u32; values.len()],
            "all values equal".to_string(),
        );
    }
    if measure != Measure::Frequency {
        match qcut(values, bins) {
            Ok(labels) => return (labels, "quantiles".to_string()),
            Err(QcutError::DuplicateEdges(edges)) => fallbacks.push(format!(
                "{}: quantile edges are not unique ({}), so pandas' qcut would stop with \"Bin edges \
                 must be unique\"; scored on rank(method=\"first\") instead, so tied customers may \
                 get adjacent scores",
                measure.name(),
                edges.iter().map(|e| format!("{e}")).collect::<Vec<_>>().join(", ")
            )),
            Err(_) => {}
        }
    }
    // rank-first values 1..n with n >= 2 always give unique edges.
    let labels = qcut(&rank_first(values), bins).unwrap_or_else(|_| vec![1; values.len()]);
    (labels, "rank-first quantiles".to_string())
}

fn ranges(values: &[f64], labels: &[u32], bins: usize) -> Vec<Option<(f64, f64)>> {
    let mut out: Vec<Option<(f64, f64)>> = vec![None; bins];
    for (&v, &l) in values.iter().zip(labels) {
        let slot = &mut out[l as usize - 1];
        *slot = Some(match *slot {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_quintiles() {
        // Ten customers. Recency 1..10: edges 1, 2.8, 4.6, 6.4, 8.2, 10 -> bins 1,1,2,2,3,3,4,4,5,5,
        // reversed for R.
        let recency: Vec<f64> = (1..=10).map(f64::from).collect();
        // Frequency: eight customers with 1 purchase, then 2 and 5. rank-first gives 1..10.
        let frequency = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 5.0];
        let monetary = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0];
        let s = score(&ScoringMethod::quintiles(), &recency, &frequency, &monetary).unwrap();
        assert_eq!(s.r, vec![5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert_eq!(s.f, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(s.m, vec![1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert!(s.report.fallbacks.is_empty());
        assert_eq!(s.report.measures[0].ranges[4], Some((1.0, 2.0)));
    }

    #[test]
    fn identical_customers_get_identical_scores() {
        let same = [3.0; 7];
        let varied = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let s = score(&ScoringMethod::quintiles(), &same, &same, &varied).unwrap();
        assert_eq!(s.r, vec![3; 7]);
        assert_eq!(s.f, vec![3; 7]);
        assert_eq!(s.m, vec![1, 1, 2, 3, 4, 5, 5]);
        assert_eq!(s.report.fallbacks.len(), 2);
        assert!(s.report.fallbacks[1].contains("frequency: every customer has the same value"));
    }

    #[test]
    fn duplicate_edges_fall_back_to_rank_first() {
        // Six of eight customers spent 5: edges collapse.
        let monetary = [5.0, 5.0, 5.0, 9.0, 5.0, 5.0, 5.0, 1.0];
        let other: Vec<f64> = (1..=8).map(f64::from).collect();
        let s = score(
            &ScoringMethod::Quantiles { bins: 4 },
            &other,
            &other,
            &monetary,
        )
        .unwrap();
        // rank-first of monetary: 5s ranked 2..7 in order, 9 -> 8, 1 -> 1.
        // ranks [2,3,4,8,5,6,7,1], edges 1, 2.75, 4.5, 6.25, 8.
        assert_eq!(s.m, vec![1, 2, 2, 4, 3, 3, 4, 1]);
        assert_eq!(s.report.fallbacks.len(), 1);
        assert!(s.report.fallbacks[0].starts_with("monetary"));
        assert_eq!(s.report.measures[2].rule, "rank-first quantiles");
    }

    #[test]
    fn thresholds_are_right_closed_and_recency_reversed() {
        let method = ScoringMethod::Thresholds {
            recency: vec![30.0, 90.0],
            frequency: vec![1.0, 3.0],
            monetary: vec![100.0, 1000.0],
        };
        let s = score(
            &method,
            &[30.0, 31.0, 200.0],
            &[1.0, 2.0, 4.0],
            &[100.0, 100.5, 5000.0],
        )
        .unwrap();
        assert_eq!(s.r, vec![3, 2, 1]);
        assert_eq!(s.f, vec![1, 2, 3]);
        assert_eq!(s.m, vec![1, 2, 3]);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(ScoringMethod::Quantiles { bins: 1 }.check().is_err());
        let unequal = ScoringMethod::Thresholds {
            recency: vec![1.0],
            frequency: vec![1.0, 2.0],
            monetary: vec![1.0],
        };
        assert!(
            unequal
                .check()
                .unwrap_err()
                .to_string()
                .contains("same number")
        );
        let descending = ScoringMethod::Thresholds {
            recency: vec![2.0, 1.0],
            frequency: vec![1.0, 2.0],
            monetary: vec![1.0, 2.0],
        };
        assert!(
            descending
                .check()
                .unwrap_err()
                .to_string()
                .contains("ascending")
        );
    }

    #[test]
    fn single_customer_gets_middle_score() {
        let s = score(&ScoringMethod::quintiles(), &[3.0], &[1.0], &[9.0]).unwrap();
        assert_eq!((s.r[0], s.f[0], s.m[0]), (3, 3, 3));
        assert_eq!(s.report.fallbacks.len(), 3);
    }
}
