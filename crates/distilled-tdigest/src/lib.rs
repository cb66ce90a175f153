//! A merging t-digest: quantiles of unbounded numeric streams in bounded
//! memory, most accurate at the tails, mergeable, and byte-compatible with
//! Apache DataSketches.
//!
//! Values are appended to a buffer; when it fills, the buffer is sorted (radix
//! sort on order-preserving `u64` keys) and merged with the existing centroids
//! in one linear pass that respects a *scale function*:
//!
//! * [`Scale::K1`] (the default): `k(q) = δ/(2π)·asin(2q−1)` with
//!   `δ = 0.95·compression`, each centroid spanning at most one unit of `k`.
//!   Towards the tails, where the arcsine scale lets centroids grow faster
//!   than the K2 scale does, centroids are also held to a quarter of the K2
//!   size limit at the same `δ`, so the extreme tails are finer than
//!   DataSketches' at an equal number of centroids. Before each merge pass
//!   of buffered values the centroids are split into pieces placed along
//!   the interpolation model, which keeps centroids from overlapping in
//!   value (overlap biases estimates towards the median).
//!   A compressed digest of continuous data holds between
//!   `compression` and `3·compression + 10` centroids (streams of heavily
//!   repeated values can add up to `compression` more, see below); the first
//!   and last stay single values.
//! * [`Scale::K2`]: the variant Apache DataSketches uses (`k = compression`,
//!   `δ = 2k`, normalizer `δ / (4 ln(n/δ) + 24)`, merge direction alternating
//!   between passes, buffer of `4·(2k + fudge)` values). Fed the same values
//!   in the same order, a K2 digest writes the same bytes as the Python
//!   `datasketches` 5.2.0 `tdigest_double`.
//!
//! # Interpolation
//!
//! A centroid's mean is the *average* of the quantile function over its rank
//! range, not its value at the middle of that range. K1 queries therefore fit,
//! at each centroid, the quadratic whose averages over the centroid and its
//! two neighbours equal their means, interpolate between the corrected
//! mid-rank values and add the fitted curvature, limited so that answers stay
//! monotone in the rank. Where the quantile function curves (the upper tails
//! of normal, lognormal and Pareto data) this removes a bias towards larger
//! values; on straight stretches it changes nothing. Atoms, single values and
//! the exact min and max keep their exact positions. K2 queries interpolate
//! linearly between means as DataSketches does (without the spreading of
//! tail centroids, their overlap bias and the curvature bias partly cancel).
//!
//! # Repeated values
//!
//! Each centroid carries an *atom* flag: every value merged into it was the
//! same value. Queries treat atoms as point masses (steps of the distribution
//! function), so a quantile inside an atom's weight is its exact value and
//! `rank`/`cdf` count it on the correct side. K1 merge passes also keep heavy
//! atoms (many copies of one value) out of centroids holding other values
//! ("value cuts", at most `compression` per pass), so streams of few
//! distinct values (integer latencies, status codes) are answered with data
//! values at the right rank. K2 digests carry the flags too but keep
//! DataSketches' merge decisions (their bytes are unchanged).
//!
//! The DataSketches byte format has no place for the flags: a digest read
//! from those bytes knows only single values (weight 1) as atoms and
//! interpolates inside its other centroids, as the Java, C++ and Python
//! libraries do, so on streams of repeated values its answers can differ
//! from the digest that wrote the bytes. serde keeps the flags.
//!
//! # Guarantees
//!
//! * `min` and `max` are exact, also after merges and serialization.
//! * While the digest holds every value as its own centroid (before the first
//!   compression, or whenever the total number of values fits the centroid
//!   capacity under K1) answers are exact: `quantile(q)` returns the value at
//!   sorted position `⌊q·n⌋`, `rank(x)` counts the values below `x`.
//! * Merge-order independence: [`TDigest::merge_many`] sorts all input
//!   centroids by `(mean, weight)` before its single merge pass, so any
//!   permutation of the same inputs gives a bit-identical digest. Pairwise
//!   [`TDigest::merge`] is commutative in the same sense (`a ⊕ b` and `b ⊕ a`
//!   have identical centroids) for K1 digests with equal compression; for K2
//!   digests it additionally needs both sides in the same merge-direction
//!   state, since that alternating state is part of the DataSketches variant.
//!   Merging is *not* associative (`(a ⊕ b) ⊕ c` compresses twice): use
//!   `merge_many` to combine many digests reproducibly.
//! * Non-finite values follow [`distilled_core::policy`]: `add` rejects and
//!   counts them, `try_add` returns an error. Weights must be finite and `> 0`.
//!
//! ```
//! use distilled_tdigest::TDigest;
//! let mut d = TDigest::new(100).unwrap();
//! d.add_many(&(0..10_000).map(f64::from).collect::<Vec<_>>());
//! let median = d.quantile(0.5).unwrap();
//! assert!((median - 5000.0).abs() < 20.0);
//! assert_eq!(d.min(), Some(0.0));
//! assert_eq!(d.max(), Some(9999.0));
//! ```

mod format;
#[cfg(feature = "serde")]
mod serde_impl;
mod sort;

use std::borrow::Cow;
use std::fmt;

use distilled_core::policy::NonFiniteError;
use distilled_core::{
    EmptyLike, MergeError, Mergeable, QuantileSketch, QueryError, SearchCriteria, Update,
};

use crate::sort::{f64_to_key, key_to_f64, radix_sort, sort_keys};

pub use format::FormatLayout;

/// Default compression.
pub const DEFAULT_COMPRESSION: u16 = 100;
/// Smallest accepted compression (DataSketches' minimum `k`).
pub const MIN_COMPRESSION: u16 = 10;
/// Default buffer length (values) of a K1 digest: at most 128 KiB of keys
/// (`add` grows it as values arrive, `add_many` allocates it whole). A longer buffer means fewer merge passes per value (add
/// throughput); [`TDigest::with_buffer_capacity`] trades it for memory.
pub const DEFAULT_K1_BUFFER: usize = 16384;

/// The scale function, which decides how large centroids may grow at each
/// quantile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Scale {
    /// Arcsine scale `k(q) = δ/(2π)·asin(2q−1)`, `δ = 0.95·compression`,
    /// with finer tails, always merging in ascending order. The default.
    #[default]
    K1,
    /// The Apache DataSketches variant of K2 (`δ = 2k`, log normalizer,
    /// alternating merge direction). Byte-compatible with DataSketches.
    K2,
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scale::K1 => "K1",
            Scale::K2 => "K2",
        })
    }
}

/// Why a digest could not be built or a value could not be added.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TDigestError {
    /// Compression below [`MIN_COMPRESSION`].
    InvalidCompression(u16),
    /// A buffer length of zero was asked for.
    InvalidBufferCapacity(usize),
    /// A NaN or infinite value.
    NonFinite(NonFiniteError),
    /// A weight that is not finite and strictly positive, or that would make
    /// the digest's total weight overflow.
    InvalidWeight(f64),
}

impl fmt::Display for TDigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TDigestError::InvalidCompression(c) => {
                write!(f, "compression must be at least {MIN_COMPRESSION}, not {c}")
            }
            TDigestError::InvalidBufferCapacity(c) => {
                write!(f, "buffer capacity must be positive, not {c}")
            }
            TDigestError::NonFinite(e) => e.fmt(f),
            TDigestError::InvalidWeight(w) => write!(
                f,
                "weight {w} rejected: weights must be finite and > 0, and keep the total weight finite"
            ),
        }
    }
}

impl std::error::Error for TDigestError {}

impl From<NonFiniteError> for TDigestError {
    fn from(e: NonFiniteError) -> Self {
        TDigestError::NonFinite(e)
    }
}

/// A centroid: the mean and total weight of a run of adjacent values.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Centroid {
    /// Mean of the values.
    pub mean: f64,
    /// Total weight of the values (their count for unweighted adds).
    pub weight: f64,
}

/// Sizes and counters of a digest, see [`TDigest::info`].
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// The compression parameter.
    pub compression: u16,
    /// The scale function.
    pub scale: Scale,
    /// Nominal centroid capacity (`2·compression + 10` for K2 as in
    /// DataSketches, `3·compression + 10` for K1); compressed digests of
    /// continuous data stay below it in practice (the merge pass itself does
    /// not truncate; K1 value cuts for repeated values can add up to
    /// `compression` centroids per pass, a few percent over it in tests).
    pub centroid_capacity: usize,
    /// Number of unit values buffered before a compression.
    pub buffer_capacity: usize,
    /// Centroids currently held.
    pub merged_nodes: usize,
    /// Values (and weighted values) waiting in the buffer.
    pub unmerged_nodes: usize,
    /// Total weight of the centroids.
    pub merged_weight: f64,
    /// Total weight waiting in the buffer.
    pub unmerged_weight: f64,
    /// Number of merge passes run so far.
    pub total_compressions: u64,
    /// Heap memory held, in bytes (allocated capacity).
    pub memory_bytes: usize,
}

/// A merging t-digest over `f64`. See the crate documentation.
#[derive(Debug)]
pub struct TDigest {
    compression: u16,
    scale: Scale,
    buffer_capacity: usize,
    /// Sorted ascending by mean.
    centroids: Vec<Centroid>,
    /// `atoms[i]`: every value merged into `centroids[i]` was the same value
    /// (a point mass at its mean). Maintained by the merge passes.
    atoms: Vec<bool>,
    centroid_weight: f64,
    /// Unit-weight values as order-preserving keys, unsorted.
    buffer: Vec<u64>,
    /// Weighted values waiting, unsorted.
    pending: Vec<Centroid>,
    pending_weight: f64,
    min: f64,
    max: f64,
    /// DataSketches' alternating direction (K2 only; always false for K1).
    reverse_merge: bool,
    compressions: u64,
    rejected: u64,
}

