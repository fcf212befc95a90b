//! Recommendations: pair rules equal to mlxtend's on a fixture, a tiny basket set whose rules,
//! top-k and holdout metrics are worked out by hand, and the `custseg recommend` contract.

mod common;

use chrono::NaiveDate;
use common::*;
use custseg::prelude::*;

fn ids(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// mlxtend 0.25.0 `fpgrowth(min_support=0.1, max_len=2)` + `association_rules(metric=
/// "confidence", min_threshold=0.3)` on `fixtures/recommend/baskets.csv`
/// (tests/reference/association_rules.py writes the expectation).
#[test]
fn pair_rules_equal_mlxtend_on_the_fixture() {
    let tx = load(&fixture("recommend/baskets.csv")).unwrap();
    // The fixture's hand facts: a cancellation and a row without customer dropped.
    assert_eq!(tx.accounting().rows_kept, 87);
    let purchases = Purchases::from_transactions(&tx).unwrap();
    let rules = RulesParams::new()
        .min_support(0.1)
        .min_confidence(0.3)
        .fit(&purchases)
        .unwrap();
    assert_eq!(rules.baskets(), 40);
    let support: Vec<(String, f64)> = purchases
        .product_ids()
        .iter()
        .cloned()
        .zip(rules.product_support().iter().copied())
        .collect();
    assert_eq!(support[0], ("20725".to_string(), 0.2));
    assert!(support.contains(&("22197".to_string(), 0.075)));
    assert!(support.contains(&("85123A".to_string(), 0.35)));

    let frame = rules.frame().unwrap();
    let expected = read_expected("recommend/rules_expected.csv");
    assert_eq!(frame.height(), expected.len());
    assert_eq!(
        texts(&frame, "antecedent"),
        expected
            .iter()
            .map(|r| r["antecedent"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        texts(&frame, "consequent"),
        expected
            .iter()
            .map(|r| r["consequent"].clone())
            .collect::<Vec<_>>()
    );
    for metric in ["support", "confidence", "lift", "leverage", "conviction"] {
        for (got, row) in floats(&frame, metric).iter().zip(&expected) {
            let want: f64 = row[metric].parse().unwrap();
            if want.is_infinite() {
                assert!(got.is_infinite(), "{metric}: {got} for {want}");
            } else {
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "{metric} {} -> {}: {got} vs {want}",
                    row["antecedent"],
                    row["consequent"]
                );
            }
        }
    }
}

/// Four baskets of one day each (customer: products): c0 {A, B}, c1 {A, B}, c2 {A, C},
/// c3 {C, D}; c0, c1 in G1 and c2, c3 in G2.
///
/// Supports: A 3/4, B 2/4, C 2/4, D 1/4; pairs AB 2/4, AC 1/4, CD 1/4. At 25% support and 50%
/// confidence the rules are A->B (0.5/0.75 = 2/3), B->A (1), C->A (0.5), C->D (0.5), D->C (1);
/// A->C (1/3) is out.
const TINY_ROWS: [(u32, u32, u32, i64, f64); 8] = [
    (0, 0, 0, 0, 1.0),
    (0, 0, 1, 0, 1.0),
    (1, 1, 0, 0, 1.0),
    (1, 1, 1, 0, 1.0),
    (2, 2, 0, 0, 1.0),
    (2, 2, 2, 0, 1.0),
    (3, 3, 2, 0, 1.0),
    (3, 3, 3, 0, 1.0),
];

fn tiny() -> (Purchases, CustomerGroups) {
    let purchases = Purchases::from_codes(
        ids(&["c0", "c1", "c2", "c3"]),
        ids(&["A", "B", "C", "D"]),
        &TINY_ROWS,
    )
    .unwrap();
    let groups = CustomerGroups::new(
        "segment",
        ids(&["c0", "c1", "c2", "c3"]),
        ids(&["G1", "G1", "G2", "G2"]),
    )
    .unwrap();
    (purchases, groups)
}

fn tiny_params() -> RecommendParams {
    RecommendParams::new()
        .k(2)
        .window_months(None)
        .rules(RulesParams::new().min_support(0.25).min_confidence(0.5))
        .min_group_customers(1)
}

#[test]
fn rules_of_the_tiny_baskets_by_hand() {
    let (purchases, _) = tiny();
    let rules = RulesParams::new()
        .min_support(0.25)
        .min_confidence(0.5)
        .fit(&purchases)
        .unwrap();
    let pairs: Vec<(u32, u32, f64)> = rules
        .rules()
        .iter()
        .map(|r| (r.antecedent, r.consequent, r.confidence))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (0, 1, 0.5 / 0.75),
            (1, 0, 1.0),
            (2, 0, 0.5),
            (2, 3, 0.5),
            (3, 2, 1.0)
        ]
    );
    // C -> D: lift 0.5 / supp(D) = 2, leverage 1/4 - 2/4 * 1/4 = 1/8, conviction (1 - 1/4) / 0.5.
    let c_d = rules.from_antecedent(2)[1];
    assert_eq!((c_d.lift, c_d.leverage, c_d.conviction), (2.0, 0.125, 1.5));
    assert!(rules.from_antecedent(1)[0].conviction.is_infinite());
}

