//! Monthly revenue and active customers.

use plotters::prelude::*;

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, WIDTH};
use crate::chart::{Chart, drawing_error, svg_chart, titled};
use crate::data::sanity::SanityReport;
use crate::error::Result;
use crate::format::compact;

/// Two stacked line charts over the months of the kept data: revenue and distinct active
/// customers. Months without data show as zero, so gaps are visible.
pub fn monthly_trend(sanity: &SanityReport) -> Result<Chart> {
    let months = &sanity.months;
    let n = months.len().max(1) as u32;
    let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
    // At most about 14 labels, whatever the span.
    let every = (months.len() / 14 + 1) as u32;
    let height = 520u32;
    svg_chart(
        "Monthly revenue and active customers",
        (WIDTH, height),
        |root| {
            let root = titled(&root, "Monthly revenue and active customers")?;
            let (upper, lower) = root.split_vertically((height - 40) / 2);
            let series: [(&str, Vec<f64>, RGBColor, &DrawingArea<_, _>); 2] = [
                (
                    "revenue",
                    months.iter().map(|m| m.revenue).collect(),
                    theme::PRIMARY,
                    &upper,
                ),
                (
                    "active customers",
                    months.iter().map(|m| m.customers as f64).collect(),
                    theme::SECONDARY,
                    &lower,
                ),
            ];
            for (name, values, color, area) in series {
                let top = values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.12;
                let mut chart = ChartBuilder::on(area)
                    .margin(8)
                    .x_label_area_size(34)
                    .y_label_area_size(60)
                    .build_cartesian_2d((0u32..n).into_segmented(), 0f64..top)
                    .map_err(drawing_error)?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(theme::GRID)
                    .y_desc(name)
                    .x_labels(n as usize)
                    .x_label_formatter(&|v| match v {
                        SegmentValue::CenterOf(i) if i % every == 0 => {
                            labels.get(*i as usize).cloned().unwrap_or_default()
                        }
                        _ => String::new(),
                    })
                    .y_label_formatter(&|y| compact(*y))
                    .label_style((FONT, LABEL_SIZE - 2).into_font().color(&INK))
                    .draw()
                    .map_err(drawing_error)?;
                let points: Vec<(SegmentValue<u32>, f64)> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (SegmentValue::CenterOf(i as u32), *v))
                    .collect();
                chart
                    .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                    .map_err(drawing_error)?;
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 4, color.filled())),
                    )
                    .map_err(drawing_error)?;
            }
            Ok(())
        },
    )
}
