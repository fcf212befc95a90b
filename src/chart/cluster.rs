//! Charts for clustering (issue 4): the elbow of inertia over k, the quality metrics of several
//! models over k, the silhouette plot, the clusters in the plane of the first two principal
//! components, the snake plot and the relative-importance heatmap of cluster profiles.
//!
//! All text that comes from data (model, cluster and feature names) is escaped by plotters' SVG
//! backend. Big inputs stay small: the silhouette plot draws each cluster as one polygon of at most
//! about 200 quantiles once there are more than a few hundred samples, and the scatter draws at
//! most 5,000 points (a seeded random subsample).

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, WIDTH};
use crate::chart::{Chart, drawing_error, svg_chart, titled};
use crate::cluster::NOISE;
use crate::cluster::profile::{ClusterProfile, ClusterProfiles};
use crate::cluster::selection::{Selection, SelectionRow};
use crate::error::{Error, Result};
use crate::features::pca::Projection;
use crate::format::NumberFormat;
use crate::format::compact;

/// Most points the PCA scatter draws.
pub const MAX_SCATTER_POINTS: usize = 5_000;
/// Up to this many samples the silhouette plot draws one bar per sample; above, one polygon per
/// cluster.
pub const MAX_SILHOUETTE_BARS: usize = 300;
/// Most vertices of a cluster's silhouette curve when drawn as a polygon.
const SILHOUETTE_CURVE_POINTS: usize = 200;

/// Inertia over k as a line with points, for the rows of one model (the first row's, when the
/// selection holds several), with the knee ([`Selection::knee`]) marked by a dashed vertical line
/// labelled "elbow at k = N".
pub fn elbow(selection: &Selection) -> Result<Chart> {
    let rows = first_model_rows(selection)?;
    let model = rows.first().map(|r| r.model.clone()).unwrap_or_default();
    let points: Vec<(f64, f64)> = rows
        .iter()
        .filter(|r| r.inertia.is_finite())
        .map(|r| (r.k as f64, r.inertia))
        .collect();
    let (k_lo, k_hi) = k_range(&rows);
    let (y_lo, y_hi) = padded(points.iter().map(|p| p.1), None);
    let title = "Elbow: inertia by number of clusters";
    let height = 460u32;
    svg_chart(title, (WIDTH, height), |root| {
        let root = titled(&root, title)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(k_lo..k_hi, y_lo..y_hi)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc(format!("number of clusters k ({model})"))
            .y_desc("inertia (within-cluster sum of squares)")
            .x_labels(rows.len() + 2)
            .x_label_formatter(&integer_tick)
            .y_label_formatter(&|y| compact(*y))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        if let Some(knee) = selection.knee {
            let x = knee as f64;
            if x > k_lo && x < k_hi {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(x, y_lo), (x, y_hi)],
                        6,
                        4,
                        theme::SECONDARY.stroke_width(2),
                    ))
                    .map_err(drawing_error)?;
                draw_note(
                    &mut chart,
                    (x, y_hi),
                    format!("elbow at k = {knee}"),
                    x > (k_lo + k_hi) / 2.0,
                    theme::SECONDARY,
                )?;
            }
        }
        chart
            .draw_series(LineSeries::new(
                points.clone(),
                theme::PRIMARY.stroke_width(2),
            ))
            .map_err(drawing_error)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new(*p, 4, theme::PRIMARY.filled())),
            )
            .map_err(drawing_error)?;
        Ok(())
    })
}

