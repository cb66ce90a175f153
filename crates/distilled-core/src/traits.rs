//! What sketches have in common.
//!
//! The window, ingest and selection layers are written against these traits
//! only. A sketch that implements [`Mergeable`], [`EmptyLike`] and
//! [`Update<T>`] can be windowed and ingested from many threads; one that also
//! implements [`QuantileSketch`] or [`DistinctCount`] can be queried
//! generically.

use crate::error::{DecodeError, MergeError, QueryError};

/// Fallible, in-place merging of two sketches of one kind.
///
/// Merging is the operation every layer above the sketches relies on: a sliding
/// window merges panes, the ingest layer merges per-thread shards. An
/// incompatible merge (another seed, another parameter that must match) returns
/// an error and leaves `self` unchanged.
pub trait Mergeable {
    /// Folds `other` into `self`, so that `self` summarises both inputs.
    fn merge(&mut self, other: &Self) -> Result<(), MergeError>;
}

/// A fresh, empty sketch configured exactly like an existing one (same `k`,
/// seed, compression, ...).
///
/// Windows use it to open new panes and ingest uses it to open new shards, so
/// that neither needs to know how a sketch is built.
pub trait EmptyLike {
    /// An empty sketch with `self`'s configuration.
    fn empty_like(&self) -> Self;
}

/// Adding one item of type `T` to a sketch.
///
/// Sketches implement this for each item type they accept (`f64`, `u64`,
/// `&str`, ...). Updates never fail; non-finite floats are handled as
/// [`crate::policy`] says (rejected and counted, or hashed canonically).
pub trait Update<T> {
    /// Adds `item` to the sketch.
    fn update(&mut self, item: T);
}

/// How a rank query treats items equal to the query point.
///
/// `Inclusive`: the rank of `x` is the fraction of items `<= x`, and the
/// quantile at rank `r` is the smallest item whose inclusive rank is `>= r`.
/// `Exclusive`: the rank of `x` is the fraction of items `< x`, and the
/// quantile at rank `r` is the smallest item whose exclusive rank is `> r`
/// (the largest item for `r = 1`). These are the semantics of the Apache
/// DataSketches C++ and Python libraries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SearchCriteria {
    /// Items equal to the query point count as below it.
    #[default]
    Inclusive,
    /// Items equal to the query point do not count as below it.
    Exclusive,
}

/// Queries answered by every quantile sketch (t-digest, KLL).
///
/// Ranks are normalized to `[0, 1]`. An empty sketch answers
/// [`QueryError::Empty`]; a rank outside `[0, 1]` answers
/// [`QueryError::RankOutOfRange`]; split points that are not strictly
/// increasing (or not finite, for floats) answer
/// [`QueryError::InvalidSplitPoints`].
pub trait QuantileSketch {
    /// The item type the sketch orders.
    type Item: PartialOrd + Clone;

    /// Number of accepted items. Sketches that take real-valued weights report
    /// the total weight rounded to the nearest integer.
    fn n(&self) -> u64;

    /// `true` when no item has been accepted.
    fn is_empty(&self) -> bool {
        self.n() == 0
    }

    /// The smallest item seen, exact.
    fn min_item(&self) -> Option<Self::Item>;

    /// The largest item seen, exact.
    fn max_item(&self) -> Option<Self::Item>;

    /// Normalized rank of `item`: the approximate fraction of items below it
    /// (`<` or `<=` according to `criteria`).
    fn rank(&self, item: &Self::Item, criteria: SearchCriteria) -> Result<f64, QueryError>;

    /// Approximate item at normalized rank `rank`.
    fn quantile(&self, rank: f64, criteria: SearchCriteria) -> Result<Self::Item, QueryError>;

    /// [`QuantileSketch::quantile`] for several ranks at once.
    fn quantiles(
        &self,
        ranks: &[f64],
        criteria: SearchCriteria,
    ) -> Result<Vec<Self::Item>, QueryError> {
        ranks.iter().map(|&r| self.quantile(r, criteria)).collect()
    }

    /// Cumulative distribution at `splits`: one rank per split point, then a
    /// final `1.0`. `splits` must be strictly increasing.
    fn cdf(&self, splits: &[Self::Item], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        if self.is_empty() {
            return Err(QueryError::Empty);
        }
        check_strictly_increasing(splits)?;
        let mut out = Vec::with_capacity(splits.len() + 1);
        for s in splits {
            out.push(self.rank(s, criteria)?);
        }
        out.push(1.0);
        Ok(out)
    }

    /// Probability mass between consecutive split points (`splits.len() + 1`
    /// values summing to 1).
    fn pmf(&self, splits: &[Self::Item], criteria: SearchCriteria) -> Result<Vec<f64>, QueryError> {
        let mut cdf = self.cdf(splits, criteria)?;
        for i in (1..cdf.len()).rev() {
            cdf[i] -= cdf[i - 1];
        }
        Ok(cdf)
    }
}

