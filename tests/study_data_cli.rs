//! The study-data commands on the command line: `custseg generate` (sizes, formats, seeds, side
//! files, refusals), `custseg view` on generated supermarket and health files (columns, one row
//! per customer, JSON baskets) feeding `custseg cluster`, `--exclude-period`, `--basket-json`
//! against `--product`, and what `custseg sanity` says about the generated health file's quirks.
//!
//! Files are generated here, small (at most 30,000 rows), so the whole file runs in seconds.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

/// What one run gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs custseg with `args`; no input may make it panic.
fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let result = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_ne!(result.code, 101, "{args:?} panicked: {}", result.stderr);
    assert!(
        !result.stderr.contains("panicked"),
        "{args:?}: {}",
        result.stderr
    );
    result
}

/// Runs custseg with `args` and expects success.
fn ok(args: &[&str]) -> Run {
    let result = run(args);
    assert_eq!(result.code, 0, "{args:?}: {}", result.stderr);
    result
}

/// Runs custseg with `args` and expects exit code `code` with an error on standard error that
/// holds every piece of `wanted` and speaks in flags, not in the library's type names.
fn fails(args: &[&str], code: i32, wanted: &[&str]) -> Run {
    let result = run(args);
    assert_eq!(
        result.code, code,
        "{args:?}: expected exit {code}; stderr: {}",
        result.stderr
    );
    assert!(result.stderr.starts_with("error: "), "{}", result.stderr);
    for piece in wanted {
        assert!(
            result.stderr.contains(piece),
            "{args:?}: no {piece:?} in: {}",
            result.stderr
        );
    }
    assert!(
        !result.stderr.contains("::"),
        "library words: {}",
        result.stderr
    );
    result
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `custseg generate DATASET --rows ROWS --seed SEED --output OUTPUT`, checks the line it
/// writes on standard error, and gives the number of customers that line names.
fn generate(dataset: &str, rows: u64, seed: u64, output: &Path) -> u64 {
    let rows_arg = rows.to_string();
    let seed_arg = seed.to_string();
    let result = ok(&[
        "generate",
        dataset,
        "--rows",
        &rows_arg,
        "--seed",
        &seed_arg,
        "--output",
        text(output),
    ]);
    let first = result.stderr.lines().next().unwrap_or("");
    let prefix = format!("wrote {rows} rows of ");
    let suffix = format!(" customers to {}", output.display());
    assert!(
        first.starts_with(&prefix) && first.ends_with(&suffix),
        "{dataset}: {:?}",
        result.stderr
    );
    let customers: u64 = first[prefix.len()..first.len() - suffix.len()]
        .parse()
        .unwrap_or_else(|_| panic!("no customer count in {first:?}"));
    assert!(customers > 0 && customers <= rows, "{first}");
    customers
}

/// A count as `custseg sanity` prints it ("30,000").
fn number(text: &str) -> u64 {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {text:?}"))
}

/// The first line of a report that starts with `label` after its indentation.
fn line<'a>(report: &'a str, label: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{report}"))
}

/// The count that ends a line of the report ("  dropped: missing amount    119").
fn count(report: &str, label: &str) -> u64 {
    number(line(report, label).split_whitespace().last().unwrap())
}

/// The lines of a report section: those after the line starting with `title`, up to the next
/// blank line.
fn section<'a>(report: &'a str, title: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with(title))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert!(!lines.is_empty(), "no {title:?} section in:\n{report}");
    lines
}

/// The line of a column in a section whose lines start with column names.
fn column_line<'a>(lines: &[&'a str], column: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.split_whitespace().next() == Some(column))
        .copied()
        .unwrap_or_else(|| panic!("no {column} line in {lines:#?}"))
}

/// (month, rows) for every line of the report's Months section.
fn months(report: &str) -> Vec<(String, u64)> {
    section(report, "Months (")
        .into_iter()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.len() == 7 && w.as_bytes()[4] == b'-')
        })
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(words[1], "rows", "{l}");
            (words[0].to_string(), number(words[2]))
        })
        .collect()
}