/// Three panels side by side, silhouette, Calinski-Harabasz and Davies-Bouldin over k, with one
/// line per model (in order of first appearance) and a legend of model names. Rows are joined in
/// order of k; non-finite values are left out.
pub fn metric_comparison(selection: &Selection) -> Result<Chart> {
    if selection.rows.is_empty() {
        return Err(Error::param("selection", "no rows to plot"));
    }
    let mut models: Vec<&str> = Vec::new();
    for row in &selection.rows {
        if !models.contains(&row.model.as_str()) {
            models.push(&row.model);
        }
    }
    let all: Vec<&SelectionRow> = selection.rows.iter().collect();
    let (k_lo, k_hi) = k_range(&all);
    type Metric = fn(&SelectionRow) -> f64;
    let metrics: [(&str, &str, Metric); 3] = [
        ("silhouette", "higher is better", |r| r.silhouette),
        ("Calinski-Harabasz", "higher is better", |r| {
            r.calinski_harabasz
        }),
        ("Davies-Bouldin", "lower is better", |r| r.davies_bouldin),
    ];
    let items: Vec<(String, RGBColor)> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (m.to_string(), theme::category(i)))
        .collect();
    let legend_height = legend_height(&items, WIDTH);
    let height = 400 + legend_height;
    let title = "Quality metrics by number of clusters";
    svg_chart(title, (WIDTH, height), |root| {
        let root = titled(&root, title)?;
        let (_, body) = root.dim_in_pixel();
        let (plots, legend_area) = root.split_vertically(body.saturating_sub(legend_height));
        let panels = plots.split_evenly((1, 3));
        for ((name, better, value), area) in metrics.iter().zip(panels.iter()) {
            let area = area
                .titled(name, (FONT, LABEL_SIZE + 2).into_font().color(&INK))
                .map_err(drawing_error)?;
            let area = area
                .titled(better, (FONT, 12).into_font().color(&INK.mix(0.7)))
                .map_err(drawing_error)?;
            let (y_lo, y_hi) = padded(selection.rows.iter().map(value), None);
            let mut chart = ChartBuilder::on(&area)
                .margin(8)
                .x_label_area_size(36)
                .y_label_area_size(48)
                .build_cartesian_2d(k_lo..k_hi, y_lo..y_hi)
                .map_err(drawing_error)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(theme::GRID)
                .x_desc("k")
                .x_labels(8)
                .y_labels(6)
                .x_label_formatter(&integer_tick)
                .y_label_formatter(&|y| metric_tick(*y))
                .label_style((FONT, 11).into_font().color(&INK))
                .axis_desc_style((FONT, 12).into_font().color(&INK))
                .draw()
                .map_err(drawing_error)?;
            for (m, model) in models.iter().enumerate() {
                let mut rows: Vec<&SelectionRow> = selection
                    .rows
                    .iter()
                    .filter(|r| r.model == *model)
                    .collect();
                rows.sort_by_key(|r| r.k);
                let points: Vec<(f64, f64)> = rows
                    .iter()
                    .map(|r| (r.k as f64, value(r)))
                    .filter(|p| p.1.is_finite())
                    .collect();
                let color = theme::category(m);
                chart
                    .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                    .map_err(drawing_error)?;
                chart
                    .draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))
                    .map_err(drawing_error)?;
            }
        }
        legend(&legend_area, &items)?;
        Ok(())
    })
}

