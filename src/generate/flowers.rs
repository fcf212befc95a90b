//! Study 2: orders of a flowers-and-gifts e-commerce platform in Vietnam (STUDIES.md, study 2).
//!
//! The real export carries no licence, so this writes a look-alike with its 16 raw columns exactly
//! as exported, the stray spaces and the `gran _total` typo included:
//!
//! `_id, customer_id, master_id, country_id, " summary.gran _total ", summary.discount.money,
//! " summary.commission ", to_user.location.province_id, to_user.relationship_id, Year,
//! to_user.relative_id, to_user.date, create_info.created, occasion, province, Relative`
//!
//! Ids are 24-hex MongoDB ObjectIds (an order's carries its creation time), dates ISO-8601 UTC with
//! milliseconds, amounts whole Vietnamese dong. Every constant below names the published fact it
//! reproduces; at the default size (6,601 orders) `tests/generators.rs` checks each within a stated
//! tolerance. `master_id` is not described by the study: here it is one of twelve florist partners.

use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::error::Result;
use crate::generate::random::{Quantiles, Random, Weighted};
use crate::generate::sink::{Kind, RowSink, Value};
use crate::generate::{Generated, Size, day, object_id};

/// Orders in the study's export: 6,601.
pub const ORDERS: u64 = 6_601;
/// Customers in the study's export: 3,877 (not a parameter: it follows from the order counts).
pub const CUSTOMERS: u64 = 3_877;
/// First and last order dates: 2019-01-01 to 2023-10-23.
pub const FIRST_DAY: (i32, u32, u32) = (2019, 1, 1);
/// See [`FIRST_DAY`].
pub const LAST_DAY: (i32, u32, u32) = (2023, 10, 23);
/// Orders per year 2019..2023: 696 / 1,533 / 896 / 1,713 / 1,763.
pub const ORDERS_PER_YEAR: [(i32, f64); 5] = [
    (2019, 696.0),
    (2020, 1533.0),
    (2021, 896.0),
    (2022, 1713.0),
    (2023, 1763.0),
];
/// Share of customers with one order (77%), two (8.5%) and three (5.5%): the 90th percentile of
/// orders per customer is then 3, as published.
pub const ORDER_COUNT_SHARES: [f64; 3] = [0.77, 0.085, 0.055];
/// Customers with 4 or more orders draw k from 4..=74 with probability proportional to k^-3.158,
/// the exponent that makes the mean 6,601 orders over 3,877 customers (1.70 per customer).
pub const TAIL_EXPONENT: f64 = 3.158;
/// The most orders one customer placed: 74. The first customer generated places exactly that.
pub const MOST_ORDERS: u64 = 74;
/// The largest order: 38,117,320 VND, the first order of the first customer.
pub const LARGEST_TOTAL: i64 = 38_117_320;
/// Grand-total quantiles in VND: p25 220,000, median 524,000, p75 900,000, p90 1,393,200,
/// p99 3,300,000 (published); the 50,000 minimum and the top end are this generator's choice.
pub const TOTAL_QUANTILES: [(f64, f64); 7] = [
    (0.0, 50_000.0),
    (0.25, 220_000.0),
    (0.5, 524_000.0),
    (0.75, 900_000.0),
    (0.9, 1_393_200.0),
    (0.99, 3_300_000.0),
    (1.0, 12_000_000.0),
];
/// Commission is about 20% of the total: drawn uniformly in 18%..22%.
pub const COMMISSION_SHARE: (f64, f64) = (0.18, 0.22);
/// Empty cells: discount in 798 of 6,601 rows, commission in 414, country in 308.
pub const EMPTY_DISCOUNT: f64 = 798.0 / 6601.0;
/// See [`EMPTY_DISCOUNT`].
pub const EMPTY_COMMISSION: f64 = 414.0 / 6601.0;
/// Orders per `country_id`, empty first: 308 empty, VN 4,624, US 436, SG 261, AU 194, DE 86,
/// CA 82, HK 72, MY 71 (published); the other 467 orders are spread by this generator over
/// countries each smaller than MY.
pub const COUNTRIES: [(&str, f64); 17] = [
    ("", 308.0),
    ("VN", 4624.0),
    ("US", 436.0),
    ("SG", 261.0),
    ("AU", 194.0),
    ("DE", 86.0),
    ("CA", 82.0),
    ("HK", 72.0),
    ("MY", 71.0),
    ("JP", 70.0),
    ("KR", 68.0),
    ("TW", 66.0),
    ("FR", 64.0),
    ("GB", 62.0),
    ("NZ", 60.0),
    ("TH", 45.0),
    ("CH", 32.0),
];
/// Orders per occasion: "Dịp khác" 3,059, Quốc Tế Phụ Nữ 999, Phụ Nữ Việt Nam 507, Valentine 484,
/// Sinh nhật 219, Quốc Tế Thiếu Nhi 202, Ngày của mẹ 151, Giáng Sinh 136, Lunar New Year 119
/// (published); 725 orders over seven smaller occasions (generator's choice). The date is the
/// holiday (month, day) when there is one, so that orders gather before it.
pub const OCCASIONS: [(&str, f64, Option<MonthDay>); 16] = [
    ("Dịp khác", 3059.0, None),
    ("Quốc Tế Phụ Nữ", 999.0, Some((3, 8))),
    ("Phụ Nữ Việt Nam", 507.0, Some((10, 20))),
    ("Valentine", 484.0, Some((2, 14))),
    ("Sinh nhật", 219.0, None),
    ("Quốc Tế Thiếu Nhi", 202.0, Some((6, 1))),
    ("Ngày của mẹ", 151.0, Some((5, 12))),
    ("Giáng Sinh", 136.0, Some((12, 24))),
    ("Lunar New Year", 119.0, Some((0, 0))),
    ("Ngày Nhà giáo Việt Nam", 118.0, Some((11, 20))),
    ("Chúc mừng", 112.0, None),
    ("Khai trương", 110.0, None),
    ("Tốt nghiệp", 105.0, None),
    ("Kỷ niệm", 100.0, None),
    ("Chia buồn", 95.0, None),
    ("Tết Trung Thu", 85.0, None),
];
/// A holiday's (month, day); `(0, 0)` is Lunar New Year, whose date moves.
pub type MonthDay = (u32, u32);

