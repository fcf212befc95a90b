//! Clustering models against scikit-learn on the fixtures of tests/reference/cluster_models.py:
//! the same partitions (cluster numbers may differ, except DBSCAN's, which follow scikit-learn's
//! order), and PCA's variance ratios, components and projection.

mod common;

use common::*;
use custseg::cluster::NOISE;
use custseg::cluster::dbscan::DbscanParams;
use custseg::cluster::gmm::GmmParams;
use custseg::cluster::hierarchical::{HierarchicalParams, Linkage};
use custseg::cluster::spectral::SpectralParams;
use custseg::features::pca::project_2d;
use custseg::matrix::Matrix;
use serde_json::Value;

fn cases() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("cluster/models_cases.json")).unwrap())
        .unwrap()
}

/// The dataset's values (from their exact bits) and its width.
fn dataset(all: &Value, name: &str) -> (Vec<f64>, usize) {
    let set = all["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap();
    let values = set["X_bits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().clone())
        .map(|b| f64::from_bits(u64::from_str_radix(b.as_str().unwrap(), 16).unwrap()))
        .collect();
    (values, set["d"].as_u64().unwrap() as usize)
}

fn labels(case: &Value) -> Vec<i64> {
    case["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_i64().unwrap())
        .collect()
}

/// Same groups, whatever the cluster numbers; noise must be noise in both.
fn assert_same_partition(got: &[i64], want: &[i64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for i in 0..got.len() {
        assert_eq!(got[i] == NOISE, want[i] == NOISE, "{what}: noise at {i}");
        for j in 0..got.len() {
            assert_eq!(
                got[i] == got[j],
                want[i] == want[j],
                "{what}: samples {i} and {j}"
            );
        }
    }
}

#[test]
fn hierarchical_equals_scikit_learn_for_every_linkage() {
    let all = cases();
    let cases = all["agglomerative"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let (values, d) = dataset(&all, case["dataset"].as_str().unwrap());
        let x = Matrix::new(&values, d).unwrap();
        let linkage: Linkage = case["linkage"].as_str().unwrap().parse().unwrap();
        let k = case["n_clusters"].as_u64().unwrap() as usize;
        let got = HierarchicalParams::new(k).linkage(linkage).fit(&x).unwrap();
        assert_same_partition(&got, &labels(case), &format!("{case:.60}"));
    }
}

#[test]
fn dbscan_equals_scikit_learn_label_for_label() {
    let all = cases();
    let cases = all["dbscan"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut noise_seen = 0;
    for case in cases {
        let (values, d) = dataset(&all, case["dataset"].as_str().unwrap());
        let x = Matrix::new(&values, d).unwrap();
        let got = DbscanParams::new()
            .eps(case["eps"].as_f64().unwrap())
            .min_samples(case["min_samples"].as_u64().unwrap() as usize)
            .fit(&x)
            .unwrap();
        assert_eq!(got, labels(case), "{}", case["dataset"]);
        noise_seen += got.iter().filter(|&&l| l == NOISE).count();
    }
    assert!(noise_seen > 0, "the fixtures include noise");
}

#[test]
fn gaussian_mixture_and_spectral_find_scikit_learns_partitions() {
    let all = cases();
    for case in all["gaussian_mixture"].as_array().unwrap() {
        let (values, d) = dataset(&all, case["dataset"].as_str().unwrap());
        let x = Matrix::new(&values, d).unwrap();
        let k = case["n_components"].as_u64().unwrap() as usize;
        let got = GmmParams::new(k).fit(&x).unwrap();
        assert_same_partition(&got, &labels(case), "gmm");
    }
    for case in all["spectral"].as_array().unwrap() {
        let (values, d) = dataset(&all, case["dataset"].as_str().unwrap());
        let x = Matrix::new(&values, d).unwrap();
        let k = case["n_clusters"].as_u64().unwrap() as usize;
        let got = SpectralParams::new(k)
            .gamma(case["gamma"].as_f64().unwrap())
            .fit(&x)
            .unwrap();
        assert_same_partition(&got, &labels(case), "spectral");
    }
}

#[test]
fn pca_equals_scikit_learn_on_online_retail() {
    let all = cases();
    let pca = &all["pca"];
    let scaled = read_expected("cluster/online_retail_scaled.csv");
    let values: Vec<f64> = scaled
        .iter()
        .flat_map(|r| ["recency", "frequency", "monetary"].map(|c| r[c].parse::<f64>().unwrap()))
        .collect();
    let x = Matrix::new(&values, 3).unwrap();
    let p = project_2d(&x).unwrap();
    let close = |got: f64, want: f64, what: &str| {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{what}: {got} vs scikit-learn {want}"
        );
    };
    for c in 0..2 {
        close(
            p.explained_variance_ratio[c],
            pca["explained_variance_ratio"][c].as_f64().unwrap(),
            "explained variance ratio",
        );
        for f in 0..3 {
            close(
                p.components[c][f],
                pca["components"][c][f].as_f64().unwrap(),
                "component",
            );
        }
    }
    for (i, point) in pca["projection"].as_array().unwrap().iter().enumerate() {
        for c in 0..2 {
            close(p.points[i][c], point[c].as_f64().unwrap(), "projection");
        }
    }
}

#[test]
fn elbow_equals_yellowbrick() {
    use custseg::cluster::selection::kneedle_convex_decreasing;
    let all = cases();
    let cases = all["kneedle"].as_array().unwrap();
    assert!(cases.len() >= 5);
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_f64().unwrap())
            .collect()
    };
    for case in cases {
        assert_eq!(
            kneedle_convex_decreasing(&floats(&case["x"]), &floats(&case["y"])),
            case["knee"].as_f64(),
            "{}",
            case["name"]
        );
    }
}
