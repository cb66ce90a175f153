//! The Theta sketch: a tuple sketch with the empty summary `()`.

use distilled_core::hash::{DsHash, U64Hasher, compute_seed_hash};
use distilled_core::{
    DataSketchesFormat, DecodeError, DistinctCount, EmptyLike, MergeError, Mergeable, NumStdDev,
    Update,
};

use crate::batch::{BLOCK, Simd, any_below};
use crate::sorted_union::SortedUnion;
use crate::tuple::{
    CompactTupleSketch, ConfigError, ResizeFactor, SketchBuilder, TupleIntersection,
    TupleSketchRef, TupleUnion, TupleUpdateSketch, tuple_a_not_b,
};

/// A mutable Theta sketch (DataSketches QuickSelect update sketch).
///
/// ```
/// use distilled_theta::ThetaSketch;
/// use distilled_core::NumStdDev;
/// let mut s = ThetaSketch::new(12).unwrap();
/// for i in 0..100_000u64 {
///     s.update(i);
/// }
/// let est = s.estimate();
/// assert!((est - 100_000.0).abs() < 100_000.0 * 0.05);
/// assert!(s.lower_bound(NumStdDev::Two) <= est && est <= s.upper_bound(NumStdDev::Two));
/// ```
#[derive(Debug)]
pub struct ThetaSketch {
    inner: TupleUpdateSketch<()>,
    /// The seed folded for 8-byte keys (see [`U64Hasher`]).
    hasher: U64Hasher,
    /// `2 * theta`: an 8-byte key's unshifted `h1` is screened against it,
    /// which saves the shift and the zero test on the hot path (`h1 < 2θ`
    /// iff `h1 >> 1 < θ`; a zero hash goes to the slow path, which rejects
    /// it). Kept equal to `2 * inner.table.theta` by [`ThetaSketch::sync`]
    /// after every change of the table.
    screen: u64,
}

/// Written out for `clone_from`, which copies into `self`'s table without
/// reallocating it once it is large enough: the ingest layer copies a
/// writer's sketch over its previous publication this way.
impl Clone for ThetaSketch {
    fn clone(&self) -> Self {
        ThetaSketch {
            inner: self.inner.clone(),
            hasher: self.hasher,
            screen: self.screen,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        let ThetaSketch {
            inner,
            hasher,
            screen,
        } = source;
        self.inner.clone_from(inner);
        self.hasher = *hasher;
        self.screen = *screen;
    }
}

impl ThetaSketch {
    /// An empty sketch with `k = 2^lg_k` (5..=26), default seed 9001.
    pub fn new(lg_k: u8) -> Result<Self, ConfigError> {
        Self::builder().lg_k(lg_k).build()
    }

    /// Builder for lg_k, resize factor, p and seed.
    pub fn builder() -> ThetaBuilder {
        ThetaBuilder(SketchBuilder::new())
    }

    fn wrap(inner: TupleUpdateSketch<()>) -> Self {
        let mut s = ThetaSketch {
            hasher: U64Hasher::new(inner.seed()),
            inner,
            screen: 0,
        };
        s.sync();
        s
    }

    /// Re-derives the hot-path screen from theta (after any table change).
    #[inline(always)]
    fn sync(&mut self) {
        self.screen = self.inner.table.theta << 1;
    }

    /// Adds any item DataSketches knows how to hash (integers, floats,
    /// strings, byte slices). Empty strings and slices are ignored.
    #[inline(always)]
    pub fn update<T: DsHash>(&mut self, item: T) {
        // Constant-folded per type: integers and floats are 8-byte keys.
        if let Some(v) = item.fixed_u64() {
            self.inner.is_empty = false;
            let h1 = self.hasher.h1(v);
            // The common case in estimation mode is this one compare.
            if h1 < self.screen {
                self.insert_slow(h1 >> 1);
            }
        } else if let Some(h) = item.theta_hash(self.inner.seed()) {
            self.inner.is_empty = false;
            if h < self.inner.table.theta {
                self.insert_slow(h);
            }
        }
    }

