//! Clustering metrics and feature transforms against scikit-learn
//! (fixtures made by tests/reference/cluster_metrics.py and tests/reference/adjusted_rand.py).

mod common;

use common::*;
use custseg::cluster::metrics::{
    adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_samples,
    silhouette_score, silhouette_scores,
};
use custseg::features::transform::{Pipeline, Step};
use custseg::matrix::Matrix;

fn bits(value: &serde_json::Value) -> Vec<f64> {
    fn walk(v: &serde_json::Value, out: &mut Vec<f64>) {
        match v {
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::String(s) => {
                out.push(f64::from_bits(u64::from_str_radix(s, 16).unwrap()))
            }
            other => panic!("unexpected {other}"),
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

fn close(got: f64, want: f64, what: &str) {
    let tolerance = 1e-9 * want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: {got} vs scikit-learn {want}"
    );
}

#[test]
fn metrics_equal_scikit_learn() {
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("cluster/metrics_cases.json")).unwrap(),
    )
    .unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let values = bits(&case["X_bits"]);
        let x = Matrix::new(&values, case["d"].as_u64().unwrap() as usize).unwrap();
        let labels: Vec<i64> = case["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_i64().unwrap())
            .collect();
        close(
            silhouette_score(&x, &labels).unwrap(),
            bits(&case["silhouette_score_bits"])[0],
            &format!("{name} silhouette"),
        );
        let samples = silhouette_samples(&x, &labels).unwrap();
        for (i, (g, w)) in samples
            .iter()
            .zip(bits(&case["silhouette_samples_bits"]))
            .enumerate()
        {
            close(*g, w, &format!("{name} silhouette of sample {i}"));
        }
        // The comparison over k scores many labellings in one pass: same value, twice over.
        let twice = silhouette_scores(&x, &[labels.clone(), labels.clone()]).unwrap();
        for score in twice {
            close(
                score,
                bits(&case["silhouette_score_bits"])[0],
                &format!("{name} silhouette in one pass"),
            );
        }
        close(
            calinski_harabasz_score(&x, &labels).unwrap(),
            bits(&case["calinski_harabasz_bits"])[0],
            &format!("{name} CH"),
        );
        close(
            davies_bouldin_score(&x, &labels).unwrap(),
            bits(&case["davies_bouldin_bits"])[0],
            &format!("{name} DB"),
        );
    }
}

fn label_list(value: &serde_json::Value) -> Vec<i64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_i64().unwrap())
        .collect()
}

#[test]
fn adjusted_rand_equals_scikit_learn() {
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("cluster/ari_cases.json")).unwrap())
            .unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let labels_true = label_list(&case["labels_true"]);
        let labels_pred = label_list(&case["labels_pred"]);
        let want = bits(&case["ari_bits"])[0];
        let got = adjusted_rand_score(&labels_true, &labels_pred).unwrap();
        assert!(
            (got - want).abs() <= 1e-12,
            "{name}: {got} vs scikit-learn {want}"
        );
        // The index is symmetric in its two labellings.
        let swapped = adjusted_rand_score(&labels_pred, &labels_true).unwrap();
        assert!(
            (swapped - want).abs() <= 1e-12,
            "{name} with the labellings swapped: {swapped} vs scikit-learn {want}"
        );
    }
}

