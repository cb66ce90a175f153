//! The generic tuple-sketch core: a theta sample of hashes, each carrying a
//! user-defined summary.
//!
//! Theta sketches and FDT are both built on this module; the Theta sketch is
//! a tuple sketch whose summary is `()`. Everything that decides *which*
//! hashes are kept lives here, once:
//!
//! * [`TupleUpdateSketch`]: the QuickSelect hash table of Apache DataSketches
//!   (starting size, resize factor, stride probing, resize at 1/2 load while
//!   growing, rebuild to the `k` smallest hashes at 15/16 load, after which
//!   theta is the `(k+1)`-th smallest hash).
//! * [`CompactTupleSketch`]: the immutable form, with the DataSketches compact
//!   tuple serialization (family 9) generic over a [`SummarySerde`].
//! * [`TupleUnion`], [`TupleIntersection`] and [`tuple_a_not_b`]: set
//!   operations, with the C++ library's corner-case semantics.
//!
//! Summaries say what happens on a repeated hash through [`Summary`]:
//! `new_from` builds one for a new hash, `update` folds a repeated update in,
//! and `merge` combines two summaries of one hash (union, intersection).
//!
//! ```
//! use distilled_theta::tuple::{Summary, TupleUpdateSketch};
//!
//! /// Counts how often each retained key was seen.
//! #[derive(Clone, Debug, PartialEq)]
//! struct Count(u64);
//! impl Summary for Count {
//!     type Update = u64;
//!     fn new_from(n: &u64) -> Self { Count(*n) }
//!     fn update(&mut self, n: &u64) { self.0 += n }
//!     fn merge(&mut self, other: &Self) { self.0 += other.0 }
//! }
//!
//! let mut s = TupleUpdateSketch::<Count>::new(12, 9001).unwrap();
//! s.update_hash(42, &1);
//! s.update_hash(42, &2);
//! s.update_hash(7, &1);
//! assert_eq!(s.num_retained(), 2);
//! let c = s.compact(true);
//! assert_eq!(c.entries(), &[(7, Count(1)), (42, Count(3))]);
//! ```

use std::fmt;

use distilled_core::codec::{check_seed_hash, check_serial_version};
use distilled_core::hash::{DEFAULT_SEED, MAX_THETA, compute_seed_hash};
use distilled_core::{ByteReader, ByteWriter, DecodeError, Family, MergeError, NumStdDev};

use crate::bounds;

/// Smallest supported `lg_k` (k = 32).
pub const MIN_LG_K: u8 = 5;
/// Largest supported `lg_k` (k = 2^26).
pub const MAX_LG_K: u8 = 26;
/// Default `lg_k` (k = 4096, RSE about 1.56%).
pub const DEFAULT_LG_K: u8 = 12;

/// Stride mask of the double-hashing probe (7 bits, as DataSketches).
const STRIDE_MASK: u64 = (1 << 7) - 1;

/// What a tuple sketch keeps beside each retained hash.
pub trait Summary: Clone {
    /// The value an update carries (`()` for theta, the tuple for FDT).
    type Update: ?Sized;
    /// A summary for a hash seen for the first time.
    fn new_from(update: &Self::Update) -> Self;
    /// Folds a repeated update of the same hash into the summary.
    fn update(&mut self, update: &Self::Update);
    /// Combines the summaries of one hash held by two sketches (used by
    /// union and intersection; `self` is the receiving side).
    fn merge(&mut self, other: &Self);
}

/// The empty summary: a tuple sketch of `()` is a theta sketch.
impl Summary for () {
    type Update = ();
    #[inline(always)]
    fn new_from(_: &()) -> Self {}
    #[inline(always)]
    fn update(&mut self, _: &()) {}
    #[inline(always)]
    fn merge(&mut self, _: &()) {}
}

/// Reading and writing one summary in the DataSketches compact tuple format,
/// where each entry is its hash followed by the summary's bytes.
pub trait SummarySerde: Sized {
    /// Appends the summary's bytes.
    fn write_summary(&self, out: &mut ByteWriter);
    /// Reads one summary, consuming exactly its bytes; hostile input must give
    /// a [`DecodeError`], never a panic.
    fn read_summary(input: &mut ByteReader<'_>) -> Result<Self, DecodeError>;
}

impl SummarySerde for () {
    fn write_summary(&self, _: &mut ByteWriter) {}
    fn read_summary(_: &mut ByteReader<'_>) -> Result<Self, DecodeError> {
        Ok(())
    }
}

/// How much the hash table grows each time it resizes (DataSketches `X1` to
/// `X8`; the default `X8` matches the Java, C++ and Python libraries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ResizeFactor {
    /// Start at full size and never resize.
    X1 = 0,
    /// Double.
    X2 = 1,
    /// Quadruple.
    X4 = 2,
    /// Grow eightfold.
    #[default]
    X8 = 3,
}

impl ResizeFactor {
    /// log2 of the growth factor.
    pub fn lg(self) -> u8 {
        self as u8
    }

    fn from_lg(lg: u8) -> Option<Self> {
        match lg {
            0 => Some(ResizeFactor::X1),
            1 => Some(ResizeFactor::X2),
            2 => Some(ResizeFactor::X4),
            3 => Some(ResizeFactor::X8),
            _ => None,
        }
    }
}

/// An invalid sketch configuration.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `lg_k` must be in `MIN_LG_K..=MAX_LG_K` (5..=26).
    LgKOutOfRange(u8),
    /// The sampling probability must be in `(0, 1]` and large enough that
    /// the initial theta is not zero.
    InvalidProbability(f32),
    /// The seed's 16-bit seed hash is 0, which the formats cannot store.
    UnusableSeed(u64),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::LgKOutOfRange(v) => {
                write!(f, "lg_k must be in {MIN_LG_K}..={MAX_LG_K}, not {v}")
            }
            ConfigError::InvalidProbability(p) => {
                write!(f, "sampling probability must be in (0, 1], not {p}")
            }
            ConfigError::UnusableSeed(s) => write!(f, "seed {s} has a zero seed hash"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Configuration shared by update sketches and unions (builder style).
///
/// ```
/// use distilled_theta::tuple::{ResizeFactor, SketchBuilder};
/// let b = SketchBuilder::new().lg_k(10).resize_factor(ResizeFactor::X2).p(0.5).seed(7);
/// let s = b.build_tuple::<()>().unwrap();
/// assert_eq!(s.lg_k(), 10);
/// assert!(SketchBuilder::new().lg_k(4).build_tuple::<()>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SketchBuilder {
    lg_k: u8,
    rf: ResizeFactor,
    p: f32,
    seed: u64,
}

impl Default for SketchBuilder {
    fn default() -> Self {
        SketchBuilder {
            lg_k: DEFAULT_LG_K,
            rf: ResizeFactor::X8,
            p: 1.0,
            seed: DEFAULT_SEED,
        }
    }
}

