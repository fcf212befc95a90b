//! The clustering charts draw the marks their data calls for: points, lines, bands, cells, labels.

mod common;

use common::*;

use custseg::chart::Chart;
use custseg::chart::cluster::{
    elbow, metric_comparison, pca_scatter, profile_heatmap, silhouette_plot, snake_plot,
};
use custseg::chart::theme;
use custseg::cluster::profile::{ClusterProfile, ClusterProfiles};
use custseg::cluster::selection::{Selection, SelectionRow};
use custseg::features::matrix::FeatureMatrix;
use custseg::features::pca::Projection;
use custseg::prelude::*;

fn has_label(svg: &str, text: &str) -> bool {
    labels(svg).iter().any(|t| t == text)
}

/// Renders twice and checks the SVG is the same both times.
fn deterministic(render: impl Fn() -> Result<Chart>) -> String {
    let first = render().unwrap().svg().to_string();
    let second = render().unwrap().svg().to_string();
    assert_eq!(first, second, "same input, same SVG");
    assert!(first.contains("width=\"100%\"") && first.matches("viewBox").count() == 1);
    first
}

fn row(model: &str, k: usize, inertia: f64, s: f64, ch: f64, db: f64) -> SelectionRow {
    SelectionRow {
        model: model.to_string(),
        k,
        inertia,
        silhouette: s,
        calinski_harabasz: ch,
        davies_bouldin: db,
    }
}

/// k-means for k = 2..6 (listed out of order), then DBSCAN rows with a repeated k and a missing
/// silhouette.
fn selection() -> Selection {
    Selection {
        rows: vec![
            row("kmeans", 3, 40.0, 0.61, 310.0, 0.52),
            row("kmeans", 2, 100.0, 0.55, 250.0, 0.70),
            row("kmeans", 4, 20.0, 0.48, 290.0, 0.66),
            row("kmeans", 5, 15.0, 0.41, 270.0, 0.74),
            row("kmeans", 6, 12.0, 0.38, 260.0, 0.81),
            row("dbscan", 3, 55.0, 0.44, 120.0, 0.95),
            row("dbscan", 3, 57.0, f64::NAN, 118.0, 0.97),
            row("dbscan", 5, 33.0, 0.21, 90.0, 1.20),
        ],
        knee: Some(3),
        silhouette_samples: 100,
    }
}

#[test]
fn elbow_draws_one_model_and_marks_the_knee() {
    let svg = deterministic(|| elbow(&selection()));
    assert_eq!(svg.matches("<circle").count(), 5, "k-means rows only");
    assert!(has_label(&svg, "elbow at k = 3"));
    assert!(has_label(&svg, "number of clusters k (kmeans)"));
    for k in 2..=6 {
        assert!(has_label(&svg, &k.to_string()), "tick {k}");
    }
    // The dashed knee line is drawn as several short segments in the secondary colour.
    let dashes = svg
        .split("<polyline")
        .skip(1)
        .filter(|p| p.contains(&format!("stroke=\"{}\"", hex(theme::SECONDARY))))
        .count();
    assert!(dashes > 3, "{dashes} dashes");

    let mut no_knee = selection();
    no_knee.knee = None;
    let svg = elbow(&no_knee).unwrap().svg().to_string();
    assert!(!labels(&svg).iter().any(|t| t.starts_with("elbow at")));
    assert!(
        elbow(&Selection {
            rows: vec![],
            knee: None,
            silhouette_samples: 0,
        })
        .is_err()
    );
}

