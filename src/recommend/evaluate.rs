//! How well recommendations work on purchases they did not see: fit on the purchases before a
//! cut date, recommend, and compare with what each customer bought after it.
//!
//! Customers are evaluated when they bought before the cut (so they can be recommended to) and
//! bought in the holdout something they had not bought before (what a recommender that leaves
//! bought products out can hit; with [`RecommendParams::keep_bought`] every holdout product
//! counts). For a customer with holdout products `R` and top-k list `L`:
//!
//! | metric | per customer | |
//! |---|---|---|
//! | hit rate@k | 1 if `L` and `R` share a product | |
//! | precision@k | `|L ∩ R| / k` | |
//! | recall@k | `|L ∩ R| / |R|` | |
//! | MAP@k | `Σ_i P@i · [L_i ∈ R] / min(k, |R|)` | average precision, as ml_metrics' `apk` |
//!
//! each averaged over the customers; catalogue coverage is the share of the products sold before
//! the cut that appear in any list. Two baselines run on the same customers: global popularity
//! (the window's best sellers among all customers) and random products (seeded).

use std::fmt;

use chrono::{Months, NaiveDate};
use polars::prelude::*;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;

use crate::data::dates::day_number;
use crate::display::{escape_html, html_table};
use crate::error::{Context, Error, Result};
use crate::frame::text_table;
use crate::recommend::groups::CustomerGroups;
use crate::recommend::purchases::Purchases;
use crate::recommend::topk::{RecommendParams, Recommendation, Recommender};

/// The holdout: where to cut, checked by [`HoldoutSplit::evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutSplit {
    cut: NaiveDate,
    seed: u64,
}

impl HoldoutSplit {
    /// Purchases up to the end of `cut` are the past; later ones are the holdout.
    pub fn new(cut: NaiveDate) -> Self {
        HoldoutSplit { cut, seed: 0 }
    }

    /// The last `months` months of `purchases` held out.
    pub fn last_months(purchases: &Purchases, months: u32) -> Result<Self> {
        let last = purchases
            .last_date()
            .ok_or_else(|| Error::param("purchases", "there are no purchases to evaluate on"))?;
        if months == 0 {
            return Err(Error::param(
                "HoldoutSplit::last_months",
                "the holdout needs at least one month",
            ));
        }
        let cut = last
            .checked_sub_months(Months::new(months))
            .ok_or_else(|| {
                Error::param(
                    "HoldoutSplit::last_months",
                    format!("{months} months is too far back"),
                )
            })?;
        Ok(Self::new(cut))
    }

    /// Seed of the random baseline.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The cut date (the last day of the past).
    pub fn cut(&self) -> NaiveDate {
        self.cut
    }

    /// Fits `params` on the purchases to the cut with `groups` (as they stood at the cut) and
    /// measures the recommender and the baselines on the holdout.
    pub fn evaluate(
        &self,
        purchases: &Purchases,
        groups: &CustomerGroups,
        params: &RecommendParams,
    ) -> Result<Evaluation> {
        self.evaluate_steps(purchases, groups, params)
            .doing("evaluating the recommendations on a holdout")
    }

    fn evaluate_steps(
        &self,
        purchases: &Purchases,
        groups: &CustomerGroups,
        params: &RecommendParams,
    ) -> Result<Evaluation> {
        let cut_day = day_number(self.cut);
        let past = purchases.filter_days(|d| d <= cut_day);
        let future = purchases.filter_days(|d| d > cut_day);
        if past.is_empty() || future.is_empty() {
            return Err(Error::param(
                "HoldoutSplit::cut",
                format!(
                    "{} leaves no purchases {}; choose a day inside the data",
                    self.cut,
                    if past.is_empty() {
                        "before it"
                    } else {
                        "after it"
                    }
                ),
            ));
        }
        let recommender = params.fit(&past, groups)?;
        let targets = Targets::find(&recommender, &future, params.keeps_bought());
        let catalogue: Vec<u32> = {
            let mut products: Vec<u32> = past.products().to_vec();
            products.sort_unstable();
            products.dedup();
            products
        };
        let k = params.get_k();
        let methods: [(&str, ListFn); 4] = [
            (
                "custseg (rules + group popularity)",
                Box::new(|c| products(recommender.recommend_customer(c))),
            ),
            (
                "group popularity",
                // The same fit with no weight on the rules (refitting would count them again).
                Box::new(|c| products(recommender.recommend_weighted(c, 0.0))),
            ),
            (
                "global popularity (baseline)",
                Box::new(|c| global_popular(&recommender, c, k, params.keeps_bought())),
            ),
            (
                "random (baseline)",
                Box::new(|c| {
                    random_products(
                        &recommender,
                        &catalogue,
                        c,
                        k,
                        self.seed,
                        params.keeps_bought(),
                    )
                }),
            ),
        ];
        let (customers, catalogue_size) = (&targets.customers, catalogue.len());
        let mut rows = Vec::new();
        for (name, method) in &methods {
            let lists: Vec<Vec<u32>> = customers.par_iter().map(|(c, _)| method(*c)).collect();
            rows.push(score(
                name,
                "all",
                customers,
                &lists,
                k,
                catalogue_size,
                |_| true,
            ));
            for (g, group) in groups.names().iter().enumerate() {
                let in_group = |c: u32| recommender.group_of(c) == Some(g as u32);
                if customers.iter().any(|(c, _)| in_group(*c)) {
                    rows.push(score(
                        name,
                        group,
                        customers,
                        &lists,
                        k,
                        catalogue_size,
                        in_group,
                    ));
                }
            }
        }
        Ok(Evaluation {
            cut: self.cut,
            last: purchases.last_date().unwrap_or(self.cut),
            k,
            customers: targets.customers.len(),
            first_seen: targets.first_seen,
            only_rebought: targets.only_rebought,
            by: groups.by().to_string(),
            rows,
        })
    }
}

