//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use custseg::prelude::*;

pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// Reads a small CSV of expected values into rows of (column -> text).
pub fn read_expected(relative: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    read_expected_path(&fixture(relative))
}

/// A CSV file (no quoted commas) as one map per row.
pub fn read_expected_path(
    path: &std::path::Path,
) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

/// A column of a frame as text, one value per row.
pub fn texts(frame: &DataFrame, name: &str) -> Vec<String> {
    let column = frame.column(name).unwrap().cast(&DataType::String).unwrap();
    column
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

pub fn floats(frame: &DataFrame, name: &str) -> Vec<f64> {
    let column = frame
        .column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap();
    column.f64().unwrap().iter().map(|v| v.unwrap()).collect()
}

/// Writes `contents` to a fresh file named `name` in a temporary directory.
pub fn temp_file(name: &str, contents: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}

/// A CSV of `rows` under `header`, and the same rows in reverse order (for sums that must not
/// depend on the order of the rows).
pub fn forward_and_backward(header: &str, rows: &[&str]) -> (String, String) {
    let backward: Vec<&str> = rows.iter().rev().copied().collect();
    (
        format!("{header}\n{}\n", rows.join("\n")),
        format!("{header}\n{}\n", backward.join("\n")),
    )
}

pub fn load(path: &Path) -> custseg::Result<Transactions> {
    Transactions::load(path, &LoadOptions::default())
}

/// The CLI-contract columns of `table` equal a pandas expectation file: ids, recency, frequency,
/// scores, codes and segments exactly, monetary to 1e-9 relative.
pub fn assert_rfm_matches(table: &RfmTable, expected: &str) {
    let expected = read_expected(expected);
    let frame = table.export_frame().unwrap();
    assert_eq!(frame.height(), expected.len(), "customer count");
    for column in [
        "customer_id",
        "recency",
        "frequency",
        "r",
        "f",
        "m",
        "rfm_code",
        "segment",
    ] {
        let got = texts(&frame, column);
        let mismatches: Vec<&String> = expected
            .iter()
            .enumerate()
            .filter(|(i, row)| got[*i] != row[column])
            .map(|(_, r)| &r["customer_id"])
            .take(5)
            .collect();
        assert!(
            mismatches.is_empty(),
            "{column} differs for customers {mismatches:?}"
        );
    }
    let monetary = floats(&frame, "monetary");
    for (i, row) in expected.iter().enumerate() {
        let want: f64 = row["monetary"].parse().unwrap();
        assert!(
            (monetary[i] - want).abs() <= 1e-9 * want.abs().max(1.0),
            "monetary of {}",
            row["customer_id"]
        );
    }
}

/// A colour as plotters writes it in SVG: upper-case hex.
pub fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// SVG elements `<tag .../>` whose attributes contain `fill="color"` (plotters writes upper-case
/// hex).
pub fn filled(svg: &str, tag: &str, color: &str) -> usize {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .filter(|r| {
            r.split("/>")
                .next()
                .unwrap_or("")
                .contains(&format!("fill=\"{color}\""))
        })
        .count()
}

/// The text content of every `<text>` element of an SVG.
pub fn labels(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            t.split_once('>')
                .unwrap()
                .1
                .split("</text>")
                .next()
                .unwrap()
                .trim()
                .to_string()
        })
        .collect()
}

/// The CDNOW sample as custseg reads it: whitespace-aligned, no header, no invoice column. Its 8
/// purchases of $0.00 are purchases all the same (lifetimes and Fader-Hardie count them), so the
/// rule that drops non-positive amounts is off.
pub fn cdnow_sample() -> Transactions {
    let options = LoadOptions {
        rules: CleaningRules {
            drop_non_positive_price: false,
            ..Default::default()
        },
        read: ReadOptions {
            delimiter: Some(' '),
            column_names: ["customer_id", "id2", "date", "quantity", "amount"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        },
        ..Default::default()
    };
    Transactions::load(fixture("clv/CDNOW_sample.txt"), &options).unwrap()
}

/// Runs the custseg binary with `args`.
pub fn run_custseg(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .output()
        .unwrap()
}

/// Whether two frames are the same table to the last bit: column names, types and every value
/// (floats compared by their bits, so NaN equals NaN and 0.0 differs from -0.0). The error names
/// the first difference.
pub fn same_bits(a: &DataFrame, b: &DataFrame) -> Result<(), String> {
    let names = |f: &DataFrame| -> Vec<String> {
        f.get_column_names().iter().map(|n| n.to_string()).collect()
    };
    if names(a) != names(b) {
        return Err(format!("columns {:?} vs {:?}", names(a), names(b)));
    }
    if a.height() != b.height() {
        return Err(format!("{} vs {} rows", a.height(), b.height()));
    }
    for (x, y) in a.columns().iter().zip(b.columns()) {
        if x.dtype() != y.dtype() {
            return Err(format!("{}: {} vs {}", x.name(), x.dtype(), y.dtype()));
        }
        let same = match x.dtype() {
            DataType::Float64 => x
                .f64()
                .unwrap()
                .iter()
                .zip(y.f64().unwrap().iter())
                .all(|(p, q)| p.map(f64::to_bits) == q.map(f64::to_bits)),
            _ => x.equals_missing(y),
        };
        if !same {
            return Err(format!("column {} differs", x.name()));
        }
    }
    Ok(())
}