/// The silhouette plot: per cluster (ascending label, noise last and named "noise"), its samples'
/// silhouette values sorted descending as thin horizontal bars stacked from the top, the cluster
/// label at the left, and a dashed line at the mean silhouette with its value. Above
/// [`MAX_SILHOUETTE_BARS`] samples each cluster is one filled polygon through at most 200 evenly
/// spaced quantiles of its sorted values, so a million samples still make a small SVG.
///
/// `samples` are [`crate::cluster::silhouette_samples`]' values, `labels` the clustering's.
pub fn silhouette_plot(samples: &[f64], labels: &[i64]) -> Result<Chart> {
    let (ids, mut groups) =
        grouped_by_label(samples, labels, ("samples", "silhouette values"), |i| {
            format!("silhouette value {i}")
        })?;
    groups
        .iter_mut()
        .for_each(|g| g.sort_by(|a, b| b.total_cmp(a)));
    let n = samples.len();
    let mean = samples.iter().sum::<f64>() / n as f64;
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (x_lo, x_hi) = ((min - 0.05).min(-0.1), (max + 0.05).max(1.0));
    // A gap of 10% of the height shared among the spaces between and around the clusters.
    let gap = (n as f64 * 0.1 / (ids.len() + 1) as f64).max(1.0);
    let total = n as f64 + gap * (ids.len() + 1) as f64;
    // Room above the bands for the mean's label.
    let ceiling = total * 1.07;
    let title = "Silhouette plot";
    let height = 500u32;
    let count = NumberFormat::default().count(n);
    let clusters = ids.iter().filter(|l| **l != NOISE).count();
    svg_chart(title, (WIDTH, height), |root| {
        let root = titled(&root, title)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x_lo..x_hi, 0.0..ceiling)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc(format!(
                "silhouette coefficient ({count} samples, {clusters} cluster{})",
                if clusters == 1 { "" } else { "s" }
            ))
            .y_desc("cluster")
            .y_labels(0)
            .y_label_formatter(&|_| String::new())
            .x_label_formatter(&|x| fixed(*x, 1))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        let mut top = total - gap;
        for (g, (values, label)) in groups.iter().zip(&ids).enumerate() {
            let color = cluster_color(g, *label);
            let c = values.len();
            let bottom = top - c as f64;
            if n <= MAX_SILHOUETTE_BARS {
                chart
                    .draw_series(values.iter().enumerate().map(|(i, v)| {
                        let y = top - i as f64;
                        Rectangle::new([(0.0, y), (*v, y - 1.0)], color.filled())
                    }))
                    .map_err(drawing_error)?;
            } else {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        silhouette_curve(values, top),
                        color.filled(),
                    )))
                    .map_err(drawing_error)?;
            }
            let name = if *label == NOISE {
                "noise".to_string()
            } else {
                label.to_string()
            };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x_lo, (top + bottom) / 2.0))
                        + Text::new(
                            name,
                            (-8, 0),
                            (FONT, LABEL_SIZE)
                                .into_font()
                                .color(&INK)
                                .pos(Pos::new(HPos::Right, VPos::Center)),
                        ),
                ))
                .map_err(drawing_error)?;
            top = bottom - gap;
        }
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 0.0), (0.0, total)],
                INK.stroke_width(1),
            ))
            .map_err(drawing_error)?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(mean, 0.0), (mean, ceiling)],
                6,
                4,
                INK.stroke_width(2),
            ))
            .map_err(drawing_error)?;
        draw_note(
            &mut chart,
            (mean, ceiling),
            format!("mean silhouette {}", fixed(mean, 2)),
            mean > (x_lo + x_hi) / 2.0,
            INK,
        )?;
        Ok(())
    })
}

/// The outline of one cluster's band in the silhouette plot: from the axis at the band's top,
/// along at most [`SILHOUETTE_CURVE_POINTS`] evenly spaced quantiles of the values (sorted
/// descending), back to the axis at the band's bottom.
fn silhouette_curve(values: &[f64], top: f64) -> Vec<(f64, f64)> {
    let c = values.len();
    let bottom = top - c as f64;
    let mut points = Vec::with_capacity(SILHOUETTE_CURVE_POINTS + 2);
    points.push((0.0, top));
    match values {
        [] => {}
        [v] => {
            points.push((*v, top));
            points.push((*v, bottom));
        }
        _ => {
            let m = c.min(SILHOUETTE_CURVE_POINTS);
            let step = (c - 1) as f64 / (m - 1) as f64;
            let scale = c as f64 / (c - 1) as f64;
            for j in 0..m {
                let i = ((j as f64 * step).round() as usize).min(c - 1);
                points.push((values[i], top - i as f64 * scale));
            }
        }
    }
    points.push((0.0, bottom));
    points
}

