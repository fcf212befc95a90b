//! Per-customer top-k: a blend of what the customer's group buys and what is bought with what
//! the customer already bought.
//!
//! For customer `c` in group `g` and a product `p`:
//!
//! `score = w * confidence(p) + (1 - w) * share_g(p)`
//!
//! where `confidence(p)` is the highest confidence of a pair rule `a -> p` over the products `a`
//! the customer bought ([`crate::recommend::rules`]), 0 without one, and `share_g(p)` the share
//! of the group's customers active in the recent window who bought `p`
//! ([`crate::recommend::popularity`]); `w` is [`RecommendParams::rule_weight`]. Both terms are
//! shares from 0 to 1. Products the customer already bought are left out unless
//! [`RecommendParams::keep_bought`] is set (for goods bought again and again). Ties go to the
//! smaller product id, so the output is the same on every run.

use std::sync::Arc;

use chrono::{Months, NaiveDate};
use hashbrown::HashMap;
use polars::prelude::*;
use rayon::prelude::*;

use crate::data::dates::{date_of, day_number};
use crate::error::{Context, Error, Result};
use crate::format::NumberFormat;
use crate::recommend::groups::CustomerGroups;
use crate::recommend::popularity::GroupPopularity;
use crate::recommend::purchases::Purchases;
use crate::recommend::rules::{AssociationRules, Rule, RulesParams};

/// Settings of the recommender, checked by [`RecommendParams::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendParams {
    k: usize,
    window_months: Option<u32>,
    rules: RulesParams,
    rule_weight: f64,
    keep_bought: bool,
    min_group_customers: u32,
}

impl Default for RecommendParams {
    fn default() -> Self {
        RecommendParams {
            k: 10,
            window_months: Some(2),
            rules: RulesParams::default(),
            rule_weight: 0.5,
            keep_bought: false,
            min_group_customers: 10,
        }
    }
}

impl RecommendParams {
    /// Ten products per customer; group popularity over the last two months; rules at 1% support
    /// and 10% confidence; rules and popularity weighed alike; bought products left out.
    pub fn new() -> Self {
        Self::default()
    }

    /// Products per customer.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Months before the last day whose purchases make a group's popularity; `None`: all.
    pub fn window_months(mut self, months: Option<u32>) -> Self {
        self.window_months = months;
        self
    }

    /// The thresholds of the pair rules.
    pub fn rules(mut self, rules: RulesParams) -> Self {
        self.rules = rules;
        self
    }

    /// Weight of the rules against group popularity, from 0 (popularity only) to 1 (rules only).
    pub fn rule_weight(mut self, weight: f64) -> Self {
        self.rule_weight = weight;
        self
    }

    /// Whether products the customer already bought may be recommended again.
    pub fn keep_bought(mut self, keep: bool) -> Self {
        self.keep_bought = keep;
        self
    }

    /// Fewest customers of a group active in the window for the group's own popularity to count
    /// (default 10): a quieter group (RFM's "Lost" customers bought nothing lately, by
    /// definition) takes the popularity among all customers.
    pub fn min_group_customers(mut self, customers: u32) -> Self {
        self.min_group_customers = customers;
        self
    }

    /// Products per customer.
    pub fn get_k(&self) -> usize {
        self.k
    }

    /// Whether bought products may be recommended again.
    pub fn keeps_bought(&self) -> bool {
        self.keep_bought
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::param("RecommendParams::k", "must be at least 1"));
        }
        if self.window_months == Some(0) {
            return Err(Error::param(
                "RecommendParams::window_months",
                "must be at least 1 month, or None for all purchases",
            ));
        }
        if !(0.0..=1.0).contains(&self.rule_weight) {
            return Err(Error::param(
                "RecommendParams::rule_weight",
                format!("must be from 0 to 1, got {}", self.rule_weight),
            ));
        }
        self.rules.check()
    }

    /// Counts rules over all purchases and group popularity over the window.
    pub fn fit(&self, purchases: &Purchases, groups: &CustomerGroups) -> Result<Recommender> {
        self.fit_steps(purchases, groups)
            .doing("fitting the recommender")
    }

    fn fit_steps(&self, purchases: &Purchases, groups: &CustomerGroups) -> Result<Recommender> {
        self.check()?;
        let last = purchases
            .last_date()
            .ok_or_else(|| Error::param("purchases", "there are no purchases to recommend from"))?;
        let window_start = match self.window_months {
            Some(months) => last
                .checked_sub_months(Months::new(months))
                .map(|d| day_number(d) + 1),
            None => None,
        };
        // The rules and each customer's products (over all purchases) and the window's
        // popularity are independent counts: on two threads at once.
        let ((rules, bought), (group_of, popularity)) = rayon::join(
            || (self.rules.fit(purchases), purchases.products_by_customer()),
            || {
                let in_window = match window_start {
                    Some(start) => purchases.filter_days(|d| d >= start),
                    None => purchases.clone(),
                };
                let group_of = groups.codes_for(purchases);
                let popularity =
                    GroupPopularity::count(&in_window, &group_of, groups.names().len());
                (group_of, popularity)
            },
        );
        let source: Vec<Option<u32>> = (0..groups.names().len() as u32)
            .map(|g| (popularity.active(Some(g)) >= self.min_group_customers).then_some(g))
            .collect();
        let shares = (0..=groups.names().len())
            .map(|g| {
                let group = source.get(g).copied().flatten();
                popularity
                    .by_buyers(group)
                    .iter()
                    .map(|p| (p.product, p.share))
                    .collect()
            })
            .collect();
        Ok(Recommender {
            params: self.clone(),
            rules: rules?,
            popularity,
            shares,
            source,
            bought,
            group_of,
            groups: groups.clone(),
            customer_ids: purchases.customer_ids().into(),
            product_ids: purchases.product_ids().into(),
            window: (window_start.map(date_of), last),
        })
    }
}