/// Written out for `clone_from`, which copies into `self`'s vectors without
/// reallocating them once they are large enough: the ingest layer copies a
/// writer's digest over its previous publication this way.
impl Clone for TDigest {
    fn clone(&self) -> Self {
        let mut out = TDigest::build(self.compression, self.scale, self.buffer_capacity);
        out.clone_from(self);
        out
    }

    fn clone_from(&mut self, source: &Self) {
        // Destructured in full so that a new field cannot be forgotten here.
        let TDigest {
            compression,
            scale,
            buffer_capacity,
            centroids,
            atoms,
            centroid_weight,
            buffer,
            pending,
            pending_weight,
            min,
            max,
            reverse_merge,
            compressions,
            rejected,
        } = source;
        self.compression = *compression;
        self.scale = *scale;
        self.buffer_capacity = *buffer_capacity;
        self.centroids.clone_from(centroids);
        self.atoms.clone_from(atoms);
        self.centroid_weight = *centroid_weight;
        self.buffer.clone_from(buffer);
        self.pending.clone_from(pending);
        self.pending_weight = *pending_weight;
        self.min = *min;
        self.max = *max;
        self.reverse_merge = *reverse_merge;
        self.compressions = *compressions;
        self.rejected = *rejected;
    }
}

impl Default for TDigest {
    fn default() -> Self {
        Self::build(DEFAULT_COMPRESSION, Scale::K1, DEFAULT_K1_BUFFER)
    }
}

/// Centroid capacity after compression: `2·compression + fudge` for K2, as
/// in DataSketches (fudge 30 below 30, else 10); K1 adds `compression` for its
/// finer tails.
fn centroid_capacity_for(compression: u16, scale: Scale) -> usize {
    let c = compression as usize;
    let k2 = 2 * c + if c < 30 { 30 } else { 10 };
    match scale {
        Scale::K1 => k2 + c,
        Scale::K2 => k2,
    }
}

impl TDigest {
    fn build(compression: u16, scale: Scale, buffer_capacity: usize) -> Self {
        TDigest {
            compression,
            scale,
            buffer_capacity,
            centroids: Vec::new(),
            atoms: Vec::new(),
            centroid_weight: 0.0,
            buffer: Vec::new(),
            pending: Vec::new(),
            pending_weight: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            reverse_merge: false,
            compressions: 0,
            rejected: 0,
        }
    }

    /// A K1 digest with the given compression (at least [`MIN_COMPRESSION`]).
    pub fn new(compression: u16) -> Result<Self, TDigestError> {
        Self::with_scale(compression, Scale::K1)
    }

    /// A digest with the given compression and scale function. K2 digests use
    /// DataSketches' buffer length so that their bytes match it.
    pub fn with_scale(compression: u16, scale: Scale) -> Result<Self, TDigestError> {
        if compression < MIN_COMPRESSION {
            return Err(TDigestError::InvalidCompression(compression));
        }
        let buffer = match scale {
            Scale::K1 => DEFAULT_K1_BUFFER.max(4 * centroid_capacity_for(compression, scale)),
            Scale::K2 => 4 * centroid_capacity_for(compression, scale),
        };
        Ok(Self::build(compression, scale, buffer))
    }

    /// A K2 digest equivalent to DataSketches' `tdigest_double(k)`.
    pub fn datasketches(k: u16) -> Result<Self, TDigestError> {
        Self::with_scale(k, Scale::K2)
    }

    /// A K1 digest with a custom buffer length (values held before a merge
    /// pass). Larger buffers amortise the pass better; smaller ones use less
    /// memory.
    pub fn with_buffer_capacity(compression: u16, capacity: usize) -> Result<Self, TDigestError> {
        if compression < MIN_COMPRESSION {
            return Err(TDigestError::InvalidCompression(compression));
        }
        if capacity == 0 {
            return Err(TDigestError::InvalidBufferCapacity(capacity));
        }
        Ok(Self::build(compression, Scale::K1, capacity))
    }

    /// The compression parameter.
    pub fn compression(&self) -> u16 {
        self.compression
    }

