//! Assembling and rendering the report: data -> RFM -> charts -> tera context -> one HTML file.

use std::path::{Path, PathBuf};

use base64::Engine;
use polars::prelude::*;
use serde::Serialize;

use crate::chart::bars::{segment_bars, segments_by_dimension};
use crate::chart::boxplot::segment_boxplots;
use crate::chart::heatmap::{HeatmapMeasure, rf_heatmap};
use crate::chart::histogram::rfm_histograms;
use crate::chart::treemap::segment_treemap;
use crate::chart::trend::monthly_trend;
use crate::data::bundled::{ONLINE_RETAIL_ATTRIBUTION, ONLINE_RETAIL_NAME};
use crate::data::sanity::missing_value_rule;
use crate::data::transactions::Transactions;
use crate::error::{Context as _, Error, Result};
use crate::format::NumberFormat;
use crate::frame::{float_values, text_values};
use crate::report::clusters::{ClusterOutcome, ClusterSection, cluster_section};
use crate::report::config::StudyConfig;
use crate::report::movement::{MovementOutcome, MovementSection, movement_section};
use crate::report::playbooks::{
    Playbooks, escape_markdown, markdown_to_html, render_markdown_template, slug,
};
use crate::report::products::{ProductOutcome, ProductSection, product_section};
use crate::report::value::{ValueOutcome, ValueSection, value_section};
use crate::rfm::{RfmTable, SegmentSummary};

const REPORT_TEMPLATE: &str = include_str!("../../templates/report.html");
const REPORT_CSS: &str = include_str!("../../templates/report.css");
const METHODOLOGY: &str = include_str!("../../templates/methodology.md");

/// Where the report's templates come from: the embedded ones, or a user's folder with any of
/// `report.html`, `report.css`, `methodology.md` and `playbooks/` (missing files fall back).
#[derive(Debug, Clone, Default)]
pub struct Templates {
    folder: Option<PathBuf>,
    playbooks: Playbooks,
}

impl Templates {
    /// The templates built into custseg.
    pub fn built_in() -> Self {
        Templates::default()
    }

    /// Overrides from a folder.
    pub fn from_folder(folder: impl Into<PathBuf>) -> Result<Self> {
        let folder = folder.into();
        if !folder.is_dir() {
            return Err(Error::Config {
                path: folder,
                message: "the template folder does not exist".into(),
            });
        }
        let playbooks = if folder.join("playbooks").is_dir() {
            Playbooks::from_folder(folder.join("playbooks"))?
        } else {
            Playbooks::built_in()
        };
        Ok(Templates {
            folder: Some(folder),
            playbooks,
        })
    }

    /// Uses another playbook folder.
    pub fn with_playbooks(mut self, playbooks: Playbooks) -> Self {
        self.playbooks = playbooks;
        self
    }

    fn text(&self, name: &str, built_in: &str) -> Result<(String, String)> {
        if let Some(folder) = &self.folder {
            let path = folder.join(name);
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                return Ok((text, path.display().to_string()));
            }
        }
        Ok((built_in.to_string(), format!("built-in {name}")))
    }
}

#[derive(Serialize)]
struct Kpi {
    label: String,
    /// What the card shows: compact for large money figures.
    value: String,
    /// The exact figure, shown under a compact one and on hover.
    exact: String,
}

#[derive(Serialize, Clone)]
struct SegmentRow {
    name: String,
    slug: String,
    customers: String,
    customer_share: String,
    revenue: String,
    revenue_share: String,
    recency_median: String,
    frequency_median: String,
    monetary_median: String,
    revenue_per_customer: String,
    // Raw values for sorting tables.
    customers_raw: f64,
    revenue_raw: f64,
}

#[derive(Serialize)]
struct Priority {
    label: String,
    why: String,
    segment: SegmentRow,
    goal_html: String,
}

#[derive(Serialize)]
struct Playbook {
    segment: SegmentRow,
    html: String,
}

#[derive(Serialize)]
struct Row {
    cells: Vec<String>,
    flag: bool,
}

#[derive(Serialize)]
struct Dimension {
    name: String,
    chart: String,
    rows: Vec<Row>,
    /// Values with fewer customers left out of the table.
    hidden: usize,
}

