//! Lifetime-value charts: the holdout check as Fader and Hardie plot it (holdout purchases by
//! calibration frequency; cumulative repeat purchases week by week), P(alive) over frequency and
//! recency, and value by segment.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, TITLE_SIZE, WIDTH};
use crate::chart::{Chart, category_axis, drawing_error, svg_chart, titled, top_down_label};
use crate::clv::analysis::ClvModel;
use crate::clv::holdout::HoldoutCheck;
use crate::error::{Error, Result};
use crate::features::clv_summary::ClvSummary;
use crate::format::compact;

/// Cells per side of the P(alive) matrix at most.
const MATRIX_CELLS: usize = 24;

/// Mean repeat purchases in the holdout per calibration frequency (0, 1, ... 7+): actual and
/// predicted, with the number of customers under each point.
pub fn holdout_by_frequency(check: &HoldoutCheck) -> Result<Chart> {
    let rows = &check.by_frequency;
    if rows.is_empty() {
        return Err(Error::param("check", "the holdout check has no customers"));
    }
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} (n={})", r.label, r.customers))
        .collect();
    let top = rows
        .iter()
        .flat_map(|r| [r.actual, r.predicted])
        .fold(0.0, f64::max)
        .max(0.1)
        * 1.15;
    let n = rows.len() as u32;
    let title = "Holdout: repeat purchases by calibration frequency";
    svg_chart(title, (WIDTH, 440), |root| {
        let area = titled(&root, title)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(category_axis(n).into_segmented(), 0f64..top)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc("repeat purchases in the calibration period (customers)")
            .y_desc("mean repeat purchases in the holdout")
            .x_labels(rows.len())
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| compact(*y))
            .label_style((FONT, LABEL_SIZE - 2).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        let series = [
            (
                "actual",
                theme::PRIMARY,
                rows.iter().map(|r| r.actual).collect::<Vec<_>>(),
            ),
            (
                "predicted",
                theme::SECONDARY,
                rows.iter().map(|r| r.predicted).collect(),
            ),
        ];
        for (name, color, values) in series {
            let points: Vec<(SegmentValue<u32>, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| (SegmentValue::CenterOf(i as u32), *v))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(drawing_error)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(3))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, color.filled())),
                )
                .map_err(drawing_error)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(theme::GRID)
            .label_font((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)
    })
}

/// Cumulative repeat purchases of the calibration cohort, week by week: actual and expected by
/// the model fitted on the calibration period, with the calibration end marked.
pub fn holdout_tracking(check: &HoldoutCheck) -> Result<Chart> {
    let rows = &check.tracking;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Err(Error::param("check", "the holdout check has no weeks"));
    };
    let n = rows.len() as f64;
    let top = rows
        .iter()
        .flat_map(|r| [r.actual, r.expected])
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.1;
    let cut = rows
        .iter()
        .position(|r| r.week_end >= check.calibration_end)
        .unwrap_or(rows.len() - 1) as f64;
    let title = format!(
        "Cumulative repeat purchases, {} to {}",
        first.week_end, last.week_end
    );
    svg_chart(title.clone(), (WIDTH, 440), |root| {
        let area = titled(&root, &title)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..(n - 1.0).max(1.0), 0f64..top)
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc("week")
            .y_desc("repeat purchases, cumulative")
            .y_label_formatter(&|y| compact(*y))
            .x_label_formatter(&|x| format!("{}", x.round() as i64 + 1))
            .label_style((FONT, LABEL_SIZE - 2).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        chart
            .draw_series([PathElement::new(
                [(cut, 0.0), (cut, top)],
                theme::MUTED.stroke_width(2),
            )])
            .map_err(drawing_error)?;
        chart
            .draw_series([Text::new(
                " calibration | holdout".to_string(),
                (cut, top * 0.97),
                (FONT, LABEL_SIZE - 2)
                    .into_font()
                    .color(&theme::MUTED)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            )])
            .map_err(drawing_error)?;
        let series = [
            (
                "actual",
                theme::PRIMARY,
                rows.iter().map(|r| r.actual).collect::<Vec<_>>(),
            ),
            (
                "expected",
                theme::SECONDARY,
                rows.iter().map(|r| r.expected).collect(),
            ),
        ];
        for (name, color, values) in series {
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(i, v)| (i as f64, *v)),
                    color.stroke_width(3),
                ))
                .map_err(drawing_error)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(theme::GRID)
            .label_font((FONT, LABEL_SIZE).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)
    })
}

