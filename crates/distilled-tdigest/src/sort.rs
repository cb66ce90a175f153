//! Sorting the unmerged buffer, which is most of the cost of adding a value.
//!
//! Values are stored as `u64` keys whose unsigned order is the numeric order
//! of the finite doubles they encode, so the buffer can be radix sorted. Only
//! the bits that vary across the buffer matter: one cheap pass finds them
//! (and notices already sorted or reverse-sorted buffers, which ascending and
//! descending streams produce), then a least-significant-digit radix sort with
//! 11-bit digits orders the keys by the top [`PREFIX_BITS`] varying bits.
//! Keys that still tie on that prefix (rare: they differ only in low mantissa
//! bits) form short runs, which a final scan sorts in place. Uniform doubles
//! need three scatter passes instead of seven byte passes.

use std::cmp::Ordering;

pub(crate) use distilled_core::order_key::{f64_to_key, key_to_f64};

use crate::{Centroid, Tagged, cmp_centroid};

/// Below this length a comparison sort beats the histogram set-up.
const SMALL: usize = 96;
/// Bits per radix digit.
const DIGIT: u32 = 11;
const BUCKETS: usize = 1 << DIGIT;
/// At most this many of the top varying bits are radix sorted (three digits).
const PREFIX_BITS: u32 = 3 * DIGIT;

/// Something the radix sort can order: a `u64` key whose unsigned order is
/// the leading part of the item's total order.
pub(crate) trait RadixItem: Copy {
    /// The radix key.
    fn key(&self) -> u64;
    /// The full total order (the key's order, then any tie-break).
    fn cmp_full(&self, other: &Self) -> Ordering;
    /// `true` when equal keys mean equal items (no tie-break to apply).
    const KEY_IS_TOTAL: bool;
}