#[derive(Serialize)]
struct ScoreRange {
    measure: String,
    rule: String,
    ranges: Vec<String>,
}

#[derive(Serialize)]
struct Context {
    title: String,
    company: String,
    source: String,
    attribution: Option<String>,
    generated_on: Option<String>,
    period: String,
    snapshot: String,
    kpis: Vec<Kpi>,
    priorities: Vec<Priority>,
    #[serde(flatten)]
    data: DataSection,
    bins: usize,
    segment_map: String,
    score_ranges: Vec<ScoreRange>,
    fallbacks: Vec<String>,
    uncovered: Vec<String>,
    segments: Vec<SegmentRow>,
    playbooks: Vec<Playbook>,
    dimensions: Vec<Dimension>,
    charts: Charts,
    clusters: Option<ClusterSection>,
    clusters_skipped: Option<String>,
    value: Option<ValueSection>,
    value_skipped: Option<String>,
    movement: Option<MovementSection>,
    movement_skipped: Option<String>,
    products: Option<ProductSection>,
    products_skipped: Option<String>,
    /// The sections in order, for the table of contents.
    toc: Vec<TocEntry>,
    /// Each section's number by its id (sections come and go with the data).
    number: std::collections::BTreeMap<&'static str, usize>,
    methodology_html: String,
    csv_href: Option<String>,
    csv_name: String,
    css: String,
}

/// The data section's tables (their keys sit at the top of the template's context).
#[derive(Serialize)]
struct DataSection {
    accounting: Vec<Row>,
    unreadable: Vec<Row>,
    missing: Vec<Row>,
    months: Vec<Row>,
    gaps: Vec<String>,
    read_as: String,
    roles: Vec<Row>,
}

#[derive(Serialize)]
struct TocEntry {
    id: &'static str,
    title: &'static str,
    number: usize,
}

#[derive(Serialize)]
struct Charts {
    trend: String,
    histograms: String,
    heatmap: String,
    treemap: String,
    bars: String,
    box_recency: String,
    box_monetary: String,
}

/// Builds the whole report for a study and returns the HTML.
///
/// ```no_run
/// use custseg::prelude::*;
/// use custseg::report::{build::{render_report, Templates}, config::StudyConfig};
/// let config = StudyConfig::online_retail();
/// let tx = Transactions::bundled(&config.load_options()?)?;
/// let html = render_report(&config, &tx, &Templates::built_in())?;
/// std::fs::write("report.html", html).unwrap();
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn render_report(
    config: &StudyConfig,
    transactions: &Transactions,
    templates: &Templates,
) -> Result<String> {
    let rfm = config.rfm_params()?.fit(transactions)?;
    let summary = rfm.segment_summary()?;
    let fmt = &config.format;
    let sanity = transactions.sanity();
    let segments = segment_rows(&summary, fmt)?;
    let snapshot = rfm.snapshot().to_string();
    let (products, products_skipped) = product_part(config, &rfm, transactions)?;
    let playbooks = playbook_section(config, templates, &segments, &snapshot, &products)?;
    let priorities = priority_section(&rfm, &summary, &segments, &playbooks)?;
    let (clusters, clusters_skipped) = cluster_part(config, &rfm, transactions, &segments)?;
    let (value, value_skipped) = value_part(config, &rfm, transactions, &segments)?;
    let (movement, movement_skipped) = movement_part(config, transactions)?;
    let toc = table_of_contents(clusters.is_some(), value.is_some(), movement.is_some());
    let number = toc.iter().map(|entry| (entry.id, entry.number)).collect();
    let methodology_html = methodology_section(
        templates,
        &rfm,
        &Appendix {
            clusters: &clusters,
            value: &value,
            movement: &movement,
        },
        &snapshot,
    )?;
    let source_path = &sanity.source.path;
    let is_bundled = source_path == Path::new(ONLINE_RETAIL_NAME);
    let (template, origin) = templates.text("report.html", REPORT_TEMPLATE)?;
    let (css, _) = templates.text("report.css", REPORT_CSS)?;
    let context = Context {
        title: config.title.clone(),
        company: config.company.clone(),
        source: source_name(source_path, is_bundled),
        attribution: is_bundled.then(|| ONLINE_RETAIL_ATTRIBUTION.to_string()),
        generated_on: config.report.generated_on.clone(),
        period: format!(
            "{} to {}",
            sanity.first_date.date(),
            sanity.last_date.date()
        ),
        snapshot,
        kpis: kpi_cards(transactions, &rfm, fmt),
        priorities,
        data: data_section(transactions, fmt),
        bins: rfm.scoring().bins,
        segment_map: rfm.segment_map().name.clone(),
        score_ranges: score_ranges(&rfm, fmt),
        fallbacks: rfm.scoring().fallbacks.clone(),
        uncovered: rfm.coverage().uncovered,
        segments,
        playbooks,
        dimensions: dimension_section(config, &rfm, transactions)?,
        charts: chart_section(transactions, &rfm, &summary)?,
        clusters,
        clusters_skipped,
        value,
        value_skipped,
        movement,
        movement_skipped,
        products,
        products_skipped,
        toc,
        number,
        methodology_html,
        csv_href: customer_csv(config, &rfm)?,
        csv_name: format!("{}-segments.csv", slug(&config.company)),
        css,
    };
    render(&template, &origin, &context)
}

