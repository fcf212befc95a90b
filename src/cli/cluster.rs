//! `custseg cluster`.

use std::ops::RangeInclusive;
use std::path::PathBuf;

use clap::Args;
use custseg::Result;
use custseg::cluster::ClusterModel;
use custseg::cluster::dbscan::DbscanParams;
use custseg::cluster::hierarchical::Linkage;
use custseg::cluster::kmeans::KMeansParams;
use custseg::cluster::profile::ClusterProfiles;
use custseg::cluster::selection::{SelectionParams, select};
use custseg::error::Error;
use custseg::features::matrix::FeatureMatrix;
use custseg::features::transform::Step;
use custseg::frame::column_names;
use custseg::matrix::Matrix;
use custseg::rfm::RfmParams;

use super::Timings;
use super::args::InputArgs;
use super::output::{check_table_output, write_frame};

/// Arguments of `custseg cluster`.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    input: InputArgs,

    /// `rfm` (recency, frequency, monetary from the transactions), or numeric columns of a per-customer table (INPUT then holds one row per customer)
    #[arg(
        long,
        default_value = "rfm",
        value_name = "rfm|COL,COL..",
        help_heading = "Clustering"
    )]
    features: String,
    /// Transforms applied in order: log1p, standard, robust, minmax, winsorize[:LO:HI], or none
    #[arg(
        long,
        default_value = "log1p,standard",
        value_name = "STEP,STEP..",
        help_heading = "Clustering"
    )]
    transform: String,
    /// Numbers of clusters to compare, e.g. 2..10 or 4
    #[arg(
        long,
        default_value = "2..10",
        value_name = "A..B",
        help_heading = "Clustering"
    )]
    k: String,
    /// Model(s): kmeans, gmm, dbscan, hierarchical, spectral, a comma list, or all
    #[arg(
        long,
        default_value = "kmeans",
        value_name = "MODEL",
        help_heading = "Clustering"
    )]
    model: String,
    /// Seed of every random choice (same data and seed, same labels)
    #[arg(long, default_value_t = 0, help_heading = "Clustering")]
    seed: u64,
    /// k-means runs from different starts (the lowest inertia wins)
    #[arg(long, default_value_t = 10, help_heading = "Clustering")]
    n_init: usize,
    /// DBSCAN neighbourhood radius, in transformed units
    #[arg(long, default_value_t = 0.5, help_heading = "Clustering")]
    eps: f64,
    /// DBSCAN samples within eps (itself included) that make a core sample
    #[arg(long, default_value_t = 5, help_heading = "Clustering")]
    min_samples: usize,
    /// Hierarchical linkage: ward, complete, average or single
    #[arg(long, default_value = "ward", help_heading = "Clustering")]
    linkage: String,
    /// Spectral clustering's RBF kernel width
    #[arg(long, default_value_t = 1.0, help_heading = "Clustering")]
    gamma: f64,
    /// Compute the silhouette on a random sample of this many customers (scikit-learn's sample_size) [default: all]
    #[arg(long, value_name = "N", help_heading = "Clustering")]
    silhouette_sample: Option<usize>,
    /// Write the comparison table (model,k,inertia,silhouette,calinski_harabasz,davies_bouldin) to a .csv or .parquet file [default: print it]
    #[arg(long, value_name = "FILE")]
    selection: Option<PathBuf>,
    /// Fit the (first) model with this many clusters and write each customer's cluster to --output
    #[arg(long, value_name = "K", requires = "output")]
    assign: Option<usize>,
    /// Assignment file (customer_id,cluster plus the features in original units), .csv or .parquet
    #[arg(long, short, value_name = "FILE", requires = "assign")]
    output: Option<PathBuf>,
}

/// Parses `2..10`, `2..=10` or `4`.
fn parse_k(text: &str) -> Result<RangeInclusive<usize>> {
    let bad = || {
        Error::param(
            "--k",
            format!("give a range such as 2..10 or one number, not \"{text}\""),
        )
    };
    let number = |t: &str| t.trim().parse::<usize>().map_err(|_| bad());
    match text.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b.trim_start_matches('='))?);
            if a > b {
                return Err(Error::param(
                    "--k",
                    format!("{text} is an empty range: give the smaller number first, {b}..{a}"),
                ));
            }
            Ok(a..=b)
        }
        None => {
            let k = number(text)?;
            Ok(k..=k)
        }
    }
}

impl ClusterArgs {
    fn steps(&self) -> Result<Vec<Step>> {
        if self.transform.trim().eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        self.transform.split(',').map(Step::parse).collect()
    }

