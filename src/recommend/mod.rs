//! Product recommendations per customer group, and how well they work on purchases they did
//! not see.
//!
//! - [`purchases`]: the transactions as integer codes (customer, basket, product, day).
//! - [`groups`]: each customer's group (RFM segment, cluster, or a column).
//! - [`rules`]: pair association rules, as mlxtend computes them.
//! - [`popularity`]: what each group buys, and buys more than the population.
//! - [`topk`]: every customer's top-k, blending rules and group popularity.
//! - [`evaluate`]: the time holdout, with baselines.
//!
//! ```no_run
//! use custseg::prelude::*;
//! use custseg::recommend::{groups::CustomerGroups, purchases::Purchases, topk::RecommendParams};
//! let tx = Transactions::bundled(&LoadOptions::default())?;
//! let purchases = Purchases::from_transactions(&tx)?;
//! let groups = CustomerGroups::from_rfm(&RfmParams::new().fit(&tx)?)?;
//! let recommender = RecommendParams::new().k(5).fit(&purchases, &groups)?;
//! println!("{}", recommender.recommend()?.frame()?);
//! # Ok::<(), custseg::Error>(())
//! ```

pub mod evaluate;
pub mod groups;
pub mod popularity;
pub mod purchases;
pub mod rules;
pub mod topk;

pub use evaluate::{Evaluation, HoldoutSplit};
pub use groups::CustomerGroups;
pub use purchases::Purchases;
pub use rules::{AssociationRules, RulesParams};
pub use topk::{RecommendParams, Recommendations, Recommender};
