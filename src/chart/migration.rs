//! Segment migration as an alluvial diagram: one stacked bar per date, flows between them.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::theme::{self, FONT, INK, LABEL_SIZE, WIDTH};
use crate::chart::{Chart, drawing_error, svg_chart, titled};
use crate::error::{Error, Result};
use crate::format::NumberFormat;
use crate::rfm::migration::Migration;

/// Chart height in SVG units.
const HEIGHT: u32 = 560;
/// Width of a date's stacked bar.
const BAR: i32 = 18;
/// Room for the labels beside each bar.
const LABEL_ROOM: i32 = 230;
/// Space between two blocks of a bar.
const GAP: f64 = 10.0;
/// Opacity of the flows.
const FLOW_ALPHA: f64 = 0.45;
/// Label font size.
const LABEL_FONT: u32 = 13;
/// The least distance between two labels' centres.
const LABEL_SPACING: f64 = 15.0;
/// Room above the bars for the dates.
const HEADER: f64 = 28.0;
/// Points along each edge of a flow.
const CURVE_STEPS: usize = 24;

/// One block of a bar: a segment (or the arrivals) with its customers.
struct Block {
    /// The segment's index in the order; `None` for the customers who arrived after the first
    /// date.
    segment: Option<usize>,
    label: String,
    color: RGBColor,
    customers: usize,
}

/// An alluvial (Sankey) diagram of a [`Migration`]: on the left the customers of the first date
/// by segment, with those who arrived after it in grey below; on the right the customers of the
/// second date by segment; between them one band per move, as wide as its customers and coloured
/// by the segment it comes from. Segment colours follow the map's order, as in the other
/// segment charts.
pub fn migration_flow(migration: &Migration) -> Result<Chart> {
    let total: usize = migration.ending().iter().sum();
    if total == 0 {
        return Err(Error::param(
            "migration",
            "the migration has no customers to draw",
        ));
    }
    let sources = source_blocks(migration);
    let targets = target_blocks(migration);
    let title = format!(
        "Segment migration, {} to {}",
        migration.from(),
        migration.to()
    );
    svg_chart(title.clone(), (WIDTH, HEIGHT), |root| {
        let area = titled(&root, &title)?;
        let (width, height) = area.dim_in_pixel();
        let room = f64::from(height) - HEADER - 10.0;
        let most = sources.len().max(targets.len()) as f64;
        let scale = ((room - GAP * (most - 1.0)) / total as f64).max(0.0);
        let left = LABEL_ROOM;
        let right = width as i32 - LABEL_ROOM - BAR;
        let source_spans = stack(&sources, scale, HEADER, room);
        let target_spans = stack(&targets, scale, HEADER, room);
        draw_flows(
            &area,
            migration,
            (sources.as_slice(), source_spans.as_slice()),
            (targets.as_slice(), target_spans.as_slice()),
            scale,
            (f64::from(left + BAR), f64::from(right)),
        )?;
        draw_bar(&area, &sources, &source_spans, left, HPos::Right)?;
        draw_bar(&area, &targets, &target_spans, right, HPos::Left)?;
        draw_dates(&area, migration, left, right)
    })
}

/// The first date's segments with customers, in the map's order, then the arrivals.
fn source_blocks(migration: &Migration) -> Vec<Block> {
    let order = migration.segment_order();
    let number = NumberFormat::default();
    let mut blocks: Vec<Block> = migration
        .starting()
        .into_iter()
        .enumerate()
        .filter(|(_, customers)| *customers > 0)
        .map(|(i, customers)| Block {
            segment: Some(i),
            label: format!("{} ({})", order[i], number.count(customers)),
            color: theme::segment(order, &order[i]),
            customers,
        })
        .collect();
    let arrived: usize = migration.arrived().iter().sum();
    if arrived > 0 {
        blocks.push(Block {
            segment: None,
            label: format!(
                "first purchase after {} ({})",
                migration.from(),
                number.count(arrived)
            ),
            color: theme::MUTED,
            customers: arrived,
        });
    }
    blocks
}

/// The second date's segments with customers, in the map's order.
fn target_blocks(migration: &Migration) -> Vec<Block> {
    let order = migration.segment_order();
    let number = NumberFormat::default();
    migration
        .ending()
        .into_iter()
        .enumerate()
        .filter(|(_, customers)| *customers > 0)
        .map(|(j, customers)| Block {
            segment: Some(j),
            label: format!("{} ({})", order[j], number.count(customers)),
            color: theme::segment(order, &order[j]),
            customers,
        })
        .collect()
}

