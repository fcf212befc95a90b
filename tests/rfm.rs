//! RFM values, segment maps and summaries on hand-computed fixtures.

mod common;

use chrono::NaiveDate;
use common::*;
use custseg::prelude::*;

const HAND: &str = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice,Country
A,1,2011-12-07 23:59:00,2,1.5,United Kingdom
A,1,2011-12-07 23:59:00,1,4,United Kingdom
A,2,2011-11-01 09:00:00,1,10,France
B,3,2011-12-09 08:00:00,5,1,France
C,4,2011-01-01 00:00:00,1,100,Germany
C,C5,2011-01-02 00:00:00,-1,100,Germany
";

fn hand(dimension: bool) -> (tempfile::TempDir, Transactions) {
    let (dir, path) = temp_file("hand.csv", HAND.as_bytes());
    let mut options = LoadOptions::default();
    if dimension {
        options.roles.dimensions = vec!["Country".into()];
    }
    let tx = Transactions::load(&path, &options).unwrap();
    (dir, tx)
}

#[test]
fn recency_frequency_monetary_by_hand() {
    let (_dir, tx) = hand(false);
    let table = RfmParams::new().fit(&tx).unwrap();
    assert_eq!(
        table.snapshot(),
        NaiveDate::from_ymd_opt(2011, 12, 10).unwrap()
    );
    let f = &table.frame();
    assert_eq!(texts(f, "customer_id"), ["A", "B", "C"]);
    // A: last purchase 2011-12-07 23:59 -> 3 calendar days; 2 invoices; 2*1.5 + 1*4 + 10 = 17.
    // B: 2011-12-09 -> 1; C: 2011-01-01 -> 334 + 9 = 343 (its cancellation is dropped).
    assert_eq!(texts(f, "recency"), ["3", "1", "343"]);
    assert_eq!(texts(f, "frequency"), ["2", "1", "1"]);
    assert_eq!(floats(f, "monetary"), [17.0, 5.0, 100.0]);
    let later = RfmParams::new()
        .snapshot(NaiveDate::from_ymd_opt(2012, 1, 1).unwrap())
        .fit(&tx)
        .unwrap();
    assert_eq!(texts(&later.frame(), "recency"), ["25", "23", "365"]);
    let early = RfmParams::new()
        .snapshot(NaiveDate::from_ymd_opt(2011, 12, 1).unwrap())
        .fit(&tx);
    assert!(
        early
            .unwrap_err()
            .to_string()
            .contains("before the last transaction")
    );
}

#[test]
fn scores_codes_weights_and_segments_by_hand() {
    let (_dir, tx) = hand(false);
    // Three customers, five bins: recency 3, 1, 343 -> edges 1, 1.8, 2.6, 3.000...,  ..., 343.
    let table = RfmParams::new().weights(2.0, 1.0, 0.5).fit(&tx).unwrap();
    let f = &table.frame();
    // recency: 1 is the lowest (bin 1 -> R 5), 3 the middle (bin 3 -> R 3), 343 top (R 1).
    assert_eq!(texts(f, "r"), ["3", "5", "1"]);
    // frequency ranks (first): A=3 (freq 2), B=1, C=2 -> bins 5, 1, 3.
    assert_eq!(texts(f, "f"), ["5", "1", "3"]);
    // monetary 17, 5, 100 -> bins 3, 1, 5.
    assert_eq!(texts(f, "m"), ["3", "1", "5"]);
    assert_eq!(texts(f, "rfm_code"), ["353", "511", "135"]);
    assert_eq!(
        floats(f, "score"),
        [2.0 * 3.0 + 5.0 + 1.5, 10.0 + 1.0 + 0.5, 2.0 + 3.0 + 2.5]
    );
    // Table map: 353 -> Loyal Customers, 511 -> New Customers, 135 -> At Risk.
    assert_eq!(
        texts(f, "segment"),
        ["Loyal Customers", "New Customers", "At Risk"]
    );
}

#[test]
fn thresholds_and_user_map_with_other() {
    let (_dir, tx) = hand(false);
    let map = SegmentMap::from_toml_str(
        "name = \"mine\"\nlevels = 3\n[[segment]]\nname = \"<b>Best</b>\"\nr = [3, 3]\nf = [2, 3]\n",
        "mine.toml".as_ref(),
    )
    .unwrap();
    let scoring = ScoringMethod::Thresholds {
        recency: vec![2.0, 30.0],
        frequency: vec![1.0, 5.0],
        monetary: vec![10.0, 50.0],
    };
    let table = RfmParams::new()
        .scoring(scoring)
        .segments(map)
        .fit(&tx)
        .unwrap();
    let f = &table.frame();
    // A: recency 3 in (2, 30] -> R 2; frequency 2 in (1, 5] -> F 2; monetary 17 in (10, 50] -> M 2.
    assert_eq!(texts(f, "rfm_code"), ["222", "311", "113"]);
    assert_eq!(texts(f, "segment"), ["Other", "Other", "Other"]);
    let coverage = table.coverage();
    assert_eq!(coverage.uncovered.len(), 27 - 6);
    assert!(coverage.uncovered.contains(&"311".to_string()));
}

