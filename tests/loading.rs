//! Every supported way of writing the same transactions loads to the same clean table.

mod common;

use std::io::Write;

use common::*;
use custseg::prelude::*;

/// The reference: the parity fixture as shipped (UTF-8, comma, ISO dates, LF).
fn reference() -> (Transactions, DataFrame) {
    let tx = load(&fixture("parity/ties_transactions.csv")).unwrap();
    let rfm = RfmParams::new().fit(&tx).unwrap().export_frame().unwrap();
    (tx, rfm)
}

fn rfm_of(tx: &Transactions) -> DataFrame {
    RfmParams::new().fit(tx).unwrap().export_frame().unwrap()
}

/// Rewrites the reference CSV: dates in US layout, another delimiter, CRLF.
fn rewrite(delimiter: &str, us_dates: bool, crlf: bool) -> String {
    let text = std::fs::read_to_string(fixture("parity/ties_transactions.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let fields = split_csv_line(line);
        let fields: Vec<String> = fields
            .into_iter()
            .enumerate()
            .map(|(col, f)| {
                if i > 0 && col == 4 && us_dates {
                    let dt =
                        chrono::NaiveDateTime::parse_from_str(&f, "%Y-%m-%d %H:%M:%S").unwrap();
                    dt.format("%-m/%-d/%Y %-H:%M").to_string()
                } else if f.contains(',') || f.contains('"') || f.contains(delimiter) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f
                }
            })
            .collect();
        out.push_str(&fields.join(delimiter));
        out.push_str(if crlf { "\r\n" } else { "\n" });
    }
    out
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn latin1_us_dates_semicolon_crlf_equals_reference() {
    let (reference_tx, reference_rfm) = reference();
    // Add a £ sign in a description, as in the Kaggle CSV, and encode as Windows-1252.
    let text = rewrite(";", true, true).replacen("STRAWBERRY", "£ STRAWBERRY", 1);
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "fixture must not be valid UTF-8"
    );
    let (_dir, path) = temp_file("kaggle.csv", &bytes);
    let tx = load(&path).unwrap();
    assert_eq!(tx.source().encoding, Some(TextEncoding::Windows1252));
    assert_eq!(tx.source().delimiter, Some(';'));
    assert_eq!(tx.sanity().date_format, DateFormat::MonthFirst.describe());
    assert_eq!(tx.sanity().accounting, reference_tx.sanity().accounting);
    assert_eq!(rfm_of(&tx), reference_rfm);
    let descriptions = texts(&tx.frame(), "description");
    assert!(
        descriptions.iter().any(|d| d.starts_with("£ STRAWBERRY")),
        "£ decoded"
    );
}

#[test]
fn utf8_bom_tab_and_gzip_equal_reference() {
    let (_, reference_rfm) = reference();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(rewrite("\t", false, false).into_bytes());
    let (_dir, path) = temp_file("bom.tsv", &bom);
    let tx = load(&path).unwrap();
    assert!(tx.source().bom);
    assert_eq!(
        tx.roles().invoice.as_deref(),
        Some("InvoiceNo"),
        "BOM must not stick to the first header"
    );
    assert_eq!(rfm_of(&tx), reference_rfm);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(fixture("parity/ties_transactions.csv")).unwrap())
        .unwrap();
    let (_dir2, path) = temp_file("tx.csv.gz", &gz.finish().unwrap());
    let tx = load(&path).unwrap();
    assert!(tx.source().gzip);
    assert_eq!(rfm_of(&tx), reference_rfm);
}

