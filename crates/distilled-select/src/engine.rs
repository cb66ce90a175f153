//! The selection engine: the window's data points, the per-bucket counters
//! and the greedy, deficit-driven choice of the records to pass on.
//!
//! # Counters
//!
//! Every characteristic owns a run of *slots* in one flat counter array; each
//! slot counts the window's records (`all`) and passed records (`passed`) in
//! one bucket. A record touches a fixed number of slots (`stride`):
//!
//! * categorical: one slot, its category (or "other", or "missing");
//! * numeric: "missing" alone, or the whole root-to-leaf path of a binary
//!   tree over quantile buckets of the window (`k` leaves, a power of two).
//!   Balancing every node of the path balances the empirical CDF at every
//!   scale: any prefix of leaves is a union of at most `log2 k` nodes, so the
//!   Kolmogorov-Smirnov gap stays within a few records over the whole range,
//!   not only at the median;
//! * pairs of characteristics: one slot for the joint cell of their coarse
//!   buckets (category, or numeric quartile/missing), so that joint shares are
//!   balanced too, not only the marginals.
//!
//! Slots are visited from a point's codes (leaf numbers, categories, coarse
//! codes), never materialised as lists.
//!
//! # Selection
//!
//! The deficit of a slot is `rate * all - passed`. A candidate's score is the
//! weighted sum of the deficits of its slots; passing it lowers each of those
//! deficits by one, which lowers the weighted sum of squared deficits by
//! `2 * score - sum of weights`. The batch budget is spent greedily on the
//! best score (kernel herding / online discrepancy minimisation over bucket
//! indicators). After each pick the other candidates' scores drop by the
//! weight of the slots they share with the pick, computed in O(1) per
//! characteristic from compact codes (shared tree levels are the common
//! prefix of two leaf numbers), branch-free; so a batch of `n` with budget
//! `k` costs `O(n * stride)` to score plus `O(k * n * characteristics)` to
//! select. (A lazy greedy, keeping stale scores as upper bounds in a heap,
//! makes the same picks but was slower: every pick lowers almost every
//! candidate's score, so nearly all of them were brought up to date anyway,
//! through heap operations.)

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use distilled_core::{QuantileSketch, QueryError, SearchCriteria};
use distilled_window::{Entry, ExpiringFifo};
use smallvec::SmallVec;

/// One data point kept in the window: whether it was passed on and where
/// its graded values and bucket codes lie in the engine's flat store. The
/// record itself is not kept: memory is bounded by the window's length times
/// the number of characteristics (12 bytes each, plus 24 per point).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    passed: bool,
    /// Row of the point in [`Store`].
    handle: u32,
}

/// Graded values and bucket codes of the window's points, one fixed-width
/// row per point in two flat arrays (no allocation per record), rows reused
/// through a free list as points leave. Values are the numeric value (NaN
/// for missing) or the category code as `f64`; codes are those of
/// [`Engine::codes_of`] under the current boundaries (rewritten on every
/// rebuild), so that removing a point needs no search.
#[derive(Debug, Clone, Default)]
struct Store {
    width: usize,
    vals: Vec<f64>,
    codes: Vec<u32>,
    free: Vec<u32>,
}

impl Store {
    fn insert(&mut self, vals: &[f64], codes: &[u32]) -> u32 {
        let w = self.width;
        match self.free.pop() {
            Some(h) => {
                let r = h as usize * w..(h as usize + 1) * w;
                self.vals[r.clone()].copy_from_slice(vals);
                self.codes[r].copy_from_slice(codes);
                h
            }
            None => {
                let h = (self.vals.len() / w.max(1)) as u32;
                self.vals.extend_from_slice(vals);
                self.codes.extend_from_slice(codes);
                h
            }
        }
    }
    #[inline]
    fn vals(&self, h: u32) -> &[f64] {
        &self.vals[h as usize * self.width..(h as usize + 1) * self.width]
    }
    #[inline]
    fn codes(&self, h: u32) -> &[u32] {
        &self.codes[h as usize * self.width..(h as usize + 1) * self.width]
    }
}

/// What the engine needs to know about one characteristic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spec {
    Numeric,
    /// Number of buckets: categories, then "other", then "missing".
    Categorical {
        buckets: u32,
    },
}

/// Tuning weights of the slot groups (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weights {
    pub categorical: f64,
    pub numeric_level: f64,
    pub pair: f64,
}

impl Default for Weights {
    fn default() -> Self {
        // Tuned on the representativeness tests: a numeric path touches
        // 1 + log2(k) slots, a category one, so categories weigh more per
        // slot; pairs at half weight keep joint shares well ahead of
        // Bernoulli without costing the marginals much.
        Self {
            categorical: 2.0,
            numeric_level: 0.5,
            pair: 0.5,
        }
    }
}

/// The unit of the weights in [`Engine::overlap`]: every weight is a whole
/// number of units, so overlaps are summed exactly in integers.
const OV_UNIT: f64 = 0.5;

/// A weight in units of [`OV_UNIT`].
fn units(w: f64) -> u32 {
    let u = w / OV_UNIT;
    debug_assert!(
        u >= 0.0 && u.fract() == 0.0,
        "weight {w} not a multiple of {OV_UNIT}"
    );
    u as u32
}

/// Largest number of leaves of a numeric bucket tree.
const MAX_LEAVES: usize = 1024;
/// Pairs are balanced while the number of characteristics is at most this
/// (the number of pairs grows quadratically).
const MAX_CHARS_FOR_PAIRS: usize = 8;
/// Values sampled from the window per leaf to place quantile boundaries:
/// enough that sampling noise leaves every leaf within a few tens of percent
/// of its fair share (so the drift check below does not fire on noise).
const SAMPLE_PER_LEAF: usize = 64;

/// The quantile boundaries of one numeric characteristic.
#[derive(Debug, Clone)]
struct NumLayout {
    /// Number of leaves (a power of two, at least 2).
    k: usize,
    /// Each leaf's share of the present values right after the boundaries
    /// were placed. A leaf holding a repeated value (an atom, e.g. integer
    /// data with fewer distinct values than leaves) starts above its fair
    /// share and no new boundaries can split it, so the drift check measures
    /// a leaf against the larger of its fair share and this.
    start_share: Vec<f64>,
    /// Search steps, top down: bits resolved by the step and the
    /// boundaries between consecutive groups of leaves at that step (the
    /// last step's are all `k - 1` non-decreasing boundaries; a value's leaf
    /// is the number of boundaries `<= x`). See [`NumLayout::leaf`].
    steps: Vec<(u32, Vec<f64>)>,
}

impl NumLayout {
    /// A layout with `k` leaves (a power of two, at least 2) split by
    /// `k - 1` non-decreasing `bounds`.
    fn new(k: usize, bounds: Vec<f64>) -> Self {
        debug_assert!(k.is_power_of_two() && k >= 2 && bounds.len() == k - 1);
        let mut steps = Vec::new();
        let mut r = k.trailing_zeros();
        while r > 0 {
            // Three bits (eight groups, seven separators) per step; the
            // first step takes the remainder.
            let b = if r.is_multiple_of(3) { 3 } else { r % 3 };
            let sh = r - b;
            // Groups of eight: the separators of each group of `1 << b`
            // sub-groups, padded with +inf (never `<=` a finite value), so
            // that every step compares a whole aligned block of eight.
            let groups = (k >> sh) >> b;
            let mut table = vec![f64::INFINITY; groups * 8];
            for g in 0..groups {
                for i in 1..(1usize << b) {
                    table[g * 8 + i - 1] = bounds[(((g << b) + i) << sh) - 1];
                }
            }
            steps.push((b, table));
            r = sh;
        }
        Self {
            k,
            start_share: Vec::new(),
            steps,
        }
    }

