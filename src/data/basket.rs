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
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|_| DropReason::MalformedBasket)?;
    let serde_json::Value::Array(items) = value else {
        return Err(DropReason::MalformedBasket);
    };
    if items.is_empty() {
        return Err(DropReason::EmptyBasket);
    }
    let mut products = Vec::with_capacity(items.len());
    let mut without_id = false;
    for item in items {
        match item {
            serde_json::Value::Object(fields) => {
                let id = ID_KEYS
                    .iter()
                    .find_map(|k| fields.get(*k))
                    .and_then(id_text);
                let quantity = match QUANTITY_KEYS.iter().find_map(|k| fields.get(*k)) {
                    None | Some(serde_json::Value::Null) => 1.0,
                    Some(value) => match quantity_value(value) {
                        Some(q) => q,
                        None => return Err(DropReason::MalformedBasket),
                    },
                };
                match id {
                    Some(id) => products.push(BasketProduct { id, quantity }),
                    None => without_id = true,
                }
            }
            other => match id_text(&other) {
                Some(id) => products.push(BasketProduct { id, quantity: 1.0 }),
                None if other.is_null() => without_id = true,
                None => return Err(DropReason::MalformedBasket),
            },
        }
    }
    if without_id {
        return Err(DropReason::ProductWithoutId);
    }
    Ok(products)
}

fn id_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn quantity_value(value: &serde_json::Value) -> Option<f64> {
    let q = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (q.is_finite() && q > 0.0).then_some(q)
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
    if cleaned.roles.invoice.is_none() {
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
    // The codes were made for the rows before splitting: they are made again.
    cleaned.codes = None;
    Ok(cleaned)
}