#[test]
fn parquet_with_float_customer_ids_equals_reference() {
    let (reference_tx, reference_rfm) = reference();
    // Parquet as pandas writes Online Retail: CustomerID float64 (NaN-able), InvoiceDate datetime.
    let raw = custseg::data::source::read_table(
        fixture("parity/ties_transactions.csv"),
        &Default::default(),
    )
    .unwrap();
    // The dates as a datetime column, parsed here (custseg's polars has no string namespace).
    let dates: Vec<i64> = raw
        .frame
        .column("InvoiceDate")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| {
            chrono::NaiveDateTime::parse_from_str(v.unwrap(), "%Y-%m-%d %H:%M:%S")
                .unwrap()
                .and_utc()
                .timestamp_nanos_opt()
                .unwrap()
        })
        .collect();
    let dates = Int64Chunked::from_vec("InvoiceDate".into(), dates)
        .into_datetime(TimeUnit::Nanoseconds, None)
        .into_series()
        .into_column();
    let mut frame = raw
        .frame
        .lazy()
        .with_columns([
            col("CustomerID").cast(DataType::Float64),
            col("Quantity").cast(DataType::Int64),
            col("UnitPrice").cast(DataType::Float64),
        ])
        .collect()
        .unwrap();
    frame.with_column(dates).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tx.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut frame)
        .unwrap();
    let tx = load(&path).unwrap();
    assert_eq!(tx.source().format, FileFormat::Parquet);
    assert_eq!(tx.sanity().accounting, reference_tx.sanity().accounting);
    assert_eq!(rfm_of(&tx), reference_rfm, "ids 17850.0 must read as 17850");
}

#[test]
fn excel_sheet_with_date_cells() {
    let path = fixture("formats/orders.xlsx");
    // The first sheet is a notes page without the roles: a clear error.
    let err = load(&path).unwrap_err().to_string();
    assert!(
        err.contains("customer") && err.contains("orders.xlsx"),
        "{err}"
    );
    let options = LoadOptions {
        read: ReadOptions {
            sheet: Some("Orders".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let tx = Transactions::load(&path, &options).unwrap();
    assert_eq!(tx.source().format, FileFormat::Excel);
    assert_eq!(tx.sanity().accounting.rows_in, 40);
    // Same rows from the CSV, first 40 data lines.
    let csv = std::fs::read_to_string(fixture("parity/ties_transactions.csv")).unwrap();
    let head: String = csv.lines().take(41).map(|l| format!("{l}\n")).collect();
    let (_dir, csv_path) = temp_file("head.csv", head.as_bytes());
    let from_csv = load(&csv_path).unwrap();
    assert_eq!(tx.frame(), from_csv.frame());
}

#[test]
fn date_layouts_and_overrides() {
    let rows = "CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice\n1,A1,03/04/2011 10:00,1,1\n2,A2,05/06/2011 10:00,1,1\n";
    let (_dir, path) = temp_file("ambiguous.csv", rows.as_bytes());
    let err = load(&path).unwrap_err().to_string();
    assert!(
        err.contains("InvoiceDate")
            && err.contains("ambiguous")
            && err.contains("`LoadOptions::date_format`"),
        "{err}"
    );
    for (format, month) in [("dmy", 4), ("mdy", 3)] {
        let options = LoadOptions {
            date_format: DateFormat::from_user(format),
            ..Default::default()
        };
        let tx = Transactions::load(&path, &options).unwrap();
        assert_eq!(
            tx.sanity().first_date.format("%m").to_string(),
            format!("{month:02}")
        );
    }
    let compact = "CUST_CODE,BASKET_ID,SHOP_DATE,SPEND\nC1,B1,20080406,2.5\nC1,B2,20080413,1.5\n";
    let (_dir, path) = temp_file("dunnhumby.csv", compact.as_bytes());
    let tx = load(&path).unwrap();
    assert_eq!(tx.sanity().date_format, "YYYYMMDD");
    assert_eq!(tx.sanity().revenue, 4.0);
    let iso = "customer_id,_id,create_info.created, summary.gran _total \nu1,o1,2019-01-01T08:00:00.000Z,\"524,000\"\nu2,o2,2019-01-02T23:59:59.999Z,220000\n";
    let (_dir, path) = temp_file("flowers.csv", iso.as_bytes());
    let tx = load(&path).unwrap();
    assert_eq!(tx.sanity().accounting.rows_kept, 2);
    assert_eq!(
        tx.sanity().revenue,
        524000.0 + 220000.0,
        "in a comma-delimited file, a comma before three digits groups thousands"
    );
}
