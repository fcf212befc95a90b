//! The distribution of one feature per cluster, the chart study 4 read its clusters with
//! (PyCaret's `plot_model(model, 'distribution')`).
//!
//! Small multiples on one shared axis: a row per cluster (noise last, in grey), each a histogram
//! of the cluster's values over common bins, scaled to the row's fullest bin so that a small
//! cluster keeps its shape, with the quartile box and the median drawn under it. Readable for 2 to
//! 10 clusters and any number of customers: the marks grow with bins, not with samples.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::boxplot::BoxStats;
use crate::chart::cluster::{cluster_color, grouped_by_label};
use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, WIDTH};
use crate::chart::{Chart, drawing_error, svg_chart, titled};
use crate::cluster::NOISE;
use crate::error::Result;
use crate::format::{NumberFormat, compact};
use crate::stats::quantile_sorted;

/// Histogram bins across the shared axis.
pub const DISTRIBUTION_BINS: usize = 30;
/// From this many values on, the axis ends at the 99th percentile and the values beyond it are
/// counted in the last bin (and said so under the axis), so one extreme customer does not squash
/// every histogram into its first bin.
pub const CLIP_FROM: usize = 100;

/// The distribution of `feature` (its `values`, one per sample) in each cluster of `labels`.
///
/// ```
/// use custseg::chart::distribution::feature_distribution;
/// let values = [1.0, 1.5, 2.0, 8.0, 9.0];
/// let labels = [0, 0, 0, 1, 1];
/// let chart = feature_distribution(&values, &labels, "visits")?;
/// assert!(chart.svg().contains("visits"));
/// # Ok::<(), custseg::Error>(())
/// ```
pub fn feature_distribution(values: &[f64], labels: &[i64], feature: &str) -> Result<Chart> {
    let (ids, groups) = grouped_by_label(values, labels, ("values", "values"), |i| {
        format!("value {i} of {feature}")
    })?;
    let axis = Axis::of(values);
    let rows: Vec<Row> = groups.iter().map(|g| Row::of(g, &axis)).collect();

    let n = ids.len();
    let title = format!("{feature} by cluster");
    let height = 90 + 64 * n as u32;
    let count = NumberFormat::default();
    let clipped: usize = rows.iter().map(|r| r.clipped).sum();
    let x_desc = if clipped > 0 {
        format!(
            "{feature} ({} values above {} counted in the last bin)",
            count.count(clipped),
            compact(axis.hi)
        )
    } else {
        feature.to_string()
    };
    svg_chart(title.clone(), (WIDTH, height), |root| {
        let root = titled(&root, &title)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(130)
            .build_cartesian_2d(axis.lo..axis.hi + axis.width * 0.01, 0.0..n as f64)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc(x_desc)
            .y_labels(0)
            .y_label_formatter(&|_| String::new())
            .x_label_formatter(&|x| compact(*x))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        for (k, (row, label)) in rows.iter().zip(&ids).enumerate() {
            let color = cluster_color(k, *label);
            // Row k from the top spans [n - 1 - k, n - k].
            let bottom = (n - 1 - k) as f64;
            let fullest = row.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
            chart
                .draw_series(row.counts.iter().enumerate().filter(|(_, c)| **c > 0).map(
                    |(b, c)| {
                        let x0 = axis.lo + b as f64 * axis.width;
                        let top = bottom + 0.3 + 0.62 * *c as f64 / fullest;
                        Rectangle::new([(x0, bottom + 0.3), (x0 + axis.width, top)], color.filled())
                    },
                ))
                .map_err(drawing_error)?;
            if let Some(s) = row.stats {
                let at = |v: f64| v.clamp(axis.lo, axis.hi);
                let (y0, y1) = (bottom + 0.08, bottom + 0.24);
                let mid = (y0 + y1) / 2.0;
                chart
                    .draw_series([
                        PathElement::new(vec![(at(s.low), mid), (at(s.high), mid)], INK),
                        PathElement::new(
                            vec![(at(s.median), bottom + 0.04), (at(s.median), bottom + 0.28)],
                            INK.stroke_width(3),
                        ),
                    ])
                    .map_err(drawing_error)?;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(at(s.q1), y0), (at(s.q3), y1)],
                        INK.stroke_width(1),
                    )))
                    .map_err(drawing_error)?;
            }
            let name = if *label == NOISE {
                "noise".to_string()
            } else {
                format!("cluster {label}")
            };
            let median = row.stats.map_or(String::new(), |s| compact(s.median));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((axis.lo, bottom + 0.5))
                        + Text::new(
                            format!("{name} (n = {})", count.count(row.n)),
                            (-10, -8),
                            (FONT, LABEL_SIZE)
                                .into_font()
                                .color(&INK)
                                .pos(Pos::new(HPos::Right, VPos::Center)),
                        )
                        + Text::new(
                            format!("median {median}"),
                            (-10, 10),
                            (FONT, LABEL_SIZE - 2)
                                .into_font()
                                .color(&INK.mix(0.7))
                                .pos(Pos::new(HPos::Right, VPos::Center)),
                        ),
                ))
                .map_err(drawing_error)?;
        }
        Ok(())
    })
}