impl RadixItem for u64 {
    #[inline(always)]
    fn key(&self) -> u64 {
        *self
    }
    #[inline(always)]
    fn cmp_full(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    const KEY_IS_TOTAL: bool = true;
}

impl RadixItem for Centroid {
    #[inline(always)]
    fn key(&self) -> u64 {
        f64_to_key(self.mean)
    }
    #[inline(always)]
    fn cmp_full(&self, other: &Self) -> Ordering {
        cmp_centroid(self, other)
    }
    const KEY_IS_TOTAL: bool = false;
}

impl RadixItem for Tagged {
    #[inline(always)]
    fn key(&self) -> u64 {
        f64_to_key(self.mean())
    }
    #[inline(always)]
    fn cmp_full(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }
    const KEY_IS_TOTAL: bool = false;
}

/// Sorts `keys` ascending. `scratch` is working memory (its contents are
/// overwritten; its allocation is reused between calls).
pub(crate) fn sort_keys(keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    radix_sort(keys, scratch);
}

/// Sorts `items` by [`RadixItem::cmp_full`]. `scratch` is working memory.
pub(crate) fn radix_sort<T: RadixItem>(items: &mut Vec<T>, scratch: &mut Vec<T>) {
    let keys = items;
    let n = keys.len();
    if n <= SMALL {
        keys.sort_unstable_by(T::cmp_full);
        return;
    }
    // Sorted and reverse-sorted runs (ascending or descending streams) are
    // common and cost one cheap pass to detect; random data fails the test
    // within a few keys.
    if keys.windows(2).all(|w| w[0].cmp_full(&w[1]).is_le()) {
        return;
    }
    if keys.windows(2).all(|w| w[0].cmp_full(&w[1]).is_ge()) {
        keys.reverse();
        return;
    }
    let first = keys[0].key();
    let diff = keys.iter().fold(0u64, |acc, k| acc | (k.key() ^ first));
    if diff == 0 && T::KEY_IS_TOTAL {
        return; // unreachable for u64 (the buffer is not sorted), kept safe
    }
    let top = 64 - diff.leading_zeros(); // bits [0, top) vary
    let low = diff.trailing_zeros().min(top); // and bits below `low` never do
    let width = top - low;
    let prefix = width.min(PREFIX_BITS);
    let shift0 = top - prefix; // radix sort bits [shift0, top)
    let digits = prefix.div_ceil(DIGIT);
    let mut hist = vec![[0u32; BUCKETS]; digits as usize];
    let mask = (BUCKETS - 1) as u64;
    for k in keys.iter() {
        let v = k.key() >> shift0;
        for (d, h) in hist.iter_mut().enumerate() {
            h[((v >> (DIGIT * d as u32)) & mask) as usize] += 1;
        }
    }
    // Sized like `keys` (its contents are overwritten by the first pass).
    scratch.clear();
    scratch.extend_from_slice(keys);
    let mut in_scratch = false;
    for (d, h) in hist.iter().enumerate() {
        let shift = shift0 + DIGIT * d as u32;
        if h[((first >> shift) & mask) as usize] as usize == n {
            continue; // every key has the same digit here
        }
        let mut offsets = [0u32; BUCKETS];
        let mut sum = 0u32;
        for (o, &c) in offsets.iter_mut().zip(h.iter()) {
            *o = sum;
            sum += c;
        }
        let (src, dst): (&[T], &mut [T]) = if in_scratch {
            (scratch.as_slice(), keys.as_mut_slice())
        } else {
            (keys.as_slice(), scratch.as_mut_slice())
        };
        for &k in src {
            let b = ((k.key() >> shift) & mask) as usize;
            dst[offsets[b] as usize] = k;
            offsets[b] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        std::mem::swap(keys, scratch);
    }
    if shift0 > low || !T::KEY_IS_TOTAL {
        // Items equal on the sorted prefix may still be out of order in the
        // bits below it (or in their tie-break): sort each such run.
        let mut i = 0;
        while i + 1 < n {
            let p = keys[i].key() >> shift0;
            if keys[i + 1].key() >> shift0 != p {
                i += 1;
                continue;
            }
            let mut j = i + 2;
            while j < n && keys[j].key() >> shift0 == p {
                j += 1;
            }
            keys[i..j].sort_unstable_by(T::cmp_full);
            i = j;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order() {
        let xs = [
            f64::MIN,
            -1e300,
            -2.5,
            -1.0,
            -f64::MIN_POSITIVE,
            -5e-324,
            0.0,
            5e-324,
            1.0,
            2.5,
            1e300,
            f64::MAX,
        ];
        for w in xs.windows(2) {
            assert!(f64_to_key(w[0]) < f64_to_key(w[1]), "{} {}", w[0], w[1]);
        }
        for &x in &xs {
            assert_eq!(key_to_f64(f64_to_key(x)).to_bits(), x.to_bits());
        }
        assert_eq!(key_to_f64(f64_to_key(-0.0)).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn centroid_radix_sort_breaks_ties_by_weight() {
        let mut state = 99u64;
        for &n in &[50usize, 500, 5000] {
            let mut cs: Vec<Centroid> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Few distinct means (many ties), weights in any order.
                    let mean = ((state >> 60) as f64 - 7.0) * 0.25;
                    let weight = ((state >> 33) % 5 + 1) as f64;
                    Centroid { mean, weight }
                })
                .collect();
            let mut expected = cs.clone();
            expected.sort_unstable_by(cmp_centroid);
            radix_sort(&mut cs, &mut Vec::new());
            assert_eq!(cs, expected);
        }
    }

    #[test]
    fn radix_sort_matches_std() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for &n in &[0usize, 1, 5, 97, 500, 4096, 10_000] {
            let mut keys: Vec<u64> = (0..n)
                .map(|i| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let x = ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.3) * 1e3;
                    // A few duplicates and a narrow range for some lengths.
                    if i % 7 == 0 {
                        f64_to_key(1.0)
                    } else {
                        f64_to_key(x)
                    }
                })
                .collect();
            let mut expected = keys.clone();
            expected.sort_unstable();
            let mut scratch = Vec::new();
            sort_keys(&mut keys, &mut scratch);
            assert_eq!(keys, expected);
            // Keys that tie on a long prefix (runs sorted at the end), and
            // keys varying in all 64 bits.
            let mut wide: Vec<u64> = expected
                .iter()
                .enumerate()
                .map(|(i, &k)| {
                    if i % 3 == 0 {
                        k
                    } else {
                        (1 << 60) | (k & 0xffff)
                    }
                })
                .collect();
            let mut wide_sorted = wide.clone();
            wide_sorted.sort_unstable();
            sort_keys(&mut wide, &mut scratch);
            assert_eq!(wide, wide_sorted);
            let mut full: Vec<u64> = expected
                .iter()
                .map(|&k| k.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .collect();
            let mut full_sorted = full.clone();
            full_sorted.sort_unstable();
            sort_keys(&mut full, &mut scratch);
            assert_eq!(full, full_sorted);
            // Descending input.
            let mut rev: Vec<u64> = expected.iter().rev().copied().collect();
            sort_keys(&mut rev, &mut scratch);
            assert_eq!(rev, expected);
        }
    }
}
