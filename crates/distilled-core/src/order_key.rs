//! Order-preserving integer keys for floats.
//!
//! Quantile sketches spend most of their time sorting. Mapping each float to
//! an unsigned integer whose order is the float's numeric order lets them sort
//! integers (radix sort, sorting networks, `sort_unstable` on `u64`) instead of
//! comparing floats: negative values have every bit flipped, non-negative ones
//! the sign bit set. `-0.0` maps just below `+0.0`; NaNs map outside the finite
//! range (the sketches reject them before this point, see [`crate::policy`]).
//!
//! ```
//! use distilled_core::order_key::{f64_to_key, key_to_f64};
//! assert!(f64_to_key(-1.5) < f64_to_key(-0.0));
//! assert!(f64_to_key(-0.0) < f64_to_key(0.0));
//! assert!(f64_to_key(0.0) < f64_to_key(1e-300));
//! assert_eq!(key_to_f64(f64_to_key(-2.5)), -2.5);
//! ```

/// The key of an `f64`: unsigned order equals numeric order.
#[inline(always)]
pub fn f64_to_key(x: f64) -> u64 {
    let b = x.to_bits();
    // Arithmetic shift spreads the sign bit: all ones for negatives.
    let mask = (((b as i64) >> 63) as u64) | (1 << 63);
    b ^ mask
}

/// Inverse of [`f64_to_key`].
#[inline(always)]
pub fn key_to_f64(k: u64) -> f64 {
    // Keys of negative numbers have a clear top bit.
    let mask = if k >> 63 == 1 { 1 << 63 } else { u64::MAX };
    f64::from_bits(k ^ mask)
}

/// The key of an `f32`: unsigned order equals numeric order.
#[inline(always)]
pub fn f32_to_key(x: f32) -> u32 {
    let b = x.to_bits();
    let mask = (((b as i32) >> 31) as u32) | (1 << 31);
    b ^ mask
}

/// Inverse of [`f32_to_key`].
#[inline(always)]
pub fn key_to_f32(k: u32) -> f32 {
    let mask = if k >> 31 == 1 { 1 << 31 } else { u32::MAX };
    f32::from_bits(k ^ mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_the_numbers_and_round_trip() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(f64_to_key(w[0]) < f64_to_key(w[1]), "{} < {}", w[0], w[1]);
            let (a, b) = (w[0] as f32, w[1] as f32);
            if a.to_bits() != b.to_bits() {
                assert!(f32_to_key(a) <= f32_to_key(b), "{a} <= {b}");
            }
        }
        for &x in &xs {
            assert_eq!(key_to_f64(f64_to_key(x)).to_bits(), x.to_bits());
            let y = x as f32;
            assert_eq!(key_to_f32(f32_to_key(y)).to_bits(), y.to_bits());
        }
    }
}
