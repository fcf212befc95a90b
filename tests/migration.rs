//! Segment migration on a hand-computed fixture: nine customers, two dates, 2-level scores.
//!
//! `fixtures/migration/two_periods.csv`, one invoice per row, as RFM sees it at the end of each
//! date (recency in days to the next day, frequency = invoices):
//!
//! | customer | purchases | 2024-03-31: recency, frequency | 2024-06-30: recency, frequency |
//! |---|---|---|---|
//! | c1 | 01-15, 03-25, 06-20 | 7, 2 | 11, 3 |
//! | c2 | 02-01, 03-28 | 4, 2 | 95, 2 (nothing after 03-31: lapsed) |
//! | c3 | 03-15, 06-25 | 17, 1 | 6, 2 |
//! | c4 | 03-20 | 12, 1 | 103, 1 (lapsed) |
//! | c5 | 01-05, 05-10 | 87, 1 | 52, 2 |
//! | c6 | 01-20, 02-10, 06-28 | 51, 2 | 3, 3 |
//! | c7 | 04-15, 06-29 | - | 2, 2 (arrived) |
//! | c8 | 05-05 | - | 57, 1 (arrived) |
//! | c9 | 06-30 | - | 1, 1 (arrived) |
//!
//! The dates are 91 days apart: lapsed customers are those with a recency above 91 on 06-30.
//! The map (`two_levels.toml`) reads R and F only: R2 F2 Champions, F2 Loyal Customers, R2 New
//! Customers, R1 Lost.

mod common;

use std::process::Command;

use chrono::NaiveDate;
use common::*;
use custseg::prelude::*;

const ORDER: [&str; 5] = [
    "Champions",
    "Loyal Customers",
    "New Customers",
    "Lost",
    "Other",
];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn transactions() -> Transactions {
    load(&fixture("migration/two_periods.csv")).unwrap()
}

fn two_levels() -> SegmentMap {
    SegmentMap::from_toml_file(&fixture("migration/two_levels.toml")).unwrap()
}

/// R2 up to 30 days, F2 from 2 purchases (M2 above 100, unused by the map).
fn thresholds() -> ScoringMethod {
    ScoringMethod::Thresholds {
        recency: vec![30.0],
        frequency: vec![1.0],
        monetary: vec![100.0],
    }
}

fn params(scoring: ScoringMethod, cohort: CohortScoring) -> MigrationParams {
    MigrationParams::new(day(2024, 3, 31), day(2024, 6, 30))
        .scoring(scoring)
        .segments(two_levels())
        .cohort(cohort)
}

