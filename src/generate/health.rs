//! Study 5: transactions of a health-products distributor with five service locations in Asia
//! (STUDIES.md, study 5).
//!
//! The data is private, so this writes a look-alike with the columns and every quirk the study's
//! sanity checks met:
//!
//! `transaction_id, location, member_id, product_json, total_amt, discount, paid_amt, payment_date`
//!
//! - `product_json` is a JSON list of the products and quantities of the transaction,
//!   `[{"product_id": "HP0042", "name": "Omega-3 Fish Oil 60 capsules", "quantity": 2}]`; there is
//!   no price per product (the amount belongs to the basket).
//! - nulls in `total_amt`, `product_json`, `discount` and `paid_amt` ([`NULL_SHARES`]);
//! - no data from June to December 2021 ([`GAP`]): 2021 is incomplete;
//! - `payment_date` is `YYYY-MM-DD HH:MM:SS` except in some rows, which carry `DD/MM/YYYY HH:MM`
//!   ([`OTHER_DATE_FORMAT_SHARE`]);
//! - `paid_amt` is zero for most members: only about 50,000 of 578,000 members paid more than zero
//!   ([`PAYING_MEMBER_SHARE`]), which is why the study used `total_amt`.
//!
//! Each member leans towards one product family, so recommendations per segment have something to
//! find.

use std::path::Path;

use chrono::{Duration, NaiveDateTime};

use crate::error::Result;
use crate::generate::random::{Random, Weighted};
use crate::generate::sink::{Kind, RowSink, Value};
use crate::generate::{Generated, Size, day};

/// Rows in the study's data: 2,406,316.
pub const ROWS: u64 = 2_406_316;
/// Members in the study's data: about 578,000 (transactions per member follow from it).
pub const MEMBERS: u64 = 578_000;
/// Share of members who ever paid more than zero: about 50,000 of 578,000.
pub const PAYING_MEMBER_SHARE: f64 = 50_000.0 / 578_000.0;
/// The five service locations and their share of members (generator's choice).
pub const LOCATIONS: [(&str, f64); 5] = [
    ("Singapore", 0.3),
    ("Kuala Lumpur", 0.25),
    ("Bangkok", 0.2),
    ("Jakarta", 0.15),
    ("Ho Chi Minh City", 0.1),
];
/// First and last day of data: 2019-01-01 to 2023-02-28 (the study's last two months are
/// January and February 2023).
pub const FIRST_DAY: (i32, u32, u32) = (2019, 1, 1);
/// See [`FIRST_DAY`].
pub const LAST_DAY: (i32, u32, u32) = (2023, 2, 28);
/// The months without data: 2021-06-01 to 2021-12-31.
pub const GAP: ((i32, u32, u32), (i32, u32, u32)) = ((2021, 6, 1), (2021, 12, 31));
/// Share of rows with a null in `total_amt`, `product_json`, `discount`, `paid_amt` (the study
/// reports nulls in each without counts; these are the generator's choice).
pub const NULL_SHARES: [f64; 4] = [0.004, 0.003, 0.35, 0.06];
/// Share of rows whose `payment_date` is written `DD/MM/YYYY HH:MM`.
pub const OTHER_DATE_FORMAT_SHARE: f64 = 0.005;
/// Share of a member's products drawn from the member's favourite family.
pub const FAVOURITE_FAMILY_SHARE: f64 = 0.7;

/// The columns, in the file's order.
pub(crate) const COLUMNS: [(&str, Kind); 8] = [
    ("transaction_id", Kind::Int),
    ("location", Kind::Text),
    ("member_id", Kind::Text),
    ("product_json", Kind::Text),
    ("total_amt", Kind::Float),
    ("discount", Kind::Float),
    ("paid_amt", Kind::Float),
    ("payment_date", Kind::Text),
];

/// Product families and their bases; each base comes in [`PACKS`].
const FAMILIES: [[(&str, f64); 4]; 6] = [
    [
        ("Vitamin C 1000mg", 9.5),
        ("Zinc + Vitamin D3", 11.0),
        ("Echinacea Extract", 14.0),
        ("Elderberry Syrup", 16.5),
    ],
    [
        ("Omega-3 Fish Oil", 18.0),
        ("CoQ10 100mg", 29.0),
        ("Garlic Extract", 10.5),
        ("Plant Sterols", 21.0),
    ],
    [
        ("Calcium + D3", 12.0),
        ("Glucosamine 1500mg", 24.0),
        ("Magnesium Citrate", 13.5),
        ("Collagen Type II", 32.0),
    ],
    [
        ("Marine Collagen", 35.0),
        ("Biotin 5000mcg", 12.5),
        ("Evening Primrose Oil", 15.0),
        ("Hyaluronic Acid", 27.0),
    ],
    [
        ("Multivitamin Adult", 16.0),
        ("Korean Red Ginseng", 38.0),
        ("Iron + Folic Acid", 8.5),
        ("Vitamin B Complex", 10.0),
    ],
    [
        ("Probiotic 10 Strains", 26.0),
        ("Digestive Enzymes", 19.0),
        ("Psyllium Fibre", 11.5),
        ("Milk Thistle", 17.0),
    ],
];
/// Pack sizes and their price multiplier.
const PACKS: [(&str, f64); 3] = [
    ("30 capsules", 1.0),
    ("60 capsules", 1.8),
    ("120 capsules", 3.2),
];