#[test]
fn metric_comparison_has_three_panels_and_a_line_per_model() {
    let svg = deterministic(|| metric_comparison(&selection()));
    // 5 k-means points per panel, 3 DBSCAN points per panel but one missing silhouette.
    assert_eq!(svg.matches("<circle").count(), 3 * (5 + 3) - 1);
    let kmeans = hex(theme::category(0));
    let dbscan = hex(theme::category(1));
    assert_eq!(filled(&svg, "circle", &kmeans), 15);
    assert_eq!(filled(&svg, "circle", &dbscan), 8);
    let text = labels(&svg);
    for panel in ["silhouette", "Calinski-Harabasz", "Davies-Bouldin"] {
        assert!(text.iter().any(|t| t == panel), "{panel}");
    }
    assert_eq!(text.iter().filter(|t| *t == "higher is better").count(), 2);
    assert_eq!(text.iter().filter(|t| *t == "lower is better").count(), 1);
    assert!(text.iter().any(|t| t == "kmeans") && text.iter().any(|t| t == "dbscan"));
    assert_eq!(filled(&svg, "rect", &kmeans), 1, "legend square");
    assert_eq!(filled(&svg, "rect", &dbscan), 1, "legend square");
}

#[test]
fn silhouette_plot_has_a_bar_per_sample_and_a_mean_line() {
    let samples = [0.8, 0.7, 0.2, 0.5, 0.1, -0.3, 0.6, 0.4];
    let labels_ = [0, 0, 0, 1, 1, -1, 1, 0];
    let svg = deterministic(|| silhouette_plot(&samples, &labels_));
    assert_eq!(filled(&svg, "rect", &hex(theme::category(0))), 4);
    assert_eq!(filled(&svg, "rect", &hex(theme::category(1))), 3);
    assert_eq!(filled(&svg, "rect", &hex(theme::MUTED)), 1, "noise");
    assert_eq!(svg.matches("<polygon").count(), 0);
    for name in ["0", "1", "noise"] {
        assert!(has_label(&svg, name), "{name}");
    }
    // Mean of the samples: 3.0 / 8 = 0.375.
    assert!(
        has_label(&svg, "mean silhouette 0.38"),
        "{:?}",
        labels(&svg)
    );
    // Cluster 0 sits above cluster 1, noise at the bottom (SVG y grows downwards).
    let y_of = |name: &str| -> f64 {
        let t = svg
            .split("<text")
            .skip(1)
            .find(|t| {
                t.split_once('>')
                    .unwrap()
                    .1
                    .split("</text>")
                    .next()
                    .unwrap()
                    .trim()
                    == name
            })
            .unwrap();
        let y = t.split("y=\"").nth(1).unwrap().split('"').next().unwrap();
        y.parse().unwrap()
    };
    assert!(y_of("0") < y_of("1") && y_of("1") < y_of("noise"));

    assert!(silhouette_plot(&samples, &labels_[1..]).is_err());
    assert!(silhouette_plot(&[], &[]).is_err());
    assert!(silhouette_plot(&[0.1, f64::NAN], &[0, 1]).is_err());
}

#[test]
fn silhouette_plot_of_many_samples_draws_one_polygon_per_cluster() {
    let n = 1_000;
    let samples: Vec<f64> = (0..n).map(|i| (i % 97) as f64 / 100.0 - 0.1).collect();
    let labels_: Vec<i64> = (0..n).map(|i| (i % 3) as i64).collect();
    let svg = deterministic(|| silhouette_plot(&samples, &labels_));
    assert_eq!(svg.matches("<polygon").count(), 3);
    for k in 0..3 {
        assert_eq!(filled(&svg, "polygon", &hex(theme::category(k))), 1);
        assert_eq!(filled(&svg, "rect", &hex(theme::category(k))), 0);
    }
}

fn projection(points: Vec<[f64; 2]>) -> Projection {
    Projection {
        points,
        explained_variance_ratio: [0.623, 0.251],
        components: [vec![0.8, 0.6], vec![-0.6, 0.8]],
    }
}

