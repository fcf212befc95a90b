//! The customer single view: every column on a hand-computed fixture, the planted supermarket
//! groups recovered by k-means on the view, and parity with the pandas reference
//! (tests/reference/customer_view.py).

mod common;

use std::collections::HashMap;

use custseg::cluster::kmeans::KMeansParams;
use custseg::features::transform::Step;
use custseg::generate::{Dataset, GenerateParams};
use custseg::prelude::*;

fn load_with_dimensions(path: &std::path::Path, dimensions: &[&str]) -> Transactions {
    let options = LoadOptions {
        roles: ColumnRoles {
            dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    Transactions::load(path, &options).unwrap()
}

fn f64s(frame: &DataFrame, name: &str) -> Vec<Option<f64>> {
    frame
        .column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

fn texts(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    frame
        .column(name)
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

#[test]
fn every_column_on_a_hand_computed_fixture() {
    // Customer 100: invoices 1 (10 + 3, web), 2 (5, shop), 3 (10, shop) on Jan 1, 11, 21.
    // Customer 200: invoice 4 (9), channel empty, Jan 5. Customer 300: invoice 5 (5, web), Jan 30.
    // Last transaction Jan 30, so the snapshot is Jan 31.
    let tx = load_with_dimensions(&common::fixture("view/hand.csv"), &["Channel"]);
    let view = CustomerViewParams::new().fit(&tx).unwrap();
    let frame = view.frame();
    assert_eq!(
        view.snapshot(),
        chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()
    );
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "customer_id",
            "visits",
            "spend",
            "ticket_size",
            "items",
            "skus",
            "first_purchase",
            "last_purchase",
            "tenure_days",
            "recency",
            "mean_days_between_visits",
            "share_channel_missing",
            "share_channel_shop",
            "share_channel_web",
            "dominant_channel",
        ]
    );
    let some = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
    assert_eq!(
        texts(&frame, "customer_id"),
        ["100", "200", "300"].map(|s| Some(s.to_string()))
    );
    assert_eq!(f64s(&frame, "visits"), some(&[3.0, 1.0, 1.0]));
    assert_eq!(f64s(&frame, "spend"), some(&[28.0, 9.0, 5.0]));
    assert_eq!(f64s(&frame, "ticket_size"), some(&[28.0 / 3.0, 9.0, 5.0]));
    assert_eq!(f64s(&frame, "items"), some(&[8.0, 3.0, 1.0]));
    assert_eq!(f64s(&frame, "skus"), some(&[3.0, 1.0, 1.0]));
    assert_eq!(
        texts(&frame, "first_purchase"),
        ["2024-01-01", "2024-01-05", "2024-01-30"].map(|s| Some(s.to_string()))
    );
    assert_eq!(
        texts(&frame, "last_purchase"),
        ["2024-01-21", "2024-01-05", "2024-01-30"].map(|s| Some(s.to_string()))
    );
    assert_eq!(f64s(&frame, "tenure_days"), some(&[20.0, 0.0, 0.0]));
    assert_eq!(f64s(&frame, "recency"), some(&[10.0, 26.0, 1.0]));
    assert_eq!(
        f64s(&frame, "mean_days_between_visits"),
        [Some(10.0), None, None]
    );
    assert_eq!(
        f64s(&frame, "share_channel_missing"),
        some(&[0.0, 1.0, 0.0])
    );
    assert_eq!(
        f64s(&frame, "share_channel_shop"),
        some(&[15.0 / 28.0, 0.0, 0.0])
    );
    assert_eq!(
        f64s(&frame, "share_channel_web"),
        some(&[13.0 / 28.0, 0.0, 1.0])
    );
    assert_eq!(
        texts(&frame, "dominant_channel"),
        ["shop", "(missing)", "web"].map(|s| Some(s.to_string()))
    );
    assert_eq!(
        view.feature_columns(),
        [
            "visits",
            "spend",
            "ticket_size",
            "items",
            "skus",
            "tenure_days",
            "recency",
            "share_channel_missing",
            "share_channel_shop",
            "share_channel_web"
        ]
    );
}

#[test]
fn unknown_dimension_and_too_many_values_name_the_setting() {
    let tx = load_with_dimensions(&common::fixture("view/hand.csv"), &["Channel"]);
    let err = CustomerViewParams::new()
        .dimensions(["Country"])
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"Country\"") && err.contains("ColumnRoles::dimensions"),
        "{err}"
    );
    let err = CustomerViewParams::new()
        .max_values(2)
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("3 distinct values") && err.contains("CustomerViewParams::max_values"),
        "{err}"
    );
}

#[test]
fn snapshot_before_the_last_purchase_is_refused() {
    let tx = load_with_dimensions(&common::fixture("view/hand.csv"), &[]);
    let err = CustomerViewParams::new()
        .snapshot(chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap())
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("CustomerViewParams::snapshot"), "{err}");
}