#[test]
fn adjusted_rand_by_hand() {
    // labels_true [0, 0, 1, 1], labels_pred [0, 0, 1, 2]: contingency cells (0, 0) = 2,
    // (1, 1) = 1, (1, 2) = 1; true cluster sizes 2, 2; predicted sizes 2, 1, 1; n = 4.
    // Unordered pairs (Hubert & Arabie): sum C(n_ij, 2) = 1, sum C(a_i, 2) = 1 + 1 = 2,
    // sum C(b_j, 2) = 1, C(4, 2) = 6; expected index 2 * 1 / 6 = 1/3, maximum (2 + 1) / 2 = 3/2;
    // ARI = (1 - 1/3) / (3/2 - 1/3) = (2/3) / (7/6) = 4/7.
    // Ordered pairs (scikit-learn): sum n_ij^2 = 6, tp = 6 - 4 = 2, fp = 6 - 6 = 0,
    // fn = 8 - 6 = 2, tn = 16 - 0 - 2 - 6 = 8; 2 (2 * 8 - 2 * 0) / (4 * 10 + 2 * 8) = 32 / 56.
    // 32 / 56 and 4 / 7 are the same rational, each rounded once: the same f64.
    let ari = adjusted_rand_score(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap();
    assert_eq!(ari, 4.0 / 7.0);
    // Every pair split the other way: cells all 1, tp = 0, fp = fn = 8 - 4 = 4, tn = 4;
    // 2 (0 - 16) / (4 * 8 + 4 * 8) = -0.5.
    assert_eq!(
        adjusted_rand_score(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(),
        -0.5
    );
    // No pair together on either side, or no samples at all: 1 (scikit-learn's convention).
    assert_eq!(adjusted_rand_score(&[1, 2, 3], &[9, 8, 7]).unwrap(), 1.0);
    assert_eq!(adjusted_rand_score(&[], &[]).unwrap(), 1.0);
    let err = adjusted_rand_score(&[0, 1], &[0]).unwrap_err().to_string();
    assert!(err.contains("labels_pred"), "{err}");
}

#[test]
fn log1p_standard_scaling_equals_scikit_learn_on_online_retail() {
    let features = read_expected("cluster/online_retail_rfm_features.csv");
    let scaled = read_expected("cluster/online_retail_scaled.csv");
    assert_eq!(features.len(), 4_338);
    let columns: Vec<Vec<f64>> = ["recency", "frequency", "monetary"]
        .iter()
        .map(|c| features.iter().map(|r| r[*c].parse().unwrap()).collect())
        .collect();
    let (pipeline, out) = Pipeline::fit(&[Step::Log1p, Step::Standard], &columns).unwrap();
    for (index, name) in ["recency", "frequency", "monetary"].iter().enumerate() {
        for (row, want) in scaled.iter().enumerate() {
            let want: f64 = want[*name].parse().unwrap();
            assert!(
                (out[index][row] - want).abs() <= 1e-12,
                "{name} of row {row}: {} vs {want}",
                out[index][row]
            );
        }
        // Back to original units.
        assert!(
            (pipeline.inverse(index, out[index][0]) - columns[index][0]).abs()
                <= 1e-9 * columns[index][0].abs().max(1.0)
        );
    }
}

#[test]
fn kmeans_inertia_within_half_a_percent_of_scikit_learn_for_k_2_to_10() {
    use custseg::cluster::ClusterModel;
    use custseg::cluster::selection::{SelectionParams, select};
    let scaled = read_expected("cluster/online_retail_scaled.csv");
    let values: Vec<f64> = scaled
        .iter()
        .flat_map(|r| ["recency", "frequency", "monetary"].map(|c| r[c].parse::<f64>().unwrap()))
        .collect();
    let x = Matrix::new(&values, 3).unwrap();
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("cluster/online_retail_kmeans.json")).unwrap(),
    )
    .unwrap();
    let params = SelectionParams::new(vec![ClusterModel::named("kmeans", 2, 0).unwrap()], 2..=10);
    let selection = select(&x, &params).unwrap();
    for (row, want) in selection
        .rows
        .iter()
        .zip(expected["results"].as_array().unwrap())
    {
        assert_eq!(row.k as u64, want["k"].as_u64().unwrap());
        let sklearn = want["inertia"].as_f64().unwrap();
        let gap = (row.inertia - sklearn) / sklearn;
        assert!(
            gap.abs() <= 0.005,
            "k={}: inertia {} vs scikit-learn {sklearn} ({:+.3}%)",
            row.k,
            row.inertia,
            100.0 * gap
        );
    }
    let again = select(&x, &params).unwrap();
    assert_eq!(selection, again, "same data and seed, same table");
    assert!(selection.knee.is_some());
}
