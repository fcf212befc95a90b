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
        "6. Customer value",
        "7. Movement",
        "8. Recommendations",
        "9. Methodology",
        "10. Downloads",
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
    config.value.enabled = false;
    config.movement.enabled = false;
    let html = render(&config);
    assert!(!html.contains("id=\"clusters\""));
    assert!(html.contains("5. Recommendations") && html.contains("7. Downloads"));
    assert!(html.contains("<a href=\"#recommendations\">5 Recommendations</a>"));
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

/// The section between `<section id="{id}">` and its end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no {id} section"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The text of each cell of each row of the first table body after `marker`.
fn table_after(section: &str, marker: &str) -> Vec<Vec<String>> {
    let rest = &section[section.find(marker).unwrap_or_else(|| panic!("{marker}"))..];
    let body = &rest[rest.find("<tbody>").unwrap()..rest.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let text = &cell[cell.find('>').unwrap() + 1..];
                    text[..text.find("</td>").unwrap()].to_string()
                })
                .collect()
        })
        .collect()
}

/// The movement section on the hand-computed migration fixture (tests/migration.rs has the
/// worked table): c1, c2 Champions on 03-31; c6 Loyal; c3, c4 New; c5 Lost. On 06-30 c1, c3, c6,
/// c7 Champions; c2, c5 Loyal; c9 New; c4, c8 Lost.
#[test]
fn movement_section_shows_the_hand_computed_moves() {
    let mut config = StudyConfig {
        input: Some(fixture("migration/two_periods.csv")),
        ..Default::default()
    };
    config.rfm.segments = fixture("migration/two_levels.toml").display().to_string();
    config.rfm.scoring = ScoringMethod::Thresholds {
        recency: vec![30.0],
        frequency: vec![1.0],
        monetary: vec![100.0],
    };
    config.movement.from = Some("2024-03-31".parse().unwrap());
    config.movement.to = Some("2024-06-30".parse().unwrap());
    config.movement.cohort = "rescored".into();
    config.clustering.enabled = false;
    config.value.enabled = false;
    let html = render(&config);
    assert_inert(&html);
    assert!(html.contains("<h2>5. Movement</h2>"));
    let movement = section(&html, "movement");
    assert!(movement.contains(
        "Of the 2 Champions on 2024-03-31, 50.0% were still Champions on 2024-06-30 and 50.0% \
         became Loyal Customers. 1 of them (50.0%) made no purchase from 2024-04-01 to 2024-06-30."
    ));
    // Rows: the segments of 03-31; columns: those of 06-30 (Champions, Loyal, New, Lost).
    assert_eq!(
        table_after(movement, "Where each segment went"),
        [
            ["Champions", "50.0%", "50.0%", "", ""],
            ["Loyal Customers", "100.0%", "", "", ""],
            ["New Customers", "50.0%", "", "", "50.0%"],
            ["Lost", "", "100.0%", "", ""],
        ]
    );
    // segment, on 03-31, on 06-30, stayed, lapsed, arrived.
    assert_eq!(
        table_after(movement, "made no purchase between"),
        [
            ["Champions", "2", "4", "1", "1", "1"],
            ["Loyal Customers", "1", "2", "0", "0", "0"],
            ["New Customers", "2", "1", "0", "1", "1"],
            ["Lost", "1", "2", "0", "0", "1"],
        ]
    );
    assert_eq!(movement.matches("<svg").count(), 1, "the flow chart");

    // Dates outside the data are an error naming the study file's key.
    config.movement.to = Some("2024-07-31".parse().unwrap());
    let tx = load(&fixture("migration/two_periods.csv")).unwrap();
    let err = render_report(&config, &tx, &Templates::built_in())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("movement.to") && err.contains("2024-06-30"),
        "{err}"
    );

    // By default the first date is six months before the last day: 2023-12-30, before the data
    // starts, so the section is left out with the reason and what to set.
    config.movement.from = None;
    config.movement.to = None;
    let html = render(&config);
    assert!(!html.contains("id=\"movement\""));
    assert!(html.contains(
        "Segment movement was not computed: the first date, 2023-12-30, has 0 days of data"
    ));
    assert!(html.contains("movement.months"));
}

