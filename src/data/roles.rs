//! Column roles: which column of a file holds the customer, the invoice, the date, and so on.
//!
//! Roles are given by name or auto-detected from the common names used by the public datasets
//! (UCI Online Retail, dunnhumby, Superstore, e-commerce exports). Matching ignores case, spaces and
//! punctuation, so `" summary.gran _total "` matches `summarygrantotal`.

use std::path::Path;

use crate::data::clean::cols;
use crate::error::{Error, Result};

/// The column names given for each role; `None` means auto-detect.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnRoles {
    /// Customer identifier.
    pub customer: Option<String>,
    /// Invoice, order or basket identifier (one purchase occasion).
    pub invoice: Option<String>,
    /// Transaction date (and time).
    pub date: Option<String>,
    /// Units bought.
    pub quantity: Option<String>,
    /// Unit price.
    pub price: Option<String>,
    /// Ready line amount, used when there is no quantity x price.
    pub amount: Option<String>,
    /// Product identifier.
    pub product: Option<String>,
    /// Product description.
    pub description: Option<String>,
    /// Columns to break results down by (country, store, category...).
    pub dimensions: Vec<String>,
    /// A column holding each transaction's products as a JSON list, such as
    /// `[{"product_id": "HP0042", "quantity": 2}]` (never auto-detected). Each row becomes one row
    /// per product; see [`crate::data::basket`] for the accepted shapes and how the amount is
    /// split. The product and quantity then come from the list, so
    /// [`ColumnRoles::product`] and [`ColumnRoles::quantity`] must not be set, and the amount
    /// comes from [`ColumnRoles::amount`].
    pub basket_json: Option<String>,
}

/// Roles resolved against a file's actual column names.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ResolvedRoles {
    /// Customer column.
    pub customer: String,
    /// Invoice column, if any; without one every row counts as its own purchase.
    pub invoice: Option<String>,
    /// Date column.
    pub date: String,
    /// Quantity column, if any.
    pub quantity: Option<String>,
    /// Unit price column, if any.
    pub price: Option<String>,
    /// Amount column, used when quantity x price is not available.
    pub amount: Option<String>,
    /// Product column, if any.
    pub product: Option<String>,
    /// Description column, if any.
    pub description: Option<String>,
    /// Dimension columns.
    pub dimensions: Vec<String>,
    /// The JSON basket column, if any.
    pub basket: Option<String>,
}

const CUSTOMER: &[&str] = &[
    "customerid",
    "customer",
    "custid",
    "custcode",
    "customercode",
    "customerno",
    "customernumber",
    "customerkey",
    "clientid",
    "client",
    "memberid",
    "userid",
];
const INVOICE: &[&str] = &[
    "invoiceno",
    "invoice",
    "invoiceid",
    "invoicenumber",
    "orderid",
    "order",
    "orderno",
    "ordernumber",
    "basketid",
    "transactionid",
    "receiptid",
    "receiptno",
    "billno",
    "id",
];
const DATE: &[&str] = &[
    "invoicedate",
    "orderdate",
    "transactiondate",
    "purchasedate",
    "shopdate",
    "date",
    "createdat",
    "createinfocreated",
    "created",
    "paymentdate",
    "datetime",
    "timestamp",
];
const QUANTITY: &[&str] = &[
    "quantity",
    "qty",
    "units",
    "unitssold",
    // CDNOW's `number_of_cds`.
    "numberofcds",
];
const PRICE: &[&str] = &[
    "unitprice",
    "price",
    "priceeach",
    "itemprice",
    "priceperunit",
];
const AMOUNT: &[&str] = &[
    "sales",
    "spend",
    "amount",
    "totalamt",
    "totalamount",
    "total",
    "revenue",
    "lineamount",
    "linetotal",
    "grandtotal",
    "ordertotal",
    "summarygrantotal",
    "netsales",
    "value",
    // CDNOW's `dollar_value` (Fader and Hardie's files, lifetimes' CDNOW_master.txt).
    "dollarvalue",
];
const PRODUCT: &[&str] = &[
    "stockcode",
    "productid",
    "productcode",
    "prodcode",
    "sku",
    "itemid",
    "itemcode",
    "product",
];
const DESCRIPTION: &[&str] = &["description", "productname", "itemname", "itemdescription"];

