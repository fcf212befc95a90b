//! The report's product recommendations: per segment, the products it bought more than other
//! customers in the last months (affinity), and how well the recommender does on the last
//! months it did not see.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use crate::data::clean::cols;
use crate::data::transactions::Transactions;
use crate::error::Result;
use crate::format::NumberFormat;
use crate::frame::text_values;
use crate::recommend::{CustomerGroups, Evaluation, HoldoutSplit, Purchases, RecommendParams};
use crate::report::config::StudyConfig;
use crate::report::playbooks::slug;
use crate::rfm::RfmTable;

/// A table row of formatted cells.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProductRow {
    pub cells: Vec<String>,
}

/// One segment's products.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SegmentProducts {
    pub name: String,
    pub slug: String,
    /// Active customers of the segment in the window.
    pub active: String,
    /// product, description, buyers, share of the segment, lift.
    pub rows: Vec<ProductRow>,
    /// The products in one line, for the playbooks.
    pub text: String,
}

/// Everything the template's product part shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProductSection {
    /// "2011-10-10 to 2011-12-09".
    pub window: String,
    pub min_share: String,
    pub segments: Vec<SegmentProducts>,
    /// Segments with too few active customers to list, in one sentence.
    pub quiet: Option<String>,
    pub evaluation: Option<String>,
    /// recommender, customers, hit rate, precision, recall, MAP, coverage.
    pub evaluation_rows: Vec<ProductRow>,
    pub evaluation_skipped: Option<String>,
}

/// The section, or the sentence saying why there is none.
pub(crate) enum ProductOutcome {
    Section(Box<ProductSection>),
    Skipped(String),
}

/// Products per segment and the holdout evaluation, as `config.recommendations` says.
pub(crate) fn product_section(
    config: &StudyConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
    fmt: &NumberFormat,
) -> Result<ProductOutcome> {
    let settings = &config.recommendations;
    if transactions.roles().product.is_none() {
        return Ok(ProductOutcome::Skipped(
            "Product recommendations need a product column, and this file has none that custseg \
             recognises (set roles.product in the study file)."
                .to_string(),
        ));
    }
    let purchases = Purchases::from_transactions(transactions)?;
    let groups = CustomerGroups::from_rfm(rfm)?;
    let params = RecommendParams::new()
        .k(settings.k)
        .window_months(Some(settings.window_months))
        .min_group_customers(settings.min_active_customers);
    let recommender = params.fit(&purchases, &groups)?;
    let descriptions = descriptions(transactions)?;
    let popularity = recommender.popularity();
    let mut segments = Vec::new();
    let mut quiet = Vec::new();
    for (g, name) in groups.names().iter().enumerate() {
        let group = Some(g as u32);
        let active = popularity.active(group);
        if active < settings.min_active_customers {
            quiet.push(format!("{name} ({})", fmt.count(active as usize)));
            continue;
        }
        let products: Vec<_> = popularity
            .affinity(group, settings.min_share)
            .into_iter()
            .filter(|p| p.lift > 1.0)
            .take(settings.products_per_segment)
            .collect();
        let id = |code: u32| recommender.product_id(code).to_string();
        let describe = |code: u32| descriptions.get(&id(code)).cloned().unwrap_or_default();
        let rows = products
            .iter()
            .map(|p| ProductRow {
                cells: vec![
                    id(p.product),
                    describe(p.product),
                    fmt.count(p.buyers as usize),
                    fmt.percent(p.share),
                    format!("{:.1}", p.lift),
                ],
            })
            .collect();
        let text = products
            .iter()
            .map(|p| match describe(p.product).as_str() {
                "" => format!("{} (lift {:.1})", id(p.product), p.lift),
                d => format!("{d} ({}, lift {:.1})", id(p.product), p.lift),
            })
            .collect::<Vec<_>>()
            .join("; ");
        segments.push(SegmentProducts {
            name: name.clone(),
            slug: slug(name),
            active: fmt.count(active as usize),
            rows,
            text,
        });
    }
    let (first, last) = recommender.window();
    let (evaluation, evaluation_rows, evaluation_skipped) =
        match evaluate(config, transactions, &purchases, &params) {
            Ok(e) => (Some(e.summary()), evaluation_rows(&e, fmt), None),
            Err(e) => (
                None,
                Vec::new(),
                Some(format!("The recommendations were not evaluated: {e}")),
            ),
        };
    Ok(ProductOutcome::Section(Box::new(ProductSection {
        window: format!(
            "{} to {last}",
            first.map_or_else(|| "the first purchase".to_string(), |d| d.to_string())
        ),
        min_share: fmt.percent(settings.min_share),
        segments,
        quiet: (!quiet.is_empty()).then(|| quiet.join(", ")),
        evaluation,
        evaluation_rows,
        evaluation_skipped,
    })))
}

/// The holdout of the last `holdout_months`, with the segments as they stood at the cut.
fn evaluate(
    config: &StudyConfig,
    transactions: &Transactions,
    purchases: &Purchases,
    params: &RecommendParams,
) -> Result<Evaluation> {
    let split = HoldoutSplit::last_months(purchases, config.recommendations.holdout_months)?;
    let at_cut = config
        .rfm_params()?
        .observation_end(split.cut())
        .fit(transactions)?;
    split.evaluate(purchases, &CustomerGroups::from_rfm(&at_cut)?, params)
}

fn evaluation_rows(evaluation: &Evaluation, fmt: &NumberFormat) -> Vec<ProductRow> {
    evaluation
        .for_group("all")
        .into_iter()
        .map(|r| ProductRow {
            cells: vec![
                r.recommender.clone(),
                fmt.count(r.customers),
                fmt.percent(r.hit_rate),
                fmt.number(r.precision, 3),
                fmt.number(r.recall, 3),
                fmt.number(r.map, 3),
                fmt.percent(r.coverage),
            ],
        })
        .collect()
}

/// The first description each product has in the file, when there is a description column.
fn descriptions(transactions: &Transactions) -> Result<HashMap<String, String>> {
    let frame = transactions.frame();
    if frame.column(cols::DESCRIPTION).is_err() {
        return Ok(HashMap::new());
    }
    let first = frame
        .lazy()
        .filter(col(cols::DESCRIPTION).is_not_null())
        .group_by([col(cols::PRODUCT)])
        .agg([col(cols::DESCRIPTION).first()])
        .collect()?;
    Ok(text_values(&first, cols::PRODUCT)?
        .into_iter()
        .zip(text_values(&first, cols::DESCRIPTION)?)
        .collect())
}