/// The customer-value section shows what the models compute: every customer in the segment
/// table, the total value, the parameters, the holdout check of the last 90 days.
#[test]
fn value_section_matches_the_models_on_the_bundled_data() {
    let config = StudyConfig::online_retail();
    let tx = Transactions::bundled(&config.load_options().unwrap()).unwrap();
    let html = render_report(&config, &tx, &Templates::built_in()).unwrap();
    assert_inert(&html);
    assert!(html.contains("<h2>6. Customer value</h2>") && html.contains("<h2>7. Movement</h2>"));
    let value = section(&html, "value");

    let summary = ClvSummaryParams::new().fit(&tx).unwrap();
    let model = ClvModelParams::new().fit(&summary).unwrap();
    let predictions = model.predict(&summary).unwrap();
    let total: f64 = predictions.clv.iter().sum();
    let fmt = &config.format;
    assert!(
        value.contains(&format!("{} in all", fmt.money(total, 0))),
        "total value {}",
        fmt.money(total, 0)
    );
    assert!(value.contains("BG/NBD was fitted to the purchase days of 4,338 customers"));

    let segments = table_after(value, "Value by segment");
    let customers: usize = segments
        .iter()
        .map(|row| row[1].replace(',', "").parse::<usize>().unwrap())
        .sum();
    assert_eq!(customers, 4338);
    let shares: f64 = segments
        .iter()
        .map(|row| row[6].trim_end_matches('%').parse::<f64>().unwrap())
        .sum();
    assert!((shares - 100.0).abs() < 0.1, "shares add up to {shares}");

    let parameters = table_after(value, "The fitted models");
    let expected: Vec<Vec<String>> = model
        .purchase
        .parameters()
        .into_iter()
        .map(|p| ("BG/NBD", p))
        .chain(
            model
                .spend_parameters()
                .into_iter()
                .map(|p| ("Gamma-Gamma", p)),
        )
        .map(|(m, (name, value, error))| {
            vec![
                m.to_string(),
                name.to_string(),
                format!("{value:.4}"),
                error.map_or("-".into(), |e| format!("{e:.4}")),
            ]
        })
        .collect();
    assert_eq!(parameters, expected);

    // The holdout: the last 90 days of 2011-12-09, by calibration frequency 0..7+.
    let check = HoldoutParams::new("2011-09-10".parse().unwrap())
        .fit(&tx)
        .unwrap();
    let (actual, _) = check.totals();
    assert!(value.contains(&format!(
        "Fitted on the data to 2011-09-10 and asked to predict the 12.9 weeks to 2011-12-09: the \
         3,370 customers known by then made {} repeat purchases",
        fmt.number(actual, 0)
    )));
    let rows = table_after(value, "repeat purchases before");
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[7][0], "7+");
    let held: usize = rows
        .iter()
        .map(|row| row[1].replace(',', "").parse::<usize>().unwrap())
        .sum();
    assert_eq!(held, 3370);
    // Four charts: value by segment, P(alive), and the holdout's two.
    assert_eq!(value.matches("<svg").count(), 4);
}

/// Too few repeat buyers to fit the models: the section is left out with the models' own reason,
/// and the rest of the report is made.
#[test]
fn value_section_is_skipped_with_the_reason_when_the_models_cannot_fit() {
    let csv = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n\
               A,1,2023-01-05 10:00,1,10\n\
               B,2,2023-02-07 11:00,2,20\n\
               C,3,2023-03-09 12:00,1,30\n";
    let (dir, path) = temp_file("three.csv", csv.as_bytes());
    let mut config = StudyConfig {
        input: Some(path),
        ..Default::default()
    };
    config.clustering.enabled = false;
    let html = render(&config);
    assert!(!html.contains("id=\"value\""));
    assert!(
        html.contains("Customer value was not computed:"),
        "the reason"
    );
    assert!(html.contains("<h2>5. Recommendations</h2>"));
    drop(dir);
}

