//! Sorting the unmerged buffer, which is most of the cost of adding a value.
//!
//! Values are stored as `u64` keys whose unsigned order is the numeric order
//! of the finite doubles they encode, so the buffer can be radix sorted: one
//! pass builds all eight byte histograms, then one stable scatter pass runs per
//! byte position whose digit is not constant (uniform values in `[0, 1)` share
//! their top byte, for example, and skip that pass).

pub(crate) use distilled_core::order_key::{f64_to_key, key_to_f64};

/// Below this length a comparison sort beats the histogram set-up.
const SMALL: usize = 96;

/// Sorts `keys` ascending. `scratch` is working memory (its contents are
/// overwritten; its allocation is reused between calls).
pub(crate) fn sort_keys(keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let n = keys.len();
    if n <= SMALL {
        keys.sort_unstable();
        return;
    }
    // Sorted and reverse-sorted runs (ascending or descending streams) are
    // common and cost one cheap pass to detect.
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    if keys.windows(2).all(|w| w[0] >= w[1]) {
        keys.reverse();
        return;
    }
    let mut hist = vec![[0u32; 256]; 8];
    for &k in keys.iter() {
        hist[0][(k & 0xff) as usize] += 1;
        hist[1][((k >> 8) & 0xff) as usize] += 1;
        hist[2][((k >> 16) & 0xff) as usize] += 1;
        hist[3][((k >> 24) & 0xff) as usize] += 1;
        hist[4][((k >> 32) & 0xff) as usize] += 1;
        hist[5][((k >> 40) & 0xff) as usize] += 1;
        hist[6][((k >> 48) & 0xff) as usize] += 1;
        hist[7][(k >> 56) as usize] += 1;
    }
    scratch.clear();
    scratch.resize(n, 0);
    let first = keys[0];
    let mut in_scratch = false;
    for (pass, h) in hist.iter().enumerate() {
        let shift = 8 * pass;
        let digit0 = ((first >> shift) & 0xff) as usize;
        if h[digit0] as usize == n {
            continue; // every key has the same digit here
        }
        let mut offsets = [0usize; 256];
        let mut sum = 0usize;
        for (o, &c) in offsets.iter_mut().zip(h.iter()) {
            *o = sum;
            sum += c as usize;
        }
        let (src, dst): (&[u64], &mut [u64]) = if in_scratch {
            (scratch.as_slice(), keys.as_mut_slice())
        } else {
            (keys.as_slice(), scratch.as_mut_slice())
        };
        for &k in src {
            let d = ((k >> shift) & 0xff) as usize;
            dst[offsets[d]] = k;
            offsets[d] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        std::mem::swap(keys, scratch);
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
            // Descending input.
            let mut rev: Vec<u64> = expected.iter().rev().copied().collect();
            sort_keys(&mut rev, &mut scratch);
            assert_eq!(rev, expected);
        }
    }
}
