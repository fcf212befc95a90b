//! Notebook 05's data calls as a release program, each step timed: what the notebook's cells
//! would cost without the kernel (BENCHMARKS.md, "Notebooks under the evcxr kernel").
//!
//! ```sh
//! cargo run --release --example notebook05_calls -- /tmp/health.csv
//! ```
//!
//! The file is generated (the health look-alike, seed 5, full size) when it does not exist.
use custseg::data::clean::Period;
use custseg::prelude::*;
use std::time::Instant;

fn step<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    eprintln!("{name:<14} {:>6.2} s", t.elapsed().as_secs_f64());
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or("/tmp/h5.csv".into()));
    if !path.exists() {
        step("generate", || {
            GenerateParams::new(Dataset::Health).seed(5).write(&path)
        })
        .map(|_| ())?;
    }
    let raw = step("read_table", || read_table(&path, &ReadOptions::default()))?;
    let first_look = LoadOptions {
        roles: ColumnRoles {
            basket_json: Some("product_json".into()),
            dimensions: vec!["location".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    let tx0 = step("load first", || Transactions::load(&path, &first_look))?;
    let paid = step("paid", || {
        raw.frame
            .clone()
            .lazy()
            .with_column(
                col("paid_amt")
                    .cast(DataType::Float64)
                    .fill_null(lit(0.0))
                    .alias("paid"),
            )
            .group_by([col("member_id")])
            .agg([col("paid").max().alias("max_paid")])
            .select([
                len().alias("members"),
                col("max_paid").gt(lit(0.0)).sum().alias("paying"),
            ])
            .collect()
    })?;
    drop((tx0, paid, raw));
    let options = LoadOptions {
        roles: ColumnRoles {
            basket_json: Some("product_json".into()),
            dimensions: vec!["location".into()],
            ..Default::default()
        },
        other_date_formats: vec![DateFormat::DayFirst],
        rules: CleaningRules {
            excluded_periods: vec![Period::parse("2021")?],
            ..Default::default()
        },
        ..Default::default()
    };
    let tx = step("load clean", || Transactions::load(&path, &options))?;
    let view = step("view", || CustomerViewParams::new().fit(&tx))?;
    let feature_names = ["visits", "ticket_size", "skus", "tenure_days", "recency"];
    let features = FeatureMatrix::from_frame(
        &view.frame(),
        "customer_id",
        &feature_names,
        &[Step::Log1p, Step::Standard],
    )?;
    let comparison = step("select", || {
        select(
            &features.matrix()?,
            &SelectionParams::new(
                vec![ClusterModel::KMeans(KMeansParams::new(4).n_init(3))],
                2..=8,
            )
            .silhouette_sample(Some(5_000)),
        )
    })?;
    let k = comparison.knee.unwrap_or(4);
    let clusters = step("fit k", || {
        ClusterModel::named("kmeans", k, 0)?.fit(&features.matrix()?)
    })?;
    let purchases = step("purchases", || Purchases::from_transactions(&tx))?;
    let groups =
        CustomerGroups::from_clusters(features.customer_ids().to_vec(), clusters.labels())?;
    let rec = step("recommend", || {
        RecommendParams::new()
            .k(5)
            .window_months(Some(2))
            .fit(&purchases, &groups)
    })?;
    step("rec frame", || rec.recommend()?.frame()).map(|_| ())?;
    let split = HoldoutSplit::last_months(&purchases, 2)?;
    let view_then = step("view at cut", || {
        CustomerViewParams::new()
            .observation_end(split.cut())
            .fit(&tx)
    })?;
    let features_then = FeatureMatrix::from_frame(
        &view_then.frame(),
        "customer_id",
        &feature_names,
        &[Step::Log1p, Step::Standard],
    )?;
    let labels_then = step("fit then", || {
        ClusterModel::named("kmeans", k, 0)?.fit(&features_then.matrix()?)
    })?;
    let groups_then =
        CustomerGroups::from_clusters(features_then.customer_ids().to_vec(), labels_then.labels())?;
    step("evaluate", || {
        split.evaluate(
            &purchases,
            &groups_then,
            &RecommendParams::new().k(5).window_months(Some(2)),
        )
    })
    .map(|_| ())?;
    Ok(())
}