/// The samples in the plane of the first two principal components, coloured by cluster, with a
/// legend: `names[i]` names the `i`-th distinct label in ascending order, noise last (empty
/// `names`: "cluster N" and "noise"). Above [`MAX_SCATTER_POINTS`] samples a seeded random
/// subsample is drawn and the subtitle says how many ("5,000 of 1,000,000 customers shown"); the
/// axes still span all samples.
pub fn pca_scatter(projection: &Projection, labels: &[i64], names: &[String]) -> Result<Chart> {
    let points = &projection.points;
    if labels.len() != points.len() {
        return Err(Error::param(
            "labels",
            format!("{} labels for {} points", labels.len(), points.len()),
        ));
    }
    if points.is_empty() {
        return Err(Error::param("projection", "no points to plot"));
    }
    let ids = distinct_labels(labels);
    if !names.is_empty() && names.len() != ids.len() {
        return Err(Error::param(
            "names",
            format!("{} names for {} clusters", names.len(), ids.len()),
        ));
    }
    let items: Vec<(String, RGBColor)> = ids
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let name = match names.get(i) {
                Some(name) => name.clone(),
                None if *l == NOISE => "noise".to_string(),
                None => format!("cluster {l}"),
            };
            (name, cluster_color(i, *l))
        })
        .collect();
    let n = points.len();
    // A seeded random subsample rather than every (n/5000)-th customer: data sorted in step
    // with a stride would show only some clusters.
    let shown = crate::cluster::selection::sample_indices(n, MAX_SCATTER_POINTS, 0);
    let format = NumberFormat::default();
    let subtitle = if shown.len() < n {
        format!(
            "{} of {} customers shown",
            format.count(shown.len()),
            format.count(n)
        )
    } else {
        format!("{} customers", format.count(n))
    };
    let (x_lo, x_hi) = padded(points.iter().map(|p| p[0]), None);
    let (y_lo, y_hi) = padded(points.iter().map(|p| p[1]), None);
    // Noise first, underneath; then the clusters in sample order, so no cluster hides another
    // wholesale.
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(shown.len());
    for &i in &shown {
        let [x, y] = points[i];
        if x.is_finite() && y.is_finite() {
            order.push((i, label_index(&ids, labels[i])?));
        }
    }
    order.sort_by_key(|&(i, g)| (ids[g] != NOISE, i));
    let ratio = projection.explained_variance_ratio;
    let legend_height = legend_height(&items, WIDTH);
    let height = 580 + legend_height;
    let title = "Clusters on the first two principal components";
    svg_chart(title, (WIDTH, height), |root| {
        let root = titled(&root, title)?;
        let root = root
            .titled(
                &subtitle,
                (FONT, LABEL_SIZE).into_font().color(&INK.mix(0.7)),
            )
            .map_err(drawing_error)?;
        let (_, body) = root.dim_in_pixel();
        let (plot, legend_area) = root.split_vertically(body.saturating_sub(legend_height));
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc(format!("PC1 ({:.0}% of variance)", ratio[0] * 100.0))
            .y_desc(format!("PC2 ({:.0}% of variance)", ratio[1] * 100.0))
            .x_label_formatter(&|x| metric_tick(*x))
            .y_label_formatter(&|y| metric_tick(*y))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        chart
            .draw_series(order.iter().map(|&(i, g)| {
                let [x, y] = points[i];
                Circle::new((x, y), 3, items[g].1.mix(0.75).filled())
            }))
            .map_err(drawing_error)?;
        legend(&legend_area, &items)?;
        Ok(())
    })
}

/// The snake plot: one line per cluster (named in the legend) through its mean of each
/// transformed feature ([`ClusterProfile::transformed_mean`]; on standard-scaled features, standard
/// deviations from the population mean), features along x, with a line at zero.
pub fn snake_plot(profiles: &ClusterProfiles) -> Result<Chart> {
    check_profiles(profiles, |c| &c.transformed_mean, "transformed_mean")?;
    let features = &profiles.features;
    let d = features.len() as f64;
    let (y_lo, y_hi) = padded(
        profiles
            .clusters
            .iter()
            .flat_map(|c| c.transformed_mean.iter().copied()),
        Some(0.0),
    );
    let items: Vec<(String, RGBColor)> = profiles
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), cluster_color(i, c.cluster)))
        .collect();
    let legend_height = legend_height(&items, WIDTH);
    let height = 460 + legend_height;
    let title = "Snake plot: cluster means by feature";
    svg_chart(title, (WIDTH, height), |root| {
        let root = titled(&root, title)?;
        let (_, body) = root.dim_in_pixel();
        let (plot, legend_area) = root.split_vertically(body.saturating_sub(legend_height));
        // Features at 0, 1, ... on a plain number axis (plotters' segmented axes add an empty
        // segment at the end and misplace a single one).
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..d - 0.5, y_lo..y_hi)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc("feature")
            .y_desc("cluster mean, transformed units")
            .x_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|y| metric_tick(*y))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        draw_labels(
            &mut chart,
            features
                .iter()
                .enumerate()
                .map(|(i, f)| ((i as f64, y_lo), f.clone())),
            (0, 8),
            Pos::new(HPos::Center, VPos::Top),
        )?;
        chart
            .draw_series(LineSeries::new(
                vec![(-0.5, 0.0), (d - 0.5, 0.0)],
                INK.stroke_width(1),
            ))
            .map_err(drawing_error)?;
        for (c, (_, color)) in profiles.clusters.iter().zip(&items) {
            let points: Vec<(f64, f64)> = c
                .transformed_mean
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, v)| (i as f64, *v))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(drawing_error)?;
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, color.filled())),
                )
                .map_err(drawing_error)?;
        }
        legend(&legend_area, &items)?;
        Ok(())
    })
}

