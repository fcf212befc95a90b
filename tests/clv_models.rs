//! BG/NBD, Pareto/NBD and Gamma-Gamma on the CDNOW sample (2,357 customers, 39 calibration
//! weeks to 1997-09-30): the published estimates (Fader, Hardie & Lee 2005; lifetimes' docs) to 3
//! significant figures and log-likelihoods to 0.01, lifetimes 0.11.3's own fits and predictions
//! (tests/fixtures/clv/, written by tests/reference/clv_lifetimes.py) more tightly, and the
//! errors of fits that cannot converge.

mod common;

use chrono::NaiveDate;
use common::{cdnow_sample, fixture, read_expected};
use custseg::prelude::*;
use serde_json::Value;

fn fits() -> Value {
    let text = std::fs::read_to_string(fixture("clv/cdnow_fits.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn points() -> Value {
    let text = std::fs::read_to_string(fixture("clv/cdnow_points.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn number(v: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(v, |v, key| &v[*key])
        .as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number"))
}

/// The calibration summary, computed by custseg from the transactions.
fn calibration() -> ClvSummary {
    ClvSummaryParams::new()
        .observation_end(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap())
        .fit(&cdnow_sample())
        .unwrap()
}

/// `got` rounds to `published`'s 3 significant figures' neighbourhood: within half a unit of the
/// third significant digit.
fn assert_3_significant(name: &str, got: f64, published: f64) {
    let unit = 10f64.powf(published.abs().log10().floor() - 2.0);
    assert!(
        (got - published).abs() <= 0.5 * unit,
        "{name}: {got} vs published {published}"
    );
}

fn assert_relative(name: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance * want.abs().max(1e-12),
        "{name}: {got} vs {want} (relative tolerance {tolerance})"
    );
}

#[test]
fn bg_nbd_matches_the_published_and_lifetimes_fits() {
    let s = calibration();
    let m = BetaGeoParams::new()
        .fit(s.frequency(), s.recency(), s.t())
        .unwrap();
    let published = [
        ("r", 0.2426),
        ("alpha", 4.4136),
        ("a", 0.7929),
        ("b", 2.4259),
    ];
    for ((name, want), got) in published.iter().zip(m.params()) {
        assert_3_significant(name, got, *want);
    }
    assert!(
        (m.log_likelihood - -9582.43).abs() < 0.01,
        "{}",
        m.log_likelihood
    );
    let f = fits();
    for ((name, _), got) in published.iter().zip(m.params()) {
        assert_relative(name, got, number(&f, &["bgnbd", "params", name]), 1e-5);
    }
    let errors = m
        .standard_errors
        .expect("the Hessian is positive definite at the optimum");
    for ((name, _), got) in published.iter().zip(errors) {
        assert_relative(
            name,
            got,
            number(&f, &["bgnbd", "standard_errors", name]),
            1e-2,
        );
    }
    assert_eq!(m.n, 2357);
}

#[test]
fn a_penalized_bg_nbd_matches_lifetimes_penalizer_coef() {
    let s = calibration();
    let m = BetaGeoParams::new()
        .penalizer(0.1)
        .fit(s.frequency(), s.recency(), s.t())
        .unwrap();
    let f = fits();
    for (name, got) in ["r", "alpha", "a", "b"].iter().zip(m.params()) {
        assert_relative(
            name,
            got,
            number(&f, &["bgnbd_penalized", "params", name]),
            1e-4,
        );
    }
    // The reported log-likelihood is the data's, without the penalty.
    assert!(
        (m.log_likelihood - number(&f, &["bgnbd_penalized", "log_likelihood_total"])).abs() < 0.01,
        "{}",
        m.log_likelihood
    );
}

#[test]
fn pareto_nbd_matches_the_published_fit() {
    let s = calibration();
    let m = ParetoNbdParams::new()
        .fit(s.frequency(), s.recency(), s.t())
        .unwrap();
    let published = [
        ("r", 0.553),
        ("alpha", 10.578),
        ("s", 0.606),
        ("beta", 11.668),
    ];
    for ((name, want), got) in published.iter().zip(m.params()) {
        assert_3_significant(name, got, *want);
    }
    assert!(
        (m.log_likelihood - -9594.97).abs() < 0.01,
        "{}",
        m.log_likelihood
    );
    let f = fits();
    for ((name, _), got) in published.iter().zip(m.params()) {
        assert_relative(name, got, number(&f, &["pareto_nbd", "params", name]), 1e-4);
    }
}

#[test]
fn gamma_gamma_matches_the_published_fit_on_the_946_repeat_buyers() {
    let s = calibration();
    let m = GammaGammaParams::new()
        .fit(s.frequency(), s.monetary_value())
        .unwrap();
    assert_eq!(m.n, 946);
    assert_eq!(m.skipped, 2357 - 946);
    assert_3_significant("p", m.p, 6.25);
    assert_3_significant("q", m.q, 3.74);
    // The published 15.45 was fitted on amounts rounded to cents; lifetimes on these amounts
    // gives 15.4435, and so must we.
    let f = fits();
    for (name, got) in ["p", "q", "v"].iter().zip(m.params()) {
        assert_relative(
            name,
            got,
            number(&f, &["gamma_gamma", "params", name]),
            1e-4,
        );
    }
    assert!((m.v - 15.45).abs() < 0.01, "{}", m.v);
    let correlation = frequency_monetary_correlation(s.frequency(), s.monetary_value()).unwrap();
    assert_relative(
        "correlation",
        correlation,
        number(&f, &["frequency_monetary_correlation"]),
        1e-9,
    );
}

#[test]
fn predictions_match_the_published_points_and_lifetimes() {
    let s = calibration();
    let bg = BetaGeoParams::new()
        .fit(s.frequency(), s.recency(), s.t())
        .unwrap();
    let p = points();
    let conditional = bg
        .conditional_expected_purchases(39.0, 2.0, 30.43, 38.86)
        .unwrap();
    assert!((conditional - 1.226).abs() < 1e-3, "{conditional}");
    for (t, published) in [(1.0, 0.0532), (3.0, 0.1506), (32.0, 1.0437), (78.0, 1.8576)] {
        let got = bg.expected_purchases(t).unwrap();
        assert!(
            (got - published).abs() < 1e-3,
            "E[X({t})] = {got} vs {published}"
        );
    }
    let lifetimes_at_78 = p["bgnbd"]["expected_purchases_up_to_time"][3]["value"]
        .as_f64()
        .unwrap();
    assert_relative(
        "E[X(78)]",
        bg.expected_purchases(78.0).unwrap(),
        lifetimes_at_78,
        1e-4,
    );

    let pareto = ParetoNbdParams::new()
        .fit(s.frequency(), s.recency(), s.t())
        .unwrap();
    let gg = GammaGammaParams::new()
        .fit(s.frequency(), s.monetary_value())
        .unwrap();
    let weekly = ClvParams::new()
        .months(12)
        .discount_rate(0.01)
        .unit(DurationUnit::Weeks);
    let rows = read_expected("clv/cdnow_predictions.csv");
    assert!(rows.len() > 50);
    for row in rows {
        let v = |c: &str| row[c].parse::<f64>().unwrap();
        let (x, t_x, age, m) = (v("frequency"), v("recency"), v("T"), v("monetary_value"));
        let id = &row["customer_id"];
        let checks = [
            (
                "bgnbd_expected_purchases_39",
                bg.conditional_expected_purchases(39.0, x, t_x, age)
                    .unwrap(),
                1e-4,
            ),
            (
                "bgnbd_p_alive",
                bg.probability_alive(x, t_x, age).unwrap(),
                1e-4,
            ),
            (
                "pnbd_expected_purchases_39",
                pareto
                    .conditional_expected_purchases(39.0, x, t_x, age)
                    .unwrap(),
                1e-3,
            ),
            (
                "pnbd_p_alive",
                pareto.probability_alive(x, t_x, age).unwrap(),
                1e-3,
            ),
            (
                "gg_expected_average_profit",
                gg.conditional_expected_average_profit(x, m).unwrap(),
                1e-4,
            ),
            (
                "clv_bgnbd_gg_12_months",
                gg.customer_lifetime_value(&bg, &weekly, &[x], &[t_x], &[age], &[m])
                    .unwrap()[0],
                1e-4,
            ),
        ];
        for (column, got, tolerance) in checks {
            let want = v(column);
            assert!(
                (got - want).abs() <= tolerance * want.abs().max(1e-3),
                "customer {id} {column}: {got} vs lifetimes {want}"
            );
        }
    }
}

#[test]
fn fits_that_cannot_converge_say_what_to_try() {
    // Nobody came back: the drop-out and purchase-rate parameters cannot be told apart.
    let frequency = vec![0.0; 50];
    let recency = vec![0.0; 50];
    let age: Vec<f64> = (0..50).map(|i| 10.0 + i as f64).collect();
    let err = BetaGeoParams::new()
        .fit(&frequency, &recency, &age)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`frequency`") && err.contains("no customer has a repeat purchase"),
        "{err}"
    );
    // One repeat buyer among fifty: a fit at the edge of the parameter space (everybody drops
    // out after a repeat purchase), where the likelihood is flat, so no standard errors.
    let mut frequency = frequency;
    let mut recency = recency;
    frequency[0] = 1.0;
    recency[0] = 5.0;
    let fitted = BetaGeoParams::new()
        .fit(&frequency, &recency, &age)
        .unwrap();
    assert!(fitted.a / (fitted.a + fitted.b) > 0.99, "{fitted:?}");
    assert!(fitted.standard_errors.is_none(), "{fitted:?}");

    let err = GammaGammaParams::new()
        .fit(&[0.0, 0.0], &[0.0, 0.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("no customer has a repeat purchase"), "{err}");
}

#[test]
fn a_bg_nbd_fit_may_end_where_nobody_drops_out() {
    // Online Retail's first nine months: the BG/NBD's best fit sends a towards 0 (drop-out never
    // happens), the model's own limit, which is kept, not refused as a runaway.
    let tx = Transactions::bundled(&LoadOptions::default()).unwrap();
    let calibration = ClvSummaryParams::new()
        .observation_end(NaiveDate::from_ymd_opt(2011, 9, 9).unwrap())
        .fit(&tx)
        .unwrap();
    let model = BetaGeoParams::new()
        .fit(
            calibration.frequency(),
            calibration.recency(),
            calibration.t(),
        )
        .unwrap();
    assert!(model.a < 1e-4, "{model}");
    let p_alive = model.probability_alive(5.0, 10.0, 30.0).unwrap();
    assert!(p_alive > 0.999, "{p_alive}");
    assert!(
        HoldoutParams::new(NaiveDate::from_ymd_opt(2011, 9, 9).unwrap())
            .fit(&tx)
            .is_ok()
    );
}

#[test]
fn repeat_buyers_with_no_spend_are_left_out_of_gamma_gamma_and_counted() {
    let s = calibration();
    let mut frequency = s.frequency().to_vec();
    let mut monetary = s.monetary_value().to_vec();
    // A repeat buyer whose repeat orders were free, and one whose were refunded.
    frequency.extend([3.0, 1.0]);
    monetary.extend([0.0, -12.5]);
    let with = GammaGammaParams::new().fit(&frequency, &monetary).unwrap();
    let without = GammaGammaParams::new()
        .fit(s.frequency(), s.monetary_value())
        .unwrap();
    assert_eq!(
        (with.n, with.skipped, with.non_positive_spend),
        (946, 2357 - 946, 2)
    );
    assert_eq!(with.params(), without.params());
}

#[test]
fn the_holdout_check_matches_lifetimes_calibration_and_holdout() {
    let tx = cdnow_sample();
    let check = HoldoutParams::new(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap())
        .fit(&tx)
        .unwrap();
    let f = fits();
    assert_eq!(
        check.observation_end,
        NaiveDate::from_ymd_opt(1998, 6, 30).unwrap()
    );
    assert_eq!(check.duration, number(&f, &["holdout", "duration_holdout"]));
    assert_eq!(check.customer_ids.len(), 2357);
    assert_eq!(check.customers_first_seen_in_holdout, 0);
    let (actual, predicted) = check.totals();
    assert_eq!(actual, number(&f, &["holdout", "actual_purchases_holdout"]));
    assert_relative(
        "expected holdout purchases",
        predicted,
        number(&f, &["holdout", "expected_purchases_holdout"]),
        1e-5,
    );
    let rows = read_expected("clv/cdnow_holdout_predictions.csv");
    assert_eq!(rows.len(), check.customer_ids.len());
    let mut absolute_error = 0.0;
    for (i, row) in rows.iter().enumerate() {
        let id: u64 = check.customer_ids[i].parse().unwrap();
        assert_eq!(id, row["customer_id"].parse::<u64>().unwrap());
        let want_actual: f64 = row["frequency_holdout"].parse().unwrap();
        let want_predicted: f64 = row["bgnbd_expected_purchases_holdout"].parse().unwrap();
        assert_eq!(check.actual[i], want_actual, "customer {id}");
        assert_relative(
            &format!("customer {id}"),
            check.predicted[i],
            want_predicted,
            1e-4,
        );
        absolute_error += (want_actual - want_predicted).abs();
    }
    assert!((check.mean_absolute_error - absolute_error / rows.len() as f64).abs() < 1e-5);
    // By calibration frequency: the rows add up to the cohort and pool 7 and more.
    let labels: Vec<&str> = check
        .by_frequency
        .iter()
        .map(|r| r.label.as_str())
        .collect();
    assert_eq!(labels, ["0", "1", "2", "3", "4", "5", "6", "7+"]);
    assert_eq!(
        check
            .by_frequency
            .iter()
            .map(|r| r.customers)
            .sum::<usize>(),
        2357
    );
    let zero = &check.by_frequency[0];
    assert_eq!(zero.customers, 2357 - 946);
    // Tracking: weekly, cumulative, ending with every repeat purchase of the cohort.
    let last = check.tracking.last().unwrap();
    assert_eq!(last.week_end, check.observation_end);
    let repeat_days: f64 = {
        let full = ClvSummaryParams::new().fit(&tx).unwrap();
        full.frequency().iter().sum()
    };
    assert_eq!(last.actual, repeat_days);
    assert!(
        check
            .tracking
            .windows(2)
            .all(|w| w[0].actual <= w[1].actual && w[0].expected <= w[1].expected)
    );
    assert_eq!(check.tracking.len(), 78);
}

#[test]
fn a_calibration_end_without_a_holdout_is_refused() {
    let err = HoldoutParams::new(NaiveDate::from_ymd_opt(1998, 6, 30).unwrap())
        .fit(&cdnow_sample())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HoldoutParams::calibration_end") && err.contains("leaves no holdout"),
        "{err}"
    );
}
