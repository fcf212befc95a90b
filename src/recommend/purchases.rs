//! The purchases recommenders work from: every kept row as integer codes (customer, basket,
//! product, day) with its amount, and the ids behind the codes.
//!
//! Products are coded in product-id order and customers by `customer_code`
//! ([`Transactions::frame`]), so every table built from these codes comes out in a fixed order:
//! the same input gives the same recommendations, byte for byte.

use hashbrown::HashMap;
use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::dates::{MS_PER_DAY, date_of};
use crate::data::transactions::Transactions;
use crate::error::{Context, Error, Result};

/// Kept rows as codes; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Purchases {
    customer_ids: Vec<String>,
    product_ids: Vec<String>,
    customer: Vec<u32>,
    basket: Vec<u32>,
    product: Vec<u32>,
    day: Vec<i64>,
    amount: Vec<f64>,
    /// Whether baskets are invoices (else one basket per customer and day).
    invoices: bool,
    /// Kept rows left out for having no product id.
    rows_without_product: usize,
}

impl Purchases {
    /// The purchases of `transactions`, which need a product column.
    ///
    /// Baskets are invoices; without an invoice column, a customer's purchases of one day form
    /// one basket.
    pub fn from_transactions(transactions: &Transactions) -> Result<Self> {
        Self::build(transactions).doing("reading the purchases for recommendations")
    }

    fn build(transactions: &Transactions) -> Result<Self> {
        let frame = transactions.frame();
        if frame.column(cols::PRODUCT).is_err() {
            return Err(Error::param(
                "ColumnRoles::product",
                format!(
                    "recommendations need a product column, and {} has none that custseg \
                     recognises; name it in `ColumnRoles::product` when loading",
                    transactions.source().path.display()
                ),
            ));
        }
        let customer = u32_column(&frame, cols::CUSTOMER_CODE)?;
        let id_column = frame.column(cols::CUSTOMER)?.str()?.clone();
        let dates = cols::date_ms(&frame)?;
        let day: Vec<i64> = dates
            .cont_slice()
            .map_err(Error::from)?
            .iter()
            .map(|ms| ms.div_euclid(MS_PER_DAY))
            .collect();
        let amount = frame
            .column(cols::AMOUNT)?
            .f64()?
            .rechunk()
            .cont_slice()
            .map_err(Error::from)?
            .to_vec();
        let customers = customer.iter().copied().max().map_or(0, |m| m as usize + 1);
        let mut customer_ids = vec![String::new(); customers];
        for (i, &c) in customer.iter().enumerate() {
            if customer_ids[c as usize].is_empty() {
                customer_ids[c as usize] = id_column.get(i).unwrap_or_default().to_string();
            }
        }
        let (product_ids, product) = code_products(frame.column(cols::PRODUCT)?.str()?);
        let invoices = frame.column(cols::INVOICE_CODE).is_ok();
        let basket = if invoices {
            u32_column(&frame, cols::INVOICE_CODE)?
        } else {
            customer_days(&customer, &day)
        };
        let all = Purchases {
            customer_ids,
            product_ids,
            customer,
            basket,
            product: product.iter().map(|p| p.unwrap_or(u32::MAX)).collect(),
            day,
            amount,
            invoices,
            rows_without_product: 0,
        };
        let missing = product.iter().filter(|p| p.is_none()).count();
        if missing == 0 {
            return Ok(all);
        }
        let mut kept = all.filter_rows(|i| product[i].is_some());
        kept.rows_without_product = missing;
        Ok(kept)
    }

    /// From codes, for tests and for data that is not a transaction file: row `i` is customer
    /// `customer[i]` buying product `product[i]` in basket `basket[i]` on day `day[i]` (days
    /// since 1970-01-01) for `amount[i]`.
    pub fn from_codes(
        customer_ids: Vec<String>,
        product_ids: Vec<String>,
        rows: &[(u32, u32, u32, i64, f64)],
    ) -> Result<Self> {
        for (i, &(c, b, p, _, a)) in rows.iter().enumerate() {
            if c as usize >= customer_ids.len() || p as usize >= product_ids.len() {
                return Err(Error::param(
                    "Purchases::from_codes",
                    format!("row {i} names customer {c} or product {p}, beyond the ids given"),
                ));
            }
            if !a.is_finite() {
                return Err(Error::param(
                    "Purchases::from_codes",
                    format!("row {i} (basket {b}) has amount {a}"),
                ));
            }
        }
        Ok(Purchases {
            customer_ids,
            product_ids,
            customer: rows.iter().map(|r| r.0).collect(),
            basket: rows.iter().map(|r| r.1).collect(),
            product: rows.iter().map(|r| r.2).collect(),
            day: rows.iter().map(|r| r.3).collect(),
            amount: rows.iter().map(|r| r.4).collect(),
            invoices: true,
            rows_without_product: 0,
        })
    }

    /// The rows with `keep(day)`; codes and ids stay the same.
    pub fn filter_days(&self, keep: impl Fn(i64) -> bool) -> Purchases {
        self.filter_rows(|i| keep(self.day[i]))
    }

