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
//! since April 2021; pair rules are what the per-customer recommender uses.
//!
//! Pairs are counted among the frequent products only, in a hash map, so memory grows with the
//! pairs that occur, never with products squared; when a triangular table of the frequent
//! products is no larger than the list of pair occurrences (few frequent products, as at the
//! usual thresholds), that table is used instead, being several times faster to fill.
//!
//! mlxtend's `fpgrowth` also prunes with `count >= ceil(min_support * n)`, which can drop an
//! itemset whose share is exactly on the threshold after float rounding (0.07 of 100 baskets:
//! `ceil(7.000000000000001)` is 8); custseg, like mlxtend's `apriori`, keeps it.

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

/// Largest triangular table (entries) used for counting pairs: 256 MiB of counts.
const MAX_TABLE_ENTRIES: usize = 1 << 26;

/// Baskets holding each pair of frequent products (`a < b`, key `a << 32 | b`), sorted by key.
fn count_pairs(baskets: &[Vec<u32>], frequent: &[bool]) -> Vec<(u64, u32)> {
    // Frequent products renumbered 0..f in code order, so a basket's list stays sorted.
    let mut compact = vec![u32::MAX; frequent.len()];
    let mut original = Vec::new();
    for (code, _) in frequent.iter().enumerate().filter(|(_, f)| **f) {
        compact[code] = original.len() as u32;
        original.push(code as u32);
    }
    let lists: Vec<Vec<u32>> = baskets
        .iter()
        .map(|b| {
            b.iter()
                .map(|&p| compact[p as usize])
                .filter(|&c| c != u32::MAX)
                .collect()
        })
        .filter(|list: &Vec<u32>| list.len() > 1)
        .collect();
    let f = original.len();
    let occurrences: usize = lists.iter().map(|l| l.len() * (l.len() - 1) / 2).sum();
    let table_entries = f * f.saturating_sub(1) / 2;
    let counted = if table_entries <= occurrences.min(MAX_TABLE_ENTRIES) {
        count_in_table(&lists, f)
    } else {
        count_in_map(&lists)
    };
    counted
        .into_iter()
        .map(|(a, b, n)| {
            (
                (u64::from(original[a as usize]) << 32) | u64::from(original[b as usize]),
                n,
            )
        })
        .collect()
}

/// Pair counts in a triangular table over `f` products: (a, b, baskets) with `a < b`, sorted.
fn count_in_table(lists: &[Vec<u32>], f: usize) -> Vec<(u32, u32, u32)> {
    // Row a holds b = a+1..f at offset row_start(a) + b - a - 1.
    let row_start = |a: usize| a * (2 * f - a - 1) / 2;
    let mut table = vec![0u32; f * f.saturating_sub(1) / 2];
    for list in lists {
        for (i, &a) in list.iter().enumerate() {
            let start = row_start(a as usize) - a as usize - 1;
            for &b in &list[i + 1..] {
                table[start + b as usize] += 1;
            }
        }
    }
    let mut pairs = Vec::new();
    for a in 0..f {
        for b in a + 1..f {
            let n = table[row_start(a) + b - a - 1];
            if n > 0 {
                pairs.push((a as u32, b as u32, n));
            }
        }
    }
    pairs
}

/// Pair counts in hash maps, on rayon's threads in fixed chunks, merged; sorted like
/// [`count_in_table`]'s, so the result does not depend on the threads.
fn count_in_map(lists: &[Vec<u32>]) -> Vec<(u32, u32, u32)> {
    const CHUNK: usize = 2048;
    let merged = lists
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut counts: HashMap<u64, u32> = HashMap::new();
            for list in chunk {
                for (i, &a) in list.iter().enumerate() {
                    for &b in &list[i + 1..] {
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
    let mut pairs: Vec<(u32, u32, u32)> = merged
        .into_iter()
        .map(|(key, n)| ((key >> 32) as u32, key as u32, n))
        .collect();
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
    fn table_and_map_count_alike() {
        let lists = vec![vec![0, 1, 3], vec![1, 3], vec![0, 2, 3], vec![2, 3]];
        let want = vec![(0, 1, 1), (0, 2, 1), (0, 3, 2), (1, 3, 2), (2, 3, 2)];
        assert_eq!(count_in_table(&lists, 4), want);
        assert_eq!(count_in_map(&lists), want);
    }

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