/// A recommender as a function from customer code to its list.
type ListFn<'a> = Box<dyn Fn(u32) -> Vec<u32> + Sync + 'a>;

/// The customers scored, with what they bought in the holdout that counts, and the ones left out.
struct Targets {
    /// (customer code, holdout products that count, sorted).
    customers: Vec<(u32, Vec<u32>)>,
    /// Bought in the holdout, nothing before.
    first_seen: usize,
    /// Bought in the holdout only what they had bought before.
    only_rebought: usize,
}

impl Targets {
    fn find(recommender: &Recommender, future: &Purchases, keep_bought: bool) -> Targets {
        let mut targets = Targets {
            customers: Vec::new(),
            first_seen: 0,
            only_rebought: 0,
        };
        for (customer, bought_later) in future.products_by_customer().into_iter().enumerate() {
            if bought_later.is_empty() {
                continue;
            }
            let before = recommender.bought(customer as u32);
            if before.is_empty() {
                targets.first_seen += 1;
                continue;
            }
            let relevant: Vec<u32> = bought_later
                .into_iter()
                .filter(|p| keep_bought || before.binary_search(p).is_err())
                .collect();
            if relevant.is_empty() {
                targets.only_rebought += 1;
            } else {
                targets.customers.push((customer as u32, relevant));
            }
        }
        targets
    }
}

/// The products of a top-k list, best first.
fn products(list: Vec<Recommendation>) -> Vec<u32> {
    list.iter().map(|r| r.product).collect()
}

/// The window's best sellers among all customers, bought ones left out.
fn global_popular(recommender: &Recommender, customer: u32, k: usize, keep: bool) -> Vec<u32> {
    let bought = recommender.bought(customer);
    recommender
        .popularity()
        .by_buyers(None)
        .iter()
        .map(|p| p.product)
        .filter(|p| keep || bought.binary_search(p).is_err())
        .take(k)
        .collect()
}

