//! Sketch size from (threshold, rse), the DataSketches sizing rule.

use crate::error::FdtError;

/// Smallest `lg_k` (as for every theta-family sketch).
pub const MIN_LG_K: u8 = 5;
/// Largest `lg_k`.
pub const MAX_LG_K: u8 = 26;

/// `lg_k` such that a group owning `threshold` of all distinct tuples is
/// estimated with relative standard error at most `rse`:
/// `lg_k = ceil(log2(ceil(1 / (threshold * rse^2))))`, computed in `f64` in
/// that order, as Java's `FdtSketch.computeLgK`.
///
/// Both arguments must lie strictly between 0 and 1, and the result must lie
/// in `5..=26` (Java checks only the upper end; a result below 5 is an error
/// here too rather than a silently larger sketch).
///
/// ```
/// use distilled_fdt::lg_k_for;
/// assert_eq!(lg_k_for(0.01, 0.05), Ok(16));
/// assert_eq!(lg_k_for(0.1, 0.05), Ok(12));
/// assert!(lg_k_for(1e-6, 0.01).is_err()); // would need lg_k 34
/// ```
pub fn lg_k_for(threshold: f64, rse: f64) -> Result<u8, FdtError> {
    // `!(x > 0 && x < 1)` also catches NaN.
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(FdtError::InvalidThreshold(threshold));
    }
    if !(rse > 0.0 && rse < 1.0) {
        return Err(FdtError::InvalidRse(rse));
    }
    let v = (1.0 / (threshold * rse * rse)).ceil();
    let lg = (v.ln() / 2f64.ln()).ceil();
    if !lg.is_finite() || lg > f64::from(MAX_LG_K) {
        return Err(FdtError::InvalidLgK(if lg.is_finite() {
            lg as i64
        } else {
            i64::MAX
        }));
    }
    check_lg_k(lg as i64)
}

/// `Ok(lg_k)` when `lg_k` lies in `5..=26`.
pub fn check_lg_k(lg_k: i64) -> Result<u8, FdtError> {
    if (i64::from(MIN_LG_K)..=i64::from(MAX_LG_K)).contains(&lg_k) {
        Ok(lg_k as u8)
    } else {
        Err(FdtError::InvalidLgK(lg_k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_examples() {
        // From the Java sizing rule (shared/reference §3.2).
        assert_eq!(lg_k_for(0.01, 0.05), Ok(16));
        assert_eq!(lg_k_for(0.001, 0.1), Ok(17));
        assert_eq!(lg_k_for(0.1, 0.1), Ok(10));
        assert_eq!(lg_k_for(0.05, 0.2), Ok(9));
        // The documentation's worked example.
        assert_eq!(lg_k_for(0.1, 0.05), Ok(12));
    }

    #[test]
    fn invalid_parameters_are_errors() {
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                lg_k_for(bad, 0.1),
                Err(FdtError::InvalidThreshold(_))
            ));
            assert!(matches!(lg_k_for(0.1, bad), Err(FdtError::InvalidRse(_))));
        }
        // Too large a sketch.
        assert_eq!(lg_k_for(1e-6, 0.01), Err(FdtError::InvalidLgK(34)));
        // Too small a sketch: 1/(0.9*0.9^2) = 1.37 -> lg_k 1.
        assert_eq!(lg_k_for(0.9, 0.9), Err(FdtError::InvalidLgK(1)));
        assert_eq!(check_lg_k(4), Err(FdtError::InvalidLgK(4)));
        assert_eq!(check_lg_k(27), Err(FdtError::InvalidLgK(27)));
        assert_eq!(check_lg_k(26), Ok(26));
    }
}
