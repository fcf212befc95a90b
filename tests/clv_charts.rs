//! Lifetime-value charts, mark by mark, on the CDNOW sample's holdout check.

mod common;

use chrono::NaiveDate;
use common::{cdnow_sample, filled, hex, labels};
use custseg::chart::theme;
use custseg::prelude::*;

fn check() -> HoldoutCheck {
    HoldoutParams::new(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap())
        .fit(&cdnow_sample())
        .unwrap()
}

#[test]
fn holdout_by_frequency_draws_actual_and_predicted_per_frequency() {
    let check = check();
    let svg = holdout_by_frequency(&check).unwrap().svg().to_string();
    let text = labels(&svg);
    for row in &check.by_frequency {
        let label = format!("{} (n={})", row.label, row.customers);
        assert!(text.contains(&label), "{label} in {text:?}");
    }
    // One point per calibration frequency and series.
    assert_eq!(
        filled(&svg, "circle", &hex(theme::PRIMARY)),
        check.by_frequency.len()
    );
    assert_eq!(
        filled(&svg, "circle", &hex(theme::SECONDARY)),
        check.by_frequency.len()
    );
    assert!(text.contains(&"actual".to_string()) && text.contains(&"predicted".to_string()));
}

#[test]
fn tracking_has_both_series_and_marks_the_calibration_end() {
    let check = check();
    let svg = holdout_tracking(&check).unwrap().svg().to_string();
    let text = labels(&svg);
    assert!(
        text.iter().any(|t| t.contains("calibration | holdout")),
        "{text:?}"
    );
    assert!(text.contains(&"expected".to_string()));
    let polylines = svg.matches("<polyline").count();
    assert!(polylines >= 2, "{polylines}");
}

#[test]
fn p_alive_matrix_has_a_cell_per_frequency_and_recency() {
    let tx = cdnow_sample();
    let summary = ClvSummaryParams::new()
        .observation_end(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap())
        .fit(&tx)
        .unwrap();
    let model = ClvModelParams::new().fit(&summary).unwrap();
    let svg = p_alive_matrix(&model, &summary).unwrap().svg().to_string();
    // Max frequency 24 in the calibration period: 24 rows at most, 24 columns.
    let max_f = summary.frequency().iter().copied().fold(0.0, f64::max) as usize;
    let rows = (max_f + 1).min(24);
    let cells = svg.matches("<rect").count() - 1; // the white background
    assert_eq!(cells, rows * 24);
    // A customer without repeats has P(alive) 1: the darkest colour.
    assert!(filled(&svg, "rect", &hex(theme::sequential(1.0))) >= 24);
}

#[test]
fn clv_by_segment_draws_one_bar_per_segment_in_its_colour() {
    let segments: Vec<String> = ["Champions", "Lost", "Champions", "At Risk"]
        .map(String::from)
        .to_vec();
    let clv = [100.0, 2.0, 50.0, 30.0];
    let order: Vec<String> = ["Champions", "At Risk", "Lost"].map(String::from).to_vec();
    let svg = clv_by_segment(&segments, &clv, &order)
        .unwrap()
        .svg()
        .to_string();
    for (name, color) in [("Champions", 0), ("At Risk", 1), ("Lost", 2)] {
        assert_eq!(
            filled(&svg, "rect", &hex(theme::category(color))),
            1,
            "{name}"
        );
    }
    let text = labels(&svg);
    assert!(
        text.contains(&"75 (2 customers, total 150)".to_string()),
        "{text:?}"
    );
    assert!(
        text.contains(&"2 (1 customer, total 2)".to_string()),
        "{text:?}"
    );
    assert!(clv_by_segment(&segments, &clv[..2], &order).is_err());
}