    fn models(&self, k: usize) -> Result<Vec<ClusterModel>> {
        let names: Vec<&str> = if self.model.trim().eq_ignore_ascii_case("all") {
            vec!["kmeans", "gmm", "dbscan", "hierarchical", "spectral"]
        } else {
            self.model.split(',').collect()
        };
        let linkage: Linkage = self.linkage.parse()?;
        names
            .iter()
            .map(|name| {
                Ok(match ClusterModel::named(name, k, self.seed)? {
                    ClusterModel::KMeans(_) => ClusterModel::KMeans(
                        KMeansParams::new(k).n_init(self.n_init).seed(self.seed),
                    ),
                    ClusterModel::Dbscan(_) => ClusterModel::Dbscan(
                        DbscanParams::new()
                            .eps(self.eps)
                            .min_samples(self.min_samples),
                    ),
                    ClusterModel::Hierarchical(p) => ClusterModel::Hierarchical(p.linkage(linkage)),
                    ClusterModel::Spectral(p) => ClusterModel::Spectral(p.gamma(self.gamma)),
                    other => other,
                })
            })
            .collect()
    }

    /// The feature matrix: RFM of the transactions, or columns of a per-customer table.
    fn feature_matrix(&self, steps: &[Step], timings: &mut Timings) -> Result<FeatureMatrix> {
        let options = self.input.load_options()?;
        if self.features.trim().eq_ignore_ascii_case("rfm") {
            // Aggregated while the input is read (the bundled data is loaded as usual).
            let table = match &self.input.input {
                Some(input) => RfmParams::new().fit_streaming(input, &options)?.table,
                None => RfmParams::new().fit(&self.input.load(&options)?)?,
            };
            timings.mark("rfm");
            let matrix = FeatureMatrix::from_rfm(&table, steps)?;
            timings.mark("features");
            return Ok(matrix);
        }
        let raw = self.input.read(&options)?;
        timings.mark("read");
        let columns: Vec<&str> = self.features.split(',').map(str::trim).collect();
        let names = column_names(&raw.frame);
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let id = options
            .roles
            .resolve_customer(&name_refs, &raw.source.path)?;
        let matrix = FeatureMatrix::from_frame(&raw.frame, &id, &columns, steps)
            .map_err(|e| Error::format(&raw.source.path, e.to_string()))?;
        timings.mark("features");
        Ok(matrix)
    }
}

pub fn run(args: &ClusterArgs, timings: &mut Timings) -> Result<()> {
    let input = args.input.input.as_deref();
    for path in [&args.selection, &args.output].into_iter().flatten() {
        let flag = if Some(path) == args.output.as_ref() {
            "--output"
        } else {
            "--selection"
        };
        check_table_output(path, flag, input)?;
    }
    let ks = parse_k(&args.k)?;
    let steps = args.steps()?;
    let models = args.models(*ks.start())?;
    let params = SelectionParams::new(models.clone(), ks)
        .silhouette_sample(args.silhouette_sample)
        .seed(args.seed);
    params.check()?;
    let features = args.feature_matrix(&steps, timings)?;
    let x: Matrix = features.matrix()?;
    let selection = select(&x, &params)?;
    timings.mark("selection");
    let mut table = selection.to_frame()?;
    match &args.selection {
        Some(path) => write_frame(&mut table, path)?,
        None => super::out(format_args!("{table}\n"))?,
    }
    if let (Some(k), Some(path)) = (args.assign, &args.output) {
        let model = models[0].clone().with_k(k);
        let fitted = model.fit(&x)?;
        let profiles = ClusterProfiles::new(&features, fitted.labels())?;
        timings.mark("assign");
        let mut frame = features.assignment_frame(fitted.labels())?;
        write_frame(&mut frame, path)?;
        for p in &profiles.clusters {
            super::out(format_args!(
                "cluster {}: {} customers ({:.1}%), {}\n",
                p.cluster,
                p.customers,
                100.0 * p.customer_share,
                p.name
            ))?;
        }
    }
    timings.mark("write");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_ranges() {
        assert_eq!(parse_k("2..10").unwrap(), 2..=10);
        assert_eq!(parse_k("2..=4").unwrap(), 2..=4);
        assert_eq!(parse_k("4").unwrap(), 4..=4);
        assert!(parse_k("two").is_err());
        let m = parse_k("10..2").unwrap_err().to_string();
        assert!(m.contains("`--k`") && m.contains("2..10"), "{m}");
    }
}
