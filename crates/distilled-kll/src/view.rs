//! The sorted view: every retained item with its weight, in ascending order,
//! and the rank, quantile, CDF and PMF queries answered from it.

use crate::item::KllItem;
use crate::sketch::KllSketch;
use distilled_core::traits::check_strictly_increasing;
use distilled_core::{QuantileSketch, QueryError, SearchCriteria};

/// Retained items in ascending order with cumulative weights. Build it once
/// with [`KllSketch::sorted_view`] to answer many queries cheaply.
///
/// ```
/// use distilled_kll::{KllSketch, SearchCriteria};
/// let mut sk = KllSketch::<i64>::new();
/// for x in [3, 1, 2, 2] { sk.update(x); }
/// let view = sk.sorted_view().unwrap();
/// let pairs: Vec<(i64, u64)> = view.iter().collect();
/// assert_eq!(pairs, vec![(1, 1), (2, 1), (2, 1), (3, 1)]);
/// assert_eq!(view.rank(&2, SearchCriteria::Inclusive), 0.75);
/// assert_eq!(view.rank(&2, SearchCriteria::Exclusive), 0.25);
/// ```
#[derive(Debug, Clone)]
pub struct KllSortedView<T: KllItem> {
    keys: Vec<T::Stored>,
    cum: Vec<u64>,
    n: u64,
}

impl<T: KllItem> KllSortedView<T> {
    /// Total weight (the sketch's `n`).
    pub fn total_weight(&self) -> u64 {
        self.n
    }

    /// Number of entries (retained items).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// `true` when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// `(item, weight)` pairs in ascending item order; weights sum to `n`.
    pub fn iter(&self) -> impl Iterator<Item = (T, u64)> + '_ {
        self.keys.iter().enumerate().map(|(i, k)| {
            let prev = if i == 0 { 0 } else { self.cum[i - 1] };
            (T::from_stored(k), self.cum[i] - prev)
        })
    }

    /// `(item, cumulative weight)` pairs in ascending item order.
    pub fn iter_cumulative(&self) -> impl Iterator<Item = (T, u64)> + '_ {
        self.keys
            .iter()
            .zip(&self.cum)
            .map(|(k, &c)| (T::from_stored(k), c))
    }

    /// Normalized rank of `item` (fraction of weight `<=` or `<` it).
    pub fn rank(&self, item: &T, criteria: SearchCriteria) -> f64 {
        let idx = match criteria {
            SearchCriteria::Inclusive => {
                let key = item.inclusive_key();
                self.keys.partition_point(|k| *k <= key)
            }
            SearchCriteria::Exclusive => {
                let key = item.exclusive_key();
                self.keys.partition_point(|k| *k < key)
            }
        };
        if idx == 0 {
            0.0
        } else {
            self.cum[idx - 1] as f64 / self.n as f64
        }
    }

    /// Item at normalized rank `rank` (C++ semantics; see
    /// [`SearchCriteria`]).
    pub fn quantile(&self, rank: f64, criteria: SearchCriteria) -> Result<T, QueryError> {
        check_rank(rank)?;
        let nat = rank * self.n as f64;
        let idx = match criteria {
            SearchCriteria::Inclusive => {
                let w = nat.ceil() as u64;
                self.cum.partition_point(|&c| c < w)
            }
            SearchCriteria::Exclusive => {
                let w = nat as u64;
                self.cum.partition_point(|&c| c <= w)
            }
        };
        let idx = idx.min(self.keys.len() - 1);
        Ok(T::from_stored(&self.keys[idx]))
    }

    fn check_splits(splits: &[T]) -> Result<(), QueryError> {
        check_strictly_increasing(splits)?;
        if splits.iter().any(|s| s.check().is_err()) {
            return Err(QueryError::InvalidSplitPoints("split point is not finite"));
        }
        Ok(())
    }

    /// `[rank(s_1), ..., rank(s_m), 1.0]`; `splits` must be strictly
    /// increasing (and finite, for floats).
    pub fn cdf(&self, splits: &[T], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        Self::check_splits(splits)?;
        let mut out: Vec<f64> = splits.iter().map(|s| self.rank(s, criteria)).collect();
        out.push(1.0);
        Ok(out)
    }

    /// Mass between consecutive split points (`splits.len() + 1` values).
    pub fn pmf(&self, splits: &[T], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        let mut v = self.cdf(splits, criteria)?;
        for i in (1..v.len()).rev() {
            v[i] -= v[i - 1];
        }
        Ok(v)
    }
}

fn check_rank(rank: f64) -> Result<(), QueryError> {
    if (0.0..=1.0).contains(&rank) {
        Ok(())
    } else {
        Err(QueryError::RankOutOfRange(rank))
    }
}

impl<T: KllItem> KllSketch<T> {
    /// The sorted view of the retained items, or [`QueryError::Empty`].
    pub fn sorted_view(&self) -> Result<KllSortedView<T>, QueryError> {
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        let r = self.num_retained();
        let mut level0: Vec<T::Stored> = self.level(0).to_vec();
        if !self.level_zero_sorted {
            T::sort_stored(&mut level0);
        }
        // Merge levels pairwise, bottom-up, carrying weights.
        let mut keys: Vec<T::Stored> = level0;
        let mut weights: Vec<u64> = vec![1; keys.len()];
        let mut nk = Vec::with_capacity(r);
        let mut nw = Vec::with_capacity(r);
        for h in 1..self.num_levels() {
            let lv = self.level(h);
            if lv.is_empty() {
                continue;
            }
            let w = 1u64 << h;
            nk.clear();
            nw.clear();
            let (mut i, mut j) = (0, 0);
            while i < keys.len() && j < lv.len() {
                if keys[i] <= lv[j] {
                    nk.push(keys[i].clone());
                    nw.push(weights[i]);
                    i += 1;
                } else {
                    nk.push(lv[j].clone());
                    nw.push(w);
                    j += 1;
                }
            }
            nk.extend_from_slice(&keys[i..]);
            nw.extend_from_slice(&weights[i..]);
            nk.extend_from_slice(&lv[j..]);
            nw.extend(std::iter::repeat_n(w, lv.len() - j));
            std::mem::swap(&mut keys, &mut nk);
            std::mem::swap(&mut weights, &mut nw);
        }
        let mut acc = 0u64;
        for w in &mut weights {
            acc += *w;
            *w = acc;
        }
        debug_assert_eq!(acc, self.n);
        Ok(KllSortedView {
            keys,
            cum: weights,
            n: self.n,
        })
    }