#[test]
fn pca_scatter_colours_points_by_cluster() {
    let p = projection(vec![
        [0.0, 0.0],
        [5.0, 5.0],
        [0.5, -0.2],
        [5.5, 4.0],
        [9.0, -3.0],
        [4.0, 6.0],
    ]);
    let labels_ = [0, 1, 0, 1, -1, 1];
    let svg = deterministic(|| pca_scatter(&p, &labels_, &[]));
    assert_eq!(svg.matches("<circle").count(), 6);
    assert_eq!(filled(&svg, "circle", &hex(theme::category(0))), 2);
    assert_eq!(filled(&svg, "circle", &hex(theme::category(1))), 3);
    assert_eq!(filled(&svg, "circle", &hex(theme::MUTED)), 1);
    for text in [
        "cluster 0",
        "cluster 1",
        "noise",
        "PC1 (62% of variance)",
        "PC2 (25% of variance)",
        "6 customers",
    ] {
        assert!(has_label(&svg, text), "{text}: {:?}", labels(&svg));
    }
    // Noise is drawn first, underneath.
    let first = svg.split("<circle").nth(1).unwrap();
    assert!(first.contains(&format!("fill=\"{}\"", hex(theme::MUTED))));

    let names = [
        "loyal".to_string(),
        "<script>x</script>".to_string(),
        "noise".to_string(),
    ];
    let svg = pca_scatter(&p, &labels_, &names).unwrap().svg().to_string();
    assert!(has_label(&svg, "loyal"));
    assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;") && !svg.contains("<script"));
    assert!(pca_scatter(&p, &labels_, &names[..2]).is_err());
    assert!(pca_scatter(&p, &labels_[..5], &[]).is_err());
}

#[test]
fn pca_scatter_subsamples_evenly() {
    let n = 12_345;
    let points: Vec<[f64; 2]> = (0..n)
        .map(|i| [(i % 101) as f64, (i % 37) as f64])
        .collect();
    let labels_: Vec<i64> = (0..n).map(|i| (i % 4) as i64).collect();
    let p = projection(points);
    let svg = deterministic(|| pca_scatter(&p, &labels_, &[]));
    assert_eq!(svg.matches("<circle").count(), 5_000);
    assert!(has_label(&svg, "5,000 of 12,345 customers shown"));
}

fn profile(cluster: i64, name: &str, relative: Vec<f64>, transformed: Vec<f64>) -> ClusterProfile {
    let d = relative.len();
    ClusterProfile {
        cluster,
        name: name.to_string(),
        customers: 10,
        customer_share: 0.25,
        revenue: None,
        revenue_share: None,
        mean: vec![1.0; d],
        median: vec![1.0; d],
        relative,
        transformed_mean: transformed,
    }
}

fn profiles() -> ClusterProfiles {
    ClusterProfiles {
        features: vec!["recency".into(), "frequency".into(), "monetary".into()],
        population_mean: vec![100.0, 5.0, 500.0],
        population_median: vec![80.0, 3.0, 300.0],
        clusters: vec![
            profile(
                0,
                "recent, frequent",
                vec![-0.8, 0.354, 1.9],
                vec![-1.1, 0.9, 1.4],
            ),
            profile(
                1,
                "<script>alert(1)</script>",
                vec![0.2, -0.5, -0.001],
                vec![0.3, -0.6, -0.2],
            ),
            profile(
                -1,
                "noise (no dense group)",
                vec![0.05, 0.1, -0.3],
                vec![0.1, 0.2, -0.4],
            ),
        ],
    }
}

