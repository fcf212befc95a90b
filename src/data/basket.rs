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
use crate::data::cleaned::Cleaned;
use crate::data::sanity::ParseFailure;
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
    let mut products = Vec::new();
    read_basket(cell, &mut |id: &str, quantity| {
        products.push(BasketProduct {
            id: id.to_string(),
            quantity,
        })
    })?;
    Ok(products)
}

/// Reads one basket cell, handing each product to `product` as it is read: ids are borrowed from
/// the text when they have no escapes. On an error some products may have been handed already.
fn read_basket(
    cell: Option<&str>,
    product: &mut dyn FnMut(&str, f64),
) -> std::result::Result<(), DropReason> {
    let text = cell.map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        return Err(DropReason::MissingBasket);
    };
    let basket = match crate::data::basket_scan::read(text, product) {
        Some(basket) => basket,
        None => read_with_serde(text, product)?,
    };
    outcome(&basket)
}

/// Whether a basket read can be split, or the reason it cannot.
fn outcome(basket: &Basket) -> std::result::Result<(), DropReason> {
    if basket.malformed {
        Err(DropReason::MalformedBasket)
    } else if basket.products == 0 && !basket.without_id {
        Err(DropReason::EmptyBasket)
    } else if basket.without_id {
        Err(DropReason::ProductWithoutId)
    } else {
        Ok(())
    }
}

/// Reads a basket with serde_json: any JSON.
pub(crate) fn read_with_serde(
    text: &str,
    product: &mut dyn FnMut(&str, f64),
) -> std::result::Result<Basket, DropReason> {
    // Read in one pass with a visitor: no JSON tree is built, ids are the only values kept.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(BasketSeed { product }, &mut deserializer)
        .and_then(|basket| deserializer.end().map(|()| basket))
        .map_err(|_| DropReason::MalformedBasket)
}

/// What a basket held: how many products with ids, and what was wrong with the rest.
#[derive(Default)]
pub(crate) struct Basket {
    pub(crate) products: usize,
    pub(crate) without_id: bool,
    pub(crate) malformed: bool,
}

/// Reads a basket, handing its products on.
struct BasketSeed<'s> {
    product: &'s mut dyn FnMut(&str, f64),
}

