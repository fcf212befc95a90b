//! The study-data generators: calibration against the published facts (STUDIES.md), the quirks
//! each study met, determinism, and the three output formats.
//!
//! Tolerances: a count expected to be `e` passes within `4 sqrt(e) + 2% e` (sampling error of a
//! seeded draw, four standard deviations, plus a margin for the generator's rounding); quantiles
//! within 6% (the 99th percentile, from 66 orders above it, within 15%); facts the generator
//! plants (row count, largest order, most orders) exactly.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use custseg::generate::flowers;
use custseg::generate::{Dataset, GenerateParams};
use custseg::prelude::*;

fn read_text_frame(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap()
}

fn strings(frame: &DataFrame, name: &str) -> Vec<Option<String>> {
    frame
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn counts(values: &[Option<String>]) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for v in values {
        *out.entry(v.clone().unwrap_or_default()).or_default() += 1;
    }
    out
}

fn assert_count_near(what: &str, observed: usize, expected: f64) {
    let allowed = 4.0 * expected.sqrt() + 0.02 * expected;
    assert!(
        (observed as f64 - expected).abs() <= allowed,
        "{what}: {observed}, expected {expected} +- {allowed:.0}"
    );
}

/// numpy's default (linear) quantile of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo as f64)
}

fn assert_near(what: &str, observed: f64, expected: f64, relative: f64) {
    assert!(
        (observed - expected).abs() <= relative * expected,
        "{what}: {observed}, expected {expected} within {}%",
        relative * 100.0
    );
}

#[test]
fn flowers_hold_every_published_fact_at_the_default_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flowers.csv");
    let written = GenerateParams::new(Dataset::Flowers).write(&path).unwrap();
    assert_eq!(written.rows, 6_601);
    let frame = read_text_frame(&path);
    assert_eq!(frame.height(), 6_601);
    // The 16 raw columns, stray spaces and typo included.
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "_id",
            "customer_id",
            "master_id",
            "country_id",
            " summary.gran _total ",
            "summary.discount.money",
            " summary.commission ",
            "to_user.location.province_id",
            "to_user.relationship_id",
            "Year",
            "to_user.relative_id",
            "to_user.date",
            "create_info.created",
            "occasion",
            "province",
            "Relative",
        ]
    );
    // 24-hex ObjectIds; ISO-8601 UTC with milliseconds, inside 2019-01-01..2023-10-23.
    let ids = strings(&frame, "_id");
    assert!(
        ids.iter()
            .flatten()
            .all(|id| id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()))
    );
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        6_601
    );
    let created = strings(&frame, "create_info.created");
    for date in created.iter().flatten() {
        assert_eq!(date.len(), 24, "{date}");
        assert!(date.ends_with('Z') && date.as_bytes()[19] == b'.', "{date}");
        assert!(
            ("2019-01-01".."2023-10-24").contains(&&date[..10]),
            "{date}"
        );
    }

    // Customers and orders per customer.
    let customers = counts(&strings(&frame, "customer_id"));
    assert_near(
        "customers",
        customers.len() as f64,
        flowers::CUSTOMERS as f64,
        0.05,
    );
    let mut per_customer: Vec<f64> = customers.values().map(|&n| n as f64).collect();
    per_customer.sort_by(f64::total_cmp);
    let once = per_customer.iter().filter(|&&n| n == 1.0).count() as f64;
    assert_near(
        "share ordering once",
        once / per_customer.len() as f64,
        0.77,
        0.03,
    );
    assert_eq!(
        quantile(&per_customer, 0.9),
        3.0,
        "90th percentile of orders"
    );
    assert_eq!(per_customer.last().copied(), Some(74.0), "most orders");

    // Orders per year.
    let years = counts(&strings(&frame, "Year"));
    for (year, n) in [
        ("2019", 696.0),
        ("2020", 1533.0),
        ("2021", 896.0),
        ("2022", 1713.0),
        ("2023", 1763.0),
    ] {
        assert_count_near(&format!("orders in {year}"), years[year], n);
    }

    // Grand total quantiles, its maximum, and the commission near 20% of it.
    let totals: Vec<f64> = strings(&frame, " summary.gran _total ")
        .iter()
        .map(|v| v.as_deref().unwrap().parse().unwrap())
        .collect();
    let mut sorted = totals.clone();
    sorted.sort_by(f64::total_cmp);
    for (p, value, tolerance) in [
        (0.25, 220_000.0, 0.06),
        (0.5, 524_000.0, 0.06),
        (0.75, 900_000.0, 0.06),
        (0.9, 1_393_200.0, 0.06),
        (0.99, 3_300_000.0, 0.15),
    ] {
        assert_near(
            &format!("p{p} of the total"),
            quantile(&sorted, p),
            value,
            tolerance,
        );
    }
    assert_eq!(sorted.last().copied(), Some(38_117_320.0));
    let commission = strings(&frame, " summary.commission ");
    let ratios: Vec<f64> = commission
        .iter()
        .zip(&totals)
        .filter_map(|(c, t)| c.as_deref().map(|c| c.parse::<f64>().unwrap() / t))
        .collect();
    let mean_ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
    assert_near("commission share", mean_ratio, 0.2, 0.02);

    // Empty cells.
    let empty = |name: &str| strings(&frame, name).iter().filter(|v| v.is_none()).count();
    assert_count_near("empty discount", empty("summary.discount.money"), 798.0);
    assert_count_near("empty commission", empty(" summary.commission "), 414.0);
    assert_count_near("empty country", empty("country_id"), 308.0);

    // Country mix, occasions and recipients (Vietnamese names in UTF-8).
    let countries = counts(&strings(&frame, "country_id"));
    for (code, n) in [
        ("VN", 4624.0),
        ("US", 436.0),
        ("SG", 261.0),
        ("AU", 194.0),
        ("DE", 86.0),
        ("CA", 82.0),
        ("HK", 72.0),
        ("MY", 71.0),
    ] {
        assert_count_near(&format!("country {code}"), countries[code], n);
    }
    let occasions = counts(&strings(&frame, "occasion"));
    for (name, n) in [
        ("Dịp khác", 3059.0),
        ("Quốc Tế Phụ Nữ", 999.0),
        ("Phụ Nữ Việt Nam", 507.0),
        ("Valentine", 484.0),
        ("Sinh nhật", 219.0),
        ("Quốc Tế Thiếu Nhi", 202.0),
        ("Ngày của mẹ", 151.0),
        ("Giáng Sinh", 136.0),
        ("Lunar New Year", 119.0),
    ] {
        assert_count_near(&format!("occasion {name}"), occasions[name], n);
    }
    let recipients = counts(&strings(&frame, "Relative"));
    for (name, n) in [
        ("Một ai đó", 1631.0),
        ("Tôi", 1205.0),
        ("Bạn gái", 1086.0),
        ("Bạn bè", 374.0),
        ("Mẹ", 359.0),
        ("Vợ", 299.0),
        ("Đối tác", 187.0),
    ] {
        assert_count_near(&format!("recipient {name}"), recipients[name], n);
    }
}