/// With the thresholds: on 03-31 c1, c2 are Champions (R2 F2), c3, c4 New Customers (R2 F1), c5
/// Lost (R1 F1), c6 Loyal Customers (R1 F2). On 06-30: c1, c3, c6, c7 Champions; c2, c5 Loyal
/// Customers (R1 F2); c9 New Customers; c4, c8 Lost.
#[test]
fn matrix_arrivals_and_lapses_by_hand() {
    let m = params(thresholds(), CohortScoring::Rescored)
        .fit(&transactions())
        .unwrap();
    assert_eq!(m.segment_order().to_vec(), ORDER);
    assert_eq!((m.from(), m.to()), (day(2024, 3, 31), day(2024, 6, 30)));
    // Rows: where the customers of 03-31 stood on 06-30.
    // Champions c1 -> Champions, c2 -> Loyal; Loyal c6 -> Champions; New c3 -> Champions,
    // c4 -> Lost; Lost c5 -> Loyal.
    assert_eq!(
        m.counts().to_vec(),
        vec![
            vec![1, 1, 0, 0, 0],
            vec![1, 0, 0, 0, 0],
            vec![1, 0, 0, 1, 0],
            vec![0, 1, 0, 0, 0],
            vec![0, 0, 0, 0, 0],
        ]
    );
    assert_eq!(m.count("Champions", "Loyal Customers"), 1);
    assert_eq!(m.count("Lost", "Champions"), 0);
    assert_eq!(m.count("Nobody", "Lost"), 0);
    // c7 -> Champions, c9 -> New Customers, c8 -> Lost.
    assert_eq!(m.arrived().to_vec(), vec![1, 0, 1, 1, 0]);
    // c2 (Champions) and c4 (New Customers) bought nothing after 03-31.
    assert_eq!(m.lapsed().to_vec(), vec![1, 0, 1, 0, 0]);
    assert_eq!(m.starting(), vec![2, 1, 2, 1, 0]);
    assert_eq!(m.ending(), vec![4, 2, 1, 2, 0]);

    let shares = m.row_shares();
    for (i, row) in shares.iter().enumerate() {
        let sum: f64 = row.iter().sum();
        if m.starting()[i] > 0 {
            assert!((sum - 1.0).abs() < 1e-12, "{}: {sum}", ORDER[i]);
        } else {
            assert_eq!(sum, 0.0, "{}", ORDER[i]);
        }
    }
    assert_eq!(shares[0], vec![0.5, 0.5, 0.0, 0.0, 0.0]);
    assert_eq!(shares[1], vec![1.0, 0.0, 0.0, 0.0, 0.0]);

    let frame = m.to_frame().unwrap();
    assert_eq!(
        texts(&frame, "from_segment"),
        [
            "Champions",
            "Champions",
            "Loyal Customers",
            "New Customers",
            "New Customers",
            "Lost"
        ]
    );
    assert_eq!(
        texts(&frame, "to_segment"),
        [
            "Champions",
            "Loyal Customers",
            "Champions",
            "Champions",
            "Lost",
            "Loyal Customers"
        ]
    );
    assert_eq!(floats(&frame, "customers"), [1.0; 6]);
    assert_eq!(
        floats(&frame, "share_of_from"),
        [0.5, 0.5, 1.0, 0.5, 0.5, 1.0]
    );

    let segments = m.segment_frame().unwrap();
    assert_eq!(
        texts(&segments, "segment"),
        ["Champions", "Loyal Customers", "New Customers", "Lost"]
    );
    assert_eq!(floats(&segments, "customers_from"), [2.0, 1.0, 2.0, 1.0]);
    assert_eq!(floats(&segments, "customers_to"), [4.0, 2.0, 1.0, 2.0]);
    assert_eq!(floats(&segments, "stayed"), [1.0, 0.0, 0.0, 0.0]);
    assert_eq!(floats(&segments, "lapsed"), [1.0, 0.0, 1.0, 0.0]);
    assert_eq!(floats(&segments, "arrived"), [1.0, 0.0, 1.0, 1.0]);
}

#[test]
fn describe_says_where_a_segment_went_largest_first() {
    let m = params(thresholds(), CohortScoring::Rescored)
        .fit(&transactions())
        .unwrap();
    assert_eq!(
        m.describe("Champions").unwrap(),
        "Of the 2 Champions on 2024-03-31, 50.0% were still Champions on 2024-06-30 and 50.0% \
         became Loyal Customers. 1 of them (50.0%) made no purchase from 2024-04-01 to 2024-06-30."
    );
    // Equal shares keep the map's order: Champions before Lost.
    assert_eq!(
        m.describe("New Customers").unwrap(),
        "Of the 2 New Customers on 2024-03-31, 50.0% became Champions on 2024-06-30 and 50.0% \
         became Lost. 1 of them (50.0%) made no purchase from 2024-04-01 to 2024-06-30."
    );
    assert_eq!(
        m.describe("Loyal Customers").unwrap(),
        "Of the 1 Loyal Customers on 2024-03-31, 100.0% became Champions on 2024-06-30."
    );
    assert_eq!(
        m.describe("Other").unwrap(),
        "No customers were Other on 2024-03-31."
    );
    let err = m.describe("Nobody").unwrap_err().to_string();
    assert!(
        err.contains("Migration::describe") && err.contains("Champions, Loyal Customers"),
        "{err}"
    );
    let sentences = m.descriptions();
    assert_eq!(sentences.len(), 4);
    assert!(sentences[3].starts_with("Of the 1 Lost on 2024-03-31, 100.0% became Loyal"));
    let text = m.to_string();
    assert!(
        text.contains("6 customers on 2024-03-31, 9 on 2024-06-30 (3 first seen after 2024-03-31)"),
        "{text}"
    );
    assert!(text.contains(&sentences[0]), "{text}");
}

