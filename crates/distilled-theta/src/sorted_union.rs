//! The Theta union as a sorted array of hashes.
//!
//! A DataSketches union keeps a QuickSelect table and, in its result, the
//! `k` smallest hashes below `min(p-theta, input thetas, table theta)`. A
//! table rebuild only ever sets theta to the `(k+1)`-th smallest hash seen
//! so far below the current theta, which is never below the `(k+1)`-th
//! smallest of everything seen, so the result is exactly: the `k` smallest
//! distinct hashes below the smallest input theta, and theta lowered to the
//! `(k+1)`-th smallest when there are more than `k`. Keeping that state as a
//! sorted array makes each update one linear, branch-free merge of sorted
//! runs (ordered compact inputs need no sorting and no hashing), and the
//! result is a copy.

use distilled_core::{DecodeError, MergeError};

use crate::tuple::{CompactTupleSketch, TupleSketchRef};

/// Sorted-array union state for hash-only (theta) sketches.
#[derive(Debug, Clone)]
pub(crate) struct SortedUnion {
    lg_k: u8,
    seed_hash: u16,
    /// Theta of the sampling probability `p` (1.0 when `p = 1`).
    initial_theta: u64,
    theta: u64,
    is_empty: bool,
    /// Ascending, unique, all in `(0, theta)`, at most `k`.
    hashes: Vec<u64>,
    /// Merge output, swapped with `hashes` (kept to avoid reallocating).
    merged: Vec<u64>,
    /// The input's hashes below theta, ascending.
    input: Vec<u64>,
}

impl SortedUnion {
    pub(crate) fn new(lg_k: u8, seed_hash: u16, initial_theta: u64) -> Self {
        SortedUnion {
            lg_k,
            seed_hash,
            initial_theta,
            theta: initial_theta,
            is_empty: true,
            hashes: Vec::new(),
            merged: Vec::new(),
            input: Vec::new(),
        }
    }

    /// The state as `(lg_k, seed_hash, initial_theta, theta, is_empty,
    /// hashes)` (serde path).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn parts(&self) -> (u8, u16, u64, u64, bool, &[u64]) {
        (
            self.lg_k,
            self.seed_hash,
            self.initial_theta,
            self.theta,
            self.is_empty,
            &self.hashes,
        )
    }

    /// Rebuilds a state from [`SortedUnion::parts`], checking every
    /// invariant the update path relies on (the serde path gets untrusted
    /// data).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn from_parts(
        lg_k: u8,
        seed_hash: u16,
        initial_theta: u64,
        theta: u64,
        is_empty: bool,
        hashes: Vec<u64>,
    ) -> Result<Self, DecodeError> {
        use crate::tuple::{MAX_LG_K, MIN_LG_K};
        let bad = |what: &str| Err(DecodeError::inconsistent("theta union", what.to_string()));
        if !(MIN_LG_K..=MAX_LG_K).contains(&lg_k) {
            return bad("lg_k out of range");
        }
        if initial_theta == 0 || initial_theta > distilled_core::hash::MAX_THETA {
            return bad("initial theta out of range");
        }
        if theta == 0 || theta > initial_theta {
            return bad("theta zero or above the sampling theta");
        }
        if is_empty && (theta != initial_theta || !hashes.is_empty()) {
            return bad("empty union with hashes or a lowered theta");
        }
        if hashes.len() > 1usize << lg_k {
            return bad("more than k hashes");
        }
        if hashes.first().is_some_and(|&h| h == 0) || hashes.last().is_some_and(|&h| h >= theta) {
            return bad("hash zero or not below theta");
        }
        if hashes.windows(2).any(|w| w[0] >= w[1]) {
            return bad("hashes not strictly ascending");
        }
        Ok(SortedUnion {
            lg_k,
            seed_hash,
            initial_theta,
            theta,
            is_empty,
            hashes,
            merged: Vec::new(),
            input: Vec::new(),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.is_empty
    }

    pub(crate) fn reset(&mut self) {
        self.theta = self.initial_theta;
        self.is_empty = true;
        self.hashes.clear();
    }

    pub(crate) fn empty_like(&self) -> Self {
        SortedUnion::new(self.lg_k, self.seed_hash, self.initial_theta)
    }

    /// Adds a sketch: an empty one is skipped, another seed is an error and
    /// leaves the union unchanged.
    pub(crate) fn update(&mut self, sketch: &impl TupleSketchRef<()>) -> Result<(), MergeError> {
        if !sketch.check_foldable(self.seed_hash)? {
            return Ok(());
        }
        self.is_empty = false;
        self.theta = self.theta.min(sketch.theta64());
        let theta = self.theta;
        let mut input = std::mem::take(&mut self.input);
        input.clear();
        let keep = |h: u64| h.wrapping_sub(1) < theta.wrapping_sub(1);
        if sketch.is_ordered() {
            // Ascending: stop at the first hash at or above theta.
            input.extend(
                sketch
                    .entries_iter()
                    .map(|e| e.0)
                    .take_while(|&h| h < theta)
                    .filter(|&h| h != 0),
            );
        } else {
            input.extend(sketch.entries_iter().map(|e| e.0).filter(|&h| keep(h)));
            input.sort_unstable();
        }
        self.merge(&input);
        self.input = input;
        Ok(())
    }

    /// Merges the ascending run `b` (all below theta) into the state,
    /// keeping at most `k + 1` of the smallest and then cutting to `k`.
    fn merge(&mut self, b: &[u64]) {
        let k = 1usize << self.lg_k;
        let theta = self.theta;
        let a_len = self.hashes.partition_point(|&x| x < theta);
        let a = &self.hashes[..a_len];
        let out = &mut self.merged;
        out.clear();
        out.resize((a.len() + b.len()).min(k + 1), 0);
        let cap = out.len();
        let (mut i, mut j, mut o) = (0usize, 0usize, 0usize);
        // Branch-free: write the smaller head, advance whichever side(s)
        // held it (both on a tie, which drops the duplicate).
        while i < a.len() && j < b.len() && o < cap {
            let (x, y) = (a[i], b[j]);
            out[o] = x.min(y);
            o += 1;
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
        for src in [&a[i..], &b[j..]] {
            let n = src.len().min(cap - o);
            out[o..o + n].copy_from_slice(&src[..n]);
            o += n;
        }
        out.truncate(o);
        if o > k {
            self.theta = out[k];
            out.truncate(k);
        }
        std::mem::swap(&mut self.hashes, &mut self.merged);
    }

    /// The union so far; its hashes are always ascending, so the result is
    /// ordered whatever `ordered` asks.
    pub(crate) fn result(&self) -> CompactTupleSketch<()> {
        if self.is_empty {
            return CompactTupleSketch::empty(self.seed_hash);
        }
        let entries = self.hashes.iter().map(|&h| (h, ())).collect();
        CompactTupleSketch::from_trusted(false, true, self.seed_hash, self.theta, entries)
    }
}