    /// The scale function.
    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// Adds one value. NaN and infinities are not added; they are counted in
    /// [`TDigest::rejected_non_finite`].
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.push_unit(x);
        } else {
            self.rejected += 1;
        }
    }

    /// Adds one value, or returns an error (and changes nothing) for NaN and
    /// infinities.
    #[inline]
    pub fn try_add(&mut self, x: f64) -> Result<(), NonFiniteError> {
        distilled_core::policy::check_finite(x)?;
        self.push_unit(x);
        Ok(())
    }

    #[inline(always)]
    fn push_unit(&mut self, x: f64) {
        if self.buffer.len() >= self.buffer_capacity {
            self.compress();
        }
        // min and max of buffered values are taken when the buffer is sorted
        // (its ends) or, for queries, by a scan: not on this hot path.
        self.buffer.push(f64_to_key(x));
    }

    /// Adds many values; faster than calling [`TDigest::add`] for each.
    /// Non-finite values are rejected and counted.
    pub fn add_many(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while !rest.is_empty() {
            if self.buffer.len() >= self.buffer_capacity {
                self.compress();
            }
            if self.buffer.capacity() < self.buffer_capacity {
                self.buffer
                    .reserve_exact(self.buffer_capacity - self.buffer.len());
            }
            let room = self.buffer_capacity - self.buffer.len();
            let (chunk, tail) = rest.split_at(room.min(rest.len()));
            rest = tail;
            let mut bad = 0u64;
            for &x in chunk {
                if x.is_finite() {
                    self.buffer.push(f64_to_key(x));
                } else {
                    bad += 1;
                }
            }
            self.rejected += bad;
        }
    }

    /// Adds `x` with a real-valued `weight` (finite, `> 0`). Errors leave the
    /// digest unchanged.
    pub fn add_weighted(&mut self, x: f64, weight: f64) -> Result<(), TDigestError> {
        distilled_core::policy::check_finite(x)?;
        // The total weight must stay finite too, or every rank is NaN.
        if !(weight.is_finite() && weight > 0.0 && (self.count() + weight).is_finite()) {
            return Err(TDigestError::InvalidWeight(weight));
        }
        if self.pending.len() >= self.buffer_capacity {
            self.compress();
        }
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.pending.push(Centroid { mean: x, weight });
        self.pending_weight += weight;
        Ok(())
    }

    /// Number of NaN and infinite values rejected by [`TDigest::add`] and
    /// [`TDigest::add_many`].
    pub fn rejected_non_finite(&self) -> u64 {
        self.rejected
    }

    /// Total weight added (the number of values for unweighted adds).
    pub fn count(&self) -> f64 {
        self.centroid_weight + self.buffer.len() as f64 + self.pending_weight
    }

    /// `true` when nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.centroids.is_empty() && self.buffer.is_empty() && self.pending.is_empty()
    }

    /// The smallest value added, exact; `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.bounds().0)
    }

    /// The largest value added, exact; `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.bounds().1)
    }

    /// Exact (min, max): the stored extremes of everything merged, widened by
    /// a scan of the unsorted buffer (whose extremes are folded in only when
    /// it is sorted, to keep them off the `add` path). Infinities when empty.
    fn bounds(&self) -> (f64, f64) {
        let (lo, hi) = self
            .buffer
            .iter()
            .fold((u64::MAX, 0u64), |(lo, hi), &k| (lo.min(k), hi.max(k)));
        if lo > hi {
            return (self.min, self.max);
        }
        (self.min.min(key_to_f64(lo)), self.max.max(key_to_f64(hi)))
    }

    /// The centroids, ascending by mean. Values still in the buffer are not
    /// included: call [`TDigest::compress`] first to see everything.
    pub fn centroids(&self) -> &[Centroid] {
        &self.centroids
    }

    /// One flag per centroid of [`TDigest::centroids`]: `true` when every
    /// value merged into that centroid was the same value (an *atom*, a point
    /// mass at its mean). Queries treat atoms as steps of the distribution
    /// function, which keeps heavily repeated values (integer latencies,
    /// status codes) exact instead of interpolated.
    pub fn atoms(&self) -> &[bool] {
        &self.atoms
    }

    /// Nominal centroid capacity, see [`Info::centroid_capacity`]. K1 digests
    /// holding at most this many values (and centroids) are never compressed,
    /// so their answers stay exact.
    pub fn centroid_capacity(&self) -> usize {
        centroid_capacity_for(self.compression, self.scale)
    }

    /// Sizes and counters.
    pub fn info(&self) -> Info {
        Info {
            compression: self.compression,
            scale: self.scale,
            centroid_capacity: self.centroid_capacity(),
            buffer_capacity: self.buffer_capacity,
            merged_nodes: self.centroids.len(),
            unmerged_nodes: self.buffer.len() + self.pending.len(),
            merged_weight: self.centroid_weight,
            unmerged_weight: self.buffer.len() as f64 + self.pending_weight,
            total_compressions: self.compressions,
            memory_bytes: std::mem::size_of::<Self>()
                + self.centroids.capacity() * std::mem::size_of::<Centroid>()
                + self.atoms.capacity()
                + self.buffer.capacity() * 8
                + self.pending.capacity() * std::mem::size_of::<Centroid>(),
        }
    }

    /// Empties the digest, keeping its configuration.
    pub fn reset(&mut self) {
        self.centroids.clear();
        self.atoms.clear();
        self.centroid_weight = 0.0;
        self.buffer.clear();
        self.pending.clear();
        self.pending_weight = 0.0;
        self.min = f64::INFINITY;
        self.max = f64::NEG_INFINITY;
        self.reverse_merge = false;
        self.compressions = 0;
        self.rejected = 0;
    }

    /// Merges the buffered values into the centroids (one merge pass). Does
    /// nothing when the buffer is empty.
    pub fn compress(&mut self) {
        if self.buffer.is_empty() && self.pending.is_empty() {
            return;
        }
        let mut scratch = Vec::new();
        sort_keys(&mut self.buffer, &mut scratch);
        drop(scratch);
        if let (Some(&lo), Some(&hi)) = (self.buffer.first(), self.buffer.last()) {
            self.min = self.min.min(key_to_f64(lo));
            self.max = self.max.max(key_to_f64(hi));
        }
        self.centroid_weight += self.buffer.len() as f64 + self.pending_weight;
        let old = std::mem::take(&mut self.centroids);
        let old_atoms = std::mem::take(&mut self.atoms);
        let total = self.buffer.len() + self.pending.len() + old.len();
        if self.scale == Scale::K1 && self.pending.is_empty() && total > self.centroid_capacity() {
            // The common case streams the sorted buffer and the old centroids
            // straight into the merge pass, without an intermediate list.
            let mut out = Vec::with_capacity(self.centroid_capacity());
            let mut out_atoms = Vec::with_capacity(self.centroid_capacity());
            let (old, old_atoms) = spread_centroids(old, old_atoms);
            pass_k1(
                &self.buffer,
                &old,
                &old_atoms,
                self.centroid_weight,
                self.compression,
                &mut out,
                &mut out_atoms,
            );
            self.compressions += 1;
            self.centroids = out;
            self.atoms = out_atoms;
            self.buffer.clear();
            self.note_extremes();
            return;
        }
        self.pending.sort_unstable_by(cmp_centroid);
        // Ascending merge of the sorted buffer, the sorted weighted values and
        // the existing centroids. On equal means the buffered value comes
        // first, as in DataSketches' stable sort.
        let mut items = Vec::with_capacity(total);
        let mut item_atoms = Vec::with_capacity(total);
        merge_sorted_into(
            &self.buffer,
            &self.pending,
            (&old, &old_atoms),
            &mut items,
            &mut item_atoms,
        );
        self.buffer.clear();
        self.pending.clear();
        self.pending_weight = 0.0;
        self.centroids = old;
        self.atoms = old_atoms;
        self.run_pass(&items, &item_atoms);
    }

    fn note_extremes(&mut self) {
        if let (Some(f), Some(l)) = (self.centroids.first(), self.centroids.last()) {
            self.min = self.min.min(f.mean);
            self.max = self.max.max(l.mean);
        }
    }

    /// Runs one merge pass over `items` (ascending, with total weight
    /// `self.centroid_weight`), replacing the centroids.
    fn run_pass(&mut self, items: &[Centroid], item_atoms: &[bool]) {
        debug_assert_eq!(items.len(), item_atoms.len());
        self.centroids.clear();
        self.atoms.clear();
        if items.is_empty() {
            return;
        }
        self.compressions += 1;
        match self.scale {
            Scale::K1 => {
                if items.len() <= self.centroid_capacity() {
                    // Everything fits: keep it exact.
                    self.centroids.extend_from_slice(items);
                    self.atoms.extend_from_slice(item_atoms);
                } else {
                    pass_k1(
                        &[],
                        items,
                        item_atoms,
                        self.centroid_weight,
                        self.compression,
                        &mut self.centroids,
                        &mut self.atoms,
                    );
                }
            }
            Scale::K2 => {
                pass_k2(
                    items,
                    item_atoms,
                    self.centroid_weight,
                    self.compression,
                    self.reverse_merge,
                    &mut self.centroids,
                    &mut self.atoms,
                );
                self.reverse_merge = !self.reverse_merge;
            }
        }
        self.note_extremes();
    }

    /// Folds `other` into `self`. Both must use the same scale function;
    /// the result keeps `self`'s compression. All centroids and buffered values
    /// of both are sorted by `(mean, weight)` and merged in one pass, so the
    /// result does not depend on which side received the merge (see the crate
    /// documentation for the exact guarantee).
    pub fn merge(&mut self, other: &TDigest) -> Result<(), MergeError> {
        self.merge_with(other, false)
    }

    /// [`TDigest::merge`] that always sorts every item, for tests of the
    /// linear-merge path (same result, bit for bit).
    #[doc(hidden)]
    pub fn merge_by_sorting_all(&mut self, other: &TDigest) -> Result<(), MergeError> {
        self.merge_with(other, true)
    }

    fn merge_with(&mut self, other: &TDigest, sort_all: bool) -> Result<(), MergeError> {
        if self.scale != other.scale {
            return Err(MergeError::ParameterMismatch {
                parameter: "scale function",
                expected: self.scale.to_string(),
                found: other.scale.to_string(),
            });
        }
        if other.is_empty() {
            return Ok(());
        }
        if !(self.count() + other.count()).is_finite() {
            return Err(weight_overflow());
        }
        let mut tagged = Vec::new();
        if !sort_all
            && is_canonical(&self.centroids, &self.atoms)
            && is_canonical(&other.centroids, &other.atoms)
        {
            // Both sides' centroids are already in canonical order: only the
            // buffered values need sorting (one key sort, as `compress` does),
            // and linear merges of the sorted runs give the same sequence as
            // sorting everything (equal items are bit-identical).
            merge_canonical(&self.tagged(), &other.tagged(), &mut tagged);
            let loose = loose_items(self, other);
            if !loose.is_empty() {
                let centroids = std::mem::take(&mut tagged);
                merge_canonical(&centroids, &loose, &mut tagged);
            }
        } else {
            self.collect_items(&mut tagged);
            other.collect_items(&mut tagged);
            sort_items(&mut tagged);
        }
        let (items, item_atoms) = untag(&tagged);
        self.centroid_weight += self.buffer.len() as f64 + self.pending_weight + other.count();
        let (lo, hi) = self.bounds();
        let (other_lo, other_hi) = other.bounds();
        self.min = lo.min(other_lo);
        self.max = hi.max(other_hi);
        self.buffer.clear();
        self.pending.clear();
        self.pending_weight = 0.0;
        self.rejected += other.rejected;
        self.run_pass(&items, &item_atoms);
        Ok(())
    }

    /// Merges many digests into a new one with the given compression, in one
    /// pass over all their centroids sorted by `(mean, weight)`: any
    /// permutation of `digests` gives a bit-identical result. All digests must
    /// share one scale function (the result's; K1 when `digests` is empty).
    pub fn merge_many<'a, I>(digests: I, compression: u16) -> Result<TDigest, MergeError>
    where
        I: IntoIterator<Item = &'a TDigest>,
    {
        let mut items = Vec::new();
        let mut scale = None;
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        let mut weight = 0.0;
        let mut rejected = 0;
        for d in digests {
            match scale {
                None => scale = Some(d.scale),
                Some(s) if s != d.scale => {
                    return Err(MergeError::ParameterMismatch {
                        parameter: "scale function",
                        expected: s.to_string(),
                        found: d.scale.to_string(),
                    });
                }
                Some(_) => {}
            }
            d.collect_items(&mut items);
            if !d.is_empty() {
                let (lo, hi) = d.bounds();
                min = min.min(lo);
                max = max.max(hi);
            }
            rejected += d.rejected;
        }
        let mut out = TDigest::with_scale(compression, scale.unwrap_or_default())
            .map_err(|e| MergeError::Incompatible(e.to_string()))?;
        sort_items(&mut items);
        let (items, item_atoms) = untag(&items);
        // Sum the weights in sorted order so that the total does not depend on
        // the order of the inputs either.
        for it in &items {
            weight += it.weight;
        }
        if !f64::is_finite(weight) {
            return Err(weight_overflow());
        }
        out.centroid_weight = weight;
        out.min = min;
        out.max = max;
        out.rejected = rejected;
        out.run_pass(&items, &item_atoms);
        Ok(out)
    }

    /// The centroids with their atom flags, as merge items.
    fn tagged(&self) -> Vec<Tagged> {
        let mut out = Vec::with_capacity(self.centroids.len());
        out.extend(
            self.centroids
                .iter()
                .zip(&self.atoms)
                .map(|(c, &a)| Tagged::new(c, a)),
        );
        out
    }

    /// Appends every centroid and buffered value (weight 1, an atom) to `out`.
    fn collect_items(&self, out: &mut Vec<Tagged>) {
        out.reserve(self.centroids.len() + self.buffer.len() + self.pending.len());
        out.extend(
            self.centroids
                .iter()
                .zip(&self.atoms)
                .map(|(c, &a)| Tagged::new(c, a)),
        );
        out.extend(self.buffer.iter().map(|&k| {
            Tagged::new(
                &Centroid {
                    mean: key_to_f64(k),
                    weight: 1.0,
                },
                true,
            )
        }));
        out.extend(self.pending.iter().map(|c| Tagged::new(c, true)));
    }

    /// The centroids queries read. While every value is still its own centroid
    /// (nothing was ever merged), the buffered values are merged in as they
    /// are, so answers stay exact. Otherwise a copy of the digest is compressed
    /// (mixing raw values between merged centroids would break the
    /// interpolation); the digest itself does not change, so call
    /// [`TDigest::compress`] first to avoid that copy when querying often.
    fn view(&self) -> View<'_> {
        let (min, max) = self.bounds();
        let (cs, atoms) = self.view_centroids();
        View {
            cs,
            atoms,
            min,
            max,
            total: self.count(),
            curved: self.scale == Scale::K1,
        }
    }

    #[allow(clippy::type_complexity)]
    fn view_centroids(&self) -> (Cow<'_, [Centroid]>, Cow<'_, [bool]>) {
        if self.buffer.is_empty() && self.pending.is_empty() {
            return (Cow::Borrowed(&self.centroids), Cow::Borrowed(&self.atoms));
        }
        let all_single = self.centroids.iter().all(|c| c.weight == 1.0)
            && self.pending.iter().all(|c| c.weight == 1.0);
        if !all_single {
            let mut copy = self.clone();
            copy.compress();
            return (Cow::Owned(copy.centroids), Cow::Owned(copy.atoms));
        }
        let mut keys = self.buffer.clone();
        let mut scratch = Vec::new();
        sort_keys(&mut keys, &mut scratch);
        let mut pending = self.pending.clone();
        pending.sort_unstable_by(cmp_centroid);
        let len = keys.len() + pending.len() + self.centroids.len();
        let mut items = Vec::with_capacity(len);
        let mut atoms = Vec::with_capacity(len);
        merge_sorted_into(
            &keys,
            &pending,
            (&self.centroids, &self.atoms),
            &mut items,
            &mut atoms,
        );
        (Cow::Owned(items), Cow::Owned(atoms))
    }

    /// Estimated quantile at normalized rank `q` in `[0, 1]`: the value at
    /// position `q·n` in sorted order (exactly the value at sorted index
    /// `min(⌊q·n⌋, n−1)` while every value is its own centroid).
    ///
    /// Errors: [`QueryError::Empty`], [`QueryError::RankOutOfRange`].
    pub fn quantile(&self, q: f64) -> Result<f64, QueryError> {
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        if !(0.0..=1.0).contains(&q) {
            return Err(QueryError::RankOutOfRange(q));
        }
        let view = self.view();
        Ok(view.value_at(q * self.count()))
    }

    /// The value at 0-based absolute rank `r` (`0 ≤ r < count`): `by_rank(0)`
    /// is the minimum, `by_rank(count − 1)` the maximum. `None` when empty or
    /// when `r` is out of range or not finite.
    pub fn by_rank(&self, r: f64) -> Option<f64> {
        let n = self.count();
        if self.is_empty() || !r.is_finite() || r < 0.0 || r > n - 1.0 {
            return None;
        }
        let view = self.view();
        Some(view.value_at(r + 0.5))
    }

    /// The value at 0-based reverse rank `r`: `by_rev_rank(0)` is the maximum.
    /// `None` when empty or out of range.
    pub fn by_rev_rank(&self, r: f64) -> Option<f64> {
        let n = self.count();
        if self.is_empty() || !r.is_finite() || r < 0.0 || r > n - 1.0 {
            return None;
        }
        self.by_rank(n - 1.0 - r)
    }

    /// Estimated number (weight) of values strictly below `x`.
    ///
    /// Errors: [`QueryError::Empty`], [`QueryError::NonFiniteArgument`].
    pub fn rank(&self, x: f64) -> Result<f64, QueryError> {
        let (below, _) = self.below_at_checked(x)?;
        Ok(below)
    }

    /// Estimated number (weight) of values strictly above `x`.
    ///
    /// Errors: [`QueryError::Empty`], [`QueryError::NonFiniteArgument`].
    pub fn rev_rank(&self, x: f64) -> Result<f64, QueryError> {
        let (below, at) = self.below_at_checked(x)?;
        Ok((self.count() - below - at).max(0.0))
    }

    /// Estimated fraction of values `<= x`, in `[0, 1]`.
    ///
    /// Errors: [`QueryError::Empty`], [`QueryError::NonFiniteArgument`].
    pub fn cdf(&self, x: f64) -> Result<f64, QueryError> {
        let (below, at) = self.below_at_checked(x)?;
        Ok(((below + at) / self.count()).clamp(0.0, 1.0))
    }

    /// Mean of the values whose normalized rank lies in `[lo, hi]`
    /// (`0 ≤ lo < hi ≤ 1`); `trimmed_mean(0, 1)` is the mean of everything.
    ///
    /// Errors: [`QueryError::Empty`], [`QueryError::InvalidArgument`].
    pub fn trimmed_mean(&self, lo: f64, hi: f64) -> Result<f64, QueryError> {
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo >= hi {
            return Err(QueryError::InvalidArgument(format!(
                "trimmed mean needs 0 <= lo < hi <= 1, got lo = {lo}, hi = {hi}"
            )));
        }
        let view = self.view();
        let n = self.count();
        let (a, b) = (lo * n, hi * n);
        let mut start = 0.0;
        let mut sum = 0.0;
        let mut weight = 0.0;
        for c in view.cs.iter() {
            let end = start + c.weight;
            let overlap = end.min(b) - start.max(a);
            if overlap > 0.0 {
                sum += overlap * c.mean;
                weight += overlap;
            }
            if end >= b {
                break;
            }
            start = end;
        }
        if weight > 0.0 {
            Ok((sum / weight).clamp(view.min, view.max))
        } else {
            // The range is narrower than one unit of weight: use its midpoint.
            Ok(view.value_at(0.5 * (a + b)))
        }
    }

    fn below_at_checked(&self, x: f64) -> Result<(f64, f64), QueryError> {
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        if !x.is_finite() {
            return Err(QueryError::NonFiniteArgument(x));
        }
        let view = self.view();
        Ok(view.below_at(x))
    }
}