    /// Number of boundaries `<= x` (the partition point), by an 8-ary
    /// search: each step counts, branch-free, how many of the (at most
    /// seven) separators inside the current group of leaves are `<= x`,
    /// which picks the sub-group. Each group is an aligned block of eight
    /// (padded with +inf), so a step is a few vector compares; 1024 leaves
    /// take four dependent steps over small contiguous tables, where a
    /// binary search is ten dependent loads and a flat count is 1023
    /// compares.
    #[inline]
    fn leaf(&self, x: f64) -> usize {
        // Values are finite; should +inf ever come, it must not count the
        // padding.
        let x = x.min(f64::MAX);
        let mut idx = 0usize;
        for (b, table) in &self.steps {
            let block: &[f64; 8] = table[idx * 8..idx * 8 + 8]
                .try_into()
                .expect("blocks of eight");
            idx = (idx << b) + count_le8(block, x);
        }
        idx
    }
    fn levels(&self) -> u32 {
        self.k.trailing_zeros()
    }
    fn coarse_len(&self) -> u32 {
        1 + self.k.min(4) as u32
    }
}

/// Source of [`LeafCoder`] generations: unique across engines and resets,
/// so a snapshot is only ever taken for the boundaries it was made from.
static GENERATIONS: AtomicU64 = AtomicU64::new(1);

/// A snapshot of a processor's numeric bucket boundaries, to compute the
/// leaf codes of numeric values away from the processor (e.g. on the
/// thread that parses the input) and hand them to
/// [`DistilledProcessor::classify_batch_precoded_at`](crate::DistilledProcessor::classify_batch_precoded_at).
/// Cheap to clone (shared), `Send` and `Sync`.
///
/// Codes from a snapshot are used only while the processor still has the
/// same boundaries (the same [`LeafCoder::generation`]); after a
/// boundary rebuild they are ignored and the processor computes the codes
/// itself, so decisions never depend on whether or when codes were
/// precomputed.
#[derive(Debug, Clone)]
pub struct LeafCoder {
    generation: u64,
    layouts: Arc<[Option<NumLayout>]>,
}

impl LeafCoder {
    /// Identifies the boundaries of this snapshot.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Number of characteristics (one code per characteristic and record).
    pub fn width(&self) -> usize {
        self.layouts.len()
    }

    /// Whether characteristic `c` is numeric (has leaf codes to compute).
    pub fn is_numeric(&self, c: usize) -> bool {
        matches!(self.layouts.get(c), Some(Some(_)))
    }

    /// The code of characteristic `c` (in grader order) for its graded
    /// value `v` (NaN for missing): the bucket-tree leaf of a numeric
    /// characteristic; 0 for a categorical one (its codes are not
    /// precomputed) or an index out of range.
    #[inline]
    pub fn code(&self, c: usize, v: f64) -> u32 {
        match self.layouts.get(c) {
            Some(Some(_)) if v.is_nan() => MISSING,
            Some(Some(l)) => l.leaf(v) as u32,
            _ => 0,
        }
    }
}

/// Number of values `<= x` in a block of eight, branch-free (vector
/// compares; `x` is finite, so +inf padding never counts).
#[inline]
fn count_le8(b: &[f64; 8], x: f64) -> usize {
    b.iter().map(|&v| u64::from(v <= x)).sum::<u64>() as usize
}

/// Exact order statistics of a sorted sample, seen through the workspace's
/// quantile trait so that boundaries come from "a quantile sketch" of the
/// window like any other.
struct SortedSample(Vec<f64>);

impl QuantileSketch for SortedSample {
    type Item = f64;
    fn n(&self) -> u64 {
        self.0.len() as u64
    }
    fn min_item(&self) -> Option<f64> {
        self.0.first().copied()
    }
    fn max_item(&self) -> Option<f64> {
        self.0.last().copied()
    }
    fn rank(&self, item: &f64, criteria: SearchCriteria) -> Result<f64, QueryError> {
        if self.0.is_empty() {
            return Err(QueryError::Empty);
        }
        let below = match criteria {
            SearchCriteria::Inclusive => self.0.partition_point(|v| v <= item),
            SearchCriteria::Exclusive => self.0.partition_point(|v| v < item),
        };
        Ok(below as f64 / self.0.len() as f64)
    }
    fn quantile(&self, rank: f64, _criteria: SearchCriteria) -> Result<f64, QueryError> {
        if self.0.is_empty() {
            return Err(QueryError::Empty);
        }
        if !(0.0..=1.0).contains(&rank) {
            return Err(QueryError::RankOutOfRange(rank));
        }
        let i = ((rank * self.0.len() as f64) as usize).min(self.0.len() - 1);
        Ok(self.0[i])
    }
}

/// A candidate of the greedy, ordered best first by score, then rarest
/// buckets, then the seeded tie-break.
#[derive(Debug, Clone, Copy)]
struct Cand {
    score: f64,
    /// Sum of the window counts of the candidate's buckets: smaller means
    /// rarer buckets, which win ties.
    commonness: f64,
    tie: u64,
    idx: u32,
}

impl Cand {
    fn cmp_key(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.commonness.total_cmp(&self.commonness))
            .then_with(|| self.tie.cmp(&other.tie))
    }
}

impl Cand {
    /// `self > other` in the candidates' order ([`Ord`]), with one
    /// floating-point compare in the common case of different scores
    /// (scores are finite, so `>` agrees with `total_cmp` whenever the
    /// scores differ).
    #[inline]
    fn beats(&self, other: &Self) -> bool {
        self.score > other.score
            || (self.score == other.score && self.cmp(other) == Ordering::Greater)
    }
}

impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_key(other).then_with(|| other.idx.cmp(&self.idx))
    }
}

/// Column-major scratch of [`Engine::greedy`], reused across batches.
#[derive(Debug, Clone, Default)]
struct GreedyScratch {
    /// Overlap codes, one column of `n` per characteristic.
    ov: Vec<u32>,
    /// Candidates' scores.
    score: Vec<f64>,
    /// Per candidate, shared with the pick: tree levels, categories, and
    /// numeric coarse codes.
    o: Vec<u32>,
    ce: Vec<u32>,
    m: Vec<u32>,
}

impl GreedyScratch {
    fn prepare(&mut self, n: usize, w: usize) {
        self.ov.resize(n * w, 0);
        self.score.resize(n, 0.0);
        self.o.resize(n, 0);
        self.ce.resize(n, 0);
        self.m.resize(n, 0);
    }
}

/// Below this many records in the window, a count is below 2^26, so the
/// packed counters of at most 11 path slots or 28 pair cells sum without a
/// carry from the low half into the high one (28 * 2^26 < 2^32), and the
/// high half cannot overflow.
const PACKED_SUM_LIMIT: usize = 1 << 26;

/// Leaf code of a missing numeric value.
const MISSING: u32 = u32::MAX;

/// SplitMix64: a seeded, stateless tie-break per record.
#[inline]
fn mix(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One record in the counters: one window record, not passed.
const ONE_ALL: u64 = 1 << 32;
/// One passed record in the counters.
const ONE_PASSED: u64 = 1;
/// The passed half of a counter.
const LOW: u64 = u32::MAX as u64;

/// The engine: window store, counters, selection.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    rate: f64,
    horizon: f64,
    seed: u64,
    weights: Weights,
    specs: Vec<Spec>,
    pairs_on: bool,
    /// Per characteristic: numeric layout (None for categorical).
    layouts: Vec<Option<NumLayout>>,
    /// Per characteristic: first slot.
    base: Vec<u32>,
    /// Per pair (i, j, first slot, coarse length of j).
    pairs: Vec<(usize, usize, u32, u32)>,
    /// Per characteristic, its first slot and number of leaves (0 for a
    /// categorical one), for the specialised loops.
    ctab: Vec<(u32, u32)>,
    /// Prefix sums of the trees' top levels (see [`Engine::prefix_sums`]),
    /// same indexing as `cnt`.
    ps: Vec<u64>,
    /// Per pair, its first slot and the coarse length of its second
    /// characteristic, in the order of `pairs`.
    ptab: Vec<(u32, u32)>,
    /// Per slot, two counts in one word: window records in the high half,
    /// passed window records in the low half. One read-modify-write per
    /// slot when a point arrives, leaves or is passed, and a score sums the
    /// halves exactly (no floating-point drift over millions of updates).
    /// Both counts are at most the window's length, which the engine keeps
    /// below 2^32.
    cnt: Vec<u64>,
    /// The window's data points, oldest first (distilled-window's FIFO keeps
    /// them in time order and expires them at the horizon).
    fifo: ExpiringFifo<Point>,
    store: Store,
    window_passed: u64,
    // Rate accounting over the whole stream.
    total_valid: u64,
    total_passed: u64,
    // Boundary maintenance.
    churn: usize,
    len_at_rebuild: usize,
    rebuilds: u64,
    now: f64,
    /// Per characteristic: levels a code spans in [`Engine::overlap`]
    /// (`1 + log2 k` for numeric, 1 for categorical) and the weight of each.
    ov_path: Vec<u32>,
    ov_units: Vec<u32>,
    /// Weight of a pair cell in units of [`OV_UNIT`].
    pair_units: u32,
    // Scratch reused across batches: per candidate codes, coarse codes and
    // overlap codes.
    codes: Vec<u32>,
    coarse: Vec<u32>,
    ovc: Vec<u32>,
    greedy_scratch: GreedyScratch,
    /// Numeric values update only their leaf (see [`Engine::apply`]).
    leaves_only: bool,
    /// Inner tree nodes are stale after leaf-only updates.
    trees_stale: bool,
    /// Records in the last batch, to choose [`Engine::leaves_only`].
    last_n: usize,
    /// Generation of the current boundaries (see [`LeafCoder`]).
    generation: u64,
    /// Snapshot of the current boundaries, made on first request.
    coder: Option<LeafCoder>,
}

