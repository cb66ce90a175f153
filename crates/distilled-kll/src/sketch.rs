//! The KLL sketch: state, updates, compaction and merging.

use crate::capacity::{M, MAX_LEVELS, level_capacity, total_capacity};
use crate::compact::Run;
use crate::item::KllItem;
use crate::rng::BitRng;
use distilled_core::{DecodeError, EmptyLike, MergeError, Mergeable, NonFiniteError, Update};
use std::fmt;

/// Default `k`: about 1.33% single-sided rank error at 99% confidence.
pub const DEFAULT_K: u16 = 200;
/// Smallest accepted `k` (equal to the minimum level width `m`).
pub const MIN_K: u16 = 8;

/// A `k` outside `8..=65535` was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidK(pub u32);

impl fmt::Display for InvalidK {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KLL parameter k must be in 8..=65535, not {}", self.0)
    }
}

impl std::error::Error for InvalidK {}

/// Builds a [`KllSketch`] with a chosen `k` and, optionally, a fixed seed.
///
/// ```
/// use distilled_kll::KllSketch;
/// let sk = KllSketch::<f64>::builder().k(400).seed(7).build().unwrap();
/// assert_eq!(sk.k(), 400);
/// assert!(KllSketch::<f64>::builder().k(4).build().is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KllBuilder<T> {
    k: u32,
    seed: Option<u64>,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T: KllItem> Default for KllBuilder<T> {
    fn default() -> Self {
        KllBuilder {
            k: u32::from(DEFAULT_K),
            seed: None,
            _item: std::marker::PhantomData,
        }
    }
}

impl<T: KllItem> KllBuilder<T> {
    /// Sets `k` (8..=65535; default 200). Larger `k` means smaller error and
    /// more retained items.
    pub fn k(mut self, k: u32) -> Self {
        self.k = k;
        self
    }

    /// Fixes the seed of the compaction coin flips: the same seed, inputs and
    /// merges then give identical sketches and identical bytes on every run
    /// and platform. Without a seed every sketch draws a fresh one, as
    /// DataSketches does.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The empty sketch, or [`InvalidK`].
    pub fn build(self) -> Result<KllSketch<T>, InvalidK> {
        let k = u16::try_from(self.k)
            .ok()
            .filter(|&k| k >= MIN_K)
            .ok_or(InvalidK(self.k))?;
        Ok(KllSketch::empty_with(k, self.seed))
    }
}

/// The KLL quantile sketch (Karnin, Lang, Liberty 2016) with the lazy
/// compaction and level layout of Apache DataSketches.
///
/// Items are kept in one buffer with free space at the bottom; level `h`
/// occupies `items[levels[h]..levels[h + 1]]` and each of its items stands for
/// `2^h` input items. Level 0 is filled downward (newest item lowest) and is
/// unsorted; every other level is sorted.
///
/// ```
/// use distilled_kll::{KllSketch, SearchCriteria};
/// let mut sk = KllSketch::<f64>::builder().seed(1).build().unwrap();
/// sk.update_slice(&(0..100_000).map(f64::from).collect::<Vec<_>>());
/// let median = sk.quantile(0.5, SearchCriteria::Inclusive).unwrap();
/// assert!((median - 50_000.0).abs() < 0.02 * 100_000.0);
/// assert!(sk.num_retained() < 1000);
/// ```
pub struct KllSketch<T: KllItem> {
    pub(crate) k: u16,
    pub(crate) min_k: u16,
    pub(crate) n: u64,
    /// Absolute offsets into `items`, `num_levels + 1` of them; the last equals
    /// `items.len()`.
    pub(crate) levels: Vec<u32>,
    pub(crate) items: Vec<T::Stored>,
    pub(crate) min: Option<T::Stored>,
    pub(crate) max: Option<T::Stored>,
    pub(crate) level_zero_sorted: bool,
    pub(crate) rejected: u64,
    pub(crate) rng: BitRng,
    pub(crate) seed: Option<u64>,
    /// Reused working space for compactions (not part of the state).
    pub(crate) scratch: Vec<T::Stored>,
    /// Cached level capacities for the current number of levels (derived).
    pub(crate) caps: Vec<u32>,
    /// How many sketches `empty_like` has produced (for their seeds).
    pub(crate) children: std::sync::atomic::AtomicU64,
}