/// Renders the report template with its context.
fn render(template: &str, origin: &str, context: &Context) -> Result<String> {
    let failed = |e: &dyn std::error::Error| Error::Template {
        template: origin.to_string(),
        message: error_chain(e),
    };
    let mut tera = tera::Tera::default();
    tera.add_raw_template("report.html", template)
        .map_err(|e| failed(&e))?;
    let context = tera::Context::from_serialize(context).map_err(|e| failed(&e))?;
    tera.render("report.html", &context).map_err(|e| failed(&e))
}

/// An error and every error it was caused by, in one line: tera's own message names the
/// template, its source says what went wrong where.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// One playbook per segment, filled in with the segment's numbers.
fn playbook_section(
    config: &StudyConfig,
    templates: &Templates,
    segments: &[SegmentRow],
    snapshot: &str,
    products: &Option<ProductSection>,
) -> Result<Vec<Playbook>> {
    segments
        .iter()
        .map(|segment| {
            let mut context = tera::Context::new();
            context.insert("segment", segment);
            context.insert("company", &config.company);
            context.insert("snapshot", snapshot);
            // The products this segment bought more than others lately, in one line ("" when
            // there is no product column or too few active customers).
            let listed = products
                .as_ref()
                .and_then(|p| p.segments.iter().find(|s| s.name == segment.name))
                .map_or("", |s| s.text.as_str());
            context.insert("products", &escape_markdown(listed));
            Ok(Playbook {
                segment: segment.clone(),
                html: templates.playbooks.render(&segment.name, &context)?,
            })
        })
        .collect()
}

/// The executive summary's three segments, each with the goal from its playbook.
fn priority_section(
    rfm: &RfmTable,
    summary: &SegmentSummary,
    segments: &[SegmentRow],
    playbooks: &[Playbook],
) -> Result<Vec<Priority>> {
    Ok(priorities(rfm, summary, segments)?
        .into_iter()
        .map(|(label, why, index)| Priority {
            label: label.to_string(),
            why,
            segment: segments[index].clone(),
            goal_html: goal_section(&playbooks[index].html),
        })
        .collect())
}