#[test]
fn snake_plot_has_a_line_per_cluster_and_a_zero_line() {
    let svg = deterministic(|| snake_plot(&profiles()));
    assert_eq!(svg.matches("<circle").count(), 9);
    assert_eq!(filled(&svg, "circle", &hex(theme::category(0))), 3);
    assert_eq!(filled(&svg, "circle", &hex(theme::category(1))), 3);
    assert_eq!(
        filled(&svg, "circle", &hex(theme::MUTED)),
        3,
        "noise in grey"
    );
    // Three cluster lines and the zero line.
    let lines = |color: &str| {
        svg.split("<polyline")
            .skip(1)
            .filter(|p| {
                p.split("/>")
                    .next()
                    .unwrap_or("")
                    .contains(&format!("stroke=\"{color}\""))
            })
            .count()
    };
    assert_eq!(lines(&hex(theme::category(0))), 1);
    assert_eq!(lines(&hex(theme::category(1))), 1);
    assert_eq!(lines(&hex(theme::MUTED)), 1);
    assert!(svg.contains(&format!(
        "stroke=\"{}\" stroke-width=\"1\" points=",
        hex(theme::INK)
    )));
    for text in [
        "recency",
        "frequency",
        "monetary",
        "recent, frequent",
        "noise (no dense group)",
    ] {
        assert!(has_label(&svg, text), "{text}");
    }
    assert!(has_label(&svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!svg.contains("<script"));

    let mut bad = profiles();
    bad.clusters[1].transformed_mean.pop();
    assert!(snake_plot(&bad).is_err());
    assert!(
        profile_heatmap(&ClusterProfiles {
            clusters: vec![],
            ..profiles()
        })
        .is_err()
    );
}

#[test]
fn profile_heatmap_labels_every_cell_with_a_signed_percentage() {
    let svg = deterministic(|| profile_heatmap(&profiles()));
    let cells = svg
        .split("<rect")
        .skip(1)
        .map(|r| r.split("/>").next().unwrap_or(""))
        .filter(|r| !r.contains("fill=\"#FFFFFF\""))
        .count();
    assert_eq!(cells, 9);
    let text = labels(&svg);
    for value in [
        "-80%", "+35%", "+190%", "+20%", "-50%", "0%", "+5%", "+10%", "-30%",
    ] {
        assert_eq!(text.iter().filter(|t| *t == value).count(), 1, "{value}");
    }
    for name in [
        "recent, frequent",
        "noise (no dense group)",
        "recency",
        "monetary",
    ] {
        assert!(text.iter().any(|t| t == name), "{name}");
    }
    assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script"));
    // Saturated ends of the diverging scale: +190% full blue, -80% strong red.
    assert_eq!(filled(&svg, "rect", &hex(theme::diverging(1.0))), 1);
    assert_eq!(filled(&svg, "rect", &hex(theme::diverging(-0.8))), 1);
}

#[test]
fn one_feature_one_cluster_and_one_k_still_draw() {
    let one = ClusterProfiles {
        features: vec!["monetary".into()],
        population_mean: vec![10.0],
        population_median: vec![10.0],
        clusters: vec![profile(0, "everyone", vec![0.0], vec![0.0])],
    };
    let svg = snake_plot(&one).unwrap().svg().to_string();
    assert_eq!(svg.matches("<circle").count(), 1);
    assert!(has_label(&svg, "monetary") && has_label(&svg, "everyone"));
    let svg = profile_heatmap(&one).unwrap().svg().to_string();
    assert!(has_label(&svg, "0%") && has_label(&svg, "monetary"));
    let single = Selection {
        rows: vec![row("kmeans", 4, 10.0, 0.5, 100.0, 0.5)],
        knee: Some(4),
        silhouette_samples: 1,
    };
    let svg = elbow(&single).unwrap().svg().to_string();
    assert_eq!(svg.matches("<circle").count(), 1);
    assert!(has_label(&svg, "elbow at k = 4"));
    assert_eq!(
        metric_comparison(&single)
            .unwrap()
            .svg()
            .matches("<circle")
            .count(),
        3
    );
    let svg = silhouette_plot(&[0.3], &[0]).unwrap().svg().to_string();
    assert_eq!(filled(&svg, "rect", &hex(theme::category(0))), 1);
}

#[test]
fn charts_of_profiles_made_by_the_library() {
    let t = df!(
        "id" => ["a", "b", "c", "d", "e", "f"],
        "recency" => [2.0, 4.0, 3.0, 200.0, 300.0, 250.0],
        "frequency" => [10.0, 12.0, 8.0, 1.0, 1.0, 2.0]
    )
    .unwrap();
    let m = FeatureMatrix::from_frame(&t, "id", &["recency", "frequency"], &[]).unwrap();
    let p = ClusterProfiles::new(&m, &[0, 0, 0, 1, 1, 1]).unwrap();
    let svg = profile_heatmap(&p).unwrap().svg().to_string();
    // Population mean recency 126.5: cluster 0's mean 3 is -98%.
    assert!(has_label(&svg, "-98%"));
    assert!(has_label(&svg, &p.clusters[1].name));
    let svg = snake_plot(&p).unwrap().svg().to_string();
    assert_eq!(svg.matches("<circle").count(), 4);
}

#[test]
fn a_million_samples_make_small_charts() {
    let n = 1_000_000usize;
    // Labels in runs of 7 with every 51st sample noise.
    let labels_: Vec<i64> = (0..n)
        .map(|i| {
            if i % 51 == 0 {
                -1
            } else {
                ((i / 7) % 5) as i64
            }
        })
        .collect();
    let samples: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 1000.0 - 0.2)
        .collect();
    let svg = silhouette_plot(&samples, &labels_)
        .unwrap()
        .svg()
        .to_string();
    assert!(svg.len() < 200_000, "silhouette plot: {} bytes", svg.len());
    assert_eq!(svg.matches("<polygon").count(), 6);
    assert!(has_label(&svg, "noise"));

    let points: Vec<[f64; 2]> = (0..n)
        .map(|i| [((i * 31) % 1009) as f64, ((i * 17) % 997) as f64])
        .collect();
    let p = projection(points);
    let svg = pca_scatter(&p, &labels_, &[]).unwrap().svg().to_string();
    assert_eq!(svg.matches("<circle").count(), 5_000);
    assert!(has_label(&svg, "5,000 of 1,000,000 customers shown"));
    for k in 0..5 {
        assert!(
            filled(&svg, "circle", &hex(theme::category(k))) > 500,
            "cluster {k}"
        );
    }
    assert!(svg.len() < 600_000, "scatter: {} bytes", svg.len());
}