/// score = 0.5 confidence + 0.5 group share. c2 (G2, bought A, C): D by C->D (0.5) and 1 of the
/// 2 G2 customers -> 0.5; B by A->B (2/3), no G2 buyer -> 1/3. c3 (G2, bought C, D): A by C->A
/// and half of G2 -> 0.5; B filled in from everyone's best sellers -> 0. c0 (G1, bought A, B):
/// every rule and G1 product already bought: C and D from everyone's best sellers, score 0.
#[test]
fn top_k_of_the_tiny_baskets_by_hand() {
    let (purchases, groups) = tiny();
    let recommender = tiny_params().fit(&purchases, &groups).unwrap();
    let list = |c: u32| -> Vec<(u32, f64)> {
        recommender
            .recommend_customer(c)
            .iter()
            .map(|r| (r.product, r.score))
            .collect()
    };
    assert_eq!(list(2), vec![(3, 0.5), (1, 0.5 * (0.5 / 0.75))]);
    assert_eq!(list(3), vec![(0, 0.5), (1, 0.0)]);
    assert_eq!(list(0), vec![(2, 0.0), (3, 0.0)]);

    let frame = recommender.recommend().unwrap().frame().unwrap();
    assert_eq!(
        custseg::frame::column_names(&frame),
        ["customer_id", "group", "rank", "product", "score", "reason"]
    );
    assert_eq!(frame.height(), 8);
    let reasons = texts(&frame, "reason");
    // c2's rows are the fifth and sixth.
    assert_eq!(reasons[4], "bought with C: confidence 0.50, lift 2.0");
    assert_eq!(reasons[5], "bought with A: confidence 0.67, lift 1.3");
    assert_eq!(
        reasons[0],
        "popular: 50.0% of all active customers bought it in all the data"
    );
    let all_rows = every_row(&recommender);
    assert_eq!(all_rows, expected_rows(&recommender));
    // c3 outside every group: its group reads "(none)" and its list comes from everyone's best
    // sellers and the rules.
    let ungrouped = CustomerGroups::new(
        "segment",
        ids(&["c0", "c1", "c2"]),
        ids(&["G1", "G1", "G2"]),
    )
    .unwrap();
    let partly = tiny_params().fit(&purchases, &ungrouped).unwrap();
    let rows = every_row(&partly);
    assert_eq!(rows, expected_rows(&partly));
    assert!(rows.iter().any(|r| r.0 == "c3" && r.1 == "(none)"));
    // `{:?}` gives sizes, not rows.
    let distinct: std::collections::BTreeSet<&String> = all_rows.iter().map(|r| &r.4).collect();
    assert_eq!(
        format!("{:?}", recommender.recommend().unwrap()),
        format!(
            "Recommendations {{ rows: 8, customers: 4, groups: [\"G1\", \"G2\"], \
             distinct_reasons: {}, .. }}",
            distinct.len()
        )
    );

    // Goods bought again: c0 may get A (B->A 1, all of G1) and B (A->B 2/3, all of G1).
    let again = tiny_params()
        .keep_bought(true)
        .fit(&purchases, &groups)
        .unwrap();
    let scores: Vec<(u32, f64)> = again
        .recommend_customer(0)
        .iter()
        .map(|r| (r.product, r.score))
        .collect();
    assert_eq!(scores, vec![(0, 1.0), (1, 0.5 * (0.5 / 0.75) + 0.5)]);
}