impl<'de> serde::de::DeserializeSeed<'de> for BasketSeed<'_> {
    type Value = Basket;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Basket, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for BasketSeed<'_> {
    type Value = Basket;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON list of products")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Basket, A::Error> {
        let mut basket = Basket::default();
        while let Some(entry) = seq.next_element::<Entry<'de>>()? {
            match entry {
                Entry::Product(id, quantity) => {
                    (self.product)(&id, quantity);
                    basket.products += 1;
                }
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

/// Text borrowed from the JSON when it has no escapes, else owned.
type Text<'de> = std::borrow::Cow<'de, str>;

/// One element of the list: a product's id (trimmed, not empty) and quantity, or what was wrong.
enum Entry<'de> {
    Product(Text<'de>, f64),
    WithoutId,
    Malformed,
}

impl<'de> serde::Deserialize<'de> for Entry<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl EntryVisitor {
    /// A bare id with quantity 1.
    fn id(id: Text<'_>) -> Entry<'_> {
        product(Some(id), 1.0)
    }
}

/// A product with `id` trimmed, or [`Entry::WithoutId`] when nothing is left.
fn product(id: Option<Text<'_>>, quantity: f64) -> Entry<'_> {
    use std::borrow::Cow;
    match id {
        Some(Cow::Borrowed(id)) if !id.trim().is_empty() => {
            Entry::Product(Cow::Borrowed(id.trim()), quantity)
        }
        Some(Cow::Owned(id)) if !id.trim().is_empty() => {
            Entry::Product(Cow::Owned(id.trim().to_string()), quantity)
        }
        _ => Entry::WithoutId,
    }
}

impl<'de> serde::de::Visitor<'de> for EntryVisitor {
    type Value = Entry<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a product: an object with an id, or an id")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Entry<'de>, A::Error> {
        // The id under the earliest key of ID_KEYS present, the quantity likewise.
        let mut id: Option<(usize, Option<Text<'de>>)> = None;
        let mut quantity: Option<(usize, Quantity)> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id(rank) => {
                    let value = map.next_value::<IdValue<'de>>()?.0;
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
        Ok(product(id.and_then(|(_, id)| id), quantity))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Entry<'de>, E> {
        Ok(Self::id(Text::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Entry<'de>, E> {
        Ok(Self::id(Text::Owned(v.to_string())))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Entry<'de>, E> {
        Ok(Self::id(Text::Owned(v.to_string())))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Entry<'de>, E> {
        Ok(Self::id(Text::Owned(v.to_string())))
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<Entry<'de>, E> {
        Ok(Self::id(Text::Owned(v.to_string())))
    }

    fn visit_unit<E>(self) -> std::result::Result<Entry<'de>, E> {
        Ok(Entry::WithoutId)
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Entry<'de>, E> {
        Ok(Entry::Malformed)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        seq: A,
    ) -> std::result::Result<Entry<'de>, A::Error> {
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
struct IdValue<'de>(Option<Text<'de>>);

impl<'de> serde::Deserialize<'de> for IdValue<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct IdVisitor;
        impl<'de> serde::de::Visitor<'de> for IdVisitor {
            type Value = IdValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a product id")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(Some(Text::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(Some(Text::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(Some(Text::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(Some(Text::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(Some(Text::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(None))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<IdValue<'de>, E> {
                Ok(IdValue(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<IdValue<'de>, A::Error> {
                skip_seq(seq)?;
                Ok(IdValue(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<IdValue<'de>, A::Error> {
                skip_map(map)?;
                Ok(IdValue(None))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

/// A quantity value: a positive number (or numeric text), absent (null), or anything else.
pub(crate) enum Quantity {
    Value(f64),
    Absent,
    Bad,
}

impl Quantity {
    pub(crate) fn of(q: f64) -> Self {
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

/// Baskets read row by row: each row's outcome and its products as codes into the distinct
/// product ids (an assortment: few next to the rows).
///
/// The fast CSV path reads the baskets while it parses the rows (no text column of JSON is
/// built) and keeps the kept rows' part; the general path reads the kept rows' column.
#[derive(Default)]
pub(crate) struct BasketRows {
    /// Per row: where its products end in `product` (they start where the previous row's end).
    ends: Vec<usize>,
    /// Per row: why its basket cannot be split, if it cannot.
    reasons: Vec<Option<DropReason>>,
    /// The products of the rows that can be split, in row order, as codes into `ids`.
    product: Vec<u32>,
    quantity: Vec<f64>,
    ids: Vec<String>,
    index: hashbrown::HashMap<String, u32>,
    /// (row, cell shortened as an example) of the rows whose basket is malformed.
    malformed: Vec<(usize, String)>,
}

impl BasketRows {
    /// Reads one row's basket; `None` is an empty cell.
    pub(crate) fn push(&mut self, cell: Option<&str>) {
        self.push_read(
            || cell.unwrap_or_default().to_string(),
            |product| read_basket(cell, product),
        );
    }

    /// Reads one row's basket from a quoted CSV field whose quotes are still doubled
    /// (`[{""id"": ""A1""}]`): the common shape is read as it is, anything else undoubled first.
    pub(crate) fn push_doubled(&mut self, raw: &str) {
        let text = raw.trim();
        let undoubled = |text: &str| text.replace("\"\"", "\"");
        self.push_read(
            || undoubled(raw),
            |product| match crate::data::basket_scan::read_doubled(text, product) {
                Some(basket) => outcome(&basket),
                None => read_basket(Some(&undoubled(text)), product),
            },
        );
    }

    /// Records one row: `read` hands each product and says whether the basket can be split;
    /// `cell` gives the text shown when it is malformed.
    fn push_read(
        &mut self,
        cell: impl FnOnce() -> String,
        read: impl FnOnce(&mut dyn FnMut(&str, f64)) -> std::result::Result<(), DropReason>,
    ) {
        let start = self.product.len();
        let row = self.reasons.len();
        let BasketRows {
            product,
            quantity,
            ids,
            index,
            ..
        } = self;
        let outcome = read(&mut |id, q| {
            product.push(code_of(ids, index, id));
            quantity.push(q);
        });
        if let Err(reason) = outcome {
            // A basket that cannot be split gives no product, not even those read before the fault.
            self.product.truncate(start);
            self.quantity.truncate(start);
            if reason == DropReason::MalformedBasket {
                let example = crate::format::shorten(cell().trim_end(), 80).into_owned();
                self.malformed.push((row, example));
            }
        }
        self.ends.push(self.product.len());
        self.reasons.push(outcome.err());
    }

    /// A row whose basket is not read because another reason drops the row.
    pub(crate) fn push_unread(&mut self) {
        self.ends.push(self.product.len());
        self.reasons.push(Some(DropReason::MissingBasket));
    }

    /// Appends the rows of `other` for which `keep` is true (all rows when `keep` is `None`).
    pub(crate) fn append(&mut self, other: &BasketRows, keep: Option<&[bool]>) {
        let remap: Vec<u32> = other
            .ids
            .iter()
            .map(|id| code_of(&mut self.ids, &mut self.index, id))
            .collect();
        let mut malformed = other.malformed.iter().peekable();
        let mut start = 0;
        for (row, (&end, &reason)) in other.ends.iter().zip(&other.reasons).enumerate() {
            if keep.is_none_or(|keep| keep.get(row) == Some(&true)) {
                let products = other.product.get(start..end).unwrap_or_default();
                self.product
                    .extend(products.iter().map(|&code| remap[code as usize]));
                self.quantity
                    .extend_from_slice(other.quantity.get(start..end).unwrap_or_default());
                if reason == Some(DropReason::MalformedBasket) {
                    while let Some((at, example)) = malformed.next_if(|(at, _)| *at <= row) {
                        if *at == row {
                            self.malformed.push((self.reasons.len(), example.clone()));
                        }
                    }
                }
                self.ends.push(self.product.len());
                self.reasons.push(reason);
            }
            start = end;
        }
    }

    /// Reads the baskets of a text column, in parallel.
    fn read_column(cells: &StringChunked) -> BasketRows {
        let cells: Vec<Option<&str>> = cells.iter().collect();
        let parts: Vec<BasketRows> = cells
            .par_chunks(1 << 16)
            .map(|part| {
                let mut rows = BasketRows::default();
                for cell in part {
                    rows.push(*cell);
                }
                rows
            })
            .collect();
        let mut all = BasketRows::default();
        for part in &parts {
            all.append(part, None);
        }
        all
    }
}

/// The code of product id `id`, added when new.
fn code_of(ids: &mut Vec<String>, index: &mut hashbrown::HashMap<String, u32>, id: &str) -> u32 {
    if let Some(&code) = index.get(id) {
        return code;
    }
    let code = ids.len() as u32;
    ids.push(id.to_string());
    index.insert(id.to_string(), code);
    code
}

/// Splits the kept rows' baskets into one row per product, dropping the rows whose basket cannot
/// be split under their reason.
pub(crate) fn split(mut cleaned: Cleaned) -> Result<Cleaned> {
    let kept = &cleaned.kept;
    // The general path's rows still have the JSON text; the fast path read it already.
    let has_text = kept.column(cols::BASKET).is_ok();
    let baskets = match cleaned.baskets.take() {
        Some(baskets) => baskets,
        None => BasketRows::read_column(&kept.column(cols::BASKET)?.str()?.rechunk()),
    };
    let mut counts: ReasonCounts = Default::default();
    for (reason, rows) in &cleaned.accounting.dropped {
        counts[*reason as usize] = *rows;
    }
    let mut take: Vec<IdxSize> = Vec::with_capacity(baskets.product.len());
    let mut shares: Vec<f64> = Vec::with_capacity(baskets.product.len());
    let (mut baskets_kept, mut malformed_rows) = (0usize, 0usize);
    let mut start = 0;
    for (row, (&end, reason)) in baskets.ends.iter().zip(&baskets.reasons).enumerate() {
        match reason {
            Some(reason) => {
                counts[*reason as usize] += 1;
                malformed_rows += usize::from(*reason == DropReason::MalformedBasket);
            }
            None => {
                baskets_kept += 1;
                let quantities = &baskets.quantity[start..end];
                let total: f64 = quantities.iter().sum();
                for quantity in quantities {
                    take.push(row as IdxSize);
                    shares.push(quantity / total);
                }
            }
        }
        start = end;
    }
    let mut malformed = ParseFailure {
        column: cleaned.roles.basket.clone().unwrap_or_default(),
        role: "JSON basket",
        rows: malformed_rows,
        examples: Vec::new(),
    };
    for (_, example) in &baskets.malformed {
        ParseFailure::add_example(&mut malformed.examples, example);
    }
    let rows_in = cleaned.accounting.rows_in;
    // The JSON text is read: it goes before the rows are repeated, so it is never copied.
    let without_text = if has_text {
        kept.drop(cols::BASKET)?
    } else {
        kept.clone()
    };
    let mut exploded = without_text.take(&IdxCa::from_vec(PlSmallStr::EMPTY, take.clone()))?;
    let amount: Vec<f64> = exploded
        .column(cols::AMOUNT)?
        .f64()?
        .into_no_null_iter()
        .zip(&shares)
        .map(|(a, s)| a * s)
        .collect();
    let products = StringChunked::from_iter_values(PlSmallStr::EMPTY, baskets.ids.iter())
        .take(&IdxCa::from_vec(PlSmallStr::EMPTY, baskets.product))?;
    exploded.with_column(Column::new(cols::AMOUNT.into(), amount))?;
    exploded.with_column(Column::new(cols::QUANTITY.into(), baskets.quantity))?;
    exploded.with_column(products.with_name(cols::PRODUCT.into()).into_column())?;
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
