//! Baskets in a JSON column: each transaction row becomes one row per product.
//!
//! Set [`ColumnRoles::basket_json`](crate::data::roles::ColumnRoles::basket_json) (CLI:
//! `--basket-json COLUMN`) to the column holding a JSON list per transaction. A product is an
//! object with an id under `product_id`, `productId`, `product`, `id`, `sku`, `item_id` or `code`
//! (the first present; a string or a number) and an optional quantity under `quantity`, `qty` or
//! `count` (a positive number; 1 when absent), or a bare id (`["HP0042", "HP0007"]`, quantity 1).
//! Other keys (names, prices) are ignored.
//!
//! Rows that cannot be split are dropped under their own [`DropReason`]: an empty cell
//! ([`DropReason::MissingBasket`]), text that is not a JSON list of products or a quantity that is
//! not a positive number ([`DropReason::MalformedBasket`]), `[]` ([`DropReason::EmptyBasket`]),
//! and a product without an id ([`DropReason::ProductWithoutId`]). These reasons come last in
//! [`DropReason::ALL`]: a row is only looked at here when every other rule kept it.
//!
//! **Amounts.** Such files have no price per product: the amount column is the transaction's. It
//! is split over the products in proportion to their quantities, so a customer's spend (the sum
//! over their rows) is the sum of their transactions' amounts, up to floating-point rounding, and
//! a product's spend is its share of the baskets it was in. `quantity` is the product's quantity
//! and `items` in the customer view sums them. Visits and RFM frequency count transactions: the
//! invoice column when there is one, else each row of the file is one transaction.

use polars::prelude::*;
use rayon::prelude::*;

use crate::data::clean::{self, DropReason, ReasonCounts, cols};
use crate::data::sanity::ParseFailure;
use crate::data::transactions::Cleaned;
use crate::error::Result;

/// Keys that hold a product's id, in the order they are looked for.
pub const ID_KEYS: [&str; 7] = [
    "product_id",
    "productId",
    "product",
    "id",
    "sku",
    "item_id",
    "code",
];
/// Keys that hold a product's quantity.
pub const QUANTITY_KEYS: [&str; 3] = ["quantity", "qty", "count"];

/// One product of a basket.
#[derive(Debug, Clone, PartialEq)]
pub struct BasketProduct {
    /// The product's id, as text.
    pub id: String,
    /// Units bought.
    pub quantity: f64,
}

/// Reads one basket cell; `None` is an empty cell.
///
/// ```
/// use custseg::data::basket::parse_basket;
/// use custseg::data::clean::DropReason;
/// let products = parse_basket(Some(r#"[{"product_id": "A1", "qty": 2}, "B7"]"#)).unwrap();
/// assert_eq!((products[0].id.as_str(), products[0].quantity), ("A1", 2.0));
/// assert_eq!((products[1].id.as_str(), products[1].quantity), ("B7", 1.0));
/// assert_eq!(parse_basket(Some("[]")), Err(DropReason::EmptyBasket));
/// assert_eq!(parse_basket(Some("[{\"qty\": 1}]")), Err(DropReason::ProductWithoutId));
/// assert_eq!(parse_basket(Some("[{")), Err(DropReason::MalformedBasket));
/// ```
pub fn parse_basket(cell: Option<&str>) -> std::result::Result<Vec<BasketProduct>, DropReason> {
    let text = cell.map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        return Err(DropReason::MissingBasket);
    };
    // Read in one pass with a visitor: no JSON tree is built, ids are the only values kept.
    let basket: Basket = serde_json::from_str(text).map_err(|_| DropReason::MalformedBasket)?;
    if basket.malformed {
        Err(DropReason::MalformedBasket)
    } else if basket.products.is_empty() && !basket.without_id {
        Err(DropReason::EmptyBasket)
    } else if basket.without_id {
        Err(DropReason::ProductWithoutId)
    } else {
        Ok(basket.products)
    }
}

/// A basket as read: the products with ids, and what was wrong with the rest.
#[derive(Default)]
struct Basket {
    products: Vec<BasketProduct>,
    without_id: bool,
    malformed: bool,
}

impl<'de> serde::Deserialize<'de> for Basket {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(BasketVisitor)
    }
}

struct BasketVisitor;

