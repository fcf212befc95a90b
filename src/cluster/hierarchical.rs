//! Agglomerative (hierarchical) clustering on kodama, the linkage library linfa-hierarchical
//! wraps: Euclidean distances between samples, merged bottom-up by Ward, complete, average or
//! single linkage (scikit-learn's `AgglomerativeClustering` choices), and the tree cut where `k`
//! clusters remain.
//!
//! The full distance matrix is kept (8 bytes per pair), so the sample count is capped at
//! [`MAX_SAMPLES`]; cluster a sample of the customers, or use k-means, beyond that.

use std::str::FromStr;

use kodama::Method;

use crate::cluster::model::{by_first_appearance, check_k};
use crate::error::{Error, Result};
use crate::matrix::{Matrix, squared_distance};

/// The largest sample count accepted (the distance matrix then takes about 1.6 GB).
pub const MAX_SAMPLES: usize = 20_000;

/// How the distance between two clusters is measured when merging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    /// The merge that least increases the within-cluster variance (scikit-learn's default).
    Ward,
    /// The largest distance between members.
    Complete,
    /// The mean distance between members.
    Average,
    /// The smallest distance between members.
    Single,
}

impl FromStr for Linkage {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ward" => Ok(Linkage::Ward),
            "complete" => Ok(Linkage::Complete),
            "average" => Ok(Linkage::Average),
            "single" => Ok(Linkage::Single),
            other => Err(Error::param(
                "HierarchicalParams::linkage",
                format!(
                    "unknown linkage \"{}\"; use ward, complete, average or single",
                    crate::format::shorten(other, 80)
                ),
            )),
        }
    }
}

/// Checked parameters of agglomerative clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct HierarchicalParams {
    k: usize,
    linkage: Linkage,
}

impl HierarchicalParams {
    /// `k` clusters with Ward linkage.
    pub fn new(k: usize) -> Self {
        HierarchicalParams {
            k,
            linkage: Linkage::Ward,
        }
    }

    /// The number of clusters.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// The linkage criterion.
    pub fn linkage(mut self, linkage: Linkage) -> Self {
        self.linkage = linkage;
        self
    }

    /// Checks the parameters against the data size.
    pub fn check(&self, samples: usize) -> Result<()> {
        check_k(self.k, samples)?;
        if samples > MAX_SAMPLES {
            return Err(Error::param(
                "samples",
                format!(
                    "hierarchical clustering keeps every pairwise distance and takes at most \
                     {MAX_SAMPLES} samples, got {samples}; use k-means or cluster a sample"
                ),
            ));
        }
        Ok(())
    }

    /// Labels every row of `x` with its cluster (numbered by first appearance).
    pub fn fit(&self, x: &Matrix) -> Result<Vec<i64>> {
        let n = x.rows();
        self.check(n)?;
        let mut condensed = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                condensed.push(squared_distance(x.row(i), x.row(j)).sqrt());
            }
        }
        let method = match self.linkage {
            Linkage::Ward => Method::Ward,
            Linkage::Complete => Method::Complete,
            Linkage::Average => Method::Average,
            Linkage::Single => Method::Single,
        };
        let dendrogram = kodama::linkage(&mut condensed, n, method);
        // Steps are sorted by height; the first n - k merges leave k clusters. Walking those
        // merges from the last down hands each root's label to everything below it.
        let merges = n - self.k;
        let mut label: Vec<Option<i64>> = vec![None; 2 * n];
        let mut next = 0i64;
        for (i, step) in dendrogram.steps()[..merges].iter().enumerate().rev() {
            let own = *label[n + i].get_or_insert_with(|| {
                next += 1;
                next - 1
            });
            label[step.cluster1] = Some(own);
            label[step.cluster2] = Some(own);
        }
        let raw: Vec<i64> = label[..n]
            .iter()
            .map(|l| {
                l.unwrap_or_else(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        Ok(by_first_appearance(&raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_the_tree_at_k_by_hand() {
        // Single linkage on a line: gaps 1, 1, 5, 1, 10. Three clusters cut the two widest gaps.
        let values = [0.0, 1.0, 2.0, 7.0, 8.0, 18.0];
        let x = Matrix::new(&values, 1).unwrap();
        let p = HierarchicalParams::new(3).linkage(Linkage::Single);
        assert_eq!(p.fit(&x).unwrap(), [0, 0, 0, 1, 1, 2]);
        assert_eq!(p.clone().k(1).fit(&x).unwrap(), [0; 6]);
        assert_eq!(p.clone().k(6).fit(&x).unwrap(), [0, 1, 2, 3, 4, 5]);
        // Ward merges {0,1,2} and {7,8} before taking 18 in: two clusters split off 18.
        let ward = HierarchicalParams::new(2).fit(&x).unwrap();
        assert_eq!(ward, [0, 0, 0, 0, 0, 1]);
        assert!("centroid".parse::<Linkage>().is_err());
        assert!(HierarchicalParams::new(7).fit(&x).is_err());
    }
}
