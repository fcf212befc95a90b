//! Which group each customer belongs to (an RFM segment, a cluster, any per-customer column):
//! what the group recommenders compute their products for.

use std::collections::HashMap;

use polars::prelude::*;

use crate::data::clean::cols;
use crate::data::transactions::Transactions;
use crate::error::{Error, Result};
use crate::frame::text_values;
use crate::recommend::purchases::Purchases;
use crate::rfm::RfmTable;

/// A group label per customer id, and the groups' order for tables.
///
/// ```
/// use custseg::recommend::groups::CustomerGroups;
/// let groups = CustomerGroups::new(
///     "cluster",
///     vec!["c1".into(), "c2".into()],
///     vec!["cluster 1".into(), "cluster 0".into()],
/// )?;
/// assert_eq!(groups.names(), ["cluster 0", "cluster 1"]);
/// # Ok::<(), custseg::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerGroups {
    by: String,
    customer_ids: Vec<String>,
    labels: Vec<String>,
    names: Vec<String>,
}

impl CustomerGroups {
    /// Groups named `by` (for the output's wording) from a label per customer id; the groups
    /// are ordered by name.
    pub fn new(by: &str, customer_ids: Vec<String>, labels: Vec<String>) -> Result<Self> {
        let mut names = labels.clone();
        names.sort();
        names.dedup();
        Self::ordered(by, customer_ids, labels, names)
    }

    /// One group per cluster, named `cluster N` after a clustering model's label `N` for each
    /// customer id (the names the CLI and the notebooks show).
    ///
    /// ```
    /// use custseg::recommend::groups::CustomerGroups;
    /// let groups = CustomerGroups::from_clusters(vec!["c1".into(), "c2".into()], &[1, 0])?;
    /// assert_eq!(groups.names(), ["cluster 0", "cluster 1"]);
    /// # Ok::<(), custseg::Error>(())
    /// ```
    pub fn from_clusters(customer_ids: Vec<String>, labels: &[i64]) -> Result<Self> {
        let labels = labels.iter().map(|l| format!("cluster {l}")).collect();
        Self::new("cluster", customer_ids, labels)
    }

    /// As [`CustomerGroups::new`] with the groups in `order` (every label must be in it).
    pub fn ordered(
        by: &str,
        customer_ids: Vec<String>,
        labels: Vec<String>,
        order: Vec<String>,
    ) -> Result<Self> {
        if customer_ids.len() != labels.len() {
            return Err(Error::param(
                "CustomerGroups",
                format!(
                    "{} customer ids for {} labels",
                    customer_ids.len(),
                    labels.len()
                ),
            ));
        }
        if let Some(missing) = labels.iter().find(|l| !order.contains(l)) {
            return Err(Error::param(
                "CustomerGroups::ordered",
                format!("the group \"{missing}\" is not in the order given"),
            ));
        }
        let names = order
            .into_iter()
            .filter(|name| labels.contains(name))
            .collect();
        Ok(CustomerGroups {
            by: by.to_string(),
            customer_ids,
            labels,
            names,
        })
    }

    /// The RFM segments of a table, in the segment map's order.
    pub fn from_rfm(table: &RfmTable) -> Result<Self> {
        let frame = table.frame();
        Self::ordered(
            "segment",
            text_values(&frame, cols::CUSTOMER)?,
            text_values(&frame, "segment")?,
            table.segment_map().segment_names(),
        )
    }

    /// The value of a dimension column of the transactions (country, store format...) that
    /// brought each customer the most revenue, by the rule of [`crate::dominant`] (ties within a
    /// rounding to the first value in byte order; an empty value is `(missing)`), as the RFM
    /// summary by a dimension and the view's `dominant_<dimension>` count customers; rows after
    /// `until` (when given) are left out.
    pub fn from_dimension(
        transactions: &Transactions,
        column: &str,
        until: Option<chrono::NaiveDate>,
    ) -> Result<Self> {
        let frame = transactions.frame();
        if frame.column(column).is_err()
            || !transactions.roles().dimensions.iter().any(|d| d == column)
        {
            return Err(crate::data::roles::not_a_dimension(
                column,
                &transactions.roles().dimensions,
            ));
        }
        let before_ms = until.map(|day| {
            day.succ_opt()
                .unwrap_or(day)
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or(i64::MAX)
        });
        let top = crate::rfm::summary::dominant_values(transactions, column, before_ms)?
            .sort([cols::CUSTOMER], SortMultipleOptions::default())?;
        Self::new(
            column,
            text_values(&top, cols::CUSTOMER)?,
            text_values(&top, column)?,
        )
    }

    /// What the groups are (`segment`, `cluster`, a column name).
    pub fn by(&self) -> &str {
        &self.by
    }

    /// The group names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Each customer id and its group.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.customer_ids
            .iter()
            .map(String::as_str)
            .zip(self.labels.iter().map(String::as_str))
    }

    /// The group index of each customer code of `purchases` (`None`: not in any group).
    pub(crate) fn codes_for(&self, purchases: &Purchases) -> Vec<Option<u32>> {
        let index: HashMap<&str, u32> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let by_id: HashMap<&str, u32> = self
            .iter()
            .filter_map(|(id, label)| index.get(label).map(|&g| (id, g)))
            .collect();
        purchases
            .customer_ids()
            .iter()
            .map(|id| by_id.get(id.as_str()).copied())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::roles::ColumnRoles;
    use crate::data::transactions::LoadOptions;

    #[test]
    fn dimension_groups_follow_the_dominant_value_rule() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.csv");
        // A: South 0.1 + 0.2 (0.30000000000000004) against North 0.3: a rounding apart is a tie,
        // which goes to North, first in byte order (the largest sum alone would be South); B: only rows without a store ("(missing)"); C: South before the cut, North
        // (more) after it.
        std::fs::write(
            &path,
            "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Store\n\
             1,A,2011-01-03 10:00,1,0.1,South\n\
             2,A,2011-01-04 10:00,1,0.2,South\n\
             3,A,2011-01-05 10:00,1,0.3,North\n\
             4,B,2011-01-05 10:00,1,5,\n\
             5,C,2011-01-05 10:00,1,2,South\n\
             6,C,2011-02-05 10:00,1,9,North\n",
        )
        .unwrap();
        let options = LoadOptions {
            roles: ColumnRoles {
                dimensions: vec!["Store".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        let tx = Transactions::load(&path, &options).unwrap();
        let groups = |until| {
            CustomerGroups::from_dimension(&tx, "Store", until)
                .unwrap()
                .iter()
                .map(|(id, group)| format!("{id}:{group}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(groups(None), ["A:North", "B:(missing)", "C:North"]);
        let cut = chrono::NaiveDate::from_ymd_opt(2011, 1, 31);
        assert_eq!(groups(cut), ["A:North", "B:(missing)", "C:South"]);
        let err = CustomerGroups::from_dimension(&tx, "Region", None).unwrap_err();
        assert!(
            err.to_string().contains("loaded dimensions: Store"),
            "{err}"
        );
    }
}
