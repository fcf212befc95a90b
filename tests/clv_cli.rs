//! `custseg clv`: the output columns, the parameters file, the holdout check and bad flags.

mod common;

use std::process::Command;

use common::{fixture, read_expected_path};

fn custseg(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_custseg"))
        .args(args)
        .output()
        .unwrap()
}

const CDNOW: [&str; 5] = [
    "--delimiter",
    "space",
    "--columns",
    "customer_id,id2,date,quantity,amount",
    "--keep-non-positive",
];

#[test]
fn clv_writes_the_contract_columns_and_the_parameters_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("clv.csv");
    let params = dir.path().join("params.json");
    let input = fixture("clv/CDNOW_sample.txt");
    let mut args = vec!["clv", input.to_str().unwrap()];
    args.extend(CDNOW);
    args.extend([
        "--observation-end",
        "1997-09-30",
        "--params",
        params.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    let out = custseg(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("BG/NBD on 2357 customers (time in weeks), log-likelihood -9582.43"),
        "{stdout}"
    );
    assert!(stdout.contains("(s.e. 0.0126)"), "{stdout}");
    assert!(
        stderr.contains("1959 transactions after the observation end (1997-09-30) left out"),
        "{stderr}"
    );
    let header = std::fs::read_to_string(&output).unwrap();
    assert_eq!(
        header.lines().next().unwrap(),
        "customer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_spend,clv,segment"
    );
    let rows = read_expected_path(&output);
    assert_eq!(rows.len(), 2357);
    // Customer 4 of lifetimes' documentation: x = 2, t_x = 30.43, T = 38.86 weeks.
    let first = &rows[0];
    assert_eq!(first["customer_id"], "00004");
    let value = |c: &str| first[c].parse::<f64>().unwrap();
    assert!((value("p_alive") - 0.72662).abs() < 1e-4);
    assert!((value("clv") - 36.27398).abs() < 1e-3);
    assert!(!first["segment"].is_empty());
    assert!(rows.iter().all(|r| {
        let p: f64 = r["p_alive"].parse().unwrap();
        (0.0..=1.0).contains(&p) && r["clv"].parse::<f64>().unwrap() >= 0.0
    }));

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&params).unwrap()).unwrap();
    let bg = &json["bg_nbd"];
    for (key, want) in [
        ("r", 0.2426),
        ("alpha", 4.4136),
        ("a", 0.7929),
        ("b", 2.4259),
    ] {
        assert!(
            (bg[key].as_f64().unwrap() - want).abs() < 1e-3,
            "{key}: {}",
            bg[key]
        );
    }
    assert!((bg["log_likelihood"].as_f64().unwrap() - -9582.43).abs() < 0.01);
    for key in ["p", "q", "v"] {
        assert!(json["gamma_gamma"][key].as_f64().unwrap() > 0.0);
    }
    assert!(json.get("pareto_nbd").is_none());

    // Same input, same bytes.
    let again = dir.path().join("again.csv");
    let mut args2 = args.clone();
    let last = args2.len() - 1;
    args2[last] = again.to_str().unwrap();
    assert!(custseg(&args2).status.success());
    assert_eq!(
        std::fs::read(&output).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn clv_from_a_summary_file_fits_and_predicts_as_from_the_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let from_transactions = dir.path().join("transactions.csv");
    let input = fixture("clv/CDNOW_sample.txt");
    let mut args = vec!["clv", input.to_str().unwrap()];
    args.extend(CDNOW);
    args.extend(["--observation-end", "1997-09-30", "-o"]);
    args.push(from_transactions.to_str().unwrap());
    assert!(custseg(&args).status.success());

    // lifetimes' summary of the same customers at the same observation end.
    let from_summary = dir.path().join("summary.csv");
    let summary = fixture("clv/cdnow_sample_summary.csv");
    let out = custseg(&[
        "clv",
        summary.to_str().unwrap(),
        "--summary",
        "--unit",
        "week",
        "-o",
        from_summary.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("BG/NBD on 2357 customers (time in weeks), log-likelihood -9582.43"),
        "{stdout}"
    );
    let id = |row: &std::collections::BTreeMap<String, String>| {
        row["customer_id"].parse::<u32>().unwrap()
    };
    let expected: std::collections::HashMap<u32, _> = read_expected_path(&from_transactions)
        .into_iter()
        .map(|row| (id(&row), row))
        .collect();
    let rows = read_expected_path(&from_summary);
    assert_eq!(rows.len(), 2357);
    for row in &rows {
        let want = &expected[&id(row)];
        for column in ["p_alive", "expected_purchases", "expected_spend", "clv"] {
            let (got, want): (f64, f64) =
                (row[column].parse().unwrap(), want[column].parse().unwrap());
            assert!(
                // The fits stop within BFGS's tolerance of the same optimum, from sums taken in
                // another order.
                (got - want).abs() <= 1e-6 * want.abs().max(1.0),
                "customer {}: {column} {got} vs {want}",
                id(row)
            );
        }
        // RFM segments need the transactions.
        assert_eq!(row["segment"], "\"\"");
    }

    // A summary without a column the models need, and flags that need transactions.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "customer_id,frequency,recency,T\n1,2,3.5,10\n").unwrap();
    let out = custseg(&["clv", bad.to_str().unwrap(), "--summary", "-o", "x.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("bad.csv")
            && stderr.contains("no column \"monetary_value\""),
        "{stderr}"
    );
    std::fs::write(
        &bad,
        "customer_id,frequency,recency,T,monetary_value\n1,2,3.5,10,7\n2,one,0,4,0\n",
    )
    .unwrap();
    let out = custseg(&["clv", bad.to_str().unwrap(), "--summary", "-o", "x.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("column \"frequency\": data row 2: \"one\" is not a number"),
        "{stderr}"
    );
    let out = custseg(&[
        "clv",
        summary.to_str().unwrap(),
        "--summary",
        "--holdout-days",
        "90",
        "-o",
        "x.csv",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--holdout-days"));
}

#[test]
fn clv_says_why_standard_errors_are_missing() {
    // Online Retail's first nine months: the BG/NBD fit ends with a near 0 (nobody seems to drop
    // out), where the likelihood is flat: a fit, without standard errors, and the reason printed.
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("clv.csv");
    let out = custseg(&[
        "clv",
        "--observation-end",
        "2011-09-09",
        "-o",
        output.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("(s.e. -)"), "{stdout}");
    assert!(
        stdout.contains("no standard errors: the likelihood is flat where the fit ended"),
        "{stdout}"
    );
}

#[test]
fn clv_pareto_nbd_and_the_holdout_check() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("clv.csv");
    let params = dir.path().join("params.json");
    let input = fixture("clv/CDNOW_sample.txt");
    let mut args = vec!["clv", input.to_str().unwrap()];
    args.extend(CDNOW);
    args.extend([
        "--model",
        "paretonbd",
        "--calibration-end",
        "1997-09-30",
        "--params",
        params.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    let out = custseg(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Holdout check: fitted to 1997-09-30, predicted 39.0 weeks to 1998-06-30 for 2357 customers"), "{stdout}");
    assert!(stdout.contains("repeat purchases: actual 1882"), "{stdout}");
    assert!(stdout.contains("                     7+"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&params).unwrap()).unwrap();
    assert!(json["pareto_nbd"]["s"].as_f64().unwrap() > 0.0);
    assert!(json.get("bg_nbd").is_none());
}

#[test]
fn clv_flags_are_checked_in_the_words_of_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("clv.csv");
    for (flag, value, expected) in [
        (
            "--unit",
            "fortnight",
            "invalid `--unit`: unknown unit \"fortnight\"; use day, week or month",
        ),
        (
            "--model",
            "gamma",
            "invalid `--model`: unknown model \"gamma\"; use bgnbd or paretonbd",
        ),
        (
            "--penalizer",
            "-1",
            "invalid `--penalizer`: must be 0 or more, got -1",
        ),
        (
            "--horizon-months",
            "0",
            "invalid `--horizon-months`: must be at least 1",
        ),
        ("--discount-rate", "-2", "invalid `--discount-rate`"),
    ] {
        let flag_value = format!("{flag}={value}");
        let out = custseg(&["clv", &flag_value, "-o", output.to_str().unwrap()]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{flag}: {stderr}");
    }
    let out = custseg(&["clv", "--params", "p.txt", "-o", output.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--params"));
}
