//! Clustering metrics and feature transforms against scikit-learn
//! (fixtures made by tests/reference/cluster_metrics.py).

mod common;

use common::*;
use custseg::cluster::metrics::{
    calinski_harabasz_score, davies_bouldin_score, silhouette_samples, silhouette_score,
    silhouette_scores,
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
