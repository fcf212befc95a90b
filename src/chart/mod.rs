//! Charts as SVG, drawn with plotters in one theme: segment bars, treemap, R/F/M histograms, the
//! R x F heatmap, monthly trends, segments by dimension, box plots per segment, segment migration
//! as an alluvial diagram ([`migration`]); and for clusters
//! ([`cluster`]): the elbow of inertia over k, the quality metrics of several models over k, the
//! silhouette plot, the PCA scatter, the snake plot and the profile heatmap.
//!
//! Every chart takes data the library produced (a [`crate::rfm::RfmTable`], a
//! [`crate::rfm::SegmentSummary`], a [`crate::data::sanity::SanityReport`], a
//! [`crate::cluster::selection::Selection`], a [`crate::cluster::profile::ClusterProfiles`], ...)
//! and returns a [`Chart`]:
//! an SVG string that shows itself in an evcxr notebook, saves to a file, and embeds in reports.

pub mod bars;
pub mod boxplot;
pub mod cluster;
pub mod clv;
pub mod distribution;
pub mod heatmap;
pub mod histogram;
pub mod migration;
pub mod theme;
pub mod treemap;
pub mod treemap_layout;
pub mod trend;

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// A finished chart: standalone SVG markup.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    title: String,
    svg: String,
}

impl Chart {
    pub(crate) fn new(title: impl Into<String>, svg: String) -> Self {
        Chart {
            title: title.into(),
            svg,
        }
    }

    /// The chart's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The SVG markup (an `<svg>` element with a `viewBox`, so it scales to its container).
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Writes the SVG to a file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.svg).map_err(|e| Error::io(path, e))
    }

    /// Shows the chart inline in an evcxr (Jupyter) notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT",
            self.svg
        );
    }
}

/// The integer range of a category axis with `n` categories at 0..n - 1: plotters' segmented
/// integer ranges include their end, so `0..n` would draw an empty slot at the end. A single
/// category keeps the extra slot, because plotters draws a one-value range at pixel 0.
pub(crate) fn category_axis(n: u32) -> std::ops::Range<u32> {
    if n > 1 { 0..n - 1 } else { 0..1 }
}

/// The label of a horizontal category axis whose first category is drawn at the top: plotters
/// counts segments from the bottom.
pub(crate) fn top_down_label(
    names: &[String],
    value: &plotters::coord::ranged1d::SegmentValue<u32>,
) -> String {
    match value {
        plotters::coord::ranged1d::SegmentValue::CenterOf(i) => names
            .len()
            .checked_sub(1 + *i as usize)
            .and_then(|k| names.get(k))
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Draws a chart of `width` x `height` pixels on white: `draw` paints the whole area, then the
/// SVG is made to scale to its container. The set-up every chart shares.
pub(crate) fn svg_chart(
    title: impl Into<String>,
    (width, height): (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<Chart> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_error)?;
        draw(root.clone())?;
        root.present().map_err(drawing_error)?;
    }
    Ok(Chart::new(title, responsive(svg, width, height)))
}

/// The area under a chart title in the theme's title font.
pub(crate) fn titled<'a>(
    area: &DrawingArea<SVGBackend<'a>, Shift>,
    title: &str,
) -> Result<DrawingArea<SVGBackend<'a>, Shift>> {
    use theme::{FONT, INK, TITLE_SIZE};
    area.titled(title, (FONT, TITLE_SIZE).into_font().color(&INK))
        .map_err(drawing_error)
}

/// Turns a plotters error into ours.
pub(crate) fn drawing_error<E: std::fmt::Display>(error: E) -> Error {
    Error::Chart(error.to_string())
}

/// Makes plotters' fixed-size SVG scale to its container: the fixed width and height give way to
/// `width="100%"` (plotters already writes the `viewBox`).
pub(crate) fn responsive(svg: String, width: u32, height: u32) -> String {
    let fixed = format!("width=\"{width}\" height=\"{height}\"");
    let scalable = if svg.contains("viewBox=") {
        "width=\"100%\" role=\"img\"".to_string()
    } else {
        format!("width=\"100%\" viewBox=\"0 0 {width} {height}\" role=\"img\"")
    };
    svg.replacen(&fixed, &scalable, 1)
}