/// `k` distinct products drawn from the catalogue, bought ones left out; the draw of each
/// customer depends on the seed and the customer only.
fn random_products(
    recommender: &Recommender,
    catalogue: &[u32],
    customer: u32,
    k: usize,
    seed: u64,
    keep: bool,
) -> Vec<u32> {
    let bought = recommender.bought(customer);
    let mut pool: Vec<u32> = catalogue
        .iter()
        .copied()
        .filter(|p| keep || bought.binary_search(p).is_err())
        .collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ (u64::from(customer) << 20));
    let take = k.min(pool.len());
    for i in 0..take {
        let j = i + (rng.next_u64() % (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

/// The metrics of one recommender over the customers `include` keeps.
fn score(
    name: &str,
    group: &str,
    targets: &[(u32, Vec<u32>)],
    lists: &[Vec<u32>],
    k: usize,
    catalogue: usize,
    include: impl Fn(u32) -> bool,
) -> EvaluationRow {
    let mut row = EvaluationRow {
        recommender: name.to_string(),
        group: group.to_string(),
        ..EvaluationRow::default()
    };
    let mut recommended: Vec<u32> = Vec::new();
    for ((customer, relevant), list) in targets.iter().zip(lists) {
        if !include(*customer) {
            continue;
        }
        row.customers += 1;
        let mut hits = 0usize;
        let mut precision_sum = 0.0;
        for (i, p) in list.iter().enumerate() {
            if relevant.binary_search(p).is_ok() {
                hits += 1;
                precision_sum += hits as f64 / (i + 1) as f64;
            }
        }
        row.hit_rate += f64::from(u8::from(hits > 0));
        row.precision += hits as f64 / k as f64;
        row.recall += hits as f64 / relevant.len() as f64;
        row.map += precision_sum / k.min(relevant.len()) as f64;
        recommended.extend(list);
    }
    let n = row.customers.max(1) as f64;
    row.hit_rate /= n;
    row.precision /= n;
    row.recall /= n;
    row.map /= n;
    recommended.sort_unstable();
    recommended.dedup();
    row.coverage = recommended.len() as f64 / catalogue.max(1) as f64;
    row
}

/// One line of the evaluation table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvaluationRow {
    /// Which recommender.
    pub recommender: String,
    /// `all`, or a group.
    pub group: String,
    /// Customers evaluated.
    pub customers: usize,
    /// Share with at least one hit.
    pub hit_rate: f64,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean average precision@k.
    pub map: f64,
    /// Share of the catalogue recommended to anyone.
    pub coverage: f64,
}

/// The holdout evaluation; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Last day of the past.
    pub cut: NaiveDate,
    /// Last day of the holdout.
    pub last: NaiveDate,
    /// Products per list.
    pub k: usize,
    /// Customers evaluated.
    pub customers: usize,
    /// Customers of the holdout without purchases before the cut (nothing to recommend from).
    pub first_seen: usize,
    /// Customers of the holdout who only bought again what they had bought before.
    pub only_rebought: usize,
    /// What the groups are.
    pub by: String,
    /// Overall and per group, for each recommender.
    pub rows: Vec<EvaluationRow>,
}

impl Evaluation {
    /// The rows of one group (`all` for everyone).
    pub fn for_group(&self, group: &str) -> Vec<&EvaluationRow> {
        self.rows.iter().filter(|r| r.group == group).collect()
    }

    /// The table: `recommender, group, customers, hit_rate, precision, recall, map, coverage`.
    pub fn frame(&self) -> Result<DataFrame> {
        let rows = &self.rows;
        let pick = |f: fn(&EvaluationRow) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
        Ok(DataFrame::new(
            rows.len(),
            vec![
                Column::new(
                    "recommender".into(),
                    rows.iter()
                        .map(|r| r.recommender.as_str())
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "group".into(),
                    rows.iter().map(|r| r.group.as_str()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "customers".into(),
                    rows.iter().map(|r| r.customers as u64).collect::<Vec<_>>(),
                ),
                Column::new("hit_rate".into(), pick(|r| r.hit_rate)),
                Column::new("precision".into(), pick(|r| r.precision)),
                Column::new("recall".into(), pick(|r| r.recall)),
                Column::new("map".into(), pick(|r| r.map)),
                Column::new("coverage".into(), pick(|r| r.coverage)),
            ],
        )?)
    }

    /// What the numbers mean, in one paragraph computed from them.
    pub fn summary(&self) -> String {
        let all = self.for_group("all");
        let find = |prefix: &str| all.iter().find(|r| r.recommender.starts_with(prefix));
        let mut text = format!(
            "Fitted on the purchases to {} and tested on {} customers who bought something new \
             between then and {} ({} customers first seen after the cut and {} who only bought \
             again what they had bought before are not scored). ",
            self.cut, self.customers, self.last, self.first_seen, self.only_rebought
        );
        if let (Some(ours), Some(global), Some(random)) =
            (find("custseg"), find("global"), find("random"))
        {
            text.push_str(&format!(
                "{:.1}% of them bought at least one of their {} recommended products, against \
                 {:.1}% with the overall best sellers and {:.1}% with random products",
                100.0 * ours.hit_rate,
                self.k,
                100.0 * global.hit_rate,
                100.0 * random.hit_rate
            ));
            let ratio = if global.map > 0.0 {
                ours.map / global.map
            } else {
                f64::NAN
            };
            if ratio.is_finite() {
                text.push_str(&format!(
                    "; ranking quality (MAP@{}) is {ratio:.2} times the best sellers'.",
                    self.k
                ));
            } else {
                text.push('.');
            }
        }
        text
    }

    /// The evaluation as HTML (escaped).
    pub fn html(&self) -> String {
        let mut out = format!("<p>{}</p>", escape_html(&self.summary()));
        if let Ok(frame) = self.frame() {
            out.push_str(&html_table(&frame, 200));
        }
        out
    }

    /// Shows the evaluation in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.html()
        );
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.summary())?;
        let frame = self.frame().map_err(|_| fmt::Error)?;
        write!(f, "{}", text_table(&frame))
    }
}
