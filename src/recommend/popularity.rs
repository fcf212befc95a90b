//! What each group buys: products by buyers and by revenue within a window (the study's "last
//! two months"), and affinity, the products a group buys more than the population does.
//!
//! A product's *share* in a group is the share of the group's customers active in the window who
//! bought it; its *lift* is that share over the share among all active customers. Customers
//! outside every group count in the population only.

use hashbrown::HashMap;

use crate::recommend::purchases::Purchases;

/// One product of one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupProduct {
    /// Product code.
    pub product: u32,
    /// Customers who bought it.
    pub buyers: u32,
    /// What they spent on it.
    pub revenue: f64,
    /// Buyers over the group's active customers.
    pub share: f64,
    /// Share over the population's share (1: as popular as everywhere).
    pub lift: f64,
}

/// Products per group within a window; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct GroupPopularity {
    /// Per group (then the population, last), products by buyers (most first; ties by code).
    by_group: Vec<Vec<GroupProduct>>,
    /// Active customers per group, then the population's.
    active: Vec<u32>,
}

impl GroupPopularity {
    /// Counts the purchases (already limited to the window) by group: `group_of[c]` is the group
    /// of customer code `c` among `groups` groups.
    pub fn count(purchases: &Purchases, group_of: &[Option<u32>], groups: usize) -> Self {
        let population = groups;
        let mut cells: Vec<HashMap<u32, (u32, f64)>> = vec![HashMap::new(); groups + 1];
        let mut active = vec![0u32; groups + 1];
        let lists = purchases.products_by_customer();
        for (customer, products) in lists.iter().enumerate() {
            if products.is_empty() {
                continue;
            }
            let group = group_of.get(customer).copied().flatten();
            for target in group.map(|g| g as usize).into_iter().chain([population]) {
                active[target] += 1;
                for &p in products {
                    cells[target].entry(p).or_insert((0, 0.0)).0 += 1;
                }
            }
        }
        for ((&customer, &product), &amount) in purchases
            .customers()
            .iter()
            .zip(purchases.products())
            .zip(purchases.amounts())
        {
            let group = group_of.get(customer as usize).copied().flatten();
            for target in group.map(|g| g as usize).into_iter().chain([population]) {
                if let Some(cell) = cells[target].get_mut(&product) {
                    cell.1 += amount;
                }
            }
        }
        let overall: HashMap<u32, f64> = cells[population]
            .iter()
            .map(|(&p, &(buyers, _))| (p, f64::from(buyers) / f64::from(active[population].max(1))))
            .collect();
        let by_group = cells
            .into_iter()
            .zip(&active)
            .map(|(cell, &n)| {
                let mut products: Vec<GroupProduct> = cell
                    .into_iter()
                    .map(|(product, (buyers, revenue))| {
                        let share = f64::from(buyers) / f64::from(n.max(1));
                        let everywhere = overall.get(&product).copied().unwrap_or(0.0);
                        GroupProduct {
                            product,
                            buyers,
                            revenue,
                            share,
                            lift: if everywhere > 0.0 {
                                share / everywhere
                            } else {
                                0.0
                            },
                        }
                    })
                    .collect();
                products.sort_unstable_by(|a, b| {
                    b.buyers.cmp(&a.buyers).then(a.product.cmp(&b.product))
                });
                products
            })
            .collect();
        GroupPopularity { by_group, active }
    }

    /// Number of groups (the population not counted).
    pub fn groups(&self) -> usize {
        self.by_group.len() - 1
    }

    /// A group's products by buyers, most first; `None` for the whole population.
    pub fn by_buyers(&self, group: Option<u32>) -> &[GroupProduct] {
        &self.by_group[self.index(group)]
    }

    /// A group's products by revenue, largest first (ties by product code).
    pub fn by_revenue(&self, group: Option<u32>) -> Vec<GroupProduct> {
        let mut products = self.by_buyers(group).to_vec();
        products.sort_by(|a, b| {
            b.revenue
                .total_cmp(&a.revenue)
                .then(a.product.cmp(&b.product))
        });
        products
    }

    /// The products a group buys more than the population, by lift (ties by buyers, then code),
    /// among those at least `min_share` of the group's active customers bought.
    pub fn affinity(&self, group: Option<u32>, min_share: f64) -> Vec<GroupProduct> {
        let mut products: Vec<GroupProduct> = self
            .by_buyers(group)
            .iter()
            .filter(|p| p.share >= min_share)
            .copied()
            .collect();
        products.sort_by(|a, b| {
            b.lift
                .total_cmp(&a.lift)
                .then(b.buyers.cmp(&a.buyers))
                .then(a.product.cmp(&b.product))
        });
        products
    }

    /// Customers active in the window, of a group or (`None`) of the population.
    pub fn active(&self, group: Option<u32>) -> u32 {
        self.active[self.index(group)]
    }

    fn index(&self, group: Option<u32>) -> usize {
        group.map_or(self.by_group.len() - 1, |g| g as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Customers 0, 1 in group 0, customer 2 in group 1, customer 3 in none. Product 0: bought by
    /// 0 and 1 (twice by 0); product 1 by 2 and 3.
    #[test]
    fn shares_and_lifts_by_hand() {
        let ids = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        let purchases = Purchases::from_codes(
            ids(4),
            ids(2),
            &[
                (0, 0, 0, 0, 5.0),
                (0, 1, 0, 1, 5.0),
                (1, 2, 0, 1, 3.0),
                (2, 3, 1, 1, 7.0),
                (3, 4, 1, 2, 1.0),
            ],
        )
        .unwrap();
        let popularity = GroupPopularity::count(&purchases, &[Some(0), Some(0), Some(1), None], 2);
        assert_eq!(popularity.active(Some(0)), 2);
        assert_eq!(popularity.active(None), 4);
        let g0 = popularity.by_buyers(Some(0));
        assert_eq!(g0.len(), 1);
        assert_eq!((g0[0].product, g0[0].buyers, g0[0].revenue), (0, 2, 13.0));
        // Share 2/2 in the group against 2/4 overall.
        assert_eq!((g0[0].share, g0[0].lift), (1.0, 2.0));
        let g1 = popularity.by_buyers(Some(1));
        assert_eq!((g1[0].product, g1[0].share, g1[0].lift), (1, 1.0, 2.0));
        let all = popularity.by_buyers(None);
        assert_eq!(all.iter().map(|p| p.buyers).collect::<Vec<_>>(), vec![2, 2]);
        assert_eq!(popularity.by_revenue(None)[0].product, 0);
        assert!(popularity.affinity(Some(0), 1.01).is_empty());
    }
}