impl Engine {
    /// `horizon` must be positive and finite (the builder checks it);
    /// `capacity` bounds the window's length (oldest points are evicted; at
    /// most `u32::MAX`, the range of the packed counters).
    pub(crate) fn new(
        specs: Vec<Spec>,
        rate: f64,
        horizon: f64,
        capacity: usize,
        seed: u64,
    ) -> Self {
        let pairs_on = specs.len() >= 2 && specs.len() <= MAX_CHARS_FOR_PAIRS;
        let layouts = specs
            .iter()
            .map(|s| match s {
                Spec::Numeric => Some(NumLayout::new(2, vec![0.0])),
                Spec::Categorical { .. } => None,
            })
            .collect();
        let width = specs.len();
        let mut e = Self {
            rate,
            horizon,
            seed,
            weights: Weights::default(),
            specs,
            pairs_on,
            layouts,
            base: Vec::new(),
            pairs: Vec::new(),
            ctab: Vec::new(),
            ps: Vec::new(),
            ptab: Vec::new(),
            cnt: Vec::new(),
            fifo: ExpiringFifo::new(horizon, capacity.clamp(1, u32::MAX as usize))
                .expect("the builder validates the horizon"),
            store: Store {
                width,
                ..Store::default()
            },
            window_passed: 0,
            total_valid: 0,
            total_passed: 0,
            churn: 0,
            len_at_rebuild: 0,
            rebuilds: 0,
            now: f64::NEG_INFINITY,
            ov_path: Vec::new(),
            ov_units: Vec::new(),
            pair_units: 0,
            codes: Vec::new(),
            coarse: Vec::new(),
            ovc: Vec::new(),
            greedy_scratch: GreedyScratch::default(),
            leaves_only: false,
            trees_stale: false,
            last_n: 0,
            generation: GENERATIONS.fetch_add(1, AtomicOrdering::Relaxed),
            coder: None,
        };
        e.relayout();
        e
    }

    pub(crate) fn num_chars(&self) -> usize {
        self.specs.len()
    }

    /// Forgets everything (window, counters, rate accounting).
    pub(crate) fn reset(&mut self) {
        let fresh = Self::new(
            self.specs.clone(),
            self.rate,
            self.horizon,
            self.fifo.capacity(),
            self.seed,
        );
        *self = Self {
            weights: self.weights,
            ..fresh
        };
    }

    /// Recomputes the slot layout from the current numeric layouts and zeroes
    /// the counters (callers recount).
    fn relayout(&mut self) {
        self.trees_stale = false;
        let mut slots = 1usize; // slot 0: unused
        let mut base = Vec::with_capacity(self.specs.len());
        for (spec, layout) in self.specs.iter().zip(&self.layouts) {
            base.push(slots as u32);
            slots += match (spec, layout) {
                // Slot base + 0: missing; base + node for nodes 1..2k.
                (Spec::Numeric, Some(l)) => 2 * l.k,
                (Spec::Categorical { buckets }, _) => *buckets as usize,
                (Spec::Numeric, None) => unreachable!("numeric characteristics have layouts"),
            };
        }
        let mut pairs = Vec::new();
        if self.pairs_on {
            for i in 0..self.specs.len() {
                for j in i + 1..self.specs.len() {
                    let (ni, nj) = (self.coarse_len(i), self.coarse_len(j));
                    pairs.push((i, j, slots as u32, nj));
                    slots += (ni * nj) as usize;
                }
            }
        }
        self.cnt = vec![0; slots];
        let wt = self.weights;
        (self.ov_path, self.ov_units) = self
            .layouts
            .iter()
            .map(|l| match l {
                Some(l) => (1 + l.levels(), units(wt.numeric_level)),
                None => (1, units(wt.categorical)),
            })
            .unzip();
        self.pair_units = units(wt.pair);
        self.ctab = base
            .iter()
            .zip(&self.layouts)
            .map(|(&b, l)| (b, l.as_ref().map_or(0, |l| l.k as u32)))
            .collect();
        self.ptab = pairs.iter().map(|&(_, _, pb, nj)| (pb, nj)).collect();
        self.base = base;
        self.pairs = pairs;
    }

    fn coarse_len(&self, c: usize) -> u32 {
        match (&self.specs[c], &self.layouts[c]) {
            (Spec::Categorical { buckets }, _) => *buckets,
            (_, Some(l)) => l.coarse_len(),
            _ => 1,
        }
    }

    /// Codes of a row: per characteristic, the numeric leaf (or
    /// [`MISSING`]) or the category code; and the coarse codes the pairs
    /// use (category, or 0 for missing and 1 + quartile for numeric).
    #[inline]
    fn codes_of(&self, row: &[f64], codes: &mut [u32], coarse: &mut [u32]) {
        for (c, &v) in row.iter().enumerate() {
            let code = match &self.layouts[c] {
                Some(_) if v.is_nan() => MISSING,
                Some(l) => l.leaf(v) as u32,
                None => v as u32,
            };
            codes[c] = code;
        }
        self.coarse_of(codes, coarse);
    }

    /// Coarse codes from codes (see [`Engine::codes_of`]).
    #[inline]
    fn coarse_of(&self, codes: &[u32], coarse: &mut [u32]) {
        for ((&x, out), &(_, k)) in codes.iter().zip(coarse.iter_mut()).zip(&self.ctab) {
            *out = if k == 0 {
                x
            } else if x == MISSING {
                0
            } else {
                1 + (x >> k.trailing_zeros().saturating_sub(2))
            };
        }
    }

    /// Adds `d` to (or, if `sub`, subtracts it from) every slot of a point:
    /// its root-to-leaf paths, categories and pair cells. In
    /// [`Engine::leaves_only`] mode a numeric value updates its leaf only,
    /// and the inner nodes are summed again by [`Engine::refresh_trees`]
    /// before they are read.
    #[inline]
    fn apply(&mut self, codes: &[u32], coarse: &[u32], d: u64, sub: bool) {
        let d = if sub { d.wrapping_neg() } else { d };
        match codes.len() {
            1 => self.apply_w::<1>(codes, coarse, d),
            2 => self.apply_w::<2>(codes, coarse, d),
            3 => self.apply_w::<3>(codes, coarse, d),
            4 => self.apply_w::<4>(codes, coarse, d),
            5 => self.apply_w::<5>(codes, coarse, d),
            6 => self.apply_w::<6>(codes, coarse, d),
            7 => self.apply_w::<7>(codes, coarse, d),
            8 => self.apply_w::<8>(codes, coarse, d),
            _ => self.apply_any(codes, coarse, d),
        }
    }