/// Clusters (rows, by name) against features (columns), each cell coloured by
/// [`ClusterProfile::relative`] (cluster mean / population mean - 1) on a diverging scale centred
/// at 0 that saturates at ±100% (or at the largest difference, when smaller), and labelled with it
/// as a signed percentage ("+35%", "-80%").
pub fn profile_heatmap(profiles: &ClusterProfiles) -> Result<Chart> {
    check_profiles(profiles, |c| &c.relative, "relative")?;
    let features = &profiles.features;
    let rows = profiles.clusters.len();
    let largest = profiles
        .clusters
        .iter()
        .flat_map(|c| c.relative.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let scale = if largest > 0.0 { largest.min(1.0) } else { 1.0 };
    let longest = profiles
        .clusters
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0) as u32;
    let label_width = (longest * 7 + 24).clamp(80, 360);
    let height = 140 + 44 * rows as u32;
    let title = "Cluster profiles: difference to the population mean";
    svg_chart(title, (WIDTH, height), |root| {
        let root = titled(&root, title)?;
        // Cells on plain number axes, one unit each, the first cluster at the top.
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..features.len() as f64, 0.0..rows as f64)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("cluster mean / population mean - 1")
            .x_labels(0)
            .y_labels(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        let top = |r: usize| (rows - r) as f64;
        for (r, cluster) in profiles.clusters.iter().enumerate() {
            for (f, value) in cluster.relative.iter().enumerate() {
                let x = f as f64;
                let fill = theme::diverging(value / scale);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, top(r)), (x + 1.0, top(r) - 1.0)],
                        fill.filled(),
                    )))
                    .map_err(drawing_error)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        signed_percent(*value),
                        (x + 0.5, top(r) - 0.5),
                        (FONT, LABEL_SIZE)
                            .into_font()
                            .color(&theme::text_on(fill))
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))
                    .map_err(drawing_error)?;
            }
        }
        draw_labels(
            &mut chart,
            profiles
                .clusters
                .iter()
                .enumerate()
                .map(|(r, c)| ((0.0, top(r) - 0.5), c.name.clone())),
            (-8, 0),
            Pos::new(HPos::Right, VPos::Center),
        )?;
        draw_labels(
            &mut chart,
            features
                .iter()
                .enumerate()
                .map(|(f, name)| ((f as f64 + 0.5, 0.0), name.clone())),
            (0, 8),
            Pos::new(HPos::Center, VPos::Top),
        )?;
        Ok(())
    })
}

/// The rows of the first row's model, in increasing k.
fn first_model_rows(selection: &Selection) -> Result<Vec<&SelectionRow>> {
    let Some(first) = selection.rows.first() else {
        return Err(Error::param("selection", "no rows to plot"));
    };
    let mut rows: Vec<&SelectionRow> = selection
        .rows
        .iter()
        .filter(|r| r.model == first.model)
        .collect();
    rows.sort_by_key(|r| r.k);
    Ok(rows)
}

/// Half a step beyond the smallest and largest k.
fn k_range(rows: &[&SelectionRow]) -> (f64, f64) {
    let lo = rows.iter().map(|r| r.k).min().unwrap_or(0) as f64;
    let hi = rows.iter().map(|r| r.k).max().unwrap_or(0) as f64;
    (lo - 0.5, hi + 0.5)
}