#[test]
fn distribution_chart_draws_each_clusters_bins_and_median() {
    use custseg::chart::distribution::feature_distribution;
    // Shared axis 1..9 in 30 bins of 8/30: cluster 0's values fall in bins 0, 1 and 3; cluster
    // 1's in bins 26 and 29 (the last); the noise sample in bin 15.
    let values = [1.0, 1.5, 2.0, 8.0, 9.0, 5.0];
    let labels_ = [0, 0, 0, 1, 1, -1];
    let svg = deterministic(|| feature_distribution(&values, &labels_, "visits"));
    assert_eq!(filled(&svg, "rect", &hex(theme::category(0))), 3);
    assert_eq!(filled(&svg, "rect", &hex(theme::category(1))), 2);
    assert_eq!(filled(&svg, "rect", &hex(theme::MUTED)), 1, "noise");
    for text in [
        "visits by cluster",
        "cluster 0 (n = 3)",
        "cluster 1 (n = 2)",
        "noise (n = 1)",
        "median 1.5",
        "median 8.5",
        "median 5",
        "visits",
    ] {
        assert!(has_label(&svg, text), "{text}: {:?}", labels(&svg));
    }
    // Cluster 0's row is above cluster 1's (SVG y grows downwards).
    let y_of = |text: &str| -> f64 {
        let t = svg
            .split("<text")
            .skip(1)
            .find(|t| t.split_once('>').unwrap().1.trim_start().starts_with(text))
            .unwrap();
        let y = t.split("y=\"").nth(1).unwrap().split('"').next().unwrap();
        y.parse().unwrap()
    };
    assert!(y_of("cluster 0") < y_of("cluster 1"));
    assert!(y_of("cluster 1") < y_of("noise"));
    // Errors name the problem.
    let err = feature_distribution(&[1.0, f64::NAN], &[0, 0], "spend").unwrap_err();
    assert!(err.to_string().contains("value 1 of spend is NaN"), "{err}");
    assert!(feature_distribution(&[1.0], &[0, 1], "spend").is_err());
}

#[test]
fn distribution_chart_clips_the_far_tail_and_says_so() {
    use custseg::chart::distribution::feature_distribution;
    let mut values: Vec<f64> = (1..=198).map(f64::from).collect();
    values.extend([50_000.0, 90_000.0]);
    let labels_: Vec<i64> = (0..200).map(|i| i64::from(i % 4 == 0)).collect();
    let svg = deterministic(|| feature_distribution(&values, &labels_, "spend"));
    assert!(
        labels(&svg)
            .iter()
            .any(|t| t.starts_with("spend (2 values above ")
                && t.ends_with("counted in the last bin)")),
        "{:?}",
        labels(&svg)
    );
}