    /// Inserts a hash that passed the screen (a zero hash is rejected here);
    /// out of line so that the rejecting loop stays small.
    #[inline(never)]
    fn insert_slow(&mut self, h: u64) {
        self.inner.insert_hash(h, &());
        self.sync();
    }

    /// Offers a precomputed 63-bit theta hash.
    #[inline(always)]
    pub fn update_hash(&mut self, hash: u64) {
        self.inner.is_empty = false;
        if hash < self.inner.table.theta {
            self.insert_slow(hash);
        }
    }

    /// Adds many items in blocks; the result is the same as calling
    /// [`ThetaSketch::update`] on each.
    ///
    /// Integers and floats (8-byte keys) are hashed a block at a time and
    /// screened against theta without a branch per key, so only the keys that
    /// pass touch the table: 8 lanes at a time with AVX-512 where the CPU has
    /// it (detected at run time), otherwise in scalar code whose independent
    /// keys the CPU overlaps. Strings and byte slices are hashed a block at a
    /// time and the block skips the table when no hash passes.
    pub fn update_many<T: DsHash>(&mut self, items: &[T]) {
        self.update_many_with(items, Simd::detect());
    }

    /// [`ThetaSketch::update_many`] forced onto the portable path (no
    /// AVX-512), for tests and benchmarks on machines that have it.
    #[doc(hidden)]
    pub fn update_many_portable<T: DsHash>(&mut self, items: &[T]) {
        self.update_many_with(items, None);
    }

    fn update_many_with<T: DsHash>(&mut self, items: &[T], simd: Option<Simd>) {
        let seed = self.inner.seed();
        let mut hashes = [0u64; BLOCK];
        let mut passed = [0u64; BLOCK];
        let mut chunks = items.chunks_exact(BLOCK);
        for chunk in &mut chunks {
            let Ok(block) = <&[T; BLOCK]>::try_from(chunk) else {
                continue;
            };
            // Constant-folded per type: integers and floats always take the
            // 8-byte path, strings and byte slices never do.
            let fixed = block.iter().all(|item| item.fixed_u64().is_some());
            if fixed {
                self.inner.is_empty = false;
            }
            let any = match (fixed, simd) {
                (true, Some(simd)) => simd.hash(block, seed, self.inner.table.theta, &mut hashes),
                (true, None) => {
                    self.block_u64_portable(block, &mut passed);
                    continue;
                }
                _ => {
                    let mut hashed = false;
                    for (slot, item) in hashes.iter_mut().zip(block) {
                        let h = item.theta_hash(seed);
                        hashed |= h.is_some();
                        // 0 is never inserted, so it stands for "not hashed".
                        *slot = h.unwrap_or(0);
                    }
                    if hashed {
                        self.inner.is_empty = false;
                    }
                    any_below(&hashes, self.inner.table.theta)
                }
            };
            if any {
                for &h in &hashes {
                    // Re-screened per key: a rebuild inside the block may
                    // have lowered theta.
                    self.inner.insert_hash(h, &());
                }
                self.sync();
            }
        }
        for item in chunks.remainder() {
            self.update(item);
        }
    }

    /// The portable block path for 8-byte keys: every key is hashed and
    /// appended to `passed`, and the count advances only when its `h1` passes
    /// the screen, so the loop has no data-dependent branch and the CPU keeps
    /// several hashes in flight; the few survivors are inserted afterwards.
    #[inline(always)]
    fn block_u64_portable<T: DsHash>(&mut self, block: &[T; BLOCK], passed: &mut [u64; BLOCK]) {
        let hasher = self.hasher;
        let screen = self.screen;
        let mut n = 0usize;
        for item in block {
            let h1 = hasher.h1(item.fixed_u64().unwrap_or(0));
            // `n <= index < BLOCK`, so the mask never changes it; it only
            // lets the compiler drop the bounds check.
            passed[n & (BLOCK - 1)] = h1;
            n += usize::from(h1 < screen);
        }
        if n > 0 {
            for &h1 in &passed[..n] {
                // Re-screened: a rebuild may lower theta mid-block.
                self.inner.insert_hash(h1 >> 1, &());
            }
            self.sync();
        }
    }