/// Probability of being alive for a customer observed for the longest T in `summary`, over their
/// frequency (rows, most frequent at the top) and recency (columns), as lifetimes'
/// `plot_probability_alive_matrix` draws it: recent frequent buyers are alive, frequent buyers
/// who stopped long ago are not.
pub fn p_alive_matrix(model: &ClvModel, summary: &ClvSummary) -> Result<Chart> {
    let age = summary.t().iter().copied().fold(0.0, f64::max);
    let max_frequency = summary.frequency().iter().copied().fold(0.0, f64::max);
    if summary.is_empty() || age <= 0.0 {
        return Err(Error::param(
            "summary",
            "P(alive) needs customers observed for some time",
        ));
    }
    let rows = (max_frequency as usize + 1).min(MATRIX_CELLS);
    let frequency: Vec<f64> = (0..rows)
        .map(|i| (i as f64 * max_frequency / (rows - 1).max(1) as f64).round())
        .collect();
    let columns = MATRIX_CELLS;
    let recency: Vec<f64> = (0..columns)
        .map(|j| age * (j as f64 + 0.5) / columns as f64)
        .collect();
    let mut cells = vec![vec![0.0; columns]; rows];
    for (i, &x) in frequency.iter().enumerate() {
        for (j, &t_x) in recency.iter().enumerate() {
            // Without repeat purchases recency is 0 by definition.
            let t_x = if x == 0.0 { 0.0 } else { t_x };
            cells[i][j] = model.purchase.probability_alive(x, t_x, age)?;
        }
    }
    let unit = summary.unit().name();
    let title = format!("P(alive) after {age:.0} {unit}s, by frequency and recency");
    let labels: Vec<String> = frequency.iter().rev().map(|f| format!("{f:.0}")).collect();
    let (width, height) = (WIDTH, 560u32);
    svg_chart(title.clone(), (width, height), |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (FONT, TITLE_SIZE).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..age, category_axis(rows as u32).into_segmented())
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(format!("recency: {unit}s from first to last purchase"))
            .y_desc("frequency (repeat purchases)")
            .y_labels(rows)
            .y_label_formatter(&|v| top_down_label(&labels, v))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style((FONT, LABEL_SIZE - 2).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        let step = age / columns as f64;
        for (i, row) in cells.iter().enumerate() {
            // Row 0 (frequency 0) is the bottom segment: plotters counts from the bottom.
            let y = i as u32;
            for (j, &p) in row.iter().enumerate() {
                let x0 = j as f64 * step;
                chart
                    .draw_series([Rectangle::new(
                        [
                            (x0, SegmentValue::Exact(y)),
                            (x0 + step, SegmentValue::Exact(y + 1)),
                        ],
                        theme::sequential(p).filled(),
                    )])
                    .map_err(drawing_error)?;
            }
        }
        Ok(())
    })
}

/// Mean lifetime value per customer of each segment (bars, largest first), each bar labelled with
/// the segment's customers and total value; segments coloured as in every other chart of the
/// study (`order` is the map's segment order).
pub fn clv_by_segment(segments: &[String], clv: &[f64], order: &[String]) -> Result<Chart> {
    if segments.len() != clv.len() || segments.is_empty() {
        return Err(Error::param(
            "segments",
            format!("{} segments for {} values", segments.len(), clv.len()),
        ));
    }
    let mut groups: Vec<(String, usize, f64)> = Vec::new();
    for (segment, value) in segments.iter().zip(clv) {
        match groups.iter_mut().find(|g| &g.0 == segment) {
            Some(g) => {
                g.1 += 1;
                g.2 += value;
            }
            None => groups.push((segment.clone(), 1, *value)),
        }
    }
    groups.sort_by(|a, b| {
        (b.2 / b.1 as f64)
            .total_cmp(&(a.2 / a.1 as f64))
            .then_with(|| a.0.cmp(&b.0))
    });
    let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
    let means: Vec<f64> = groups.iter().map(|g| g.2 / g.1 as f64).collect();
    let top = means.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.35;
    let n = groups.len() as u32;
    let height = 90 + 34 * n;
    let title = "Lifetime value per customer by segment";
    svg_chart(title, (WIDTH, height), |root| {
        let area = titled(&root, title)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(190)
            .build_cartesian_2d(0f64..top, category_axis(n).into_segmented())
            .map_err(drawing_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(theme::GRID)
            .x_desc("mean lifetime value per customer")
            .y_labels(groups.len())
            .y_label_formatter(&|v| top_down_label(&names, v))
            .x_label_formatter(&|x| compact(*x))
            .label_style((FONT, LABEL_SIZE - 1).into_font().color(&INK))
            .draw()
            .map_err(drawing_error)?;
        for (i, (name, customers, total)) in groups.iter().enumerate() {
            let y = n - 1 - i as u32;
            let color = theme::segment(order, name);
            chart
                .draw_series([Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (means[i], SegmentValue::Exact(y + 1)),
                    ],
                    color.filled(),
                )])
                .map_err(drawing_error)?;
            chart
                .draw_series([Text::new(
                    format!(
                        " {} ({customers} customer{}, total {})",
                        compact(means[i]),
                        if *customers == 1 { "" } else { "s" },
                        compact(*total)
                    ),
                    (means[i], SegmentValue::CenterOf(y)),
                    (FONT, LABEL_SIZE - 2)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )])
                .map_err(drawing_error)?;
        }
        Ok(())
    })
}