/// One recommended product.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// Product code.
    pub product: u32,
    /// The blended score.
    pub score: f64,
    /// The rule behind it, if one is.
    pub rule: Option<Rule>,
    /// The product's share in the customer's group (or among all customers).
    pub share: f64,
}

/// A fitted recommender; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Recommender {
    params: RecommendParams,
    rules: AssociationRules,
    popularity: GroupPopularity,
    /// Product shares per group, the population last.
    shares: Vec<HashMap<u32, f64>>,
    /// Whose popularity each group takes: its own, or (`None`) the population's.
    source: Vec<Option<u32>>,
    bought: Vec<Vec<u32>>,
    group_of: Vec<Option<u32>>,
    groups: CustomerGroups,
    customer_ids: Arc<[String]>,
    product_ids: Arc<[String]>,
    /// First and last day of the popularity window (`None`: from the first purchase).
    window: (Option<NaiveDate>, NaiveDate),
}

impl Recommender {
    /// The pair rules.
    pub fn rules(&self) -> &AssociationRules {
        &self.rules
    }

    /// Group popularity in the window.
    pub fn popularity(&self) -> &GroupPopularity {
        &self.popularity
    }

    /// The groups.
    pub fn groups(&self) -> &CustomerGroups {
        &self.groups
    }

    /// The settings.
    pub fn params(&self) -> &RecommendParams {
        &self.params
    }

    /// Product id of a code.
    pub fn product_id(&self, code: u32) -> &str {
        &self.product_ids[code as usize]
    }

    /// The popularity window's first day (`None`: all purchases) and last day.
    pub fn window(&self) -> (Option<NaiveDate>, NaiveDate) {
        self.window
    }

    /// The group whose popularity a customer's recommendations use: their own group when it had
    /// at least [`RecommendParams::min_group_customers`] active customers in the window, else
    /// `None` (everyone).
    pub fn popularity_source(&self, customer: u32) -> Option<u32> {
        self.group_of(customer)
            .and_then(|g| self.source.get(g as usize).copied().flatten())
    }

    /// The group index of a customer code.
    pub fn group_of(&self, customer: u32) -> Option<u32> {
        self.group_of.get(customer as usize).copied().flatten()
    }

    /// Products bought by a customer code, sorted.
    pub fn bought(&self, customer: u32) -> &[u32] {
        self.bought
            .get(customer as usize)
            .map_or(&[][..], Vec::as_slice)
    }

    /// The top-k for one customer code, best first.
    pub fn recommend_customer(&self, customer: u32) -> Vec<Recommendation> {
        self.recommend_weighted(customer, self.params.rule_weight)
    }