impl SketchBuilder {
    /// Defaults: lg_k 12, resize factor X8, p 1, seed 9001.
    pub fn new() -> Self {
        Self::default()
    }
    /// Nominal entries `k = 2^lg_k`.
    pub fn lg_k(mut self, lg_k: u8) -> Self {
        self.lg_k = lg_k;
        self
    }
    /// Growth factor of the hash table.
    pub fn resize_factor(mut self, rf: ResizeFactor) -> Self {
        self.rf = rf;
        self
    }
    /// Up-front sampling probability (stored as `f32`, as DataSketches does).
    pub fn p(mut self, p: f32) -> Self {
        self.p = p;
        self
    }
    /// Hash seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<(u16, u64), ConfigError> {
        if !(MIN_LG_K..=MAX_LG_K).contains(&self.lg_k) {
            return Err(ConfigError::LgKOutOfRange(self.lg_k));
        }
        let theta = theta_from_p(self.p).ok_or(ConfigError::InvalidProbability(self.p))?;
        let sh = compute_seed_hash(self.seed).ok_or(ConfigError::UnusableSeed(self.seed))?;
        Ok((sh, theta))
    }

    /// The validated `(lg_k, seed_hash, initial theta)` of this
    /// configuration.
    pub(crate) fn validated(&self) -> Result<(u8, u16, u64), ConfigError> {
        let (seed_hash, theta) = self.validate()?;
        Ok((self.lg_k, seed_hash, theta))
    }

    /// An empty tuple update sketch.
    pub fn build_tuple<S: Summary>(&self) -> Result<TupleUpdateSketch<S>, ConfigError> {
        let (seed_hash, theta) = self.validate()?;
        Ok(TupleUpdateSketch {
            table: Table::new(self.lg_k, self.rf.lg(), theta),
            is_empty: true,
            seed: self.seed,
            seed_hash,
            p: self.p,
            rf: self.rf,
        })
    }

    /// An empty tuple union with this lg_k, p and seed.
    pub fn build_tuple_union<S: Summary>(&self) -> Result<TupleUnion<S>, ConfigError> {
        let (seed_hash, theta) = self.validate()?;
        Ok(TupleUnion {
            table: Table::new(self.lg_k, self.rf.lg(), theta),
            union_theta: theta,
            is_empty: true,
            seed: self.seed,
            seed_hash,
            p: self.p,
            rf: self.rf,
        })
    }
}

/// Initial theta for sampling probability `p`, as DataSketches computes it
/// (note `MAX_THETA as f64` rounds to 2^63).
fn theta_from_p(p: f32) -> Option<u64> {
    if !(p > 0.0 && p <= 1.0) {
        return None;
    }
    if p == 1.0 {
        return Some(MAX_THETA);
    }
    let t = (MAX_THETA as f64 * f64::from(p)) as u64;
    (t > 0).then_some(t)
}

/// `starting_sub_multiple`: the table starts small enough that repeated
/// growth by the resize factor lands exactly on `lg_k + 1`.
fn starting_lg_size(lg_k: u8, lg_rf: u8) -> u8 {
    let lg_tgt = lg_k + 1;
    if lg_tgt <= MIN_LG_K {
        MIN_LG_K
    } else if lg_rf == 0 {
        lg_tgt
    } else {
        (lg_tgt - MIN_LG_K) % lg_rf + MIN_LG_K
    }
}

/// The QuickSelect open-addressing table shared by update sketches and
/// unions. Key 0 marks an empty slot; for a summary with data, `vals[i]` is
/// `Some` exactly when `keys[i] != 0`.
///
/// A zero-sized summary (the theta sketch's `()`) is never stored per slot:
/// `vals` stays empty and one shared instance in `unit` stands for all, so
/// the hot path touches only the key array.
#[derive(Debug)]
pub(crate) struct Table<S> {
    pub(crate) theta: u64,
    lg_cur: u8,
    lg_nom: u8,
    lg_rf: u8,
    num: usize,
    capacity: usize,
    keys: Vec<u64>,
    vals: Vec<Option<S>>,
    /// The shared instance of a zero-sized summary (set on first insert).
    unit: Option<S>,
    /// Reused by rebuilds of hash-only tables so that they do not allocate.
    scratch: Vec<u64>,
}

