//! The QuickSelect hash table behind an FDT sketch: retained `(hash, tuple)`
//! entries below `theta`, sized and rebuilt by the DataSketches rules
//! (shared/reference §2.2 and §3.1): open addressing with the theta probe
//! sequence, resize factor 8, growth at half load up to `2^(lg_k+1)` slots,
//! and at 15/16 load a rebuild that keeps the `k` smallest hashes and moves
//! theta to the `(k+1)`-th smallest.
//!
//! This is the table of a tuple sketch specialised to [`ArrayOfStrings`]
//! summaries with Java's first-writer-wins policy.

use crate::summary::ArrayOfStrings;
use distilled_core::hash::MAX_THETA;

/// log2 of the resize factor (X8).
const LG_RESIZE: u8 = 3;
const MIN_LG_TABLE: u8 = 5;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    lg_k: u8,
    lg_cur: u8,
    theta: u64,
    empty: bool,
    num: usize,
    keys: Vec<u64>,
    vals: Vec<Option<ArrayOfStrings>>,
}

/// Where a hash is, or where it would go.
enum Slot {
    Found,
    Vacant(usize),
}

impl Table {
    pub(crate) fn new(lg_k: u8) -> Self {
        let lg_cur = starting_lg_size(lg_k);
        Table {
            lg_k,
            lg_cur,
            theta: MAX_THETA,
            empty: true,
            num: 0,
            keys: vec![0; 1 << lg_cur],
            vals: vec![None; 1 << lg_cur],
        }
    }

    pub(crate) fn lg_k(&self) -> u8 {
        self.lg_k
    }

    pub(crate) fn theta64(&self) -> u64 {
        self.theta
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.empty
    }

    pub(crate) fn num_retained(&self) -> usize {
        self.num
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &ArrayOfStrings)> + '_ {
        self.keys
            .iter()
            .zip(&self.vals)
            .filter(|(k, _)| **k != 0)
            .map(|(k, v)| (*k, v.as_ref().expect("occupied slot has a summary")))
    }

    fn capacity(&self) -> usize {
        let size = 1usize << self.lg_cur;
        if self.lg_cur <= self.lg_k {
            size / 2
        } else {
            size * 15 / 16
        }
    }

    #[inline]
    fn find(&self, hash: u64) -> Slot {
        let mask = (1usize << self.lg_cur) - 1;
        let stride = (2 * ((hash >> self.lg_cur) & 127) + 1) as usize;
        let mut i = hash as usize & mask;
        loop {
            let k = self.keys[i];
            if k == hash {
                return Slot::Found;
            }
            if k == 0 {
                return Slot::Vacant(i);
            }
            i = (i + stride) & mask;
        }
    }

    /// Offers `hash`; `make` is called only when the hash becomes a new
    /// entry. Returns `true` when it did.
    #[inline]
    pub(crate) fn insert_with(&mut self, hash: u64, make: impl FnOnce() -> ArrayOfStrings) -> bool {
        self.empty = false;
        if hash == 0 || hash >= self.theta {
            return false;
        }
        match self.find(hash) {
            Slot::Found => false,
            Slot::Vacant(i) => {
                self.keys[i] = hash;
                self.vals[i] = Some(make());
                self.num += 1;
                if self.num > self.capacity() {
                    if self.lg_cur <= self.lg_k {
                        self.resize((self.lg_cur + LG_RESIZE).min(self.lg_k + 1));
                    } else {
                        self.rebuild();
                    }
                }
                true
            }
        }
    }

    fn drain(&mut self) -> Vec<(u64, ArrayOfStrings)> {
        let mut out = Vec::with_capacity(self.num);
        for (k, v) in self.keys.iter_mut().zip(self.vals.iter_mut()) {
            if *k != 0 {
                out.push((*k, v.take().expect("occupied slot has a summary")));
                *k = 0;
            }
        }
        self.num = 0;
        out
    }

    fn reinsert_all(&mut self, entries: Vec<(u64, ArrayOfStrings)>) {
        for (h, s) in entries {
            if let Slot::Vacant(i) = self.find(h) {
                self.keys[i] = h;
                self.vals[i] = Some(s);
                self.num += 1;
            }
        }
    }

    fn resize(&mut self, lg_new: u8) {
        let entries = self.drain();
        self.lg_cur = lg_new;
        self.keys = vec![0; 1 << lg_new];
        self.vals = vec![None; 1 << lg_new];
        self.reinsert_all(entries);
    }

    /// Keeps the `k` smallest hashes; theta becomes the `(k+1)`-th smallest.
    fn rebuild(&mut self) {
        let k = 1usize << self.lg_k;
        let mut entries = self.drain();
        if entries.len() > k {
            entries.select_nth_unstable_by_key(k, |e| e.0);
            self.theta = entries[k].0;
            entries.truncate(k);
        }
        self.reinsert_all(entries);
    }

    /// Lowers theta to `theta` (if lower), dropping the entries at or above it.
    pub(crate) fn lower_theta(&mut self, theta: u64) {
        if theta < self.theta {
            self.theta = theta;
            let mut entries = self.drain();
            entries.retain(|e| e.0 < theta);
            self.reinsert_all(entries);
        }
    }

    /// Marks the table non-empty (a merge with a non-empty input).
    pub(crate) fn mark_non_empty(&mut self) {
        self.empty = false;
    }

    /// Drops entries beyond the `k` smallest, moving theta down, as a union's
    /// result or `trim()` of the DataSketches libraries does.
    pub(crate) fn trim(&mut self) {
        if self.num > 1usize << self.lg_k {
            self.rebuild();
        }
    }
}

/// `starting_sub_multiple(lg_k + 1, 5, lg_rf)`: the table starts small and
/// grows by the resize factor until it reaches `2^(lg_k+1)` slots.
fn starting_lg_size(lg_k: u8) -> u8 {
    let target = lg_k + 1;
    if target <= MIN_LG_TABLE {
        MIN_LG_TABLE
    } else {
        (target - MIN_LG_TABLE) % LG_RESIZE + MIN_LG_TABLE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> ArrayOfStrings {
        ArrayOfStrings::new::<&str>(&[]).unwrap()
    }

    #[test]
    fn starting_sizes_match_reference() {
        // lg_k = 12 starts at 2^7 and grows 7 -> 10 -> 13.
        assert_eq!(starting_lg_size(12), 7);
        assert_eq!(starting_lg_size(4), 5);
        assert_eq!(starting_lg_size(5), 6);
        assert_eq!(starting_lg_size(26), 6);
    }

    #[test]
    fn growth_and_rebuild_keep_k_smallest() {
        let mut t = Table::new(5);
        let mut all = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..1000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let h = x >> 1;
            all.push(h);
            t.insert_with(h, s);
        }
        all.sort_unstable();
        all.dedup();
        let theta = t.theta64();
        assert!(theta < MAX_THETA);
        let mut kept: Vec<u64> = t.iter().map(|e| e.0).collect();
        kept.sort_unstable();
        let expected: Vec<u64> = all.iter().copied().filter(|&h| h < theta).collect();
        assert_eq!(kept, expected, "retained = every hash below theta");
        assert!(kept.len() >= 32 && kept.len() <= 60);
        t.trim();
        assert_eq!(t.num_retained(), 32);
        assert!(t.iter().all(|e| e.0 < t.theta64()));
    }
}
