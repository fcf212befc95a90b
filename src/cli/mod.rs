//! Command-line interface. The command names, flags and output columns are a contract that other
//! tools script against: keep them.

mod args;
mod cluster;
mod clv;
mod generate;
mod migrate;
mod output;
mod recommend;
mod report;
mod rfm;
mod sanity;
mod view;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

/// Customer segmentation from transaction files: sanity checks, RFM scores and segments, clustering, HTML reports.
///
/// Every command reads CSV (any common encoding and delimiter, optionally .gz), Parquet or Excel.
/// Without INPUT it uses the bundled UCI Online Retail data (CC BY 4.0).
#[derive(Debug, Parser)]
#[command(name = "custseg", version, propagate_version = true)]
struct Cli {
    /// Print stage timings as one JSON line on standard error (for benchmarks).
    #[arg(long, global = true)]
    timings: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One row per customer: recency, frequency, monetary, R/F/M scores, RFM code and segment.
    Rfm(rfm::RfmArgs),
    /// Row accounting (kept and dropped per reason), missing values, coverage by month.
    Sanity(sanity::SanityArgs),
    /// Compare clustering models over k (inertia, silhouette, Calinski-Harabasz, Davies-Bouldin) and assign customers to clusters.
    Cluster(cluster::ClusterArgs),
    /// A self-contained HTML report: data checks, RFM, segments, charts and marketing playbooks.
    Report(report::ReportArgs),
    /// The customer single view: one row per customer with visits, spend, ticket size, items, products, dates, recency and spend shares per --dimension value.
    View(view::ViewArgs),
    /// Customer lifetime value: BG/NBD or Pareto/NBD purchases and Gamma-Gamma spend per customer, with an optional holdout check.
    Clv(clv::ClvArgs),
    /// Segment migration: RFM segments at two dates, the transition matrix, arrivals, lapses, and where each segment's customers went.
    Migrate(migrate::MigrateArgs),
    /// Product recommendations per customer from their group's recent purchases and pair rules (support, confidence, lift), with a time-holdout evaluation against baselines.
    Recommend(recommend::RecommendArgs),
    /// Write a seeded look-alike of a study's private data: flowers (study 2), supermarket (study 4) or health (study 5).
    Generate(generate::GenerateArgs),
}

/// Stage timings, printed with `--timings`.
#[derive(Debug, Default)]
pub(crate) struct Timings {
    stages: Vec<(&'static str, f64)>,
    last: Option<Instant>,
    start: Option<Instant>,
}

impl Timings {
    fn new() -> Self {
        let now = Instant::now();
        Timings {
            stages: Vec::new(),
            last: Some(now),
            start: Some(now),
        }
    }

    /// Records the time since the previous mark under `stage`.
    pub(crate) fn mark(&mut self, stage: &'static str) {
        let now = Instant::now();
        let since = self.last.map_or(0.0, |t| (now - t).as_secs_f64());
        self.stages.push((stage, since));
        self.last = Some(now);
    }

    fn json(&self) -> String {
        let total = self.start.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let mut parts: Vec<String> = self
            .stages
            .iter()
            .map(|(s, t)| format!("\"{s}_s\":{t:.6}"))
            .collect();
        parts.push(format!("\"total_s\":{total:.6}"));
        format!("{{{}}}", parts.join(","))
    }
}

/// Writes to standard output. A pipe closed by its reader (`custseg sanity data.csv | head`) is
/// not an error: the reader has what it wanted, so the rest is dropped instead of panicking, as
/// `print!` does. Any other write error is reported.
pub(crate) fn out(text: impl std::fmt::Display) -> custseg::Result<()> {
    use std::io::Write;
    match write!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(custseg::Error::write("standard output", e))
        }
        _ => Ok(()),
    }
}

/// Says on standard error how many rows cleaning dropped and why, so that a command whose output
/// goes to a file (`rfm --output`) does not lose rows without a word; `sanity` shows the details.
pub(crate) fn note_dropped_rows(transactions: &custseg::data::transactions::Transactions) {
    // The accounting alone: the rest of the sanity report is not computed for commands that
    // never show it.
    note_dropped(transactions.accounting());
}

/// Says that `input` was loaded in memory instead of aggregated while read: memory then grows
/// with the rows, which matters for inputs that are large.
pub(crate) fn note_loaded_in_memory(input: &std::path::Path) {
    eprintln!(
        "note: {} was loaded in memory, not aggregated while reading (that reads UTF-8 \
         delimited text, plain or gzip, and Parquet without JSON baskets)",
        input.display()
    );
}

/// [`note_dropped_rows`] from the accounting alone.
pub(crate) fn note_dropped(accounting: &custseg::data::clean::RowAccounting) {
    if accounting.dropped.is_empty() {
        return;
    }
    let reasons: Vec<String> = accounting
        .dropped
        .iter()
        .map(|(reason, rows)| format!("{rows} {}", reason.label()))
        .collect();
    eprintln!(
        "note: kept {} of {} rows; dropped {} ({}); `custseg sanity` shows the details",
        accounting.rows_kept,
        accounting.rows_in,
        accounting.rows_dropped(),
        reasons.join(", ")
    );
}