#[test]
fn flowers_load_with_auto_detected_roles_and_empty_discount_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flowers.csv");
    GenerateParams::new(Dataset::Flowers).write(&path).unwrap();
    let tx = Transactions::load(&path, &LoadOptions::default()).unwrap();
    let roles = tx.roles();
    assert_eq!(roles.customer, "customer_id");
    assert_eq!(roles.invoice.as_deref(), Some("_id"));
    assert_eq!(roles.date, "create_info.created");
    assert_eq!(roles.amount.as_deref(), Some(" summary.gran _total "));
    assert_eq!(tx.accounting().rows_kept, 6_601);
    // The roles line quotes the amount column, whose spaces would otherwise vanish.
    let report = tx.sanity().to_string();
    assert!(
        report.contains("amount=\" summary.gran _total \" product=-"),
        "{report}"
    );
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for dataset in Dataset::ALL {
        let write = |name: &str, seed: u64| {
            let path = dir.path().join(name);
            GenerateParams::new(dataset)
                .rows(3_000)
                .seed(seed)
                .write(&path)
                .unwrap();
            std::fs::read(path).unwrap()
        };
        let a = write("a.csv", 5);
        assert_eq!(a, write("b.csv", 5), "{dataset:?}");
        assert_ne!(a, write("c.csv", 6), "{dataset:?}");
    }
}

#[test]
fn csv_gzip_and_parquet_hold_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    for dataset in Dataset::ALL {
        let mut loaded = Vec::new();
        for name in ["g.csv", "g.csv.gz", "g.parquet"] {
            let path = dir.path().join(name);
            let written = GenerateParams::new(dataset)
                .customers(300)
                .seed(2)
                .write(&path)
                .unwrap();
            assert!(written.customers == 300, "{dataset:?} {name}");
            let tx = Transactions::load(&path, &LoadOptions::default()).unwrap();
            let amount: f64 = tx
                .frame()
                .column("amount")
                .unwrap()
                .f64()
                .unwrap()
                .sum()
                .unwrap();
            loaded.push((
                written.rows,
                tx.accounting().clone(),
                (amount * 100.0).round(),
            ));
        }
        assert_eq!(loaded[0], loaded[1], "{dataset:?}: csv vs csv.gz");
        assert_eq!(loaded[0], loaded[2], "{dataset:?}: csv vs parquet");
    }
}

