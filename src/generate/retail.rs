//! An Online Retail look-alike at any size, for scale tests and benchmarks.
//!
//! The UCI Online Retail file ships with custseg (studies 1 and 3), but at 541,909 rows. This
//! writes files of its columns and quirks at any number of rows, so that the loader, `rfm` and the
//! benchmarks against DuckDB and polars can be measured at 10^7 and 10^8 rows:
//!
//! `InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country`
//!
//! - an invoice is several lines, written one after another, on one date
//!   (`2010-12-01 08:26:00`) between 2010-12-01 and 2011-12-09;
//! - about a quarter of the rows have no `CustomerID` (guest invoices, [`GUEST_INVOICES`]);
//! - cancellations: invoices numbered `C` + digits with negative quantities
//!   ([`CANCELLATION_SHARE`]);
//! - unit prices of zero, nearly all on guest invoices ([`FREE_LINE_SHARE`]), and then no
//!   description;
//! - exact duplicate lines ([`DUPLICATE_SHARE`]);
//! - most customers in the United Kingdom ([`HOME_SHARE`]).
//!
//! The shares are the original's, measured on the bundled file: 4.3 invoices per customer, 21.2
//! lines per invoice, 4,096 products (3,665 in the original's kept rows). Customers come one after
//! another (all of a customer's invoices, then the next customer's), each followed now and then
//! by a guest invoice; invoice dates are uniform over the year.

use std::path::Path;

use chrono::Duration;

use crate::error::Result;
use crate::generate::random::{Random, Weighted};
use crate::generate::sink::{Kind, RowSink, Value};
use crate::generate::{Generated, Size, day};

/// Rows in the original: 541,909.
pub const ROWS: u64 = 541_909;
/// First and last day of the original.
pub const FIRST_DAY: (i32, u32, u32) = (2010, 12, 1);
/// See [`FIRST_DAY`].
pub const LAST_DAY: (i32, u32, u32) = (2011, 12, 9);
/// Mean invoices of a customer, cancellations aside (18,532 of 4,338 customers in the rows
/// cleaning keeps).
pub const INVOICES_PER_CUSTOMER: f64 = 4.3;
/// Mean lines of a customer's invoice, duplicates aside (397,884 kept rows in 18,532 invoices,
/// 1.3% of them duplicates).
pub const LINES_PER_INVOICE: f64 = 21.2;
/// Guest invoices (no customer id) per customer, and their mean lines: 3,710 invoices of 135,080
/// rows in the original.
pub const GUEST_INVOICES: (f64, f64) = (0.85, 36.4);
/// Share of a customer's invoices followed by a cancellation of some of their lines (3,836
/// cancellations, 9,288 rows, in the original).
pub const CANCELLATION_SHARE: f64 = 0.2;
/// Share of lines with a unit price of zero: guests' (stock adjustments, 2,475 of 135,080 rows in
/// the original) and customers' (40 of 406,829).
pub const FREE_LINE_SHARE: (f64, f64) = (0.0183, 0.0001);
/// Share of lines written twice: guests' (76 duplicates in the original) and customers' (5,192
/// among the rows cleaning keeps).
pub const DUPLICATE_SHARE: (f64, f64) = (0.0006, 0.0131);
/// Share of customers in the United Kingdom.
pub const HOME_SHARE: f64 = 0.9;

/// The columns, in the file's order.
pub(crate) const COLUMNS: [(&str, Kind); 8] = [
    ("InvoiceNo", Kind::Text),
    ("StockCode", Kind::Text),
    ("Description", Kind::Text),
    ("Quantity", Kind::Int),
    ("InvoiceDate", Kind::Text),
    ("UnitPrice", Kind::Float),
    ("CustomerID", Kind::Text),
    ("Country", Kind::Text),
];

