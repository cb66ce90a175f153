//! A bounded FIFO of timestamped items that expire once they fall out of the
//! horizon.

use std::collections::VecDeque;
use std::fmt;

use crate::error::{ConfigError, TimeError};
use crate::time::validate_horizon;

/// An item and its timestamp (seconds, see [`crate::time`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Entry<T> {
    /// When the item happened, in seconds.
    pub timestamp: f64,
    /// The item.
    pub item: T,
}

/// An item [`ExpiringFifo::push`] refused, handed back with the reason. The
/// refusal is also counted by the FIFO.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected<T> {
    /// Why it was refused.
    pub error: TimeError,
    /// The refused item.
    pub item: T,
}

impl<T> fmt::Display for Rejected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item rejected: {}", self.error)
    }
}

impl<T: fmt::Debug> std::error::Error for Rejected<T> {}

/// A FIFO of timestamped items with expiry by time and a bound on length.
///
/// # Time and expiry
///
/// Timestamps are `f64` seconds (any epoch; unix seconds in practice). Time
/// moves forward only through [`expire`](Self::expire) (or
/// [`pop_expired`](Self::pop_expired)): `expire(now, ..)` removes, oldest
/// first, every item with `timestamp <= now - horizon`, so the items kept are
/// those in the half-open horizon `(now - horizon, now]` (plus any stamped
/// later than `now`). The largest `now` seen is the *watermark*; an earlier
/// `now` expires nothing, since time does not go back. Expired items are
/// handed to the caller, so that counters kept beside the FIFO (see
/// [`crate::counters`]) can be decremented for exactly the items that leave.
///
/// # Order and out-of-order items
///
/// Items are kept sorted by timestamp (ties in arrival order). An item older
/// than the newest one is inserted at its place, at a cost proportional to
/// how far back it goes. An item at or before `watermark - horizon` would
/// already have expired: it is refused ([`TimeError::TooOld`]) and counted,
/// as are NaN and infinite timestamps.
///
/// # Bound
///
/// At most `capacity` items are kept. Pushing into a full FIFO evicts the
/// oldest item (which is the pushed one if it is older than all others) and
/// returns it, so the caller can decrement its counters; evictions are
/// counted apart from expiries.
///
/// ```
/// use distilled_window::ExpiringFifo;
///
/// let mut fifo = ExpiringFifo::new(10.0, 3).unwrap();
/// fifo.push(1.0, "a").unwrap();
/// fifo.push(5.0, "c").unwrap();
/// fifo.push(2.0, "b").unwrap(); // out of order: placed before "c"
/// assert_eq!(fifo.oldest_timestamp(), Some(1.0));
/// let evicted = fifo.push(6.0, "d").unwrap(); // full: the oldest goes
/// assert_eq!(evicted.map(|e| e.item), Some("a"));
///
/// let mut gone = Vec::new();
/// fifo.expire(12.0, |e| gone.push(e.item)).unwrap(); // keeps (2, 12]
/// assert_eq!(gone, ["b"]);
/// assert_eq!(fifo.len(), 2);
/// assert!(fifo.push(1.5, "late").is_err()); // already expired
/// assert_eq!((fifo.expired_total(), fifo.evicted_total(), fifo.rejected_total()), (1, 1, 1));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "RawFifo<T>",
        bound(
            serialize = "T: serde::Serialize",
            deserialize = "T: serde::Deserialize<'de>"
        )
    )
)]
pub struct ExpiringFifo<T> {
    items: VecDeque<Entry<T>>,
    horizon: f64,
    capacity: usize,
    watermark: Option<f64>,
    expired: u64,
    evicted: u64,
    rejected_too_old: u64,
    rejected_bad_time: u64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawFifo<T> {
    items: VecDeque<Entry<T>>,
    horizon: f64,
    capacity: usize,
    watermark: Option<f64>,
    expired: u64,
    evicted: u64,
    rejected_too_old: u64,
    rejected_bad_time: u64,
}

#[cfg(feature = "serde")]
impl<T> TryFrom<RawFifo<T>> for ExpiringFifo<T> {
    type Error = String;
    fn try_from(raw: RawFifo<T>) -> Result<Self, String> {
        let mut fifo = ExpiringFifo::new(raw.horizon, raw.capacity).map_err(|e| e.to_string())?;
        if raw.items.len() > raw.capacity {
            return Err("more items than the capacity".into());
        }
        if raw.watermark.is_some_and(|w| !w.is_finite()) {
            return Err("watermark is not finite".into());
        }
        let mut prev = f64::NEG_INFINITY;
        for e in &raw.items {
            if !e.timestamp.is_finite() || e.timestamp < prev {
                return Err("item timestamps must be finite and in order".into());
            }
            prev = e.timestamp;
        }
        fifo.items = raw.items;
        fifo.watermark = raw.watermark;
        fifo.expired = raw.expired;
        fifo.evicted = raw.evicted;
        fifo.rejected_too_old = raw.rejected_too_old;
        fifo.rejected_bad_time = raw.rejected_bad_time;
        Ok(fifo)
    }
}

impl<T> ExpiringFifo<T> {
    /// A FIFO keeping items for `horizon` seconds, at most `capacity` of them.
    ///
    /// Errors for a horizon that is not a positive finite number, or a zero
    /// capacity.
    pub fn new(horizon: f64, capacity: usize) -> Result<Self, ConfigError> {
        let horizon = validate_horizon(horizon)?;
        if capacity == 0 {
            return Err(ConfigError::ZeroCapacity);
        }
        Ok(ExpiringFifo {
            // Reserve a little only; a huge capacity is a bound, not a promise.
            items: VecDeque::with_capacity(capacity.min(1024)),
            horizon,
            capacity,
            watermark: None,
            expired: 0,
            evicted: 0,
            rejected_too_old: 0,
            rejected_bad_time: 0,
        })
    }

