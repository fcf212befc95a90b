//! Bad input gets a clear error naming the file, the column and the fix; never a panic.

mod common;

use std::process::Command;

use common::*;
use custseg::prelude::*;

const HEADER: &str = "InvoiceNo,InvoiceDate,Quantity,UnitPrice,CustomerID\n";

fn error_of(name: &str, contents: &[u8]) -> String {
    let (_dir, path) = temp_file(name, contents);
    match load(&path) {
        Ok(_) => panic!("{name} loaded"),
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains(name), "message names the file: {message}");
            message
        }
    }
}

#[test]
fn missing_role_column_lists_the_columns() {
    let m = error_of(
        "nocust.csv",
        b"InvoiceNo,InvoiceDate,Quantity,UnitPrice\n1,2011-01-01,1,1\n",
    );
    assert!(
        m.contains("customer")
            && m.contains("`ColumnRoles::customer`")
            && !m.contains("--")
            && m.contains("\"UnitPrice\""),
        "{m}"
    );
}

#[test]
fn unparsable_dates_are_counted_not_dropped_silently() {
    let text = format!(
        "{HEADER}1,2011-01-01 10:00,1,1,7\n2,not a date,1,1,7\n3,2011-02-30 10:00,1,1,8\n4,,1,1,8\n"
    );
    let (_dir, path) = temp_file("dates.csv", text.as_bytes());
    let tx = load(&path).unwrap();
    let a = &tx.sanity().accounting;
    assert_eq!(a.rows_in, 4);
    assert_eq!(a.rows_kept, 1);
    assert_eq!(
        a.dropped_for(DropReason::UnparsableDate),
        2,
        "free text and 30 February"
    );
    assert_eq!(a.dropped_for(DropReason::MissingDate), 1);
    assert!(a.check());
    let m = error_of("nodates.csv", format!("{HEADER}1,soon,1,1,7\n").as_bytes());
    assert!(
        m.contains("InvoiceDate") && m.contains("`LoadOptions::date_format`"),
        "{m}"
    );
}

#[test]
fn empty_file_and_header_only() {
    let m = error_of("empty.csv", b"");
    assert!(m.contains("empty"), "{m}");
    let m = error_of("blank.csv", b"\n\n");
    assert!(m.contains("empty"), "{m}");
    let m = error_of("header.csv", HEADER.as_bytes());
    assert!(m.contains("header but no data rows"), "{m}");
}

#[test]
fn every_row_dropped_says_why() {
    let text = format!("{HEADER}C1,2011-01-01,1,1,7\n2,2011-01-01,-1,1,7\n3,2011-01-01,1,1,\n");
    let m = error_of("alldropped.csv", text.as_bytes());
    assert!(
        m.contains("every one of the 3 rows")
            && m.contains("1 cancellation")
            && m.contains("1 non-positive quantity")
            && m.contains("1 missing customer"),
        "{m}"
    );
}

#[test]
fn one_customer_is_scored_with_a_note() {
    let text = format!("{HEADER}1,2011-01-01,1,2.5,7\n2,2011-01-05,2,1,7\n");
    let (_dir, path) = temp_file("one.csv", text.as_bytes());
    let tx = load(&path).unwrap();
    let table = RfmParams::new().fit(&tx).unwrap();
    assert_eq!(table.len(), 1);
    assert_eq!(texts(&table.frame(), "rfm_code"), vec!["333"]);
    assert_eq!(texts(&table.frame(), "recency"), vec!["1"]);
    assert_eq!(texts(&table.frame(), "frequency"), vec!["2"]);
    assert_eq!(floats(&table.frame(), "monetary"), vec![4.5]);
    assert_eq!(table.scoring().fallbacks.len(), 3);
}