    /// [`Engine::apply`] for rows of `W` characteristics: fixed-size rows,
    /// the pairs as two nested loops (unrolled, no index checks on the
    /// rows), per characteristic its first slot and leaf count from one
    /// small table.
    #[inline(always)]
    fn apply_w<const W: usize>(&mut self, codes: &[u32], coarse: &[u32], d: u64) {
        let codes: &[u32; W] = codes.try_into().expect("rows of W");
        let coarse: &[u32; W] = coarse.try_into().expect("rows of W");
        let ct: &[(u32, u32); W] = self.ctab[..W].try_into().expect("W characteristics");
        let lazy = self.leaves_only;
        let cnt = &mut self.cnt[..];
        for t in 0..W {
            let (base, k) = (ct[t].0 as usize, ct[t].1 as usize);
            let x = codes[t];
            if k == 0 {
                let s = base + x as usize;
                cnt[s] = cnt[s].wrapping_add(d);
            } else if x == MISSING {
                cnt[base] = cnt[base].wrapping_add(d);
            } else if lazy {
                let s = base + k + x as usize;
                cnt[s] = cnt[s].wrapping_add(d);
            } else {
                add_on_path(cnt, base, k + x as usize, d);
            }
        }
        self.trees_stale |= lazy;
        // Pairs are on for every W from 2 to 8; one characteristic has none.
        let pt = &self.ptab[..W * (W - 1) / 2];
        let mut p = 0;
        for i in 0..W {
            let ci = coarse[i];
            for cj in &coarse[i + 1..] {
                let (pbase, nj) = pt[p];
                let s = (pbase + ci * nj + cj) as usize;
                cnt[s] = cnt[s].wrapping_add(d);
                p += 1;
            }
        }
    }

    /// [`Engine::apply`] for any number of characteristics.
    fn apply_any(&mut self, codes: &[u32], coarse: &[u32], d: u64) {
        let cnt = &mut self.cnt[..];
        for (c, &x) in codes.iter().enumerate() {
            let base = self.base[c] as usize;
            match &self.layouts[c] {
                Some(_) if x == MISSING => {
                    cnt[base] = cnt[base].wrapping_add(d);
                }
                Some(l) if self.leaves_only => {
                    let s = base + l.k + x as usize;
                    cnt[s] = cnt[s].wrapping_add(d);
                }
                Some(l) => add_on_path(cnt, base, l.k + x as usize, d),
                None => {
                    let s = base + x as usize;
                    cnt[s] = cnt[s].wrapping_add(d);
                }
            }
        }
        self.trees_stale |= self.leaves_only;
        for &(i, j, pbase, nj) in &self.pairs {
            let s = (pbase + coarse[i] * nj + coarse[j]) as usize;
            cnt[s] = cnt[s].wrapping_add(d);
        }
    }

    /// Sums every tree's inner nodes from its leaves again, if leaf-only
    /// updates left them stale. The counters then hold exactly what
    /// updating whole paths would have given (wrapping sums are exact).
    fn refresh_trees(&mut self) {
        if !self.trees_stale {
            return;
        }
        self.trees_stale = false;
        for (c, l) in self.layouts.iter().enumerate() {
            let Some(l) = l else { continue };
            let base = self.base[c] as usize;
            let tree = &mut self.cnt[base..base + 2 * l.k];
            // Level by level, bottom up: each parent is the sum of its two
            // children, read as one contiguous pair.
            let mut lo = l.k / 2;
            while lo >= 1 {
                let (parents, children) = tree.split_at_mut(2 * lo);
                let (pairs, _) = children[..2 * lo].as_chunks::<2>();
                for (p, ch) in parents[lo..].iter_mut().zip(pairs) {
                    *p = ch[0].wrapping_add(ch[1]);
                }
                lo /= 2;
            }
        }
    }

    /// Chooses how [`Engine::apply`] updates the trees for the next batch:
    /// leaf only (then one pass over every inner node per batch) when the
    /// batch's updates would walk more nodes than that pass costs, else
    /// whole paths. Either way the counters end up the same.
    fn choose_tree_mode(&mut self) {
        let (mut levels, mut nodes) = (0usize, 0usize);
        for l in self.layouts.iter().flatten() {
            levels += l.levels() as usize;
            nodes += l.k;
        }
        // About two updates per record (arrival and expiry); a path step
        // costs a few times a node of the summing pass.
        self.leaves_only = self.last_n * 2 * levels * 2 > nodes;
    }

    /// A candidate's score, the weighted sum of its buckets' deficits
    /// `rate * all - passed`, and its commonness, the sum of its buckets'
    /// window counts. With `packed` (every count below 2^26, see
    /// [`PACKED_SUM_LIMIT`]) the packed counters of a path or of the pair
    /// cells are summed as whole words: neither half can carry, so the
    /// halves of the sum are the sums of the halves.
    #[cfg(test)]
    fn score(&self, codes: &[u32], coarse: &[u32], packed: bool) -> (f64, u64) {
        self.score_ps(codes, coarse, packed, false)
    }

    /// [`Engine::score`]; with `use_ps` (only right after
    /// [`Engine::prefix_sums`], with `packed`), a path's top levels are
    /// read as one prefix sum.
    #[inline]
    fn score_ps(&self, codes: &[u32], coarse: &[u32], packed: bool, use_ps: bool) -> (f64, u64) {
        debug_assert!(!self.trees_stale, "score read stale inner nodes");
        debug_assert!(packed || !use_ps);
        match codes.len() {
            1 => self.score_w::<1>(codes, coarse, packed, use_ps),
            2 => self.score_w::<2>(codes, coarse, packed, use_ps),
            3 => self.score_w::<3>(codes, coarse, packed, use_ps),
            4 => self.score_w::<4>(codes, coarse, packed, use_ps),
            5 => self.score_w::<5>(codes, coarse, packed, use_ps),
            6 => self.score_w::<6>(codes, coarse, packed, use_ps),
            7 => self.score_w::<7>(codes, coarse, packed, use_ps),
            8 => self.score_w::<8>(codes, coarse, packed, use_ps),
            _ => self.score_any(codes, coarse, packed),
        }
    }

    /// Packed sums of every root-to-node path down to three levels above
    /// the leaves (trees of at least 8 leaves), so that a score reads a
    /// leaf's path as three nodes and one prefix sum instead of `1 + log2 k`
    /// nodes. Valid until the counters next change; the caller uses it for
    /// one round of scores, with packed sums only (no carries).
    fn prefix_sums(&mut self) {
        self.ps.resize(self.cnt.len(), 0);
        for &(base, k) in &self.ctab {
            let (base, k) = (base as usize, k as usize);
            if k < 8 {
                continue;
            }
            let (cnt, ps) = (&self.cnt[base..base + k], &mut self.ps[base..base + k]);
            ps[1] = cnt[1];
            for node in 2..k / 4 {
                ps[node] = ps[node / 2].wrapping_add(cnt[node]);
            }
        }
    }

    /// [`Engine::score`] for rows of `W` characteristics (as
    /// [`Engine::apply_w`]): the same sums and the same floating-point
    /// operations in the same order as [`Engine::score_any`].
    #[inline(always)]
    fn score_w<const W: usize>(
        &self,
        codes: &[u32],
        coarse: &[u32],
        packed: bool,
        use_ps: bool,
    ) -> (f64, u64) {
        let codes: &[u32; W] = codes.try_into().expect("rows of W");
        let coarse: &[u32; W] = coarse.try_into().expect("rows of W");
        let ct: &[(u32, u32); W] = self.ctab[..W].try_into().expect("W characteristics");
        let wt = self.weights;
        let cnt = &self.cnt[..];
        let rate = self.rate;
        let mut score = 0.0;
        let mut common = 0u64;
        for t in 0..W {
            let (base, k) = (ct[t].0 as usize, ct[t].1 as usize);
            let x = codes[t];
            if k == 0 {
                let v = cnt[base + x as usize];
                score += wt.categorical * (rate * (v >> 32) as f64 - (v & LOW) as f64);
                common += v >> 32;
            } else if x == MISSING {
                let v = cnt[base];
                let w = wt.numeric_level * f64::from(1 + k.trailing_zeros());
                score += w * (rate * (v >> 32) as f64 - (v & LOW) as f64);
                common += v >> 32;
            } else {
                let (a, p);
                let node = k + x as usize;
                if use_ps && k >= 8 {
                    let sum = cnt[base + node]
                        + cnt[base + (node >> 1)]
                        + cnt[base + (node >> 2)]
                        + self.ps[base + (node >> 3)];
                    (a, p) = (sum >> 32, sum & LOW);
                } else {
                    (a, p) = path_counts(cnt, base, node, packed);
                }
                score += wt.numeric_level * (rate * a as f64 - p as f64);
                common += a;
            }
        }
        let (a, p);
        // Pairs are on for every W from 2 to 8 (MAX_CHARS_FOR_PAIRS); one
        // characteristic has none.
        let pt = &self.ptab[..W * (W - 1) / 2];
        if packed {
            let mut sum = 0u64;
            let mut q = 0;
            for i in 0..W {
                let ci = coarse[i];
                for cj in &coarse[i + 1..] {
                    let (pbase, nj) = pt[q];
                    sum += cnt[(pbase + ci * nj + cj) as usize];
                    q += 1;
                }
            }
            (a, p) = (sum >> 32, sum & LOW);
        } else {
            let (mut sa, mut sp) = (0u64, 0u64);
            let mut q = 0;
            for i in 0..W {
                let ci = coarse[i];
                for cj in &coarse[i + 1..] {
                    let (pbase, nj) = pt[q];
                    let v = cnt[(pbase + ci * nj + cj) as usize];
                    sa += v >> 32;
                    sp += v & LOW;
                    q += 1;
                }
            }
            (a, p) = (sa, sp);
        }
        score += wt.pair * (rate * a as f64 - p as f64);
        (score, common + a)
    }