/// Written out for `clone_from`, which reuses `self`'s arrays (see
/// [`crate::ThetaSketch`]'s `Clone`).
impl<S: Clone> Clone for Table<S> {
    fn clone(&self) -> Self {
        Table {
            theta: self.theta,
            lg_cur: self.lg_cur,
            lg_nom: self.lg_nom,
            lg_rf: self.lg_rf,
            num: self.num,
            capacity: self.capacity,
            keys: self.keys.clone(),
            vals: self.vals.clone(),
            unit: self.unit.clone(),
            scratch: Vec::new(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        // Destructured in full so that a new field cannot be forgotten here.
        let Table {
            theta,
            lg_cur,
            lg_nom,
            lg_rf,
            num,
            capacity,
            keys,
            vals,
            unit,
            scratch: _,
        } = source;
        self.theta = *theta;
        self.lg_cur = *lg_cur;
        self.lg_nom = *lg_nom;
        self.lg_rf = *lg_rf;
        self.num = *num;
        self.capacity = *capacity;
        self.keys.clone_from(keys);
        self.vals.clone_from(vals);
        self.unit.clone_from(unit);
        // Working space, cleared before every use: only its memory is kept.
    }
}

/// Slot of `key` in an open-addressing table of `2^lg_cur` keys, and whether
/// it is already there (DataSketches stride probing).
#[inline(always)]
fn find_slot(keys: &[u64], lg_cur: u8, key: u64) -> (usize, bool) {
    let mask = keys.len().wrapping_sub(1);
    let stride = (2 * ((key >> lg_cur) & STRIDE_MASK) + 1) as usize;
    let mut i = key as usize & mask;
    // Load never exceeds 15/16, so an empty slot always ends the probe;
    // an odd stride visits every slot of a power-of-two table.
    loop {
        let k = keys[i];
        if k == key {
            return (i, true);
        }
        if k == 0 {
            return (i, false);
        }
        i = (i + stride) & mask;
    }
}

fn capacity_for(lg_cur: u8, lg_nom: u8) -> usize {
    let size = 1usize << lg_cur;
    if lg_cur <= lg_nom {
        size / 2
    } else {
        size / 16 * 15
    }
}

impl<S: Clone> Table<S> {
    /// `true` when the summary has no data, so only keys are stored.
    const HASH_ONLY: bool = std::mem::size_of::<S>() == 0;

    fn empty_vals(size: usize) -> Vec<Option<S>> {
        if Self::HASH_ONLY {
            Vec::new()
        } else {
            std::iter::repeat_with(|| None).take(size).collect()
        }
    }

    pub(crate) fn new(lg_nom: u8, lg_rf: u8, theta: u64) -> Self {
        let lg_cur = starting_lg_size(lg_nom, lg_rf);
        Table {
            theta,
            lg_cur,
            lg_nom,
            lg_rf,
            num: 0,
            capacity: capacity_for(lg_cur, lg_nom),
            keys: vec![0; 1 << lg_cur],
            vals: Self::empty_vals(1 << lg_cur),
            unit: None,
            scratch: Vec::new(),
        }
    }

    /// Slot of `key`, and whether it is already there.
    #[inline(always)]
    fn find(&self, key: u64) -> (usize, bool) {
        find_slot(&self.keys, self.lg_cur, key)
    }

    /// Inserts `key` (non-zero, below theta) or updates its summary.
    #[inline(always)]
    pub(crate) fn upsert(
        &mut self,
        key: u64,
        make: impl FnOnce() -> S,
        update: impl FnOnce(&mut S),
    ) {
        let (i, found) = self.find(key);
        if found {
            let slot = if Self::HASH_ONLY {
                self.unit.as_mut()
            } else {
                self.vals.get_mut(i).and_then(Option::as_mut)
            };
            if let Some(s) = slot {
                update(s);
            }
            return;
        }
        self.keys[i] = key;
        if Self::HASH_ONLY {
            if self.unit.is_none() {
                self.unit = Some(make());
            }
        } else {
            self.vals[i] = Some(make());
        }
        self.num += 1;
        if self.num > self.capacity {
            self.grow_or_rebuild();
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_or_rebuild(&mut self) {
        if self.lg_cur <= self.lg_nom {
            self.resize();
        } else {
            self.rebuild();
        }
    }

    fn resize(&mut self) {
        let lg_new = (self.lg_cur + self.lg_rf.max(1)).min(self.lg_nom + 1);
        let old_keys = std::mem::take(&mut self.keys);
        let mut old_vals = std::mem::take(&mut self.vals);
        self.lg_cur = lg_new;
        self.capacity = capacity_for(lg_new, self.lg_nom);
        self.keys = vec![0; 1 << lg_new];
        self.vals = Self::empty_vals(1 << lg_new);
        // Reinsert in old slot order, as the C++ library does, so that the
        // slot layout (and unordered compact bytes in exact mode) agree.
        if Self::HASH_ONLY {
            for k in old_keys {
                if k != 0 {
                    let (i, _) = self.find(k);
                    self.keys[i] = k;
                }
            }
        } else {
            for (k, v) in old_keys.into_iter().zip(old_vals.iter_mut()) {
                if k != 0 {
                    let (i, _) = self.find(k);
                    self.keys[i] = k;
                    self.vals[i] = v.take();
                }
            }
        }
    }

    /// Moves every entry out, leaving an empty table of the same size.
    fn drain(&mut self) -> Vec<(u64, S)> {
        let mut out = Vec::with_capacity(self.num);
        if Self::HASH_ONLY {
            if let Some(u) = &self.unit {
                for k in self.keys.iter_mut() {
                    if *k != 0 {
                        out.push((*k, u.clone()));
                        *k = 0;
                    }
                }
            }
        } else {
            for (k, v) in self.keys.iter_mut().zip(self.vals.iter_mut()) {
                if *k != 0 {
                    if let Some(s) = v.take() {
                        out.push((*k, s));
                    }
                    *k = 0;
                }
            }
        }
        self.num = 0;
        out
    }

    fn reinsert(&mut self, entries: Vec<(u64, S)>) {
        for (k, s) in entries {
            let (i, found) = self.find(k);
            if !found {
                self.keys[i] = k;
                if !Self::HASH_ONLY {
                    self.vals[i] = Some(s);
                }
                self.num += 1;
            }
        }
    }

    /// Keeps the `k` smallest hashes; theta becomes the `(k+1)`-th smallest.
    fn rebuild(&mut self) {
        let nominal = 1usize << self.lg_nom;
        if Self::HASH_ONLY {
            // Select on a reused copy of the keys, then refill the table with
            // the survivors: no allocation once the scratch buffer is sized.
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            scratch.resize(self.keys.len() + 1, 0);
            // Branch-free compaction: about half the slots are empty, in
            // random order, which a filtering branch would mispredict.
            let mut n = 0;
            for &k in &self.keys {
                scratch[n] = k;
                n += usize::from(k != 0);
            }
            scratch.truncate(n);
            if scratch.len() > nominal {
                let (_, &mut nth, _) = scratch.select_nth_unstable(nominal);
                self.theta = nth;
                scratch.truncate(nominal);
            }
            self.keys.fill(0);
            for &k in &scratch {
                let (i, _) = self.find(k);
                self.keys[i] = k;
            }
            self.num = scratch.len();
            self.scratch = scratch;
            return;
        }
        let mut entries = self.drain();
        if entries.len() > nominal {
            entries.select_nth_unstable_by_key(nominal, |e| e.0);
            self.theta = entries[nominal].0;
            entries.truncate(nominal);
        }
        self.reinsert(entries);
    }

    /// Rebuilds down to `k` entries if above it.
    pub(crate) fn trim(&mut self) {
        if self.num > 1usize << self.lg_nom {
            self.rebuild();
        }
    }

    /// Lowers theta to `new_theta` (if lower), dropping entries at or above it.
    pub(crate) fn lower_theta(&mut self, new_theta: u64) {
        if new_theta >= self.theta {
            return;
        }
        self.theta = new_theta;
        let mut entries = self.drain();
        entries.retain(|e| e.0 < new_theta);
        self.reinsert(entries);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &S)> + '_ {
        self.keys.iter().enumerate().filter_map(move |(i, &k)| {
            if k == 0 {
                return None;
            }
            let s = if Self::HASH_ONLY {
                self.unit.as_ref()
            } else {
                self.vals.get(i).and_then(Option::as_ref)
            };
            s.map(|s| (k, s))
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.num
    }

    pub(crate) fn reset(&mut self, theta: u64) {
        *self = Table::new(self.lg_nom, self.lg_rf, theta);
    }
}

/// Read access common to every tuple-sketch form, so that set operations
/// take update sketches and compact sketches alike.
pub trait TupleSketchRef<S> {
    /// Theta as a 63-bit integer (`MAX_THETA` is 1.0).
    fn theta64(&self) -> u64;
    /// `true` when the sketch has seen no input.
    fn is_empty(&self) -> bool;
    /// The 16-bit hash of the seed the sketch was built with.
    fn seed_hash(&self) -> u16;
    /// `true` when [`TupleSketchRef::entries_iter`] yields ascending hashes.
    fn is_ordered(&self) -> bool;
    /// Number of retained entries.
    fn num_retained(&self) -> usize;
    /// The retained `(hash, summary)` pairs.
    fn entries_iter<'a>(&'a self) -> impl Iterator<Item = (u64, &'a S)>
    where
        S: 'a;
    /// Whether this sketch has anything to fold into a set operation built
    /// for `seed_hash`: `Ok(false)` when it is empty (an empty sketch of any
    /// seed changes nothing), an error when its seed differs.
    fn check_foldable(&self, seed_hash: u16) -> Result<bool, MergeError> {
        if self.is_empty() {
            return Ok(false);
        }
        if self.seed_hash() != seed_hash {
            return Err(MergeError::SeedMismatch {
                expected: seed_hash,
                found: self.seed_hash(),
            });
        }
        Ok(true)
    }
}

fn estimate_of(is_empty: bool, n: usize, theta64: u64) -> f64 {
    if is_empty {
        return 0.0;
    }
    n as f64 / (theta64 as f64 / MAX_THETA as f64)
}

fn lower_of(is_empty: bool, n: usize, theta64: u64, s: NumStdDev) -> f64 {
    if is_empty {
        return 0.0;
    }
    if theta64 >= MAX_THETA {
        return n as f64;
    }
    bounds::lower_bound(n as u64, theta64 as f64 / MAX_THETA as f64, s)
}

fn upper_of(is_empty: bool, n: usize, theta64: u64, s: NumStdDev) -> f64 {
    if is_empty {
        return 0.0;
    }
    if theta64 >= MAX_THETA {
        return n as f64;
    }
    bounds::upper_bound(n as u64, theta64 as f64 / MAX_THETA as f64, s)
}

/// Estimate and bound accessors shared by every form.
macro_rules! estimate_methods {
    () => {
        /// Theta as a fraction of the hash space, in `(0, 1]`.
        pub fn theta(&self) -> f64 {
            self.theta64() as f64 / MAX_THETA as f64
        }
        /// `true` when theta is below 1 and the sketch is not empty, so that
        /// the estimate is no longer an exact count.
        pub fn is_estimation_mode(&self) -> bool {
            self.theta64() < MAX_THETA && !self.is_empty()
        }
        /// Estimated number of distinct keys: `num_retained / theta`.
        pub fn estimate(&self) -> f64 {
            estimate_of(self.is_empty(), self.num_retained(), self.theta64())
        }
        /// Lower confidence bound (DataSketches binomial bounds; exact in
        /// exact mode).
        pub fn lower_bound(&self, num_std_dev: NumStdDev) -> f64 {
            lower_of(
                self.is_empty(),
                self.num_retained(),
                self.theta64(),
                num_std_dev,
            )
        }
        /// Upper confidence bound (DataSketches binomial bounds; exact in
        /// exact mode).
        pub fn upper_bound(&self, num_std_dev: NumStdDev) -> f64 {
            upper_of(
                self.is_empty(),
                self.num_retained(),
                self.theta64(),
                num_std_dev,
            )
        }
    };
}

/// A mutable tuple sketch: the QuickSelect table of `(hash, summary)` pairs.
///
/// Hashes are computed by the caller (63-bit theta hashes, see
/// [`distilled_core::hash`]); hash 0 and hashes at or above theta are
/// rejected. The table may hold up to about `15k/8` entries between
/// rebuilds, all of which count in the estimate; [`TupleUpdateSketch::trim`]
/// cuts it to `k`.
#[derive(Debug)]
pub struct TupleUpdateSketch<S> {
    pub(crate) table: Table<S>,
    pub(crate) is_empty: bool,
    seed: u64,
    seed_hash: u16,
    p: f32,
    rf: ResizeFactor,
}

/// Written out for `clone_from`, which reuses `self`'s table arrays.
impl<S: Clone> Clone for TupleUpdateSketch<S> {
    fn clone(&self) -> Self {
        TupleUpdateSketch {
            table: self.table.clone(),
            is_empty: self.is_empty,
            seed: self.seed,
            seed_hash: self.seed_hash,
            p: self.p,
            rf: self.rf,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        let TupleUpdateSketch {
            table,
            is_empty,
            seed,
            seed_hash,
            p,
            rf,
        } = source;
        self.table.clone_from(table);
        self.is_empty = *is_empty;
        self.seed = *seed;
        self.seed_hash = *seed_hash;
        self.p = *p;
        self.rf = *rf;
    }
}

impl<S: Summary> TupleUpdateSketch<S> {
    /// An empty sketch with `k = 2^lg_k`, resize factor X8, p = 1.
    pub fn new(lg_k: u8, seed: u64) -> Result<Self, ConfigError> {
        SketchBuilder::new().lg_k(lg_k).seed(seed).build_tuple()
    }

    /// The builder, for resize factor and sampling probability.
    pub fn builder() -> SketchBuilder {
        SketchBuilder::new()
    }

    /// Offers one hashed key with its update value.
    #[inline(always)]
    pub fn update_hash(&mut self, hash: u64, update: &S::Update) {
        self.is_empty = false;
        self.insert_hash(hash, update);
    }

    /// [`TupleUpdateSketch::update_hash`] without touching the emptiness flag
    /// (batched callers set it once).
    #[inline(always)]
    pub(crate) fn insert_hash(&mut self, hash: u64, update: &S::Update) {
        // One compare rejects both 0 and `hash >= theta` (theta >= 1).
        if hash.wrapping_sub(1) >= self.table.theta.wrapping_sub(1) {
            return;
        }
        self.table
            .upsert(hash, || S::new_from(update), |s| s.update(update));
    }

    /// Theta as a 63-bit integer; `MAX_THETA` (1.0) while empty, whatever `p`.
    pub fn theta64(&self) -> u64 {
        if self.is_empty {
            MAX_THETA
        } else {
            self.table.theta
        }
    }

    /// Number of retained entries (may exceed `k` until a rebuild or trim).
    pub fn num_retained(&self) -> usize {
        self.table.len()
    }

    /// `true` until the first key is offered (even a rejected one).
    pub fn is_empty(&self) -> bool {
        self.is_empty
    }

    estimate_methods!();

    /// `lg_k` of the nominal entries.
    pub fn lg_k(&self) -> u8 {
        self.table.lg_nom
    }
    /// The hash seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The 16-bit hash of the seed.
    pub fn seed_hash(&self) -> u16 {
        self.seed_hash
    }
    /// The resize factor.
    pub fn resize_factor(&self) -> ResizeFactor {
        self.rf
    }
    /// The up-front sampling probability.
    pub fn p(&self) -> f32 {
        self.p
    }

    /// The retained `(hash, summary)` pairs in table order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &S)> + '_ {
        self.table.iter()
    }

    /// An immutable copy holding every retained entry (not trimmed), sorted
    /// by hash when `ordered`.
    pub fn compact(&self, ordered: bool) -> CompactTupleSketch<S> {
        CompactTupleSketch::from_ref(self, ordered)
    }

    /// Rebuilds down to `k` entries if the table holds more.
    pub fn trim(&mut self) {
        self.table.trim();
    }

    /// Back to the empty state with the same configuration.
    pub fn reset(&mut self) {
        let theta = theta_from_p(self.p).unwrap_or(MAX_THETA);
        self.table.reset(theta);
        self.is_empty = true;
    }

    /// A fresh empty sketch with this configuration.
    pub fn empty_like(&self) -> Self {
        let mut s = self.clone_config();
        s.reset();
        s
    }

    fn clone_config(&self) -> Self {
        TupleUpdateSketch {
            table: Table::new(
                self.table.lg_nom,
                self.table.lg_rf,
                theta_from_p(self.p).unwrap_or(MAX_THETA),
            ),
            is_empty: true,
            seed: self.seed,
            seed_hash: self.seed_hash,
            p: self.p,
            rf: self.rf,
        }
    }

    /// Folds another sketch of the same seed into this one (a union into the
    /// update table): theta becomes the smaller of the two, entries at or
    /// above it are dropped, equal hashes `merge` their summaries, and the
    /// table rebuilds to `k` when it fills. `self` is unchanged on error.
    pub fn merge_from(&mut self, other: &impl TupleSketchRef<S>) -> Result<(), MergeError> {
        if !other.check_foldable(self.seed_hash)? {
            return Ok(());
        }
        self.is_empty = false;
        self.table.lower_theta(other.theta64());
        for (h, s) in other.entries_iter() {
            if h != 0 && h < self.table.theta {
                self.table.upsert(h, || s.clone(), |mine| mine.merge(s));
            } else if other.is_ordered() && h >= self.table.theta {
                break;
            }
        }
        Ok(())
    }
}

impl<S: Summary> TupleSketchRef<S> for TupleUpdateSketch<S> {
    fn theta64(&self) -> u64 {
        TupleUpdateSketch::theta64(self)
    }
    fn is_empty(&self) -> bool {
        self.is_empty
    }
    fn seed_hash(&self) -> u16 {
        self.seed_hash
    }
    fn is_ordered(&self) -> bool {
        self.table.len() <= 1
    }
    fn num_retained(&self) -> usize {
        self.table.len()
    }
    fn entries_iter<'a>(&'a self) -> impl Iterator<Item = (u64, &'a S)>
    where
        S: 'a,
    {
        self.table.iter()
    }
}

/// An immutable tuple sketch: theta, seed hash, emptiness and the retained
/// `(hash, summary)` pairs (ascending when ordered).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CompactTupleSketch<S> {
    is_empty: bool,
    is_ordered: bool,
    seed_hash: u16,
    theta: u64,
    entries: Vec<(u64, S)>,
}

impl<S: Clone> CompactTupleSketch<S> {
    /// Copies any tuple-sketch form, sorting when `ordered`.
    pub fn from_ref(src: &impl TupleSketchRef<S>, ordered: bool) -> Self {
        let mut entries: Vec<(u64, S)> = if src.is_empty() {
            Vec::new()
        } else {
            src.entries_iter().map(|(h, s)| (h, s.clone())).collect()
        };
        let already = src.is_ordered();
        if ordered && !already {
            entries.sort_unstable_by_key(|e| e.0);
        }
        CompactTupleSketch {
            is_empty: src.is_empty(),
            is_ordered: already || ordered,
            seed_hash: src.seed_hash(),
            theta: src.theta64(),
            entries,
        }
    }
}

impl<S> CompactTupleSketch<S> {
    /// Assembles a sketch from its parts, checking what a decoder must:
    /// theta in `1..=MAX_THETA`, every hash non-zero, below theta and unique,
    /// ascending if `ordered`, and no entries in an empty sketch.
    pub fn from_parts(
        is_empty: bool,
        ordered: bool,
        seed_hash: u16,
        theta: u64,
        entries: Vec<(u64, S)>,
    ) -> Result<Self, DecodeError> {
        if theta == 0 || theta > MAX_THETA {
            return Err(DecodeError::inconsistent(
                "theta",
                format!("{theta:#x} is outside 1..=2^63-1"),
            ));
        }
        if is_empty && !entries.is_empty() {
            return Err(DecodeError::inconsistent(
                "flags",
                "an empty sketch cannot hold entries",
            ));
        }
        if let Some(&(h, _)) = entries.iter().find(|e| e.0 == 0 || e.0 >= theta) {
            return Err(DecodeError::inconsistent(
                "entries",
                format!("hash {h:#x} is zero or not below theta {theta:#x}"),
            ));
        }
        if ordered {
            if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(DecodeError::inconsistent(
                    "entries",
                    "ordered flag set but hashes are not strictly ascending",
                ));
            }
        } else if entries.len() > 1 {
            let mut keys: Vec<u64> = entries.iter().map(|e| e.0).collect();
            keys.sort_unstable();
            if keys.windows(2).any(|w| w[0] == w[1]) {
                return Err(DecodeError::inconsistent("entries", "duplicate hash"));
            }
        }
        Ok(CompactTupleSketch {
            is_empty,
            is_ordered: ordered,
            seed_hash,
            theta: if is_empty { MAX_THETA } else { theta },
            entries,
        })
    }

    /// Assembles a sketch whose invariants the caller guarantees (the
    /// checks of [`CompactTupleSketch::from_parts`] hold by construction).
    pub(crate) fn from_trusted(
        is_empty: bool,
        ordered: bool,
        seed_hash: u16,
        theta: u64,
        entries: Vec<(u64, S)>,
    ) -> Self {
        debug_assert!(theta > 0 && theta <= MAX_THETA && (!is_empty || entries.is_empty()));
        CompactTupleSketch {
            is_empty,
            is_ordered: ordered,
            seed_hash,
            theta,
            entries,
        }
    }

    /// An empty sketch for the given seed hash.
    pub fn empty(seed_hash: u16) -> Self {
        CompactTupleSketch {
            is_empty: true,
            is_ordered: true,
            seed_hash,
            theta: MAX_THETA,
            entries: Vec::new(),
        }
    }

    /// Theta as a 63-bit integer.
    pub fn theta64(&self) -> u64 {
        self.theta
    }
    /// `true` when the source sketch saw no input.
    pub fn is_empty(&self) -> bool {
        self.is_empty
    }
    /// `true` when the entries are in ascending hash order.
    pub fn is_ordered(&self) -> bool {
        self.is_ordered
    }
    /// The 16-bit seed hash.
    pub fn seed_hash(&self) -> u16 {
        self.seed_hash
    }
    /// Number of retained entries.
    pub fn num_retained(&self) -> usize {
        self.entries.len()
    }
    /// The retained `(hash, summary)` pairs.
    pub fn entries(&self) -> &[(u64, S)] {
        &self.entries
    }
    /// The retained pairs, by reference.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &S)> + '_ {
        self.entries.iter().map(|(h, s)| (*h, s))
    }
    /// Takes the entries out.
    pub fn into_entries(self) -> Vec<(u64, S)> {
        self.entries
    }

    estimate_methods!();
}

impl<S> TupleSketchRef<S> for CompactTupleSketch<S> {
    fn theta64(&self) -> u64 {
        self.theta
    }
    fn is_empty(&self) -> bool {
        self.is_empty
    }
    fn seed_hash(&self) -> u16 {
        self.seed_hash
    }
    fn is_ordered(&self) -> bool {
        self.is_ordered
    }
    fn num_retained(&self) -> usize {
        self.entries.len()
    }
    fn entries_iter<'a>(&'a self) -> impl Iterator<Item = (u64, &'a S)>
    where
        S: 'a,
    {
        self.entries.iter().map(|(h, s)| (*h, s))
    }
}

/// Which library's conventions a writer follows where Java and C++ differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// C++ and Python: the ORDERED flag is set for ordered sketches.
    #[default]
    Cpp,
    /// Java: the tuple writer never sets ORDERED.
    Java,
}

pub(crate) const FLAG_READ_ONLY: u8 = 1 << 1;
pub(crate) const FLAG_EMPTY: u8 = 1 << 2;
pub(crate) const FLAG_COMPACT: u8 = 1 << 3;
pub(crate) const FLAG_ORDERED: u8 = 1 << 4;

const TUPLE_SERIAL_VERSION: u8 = 3;
const TUPLE_TYPE_COMPACT: u8 = 1;
const TUPLE_TYPE_COMPACT_LEGACY: u8 = 5;

impl<S: SummarySerde> CompactTupleSketch<S> {
    /// The DataSketches compact tuple layout (family 9, serial version 3),
    /// as the C++ library and the Python wheel write it.
    pub fn serialize(&self) -> Vec<u8> {
        self.serialize_dialect(Dialect::Cpp)
    }

