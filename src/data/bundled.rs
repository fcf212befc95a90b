//! The bundled UCI Online Retail dataset (Chen, Sain & Guo 2012; CC BY 4.0).
//!
//! 541,909 transactions of a UK online gift retailer, 2010-12-01 to 2011-12-09, embedded in the
//! crate so examples, notebooks and the default report run without any download. Provenance and the
//! changes made to the original are in `data/online-retail/SOURCE.md`.

use crate::data::source::{RawTable, ReadOptions, read_bytes};
use crate::error::Result;

/// The gzip-compressed CSV, as shipped.
pub static ONLINE_RETAIL_CSV_GZ: &[u8] =
    include_bytes!("../../data/online-retail/online_retail.csv.gz");

/// The name the bundled data goes by in messages and reports.
pub const ONLINE_RETAIL_NAME: &str = "bundled:online-retail";

/// Attribution to show wherever the data is used.
pub const ONLINE_RETAIL_ATTRIBUTION: &str = "UCI Machine Learning Repository, \"Online Retail\" \
    (Daqing Chen, 2015), CC BY 4.0. Chen, D., Sain, S.L., Guo, K. (2012) Data mining for the online \
    retail industry: A case study of RFM model-based customer segmentation using data mining. \
    J. Database Marketing & Customer Strategy Management 19(3):197-208.";

/// Reads the bundled data into a raw table.
pub fn online_retail_raw(options: &ReadOptions) -> Result<RawTable> {
    read_bytes(ONLINE_RETAIL_NAME, ONLINE_RETAIL_CSV_GZ.to_vec(), options)
}