/// Study 4: k-means (k = 4) on the standardised single view finds the four planted groups.
#[test]
fn kmeans_on_the_view_recovers_the_planted_supermarket_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supermarket.csv");
    let written = GenerateParams::new(Dataset::Supermarket)
        .write(&path)
        .unwrap();
    assert_eq!(written.rows, 956_575);
    let tx = load_with_dimensions(&path, &["BASKET_DOMINANT_MISSION", "STORE_FORMAT"]);
    let view = CustomerView::new(&tx).unwrap();
    let frame = view.frame();
    let features: Vec<String> = ["visits", "ticket_size", "recency"]
        .into_iter()
        .map(str::to_string)
        .chain(
            view.feature_columns()
                .into_iter()
                .filter(|c| c.starts_with("share_")),
        )
        .collect();
    let columns: Vec<&str> = features.iter().map(String::as_str).collect();
    let features =
        FeatureMatrix::from_frame(&frame, "customer_id", &columns, &[Step::Standard]).unwrap();
    let matrix = features.matrix().unwrap();
    let model = KMeansParams::new(4).seed(0).fit(&matrix).unwrap();
    let planted: HashMap<String, i64> = common::read_expected_path(&written.side_files[0])
        .into_iter()
        .map(|row| (row["CUST_CODE"].clone(), row["group"].parse().unwrap()))
        .collect();
    let truth: Vec<i64> = texts(&frame, "customer_id")
        .into_iter()
        .map(|id| planted[&id.unwrap()])
        .collect();
    assert_eq!(truth.len() as u64, written.customers);
    let ari = adjusted_rand_score(&truth, model.labels()).unwrap();
    eprintln!("adjusted Rand index of the planted groups: {ari}");
    assert!(ari >= 0.8, "adjusted Rand index {ari}");
}

/// Reads a CSV with every column as text.
fn text_frame(path: &std::path::Path) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap()
}

/// The view of a generated file equals the pandas reference's (tests/reference/customer_view.py,
/// same generator, rows and seed): ids, dates and dominant values exactly, numbers within
/// 1e-12 relative (pandas sums with compensation, custseg exactly).
fn assert_matches_reference(dataset: Dataset, options: LoadOptions, fixture: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    GenerateParams::new(dataset)
        .rows(20_000)
        .seed(7)
        .write(&path)
        .unwrap();
    let tx = Transactions::load(&path, &options).unwrap();
    let ours = CustomerView::new(&tx).unwrap().frame();
    let expected = text_frame(&common::fixture(fixture));
    let names: Vec<String> = expected
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let our_names: Vec<String> = ours
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(our_names, names, "{fixture}: columns");
    assert_eq!(ours.height(), expected.height(), "{fixture}: customers");
    for name in &names {
        let theirs = texts(&expected, name);
        let numeric = !matches!(
            ours.column(name).unwrap().dtype(),
            DataType::String | DataType::Date
        );
        if numeric {
            let mine = f64s(&ours, name);
            for (row, (a, b)) in mine.iter().zip(&theirs).enumerate() {
                let b: Option<f64> = b.as_deref().map(|b| b.parse().unwrap());
                match (a, b) {
                    (Some(a), Some(b)) => assert!(
                        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0),
                        "{fixture} {name} row {row}: {a} vs {b}"
                    ),
                    (a, b) => assert_eq!(*a, b, "{fixture} {name} row {row}"),
                }
            }
        } else {
            assert_eq!(texts(&ours, name), theirs, "{fixture}: {name}");
        }
    }
}