/// The text of a CSV file's header line, split at commas.
fn header(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// A name made column-safe as the customer view does: lower case, runs of other characters than
/// letters and digits become one `_`, none at the ends.
fn column_safe(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// The eleven columns every customer view starts with, in order (src/features/customer_view.rs).
const VIEW_COLUMNS: [&str; 11] = [
    "customer_id",
    "visits",
    "spend",
    "ticket_size",
    "items",
    "skus",
    "first_purchase",
    "last_purchase",
    "tenure_days",
    "recency",
    "mean_days_between_visits",
];

fn float(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| {
        panic!(
            "customer {}: {column} is {:?}, not a number",
            row["customer_id"], row[column]
        )
    })
}

/// Per customer and dimension of a view file: the `share_<dimension>_*` columns add up to 1 and
/// the `dominant_<dimension>` value is the one with the largest share; every customer spent
/// `visits x ticket_size`.
fn assert_shares_add_up(rows: &[BTreeMap<String, String>], dimensions: &[&str]) {
    for row in rows {
        let spend = float(row, "spend");
        let visits = float(row, "visits");
        let ticket = float(row, "ticket_size");
        assert!(
            (visits * ticket - spend).abs() <= 1e-9 * spend.abs().max(1.0),
            "{row:?}"
        );
        for dimension in dimensions {
            let prefix = format!("share_{dimension}_");
            let shares: Vec<(&String, f64)> = row
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .map(|k| (k, float(row, k)))
                .collect();
            let total: f64 = shares.iter().map(|(_, s)| s).sum();
            assert!(
                (total - 1.0).abs() <= 1e-9,
                "{dimension} shares add to {total}: {row:?}"
            );
            let largest = shares.iter().map(|(_, s)| *s).fold(f64::MIN, f64::max);
            let dominant = &row[&format!("dominant_{dimension}")];
            let column = format!("{prefix}{}", column_safe(dominant));
            assert_eq!(
                float(row, &column),
                largest,
                "dominant_{dimension} {dominant:?} has the largest share: {row:?}"
            );
        }
    }
}

// ---- generate -------------------------------------------------------------------------------

#[test]
fn generate_writes_exact_rows_in_every_format_and_the_same_bytes_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (dataset, rows) in [
        ("flowers", 2_000),
        ("supermarket", 3_000),
        ("health", 3_000),
    ] {
        let csv = d.join(format!("{dataset}.csv"));
        let again = d.join(format!("{dataset}-again.csv"));
        let other_seed = d.join(format!("{dataset}-other.csv"));
        let gz = d.join(format!("{dataset}gz.csv.gz"));
        let gz_again = d.join(format!("{dataset}gz-again.csv.gz"));
        let parquet = d.join(format!("{dataset}pq.parquet"));
        let customers = generate(dataset, rows, 11, &csv);
        assert_eq!(generate(dataset, rows, 11, &again), customers);
        generate(dataset, rows, 12, &other_seed);
        assert_eq!(generate(dataset, rows, 11, &gz), customers);
        assert_eq!(generate(dataset, rows, 11, &gz_again), customers);
        assert_eq!(generate(dataset, rows, 11, &parquet), customers);

        // .csv: a header and one line per row (no generated value holds a line break).
        let bytes = std::fs::read(&csv).unwrap();
        let lines = String::from_utf8(bytes.clone()).unwrap().lines().count() as u64;
        assert_eq!(lines, rows + 1, "{dataset}: header and {rows} rows");
        assert_eq!(
            std::fs::read(&again).unwrap(),
            bytes,
            "{dataset}: same seed, same bytes"
        );
        assert_ne!(
            std::fs::read(&other_seed).unwrap(),
            bytes,
            "{dataset}: another seed, other bytes"
        );

        // .csv.gz: the same text, compressed, and the same bytes for the same seed.
        let mut unzipped = Vec::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&gz).unwrap())
            .read_to_end(&mut unzipped)
            .unwrap();
        assert!(
            unzipped == bytes,
            "{dataset}: .csv.gz holds the .csv's text"
        );
        assert_eq!(
            std::fs::read(&gz).unwrap(),
            std::fs::read(&gz_again).unwrap(),
            "{dataset}: same seed, same .csv.gz bytes"
        );

        // .parquet: every row, as custseg reads it and as sanity counts it.
        let table = custseg::data::source::read_table(&parquet, &Default::default()).unwrap();
        assert_eq!(table.frame.height() as u64, rows, "{dataset} parquet rows");
        let report = ok(&["sanity", text(&parquet)]).stdout;
        assert_eq!(count(&report, "read  "), rows, "{dataset}: {report}");
        let report = ok(&["sanity", text(&gz)]).stdout;
        assert_eq!(count(&report, "read  "), rows, "{dataset}: {report}");
        // Flowers keep every row; the supermarket counts card holders, as sanity does.
        if dataset != "health" {
            assert_eq!(
                count(&report, "customers  "),
                customers,
                "{dataset}: {report}"
            );
        }

        // Side files: the supermarket's planted groups beside each data file, named by its stem.
        let sides: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(dataset) && n.ends_with(".groups.csv"))
            .collect();
        if dataset == "supermarket" {
            let groups = d.join("supermarket.groups.csv");
            let gz_groups = d.join("supermarketgz.groups.csv");
            let pq_groups = d.join("supermarketpq.groups.csv");
            for side in [&groups, &gz_groups, &pq_groups] {
                assert!(side.exists(), "no {}; have {sides:?}", side.display());
            }
            assert_eq!(
                header(&groups),
                ["CUST_CODE", "group", "group_name"],
                "groups header"
            );
            let planted = read_expected_path(&groups);
            assert_eq!(planted.len() as u64, customers, "one line per card holder");
            let ids: BTreeSet<&str> = planted.iter().map(|r| r["CUST_CODE"].as_str()).collect();
            assert_eq!(ids.len() as u64, customers, "each card holder once");
            let kinds: BTreeSet<&str> = planted.iter().map(|r| r["group"].as_str()).collect();
            assert!(
                kinds.iter().all(|g| ["1", "2", "3", "4"].contains(g)),
                "{kinds:?}"
            );
            let first = std::fs::read(&groups).unwrap();
            assert_eq!(std::fs::read(&gz_groups).unwrap(), first);
            assert_eq!(std::fs::read(&pq_groups).unwrap(), first);
            // generate says where the side file went.
            let result = ok(&[
                "generate",
                "supermarket",
                "--rows",
                "500",
                "--output",
                text(&d.join("said.csv.gz")),
            ]);
            let said: Vec<&str> = result.stderr.lines().collect();
            assert_eq!(said.len(), 2, "{}", result.stderr);
            assert_eq!(
                said[1],
                format!("wrote {}", d.join("said.groups.csv").display())
            );
        } else {
            assert!(sides.is_empty(), "{dataset} has no side file: {sides:?}");
        }
    }
}

