//! Every chart draws the marks its data calls for: bars, cells, labels, points.

mod common;

use common::*;
use custseg::prelude::*;

fn fixture_table() -> (Transactions, RfmTable) {
    let options = LoadOptions {
        roles: ColumnRoles {
            dimensions: vec!["Country".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    let tx = Transactions::load(fixture("parity/ties_transactions.csv"), &options).unwrap();
    let rfm = RfmParams::new().fit(&tx).unwrap();
    (tx, rfm)
}

#[test]
fn segment_bars_have_two_bars_and_labels_per_segment() {
    let (_, rfm) = fixture_table();
    let summary = rfm.segment_summary().unwrap();
    let names = texts(&summary.frame(), "segment");
    let shares = floats(&summary.frame(), "customer_share");
    let svg = segment_bars(&summary).unwrap().svg().to_string();
    assert_eq!(
        filled(&svg, "rect", "#2663A3"),
        names.len(),
        "one customer-share bar per segment"
    );
    assert_eq!(
        filled(&svg, "rect", "#E67E22"),
        names.len(),
        "one revenue-share bar per segment"
    );
    let text = labels(&svg);
    for (name, share) in names.iter().zip(&shares) {
        assert!(text.contains(name), "label {name}");
        assert!(
            text.contains(&format!("{:.1}%", share * 100.0)),
            "value label of {name}"
        );
    }
    assert!(svg.contains("width=\"100%\"") && svg.matches("viewBox").count() == 1);
}

#[test]
fn treemap_has_one_cell_per_segment() {
    let (_, rfm) = fixture_table();
    let summary = rfm.segment_summary().unwrap();
    let n = texts(&summary.frame(), "segment").len();
    let svg = segment_treemap(&summary).unwrap().svg().to_string();
    let order = summary.segment_order();
    for name in texts(&summary.frame(), "segment") {
        let color = custseg::chart::theme::segment(order, &name);
        assert_eq!(filled(&svg, "rect", &hex(color)), 1, "{name}");
    }
    // The biggest segment's cell is large enough to carry its name.
    let customers = floats(&summary.frame(), "customers");
    let biggest = (0..n)
        .max_by(|&a, &b| customers[a].total_cmp(&customers[b]))
        .unwrap();
    assert!(labels(&svg).contains(&texts(&summary.frame(), "segment")[biggest]));
}

#[test]
fn histograms_have_thirty_bins_per_measure() {
    let (_, rfm) = fixture_table();
    let svg = rfm_histograms(&rfm).unwrap().svg().to_string();
    assert_eq!(filled(&svg, "rect", "#2663A3"), 30, "recency bins");
    assert_eq!(filled(&svg, "rect", "#59A14F"), 30, "frequency bins");
    assert_eq!(filled(&svg, "rect", "#E67E22"), 30, "monetary bins");
    let text = labels(&svg);
    for caption in ["recency", "frequency", "monetary"] {
        assert!(text.iter().any(|t| t == caption), "{caption}");
    }
}

#[test]
fn heatmap_labels_every_non_empty_cell() {
    let (_, rfm) = fixture_table();
    let r = texts(&rfm.frame(), "r");
    let f = texts(&rfm.frame(), "f");
    let mut cells: Vec<(String, String)> = r.into_iter().zip(f).collect();
    cells.sort();
    cells.dedup();
    let svg = rf_heatmap(&rfm, HeatmapMeasure::Customers)
        .unwrap()
        .svg()
        .to_string();
    // Cell labels are the customer counts; axis tick labels are single digits 1..5 too, so count
    // the cell rectangles instead: every non-empty cell has one filled rectangle of the blue ramp.
    let cell_rects = svg
        .split("<rect")
        .skip(1)
        .map(|r| r.split("/>").next().unwrap_or(""))
        .filter(|r| !r.contains("fill=\"#FFFFFF\""))
        .count();
    assert_eq!(cell_rects, cells.len());
    assert!(labels(&svg).iter().any(|t| t == "F score (frequency)"));
}

#[test]
fn trend_has_a_point_and_label_per_month() {
    let (tx, _) = fixture_table();
    let months: Vec<String> = tx.sanity().months.iter().map(|m| m.month.clone()).collect();
    let svg = monthly_trend(tx.sanity()).unwrap().svg().to_string();
    assert_eq!(svg.matches("<circle").count(), 2 * months.len());
    let text = labels(&svg);
    for month in &months {
        assert_eq!(
            text.iter().filter(|t| *t == month).count(),
            2,
            "{month} labelled on both panels"
        );
    }
}

#[test]
fn dimension_chart_and_box_plots_name_their_categories() {
    let (tx, rfm) = fixture_table();
    let by = rfm.segment_summary_by(&tx, "Country").unwrap();
    let svg = segments_by_dimension(&by, 3).unwrap().svg().to_string();
    let text = labels(&svg);
    assert_eq!(
        text.iter().filter(|t| t.ends_with(')')).count(),
        3,
        "top 3 countries with counts: {text:?}"
    );
    assert!(segments_by_dimension(&rfm.segment_summary().unwrap(), 3).is_err());
    let svg = segment_boxplots(&rfm, "monetary")
        .unwrap()
        .svg()
        .to_string();
    let text = labels(&svg);
    for name in texts(&rfm.segment_summary().unwrap().frame(), "segment") {
        assert!(text.contains(&name), "{name}");
    }
    assert!(segment_boxplots(&rfm, "spend").is_err());
}

#[test]
fn chart_text_is_escaped() {
    let (tx, _) = fixture_table();
    let map = SegmentMap::from_toml_str(
        "[[segment]]\nname = \"<script>x</script>\"\nr = [1, 5]\n",
        "m.toml".as_ref(),
    )
    .unwrap();
    let rfm = RfmParams::new().segments(map).fit(&tx).unwrap();
    let svg = segment_bars(&rfm.segment_summary().unwrap())
        .unwrap()
        .svg()
        .to_string();
    assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script"));
}

/// A segment has one colour in every chart, set by its place in the map, whatever segments a
/// chart shows: the treemap, the bars by dimension (with segments missing from some countries)
/// and the box plots agree.
#[test]
fn a_segment_has_the_same_colour_in_every_chart() {
    use custseg::chart::theme;
    let (tx, rfm) = fixture_table();
    let summary = rfm.segment_summary().unwrap();
    let order = summary.segment_order().to_vec();
    assert_eq!(order, SegmentMap::table().segment_names());
    let present = texts(&summary.frame(), "segment");
    assert!(
        present.len() < order.len(),
        "the fixture leaves segments empty"
    );
    let treemap = segment_treemap(&summary).unwrap().svg().to_string();
    let boxes = segment_boxplots(&rfm, "recency").unwrap().svg().to_string();
    let by = rfm.segment_summary_by(&tx, "Country").unwrap();
    assert_eq!(by.segment_order(), order.as_slice());
    let mix = segments_by_dimension(&by, 100).unwrap().svg().to_string();
    for (k, name) in order.iter().enumerate() {
        let color = hex(theme::category(k));
        let expected = usize::from(present.contains(name));
        assert_eq!(filled(&treemap, "rect", &color), expected, "treemap {name}");
        assert_eq!(filled(&boxes, "rect", &color), expected, "box {name}");
        // The legend's square, and a bar piece in each country where the segment has customers.
        let countries = texts(&by.frame(), "segment")
            .iter()
            .filter(|s| *s == name)
            .count();
        assert_eq!(
            filled(&mix, "rect", &color),
            countries + usize::from(countries > 0),
            "mix {name}"
        );
    }
}