impl<'de> serde::de::Visitor<'de> for BasketVisitor {
    type Value = Basket;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON list of products")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Basket, A::Error> {
        let mut basket = Basket::default();
        while let Some(entry) = seq.next_element::<Entry>()? {
            match entry {
                Entry::Product(product) => basket.products.push(product),
                Entry::WithoutId => basket.without_id = true,
                Entry::Malformed => basket.malformed = true,
            }
        }
        Ok(basket)
    }

    // Any other JSON value is not a list of products.
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<Basket, A::Error> {
        skip_map(map)?;
        Ok(malformed())
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<Basket, E> {
        Ok(malformed())
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<Basket, E> {
        Ok(malformed())
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<Basket, E> {
        Ok(malformed())
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<Basket, E> {
        Ok(malformed())
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Basket, E> {
        Ok(malformed())
    }

    fn visit_unit<E>(self) -> std::result::Result<Basket, E> {
        Ok(malformed())
    }
}

/// Reads past the rest of a JSON list.
fn skip_seq<'de, A: serde::de::SeqAccess<'de>>(mut seq: A) -> std::result::Result<(), A::Error> {
    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads past the rest of a JSON object.
fn skip_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> std::result::Result<(), A::Error> {
    while map
        .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
        .is_some()
    {}
    Ok(())
}

fn malformed() -> Basket {
    Basket {
        malformed: true,
        ..Basket::default()
    }
}

/// One element of the list.
enum Entry {
    Product(BasketProduct),
    WithoutId,
    Malformed,
}

impl<'de> serde::Deserialize<'de> for Entry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl EntryVisitor {
    fn id(id: String) -> Entry {
        let id = id.trim();
        if id.is_empty() {
            Entry::WithoutId
        } else {
            Entry::Product(BasketProduct {
                id: id.to_string(),
                quantity: 1.0,
            })
        }
    }
}

impl<'de> serde::de::Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a product: an object with an id, or an id")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Entry, A::Error> {
        // The id under the earliest key of ID_KEYS present, the quantity likewise.
        let mut id: Option<(usize, Option<String>)> = None;
        let mut quantity: Option<(usize, Quantity)> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id(rank) => {
                    let value = map.next_value::<IdValue>()?.0;
                    if id.as_ref().is_none_or(|(best, _)| rank < *best) {
                        id = Some((rank, value));
                    }
                }
                Key::Quantity(rank) => {
                    let value = map.next_value::<Quantity>()?;
                    if quantity.as_ref().is_none_or(|(best, _)| rank < *best) {
                        quantity = Some((rank, value));
                    }
                }
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let quantity = match quantity.map(|(_, q)| q) {
            None | Some(Quantity::Absent) => 1.0,
            Some(Quantity::Value(q)) => q,
            Some(Quantity::Bad) => return Ok(Entry::Malformed),
        };
        Ok(match id.and_then(|(_, id)| id) {
            Some(id) if !id.trim().is_empty() => Entry::Product(BasketProduct {
                id: id.trim().to_string(),
                quantity,
            }),
            _ => Entry::WithoutId,
        })
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Entry, E> {
        Ok(Self::id(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Entry, E> {
        Ok(Self::id(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Entry, E> {
        Ok(Self::id(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<Entry, E> {
        Ok(Self::id(v.to_string()))
    }

    fn visit_unit<E>(self) -> std::result::Result<Entry, E> {
        Ok(Entry::WithoutId)
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Entry, E> {
        Ok(Entry::Malformed)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<Entry, A::Error> {
        skip_seq(seq)?;
        Ok(Entry::Malformed)
    }
}

/// A key of a product object: an id key or a quantity key (with its rank), or another.
enum Key {
    Id(usize),
    Quantity(usize),
    Other,
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Key, E> {
                Ok(if let Some(rank) = ID_KEYS.iter().position(|k| *k == v) {
                    Key::Id(rank)
                } else if let Some(rank) = QUANTITY_KEYS.iter().position(|k| *k == v) {
                    Key::Quantity(rank)
                } else {
                    Key::Other
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// An id value: text or a number, as text; `None` for null or anything else.
struct IdValue(Option<String>);

impl<'de> serde::Deserialize<'de> for IdValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct IdVisitor;
        impl<'de> serde::de::Visitor<'de> for IdVisitor {
            type Value = IdValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a product id")
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<IdValue, E> {
                Ok(IdValue(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<IdValue, E> {
                Ok(IdValue(Some(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<IdValue, E> {
                Ok(IdValue(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<IdValue, E> {
                Ok(IdValue(Some(v.to_string())))
            }
            fn visit_unit<E>(self) -> std::result::Result<IdValue, E> {
                Ok(IdValue(None))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<IdValue, E> {
                Ok(IdValue(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<IdValue, A::Error> {
                skip_seq(seq)?;
                Ok(IdValue(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<IdValue, A::Error> {
                skip_map(map)?;
                Ok(IdValue(None))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

/// A quantity value: a positive number (or numeric text), absent (null), or anything else.
enum Quantity {
    Value(f64),
    Absent,
    Bad,
}

impl Quantity {
    fn of(q: f64) -> Self {
        if q.is_finite() && q > 0.0 {
            Quantity::Value(q)
        } else {
            Quantity::Bad
        }
    }
}

impl<'de> serde::Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct QuantityVisitor;
        impl<'de> serde::de::Visitor<'de> for QuantityVisitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity")
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Quantity, E> {
                Ok(Quantity::of(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Quantity, E> {
                Ok(Quantity::of(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Quantity, E> {
                Ok(Quantity::of(v))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Quantity, E> {
                Ok(v.trim().parse::<f64>().map_or(Quantity::Bad, Quantity::of))
            }
            fn visit_unit<E>(self) -> std::result::Result<Quantity, E> {
                Ok(Quantity::Absent)
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Quantity, E> {
                Ok(Quantity::Bad)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Quantity, A::Error> {
                skip_seq(seq)?;
                Ok(Quantity::Bad)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Quantity, A::Error> {
                skip_map(map)?;
                Ok(Quantity::Bad)
            }
        }
        d.deserialize_any(QuantityVisitor)
    }
}

/// Codes renumbered 0.. in the order of their values, which keeps the order codes stand for
/// (customer id order, invoice first appearance) when some values are gone.
fn dense(codes: impl Iterator<Item = u32> + Clone) -> Vec<u32> {
    let size = codes.clone().max().map_or(0, |m| m as usize + 1);
    let mut new = vec![u32::MAX; size];
    for code in codes.clone() {
        new[code as usize] = 0;
    }
    for (next, slot) in new.iter_mut().filter(|s| **s == 0).enumerate() {
        *slot = next as u32;
    }
    codes.map(|code| new[code as usize]).collect()
}

/// Splits the kept rows' baskets into one row per product, dropping the rows whose basket cannot
/// be split under their reason.
pub(crate) fn split(mut cleaned: Cleaned) -> Result<Cleaned> {
    let kept = &cleaned.kept;
    let baskets = kept.column(cols::BASKET)?.str()?.rechunk();
    let cells: Vec<Option<&str>> = baskets.iter().collect();
    let parsed: Vec<std::result::Result<Vec<BasketProduct>, DropReason>> =
        cells.par_iter().map(|cell| parse_basket(*cell)).collect();
    let mut counts: ReasonCounts = Default::default();
    for (reason, rows) in &cleaned.accounting.dropped {
        counts[*reason as usize] = *rows;
    }
    let mut take: Vec<IdxSize> = Vec::new();
    let mut products: Vec<&str> = Vec::new();
    let mut quantities: Vec<f64> = Vec::new();
    let mut shares: Vec<f64> = Vec::new();
    let mut baskets_kept = 0usize;
    let mut malformed = ParseFailure {
        column: cleaned.roles.basket.clone().unwrap_or_default(),
        role: "JSON basket",
        rows: 0,
        examples: Vec::new(),
    };
    for (row, basket) in parsed.iter().enumerate() {
        match basket {
            Err(reason) => {
                counts[*reason as usize] += 1;
                if *reason == DropReason::MalformedBasket {
                    malformed.rows += 1;
                    ParseFailure::add_example(&mut malformed.examples, cells[row].unwrap_or(""));
                }
            }
            Ok(items) => {
                baskets_kept += 1;
                let total: f64 = items.iter().map(|p| p.quantity).sum();
                for item in items {
                    take.push(row as IdxSize);
                    products.push(&item.id);
                    quantities.push(item.quantity);
                    shares.push(item.quantity / total);
                }
            }
        }
    }
    let rows_in = cleaned.accounting.rows_in;
    // The JSON text is read: it goes before the rows are repeated, so it is never copied.
    let mut exploded = kept
        .drop(cols::BASKET)?
        .take(&IdxCa::from_vec(PlSmallStr::EMPTY, take.clone()))?;
    let amount: Vec<f64> = exploded
        .column(cols::AMOUNT)?
        .f64()?
        .into_no_null_iter()
        .zip(&shares)
        .map(|(a, s)| a * s)
        .collect();
    exploded.with_column(Column::new(cols::AMOUNT.into(), amount))?;
    exploded.with_column(Column::new(cols::QUANTITY.into(), quantities))?;
    exploded.with_column(Column::new(cols::PRODUCT.into(), products))?;
    let synthetic_invoices = cleaned.roles.invoice.is_none();
    if synthetic_invoices {
        // Each file row is one transaction: its position among the kept rows names it.
        let invoice: Vec<String> = take.iter().map(|row| format!("row {}", row + 1)).collect();
        exploded.with_column(Column::new(cols::INVOICE.into(), invoice))?;
        cleaned.roles.invoice = Some(format!(
            "(one per row of {})",
            cleaned.roles.basket.clone().unwrap_or_default()
        ));
    }
    let mut accounting = clean::accounting(rows_in, baskets_kept, counts);
    accounting.product_rows = Some(exploded.height());
    cleaned.roles.product = Some(format!(
        "{} (JSON)",
        cleaned.roles.basket.clone().unwrap_or_default()
    ));
    if malformed.rows > 0 {
        cleaned.parse_failures.push(malformed);
    }
    cleaned.kept = exploded;
    cleaned.accounting = accounting;
    // The codes follow their rows; renumbered when dropped baskets took customers or invoices
    // with them, so that they stay dense.
    let has_invoice_codes = cleaned.codes.as_ref().is_some_and(|(_, i)| i.is_some());
    cleaned.codes = cleaned.codes.take().map(|(customer, invoice)| {
        let follow = |codes: &[u32]| dense(take.iter().map(|&row| codes[row as usize]));
        let invoice = match invoice {
            Some(invoice) => Some(follow(&invoice)),
            // Each file row is its own transaction.
            None if !has_invoice_codes && synthetic_invoices => Some(dense(take.iter().copied())),
            None => None,
        };
        (follow(&customer), invoice)
    });
    Ok(cleaned)
}