#[test]
fn generate_refuses_bad_sizes_and_extensions_in_flags() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.csv");
    let result = fails(
        &["generate", "health", "--rows", "0", "--output", text(&zero)],
        1,
        &["`--rows`", "at least 1"],
    );
    assert!(
        !result.stderr.contains("GenerateParams"),
        "{}",
        result.stderr
    );
    assert!(!zero.exists());
    fails(
        &["generate", "flowers", "--customers", "0", "-o", text(&zero)],
        1,
        &["`--customers`", "at least 1"],
    );
    assert!(!zero.exists());

    // --rows and --customers together: clap refuses before anything runs (exit code 2).
    let both = dir.path().join("both.csv");
    fails(
        &[
            "generate",
            "supermarket",
            "--rows",
            "10",
            "--customers",
            "5",
            "--output",
            text(&both),
        ],
        2,
        &["--rows", "--customers", "cannot be used with"],
    );
    assert!(!both.exists());
    assert!(!dir.path().join("both.groups.csv").exists());

    let xlsx = dir.path().join("table.xlsx");
    fails(
        &[
            "generate",
            "health",
            "--rows",
            "100",
            "--output",
            text(&xlsx),
        ],
        1,
        &["`--output`", "table.xlsx", ".csv, .csv.gz or .parquet"],
    );
    assert!(!xlsx.exists());
    fails(
        &["generate", "tulips", "--output", text(&zero)],
        2,
        &["tulips", "flowers", "supermarket", "health"],
    );
}