#[test]
fn levels_must_match_the_map() {
    let (_dir, tx) = hand(false);
    let err = RfmParams::new()
        .scoring(ScoringMethod::Quantiles { bins: 4 })
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("5-level") && err.contains("4 levels"), "{err}");
}

#[test]
fn segment_summary_matches_an_independent_count() {
    let tx = load(&fixture("parity/ties_transactions.csv")).unwrap();
    let table = RfmParams::new()
        .segments(SegmentMap::rf_regex())
        .fit(&tx)
        .unwrap();
    let summary = table.segment_summary().unwrap();
    let s = &summary.frame();
    let expected = read_expected("parity/ties_expected.csv");
    let total_revenue: f64 = expected
        .iter()
        .map(|r| r["monetary"].parse::<f64>().unwrap())
        .sum();
    let segments = texts(s, "segment");
    let customers = texts(s, "customers");
    let revenue = floats(s, "revenue");
    let share = floats(s, "revenue_share");
    let median_recency = floats(s, "recency_median");
    // Order is the map's.
    let order = SegmentMap::rf_regex().segment_names();
    let positions: Vec<usize> = segments
        .iter()
        .map(|n| order.iter().position(|o| o == n).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{segments:?}");
    for (i, name) in segments.iter().enumerate() {
        let rows: Vec<_> = expected.iter().filter(|r| &r["segment"] == name).collect();
        assert_eq!(customers[i], rows.len().to_string(), "{name}");
        let rev: f64 = rows
            .iter()
            .map(|r| r["monetary"].parse::<f64>().unwrap())
            .sum();
        assert!((revenue[i] - rev).abs() < 1e-6, "{name}");
        assert!((share[i] - rev / total_revenue).abs() < 1e-12, "{name}");
        let mut rec: Vec<f64> = rows.iter().map(|r| r["recency"].parse().unwrap()).collect();
        rec.sort_by(f64::total_cmp);
        let median = if rec.len() % 2 == 1 {
            rec[rec.len() / 2]
        } else {
            (rec[rec.len() / 2 - 1] + rec[rec.len() / 2]) / 2.0
        };
        assert_eq!(median_recency[i], median, "{name}");
    }
    assert_eq!(
        customers
            .iter()
            .map(|c| c.parse::<usize>().unwrap())
            .sum::<usize>(),
        expected.len()
    );
}

#[test]
fn summary_by_dimension_counts_each_customer_once_under_its_main_value() {
    let (_dir, tx) = hand(true);
    let table = RfmParams::new().fit(&tx).unwrap();
    let by = table.segment_summary_by(&tx, "Country").unwrap();
    let f = &by.frame();
    // A spent 7 in the UK and 10 in France -> France. B -> France, C -> Germany.
    assert_eq!(texts(f, "Country"), ["France", "France", "Germany"]);
    assert_eq!(
        texts(f, "segment"),
        ["Loyal Customers", "New Customers", "At Risk"]
    );
    assert_eq!(floats(f, "customer_share"), [0.5, 0.5, 1.0]);
    assert_eq!(floats(f, "revenue_share"), [17.0 / 22.0, 5.0 / 22.0, 1.0]);
    let err = table
        .segment_summary_by(&tx, "Region")
        .unwrap_err()
        .to_string();
    assert!(err.contains("`ColumnRoles::dimensions`"), "{err}");
}

#[test]
fn duplicates_are_optional_and_counted() {
    let text = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n1,A,2011-01-01,1,2\n1,A,2011-01-01,1,2\n1,A,2011-01-01,1,2\n2,B,2011-01-02,1,2\n";
    let (_dir, path) = temp_file("dups.csv", text.as_bytes());
    assert_eq!(load(&path).unwrap().sanity().accounting.rows_kept, 4);
    let options = LoadOptions {
        rules: CleaningRules {
            drop_duplicates: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let tx = Transactions::load(&path, &options).unwrap();
    let a = &tx.sanity().accounting;
    assert_eq!((a.rows_kept, a.dropped_for(DropReason::Duplicate)), (2, 2));
    assert!(a.check());
}

#[test]
fn cancellation_rule_keeps_ids_that_only_start_with_c() {
    let text = "Order ID,Customer ID,Order Date,Sales\nCA-2016-152156,CG-12520,2016-11-08,261.96\nC536379,CG-12520,2016-11-09,10\nUS-2015-108966,SO-20335,2015-10-11,957.5775\n";
    let (_dir, path) = temp_file("superstore.csv", text.as_bytes());
    let tx = load(&path).unwrap();
    let a = &tx.sanity().accounting;
    assert_eq!(
        (a.rows_kept, a.dropped_for(DropReason::Cancellation)),
        (2, 1)
    );
    assert_eq!(
        texts(&tx.frame(), "invoice"),
        ["CA-2016-152156", "US-2015-108966"]
    );
}

#[test]
fn sanity_flags_months_without_data() {
    let text = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n1,A,2021-05-03,1,2\n1,B,2021-12-01,1,2\n2,C,2022-02-01,1,3\n";
    let (_dir, path) = temp_file("gaps.csv", text.as_bytes());
    let s = load(&path).unwrap().sanity().clone();
    assert_eq!(s.months.len(), 10);
    assert_eq!(
        s.gaps,
        [
            "2021-06", "2021-07", "2021-08", "2021-09", "2021-10", "2021-11", "2022-01"
        ]
    );
    assert_eq!(s.months[7].month, "2021-12");
    assert_eq!((s.months[7].rows, s.months[7].revenue), (1, 2.0));
    assert!(s.to_string().contains("WARNING: 7 month(s) without data"));
}

/// No invoice column: a customer's rows on one calendar day are one purchase.
const NO_INVOICES: &str = "customer,date,amount
a,2024-01-01 09:00,10
a,2024-01-01 18:00,5
a,2024-01-05 10:00,20
b,2024-01-03 12:00,7
b,2024-01-09 12:00,3
a,2024-01-20 08:00,1
";

#[test]
fn without_invoices_frequency_counts_purchase_days_and_says_so() {
    let (_dir, path) = common::temp_file("days.csv", NO_INVOICES.as_bytes());
    let tx = Transactions::load(&path, &LoadOptions::default()).unwrap();
    assert!(!tx.has_invoices());
    let rfm = RfmParams::new().fit(&tx).unwrap();
    let frame = rfm.frame();
    assert_eq!(common::floats(&frame, "frequency"), [3.0, 2.0]);
    assert_eq!(common::floats(&frame, "monetary"), [36.0, 10.0]);
    assert!(
        rfm.scoring()
            .fallbacks
            .iter()
            .any(|n| n.starts_with("frequency counts purchase days")),
        "{:?}",
        rfm.scoring().fallbacks
    );
}

#[test]
fn an_observation_end_scores_customers_as_they_stood_that_day() {
    let (_dir, path) = common::temp_file("days.csv", NO_INVOICES.as_bytes());
    let tx = Transactions::load(&path, &LoadOptions::default()).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2024, 1, 4).unwrap();
    let rfm = RfmParams::new().observation_end(end).fit(&tx).unwrap();
    assert_eq!(
        rfm.snapshot(),
        chrono::NaiveDate::from_ymd_opt(2024, 1, 5).unwrap()
    );
    let frame = rfm.frame();
    // a: 01-01 only (15); b: 01-03 (7). Later rows are left out.
    assert_eq!(common::texts(&frame, "customer_id"), ["a", "b"]);
    assert_eq!(common::floats(&frame, "frequency"), [1.0, 1.0]);
    assert_eq!(common::floats(&frame, "monetary"), [15.0, 7.0]);
    assert_eq!(common::floats(&frame, "recency"), [4.0, 2.0]);
    // A customer with nothing before the end is not in the table.
    let early = RfmParams::new()
        .observation_end(chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap())
        .fit(&tx)
        .unwrap();
    assert_eq!(common::texts(&early.frame(), "customer_id"), ["a"]);
    let err = RfmParams::new()
        .observation_end(chrono::NaiveDate::from_ymd_opt(2023, 12, 1).unwrap())
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("RfmParams::observation_end"), "{err}");
}

/// Monetary is the exact sum rounded once, so it does not depend on the order of the rows: the
/// same bytes from a file and from the file upside down (what reading files in parallel, or a
/// distributed engine, needs). Row by row, 0.1 + 0.2 + 0.3 is 0.6000000000000001.
#[test]
fn monetary_is_the_exact_sum_in_any_row_order() {
    let rows = [
        "A,1,2011-12-01 10:00:00,1,0.1",
        "A,2,2011-12-02 10:00:00,1,0.2",
        "B,3,2011-12-02 11:00:00,3,0.1",
        "A,3,2011-12-03 10:00:00,1,0.3",
        "B,4,2011-12-04 10:00:00,1,1e15",
        "B,4,2011-12-04 10:00:00,1,0.7",
    ];
    let (forward, backward) =
        common::forward_and_backward("CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice", &rows);
    let fit = |text: &str| {
        let (_dir, path) = temp_file("rows.csv", text.as_bytes());
        RfmParams::new().fit(&load(&path).unwrap()).unwrap().frame()
    };
    let (forward, backward) = (fit(&forward), fit(&backward));
    assert!(forward.equals_missing(&backward), "{forward}\n{backward}");
    // A: 0.1 + 0.2 + 0.3 exactly is 0.6 to the nearest double; B: 3 * 0.1 (0.30000000000000004 as
    // a double product) + 1e15 + 0.7, rounded once: 1000000000000001.
    assert_eq!(floats(&forward, "monetary"), [0.6, 1_000_000_000_000_001.0]);
    assert_ne!(0.1 + 0.2 + 0.3, 0.6);
}
