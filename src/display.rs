//! Rich display in notebooks: tables as compact HTML, for the evcxr Jupyter kernel.
//!
//! evcxr shows the value of a cell's last expression through an `evcxr_display` method. custseg's
//! own types have one; any polars frame gets one through [`Show`]: `df.show()`.

use std::fmt::Write;

use polars::prelude::*;

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML table made from a frame, ready to show in a notebook.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlTable {
    html: String,
}

impl HtmlTable {
    /// The HTML markup.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// Shows the table in an evcxr notebook.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.html
        );
    }
}

/// `.show()` on any polars frame: an [`HtmlTable`] of at most 20 rows (the first and last ten).
pub trait Show {
    /// The frame as a notebook table.
    fn show(&self) -> HtmlTable;
    /// The same with a row limit.
    fn show_rows(&self, max_rows: usize) -> HtmlTable;
}

impl Show for DataFrame {
    fn show(&self) -> HtmlTable {
        self.show_rows(20)
    }

    fn show_rows(&self, max_rows: usize) -> HtmlTable {
        HtmlTable {
            html: html_table(self, max_rows),
        }
    }
}

fn cell_text(value: &AnyValue, share: bool) -> (String, bool) {
    match value {
        AnyValue::Null => (String::new(), false),
        AnyValue::Float64(v) if share => (format!("{:.1}%", v * 100.0), true),
        AnyValue::Float64(v) => (format_float(*v), true),
        AnyValue::Float32(v) => (format_float(f64::from(*v)), true),
        AnyValue::String(s) => (s.to_string(), false),
        AnyValue::StringOwned(s) => (s.to_string(), false),
        v if v.dtype().is_primitive_numeric() => (v.to_string(), true),
        v => (v.to_string().trim_matches('"').to_string(), false),
    }
}

fn format_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Renders `frame` as an HTML table (escaped), truncating to `max_rows` rows with an ellipsis row.
pub fn html_table(frame: &DataFrame, max_rows: usize) -> String {
    let height = frame.height();
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let rows: Vec<Option<usize>> = if height <= max_rows.max(2) {
        (0..height).map(Some).collect()
    } else {
        let head = max_rows.max(2) / 2;
        (0..head)
            .map(Some)
            .chain([None])
            .chain((height - head..height).map(Some))
            .collect()
    };
    let mut out =
        String::from("<table style=\"border-collapse:collapse;font-size:13px\"><thead><tr>");
    for name in &names {
        let _ = write!(
            out,
            "<th style=\"padding:2px 8px;border-bottom:1px solid #999\">{}</th>",
            escape_html(name)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        match row {
            None => {
                for _ in &names {
                    out.push_str("<td style=\"padding:2px 8px;text-align:center\">…</td>");
                }
            }
            Some(i) => {
                for (column, name) in frame.columns().iter().zip(&names) {
                    let value = column.get(i).unwrap_or(AnyValue::Null);
                    let (text, numeric) = cell_text(&value, name.ends_with("_share"));
                    let align = if numeric { "right" } else { "left" };
                    let _ = write!(
                        out,
                        "<td style=\"padding:2px 8px;text-align:{align}\">{}</td>",
                        escape_html(&text)
                    );
                }
            }
        }
        out.push_str("</tr>");
    }
    let _ = write!(
        out,
        "</tbody></table><p style=\"font-size:12px;color:#666\">{height} rows × {} columns</p>",
        names.len()
    );
    out
}

/// The line a streamed result shows above itself in a notebook: how many customers came from how
/// many rows, and whether the rows were aggregated while read or loaded in memory.
pub(crate) fn streamed_line(
    customers: usize,
    rows_kept: usize,
    rows_in: usize,
    streamed: bool,
) -> String {
    let n = crate::format::NumberFormat::default();
    format!(
        "<p>{} customers from {} of {} rows ({})</p>",
        n.count(customers),
        n.count(rows_kept),
        n.count(rows_in),
        if streamed {
            "aggregated while reading"
        } else {
            "loaded in memory"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_truncates_and_formats() {
        let frame = DataFrame::new(
            25,
            vec![
                Column::new(
                    "name".into(),
                    (0..25)
                        .map(|i| {
                            if i == 0 {
                                "<script>".to_string()
                            } else {
                                format!("c{i}")
                            }
                        })
                        .collect::<Vec<_>>(),
                ),
                Column::new("revenue_share".into(), vec![0.25; 25]),
                Column::new("monetary".into(), vec![12.345; 25]),
            ],
        )
        .unwrap();
        let html = frame.show_rows(6).html().to_string();
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("25.0%") && html.contains("12.35"));
        assert_eq!(
            html.matches("<tr>").count(),
            1 + 3 + 1 + 3,
            "header, 3 head rows, ellipsis, 3 tail rows"
        );
        assert!(html.contains("c24") && !html.contains(">c10<"));
        assert!(html.contains("25 rows × 3 columns"));
    }
}