// ---- view and cluster -----------------------------------------------------------------------

#[test]
fn supermarket_view_has_the_documented_columns_and_clusters_into_the_planted_groups() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("sm.csv");
    let customers = generate("supermarket", 30_000, 5, &data);
    let view = d.join("v.csv");
    let result = ok(&[
        "view",
        text(&data),
        "--dimension",
        "BASKET_DOMINANT_MISSION",
        "--dimension",
        "STORE_FORMAT",
        "-o",
        text(&view),
    ]);
    // Rows without a card holder are dropped, and said so.
    assert!(
        result.stderr.contains("missing customer"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains(&format!(
            "wrote {customers} customers x 22 columns to {}",
            view.display()
        )),
        "{}",
        result.stderr
    );

    let mut want: Vec<String> = VIEW_COLUMNS.iter().map(|c| c.to_string()).collect();
    for mission in ["fresh", "grocery", "mixed", "nonfood", "xx"] {
        want.push(format!("share_basket_dominant_mission_{mission}"));
    }
    want.push("dominant_basket_dominant_mission".to_string());
    for format in ["ls", "ms", "ss", "xls"] {
        want.push(format!("share_store_format_{format}"));
    }
    want.push("dominant_store_format".to_string());
    assert_eq!(header(&view), want);

    // One row per card holder: as many as generate and sanity count, and the planted ones.
    let rows = read_expected_path(&view);
    assert_eq!(rows.len() as u64, customers);
    let report = ok(&["sanity", text(&data)]).stdout;
    assert_eq!(count(&report, "customers  "), customers, "{report}");
    let planted: HashMap<String, i64> = read_expected_path(&d.join("sm.groups.csv"))
        .into_iter()
        .map(|r| (r["CUST_CODE"].clone(), r["group"].parse().unwrap()))
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["customer_id"].as_str()).collect();
    let distinct: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "each customer once");
    assert!(
        ids.iter().all(|id| planted.contains_key(*id)),
        "only card holders"
    );
    for row in &rows {
        assert!(
            float(row, "visits") >= 1.0 && float(row, "spend") > 0.0,
            "{row:?}"
        );
        assert!(row["first_purchase"] <= row["last_purchase"], "{row:?}");
    }
    assert_shares_add_up(&rows, &["basket_dominant_mission", "store_format"]);

    // The view is a per-customer table `custseg cluster` reads.
    let shares: Vec<&str> = want
        .iter()
        .filter(|c| c.starts_with("share_"))
        .map(String::as_str)
        .collect();
    let features = format!("visits,ticket_size,recency,{}", shares.join(","));
    let selection = d.join("sel.csv");
    let assignment = d.join("assign.csv");
    let result = ok(&[
        "cluster",
        text(&view),
        "--features",
        &features,
        "--k",
        "4",
        "--seed",
        "0",
        "--selection",
        text(&selection),
        "--assign",
        "4",
        "--output",
        text(&assignment),
    ]);
    let compared = read_expected_path(&selection);
    assert_eq!(compared.len(), 1, "one model, one k");
    assert_eq!(compared[0]["model"], "kmeans");
    assert_eq!(compared[0]["k"], "4");
    let silhouette: f64 = compared[0]["silhouette"].parse().unwrap();
    assert!(silhouette > 0.3, "silhouette {silhouette}");

    assert_eq!(
        std::fs::read_to_string(&assignment)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
        format!("customer_id,cluster,{features}")
    );
    let assigned = read_expected_path(&assignment);
    assert_eq!(
        assigned.len() as u64,
        customers,
        "every customer assigned once"
    );
    let assigned_ids: Vec<&str> = assigned.iter().map(|r| r["customer_id"].as_str()).collect();
    assert_eq!(assigned_ids, ids, "in the view's order");
    let labels: Vec<i64> = assigned
        .iter()
        .map(|r| r["cluster"].parse().unwrap())
        .collect();
    let used: BTreeSet<i64> = labels.iter().copied().collect();
    assert_eq!(used.into_iter().collect::<Vec<_>>(), [0_i64, 1, 2, 3]);
    // The features are written back in original units.
    for (got, expected) in assigned.iter().zip(&rows) {
        for column in ["visits", "ticket_size", "recency"] {
            let (g, w) = (float(got, column), float(expected, column));
            assert!(
                (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{column}: {g} vs {w}"
            );
        }
    }
    // The printed profiles count the same customers per cluster.
    let printed: Vec<&str> = result
        .stdout
        .lines()
        .filter(|l| l.starts_with("cluster "))
        .collect();
    assert_eq!(printed.len(), 4, "{}", result.stdout);
    for (k, l) in printed.iter().enumerate() {
        let size = labels.iter().filter(|c| **c == k as i64).count();
        assert!(
            l.starts_with(&format!("cluster {k}: {size} customers (")),
            "{l}"
        );
    }
    // And the four clusters are the four planted groups.
    let truth: Vec<i64> = ids.iter().map(|id| planted[*id]).collect();
    let ari = custseg::cluster::adjusted_rand_score(&truth, &labels).unwrap();
    assert!(
        ari >= 0.8,
        "adjusted Rand index of the planted groups: {ari}"
    );
}

