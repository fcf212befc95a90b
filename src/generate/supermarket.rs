//! Study 4: supermarket line items in the layout of dunnhumby's "Let's Get Sort-of-Real" sample
//! (STUDIES.md, study 4), with four planted customer groups.
//!
//! The sample is not redistributable, so this writes its 22 columns with their codes and formats:
//! SHOP_WEEK `YYYYWW`, SHOP_DATE `YYYYMMDD`, SHOP_WEEKDAY 1 (Sunday) to 7, SHOP_HOUR, QUANTITY,
//! SPEND, PROD_CODE `PRD0900097` and its hierarchy PROD_CODE_10/20/30/40 (`CL00072`, `DEP00021`,
//! `G00007`, `D00002`), CUST_CODE `CUST0000410727` (empty for shoppers without a card, whose
//! customer attributes are empty too), CUST_PRICE_SENSITIVITY, CUST_LIFESTAGE, BASKET_ID (15
//! digits), BASKET_SIZE, BASKET_PRICE_SENSITIVITY, BASKET_TYPE, BASKET_DOMINANT_MISSION,
//! STORE_CODE `STORE00001`, STORE_FORMAT and STORE_REGION. Basket-level attributes are constant
//! within a basket.
//!
//! Card holders belong to one of four [`GROUPS`] that differ the way the study's four clusters did:
//! visits, ticket size, recency, basket mission and store format. Each customer's group is written
//! to a side file, `<name>.groups.csv` (`CUST_CODE,group,group_name`), so that a test can check that
//! clustering the customer single view recovers them.

use std::io::Write;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};

use crate::error::{Error, Result};
use crate::generate::random::{Random, Weighted};
use crate::generate::sink::{Kind, RowSink, Value};
use crate::generate::{Generated, Size, day, side_file};

/// Rows in the dunnhumby sample: 956,575.
pub const ROWS: u64 = 956_575;
/// The sample's span: 117 weeks, SHOP_WEEK 200614 to 200827.
pub const FIRST_DAY: (i32, u32, u32) = (2006, 4, 3);
/// Days in the span (117 weeks).
pub const DAYS: i64 = 117 * 7;
/// Basket missions, in the sample's codes (XX: unknown).
pub const MISSIONS: [&str; 5] = ["Fresh", "Grocery", "Mixed", "Nonfood", "XX"];
/// Store formats, in the sample's codes.
pub const FORMATS: [&str; 4] = ["LS", "MS", "SS", "XLS"];
/// Store regions, in the sample's codes.
pub const REGIONS: [&str; 13] = [
    "E01", "E02", "E03", "E04", "E05", "N01", "N02", "N03", "S01", "S02", "S03", "W01", "W02",
];
/// Customer life stages: young adults, older adults, young families, older families, pensioners,
/// other, unknown.
pub const LIFESTAGES: [&str; 7] = ["YA", "OA", "YF", "OF", "PE", "OT", "XX"];
/// Price sensitivity: less affluent, mid market, up market, unknown.
pub const SENSITIVITIES: [&str; 4] = ["LA", "MM", "UM", "XX"];
/// Share of a customer's baskets made at their home store (whose format is the group's).
pub const HOME_STORE_SHARE: f64 = 0.88;
/// Chance that a basket by a shopper without a card follows each card holder's baskets.
pub const NO_CARD_BASKETS_PER_CUSTOMER: f64 = 1.5;

/// A planted customer group.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// The study's description of the cluster.
    pub name: &'static str,
    /// Share of card holders.
    pub share: f64,
    /// Median visits (baskets) over the span.
    pub visits: f64,
    /// Median lines per basket.
    pub lines: f64,
    /// Index into [`FORMATS`] of the home store's format.
    pub format: usize,
    /// Weights of Fresh, Grocery, Mixed, Nonfood missions.
    pub missions: [f64; 4],
    /// Fraction of the span the last visit falls in (low..high): high recency ends early.
    pub last_visit: (f64, f64),
    /// Weights of LA, MM, UM price sensitivity.
    pub sensitivity: [f64; 3],
    /// Weights of the life stages YA, OA, YF, OF, PE, OT.
    pub lifestage: [f64; 6],
}