/// Quantiles of 2 bins (medians), where the two cohort choices part.
///
/// On 03-31: recency 7, 4, 17, 12, 87, 51 has the median edge 14.5, so c1, c2, c4 are R2;
/// frequency is ranked first (2, 2, 1, 1, 1, 2 -> c3, c4, c5 ranks 1-3, F1; c1, c2, c6 ranks 4-6,
/// F2). Segments: c1, c2 Champions; c6 Loyal Customers; c4 New Customers; c3, c5 Lost. The fixed
/// cut points are the largest value of each lower bin: recency 12, frequency 1.
///
/// On 06-30 with the fixed cut points: R2 up to 12 days (c1, c3, c6, c7, c9), F2 from 2 purchases,
/// so c2 (95 days, 2 purchases) is Loyal Customers and c3 (6 days, 2 purchases) a Champion.
/// Re-scored: the recency median is 11 (the same split), but frequency ranked first puts the
/// three 1s at ranks 1-3, the four 2s (c2, c3, c5, c7) at 4-7 and the two 3s at 8-9; ranks up to
/// 5 are F1, so c2 and c3 drop to F1 with the same 2 purchases: c2 Lost, c3 New Customers.
#[test]
fn fixed_edges_keep_a_segment_meaning_the_same_behaviour() {
    let tx = transactions();
    let quantiles = ScoringMethod::Quantiles { bins: 2 };
    let fixed = params(quantiles.clone(), CohortScoring::FixedEdges)
        .fit(&tx)
        .unwrap();
    let rescored = params(quantiles, CohortScoring::Rescored).fit(&tx).unwrap();
    // The first date is the same either way: fixed cut points reproduce unique quantile edges.
    assert_eq!(fixed.starting(), vec![2, 1, 1, 2, 0]);
    assert_eq!(rescored.starting(), fixed.starting());
    assert_eq!(
        fixed.counts().to_vec(),
        vec![
            vec![1, 1, 0, 0, 0], // c1 -> Champions, c2 -> Loyal Customers
            vec![1, 0, 0, 0, 0], // c6 -> Champions
            vec![0, 0, 0, 1, 0], // c4 -> Lost
            vec![1, 1, 0, 0, 0], // c3 -> Champions, c5 -> Loyal Customers
            vec![0, 0, 0, 0, 0],
        ]
    );
    assert_eq!(
        rescored.counts().to_vec(),
        vec![
            vec![1, 0, 0, 1, 0], // c2 -> Lost
            vec![1, 0, 0, 0, 0],
            vec![0, 0, 0, 1, 0],
            vec![0, 1, 1, 0, 0], // c5 -> Loyal Customers, c3 -> New Customers
            vec![0, 0, 0, 0, 0],
        ]
    );
    assert_eq!(fixed.arrived().to_vec(), vec![1, 0, 1, 1, 0]);
    assert_eq!(rescored.arrived().to_vec(), vec![1, 0, 1, 1, 0]);
    assert_eq!(fixed.lapsed().to_vec(), vec![1, 0, 1, 0, 0]);
    assert_eq!(fixed.cohort(), CohortScoring::FixedEdges);
    assert_eq!(
        fixed.second_table().scoring().measures[0].rule,
        "thresholds"
    );
    assert_eq!(
        rescored.second_table().scoring().measures[1].rule,
        "rank-first quantiles"
    );
    assert!(
        fixed
            .describe("Champions")
            .unwrap()
            .contains("and 50.0% became Loyal Customers."),
    );
    assert!(
        rescored
            .describe("Champions")
            .unwrap()
            .contains("and 50.0% became Lost."),
    );
    // With fixed thresholds the two choices agree.
    let a = params(thresholds(), CohortScoring::FixedEdges)
        .fit(&tx)
        .unwrap();
    let b = params(thresholds(), CohortScoring::Rescored)
        .fit(&tx)
        .unwrap();
    assert_eq!(a.counts(), b.counts());
    assert_eq!(a.arrived(), b.arrived());
}