    /// Adds many `u64` keys; the same as [`ThetaSketch::update_many`], kept
    /// as a named entry point for the hot integer path.
    pub fn update_many_u64(&mut self, keys: &[u64]) {
        self.update_many(keys);
    }

    /// Theta as a 63-bit integer.
    pub fn theta64(&self) -> u64 {
        self.inner.theta64()
    }
    /// Theta in `(0, 1]`.
    pub fn theta(&self) -> f64 {
        self.inner.theta()
    }
    /// Retained hashes (may exceed k until a rebuild or [`ThetaSketch::trim`]).
    pub fn num_retained(&self) -> usize {
        self.inner.num_retained()
    }
    /// `true` until the first item is offered.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
    /// `true` when theta < 1 and the sketch is not empty.
    pub fn is_estimation_mode(&self) -> bool {
        self.inner.is_estimation_mode()
    }
    /// Estimated number of distinct items.
    pub fn estimate(&self) -> f64 {
        self.inner.estimate()
    }
    /// Lower confidence bound.
    pub fn lower_bound(&self, s: NumStdDev) -> f64 {
        self.inner.lower_bound(s)
    }
    /// Upper confidence bound.
    pub fn upper_bound(&self, s: NumStdDev) -> f64 {
        self.inner.upper_bound(s)
    }
    /// `lg_k`.
    pub fn lg_k(&self) -> u8 {
        self.inner.lg_k()
    }
    /// The hash seed.
    pub fn seed(&self) -> u64 {
        self.inner.seed()
    }
    /// The 16-bit seed hash.
    pub fn seed_hash(&self) -> u16 {
        self.inner.seed_hash()
    }
    /// The sampling probability p.
    pub fn p(&self) -> f32 {
        self.inner.p()
    }
    /// The resize factor.
    pub fn resize_factor(&self) -> ResizeFactor {
        self.inner.resize_factor()
    }
    /// Retained hashes in table order.
    pub fn hashes(&self) -> impl Iterator<Item = u64> + '_ {
        self.inner.iter().map(|e| e.0)
    }
    /// Immutable copy (all retained hashes, sorted when `ordered`).
    pub fn compact(&self, ordered: bool) -> CompactThetaSketch {
        CompactThetaSketch {
            inner: self.inner.compact(ordered),
        }
    }
    /// Rebuilds down to k hashes if above.
    pub fn trim(&mut self) {
        self.inner.trim();
        self.sync();
    }
    /// Back to empty.
    pub fn reset(&mut self) {
        self.inner.reset();
        self.sync();
    }
    /// Restores a state: emptiness, theta and retained hashes (serde path).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn restore(
        &mut self,
        is_empty: bool,
        theta: u64,
        hashes: &[u64],
    ) -> Result<(), DecodeError> {
        if is_empty && !hashes.is_empty() {
            return Err(DecodeError::inconsistent(
                "hashes",
                "empty sketch with hashes",
            ));
        }
        if let Some(h) = hashes.iter().find(|&&h| h == 0 || h >= theta) {
            return Err(DecodeError::inconsistent(
                "hashes",
                format!("hash {h:#x} is zero or not below theta"),
            ));
        }
        self.inner.is_empty = is_empty;
        self.inner.table.theta = theta;
        for &h in hashes {
            self.inner.insert_hash(h, &());
        }
        self.sync();
        Ok(())
    }

    /// The tuple sketch underneath.
    pub fn as_tuple(&self) -> &TupleUpdateSketch<()> {
        &self.inner
    }
}

/// Builder of [`ThetaSketch`] and [`ThetaUnion`].
#[derive(Debug, Clone, Copy)]
pub struct ThetaBuilder(SketchBuilder);