/// The seed of the `i`-th sketch produced by `empty_like` from one seeded
/// with `seed` (a SplitMix64 finalizer over both).
fn child_seed(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl<T: KllItem> Clone for KllSketch<T> {
    fn clone(&self) -> Self {
        KllSketch {
            k: self.k,
            min_k: self.min_k,
            n: self.n,
            levels: self.levels.clone(),
            items: self.items.clone(),
            min: self.min.clone(),
            max: self.max.clone(),
            level_zero_sorted: self.level_zero_sorted,
            rejected: self.rejected,
            rng: self.rng.clone(),
            seed: self.seed,
            scratch: Vec::new(),
            caps: Vec::new(),
            children: std::sync::atomic::AtomicU64::new(
                self.children.load(std::sync::atomic::Ordering::Relaxed),
            ),
        }
    }

    /// Copies `source` into `self`'s vectors without reallocating them once
    /// they are large enough: the ingest layer copies a writer's sketch over
    /// its previous publication this way.
    fn clone_from(&mut self, source: &Self) {
        // Destructured in full so that a new field cannot be forgotten here.
        let KllSketch {
            k,
            min_k,
            n,
            levels,
            items,
            min,
            max,
            level_zero_sorted,
            rejected,
            rng,
            seed,
            scratch: _,
            caps: _,
            children,
        } = source;
        self.k = *k;
        self.min_k = *min_k;
        self.n = *n;
        self.levels.clone_from(levels);
        self.items.clone_from(items);
        self.min.clone_from(min);
        self.max.clone_from(max);
        self.level_zero_sorted = *level_zero_sorted;
        self.rejected = *rejected;
        self.rng.clone_from(rng);
        self.seed = *seed;
        // Working space, cleared before every use: only its memory is kept.
        self.scratch.clear();
        // Derived from the levels; `clone` leaves it empty too.
        self.caps.clear();
        self.children.store(
            children.load(std::sync::atomic::Ordering::Relaxed),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

impl<T: KllItem> fmt::Debug for KllSketch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KllSketch")
            .field("k", &self.k)
            .field("min_k", &self.min_k)
            .field("n", &self.n)
            .field("num_levels", &self.num_levels())
            .field("num_retained", &self.num_retained())
            .field("min", &self.min)
            .field("max", &self.max)
            .finish()
    }
}

impl<T: KllItem> Default for KllSketch<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: KllItem> KllSketch<T> {
    /// An empty sketch with `k = 200` and an unseeded coin.
    pub fn new() -> Self {
        Self::empty_with(DEFAULT_K, None)
    }

    /// An empty sketch with the given `k` (8..=65535) and an unseeded coin.
    pub fn with_k(k: u32) -> Result<Self, InvalidK> {
        KllBuilder::default().k(k).build()
    }

    /// A builder for `k` and the seed.
    pub fn builder() -> KllBuilder<T> {
        KllBuilder::default()
    }

    pub(crate) fn empty_with(k: u16, seed: Option<u64>) -> Self {
        KllSketch {
            k,
            min_k: k,
            n: 0,
            levels: vec![u32::from(k), u32::from(k)],
            items: vec![T::Stored::default(); usize::from(k)],
            min: None,
            max: None,
            level_zero_sorted: false,
            rejected: 0,
            rng: match seed {
                Some(s) => BitRng::from_seed(s),
                None => BitRng::from_entropy(),
            },
            seed,
            scratch: Vec::new(),
            caps: Vec::new(),
            children: Default::default(),
        }
    }

    /// The parameter `k`.
    pub fn k(&self) -> u16 {
        self.k
    }

    /// The smallest `k` of any estimation-mode sketch merged in (or `k`); it
    /// sets the error bound.
    pub fn min_k(&self) -> u16 {
        self.min_k
    }

    /// The minimum level width `m` (always 8).
    pub fn m(&self) -> u8 {
        M
    }

    /// The fixed seed, if the sketch was built with one.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Number of accepted items (the sum of update weights).
    pub fn n(&self) -> u64 {
        self.n
    }

    /// `true` when no item was accepted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of items the sketch holds.
    pub fn num_retained(&self) -> usize {
        (self.capacity() - self.levels[0]) as usize
    }

    /// Number of levels.
    pub fn num_levels(&self) -> usize {
        self.levels.len() - 1
    }

    /// `true` once a compaction has happened (answers are approximate).
    pub fn is_estimation_mode(&self) -> bool {
        self.num_levels() > 1
    }

    /// Non-finite floats offered to [`KllSketch::update`] and dropped, per the
    /// workspace policy. Not part of the DataSketches format.
    pub fn rejected_non_finite(&self) -> u64 {
        self.rejected
    }

    /// The smallest item seen, exact.
    pub fn min_item(&self) -> Option<T> {
        self.min.as_ref().map(T::from_stored)
    }

    /// The largest item seen, exact.
    pub fn max_item(&self) -> Option<T> {
        self.max.as_ref().map(T::from_stored)
    }

    #[inline]
    pub(crate) fn capacity(&self) -> u32 {
        self.levels[self.levels.len() - 1]
    }

    /// Items of level `h` in internal form (level 0 is unsorted).
    pub(crate) fn level(&self, h: usize) -> &[T::Stored] {
        &self.items[self.levels[h] as usize..self.levels[h + 1] as usize]
    }

    /// The normalized rank error of this sketch (99% confidence), from
    /// `min_k`: single-sided for ranks, quantiles and CDFs, double-sided
    /// (`pmf = true`) for PMFs.
    pub fn normalized_rank_error(&self, pmf: bool) -> f64 {
        normalized_rank_error(self.min_k, pmf)
    }

    /// Adds `item`. A NaN or infinite float is dropped and counted in
    /// [`KllSketch::rejected_non_finite`].
    #[inline]
    pub fn update(&mut self, item: T) {
        if item.check().is_err() {
            self.rejected += 1;
            return;
        }
        self.push(item.to_stored());
    }

    /// Adds `item`, or returns the error for a NaN or infinite float and leaves
    /// the sketch untouched.
    pub fn try_update(&mut self, item: T) -> Result<(), NonFiniteError> {
        item.check()?;
        self.push(item.to_stored());
        Ok(())
    }

    /// Adds `item` with integer weight `weight`, as if it had been added
    /// `weight` times but in `O(log weight)` insertions: one copy goes to each
    /// level `h` where bit `h` of `weight` is set. A weight of 0 does nothing,
    /// and so does a weight that would take `n` past `u64::MAX`. Non-finite
    /// floats are handled as in [`KllSketch::update`].
    pub fn update_weighted(&mut self, item: T, weight: u64) {
        if item.check().is_err() {
            self.rejected += 1;
            return;
        }
        if weight == 0 {
            return;
        }
        if self.n.checked_add(weight).is_none() {
            // A total weight beyond u64 cannot be represented; dropping the
            // update keeps every invariant (weights sum to n).
            return;
        }
        let key = item.to_stored();
        self.update_min_max(&key);
        let mut w = weight;
        while w != 0 {
            let h = w.trailing_zeros() as usize;
            w &= w - 1;
            if h == 0 {
                self.insert_level0(key.clone());
            } else {
                self.insert_at_level(key.clone(), h);
            }
        }
        // insert_level0 counted one; the rest of the weight is added here.
        self.n += weight - (weight & 1);
    }

    /// Adds every item of `items`; faster than repeated [`KllSketch::update`]
    /// and with an identical result.
    pub fn update_slice(&mut self, items: &[T]) {
        let mut rest = items;
        while !rest.is_empty() {
            if self.levels[0] == 0 {
                self.compress_while_updating();
            }
            let free = self.levels[0] as usize;
            let c = free.min(rest.len());
            let (chunk, tail) = rest.split_at(c);
            rest = tail;
            if !T::all_acceptable(chunk) {
                for x in chunk {
                    self.update(x.clone());
                }
                continue;
            }
            let dst = &mut self.items[free - c..free];
            // Level 0 grows downward: the newest item takes the lowest slot.
            for (d, x) in dst.iter_mut().rev().zip(chunk) {
                *d = x.to_stored();
            }
            let (mut lo, mut hi) = (&dst[0], &dst[0]);
            for d in &dst[1..] {
                if d < lo {
                    lo = d;
                }
                if d > hi {
                    hi = d;
                }
            }
            let (lo, hi) = (lo.clone(), hi.clone());
            self.update_min_max(&lo);
            self.update_min_max(&hi);
            self.levels[0] -= c as u32;
            self.n += c as u64;
            self.level_zero_sorted = false;
        }
    }

    /// Adds every item of an iterator.
    pub fn update_iter<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for x in items {
            self.update(x);
        }
    }

    #[inline]
    fn update_min_max(&mut self, key: &T::Stored) {
        match (&mut self.min, &mut self.max) {
            (Some(lo), Some(hi)) => {
                if key < lo {
                    *lo = key.clone();
                }
                if key > hi {
                    *hi = key.clone();
                }
            }
            _ => {
                self.min = Some(key.clone());
                self.max = Some(key.clone());
            }
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, key: T::Stored) {
        self.update_min_max(&key);
        self.insert_level0(key);
    }

    /// The DataSketches internal update: compacts if the buffer is full, then
    /// stores the item at the bottom of level 0. Counts it in `n`.
    #[inline]
    fn insert_level0(&mut self, key: T::Stored) {
        if self.levels[0] == 0 {
            self.compress_while_updating();
        }
        self.n += 1;
        self.level_zero_sorted = false;
        self.levels[0] -= 1;
        let at = self.levels[0] as usize;
        self.items[at] = key;
    }

    /// Inserts one item of weight `2^h` (h >= 1) into its sorted place in
    /// level `h`, adding levels and compacting as needed. Does not touch `n`.
    fn insert_at_level(&mut self, key: T::Stored, h: usize) {
        if self.levels[0] == 0 {
            self.compress_while_updating();
        }
        while self.num_levels() <= h {
            self.add_empty_top_level();
        }
        let beg = self.levels[h] as usize;
        let end = self.levels[h + 1] as usize;
        let pos = beg + self.items[beg..end].partition_point(|x| *x <= key);
        let bottom = self.levels[0] as usize;
        // Shift everything below the insertion point down by one slot.
        self.items[bottom - 1..pos].rotate_left(1);
        self.items[pos - 1] = key;
        for l in &mut self.levels[..=h] {
            *l -= 1;
        }
    }

    fn find_level_to_compact(&mut self) -> usize {
        let nl = self.num_levels();
        if self.caps.len() != nl {
            // Capacities depend only on k and the number of levels: cache them.
            self.caps = (0..nl).map(|h| level_capacity(self.k, nl, h)).collect();
        }
        let mut h = 0;
        loop {
            debug_assert!(h < nl);
            let pop = self.levels[h + 1] - self.levels[h];
            if pop >= self.caps[h] {
                return h;
            }
            h += 1;
        }
    }

    fn add_empty_top_level(&mut self) {
        let nl = self.num_levels();
        let delta = level_capacity(self.k, nl + 1, 0);
        let new_total = self.capacity() + delta;
        self.items.splice(
            0..0,
            std::iter::repeat_n(T::Stored::default(), delta as usize),
        );
        for l in &mut self.levels {
            *l += delta;
        }
        self.levels.push(new_total);
    }

    /// Compacts the lowest level at or over its capacity, exactly as
    /// DataSketches' `compress_while_updating` does, freeing slots for level 0.
    pub(crate) fn compress_while_updating(&mut self) {
        let level = self.find_level_to_compact();
        if level == self.num_levels() - 1 {
            self.add_empty_top_level();
        }
        let raw_beg = self.levels[level] as usize;
        let raw_lim = self.levels[level + 1] as usize;
        let pop_above = self.levels[level + 2] as usize - raw_lim;
        let raw_pop = raw_lim - raw_beg;
        let odd = raw_pop % 2 == 1;
        let adj_beg = raw_beg + usize::from(odd);
        let adj_pop = raw_pop - usize::from(odd);
        let half = adj_pop / 2;
        let run = Run {
            beg: adj_beg,
            pop: adj_pop,
            pop_above,
            sort: level == 0 && !self.level_zero_sorted,
            bit: self.rng.bit(),
        };
        T::compact_run(&mut self.items, run, &mut self.scratch);
        self.levels[level + 1] -= half as u32;
        if odd {
            self.levels[level] = self.levels[level + 1] - 1;
            let dst = self.levels[level] as usize;
            if dst != raw_beg {
                self.items.swap(dst, raw_beg);
            }
        } else {
            self.levels[level] = self.levels[level + 1];
        }
        if level > 0 {
            // Lower levels move up by `half`, so the freed slots end up at the bottom.
            let bottom = self.levels[0] as usize;
            self.items[bottom..raw_beg + half].rotate_right(half);
        }
        for l in &mut self.levels[..level] {
            *l += half as u32;
        }
    }

    /// Folds `other` into `self` (DataSketches' merge, with `self`'s coin).
    fn merge_impl(&mut self, other: &Self) -> Result<(), MergeError> {
        if other.is_empty() {
            self.rejected += other.rejected;
            return Ok(());
        }
        let final_n = self.n.checked_add(other.n).ok_or_else(|| {
            MergeError::Incompatible("the merged item count would overflow u64".into())
        })?;
        let (omin, omax) = (other.min.clone(), other.max.clone());
        if let (Some(lo), Some(hi)) = (omin, omax) {
            self.update_min_max(&lo);
            self.update_min_max(&hi);
        }
        for x in other.level(0) {
            self.insert_level0(x.clone());
        }
        if other.num_levels() >= 2 {
            self.merge_higher_levels(other);
        }
        self.n = final_n;
        self.rejected += other.rejected;
        if other.is_estimation_mode() {
            self.min_k = self.min_k.min(other.min_k);
        }
        debug_assert_eq!(self.total_weight(), Some(self.n));
        Ok(())
    }

    pub(crate) fn total_weight(&self) -> Option<u64> {
        let mut total: u64 = 0;
        for h in 0..self.num_levels() {
            let pop = u64::from(self.levels[h + 1] - self.levels[h]);
            if pop == 0 {
                continue;
            }
            let w = pop.checked_shl(h as u32).filter(|w| w >> h == pop)?;
            total = total.checked_add(w)?;
        }
        Some(total)
    }

    fn merge_higher_levels(&mut self, other: &Self) {
        let provisional = self.num_levels().max(other.num_levels());
        let tmp_len = self.num_retained() + other.num_retained() - other.level(0).len();
        let mut work: Vec<T::Stored> = Vec::with_capacity(tmp_len);
        let mut in_levels: Vec<u32> = Vec::with_capacity(provisional + 4);
        in_levels.push(0);
        work.extend_from_slice(self.level(0));
        in_levels.push(work.len() as u32);
        for h in 1..provisional {
            let a: &[T::Stored] = if h < self.num_levels() {
                self.level(h)
            } else {
                &[]
            };
            let b: &[T::Stored] = if h < other.num_levels() {
                other.level(h)
            } else {
                &[]
            };
            merge_two(a, b, &mut work);
            in_levels.push(work.len() as u32);
        }
        let (out_levels, final_levels, final_items) = general_compress::<T>(
            self.k,
            provisional,
            &mut work,
            &mut in_levels,
            self.level_zero_sorted,
            &mut self.rng,
            &mut self.scratch,
        );
        let cap = total_capacity(self.k, final_levels) as usize;
        let free = cap - final_items;
        let mut items = Vec::with_capacity(cap);
        items.resize(free, T::Stored::default());
        work.truncate(final_items);
        items.extend(work);
        self.items = items;
        self.levels = out_levels[..=final_levels]
            .iter()
            .map(|&l| l + free as u32)
            .collect();
    }

    /// Sorts level 0 in place (DataSketches does this as a side effect of
    /// queries; here it is explicit). Sets the level-zero-sorted flag that the
    /// binary format carries.
    pub fn sort_level_zero(&mut self) {
        if !self.level_zero_sorted {
            let (b, e) = (self.levels[0] as usize, self.levels[1] as usize);
            T::sort_stored(&mut self.items[b..e]);
            self.level_zero_sorted = true;
        }
    }

    /// Builds a sketch from validated parts (decoders use it). `levels` are
    /// absolute offsets including the last; `retained` are the items in buffer
    /// order.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        k: u16,
        min_k: u16,
        n: u64,
        levels: Vec<u32>,
        retained: Vec<T::Stored>,
        min: Option<T::Stored>,
        max: Option<T::Stored>,
        level_zero_sorted: bool,
    ) -> Result<Self, DecodeError> {
        let bad = |f: &'static str, r: &str| DecodeError::inconsistent(f, r);
        if k < MIN_K {
            return Err(bad("k", &format!("{k} is below the minimum {MIN_K}")));
        }
        if min_k < MIN_K || min_k > k {
            return Err(bad("min_k", &format!("{min_k} is not in 8..=k ({k})")));
        }
        let nl = levels.len().saturating_sub(1);
        if nl == 0 || nl > MAX_LEVELS {
            return Err(bad(
                "num_levels",
                &format!("{nl} is not in 1..={MAX_LEVELS}"),
            ));
        }
        let cap = total_capacity(k, nl);
        if levels[nl] != cap {
            return Err(bad("levels", "the last offset is not the total capacity"));
        }
        if levels.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad("levels", "offsets must not decrease"));
        }
        if retained.len() != (cap - levels[0]) as usize {
            return Err(bad("items", "item count does not match the level offsets"));
        }
        let mut items = vec![T::Stored::default(); levels[0] as usize];
        items.extend(retained);
        let sk = KllSketch {
            k,
            min_k,
            n,
            levels,
            items,
            min,
            max,
            level_zero_sorted,
            rejected: 0,
            rng: BitRng::from_entropy(),
            seed: None,
            scratch: Vec::new(),
            caps: Vec::new(),
            children: Default::default(),
        };
        if sk.total_weight() != Some(n) {
            return Err(bad("n", "does not equal the total weight of the levels"));
        }
        match (&sk.min, &sk.max) {
            (None, None) if n == 0 => {}
            (Some(lo), Some(hi)) if n > 0 => {
                if lo > hi {
                    return Err(bad("min", "greater than max"));
                }
                for x in [lo, hi] {
                    if T::from_stored(x).check().is_err() {
                        return Err(bad("min/max", "not finite"));
                    }
                }
                let retained = &sk.items[sk.levels[0] as usize..];
                if retained.iter().any(|x| x < lo || x > hi) {
                    return Err(bad("items", "an item lies outside [min, max]"));
                }
                if retained.iter().any(|x| T::from_stored(x).check().is_err()) {
                    return Err(bad("items", "non-finite item (rejected by policy)"));
                }
            }
            _ => return Err(bad("min/max", "present if and only if n > 0")),
        }
        let first_sorted = if level_zero_sorted { 0 } else { 1 };
        for h in first_sorted..nl {
            if sk.level(h).windows(2).any(|w| w[0] > w[1]) {
                return Err(bad("items", &format!("level {h} is not sorted")));
            }
        }
        Ok(sk)
    }

    /// Gives the sketch a fixed seed for future compactions (used after
    /// decoding, which cannot carry one).
    pub fn reseed(&mut self, seed: u64) {
        self.rng = BitRng::from_seed(seed);
        self.seed = Some(seed);
    }
}