/// The four groups, after the study's four k-means clusters and their recommendations.
pub const GROUPS: [Group; 4] = [
    Group {
        name: "rich, active, non-food",
        share: 0.12,
        visits: 40.0,
        lines: 9.0,
        format: 0,
        missions: [0.1, 0.1, 0.2, 0.6],
        last_visit: (0.97, 1.0),
        sensitivity: [0.1, 0.3, 0.6],
        lifestage: [0.1, 0.4, 0.05, 0.1, 0.05, 0.3],
    },
    Group {
        name: "many customers, low ticket, high recency",
        share: 0.45,
        visits: 5.0,
        lines: 3.0,
        format: 2,
        missions: [0.5, 0.3, 0.15, 0.05],
        last_visit: (0.1, 0.5),
        sensitivity: [0.6, 0.3, 0.1],
        lifestage: [0.35, 0.1, 0.05, 0.05, 0.35, 0.1],
    },
    Group {
        name: "families, full shop",
        share: 0.2,
        visits: 22.0,
        lines: 16.0,
        format: 3,
        missions: [0.05, 0.6, 0.3, 0.05],
        last_visit: (0.95, 1.0),
        sensitivity: [0.3, 0.5, 0.2],
        lifestage: [0.05, 0.05, 0.45, 0.35, 0.05, 0.05],
    },
    Group {
        name: "frequent top-up",
        share: 0.23,
        visits: 60.0,
        lines: 3.0,
        format: 1,
        missions: [0.5, 0.15, 0.3, 0.05],
        last_visit: (0.95, 1.0),
        sensitivity: [0.4, 0.4, 0.2],
        lifestage: [0.4, 0.3, 0.05, 0.05, 0.1, 0.1],
    },
];

/// The 22 columns of the sample, in its order.
pub(crate) const COLUMNS: [(&str, Kind); 22] = [
    ("SHOP_WEEK", Kind::Int),
    ("SHOP_DATE", Kind::Int),
    ("SHOP_WEEKDAY", Kind::Int),
    ("SHOP_HOUR", Kind::Int),
    ("QUANTITY", Kind::Int),
    ("SPEND", Kind::Float),
    ("PROD_CODE", Kind::Text),
    ("PROD_CODE_10", Kind::Text),
    ("PROD_CODE_20", Kind::Text),
    ("PROD_CODE_30", Kind::Text),
    ("PROD_CODE_40", Kind::Text),
    ("CUST_CODE", Kind::Text),
    ("CUST_PRICE_SENSITIVITY", Kind::Text),
    ("CUST_LIFESTAGE", Kind::Text),
    ("BASKET_ID", Kind::Int),
    ("BASKET_SIZE", Kind::Text),
    ("BASKET_PRICE_SENSITIVITY", Kind::Text),
    ("BASKET_TYPE", Kind::Text),
    ("BASKET_DOMINANT_MISSION", Kind::Text),
    ("STORE_CODE", Kind::Text),
    ("STORE_FORMAT", Kind::Text),
    ("STORE_REGION", Kind::Text),
];

/// Products in the catalogue, in three divisions (fresh, grocery, non-food).
const PRODUCTS: usize = 4_000;
/// Median unit price per division, in pounds.
const DIVISION_PRICE: [f64; 3] = [1.1, 1.4, 5.5];
/// Stores per format (LS, MS, SS, XLS).
const STORES: [usize; 4] = [30, 30, 40, 20];

struct Product {
    codes: [String; 5],
    division: usize,
    price: f64,
}

struct Store {
    code: String,
    format: usize,
    region: &'static str,
}

struct Catalogue {
    products: Vec<Product>,
    /// Product indices per division, most popular first.
    by_division: [Vec<usize>; 3],
    popularity: [Weighted; 3],
    stores: Vec<Store>,
    stores_by_format: [Vec<usize>; 4],
    groups: Weighted,
}

impl Catalogue {
    fn new(random: &mut Random) -> Self {
        let products: Vec<Product> = (0..PRODUCTS)
            .map(|p| {
                let division = p % 3;
                let class = (p / 3) % 80;
                Product {
                    codes: [
                        format!("PRD09{:05}", p + 1),
                        format!("CL{:05}", division * 80 + class + 1),
                        format!("DEP{:05}", division * 20 + class / 4 + 1),
                        format!("G{:05}", division * 5 + class / 16 + 1),
                        format!("D{:05}", division + 1),
                    ],
                    division,
                    price: random.log_normal(DIVISION_PRICE[division], 0.5),
                }
            })
            .collect();
        let by_division: [Vec<usize>; 3] =
            std::array::from_fn(|d| (0..PRODUCTS).filter(|p| p % 3 == d).collect());
        let popularity = std::array::from_fn(|d| {
            Weighted::new((0..by_division[d].len()).map(|rank| 1.0 / (rank as f64 + 5.0)))
        });
        let mut stores = Vec::new();
        let mut stores_by_format: [Vec<usize>; 4] = Default::default();
        for (format, &count) in STORES.iter().enumerate() {
            for _ in 0..count {
                stores_by_format[format].push(stores.len());
                stores.push(Store {
                    code: String::new(),
                    format,
                    region: REGIONS[random.index(REGIONS.len())],
                });
            }
        }
        // Store codes in a mixed order, as a real estate numbers its stores.
        let mut codes: Vec<usize> = (1..=stores.len()).collect();
        for i in (1..codes.len()).rev() {
            codes.swap(i, random.index(i + 1));
        }
        for (store, code) in stores.iter_mut().zip(codes) {
            store.code = format!("STORE{code:05}");
        }
        Catalogue {
            products,
            by_division,
            popularity,
            stores,
            stores_by_format,
            groups: Weighted::new(GROUPS.map(|g| g.share)),
        }
    }