#[test]
fn health_view_splits_json_baskets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("health.csv");
    let customers = generate("health", 20_000, 5, &data);
    let view = d.join("hv.csv");
    let args = |output: &Path| -> Vec<String> {
        [
            "view",
            text(&data),
            "--basket-json",
            "product_json",
            "--dimension",
            "location",
            "--output",
            text(output),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let csv_args = args(view.as_path());
    let csv_refs: Vec<&str> = csv_args.iter().map(String::as_str).collect();
    let result = ok(&csv_refs);
    let note = result
        .stderr
        .lines()
        .find(|l| l.starts_with("note: kept"))
        .unwrap_or_else(|| panic!("no note of dropped rows: {}", result.stderr));
    assert!(note.contains("missing basket"), "{note}");
    assert!(note.contains("unparsable date"), "{note}");

    let mut want: Vec<String> = VIEW_COLUMNS.iter().map(|c| c.to_string()).collect();
    for place in [
        "bangkok",
        "ho_chi_minh_city",
        "jakarta",
        "kuala_lumpur",
        "singapore",
    ] {
        want.push(format!("share_location_{place}"));
    }
    want.push("dominant_location".to_string());
    assert_eq!(header(&view), want);

    let rows = read_expected_path(&view);
    assert!(!rows.is_empty() && (rows.len() as u64) <= customers);
    assert!(
        result.stderr.contains(&format!(
            "wrote {} customers x 17 columns to {}",
            rows.len(),
            view.display()
        )),
        "{}",
        result.stderr
    );
    // skus counts distinct products from the JSON; items sums their quantities.
    for row in &rows {
        let skus: u64 = row["skus"]
            .parse()
            .unwrap_or_else(|_| panic!("skus {:?} is not a count: {row:?}", row["skus"]));
        let items = float(row, "items");
        assert!(skus >= 1, "{row:?}");
        assert!(items >= skus as f64, "items {items} < skus {skus}: {row:?}");
        assert_eq!(items.fract(), 0.0, "{row:?}");
    }
    assert!(
        rows.iter().any(|r| float(r, "items") > float(r, "skus")),
        "some basket holds a product more than once"
    );
    assert_shares_add_up(&rows, &["location"]);

    // The same view as Parquet.
    let parquet = d.join("hv.parquet");
    let parquet_args = args(parquet.as_path());
    let parquet_refs: Vec<&str> = parquet_args.iter().map(String::as_str).collect();
    ok(&parquet_refs);
    let table = custseg::data::source::read_table(&parquet, &Default::default()).unwrap();
    assert_eq!(custseg::frame::column_names(&table.frame), want);
    assert_eq!(table.frame.height(), rows.len());
    let ids: Vec<String> = rows.iter().map(|r| r["customer_id"].clone()).collect();
    assert_eq!(texts(&table.frame, "customer_id"), ids);
    for column in ["visits", "items", "skus", "spend"] {
        let from_csv: Vec<f64> = rows.iter().map(|r| float(r, column)).collect();
        let from_parquet = floats(&table.frame, column);
        for (i, (a, b)) in from_parquet.iter().zip(&from_csv).enumerate() {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{column} of {}: parquet {a}, csv {b}",
                ids[i]
            );
        }
    }
}

