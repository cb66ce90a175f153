//! `distill quantiles`, `distinct` and `fdt`: sketch queries on files and streams.

use crate::cli::{DistinctArgs, FdtArgs, QuantilesArgs};

/// `distill quantiles`.
pub fn quantiles(_a: &QuantilesArgs) -> Result<(), String> {
    Err("quantiles: waiting for the KLL and t-digest crates".into())
}

/// `distill distinct`.
pub fn distinct(_a: &DistinctArgs) -> Result<(), String> {
    Err("distinct: waiting for the theta crate".into())
}

/// `distill fdt`.
pub fn fdt(_a: &FdtArgs) -> Result<(), String> {
    Err("fdt: waiting for the FDT crate".into())
}
