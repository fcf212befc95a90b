//! The lifetime-value summary: a hand-computed case, and parity with lifetimes'
//! `summary_data_from_transaction_data(freq="D", freq_multiplier=...)` on the bundled Online
//! Retail data and on the CDNOW sample (expectations by tests/reference/clv_lifetimes.py).

mod common;

use chrono::NaiveDate;
use common::{cdnow_sample, read_expected, temp_file};
use custseg::features::clv_summary::{ClvSummary, ClvSummaryParams, DurationUnit};
use custseg::prelude::*;

/// Three customers, dates with times of day:
/// - a: 2024-01-01 twice (10 + 5, one purchase day), 2024-01-08 (20), 2024-01-15 twice (30 + 10)
/// - b: 2024-01-03 once
/// - c: 2024-02-20 only (after an observation end of 2024-01-31)
const SMALL: &str = "customer,invoice,date,amount
a,1,2024-01-01 09:00,10
a,2,2024-01-01 18:30,5
b,3,2024-01-03 12:00,7
a,4,2024-01-08 10:00,20
a,5,2024-01-15 08:00,30
a,6,2024-01-15 20:00,10
c,7,2024-02-20 11:00,99
";

fn small() -> Transactions {
    let (_dir, path) = temp_file("small.csv", SMALL.as_bytes());
    Transactions::load(&path, &LoadOptions::default()).unwrap()
}

#[test]
fn purchase_days_collapse_and_units_divide_days() {
    let tx = small();
    let days = ClvSummaryParams::new()
        .unit(DurationUnit::Days)
        .fit(&tx)
        .unwrap();
    // Observation ends on the last transaction's day, 2024-02-20.
    assert_eq!(
        days.observation_end(),
        NaiveDate::from_ymd_opt(2024, 2, 20).unwrap()
    );
    assert_eq!(days.customer_ids(), ["a", "b", "c"]);
    // a: purchase days 01-01, 01-08, 01-15 -> 2 repeats, 14 days from first to last, 50 days to
    // the end; repeat days spent 20 and 40.
    assert_eq!(days.frequency(), [2.0, 0.0, 0.0]);
    assert_eq!(days.recency(), [14.0, 0.0, 0.0]);
    assert_eq!(days.t(), [50.0, 48.0, 0.0]);
    assert_eq!(days.monetary_value(), [30.0, 0.0, 0.0]);
    assert_eq!(days.repeat_buyers(), 1);

    let weeks = ClvSummaryParams::new().fit(&tx).unwrap();
    assert_eq!(weeks.unit(), DurationUnit::Weeks);
    assert_eq!(weeks.recency(), [2.0, 0.0, 0.0]);
    assert_eq!(weeks.t(), [50.0 / 7.0, 48.0 / 7.0, 0.0]);
    let months = ClvSummaryParams::new()
        .unit(DurationUnit::Months)
        .fit(&tx)
        .unwrap();
    assert_eq!(months.t(), [50.0 / 30.0, 48.0 / 30.0, 0.0]);
}

#[test]
fn the_observation_end_leaves_later_rows_and_customers_out_and_counts_them() {
    let tx = small();
    let s = ClvSummaryParams::new()
        .unit(DurationUnit::Days)
        .observation_end(NaiveDate::from_ymd_opt(2024, 1, 10).unwrap())
        .fit(&tx)
        .unwrap();
    assert_eq!(s.customer_ids(), ["a", "b"]);
    // a keeps 01-01 and 01-08: one repeat day of 20.
    assert_eq!(s.frequency(), [1.0, 0.0]);
    assert_eq!(s.recency(), [7.0, 0.0]);
    assert_eq!(s.t(), [9.0, 7.0]);
    assert_eq!(s.monetary_value(), [20.0, 0.0]);
    // The two rows of 01-15 and c's row.
    assert_eq!(s.rows_after_end(), 3);
    assert_eq!(s.customers_after_end(), 1);

    let err = ClvSummaryParams::new()
        .observation_end(NaiveDate::from_ymd_opt(2023, 12, 31).unwrap())
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ClvSummaryParams::observation_end"), "{err}");
    assert!(err.contains("2024-01-01"), "{err}");
}

