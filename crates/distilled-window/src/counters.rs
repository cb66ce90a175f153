//! Exact invertible counters: add on arrival, subtract on expiry, totals in
//! O(1).
//!
//! Counts can be taken back, unlike sketches, so a window over counts needs no
//! panes: add each item when it arrives and subtract it when it expires (for
//! example from the visitor of [`crate::ExpiringFifo::expire`]). Every
//! operation is O(1) and exact; subtracting more than was added is an error
//! ([`CounterError::Underflow`]) that leaves the counter unchanged, because it
//! can only mean an item was expired twice or never added.
//!
//! * [`BucketCounts`]: dense per-bucket counts (bucket indices `0..n`) and
//!   their total.
//! * [`KeyedCounts`]: sparse counts keyed by any hashable value; keys whose
//!   count returns to zero are forgotten, so memory follows the keys currently
//!   in the window.
//! * [`WindowSum`]: count, sum and sum of squares of `f64` values, for window
//!   means and variances.
//!
//! ```
//! use distilled_window::{BucketCounts, ExpiringFifo};
//!
//! let mut counts = BucketCounts::new(4);
//! let mut recent = ExpiringFifo::new(60.0, 10_000).unwrap();
//! for (t, bucket) in [(0.0, 1usize), (10.0, 3), (30.0, 1)] {
//!     recent.push(t, bucket).unwrap();
//!     counts.add(bucket).unwrap();
//! }
//! assert_eq!((counts.get(1), counts.total()), (2, 3));
//! // At t = 65 s the items at 0 s expire (the horizon is (5, 65]).
//! recent.expire(65.0, |e| counts.subtract(e.item).unwrap());
//! assert_eq!((counts.get(1), counts.total()), (1, 2));
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use crate::error::CounterError;

/// Dense counts for buckets `0..num_buckets`, with their total kept in O(1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawBucketCounts")
)]
pub struct BucketCounts {
    counts: Vec<u64>,
    total: u64,
}

impl BucketCounts {
    /// `num_buckets` buckets, all zero.
    pub fn new(num_buckets: usize) -> Self {
        BucketCounts {
            counts: vec![0; num_buckets],
            total: 0,
        }
    }

    /// Number of buckets.
    pub fn num_buckets(&self) -> usize {
        self.counts.len()
    }

    /// Adds one to `bucket`.
    #[inline]
    pub fn add(&mut self, bucket: usize) -> Result<(), CounterError> {
        self.add_n(bucket, 1)
    }

    /// Adds `n` to `bucket`.
    #[inline]
    pub fn add_n(&mut self, bucket: usize, n: u64) -> Result<(), CounterError> {
        let slot = bucket_mut(&mut self.counts, bucket)?;
        let total = self.total.checked_add(n).ok_or(CounterError::Overflow)?;
        // The bucket cannot overflow when the total does not.
        *slot += n;
        self.total = total;
        Ok(())
    }

    /// Subtracts one from `bucket`.
    #[inline]
    pub fn subtract(&mut self, bucket: usize) -> Result<(), CounterError> {
        self.subtract_n(bucket, 1)
    }

    /// Subtracts `n` from `bucket`; an error (and no change) if the bucket
    /// holds less than `n`.
    #[inline]
    pub fn subtract_n(&mut self, bucket: usize, n: u64) -> Result<(), CounterError> {
        let slot = bucket_mut(&mut self.counts, bucket)?;
        if *slot < n {
            return Err(CounterError::Underflow {
                count: *slot,
                subtract: n,
            });
        }
        *slot -= n;
        self.total -= n;
        Ok(())
    }

    /// The count of `bucket` (zero for a bucket that does not exist).
    #[inline]
    pub fn get(&self, bucket: usize) -> u64 {
        self.counts.get(bucket).copied().unwrap_or(0)
    }

    /// Sum over all buckets, O(1).
    #[inline]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// `bucket`'s share of the total, or `None` when the total is zero.
    pub fn share(&self, bucket: usize) -> Option<f64> {
        (self.total > 0).then(|| self.get(bucket) as f64 / self.total as f64)
    }

    /// All counts, bucket by bucket.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Adds buckets (all zero) until there are `num_buckets`; never removes
    /// any, so existing counts are kept.
    pub fn grow_to(&mut self, num_buckets: usize) {
        if num_buckets > self.counts.len() {
            self.counts.resize(num_buckets, 0);
        }
    }