struct Product {
    id: String,
    name: String,
    price: f64,
}

/// Writes the transactions of [`Size`] into `path`.
pub(crate) fn write(path: &Path, size: Size, seed: u64) -> Result<Generated> {
    let mut random = Random::new(seed);
    let families: Vec<Vec<Product>> = FAMILIES
        .iter()
        .enumerate()
        .map(|(f, bases)| {
            let mut products = Vec::new();
            for (b, (base, price)) in bases.iter().enumerate() {
                for (p, (pack, factor)) in PACKS.iter().enumerate() {
                    products.push(Product {
                        id: format!("HP{:04}", f * 100 + b * 10 + p + 1),
                        name: format!("{base} {pack}"),
                        price: price * factor,
                    });
                }
            }
            products
        })
        .collect();
    let locations = Weighted::new(LOCATIONS.map(|(_, w)| w));
    let (first, last) = (day(FIRST_DAY), day(LAST_DAY));
    let (gap_start, gap_end) = (day(GAP.0), day(GAP.1));
    let span = (last - first).num_days();
    let extra_visits = ROWS as f64 / MEMBERS as f64 - 1.0;
    let mut sink = RowSink::create(path, &COLUMNS)?;
    let (mut members, mut member_code, mut transaction) = (0u64, 1_000_000u64, 10_000_000i64);
    let mut json = String::with_capacity(256);
    while size.wants_customer(members, sink.rows()) {
        member_code += 1 + random.int(0, 2) as u64;
        let member = format!("M{member_code:07}");
        let home = locations.draw(&mut random);
        let favourite = random.index(FAMILIES.len());
        let paying = random.chance(PAYING_MEMBER_SHARE);
        let visits = 1 + random.geometric(extra_visits);
        let joined = random.int(0, span);
        let mut times: Vec<NaiveDateTime> = (0..visits)
            .map(|_| {
                loop {
                    let date = first + Duration::days(random.int(joined, span));
                    if date < gap_start || date > gap_end {
                        let seconds = random.int(8 * 3600, 20 * 3600);
                        break date.and_hms_opt(0, 0, 0).unwrap_or_default()
                            + Duration::seconds(seconds);
                    }
                }
            })
            .collect();
        times.sort_unstable();
        let mut wrote = false;
        for time in times {
            if !size.wants_row(sink.rows()) {
                break;
            }
            transaction += 1;
            let location = if random.chance(0.9) {
                home
            } else {
                locations.draw(&mut random)
            };
            let total = basket_json(&mut random, &families, favourite, &mut json);
            let [null_total, null_json, null_discount, null_paid] =
                NULL_SHARES.map(|share| random.chance(share));
            let discount = if random.chance(0.6) {
                0.0
            } else {
                cents(total * (0.05 + 0.15 * random.uniform()))
            };
            let paid = if paying { cents(total - discount) } else { 0.0 };
            let date = if random.chance(OTHER_DATE_FORMAT_SHARE) {
                time.format("%d/%m/%Y %H:%M").to_string()
            } else {
                time.format("%Y-%m-%d %H:%M:%S").to_string()
            };
            let or_null = |null: bool, v: f64| if null { Value::Null } else { Value::Float(v) };
            sink.write(&[
                Value::Int(transaction),
                Value::Text(LOCATIONS[location].0),
                Value::Text(&member),
                if null_json {
                    Value::Null
                } else {
                    Value::Text(&json)
                },
                or_null(null_total, total),
                or_null(null_discount, discount),
                or_null(null_paid, paid),
                Value::Text(&date),
            ])?;
            wrote = true;
        }
        members += u64::from(wrote);
    }
    Ok(Generated {
        path: path.to_path_buf(),
        rows: sink.finish()?,
        customers: members,
        side_files: Vec::new(),
    })
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// Writes a basket's JSON list into `json` and returns its total.
fn basket_json(
    random: &mut Random,
    families: &[Vec<Product>],
    favourite: usize,
    json: &mut String,
) -> f64 {
    use std::fmt::Write as _;
    let lines = (1 + random.geometric(0.8)).min(8) as usize;
    let mut chosen: Vec<&Product> = Vec::with_capacity(lines);
    let mut total = 0.0;
    json.clear();
    json.push('[');
    for _ in 0..lines {
        let family = if random.chance(FAVOURITE_FAMILY_SHARE) {
            favourite
        } else {
            random.index(families.len())
        };
        let product = &families[family][random.index(families[family].len())];
        if chosen.iter().any(|p| p.id == product.id) {
            continue;
        }
        let quantity = match random.uniform() {
            u if u < 0.7 => 1,
            u if u < 0.9 => 2,
            _ => 3,
        };
        total += product.price * f64::from(quantity);
        if !chosen.is_empty() {
            json.push_str(", ");
        }
        let _ = write!(
            json,
            r#"{{"product_id": "{}", "name": "{}", "quantity": {quantity}}}"#,
            product.id, product.name
        );
        chosen.push(product);
    }
    json.push(']');
    cents(total)
}