/// The shared axis: from the smallest value to the largest (or the 99th percentile, see
/// [`CLIP_FROM`]), cut into [`DISTRIBUTION_BINS`] bins.
struct Axis {
    lo: f64,
    hi: f64,
    width: f64,
}

impl Axis {
    fn of(values: &[f64]) -> Axis {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let lo = sorted[0];
        let max = sorted[sorted.len() - 1];
        let hi = if sorted.len() >= CLIP_FROM {
            quantile_sorted(&sorted, 0.99)
        } else {
            max
        };
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        Axis {
            lo,
            hi,
            width: (hi - lo) / DISTRIBUTION_BINS as f64,
        }
    }

    /// The bin of `v`; values beyond the axis go to the last bin.
    fn bin(&self, v: f64) -> usize {
        (((v - self.lo) / self.width) as usize).min(DISTRIBUTION_BINS - 1)
    }
}

/// One cluster's counts per bin, its box statistics and how many of its values lie beyond the
/// axis.
struct Row {
    counts: Vec<usize>,
    stats: Option<BoxStats>,
    n: usize,
    clipped: usize,
}

impl Row {
    fn of(values: &[f64], axis: &Axis) -> Row {
        let mut counts = vec![0; DISTRIBUTION_BINS];
        for v in values {
            counts[axis.bin(*v)] += 1;
        }
        Row {
            counts,
            stats: BoxStats::of(values),
            n: values.len(),
            clipped: values.iter().filter(|v| **v > axis.hi).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_and_clipping() {
        let axis = Axis::of(&[0.0, 30.0]);
        assert_eq!((axis.lo, axis.hi, axis.width), (0.0, 30.0, 1.0));
        assert_eq!(axis.bin(0.0), 0);
        assert_eq!(axis.bin(0.99), 0);
        assert_eq!(axis.bin(1.0), 1);
        assert_eq!(axis.bin(30.0), DISTRIBUTION_BINS - 1);
        // 99 values 1..=99 and one of 10,000: the axis ends at the 99th percentile.
        let mut values: Vec<f64> = (1..=99).map(f64::from).collect();
        values.push(10_000.0);
        let axis = Axis::of(&values);
        assert_eq!(axis.hi, quantile_sorted(&values, 0.99));
        let row = Row::of(&values, &axis);
        assert_eq!(row.clipped, 1);
        assert_eq!(row.counts.iter().sum::<usize>(), 100);
        // One value everywhere: a unit-wide axis around it.
        let axis = Axis::of(&[5.0, 5.0]);
        assert_eq!((axis.lo, axis.hi), (4.5, 5.5));
    }
}
