//! What a streamed input's kept rows are handed to: the [`RowSink`] a per-customer aggregation
//! implements, and the [`KeptRows`] block it takes. The bottom of the streaming pipeline's
//! types: the clean stage ([`crate::data::row_block`]) codes only the columns a sink asks for
//! ([`SinkColumns`]), and `data::stream::input` hands the sink each block in file order.

use crate::data::interner::NULL;

/// A block of kept rows, in file order. Customer and invoice codes number the input's distinct
/// ids in order of first appearance ([`Streamed::customer_id`](crate::data::stream::Streamed::customer_id) gives a customer's id).
#[derive(Debug, Clone, Copy)]
pub struct KeptRows<'a> {
    /// The customer's code, per row.
    pub customer: &'a [u32],
    /// The invoice's code, per row, when the input has invoices.
    pub invoice: Option<&'a [u32]>,
    /// The date, in milliseconds since 1970-01-01.
    pub date: &'a [i64],
    /// The spend (amount, or quantity x unit price).
    pub amount: &'a [f64],
    /// The quantity, when the sink asks for it ([`SinkColumns::quantity`]) and the input has a
    /// quantity column.
    pub quantity: Option<&'a [f64]>,
    /// The values of the text columns the sink asks for ([`SinkColumns::texts`]), one vector of
    /// codes per column in that order: distinct values numbered in order of first appearance over
    /// the whole input ([`Streamed::text_value`](crate::data::stream::Streamed::text_value) gives a code's value), [`NO_VALUE`] for an empty
    /// value and on every row of a column the input lacks.
    pub texts: &'a [Vec<u32>],
}

/// The code of an empty text value in [`KeptRows::texts`].
pub const NO_VALUE: u32 = NULL;

/// The columns a sink reads besides customer, invoice, date and amount ([`RowSink::columns`]):
/// the readers read and code only these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkColumns {
    /// The quantity ([`KeptRows::quantity`]).
    pub quantity: bool,
    /// Text columns, by role ([`KeptRows::texts`]).
    pub texts: Vec<TextColumn>,
}

/// A text column a sink reads, by its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextColumn {
    /// The product id ([`ColumnRoles::product`](crate::data::roles::ColumnRoles::product)).
    Product,
    /// The product description.
    Description,
    /// The dimension at this position in
    /// [`ColumnRoles::dimensions`](crate::data::roles::ColumnRoles::dimensions).
    Dimension(usize),
}

impl KeptRows<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// What consumes the kept rows of a streamed input, block by block in file order: implement it to
/// aggregate anything per customer over files too large to load.
///
/// ```
/// use custseg::data::stream::{KeptRows, RowSink, stream};
/// use custseg::prelude::*;
///
/// /// Rows and spend per customer code.
/// #[derive(Default)]
/// struct Spend(Vec<(usize, f64)>);
///
/// impl RowSink for Spend {
///     fn take(&mut self, rows: &KeptRows<'_>) {
///         for (&customer, &amount) in rows.customer.iter().zip(rows.amount) {
///             let c = customer as usize;
///             if c >= self.0.len() {
///                 self.0.resize(c + 1, (0, 0.0));
///             }
///             self.0[c].0 += 1;
///             self.0[c].1 += amount;
///         }
///     }
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("sales.csv");
/// std::fs::write(
///     &path,
///     "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n\
///      1,A7,2011-01-03 10:00,2,1.5\n\
///      1,A7,2011-01-03 10:00,1,4\n\
///      2,,2011-01-04 11:00,1,9\n\
///      3,B2,2011-01-05 12:00,3,2\n",
/// )
/// .unwrap();
/// let streamed = stream(&path, &LoadOptions::default(), Spend::default)?.expect("plain UTF-8 CSV streams");
/// assert_eq!(streamed.accounting.rows_kept, 3); // the row without a customer is dropped
/// let per_customer: Vec<(&str, usize, f64)> = streamed
///     .sink
///     .0
///     .iter()
///     .enumerate()
///     .filter(|(_, (rows, _))| *rows > 0)
///     .map(|(code, &(rows, spend))| (streamed.customer_id(code as u32), rows, spend))
///     .collect();
/// assert_eq!(per_customer, vec![("A7", 2, 7.0), ("B2", 1, 6.0)]);
/// # Ok::<(), custseg::Error>(())
/// ```
pub trait RowSink {
    /// Takes the next block of kept rows.
    fn take(&mut self, rows: &KeptRows<'_>);

    /// The columns [`RowSink::take`] reads besides customer, invoice, date and amount (default:
    /// none).
    fn columns(&self) -> SinkColumns {
        SinkColumns::default()
    }
}
