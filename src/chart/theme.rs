//! The one theme every chart uses: sizes, fonts, colours.

use plotters::style::RGBColor;

/// Default chart width in SVG units.
pub const WIDTH: u32 = 880;
/// Font family (left to the browser: SVG needs no font files).
pub const FONT: &str = "Helvetica, Arial, sans-serif";
/// Title size.
pub const TITLE_SIZE: u32 = 20;
/// Axis label size.
pub const LABEL_SIZE: u32 = 14;
/// Text colour.
pub const INK: RGBColor = RGBColor(40, 44, 52);
/// Grid colour.
pub const GRID: RGBColor = RGBColor(225, 228, 232);
/// Primary series colour.
pub const PRIMARY: RGBColor = RGBColor(38, 99, 163);
/// Secondary series colour.
pub const SECONDARY: RGBColor = RGBColor(230, 126, 34);

/// Muted grey for what belongs to no group (DBSCAN's noise).
pub const MUTED: RGBColor = RGBColor(160, 160, 160);

/// A qualitative palette (Tableau 10, colour-blind friendly order) for segments and clusters.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(89, 161, 79),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
    RGBColor(31, 119, 180),
    RGBColor(148, 103, 189),
];

/// The colour of the `i`-th category.
pub fn category(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of a segment: by its place in its map's order (see
/// [`crate::rfm::SegmentSummary::segment_order`]), so that a segment has one colour in every
/// chart of a study, whichever segments a chart shows. A name outside the order gets the colour
/// after the last.
pub fn segment(order: &[String], name: &str) -> RGBColor {
    category(order.iter().position(|s| s == name).unwrap_or(order.len()))
}

/// A sequential colour from light (t = 0) to dark blue (t = 1), for heatmaps.
pub fn sequential(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(lerp(240.0, 8.0), lerp(246.0, 48.0), lerp(252.0, 107.0))
}

/// A diverging colour for signed differences: red at t = -1 (below), near-white at 0, blue at
/// t = 1 (above); t is clamped to [-1, 1] and a non-finite t gives the neutral colour (ColorBrewer
/// RdBu end points).
pub fn diverging(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let (end, s) = if t < 0.0 {
        ((178.0, 24.0, 43.0), -t)
    } else {
        ((33.0, 102.0, 172.0), t)
    };
    let lerp = |a: f64, b: f64| (a + (b - a) * s).round() as u8;
    RGBColor(lerp(247.0, end.0), lerp(247.0, end.1), lerp(247.0, end.2))
}

/// Black or white text, whichever reads better on `background`.
pub fn text_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance > 150.0 {
        INK
    } else {
        RGBColor(255, 255, 255)
    }
}
