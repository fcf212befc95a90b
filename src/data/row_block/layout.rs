//! Which file column plays which role, as positions the chunk reads fields by.

use crate::data::clean::{self, DropReason, Present, cols};
use crate::data::numbers::CommaReading;
use crate::data::roles::ResolvedRoles;
use crate::data::roles::text_roles;

/// Which file column plays which role.
#[derive(Clone)]
pub(crate) struct Layout {
    pub(crate) columns: usize,
    pub(crate) customer: usize,
    pub(crate) invoice: Option<usize>,
    pub(crate) date: usize,
    /// (index into [`clean::numeric_checks`], column) for quantity, price and amount.
    pub(crate) numbers: Vec<(usize, usize)>,
    /// (index into [`stored_texts`], column) for product, description, basket and dimensions.
    pub(crate) texts: Vec<(usize, usize)>,
    /// Whether each file column is one of `texts`.
    /// The JSON basket column, when the baskets are read while parsing (it is then not a text).
    pub(crate) basket: Option<usize>,
    /// The reasons each of quantity, price and amount can name (see [`clean::numeric_checks`]).
    pub(crate) number_reasons: [[DropReason; 3]; 3],
    /// Whether spend is an amount column (else quantity x price).
    pub(crate) amount_column: bool,
    /// How commas in numbers read (see [`read_number`]).
    pub(crate) thousands: CommaReading,
}

impl Layout {
    /// `None` when a column plays two roles or a role names no column (the general path explains
    /// those).
    pub(crate) fn new(
        names: &[String],
        roles: &ResolvedRoles,
        thousands: CommaReading,
        read_baskets: bool,
    ) -> Option<Self> {
        let mut taken = vec![false; names.len()];
        let mut find = |column: &str| -> Option<usize> {
            let index = names.iter().position(|n| n == column)?;
            if std::mem::replace(&mut taken[index], true) {
                return None;
            }
            Some(index)
        };
        let customer = find(&roles.customer)?;
        let invoice = match &roles.invoice {
            Some(invoice) => Some(find(invoice)?),
            None => None,
        };
        let date = find(&roles.date)?;
        let present = Present::of(roles);
        let mut numbers = Vec::new();
        let number_roles = [
            (&roles.quantity, present.quantity),
            (&roles.price, present.price),
            (&roles.amount, present.amount_column),
        ];
        for (k, (role, present)) in number_roles.into_iter().enumerate() {
            if let (Some(column), true) = (role, present) {
                numbers.push((k, find(column)?));
            }
        }
        let basket = match &roles.basket {
            Some(column) if read_baskets => Some(find(column)?),
            _ => None,
        };
        let mut texts = Vec::new();
        for (t, (column, _)) in stored_texts(roles, basket.is_some())
            .into_iter()
            .enumerate()
        {
            let column = find(column)?;
            texts.push((t, column));
        }
        Some(Layout {
            columns: names.len(),
            customer,
            invoice,
            date,
            numbers,
            texts,
            basket,
            number_reasons: clean::numeric_checks(present).map(|(_, _, reasons)| reasons),
            amount_column: present.amount_column,
            thousands,
        })
    }
}

/// The text columns kept as text: [`text_roles`] but the basket column when its baskets are read
/// while parsing.
pub(crate) fn stored_texts(roles: &ResolvedRoles, baskets_read: bool) -> Vec<(&str, &str)> {
    let mut texts = text_roles(roles);
    if baskets_read {
        texts.retain(|(_, name)| *name != cols::BASKET);
    }
    texts
}