const COUNTRIES: [&str; 12] = [
    "Germany",
    "France",
    "EIRE",
    "Spain",
    "Netherlands",
    "Belgium",
    "Switzerland",
    "Portugal",
    "Australia",
    "Norway",
    "Italy",
    "Channel Islands",
];
const SIZES: [&str; 4] = ["", "SMALL ", "LARGE ", "SET OF 3 "];
const COLOURS: [&str; 8] = [
    "WHITE", "RED", "PINK", "BLUE", "GREEN", "IVORY", "BLACK", "VINTAGE",
];
const MATERIALS: [&str; 8] = [
    "HANGING", "METAL", "GLASS", "WOODEN", "CERAMIC", "PAPER", "FELT", "ENAMEL",
];
const ITEMS: [&str; 16] = [
    "HEART T-LIGHT HOLDER",
    "LANTERN",
    "CREAM CUPID HEARTS COAT HANGER",
    "KNITTED UNION FLAG HOT WATER BOTTLE",
    "BIRD ORNAMENT",
    "ALARM CLOCK BAKELIKE",
    "JAM MAKING SET",
    "LUNCH BAG",
    "CAKE STAND",
    "BUNTING",
    "DOORMAT",
    "PARTY BALLOONS",
    "STORAGE TIN",
    "PHOTO FRAME",
    "TEA CUP AND SAUCER",
    "CHRISTMAS DECORATION",
];
/// Quantities of a line and how often each comes.
const QUANTITIES: [(i64, f64); 10] = [
    (1, 0.2),
    (2, 0.15),
    (3, 0.08),
    (4, 0.08),
    (6, 0.14),
    (8, 0.04),
    (10, 0.05),
    (12, 0.18),
    (24, 0.06),
    (48, 0.02),
];

struct Product {
    code: String,
    description: String,
    price: f64,
}

/// The catalogue: every size, colour, material and item, with a price.
fn catalogue(random: &mut Random) -> Vec<Product> {
    let mut products = Vec::new();
    for item in ITEMS {
        for material in MATERIALS {
            for colour in COLOURS {
                for size in SIZES {
                    let n = products.len();
                    let suffix = if random.chance(0.2) { "A" } else { "" };
                    products.push(Product {
                        code: format!("{}{suffix}", 20_000 + n * 7),
                        description: format!("{size}{colour} {material} {item}"),
                        price: cents(random.log_normal(2.1, 0.8)),
                    });
                }
            }
        }
    }
    products
}

fn cents(amount: f64) -> f64 {
    (amount * 100.0).round().max(1.0) / 100.0
}

/// Writes the transactions of [`Size`] into `path`.
pub(crate) fn write(path: &Path, size: Size, seed: u64) -> Result<Generated> {
    let mut random = Random::new(seed);
    let products = catalogue(&mut random);
    let quantities = Weighted::new(QUANTITIES.map(|(_, w)| w));
    let (first, last) = (day(FIRST_DAY), day(LAST_DAY));
    let span_minutes = ((last - first).num_days() + 1) * 24 * 60 - 1;
    let first = first.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut out = Invoices {
        sink: RowSink::create(path, &COLUMNS)?,
        products,
        quantities,
        size,
        number: 536_364,
        line: Line::default(),
    };
    let (mut customers, mut customer_id) = (0u64, 12_345u64);
    while size.wants_customer(customers, out.sink.rows()) {
        customer_id += 1 + random.int(0, 1) as u64;
        let id = customer_id.to_string();
        let country = if random.chance(HOME_SHARE) {
            "United Kingdom"
        } else {
            COUNTRIES[random.index(COUNTRIES.len())]
        };
        let invoices = 1 + random.geometric(INVOICES_PER_CUSTOMER - 1.0);
        let mut times: Vec<i64> = (0..invoices).map(|_| random.int(0, span_minutes)).collect();
        times.sort_unstable();
        let mut wrote = false;
        for minute in times {
            let lines = 1 + random.geometric(LINES_PER_INVOICE - 1.0);
            let date = first + Duration::minutes(within_opening_hours(minute));
            wrote |= out.invoice(&mut random, Some(&id), country, date, lines)?;
        }
        customers += u64::from(wrote);
        if random.chance(GUEST_INVOICES.0) {
            let lines = 1 + random.geometric(GUEST_INVOICES.1 - 1.0);
            let minute = random.int(0, span_minutes);
            let date = first + Duration::minutes(within_opening_hours(minute));
            out.invoice(&mut random, None, "United Kingdom", date, lines)?;
        }
    }
    Ok(Generated {
        path: path.to_path_buf(),
        rows: out.sink.finish()?,
        customers,
        side_files: Vec::new(),
    })
}