/// Lower-cased letters and digits only: how column names are compared.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl ColumnRoles {
    /// Resolves only the customer column, for per-customer tables (one row per customer).
    pub fn resolve_customer(&self, columns: &[&str], path: &Path) -> Result<String> {
        lookup(
            self.customer.as_deref(),
            CUSTOMER,
            columns,
            path,
            "customer",
        )?
        .ok_or_else(|| missing(columns, path, "customer", "customer", ""))
    }

    /// Resolves every role against the file's columns.
    ///
    /// A role given by name must exist (an exact match first, then one ignoring case and
    /// punctuation); a role not given is looked up among the common names. The customer and date
    /// roles, and either quantity x price or an amount, are required.
    ///
    /// ```
    /// use custseg::data::roles::ColumnRoles;
    /// let columns = ["InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice", "CustomerID"];
    /// let roles = ColumnRoles::default().resolve(&columns, "retail.csv".as_ref())?;
    /// assert_eq!(roles.customer, "CustomerID");
    /// assert_eq!(roles.invoice.as_deref(), Some("InvoiceNo"));
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn resolve(&self, columns: &[&str], path: &Path) -> Result<ResolvedRoles> {
        let find = |given: &Option<String>, names: &[&str], setting: &'static str| {
            lookup(given.as_deref(), names, columns, path, setting)
        };
        let required = |found: Option<String>, role: &'static str, setting: &'static str| {
            found.ok_or_else(|| missing(columns, path, role, setting, ""))
        };
        let customer = required(
            find(&self.customer, CUSTOMER, setting::CUSTOMER)?,
            "customer",
            setting::CUSTOMER,
        )?;
        let date = required(
            find(&self.date, DATE, setting::DATE)?,
            "date",
            setting::DATE,
        )?;
        let invoice = find(&self.invoice, INVOICE, setting::INVOICE)?;
        let basket = match &self.basket_json {
            Some(_) => find(&self.basket_json, &[], setting::BASKET)?,
            None => None,
        };
        if basket.is_some() {
            self.check_basket_roles(columns, path)?;
        }
        // With a basket column, products and quantities come from the list.
        let (quantity, price) = if basket.is_some() {
            (None, None)
        } else {
            (
                find(&self.quantity, QUANTITY, setting::QUANTITY)?,
                find(&self.price, PRICE, setting::PRICE)?,
            )
        };
        // A ready amount given by the user wins; an auto-detected one only fills in for a missing
        // quantity x price.
        let amount = match (&self.amount, &quantity, &price) {
            (Some(_), _, _) => find(&self.amount, AMOUNT, setting::AMOUNT)?,
            (None, Some(_), Some(_)) => None,
            (None, _, _) => find(&None, AMOUNT, setting::AMOUNT)?,
        };
        if amount.is_none() && (quantity.is_none() || price.is_none()) {
            let lacking = if quantity.is_none() {
                "quantity"
            } else {
                "price"
            };
            return Err(missing(
                columns,
                path,
                "amount",
                setting::AMOUNT,
                &format!(
                    " (spend is quantity x price, or a ready amount; no {lacking} column was found \
                     either, so set `{}` and `{}`, or `{}`)",
                    setting::QUANTITY,
                    setting::PRICE,
                    setting::AMOUNT
                ),
            ));
        }
        let product = if basket.is_some() {
            None
        } else {
            find(&self.product, PRODUCT, setting::PRODUCT)?
        };
        let description = find(&self.description, DESCRIPTION, setting::DESCRIPTION)?;
        let dimensions = self
            .dimensions
            .iter()
            .map(|d| {
                lookup(Some(d), &[], columns, path, setting::DIMENSIONS)
                    .map(|found| found.unwrap_or_else(|| d.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ResolvedRoles {
            customer,
            invoice,
            date,
            quantity,
            price,
            amount,
            product,
            description,
            dimensions,
            basket,
        })
    }

    /// A basket column brings its own products and quantities: roles that would give them twice
    /// are refused.
    fn check_basket_roles(&self, columns: &[&str], path: &Path) -> Result<()> {
        for (given, setting) in [
            (&self.product, setting::PRODUCT),
            (&self.quantity, setting::QUANTITY),
            (&self.price, setting::PRICE),
        ] {
            if let Some(name) = given {
                return Err(Error::Column {
                    path: path.to_path_buf(),
                    column: name.clone(),
                    message: format!(
                        "`{setting}` is set together with `{}`, whose JSON list gives the \
                         products and quantities; unset `{setting}`",
                        setting::BASKET
                    ),
                });
            }
        }
        if self.amount.is_none() && lookup(None, AMOUNT, columns, path, setting::AMOUNT)?.is_none()
        {
            return Err(missing(
                columns,
                path,
                "amount",
                setting::AMOUNT,
                &format!(
                    " (with `{}` the spend is the transaction's amount, split over its products)",
                    setting::BASKET
                ),
            ));
        }
        Ok(())
    }
}

fn lookup(
    given: Option<&str>,
    names: &[&str],
    columns: &[&str],
    path: &Path,
    setting: &'static str,
) -> Result<Option<String>> {
    if let Some(given) = given {
        if let Some(exact) = columns.iter().find(|c| **c == given) {
            return Ok(Some(exact.to_string()));
        }
        let key = normalize_name(given);
        return match columns.iter().find(|c| normalize_name(c) == key) {
            Some(close) => Ok(Some(close.to_string())),
            None => Err(Error::Column {
                path: path.to_path_buf(),
                column: given.to_string(),
                message: format!(
                    "no such column (given as `{setting}`). The file has the columns: {}",
                    list_columns(columns)
                ),
            }),
        };
    }
    let keys: Vec<String> = columns.iter().map(|c| normalize_name(c)).collect();
    Ok(names
        .iter()
        .find_map(|name| keys.iter().position(|k| k == name))
        .map(|i| columns[i].to_string()))
}

/// The file's columns for a message: quoted, at most [`LISTED_COLUMNS`] of them and each cut to
/// [`LISTED_NAME_CHARS`] characters, so that a damaged file whose "header" is megabytes long gives
/// a message that still fits a screen.
pub(crate) fn list_columns(columns: &[&str]) -> String {
    const LISTED_COLUMNS: usize = 40;
    let mut listed: Vec<String> = columns
        .iter()
        .take(LISTED_COLUMNS)
        .map(|c| format!("\"{}\"", crate::format::shorten(c, LISTED_NAME_CHARS)))
        .collect();
    if columns.len() > LISTED_COLUMNS {
        listed.push(format!("and {} more", columns.len() - LISTED_COLUMNS));
    }
    listed.join(", ")
}

/// How much of a column name a message shows.
const LISTED_NAME_CHARS: usize = 60;

/// The settings that name the column of each role, as messages name them.
pub(crate) mod setting {
    pub const CUSTOMER: &str = "ColumnRoles::customer";
    pub const INVOICE: &str = "ColumnRoles::invoice";
    pub const DATE: &str = "ColumnRoles::date";
    pub const QUANTITY: &str = "ColumnRoles::quantity";
    pub const PRICE: &str = "ColumnRoles::price";
    pub const BASKET: &str = "ColumnRoles::basket_json";
    pub const AMOUNT: &str = "ColumnRoles::amount";
    pub const PRODUCT: &str = "ColumnRoles::product";
    pub const DESCRIPTION: &str = "ColumnRoles::description";
    pub const DIMENSIONS: &str = "ColumnRoles::dimensions";
}

fn missing(
    columns: &[&str],
    path: &Path,
    role: &'static str,
    setting: &'static str,
    hint: &str,
) -> Error {
    let mut hint = hint.to_string();
    // One column whose name holds another delimiter means the file was split on the wrong one.
    if let [only] = columns
        && let Some(d) = [',', ';', '\t', '|']
            .into_iter()
            .find(|d| only.contains(*d))
    {
        hint.push_str(&format!(
            " (the file was read as a single column; its header contains '{}', so the \
             delimiter is probably '{}': set `ReadOptions::delimiter` to it)",
            crate::format::char_name(d),
            crate::format::char_name(d),
        ));
    }
    // A first line of numbers and dates is data: the file has no header line.
    let looks_like_data = |c: &&str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_digit() || b"-./: ".contains(&b))
    };
    if columns.len() > 1 && columns.iter().all(looks_like_data) {
        hint.push_str(
            " (the first line holds numbers, not column names: if the file has no header line, \
             name its columns with `ReadOptions::column_names`)",
        );
    }
    Error::MissingRole {
        path: path.to_path_buf(),
        role,
        setting,
        hint,
        available: list_columns(columns),
    }
}