/// The (top, bottom) of each block, stacked with gaps and centred in `room` below `top`.
fn stack(blocks: &[Block], scale: f64, top: f64, room: f64) -> Vec<(f64, f64)> {
    let gaps = GAP * blocks.len().saturating_sub(1) as f64;
    let used = blocks
        .iter()
        .map(|b| b.customers as f64 * scale)
        .sum::<f64>()
        + gaps;
    let mut y = top + (room - used).max(0.0) / 2.0;
    blocks
        .iter()
        .map(|b| {
            let span = (y, y + b.customers as f64 * scale);
            y = span.1 + GAP;
            span
        })
        .collect()
}

/// Customers who moved from `source` to the second date's segment `target`.
fn flow(migration: &Migration, source: Option<usize>, target: usize) -> usize {
    match source {
        Some(i) => migration.counts()[i][target],
        None => migration.arrived()[target],
    }
}

/// One band per non-empty move: it leaves its source block below the bands to earlier targets
/// and enters its target block below the bands from earlier sources.
fn draw_flows<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    migration: &Migration,
    (sources, source_spans): (&[Block], &[(f64, f64)]),
    (targets, target_spans): (&[Block], &[(f64, f64)]),
    scale: f64,
    (x0, x1): (f64, f64),
) -> Result<()> {
    let mut entered: Vec<f64> = target_spans.iter().map(|span| span.0).collect();
    for (source, span) in sources.iter().zip(source_spans) {
        let mut left = span.0;
        for (k, target) in targets.iter().enumerate() {
            let Some(j) = target.segment else {
                continue;
            };
            let customers = flow(migration, source.segment, j);
            if customers == 0 {
                continue;
            }
            let width = customers as f64 * scale;
            let points = band(
                (x0, x1),
                (left, left + width),
                (entered[k], entered[k] + width),
            );
            area.draw(&Polygon::new(points, source.color.mix(FLOW_ALPHA).filled()))
                .map_err(drawing_error)?;
            left += width;
            entered[k] += width;
        }
    }
    Ok(())
}

/// The outline of a band from `(top, bottom)` at `x0` to `(top, bottom)` at `x1`: both edges
/// follow a smooth S curve.
fn band((x0, x1): (f64, f64), from: (f64, f64), to: (f64, f64)) -> Vec<(i32, i32)> {
    let point = |a: f64, b: f64, k: usize| {
        let t = k as f64 / CURVE_STEPS as f64;
        let eased = t * t * (3.0 - 2.0 * t);
        (
            (x0 + (x1 - x0) * t).round() as i32,
            (a + (b - a) * eased).round() as i32,
        )
    };
    let top = (0..=CURVE_STEPS).map(|k| point(from.0, to.0, k));
    let bottom = (0..=CURVE_STEPS).rev().map(|k| point(from.1, to.1, k));
    top.chain(bottom).collect()
}

/// A date's stacked bar at `x`, with each block's label beside it on the `side` given (labels
/// pushed apart where blocks are too thin to hold them).
fn draw_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    blocks: &[Block],
    spans: &[(f64, f64)],
    x: i32,
    side: HPos,
) -> Result<()> {
    for (block, &(top, bottom)) in blocks.iter().zip(spans) {
        area.draw(&Rectangle::new(
            [(x, top.round() as i32), (x + BAR, bottom.round() as i32)],
            block.color.filled(),
        ))
        .map_err(drawing_error)?;
    }
    let (_, height) = area.dim_in_pixel();
    let centres: Vec<f64> = spans.iter().map(|(a, b)| (a + b) / 2.0).collect();
    let label_x = match side {
        HPos::Right => x - 8,
        _ => x + BAR + 8,
    };
    for (block, y) in blocks.iter().zip(spread(&centres, f64::from(height) - 6.0)) {
        area.draw(&Text::new(
            block.label.clone(),
            (label_x, y.round() as i32),
            (FONT, LABEL_FONT)
                .into_font()
                .color(&INK)
                .pos(Pos::new(side, VPos::Center)),
        ))
        .map_err(drawing_error)?;
    }
    Ok(())
}

/// Label positions near `centres` (ascending) at least [`LABEL_SPACING`] apart and not below
/// `bottom`.
fn spread(centres: &[f64], bottom: f64) -> Vec<f64> {
    let mut ys = centres.to_vec();
    for k in 1..ys.len() {
        ys[k] = ys[k].max(ys[k - 1] + LABEL_SPACING);
    }
    let overflow = ys.last().map_or(0.0, |last| last - bottom);
    if overflow > 0.0 {
        let n = ys.len();
        ys[n - 1] = bottom;
        for k in (0..n - 1).rev() {
            ys[k] = ys[k].min(ys[k + 1] - LABEL_SPACING);
        }
    }
    ys
}

/// The two dates above their bars.
fn draw_dates<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    migration: &Migration,
    left: i32,
    right: i32,
) -> Result<()> {
    for (date, x) in [(migration.from(), left), (migration.to(), right)] {
        area.draw(&Text::new(
            date.to_string(),
            (x + BAR / 2, 4),
            (FONT, LABEL_SIZE)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(drawing_error)?;
    }
    Ok(())
}