/// What queries read: the centroids (with buffered values merged in, see
/// [`TDigest::view`]), the exact extremes and the total weight.
struct View<'a> {
    cs: Cow<'a, [Centroid]>,
    /// Atom flags, one per centroid.
    atoms: Cow<'a, [bool]>,
    min: f64,
    max: f64,
    total: f64,
    /// Curvature-corrected interpolation (K1). K2 digests interpolate
    /// linearly between means: their tail centroids overlap in value (no
    /// spreading before merge passes), and that bias towards the median
    /// partly cancels the curvature bias, so correcting only the latter
    /// makes their tails worse.
    curved: bool,
}

impl View<'_> {
    /// Centroid `i` is an atom (all its weight sits exactly at its mean) when
    /// its flag says so, or when its mean equals the exact min or max (no
    /// value lies beyond them, so such a centroid holds that value only).
    #[inline]
    fn is_atom(&self, i: usize) -> bool {
        let c = self.cs[i];
        self.atoms[i] || c.mean == self.min || c.mean == self.max
    }

    /// (weight strictly below `x`, weight exactly at `x`) under the
    /// interpolation model: an atom's weight sits at its mean; any other
    /// centroid spreads half its weight over the gap to each neighbour, and a
    /// single value sits at the exact min and max.
    fn below_at(&self, x: f64) -> (f64, f64) {
        let cs: &[Centroid] = &self.cs;
        let total = self.total;
        if x < self.min {
            return (0.0, 0.0);
        }
        if x > self.max {
            return (total, 0.0);
        }
        if self.min == self.max {
            return (0.0, total);
        }
        let n = cs.len();
        let first = cs[0];
        let last = cs[n - 1];
        if x < first.mean {
            // Left tail between min and the first mean.
            if x == self.min {
                return (0.0, 1.0);
            }
            let half = first.weight / 2.0;
            let b = 1.0 + (x - self.min) / (first.mean - self.min) * (half - 1.0).max(0.0);
            return (b.min(half.max(1.0)), 0.0);
        }
        if x > last.mean {
            if x == self.max {
                return (total - 1.0, 1.0);
            }
            let half = last.weight / 2.0;
            let a = 1.0 + (self.max - x) / (self.max - last.mean) * (half - 1.0).max(0.0);
            return ((total - a.min(half.max(1.0))).max(0.0), 0.0);
        }
        let lo = cs.partition_point(|c| c.mean < x);
        let hi = lo + cs[lo..].partition_point(|c| c.mean <= x);
        let before: f64 = cs[..lo].iter().map(|c| c.weight).sum();
        if lo < hi {
            let mut atoms = 0.0;
            let mut spread = 0.0;
            for (i, c) in cs.iter().enumerate().take(hi).skip(lo) {
                if self.is_atom(i) {
                    atoms += c.weight;
                } else {
                    spread += c.weight;
                }
            }
            return (before + spread / 2.0, atoms);
        }
        // Strictly between cs[lo - 1] and cs[lo] (lo >= 1 because
        // x >= first.mean, and lo < n because x <= last.mean).
        let l = cs[lo - 1];
        let r = cs[lo];
        let before = before - l.weight;
        let l_atom = self.is_atom(lo - 1);
        let r_atom = self.is_atom(lo);
        let base = if l_atom {
            before + l.weight
        } else {
            before + l.weight / 2.0
        };
        let span = (if l_atom { 0.0 } else { l.weight / 2.0 })
            + (if r_atom { 0.0 } else { r.weight / 2.0 });
        if self.curved && !l_atom && !r_atom {
            return (self.invert(x, lo), 0.0);
        }
        let frac = (x - l.mean) / (r.mean - l.mean);
        (base + span * frac, 0.0)
    }

    /// Curvature (value per rank², half the second derivative) of the
    /// quantile function at centroid `j`, from the quadratic whose averages
    /// over the rank cells of centroids `j−1, j, j+1` equal their means
    /// ([`cell_fit`]). `None` for the first and last centroid, for atoms and
    /// next to atoms heavier than one value (point masses are not cells).
    fn cell_curvature(&self, j: usize) -> Option<f64> {
        let cs: &[Centroid] = &self.cs;
        if j == 0 || j + 1 >= cs.len() || self.is_atom(j) {
            return None;
        }
        if (self.is_atom(j - 1) && cs[j - 1].weight > 1.0)
            || (self.is_atom(j + 1) && cs[j + 1].weight > 1.0)
        {
            return None;
        }
        cell_fit(cs[j - 1], cs[j], cs[j + 1]).map(|(_, k)| k)
    }

    /// The interpolation knot of centroid `j`: the quantile function's value
    /// at its mid-rank. A centroid's mean is the *average* of that function
    /// over its rank cell, which differs from the mid-rank value by
    /// `k·w²/12` where the function curves (convex upper tails: the mean is
    /// too large). The knot removes that term, kept between the midpoints to
    /// the neighbours' means so that knots stay increasing. Atoms and the
    /// ends keep their means.
    fn knot(&self, j: usize) -> f64 {
        let cs: &[Centroid] = &self.cs;
        let m = cs[j].mean;
        let Some(k) = self.cell_curvature(j).filter(|_| self.curved) else {
            return m;
        };
        let v = m - k * cs[j].weight * cs[j].weight / 12.0;
        if !v.is_finite() {
            return m;
        }
        v.clamp(midpoint(cs[j - 1].mean, m), midpoint(m, cs[j + 1].mean))
    }

    /// Between the mid-ranks of centroids `i` and `i+1` (neither an atom),
    /// the quantile function is `va + (vb−va)·t − k·h²·t(1−t)` for
    /// `t ∈ [0, 1]` over the distance `h`: the chord between the knots less
    /// the curvature averaged from both cells, limited so that the result is
    /// monotone (`|k|·h² ≤ vb − va`). Returns `(va, vb, k)`.
    fn curved(&self, i: usize) -> (f64, f64, f64) {
        debug_assert!(self.curved, "only K1 views interpolate along curves");
        let (va, vb) = (self.knot(i), self.knot(i + 1));
        let k = match (self.cell_curvature(i), self.cell_curvature(i + 1)) {
            (Some(a), Some(b)) => (a + b) / 2.0,
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => 0.0,
        };
        let h = (self.cs[i].weight + self.cs[i + 1].weight) / 2.0;
        let lim = (vb - va) / (h * h);
        if lim >= 0.0 {
            (va, vb, k.clamp(-lim, lim))
        } else {
            (va, vb, 0.0)
        }
    }

    /// The position whose [`View::value_at`] is `x`, for `x` strictly between
    /// the means of centroids `lo − 1` and `lo`: the inverse of the curved
    /// interpolation, found by bisection. Knots lie between the midpoints of
    /// neighbouring means, so the position lies between the mid-ranks of
    /// centroids `lo − 2` and `lo + 1`.
    fn invert(&self, x: f64, lo: usize) -> f64 {
        let cs: &[Centroid] = &self.cs;
        let mid_rank = |j: usize| -> f64 {
            cs[..j].iter().map(|c| c.weight).sum::<f64>() + cs[j].weight / 2.0
        };
        let mut a = if lo >= 2 { mid_rank(lo - 2) } else { 0.0 };
        let mut b = if lo + 1 < cs.len() {
            mid_rank(lo + 1)
        } else {
            self.total
        };
        for _ in 0..60 {
            let m = 0.5 * (a + b);
            if m <= a || m >= b {
                break;
            }
            if self.value_at(m) <= x {
                a = m;
            } else {
                b = m;
            }
        }
        0.5 * (a + b)
    }

    /// The value at absolute position `index` in `[0, total]`.
    fn value_at(&self, index: f64) -> f64 {
        let cs: &[Centroid] = &self.cs;
        let total = self.total;
        let n = cs.len();
        if n == 0 {
            return self.min;
        }
        if n == 1 || self.min == self.max {
            let c = cs[0];
            if c.weight <= 1.0 || self.is_atom(0) {
                return c.mean;
            }
            // One non-atom centroid: interpolate through min, mean and max.
            return if index < total / 2.0 {
                lerp(self.min, c.mean, (index / (total / 2.0)).clamp(0.0, 1.0))
            } else {
                lerp(
                    c.mean,
                    self.max,
                    ((index - total / 2.0) / (total / 2.0)).clamp(0.0, 1.0),
                )
            };
        }
        if index < 1.0 {
            return self.min;
        }
        if index >= total - 1.0 {
            return self.max;
        }
        let first = cs[0];
        if !self.is_atom(0) && index < first.weight / 2.0 {
            let t = (index - 1.0) / (first.weight / 2.0 - 1.0);
            return lerp(self.min, first.mean, t.clamp(0.0, 1.0));
        }
        let last = cs[n - 1];
        if !self.is_atom(n - 1) && total - index <= last.weight / 2.0 {
            let t = (total - index - 1.0) / (last.weight / 2.0 - 1.0);
            return lerp(self.max, last.mean, t.clamp(0.0, 1.0));
        }
        let mut so_far = first.weight / 2.0;
        for i in 0..n - 1 {
            let (a, b) = (cs[i], cs[i + 1]);
            let dw = (a.weight + b.weight) / 2.0;
            if so_far + dw > index {
                let mut left = 0.0;
                if self.is_atom(i) {
                    if index - so_far < a.weight / 2.0 {
                        return a.mean;
                    }
                    left = a.weight / 2.0;
                }
                let mut right = 0.0;
                if self.is_atom(i + 1) {
                    if so_far + dw - index <= b.weight / 2.0 {
                        return b.mean;
                    }
                    right = b.weight / 2.0;
                }
                if self.curved && left == 0.0 && right == 0.0 {
                    let (va, vb, k) = self.curved(i);
                    let t = ((index - so_far) / dw).clamp(0.0, 1.0);
                    let v = va + (vb - va) * t - k * dw * dw * t * (1.0 - t);
                    return if v.is_finite() {
                        v.clamp(va, vb)
                    } else {
                        lerp(va, vb, t)
                    };
                }
                let z1 = index - so_far - left;
                let z2 = so_far + dw - index - right;
                let denom = z1 + z2;
                let (va, vb) = (self.knot(i), self.knot(i + 1));
                if denom <= 0.0 {
                    return va;
                }
                return lerp(va, vb, (z1 / denom).clamp(0.0, 1.0));
            }
            so_far += dw;
        }
        last.mean.clamp(self.min, self.max)
    }
}