#[test]
fn sizes_are_exact_and_bad_extensions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    let written = GenerateParams::new(Dataset::Supermarket)
        .rows(12_345)
        .write(&path)
        .unwrap();
    assert_eq!(written.rows, 12_345);
    assert_eq!(read_text_frame(&path).height(), 12_345);
    // The side file lists each card holder that has rows once.
    let groups = read_text_frame(&written.side_files[0]);
    assert_eq!(groups.height() as u64, written.customers);
    let err = GenerateParams::new(Dataset::Health)
        .write(dir.path().join("h.xlsx"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("h.xlsx") && err.contains(".csv.gz"), "{err}");
}

#[test]
fn supermarket_keeps_the_dunnhumby_layout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    GenerateParams::new(Dataset::Supermarket)
        .rows(40_000)
        .write(&path)
        .unwrap();
    let frame = read_text_frame(&path);
    assert_eq!(frame.width(), 22);
    let column = |name: &str| strings(&frame, name);
    let pattern = |name: &str, ok: &dyn Fn(&str) -> bool| {
        for v in column(name).iter().flatten() {
            assert!(ok(v), "{name}: {v}");
        }
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    pattern("SHOP_WEEK", &|s| {
        digits(s, 6) && ("200614".."200828").contains(&s)
    });
    pattern("SHOP_DATE", &|s| digits(s, 8));
    pattern("SHOP_WEEKDAY", &|s| ("1"..="7").contains(&s));
    pattern("PROD_CODE", &|s| {
        s.starts_with("PRD09") && digits(&s[3..], 7)
    });
    pattern("CUST_CODE", &|s| {
        s.starts_with("CUST") && digits(&s[4..], 10)
    });
    pattern("BASKET_ID", &|s| digits(s, 15));
    pattern("STORE_CODE", &|s| {
        s.starts_with("STORE") && digits(&s[5..], 5)
    });
    pattern("STORE_FORMAT", &|s| ["LS", "MS", "SS", "XLS"].contains(&s));
    pattern("BASKET_TYPE", &|s| {
        ["Small Shop", "Top Up", "Full Shop", "XX"].contains(&s)
    });
    pattern("BASKET_DOMINANT_MISSION", &|s| {
        ["Fresh", "Grocery", "Mixed", "Nonfood", "XX"].contains(&s)
    });
    // Shoppers without a card: CUST_CODE empty, and their customer attributes with it.
    let cust = column("CUST_CODE");
    let sensitivity = column("CUST_PRICE_SENSITIVITY");
    assert!(cust.iter().any(Option::is_none));
    for (c, s) in cust.iter().zip(&sensitivity) {
        assert_eq!(c.is_none(), s.is_none());
    }
    // Basket-level attributes are constant within a basket.
    let basket = column("BASKET_ID");
    let mut seen: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    let attributes = [
        "SHOP_DATE",
        "SHOP_HOUR",
        "CUST_CODE",
        "BASKET_SIZE",
        "BASKET_PRICE_SENSITIVITY",
        "BASKET_TYPE",
        "BASKET_DOMINANT_MISSION",
        "STORE_CODE",
        "STORE_FORMAT",
        "STORE_REGION",
    ]
    .map(column);
    for (row, id) in basket.iter().enumerate() {
        let values: Vec<Option<String>> = attributes.iter().map(|a| a[row].clone()).collect();
        let first = seen
            .entry(id.clone().unwrap())
            .or_insert_with(|| values.clone());
        assert_eq!(*first, values, "basket {id:?}");
    }
}

