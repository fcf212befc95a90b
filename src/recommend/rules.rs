//! Association rules on product pairs: support, confidence, lift, leverage and conviction, as
//! mlxtend's `fpgrowth(max_len=2)` + `association_rules(metric="confidence")` compute them.
//!
//! Baskets are the purchases' baskets (invoices), items their distinct products. With `n`
//! baskets and `supp(X)` the share of baskets holding every item of `X`, a rule `A -> C` has:
//!
//! | metric | definition |
//! |---|---|
//! | support | `supp(A ∪ C)` |
//! | confidence | `supp(A ∪ C) / supp(A)` |
//! | lift | `confidence / supp(C)` |
//! | leverage | `supp(A ∪ C) - supp(A) supp(C)` |
//! | conviction | `(1 - supp(C)) / (1 - confidence)`, infinite when confidence is 1 |
//!
//! A rule is kept when both products and the pair reach `min_support` and the confidence
//! reaches `min_confidence` (both inclusive, as mlxtend). Only pairs: longer itemsets need
//! FP-growth, and the one Rust crate for it on crates.io (`fp-growth` 0.1.6) has had no release
//! since April 2021; pair rules are what the per-customer recommender uses. Pairs are counted in a hash map, so memory
//! grows with the pairs that occur among frequent products, never with products squared.

use hashbrown::HashMap;
use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::recommend::purchases::Purchases;

/// Thresholds of the rules, checked by [`RulesParams::fit`].
///
/// ```
/// use custseg::recommend::purchases::Purchases;
/// use custseg::recommend::rules::RulesParams;
/// // Three baskets: {A, B}, {A, B}, {A}.
/// let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
/// let purchases = Purchases::from_codes(
///     ids(&["c1"]),
///     ids(&["A", "B"]),
///     &[(0, 0, 0, 0, 1.0), (0, 0, 1, 0, 1.0), (0, 1, 0, 1, 1.0), (0, 1, 1, 1, 1.0), (0, 2, 0, 2, 1.0)],
/// )?;
/// let rules = RulesParams::new().min_support(0.5).min_confidence(0.5).fit(&purchases)?;
/// let b_to_a = &rules.rules()[1];
/// assert_eq!((b_to_a.antecedent, b_to_a.consequent), (1, 0));
/// assert_eq!(b_to_a.confidence, 1.0);
/// assert!(b_to_a.conviction.is_infinite());
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RulesParams {
    min_support: f64,
    min_confidence: f64,
}

impl Default for RulesParams {
    fn default() -> Self {
        RulesParams {
            min_support: 0.01,
            min_confidence: 0.1,
        }
    }
}

/// One rule `antecedent -> consequent` (product codes of the [`Purchases`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The product bought.
    pub antecedent: u32,
    /// The product it predicts.
    pub consequent: u32,
    /// Share of baskets with both.
    pub support: f64,
    /// Share of the antecedent's baskets that hold the consequent too.
    pub confidence: f64,
    /// Confidence over the consequent's own support: above 1, bought together more than by chance.
    pub lift: f64,
    /// Support minus what independence would give.
    pub leverage: f64,
    /// How much more often the rule would be wrong by chance; infinite when it never is.
    pub conviction: f64,
}

impl RulesParams {
    /// 1% support, 10% confidence.
    pub fn new() -> Self {
        Self::default()
    }

    /// Smallest share of baskets a product and a pair must reach (0 to 1).
    pub fn min_support(mut self, share: f64) -> Self {
        self.min_support = share;
        self
    }

    /// Smallest confidence a rule must reach (0 to 1).
    pub fn min_confidence(mut self, share: f64) -> Self {
        self.min_confidence = share;
        self
    }