    /// The compact tuple layout with the given library's flag conventions.
    pub fn serialize_dialect(&self, dialect: Dialect) -> Vec<u8> {
        let estimation = self.is_estimation_mode();
        let single = self.entries.len() == 1 && !estimation;
        let pre_longs: u8 = if estimation {
            3
        } else if self.is_empty || single {
            1
        } else {
            2
        };
        let mut flags = FLAG_READ_ONLY | FLAG_COMPACT;
        if self.is_empty {
            flags |= FLAG_EMPTY;
        }
        if self.is_ordered && dialect == Dialect::Cpp {
            flags |= FLAG_ORDERED;
        }
        let mut w = ByteWriter::with_capacity(24 + self.entries.len() * 16);
        w.put_u8(pre_longs)
            .put_u8(TUPLE_SERIAL_VERSION)
            .put_u8(Family::Tuple.id())
            .put_u8(TUPLE_TYPE_COMPACT)
            .put_u8(0)
            .put_u8(flags)
            .put_u16(self.seed_hash);
        if !self.is_empty {
            if pre_longs > 1 {
                w.put_u32(self.entries.len() as u32).put_u32(0);
            }
            if pre_longs > 2 {
                w.put_u64(self.theta);
            }
            for (h, s) in &self.entries {
                w.put_u64(*h);
                s.write_summary(&mut w);
            }
        }
        w.into_vec()
    }