    /// The top-k for one customer code with another rule weight. Nothing the fit computes
    /// depends on the weight, so this is what a recommender fitted with that weight would give.
    pub(crate) fn recommend_weighted(&self, customer: u32, w: f64) -> Vec<Recommendation> {
        let bought = self.bought(customer);
        let skip = |p: u32| !self.params.keep_bought && bought.binary_search(&p).is_ok();
        let group = self.popularity_source(customer);
        let shares = &self.shares[group.map_or(self.shares.len() - 1, |g| g as usize)];
        let mut candidates: HashMap<u32, Option<Rule>> = HashMap::new();
        for &a in bought {
            for rule in self.rules.from_antecedent(a) {
                if skip(rule.consequent) {
                    continue;
                }
                let best = candidates.entry(rule.consequent).or_insert(None);
                let better = best.is_none_or(|b| {
                    rule.confidence > b.confidence
                        || (rule.confidence == b.confidence && rule.lift > b.lift)
                });
                if better {
                    *best = Some(*rule);
                }
            }
        }
        // Enough popular products to fill k after the bought ones are skipped, the population's
        // too in case the group's are few.
        for source in [group, None] {
            let popular = self
                .popularity
                .by_buyers(source)
                .iter()
                .filter(|p| !skip(p.product))
                .take(self.params.k);
            for p in popular {
                candidates.entry(p.product).or_insert(None);
            }
        }
        let mut scored: Vec<Recommendation> = candidates
            .into_iter()
            .map(|(product, rule)| {
                let share = shares.get(&product).copied().unwrap_or(0.0);
                let confidence = rule.map_or(0.0, |r| r.confidence);
                Recommendation {
                    product,
                    score: w * confidence + (1.0 - w) * share,
                    rule,
                    share,
                }
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.product.cmp(&b.product)));
        scored.truncate(self.params.k);
        scored
    }

    /// Why a product was recommended, in words.
    pub fn reason(&self, customer: u32, recommendation: &Recommendation) -> String {
        self.word(self.reason_key(customer, recommendation))
    }

    /// What [`Recommender::reason`] says, before it is put in words.
    fn reason_key(&self, customer: u32, recommendation: &Recommendation) -> ReasonKey {
        let w = self.params.rule_weight;
        match recommendation.rule {
            Some(rule) if w * rule.confidence >= (1.0 - w) * recommendation.share => {
                ReasonKey::Rule {
                    antecedent: rule.antecedent,
                    confidence: rule.confidence.to_bits(),
                    lift: rule.lift.to_bits(),
                }
            }
            _ => match self.popularity_source(customer) {
                Some(group) if recommendation.share > 0.0 => ReasonKey::Group {
                    group,
                    share: recommendation.share.to_bits(),
                },
                _ => ReasonKey::Everyone {
                    share: self
                        .shares
                        .last()
                        .and_then(|shares| shares.get(&recommendation.product))
                        .copied()
                        .unwrap_or(0.0)
                        .to_bits(),
                },
            },
        }
    }

    /// A reason in words.
    fn word(&self, key: ReasonKey) -> String {
        let fmt = NumberFormat::default();
        let since = || match self.window.0 {
            Some(first) => format!("since {first}"),
            None => "in all the data".to_string(),
        };
        match key {
            ReasonKey::Rule {
                antecedent,
                confidence,
                lift,
            } => format!(
                "bought with {}: confidence {:.2}, lift {:.1}",
                self.product_id(antecedent),
                f64::from_bits(confidence),
                f64::from_bits(lift)
            ),
            ReasonKey::Group { group, share } => format!(
                "popular in {}: {} of its active customers bought it {}",
                self.groups.names()[group as usize],
                fmt.percent(f64::from_bits(share)),
                since()
            ),
            ReasonKey::Everyone { share } => format!(
                "popular: {} of all active customers bought it {}",
                fmt.percent(f64::from_bits(share)),
                since()
            ),
        }
    }

    /// The top-k of every customer with purchases, in customer-code order.
    pub fn recommend(&self) -> Result<Recommendations> {
        let customers: Vec<u32> = (0..self.bought.len() as u32)
            .filter(|&c| !self.bought[c as usize].is_empty())
            .collect();
        let lists: Vec<Vec<(Recommendation, ReasonKey)>> = customers
            .par_iter()
            .map(|&c| {
                self.recommend_customer(c)
                    .into_iter()
                    .map(|r| {
                        let key = self.reason_key(c, &r);
                        (r, key)
                    })
                    .collect()
            })
            .collect();
        // Distinct reasons are few (one per rule, and per product and group), so each is put
        // in words once and the rows hold its code: at millions of rows, a text per row was
        // most of the time and memory.
        let mut codes: HashMap<ReasonKey, u32> = HashMap::new();
        let mut out = Recommendations {
            customer_ids: Arc::clone(&self.customer_ids),
            product_ids: Arc::clone(&self.product_ids),
            group_names: self.groups.names().to_vec(),
            ..Default::default()
        };
        for (&customer, list) in customers.iter().zip(lists) {
            let group = self.group_of(customer);
            for (rank, (recommendation, key)) in list.into_iter().enumerate() {
                let reason = *codes.entry(key).or_insert_with(|| {
                    out.reasons.push(self.word(key));
                    out.reasons.len() as u32 - 1
                });
                out.customer.push(customer);
                out.group.push(group);
                out.rank.push(rank as u32 + 1);
                out.product.push(recommendation.product);
                out.score.push(recommendation.score);
                out.reason.push(reason);
            }
        }
        Ok(out)
    }
}