#[test]
fn dates_are_checked_and_errors_name_the_setting() {
    let tx = transactions();
    let err = |from: NaiveDate, to: NaiveDate| {
        MigrationParams::new(from, to)
            .scoring(thresholds())
            .segments(two_levels())
            .fit(&tx)
            .unwrap_err()
            .to_string()
    };
    let same = err(day(2024, 3, 31), day(2024, 3, 31));
    assert!(
        same.contains("`MigrationParams::from`: 2024-03-31 is not before `MigrationParams::to`"),
        "{same}"
    );
    let reversed = err(day(2024, 6, 30), day(2024, 3, 31));
    assert!(reversed.contains("`MigrationParams::from`"), "{reversed}");
    let early = err(day(2023, 12, 31), day(2024, 3, 31));
    assert!(
        early.contains("`MigrationParams::from`")
            && early.contains("before the first transaction (2024-01-05)"),
        "{early}"
    );
    let late = err(day(2024, 3, 31), day(2024, 7, 31));
    assert!(
        late.contains("`MigrationParams::to`")
            && late.contains("after the last transaction (2024-06-30)"),
        "{late}"
    );
    assert!(
        MigrationParams::new(day(2024, 6, 30), day(2024, 3, 31))
            .check()
            .is_err()
    );
    // A 2-level map with the default quintiles.
    let levels = MigrationParams::new(day(2024, 3, 31), day(2024, 6, 30))
        .segments(two_levels())
        .check()
        .unwrap_err()
        .to_string();
    assert!(levels.contains("RfmParams::segments"), "{levels}");
}

/// Blocks by fill colour: each segment with customers on a date has one block on that date's bar;
/// bands by fill colour: one per non-empty cell of the segment's row, and one per segment the
/// arrivals went to, in grey.
#[test]
fn the_flow_chart_has_a_block_per_segment_and_date_and_a_band_per_move() {
    use custseg::chart::theme;
    let m = params(thresholds(), CohortScoring::Rescored)
        .fit(&transactions())
        .unwrap();
    let svg = migration_flow(&m).unwrap().svg().to_string();
    let order = m.segment_order();
    for (name, blocks, bands) in [
        ("Champions", 2, 2),
        ("Loyal Customers", 2, 1),
        ("New Customers", 2, 2),
        ("Lost", 2, 1),
        ("Other", 0, 0),
    ] {
        let color = hex(theme::segment(order, name));
        assert_eq!(filled(&svg, "rect", &color), blocks, "{name} blocks");
        assert_eq!(filled(&svg, "polygon", &color), bands, "{name} bands");
    }
    let grey = hex(theme::MUTED);
    assert_eq!(filled(&svg, "rect", &grey), 1, "the arrivals' block");
    assert_eq!(filled(&svg, "polygon", &grey), 3, "arrivals to 3 segments");
    assert_eq!(svg.matches("<polygon").count(), 9);
    let text = labels(&svg);
    for label in [
        "Champions (2)",
        "Champions (4)",
        "Loyal Customers (1)",
        "Loyal Customers (2)",
        "New Customers (2)",
        "New Customers (1)",
        "Lost (1)",
        "Lost (2)",
        "first purchase after 2024-03-31 (3)",
        "2024-03-31",
        "2024-06-30",
    ] {
        assert!(text.iter().any(|t| t == label), "{label}: {text:?}");
    }
    assert!(svg.contains("width=\"100%\"") && svg.matches("viewBox").count() == 1);
}

