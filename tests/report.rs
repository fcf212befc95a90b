//! The HTML report: content, escaping of every data-derived string, no network, determinism.

mod common;

use std::process::Command;

use common::*;
use custseg::prelude::*;
use custseg::report::build::{Templates, render_report};
use custseg::report::config::StudyConfig;

fn hostile_config() -> StudyConfig {
    let mut config = StudyConfig {
        title: "Hostile <script>alert('title')</script>".into(),
        company: "ACME \"><img src=x onerror=alert(3)>".into(),
        input: Some(fixture("report/hostile.csv")),
        ..Default::default()
    };
    config.roles.dimensions = vec!["Country".into()];
    config.rfm.segments = fixture("report/hostile-map.toml").display().to_string();
    config.rfm.scoring = ScoringMethod::Quantiles { bins: 5 };
    config
}

fn render(config: &StudyConfig) -> String {
    let tx = Transactions::load(
        config.input.as_ref().unwrap(),
        &config.load_options().unwrap(),
    )
    .unwrap();
    render_report(config, &tx, &Templates::built_in()).unwrap()
}

/// Markup that would run script or fetch something, outside custseg's own inline script.
fn assert_inert(html: &str) {
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the table-sorting script"
    );
    for needle in [
        "<img",
        "<b>c1</b>",
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
        "<iframe",
    ] {
        assert!(!html.contains(needle), "report contains {needle:?}");
    }
    // The only http(s) URL allowed is the SVG namespace, which is a name, not a request.
    let urls = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count()
        + html.matches("http://www.w3.org/1999/xlink").count();
    assert_eq!(urls, namespaces, "no URL other than SVG namespaces");
}

#[test]
fn every_data_string_is_escaped() {
    let html = render(&hostile_config());
    assert_inert(&html);
    assert!(
        html.contains("&lt;script&gt;alert(&#x27;segment&#x27;)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert("),
        "segment names escaped"
    );
    assert!(
        html.contains("&quot;&gt;&lt;img"),
        "country and company escaped"
    );
    assert!(html.contains("Hostile &lt;script&gt;"), "title escaped");
}

#[test]
fn same_input_same_bytes() {
    let config = hostile_config();
    assert_eq!(render(&config), render(&config));
}

#[test]
fn sections_and_numbers_of_the_fixture() {
    let mut config = StudyConfig {
        company: "Fixture Ltd".into(),
        input: Some(fixture("parity/ties_transactions.csv")),
        ..Default::default()
    };
    config.roles.dimensions = vec!["Country".into()];
    config.format.currency = "£".into();
    let html = render(&config);
    assert_inert(&html);
    for section in [
        "1. Executive summary",
        "2. Data and sanity checks",
        "3. Recency, frequency, monetary value",
        "4. Segments",
        "5. Clusters",
        "6. Recommendations",
        "7. Methodology",
        "8. Downloads",
    ] {
        assert!(html.contains(section), "{section}");
    }
    // Row accounting of the fixture: 227 read, 220 kept (tests/fixtures/parity).
    assert!(
        html.contains("<td>rows read</td><td class=\"num\">227</td>"),
        "rows read"
    );
    assert!(
        html.contains("<td>rows kept</td><td class=\"num\">220</td>"),
        "rows kept"
    );
    assert!(
        html.contains("<b>60</b><span>customers</span>"),
        "60 customers"
    );
    // One playbook per segment present, with its numbers filled in.
    let tx = load(&fixture("parity/ties_transactions.csv")).unwrap();
    let summary = RfmParams::new()
        .fit(&tx)
        .unwrap()
        .segment_summary()
        .unwrap();
    for name in custseg::frame::text_values(&summary.frame(), "segment").unwrap() {
        let slug = custseg::report::playbooks::slug(&name);
        assert!(
            html.contains(&format!("id=\"playbook-{slug}\"")),
            "playbook for {name}"
        );
    }
    assert!(
        !html.contains("{{") && !html.contains("{%"),
        "no unrendered template code"
    );
    // The CSV download decodes to the per-customer table.
    let start = html.find("base64,").unwrap() + 7;
    let end = start + html[start..].find('"').unwrap();
    use base64::Engine;
    let csv = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(&html[start..end])
            .unwrap(),
    )
    .unwrap();
    assert!(csv.starts_with("customer_id,recency,frequency,monetary,r,f,m,rfm_code,segment\n"));
    assert_eq!(csv.lines().count(), 61);
    // Charts are inline SVG with their marks.
    assert!(html.matches("<svg").count() >= 8);
}

#[test]
fn playbook_folder_overrides_built_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("_default.md"),
        "### Goal\n\nCUSTOM {{ segment.name }} for {{ company }}\n",
    )
    .unwrap();
    let config = StudyConfig {
        company: "Co".into(),
        input: Some(fixture("parity/ties_transactions.csv")),
        ..Default::default()
    };
    let tx = Transactions::load(
        config.input.as_ref().unwrap(),
        &config.load_options().unwrap(),
    )
    .unwrap();
    let templates = Templates::built_in()
        .with_playbooks(custseg::report::playbooks::Playbooks::from_folder(dir.path()).unwrap());
    let html = render_report(&config, &tx, &templates).unwrap();
    // Segments with a built-in file keep it unless the folder has one; _default only fills gaps,
    // so a folder with only _default.md still changes nothing for the built-in segments.
    assert!(!html.contains("CUSTOM"));
    std::fs::write(
        dir.path().join("champions.md"),
        "### Goal\n\nCUSTOM {{ segment.name }} for {{ company }}\n",
    )
    .unwrap();
    let html = render_report(&config, &tx, &templates).unwrap();
    assert!(html.contains("CUSTOM Champions for Co"));
}