/// The recommendations table's rows: customer, group, rank, product, reason.
fn every_row(recommender: &Recommender) -> Vec<(String, String, u32, String, String)> {
    let frame = recommender.recommend().unwrap().frame().unwrap();
    let ranks: Vec<u32> = frame
        .column("rank")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    texts(&frame, "customer_id")
        .into_iter()
        .zip(texts(&frame, "group"))
        .zip(ranks)
        .zip(texts(&frame, "product"))
        .zip(texts(&frame, "reason"))
        .map(|((((c, g), k), p), r)| (c, g, k, p, r))
        .collect()
}

/// The same rows from the per-customer lists, in customer-code order, each with its own reason.
fn expected_rows(recommender: &Recommender) -> Vec<(String, String, u32, String, String)> {
    let customers = ["c0", "c1", "c2", "c3"];
    let mut expected = Vec::new();
    for (c, id) in customers.iter().enumerate() {
        let c = c as u32;
        for (rank, r) in recommender.recommend_customer(c).iter().enumerate() {
            let group = recommender.group_of(c).map_or("(none)".to_string(), |g| {
                recommender.groups().names()[g as usize].clone()
            });
            let product = recommender.product_id(r.product).to_string();
            expected.push((
                id.to_string(),
                group,
                rank as u32 + 1,
                product,
                recommender.reason(c, r),
            ));
        }
    }
    expected
}

/// The tiny baskets before the cut (day 0), and after it (day 10): c0 buys C; c2 buys B and A
/// (A bought before, not counted); c3 buys A and D (D bought before); c1 buys A again only; c4
/// is new. Lists with k = 2: c0 [C, D] (C hit at 1: AP 1), c2 [D, B] (B hit at 2: AP 1/2), c3
/// [A, B] (AP 1). Global best sellers (A 3, B 2, C 2, D 1 buyers): c0 [C, D], c2 [B, D], c3
/// [A, B]: every AP 1.
#[test]
fn holdout_metrics_of_the_tiny_baskets_by_hand() {
    let mut rows = TINY_ROWS.to_vec();
    rows.extend([
        (0, 4, 2, 10, 1.0),
        (2, 5, 1, 10, 1.0),
        (2, 5, 0, 10, 1.0),
        (3, 6, 0, 10, 1.0),
        (3, 6, 3, 10, 1.0),
        (1, 7, 0, 10, 1.0),
        (4, 8, 0, 10, 1.0),
    ]);
    let purchases = Purchases::from_codes(
        ids(&["c0", "c1", "c2", "c3", "c4"]),
        ids(&["A", "B", "C", "D"]),
        &rows,
    )
    .unwrap();
    let (_, groups) = tiny();
    let cut = NaiveDate::from_ymd_opt(1970, 1, 5).unwrap();
    let evaluation = HoldoutSplit::new(cut)
        .evaluate(&purchases, &groups, &tiny_params())
        .unwrap();
    assert_eq!(
        (
            evaluation.customers,
            evaluation.first_seen,
            evaluation.only_rebought
        ),
        (3, 1, 1)
    );
    let row = |recommender: &str, group: &str| {
        evaluation
            .rows
            .iter()
            .find(|r| r.recommender.starts_with(recommender) && r.group == group)
            .unwrap()
            .clone()
    };
    let ours = row("custseg", "all");
    assert_eq!(ours.customers, 3);
    assert_eq!(
        (ours.hit_rate, ours.precision, ours.recall),
        (1.0, 0.5, 1.0)
    );
    assert!((ours.map - 2.5 / 3.0).abs() < 1e-15);
    assert_eq!(ours.coverage, 1.0);
    let global = row("global", "all");
    assert_eq!((global.hit_rate, global.map), (1.0, 1.0));
    // Per group: G1 has c0 only (c1 bought nothing new), G2 c2 and c3.
    assert_eq!(row("custseg", "G1").customers, 1);
    assert_eq!(row("custseg", "G2").map, 0.75);
    let random = row("random", "all");
    assert_eq!(random.customers, 3);
    assert!(evaluation.summary().contains("tested on 3 customers"));

    // The same seed gives the same random baseline; the cut must leave data on both sides.
    let again = HoldoutSplit::new(cut)
        .evaluate(&purchases, &groups, &tiny_params())
        .unwrap();
    assert_eq!(again, evaluation);
    let err = HoldoutSplit::new(NaiveDate::from_ymd_opt(1970, 1, 20).unwrap())
        .evaluate(&purchases, &groups, &tiny_params())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HoldoutSplit::cut") && err.contains("after it"),
        "{err}"
    );
}

