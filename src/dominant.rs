//! Which value of a dimension (country, store, mission) brought a customer the most spend: one
//! rule for the customer single view's `dominant_<dimension>` and the RFM summary by dimension, on
//! loaded transactions and while streaming.
//!
//! The rule: among the values in the customer's rows, the one with the largest spend (summed in
//! row order); spends within [`TIE`] relative of the largest count as equal, and the first value
//! in byte order wins. An empty value is the value [`MISSING_VALUE`].

use hashbrown::HashMap;

/// Spends within this relative distance of a customer's largest count as equal when choosing the
/// dominant value: two equal baskets whose amounts were split over products sum to values a
/// rounding apart, and rounding must not pick the winner.
pub const TIE: f64 = 1e-9;

/// The label of an empty dimension value.
pub const MISSING_VALUE: &str = "(missing)";

/// The position of the dominant value among a customer's spends per value, given in the values'
/// byte order; `NaN` marks a value not in the customer's rows. `None` when there is none.
///
/// ```
/// use custseg::dominant::dominant;
/// assert_eq!(dominant(&[5.0, 9.0, 9.0]), Some(1)); // a tie: the first in byte order
/// assert_eq!(dominant(&[f64::NAN, -2.0]), Some(1)); // a value not bought never wins
/// assert_eq!(dominant(&[3.0, 3.0 + 1e-12]), Some(0)); // a rounding apart is a tie
/// assert_eq!(dominant(&[f64::NAN]), None);
/// ```
pub fn dominant(spends: &[f64]) -> Option<usize> {
    let most = spends
        .iter()
        .copied()
        .filter(|s| !s.is_nan())
        .fold(f64::NEG_INFINITY, f64::max);
    spends
        .iter()
        .position(|&spend| !spend.is_nan() && spend >= most - TIE * most.abs())
}

/// Spend per customer and value of one dimension, summed in row order, for dimensions with any
/// number of values: memory grows with the distinct (customer, value) pairs.
#[derive(Debug, Default)]
pub(crate) struct SpendByValue {
    spend: HashMap<(u32, u32), f64>,
}

impl SpendByValue {
    /// Adds a row: `customer` and `value` are codes (the caller's).
    pub(crate) fn add(&mut self, customer: u32, value: u32, amount: f64) {
        *self.spend.entry((customer, value)).or_insert(0.0) += amount;
    }

    /// Each customer's dominant value code, for customers `0..customers` (`None`: no rows), with
    /// `rank[value]` the value's position in byte order.
    pub(crate) fn dominant_values(&self, customers: usize, rank: &[u32]) -> Vec<Option<u32>> {
        let mut per_customer: Vec<Vec<(u32, f64)>> = vec![Vec::new(); customers];
        for (&(customer, value), &spend) in &self.spend {
            per_customer[customer as usize].push((value, spend));
        }
        per_customer
            .into_iter()
            .map(|mut values| {
                values.sort_unstable_by_key(|&(value, _)| rank[value as usize]);
                let spends: Vec<f64> = values.iter().map(|&(_, spend)| spend).collect();
                dominant(&spends).map(|best| values[best].0)
            })
            .collect()
    }
}

/// The position of each value in byte order (the order [`dominant`] breaks ties in), for values
/// given by code.
pub(crate) fn byte_order_ranks(values: &[&str]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..values.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        values[a as usize]
            .as_bytes()
            .cmp(values[b as usize].as_bytes())
    });
    let mut rank = vec![0u32; values.len()];
    for (position, &code) in order.iter().enumerate() {
        rank[code as usize] = position as u32;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dominant_value_is_the_largest_spend_first_in_byte_order_on_ties() {
        let values = ["b", "a", "c"];
        let rank = byte_order_ranks(&values);
        assert_eq!(rank, vec![1, 0, 2]);
        let mut spend = SpendByValue::default();
        // Customer 0: b 10, a 4 + 6 = 10 (a tie: "a" wins); customer 1: c 1, b 2; customer 2:
        // none; customer 3: only a return, -5 on c.
        for (customer, value, amount) in [
            (0, 0, 10.0),
            (0, 1, 4.0),
            (1, 2, 1.0),
            (0, 1, 6.0),
            (1, 0, 2.0),
            (3, 2, -5.0),
        ] {
            spend.add(customer, value, amount);
        }
        assert_eq!(
            spend.dominant_values(4, &rank),
            vec![Some(1), Some(0), None, Some(2)]
        );
    }

    #[test]
    fn near_ties_are_ties_and_clear_leads_are_not() {
        assert_eq!(dominant(&[1.0, 1.0 + 1e-7]), Some(1));
        assert_eq!(dominant(&[1.0 + 1e-12, 1.0]), Some(0));
        assert_eq!(dominant(&[1.0, 1.0 + 1e-12]), Some(0));
        assert_eq!(dominant(&[-3.0, -1.0]), Some(1));
        assert_eq!(dominant(&[0.0, f64::NAN, 0.0]), Some(0));
        assert_eq!(dominant(&[]), None);
    }
}
