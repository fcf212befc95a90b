//! Inputs of several files (a directory, a glob, a list): the same transactions as one file
//! holding the same rows, the row accounting added up, each file named in the sanity report, and
//! clear errors when the files do not fit together.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use custseg::prelude::*;

/// The bundled data's CSV text.
fn online_retail_text() -> String {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(custseg::data::bundled::ONLINE_RETAIL_CSV_GZ)
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Writes the lines `rows` of `text` (after its header) as a CSV file, the header first.
fn write_rows(path: &Path, header: &str, rows: &[&str]) {
    let mut body = String::from(header);
    body.push('\n');
    for row in rows {
        body.push_str(row);
        body.push('\n');
    }
    if path.extension().is_some_and(|e| e == "gz") {
        let file = std::fs::File::create(path).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(body.as_bytes()).unwrap();
        gz.finish().unwrap();
    } else {
        std::fs::write(path, body).unwrap();
    }
}

/// The bundled data cut in three: a CSV, a gzip CSV and a Parquet file (text columns).
fn online_retail_in_three(dir: &Path) -> Vec<PathBuf> {
    let text = online_retail_text();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (a, rest) = rows.split_at(200_000);
    let (b, c) = rest.split_at(150_000);
    let paths = [
        dir.join("part-1.csv"),
        dir.join("part-2.csv.gz"),
        dir.join("part-3.parquet"),
    ];
    write_rows(&paths[0], header, a);
    write_rows(&paths[1], header, b);
    let c_csv = dir.join("part-3.tmp");
    write_rows(&c_csv, header, c);
    let mut frame = custseg::data::source::read_table(&c_csv, &ReadOptions::default())
        .unwrap()
        .frame;
    let file = std::fs::File::create(&paths[2]).unwrap();
    polars::prelude::ParquetWriter::new(file)
        .finish(&mut frame)
        .unwrap();
    std::fs::remove_file(c_csv).unwrap();
    paths.to_vec()
}

fn assert_same_transactions(a: &Transactions, b: &Transactions) {
    assert!(a.frame().equals_missing(&b.frame()), "frames differ");
    let (x, y) = (a.accounting(), b.accounting());
    assert_eq!(
        (x.rows_in, x.rows_kept, &x.dropped, x.product_rows),
        (y.rows_in, y.rows_kept, &y.dropped, y.product_rows)
    );
}

#[test]
fn a_directory_a_glob_and_a_list_load_as_the_single_file() {
    let dir = tempfile::tempdir().unwrap();
    let paths = online_retail_in_three(dir.path());
    let options = LoadOptions::default();
    let whole = Transactions::bundled(&options).unwrap();
    let from_dir = Transactions::load(dir.path(), &options).unwrap();
    assert_same_transactions(&from_dir, &whole);
    let from_glob = Transactions::load(dir.path().join("part-*"), &options).unwrap();
    assert_same_transactions(&from_glob, &whole);
    let from_list = Transactions::load_files(&paths, &options).unwrap();
    assert_same_transactions(&from_list, &whole);
    // Scores too: RFM on the three files is RFM on the one.
    let rfm = |tx: &Transactions| RfmParams::new().fit(tx).unwrap().frame();
    assert!(rfm(&from_dir).equals_missing(&rfm(&whole)));
    // Each file's own counts add up to the input's.
    let files = &from_dir.source().files;
    assert_eq!(files.len(), 3);
    assert_eq!(
        files.iter().map(|f| f.rows_in).collect::<Vec<_>>(),
        [200_000, 150_000, 541_909 - 350_000]
    );
    let kept: usize = files.iter().map(|f| f.rows_kept).sum();
    assert_eq!(kept, whole.accounting().rows_kept);
    assert_eq!(files[2].source.format, FileFormat::Parquet);
    assert!(files[1].source.gzip);
    let report = from_dir.sanity().to_string();
    assert!(report.contains("files: 3"), "{report}");
    assert!(
        report.contains("part-2.csv.gz: 150,000 rows read"),
        "{report}"
    );
    // The input is named as given.
    assert_eq!(from_glob.source().path, dir.path().join("part-*"));
}

const BASKET_HEADER: &str = "transaction_id,member_id,store,product_json,total_amt,payment_date";

/// The basket fixture's rows.
fn basket_rows() -> Vec<String> {
    std::fs::read_to_string(common::fixture("baskets/baskets.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn basket_options(drop_duplicates: bool) -> LoadOptions {
    LoadOptions {
        roles: ColumnRoles {
            basket_json: Some("product_json".into()),
            dimensions: vec!["store".into()],
            ..Default::default()
        },
        rules: CleaningRules {
            drop_duplicates,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn baskets_and_duplicates_across_files_count_as_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let rows = basket_rows();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    // The second file repeats the first file's first row: a duplicate across files.
    let (a, b) = refs.split_at(5);
    let b: Vec<&str> = b.iter().copied().chain([a[0]]).collect();
    let all: Vec<&str> = a.iter().chain(&b).copied().collect();
    write_rows(&dir.path().join("a.csv"), BASKET_HEADER, a);
    write_rows(&dir.path().join("b.csv"), BASKET_HEADER, &b);
    let single = dir.path().join("single.txt");
    write_rows(&single, BASKET_HEADER, &all);
    let files = [dir.path().join("a.csv"), dir.path().join("b.csv")];
    for drop_duplicates in [false, true] {
        let options = basket_options(drop_duplicates);
        let mut read = options.clone();
        read.read.format = Some(FileFormat::Csv);
        let one = Transactions::load(&single, &read).unwrap();
        let two = Transactions::load_files(&files, &options).unwrap();
        assert_same_transactions(&two, &one);
        let duplicates = two.accounting().dropped_for(DropReason::Duplicate);
        assert_eq!(duplicates, usize::from(drop_duplicates));
        // Row 1 (40 split 1:3) twice, or once when the copy is a duplicate.
        let rows_kept = two.accounting().rows_kept;
        assert_eq!(rows_kept, if drop_duplicates { 3 } else { 4 });
        assert_eq!(
            two.accounting().product_rows,
            Some(if drop_duplicates { 5 } else { 7 })
        );
        // The malformed baskets of both files, counted once each.
        let failures = &two.sanity().parse_failures;
        assert_eq!(failures[0].rows, 3);
    }
}

#[test]
fn files_that_do_not_fit_together_are_refused_with_the_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::write(
        &a,
        "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Description\n\
         1,7,2024-01-01,2,1.5,Mug\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n2,8,2024-01-02,1,3\n",
    )
    .unwrap();
    let error = Transactions::load(dir.path(), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("b.csv"), "{error}");
    assert!(error.contains("\"description\""), "{error}");
    assert!(error.contains("same column roles"), "{error}");
    let pattern = dir.path().join("2024-*.parquet");
    let error = Transactions::load(&pattern, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("2024-*.parquet"), "{error}");
    assert!(error.contains("no file matches"), "{error}");
}

#[test]
fn a_bad_line_is_shown_under_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let header = "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice";
    write_rows(&dir.path().join("a.csv"), header, &["1,7,2024-01-01,2,1.5"]);
    write_rows(
        &dir.path().join("b.csv"),
        header,
        &[
            "2,8,2024-01-02,1,3",
            "3,8,2024-01-03,1,3,extra",
            "4,9,2024-01-04,1,2",
        ],
    );
    let tx = Transactions::load(dir.path(), &LoadOptions::default()).unwrap();
    let a = tx.accounting();
    assert_eq!((a.rows_in, a.rows_kept), (4, 3));
    assert!(a.check());
    let report = tx.sanity().to_string();
    let b_line = report
        .lines()
        .position(|l| l.contains("b.csv: 3 rows read, 2 kept"))
        .unwrap_or_else(|| panic!("{report}"));
    let next = report.lines().nth(b_line + 1).unwrap();
    assert!(next.contains("the first on line 3"), "{report}");
}

#[test]
fn the_cli_takes_a_directory_or_a_quoted_glob() {
    let dir = tempfile::tempdir().unwrap();
    let header = "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice";
    let a = ["1,7,2024-01-01,2,1.5", "2,8,2024-02-01,1,4"];
    let b = ["3,7,2024-03-01,1,10", "4,9,2024-03-05,3,1"];
    write_rows(&dir.path().join("2024-01.csv"), header, &a);
    write_rows(&dir.path().join("2024-02.csv"), header, &b);
    let all: Vec<&str> = a.iter().chain(&b).copied().collect();
    let single = dir.path().join("all.txt");
    write_rows(&single, header, &all);
    let exe = env!("CARGO_BIN_EXE_custseg");
    let outputs = tempfile::tempdir().unwrap();
    let rfm = |input: &Path, out: &str| -> String {
        let out = outputs.path().join(out);
        let status = std::process::Command::new(exe)
            .arg("rfm")
            .arg(input)
            .arg("--output")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read_to_string(out).unwrap()
    };
    let expected = rfm(&single, "single.csv");
    assert_eq!(rfm(&dir.path().join("2024-*.csv"), "glob.csv"), expected);
    std::fs::remove_file(&single).unwrap();
    assert_eq!(rfm(dir.path(), "dir.csv"), expected);
}