/// Lunar New Year's day, 2019..2023 (the `(0, 0)` holiday above).
const LUNAR_NEW_YEAR: [(i32, u32, u32); 5] = [
    (2019, 2, 5),
    (2020, 1, 25),
    (2021, 2, 12),
    (2022, 2, 1),
    (2023, 1, 22),
];
/// Orders per recipient (`Relative`, with its `to_user.relationship_id`): Một ai đó 1,631, Tôi
/// 1,205, Bạn gái 1,086, Bạn bè 374, Mẹ 359, Vợ 299, Đối tác 187 (published); 1,460 over nine
/// smaller ones (generator's choice).
pub const RECIPIENTS: [(&str, f64); 16] = [
    ("Một ai đó", 1631.0),
    ("Tôi", 1205.0),
    ("Bạn gái", 1086.0),
    ("Bạn bè", 374.0),
    ("Mẹ", 359.0),
    ("Vợ", 299.0),
    ("Đối tác", 187.0),
    ("Đồng nghiệp", 180.0),
    ("Sếp", 176.0),
    ("Người yêu", 170.0),
    ("Khách hàng", 168.0),
    ("Chị gái", 160.0),
    ("Con", 155.0),
    ("Bà", 150.0),
    ("Bạn trai", 151.0),
    ("Bố", 150.0),
];
/// Delivery provinces with their official codes and a share of orders (generator's choice: the
/// study names the two big cities as most of the demand).
pub const PROVINCES: [(&str, i64, f64); 13] = [
    ("Hồ Chí Minh", 79, 40.0),
    ("Hà Nội", 1, 30.0),
    ("Đà Nẵng", 48, 6.0),
    ("Hải Phòng", 31, 3.0),
    ("Cần Thơ", 92, 3.0),
    ("Bình Dương", 74, 3.0),
    ("Đồng Nai", 75, 3.0),
    ("Khánh Hòa", 56, 2.0),
    ("Lâm Đồng", 68, 2.0),
    ("Bà Rịa - Vũng Tàu", 77, 2.0),
    ("Quảng Ninh", 22, 2.0),
    ("Thừa Thiên Huế", 46, 2.0),
    ("Nghệ An", 40, 2.0),
];