/// Each segment's products are the recommender's affinity list (at least 5% of the segment's
/// customers active in the last two months, lift above 1), named in the playbooks; the holdout
/// evaluation is the library's.
#[test]
fn recommendations_list_each_segments_products_and_the_evaluation() {
    let config = StudyConfig::online_retail();
    let tx = Transactions::bundled(&config.load_options().unwrap()).unwrap();
    let html = render_report(&config, &tx, &Templates::built_in()).unwrap();
    let part = section(&html, "recommendations");

    let rfm = config.rfm_params().unwrap().fit(&tx).unwrap();
    let purchases = Purchases::from_transactions(&tx).unwrap();
    let groups = CustomerGroups::from_rfm(&rfm).unwrap();
    let params = RecommendParams::new().min_group_customers(10);
    let recommender = params.fit(&purchases, &groups).unwrap();
    let champions = groups
        .names()
        .iter()
        .position(|n| n == "Champions")
        .unwrap() as u32;
    let expected: Vec<String> = recommender
        .popularity()
        .affinity(Some(champions), 0.05)
        .into_iter()
        .filter(|p| p.lift > 1.0)
        .take(5)
        .map(|p| recommender.product_id(p.product).to_string())
        .collect();
    assert_eq!(expected.len(), 5);
    let rows = table_after(part, "<h4>Champions");
    let listed: Vec<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(listed, expected);
    assert_eq!(rows[0][1], "LUNCH BAG RED VINTAGE DOILY");
    // The playbook names them too.
    let playbook = &part[part.find("id=\"playbook-champions\"").unwrap()..];
    assert!(playbook.contains("LUNCH BAG RED VINTAGE DOILY (23681, lift"));
    // Segments with nobody buying lately are named, not listed.
    assert!(part.contains("Too few customers bought from 2011-10-10 to 2011-12-09"));

    let split = HoldoutSplit::last_months(&purchases, 2).unwrap();
    let at_cut = config
        .rfm_params()
        .unwrap()
        .observation_end(split.cut())
        .fit(&tx)
        .unwrap();
    let evaluation = split
        .evaluate(
            &purchases,
            &CustomerGroups::from_rfm(&at_cut).unwrap(),
            &params,
        )
        .unwrap();
    let summary = evaluation.summary().replace('\'', "&#39;");
    assert!(part.contains(&summary), "{summary}");
    let table = table_after(part, "How well the recommendations work");
    assert_eq!(table.len(), 4);
    assert_eq!(table[3][0], "random (baseline)");
}

#[test]
fn recommendations_without_a_product_column_say_why() {
    let csv = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n\
               A,1,2023-01-05 10:00,1,10\n\
               B,2,2023-02-07 11:00,2,20\n";
    let (dir, path) = temp_file("orders.csv", csv.as_bytes());
    let config = StudyConfig {
        input: Some(path),
        ..Default::default()
    };
    let html = render(&config);
    assert!(html.contains("Product recommendations need a product column"));
    assert!(!html.contains("What each segment buys"));
    drop(dir);
}

/// The sample report in the repository is what `custseg report` makes today: same bytes. When a
/// change moves a number or a word of the report, this fails until the sample is made again.
#[test]
fn the_committed_sample_report_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("online-retail.html");
    let out = run_custseg(&["report", "--output", fresh.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let committed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/online-retail.html");
    let same = std::fs::read(&committed).unwrap() == std::fs::read(&fresh).unwrap();
    assert!(
        same,
        "{} differs from a fresh `custseg report`: run `cargo run --release -- report` and commit it",
        committed.display()
    );
}