#[test]
fn supermarket_view_matches_the_pandas_reference() {
    let options = LoadOptions {
        roles: ColumnRoles {
            dimensions: vec!["BASKET_DOMINANT_MISSION".into(), "STORE_FORMAT".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    assert_matches_reference(Dataset::Supermarket, options, "view/supermarket_view.csv");
}

#[test]
fn health_view_with_json_baskets_matches_the_pandas_reference() {
    let options = LoadOptions {
        roles: ColumnRoles {
            dimensions: vec!["location".into()],
            basket_json: Some("product_json".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_matches_reference(Dataset::Health, options, "view/health_view.csv");
}

/// The report's cluster section takes the single view's columns when the study names them.
#[test]
fn the_report_clusters_on_view_columns_when_the_study_names_them() {
    use custseg::report::build::{Templates, render_report};
    use custseg::report::config::StudyConfig;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supermarket.csv");
    GenerateParams::new(Dataset::Supermarket)
        .rows(60_000)
        .seed(3)
        .write(&path)
        .unwrap();
    let mut config = StudyConfig::default();
    config.roles.dimensions = vec!["STORE_FORMAT".into()];
    config.clustering.features = vec![
        "visits".into(),
        "ticket_size".into(),
        "recency".into(),
        "share_store_format_ls".into(),
    ];
    config.clustering.transform = vec!["standard".into()];
    config.clustering.k_min = 2;
    config.clustering.k_max = 4;
    let tx = Transactions::load(&path, &config.load_options().unwrap()).unwrap();
    let html = render_report(&config, &tx, &Templates::built_in()).unwrap();
    assert!(
        html.contains("customer single view (visits, ticket_size, recency, share_store_format_ls)"),
        "the section says what customers were placed by"
    );
    for header in [
        "median visits",
        "median ticket_size",
        "median share_store_format_ls",
    ] {
        assert!(html.contains(&format!(">{header}</th>")), "{header}");
    }
    // "median orders" heads the segment table only, not the cluster profiles.
    assert_eq!(html.matches(">median orders</th>").count(), 1);
    // A column the view does not have is refused with the setting's name.
    config.clustering.features = vec!["visits".into(), "basket_value".into()];
    let err = render_report(&config, &tx, &Templates::built_in())
        .unwrap_err()
        .to_string();
    assert!(err.contains("basket_value"), "{err}");
}

#[test]
fn spend_is_the_exact_sum_in_any_row_order_and_equals_monetary() {
    let rows = [
        "A,1,2011-12-01 10:00:00,1,0.1",
        "A,2,2011-12-02 10:00:00,1,0.2",
        "B,3,2011-12-02 11:00:00,3,0.1",
        "A,3,2011-12-03 10:00:00,1,0.3",
        "B,4,2011-12-04 10:00:00,1,1e15",
        "B,4,2011-12-04 10:00:00,0.1,7",
    ];
    let (forward, backward) =
        common::forward_and_backward("CustomerID,InvoiceNo,InvoiceDate,Quantity,UnitPrice", &rows);
    let fit = |text: &str| {
        let (_dir, path) = common::temp_file("rows.csv", text.as_bytes());
        let tx = common::load(&path).unwrap();
        let view = CustomerViewParams::new().fit(&tx).unwrap().frame();
        let rfm = RfmParams::new().fit(&tx).unwrap().frame();
        (view, rfm)
    };
    let ((view, rfm), (view_back, _)) = (fit(&forward), fit(&backward));
    // Customers come in order of first appearance: A first forward, B first backward.
    let by_id = |frame: &DataFrame, column: &str| -> Vec<(String, u64)> {
        let mut pairs: Vec<(String, u64)> = common::texts(frame, "customer_id")
            .into_iter()
            .zip(common::floats(frame, column).into_iter().map(f64::to_bits))
            .collect();
        pairs.sort();
        pairs
    };
    for column in ["spend", "items", "ticket_size"] {
        assert_eq!(by_id(&view, column), by_id(&view_back, column), "{column}");
    }
    // A: 0.1 + 0.2 + 0.3 is 0.6 to the nearest double (0.6000000000000001 row by row); B:
    // 3 * 0.1 + 1e15 + 0.1 * 7, rounded once: 1000000000000001. Items of B: 3 + 1 + 0.1.
    assert_eq!(
        common::floats(&view, "spend"),
        [0.6, 1_000_000_000_000_001.0]
    );
    assert_eq!(common::floats(&view, "items"), [3.0, 4.1]);
    assert_ne!(0.1 + 0.2 + 0.3, 0.6);
    // The same customers' monetary in the RFM table, to the bit.
    let monetary: Vec<(String, u64)> = common::texts(&rfm, "customer_id")
        .into_iter()
        .zip(
            common::floats(&rfm, "monetary")
                .into_iter()
                .map(f64::to_bits),
        )
        .collect();
    assert_eq!(by_id(&view, "spend"), {
        let mut m = monetary;
        m.sort();
        m
    });
}

#[test]
fn observation_end_gives_the_view_of_the_file_cut_at_that_day() {
    let path = common::fixture("view/hand.csv");
    let tx = load_with_dimensions(&path, &["Channel"]);
    let jan = |d| chrono::NaiveDate::from_ymd_opt(2024, 1, d).unwrap();
    // By Jan 11: customer 100 has invoices 1 and 2 (13 + 5, web and shop), 200 has invoice 4;
    // 300 (Jan 30) is left out. Recency is measured to the next day, Jan 12.
    let view = CustomerViewParams::new()
        .observation_end(jan(11))
        .fit(&tx)
        .unwrap();
    let frame = view.frame();
    assert_eq!(view.snapshot(), jan(12));
    assert_eq!(
        texts(&frame, "customer_id"),
        ["100", "200"].map(|s| Some(s.to_string()))
    );
    let some = |v: &[f64]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
    assert_eq!(f64s(&frame, "visits"), some(&[2.0, 1.0]));
    assert_eq!(f64s(&frame, "spend"), some(&[18.0, 9.0]));
    assert_eq!(f64s(&frame, "recency"), some(&[1.0, 7.0]));
    assert_eq!(f64s(&frame, "share_channel_web"), some(&[13.0 / 18.0, 0.0]));
    // The same table as loading the file with the date as the latest one, and as streaming it.
    let options = LoadOptions {
        roles: ColumnRoles {
            dimensions: vec!["Channel".into()],
            ..Default::default()
        },
        rules: CleaningRules {
            latest_date: jan(11),
            ..Default::default()
        },
        ..Default::default()
    };
    let reloaded = CustomerViewParams::new()
        .fit(&Transactions::load(&path, &options).unwrap())
        .unwrap();
    assert!(reloaded.frame().equals_missing(&frame));
    // A day without transactions: the same rows, recency measured to the day after it.
    let later = CustomerViewParams::new()
        .observation_end(jan(15))
        .fit(&tx)
        .unwrap();
    assert_eq!(later.snapshot(), jan(16));
    assert_eq!(f64s(&later.frame(), "recency"), some(&[5.0, 11.0]));
    let err = CustomerViewParams::new()
        .observation_end(jan(15))
        .snapshot(jan(14))
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("CustomerViewParams::snapshot")
            && err.contains("is before `CustomerViewParams::observation_end` (2024-01-15)"),
        "{err}"
    );
    let default_options = LoadOptions {
        rules: CleaningRules::default(),
        ..options.clone()
    };
    let streamed = CustomerViewParams::new()
        .observation_end(jan(11))
        .fit_streaming(&path, &default_options)
        .unwrap();
    assert!(streamed.view.frame().equals_missing(&frame));
    let too_early = CustomerViewParams::new()
        .observation_end(chrono::NaiveDate::from_ymd_opt(1899, 12, 31).unwrap())
        .fit_streaming(&path, &default_options)
        .unwrap_err()
        .to_string();
    assert!(
        too_early.contains("CustomerViewParams::observation_end")
            && too_early.contains("CleaningRules::earliest_date"),
        "{too_early}"
    );
    // Inside the cleaning rules' dates but before the file's first one: the error `fit` gives.
    let dec31 = chrono::NaiveDate::from_ymd_opt(2023, 12, 31).unwrap();
    let before_data = CustomerViewParams::new().observation_end(dec31);
    let streamed_err = before_data
        .fit_streaming(&path, &default_options)
        .unwrap_err()
        .to_string();
    let loaded_err = before_data.fit(&tx).unwrap_err().to_string();
    assert!(
        streamed_err.contains("CustomerViewParams::observation_end")
            && streamed_err.contains("2023-12-31 is before the first transaction"),
        "{streamed_err}"
    );
    assert_eq!(streamed_err, loaded_err);
    assert_eq!(streamed.accounting.rows_kept, 4);
    assert_eq!(
        streamed
            .accounting
            .dropped_for(custseg::data::clean::DropReason::DateOutOfRange),
        2
    );
}

#[test]
fn observation_end_ranks_the_customers_left_as_loading_would() {
    // Ids 10 and 9 are numbers, x is not: with x every id is ranked as text ("10" < "9"); by
    // Jan 2, x is gone and the ids rank as numbers (9 before 10), as a load ending then ranks them.
    let csv = "InvoiceNo,InvoiceDate,Amount,CustomerID\n\
               1,2024-01-01,5,10\n\
               2,2024-01-02,7,9\n\
               3,2024-01-03,4,x\n";
    let options = LoadOptions {
        roles: ColumnRoles {
            amount: Some("Amount".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let tx = Transactions::from_bytes("ids.csv", csv.as_bytes().to_vec(), &options).unwrap();
    let all = CustomerViewParams::new().fit(&tx).unwrap();
    assert_eq!(
        texts(&all.frame(), "customer_id"),
        ["10", "9", "x"].map(|s| Some(s.to_string()))
    );
    let jan2 = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let cut = CustomerViewParams::new()
        .observation_end(jan2)
        .fit(&tx)
        .unwrap();
    assert_eq!(
        texts(&cut.frame(), "customer_id"),
        ["9", "10"].map(|s| Some(s.to_string()))
    );
    assert_eq!(f64s(&cut.frame(), "spend"), [Some(7.0), Some(5.0)]);
    let err = CustomerViewParams::new()
        .observation_end(chrono::NaiveDate::from_ymd_opt(2023, 12, 31).unwrap())
        .fit(&tx)
        .unwrap_err()
        .to_string();
    assert!(err.contains("CustomerViewParams::observation_end"), "{err}");
}
