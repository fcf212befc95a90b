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
    let row = |label: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in {text}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("read  "), ["read", "227"]);
    assert_eq!(row("kept  "), ["kept", "220"]);
    // The counts line up in one column however long the reasons are.
    let ends: std::collections::BTreeSet<usize> = text
        .lines()
        .skip_while(|l| *l != "Rows")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::len)
        .collect();
    assert_eq!(ends.len(), 1, "{text}");
}

/// Three planted groups of customers: recent frequent big spenders, lapsed one-off small
/// spenders, and a middle group; small jitter inside each group.
fn planted_customers(dir: &std::path::Path) -> (std::path::PathBuf, Vec<usize>) {
    let mut text = String::from("customer_id,recency,frequency,monetary,region\n");
    let mut groups = Vec::new();
    for i in 0..60usize {
        let group = i % 3;
        let jitter = (i / 3) as f64 * 0.01;
        let (r, f, m) = match group {
            0 => (3.0 + jitter, 40.0 + jitter, 9000.0 + jitter),
            1 => (300.0 + jitter, 1.0 + jitter, 20.0 + jitter),
            _ => (60.0 + jitter, 6.0 + jitter, 600.0 + jitter),
        };
        text.push_str(&format!("C{i:03},{r},{f},{m},north\n"));
        groups.push(group);
    }
    let path = dir.join("customers.csv");
    std::fs::write(&path, text).unwrap();
    (path, groups)
}

#[test]
fn cluster_writes_the_selection_and_assignment_contracts_and_recovers_planted_groups() {
    let dir = tempfile::tempdir().unwrap();
    let (input, groups) = planted_customers(dir.path());
    let run = |selection: &str, assignment: &str| {
        custseg(&[
            "cluster",
            input.to_str().unwrap(),
            "--features",
            "recency,frequency,monetary",
            "--transform",
            "log1p,standard",
            "--k",
            "2..5",
            "--seed",
            "7",
            "--selection",
            dir.path().join(selection).to_str().unwrap(),
            "--assign",
            "3",
            "--output",
            dir.path().join(assignment).to_str().unwrap(),
        ])
    };
    let out = run("sel.csv", "assign.csv");
    run("sel2.csv", "assign2.csv");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(read("sel.csv"), read("sel2.csv"), "same seed, same bytes");
    assert_eq!(
        read("assign.csv"),
        read("assign2.csv"),
        "same seed, same bytes"
    );
    let selection = read_expected_path(&dir.path().join("sel.csv"));
    let header = read("sel.csv");
    let columns: Vec<&str> = header.lines().next().unwrap().split(',').collect();
    assert_eq!(
        columns,
        [
            "model",
            "k",
            "inertia",
            "silhouette",
            "calinski_harabasz",
            "davies_bouldin"
        ]
    );
    let ks: Vec<&str> = selection.iter().map(|r| r["k"].as_str()).collect();
    assert_eq!(ks, ["2", "3", "4", "5"]);
    let best = selection
        .iter()
        .max_by(|a, b| {
            let s = |r: &std::collections::BTreeMap<String, String>| {
                r["silhouette"].parse::<f64>().unwrap()
            };
            s(a).total_cmp(&s(b))
        })
        .unwrap();
    assert_eq!(best["k"], "3", "the planted k has the best silhouette");

    let assignment = read_expected_path(&dir.path().join("assign.csv"));
    assert_eq!(
        read("assign.csv").lines().next().unwrap(),
        "customer_id,cluster,recency,frequency,monetary"
    );
    assert_eq!(assignment.len(), 60, "every customer assigned once");
    // Same partition as planted: customers share a cluster exactly when they share a group.
    for i in 0..60 {
        for j in 0..60 {
            assert_eq!(
                assignment[i]["cluster"] == assignment[j]["cluster"],
                groups[i] == groups[j],
                "customers {i} and {j}"
            );
        }
    }
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("recent, frequent, high spend"),
        "profile names printed: {printed}"
    );
}

#[test]
fn cluster_compares_every_model_and_reports_bad_features() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = planted_customers(dir.path());
    let selection = dir.path().join("all.csv");
    custseg(&[
        "cluster",
        input.to_str().unwrap(),
        "--features",
        "recency,frequency,monetary",
        "--model",
        "all",
        "--k",
        "3",
        "--selection",
        selection.to_str().unwrap(),
    ]);
    let rows = read_expected_path(&selection);
    let models: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["model"].as_str(), r["k"].as_str()))
        .collect();
    // DBSCAN (eps 0.5 on standard-scaled features) finds the three planted groups by itself.
    assert_eq!(
        models,
        [
            ("kmeans", "3"),
            ("gmm", "3"),
            ("dbscan", "3"),
            ("hierarchical", "3"),
            ("spectral", "3")
        ]
    );
    let silhouettes: Vec<&str> = rows.iter().map(|r| r["silhouette"].as_str()).collect();
    assert!(
        silhouettes.windows(2).all(|w| w[0] == w[1]),
        "all five models find the same partition: {silhouettes:?}"
    );

    for (features, expect) in [
        ("recency,spend", "no column \"spend\""),
        (
            "recency,region",
            "column \"region\" has 60 missing or not numbers",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_custseg"))
            .args(["cluster", input.to_str().unwrap(), "--features", features])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains(expect), "{features}: {err}");
        assert!(err.contains("customers.csv"), "names the file: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn cluster_on_transactions_uses_rfm_features() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("parity/ties_transactions.csv");
    let assignment = dir.path().join("a.csv");
    custseg(&[
        "cluster",
        input.to_str().unwrap(),
        "--k",
        "2..3",
        "--assign",
        "2",
        "--output",
        assignment.to_str().unwrap(),
    ]);
    let rows = read_expected_path(&assignment);
    let expected = read_expected("parity/ties_expected.csv");
    assert_eq!(rows.len(), expected.len(), "one row per RFM customer");
    for (got, want) in rows.iter().zip(&expected) {
        assert_eq!(got["customer_id"], want["customer_id"]);
        for measure in ["recency", "frequency", "monetary"] {
            let number = |row: &std::collections::BTreeMap<String, String>| {
                row[measure].parse::<f64>().unwrap()
            };
            let (g, w) = (number(got), number(want));
            assert!(
                (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{measure}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    // `custseg sanity data.csv | head` closes the pipe early: no panic, no error.
    let input = fixture("parity/ties_transactions.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(["sanity", input.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{stderr}");
}

/// `rfm` says when an input could not be aggregated while reading (memory then grows with the
/// rows), and says nothing when it was.
#[test]
fn rfm_says_when_the_input_was_loaded_in_memory() {
    let text = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n\
                1,10,2011-01-02 10:00:00,1,2.5\n\
                2,11,2011-01-03 10:00:00,2,1.5\n";
    let dir = tempfile::tempdir().unwrap();
    let utf8 = dir.path().join("utf8.csv");
    std::fs::write(&utf8, text).unwrap();
    // UTF-16 with a byte-order mark: decoded whole, so loaded in memory.
    let utf16 = dir.path().join("utf16.csv");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    let note = "was loaded in memory";
    let out = custseg(&["rfm", utf8.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(note));
    let out = custseg(&["rfm", utf16.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(note) && stderr.contains("utf16.csv"),
        "{stderr}"
    );
    // The same table either way.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&custseg(&["rfm", utf8.to_str().unwrap()]).stdout)
    );
}