// ---- loading flags --------------------------------------------------------------------------

#[test]
fn an_excluded_period_is_dropped_under_its_reason_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("health.csv");
    generate("health", 20_000, 5, &data);
    let before = ok(&["sanity", text(&data)]).stdout;
    let after = ok(&["sanity", text(&data), "--exclude-period", "2021"]).stdout;

    let in_2021 = |report: &str| -> u64 {
        months(report)
            .iter()
            .filter(|(m, _)| m.starts_with("2021-"))
            .map(|(_, r)| r)
            .sum()
    };
    let kept_2021 = in_2021(before.as_str());
    assert!(kept_2021 > 0, "the file has rows in 2021:\n{before}");
    assert_eq!(
        in_2021(after.as_str()),
        0,
        "no 2021 month keeps a row:\n{after}"
    );
    assert!(
        months(&after)
            .iter()
            .any(|(m, r)| m.starts_with("2022-") && *r > 0),
        "other years stay:\n{after}"
    );
    let excluded = count(&after, "dropped: date in an excluded period");
    assert!(excluded >= kept_2021, "{excluded} < {kept_2021}:\n{after}");
    assert_eq!(count(&after, "read  "), count(&before, "read  "));
    assert_eq!(
        count(&before, "kept  ") - count(&after, "kept  "),
        kept_2021,
        "exactly the rows kept in 2021 are lost:\n{before}\n{after}"
    );
    assert!(
        !before.contains("excluded period"),
        "nothing excluded without the flag:\n{before}"
    );

    // The missing months of 2021 are a gap without the rule, an excluded period with it.
    let month_line = |report: &str, month: &str| -> String {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(month))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        month_line(&before, "2021-07").contains("no data (gap)"),
        "{before}"
    );
    assert!(
        month_line(&after, "2021-07").contains("excluded period"),
        "{after}"
    );
    assert!(
        !after.contains("2021-07,"),
        "no 2021 month listed as a gap:\n{after}"
    );

    // A period that is not one: refused with the period rules, like any other bad value.
    let bad = fails(
        &["sanity", text(&data), "--exclude-period", "lastyear"],
        1,
        &[
            "`--exclude-period`",
            "\"lastyear\"",
            "a year (2021)",
            "a month (2021-06)",
        ],
    );
    assert!(bad.stdout.is_empty(), "{}", bad.stdout);
    fails(
        &[
            "sanity",
            text(&data),
            "--exclude-period",
            "2022-01-01..2021-01-01",
        ],
        1,
        &["`--exclude-period`", "2022-01-01 is after 2021-01-01"],
    );
}