    fn product(&self, random: &mut Random, division: usize) -> &Product {
        let rank = self.popularity[division].draw(random);
        &self.products[self.by_division[division][rank]]
    }
}

/// A shopper: a card holder with a group, or a shopper without a card.
struct Shopper {
    code: Option<String>,
    sensitivity: &'static str,
    lifestage: &'static str,
    group: Option<usize>,
}

/// One basket's shared attributes.
struct Basket<'a> {
    id: i64,
    date: NaiveDate,
    hour: i64,
    lines: usize,
    mission: usize,
    sensitivity: &'static str,
    store: &'a Store,
}

/// Writes the line items of [`Size`] into `path` and the planted groups beside it.
pub(crate) fn write(path: &Path, size: Size, seed: u64) -> Result<Generated> {
    let mut random = Random::new(seed);
    let catalogue = Catalogue::new(&mut random);
    let mut sink = RowSink::create(path, &COLUMNS)?;
    let groups_path = side_file(path, "groups.csv");
    let mut groups = GroupsFile::create(&groups_path)?;
    let (mut customers, mut basket_id, mut code) = (0u64, 994_110_500_000_000i64, 400_000u64);
    let start = day(FIRST_DAY);
    while size.wants_customer(customers, sink.rows()) {
        let g = catalogue.groups.draw(&mut random);
        let group = &GROUPS[g];
        code += 1 + random.int(0, 60) as u64;
        let shopper = Shopper {
            code: Some(format!("CUST{code:010}")),
            sensitivity: pick(&mut random, &SENSITIVITIES, &group.sensitivity, 0.04),
            lifestage: pick(&mut random, &LIFESTAGES, &group.lifestage, 0.04),
            group: Some(g),
        };
        let home = &catalogue.stores_by_format[group.format];
        let home = home[random.index(home.len())];
        let visits = random.log_normal(group.visits, 0.3).round().max(1.0) as usize;
        let first = random.uniform() * 0.1;
        let (low, high) = group.last_visit;
        let last = (low + (high - low) * random.uniform()).max(first);
        let mut days: Vec<i64> = (0..visits)
            .map(|_| ((first + (last - first) * random.uniform()) * (DAYS - 1) as f64) as i64)
            .collect();
        days.sort_unstable();
        let mut wrote = false;
        for day in days {
            let store = if random.chance(HOME_STORE_SHARE) {
                &catalogue.stores[home]
            } else {
                &catalogue.stores[random.index(catalogue.stores.len())]
            };
            basket_id += 1;
            let basket = Basket::draw(
                &mut random,
                &shopper,
                group,
                basket_id,
                start + Duration::days(day),
                store,
            );
            wrote |= write_basket(&mut sink, &mut random, &catalogue, &shopper, &basket, size)?;
        }
        if wrote {
            customers += 1;
            if let (Some(code), Some(g)) = (&shopper.code, shopper.group) {
                groups.write(code, g)?;
            }
        }
        // Shoppers without a card: their baskets sit between the card holders'.
        while random.chance(NO_CARD_BASKETS_PER_CUSTOMER / (1.0 + NO_CARD_BASKETS_PER_CUSTOMER)) {
            let anonymous = Shopper {
                code: None,
                sensitivity: "",
                lifestage: "",
                group: None,
            };
            let group = &GROUPS[catalogue.groups.draw(&mut random)];
            let store = &catalogue.stores[random.index(catalogue.stores.len())];
            basket_id += 1;
            let day = random.int(0, DAYS - 1);
            let basket = Basket::draw(
                &mut random,
                &anonymous,
                group,
                basket_id,
                start + Duration::days(day),
                store,
            );
            write_basket(
                &mut sink,
                &mut random,
                &catalogue,
                &anonymous,
                &basket,
                size,
            )?;
        }
    }
    groups.finish()?;
    Ok(Generated {
        path: path.to_path_buf(),
        rows: sink.finish()?,
        customers,
        side_files: vec![groups_path],
    })
}

