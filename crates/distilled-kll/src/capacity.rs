//! Level capacities, exactly as Apache DataSketches computes them, so that a
//! sketch's level layout (and therefore its serialized form) matches theirs.

/// Minimum level width `m`, the only value C++ and Python accept.
pub const M: u8 = 8;

/// Largest number of levels any valid sketch can have: item weights are
/// `2^level` and `n` is a `u64`.
pub(crate) const MAX_LEVELS: usize = 64;

const fn powers_of_three() -> [u64; 41] {
    let mut p = [1u64; 41];
    let mut i = 1;
    while i < 41 {
        p[i] = p[i - 1] * 3;
        i += 1;
    }
    p
}

const POW3: [u64; 41] = powers_of_three();

/// `round(k * (2/3)^depth)` in integer arithmetic, valid for `depth <= 30`.
fn cap_aux_aux(k: u64, depth: usize) -> u64 {
    let twok = k << 1; // pretend k is twice as big so that the final shift rounds
    let tmp = (twok << depth) / POW3[depth];
    (tmp + 1) >> 1
}

fn cap_aux(k: u64, depth: usize) -> u64 {
    if depth <= 30 {
        cap_aux_aux(k, depth)
    } else {
        let half = depth / 2;
        cap_aux_aux(cap_aux_aux(k, half), depth - half)
    }
}

/// Nominal capacity of level `height` in a sketch with `num_levels` levels.
#[inline]
pub(crate) fn level_capacity(k: u16, num_levels: usize, height: usize) -> u32 {
    debug_assert!(height < num_levels && num_levels <= MAX_LEVELS + 1);
    let depth = num_levels - height - 1;
    (cap_aux(u64::from(k), depth) as u32).max(u32::from(M))
}

/// Sum of all level capacities: the item buffer's length.
pub(crate) fn total_capacity(k: u16, num_levels: usize) -> u32 {
    (0..num_levels)
        .map(|h| level_capacity(k, num_levels, h))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_datasketches_table() {
        assert_eq!(total_capacity(200, 1), 200);
        assert_eq!(total_capacity(200, 2), 333);
        assert_eq!(total_capacity(200, 3), 422);
        assert_eq!(total_capacity(200, 5), 521);
        assert_eq!(total_capacity(200, 10), 593);
        let caps: Vec<u32> = (0..10).map(|h| level_capacity(200, 10, h)).collect();
        assert_eq!(caps, [8, 8, 12, 18, 26, 40, 59, 89, 133, 200]);
        // Deep sketches stay finite and at least m.
        assert_eq!(level_capacity(65535, MAX_LEVELS, 0), 8);
        assert!(total_capacity(65535, MAX_LEVELS) < 400_000);
    }
}