impl ThetaBuilder {
    /// `k = 2^lg_k`, 5..=26 (default 12).
    pub fn lg_k(self, lg_k: u8) -> Self {
        ThetaBuilder(self.0.lg_k(lg_k))
    }
    /// Table growth factor (default X8).
    pub fn resize_factor(self, rf: ResizeFactor) -> Self {
        ThetaBuilder(self.0.resize_factor(rf))
    }
    /// Up-front sampling probability in (0, 1] (default 1).
    pub fn p(self, p: f32) -> Self {
        ThetaBuilder(self.0.p(p))
    }
    /// Hash seed (default 9001).
    pub fn seed(self, seed: u64) -> Self {
        ThetaBuilder(self.0.seed(seed))
    }
    /// The sketch.
    pub fn build(self) -> Result<ThetaSketch, ConfigError> {
        Ok(ThetaSketch::wrap(self.0.build_tuple()?))
    }
    /// A union with this configuration.
    pub fn build_union(self) -> Result<ThetaUnion, ConfigError> {
        let (lg_k, seed_hash, theta) = self.0.validated()?;
        Ok(ThetaUnion {
            inner: SortedUnion::new(lg_k, seed_hash, theta),
        })
    }
}

impl<T: DsHash> Update<T> for ThetaSketch {
    #[inline(always)]
    fn update(&mut self, item: T) {
        ThetaSketch::update(self, item);
    }
}

impl EmptyLike for ThetaSketch {
    fn empty_like(&self) -> Self {
        ThetaSketch::wrap(self.inner.empty_like())
    }
}

impl Mergeable for ThetaSketch {
    /// A union into this sketch's table (k of `self`).
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        let r = self.inner.merge_from(&other.inner);
        self.sync();
        r
    }
}

impl DistinctCount for ThetaSketch {
    fn estimate(&self) -> f64 {
        self.inner.estimate()
    }
    fn lower_bound(&self, s: NumStdDev) -> f64 {
        self.inner.lower_bound(s)
    }
    fn upper_bound(&self, s: NumStdDev) -> f64 {
        self.inner.upper_bound(s)
    }
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl TupleSketchRef<()> for ThetaSketch {
    fn theta64(&self) -> u64 {
        self.inner.theta64()
    }
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
    fn seed_hash(&self) -> u16 {
        self.inner.seed_hash()
    }
    fn is_ordered(&self) -> bool {
        self.inner.num_retained() <= 1
    }
    fn num_retained(&self) -> usize {
        self.inner.num_retained()
    }
    fn entries_iter<'a>(&'a self) -> impl Iterator<Item = (u64, &'a ())>
    where
        (): 'a,
    {
        self.inner.iter()
    }
}

/// An immutable Theta sketch, the form DataSketches serializes.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactThetaSketch {
    pub(crate) inner: CompactTupleSketch<()>,
}

impl CompactThetaSketch {
    /// Wraps a compact tuple sketch of `()`.
    pub fn from_tuple(inner: CompactTupleSketch<()>) -> Self {
        CompactThetaSketch { inner }
    }
    /// Builds one from parts, validated as a decoder would.
    pub fn from_parts(
        is_empty: bool,
        ordered: bool,
        seed_hash: u16,
        theta: u64,
        hashes: Vec<u64>,
    ) -> Result<Self, DecodeError> {
        let entries = hashes.into_iter().map(|h| (h, ())).collect();
        Ok(CompactThetaSketch {
            inner: CompactTupleSketch::from_parts(is_empty, ordered, seed_hash, theta, entries)?,
        })
    }
    /// An empty sketch for `seed`.
    pub fn empty(seed: u64) -> Self {
        CompactThetaSketch {
            inner: CompactTupleSketch::empty(compute_seed_hash(seed).unwrap_or(0)),
        }
    }
    /// Theta as a 63-bit integer.
    pub fn theta64(&self) -> u64 {
        self.inner.theta64()
    }
    /// Theta in `(0, 1]`.
    pub fn theta(&self) -> f64 {
        self.inner.theta()
    }
    /// Number of retained hashes.
    pub fn num_retained(&self) -> usize {
        self.inner.num_retained()
    }
    /// `true` when the source saw no input.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
    /// `true` when hashes are ascending.
    pub fn is_ordered(&self) -> bool {
        self.inner.is_ordered()
    }
    /// `true` when theta < 1 and not empty.
    pub fn is_estimation_mode(&self) -> bool {
        self.inner.is_estimation_mode()
    }
    /// The 16-bit seed hash.
    pub fn seed_hash(&self) -> u16 {
        self.inner.seed_hash()
    }
    /// Estimated number of distinct items.
    pub fn estimate(&self) -> f64 {
        self.inner.estimate()
    }
    /// Lower confidence bound.
    pub fn lower_bound(&self, s: NumStdDev) -> f64 {
        self.inner.lower_bound(s)
    }
    /// Upper confidence bound.
    pub fn upper_bound(&self, s: NumStdDev) -> f64 {
        self.inner.upper_bound(s)
    }
    /// The retained hashes.
    pub fn hashes(&self) -> impl Iterator<Item = u64> + '_ {
        self.inner.iter().map(|e| e.0)
    }
    /// The tuple sketch underneath.
    pub fn as_tuple(&self) -> &CompactTupleSketch<()> {
        &self.inner
    }
}

