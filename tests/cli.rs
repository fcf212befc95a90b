//! The CLI contract: command names, flags, output columns and order, determinism.

mod common;

use std::process::Command;

use common::*;

fn custseg(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn rfm_output_csv_has_the_contract_columns_sorted_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("parity/ties_transactions.csv");
    let first = dir.path().join("a.csv");
    let second = dir.path().join("b.csv");
    for out in [&first, &second] {
        custseg(&[
            "rfm",
            input.to_str().unwrap(),
            "--segments",
            "rf-regex",
            "--output",
            out.to_str().unwrap(),
        ]);
    }
    let text = std::fs::read_to_string(&first).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "customer_id,recency,frequency,monetary,r,f,m,rfm_code,segment"
    );
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
        "same input, same bytes"
    );
    let expected = read_expected("parity/ties_expected.csv");
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let want: Vec<&str> = expected.iter().map(|r| r["customer_id"].as_str()).collect();
    assert_eq!(ids, want, "sorted by customer_id (numerically)");

    let parquet = dir.path().join("c.parquet");
    custseg(&[
        "rfm",
        input.to_str().unwrap(),
        "--output",
        parquet.to_str().unwrap(),
    ]);
    let raw = custseg::data::source::read_table(&parquet, &Default::default()).unwrap();
    assert_eq!(raw.frame.height(), expected.len());
    assert_eq!(raw.frame.width(), 9);
}

#[test]
fn rfm_without_output_prints_the_summary_and_notes() {
    let input = fixture("parity/fallback_transactions.csv");
    let out = custseg(&[
        "rfm",
        input.to_str().unwrap(),
        "--dimension",
        "Country",
        "--by",
        "Country",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("30 customers from 73 of 75 rows"), "{text}");
    assert!(
        text.contains("note: recency: quantile edges are not unique"),
        "{text}"
    );
    assert!(
        text.contains("segment") && text.contains("customer_share") && text.contains("Country"),
        "{text}"
    );
}

#[test]
fn sanity_prints_the_accounting() {
    let input = fixture("parity/ties_transactions.csv");
    let out = custseg(&["sanity", input.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("read                                 227"),
        "{text}"
    );
    assert!(
        text.contains("kept                                 220"),
        "{text}"
    );
}