/// The span of the finite `values` (and `include`, when given) widened by 8% on each side; a
/// single value gets ±10% of itself (at least ±0.1), and no value gives 0 to 1.
fn padded(values: impl IntoIterator<Item = f64>, include: Option<f64>) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if let Some(v) = include {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else {
        (lo.abs() * 0.1).max(0.1)
    };
    (lo - pad, hi + pad)
}

/// Distinct labels in ascending order, noise last.
fn distinct_labels(labels: &[i64]) -> Vec<i64> {
    let mut ids = labels.to_vec();
    ids.sort_unstable_by_key(|&l| (l == NOISE, l));
    ids.dedup();
    ids
}

/// Checks `values` against `labels` (as many, some, all finite) and groups them by label:
/// the labels in [`distinct_labels`]' order and each one's values in sample order. Errors name
/// the parameter and the values as the pair (parameter, plural noun) and `one` (the i-th) say.
pub(crate) fn grouped_by_label(
    values: &[f64],
    labels: &[i64],
    (param, plural): (&'static str, &str),
    one: impl Fn(usize) -> String,
) -> Result<(Vec<i64>, Vec<Vec<f64>>)> {
    if values.len() != labels.len() {
        return Err(Error::param(
            "labels",
            format!("{} labels for {} {plural}", labels.len(), values.len()),
        ));
    }
    if values.is_empty() {
        return Err(Error::param(param, format!("no {plural} to plot")));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::param(
            param,
            format!("{} is {}, not a number", one(i), values[i]),
        ));
    }
    let ids = distinct_labels(labels);
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); ids.len()];
    for (v, l) in values.iter().zip(labels) {
        groups[label_index(&ids, *l)?].push(*v);
    }
    Ok((ids, groups))
}

/// The position of `label` in [`distinct_labels`]' order.
fn label_index(ids: &[i64], label: i64) -> Result<usize> {
    ids.binary_search_by_key(&(label == NOISE, label), |&l| (l == NOISE, l))
        .map_err(|_| Error::Chart(format!("label {label} missing from the cluster list")))
}

/// The colour of the `index`-th cluster; noise is grey.
pub(crate) fn cluster_color(index: usize, label: i64) -> RGBColor {
    if label == NOISE {
        theme::MUTED
    } else {
        theme::category(index)
    }
}

/// Checks that every profile has one value per feature in the field `field` reads.
fn check_profiles(
    profiles: &ClusterProfiles,
    field: impl Fn(&ClusterProfile) -> &Vec<f64>,
    name: &str,
) -> Result<()> {
    if profiles.clusters.is_empty() || profiles.features.is_empty() {
        return Err(Error::param(
            "profiles",
            "no clusters or no features to plot",
        ));
    }
    for c in &profiles.clusters {
        if field(c).len() != profiles.features.len() {
            return Err(Error::param(
                "profiles",
                format!(
                    "cluster {} has {} values of {name} for {} features",
                    c.cluster,
                    field(c).len(),
                    profiles.features.len()
                ),
            ));
        }
    }
    Ok(())
}

/// A label next to `at`, below it and to its right (or to its left when `left` is set).
fn draw_note<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    at: (f64, f64),
    text: String,
    left: bool,
    color: RGBColor,
) -> Result<()> {
    let (anchor, dx) = if left {
        (HPos::Right, -6)
    } else {
        (HPos::Left, 6)
    };
    chart
        .draw_series(std::iter::once(
            EmptyElement::at(at)
                + Text::new(
                    text,
                    (dx, 6),
                    (FONT, LABEL_SIZE)
                        .into_font()
                        .color(&color)
                        .pos(Pos::new(anchor, VPos::Top)),
                ),
        ))
        .map_err(drawing_error)?;
    Ok(())
}

/// Category labels, each `offset` pixels from its data point (in the axis label areas).
fn draw_labels<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    labels: impl Iterator<Item = ((f64, f64), String)>,
    offset: (i32, i32),
    pos: Pos,
) -> Result<()> {
    chart
        .draw_series(labels.map(|(at, text)| {
            EmptyElement::at(at)
                + Text::new(
                    text,
                    offset,
                    (FONT, LABEL_SIZE).into_font().color(&INK).pos(pos),
                )
        }))
        .map_err(drawing_error)?;
    Ok(())
}

/// Ticks of a k axis: whole numbers only.
fn integer_tick(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        String::new()
    }
}