/// The data section: how the file was read, row accounting, missing values, months, roles.
fn data_section(transactions: &Transactions, fmt: &NumberFormat) -> DataSection {
    let sanity = transactions.sanity();
    let a = &sanity.accounting;
    let percent_of_rows = |n: usize| fmt.percent(n as f64 / a.rows_in.max(1) as f64);
    let mut accounting = vec![Row {
        cells: vec!["rows read".into(), fmt.count(a.rows_in), "100.0%".into()],
        flag: false,
    }];
    for (reason, n) in &a.dropped {
        accounting.push(Row {
            cells: vec![
                format!("dropped: {}", reason.label()),
                fmt.count(*n),
                percent_of_rows(*n),
            ],
            flag: true,
        });
    }
    accounting.push(Row {
        cells: vec![
            "rows kept".into(),
            fmt.count(a.rows_kept),
            percent_of_rows(a.rows_kept),
        ],
        flag: false,
    });
    if let Some(products) = a.product_rows {
        accounting.push(Row {
            cells: vec![
                "rows after splitting baskets into products".into(),
                fmt.count(products),
                String::new(),
            ],
            flag: false,
        });
    }
    let unreadable = sanity
        .parse_failures
        .iter()
        .map(|p| Row {
            cells: vec![
                p.column.clone(),
                p.role.to_string(),
                fmt.count(p.rows),
                p.examples
                    .iter()
                    .map(|e| format!("\"{e}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
            ],
            flag: true,
        })
        .collect();
    let missing = sanity
        .missing_values
        .iter()
        .map(|(c, n)| Row {
            cells: vec![
                c.clone(),
                fmt.count(*n),
                percent_of_rows(*n),
                if *n > 0 {
                    missing_value_rule(&sanity.roles, c).to_string()
                } else {
                    String::new()
                },
            ],
            flag: *n > 0,
        })
        .collect();
    let months = sanity
        .months
        .iter()
        .map(|m| Row {
            cells: vec![
                m.month.clone(),
                fmt.count(m.rows),
                fmt.count(m.customers),
                fmt.money(m.revenue, 0),
            ],
            flag: m.rows == 0 && !m.excluded,
        })
        .collect();
    DataSection {
        accounting,
        unreadable,
        missing,
        months,
        gaps: sanity.gaps.clone(),
        read_as: read_as(transactions),
        roles: role_rows(transactions),
    }
}

/// Which column played which role.
fn role_rows(transactions: &Transactions) -> Vec<Row> {
    let r = transactions.roles();
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "(none)".into());
    [
        ("customer", r.customer.clone()),
        (
            "invoice",
            r.invoice
                .clone()
                .unwrap_or_else(|| "(none: every row is one purchase)".into()),
        ),
        ("date", r.date.clone()),
        ("quantity", opt(&r.quantity)),
        ("unit price", opt(&r.price)),
        (
            "amount",
            r.amount
                .clone()
                .unwrap_or_else(|| "quantity x unit price".into()),
        ),
        ("product", opt(&r.product)),
        (
            "dimensions",
            if r.dimensions.is_empty() {
                "(none)".into()
            } else {
                r.dimensions.join(", ")
            },
        ),
    ]
    .into_iter()
    .map(|(role, column)| Row {
        cells: vec![role.to_string(), column],
        flag: false,
    })
    .collect()
}

/// The values each score stands for, per measure.
fn score_ranges(rfm: &RfmTable, fmt: &NumberFormat) -> Vec<ScoreRange> {
    rfm.scoring()
        .measures
        .iter()
        .map(|m| ScoreRange {
            measure: m.measure.name().to_string(),
            rule: m.rule.clone(),
            ranges: m
                .ranges
                .iter()
                .map(|range| match range {
                    Some((lo, hi)) if lo == hi => fmt.number(*lo, decimals_for(*lo)),
                    Some((lo, hi)) => format!(
                        "{} – {}",
                        fmt.number(*lo, decimals_for(*lo)),
                        fmt.number(*hi, decimals_for(*hi))
                    ),
                    None => "(empty)".into(),
                })
                .collect(),
        })
        .collect()
}

/// Segments broken down by each dimension: a chart and a table of the values with most customers.
fn dimension_section(
    config: &StudyConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
) -> Result<Vec<Dimension>> {
    let top = config.report.top_dimension_values;
    transactions
        .roles()
        .dimensions
        .iter()
        .map(|dimension| {
            let by = rfm.segment_summary_by(transactions, dimension)?;
            let chart = segments_by_dimension(&by, top)?;
            let (rows, hidden) = dimension_rows(&by, dimension, top, &config.format)?;
            Ok(Dimension {
                name: dimension.clone(),
                chart: chart.svg().to_string(),
                rows,
                hidden,
            })
        })
        .collect()
}

/// The charts of the data, RFM and segment sections.
fn chart_section(
    transactions: &Transactions,
    rfm: &RfmTable,
    summary: &SegmentSummary,
) -> Result<Charts> {
    Ok(Charts {
        trend: monthly_trend(transactions.sanity())?.svg().to_string(),
        histograms: rfm_histograms(rfm)?.svg().to_string(),
        heatmap: rf_heatmap(rfm, HeatmapMeasure::MeanMonetary)?
            .svg()
            .to_string(),
        treemap: segment_treemap(summary)?.svg().to_string(),
        bars: segment_bars(summary)?.svg().to_string(),
        box_recency: segment_boxplots(rfm, "recency")?.svg().to_string(),
        box_monetary: segment_boxplots(rfm, "monetary")?.svg().to_string(),
    })
}

/// The cluster section when the study asks for one, or the sentence saying why it was skipped.
fn cluster_part(
    config: &StudyConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
    segments: &[SegmentRow],
) -> Result<(Option<ClusterSection>, Option<String>)> {
    if !config.clustering.enabled {
        return Ok((None, None));
    }
    let order: Vec<String> = segments.iter().map(|s| s.name.clone()).collect();
    Ok(
        match cluster_section(
            &config.clustering,
            rfm,
            transactions,
            &order,
            &config.format,
        )? {
            ClusterOutcome::Section(section) => (Some(*section), None),
            ClusterOutcome::Skipped(why) => (None, Some(why)),
        },
    )
}

/// The customer-value section when the study asks for one, or the sentence saying why it was
/// skipped.
fn value_part(
    config: &StudyConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
    segments: &[SegmentRow],
) -> Result<(Option<ValueSection>, Option<String>)> {
    if !config.value.enabled {
        return Ok((None, None));
    }
    let order: Vec<String> = segments.iter().map(|s| s.name.clone()).collect();
    Ok(
        match value_section(&config.value, rfm, transactions, &order, &config.format)? {
            ValueOutcome::Section(section) => (Some(*section), None),
            ValueOutcome::Skipped(why) => (None, Some(why)),
        },
    )
}

/// Products per segment and their evaluation when the study asks for them, or the sentence
/// saying why they are missing.
fn product_part(
    config: &StudyConfig,
    rfm: &RfmTable,
    transactions: &Transactions,
) -> Result<(Option<ProductSection>, Option<String>)> {
    if !config.recommendations.enabled {
        return Ok((None, None));
    }
    Ok(
        match product_section(config, rfm, transactions, &config.format)? {
            ProductOutcome::Section(section) => (Some(*section), None),
            ProductOutcome::Skipped(why) => (None, Some(why)),
        },
    )
}

/// The movement section when the study asks for one, or the sentence saying why it was skipped.
fn movement_part(
    config: &StudyConfig,
    transactions: &Transactions,
) -> Result<(Option<MovementSection>, Option<String>)> {
    if !config.movement.enabled {
        return Ok((None, None));
    }
    Ok(
        match movement_section(config, transactions, &config.format)? {
            MovementOutcome::Section(section) => (Some(*section), None),
            MovementOutcome::Skipped(why) => (None, Some(why)),
        },
    )
}

/// The sections present, numbered in order.
fn table_of_contents(clusters: bool, value: bool, movement: bool) -> Vec<TocEntry> {
    [
        ("summary", "Summary", true),
        ("data", "Data", true),
        ("rfm", "RFM", true),
        ("segments", "Segments", true),
        ("clusters", "Clusters", clusters),
        ("value", "Customer value", value),
        ("movement", "Movement", movement),
        ("recommendations", "Recommendations", true),
        ("methodology", "Methodology", true),
        ("downloads", "Downloads", true),
    ]
    .into_iter()
    .filter(|(_, _, present)| *present)
    .enumerate()
    .map(|(i, (id, title, _))| TocEntry {
        id,
        title,
        number: i + 1,
    })
    .collect()
}

/// The methodology appendix, from its markdown template.
/// The optional sections the methodology explains when they are present.
struct Appendix<'a> {
    clusters: &'a Option<ClusterSection>,
    value: &'a Option<ValueSection>,
    movement: &'a Option<MovementSection>,
}