    /// Normalized rank of `item`: the approximate fraction of items `<= item`
    /// (inclusive) or `< item` (exclusive).
    pub fn rank(&self, item: &T, criteria: SearchCriteria) -> Result<f64, QueryError> {
        if let Err(e) = item.check() {
            return Err(QueryError::NonFiniteArgument(e.value()));
        }
        Ok(self.sorted_view()?.rank(item, criteria))
    }

    /// Approximate item at normalized rank `rank` in `[0, 1]`. Inclusive: the
    /// smallest retained item whose inclusive rank is `>= rank`; exclusive:
    /// the smallest whose inclusive rank is `> rank` (the largest retained for
    /// `rank = 1`). Those are the DataSketches C++/Python semantics; unlike
    /// Java, the true min and max are not injected (use
    /// [`KllSketch::min_item`] / [`KllSketch::max_item`]).
    pub fn quantile(&self, rank: f64, criteria: SearchCriteria) -> Result<T, QueryError> {
        check_rank(rank)?;
        self.sorted_view()?.quantile(rank, criteria)
    }

    /// [`KllSketch::quantile`] for several ranks, sharing one sorted view.
    pub fn quantiles(&self, ranks: &[f64], criteria: SearchCriteria) -> Result<Vec<T>, QueryError> {
        for &r in ranks {
            check_rank(r)?;
        }
        let view = self.sorted_view()?;
        ranks.iter().map(|&r| view.quantile(r, criteria)).collect()
    }

    /// Cumulative distribution at `splits`: one rank per split, then `1.0`.
    pub fn cdf(&self, splits: &[T], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        self.sorted_view()?.cdf(splits, criteria)
    }

    /// Probability mass in the `splits.len() + 1` intervals the splits define.
    pub fn pmf(&self, splits: &[T], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        self.sorted_view()?.pmf(splits, criteria)
    }

    /// Lower bound on the item at `rank`, 99% confidence: the quantile at
    /// `rank - normalized_rank_error(false)`, or the exact minimum when that
    /// rank falls to 0 or below.
    pub fn quantile_lower_bound(
        &self,
        rank: f64,
        criteria: SearchCriteria,
    ) -> Result<T, QueryError> {
        check_rank(rank)?;
        let r = rank - self.normalized_rank_error(false);
        if r <= 0.0 {
            return self.min_item().ok_or(QueryError::Empty);
        }
        self.quantile(r, criteria)
    }

    /// Upper bound on the item at `rank`, 99% confidence: the quantile at
    /// `rank + normalized_rank_error(false)`, or the exact maximum when that
    /// rank reaches 1 or beyond.
    pub fn quantile_upper_bound(
        &self,
        rank: f64,
        criteria: SearchCriteria,
    ) -> Result<T, QueryError> {
        check_rank(rank)?;
        let r = rank + self.normalized_rank_error(false);
        if r >= 1.0 {
            return self.max_item().ok_or(QueryError::Empty);
        }
        self.quantile(r, criteria)
    }

    /// `rank - normalized_rank_error(false)`, clamped to `[0, 1]`.
    pub fn rank_lower_bound(&self, rank: f64) -> f64 {
        (rank - self.normalized_rank_error(false)).clamp(0.0, 1.0)
    }

    /// `rank + normalized_rank_error(false)`, clamped to `[0, 1]`.
    pub fn rank_upper_bound(&self, rank: f64) -> f64 {
        (rank + self.normalized_rank_error(false)).clamp(0.0, 1.0)
    }

    /// The retained items with their weights (`2^level`), level by level, in
    /// buffer order (unsorted). For a sorted iteration use
    /// [`KllSketch::sorted_view`].
    pub fn iter(&self) -> impl Iterator<Item = (T, u64)> + '_ {
        (0..self.num_levels()).flat_map(move |h| {
            self.level(h)
                .iter()
                .map(move |k| (T::from_stored(k), 1u64 << h))
        })
    }
}

impl<T: KllItem> QuantileSketch for KllSketch<T> {
    type Item = T;

    fn n(&self) -> u64 {
        self.n
    }

    fn min_item(&self) -> Option<T> {
        KllSketch::min_item(self)
    }

    fn max_item(&self) -> Option<T> {
        KllSketch::max_item(self)
    }

    fn rank(&self, item: &T, criteria: SearchCriteria) -> Result<f64, QueryError> {
        KllSketch::rank(self, item, criteria)
    }

    fn quantile(&self, rank: f64, criteria: SearchCriteria) -> Result<T, QueryError> {
        KllSketch::quantile(self, rank, criteria)
    }

    fn quantiles(&self, ranks: &[f64], criteria: SearchCriteria) -> Result<Vec<T>, QueryError> {
        KllSketch::quantiles(self, ranks, criteria)
    }

    fn cdf(&self, splits: &[T], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        KllSketch::cdf(self, splits, criteria)
    }

    fn pmf(&self, splits: &[T], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        KllSketch::pmf(self, splits, criteria)
    }
}
