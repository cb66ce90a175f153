//! Sorting of level-0 keys, the dominant cost of a KLL update.
//!
//! Level 0 is usually compacted at 8 to 30 items. Comparison sorts of such
//! short runs of random keys mispredict a branch on almost every comparison,
//! so runs of up to 32 go through a branch-free Batcher odd-even merge
//! network (min/max compile to conditional moves), pruned to the run length.

/// Largest run sorted by a network.
const MAX_NET: usize = 32;

const fn pow2_at_least(n: usize) -> usize {
    let mut p = 1;
    while p < n {
        p *= 2;
    }
    p
}

/// Whether a pair of the network for `pow2_at_least(n)` inputs touches only
/// the first `n` slots. Pairs reaching slot `n` or beyond would only compare
/// against padding equal to the maximum, which never moves: they are dropped,
/// so that no padding is needed at all.
const fn keep(n: usize, pair: (u8, u8)) -> bool {
    (pair.1 as usize) < n
}

const fn count_pruned(n: usize) -> usize {
    let net = network_for(n);
    let mut c = 0;
    let mut i = 0;
    while i < net.1 {
        if keep(n, net.0[i]) {
            c += 1;
        }
        i += 1;
    }
    c
}

const fn network_for(n: usize) -> ([(u8, u8); 191], usize) {
    let mut out = [(0u8, 0u8); 191];
    let size = pow2_at_least(n);
    let len = match size {
        1 => 0,
        2 => 1,
        4 => 5,
        8 => 19,
        16 => 63,
        _ => 191,
    };
    let mut c = 0;
    // Build Batcher's network for `size` inputs directly.
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < size {
                let mut i = 0;
                while i < k && i + j + k < size {
                    if (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                        out[c] = ((i + j) as u8, (i + j + k) as u8);
                        c += 1;
                    }
                    i += 1;
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    assert!(c == len, "network size");
    (out, c)
}

const fn total_pruned() -> usize {
    let mut t = 0;
    let mut n = 0;
    while n <= MAX_NET {
        t += count_pruned(n);
        n += 1;
    }
    t
}

const TOTAL: usize = total_pruned();

/// All pruned networks for n = 0..=32, back to back, and where each starts.
const PRUNED: ([(u8, u8); TOTAL], [usize; MAX_NET + 2]) = {
    let mut flat = [(0u8, 0u8); TOTAL];
    let mut offs = [0usize; MAX_NET + 2];
    let mut c = 0;
    let mut n = 0;
    while n <= MAX_NET {
        offs[n] = c;
        let net = network_for(n);
        let mut i = 0;
        while i < net.1 {
            if keep(n, net.0[i]) {
                flat[c] = net.0[i];
                c += 1;
            }
            i += 1;
        }
        n += 1;
    }
    offs[MAX_NET + 1] = c;
    (flat, offs)
};

/// Sorts keys ascending.
#[inline]
pub(crate) fn sort_keys<S: Copy + Ord>(keys: &mut [S]) {
    let n = keys.len();
    // Sorted input (common in practice: timestamps, ids) costs one pass; on
    // random keys the checks stop within a few items. Level 0 is filled
    // newest-first, so ascending input arrives here descending.
    if keys.windows(2).all(|w| w[0] >= w[1]) {
        keys.reverse();
        return;
    }
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    if n > MAX_NET {
        keys.sort_unstable();
        return;
    }
    let net = &PRUNED.0[PRUNED.1[n]..PRUNED.1[n + 1]];
    for &(i, j) in net {
        let (i, j) = (i as usize, j as usize);
        let (x, y) = (keys[i], keys[j]);
        keys[i] = x.min(y);
        keys[j] = x.max(y);
    }
}

/// Sorts `u64` keys ascending.
#[inline]
pub(crate) fn sort_u64(keys: &mut [u64]) {
    sort_keys(keys);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_sort_every_length() {
        let mut z = 3u64;
        for len in 0..80 {
            for round in 0..50 {
                let mut v: Vec<u64> = (0..len)
                    .map(|_| {
                        z ^= z << 13;
                        z ^= z >> 7;
                        z ^= z << 17;
                        if round % 3 == 0 { z % 4 } else { z }
                    })
                    .collect();
                if round == 1 {
                    v.iter_mut().for_each(|x| *x = u64::MAX);
                }
                let mut want = v.clone();
                want.sort_unstable();
                sort_u64(&mut v);
                assert_eq!(v, want, "len {len}");
                let mut w: Vec<u32> = want.iter().rev().map(|&x| x as u32).collect();
                let mut w2 = w.clone();
                w2.sort_unstable();
                sort_keys(&mut w);
                assert_eq!(w, w2);
            }
        }
    }
}