#[test]
fn recommend_writes_the_contract_columns_and_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let recs = dir.path().join("recs.csv");
    let rules = dir.path().join("rules.csv");
    let input = fixture("recommend/baskets.csv");
    let args = [
        "recommend",
        input.to_str().unwrap(),
        "--min-support",
        "0.1",
        "--min-confidence",
        "0.3",
        "--k",
        "3",
        "--evaluate",
        "--holdout-months",
        "1",
        "--rules",
        rules.to_str().unwrap(),
        "--output",
        recs.to_str().unwrap(),
    ];
    let output = run_custseg(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("random (baseline)"), "{stdout}");
    let written = std::fs::read_to_string(&rules).unwrap();
    let expected = std::fs::read_to_string(fixture("recommend/rules_expected.csv")).unwrap();
    assert_eq!(written.lines().next(), expected.lines().next());
    assert_eq!(written.lines().count(), expected.lines().count());
    assert!(
        written.contains("22720,22423,0.125,1.0,4.0,0.09375,inf"),
        "{written}"
    );
    let text = std::fs::read_to_string(&recs).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("customer_id,group,rank,product,score,reason")
    );
    // Twelve customers, three products each; the same bytes on a second run.
    assert_eq!(text.lines().count(), 1 + 12 * 3);
    let first = text.clone();
    assert!(run_custseg(&args).status.success());
    assert_eq!(std::fs::read_to_string(&recs).unwrap(), first);

    // By a column of the file: each customer under their main country.
    let output = run_custseg(&[
        "recommend",
        input.to_str().unwrap(),
        "--by",
        "Country",
        "--output",
        recs.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("in 5 groups by Country"));
    let text = std::fs::read_to_string(&recs).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("12347,Iceland,1,")),
        "{text}"
    );
}

#[test]
fn recommend_errors_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let recs = dir.path().join("recs.csv");
    let input = fixture("recommend/baskets.csv");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "recommend",
            input.to_str().unwrap(),
            "--output",
            recs.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let output = run_custseg(&args);
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    assert!(run(&["--min-support", "0"]).contains("--min-support"));
    assert!(run(&["--k", "0"]).contains("--k"));
    assert!(run(&["--rule-weight", "2"]).contains("--rule-weight"));
    let err = run(&["--by", "Region"]);
    assert!(err.contains("Region"), "{err}");
    // A file without products.
    let (_dir, plain) = temp_file(
        "orders.csv",
        b"CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\nA,1,2023-01-05,1,10\n",
    );
    let output = run_custseg(&[
        "recommend",
        plain.to_str().unwrap(),
        "--output",
        recs.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("--product") && err.contains("orders.csv"),
        "{err}"
    );
}