#[inline]
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    // `b - a` overflows only for values near the ends of the f64 range.
    let v = if d.is_finite() {
        a + d * t
    } else {
        a * (1.0 - t) + b * t
    };
    if a <= b { v.clamp(a, b) } else { v.clamp(b, a) }
}

/// Total order on centroids: by mean, then by weight.
#[inline]
fn cmp_centroid(a: &Centroid, b: &Centroid) -> std::cmp::Ordering {
    a.mean
        .total_cmp(&b.mean)
        .then_with(|| a.weight.total_cmp(&b.weight))
}

/// A merge input: a centroid and its atom flag packed in 16 bytes, ordered by
/// `(mean, weight, atom)`. Weights are finite and positive, so their bit
/// patterns (sign bit clear) order like the weights and leave room for the
/// flag in the lowest bit after a shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tagged {
    mean: f64,
    /// `weight.to_bits() << 1 | atom`.
    weight_atom: u64,
}

impl Tagged {
    #[inline]
    fn new(c: &Centroid, atom: bool) -> Self {
        Tagged {
            mean: c.mean,
            weight_atom: (c.weight.to_bits() << 1) | atom as u64,
        }
    }

    #[inline]
    pub(crate) fn mean(&self) -> f64 {
        self.mean
    }

    #[inline]
    fn centroid(&self) -> Centroid {
        Centroid {
            mean: self.mean,
            weight: f64::from_bits(self.weight_atom >> 1),
        }
    }

    #[inline]
    fn atom(&self) -> bool {
        self.weight_atom & 1 == 1
    }

    /// Total order: mean, then weight, then non-atoms before atoms.
    #[inline]
    pub(crate) fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.mean
            .total_cmp(&other.mean)
            .then_with(|| self.weight_atom.cmp(&other.weight_atom))
    }
}

/// Splits merge items into centroids and atom flags.
fn untag(items: &[Tagged]) -> (Vec<Centroid>, Vec<bool>) {
    (
        items.iter().map(Tagged::centroid).collect(),
        items.iter().map(Tagged::atom).collect(),
    )
}

/// Sorts merge inputs canonically by `(mean, weight, atom)`; equal items are
/// interchangeable, so the result depends only on the multiset. (The flag
/// only orders items with equal mean and weight, so means and weights come
/// out in the same sequence as without it.)
fn sort_items(items: &mut Vec<Tagged>) {
    // -0.0 and +0.0 compare equal numerically; give them one representation
    // so that their order cannot depend on the inputs' order.
    for it in items.iter_mut() {
        if it.mean == 0.0 {
            it.mean = 0.0;
        }
    }
    radix_sort(items, &mut Vec::new());
}