/// The raw columns, in the export's order.
pub(crate) const COLUMNS: [(&str, Kind); 16] = [
    ("_id", Kind::Text),
    ("customer_id", Kind::Text),
    ("master_id", Kind::Text),
    ("country_id", Kind::Text),
    (" summary.gran _total ", Kind::Int),
    ("summary.discount.money", Kind::Int),
    (" summary.commission ", Kind::Int),
    ("to_user.location.province_id", Kind::Int),
    ("to_user.relationship_id", Kind::Int),
    ("Year", Kind::Int),
    ("to_user.relative_id", Kind::Text),
    ("to_user.date", Kind::Text),
    ("create_info.created", Kind::Text),
    ("occasion", Kind::Text),
    ("province", Kind::Text),
    ("Relative", Kind::Text),
];

struct Draws {
    years: Weighted,
    tail: Weighted,
    totals: Quantiles,
    countries: Weighted,
    occasions: Weighted,
    recipients: Weighted,
    provinces: Weighted,
}

impl Draws {
    fn new() -> Self {
        Draws {
            years: Weighted::new(ORDERS_PER_YEAR.map(|(_, n)| n)),
            tail: Weighted::new((4..=MOST_ORDERS).map(|k| (k as f64).powf(-TAIL_EXPONENT))),
            totals: Quantiles::new(&TOTAL_QUANTILES),
            countries: Weighted::new(COUNTRIES.map(|(_, n)| n)),
            occasions: Weighted::new(OCCASIONS.map(|(_, n, _)| n)),
            recipients: Weighted::new(RECIPIENTS.map(|(_, n)| n)),
            provinces: Weighted::new(PROVINCES.map(|(_, _, share)| share)),
        }
    }

    fn order_count(&self, random: &mut Random) -> u64 {
        let u = random.uniform();
        let [one, two, three] = ORDER_COUNT_SHARES;
        if u < one {
            1
        } else if u < one + two {
            2
        } else if u < one + two + three {
            3
        } else {
            4 + self.tail.draw(random) as u64
        }
    }
}

/// An order's creation time: its year from [`ORDERS_PER_YEAR`], its day from the occasion's
/// holiday (up to a week before it) when that falls inside the data's range, else any day of the
/// year in range.
fn order_time(draws: &Draws, random: &mut Random, occasion: usize) -> NaiveDateTime {
    let (first, last) = (day(FIRST_DAY), day(LAST_DAY));
    let year = ORDERS_PER_YEAR[draws.years.draw(random)].0;
    let holiday = match OCCASIONS[occasion].2 {
        Some((0, 0)) => LUNAR_NEW_YEAR.iter().find(|d| d.0 == year).map(|&d| day(d)),
        Some((month, dom)) => NaiveDate::from_ymd_opt(year, month, dom),
        None => None,
    };
    let date = holiday
        .map(|h| h - chrono::Duration::days(random.int(0, 7)))
        .filter(|d| *d >= first && *d <= last)
        .unwrap_or_else(|| {
            let start = day((year, 1, 1)).max(first);
            let end = day((year, 12, 31)).min(last);
            start + chrono::Duration::days(random.int(0, (end - start).num_days()))
        });
    date.and_hms_opt(0, 0, 0).unwrap_or_default()
        + chrono::Duration::milliseconds(random.int(0, 86_400_000 - 1))
}