    /// Checks the thresholds.
    pub fn check(&self) -> Result<()> {
        if !(self.min_support > 0.0 && self.min_support <= 1.0) {
            return Err(Error::param(
                "RulesParams::min_support",
                format!(
                    "must be above 0 and at most 1 (a share of baskets), got {}",
                    self.min_support
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::param(
                "RulesParams::min_confidence",
                format!("must be from 0 to 1, got {}", self.min_confidence),
            ));
        }
        Ok(())
    }

    /// Counts products and pairs over the baskets and keeps the rules that pass.
    pub fn fit(&self, purchases: &Purchases) -> Result<AssociationRules> {
        self.check()?;
        let baskets = purchases.baskets();
        let n = baskets.len();
        let products = purchases.product_ids().len();
        let mut counts = vec![0u32; products];
        for basket in &baskets {
            for &p in basket {
                counts[p as usize] += 1;
            }
        }
        // Shares computed as mlxtend does (count / n), so the inclusive thresholds decide alike.
        let share = |count: u32| f64::from(count) / n as f64;
        let frequent: Vec<bool> = counts
            .iter()
            .map(|&c| n > 0 && share(c) >= self.min_support)
            .collect();
        let pairs = count_pairs(&baskets, &frequent);
        let mut rules = Vec::new();
        for (key, both) in pairs {
            if share(both) < self.min_support {
                continue;
            }
            let (a, b) = ((key >> 32) as u32, key as u32);
            for (x, y) in [(a, b), (b, a)] {
                let rule = metrics(
                    x,
                    y,
                    share(both),
                    share(counts[x as usize]),
                    share(counts[y as usize]),
                );
                if rule.confidence >= self.min_confidence {
                    rules.push(rule);
                }
            }
        }
        rules.sort_unstable_by_key(|r| (r.antecedent, r.consequent));
        Ok(AssociationRules {
            rules,
            baskets: n,
            product_ids: purchases.product_ids().to_vec(),
            product_support: counts
                .iter()
                .map(|&c| if n > 0 { share(c) } else { 0.0 })
                .collect(),
            params: self.clone(),
        })
    }
}

/// The metrics of `a -> c`, in mlxtend's order of operations.
fn metrics(a: u32, c: u32, s_ac: f64, s_a: f64, s_c: f64) -> Rule {
    let confidence = s_ac / s_a;
    Rule {
        antecedent: a,
        consequent: c,
        support: s_ac,
        confidence,
        lift: confidence / s_c,
        leverage: s_ac - s_a * s_c,
        conviction: if confidence < 1.0 {
            (1.0 - s_c) / (1.0 - confidence)
        } else {
            f64::INFINITY
        },
    }
}

/// Baskets holding each pair of frequent products (`a < b`, key `a << 32 | b`), counted on
/// rayon's threads in fixed chunks and merged; the result does not depend on the threads.
fn count_pairs(baskets: &[Vec<u32>], frequent: &[bool]) -> Vec<(u64, u32)> {
    const CHUNK: usize = 2048;
    let merged = baskets
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut counts: HashMap<u64, u32> = HashMap::new();
            let mut items = Vec::new();
            for basket in chunk {
                items.clear();
                items.extend(basket.iter().copied().filter(|&p| frequent[p as usize]));
                for (i, &a) in items.iter().enumerate() {
                    for &b in &items[i + 1..] {
                        *counts
                            .entry((u64::from(a) << 32) | u64::from(b))
                            .or_insert(0) += 1;
                    }
                }
            }
            counts
        })
        .reduce(HashMap::new, |mut left, right| {
            for (key, count) in right {
                *left.entry(key).or_insert(0) += count;
            }
            left
        });
    let mut pairs: Vec<(u64, u32)> = merged.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

/// Pair rules over a set of baskets; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct AssociationRules {
    rules: Vec<Rule>,
    baskets: usize,
    product_ids: Vec<String>,
    product_support: Vec<f64>,
    params: RulesParams,
}

impl AssociationRules {
    /// The rules, by antecedent then consequent (product-id order).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rules whose antecedent is `product`.
    pub fn from_antecedent(&self, product: u32) -> &[Rule] {
        let start = self.rules.partition_point(|r| r.antecedent < product);
        let end = self.rules.partition_point(|r| r.antecedent <= product);
        &self.rules[start..end]
    }

    /// Number of baskets counted.
    pub fn baskets(&self) -> usize {
        self.baskets
    }

    /// Share of baskets holding each product, by product code.
    pub fn product_support(&self) -> &[f64] {
        &self.product_support
    }

    /// The thresholds used.
    pub fn params(&self) -> &RulesParams {
        &self.params
    }

    /// Product id of a code.
    pub fn product_id(&self, code: u32) -> &str {
        &self.product_ids[code as usize]
    }

    /// The rules as a frame: `antecedent, consequent, support, confidence, lift, leverage,
    /// conviction` (product ids; conviction is infinite for rules that always hold).
    pub fn frame(&self) -> Result<DataFrame> {
        let pick = |f: fn(&Rule) -> f64| self.rules.iter().map(f).collect::<Vec<f64>>();
        let names = |f: fn(&Rule) -> u32| {
            self.rules
                .iter()
                .map(|r| self.product_ids[f(r) as usize].as_str())
                .collect::<Vec<&str>>()
        };
        Ok(DataFrame::new(
            self.rules.len(),
            vec![
                Column::new("antecedent".into(), names(|r| r.antecedent)),
                Column::new("consequent".into(), names(|r| r.consequent)),
                Column::new("support".into(), pick(|r| r.support)),
                Column::new("confidence".into(), pick(|r| r.confidence)),
                Column::new("lift".into(), pick(|r| r.lift)),
                Column::new("leverage".into(), pick(|r| r.leverage)),
                Column::new("conviction".into(), pick(|r| r.conviction)),
            ],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_counted_once_per_basket_among_frequent_products() {
        let baskets = vec![vec![0, 1, 2], vec![0, 1], vec![1, 2]];
        let pairs = count_pairs(&baskets, &[true, true, true]);
        assert_eq!(pairs, vec![(1, 2), (2, 1), ((1 << 32) | 2, 2)]);
        let pairs = count_pairs(&baskets, &[true, true, false]);
        assert_eq!(pairs, vec![(1, 2)]);
    }

    #[test]
    fn thresholds_are_checked() {
        let err = RulesParams::new().min_support(0.0).check().unwrap_err();
        assert!(err.to_string().contains("RulesParams::min_support"));
        let err = RulesParams::new().min_confidence(1.5).check().unwrap_err();
        assert!(err.to_string().contains("RulesParams::min_confidence"));
    }
}