/// The error for a dimension that was not loaded: names the setting and the loaded dimensions
/// (`loaded`, as the file names them).
pub(crate) fn not_a_dimension(name: &str, loaded: &[String]) -> crate::error::Error {
    crate::error::Error::param(
        setting::DIMENSIONS,
        format!(
            "\"{}\" is not a dimension of these transactions; load them with it among \
             `ColumnRoles::dimensions`; loaded dimensions: {}",
            crate::format::shorten(name, 80),
            if loaded.is_empty() {
                "none".to_string()
            } else {
                loaded.join(", ")
            }
        ),
    )
}

/// The free-text roles, as (file column, canonical name): product, description, then dimensions
/// under their own names.
pub(crate) fn text_roles(roles: &ResolvedRoles) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for (role, name) in [
        (&roles.product, cols::PRODUCT),
        (&roles.description, cols::DESCRIPTION),
        (&roles.basket, cols::BASKET),
    ] {
        if let Some(source) = role {
            out.push((source.as_str(), name));
        }
    }
    for dimension in &roles.dimensions {
        out.push((dimension.as_str(), dimension.as_str()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_names_across_datasets() {
        let p = Path::new("f.csv");
        let dunnhumby = [
            "SHOP_DATE",
            "QUANTITY",
            "SPEND",
            "PROD_CODE",
            "CUST_CODE",
            "BASKET_ID",
        ];
        let r = ColumnRoles::default().resolve(&dunnhumby, p).unwrap();
        assert_eq!(r.customer, "CUST_CODE");
        assert_eq!(r.invoice.as_deref(), Some("BASKET_ID"));
        assert_eq!(r.amount.as_deref(), Some("SPEND"));
        assert_eq!(r.product.as_deref(), Some("PROD_CODE"));
        let flowers = [
            "_id",
            "customer_id",
            " summary.gran _total ",
            "create_info.created",
        ];
        let r = ColumnRoles::default().resolve(&flowers, p).unwrap();
        assert_eq!(r.invoice.as_deref(), Some("_id"));
        assert_eq!(r.amount.as_deref(), Some(" summary.gran _total "));
        assert_eq!(r.date, "create_info.created");
        // CDNOW master: no invoice column; the amount is `dollar_value`.
        let cdnow = ["customer_id", "date", "number_of_cds", "dollar_value"];
        let r = ColumnRoles::default().resolve(&cdnow, p).unwrap();
        assert_eq!(r.customer, "customer_id");
        assert_eq!(r.invoice, None);
        assert_eq!(r.quantity.as_deref(), Some("number_of_cds"));
        assert_eq!(r.amount.as_deref(), Some("dollar_value"));
    }

    #[test]
    fn explicit_names_win_and_must_exist() {
        let p = Path::new("f.csv");
        let cols = [
            "Customer ID",
            "Invoice",
            "InvoiceDate",
            "Price",
            "Quantity",
            "Total",
        ];
        let roles = ColumnRoles {
            amount: Some("total".into()),
            ..Default::default()
        };
        let r = roles.resolve(&cols, p).unwrap();
        assert_eq!(r.amount.as_deref(), Some("Total"));
        assert_eq!(r.customer, "Customer ID");
        let roles = ColumnRoles {
            customer: Some("Client".into()),
            ..Default::default()
        };
        let err = roles.resolve(&cols, p).unwrap_err().to_string();
        assert!(
            err.contains("\"Client\"")
                && err.contains("`ColumnRoles::customer`")
                && !err.contains("--"),
            "{err}"
        );
    }

    #[test]
    fn missing_role_lists_columns_and_hints_delimiter() {
        let p = Path::new("f.csv");
        let err = ColumnRoles::default()
            .resolve(&["a;b;c"], p)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("customer") && err.contains("\"a;b;c\"") && err.contains("';'"),
            "{err}"
        );
        let err = ColumnRoles::default()
            .resolve(&["CustomerID", "InvoiceDate", "Quantity"], p)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`ColumnRoles::amount`") && err.contains("no price column"),
            "{err}"
        );
    }
}
