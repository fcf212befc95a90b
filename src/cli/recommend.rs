//! `custseg recommend`: products for every customer from their group and their baskets, the pair
//! rules, and the holdout evaluation.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use custseg::Result;
use custseg::cluster::ClusterModel;
use custseg::data::transactions::Transactions;
use custseg::error::Error;
use custseg::features::matrix::FeatureMatrix;
use custseg::features::transform::Step;
use custseg::recommend::{CustomerGroups, HoldoutSplit, Purchases, RecommendParams, RulesParams};
use custseg::rfm::RfmParams;

use super::Timings;
use super::args::InputArgs;
use super::output::{check_table_output, write_frame};

/// Arguments of `custseg recommend`.
#[derive(Debug, Args)]
pub struct RecommendArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Customer groups: `segment` (RFM segments), `cluster` (k-means on log RFM, --clusters groups), or a column of the file (each customer under the value that brought most of their spend)
    #[arg(
        long,
        default_value = "segment",
        value_name = "segment|cluster|COLUMN",
        help_heading = "Recommendations"
    )]
    by: String,
    /// Number of clusters with --by cluster
    #[arg(long, default_value_t = 4, help_heading = "Recommendations")]
    clusters: usize,
    /// Products per customer
    #[arg(long, default_value_t = 10, help_heading = "Recommendations")]
    k: usize,
    /// Months before the last day whose purchases make a group's popularity (0: all purchases)
    #[arg(long, default_value_t = 2, help_heading = "Recommendations")]
    window_months: u32,
    /// Smallest share of baskets a product and a pair must reach for a rule
    #[arg(long, default_value_t = 0.01, help_heading = "Recommendations")]
    min_support: f64,
    /// Smallest confidence of a rule
    #[arg(long, default_value_t = 0.1, help_heading = "Recommendations")]
    min_confidence: f64,
    /// Weight of the rules against group popularity, 0 to 1
    #[arg(long, default_value_t = 0.5, help_heading = "Recommendations")]
    rule_weight: f64,
    /// Recommend products the customer already bought too (goods bought again and again)
    #[arg(long, help_heading = "Recommendations")]
    keep_bought: bool,
    /// Evaluate on a time holdout: fit on the purchases before the last --holdout-months, score what customers bought after
    #[arg(long, help_heading = "Evaluation")]
    evaluate: bool,
    /// Months held out by --evaluate
    #[arg(long, default_value_t = 2, help_heading = "Evaluation")]
    holdout_months: u32,
    /// Seed of the random baseline and of the clusters
    #[arg(long, default_value_t = 0, help_heading = "Evaluation")]
    seed: u64,
    /// Write the pair rules (antecedent,consequent,support,confidence,lift,leverage,conviction) to a .csv or .parquet file
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Write the recommendations (customer_id,group,rank,product,score,reason) to a .csv or .parquet file
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
}

impl RecommendArgs {
    fn params(&self) -> Result<RecommendParams> {
        let params = RecommendParams::new()
            .k(self.k)
            .window_months((self.window_months > 0).then_some(self.window_months))
            .rules(
                RulesParams::new()
                    .min_support(self.min_support)
                    .min_confidence(self.min_confidence),
            )
            .rule_weight(self.rule_weight)
            .keep_bought(self.keep_bought);
        params.check()?;
        if self.by == "cluster" && self.clusters < 2 {
            return Err(Error::param("--clusters", "must be at least 2"));
        }
        if self.evaluate && self.holdout_months == 0 {
            return Err(Error::param("--holdout-months", "must be at least 1"));
        }
        Ok(params)
    }

    /// The groups as customers stood at the end of `until` (all data when `None`).
    fn groups(
        &self,
        transactions: &Transactions,
        until: Option<NaiveDate>,
    ) -> Result<CustomerGroups> {
        let mut rfm = RfmParams::new();
        if let Some(day) = until {
            rfm = rfm.observation_end(day);
        }
        match self.by.as_str() {
            "segment" => CustomerGroups::from_rfm(&rfm.fit(transactions)?),
            "cluster" => {
                let table = rfm.fit(transactions)?;
                let features = FeatureMatrix::from_rfm(&table, &[Step::Log1p, Step::Standard])?;
                let clusters = ClusterModel::named("kmeans", self.clusters, self.seed)?
                    .fit(&features.matrix()?)?;
                let ids = custseg::frame::text_values(&table.frame(), "customer_id")?;
                CustomerGroups::from_clusters(ids, clusters.labels())
            }
            column => CustomerGroups::from_dimension(transactions, column, until),
        }
    }
}

pub fn run(args: &RecommendArgs, timings: &mut Timings) -> Result<()> {
    let params = args.params()?;
    let inputs = args.input.input.as_deref();
    check_table_output(&args.output, "--output", inputs)?;
    if let Some(path) = &args.rules {
        check_table_output(path, "--rules", inputs)?;
    }
    let mut options = args.input.load_options()?;
    let by_column = !matches!(args.by.as_str(), "segment" | "cluster");
    if by_column && !options.roles.dimensions.contains(&args.by) {
        options.roles.dimensions.push(args.by.clone());
    }
    let transactions = args.input.load(&options)?;
    timings.mark("load");
    let purchases = Purchases::from_transactions(&transactions)?;
    let groups = args.groups(&transactions, None)?;
    timings.mark("groups");
    let recommender = params.fit(&purchases, &groups)?;
    timings.mark("fit");
    let mut frame = recommender.recommend()?.frame()?;
    timings.mark("recommend");
    write_frame(&mut frame, &args.output)?;
    if let Some(path) = &args.rules {
        let mut rules = recommender.rules().frame()?;
        write_frame(&mut rules, path)?;
        eprintln!(
            "wrote {} pair rules over {} baskets to {}",
            rules.height(),
            recommender.rules().baskets(),
            path.display()
        );
    }
    timings.mark("write");
    super::note_dropped_rows(&transactions);
    if purchases.rows_without_product() > 0 {
        eprintln!(
            "note: {} kept rows without a product id left out of the recommendations",
            purchases.rows_without_product()
        );
    }
    let (first, last) = recommender.window();
    eprintln!(
        "wrote {} recommendations for {} customers in {} groups by {} to {} (group popularity \
         from {} to {last}; {} pair rules)",
        frame.height(),
        frame.column("customer_id")?.n_unique()?,
        groups.names().len(),
        groups.by(),
        args.output.display(),
        first.map_or_else(|| "the first purchase".to_string(), |d| d.to_string()),
        recommender.rules().rules().len()
    );
    if args.evaluate {
        let split = HoldoutSplit::last_months(&purchases, args.holdout_months)?.seed(args.seed);
        let groups_then = args.groups(&transactions, Some(split.cut()))?;
        let evaluation = split.evaluate(&purchases, &groups_then, &params)?;
        timings.mark("evaluate");
        super::out(&evaluation)?;
    }
    Ok(())
}