/// Compares a summary with a lifetimes expectation file, matching customers by numeric id.
fn assert_matches(summary: &ClvSummary, expected: &str) {
    let rows = read_expected(expected);
    assert_eq!(summary.len(), rows.len(), "customers in {expected}");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    for (i, row) in rows.iter().enumerate() {
        let id: u64 = summary.customer_ids()[i].parse().unwrap();
        assert_eq!(id, row["customer_id"].parse::<u64>().unwrap(), "row {i}");
        let want = |c: &str| row[c].parse::<f64>().unwrap();
        assert_eq!(summary.frequency()[i], want("frequency"), "{id} frequency");
        for (name, got) in [
            ("recency", summary.recency()[i]),
            ("T", summary.t()[i]),
            ("monetary_value", summary.monetary_value()[i]),
        ] {
            assert!(
                close(got, want(name)),
                "{id} {name}: {got} vs {}",
                want(name)
            );
        }
    }
}

#[test]
fn the_bundled_data_matches_lifetimes_in_weeks_and_days() {
    let tx = Transactions::bundled(&LoadOptions::default()).unwrap();
    let weeks = ClvSummaryParams::new().fit(&tx).unwrap();
    assert_matches(&weeks, "clv/online_retail_summary_weeks.csv");
    assert_eq!(weeks.rows_after_end(), 0);
    let days = ClvSummaryParams::new()
        .unit(DurationUnit::Days)
        .fit(&tx)
        .unwrap();
    assert_matches(&days, "clv/online_retail_summary_days.csv");
}

#[test]
fn the_cdnow_sample_matches_lifetimes_calibration_summary() {
    let tx = cdnow_sample();
    assert!(!tx.has_invoices());
    let calibration = ClvSummaryParams::new()
        .observation_end(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap())
        .fit(&tx)
        .unwrap();
    assert_eq!(calibration.len(), 2357);
    assert_eq!(calibration.repeat_buyers(), 946);
    assert_matches(&calibration, "clv/cdnow_sample_summary.csv");
    let full = ClvSummaryParams::new().fit(&tx).unwrap();
    assert_matches(&full, "clv/cdnow_sample_summary_full.csv");
    // Rows dated after 1997-09-30, counted independently of the summary.
    let frame = tx.frame();
    let dates = frame
        .column("date")
        .unwrap()
        .as_materialized_series()
        .datetime()
        .unwrap()
        .physical()
        .clone();
    let october = NaiveDate::from_ymd_opt(1997, 10, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let later = dates.iter().filter(|d| d.unwrap() >= october).count();
    assert!(later > 0);
    assert_eq!(calibration.rows_after_end(), later);
    assert_eq!(full.rows_after_end(), 0);
    assert_eq!(
        tx.accounting().rows_kept,
        tx.accounting().rows_in,
        "CDNOW has nothing to drop"
    );
}

#[test]
fn summaries_from_columns_are_checked() {
    let ids = vec!["x".to_string(), "y".to_string()];
    let ok = ClvSummary::from_columns(
        ids.clone(),
        vec![2.0, 0.0],
        vec![30.43, 0.0],
        vec![38.86, 10.0],
        vec![22.3, 0.0],
        DurationUnit::Weeks,
    )
    .unwrap();
    assert_eq!(ok.repeat_buyers(), 1);
    let err = ClvSummary::from_columns(
        ids,
        vec![2.0, 0.0],
        vec![40.0, 0.0],
        vec![38.86, 10.0],
        vec![22.3, 0.0],
        DurationUnit::Weeks,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("customer \"x\" (row 1)") && err.contains("recency must be between 0 and T"),
        "{err}"
    );
}