/// A minute of the span moved into the shop's hours, 08:00 to 19:59, on the same day.
fn within_opening_hours(minute: i64) -> i64 {
    let (day, in_day) = (minute / (24 * 60), minute % (24 * 60));
    day * 24 * 60 + 8 * 60 + in_day % (12 * 60)
}

/// The invoice writer: the file, the catalogue, and the last invoice number.
struct Invoices {
    sink: RowSink,
    products: Vec<Product>,
    quantities: Weighted,
    size: Size,
    number: u64,
    line: Line,
}

/// Reused text of a line.
#[derive(Default)]
struct Line {
    invoice: String,
    date: String,
}

impl Invoices {
    /// Writes one invoice of `lines` lines (fewer when the size is reached) and, sometimes, its
    /// cancellation; returns whether a line was written.
    fn invoice(
        &mut self,
        random: &mut Random,
        customer: Option<&str>,
        country: &str,
        date: chrono::NaiveDateTime,
        lines: u64,
    ) -> Result<bool> {
        use std::fmt::Write as _;
        self.number += 1;
        self.line.invoice.clear();
        let _ = write!(self.line.invoice, "{}", self.number);
        self.line.date.clear();
        let _ = write!(self.line.date, "{}", date.format("%Y-%m-%d %H:%M:%S"));
        let mut chosen = Vec::with_capacity(lines as usize);
        let mut wrote = false;
        for _ in 0..lines {
            if !self.size.wants_row(self.sink.rows()) {
                return Ok(wrote);
            }
            let product = random.index(self.products.len());
            let quantity = QUANTITIES[self.quantities.draw(random)].0;
            let (free_share, duplicate_share) = match customer {
                Some(_) => (FREE_LINE_SHARE.1, DUPLICATE_SHARE.1),
                None => (FREE_LINE_SHARE.0, DUPLICATE_SHARE.0),
            };
            let free = random.chance(free_share);
            let copies = if random.chance(duplicate_share) { 2 } else { 1 };
            for _ in 0..copies {
                self.write_line(product, quantity, free, customer, country)?;
            }
            chosen.push((product, quantity));
            wrote = true;
        }
        if customer.is_some() && random.chance(CANCELLATION_SHARE) {
            // A few of the lines, returned later the same day or after.
            self.number += 1;
            self.line.invoice.clear();
            let _ = write!(self.line.invoice, "C{}", self.number);
            let returned = 1 + random.geometric(1.4) as usize;
            for &(product, quantity) in chosen.iter().take(returned) {
                if !self.size.wants_row(self.sink.rows()) {
                    break;
                }
                self.write_line(product, -quantity, false, customer, country)?;
            }
        }
        Ok(wrote)
    }

    fn write_line(
        &mut self,
        product: usize,
        quantity: i64,
        free: bool,
        customer: Option<&str>,
        country: &str,
    ) -> Result<()> {
        let product = &self.products[product];
        // Free lines of guests are stock adjustments, often without a description.
        let description = if free && customer.is_none() {
            Value::Null
        } else {
            Value::Text(&product.description)
        };
        self.sink.write(&[
            Value::Text(&self.line.invoice),
            Value::Text(&product.code),
            description,
            Value::Int(quantity),
            Value::Text(&self.line.date),
            Value::Float(if free { 0.0 } else { product.price }),
            customer.map_or(Value::Null, Value::Text),
            Value::Text(country),
        ])
    }
}