#[test]
fn study_file_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.toml");
    std::fs::write(&path, "title = \"x\"\n[rfm]\nsegmnets = \"table\"\n").unwrap();
    let err = StudyConfig::from_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("study.toml") && err.contains("segmnets"),
        "{err}"
    );
    std::fs::write(&path, "[format]\nlocale = \"xx-XX\"\n").unwrap();
    let err = StudyConfig::from_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("study.toml") && err.contains("locale"),
        "{err}"
    );
}

#[test]
fn cli_report_and_print_config_round_trip() {
    let exe = env!("CARGO_BIN_EXE_custseg");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(exe)
        .args(["report", "--print-config", "--company", "Round Trip"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.contains("company = \"Round Trip\"")
            && printed.contains("dimensions = [\"Country\"]"),
        "{printed}"
    );
    let study = dir.path().join("study.toml");
    std::fs::write(&study, &printed).unwrap();
    let input = fixture("parity/ties_transactions.csv");
    let a = dir.path().join("a.html");
    let b = dir.path().join("b.html");
    let run = |config: Option<&std::path::Path>, output: &std::path::Path| {
        let mut cmd = Command::new(exe);
        cmd.args([
            "report",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--company",
            "Round Trip",
        ]);
        if let Some(config) = config {
            cmd.args(["--config", config.to_str().unwrap()]);
        } else {
            cmd.args(["--dimension", "Country", "--currency", "£"]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Some(&study), &a);
    run(None, &b);
    let html = std::fs::read_to_string(&a).unwrap();
    assert!(html.contains("Round Trip"));
    assert_eq!(
        html,
        std::fs::read_to_string(&b).unwrap().replace(
            "Customer segmentation: ties_transactions",
            "Customer segmentation: Online Retail"
        )
    );
}

#[test]
fn cluster_section_profiles_the_chosen_k_and_counts_every_customer() {
    let mut config = hostile_config();
    config.input = Some(fixture("parity/ties_transactions.csv"));
    config.rfm.segments = "rf-regex".into();
    config.roles.dimensions = vec![];
    config.clustering.k = Some(3);
    config.clustering.k_max = 5;
    let html = render(&config);
    assert_inert(&html);
    let section = &html[html.find("<section id=\"clusters\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("k = 3 was set in the study file."));
    assert!(section.contains("<h3>The 3 clusters</h3>"));
    // The comparison table has one row per k (2..5), the chosen one highlighted.
    assert_eq!(section.matches("<tr class=\"chosen\">").count(), 1);
    assert_eq!(section.matches("<td>kmeans</td>").count(), 4);
    // Nine charts: elbow, metrics, snake, heatmap, the distribution of each of the three
    // measures per cluster, scatter, silhouette.
    assert_eq!(section.matches("<svg").count(), 9);
    for measure in ["recency", "frequency", "monetary"] {
        assert!(
            labels(section).contains(&format!("{measure} by cluster")),
            "{measure}"
        );
    }
    // Cross-tab: the counts of the three cluster rows add up to the 60 customers.
    let crosstab = &section[section.find("Clusters and segments").unwrap()..];
    let body = &crosstab[crosstab.find("<tbody>").unwrap()..crosstab.find("</tbody>").unwrap()];
    let total: usize = body
        .split("<td class=\"num\">")
        .skip(1)
        .map(|cell| cell[..cell.find('<').unwrap()].parse::<usize>().unwrap())
        .sum();
    assert_eq!(total, 60);
    assert_eq!(body.matches("<tr>").count(), 3);

    config.clustering.enabled = false;
    let html = render(&config);
    assert!(!html.contains("id=\"clusters\""));
    assert!(html.contains("5. Recommendations") && html.contains("7. Downloads"));
}

/// Totals of a dozen digits (the flowers study's 4,533,440,052 VND) fit their card: compact on
/// the card, exact under it and on hover; and a report made from a file names the company after
/// the file, not "the company".
#[test]
fn large_totals_fit_their_cards_and_the_company_comes_from_the_file() {
    let csv = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n\
               A,1,2023-01-05 10:00,1,4000000000\n\
               B,2,2023-02-07 11:00,2,266720026\n";
    let (dir, path) = temp_file("flowers_orders.csv", csv.as_bytes());
    let mut config = StudyConfig {
        input: Some(path.clone()),
        ..Default::default()
    };
    config.format.currency = "VND".into();
    config.format.locale = "vi-VN".into();
    let html = render(&config);
    assert!(
        html.contains(
            "<div class=\"kpi\" title=\"4.533.440.052\u{a0}VND\"><b>4,53B\u{a0}VND</b><span>revenue</span><small>4.533.440.052\u{a0}VND</small></div>"
        ),
        "{}",
        &html[html.find("class=\"kpis\"").unwrap()..][..1200]
    );
    // Counts stay exact, with nothing under them.
    assert!(html.contains("<b>2</b><span>customers</span></div>"));
    assert!(html.contains("spent <b>4.533.440.052\u{a0}VND</b>"));

    let out = dir.path().join("r.html");
    let run = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args([
            "report",
            path.to_str().unwrap(),
            "--currency",
            "VND",
            "--locale",
            "vi-VN",
        ])
        .args(["--output", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("flowers_orders has <b>2</b> identified customers"));
    assert!(!html.contains("the company"));
}