/// `true` when `cs` with its flags is sorted by [`Tagged::cmp`] and holds no
/// `-0.0` mean (which [`sort_items`] would rewrite).
fn is_canonical(cs: &[Centroid], atoms: &[bool]) -> bool {
    cs.iter()
        .all(|c| c.mean != 0.0 || c.mean.is_sign_positive())
        && (1..cs.len()).all(|i| {
            Tagged::new(&cs[i - 1], atoms[i - 1])
                .cmp(&Tagged::new(&cs[i], atoms[i]))
                .is_le()
        })
}

/// The buffered unit values and weighted values of `a` and `b` as merge
/// items in canonical order, each group sorted on its own (unit values by
/// their keys, the cheap sort `compress` uses) and the two merged.
fn loose_items(a: &TDigest, b: &TDigest) -> Vec<Tagged> {
    // One representation for -0.0 and +0.0, as in `sort_items`.
    let item = |c: Centroid| {
        let mean = if c.mean == 0.0 { 0.0 } else { c.mean };
        Tagged::new(&Centroid { mean, ..c }, true)
    };
    let mut keys: Vec<u64> = a.buffer.iter().chain(&b.buffer).copied().collect();
    sort_keys(&mut keys, &mut Vec::new());
    let units: Vec<Tagged> = keys
        .iter()
        .map(|&k| {
            item(Centroid {
                mean: key_to_f64(k),
                weight: 1.0,
            })
        })
        .collect();
    let mut weighted: Vec<Tagged> = a
        .pending
        .iter()
        .chain(&b.pending)
        .map(|&c| item(c))
        .collect();
    if weighted.is_empty() {
        return units;
    }
    weighted.sort_unstable_by(|x, y| x.cmp(y));
    let mut out = Vec::with_capacity(units.len() + weighted.len());
    merge_canonical(&units, &weighted, &mut out);
    out
}

/// The error of a merge whose total weight would not be a finite `f64`.
fn weight_overflow() -> MergeError {
    MergeError::Incompatible("the merged total weight would overflow f64".into())
}