impl TupleSketchRef<()> for CompactThetaSketch {
    fn theta64(&self) -> u64 {
        self.inner.theta64()
    }
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
    fn seed_hash(&self) -> u16 {
        self.inner.seed_hash()
    }
    fn is_ordered(&self) -> bool {
        self.inner.is_ordered()
    }
    fn num_retained(&self) -> usize {
        self.inner.num_retained()
    }
    fn entries_iter<'a>(&'a self) -> impl Iterator<Item = (u64, &'a ())>
    where
        (): 'a,
    {
        self.inner.iter()
    }
}

impl DistinctCount for CompactThetaSketch {
    fn estimate(&self) -> f64 {
        self.inner.estimate()
    }
    fn lower_bound(&self, s: NumStdDev) -> f64 {
        self.inner.lower_bound(s)
    }
    fn upper_bound(&self, s: NumStdDev) -> f64 {
        self.inner.upper_bound(s)
    }
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl EmptyLike for CompactThetaSketch {
    fn empty_like(&self) -> Self {
        CompactThetaSketch {
            inner: CompactTupleSketch::empty(self.seed_hash()),
        }
    }
}

impl Mergeable for CompactThetaSketch {
    /// Union without a size limit: theta becomes the smaller of the two and
    /// every hash below it from either side is kept (the result is ordered).
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        if other.is_empty() {
            return Ok(());
        }
        if self.is_empty() {
            if other.seed_hash() != self.seed_hash() && self.seed_hash() != 0 {
                return Err(MergeError::SeedMismatch {
                    expected: self.seed_hash(),
                    found: other.seed_hash(),
                });
            }
            *self = CompactThetaSketch {
                inner: CompactTupleSketch::from_ref(&other.inner, true),
            };
            return Ok(());
        }
        if other.seed_hash() != self.seed_hash() {
            return Err(MergeError::SeedMismatch {
                expected: self.seed_hash(),
                found: other.seed_hash(),
            });
        }
        let theta = self.theta64().min(other.theta64());
        let mut all: Vec<u64> = self
            .hashes()
            .chain(other.hashes())
            .filter(|&h| h < theta)
            .collect();
        all.sort_unstable();
        all.dedup();
        let merged = CompactThetaSketch::from_parts(false, true, self.seed_hash(), theta, all)
            .map_err(|e| MergeError::Incompatible(e.to_string()))?;
        *self = merged;
        Ok(())
    }
}

impl DataSketchesFormat for CompactThetaSketch {
    /// Serial version 3 (uncompressed), as `compact.serialize()` writes it.
    fn to_datasketches_bytes(&self) -> Vec<u8> {
        self.serialize()
    }
    /// Any of serial versions 1 to 4, checked against the default seed.
    fn from_datasketches_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::deserialize(bytes)
    }
}

/// A Theta union with its own `k = 2^lg_k`.
///
/// ```
/// use distilled_theta::{ThetaSketch, ThetaUnion};
/// let (mut a, mut b) = (ThetaSketch::new(12).unwrap(), ThetaSketch::new(12).unwrap());
/// for i in 0..2000u64 { a.update(i); }
/// for i in 1000..3000u64 { b.update(i); }
/// let mut u = ThetaUnion::new(12).unwrap();
/// u.update(&a).unwrap();
/// u.update(&b.compact(true)).unwrap();
/// assert_eq!(u.result(true).estimate(), 3000.0);
/// ```
///
/// The union state is the sorted array of its retained hashes, so ordered
/// compact inputs merge in linear time without rehashing, and the result is
/// always ordered (DataSketches gives the same hashes and theta; a result
/// asked for unordered comes back ascending rather than in table order).
#[derive(Debug, Clone)]
pub struct ThetaUnion {
    inner: SortedUnion,
}