/// One of `codes` by `weights` (the last code, "XX", with probability `unknown`).
fn pick(
    random: &mut Random,
    codes: &[&'static str],
    weights: &[f64],
    unknown: f64,
) -> &'static str {
    if random.chance(unknown) {
        return codes[codes.len() - 1];
    }
    codes[Weighted::new(weights.iter().copied()).draw(random)]
}

impl<'a> Basket<'a> {
    fn draw(
        random: &mut Random,
        shopper: &Shopper,
        group: &Group,
        id: i64,
        date: NaiveDate,
        store: &'a Store,
    ) -> Self {
        let mission = Weighted::new(group.missions).draw(random);
        let lines = random.log_normal(group.lines, 0.35).round().max(1.0) as usize;
        let sensitivity = if shopper.code.is_some() && random.chance(0.8) {
            shopper.sensitivity
        } else {
            pick(random, &SENSITIVITIES, &[1.0, 1.0, 1.0], 0.05)
        };
        Basket {
            id,
            date,
            hour: random.int(8, 21),
            lines,
            mission,
            sensitivity,
            store,
        }
    }

    fn size_code(&self) -> &'static str {
        match self.lines {
            0..=3 => "S",
            4..=9 => "M",
            _ => "L",
        }
    }

    fn type_code(&self) -> &'static str {
        match self.lines {
            0..=3 => "Top Up",
            4..=9 => "Small Shop",
            _ => "Full Shop",
        }
    }
}

/// Writes a basket's lines; false when the size allowed none.
fn write_basket(
    sink: &mut RowSink,
    random: &mut Random,
    catalogue: &Catalogue,
    shopper: &Shopper,
    basket: &Basket,
    size: Size,
) -> Result<bool> {
    let date = basket.date;
    let week = date.iso_week();
    let shop_week = i64::from(week.year()) * 100 + i64::from(week.week());
    let shop_date = i64::from(date.year()) * 10_000 + i64::from(date.month() * 100 + date.day());
    let weekday = i64::from(date.weekday().num_days_from_sunday()) + 1;
    // One basket in a hundred has unknown mission and type, as in the sample.
    let unknown = random.chance(0.01);
    let mission = if unknown {
        "XX"
    } else {
        MISSIONS[basket.mission]
    };
    let basket_type = if unknown { "XX" } else { basket.type_code() };
    let mut wrote = false;
    for _ in 0..basket.lines {
        if !size.wants_row(sink.rows()) {
            break;
        }
        // The mission decides the division of most lines; a mixed basket draws any division.
        let division = match basket.mission {
            0 | 1 if random.chance(0.8) => basket.mission,
            3 if random.chance(0.8) => 2,
            _ => random.index(3),
        };
        let product = catalogue.product(random, division);
        let quantity = match random.uniform() {
            u if u < 0.72 => 1,
            u if u < 0.92 => 2,
            _ => random.int(3, 6),
        };
        let spend = product.price * quantity as f64 * (0.9 + 0.2 * random.uniform());
        let spend = (spend * 100.0).round() / 100.0;
        let text = |s: &'static str| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::Text(s)
            }
        };
        debug_assert!(product.division < 3);
        sink.write(&[
            Value::Int(shop_week),
            Value::Int(shop_date),
            Value::Int(weekday),
            Value::Int(basket.hour),
            Value::Int(quantity),
            Value::Float(spend.max(0.01)),
            Value::Text(&product.codes[0]),
            Value::Text(&product.codes[1]),
            Value::Text(&product.codes[2]),
            Value::Text(&product.codes[3]),
            Value::Text(&product.codes[4]),
            shopper.code.as_deref().map_or(Value::Null, Value::Text),
            text(shopper.sensitivity),
            text(shopper.lifestage),
            Value::Int(basket.id),
            Value::Text(basket.size_code()),
            Value::Text(basket.sensitivity),
            Value::Text(basket_type),
            Value::Text(mission),
            Value::Text(&basket.store.code),
            Value::Text(FORMATS[basket.store.format]),
            Value::Text(basket.store.region),
        ])?;
        wrote = true;
    }
    Ok(wrote)
}

/// The planted groups, one line per card holder.
struct GroupsFile {
    path: std::path::PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl GroupsFile {
    fn create(path: &Path) -> Result<Self> {
        let file = std::fs::File::create(path).map_err(|e| Error::write(path, e))?;
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "CUST_CODE,group,group_name").map_err(|e| Error::write(path, e))?;
        Ok(GroupsFile {
            path: path.to_path_buf(),
            out,
        })
    }

    fn write(&mut self, code: &str, group: usize) -> Result<()> {
        writeln!(self.out, "{code},{},\"{}\"", group + 1, GROUPS[group].name)
            .map_err(|e| Error::write(&self.path, e))
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::write(&self.path, e))
    }
}
