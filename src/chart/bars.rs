//! Bar charts of segments: customers and revenue share per segment; segment mix per dimension.

use plotters::prelude::*;

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, WIDTH};
use crate::chart::{Chart, category_axis, drawing_error, svg_chart, titled, top_down_label};
use crate::error::{Error, Result};
use crate::frame::{float_values, text_values};
use crate::rfm::SegmentSummary;

/// Two panels of horizontal bars, one row per segment in the map's order: share of customers and
/// share of revenue. Shows at a glance which large segments bring little revenue.
pub fn segment_bars(summary: &SegmentSummary) -> Result<Chart> {
    if summary.dimension().is_some() {
        return Err(Error::param(
            "summary",
            "segment_bars takes the overall summary; use segments_by_dimension",
        ));
    }
    let frame = &summary.frame();
    let names = text_values(frame, "segment")?;
    let customers = float_values(frame, "customer_share")?;
    let revenue = float_values(frame, "revenue_share")?;
    let n = names.len() as u32;
    let height = 90 + 34 * n.max(1);
    svg_chart(
        "Customers and revenue by segment",
        (WIDTH, height),
        |root| {
            let root = titled(&root, "Customers and revenue by segment")?;
            let (left, right) = root.split_horizontally(WIDTH * 58 / 100);
            panel(
                &left,
                &names,
                &customers,
                "share of customers",
                theme::PRIMARY,
                160,
            )?;
            panel(
                &right,
                &names,
                &revenue,
                "share of revenue",
                theme::SECONDARY,
                0,
            )?;
            Ok(())
        },
    )
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    names: &[String],
    values: &[f64],
    label: &str,
    color: RGBColor,
    label_width: u32,
) -> Result<()> {
    let n = names.len() as u32;
    let max = values.iter().cloned().fold(0.0, f64::max).max(1e-9) * 1.25;
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(label_width)
        .build_cartesian_2d(0f64..max, category_axis(n).into_segmented())
        .map_err(drawing_error)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(theme::GRID)
        .x_desc(label)
        .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
        .y_labels(n as usize)
        .y_label_formatter(&|v| top_down_label(names, v))
        .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
        .draw()
        .map_err(drawing_error)?;
    // Bars drawn one by one, in order (plotters' Histogram groups through a hash map, whose order
    // would change the SVG from run to run).
    let plot = chart.plotting_area();
    for i in 0..n {
        let y = n - 1 - i;
        let (x0, top) = plot.map_coordinate(&(0.0, SegmentValue::Exact(y + 1)));
        let (x1, bottom) = plot.map_coordinate(&(values[i as usize], SegmentValue::Exact(y)));
        let pad = ((bottom - top).abs() / 6).max(1);
        // map_coordinate gives backend pixels; the panel draws relative to its own corner.
        let (bx, by) = area.get_base_pixel();
        let corners = [
            (x0 - bx, top.min(bottom) + pad - by),
            (x1 - bx, top.max(bottom) - pad - by),
        ];
        area.draw(&Rectangle::new(corners, color.filled()))
            .map_err(drawing_error)?;
    }
    chart
        .draw_series((0..n).map(|i| {
            Text::new(
                format!(" {:.1}%", values[i as usize] * 100.0),
                (values[i as usize], SegmentValue::CenterOf(n - 1 - i)),
                (FONT, LABEL_SIZE).into_font().color(&INK).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                ),
            )
        }))
        .map_err(drawing_error)?;
    Ok(())
}

/// Stacked horizontal bars: for each value of the dimension (the `top` values with most
/// customers), the share of its customers in each segment. Takes
/// [`crate::rfm::RfmTable::segment_summary_by`]'s result.
pub fn segments_by_dimension(summary: &SegmentSummary, top: usize) -> Result<Chart> {
    let Some(dimension) = summary.dimension() else {
        return Err(Error::param(
            "summary",
            "segments_by_dimension takes a summary made by segment_summary_by",
        ));
    };
    let frame = &summary.frame();
    let values = text_values(frame, dimension)?;
    let segments = text_values(frame, "segment")?;
    let shares = float_values(frame, "customer_share")?;
    let totals = summary.top_values(top.max(1))?;
    // The map's order, keeping the segments present: the same order and colours as the other
    // segment charts.
    let order = summary.segment_order();
    let segment_order: Vec<String> = order
        .iter()
        .filter(|s| segments.contains(s))
        .cloned()
        .collect();
    let n = totals.len() as u32;
    let height = 130 + 30 * n;
    let title = format!("Segment mix by {dimension}");
    svg_chart(title.clone(), (WIDTH, height), |root| {
        let root = titled(&root, &title)?;
        let (plot, legend) = root.split_vertically(height - 90);
        let labels: Vec<String> = totals
            .iter()
            .map(|(v, c)| {
                format!(
                    "{} ({})",
                    if v.is_empty() { "(missing)" } else { v },
                    *c as u64
                )
            })
            .collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(200)
            .build_cartesian_2d(0f64..1f64, category_axis(n).into_segmented())
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
            .y_labels(n as usize)
            .y_label_formatter(&|v| top_down_label(&labels, v))
            .label_style((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        for (row, (value, _)) in totals.iter().enumerate() {
            let y = n - 1 - row as u32;
            let mut start = 0.0;
            for segment in &segment_order {
                let share = values
                    .iter()
                    .zip(&segments)
                    .zip(&shares)
                    .find(|((v, s), _)| *v == value && *s == segment)
                    .map_or(0.0, |(_, share)| *share);
                if share <= 0.0 {
                    continue;
                }
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [
                            (start, SegmentValue::Exact(y)),
                            (start + share, SegmentValue::Exact(y + 1)),
                        ],
                        theme::segment(order, segment).filled(),
                    )))
                    .map_err(drawing_error)?;
                start += share;
            }
        }
        legend_row(&legend, &segment_order, order)?;
        Ok(())
    })
}

/// A wrapped legend of coloured squares and names.
pub(crate) fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    names: &[String],
    order: &[String],
) -> Result<()> {
    let (width, _) = area.dim_in_pixel();
    let (mut x, mut y) = (16i32, 10i32);
    for name in names {
        let item = 26 + 8 * name.chars().count() as i32;
        if x + item > width as i32 - 8 {
            x = 16;
            y += 22;
        }
        area.draw(&Rectangle::new(
            [(x, y), (x + 14, y + 14)],
            theme::segment(order, name).filled(),
        ))
        .map_err(drawing_error)?;
        area.draw(&Text::new(
            name.clone(),
            (x + 19, y),
            (FONT, 13).into_font().color(&INK),
        ))
        .map_err(drawing_error)?;
        x += item + 12;
    }
    Ok(())
}