    /// Sets every count to zero, keeping the buckets.
    pub fn clear(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.total = 0;
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawBucketCounts {
    counts: Vec<u64>,
    total: u64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawBucketCounts> for BucketCounts {
    type Error = &'static str;
    fn try_from(raw: RawBucketCounts) -> Result<Self, &'static str> {
        let mut total = 0u64;
        for &c in &raw.counts {
            total = total.checked_add(c).ok_or("bucket counts overflow")?;
        }
        if total != raw.total {
            return Err("bucket total differs from the sum of the buckets");
        }
        Ok(BucketCounts {
            counts: raw.counts,
            total,
        })
    }
}

/// Sparse counts keyed by any hashable value, with their total in O(1).
///
/// A key whose count drops back to zero is removed, so memory is bounded by
/// the number of distinct keys currently counted.
#[derive(Debug, Clone)]
pub struct KeyedCounts<K> {
    counts: HashMap<K, u64>,
    total: u64,
}

impl<K: Eq + Hash> Default for KeyedCounts<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash> KeyedCounts<K> {
    /// No keys.
    pub fn new() -> Self {
        KeyedCounts {
            counts: HashMap::new(),
            total: 0,
        }
    }

    /// Adds one to `key`.
    pub fn add(&mut self, key: K) -> Result<(), CounterError> {
        self.add_n(key, 1)
    }

    /// Adds `n` to `key`.
    pub fn add_n(&mut self, key: K, n: u64) -> Result<(), CounterError> {
        if n == 0 {
            return Ok(());
        }
        let total = self.total.checked_add(n).ok_or(CounterError::Overflow)?;
        *self.counts.entry(key).or_insert(0) += n;
        self.total = total;
        Ok(())
    }

    /// Subtracts one from `key`.
    pub fn subtract(&mut self, key: &K) -> Result<(), CounterError> {
        self.subtract_n(key, 1)
    }

    /// Subtracts `n` from `key`; an error (and no change) if it holds less.
    pub fn subtract_n(&mut self, key: &K, n: u64) -> Result<(), CounterError> {
        if n == 0 {
            return Ok(());
        }
        let Some(slot) = self.counts.get_mut(key) else {
            return Err(CounterError::Underflow {
                count: 0,
                subtract: n,
            });
        };
        if *slot < n {
            return Err(CounterError::Underflow {
                count: *slot,
                subtract: n,
            });
        }
        *slot -= n;
        if *slot == 0 {
            self.counts.remove(key);
        }
        self.total -= n;
        Ok(())
    }

    /// The count of `key` (zero if absent).
    pub fn get(&self, key: &K) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    /// Sum over all keys, O(1).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// `key`'s share of the total, or `None` when the total is zero.
    pub fn share(&self, key: &K) -> Option<f64> {
        (self.total > 0).then(|| self.get(key) as f64 / self.total as f64)
    }

    /// Number of keys with a non-zero count.
    pub fn num_keys(&self) -> usize {
        self.counts.len()
    }

    /// The keys with non-zero counts, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, u64)> + '_ {
        self.counts.iter().map(|(k, &c)| (k, c))
    }

    /// Forgets every key.
    pub fn clear(&mut self) {
        self.counts.clear();
        self.total = 0;
    }
}

/// Count, sum and sum of squares of `f64` values that can be subtracted again.
///
/// Sums use Neumaier's compensated summation in both directions, so adding
/// and later subtracting the same values leaves an error near one rounding of
/// the largest partial sum rather than one per operation; when the count
/// returns to zero the sums are reset to exactly zero, so rounding error never
/// outlives the items that caused it. The count is exact. Sums of integers
/// below 2^53 in magnitude (with partial sums below 2^53) are exact.
/// Non-finite values are refused ([`CounterError::NonFiniteValue`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WindowSum {
    count: u64,
    sum: Compensated,
    sum_sq: Compensated,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Compensated {
    sum: f64,
    carry: f64,
}

impl Compensated {
    #[inline]
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        // Neumaier: recover the low-order bits lost by whichever operand is smaller.
        if self.sum.abs() >= x.abs() {
            self.carry += (self.sum - t) + x;
        } else {
            self.carry += (x - t) + self.sum;
        }
        self.sum = t;
    }

    #[inline]
    fn value(&self) -> f64 {
        self.sum + self.carry
    }
}

impl WindowSum {
    /// Nothing counted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `x`.
    pub fn add(&mut self, x: f64) -> Result<(), CounterError> {
        if !x.is_finite() {
            return Err(CounterError::NonFiniteValue(x.to_bits()));
        }
        self.count = self.count.checked_add(1).ok_or(CounterError::Overflow)?;
        self.sum.add(x);
        self.sum_sq.add(x * x);
        Ok(())
    }

