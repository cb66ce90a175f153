//! Batched hashing of 8-byte keys for [`crate::ThetaSketch::update_many`].
//!
//! MurmurHash3 of an 8-byte key is a chain of six 64-bit multiplications;
//! one key at a time, the CPU overlaps several such chains, and the scalar
//! instruction count bounds the rate. On x86-64 CPUs with AVX-512 (detected
//! at run time) the lane loop here, compiled for those features, becomes
//! 8-lane `vpmullq`/`vprolq` code and beats that bound.

use distilled_core::hash::{DsHash, theta_hash_u64};

/// Keys hashed per block.
pub(crate) const BLOCK: usize = 64;

/// Proof that the CPU runs the 8-lane AVX-512 block hash (F, DQ and VL:
/// 64-bit vector multiplies and rotates).
///
/// Without it, `ThetaSketch::update_many` uses a scalar block loop instead
/// (`block_u64_portable` in `theta.rs`: hash, screen and compact the
/// survivors without a branch per key). The lanes here compiled for baseline
/// x86-64 would be vectorised with SSE2, emulating each 64-bit multiply with
/// three 32-bit ones, which measured slower than scalar code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Simd(());

impl Simd {
    /// `Some` when the CPU supports the AVX-512 variant (the detection is
    /// cached by std).
    #[inline]
    pub(crate) fn detect() -> Option<Simd> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                return Some(Simd(()));
            }
        }
        None
    }

    /// Theta hashes of a block of 8-byte items (every `fixed_u64` is
    /// `Some`) into `out`; returns whether any passes `0 < h < theta`, the
    /// screen folded in branch-free (most blocks of a sketch in estimation
    /// mode have no survivor and skip the table entirely).
    #[inline]
    pub(crate) fn hash<T: DsHash>(
        self,
        items: &[T; BLOCK],
        seed: u64,
        theta: u64,
        out: &mut [u64; BLOCK],
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a `Simd` is only made by `detect`, after the CPU
            // reported avx512f, avx512dq and avx512vl, the features
            // `hash_block_avx512` is compiled for; its body is safe code.
            // Measured: update_many 2.1-2.6 ns/key with it against 4.6 for
            // the same lanes compiled for baseline x86-64 (docs/benchmarks.md).
            #[allow(unsafe_code)]
            unsafe {
                hash_block_avx512(items, seed, theta, out)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            hash_block(items, seed, theta, out)
        }
    }
}

/// The block hash: independent lanes, one MurmurHash3 each, and the screen.
#[inline(always)]
fn hash_block<T: DsHash>(
    items: &[T; BLOCK],
    seed: u64,
    theta: u64,
    out: &mut [u64; BLOCK],
) -> bool {
    let t1 = theta.wrapping_sub(1);
    let mut any = 0u64;
    for (o, item) in out.iter_mut().zip(items) {
        let h = theta_hash_u64(item.fixed_u64().unwrap_or(0), seed);
        any |= u64::from(h.wrapping_sub(1) < t1);
        *o = h;
    }
    any != 0
}

/// [`hash_block`] compiled with AVX-512, so that the loop vectorises.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn hash_block_avx512<T: DsHash>(
    items: &[T; BLOCK],
    seed: u64,
    theta: u64,
    out: &mut [u64; BLOCK],
) -> bool {
    hash_block(items, seed, theta, out)
}

/// `true` when some hash of the block passes the screen `0 < h < theta`.
#[inline(always)]
pub(crate) fn any_below(hashes: &[u64; BLOCK], theta: u64) -> bool {
    let t1 = theta.wrapping_sub(1);
    hashes
        .iter()
        .fold(0u64, |acc, &h| acc | u64::from(h.wrapping_sub(1) < t1))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use distilled_core::hash::DEFAULT_SEED;

    #[test]
    fn every_variant_equals_the_scalar_hash() {
        let mut keys = [0u64; BLOCK];
        for (i, k) in keys.iter_mut().enumerate() {
            *k = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64) << 60;
        }
        keys[0] = 0;
        keys[1] = u64::MAX;
        let mut out = [0u64; BLOCK];
        assert!(hash_block(&keys, DEFAULT_SEED, 1 << 62, &mut out));
        for (k, h) in keys.iter().zip(out) {
            assert_eq!(h, theta_hash_u64(*k, DEFAULT_SEED));
        }
        if let Some(simd) = Simd::detect() {
            for seed in [DEFAULT_SEED, 0, 12345] {
                let mut out = [0u64; BLOCK];
                let any = simd.hash(&keys, seed, 1 << 62, &mut out);
                assert_eq!(any, any_below(&out, 1 << 62));
                for (k, h) in keys.iter().zip(out) {
                    assert_eq!(h, theta_hash_u64(*k, seed));
                }
            }
        }
    }

    #[test]
    fn screen_matches_the_scalar_rule() {
        let mut h = [u64::MAX >> 1; BLOCK];
        assert!(!any_below(&h, 1000));
        h[7] = 0;
        assert!(!any_below(&h, 1000));
        h[9] = 999;
        assert!(any_below(&h, 1000));
        h[9] = 1000;
        assert!(!any_below(&h, 1000));
    }
}
