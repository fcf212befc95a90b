//! Counting over integer-coded rows: how many distinct keys (invoices, products) each group
//! (customer) has. Shared by the RFM table's frequency and the customer view's visits and SKUs.

/// For each group `0..groups`, the number of distinct keys among its rows; row `i` has group
/// `group[i]` and key `key[i]`.
///
/// When a key nearly always belongs to one group (an invoice has one customer), each key remembers
/// the first group it was seen with and only keys seen with several groups go to a set: one pass,
/// no sort. Keys shared by many groups (products) make that set large: with fewer keys than
/// groups, or past a sixteenth of the rows in the set, the pairs are sorted instead.
///
/// ```
/// use custseg::grouping::distinct_keys_per_group;
/// // Customer 0 has invoices 7 and 8 (8 twice); customer 1 has invoice 8 too.
/// let counts = distinct_keys_per_group(&[0, 0, 0, 1], &[7, 8, 8, 8], 2);
/// assert_eq!(counts, vec![2, 1]);
/// ```
pub fn distinct_keys_per_group(group: &[u32], key: &[u32], groups: usize) -> Vec<u32> {
    let keys = key.iter().copied().max().map_or(0, |m| m as usize + 1);
    // Fewer keys than groups (products over customers): keys are shared, sorting is the way.
    if keys < groups {
        return distinct_by_sorting(group, key, groups);
    }
    let mut counts = vec![0u32; groups];
    let mut pairs = DistinctPairs::with_keys(keys);
    for (&g, &k) in group.iter().zip(key) {
        if pairs.insert(g, k) {
            counts[g as usize] += 1;
            if pairs.shared() > group.len() / 16 {
                return distinct_by_sorting(group, key, groups);
            }
        }
    }
    counts
}

/// Distinct `(group, key)` pairs seen one at a time, for keys that nearly always belong to one
/// group (an invoice to one customer): each key's first group is remembered, and pairs are kept
/// only for keys shared by several groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct DistinctPairs {
    owner: Vec<u32>,
    /// With hashbrown's default (foldhash) hasher: std's SipHash took most of the time of
    /// counting distinct products per customer over 10^8 rows.
    shared: hashbrown::HashSet<(u32, u32)>,
}

impl DistinctPairs {
    const NO_OWNER: u32 = u32::MAX;

    /// Room for keys `0..keys` (more are added as they come).
    pub(crate) fn with_keys(keys: usize) -> Self {
        DistinctPairs {
            owner: vec![Self::NO_OWNER; keys],
            shared: Default::default(),
        }
    }

    /// Whether the pair is new (and now seen).
    pub(crate) fn insert(&mut self, group: u32, key: u32) -> bool {
        let k = key as usize;
        if k >= self.owner.len() {
            self.owner.resize(k + 1, Self::NO_OWNER);
        }
        match self.owner[k] {
            Self::NO_OWNER => {
                self.owner[k] = group;
                true
            }
            owner if owner == group => false,
            _ => self.shared.insert((key, group)),
        }
    }

    /// Pairs of keys shared by several groups, beyond each key's first group.
    pub(crate) fn shared(&self) -> usize {
        self.shared.len()
    }
}

/// The same count by sorting the `(group, key)` pairs.
fn distinct_by_sorting(group: &[u32], key: &[u32], groups: usize) -> Vec<u32> {
    let mut pairs: Vec<u64> = group
        .iter()
        .zip(key)
        .map(|(&g, &k)| (u64::from(g) << 32) | u64::from(k))
        .collect();
    {
        use rayon::prelude::*;
        pairs.par_sort_unstable();
    }
    pairs.dedup();
    let mut counts = vec![0u32; groups];
    for pair in pairs {
        counts[(pair >> 32) as usize] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_shared_by_groups_count_once_per_group() {
        // Key 5 is in groups 0, 1 and 2, twice in group 1; group 3 has no rows.
        let group = [0, 1, 1, 2, 0, 1];
        let key = [5, 5, 5, 5, 6, 6];
        assert_eq!(distinct_keys_per_group(&group, &key, 4), vec![2, 2, 1, 0]);
        assert_eq!(distinct_keys_per_group(&[], &[], 2), vec![0, 0]);
    }

    #[test]
    fn keys_shared_by_many_groups_give_the_same_counts_by_sorting() {
        // 3 keys over 100 groups: most pairs are shared, so the sorting path runs.
        let group: Vec<u32> = (0..1000).map(|i| i % 100).collect();
        let key: Vec<u32> = (0..1000).map(|i| (i / 7) % 3).collect();
        let counts = distinct_keys_per_group(&group, &key, 100);
        assert_eq!(counts, distinct_by_sorting(&group, &key, 100));
        let mut expected = vec![0u32; 100];
        for g in 0..100u32 {
            let keys: std::collections::BTreeSet<u32> = (0..1000u32)
                .filter(|i| i % 100 == g)
                .map(|i| (i / 7) % 3)
                .collect();
            expected[g as usize] = keys.len() as u32;
        }
        assert_eq!(counts, expected);
    }
}