    /// Reads the compact tuple layout, checking the seed hash against `seed`
    /// (skipped for empty sketches, whose seed hash Java writes as 0).
    pub fn deserialize(bytes: &[u8], seed: u64) -> Result<Self, DecodeError> {
        let expected = compute_seed_hash(seed).ok_or(DecodeError::inconsistent(
            "seed",
            "the seed's seed hash is zero",
        ))?;
        let mut r = ByteReader::new(bytes);
        let pre_longs = r.u8()? & 0x3F;
        check_serial_version(r.u8()?, &[TUPLE_SERIAL_VERSION])?;
        r.expect_family(Family::Tuple)?;
        let sketch_type = r.u8()?;
        if sketch_type != TUPLE_TYPE_COMPACT && sketch_type != TUPLE_TYPE_COMPACT_LEGACY {
            return Err(DecodeError::inconsistent(
                "sketch_type",
                format!("{sketch_type} is not a compact tuple sketch"),
            ));
        }
        r.u8()?;
        let flags = r.u8()?;
        let seed_hash = r.u16()?;
        let is_empty = flags & FLAG_EMPTY != 0;
        if is_empty {
            r.expect_end()?;
            return Ok(CompactTupleSketch::empty(expected));
        }
        check_seed_hash(expected, seed_hash)?;
        let (count, theta) = match pre_longs {
            1 => (1u64, MAX_THETA),
            2 | 3 => {
                let n = u64::from(r.u32()?);
                r.u32()?;
                let theta = if pre_longs == 3 { r.u64()? } else { MAX_THETA };
                (n, theta)
            }
            other => {
                return Err(DecodeError::inconsistent(
                    "preamble_longs",
                    format!("{other} is not 1, 2 or 3"),
                ));
            }
        };
        // Each entry takes at least its 8-byte hash: bound the allocation.
        let n = r.check_count(count, 8)?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let h = r.u64()?;
            let s = S::read_summary(&mut r)?;
            entries.push((h, s));
        }
        r.expect_end()?;
        let ordered = flags & FLAG_ORDERED != 0 || entries.windows(2).all(|w| w[0].0 < w[1].0);
        CompactTupleSketch::from_parts(false, ordered, seed_hash, theta, entries)
    }
}

