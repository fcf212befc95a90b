//! Baskets in a JSON column (`ColumnRoles::basket_json`) and excluded periods
//! (`CleaningRules::excluded_periods`): one row per product, every dropped row under its reason,
//! and the same result from both loading paths.

mod common;

use custseg::data::clean::Period;
use custseg::prelude::*;

fn basket_options() -> LoadOptions {
    LoadOptions {
        roles: ColumnRoles {
            basket_json: Some("product_json".into()),
            dimensions: vec!["store".into()],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The same file through the general path: read as text into a frame first.
fn via_general_path(path: &std::path::Path, options: &LoadOptions) -> Transactions {
    let raw = custseg::data::source::read_table(path, &options.read).unwrap();
    Transactions::from_raw(raw, options).unwrap()
}

fn column_f64(tx: &Transactions, name: &str) -> Vec<f64> {
    tx.frame()
        .column(name)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

fn column_str(tx: &Transactions, name: &str) -> Vec<String> {
    tx.frame()
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect()
}

#[test]
fn each_basket_becomes_one_row_per_product_and_bad_baskets_are_counted() {
    let path = common::fixture("baskets/baskets.csv");
    for tx in [
        Transactions::load(&path, &basket_options()).unwrap(),
        via_general_path(&path, &basket_options()),
    ] {
        let a = tx.accounting();
        // Row 9 has no amount (an earlier reason than any basket reason); rows 3, 7 and 8 are
        // malformed (invalid JSON, an object, a negative quantity); 4 is empty; 5 has a product
        // without id; 6 has no basket. Rows 1, 2 and 10 are kept.
        assert_eq!(a.rows_in, 10);
        assert_eq!(a.rows_kept, 3);
        assert!(a.check());
        assert_eq!(
            a.dropped,
            vec![
                (DropReason::MissingAmount, 1),
                (DropReason::MissingBasket, 1),
                (DropReason::MalformedBasket, 3),
                (DropReason::EmptyBasket, 1),
                (DropReason::ProductWithoutId, 1),
            ]
        );
        assert_eq!(a.product_rows, Some(5));
        // The malformed cells are shown as read, quotes undoubled.
        let failures = &tx.sanity().parse_failures;
        assert_eq!(failures.len(), 1);
        assert_eq!(
            (
                failures[0].column.as_str(),
                failures[0].role,
                failures[0].rows
            ),
            ("product_json", "JSON basket", 3)
        );
        assert_eq!(
            failures[0].examples,
            [
                r#"[{"product_id": "P1", "qty": 2"#,
                r#"{"product_id": "P1"}"#,
                r#"[{"product_id": "P1", "quantity": -1}]"#,
            ]
        );
        assert_eq!(column_str(&tx, "product"), ["P1", "P2", "P3", "P1", "42"]);
        assert_eq!(column_f64(&tx, "quantity"), [1.0, 3.0, 1.0, 1.0, 2.0]);
        // 40 split 1:3, 10 split 1:1, 30 on its one product.
        assert_eq!(column_f64(&tx, "amount"), [10.0, 30.0, 5.0, 5.0, 30.0]);
        assert_eq!(
            column_str(&tx, "store"),
            ["North", "North", "South", "South", "South"]
        );
        // Visits count transactions, not products.
        let view = CustomerView::new(&tx).unwrap().frame();
        let visits: Vec<u32> = view
            .column("visits")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(visits, [2, 1]);
        let spend: Vec<f64> = view
            .column("spend")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(spend, [50.0, 30.0]);
    }
}

#[test]
fn without_an_invoice_column_each_file_row_is_one_transaction() {
    let path = common::fixture("baskets/baskets.csv");
    let mut options = basket_options();
    // The file's transaction_id is auto-detected as the invoice: name another layout without it.
    let raw = custseg::data::source::read_table(&path, &options.read).unwrap();
    let frame = raw.frame.drop("transaction_id").unwrap();
    options.roles.customer = Some("member_id".into());
    let tx = Transactions::from_frame(frame, &options).unwrap();
    assert!(tx.has_invoices());
    let visits: Vec<f64> = CustomerView::new(&tx)
        .unwrap()
        .frame()
        .column("visits")
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(visits, [2.0, 1.0]);
    let frequency: Vec<f64> = RfmParams::new()
        .fit(&tx)
        .unwrap()
        .frame()
        .column("frequency")
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(frequency, [2.0, 1.0]);
}

#[test]
fn a_basket_with_a_product_column_too_is_refused_in_the_api_words() {
    let path = common::fixture("baskets/baskets.csv");
    let mut options = basket_options();
    options.roles.product = Some("store".into());
    let err = Transactions::load(&path, &options).unwrap_err().to_string();
    assert!(
        err.contains("`ColumnRoles::product`") && err.contains("`ColumnRoles::basket_json`"),
        "{err}"
    );
    assert!(!err.contains("--"), "{err}");
}

#[test]
fn periods_read_years_months_days_and_ranges() {
    let p = |s: &str| Period::parse(s).unwrap().to_string();
    assert_eq!(p("2021"), "2021-01-01..2021-12-31");
    assert_eq!(p("2024-02"), "2024-02-01..2024-02-29");
    assert_eq!(p("2021-12"), "2021-12-01..2021-12-31");
    assert_eq!(p("2021-06-15"), "2021-06-15..2021-06-15");
    assert_eq!(p("2021-06..2021-12"), "2021-06-01..2021-12-31");
    assert_eq!(p(" 2021-06-01..2022 "), "2021-06-01..2022-12-31");
    for bad in ["21", "2021-13", "2021-02-30", "2022..2021", "June", ""] {
        let err = Period::parse(bad).unwrap_err().to_string();
        assert!(
            err.contains("CleaningRules::excluded_periods"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn excluded_periods_drop_their_rows_under_their_reason_on_both_paths() {
    let path = common::fixture("baskets/baskets.csv");
    let mut options = basket_options();
    options.rules.excluded_periods = vec![Period::parse("2021").unwrap()];
    for tx in [
        Transactions::load(&path, &options).unwrap(),
        via_general_path(&path, &options),
    ] {
        let a = tx.accounting();
        // Row 1 (2021-03-01) is excluded before its basket is read.
        assert_eq!(a.dropped_for(DropReason::ExcludedPeriod), 1);
        assert_eq!(a.rows_kept, 2);
        assert_eq!(a.product_rows, Some(3));
        assert!(a.check());
    }
}

#[test]
fn the_study_file_sets_the_basket_column_and_excluded_periods() {
    let dir = tempfile::tempdir().unwrap();
    let study = dir.path().join("study.toml");
    std::fs::write(
        &study,
        format!(
            "input = {:?}\n[roles]\nbasket_json = \"product_json\"\ndimensions = [\"store\"]\n\
             [cleaning]\nexcluded_periods = [\"2021\", \"2022-02-01..2022-02-03\"]\n",
            common::fixture("baskets/baskets.csv")
        ),
    )
    .unwrap();
    let config = custseg::report::config::StudyConfig::from_file(&study).unwrap();
    let options = config.load_options().unwrap();
    assert_eq!(options.roles.basket_json.as_deref(), Some("product_json"));
    assert_eq!(
        options.rules.excluded_periods,
        vec![
            Period::parse("2021").unwrap(),
            Period::parse("2022-02-01..2022-02-03").unwrap()
        ]
    );
    // Round trip: the study file written back reads the same.
    let again: custseg::report::config::StudyConfig =
        toml::from_str(&config.to_toml().unwrap()).unwrap();
    assert_eq!(
        again.cleaning.excluded_periods,
        config.cleaning.excluded_periods
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[cleaning]\nexcluded_periods = [\"last year\"]\n").unwrap();
    let err = custseg::report::config::StudyConfig::from_file(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("last year"), "{err}");
}

#[test]
fn unreadable_values_are_counted_per_column_with_examples_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(
        &path,
        "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n\
         1,7,2024-01-01,2,1.5\n\
         2,7,31/31/2024,x,1.5\n\
         3,8,2024-01-03,y,abc\n\
         4,,not a date,z,1\n\
         5,8,2024-01-05,x,2\n",
    )
    .unwrap();
    let options = LoadOptions::default();
    for tx in [
        Transactions::load(&path, &options).unwrap(),
        via_general_path(&path, &options),
    ] {
        let failures = &tx.sanity().parse_failures;
        let summary: Vec<(&str, &str, usize, Vec<&str>)> = failures
            .iter()
            .map(|f| {
                (
                    f.column.as_str(),
                    f.role,
                    f.rows,
                    f.examples.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        // Row 4 has no customer: its values are not counted.
        assert_eq!(
            summary,
            vec![
                ("InvoiceDate", "date", 1, vec!["31/31/2024"]),
                ("Quantity", "quantity", 3, vec!["x", "y"]),
                ("UnitPrice", "price", 1, vec!["abc"]),
            ]
        );
        let text = tx.sanity().to_string();
        assert!(text.contains("Values that could not be read"), "{text}");
    }
}

#[test]
fn other_date_layouts_convert_dates_the_main_one_cannot_read_on_both_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.csv");
    std::fs::write(
        &path,
        "transaction_id,member_id,total_amt,payment_date\n\
         1,M1,10,2022-03-15 10:22:33\n\
         2,M1,20,16/03/2022 08:04\n\
         3,M2,30,2022-03-17 09:00:00\n\
         4,M2,40,31/31/2022 08:04\n",
    )
    .unwrap();
    let plain = LoadOptions::default();
    let converting = LoadOptions {
        other_date_formats: vec![DateFormat::DayFirst],
        ..Default::default()
    };
    for (options, kept) in [(&plain, 2), (&converting, 3)] {
        for tx in [
            Transactions::load(&path, options).unwrap(),
            via_general_path(&path, options),
        ] {
            let a = tx.accounting();
            assert_eq!(a.rows_kept, kept);
            assert_eq!(a.dropped_for(DropReason::UnparsableDate), 4 - kept);
            let days: Vec<String> = tx
                .frame()
                .column("date")
                .unwrap()
                .cast(&DataType::String)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|d| d.unwrap()[..16].to_string())
                .collect();
            if kept == 3 {
                // 16/03/2022 08:04 read day first; 31/31 fits no layout and stays unreadable.
                assert_eq!(
                    days,
                    ["2022-03-15 10:22", "2022-03-16 08:04", "2022-03-17 09:00"]
                );
                let failures = &tx.sanity().parse_failures;
                assert_eq!(failures[0].examples, ["31/31/2022 08:04"]);
            }
        }
    }
}
