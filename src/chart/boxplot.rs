//! Box plots of a measure per segment.

use plotters::prelude::*;

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, TITLE_SIZE, WIDTH};
use crate::chart::{Chart, category_axis, drawing_error, svg_chart, top_down_label};
use crate::error::{Error, Result};
use crate::format::compact;
use crate::frame::{float_values, text_values};
use crate::rfm::RfmTable;
use crate::stats::quantile_sorted;

/// The five numbers of a box plot, with whiskers at the furthest data within 1.5 IQR of the box
/// (matplotlib's and seaborn's default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxStats {
    /// Lower whisker.
    pub low: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Upper whisker.
    pub high: f64,
    /// Values outside the whiskers (not drawn).
    pub outliers: usize,
}

impl BoxStats {
    /// Computes the statistics with pandas' linear quantiles; `None` for no values.
    pub fn of(values: &[f64]) -> Option<BoxStats> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let q1 = quantile_sorted(&sorted, 0.25);
        let median = quantile_sorted(&sorted, 0.5);
        let q3 = quantile_sorted(&sorted, 0.75);
        let reach = 1.5 * (q3 - q1);
        let inside = values
            .iter()
            .copied()
            .filter(|v| *v >= q1 - reach && *v <= q3 + reach);
        let (low, high) = inside.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let outliers = values.iter().filter(|v| **v < low || **v > high).count();
        Some(BoxStats {
            low,
            q1,
            median,
            q3,
            high,
            outliers,
        })
    }
}

/// One horizontal box per segment (map order) for `measure`: `recency`, `frequency` or
/// `monetary`. Outliers are counted in the axis label but not drawn, so the boxes stay readable.
pub fn segment_boxplots(table: &RfmTable, measure: &str) -> Result<Chart> {
    if !["recency", "frequency", "monetary"].contains(&measure) {
        return Err(Error::param(
            "measure",
            format!("use recency, frequency or monetary, not \"{measure}\""),
        ));
    }
    let frame = &table.frame();
    let segments = text_values(frame, "segment")?;
    let values = float_values(frame, measure)?;
    let map_order = table.segment_map().segment_names();
    let order: Vec<String> = map_order
        .iter()
        .filter(|s| segments.contains(s))
        .cloned()
        .collect();
    let stats: Vec<BoxStats> = order
        .iter()
        .map(|name| {
            let of: Vec<f64> = segments
                .iter()
                .zip(&values)
                .filter(|(s, _)| *s == name)
                .map(|(_, v)| *v)
                .collect();
            BoxStats::of(&of).unwrap_or(BoxStats {
                low: 0.0,
                q1: 0.0,
                median: 0.0,
                q3: 0.0,
                high: 0.0,
                outliers: 0,
            })
        })
        .collect();
    let outliers: usize = stats.iter().map(|s| s.outliers).sum();
    let lo = stats
        .iter()
        .map(|s| s.low)
        .fold(f64::INFINITY, f64::min)
        .min(0.0);
    let hi = stats.iter().map(|s| s.high).fold(0.0, f64::max).max(1.0) * 1.05;
    let n = order.len() as u32;
    let height = 90 + 34 * n.max(1);
    let title = format!("{measure} by segment");
    svg_chart(title.clone(), (WIDTH, height), |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (FONT, TITLE_SIZE).into_font().color(&INK))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(lo..hi, category_axis(n).into_segmented())
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc(format!(
                "{measure} ({outliers} outliers beyond 1.5 IQR not drawn)"
            ))
            .x_label_formatter(&|x| compact(*x))
            .y_labels(n as usize)
            .y_label_formatter(&|v| top_down_label(&order, v))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        let plot = chart.plotting_area();
        for (k, s) in stats.iter().enumerate() {
            let y = n - 1 - k as u32;
            let color = theme::segment(&map_order, &order[k]);
            let (top, bottom) = (
                plot.map_coordinate(&(s.q1, SegmentValue::Exact(y + 1))),
                plot.map_coordinate(&(s.q3, SegmentValue::Exact(y))),
            );
            let pad = ((bottom.1 - top.1).abs() / 5).max(2);
            let (y0, y1) = (top.1.min(bottom.1) + pad, top.1.max(bottom.1) - pad);
            let mid = (y0 + y1) / 2;
            let x = |v: f64| plot.map_coordinate(&(v, SegmentValue::CenterOf(y))).0;
            let root_area = &root;
            root_area
                .draw(&PathElement::new(
                    vec![(x(s.low), mid), (x(s.q1), mid)],
                    INK.stroke_width(1),
                ))
                .map_err(drawing_error)?;
            root_area
                .draw(&PathElement::new(
                    vec![(x(s.q3), mid), (x(s.high), mid)],
                    INK.stroke_width(1),
                ))
                .map_err(drawing_error)?;
            root_area
                .draw(&Rectangle::new(
                    [(x(s.q1), y0), (x(s.q3), y1)],
                    color.mix(0.85).filled(),
                ))
                .map_err(drawing_error)?;
            root_area
                .draw(&Rectangle::new(
                    [(x(s.q1), y0), (x(s.q3), y1)],
                    INK.stroke_width(1),
                ))
                .map_err(drawing_error)?;
            root_area
                .draw(&PathElement::new(
                    vec![(x(s.median), y0), (x(s.median), y1)],
                    INK.stroke_width(3),
                ))
                .map_err(drawing_error)?;
            for end in [s.low, s.high] {
                root_area
                    .draw(&PathElement::new(
                        vec![(x(end), mid - 6), (x(end), mid + 6)],
                        INK.stroke_width(1),
                    ))
                    .map_err(drawing_error)?;
            }
        }
        Ok(())
    })
}