/// A union of tuple sketches with its own nominal size `k = 2^lg_k`.
///
/// Equal hashes combine with [`Summary::merge`]. The result keeps at most `k`
/// entries.
#[derive(Debug, Clone)]
pub struct TupleUnion<S> {
    table: Table<S>,
    union_theta: u64,
    is_empty: bool,
    seed: u64,
    seed_hash: u16,
    p: f32,
    rf: ResizeFactor,
}

impl<S: Summary> TupleUnion<S> {
    /// An empty union with `k = 2^lg_k`.
    pub fn new(lg_k: u8, seed: u64) -> Result<Self, ConfigError> {
        SketchBuilder::new()
            .lg_k(lg_k)
            .seed(seed)
            .build_tuple_union()
    }

    /// A union with default resize factor and p that checks inputs against a
    /// seed hash only (for set operations whose inputs carry no seed).
    pub(crate) fn with_seed_hash(lg_k: u8, seed_hash: u16) -> Self {
        TupleUnion {
            table: Table::new(lg_k, ResizeFactor::X8.lg(), MAX_THETA),
            union_theta: MAX_THETA,
            is_empty: true,
            seed: 0,
            seed_hash,
            p: 1.0,
            rf: ResizeFactor::X8,
        }
    }

    /// Adds a sketch. An empty sketch is skipped; another seed is an error
    /// and leaves the union unchanged.
    pub fn update(&mut self, sketch: &impl TupleSketchRef<S>) -> Result<(), MergeError> {
        if !sketch.check_foldable(self.seed_hash)? {
            return Ok(());
        }
        self.is_empty = false;
        self.union_theta = self.union_theta.min(sketch.theta64());
        let ordered = sketch.is_ordered();
        for (h, s) in sketch.entries_iter() {
            if h != 0 && h < self.union_theta && h < self.table.theta {
                self.table.upsert(h, || s.clone(), |mine| mine.merge(s));
            } else if ordered {
                break;
            }
        }
        self.union_theta = self.union_theta.min(self.table.theta);
        Ok(())
    }