    /// Adds `item` stamped `timestamp`.
    ///
    /// Returns `Ok(Some(entry))` when the FIFO was full and `entry` (its
    /// oldest) was evicted to make room, `Ok(None)` otherwise, and
    /// `Err(Rejected)` with the item handed back for a non-finite timestamp or
    /// one that has already expired (`timestamp <= watermark - horizon`).
    pub fn push(&mut self, timestamp: f64, item: T) -> Result<Option<Entry<T>>, Rejected<T>> {
        if !timestamp.is_finite() {
            self.rejected_bad_time += 1;
            return Err(Rejected {
                error: TimeError::NonFiniteTimestamp(timestamp),
                item,
            });
        }
        if let Some(cutoff) = self.cutoff()
            && timestamp <= cutoff
        {
            self.rejected_too_old += 1;
            return Err(Rejected {
                error: TimeError::TooOld { timestamp, cutoff },
                item,
            });
        }
        let entry = Entry { timestamp, item };
        if self.items.len() == self.capacity {
            if self.items.front().is_some_and(|f| timestamp < f.timestamp) {
                // The newcomer is the oldest of all: it is the one to go.
                self.evicted += 1;
                return Ok(Some(entry));
            }
            let out = self.items.pop_front();
            self.evicted += 1;
            self.insert_sorted(entry);
            return Ok(out);
        }
        self.insert_sorted(entry);
        Ok(None)
    }

    fn insert_sorted(&mut self, entry: Entry<T>) {
        match self.items.back() {
            Some(last) if last.timestamp > entry.timestamp => {
                let at = self
                    .items
                    .partition_point(|e| e.timestamp <= entry.timestamp);
                self.items.insert(at, entry);
            }
            _ => self.items.push_back(entry),
        }
    }

    /// Moves time to `now` and hands every item with
    /// `timestamp <= now - horizon` to `visit`, oldest first. Returns how many
    /// expired. A `now` before the watermark expires nothing; a non-finite
    /// `now` is an error and changes nothing.
    pub fn expire(
        &mut self,
        now: f64,
        mut visit: impl FnMut(Entry<T>),
    ) -> Result<usize, TimeError> {
        self.advance(now)?;
        let mut n = 0;
        while let Some(e) = self.pop_due() {
            visit(e);
            n += 1;
        }
        Ok(n)
    }

    /// Moves time to `now` (like [`expire`](Self::expire)) and removes one
    /// expired item, if any; loop on it to expire all.
    pub fn pop_expired(&mut self, now: f64) -> Result<Option<Entry<T>>, TimeError> {
        self.advance(now)?;
        Ok(self.pop_due())
    }

    fn advance(&mut self, now: f64) -> Result<(), TimeError> {
        if !now.is_finite() {
            return Err(TimeError::NonFiniteTimestamp(now));
        }
        if self.watermark.is_none_or(|w| now > w) {
            self.watermark = Some(now);
        }
        Ok(())
    }

    fn pop_due(&mut self) -> Option<Entry<T>> {
        let cutoff = self.cutoff()?;
        if self.items.front()?.timestamp <= cutoff {
            self.expired += 1;
            self.items.pop_front()
        } else {
            None
        }
    }

    /// Items at or before this time have expired: `watermark - horizon`, or
    /// `None` before the first [`expire`](Self::expire). Always below the
    /// watermark: where the horizon is smaller than the spacing of `f64`
    /// values at the watermark (`1e300 - 3600 == 1e300`), the cutoff is the
    /// next value down, so an item at the watermark is never expired.
    pub fn cutoff(&self) -> Option<f64> {
        self.watermark
            .map(|w| (w - self.horizon).min(w.next_down()))
    }

