//! Parity with pandas: scores, codes and segments equal those computed by
//! tests/reference/rfm_parity.py (pandas 3.1.1) on fixtures with heavy ties.

mod common;

use common::*;
use custseg::prelude::*;
use custseg::rfm::qcut::{qcut, quantile_edges, quantile_probabilities};

fn fit(relative: &str, params: RfmParams) -> RfmTable {
    let tx = load(&fixture(relative)).unwrap();
    params.fit(&tx).unwrap()
}

#[test]
fn quintiles_with_ties_equal_pandas() {
    let table = fit(
        "parity/ties_transactions.csv",
        RfmParams::new().segments(SegmentMap::rf_regex()),
    );
    assert_rfm_matches(&table, "parity/ties_expected.csv");
    assert!(
        table.scoring().fallbacks.is_empty(),
        "{:?}",
        table.scoring().fallbacks
    );
}

#[test]
fn fallback_equals_pandas_on_rank_first_and_is_reported() {
    let table = fit(
        "parity/fallback_transactions.csv",
        RfmParams::new().segments(SegmentMap::rf_regex()),
    );
    assert_rfm_matches(&table, "parity/fallback_expected.csv");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("parity/fallback_expected_meta.json")).unwrap(),
    )
    .unwrap();
    for measure in ["recency", "frequency", "monetary"] {
        let fell_back = table
            .scoring()
            .fallbacks
            .iter()
            .any(|n| n.starts_with(measure));
        assert_eq!(fell_back, meta[measure].as_bool().unwrap(), "{measure}");
    }
}

#[test]
fn ntiles_equal_pandas() {
    let tx = load(&fixture("parity/ties_transactions.csv")).unwrap();
    let expected = read_expected("parity/ntiles_expected.csv");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("parity/ntiles_meta.json")).unwrap())
            .unwrap();
    for bins in [4usize, 10] {
        let map = SegmentMap::from_toml_str(
            &format!("levels = {bins}\n[[segment]]\nname = \"All\"\nr = [1, {bins}]\n"),
            "inline.toml".as_ref(),
        )
        .unwrap();
        let table = RfmParams::new()
            .scoring(ScoringMethod::Quantiles { bins })
            .segments(map)
            .fit(&tx)
            .unwrap();
        for (score, letter) in [("r", 'r'), ("f", 'f'), ("m", 'm')] {
            let got = texts(&table.frame(), score);
            for (i, row) in expected.iter().enumerate() {
                assert_eq!(
                    got[i],
                    row[&format!("{letter}{bins}")],
                    "{score}{bins} of {}",
                    row["customer_id"]
                );
            }
        }
        for measure in ["recency", "frequency", "monetary"] {
            let fell_back = table
                .scoring()
                .fallbacks
                .iter()
                .any(|n| n.starts_with(measure));
            assert_eq!(
                fell_back,
                meta[bins.to_string()][measure].as_bool().unwrap(),
                "{measure} n={bins}"
            );
        }
    }
}

fn bits(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|b| f64::from_bits(u64::from_str_radix(b.as_str().unwrap(), 16).unwrap()))
        .collect()
}

#[test]
fn qcut_vectors_equal_pandas_bit_for_bit() {
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("parity/qcut_vectors.json")).unwrap(),
    )
    .unwrap();
    for (n, probs) in data["quantile_probs"].as_object().unwrap() {
        let n: usize = n.parse().unwrap();
        assert_eq!(
            quantile_probabilities(n),
            bits(&probs["probs_bits"]),
            "probabilities for n={n}"
        );
    }
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let n = case["n"].as_u64().unwrap() as usize;
        let values = bits(&case["values_bits"]);
        let got = qcut(&values, n);
        if case["labels"] == "error" {
            assert!(got.is_err(), "{name} n={n}: pandas raised, we gave {got:?}");
        } else {
            let want: Vec<u32> = case["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(got.unwrap(), want, "{name} n={n}");
            let edges = quantile_edges(&values, n);
            assert_eq!(edges, bits(&case["bins_bits"]), "{name} n={n} edges");
        }
    }
}