/// Checks that split points are strictly increasing and comparable (NaN is not).
pub fn check_strictly_increasing<T: PartialOrd>(splits: &[T]) -> Result<(), QueryError> {
    for s in splits {
        #[allow(clippy::eq_op)]
        if s.partial_cmp(s).is_none() {
            return Err(QueryError::InvalidSplitPoints("split point is NaN"));
        }
    }
    for w in splits.windows(2) {
        if w[0] >= w[1] || w[0].partial_cmp(&w[1]).is_none() {
            return Err(QueryError::InvalidSplitPoints(
                "split points must be strictly increasing",
            ));
        }
    }
    Ok(())
}

/// A number of standard deviations for confidence bounds: 1, 2 or 3 (about
/// 68.3%, 95.4% and 99.7% two-sided confidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NumStdDev {
    /// One standard deviation.
    One = 1,
    /// Two standard deviations.
    Two = 2,
    /// Three standard deviations.
    Three = 3,
}

impl NumStdDev {
    /// 1, 2 or 3.
    pub fn get(self) -> u8 {
        self as u8
    }
}

impl TryFrom<u8> for NumStdDev {
    type Error = QueryError;
    fn try_from(v: u8) -> Result<Self, QueryError> {
        match v {
            1 => Ok(NumStdDev::One),
            2 => Ok(NumStdDev::Two),
            3 => Ok(NumStdDev::Three),
            _ => Err(QueryError::InvalidArgument(format!(
                "number of standard deviations must be 1, 2 or 3, not {v}"
            ))),
        }
    }
}

/// Queries answered by every distinct-count sketch (Theta, FDT).
pub trait DistinctCount {
    /// Estimated number of distinct items.
    fn estimate(&self) -> f64;
    /// Lower confidence bound on the number of distinct items.
    fn lower_bound(&self, num_std_dev: NumStdDev) -> f64;
    /// Upper confidence bound on the number of distinct items.
    fn upper_bound(&self, num_std_dev: NumStdDev) -> f64;
    /// `true` when the sketch has seen no input.
    fn is_empty(&self) -> bool;
}

/// Reading and writing the Apache DataSketches binary layout of a sketch, so
/// that bytes travel to and from the Java, C++ and Python libraries.
pub trait DataSketchesFormat: Sized {
    /// The sketch in the DataSketches binary layout.
    fn to_datasketches_bytes(&self) -> Vec<u8>;
    /// Reads a sketch from the DataSketches binary layout.
    fn from_datasketches_bytes(bytes: &[u8]) -> Result<Self, DecodeError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny exact quantile "sketch" to exercise the provided methods.
    struct Exact(Vec<f64>);

    impl QuantileSketch for Exact {
        type Item = f64;
        fn n(&self) -> u64 {
            self.0.len() as u64
        }
        fn min_item(&self) -> Option<f64> {
            self.0.iter().copied().reduce(f64::min)
        }
        fn max_item(&self) -> Option<f64> {
            self.0.iter().copied().reduce(f64::max)
        }
        fn rank(&self, item: &f64, c: SearchCriteria) -> Result<f64, QueryError> {
            if self.0.is_empty() {
                return Err(QueryError::Empty);
            }
            let below = self
                .0
                .iter()
                .filter(|&&v| match c {
                    SearchCriteria::Inclusive => v <= *item,
                    SearchCriteria::Exclusive => v < *item,
                })
                .count();
            Ok(below as f64 / self.0.len() as f64)
        }
        fn quantile(&self, rank: f64, _: SearchCriteria) -> Result<f64, QueryError> {
            if !(0.0..=1.0).contains(&rank) {
                return Err(QueryError::RankOutOfRange(rank));
            }
            let mut v = self.0.clone();
            v.sort_by(f64::total_cmp);
            let idx = ((rank * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
            Ok(v[idx])
        }
    }

    #[test]
    fn pmf_sums_to_one_and_cdf_ends_at_one() {
        let s = Exact((0..100).map(f64::from).collect());
        let cdf = s.cdf(&[10.0, 50.0], SearchCriteria::Exclusive).unwrap();
        assert_eq!(cdf, vec![0.10, 0.50, 1.0]);
        let pmf = s.pmf(&[10.0, 50.0], SearchCriteria::Inclusive).unwrap();
        assert_eq!(pmf.len(), 3);
        assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((pmf[0] - 0.11).abs() < 1e-12);
    }

    #[test]
    fn split_points_are_validated() {
        let s = Exact(vec![1.0]);
        assert!(matches!(
            s.cdf(&[2.0, 1.0], SearchCriteria::Inclusive),
            Err(QueryError::InvalidSplitPoints(_))
        ));
        assert!(matches!(
            s.cdf(&[1.0, 1.0], SearchCriteria::Inclusive),
            Err(QueryError::InvalidSplitPoints(_))
        ));
        assert!(matches!(
            s.cdf(&[f64::NAN], SearchCriteria::Inclusive),
            Err(QueryError::InvalidSplitPoints(_))
        ));
        assert_eq!(
            Exact(vec![]).cdf(&[1.0], SearchCriteria::Inclusive),
            Err(QueryError::Empty)
        );
    }

    #[test]
    fn num_std_dev_conversion() {
        assert_eq!(NumStdDev::try_from(2).unwrap(), NumStdDev::Two);
        assert_eq!(NumStdDev::Three.get(), 3);
        assert!(NumStdDev::try_from(0).is_err());
        assert!(NumStdDev::try_from(4).is_err());
    }
}
