//! Sorting of level-0 keys, the dominant cost of a KLL update.

/// Sorts `u64` keys ascending.
#[inline]
pub(crate) fn sort_u64(keys: &mut [u64]) {
    keys.sort_unstable();
}