    /// Subtracts `x`, which must have been added before.
    pub fn subtract(&mut self, x: f64) -> Result<(), CounterError> {
        if !x.is_finite() {
            return Err(CounterError::NonFiniteValue(x.to_bits()));
        }
        if self.count == 0 {
            return Err(CounterError::Underflow {
                count: 0,
                subtract: 1,
            });
        }
        self.count -= 1;
        if self.count == 0 {
            self.sum = Compensated::default();
            self.sum_sq = Compensated::default();
        } else {
            self.sum.add(-x);
            self.sum_sq.add(-(x * x));
        }
        Ok(())
    }

    /// Number of values counted (exact).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values counted.
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    /// Sum of the squares of the values counted.
    pub fn sum_of_squares(&self) -> f64 {
        self.sum_sq.value()
    }

    /// Mean, or `None` when nothing is counted.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum() / self.count as f64)
    }

    /// Population variance (never negative), or `None` when nothing is
    /// counted.
    pub fn variance(&self) -> Option<f64> {
        let mean = self.mean()?;
        Some((self.sum_of_squares() / self.count as f64 - mean * mean).max(0.0))
    }
}

/// The counter of `bucket`, or the error that names the valid range.
#[inline]
fn bucket_mut(counts: &mut [u64], bucket: usize) -> Result<&mut u64, CounterError> {
    let num_buckets = counts.len();
    counts
        .get_mut(bucket)
        .ok_or(CounterError::BucketOutOfRange {
            bucket,
            num_buckets,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_counts_add_subtract_and_errors() {
        let mut c = BucketCounts::new(3);
        c.add(0).unwrap();
        c.add_n(2, 5).unwrap();
        assert_eq!(c.counts(), &[1, 0, 5]);
        assert_eq!(c.total(), 6);
        assert_eq!(c.share(2), Some(5.0 / 6.0));
        assert_eq!(
            c.add(3),
            Err(CounterError::BucketOutOfRange {
                bucket: 3,
                num_buckets: 3
            })
        );
        assert_eq!(
            c.subtract(1),
            Err(CounterError::Underflow {
                count: 0,
                subtract: 1
            })
        );
        assert!(c.subtract_n(2, 6).unwrap_err().to_string().contains('6'));
        assert_eq!(c.total(), 6, "failed operations change nothing");
        c.subtract_n(2, 5).unwrap();
        c.subtract(0).unwrap();
        assert_eq!(c.total(), 0);
        assert_eq!(c.share(0), None);
        c.grow_to(5);
        c.add(4).unwrap();
        assert_eq!(c.num_buckets(), 5);
        c.add_n(4, u64::MAX - 1).unwrap();
        assert_eq!(c.add(0), Err(CounterError::Overflow));
        c.clear();
        assert_eq!(c.total(), 0);
    }

    #[test]
    fn keyed_counts_forget_zero_keys() {
        let mut c = KeyedCounts::new();
        c.add("a").unwrap();
        c.add("a").unwrap();
        c.add("b").unwrap();
        assert_eq!((c.get(&"a"), c.total(), c.num_keys()), (2, 3, 2));
        c.subtract(&"b").unwrap();
        assert_eq!(c.num_keys(), 1);
        assert!(c.subtract(&"b").is_err());
        assert!(c.subtract_n(&"a", 3).is_err());
        assert_eq!(c.total(), 2);
        assert_eq!(c.share(&"a"), Some(1.0));
    }

    #[test]
    fn window_sum_mean_variance_and_reset() {
        let mut s = WindowSum::new();
        for x in [1.0, 2.0, 3.0, 4.0] {
            s.add(x).unwrap();
        }
        assert_eq!(s.mean(), Some(2.5));
        assert!((s.variance().unwrap() - 1.25).abs() < 1e-12);
        s.subtract(1.0).unwrap();
        assert_eq!(s.sum(), 9.0);
        assert!(s.add(f64::NAN).is_err());
        assert!(s.subtract(f64::INFINITY).is_err());
        for x in [2.0, 3.0, 4.0] {
            s.subtract(x).unwrap();
        }
        assert_eq!((s.count(), s.sum(), s.mean()), (0, 0.0, None));
        assert!(s.subtract(1.0).is_err());
    }

    #[test]
    fn window_sum_cancellation_is_compensated() {
        let mut s = WindowSum::new();
        s.add(1e16).unwrap();
        s.add(1.0).unwrap();
        s.add(1.0).unwrap();
        s.subtract(1e16).unwrap();
        assert_eq!(s.sum(), 2.0);
    }
}