#[test]
fn health_has_every_quirk_the_study_met() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    let written = GenerateParams::new(Dataset::Health)
        .rows(200_000)
        .write(&path)
        .unwrap();
    assert_eq!(written.rows, 200_000);
    let frame = read_text_frame(&path);
    assert_eq!(
        frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>(),
        [
            "transaction_id",
            "location",
            "member_id",
            "product_json",
            "total_amt",
            "discount",
            "paid_amt",
            "payment_date"
        ]
    );
    let column = |name: &str| strings(&frame, name);
    // Nulls in the four columns the study found them in, at the documented shares.
    for (name, share) in [
        ("total_amt", 0.004),
        ("product_json", 0.003),
        ("discount", 0.35),
        ("paid_amt", 0.06),
    ] {
        let nulls = column(name).iter().filter(|v| v.is_none()).count();
        assert_count_near(&format!("nulls in {name}"), nulls, share * 200_000.0);
    }
    assert_eq!(counts(&column("location")).len(), 5);
    // No data from June to December 2021; some dates in another format.
    let dates = column("payment_date");
    let mut other_format = 0;
    for date in dates.iter().flatten() {
        let iso = if date.as_bytes()[2] == b'/' {
            other_format += 1;
            format!("{}-{}-{}", &date[6..10], &date[3..5], &date[..2])
        } else {
            date[..10].to_string()
        };
        assert!(
            ("2019-01-01".."2023-03-01").contains(&iso.as_str()),
            "{date}"
        );
        assert!(
            !("2021-06-01".."2022-01-01").contains(&iso.as_str()),
            "{date}"
        );
    }
    assert_count_near("dates in the other format", other_format, 0.005 * 200_000.0);
    // The JSON lists parse, with product ids and quantities.
    let json = column("product_json");
    for basket in json.iter().flatten().take(2_000) {
        let products: Vec<serde_json::Value> = serde_json::from_str(basket).unwrap();
        assert!(!products.is_empty());
        for p in products {
            assert!(p["product_id"].as_str().unwrap().starts_with("HP"));
            assert!(p["quantity"].as_u64().unwrap() >= 1);
        }
    }
    // paid_amt is zero for most members: about 50K of 578K paid more than zero.
    let members = column("member_id");
    let paid = column("paid_amt");
    let mut paying: HashMap<&str, bool> = HashMap::new();
    for (m, p) in members.iter().zip(&paid) {
        let positive = p
            .as_deref()
            .is_some_and(|p| p.parse::<f64>().unwrap() > 0.0);
        *paying.entry(m.as_deref().unwrap()).or_default() |= positive;
    }
    let share = paying.values().filter(|&&p| p).count() as f64 / paying.len() as f64;
    assert_near("share of paying members", share, 50_000.0 / 578_000.0, 0.1);
}

#[test]
fn online_retail_look_alike_has_the_shape_and_quirks_of_the_bundled_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retail.csv");
    let written = GenerateParams::new(Dataset::OnlineRetail)
        .seed(1)
        .write(&path)
        .unwrap();
    assert_eq!(written.rows, 541_909);
    let options = LoadOptions {
        rules: CleaningRules {
            drop_duplicates: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let generated = Transactions::load(&path, &options).unwrap();
    let original = Transactions::bundled(&options).unwrap();
    // The same columns take the same roles.
    assert_eq!(generated.roles(), original.roles());
    // Each count within 15% of the original's (the generator draws customers of very different
    // sizes, so its counts spread more than independent rows would).
    let near = |what: &str, generated: usize, original: usize| {
        let ratio = generated as f64 / original as f64;
        assert!(
            (0.85..=1.15).contains(&ratio),
            "{what}: generated {generated}, original {original}"
        );
    };
    let (g, o) = (generated.accounting(), original.accounting());
    for reason in [
        DropReason::MissingCustomer,
        DropReason::Cancellation,
        DropReason::Duplicate,
    ] {
        near(reason.label(), g.dropped_for(reason), o.dropped_for(reason));
    }
    near("kept rows", g.rows_kept, o.rows_kept);
    // Free lines are nearly all guests': a handful reach the kept rows' price check.
    assert!(g.dropped_for(DropReason::NonPositivePrice) < 200);
    let distinct =
        |tx: &Transactions, column: &str| tx.frame().column(column).unwrap().n_unique().unwrap();
    near(
        "customers",
        distinct(&generated, "customer_id"),
        distinct(&original, "customer_id"),
    );
    near(
        "invoices",
        distinct(&generated, "invoice"),
        distinct(&original, "invoice"),
    );
    // Cancellations are `C` and digits, the bundled file's convention.
    let raw = read_text_frame(&path);
    let invoices = strings(&raw, "InvoiceNo");
    assert!(invoices.iter().flatten().any(|id| id.starts_with('C')));
    assert!(invoices.iter().flatten().all(|id| {
        let digits = id.strip_prefix('C').unwrap_or(id);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    }));
}