/// Linear merge of two canonical sequences.
fn merge_canonical(a: &[Tagged], b: &[Tagged], out: &mut Vec<Tagged>) {
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j].cmp(&a[i]).is_lt() {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// Merges three ascending sequences into `out` (flags into `out_atoms`):
/// unit values (keys), weighted values (both atoms) and existing centroids
/// with their flags. On equal means: unit values, then weighted values, then
/// centroids.
fn merge_sorted_into(
    keys: &[u64],
    pending: &[Centroid],
    old: (&[Centroid], &[bool]),
    out: &mut Vec<Centroid>,
    out_atoms: &mut Vec<bool>,
) {
    let (old, old_atoms) = old;
    if pending.is_empty() {
        let mut j = 0;
        for &k in keys {
            let x = key_to_f64(k);
            while j < old.len() && old[j].mean < x {
                out.push(old[j]);
                out_atoms.push(old_atoms[j]);
                j += 1;
            }
            out.push(Centroid {
                mean: x,
                weight: 1.0,
            });
            out_atoms.push(true);
        }
        out.extend_from_slice(&old[j..]);
        out_atoms.extend_from_slice(&old_atoms[j..]);
        return;
    }
    let mut first = Vec::with_capacity(keys.len() + pending.len());
    let mut first_atoms = Vec::with_capacity(keys.len() + pending.len());
    let pending_atoms = vec![true; pending.len()];
    merge_sorted_into(
        keys,
        &[],
        (pending, &pending_atoms),
        &mut first,
        &mut first_atoms,
    );
    let mut j = 0;
    for c in first {
        while j < old.len() && old[j].mean < c.mean {
            out.push(old[j]);
            out_atoms.push(old_atoms[j]);
            j += 1;
        }
        out.push(c);
        out_atoms.push(true);
    }
    out.extend_from_slice(&old[j..]);
    out_atoms.extend_from_slice(&old_atoms[j..]);
}

/// One K1 merge pass, ascending, over the sorted unit values `keys` merged
/// with the sorted centroids `old` (on equal means the unit value comes
/// first), of total weight `total`. Either list may be empty: merges pass
/// their whole sorted input as `old`.
///
/// Each centroid's largest allowed cumulative weight is computed once, when
/// it starts ([`K1Params::limit_after`]); after that an item joins it when
/// the sum stays within that limit, and a run of unit values that all fit is
/// summed in one tight loop. The first and last items stay single
/// centroids.
///
/// Means accumulate as offsets from the centroid's first item, which keeps
/// them accurate for data far from zero and avoids a division per item.
///
/// Value cuts: a centroid may also end before its limit so that a heavy atom
/// (many copies of one value, see [`value_cut`]) is not mixed with other
/// values, which would put interpolated values between two data values into
/// answers. At most `compression / 2` such cuts per pass keep the centroid
/// count bounded; data without repeated values never triggers one, so its
/// digests are unchanged.
///
/// Atom flags (`old_atoms` in, `out_atoms` out, unit values are atoms): a
/// centroid is an atom when all its items are atoms with the same mean. Items
/// arrive ascending, so that is "every item is an atom and the last one's
/// mean equals the first's": one comparison per item or per run of unit
/// values, and no effect on which items are merged.
#[allow(clippy::too_many_arguments)]
fn pass_k1(
    keys: &[u64],
    old: &[Centroid],
    old_atoms: &[bool],
    total: f64,
    compression: u16,
    out: &mut Vec<Centroid>,
    out_atoms: &mut Vec<bool>,
) {
    debug_assert_eq!(old.len(), old_atoms.len());
    let n = keys.len() + old.len();
    let (mut k, mut o) = (0usize, 0usize);
    // The next item in merged order, with its atom flag.
    let next = |k: &mut usize, o: &mut usize| -> Option<(Centroid, bool)> {
        if let Some(&key) = keys.get(*k) {
            let x = key_to_f64(key);
            if let Some(&c) = old.get(*o)
                && c.mean < x
            {
                *o += 1;
                return Some((c, old_atoms[*o - 1]));
            }
            *k += 1;
            return Some((
                Centroid {
                    mean: x,
                    weight: 1.0,
                },
                true,
            ));
        }
        let c = old.get(*o).copied();
        *o += 1;
        c.map(|c| (c, old_atoms[*o - 1]))
    };
    let Some((first, first_atom)) = next(&mut k, &mut o) else {
        return;
    };
    let mut atom = first_atom;
    let p = K1Params::new(total, compression);
    let mut so_far = 0.0; // weight before the current centroid
    let mut origin = first.mean;
    // The current centroid's largest value (items come in sorted order).
    let mut top = first.mean;
    let mut w = first.weight;
    let mut offset_sum = 0.0;
    // The first item stays a single centroid: the extreme of the pass.
    let mut limit = 0.0;
    let mut taken = 1usize; // items consumed so far
    // Value cuts (see the function documentation): how many are left this
    // pass, whether the next item must start a new centroid, and the mean of
    // the last centroid written when it was an atom.
    let mut cuts_left = compression as usize;
    // An atom this heavy is kept apart wherever it sits; lighter ones only
    // when they fill half of their centroid's allowed weight.
    let heavy = (total / (4.0 * compression as f64)).max(2.0);
    let mut cut_next = false;
    let mut prev_atom = f64::NAN;
    loop {
        if k < keys.len() && !cut_next {
            let room = limit - (so_far + w);
            if room >= 1.0 {
                // Unit values that fit, keeping the overall last item out.
                let mut m = (room as usize)
                    .min(keys.len() - k)
                    .min(n.saturating_sub(1 + taken));
                while m > 0 && so_far + w + m as f64 > limit {
                    m -= 1; // rounding of a non-integral limit
                }
                let mut heavy_old = f64::NAN;
                if let Some(c) = old.get(o) {
                    // An old centroid with a smaller mean comes first.
                    let bound = c.mean;
                    m = keys[k..k + m].partition_point(|&key| key_to_f64(key) <= bound);
                    let cap = (limit - so_far).min(2.0 * heavy);
                    if old_atoms[o] && c.weight >= 2.0 && 8.0 * c.weight >= cap {
                        heavy_old = bound;
                    }
                }
                if m > 0 && cuts_left > 0 {
                    let cap = (limit - so_far).min(2.0 * heavy);
                    let run = &keys[k..k + m];
                    if let Some(j) = value_cut(run, atom, origin, w, cap, prev_atom, heavy_old) {
                        m = j;
                        cut_next = true;
                        cuts_left -= 1;
                    }
                }
                if m > 0 {
                    for &key in &keys[k..k + m] {
                        offset_sum += key_to_f64(key) - origin;
                    }
                    top = key_to_f64(keys[k + m - 1]);
                    atom &= top == origin;
                    w += m as f64;
                    k += m;
                    taken += m;
                    continue;
                }
            }
        }
        let Some((it, it_atom)) = next(&mut k, &mut o) else {
            break;
        };
        taken += 1;
        let fits = so_far + w + it.weight <= limit && taken != n;
        let mut cut = std::mem::take(&mut cut_next);
        if fits && !cut && cuts_left > 0 && !(atom && it_atom && it.mean == origin) {
            // A heavy atom is not mixed with another value, on either side.
            let cap = (limit - so_far).min(2.0 * heavy);
            let after_heavy =
                atom && w >= 2.0 && it.mean != origin && (2.0 * w >= cap || prev_atom == origin);
            let before_heavy = it_atom && it.weight >= 2.0 && 8.0 * it.weight >= cap;
            if after_heavy || before_heavy {
                cut = true;
                cuts_left -= 1;
            }
        }
        if fits && !cut {
            w += it.weight;
            offset_sum += (it.mean - origin) * it.weight;
            top = it.mean;
            atom &= it_atom && it.mean == origin;
        } else {
            out.push(Centroid {
                mean: offset_mean(origin, offset_sum, w, top),
                weight: w,
            });
            out_atoms.push(atom);
            prev_atom = if atom { origin } else { f64::NAN };
            so_far += w;
            origin = it.mean;
            top = it.mean;
            w = it.weight;
            offset_sum = 0.0;
            atom = it_atom;
            limit = p.limit_after(so_far);
        }
    }
    out.push(Centroid {
        mean: offset_mean(origin, offset_sum, w, top),
        weight: w,
    });
    out_atoms.push(atom);
}

/// The mean of a centroid whose values run from `origin` to `top`, from the
/// sum of their weighted offsets from `origin` and their weight `w`. Values
/// near the ends of the `f64` range can overflow the sum; the mean then falls
/// back to the middle of the values' range, which is finite and keeps
/// centroids in order (an approximation only for magnitudes above about
/// `f64::MAX / count`).
#[inline]
fn offset_mean(origin: f64, offset_sum: f64, w: f64, top: f64) -> f64 {
    let mean = origin + offset_sum / w;
    if mean.is_finite() {
        mean
    } else {
        midpoint(origin, top)
    }
}

/// `(a + b) / 2` without overflow for finite `a` and `b`.
#[inline]
fn midpoint(a: f64, b: f64) -> f64 {
    let m = (a + b) / 2.0;
    if m.is_finite() { m } else { a / 2.0 + b / 2.0 }
}

/// Where a run of unit values (`run`, sorted, all fitting the current
/// centroid) must be cut so that a heavy atom is not mixed with other values;
/// `None` to take the whole run. The current centroid (an atom of value
/// `origin` when `atom`, of weight `w`; `cap` is its allowed weight, at most
/// twice the pass's heaviness threshold `W/(4·compression)`) is a heavy atom
/// once it holds at least two copies and half of `cap`, or continues an atom
/// of the same value written just before (`prev_atom`). A heavy atom ahead is
/// an old atom centroid of value `heavy_old` (NaN if none; the caller picks
/// atoms of weight at least `max(2, cap/8)`) or a run of at least
/// `max(2, cap/2)` equal values.
fn value_cut(
    run: &[u64],
    atom: bool,
    origin: f64,
    w: f64,
    cap: f64,
    prev_atom: f64,
    heavy_old: f64,
) -> Option<usize> {
    let m = run.len();
    let mut same = 0;
    if atom {
        // After a heavy atom: stop at the first different value.
        same = run.partition_point(|&key| key_to_f64(key) <= origin);
        let ww = w + same as f64;
        if same < m && ww >= 2.0 && (2.0 * ww >= cap || prev_atom == origin) {
            return Some(same);
        }
    }
    // Before a heavy atom: the values that join the next old atom.
    if !heavy_old.is_nan() {
        let j = run.partition_point(|&key| key_to_f64(key) < heavy_old);
        if j < m && j >= same && !(atom && heavy_old == origin) {
            return Some(j);
        }
    }
    // Before a long run of one value. Such a run covers two sample points
    // `h` apart (sorted keys: equal samples, equal run between them), so
    // only every `h`-th key is compared: continuous data pays almost nothing.
    let min_len = (cap / 2.0).max(2.0) as usize;
    if m - same >= min_len {
        let h = (min_len / 2).max(1);
        let mut j = same;
        while j + h < m {
            if run[j] == run[j + h] {
                let start = same + run[same..j].partition_point(|&key| key < run[j]);
                if start + min_len <= m && run[start + min_len - 1] == run[j] {
                    return Some(start);
                }
            }
            j += h;
        }
    }
    None
}

/// Constants of one K1 pass.
///
/// In the body each centroid may span one unit of the arcsine scale
/// `k(q) = δ/(2π)·asin(2q−1)`. Towards the tails, where the arcsine scale
/// would allow coarser centroids than the DataSketches K2 limit divided by
/// [`TAIL_FACTOR`] (`w ≤ W·q(1−q)·Z/(f·δ)` at both ends of the centroid,
/// `Z = 4 ln(W/δ) + 24`), that limit applies as well. With `f = 4` it binds
/// over a wide band (q below about 0.3 at 1e6 values), which is paid for by a
/// smaller `δ` per unit of compression ([`K1_DELTA_PER_COMPRESSION`]).
struct K1Params {
    total: f64,
    step: f64,
    /// `W·Z/(δ·f)`: the K2 weight limit is `k2_scale·q(1−q)`.
    k2_scale: f64,
    lo_tail_w: f64,
    hi_tail_w: f64,
}

impl K1Params {
    fn new(total: f64, compression: u16) -> Self {
        let delta = K1_DELTA_PER_COMPRESSION * compression as f64;
        // The tail width where the K2 limit is the tighter one:
        // q(1−q)·Z·f/δ < (2π/δ)·sqrt(q(1−q))  ⇔  sqrt(q(1−q)) < 2π/(Z·f).
        let z = 4.0 * (total / delta).ln() + 24.0;
        let tail_q = if z > 0.0 {
            let s = 2.0 * std::f64::consts::PI * TAIL_FACTOR / z;
            (2.0 * s * s).min(0.5)
        } else {
            0.5
        };
        K1Params {
            total,
            step: 2.0 * std::f64::consts::PI / delta,
            k2_scale: total * z / (delta * TAIL_FACTOR),
            lo_tail_w: tail_q * total,
            hi_tail_w: (1.0 - tail_q) * total,
        }
    }

    /// Largest cumulative weight of a centroid that starts after `so_far`.
    fn limit_after(&self, so_far: f64) -> f64 {
        let total = self.total;
        let q0 = (so_far / total).clamp(0.0, 1.0);
        let a = (2.0 * q0 - 1.0).asin() + self.step;
        let arcsine = if a >= std::f64::consts::FRAC_PI_2 {
            f64::INFINITY
        } else {
            total * (a.sin() + 1.0) / 2.0
        };
        if so_far >= self.lo_tail_w && arcsine <= self.hi_tail_w {
            return arcsine; // the body, where the arcsine limit is the tighter
        }
        let mut c = self.k2_scale / total;
        if c.is_nan() || c <= 0.0 {
            return so_far; // degenerate total: no merging
        }
        let edge = q0.min(1.0 - q0);
        if (FINE_BAND.0..FINE_BAND.1).contains(&edge) {
            c /= FINE_BAND_FACTOR;
        }
        // K2 at the centroid's start: w ≤ c·W·q0(1−q0).
        let start = so_far + c * total * q0 * (1.0 - q0);
        // K2 at its end, u = (so_far + w)/W: u − q0 ≤ c·u(1−u), i.e.
        // c·u² + (1−c)·u − q0 ≤ 0; the upper root in a cancellation-free form.
        let b = 1.0 - c;
        let d = (b * b + 4.0 * c * q0).sqrt();
        let u = if b >= 0.0 {
            2.0 * q0 / (b + d)
        } else {
            (d - b) / (2.0 * c)
        };
        arcsine.min(start).min(total * u)
    }
}

/// How much finer than the K2 limit (at K1's own `δ`) K1's tail centroids
/// are kept. Measured at an equal centroid count against DataSketches
/// (k = 100), it spends part of the body's lead in max rank error on tail
/// centroids (see `docs/bench-tdigest.md`, round 3).
const TAIL_FACTOR: f64 = 4.0;

/// K1's `δ` per unit of compression (the arcsine step is `2π/δ`). Chosen
/// with [`TAIL_FACTOR`] and [`FINE_BAND`] so that a compressed digest keeps
/// as many centroids per unit of compression as before the tail factor was
/// raised from 2 (with `δ = 2·compression`): about 2.6 at 1e6 values.
const K1_DELTA_PER_COMPRESSION: f64 = 0.95;

/// The band of normalized ranks (distance from the nearer end) where K1's
/// tail limit is [`FINE_BAND_FACTOR`] times finer still: around the P0.1 and
/// P99.9 quantiles. There the error of a tail estimate is mostly the random
/// spread of the values inside the centroids next to it, which shrinks with
/// the square root of their weight; further out the centroids are already
/// small (a few ranks of error at most), further in the error budget is the
/// body's. Paid for by a smaller `δ` per unit of compression (see
/// `docs/bench-tdigest.md`, round 3b).
const FINE_BAND: (f64, f64) = (3e-4, 4e-3);

/// How much finer the tail limit is inside [`FINE_BAND`].
const FINE_BAND_FACTOR: f64 = 2.0;

/// Centroids split into this many pieces before a merge pass, see
/// [`spread_centroids`].
const SPREAD_PIECES: usize = 3;

/// Slope `b` and curvature `k` (in value per rank and per rank²) of the
/// quadratic `Q(o) = a + b·o + k·o²` of the rank offset `o` from the middle
/// of centroid `c` whose averages over the rank cells of `l`, `c` and `r`
/// (adjacent, of their weights' widths) equal their means. Exact for a
/// quadratic quantile function; `None` when degenerate.
fn cell_fit(l: Centroid, c: Centroid, r: Centroid) -> Option<(f64, f64)> {
    let w2 = c.weight * c.weight;
    // Offsets of the neighbours' mid-ranks and the averages of o² over their
    // cells, relative to the centre cell's (o² averages w²/12 over a cell).
    let dm = -(l.weight + c.weight) / 2.0;
    let dp = (c.weight + r.weight) / 2.0;
    let em = dm * dm + (l.weight * l.weight - w2) / 12.0;
    let ep = dp * dp + (r.weight * r.weight - w2) / 12.0;
    let det = dm * ep - dp * em;
    let (ym, yp) = (l.mean - c.mean, r.mean - c.mean);
    let b = (ym * ep - yp * em) / det;
    let k = (dm * yp - dp * ym) / det;
    (det != 0.0 && b.is_finite() && k.is_finite()).then_some((b, k))
}

/// Splits each centroid (not an atom, not the first or last, integral
/// weight of at least `2·SPREAD_PIECES`) into [`SPREAD_PIECES`] pieces of (nearly) equal weight
/// placed where the interpolation model puts them: each piece's mean is the
/// average over its rank sub-cell of the quadratic fitted to the centroid and
/// its neighbours ([`cell_fit`]), kept monotone and between the midpoints to
/// the neighbours' means.
///
/// Why: a merge pass sees an old centroid as a point at its mean, so new
/// values from the lower half of its range join the centroid before it and
/// values above it join it. Over many passes centroids overlap in value
/// and a prefix of centroids holds some larger values than its rank range,
/// which pulls every estimate towards the median (on 1e6 uniform values +7
/// and −6 ranks at q = 0.001 and 0.999, and, when only the outer 1% was
/// spread, +190 and −130 ranks at q = 0.01 and 0.99; DataSketches shares the
/// bias). With the pieces, new values interleave with the old centroid's
/// estimated spread: the tail bias falls to about one rank, and spreading
/// every centroid, not only the tails', cuts the max rank error 3-4x. The pieces only exist inside
/// the pass; the weight and (up to rounding) the mean of each split centroid
/// are preserved.
fn spread_centroids(old: Vec<Centroid>, atoms: Vec<bool>) -> (Vec<Centroid>, Vec<bool>) {
    let n = old.len();
    if n < 3 {
        return (old, atoms);
    }
    let pieces = SPREAD_PIECES as f64;
    let mut out = Vec::with_capacity(n * SPREAD_PIECES);
    let mut out_atoms = Vec::with_capacity(n * SPREAD_PIECES);
    for i in 0..n {
        let c = old[i];
        let fit = if i == 0
            || i == n - 1
            || atoms[i]
            || c.weight < 2.0 * pieces
            || c.weight.fract() != 0.0
        {
            None
        } else {
            cell_fit(old[i - 1], c, old[i + 1]).filter(|&(b, _)| b > 0.0)
        };
        let Some((b, k)) = fit else {
            out.push(c);
            out_atoms.push(atoms[i]);
            continue;
        };
        let (l, r) = (old[i - 1], old[i + 1]);
        // Monotone over the cell: |2k·o| <= b for |o| <= w/2.
        let k = k.clamp(-b / c.weight, b / c.weight);
        let half = c.weight / 2.0;
        let (floor, ceil) = (midpoint(l.mean, c.mean), midpoint(c.mean, r.mean));
        let base = (c.weight / pieces).floor();
        let extra = c.weight - base * pieces;
        let mut start = -half;
        let mut split = [c; SPREAD_PIECES];
        let mut clamped = false;
        for (p, piece) in split.iter_mut().enumerate() {
            let w = base + if (p as f64) < extra { 1.0 } else { 0.0 };
            let (o1, o2) = (start, start + w);
            start = o2;
            // Average of b·o + k·(o² − w²/12) over [o1, o2]: the deviation of
            // the sub-cell's average from the cell's average (= the mean).
            let dev = b * (o1 + o2) / 2.0
                + k * ((o1 * o1 + o1 * o2 + o2 * o2) / 3.0 - c.weight * c.weight / 12.0);
            let mean = c.mean + dev;
            // (Also true for a NaN or infinite mean: the centroid stays whole.)
            clamped |= !(mean >= floor && mean <= ceil);
            *piece = Centroid { mean, weight: w };
        }
        if clamped {
            // The model reaches past a neighbour (uneven neighbours, e.g. at
            // the edges of the fine band): clamping would move the centroid's
            // mean, so it stays whole.
            out.push(c);
            out_atoms.push(atoms[i]);
            continue;
        }
        out.extend_from_slice(&split);
        out_atoms.extend_from_slice(&[false; SPREAD_PIECES]);
    }
    (out, out_atoms)
}

/// One DataSketches K2 merge pass, reproducing its arithmetic exactly. Atom
/// flags are carried along (a merged centroid stays an atom when both parts
/// are atoms of the same value) without affecting any decision.
fn pass_k2(
    items: &[Centroid],
    item_atoms: &[bool],
    total: f64,
    k: u16,
    reverse: bool,
    out: &mut Vec<Centroid>,
    out_atoms: &mut Vec<bool>,
) {
    debug_assert_eq!(items.len(), item_atoms.len());
    let compression = 2.0 * k as f64;
    let normalizer = compression / (4.0 * (total / compression).ln() + 24.0);
    let bound = |q: f64| q * (1.0 - q) / normalizer;
    let mut so_far = 0.0;
    let mut step = |idx: usize, it: &Centroid, it_atom: bool| {
        if idx == 0 {
            out.push(*it);
            out_atoms.push(it_atom);
            return;
        }
        let last = out.last_mut().expect("first item pushed");
        let proposed = last.weight + it.weight;
        let mut add = false;
        if idx != 1 {
            let q0 = so_far / total;
            let q2 = (so_far + proposed) / total;
            add = proposed <= total * bound(q0).min(bound(q2));
        }
        if add {
            let last_atom = out_atoms.last_mut().expect("first flag pushed");
            *last_atom = *last_atom && it_atom && it.mean == last.mean;
            last.weight += it.weight;
            let mean = last.mean + (it.mean - last.mean) * it.weight / last.weight;
            last.mean = if mean.is_finite() {
                mean
            } else {
                // Overflow near the ends of the f64 range: the same weighted
                // average, in a form whose terms cannot overflow.
                let f = it.weight / last.weight;
                last.mean * (1.0 - f) + it.mean * f
            };
        } else {
            so_far += last.weight;
            out.push(*it);
            out_atoms.push(it_atom);
        }
    };
    if reverse {
        for (idx, (it, &a)) in items.iter().zip(item_atoms).rev().enumerate() {
            step(idx, it, a);
        }
        out.reverse();
        out_atoms.reverse();
    } else {
        for (idx, (it, &a)) in items.iter().zip(item_atoms).enumerate() {
            step(idx, it, a);
        }
    }
}

impl Mergeable for TDigest {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        TDigest::merge(self, other)
    }
}