    /// [`Engine::score`] for any number of characteristics.
    fn score_any(&self, codes: &[u32], coarse: &[u32], packed: bool) -> (f64, u64) {
        let wt = self.weights;
        let cnt = &self.cnt[..];
        let rate = self.rate;
        let mut score = 0.0;
        let mut common = 0u64;
        for (c, &x) in codes.iter().enumerate() {
            let base = self.base[c] as usize;
            match &self.layouts[c] {
                Some(l) if x == MISSING => {
                    // "Missing" stands in for a whole root-to-leaf path (it
                    // is its own subtree at every level), so it weighs as
                    // much as the path of a present value.
                    let v = cnt[base];
                    let w = wt.numeric_level * f64::from(1 + l.levels());
                    score += w * (rate * (v >> 32) as f64 - (v & LOW) as f64);
                    common += v >> 32;
                }
                Some(l) => {
                    let (a, p) = path_counts(cnt, base, l.k + x as usize, packed);
                    score += wt.numeric_level * (rate * a as f64 - p as f64);
                    common += a;
                }
                None => {
                    let v = cnt[base + x as usize];
                    score += wt.categorical * (rate * (v >> 32) as f64 - (v & LOW) as f64);
                    common += v >> 32;
                }
            }
        }
        let (mut a, mut p) = (0u64, 0u64);
        if packed {
            let mut sum = 0u64;
            for &(i, j, pbase, nj) in &self.pairs {
                sum += cnt[(pbase + coarse[i] * nj + coarse[j]) as usize];
            }
            (a, p) = (sum >> 32, sum & LOW);
        } else {
            for &(i, j, pbase, nj) in &self.pairs {
                let v = cnt[(pbase + coarse[i] * nj + coarse[j]) as usize];
                a += v >> 32;
                p += v & LOW;
            }
        }
        score += wt.pair * (rate * a as f64 - p as f64);
        (score, common + a)
    }

    /// Weight of the buckets two candidates share, from their overlap codes
    /// (see [`Engine::overlap_codes`]) and coarse codes: how much passing one
    /// lowers the other's score. Per characteristic the shared buckets are
    /// the `path` levels minus the bit length of the codes' XOR (the common
    /// prefix of two leaf numbers; a category shares its one bucket or
    /// nothing), branch-free. A pair cell is shared when both of its
    /// characteristics' coarse codes are, so `m` characteristics with equal
    /// coarse codes share `m (m - 1) / 2` pair cells.
    #[inline]
    fn overlap(&self, a: &[u32], ac: &[u32], b: &[u32], bc: &[u32]) -> f64 {
        // Integer units of OV_UNIT: every weight is a whole number of them,
        // so the sum is exact, as the floating-point sum of the weights was.
        let mut o = 0u32;
        for (((&x, &y), &path), &u) in a.iter().zip(b).zip(&self.ov_path).zip(&self.ov_units) {
            let differing = 32 - (x ^ y).leading_zeros();
            o += u * (path - differing.min(path));
        }
        if self.pairs_on {
            let m = ac.iter().zip(bc).filter(|(x, y)| x == y).count() as u32;
            o += self.pair_units * (m * m.saturating_sub(1) / 2);
        }
        f64::from(o) * OV_UNIT
    }

    /// The greedy for rows of `W` characteristics (up to the pair limit):
    /// as the general loop in [`Engine::select`], column by column. The
    /// candidates' overlap codes are transposed into one array per
    /// characteristic, so that after a pick each characteristic's
    /// contribution is one branch-free pass over a flat array, which the
    /// compiler turns into vector code: shared tree levels from the
    /// exponent of an exact `f32` conversion, shared categories by
    /// equality, and the shared pair cells from the same figures (numeric
    /// coarse codes are equal exactly when the two levels below the root
    /// are shared; a category's code is its coarse code). Overlaps are
    /// summed per kind in integer units and weighted once, which gives the
    /// same integer as the row-wise sum. A passed candidate's score
    /// becomes -inf, so it never wins again; every other candidate's score
    /// goes through exactly the subtractions of the row-wise loop, in the
    /// same order, so the picks are the same. The best is then found by a
    /// scan with [`Cand::beats`], a strict total order.
    #[allow(clippy::too_many_arguments)]
    fn greedy<const W: usize>(
        &mut self,
        k: usize,
        cands: &[Cand],
        ovc: &[u32],
        codes: &[u32],
        coarse: &[u32],
        out: &mut [bool],
    ) {
        let n = cands.len();
        let path: [u32; W] = self.ov_path[..W].try_into().expect("W characteristics");
        let numeric: [bool; W] = std::array::from_fn(|t| self.layouts[t].is_some());
        // Weights in units of OV_UNIT of a shared tree level and of a shared
        // category (the same for every characteristic of a kind).
        let (un, uc) = (
            units(self.weights.numeric_level),
            units(self.weights.categorical),
        );
        let pair_units = if self.pairs_on { self.pair_units } else { 0 };
        let mut g = std::mem::take(&mut self.greedy_scratch);
        g.prepare(n, W);
        for (j, o) in ovc.chunks_exact(W).enumerate() {
            for (t, &x) in o.iter().enumerate() {
                g.ov[t * n + j] = x;
            }
        }
        for (s, c) in g.score.iter_mut().zip(cands) {
            *s = c.score;
        }
        let mut best = 0;
        for (j, c) in cands.iter().enumerate() {
            if c.beats(&cands[best]) {
                best = j;
            }
        }
        for pick in 0..k {
            out[best] = true;
            g.score[best] = f64::NEG_INFINITY;
            self.apply(
                &codes[best * W..(best + 1) * W],
                &coarse[best * W..(best + 1) * W],
                ONE_PASSED,
                false,
            );
            if pick + 1 == k || pick + 1 == n {
                break;
            }
            let (ov, lv, ce, m) = (&g.ov[..], &mut g.o[..n], &mut g.ce[..n], &mut g.m[..n]);
            lv.fill(0);
            ce.fill(0);
            m.fill(0);
            for t in 0..W {
                let col = &ov[t * n..(t + 1) * n];
                let bv = col[best];
                if numeric[t] {
                    // Shared levels: `path` less the bit length of the XOR,
                    // which is the biased exponent of `2d + 1` as an `f32`
                    // (exact: codes are at most MAX_LEAVES) less 127. The
                    // coarse codes (for the pairs) are equal exactly when
                    // the top two levels below the root are shared too.
                    let (top, thr) = (path[t] + 127, path[t].min(3));
                    for ((lv, m), &x) in lv.iter_mut().zip(m.iter_mut()).zip(col) {
                        let d = (x ^ bv) as i32;
                        let e = ((2 * d + 1) as f32).to_bits() >> 23;
                        let shared = top - e;
                        *lv += shared;
                        *m += u32::from(shared >= thr);
                    }
                } else {
                    // A category's code is also its coarse code.
                    for (ce, &x) in ce.iter_mut().zip(col) {
                        *ce += u32::from(x == bv);
                    }
                }
            }
            for (((s, &lv), &ce), &m) in g
                .score
                .iter_mut()
                .zip(lv.iter())
                .zip(ce.iter())
                .zip(m.iter())
            {
                let m = m + ce;
                let o = un * lv + uc * ce + pair_units * (m * m.saturating_sub(1) / 2);
                *s -= f64::from(o) * OV_UNIT;
            }
            // The best unpassed candidate: at least one is left (pick + 1 < n).
            let mut top = Cand {
                score: f64::NEG_INFINITY,
                ..cands[0]
            };
            for (j, (&s, c)) in g.score.iter().zip(cands).enumerate() {
                if s < top.score {
                    continue;
                }
                let c = Cand { score: s, ..*c };
                if s.is_finite() && (top.score == f64::NEG_INFINITY || c.beats(&top)) {
                    best = j;
                    top = c;
                }
            }
        }
        self.greedy_scratch = g;
    }