fn iso_ms(time: NaiveDateTime) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes the orders of [`Size`] into `path`.
pub(crate) fn write(path: &Path, size: Size, seed: u64) -> Result<Generated> {
    let mut random = Random::new(seed);
    let draws = Draws::new();
    let mut sink = RowSink::create(path, &COLUMNS)?;
    let masters: Vec<String> = (0..12)
        .map(|i| object_id(&mut random, 1_500_000_000 + i * 86_400, i as u64))
        .collect();
    let (mut customers, mut counter) = (0u64, 0u64);
    while size.wants_customer(customers, sink.rows()) {
        let orders = if customers == 0 {
            MOST_ORDERS
        } else {
            draws.order_count(&mut random)
        };
        let mut times: Vec<(NaiveDateTime, usize)> = (0..orders)
            .map(|_| {
                let occasion = draws.occasions.draw(&mut random);
                (order_time(&draws, &mut random, occasion), occasion)
            })
            .collect();
        times.sort();
        let signed_up = times[0].0 - chrono::Duration::days(random.int(0, 400));
        let customer_id = object_id(&mut random, signed_up.and_utc().timestamp(), counter);
        let master = &masters[random.index(masters.len())];
        for (i, (created, occasion)) in times.into_iter().enumerate() {
            if !size.wants_row(sink.rows()) {
                break;
            }
            counter += 1;
            let total = if customers == 0 && i == 0 {
                LARGEST_TOTAL
            } else {
                ((draws.totals.draw(&mut random) / 100.0).round() * 100.0) as i64
            };
            let row = OrderRow::draw(&draws, &mut random, created, occasion, total, counter);
            row.write(&mut sink, &customer_id, master)?;
        }
        customers += 1;
    }
    Ok(Generated {
        path: path.to_path_buf(),
        rows: sink.finish()?,
        customers,
        side_files: Vec::new(),
    })
}

/// The per-order values besides the customer's.
struct OrderRow {
    id: String,
    country: &'static str,
    total: i64,
    discount: Option<i64>,
    commission: Option<i64>,
    province: (&'static str, i64),
    recipient: usize,
    relative_id: String,
    delivery: String,
    created: NaiveDateTime,
    occasion: &'static str,
}

impl OrderRow {
    fn draw(
        draws: &Draws,
        random: &mut Random,
        created: NaiveDateTime,
        occasion: usize,
        total: i64,
        counter: u64,
    ) -> Self {
        let discount = (!random.chance(EMPTY_DISCOUNT)).then(|| {
            if random.chance(0.7) {
                0
            } else {
                let share = 0.05 + 0.15 * random.uniform();
                ((total as f64 * share / 1000.0).round() * 1000.0) as i64
            }
        });
        let commission = (!random.chance(EMPTY_COMMISSION)).then(|| {
            let (low, high) = COMMISSION_SHARE;
            (total as f64 * (low + (high - low) * random.uniform())).round() as i64
        });
        let province = PROVINCES[draws.provinces.draw(random)];
        let delivery = created + chrono::Duration::hours(random.int(2, 72));
        OrderRow {
            id: object_id(random, created.and_utc().timestamp(), counter),
            country: COUNTRIES[draws.countries.draw(random)].0,
            total,
            discount,
            commission,
            province: (province.0, province.1),
            recipient: draws.recipients.draw(random),
            relative_id: object_id(random, created.and_utc().timestamp(), counter + 7),
            delivery: iso_ms(delivery),
            created,
            occasion: OCCASIONS[occasion].0,
        }
    }

    fn write(&self, sink: &mut RowSink, customer_id: &str, master: &str) -> Result<()> {
        let created = iso_ms(self.created);
        let optional = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
        sink.write(&[
            Value::Text(&self.id),
            Value::Text(customer_id),
            Value::Text(master),
            if self.country.is_empty() {
                Value::Null
            } else {
                Value::Text(self.country)
            },
            Value::Int(self.total),
            optional(self.discount),
            optional(self.commission),
            Value::Int(self.province.1),
            Value::Int(self.recipient as i64 + 1),
            Value::Int(i64::from(self.created.year())),
            Value::Text(&self.relative_id),
            Value::Text(&self.delivery),
            Value::Text(&created),
            Value::Text(self.occasion),
            Value::Text(self.province.0),
            Value::Text(RECIPIENTS[self.recipient].0),
        ])
    }
}
