//! The workspace's one policy for non-finite input (NaN, +inf, -inf).
//!
//! # Policy
//!
//! **Sketches that order values (t-digest, KLL over floats, numeric graders)
//! reject NaN and both infinities.** A value has no place in a rank order if it
//! is NaN, and an infinity would poison interpolation (t-digest centroids,
//! means). Such sketches offer two ways to update:
//!
//! * `update(x)` never fails: a non-finite `x` is not added, and the sketch
//!   counts it. The count is visible through the sketch's
//!   `rejected_non_finite()` method, so nothing is lost silently.
//! * `try_update(x)` returns `Err(NonFiniteError)` for a non-finite `x` and
//!   leaves the sketch (and its rejection counter) untouched, for callers who
//!   want to stop at the first bad value.
//!
//! The rejection counter is not part of the DataSketches binary format, so it
//! does not survive a DataSketches round trip; it does survive serde.
//!
//! **Sketches that count identities (Theta, FDT) accept every float.** They
//! hash the canonical form of a value ([`canonical_f64_bits`]): `-0.0` is
//! `+0.0`, and every NaN is the one quiet NaN `0x7ff8000000000000`, so all NaNs
//! count as one distinct item, exactly as Apache DataSketches counts them.
//! Infinities are ordinary distinct items.
//!
//! **Query arguments** (a rank, a split point, a weight) that are non-finite
//! are errors returned by the query, never a panic.
//!
//! ```
//! use distilled_core::policy::{check_finite, NonFiniteError};
//! assert!(check_finite(1.5).is_ok());
//! assert_eq!(check_finite(f64::NAN), Err(NonFiniteError { value_bits: f64::NAN.to_bits() }));
//! ```

use std::fmt;

/// A NaN or infinity was offered to a sketch that orders values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonFiniteError {
    /// The raw bits of the rejected value (NaN payloads are preserved so that
    /// the error compares equal to itself).
    pub value_bits: u64,
}

impl NonFiniteError {
    /// The rejected value.
    pub fn value(&self) -> f64 {
        f64::from_bits(self.value_bits)
    }
}

impl fmt::Display for NonFiniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "non-finite value {} rejected (NaN and infinities have no rank)",
            self.value()
        )
    }
}

impl std::error::Error for NonFiniteError {}

/// `Ok(x)` when `x` is finite, else the error for it.
#[inline]
pub fn check_finite(x: f64) -> Result<f64, NonFiniteError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(NonFiniteError {
            value_bits: x.to_bits(),
        })
    }
}

/// The bit pattern DataSketches hashes for a double: `-0.0` becomes `+0.0`
/// and every NaN becomes `0x7ff8000000000000`.
#[inline]
pub fn canonical_f64_bits(x: f64) -> u64 {
    if x.is_nan() {
        0x7ff8_0000_0000_0000
    } else if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical_f64_bits(-0.0), 0);
        assert_eq!(canonical_f64_bits(0.0), 0);
        assert_eq!(canonical_f64_bits(f64::NAN), 0x7ff8_0000_0000_0000);
        assert_eq!(canonical_f64_bits(-f64::NAN), 0x7ff8_0000_0000_0000);
        assert_eq!(
            canonical_f64_bits(f64::from_bits(0x7ff0_0000_0000_0001)),
            0x7ff8_0000_0000_0000
        );
        assert_eq!(canonical_f64_bits(1.5), 1.5f64.to_bits());
        assert_eq!(canonical_f64_bits(f64::INFINITY), f64::INFINITY.to_bits());
    }

    #[test]
    fn finite_check() {
        assert_eq!(check_finite(-3.0), Ok(-3.0));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = check_finite(bad).unwrap_err();
            assert_eq!(err.value().to_bits(), bad.to_bits());
            assert!(err.to_string().contains("non-finite"));
        }
    }
}