    /// Codes for [`Engine::overlap`]: as [`Engine::codes_of`], except that a
    /// missing numeric value is `k` (one past the leaves), so that two
    /// missing values share all `1 + log2 k` levels (the "missing" bucket,
    /// which weighs as much as a path) and a missing and a present value
    /// share none.
    fn overlap_codes(&self, codes: &[u32], out: &mut [u32]) {
        let w = self.specs.len();
        for (row, o) in codes.chunks_exact(w).zip(out.chunks_exact_mut(w)) {
            for (c, (&x, o)) in row.iter().zip(o.iter_mut()).enumerate() {
                *o = match &self.layouts[c] {
                    Some(l) if x == MISSING => l.k as u32,
                    _ => x,
                };
            }
        }
    }

    /// Removes a point leaving the window (expired or evicted).
    fn remove(&mut self, e: Entry<Point>) {
        let w = self.specs.len();
        let codes: SmallVec<[u32; 16]> = SmallVec::from_slice(self.store.codes(e.item.handle));
        let mut coarse: SmallVec<[u32; 16]> = SmallVec::from_elem(0, w);
        self.coarse_of(&codes, &mut coarse);
        let d = ONE_ALL | if e.item.passed { ONE_PASSED } else { 0 };
        self.apply(&codes, &coarse, d, true);
        self.store.free.push(e.item.handle);
        if e.item.passed {
            self.window_passed -= 1;
        }
        self.churn += 1;
    }

    /// Advances "now" (never backwards) and expires old points. Returns the
    /// cutoff: points at or before it are outside the window.
    pub(crate) fn advance(&mut self, now: f64) -> f64 {
        if now > self.now {
            self.now = now;
        }
        if self.now.is_finite() {
            while let Ok(Some(e)) = self.fifo.pop_expired(self.now) {
                self.remove(e);
            }
        }
        // Below `now` even where the horizon is smaller than the spacing of
        // f64 values at `now` (1e300 - 3600 == 1e300): a record at `now` is
        // never late.
        (self.now - self.horizon).min(self.now.next_down())
    }

    /// Runs one batch of valid rows (`rows.len() == n * num_chars`), all with
    /// timestamps inside the window. Returns one pass flag per row.
    #[cfg(test)]
    pub(crate) fn select(&mut self, ts: &[f64], rows: &[f64]) -> Vec<bool> {
        self.select_precoded(ts, rows, None)
    }

    /// A snapshot of the current boundaries (see [`LeafCoder`]).
    pub(crate) fn leaf_coder(&mut self) -> LeafCoder {
        let generation = self.generation;
        let layouts = &self.layouts;
        self.coder
            .get_or_insert_with(|| LeafCoder {
                generation,
                layouts: layouts.iter().cloned().collect(),
            })
            .clone()
    }

    /// [`Engine::select`], with the rows' codes computed beforehand by a
    /// [`LeafCoder`] of generation `pre.1` (`pre.0` holds one code per
    /// characteristic and row; those of categorical characteristics are
    /// ignored). They are used only if the boundaries are still those of
    /// that generation after this batch's rebuild check.
    pub(crate) fn select_precoded(
        &mut self,
        ts: &[f64],
        rows: &[f64],
        pre: Option<(&[u32], u64)>,
    ) -> Vec<bool> {
        let w = self.specs.len();
        let n = ts.len();
        debug_assert_eq!(rows.len(), n * w);
        self.churn += n;
        let rebuilt = self.maybe_rebuild(rows);
        let pre = pre
            .filter(|&(codes, g)| g == self.generation && codes.len() == n * w)
            .map(|(codes, _)| codes);

        let mut codes = std::mem::take(&mut self.codes);
        let mut coarse = std::mem::take(&mut self.coarse);
        codes.resize(n * w, 0);
        coarse.resize(n * w, 0);
        // Column by column: the leaf searches of one column run back to
        // back, independent of each other, so they overlap in the CPU
        // instead of queueing behind the other columns' work.
        for c in 0..w {
            match &self.layouts[c] {
                Some(l) if let Some(pre) = pre => {
                    // Codes out of range (a caller's mistake) are recomputed,
                    // never trusted with an index.
                    let rows = rows.chunks_exact(w);
                    for ((p, row), cd) in
                        pre.chunks_exact(w).zip(rows).zip(codes.chunks_exact_mut(w))
                    {
                        let x = p[c];
                        cd[c] = if (x as usize) < l.k || (x == MISSING && row[c].is_nan()) {
                            x
                        } else if row[c].is_nan() {
                            MISSING
                        } else {
                            l.leaf(row[c]) as u32
                        };
                    }
                }
                Some(l) => {
                    for (row, cd) in rows.chunks_exact(w).zip(codes.chunks_exact_mut(w)) {
                        let v = row[c];
                        cd[c] = if v.is_nan() {
                            MISSING
                        } else {
                            l.leaf(v) as u32
                        };
                    }
                }
                None => {
                    for (row, cd) in rows.chunks_exact(w).zip(codes.chunks_exact_mut(w)) {
                        cd[c] = row[c] as u32;
                    }
                }
            }
        }
        for (cd, cc) in codes.chunks_exact(w).zip(coarse.chunks_exact_mut(w)) {
            self.coarse_of(cd, cc);
        }
        if !rebuilt {
            for (cd, cc) in codes.chunks_exact(w).zip(coarse.chunks_exact(w)) {
                self.apply(cd, cc, ONE_ALL, false);
            }
        }

        // Budget: the long-run number passed is floor(rate * valid seen), so
        // the carried remainder is implicit and exact.
        self.total_valid += n as u64;
        let target = if self.rate >= 1.0 {
            self.total_valid
        } else {
            (self.rate * self.total_valid as f64).floor() as u64
        };
        let k = (target.saturating_sub(self.total_passed) as usize).min(n);

        let mut out = vec![false; n];
        if k > 0 {
            let seq0 = self.total_valid - n as u64;
            // Every count is at most the window's length plus this batch.
            let packed = self.fifo.len() + n < PACKED_SUM_LIMIT;
            // Exact greedy: take the best, then lower every remaining
            // candidate's score by the weight of the buckets it shares with
            // the pick (branch-free, from codes), which is exactly how much
            // the pick lowered the deficits it reads.
            self.refresh_trees();
            // Prefix sums pay off once a batch scores more than a few
            // candidates.
            let use_ps = packed && n >= 16;
            if use_ps {
                self.prefix_sums();
            }
            let mut cands: Vec<Cand> = (0..n)
                .map(|i| {
                    let r = i * w..(i + 1) * w;
                    let (score, common) =
                        self.score_ps(&codes[r.clone()], &coarse[r], packed, use_ps);
                    Cand {
                        score,
                        commonness: common as f64,
                        tie: mix(self.seed, seq0 + i as u64),
                        idx: i as u32,
                    }
                })
                .collect();
            let mut ovc = std::mem::take(&mut self.ovc);
            ovc.resize(n * w, 0);
            self.overlap_codes(&codes, &mut ovc);
            // The first pick is the best initial score; then each pass over
            // the candidates lowers the unpassed ones' scores by their overlap
            // with the pick and finds the next best in the same loop. Passed
            // candidates are skipped, and no update follows the last pick.
            match w {
                1 => self.greedy::<1>(k, &cands, &ovc, &codes, &coarse, &mut out),
                2 => self.greedy::<2>(k, &cands, &ovc, &codes, &coarse, &mut out),
                3 => self.greedy::<3>(k, &cands, &ovc, &codes, &coarse, &mut out),
                4 => self.greedy::<4>(k, &cands, &ovc, &codes, &coarse, &mut out),
                5 => self.greedy::<5>(k, &cands, &ovc, &codes, &coarse, &mut out),
                6 => self.greedy::<6>(k, &cands, &ovc, &codes, &coarse, &mut out),
                7 => self.greedy::<7>(k, &cands, &ovc, &codes, &coarse, &mut out),
                8 => self.greedy::<8>(k, &cands, &ovc, &codes, &coarse, &mut out),
                _ => {
                    let mut best = usize::MAX;
                    for (j, c) in cands.iter().enumerate() {
                        if best == usize::MAX || c.beats(&cands[best]) {
                            best = j;
                        }
                    }
                    for pick in 0..k {
                        if best == usize::MAX {
                            break;
                        }
                        out[best] = true;
                        let rb = best * w..(best + 1) * w;
                        self.apply(&codes[rb.clone()], &coarse[rb.clone()], ONE_PASSED, false);
                        if pick + 1 == k {
                            break;
                        }
                        let (bo, bc) = (&ovc[rb.clone()], &coarse[rb]);
                        let mut next = usize::MAX;
                        let mut top = cands[0];
                        for (j, c) in cands.iter_mut().enumerate() {
                            if out[j] {
                                continue;
                            }
                            let r = j * w..(j + 1) * w;
                            c.score -= self.overlap(&ovc[r.clone()], &coarse[r], bo, bc);
                            if next == usize::MAX || c.beats(&top) {
                                next = j;
                                top = *c;
                            }
                        }
                        best = next;
                    }
                }
            }
            self.ovc = ovc;
        }
        self.total_passed += k as u64;
        self.window_passed += k as u64;
        // Into the window, passed flags known. The caller filtered late and
        // non-finite times with the FIFO's own cutoff, so a push can only
        // hand back a point evicted by the capacity bound.
        for (i, &p) in out.iter().enumerate() {
            let r = i * w..(i + 1) * w;
            let handle = self.store.insert(&rows[r.clone()], &codes[r]);
            let point = Point { passed: p, handle };
            match self.fifo.push(ts[i], point) {
                Ok(None) => {}
                Ok(Some(evicted)) => self.remove(evicted),
                Err(rejected) => {
                    // Unreachable by construction; keep the counters exact.
                    let e = Entry {
                        timestamp: ts[i],
                        item: rejected.item,
                    };
                    self.remove(e);
                }
            }
        }
        self.codes = codes;
        self.coarse = coarse;
        self.last_n = n;
        self.choose_tree_mode();
        out
    }