    /// The union so far: theta is the smaller of the union's theta and the
    /// table's, and at most `k` entries remain (theta drops to the `(k+1)`-th
    /// smallest hash otherwise).
    pub fn result(&self, ordered: bool) -> CompactTupleSketch<S> {
        if self.is_empty {
            return CompactTupleSketch::empty(self.seed_hash);
        }
        let mut theta = self.union_theta.min(self.table.theta);
        let mut entries: Vec<(u64, S)> = self
            .table
            .iter()
            .filter(|e| e.0 < theta)
            .map(|(h, s)| (h, s.clone()))
            .collect();
        let nominal = 1usize << self.table.lg_nom;
        if entries.len() > nominal {
            entries.select_nth_unstable_by_key(nominal, |e| e.0);
            theta = entries[nominal].0;
            entries.truncate(nominal);
        }
        if ordered {
            entries.sort_unstable_by_key(|e| e.0);
        }
        CompactTupleSketch {
            is_empty: false,
            is_ordered: ordered,
            seed_hash: self.seed_hash,
            theta,
            entries,
        }
    }

    /// Back to the empty state.
    pub fn reset(&mut self) {
        let theta = theta_from_p(self.p).unwrap_or(MAX_THETA);
        self.table.reset(theta);
        self.union_theta = theta;
        self.is_empty = true;
    }

    /// A fresh empty union with this configuration.
    pub fn empty_like(&self) -> Self {
        let mut u = TupleUnion {
            table: Table::new(self.table.lg_nom, self.table.lg_rf, MAX_THETA),
            union_theta: MAX_THETA,
            is_empty: true,
            seed: self.seed,
            seed_hash: self.seed_hash,
            p: self.p,
            rf: self.rf,
        };
        u.reset();
        u
    }

    /// `lg_k` of the union's nominal entries.
    pub fn lg_k(&self) -> u8 {
        self.table.lg_nom
    }
    /// The hash seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The 16-bit seed hash.
    pub fn seed_hash(&self) -> u16 {
        self.seed_hash
    }
    /// `true` until a non-empty sketch is added.
    pub fn is_empty(&self) -> bool {
        self.is_empty
    }
    /// The resize factor of the union's table.
    pub fn resize_factor(&self) -> ResizeFactor {
        ResizeFactor::from_lg(self.table.lg_rf).unwrap_or_default()
    }
}

/// Intersection of tuple sketches. Matching hashes combine with
/// [`Summary::merge`].
///
/// Its state is undefined until the first sketch arrives; [`result`] is
/// `None` before that.
///
/// [`result`]: TupleIntersection::result
#[derive(Debug, Clone)]
pub struct TupleIntersection<S> {
    seed_hash: u16,
    state: Option<InterState<S>>,
}

#[derive(Debug, Clone)]
struct InterState<S> {
    is_empty: bool,
    theta: u64,
    /// Ascending by hash.
    entries: Vec<(u64, S)>,
}

impl<S: Summary> TupleIntersection<S> {
    /// A new intersection for sketches built with `seed`.
    pub fn new(seed: u64) -> Result<Self, ConfigError> {
        let seed_hash = compute_seed_hash(seed).ok_or(ConfigError::UnusableSeed(seed))?;
        Ok(TupleIntersection {
            seed_hash,
            state: None,
        })
    }

    pub(crate) fn with_seed_hash(seed_hash: u16) -> Self {
        TupleIntersection {
            seed_hash,
            state: None,
        }
    }

    /// Intersects the state with `sketch`.
    pub fn update(&mut self, sketch: &impl TupleSketchRef<S>) -> Result<(), MergeError> {
        if !sketch.is_empty() && sketch.seed_hash() != self.seed_hash {
            return Err(MergeError::SeedMismatch {
                expected: self.seed_hash,
                found: sketch.seed_hash(),
            });
        }
        let first = self.state.is_none();
        let st = self.state.get_or_insert_with(|| InterState {
            is_empty: false,
            theta: MAX_THETA,
            entries: Vec::new(),
        });
        st.is_empty |= sketch.is_empty();
        st.theta = if st.is_empty {
            MAX_THETA
        } else {
            st.theta.min(sketch.theta64())
        };
        if !first && st.entries.is_empty() {
            return Ok(());
        }
        if sketch.num_retained() == 0 || st.is_empty {
            st.entries.clear();
            return Ok(());
        }
        let theta = st.theta;
        if first {
            let mut e: Vec<(u64, S)> = sketch
                .entries_iter()
                .filter(|e| e.0 < theta)
                .map(|(h, s)| (h, s.clone()))
                .collect();
            e.sort_unstable_by_key(|x| x.0);
            e.dedup_by_key(|x| x.0);
            st.entries = e;
        } else {
            let mut matched = Vec::with_capacity(st.entries.len().min(sketch.num_retained()));
            let ordered = sketch.is_ordered();
            for (h, s) in sketch.entries_iter() {
                if h < theta {
                    if let Ok(i) = st.entries.binary_search_by_key(&h, |e| e.0) {
                        let mut mine = st.entries[i].1.clone();
                        mine.merge(s);
                        matched.push((h, mine));
                    }
                } else if ordered {
                    break;
                }
            }
            matched.sort_unstable_by_key(|x| x.0);
            matched.dedup_by_key(|x| x.0);
            st.entries = matched;
        }
        if st.entries.is_empty() && st.theta == MAX_THETA {
            st.is_empty = true;
        }
        Ok(())
    }

    /// `true` once a sketch has been added.
    pub fn has_result(&self) -> bool {
        self.state.is_some()
    }

    /// The intersection so far (entries always ascending), or `None` before
    /// the first update.
    pub fn result(&self) -> Option<CompactTupleSketch<S>> {
        self.state.as_ref().map(|st| CompactTupleSketch {
            is_empty: st.is_empty,
            is_ordered: true,
            seed_hash: self.seed_hash,
            theta: st.theta,
            entries: st.entries.clone(),
        })
    }
}