    /// Removes every item, oldest first, handing each to `visit` (they are
    /// not counted as expired). The watermark and counters are kept.
    pub fn drain(&mut self, mut visit: impl FnMut(Entry<T>)) {
        while let Some(e) = self.items.pop_front() {
            visit(e);
        }
    }

    /// Number of items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// `true` when no item is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The most items held at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The horizon, in seconds.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// The latest time passed to [`expire`](Self::expire), if any.
    pub fn watermark(&self) -> Option<f64> {
        self.watermark
    }

    /// Timestamp of the oldest item held.
    pub fn oldest_timestamp(&self) -> Option<f64> {
        self.items.front().map(|e| e.timestamp)
    }

    /// Timestamp of the newest item held.
    pub fn newest_timestamp(&self) -> Option<f64> {
        self.items.back().map(|e| e.timestamp)
    }

    /// The oldest item held.
    pub fn oldest(&self) -> Option<&Entry<T>> {
        self.items.front()
    }

    /// The newest item held.
    pub fn newest(&self) -> Option<&Entry<T>> {
        self.items.back()
    }

    /// The items held, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry<T>> + ExactSizeIterator + '_ {
        self.items.iter()
    }

    /// Items removed by expiry so far.
    pub fn expired_total(&self) -> u64 {
        self.expired
    }

    /// Items evicted because the FIFO was full.
    pub fn evicted_total(&self) -> u64 {
        self.evicted
    }

    /// Items refused as older than the horizon.
    pub fn rejected_too_old(&self) -> u64 {
        self.rejected_too_old
    }

    /// Items refused for a NaN or infinite timestamp.
    pub fn rejected_non_finite(&self) -> u64 {
        self.rejected_bad_time
    }

    /// All refused items.
    pub fn rejected_total(&self) -> u64 {
        self.rejected_too_old + self.rejected_bad_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_validated() {
        assert_eq!(
            ExpiringFifo::<u8>::new(0.0, 1).unwrap_err(),
            ConfigError::NonPositiveHorizon(0.0)
        );
        assert!(matches!(
            ExpiringFifo::<u8>::new(f64::NAN, 1),
            Err(ConfigError::NonFiniteHorizon(_))
        ));
        assert_eq!(
            ExpiringFifo::<u8>::new(-1.0, 1).unwrap_err(),
            ConfigError::NonPositiveHorizon(-1.0)
        );
        assert_eq!(
            ExpiringFifo::<u8>::new(1.0, 0).unwrap_err(),
            ConfigError::ZeroCapacity
        );
    }

    #[test]
    fn boundary_is_half_open() {
        let mut f = ExpiringFifo::new(10.0, 100).unwrap();
        for t in [0.0, 5.0, 10.0, 15.0] {
            f.push(t, t).unwrap();
        }
        let mut out = vec![];
        // Horizon at 15 is (5, 15]: 0 and 5 go, 10 and 15 stay.
        assert_eq!(f.expire(15.0, |e| out.push(e.item)), Ok(2));
        assert_eq!(out, [0.0, 5.0]);
        assert_eq!(f.oldest_timestamp(), Some(10.0));
        assert_eq!(f.newest_timestamp(), Some(15.0));
        // Going back in time expires nothing and keeps the watermark.
        assert_eq!(f.expire(3.0, |_| unreachable!()), Ok(0));
        assert_eq!(f.watermark(), Some(15.0));
        assert!(matches!(
            f.push(5.0, 0.0),
            Err(Rejected {
                error: TimeError::TooOld { .. },
                ..
            })
        ));
        f.push(5.5, 5.5).unwrap();
        assert!(f.push(f64::NAN, 0.0).is_err());
        assert!(f.expire(f64::INFINITY, |_| ()).is_err());
        assert_eq!((f.rejected_too_old(), f.rejected_non_finite()), (1, 1));
        assert_eq!(f.pop_expired(16.0).unwrap().map(|e| e.item), Some(5.5));
        assert_eq!(f.pop_expired(16.0).unwrap(), None);
        let mut n = 0;
        f.drain(|_| n += 1);
        assert_eq!((n, f.len()), (2, 0));
    }

    #[test]
    fn full_fifo_evicts_oldest_including_newcomer() {
        let mut f = ExpiringFifo::new(100.0, 2).unwrap();
        f.push(5.0, 'a').unwrap();
        f.push(6.0, 'b').unwrap();
        assert_eq!(f.push(1.0, 'z').unwrap().map(|e| e.item), Some('z'));
        assert_eq!(f.push(7.0, 'c').unwrap().map(|e| e.item), Some('a'));
        assert_eq!(f.iter().map(|e| e.item).collect::<String>(), "bc");
        assert_eq!(f.evicted_total(), 2);
        assert_eq!(f.capacity(), 2);
    }
}