#[test]
fn non_utf8_bytes_decode_as_latin1_or_fail_clearly_when_forced() {
    let text = format!("{HEADER}1,2011-01-01,1,1,7\n").replace("InvoiceNo", "Factura N\u{00BA}");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    let (_dir, path) = temp_file("latin.csv", &bytes);
    let options = LoadOptions {
        roles: ColumnRoles {
            invoice: Some("Factura Nº".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let tx = Transactions::load(&path, &options).unwrap();
    assert_eq!(tx.roles().invoice.as_deref(), Some("Factura Nº"));
    let forced = LoadOptions {
        read: ReadOptions {
            encoding: Some(TextEncoding::Utf8),
            ..Default::default()
        },
        ..options
    };
    let m = Transactions::load(&path, &forced).unwrap_err().to_string();
    assert!(
        m.contains("latin.csv")
            && m.contains("not valid UTF-8")
            && m.contains("`ReadOptions::encoding`"),
        "{m}"
    );
}

#[test]
fn wrong_delimiter_hints_the_right_one() {
    let (_dir, path) = temp_file(
        "semi.csv",
        b"InvoiceNo;InvoiceDate;Quantity;UnitPrice;CustomerID\n1;2011-01-01;1;1;7\n",
    );
    let options = LoadOptions {
        read: ReadOptions {
            delimiter: Some(','),
            ..Default::default()
        },
        ..Default::default()
    };
    let m = Transactions::load(&path, &options).unwrap_err().to_string();
    assert!(
        m.contains("semi.csv") && m.contains("';'") && m.contains("`ReadOptions::delimiter`"),
        "{m}"
    );
}

#[test]
fn ragged_rows_and_bad_numbers() {
    let text = format!("{HEADER}1,2011-01-01,abc,1,7\n2,2011-01-01,1,,7\n3,2011-01-01,2,1.5,7\n");
    let (_dir, path) = temp_file("numbers.csv", text.as_bytes());
    let a = load(&path).unwrap().sanity().accounting.clone();
    assert_eq!(a.dropped_for(DropReason::UnparsableQuantity), 1);
    assert_eq!(a.dropped_for(DropReason::MissingPrice), 1);
    assert_eq!(a.rows_kept, 1);
    let m = error_of(
        "ragged.csv",
        format!("{HEADER}1,2011-01-01,1,1,7,extra,fields\n").as_bytes(),
    );
    assert!(m.contains("delimiter") || m.contains("fields"), "{m}");
}

#[test]
fn cli_errors_exit_nonzero_without_panic() {
    let exe = env!("CARGO_BIN_EXE_custseg");
    let (_dir, path) = temp_file(
        "nocust.csv",
        b"InvoiceNo,InvoiceDate,Quantity,UnitPrice\n1,2011-01-01,1,1\n",
    );
    for args in [
        vec!["rfm", path.to_str().unwrap()],
        vec!["sanity", path.to_str().unwrap()],
        vec!["rfm", "/nonexistent/file.csv"],
        vec!["rfm", "--bins", "1"],
        vec!["rfm", "--segments", "/nonexistent/map.toml"],
    ] {
        let out = Command::new(exe).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one paragraph: {stderr}"
        );
    }
    for command in ["rfm", "sanity"] {
        let out = Command::new(exe)
            .args([command, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("--customer"));
    }
}

#[test]
fn invalid_cancellation_pattern_names_the_flag_on_both_loading_paths() {
    let exe = env!("CARGO_BIN_EXE_custseg");
    let rows = format!("{HEADER}1,2011-01-01,1,1,7\nC2,2011-01-02,1,1,8\n");
    // Plain UTF-8 takes the streaming path; a Latin-1 byte sends the file to polars' reader.
    let (_dir, streaming) = temp_file("pattern.csv", rows.as_bytes());
    let mut latin1 = rows.into_bytes();
    latin1.extend_from_slice(b"3,2011-01-03,1,1,9\xA3\n");
    let (_dir2, general) = temp_file("pattern-latin1.csv", &latin1);
    for path in [streaming, general] {
        let out = Command::new(exe)
            .args([
                "rfm",
                path.to_str().unwrap(),
                "--cancellation-pattern",
                "C(\\d+",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains("cancellation-pattern")
                && stderr.contains("not a valid regular expression"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
