//! Segment treemap: one rectangle per segment, its area the number of customers.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chart::theme::{self, FONT, INK, TITLE_SIZE, WIDTH};
use crate::chart::treemap_layout::squarify;
use crate::chart::{Chart, drawing_error, svg_chart};
use crate::error::{Error, Result};
use crate::frame::{float_values, text_values};
use crate::rfm::SegmentSummary;

/// A squarified treemap of segments sized by customers, labelled with the segment's name, its
/// share of customers and its share of revenue. Colours follow the map's segment order, as in
/// the other segment charts.
pub fn segment_treemap(summary: &SegmentSummary) -> Result<Chart> {
    if summary.dimension().is_some() {
        return Err(Error::param(
            "summary",
            "segment_treemap takes the overall summary",
        ));
    }
    let frame = &summary.frame();
    let names = text_values(frame, "segment")?;
    let customers = float_values(frame, "customers")?;
    let customer_share = float_values(frame, "customer_share")?;
    let revenue_share = float_values(frame, "revenue_share")?;
    let (width, height) = (WIDTH, 520u32);
    let top = 40u32;
    let cells = squarify(
        &customers,
        f64::from(width - 16),
        f64::from(height - top - 8),
    );
    svg_chart("Segments by number of customers", (width, height), |root| {
        root.draw(&Text::new(
            "Segments by number of customers",
            (width as i32 / 2, 10),
            (FONT, TITLE_SIZE)
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(drawing_error)?;
        for (k, cell) in cells.iter().enumerate() {
            if cell.w <= 0.0 || cell.h <= 0.0 {
                continue;
            }
            let x0 = 8 + cell.x.round() as i32;
            let y0 = top as i32 + cell.y.round() as i32;
            let x1 = 8 + (cell.x + cell.w).round() as i32;
            let y1 = top as i32 + (cell.y + cell.h).round() as i32;
            let fill = theme::segment(summary.segment_order(), &names[k]);
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.filled()))
                .map_err(drawing_error)?;
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.stroke_width(2)))
                .map_err(drawing_error)?;
            // Label only where it fits; small cells stay readable through the legend elsewhere.
            let (w, h) = (x1 - x0, y1 - y0);
            let ink = theme::text_on(fill);
            if w >= 70 && h >= 36 {
                let size = if w >= 160 && h >= 60 { 16 } else { 12 };
                let cx = (x0 + x1) / 2;
                let cy = (y0 + y1) / 2;
                root.draw(&Text::new(
                    names[k].clone(),
                    (cx, cy - size / 2 - 2),
                    (FONT, size)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(drawing_error)?;
                root.draw(&Text::new(
                    format!(
                        "{:.1}% cust. / {:.1}% rev.",
                        customer_share[k] * 100.0,
                        revenue_share[k] * 100.0
                    ),
                    (cx, cy + size / 2 + 4),
                    (FONT, size - 2)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(drawing_error)?;
            }
        }
        Ok(())
    })
}
