//! The R x F heatmap: a grid of R scores against F scores coloured by a measure.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, TITLE_SIZE};
use crate::chart::{Chart, drawing_error, svg_chart};
use crate::error::{Error, Result};
use crate::format::compact;
use crate::frame::float_values;
use crate::rfm::RfmTable;

/// What the heatmap cells show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeatmapMeasure {
    /// Mean monetary value of the customers in the cell (the classic view).
    MeanMonetary,
    /// Number of customers in the cell.
    Customers,
    /// Mean recency in days.
    MeanRecency,
}

impl HeatmapMeasure {
    fn label(self) -> &'static str {
        match self {
            HeatmapMeasure::MeanMonetary => "mean monetary value",
            HeatmapMeasure::Customers => "customers",
            HeatmapMeasure::MeanRecency => "mean recency (days)",
        }
    }
}

/// R score (rows, 5 at the top) against F score (columns), each cell coloured and labelled with
/// `measure`; empty cells stay blank.
pub fn rf_heatmap(table: &RfmTable, measure: HeatmapMeasure) -> Result<Chart> {
    let levels = table.scoring().bins;
    if levels > 20 {
        return Err(Error::param(
            "levels",
            "a heatmap needs at most 20 score levels",
        ));
    }
    let frame = &table.frame();
    let r = float_values(frame, "r")?;
    let f = float_values(frame, "f")?;
    let values = match measure {
        HeatmapMeasure::MeanMonetary => float_values(frame, "monetary")?,
        HeatmapMeasure::MeanRecency => float_values(frame, "recency")?,
        HeatmapMeasure::Customers => vec![1.0; r.len()],
    };
    let mut sums = vec![vec![0.0; levels]; levels];
    let mut counts = vec![vec![0usize; levels]; levels];
    for i in 0..r.len() {
        let (ri, fi) = (r[i] as usize - 1, f[i] as usize - 1);
        sums[ri][fi] += values[i];
        counts[ri][fi] += 1;
    }
    let cell = |ri: usize, fi: usize| -> Option<f64> {
        let n = counts[ri][fi];
        (n > 0).then(|| {
            if measure == HeatmapMeasure::Customers {
                n as f64
            } else {
                sums[ri][fi] / n as f64
            }
        })
    };
    let all: Vec<f64> = (0..levels)
        .flat_map(|ri| (0..levels).filter_map(move |fi| cell(ri, fi)))
        .collect();
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let title = format!("R x F: {}", measure.label());
    let (width, height) = (640u32, 560u32);
    let n = levels as u32;
    svg_chart(title.clone(), (width, height), |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (FONT, TITLE_SIZE).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(
                // Scores 1..n: the segmented range includes its end, so 1..n makes n slots.
                (1u32..n).into_segmented(),
                (1u32..n).into_segmented(),
            )
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("F score (frequency)")
            .y_desc("R score (recency)")
            .x_labels(levels)
            .y_labels(levels)
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        for ri in 0..levels {
            for fi in 0..levels {
                let Some(v) = cell(ri, fi) else { continue };
                let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                let fill = theme::sequential(t);
                let (x, y) = (fi as u32 + 1, ri as u32 + 1);
                chart
                    .draw_series([Rectangle::new(
                        [
                            (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                            (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                        ],
                        fill.filled(),
                    )])
                    .map_err(drawing_error)?;
                chart
                    .draw_series([Text::new(
                        format!("{}\n", compact(v)).trim().to_string(),
                        (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                        (FONT, LABEL_SIZE)
                            .into_font()
                            .color(&theme::text_on(fill))
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )])
                    .map_err(drawing_error)?;
            }
        }
        Ok(())
    })
}