#[test]
fn a_product_column_beside_json_baskets_is_refused_in_flags() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("health.csv");
    generate("health", 2_000, 5, &data);
    let view = dir.path().join("v.csv");
    let both = ["--basket-json", "product_json", "--product", "location"];
    for command in [
        vec!["sanity", text(&data)],
        vec!["rfm", text(&data)],
        vec!["view", text(&data), "--output", text(&view)],
    ] {
        let args = [&command[..], &both[..]].concat();
        let result = fails(
            &args,
            1,
            &[
                "health.csv",
                "`--product`",
                "`--basket-json`",
                "\"location\"",
            ],
        );
        assert!(!result.stderr.contains("ColumnRoles"), "{}", result.stderr);
        assert_eq!(
            result.stderr.trim_end().lines().count(),
            1,
            "{}",
            result.stderr
        );
    }
    assert!(!view.exists(), "no view written");
}

// ---- sanity on the health file's quirks -----------------------------------------------------

/// `DD/MM/YYYY HH:MM`.
fn day_first(value: &str) -> bool {
    let bytes = value.as_bytes();
    let shape = bytes.len() == 16
        && bytes.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'/',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    shape
        && (1..=31).contains(&value[0..2].parse::<u32>().unwrap())
        && (1..=12).contains(&value[3..5].parse::<u32>().unwrap())
        && value[11..13].parse::<u32>().unwrap() < 24
        && value[14..16].parse::<u32>().unwrap() < 60
}

#[test]
fn sanity_shows_unreadable_dates_and_the_rule_for_each_missing_value() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("health.csv");
    generate("health", 20_000, 5, &data);
    let report = ok(&["sanity", text(&data)]).stdout;

    // The day-first dates among the ISO ones cannot be read: counted, with examples.
    let unreadable = section(&report, "Values that could not be read");
    let dates = column_line(&unreadable, "payment_date");
    let words: Vec<&str> = dates.split_whitespace().collect();
    let bad_dates = number(words[1]);
    assert!(bad_dates > 0, "{dates}");
    assert_eq!(
        bad_dates,
        count(&report, "dropped: unparsable date"),
        "{report}"
    );
    assert!(dates.contains("not a date"), "{dates}");
    let examples: Vec<&str> = dates.split('"').skip(1).step_by(2).collect();
    assert!(!examples.is_empty(), "no examples: {dates}");
    for example in &examples {
        assert!(
            day_first(example),
            "{example:?} is not DD/MM/YYYY HH:MM: {dates}"
        );
    }

    // Each column's missing values with the rule applied to them.
    let missing = section(&report, "Missing values (before cleaning)");
    let amount = column_line(&missing, "total_amt");
    assert!(amount.ends_with("row dropped (missing amount)"), "{amount}");
    let missing_amounts = number(amount.split_whitespace().nth(1).unwrap());
    let dropped_amounts = count(&report, "dropped: missing amount");
    assert!(dropped_amounts > 0, "{report}");
    // A row missing its amount and its date is dropped once, for its date.
    assert!(
        missing_amounts >= dropped_amounts,
        "{missing_amounts} < {dropped_amounts}"
    );
    let discount = column_line(&missing, "discount");
    assert!(discount.ends_with("kept (column not used)"), "{discount}");
    assert!(
        number(discount.split_whitespace().nth(1).unwrap()) > 0,
        "{discount}"
    );
    let baskets = column_line(&missing, "product_json");
    assert!(baskets.ends_with("kept (column not used)"), "{baskets}");
    let read = count(&report, "read  ");
    let dropped: u64 = section(&report, "Rows")
        .iter()
        .filter(|l| l.trim_start().starts_with("dropped: "))
        .map(|l| number(l.split_whitespace().last().unwrap()))
        .sum();
    assert_eq!(count(&report, "kept  "), read - dropped, "{report}");

    // With the JSON baskets read, a missing basket drops its row and rows multiply.
    let report = ok(&["sanity", text(&data), "--basket-json", "product_json"]).stdout;
    let missing = section(&report, "Missing values (before cleaning)");
    let baskets = column_line(&missing, "product_json");
    assert!(
        baskets.ends_with("row dropped (missing basket)"),
        "{baskets}"
    );
    assert!(count(&report, "dropped: missing basket") > 0, "{report}");
    assert!(
        count(&report, "rows after splitting baskets") > count(&report, "kept  "),
        "{report}"
    );
}