    fn filter_rows(&self, keep: impl Fn(usize) -> bool) -> Purchases {
        let rows: Vec<usize> = (0..self.len()).filter(|&i| keep(i)).collect();
        let pick_u32 = |v: &[u32]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        Purchases {
            customer_ids: self.customer_ids.clone(),
            product_ids: self.product_ids.clone(),
            customer: pick_u32(&self.customer),
            basket: pick_u32(&self.basket),
            product: pick_u32(&self.product),
            day: rows.iter().map(|&i| self.day[i]).collect(),
            amount: rows.iter().map(|&i| self.amount[i]).collect(),
            invoices: self.invoices,
            rows_without_product: self.rows_without_product,
        }
    }

    /// Kept rows of the transactions left out here because their product cell was empty.
    pub fn rows_without_product(&self) -> usize {
        self.rows_without_product
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// Customer ids by customer code.
    pub fn customer_ids(&self) -> &[String] {
        &self.customer_ids
    }

    /// Product ids by product code (sorted).
    pub fn product_ids(&self) -> &[String] {
        &self.product_ids
    }

    /// Whether baskets are invoices (else a customer's day).
    pub fn baskets_are_invoices(&self) -> bool {
        self.invoices
    }

    /// The last day with a purchase, as a day number.
    pub fn last_day(&self) -> Option<i64> {
        self.day.iter().copied().max()
    }

    /// The last day with a purchase.
    pub fn last_date(&self) -> Option<chrono::NaiveDate> {
        self.last_day().map(date_of)
    }

    pub(crate) fn customers(&self) -> &[u32] {
        &self.customer
    }

    pub(crate) fn products(&self) -> &[u32] {
        &self.product
    }

    pub(crate) fn amounts(&self) -> &[f64] {
        &self.amount
    }

    /// Each basket's distinct products, sorted; baskets in code order, empty ones left out.
    pub(crate) fn baskets(&self) -> Vec<Vec<u32>> {
        pairs_by_first(&self.basket, &self.product)
    }

    /// Each customer's distinct products, sorted, by customer code (all customer codes, empty
    /// lists for customers without rows here).
    pub(crate) fn products_by_customer(&self) -> Vec<Vec<u32>> {
        let mut lists = vec![Vec::new(); self.customer_ids.len()];
        let mut pairs: Vec<u64> = self
            .customer
            .iter()
            .zip(&self.product)
            .map(|(&c, &p)| (u64::from(c) << 32) | u64::from(p))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for pair in pairs {
            lists[(pair >> 32) as usize].push(pair as u32);
        }
        lists
    }
}

/// Distinct second values per first value, sorted; first values without rows left out.
fn pairs_by_first(first: &[u32], second: &[u32]) -> Vec<Vec<u32>> {
    let mut pairs: Vec<u64> = first
        .iter()
        .zip(second)
        .map(|(&a, &b)| (u64::from(a) << 32) | u64::from(b))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut current = None;
    for pair in pairs {
        let key = (pair >> 32) as u32;
        if current != Some(key) {
            out.push(Vec::new());
            current = Some(key);
        }
        if let Some(last) = out.last_mut() {
            last.push(pair as u32);
        }
    }
    out
}

fn u32_column(frame: &DataFrame, name: &str) -> Result<Vec<u32>> {
    Ok(frame
        .column(name)?
        .u32()?
        .rechunk()
        .cont_slice()
        .map_err(Error::from)?
        .to_vec())
}

/// Product ids sorted, and each row's code among them; `None` for a row without a product id.
fn code_products(products: &StringChunked) -> (Vec<String>, Vec<Option<u32>>) {
    let mut first_codes: HashMap<&str, u32> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    let mut codes = Vec::with_capacity(products.len());
    for value in products.iter() {
        let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
            codes.push(None);
            continue;
        };
        let next = names.len() as u32;
        let code = *first_codes.entry(value).or_insert_with(|| {
            names.push(value);
            next
        });
        codes.push(Some(code));
    }
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.sort_by(|&a, &b| names[a as usize].cmp(names[b as usize]));
    let mut rank = vec![0u32; names.len()];
    for (position, &code) in order.iter().enumerate() {
        rank[code as usize] = position as u32;
    }
    let sorted = order
        .iter()
        .map(|&c| names[c as usize].to_string())
        .collect();
    let codes = codes.iter().map(|c| c.map(|c| rank[c as usize])).collect();
    (sorted, codes)
}

/// A basket code per (customer, day), in order of first appearance.
fn customer_days(customer: &[u32], day: &[i64]) -> Vec<u32> {
    let mut codes: HashMap<(u32, i64), u32> = HashMap::new();
    customer
        .iter()
        .zip(day)
        .map(|(&c, &d)| {
            let next = codes.len() as u32;
            *codes.entry((c, d)).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baskets_and_customer_lists_are_distinct_and_sorted() {
        assert_eq!(
            pairs_by_first(&[2, 0, 2, 2, 0], &[5, 1, 3, 5, 1]),
            vec![vec![1], vec![3, 5]]
        );
        assert_eq!(
            customer_days(&[1, 1, 0, 1], &[10, 10, 10, 11]),
            vec![0, 0, 1, 2]
        );
    }
}