/// Ticks of number axes: at most two decimals below 10 ("0.35", "1.5", "2"), compact above.
fn metric_tick(y: f64) -> String {
    if y.abs() >= 10.0 {
        compact(y)
    } else {
        let text = fixed(y, 2);
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `value` with `decimals` decimals, without a minus sign on zero.
fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text.chars().all(|c| matches!(c, '-' | '0' | '.')) {
        text[1..].to_string()
    } else {
        text
    }
}

/// 0.354 -> "+35%", -0.8 -> "-80%", 0.001 -> "0%"; "n/a" when not a number.
fn signed_percent(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let percent = (value * 100.0).round();
    if percent == 0.0 {
        "0%".to_string()
    } else {
        format!("{percent:+.0}%")
    }
}

/// Where each legend item goes, from the legend area's corner: rows wrapped to `width`.
fn legend_positions(items: &[(String, RGBColor)], width: u32) -> Vec<(i32, i32)> {
    let (mut x, mut y) = (16i32, 10i32);
    items
        .iter()
        .map(|(name, _)| {
            let item = 26 + 8 * name.chars().count() as i32;
            if x > 16 && x + item > width as i32 - 8 {
                x = 16;
                y += 22;
            }
            let at = (x, y);
            x += item + 12;
            at
        })
        .collect()
}

/// The height the legend of `items` needs.
fn legend_height(items: &[(String, RGBColor)], width: u32) -> u32 {
    legend_positions(items, width)
        .last()
        .map_or(0, |(_, y)| *y as u32 + 30)
}

/// A wrapped legend of coloured squares and names.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    items: &[(String, RGBColor)],
) -> Result<()> {
    let (width, _) = area.dim_in_pixel();
    for ((name, color), (x, y)) in items.iter().zip(legend_positions(items, width)) {
        area.draw(&Rectangle::new([(x, y), (x + 14, y + 14)], color.filled()))
            .map_err(drawing_error)?;
        area.draw(&Text::new(
            name.clone(),
            (x + 19, y),
            (FONT, 13).into_font().color(&INK),
        ))
        .map_err(drawing_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_ticks() {
        assert_eq!(signed_percent(0.354), "+35%");
        assert_eq!(signed_percent(-0.8), "-80%");
        assert_eq!(signed_percent(-0.001), "0%");
        assert_eq!(signed_percent(f64::NAN), "n/a");
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.5, 2), "-0.50");
        assert_eq!(integer_tick(&3.0), "3");
        assert_eq!(integer_tick(&2.5), "");
        assert_eq!(metric_tick(1.5), "1.5");
        assert_eq!(metric_tick(-2.0), "-2");
        assert_eq!(metric_tick(0.0), "0");
        assert_eq!(metric_tick(0.35), "0.35");
        assert_eq!(metric_tick(250.0), "250");
    }

    #[test]
    fn silhouette_curve_spans_the_band_with_few_points() {
        let values: Vec<f64> = (0..10_000).map(|i| 1.0 - i as f64 / 10_000.0).collect();
        let curve = silhouette_curve(&values, 20_000.0);
        assert_eq!(curve.len(), SILHOUETTE_CURVE_POINTS + 2);
        assert_eq!(curve[0], (0.0, 20_000.0));
        assert_eq!(curve[1], (1.0, 20_000.0));
        assert_eq!(curve[curve.len() - 2], (values[9_999], 10_000.0));
        assert_eq!(curve[curve.len() - 1], (0.0, 10_000.0));
        assert_eq!(
            silhouette_curve(&[0.5], 3.0),
            [(0.0, 3.0), (0.5, 3.0), (0.5, 2.0), (0.0, 2.0)]
        );
    }

    #[test]
    fn legend_wraps_and_sizes() {
        let items: Vec<(String, RGBColor)> = (0..30)
            .map(|i| (format!("cluster {i}"), theme::category(i)))
            .collect();
        let at = legend_positions(&items, WIDTH);
        assert!(at.iter().all(|(x, _)| *x < WIDTH as i32));
        assert!(legend_height(&items, WIDTH) > 22);
        assert_eq!(legend_height(&[], WIDTH), 0);
    }
}
