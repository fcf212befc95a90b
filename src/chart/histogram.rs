//! Distributions of recency, frequency and monetary value.

use plotters::prelude::*;

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, WIDTH};
use crate::chart::{Chart, drawing_error, svg_chart, titled};
use crate::error::Result;
use crate::format::compact;
use crate::frame::float_values;
use crate::rfm::RfmTable;

/// Three histograms side by side: recency (days), frequency (invoices) and monetary value, 30
/// equal-width bins each from the minimum to the 99th percentile; the few customers above the 99th
/// percentile are counted in the last bin (its label says "+"), so one giant account does not
/// flatten the picture.
pub fn rfm_histograms(table: &RfmTable) -> Result<Chart> {
    let frame = &table.frame();
    let measures = [
        ("recency", "days since last purchase", theme::PRIMARY),
        ("frequency", "purchases", theme::category(2)),
        ("monetary", "spend", theme::SECONDARY),
    ];
    let height = 330u32;
    svg_chart(
        "Distribution of recency, frequency and monetary value",
        (WIDTH, height),
        |root| {
            let root = titled(
                &root,
                "Distribution of recency, frequency and monetary value",
            )?;
            let panels = root.split_evenly((1, 3));
            for ((name, unit, color), area) in measures.iter().zip(panels.iter()) {
                let values = float_values(frame, name)?;
                let (edges, counts) = bins(&values, 30);
                let lo = edges[0];
                let hi = *edges.last().unwrap_or(&1.0);
                let top = counts.iter().copied().max().unwrap_or(1) as f64 * 1.1;
                let mut chart = ChartBuilder::on(area)
                    .caption(*name, (FONT, LABEL_SIZE + 2).into_font().color(&INK))
                    .margin(6)
                    .x_label_area_size(40)
                    .y_label_area_size(48)
                    .build_cartesian_2d(lo..hi, 0f64..top.max(1.0))
                    .map_err(drawing_error)?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(theme::GRID)
                    .x_desc(format!("{unit} (last bin: p99+)"))
                    .y_desc("customers")
                    .x_labels(4)
                    .y_labels(5)
                    .x_label_formatter(&|x| compact(*x))
                    .y_label_formatter(&|y| compact(*y))
                    .label_style((FONT, 11).into_font().color(&INK))
                    .axis_desc_style((FONT, 12).into_font().color(&INK))
                    .draw()
                    .map_err(drawing_error)?;
                chart
                    .draw_series(counts.iter().enumerate().map(|(i, c)| {
                        Rectangle::new([(edges[i], 0.0), (edges[i + 1], *c as f64)], color.filled())
                    }))
                    .map_err(drawing_error)?;
            }
            Ok(())
        },
    )
}

/// Equal-width bins from the minimum to the 99th percentile (pandas' linear quantile); values
/// above go to the last bin.
pub(crate) fn bins(values: &[f64], count: usize) -> (Vec<f64>, Vec<usize>) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return (vec![0.0, 1.0], vec![0]);
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let p99 = crate::stats::quantile(&finite, 0.99);
    let max = if p99 > min { p99 } else { min + 1.0 };
    let width = (max - min) / count as f64;
    let edges: Vec<f64> = (0..=count).map(|i| min + width * i as f64).collect();
    let mut counts = vec![0usize; count];
    for v in finite {
        let i = (((v - min) / width).floor() as usize).min(count - 1);
        counts[i] += 1;
    }
    (edges, counts)
}