    /// Rebuilds numeric boundaries when the window has changed enough, and
    /// recounts every slot from the store. Returns `true` when it did.
    fn maybe_rebuild(&mut self, batch_rows: &[f64]) -> bool {
        if self.churn < (self.len_at_rebuild / 4).max(64) {
            return false;
        }
        self.churn = 0;
        self.refresh_trees();
        let mut need = false;
        for c in 0..self.specs.len() {
            let Some(l) = &self.layouts[c] else { continue };
            let base = self.base[c] as usize;
            // The batch is part of the window but not yet counted.
            let w = self.specs.len();
            let present = (self.cnt[base + 1] >> 32) as usize
                + batch_rows
                    .chunks_exact(w)
                    .filter(|r| !r[c].is_nan())
                    .count();
            let target = self.target_leaves(present);
            if target > l.k || target * 2 < l.k {
                need = true;
                break;
            }
            // Boundaries gone stale (drift): some leaf holds far more than
            // its share (fair, or what it held when placed, for atoms).
            let fair = present as f64 / l.k as f64;
            let leaves = &self.cnt[base + l.k..base + 2 * l.k];
            let start = |j: usize| l.start_share.get(j).map_or(0.0, |s| s * present as f64);
            if leaves
                .iter()
                .enumerate()
                .any(|(j, &a)| (a >> 32) as f64 > 2.0 * fair.max(start(j)) + 8.0)
            {
                need = true;
                break;
            }
        }
        self.len_at_rebuild = self.fifo.len();
        if !need {
            return false;
        }
        self.rebuild(batch_rows);
        true
    }

    fn target_leaves(&self, present: usize) -> usize {
        let want = (self.rate * present as f64).ceil() as usize;
        want.clamp(2, MAX_LEAVES).next_power_of_two()
    }

    /// New quantile boundaries from the window's values (the FIFO plus the
    /// unpassed rows of the current batch), then a full recount, rewriting
    /// every stored point's codes.
    fn rebuild(&mut self, batch_rows: &[f64]) {
        self.rebuilds += 1;
        self.generation = GENERATIONS.fetch_add(1, AtomicOrdering::Relaxed);
        self.coder = None;
        let w = self.specs.len();
        let len = self.fifo.len() + batch_rows.len() / w.max(1);
        let step = len
            .div_ceil(SAMPLE_PER_LEAF * self.target_leaves(len))
            .max(1);
        for c in 0..w {
            if self.layouts[c].is_none() {
                continue;
            }
            // An evenly strided sample of the window's present values: exact
            // for small windows, a deterministic subsample above.
            // (Every `step`-th record of the window followed by the batch;
            // the stride is taken before the values are looked up.)
            let store = &self.store;
            let fifo_len = self.fifo.len();
            let mut sample: Vec<f64> = self
                .fifo
                .iter()
                .step_by(step)
                .map(|e| store.vals(e.item.handle)[c])
                .chain(
                    batch_rows
                        .chunks_exact(w)
                        .skip((step - fifo_len % step) % step)
                        .step_by(step)
                        .map(|r| r[c]),
                )
                .filter(|v| !v.is_nan())
                .collect();
            sample.sort_unstable_by(f64::total_cmp);
            let present_est = sample.len() * step;
            let k = self.target_leaves(present_est);
            let sketch = SortedSample(sample);
            let ranks: Vec<f64> = (1..k).map(|i| i as f64 / k as f64).collect();
            let bounds = sketch
                .quantiles(&ranks, SearchCriteria::Inclusive)
                .unwrap_or_else(|_| vec![0.0; k - 1]);
            self.layouts[c] = Some(NumLayout::new(k, bounds));
        }
        // The recount gives exactly the counters a full re-application of
        // every window point would, more cheaply: categories and pairs of
        // two categories keep their counts (their codes do not change), so
        // they are copied; each point adds to its numeric leaves and to the
        // pair cells that involve a numeric characteristic only, and the
        // inner nodes of the trees are summed from the leaves afterwards.
        let old_cnt = std::mem::take(&mut self.cnt);
        let old_base = std::mem::take(&mut self.base);
        let old_pairs = std::mem::take(&mut self.pairs);
        self.relayout();
        for (c, &o) in old_base.iter().enumerate() {
            if let Spec::Categorical { buckets } = self.specs[c] {
                let (o, b) = (o as usize, self.base[c] as usize);
                let nb = buckets as usize;
                self.cnt[b..b + nb].copy_from_slice(&old_cnt[o..o + nb]);
            }
        }
        let mut num_pairs = Vec::with_capacity(self.pairs.len());
        for (&(i, j, pbase, nj), &(_, _, obase, _)) in self.pairs.iter().zip(&old_pairs) {
            if self.layouts[i].is_none() && self.layouts[j].is_none() {
                let cells = (self.coarse_len(i) * nj) as usize;
                let (o, b) = (obase as usize, pbase as usize);
                self.cnt[b..b + cells].copy_from_slice(&old_cnt[o..o + cells]);
            } else {
                num_pairs.push((i, j, pbase, nj));
            }
        }
        drop(old_cnt);
        // Per numeric characteristic: its first slot and number of leaves.
        let trees: Vec<(usize, usize, usize)> = (0..w)
            .filter_map(|c| Some((c, self.base[c] as usize, self.layouts[c].as_ref()?.k)))
            .collect();
        let mut codes = vec![0u32; w];
        let mut coarse = vec![0u32; w];
        let fifo = std::mem::replace(
            &mut self.fifo,
            ExpiringFifo::new(self.horizon, 1).expect("valid horizon"),
        );
        let mut store = std::mem::take(&mut self.store);
        for e in fifo.iter() {
            let h = e.item.handle as usize;
            self.codes_of(&store.vals[h * w..(h + 1) * w], &mut codes, &mut coarse);
            store.codes[h * w..(h + 1) * w].copy_from_slice(&codes);
            let d = ONE_ALL | if e.item.passed { ONE_PASSED } else { 0 };
            let cnt = &mut self.cnt[..];
            for &(c, base, k) in &trees {
                let x = codes[c];
                let s = if x == MISSING {
                    base
                } else {
                    base + k + x as usize
                };
                cnt[s] = cnt[s].wrapping_add(d);
            }
            for &(i, j, pbase, nj) in &num_pairs {
                let s = (pbase + coarse[i] * nj + coarse[j]) as usize;
                cnt[s] = cnt[s].wrapping_add(d);
            }
        }
        for &(_, base, k) in &trees {
            let tree = &mut self.cnt[base..base + 2 * k];
            for node in (1..k).rev() {
                tree[node] = tree[2 * node].wrapping_add(tree[2 * node + 1]);
            }
        }
        self.fifo = fifo;
        self.store = store;
        for r in batch_rows.chunks_exact(w) {
            self.codes_of(r, &mut codes, &mut coarse);
            self.apply(&codes, &coarse, ONE_ALL, false);
        }
        let counts = &self.cnt;
        for c in 0..w {
            let base = self.base[c] as usize;
            let Some(l) = self.layouts[c].as_mut() else {
                continue;
            };
            let leaves = &counts[base + l.k..base + 2 * l.k];
            let present = leaves.iter().map(|&a| a >> 32).sum::<u64>().max(1) as f64;
            l.start_share = leaves.iter().map(|&a| (a >> 32) as f64 / present).collect();
        }
    }