/// Merges two sorted runs onto the end of `out`; ties take from `b` first
/// (DataSketches' order).
fn merge_two<S: Ord + Clone>(a: &[S], b: &[S], out: &mut Vec<S>) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            out.push(a[i].clone());
            i += 1;
        } else {
            out.push(b[j].clone());
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// DataSketches' `general_compress`: walks the levels of `items` bottom-up,
/// compacting each that is over capacity while the whole exceeds the total
/// capacity. Returns the output offsets, the final number of levels and the
/// number of items left at the front of `items`.
fn general_compress<T: KllItem>(
    k: u16,
    num_levels_in: usize,
    items: &mut [T::Stored],
    in_levels: &mut Vec<u32>,
    level_zero_sorted: bool,
    rng: &mut BitRng,
    scratch: &mut Vec<T::Stored>,
) -> (Vec<u32>, usize, usize) {
    let starting = (in_levels[num_levels_in] - in_levels[0]) as usize;
    let mut num_levels = num_levels_in;
    let mut count = starting;
    let mut target = total_capacity(k, num_levels) as usize;
    let mut out_levels = vec![0u32; num_levels + 2];
    let mut cur = 0;
    loop {
        if in_levels.len() < cur + 3 {
            in_levels.resize(cur + 3, 0);
        }
        if out_levels.len() < cur + 3 {
            out_levels.resize(cur + 3, 0);
        }
        if cur == num_levels - 1 {
            in_levels[cur + 2] = in_levels[cur + 1];
        }
        let raw_beg = in_levels[cur] as usize;
        let raw_lim = in_levels[cur + 1] as usize;
        let raw_pop = raw_lim - raw_beg;
        let out = out_levels[cur] as usize;
        if count < target || raw_pop < level_capacity(k, num_levels, cur) as usize {
            // Move the level down as it is.
            for i in 0..raw_pop {
                items.swap(out + i, raw_beg + i);
            }
            out_levels[cur + 1] = (out + raw_pop) as u32;
        } else {
            let pop_above = in_levels[cur + 2] as usize - raw_lim;
            let odd = raw_pop % 2 == 1;
            let adj_beg = raw_beg + usize::from(odd);
            let adj_pop = raw_pop - usize::from(odd);
            let half = adj_pop / 2;
            if odd {
                items.swap(out, raw_beg);
                out_levels[cur + 1] = (out + 1) as u32;
            } else {
                out_levels[cur + 1] = out as u32;
            }
            let run = Run {
                beg: adj_beg,
                pop: adj_pop,
                pop_above,
                sort: cur == 0 && !level_zero_sorted,
                bit: rng.bit(),
            };
            T::compact_run(items, run, scratch);
            count -= half;
            in_levels[cur + 1] -= half as u32;
            if cur == num_levels - 1 {
                num_levels += 1;
                target += level_capacity(k, num_levels, 0) as usize;
            }
        }
        if cur == num_levels - 1 {
            break;
        }
        cur += 1;
    }
    debug_assert_eq!((out_levels[num_levels] - out_levels[0]) as usize, count);
    (out_levels, num_levels, count)
}

/// The a-priori normalized rank error of a KLL sketch with parameter `k` at
/// 99% confidence, with the DataSketches constants: `2.296 / k^0.9723`
/// single-sided, `2.446 / k^0.9433` double-sided (`pmf = true`).
///
/// ```
/// let eps = distilled_kll::normalized_rank_error(200, false);
/// assert!((eps - 0.0133).abs() < 0.0001);
/// ```
pub fn normalized_rank_error(k: u16, pmf: bool) -> f64 {
    let k = f64::from(k.max(1));
    if pmf {
        2.446 / k.powf(0.9433)
    } else {
        2.296 / k.powf(0.9723)
    }
}

impl<T: KllItem> Mergeable for KllSketch<T> {
    /// Merges `other` in; sketches of different `k` merge, and the result's
    /// error reflects the smaller `k` through `min_k`.
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.merge_impl(other)
    }
}

impl<T: KllItem> KllSketch<T> {
    /// Folds `other` into `self`. See [`Mergeable::merge`].
    pub fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.merge_impl(other)
    }
}

impl<T: KllItem> EmptyLike for KllSketch<T> {
    /// An empty sketch with the same `k`. A seeded sketch gives a seeded one
    /// whose seed is derived from this sketch's seed and how many sketches it
    /// has produced so far: the same sequence of calls gives the same seeds
    /// (windows and shards stay reproducible), while sibling sketches never
    /// share a coin stream, whose identical flips would make their errors add
    /// up instead of cancelling when they are merged.
    fn empty_like(&self) -> Self {
        let seed = self.seed.map(|s| {
            let i = self
                .children
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            child_seed(s, i)
        });
        Self::empty_with(self.k, seed)
    }
}

impl<T: KllItem> Update<T> for KllSketch<T> {
    #[inline]
    fn update(&mut self, item: T) {
        KllSketch::update(self, item);
    }
}

impl<T: KllItem> Update<&T> for KllSketch<T> {
    #[inline]
    fn update(&mut self, item: &T) {
        KllSketch::update(self, item.clone());
    }
}
