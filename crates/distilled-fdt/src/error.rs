//! Errors of the FDT sketch.

use std::fmt;

/// Why an FDT sketch could not be built, updated or queried.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FdtError {
    /// The threshold must lie strictly between 0 and 1.
    InvalidThreshold(f64),
    /// The relative standard error must lie strictly between 0 and 1.
    InvalidRse(f64),
    /// `lg_k` must lie in `5..=26`; (threshold, rse) pairs that need a
    /// larger sketch also end here.
    InvalidLgK(i64),
    /// No primary-key index was given.
    NoPrimaryKey,
    /// A primary-key index appears twice.
    DuplicatePrimaryKeyIndex(usize),
    /// A primary-key index is not a dimension of a retained tuple (the
    /// tuple has only `width` dimensions).
    PrimaryKeyIndexOutOfRange {
        /// The offending index.
        index: usize,
        /// The number of dimensions of the narrowest retained tuple.
        width: usize,
    },
    /// The DataSketches array-of-strings summary holds at most 127 strings.
    TooManyDimensions(usize),
    /// A tuple's strings total this many bytes, more than a summary
    /// (`i32` sizes) can hold.
    TupleTooLarge(usize),
}

impl fmt::Display for FdtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FdtError::InvalidThreshold(t) => {
                write!(f, "threshold {t} is not strictly between 0 and 1")
            }
            FdtError::InvalidRse(r) => {
                write!(
                    f,
                    "relative standard error {r} is not strictly between 0 and 1"
                )
            }
            FdtError::InvalidLgK(lg_k) => write!(
                f,
                "lg_k {lg_k} is outside 5..=26 (increase the threshold, the rse, or both)"
            ),
            FdtError::NoPrimaryKey => f.write_str("at least one primary-key index is needed"),
            FdtError::DuplicatePrimaryKeyIndex(i) => {
                write!(f, "primary-key index {i} is given more than once")
            }
            FdtError::PrimaryKeyIndexOutOfRange { index, width } => write!(
                f,
                "primary-key index {index} is out of range for a retained tuple of {width} dimensions"
            ),
            FdtError::TooManyDimensions(n) => write!(
                f,
                "a tuple has {n} dimensions; the DataSketches format allows at most 127"
            ),
            FdtError::TupleTooLarge(n) => write!(
                f,
                "a tuple of {n} bytes is too large for the DataSketches summary format"
            ),
        }
    }
}

impl std::error::Error for FdtError {}