impl ThetaUnion {
    /// A union with `k = 2^lg_k`, default seed.
    pub fn new(lg_k: u8) -> Result<Self, ConfigError> {
        ThetaSketch::builder().lg_k(lg_k).build_union()
    }
    /// Adds an update or compact sketch; another seed is an error.
    pub fn update(&mut self, sketch: &impl TupleSketchRef<()>) -> Result<(), MergeError> {
        self.inner.update(sketch)
    }
    /// The union so far (at most k hashes, ascending whatever `ordered`).
    ///
    /// Neither form sorts anything: the state is kept ascending as it is
    /// merged, so the result is a copy of it, and `ordered = false` costs
    /// the same (it is simply flagged ordered).
    pub fn result(&self, ordered: bool) -> CompactThetaSketch {
        let _ = ordered;
        CompactThetaSketch {
            inner: self.inner.result(),
        }
    }
    /// Back to empty.
    pub fn reset(&mut self) {
        self.inner.reset();
    }
    /// The sorted state (serde path).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn sorted(&self) -> &SortedUnion {
        &self.inner
    }
    /// Wraps a validated sorted state (serde path).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn from_sorted(inner: SortedUnion) -> Self {
        ThetaUnion { inner }
    }
}

impl Mergeable for ThetaUnion {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        let r = other.result(true);
        self.inner.update(&r)
    }
}

impl EmptyLike for ThetaUnion {
    fn empty_like(&self) -> Self {
        ThetaUnion {
            inner: self.inner.empty_like(),
        }
    }
}

impl DistinctCount for ThetaUnion {
    fn estimate(&self) -> f64 {
        self.result(true).estimate()
    }
    fn lower_bound(&self, s: NumStdDev) -> f64 {
        self.result(true).lower_bound(s)
    }
    fn upper_bound(&self, s: NumStdDev) -> f64 {
        self.result(true).upper_bound(s)
    }
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// Theta intersection. Undefined until the first update.
#[derive(Debug, Clone)]
pub struct ThetaIntersection {
    inner: TupleIntersection<()>,
}

impl ThetaIntersection {
    /// For sketches built with `seed`.
    pub fn new(seed: u64) -> Result<Self, ConfigError> {
        Ok(ThetaIntersection {
            inner: TupleIntersection::new(seed)?,
        })
    }
    /// Intersects with another sketch; another seed is an error.
    pub fn update(&mut self, sketch: &impl TupleSketchRef<()>) -> Result<(), MergeError> {
        self.inner.update(sketch)
    }
    /// `true` once a sketch was added.
    pub fn has_result(&self) -> bool {
        self.inner.has_result()
    }
    /// The intersection (ordered), or `None` before any update.
    pub fn result(&self) -> Option<CompactThetaSketch> {
        self.inner
            .result()
            .map(|inner| CompactThetaSketch { inner })
    }
}

/// The items of `a` not in `b` (C++ semantics); seed mismatch is an error.
pub fn a_not_b(
    a: &impl TupleSketchRef<()>,
    b: &impl TupleSketchRef<()>,
    ordered: bool,
) -> Result<CompactThetaSketch, MergeError> {
    Ok(CompactThetaSketch {
        inner: tuple_a_not_b(a, b, ordered)?,
    })
}

/// A Jaccard similarity estimate with bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jaccard {
    /// Lower bound (about 2 standard deviations).
    pub lower: f64,
    /// Estimate `|A ∩ B| / |A ∪ B|`.
    pub estimate: f64,
    /// Upper bound.
    pub upper: f64,
}