/// The entries of `a` whose hashes are not in `b` (keeping `a`'s summaries),
/// below the smaller theta. C++ corner cases: an empty `a` gives `a`; a
/// non-empty `a` minus an empty `b` gives `a`; the result is empty iff it has
/// no entries and theta is 1. Seed mismatch between non-empty inputs is an
/// error.
pub fn tuple_a_not_b<S: Clone, B>(
    a: &impl TupleSketchRef<S>,
    b: &impl TupleSketchRef<B>,
    ordered: bool,
) -> Result<CompactTupleSketch<S>, MergeError> {
    if a.is_empty() || (a.num_retained() > 0 && b.is_empty()) {
        return Ok(CompactTupleSketch::from_ref(a, ordered));
    }
    if !b.is_empty() && a.seed_hash() != b.seed_hash() {
        return Err(MergeError::SeedMismatch {
            expected: a.seed_hash(),
            found: b.seed_hash(),
        });
    }
    let theta = a.theta64().min(b.theta64());
    let mut bset: Vec<u64> = b
        .entries_iter()
        .map(|e| e.0)
        .filter(|&h| h < theta)
        .collect();
    if !b.is_ordered() {
        bset.sort_unstable();
    }
    let a_ordered = a.is_ordered();
    let mut entries = Vec::new();
    for (h, s) in a.entries_iter() {
        if h < theta {
            if bset.binary_search(&h).is_err() {
                entries.push((h, s.clone()));
            }
        } else if a_ordered {
            break;
        }
    }
    if ordered && !a_ordered {
        entries.sort_unstable_by_key(|e: &(u64, S)| e.0);
    }
    Ok(CompactTupleSketch {
        is_empty: entries.is_empty() && theta == MAX_THETA,
        is_ordered: a_ordered || ordered,
        seed_hash: a.seed_hash(),
        theta,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Sum(u64);
    impl Summary for Sum {
        type Update = u64;
        fn new_from(u: &u64) -> Self {
            Sum(*u)
        }
        fn update(&mut self, u: &u64) {
            self.0 += u;
        }
        fn merge(&mut self, o: &Self) {
            self.0 += o.0;
        }
    }
    impl SummarySerde for Sum {
        fn write_summary(&self, out: &mut ByteWriter) {
            out.put_u64(self.0);
        }
        fn read_summary(input: &mut ByteReader<'_>) -> Result<Self, DecodeError> {
            Ok(Sum(input.u64()?))
        }
    }

    fn h(i: u64) -> u64 {
        distilled_core::hash::theta_hash_u64(i, DEFAULT_SEED)
    }

    #[test]
    fn starting_sizes_match_datasketches() {
        assert_eq!(starting_lg_size(12, 3), 7);
        assert_eq!(starting_lg_size(4, 3), 5);
        assert_eq!(starting_lg_size(12, 0), 13);
        assert_eq!(starting_lg_size(5, 3), 6);
        assert_eq!(theta_from_p(0.5), Some(1 << 62));
        assert_eq!(theta_from_p(0.1), Some(0x0CCC_CCD0_0000_0000));
        assert_eq!(theta_from_p(0.0), None);
    }

    #[test]
    fn table_grows_then_rebuilds_keeping_k_smallest() {
        let mut s = TupleUpdateSketch::<Sum>::new(5, DEFAULT_SEED).unwrap();
        let mut all = Vec::new();
        for i in 0..10_000u64 {
            s.update_hash(h(i), &1);
            all.push(h(i));
            assert!(s.num_retained() <= 60);
        }
        all.sort_unstable();
        s.trim();
        assert_eq!(s.num_retained(), 32);
        let c = s.compact(true);
        let keys: Vec<u64> = c.iter().map(|e| e.0).collect();
        assert_eq!(keys, all[..32].to_vec());
        assert!(c.theta64() <= all[32]);
        assert!(c.iter().all(|e| e.1.0 == 1));
    }

    #[test]
    fn repeated_hashes_update_summaries() {
        let mut s = TupleUpdateSketch::<Sum>::new(8, DEFAULT_SEED).unwrap();
        for r in 0..3 {
            for i in 0..100 {
                s.update_hash(h(i), &(r + 1));
            }
        }
        assert_eq!(s.num_retained(), 100);
        assert!(s.iter().all(|e| e.1.0 == 6));
        assert_eq!(s.estimate(), 100.0);
    }

    #[test]
    fn union_intersection_anotb_on_summaries() {
        let mut a = TupleUpdateSketch::<Sum>::new(10, DEFAULT_SEED).unwrap();
        let mut b = TupleUpdateSketch::<Sum>::new(10, DEFAULT_SEED).unwrap();
        for i in 0..100 {
            a.update_hash(h(i), &1);
        }
        for i in 50..150 {
            b.update_hash(h(i), &2);
        }
        let mut u = TupleUnion::<Sum>::new(10, DEFAULT_SEED).unwrap();
        u.update(&a).unwrap();
        u.update(&b.compact(true)).unwrap();
        let r = u.result(true);
        assert_eq!(r.num_retained(), 150);
        assert_eq!(r.iter().map(|e| e.1.0).sum::<u64>(), 100 + 200);
        let mut x = TupleIntersection::<Sum>::new(DEFAULT_SEED).unwrap();
        assert!(x.result().is_none());
        x.update(&a).unwrap();
        x.update(&b).unwrap();
        let r = x.result().unwrap();
        assert_eq!(r.num_retained(), 50);
        assert!(r.iter().all(|e| e.1.0 == 3));
        let d = tuple_a_not_b(&a, &b, true).unwrap();
        assert_eq!(d.num_retained(), 50);
        assert!(d.iter().all(|e| e.1.0 == 1));
        let other = TupleUpdateSketch::<Sum>::new(10, 1).unwrap();
        let mut o2 = other.clone();
        o2.update_hash(5, &1);
        assert!(matches!(
            u.update(&o2),
            Err(MergeError::SeedMismatch { .. })
        ));
    }

    #[test]
    fn tuple_bytes_round_trip_and_layout() {
        let mut s = TupleUpdateSketch::<Sum>::new(5, DEFAULT_SEED).unwrap();
        let e = s.compact(true).serialize();
        assert_eq!(e, [1, 3, 9, 1, 0, 0x1e, 0xcc, 0x93]);
        s.update_hash(h(1), &7);
        let one = s.compact(true).serialize();
        assert_eq!(one.len(), 8 + 16);
        assert_eq!(one[0], 1);
        for i in 0..1000 {
            s.update_hash(h(i), &1);
        }
        for c in [s.compact(true), s.compact(false)] {
            let b = c.serialize();
            assert_eq!(b[0], 3);
            let back = CompactTupleSketch::<Sum>::deserialize(&b, DEFAULT_SEED).unwrap();
            assert_eq!(back.theta64(), c.theta64());
            assert_eq!(back.entries(), c.entries());
            let j = c.serialize_dialect(Dialect::Java);
            assert_eq!(j[5] & FLAG_ORDERED, 0);
            let back = CompactTupleSketch::<Sum>::deserialize(&j, DEFAULT_SEED).unwrap();
            assert_eq!(back.estimate(), c.estimate());
        }
        assert!(matches!(
            CompactTupleSketch::<Sum>::deserialize(&s.compact(true).serialize(), 1),
            Err(DecodeError::SeedHashMismatch { .. })
        ));
    }
}