fn methodology_section(
    templates: &Templates,
    rfm: &RfmTable,
    sections: &Appendix,
    snapshot: &str,
) -> Result<String> {
    let mut context = tera::Context::new();
    context.insert("clusters", sections.clusters);
    context.insert("value", sections.value);
    context.insert("movement", sections.movement);
    context.insert("bins", &rfm.scoring().bins);
    context.insert("segment_map", &rfm.segment_map().name);
    context.insert("snapshot", snapshot);
    let (methodology, origin) = templates.text("methodology.md", METHODOLOGY)?;
    Ok(markdown_to_html(&render_markdown_template(
        &methodology,
        &origin,
        &context,
    )?))
}

/// The per-customer table as a `data:` link, when the study embeds it.
fn customer_csv(config: &StudyConfig, rfm: &RfmTable) -> Result<Option<String>> {
    if !config.report.embed_customer_csv {
        return Ok(None);
    }
    let mut frame = rfm.export_frame()?;
    let mut bytes = Vec::new();
    CsvWriter::new(&mut bytes)
        .include_header(true)
        .finish(&mut frame)
        .doing("writing the per-customer table for the report")?;
    Ok(Some(format!(
        "data:text/csv;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )))
}

/// How the report names its data: the file name, or the bundled data's title.
fn source_name(path: &Path, is_bundled: bool) -> String {
    if is_bundled {
        return "UCI Online Retail (bundled with custseg)".to_string();
    }
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The summary's headline figures.
fn kpi_cards(transactions: &Transactions, rfm: &RfmTable, fmt: &NumberFormat) -> Vec<Kpi> {
    let sanity = transactions.sanity();
    let a = &sanity.accounting;
    let days = (sanity.last_date.date() - sanity.first_date.date()).num_days() + 1;
    let card = |label: &str, value: String| Kpi {
        label: label.to_string(),
        exact: value.clone(),
        value,
    };
    // Totals in some currencies run to a dozen digits (4,533,440,052 VND): the card shows them
    // compact and the exact figure below.
    let money = |label: &str, value: f64| Kpi {
        label: label.to_string(),
        value: fmt.money_compact(value),
        exact: fmt.money(value, 0),
    };
    vec![
        card("customers", fmt.count(rfm.len())),
        money("revenue", sanity.revenue),
        card(
            if transactions.has_invoices() {
                "orders"
            } else {
                "purchases"
            },
            fmt.count(sanity.invoices),
        ),
        money(
            "revenue per customer",
            sanity.revenue / rfm.len().max(1) as f64,
        ),
        card("days covered", fmt.count(days.max(0) as usize)),
        card(
            "rows kept",
            fmt.percent(a.rows_kept as f64 / a.rows_in.max(1) as f64),
        ),
    ]
}

fn decimals_for(x: f64) -> usize {
    if x.fract() == 0.0 { 0 } else { 2 }
}

fn read_as(transactions: &Transactions) -> String {
    let s = transactions.source();
    let mut parts = vec![s.format.name().to_string()];
    if s.gzip {
        parts.push("gzip".into());
    }
    if let Some(e) = s.encoding {
        parts.push(e.name().into());
    }
    if let Some(d) = s.delimiter {
        parts.push(format!(
            "delimiter {}",
            if d == '\t' {
                "tab".to_string()
            } else {
                format!("\"{d}\"")
            }
        ));
    }
    parts.push(format!("dates {}", transactions.sanity().date_format));
    parts.join(", ")
}

fn segment_rows(summary: &SegmentSummary, fmt: &NumberFormat) -> Result<Vec<SegmentRow>> {
    let f = &summary.frame();
    let names = text_values(f, "segment")?;
    let customers = float_values(f, "customers")?;
    let customer_share = float_values(f, "customer_share")?;
    let revenue = float_values(f, "revenue")?;
    let revenue_share = float_values(f, "revenue_share")?;
    let recency = float_values(f, "recency_median")?;
    let frequency = float_values(f, "frequency_median")?;
    let monetary = float_values(f, "monetary_median")?;
    Ok((0..names.len())
        .map(|i| SegmentRow {
            name: names[i].clone(),
            slug: slug(&names[i]),
            customers: fmt.count(customers[i] as usize),
            customer_share: fmt.percent(customer_share[i]),
            revenue: fmt.money(revenue[i], 0),
            revenue_share: fmt.percent(revenue_share[i]),
            recency_median: fmt.number(recency[i], decimals_for(recency[i]).min(1)),
            frequency_median: fmt.number(frequency[i], decimals_for(frequency[i]).min(1)),
            monetary_median: fmt.money(monetary[i], 0),
            revenue_per_customer: fmt.money(revenue[i] / customers[i].max(1.0), 0),
            customers_raw: customers[i],
            revenue_raw: revenue[i],
        })
        .collect())
}

/// Rows of the by-dimension table for the `top` values with most customers, and how many values
/// were left out.
fn dimension_rows(
    by: &SegmentSummary,
    dimension: &str,
    top: usize,
    fmt: &NumberFormat,
) -> Result<(Vec<Row>, usize)> {
    let shown: Vec<String> = by.top_values(top)?.into_iter().map(|(v, _)| v).collect();
    let all = by.top_values(usize::MAX)?.len();
    let f = &by.frame();
    let values = text_values(f, dimension)?;
    let segments = text_values(f, "segment")?;
    let customers = float_values(f, "customers")?;
    let share = float_values(f, "customer_share")?;
    let revenue = float_values(f, "revenue")?;
    let revenue_share = float_values(f, "revenue_share")?;
    let rows = (0..values.len())
        .filter(|&i| shown.contains(&values[i]))
        .map(|i| Row {
            cells: vec![
                values[i].clone(),
                segments[i].clone(),
                fmt.count(customers[i] as usize),
                fmt.percent(share[i]),
                fmt.money(revenue[i], 0),
                fmt.percent(revenue_share[i]),
            ],
            flag: false,
        })
        .collect();
    Ok((rows, all - shown.len()))
}

/// The three segments the executive summary leads with, for any segment map:
/// * protect: the segment with the largest share of revenue;
/// * win back: among segments whose median recency is above the customers' median recency, the
///   one with the most revenue (valuable customers drifting away);
/// * grow: among the remaining recent segments, the one with the most customers.
fn priorities(
    rfm: &RfmTable,
    summary: &SegmentSummary,
    segments: &[SegmentRow],
) -> Result<Vec<(&'static str, String, usize)>> {
    let median = crate::stats::quantile(&float_values(&rfm.frame(), "recency")?, 0.5);
    let medians = float_values(&summary.frame(), "recency_median")?;
    let best = |candidates: &mut dyn Iterator<Item = usize>, key: &dyn Fn(usize) -> f64| {
        candidates.max_by(|&a, &b| key(a).total_cmp(&key(b)).then(b.cmp(&a)))
    };
    let mut out = Vec::new();
    let all = 0..segments.len();
    if let Some(protect) = best(&mut all.clone(), &|i| segments[i].revenue_raw) {
        out.push((
            "Protect",
            format!(
                "largest share of revenue ({})",
                segments[protect].revenue_share
            ),
            protect,
        ));
        let mut lapsing = all.clone().filter(|&i| i != protect && medians[i] > median);
        if let Some(win_back) = best(&mut lapsing, &|i| segments[i].revenue_raw) {
            out.push(("Win back", format!("most revenue among customers lapsing beyond the median recency of {median} days"), win_back));
        }
        let taken: Vec<usize> = out.iter().map(|(_, _, i)| *i).collect();
        let mut recent = all.filter(|&i| !taken.contains(&i) && medians[i] <= median);
        if let Some(grow) = best(&mut recent, &|i| segments[i].customers_raw) {
            out.push((
                "Grow",
                format!(
                    "most customers among recent buyers ({})",
                    segments[grow].customer_share
                ),
                grow,
            ));
        }
    }
    Ok(out)
}

/// The "Goal" part of a rendered playbook (up to its second heading).
fn goal_section(html: &str) -> String {
    let body = html.split_once("</h3>").map_or(html, |(_, rest)| rest);
    body.split("<h3>")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}