    // ---- read access for stats ----

    pub(crate) fn window_len(&self) -> usize {
        self.fifo.len()
    }
    pub(crate) fn window_passed(&self) -> u64 {
        self.window_passed
    }
    pub(crate) fn total_valid(&self) -> u64 {
        self.total_valid
    }
    pub(crate) fn total_passed(&self) -> u64 {
        self.total_passed
    }
    pub(crate) fn rebuilds(&self) -> u64 {
        self.rebuilds
    }
    pub(crate) fn now(&self) -> f64 {
        self.now
    }
    pub(crate) fn leaves(&self, c: usize) -> Option<usize> {
        self.layouts[c].as_ref().map(|l| l.k)
    }
    /// Values of characteristic `c` over the window, with pass flags.
    pub(crate) fn column(&self, c: usize) -> impl Iterator<Item = (f64, bool)> + '_ {
        self.fifo
            .iter()
            .map(move |e| (self.store.vals(e.item.handle)[c], e.item.passed))
    }
}

/// Sums of the `all` and `passed` halves of the packed counters on the
/// root-to-leaf path ending at `node` of the tree at `base`. `packed`:
/// every count is below [`PACKED_SUM_LIMIT`], so the path's packed counters
/// sum without a carry between the halves and one 64-bit sum serves both.
#[inline(always)]
fn path_counts(cnt: &[u64], base: usize, mut node: usize, packed: bool) -> (u64, u64) {
    if packed {
        let mut sum = 0u64;
        while node >= 1 {
            sum += cnt[base + node];
            node >>= 1;
        }
        (sum >> 32, sum & LOW)
    } else {
        let (mut a, mut p) = (0u64, 0u64);
        while node >= 1 {
            let v = cnt[base + node];
            a += v >> 32;
            p += v & LOW;
            node >>= 1;
        }
        (a, p)
    }
}

/// Adds `d` (packed) to every counter on the root-to-leaf path ending at
/// `node` of the tree at `base`.
#[inline(always)]
fn add_on_path(cnt: &mut [u64], base: usize, mut node: usize, d: u64) {
    while node >= 1 {
        cnt[base + node] = cnt[base + node].wrapping_add(d);
        node >>= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packed and per-half sums give the same scores.
    #[test]
    fn packed_score_sums_are_exact() {
        let specs = vec![
            Spec::Numeric,
            Spec::Numeric,
            Spec::Categorical { buckets: 5 },
            Spec::Categorical { buckets: 4 },
        ];
        let mut e = Engine::new(specs, 0.1, 1000.0, usize::MAX, 3);
        let mut x = 1u64;
        let mut next = || {
            x = mix(7, x);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for b in 0..300 {
            let ts = vec![f64::from(b); 100];
            let rows: Vec<f64> = (0..100)
                .flat_map(|_| {
                    let (u, v, c, d) = (next(), next(), next(), next());
                    [
                        u * 100.0,
                        (v * 10.0).exp(),
                        (c * 4.0).floor(),
                        (d * 3.0).floor(),
                    ]
                })
                .collect();
            e.advance(f64::from(b));
            e.select(&ts, &rows);
        }
        e.refresh_trees();
        let mut codes = vec![0u32; 4];
        let mut coarse = vec![0u32; 4];
        for i in 0..200 {
            let row = [
                f64::from(i) / 2.0,
                f64::from(i * i),
                f64::from(i % 5),
                f64::from(i % 4),
            ];
            e.codes_of(&row, &mut codes, &mut coarse);
            assert_eq!(
                e.score(&codes, &coarse, true),
                e.score(&codes, &coarse, false)
            );
            e.prefix_sums();
            assert_eq!(
                e.score_ps(&codes, &coarse, true, true),
                e.score(&codes, &coarse, false)
            );
        }
    }

    /// Leaf-only tree updates (summed afterwards) and whole-path updates
    /// leave the same counters and make the same picks, through arrivals,
    /// passes, expiry and rebuilds.
    #[test]
    fn leaf_only_updates_match_path_updates() {
        let specs = vec![
            Spec::Numeric,
            Spec::Categorical { buckets: 5 },
            Spec::Numeric,
        ];
        let mut lazy = Engine::new(specs.clone(), 0.1, 50.0, usize::MAX, 3);
        let mut eager = Engine::new(specs, 0.1, 50.0, usize::MAX, 3);
        let mut x = 1u64;
        let mut next = || {
            x = mix(11, x);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for b in 0..400 {
            let n = 1 + (b * 37) % 120;
            let ts = vec![f64::from(b as u32); n];
            let rows: Vec<f64> = (0..n)
                .flat_map(|_| {
                    let (u, c, v) = (next(), next(), next());
                    let miss = if v < 0.05 { f64::NAN } else { (v * 8.0).exp() };
                    [u * 100.0, (c * 4.0).floor(), miss]
                })
                .collect();
            lazy.leaves_only = true;
            eager.leaves_only = false;
            lazy.advance(f64::from(b as u32));
            eager.advance(f64::from(b as u32));
            lazy.leaves_only = b % 3 != 0;
            eager.leaves_only = false;
            assert_eq!(
                lazy.select(&ts, &rows),
                eager.select(&ts, &rows),
                "batch {b}"
            );
            lazy.refresh_trees();
            eager.refresh_trees();
            assert_eq!(lazy.cnt, eager.cnt, "batch {b}");
        }
        assert!(lazy.rebuilds() > 3);
    }

    /// The 8-ary leaf search is the partition point, including ties,
    /// repeated boundaries and values outside the range, at every size.
    #[test]
    fn leaf_search_is_the_partition_point() {
        for k in [2usize, 4, 8, 16, 32, 64, 128, 256, 512, 1024] {
            let bounds: Vec<f64> = (1..k).map(|i| ((i * 3) / 5) as f64).collect();
            let l = NumLayout::new(k, bounds.clone());
            let top = (k * 3 / 5) as f64;
            let mut x = -2.0;
            while x <= top + 2.0 {
                assert_eq!(
                    l.leaf(x),
                    bounds.partition_point(|&b| b <= x),
                    "k {k} x {x}"
                );
                x += 0.5;
            }
            for x in [f64::INFINITY, f64::MAX, f64::NEG_INFINITY] {
                assert_eq!(l.leaf(x), bounds.partition_point(|&b| b <= x), "k {k}");
            }
        }
    }
}