#[test]
fn chart_and_html_text_is_escaped() {
    let map = SegmentMap::from_toml_str(
        "levels = 2\n[[segment]]\nname = \"<script>x</script>\"\nr = [1, 2]\n",
        "m.toml".as_ref(),
    )
    .unwrap();
    let m = MigrationParams::new(day(2024, 3, 31), day(2024, 6, 30))
        .scoring(thresholds())
        .segments(map)
        .fit(&transactions())
        .unwrap();
    let svg = migration_flow(&m).unwrap().svg().to_string();
    assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script"));
    let html = m.html();
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script"));
    assert!(
        m.describe("<script>x</script>")
            .unwrap()
            .starts_with("Of the 6 <script>x</script> on 2024-03-31, 100.0% were still")
    );
}

fn custseg(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn migrate_prints_the_moves_and_writes_the_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("matrix.csv");
    let input = fixture("migration/two_periods.csv");
    let map = fixture("migration/two_levels.toml");
    let base = [
        "migrate",
        input.to_str().unwrap(),
        "--from",
        "2024-03-31",
        "--to",
        "2024-06-30",
        "--segments",
        map.to_str().unwrap(),
        "--bins",
        "2",
    ];
    let mut args = base.to_vec();
    args.extend(["--output", output.to_str().unwrap()]);
    let out = custseg(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Fixed edges by default: see fixed_edges_keep_a_segment_meaning_the_same_behaviour.
    assert!(stdout.contains("fixed edges"), "{stdout}");
    assert!(
        stdout.contains(
            "Of the 2 Champions on 2024-03-31, 50.0% were still Champions on 2024-06-30 and \
             50.0% became Loyal Customers. 1 of them (50.0%) made no purchase from 2024-04-01 \
             to 2024-06-30."
        ),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&output).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "from_segment,to_segment,customers,share_of_from"
    );
    let rows = read_expected_path(&output);
    let moves: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} > {}: {}",
                r["from_segment"], r["to_segment"], r["customers"]
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            "Champions > Champions: 1",
            "Champions > Loyal Customers: 1",
            "Loyal Customers > Champions: 1",
            "New Customers > Lost: 1",
            "Lost > Champions: 1",
            "Lost > Loyal Customers: 1",
        ]
    );
    for segment in ["Champions", "Loyal Customers", "New Customers", "Lost"] {
        let sum: f64 = rows
            .iter()
            .filter(|r| r["from_segment"] == segment)
            .map(|r| r["share_of_from"].parse::<f64>().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-12, "{segment}: {sum}");
    }

    let mut args = base.to_vec();
    args.extend(["--cohort", "rescored"]);
    let out = custseg(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("and 50.0% became Lost."), "{stdout}");
}

#[test]
fn migrate_flags_are_checked_in_the_words_of_the_command_line() {
    let input = fixture("migration/two_periods.csv");
    let map = fixture("migration/two_levels.toml");
    let base = [
        "migrate",
        input.to_str().unwrap(),
        "--segments",
        map.to_str().unwrap(),
        "--bins",
        "2",
    ];
    for (extra, expected) in [
        (
            ["--from", "2024-06-30", "--to", "2024-03-31"].as_slice(),
            "invalid `--from`: 2024-06-30 is not before `--to` (2024-03-31)",
        ),
        (
            ["--from", "2023-12-01", "--to", "2024-03-31"].as_slice(),
            "invalid `--from`: 2023-12-01 is before the first transaction (2024-01-05)",
        ),
        (
            ["--from", "2024-03-31", "--to", "2024-08-01"].as_slice(),
            "invalid `--to`: 2024-08-01 is after the last transaction (2024-06-30)",
        ),
        (
            [
                "--from",
                "2024-03-31",
                "--to",
                "2024-06-30",
                "--cohort",
                "sideways",
            ]
            .as_slice(),
            "invalid `--cohort`: unknown cohort scoring \"sideways\"; use fixed-edges or rescored",
        ),
        (["--to", "2024-06-30"].as_slice(), "--from"),
    ] {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let out = custseg(&args);
        assert!(!out.status.success(), "{extra:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
}