/// Parses arguments, runs the command, and turns errors into a message and exit code 1.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut timings = Timings::new();
    let result = match &cli.command {
        Command::Rfm(args) => rfm::run(args, &mut timings),
        Command::Sanity(args) => sanity::run(args, &mut timings),
        Command::Report(args) => report::run(args, &mut timings),
        Command::Cluster(args) => cluster::run(args, &mut timings),
        Command::Generate(args) => generate::run(args, &mut timings),
        Command::View(args) => view::run(args, &mut timings),
        Command::Clv(args) => clv::run(args, &mut timings),
        Command::Migrate(args) => migrate::run(args, &mut timings),
        Command::Recommend(args) => recommend::run(args, &mut timings),
    };
    match result {
        Ok(()) => {
            if cli.timings {
                eprintln!("{}", timings.json());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One paragraph: a message that carries another library's line breaks is joined.
            let message = in_flags(&e.to_string());
            let paragraph: Vec<&str> = message.split_whitespace().collect();
            eprintln!("error: {}", paragraph.join(" "));
            ExitCode::FAILURE
        }
    }
}

/// The library's settings and the flags that set them. Library messages name settings in the
/// API's words (`ColumnRoles::customer`), which mean nothing at a shell prompt.
const FLAGS: &[(&str, &str)] = &[
    ("ColumnRoles::customer", "--customer"),
    ("ColumnRoles::invoice", "--invoice"),
    ("ColumnRoles::date", "--date"),
    ("ColumnRoles::quantity", "--quantity"),
    ("ColumnRoles::price", "--price"),
    ("ColumnRoles::amount", "--amount"),
    ("ColumnRoles::product", "--product"),
    ("ColumnRoles::description", "--description"),
    ("ColumnRoles::dimensions", "--dimension"),
    ("ReadOptions::delimiter", "--delimiter"),
    ("ReadOptions::encoding", "--encoding"),
    ("ReadOptions::format", "--format"),
    ("ReadOptions::sheet", "--sheet"),
    ("ReadOptions::column_names", "--columns"),
    ("LoadOptions::date_format", "--date-format"),
    ("LoadOptions::other_date_formats", "--other-date-format"),
    (
        "CleaningRules::cancellation_pattern",
        "--cancellation-pattern",
    ),
    ("CleaningRules::earliest_date", "--earliest-date"),
    ("CleaningRules::latest_date", "--latest-date"),
    ("CleaningRules::excluded_periods", "--exclude-period"),
    ("ColumnRoles::basket_json", "--basket-json"),
    ("ScoringMethod::Quantiles::bins", "--bins"),
    (
        "ScoringMethod::Thresholds",
        "--recency-cuts, --frequency-cuts and --monetary-cuts",
    ),
    ("RfmParams::weights", "--weights"),
    ("RfmParams::segments", "--segments"),
    ("RfmParams::snapshot", "--snapshot"),
    ("MigrationParams::from", "--from"),
    ("MigrationParams::to", "--to"),
    ("MigrationParams::cohort", "--cohort"),
    ("SelectionParams::ks", "--k"),
    ("SelectionParams::silhouette_sample", "--silhouette-sample"),
    ("SelectionParams::models", "--model"),
    ("ClusterModel::named", "--model"),
    ("KMeansParams::n_init", "--n-init"),
    ("DbscanParams::eps", "--eps"),
    ("DbscanParams::min_samples", "--min-samples"),
    ("HierarchicalParams::linkage", "--linkage"),
    ("SpectralParams::gamma", "--gamma"),
    ("Step", "--transform"),
    ("FeatureMatrix::from_frame columns", "--features"),
    ("RfmParams::fit", "--features rfm"),
    ("CustomerViewParams::max_values", "--max-values"),
    ("CustomerViewParams::snapshot", "--snapshot"),
    ("CustomerViewParams::dimensions", "--dimension"),
    ("GenerateParams::rows", "--rows"),
    ("GenerateParams::customers", "--customers"),
    ("RecommendParams::k", "--k"),
    ("RecommendParams::window_months", "--window-months"),
    ("RecommendParams::rule_weight", "--rule-weight"),
    ("RulesParams::min_support", "--min-support"),
    ("RulesParams::min_confidence", "--min-confidence"),
    ("HoldoutSplit::last_months", "--holdout-months"),
    ("HoldoutSplit::cut", "--holdout-months"),
    ("output", "--output"),
];

/// A library message in the command line's words: every `` `Setting` `` becomes `` `--flag` ``.
pub(crate) fn in_flags(message: &str) -> String {
    let mut text = message.to_string();
    for (setting, flag) in FLAGS {
        text = text.replace(&format!("`{setting}`"), &format!("`{flag}`"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_settings_read_as_flags() {
        let message = "no column for the customer role. Set `ColumnRoles::customer` to the \
                       column's name; or set `ColumnRoles::quantity` and `ColumnRoles::price`";
        assert_eq!(
            in_flags(message),
            "no column for the customer role. Set `--customer` to the column's name; or set \
             `--quantity` and `--price`"
        );
        // Only whole, quoted settings are replaced.
        assert_eq!(in_flags("a Step of `Steps`"), "a Step of `Steps`");
        assert_eq!(in_flags("`Step`"), "`--transform`");
    }
}