/// What a reason says: the rule behind it, or the share of the group (or of everyone) who
/// bought the product. Equal keys give equal words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ReasonKey {
    /// Bought with `antecedent` (confidence and lift as bits).
    Rule {
        antecedent: u32,
        confidence: u64,
        lift: u64,
    },
    /// Popular in `group` (share as bits).
    Group { group: u32, share: u64 },
    /// Popular among all active customers (share as bits).
    Everyone { share: u64 },
}

/// Every customer's top-k: `customer_id, group, rank, product, score, reason`.
///
/// Rows hold codes; the ids and words are put in at [`Recommendations::frame`]. `{:?}` shows the
/// sizes, not the millions of rows (print [`Recommendations::frame`] for those).
#[derive(Clone, Default, PartialEq)]
pub struct Recommendations {
    customer_ids: Arc<[String]>,
    product_ids: Arc<[String]>,
    group_names: Vec<String>,
    /// The distinct reasons, in words.
    reasons: Vec<String>,
    customer: Vec<u32>,
    group: Vec<Option<u32>>,
    rank: Vec<u32>,
    product: Vec<u32>,
    score: Vec<f64>,
    reason: Vec<u32>,
}

impl std::fmt::Debug for Recommendations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recommendations")
            .field("rows", &self.len())
            // Rows come customer by customer.
            .field("customers", &self.customer.chunk_by(|a, b| a == b).count())
            .field("groups", &self.group_names)
            .field("distinct_reasons", &self.reasons.len())
            .finish_non_exhaustive()
    }
}

impl Recommendations {
    /// Rows (one per customer and rank).
    pub fn len(&self) -> usize {
        self.rank.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rank.is_empty()
    }

    /// The table: `customer_id, group, rank, product, score, reason`.
    pub fn frame(&self) -> Result<DataFrame> {
        fn ids<'a>(names: &'a [String], codes: &[u32]) -> Vec<&'a str> {
            codes.iter().map(|&c| names[c as usize].as_str()).collect()
        }
        let group: Vec<&str> = self
            .group
            .iter()
            .map(|g| g.map_or("(none)", |g| self.group_names[g as usize].as_str()))
            .collect();
        // Gathered from the distinct words: the rows share one copy of each text.
        let reason = StringChunked::from_iter_values(
            "reason".into(),
            self.reasons.iter().map(String::as_str),
        )
        .take(self.reason.as_slice())?;
        Ok(DataFrame::new(
            self.len(),
            vec![
                Column::new(
                    "customer_id".into(),
                    ids(&self.customer_ids, &self.customer),
                ),
                Column::new("group".into(), group),
                Column::new("rank".into(), &self.rank),
                Column::new("product".into(), ids(&self.product_ids, &self.product)),
                Column::new("score".into(), &self.score),
                reason.into_column(),
            ],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::rules::RulesParams;

    #[test]
    fn another_weight_gives_what_a_fit_with_that_weight_gives() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Baskets c0 {A, B}, c1 {A, B}, c2 {A, C}, c3 {C, D}, c4 {B, E}: rules and
        // group popularity disagree, so the weight changes the lists.
        let rows = [
            (0, 0, 0, 0, 1.0),
            (0, 0, 1, 0, 1.0),
            (1, 1, 0, 0, 1.0),
            (1, 1, 1, 0, 1.0),
            (2, 2, 0, 0, 1.0),
            (2, 2, 2, 0, 1.0),
            (3, 3, 2, 0, 1.0),
            (3, 3, 3, 0, 1.0),
            (4, 4, 1, 0, 1.0),
            (4, 4, 4, 0, 1.0),
        ];
        let customers = names(&["c0", "c1", "c2", "c3", "c4"]);
        let purchases =
            Purchases::from_codes(customers.clone(), names(&["A", "B", "C", "D", "E"]), &rows)
                .unwrap();
        let groups =
            CustomerGroups::new("g", customers, names(&["G1", "G1", "G2", "G2", "G2"])).unwrap();
        let params = RecommendParams::new()
            .k(2)
            .window_months(None)
            .rules(RulesParams::new().min_support(0.2).min_confidence(0.3))
            .min_group_customers(1);
        let fitted = params.fit(&purchases, &groups).unwrap();
        let mut differs = false;
        for w in [0.0, 0.25, 1.0] {
            let refitted = params
                .clone()
                .rule_weight(w)
                .fit(&purchases, &groups)
                .unwrap();
            for c in 0..5 {
                let got = fitted.recommend_weighted(c, w);
                assert_eq!(
                    got,
                    refitted.recommend_customer(c),
                    "weight {w}, customer {c}"
                );
                differs |= got != fitted.recommend_customer(c);
            }
        }
        assert!(differs, "the fixture must make the weight matter");
    }
}