/// Jaccard similarity `|A ∩ B| / |A ∪ B|` of two sketches, by the
/// DataSketches procedure (the same answers as `theta_jaccard_similarity`
/// in Java, C++ and Python, to rounding).
///
/// The union of `a` and `b` is built with its own `lg_k` (the smallest power
/// of two holding both inputs' retained hashes, within 5..=26), so it keeps
/// every retained hash below the smaller theta: a uniform sample of `A ∪ B`.
/// The intersection of `a`, `b` and that union is the sampled part of
/// `A ∩ B`; their ratio estimates the similarity, and the bounds are the
/// binomial bounds on a ratio of sampled sets at 2 standard deviations
/// ([`crate::ratio_bounds::ratio_bounds`]). Both empty, or the same retained
/// hashes and theta on both sides, give 1; one empty gives 0; no sample at
/// all (both in estimation mode with nothing retained) gives `(0, 0.5, 1)`.
///
/// ```
/// use distilled_theta::{ThetaSketch, jaccard};
/// let (mut a, mut b) = (ThetaSketch::new(10).unwrap(), ThetaSketch::new(10).unwrap());
/// a.update_many(&(0..30_000u64).collect::<Vec<_>>());
/// b.update_many(&(10_000..40_000u64).collect::<Vec<_>>());
/// let j = jaccard(&a, &b).unwrap(); // truth: 20000 / 40000
/// assert!(j.lower < 0.5 && 0.5 < j.upper);
/// ```
pub fn jaccard<A, B>(a: &A, b: &B) -> Result<Jaccard, MergeError>
where
    A: TupleSketchRef<()>,
    B: TupleSketchRef<()>,
{
    let exact = |v: f64| Jaccard {
        lower: v,
        estimate: v,
        upper: v,
    };
    // The same object on both sides is identical by definition.
    if std::ptr::eq((a as *const A).cast::<()>(), (b as *const B).cast::<()>()) {
        return Ok(exact(1.0));
    }
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ok(exact(1.0)),
        (true, false) | (false, true) => return Ok(exact(0.0)),
        _ => {}
    }
    if a.seed_hash() != b.seed_hash() {
        return Err(MergeError::SeedMismatch {
            expected: a.seed_hash(),
            found: b.seed_hash(),
        });
    }
    let total = (a.num_retained() + b.num_retained()).max(1);
    let lg_k = (usize::BITS - (total - 1).leading_zeros()).clamp(5, 26) as u8;
    let mut u = TupleUnion::<()>::with_seed_hash(lg_k, a.seed_hash());
    u.update(a)?;
    u.update(b)?;
    let uni = u.result(true);
    let n = uni.num_retained();
    if n == a.num_retained()
        && n == b.num_retained()
        && uni.theta64() == a.theta64()
        && uni.theta64() == b.theta64()
    {
        return Ok(exact(1.0));
    }
    let mut x = TupleIntersection::<()>::with_seed_hash(a.seed_hash());
    x.update(a)?;
    x.update(b)?;
    // Intersected with the union too, so that it is a subset of it.
    x.update(&uni)?;
    let Some(inter) = x.result() else {
        return Ok(Jaccard {
            lower: 0.0,
            estimate: 0.5,
            upper: 1.0,
        });
    };
    // The union's sample at the intersection's theta (the same theta unless
    // an input's theta was lower, in which case only hashes below it count).
    let count_u = if inter.theta64() == uni.theta64() {
        n
    } else {
        uni.iter().filter(|e| e.0 < inter.theta64()).count()
    };
    let (lower, estimate, upper) = crate::ratio_bounds::ratio_bounds(
        count_u as u64,
        inter.num_retained() as u64,
        inter.theta(),
    );
    Ok(Jaccard {
        lower,
        estimate,
        upper,
    })
}

/// `u64` keys hashed like the other integers.
impl ThetaSketch {
    /// Adds an `i64` (same hash as DataSketches `update(long)`).
    pub fn update_i64(&mut self, v: i64) {
        self.update(v);
    }
    /// Adds an `f64` in its canonical form (`-0.0` as `0.0`, one NaN).
    pub fn update_f64(&mut self, v: f64) {
        self.update(v);
    }
    /// Adds a string's UTF-8 bytes; the empty string is ignored.
    pub fn update_str(&mut self, s: &str) {
        self.update(s);
    }
    /// Adds raw bytes; the empty slice is ignored.
    pub fn update_bytes(&mut self, b: &[u8]) {
        self.update(b);
    }
}