impl EmptyLike for TDigest {
    fn empty_like(&self) -> Self {
        Self::build(self.compression, self.scale, self.buffer_capacity)
    }
}

impl Update<f64> for TDigest {
    #[inline]
    fn update(&mut self, item: f64) {
        self.add(item);
    }
}

impl Update<f32> for TDigest {
    #[inline]
    fn update(&mut self, item: f32) {
        self.add(f64::from(item));
    }
}

impl QuantileSketch for TDigest {
    type Item = f64;

    fn n(&self) -> u64 {
        self.count().round() as u64
    }

    fn is_empty(&self) -> bool {
        TDigest::is_empty(self)
    }

    fn min_item(&self) -> Option<f64> {
        self.min()
    }

    fn max_item(&self) -> Option<f64> {
        self.max()
    }

    fn rank(&self, item: &f64, criteria: SearchCriteria) -> Result<f64, QueryError> {
        let (below, at) = self.below_at_checked(*item)?;
        let r = match criteria {
            SearchCriteria::Inclusive => below + at,
            SearchCriteria::Exclusive => below,
        };
        Ok((r / self.count()).clamp(0.0, 1.0))
    }

    fn quantile(&self, rank: f64, criteria: SearchCriteria) -> Result<f64, QueryError> {
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        if !(0.0..=1.0).contains(&rank) {
            return Err(QueryError::RankOutOfRange(rank));
        }
        let n = self.count();
        let index = match criteria {
            SearchCriteria::Exclusive => rank * n,
            // Smallest value whose inclusive rank reaches `rank`: sorted index
            // ceil(rank·n) − 1, i.e. position ceil(rank·n) − 1/2.
            SearchCriteria::Inclusive => ((rank * n).ceil() - 0.5).max(0.0),
        };
        let view = self.view();
        Ok(view.value_at(index))
    }

    fn quantiles(&self, ranks: &[f64], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        // One view for all ranks.
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        let view = self.view();
        let n = self.count();
        ranks
            .iter()
            .map(|&rank| {
                if !(0.0..=1.0).contains(&rank) {
                    return Err(QueryError::RankOutOfRange(rank));
                }
                let index = match criteria {
                    SearchCriteria::Exclusive => rank * n,
                    SearchCriteria::Inclusive => ((rank * n).ceil() - 0.5).max(0.0),
                };
                Ok(view.value_at(index))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
