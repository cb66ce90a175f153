//! [`SlidingWindow`]: the merge of the panes inside a time horizon, over any
//! mergeable sketch, with amortised O(1) merges per query.

use std::collections::VecDeque;

use distilled_core::{EmptyLike, MergeError, Mergeable, Update};

use crate::MAX_PANES;
use crate::error::{ConfigError, TimeError, WindowError};
use crate::time::{Clock, SystemClock, validate_horizon, validate_pane};

/// Pane numbers must stay exactly representable in an `f64` and an `i64`.
const MAX_PANE_INDEX: f64 = 9_007_199_254_740_992.0; // 2^53

/// A validated horizon cut into equal panes.
///
/// Panes are aligned to the epoch: pane `p` holds timestamps `t` with
/// `floor(t / pane_width) == p`, that is `[p * pane_width, (p + 1) * pane_width)`
/// up to `f64` rounding of the division (the same rounding everywhere, so a
/// timestamp always lands in the same pane).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "serde_impl::RawConfig")
)]
pub struct WindowConfig {
    horizon: f64,
    pane: f64,
    panes: usize,
}

impl WindowConfig {
    /// A horizon of `horizon` seconds cut into panes of `pane_width` seconds.
    ///
    /// Errors for a horizon or pane that is zero, negative, NaN or infinite,
    /// a pane wider than the horizon, a horizon that is not a whole number of
    /// panes (within a relative 1e-9), or more than [`MAX_PANES`] panes.
    ///
    /// ```
    /// use distilled_window::{ConfigError, WindowConfig};
    /// let c = WindowConfig::new(3600.0, 60.0).unwrap();
    /// assert_eq!(c.num_panes(), 60);
    /// assert!(matches!(WindowConfig::new(60.0, 3600.0), Err(ConfigError::PaneWiderThanHorizon { .. })));
    /// assert!(matches!(WindowConfig::new(100.0, 30.0), Err(ConfigError::HorizonNotMultipleOfPane { .. })));
    /// assert!(matches!(WindowConfig::new(0.0, 1.0), Err(ConfigError::NonPositiveHorizon(_))));
    /// ```
    pub fn new(horizon: f64, pane_width: f64) -> Result<Self, ConfigError> {
        let horizon = validate_horizon(horizon)?;
        let pane = validate_pane(pane_width)?;
        if pane > horizon {
            return Err(ConfigError::PaneWiderThanHorizon { horizon, pane });
        }
        let ratio = horizon / pane;
        let panes = ratio.round();
        if (ratio - panes).abs() > 1e-9 * ratio {
            return Err(ConfigError::HorizonNotMultipleOfPane { horizon, pane });
        }
        if panes > MAX_PANES as f64 {
            return Err(ConfigError::TooManyPanes(panes as u64));
        }
        Ok(WindowConfig {
            horizon,
            pane,
            panes: panes as usize,
        })
    }

    /// A horizon of `horizon` seconds cut into `panes` equal panes.
    pub fn with_panes(horizon: f64, panes: usize) -> Result<Self, ConfigError> {
        let horizon = validate_horizon(horizon)?;
        if panes == 0 {
            return Err(ConfigError::ZeroPanes);
        }
        if panes as u64 > MAX_PANES {
            return Err(ConfigError::TooManyPanes(panes as u64));
        }
        let pane = validate_pane(horizon / panes as f64)?;
        Ok(WindowConfig {
            horizon,
            pane,
            panes,
        })
    }

    /// The horizon, in seconds (`num_panes() * pane_width()`).
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// The width of one pane, in seconds.
    pub fn pane_width(&self) -> f64 {
        self.pane
    }

    /// The number of panes inside the horizon.
    pub fn num_panes(&self) -> usize {
        self.panes
    }

    /// The pane number of timestamp `t`: `floor(t / pane_width)`.
    pub fn pane_of(&self, t: f64) -> Result<i64, TimeError> {
        if !t.is_finite() {
            return Err(TimeError::NonFiniteTimestamp(t));
        }
        let q = (t / self.pane).floor();
        if q.abs() >= MAX_PANE_INDEX {
            return Err(TimeError::TimestampOutOfRange(t));
        }
        Ok(q as i64)
    }

    /// The time pane `p` starts at.
    pub fn pane_start(&self, p: i64) -> f64 {
        p as f64 * self.pane
    }
}

/// A sliding time horizon over any mergeable sketch `S`.
///
/// # What a query covers
///
/// The horizon is `num_panes` panes of `pane_width` seconds (see
/// [`WindowConfig`]). The window has a *head pane*: the latest pane that an
/// update's timestamp or an `advance_to`/`query_at` time has reached (time
/// only moves forward). A query answers the merge of the `num_panes` panes
/// ending with the head pane, i.e. of every accepted item whose timestamp `t`
/// satisfies
///
/// ```text
/// (head - num_panes + 1) * pane_width  <=  t  <  (head + 1) * pane_width
/// ```
///
/// These are exactly the panes lying wholly inside the half-open horizon
/// `(now - horizon, now]` for any `now` in the head pane; the pane that
/// straddles `now - horizon` has already expired. So the answer covers
/// between `horizon - pane_width` and `horizon` seconds of history.
///
/// # Updates
///
/// [`update_at`](Self::update_at) takes event time (the record's own
/// timestamp); [`update`](Self::update) takes processing time from the
/// window's [`Clock`]. An item later than the head pane moves the head
/// forward (expiring panes that fall out). An item out of order but inside
/// the horizon goes to its own pane. An item older than the horizon is
/// refused with [`TimeError::TooOld`] and counted
/// ([`rejected_too_old`](Self::rejected_too_old)); a NaN, infinite or
/// out-of-range timestamp likewise
/// ([`rejected_bad_timestamp`](Self::rejected_bad_timestamp)).
///
/// # Cost
///
/// Panes cannot be subtracted from a sketch, so the window keeps them apart
/// and combines them with the *two-stacks* sliding-window aggregation: the
/// older panes (the front) carry suffix merges (`front[i]` is the merge of
/// front panes `i..`), the newer closed panes (the back) carry one running
/// merge, and the head pane is kept alone. The aggregation is lazy: an update
/// touches only its pane (no merge ever happens on the update path, so
/// updates cost what a plain ring of panes costs), and the merges are done
/// by the query that needs them:
///
/// * every query: one clone and at most two merges (front, back, head);
/// * plus one merge per pane closed since the previous query (into the back);
/// * plus, when the front has run out, a flip: the closed panes become the
///   new front with one clone and one merge each. A flip covers
///   `num_panes - 1` panes, which then expire one per pane advance before the
///   next flip, so this is O(1) merges amortised per pane advance;
/// * plus, if late items reached front panes, a rebuild of the suffix merges
///   up to the latest such pane (once per query, however many late items).
///
/// Memory: at most `2 * num_panes` sketches.
///
/// [`query_naive`](Self::query_naive) merges every pane, for comparison.
///
/// ```
/// use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
/// use distilled_window::{SlidingWindow, WindowConfig};
///
/// // Any sketch implementing the core traits; here an exact sum.
/// #[derive(Clone, Debug, Default)]
/// struct Sum(u64);
/// impl Mergeable for Sum {
///     fn merge(&mut self, o: &Self) -> Result<(), MergeError> { self.0 += o.0; Ok(()) }
/// }
/// impl EmptyLike for Sum { fn empty_like(&self) -> Self { Sum(0) } }
/// impl Update<u64> for Sum { fn update(&mut self, x: u64) { self.0 += x } }
///
/// let mut w = SlidingWindow::new(Sum(0), WindowConfig::new(60.0, 10.0).unwrap());
/// w.update_at(5.0, 1).unwrap();   // pane [0, 10)
/// w.update_at(65.0, 10).unwrap(); // pane [60, 70): the head moves, [0, 10) expires
/// w.update_at(12.0, 100).unwrap(); // out of order, pane [10, 20) is still inside
/// assert!(w.update_at(9.0, 1000).is_err()); // its pane has expired: refused, counted
/// assert_eq!(w.query().unwrap().0, 110);
/// assert_eq!(w.rejected_too_old(), 1);
/// assert_eq!(w.query_at(75.0).unwrap().0, 10); // [20, 80) now: 12.0 has expired
/// ```
#[derive(Debug, Clone)]
pub struct SlidingWindow<S, C = SystemClock> {
    config: WindowConfig,
    clock: C,
    proto: S,
    /// The head pane's number, `None` before time first reaches the window.
    head: Option<i64>,
    /// The `num_panes` panes, oldest first; the last is the head pane.
    panes: VecDeque<S>,
    /// Items accepted into each pane (parallel to `panes`).
    counts: VecDeque<u64>,
    /// Suffix merges of the front: `front[i]` merges `panes[i..front.len()]`.
    front: VecDeque<S>,
    /// Largest front index whose pane changed after `front` was built.
    front_dirty: Option<usize>,
    /// Merge of the back panes `panes[front.len()..front.len() + back_panes]`.
    back: S,
    /// Closed panes merged into `back`; the closed panes after them (up to
    /// the head) are merged at the next query.
    back_panes: usize,
    /// Items in the panes merged into `back`.
    back_count: u64,
    /// Items in the window (all panes).
    in_window: u64,
    expired_items: u64,
    rejected_too_old: u64,
    rejected_bad_time: u64,
}

impl<S> SlidingWindow<S, SystemClock>
where
    S: Mergeable + EmptyLike + Clone,
{
    /// A window over sketches configured like `prototype` (only its
    /// configuration is used, via [`EmptyLike`]), with the system clock for
    /// processing time.
    pub fn new(prototype: S, config: WindowConfig) -> Self {
        Self::with_clock(prototype, config, SystemClock)
    }
}

impl<S, C> SlidingWindow<S, C>
where
    S: Mergeable + EmptyLike + Clone,
    C: Clock,
{
    /// A window over sketches configured like `prototype`, reading processing
    /// time from `clock`.
    pub fn with_clock(prototype: S, config: WindowConfig, clock: C) -> Self {
        let proto = prototype.empty_like();
        SlidingWindow {
            config,
            clock,
            back: proto.empty_like(),
            proto,
            head: None,
            panes: VecDeque::new(),
            counts: VecDeque::new(),
            front: VecDeque::new(),
            front_dirty: None,
            back_panes: 0,
            back_count: 0,
            in_window: 0,
            expired_items: 0,
            rejected_too_old: 0,
            rejected_bad_time: 0,
        }
    }

    /// Adds `item` stamped with event time `t` (seconds).
    ///
    /// Moves the head forward if `t` is past the head pane; refuses (and
    /// counts) an item whose pane has expired or whose timestamp is not
    /// finite. Merge errors from the sketch are passed on.
    pub fn update_at<T: Clone>(&mut self, t: f64, item: T) -> Result<(), WindowError>
    where
        S: Update<T>,
    {
        let p = match self.config.pane_of(t) {
            Ok(p) => p,
            Err(e) => {
                self.rejected_bad_time += 1;
                return Err(e.into());
            }
        };
        let head = self.advance_to_pane(p)?;
        let n = self.config.panes as i64;
        let oldest = head - n + 1;
        if p < oldest {
            self.rejected_too_old += 1;
            return Err(TimeError::TooOld {
                timestamp: t,
                cutoff: self.config.pane_start(oldest),
            }
            .into());
        }
        let idx = (p - oldest) as usize;
        let last = self.config.panes - 1;
        self.counts[idx] += 1;
        self.in_window += 1;
        let f = self.front.len();
        if idx == last || idx >= f + self.back_panes {
            // The head, or a closed pane not merged anywhere yet.
            self.panes[idx].update(item);
        } else if idx >= f {
            // A closed pane already merged into the back: keep that merge in
            // step.
            self.panes[idx].update(item.clone());
            self.back.update(item);
            self.back_count += 1;
        } else {
            self.panes[idx].update(item);
            self.front_dirty = Some(self.front_dirty.map_or(idx, |d| d.max(idx)));
        }
        Ok(())
    }

    /// Adds `item` stamped with the clock's current time (processing time).
    pub fn update<T: Clone>(&mut self, item: T) -> Result<(), WindowError>
    where
        S: Update<T>,
    {
        let now = self.clock.now();
        self.update_at(now, item)
    }

    /// Moves time forward to `now`, expiring the panes that leave the
    /// horizon. A `now` in or before the head pane changes nothing.
    pub fn advance_to(&mut self, now: f64) -> Result<(), WindowError> {
        let p = self.config.pane_of(now)?;
        self.advance_to_pane(p)?;
        Ok(())
    }

    /// Moves time forward to the clock's current time.
    pub fn advance_to_now(&mut self) -> Result<(), WindowError> {
        let now = self.clock.now();
        self.advance_to(now)
    }

    /// Makes `p` the head pane if it is later than the current one; returns
    /// the head pane.
    fn advance_to_pane(&mut self, p: i64) -> Result<i64, MergeError> {
        let n = self.config.panes;
        let Some(head) = self.head else {
            self.reset(p);
            return Ok(p);
        };
        if p <= head {
            return Ok(head);
        }
        if p - head >= n as i64 {
            // Every pane leaves the horizon.
            self.expired_items += self.in_window;
            self.reset(p);
            return Ok(p);
        }
        for _ in head..p {
            self.step();
        }
        Ok(p)
    }

    /// `num_panes` empty panes with `head` as the head pane.
    fn reset(&mut self, head: i64) {
        let n = self.config.panes;
        self.panes.clear();
        self.panes.extend((0..n).map(|_| self.proto.empty_like()));
        self.counts.clear();
        self.counts.resize(n, 0);
        self.front.clear();
        self.front_dirty = None;
        self.back = self.proto.empty_like();
        self.back_panes = 0;
        self.back_count = 0;
        self.in_window = 0;
        self.head = Some(head);
    }

    /// Closes the head pane, opens the next one and expires the oldest.
    /// No merging happens here: closed panes are merged when a query needs
    /// them, so a stream that is rarely queried pays no merges.
    fn step(&mut self) {
        if self.front.pop_front().is_some() {
            self.front_dirty = match self.front_dirty {
                Some(0) | None => None,
                Some(d) => Some(d - 1),
            };
        } else if self.back_panes > 0 {
            // No front: the back merge holds the expiring pane, so it is
            // dropped; the next query flips the closed panes into a front.
            self.back = self.proto.empty_like();
            self.back_panes = 0;
            self.back_count = 0;
        }
        self.panes.pop_front();
        let gone = self.counts.pop_front().unwrap_or(0);
        self.in_window -= gone;
        self.expired_items += gone;
        self.panes.push_back(self.proto.empty_like());
        self.counts.push_back(0);
        if let Some(h) = self.head.as_mut() {
            *h += 1;
        }
    }

    /// Turns every closed pane into the front, building the suffix merges
    /// from the newest closed pane to the oldest, and empties the back.
    ///
    /// Each suffix merge is a clone of the next newer one with one pane
    /// merged in (cloning the large aggregate and merging the small pane is
    /// much cheaper than the other way round).
    fn flip(&mut self) -> Result<(), MergeError> {
        let k = self.config.panes - 1;
        debug_assert!(self.front.is_empty());
        let mut front: VecDeque<S> = VecDeque::with_capacity(k);
        for i in (0..k).rev() {
            let agg = self.suffix_merge(i, front.front())?;
            front.push_front(agg);
        }
        self.front = front;
        self.front_dirty = None;
        self.back = self.proto.empty_like();
        self.back_panes = 0;
        self.back_count = 0;
        Ok(())
    }

    /// Merges the closed panes that joined the back since the last query.
    fn catch_up_back(&mut self) -> Result<(), MergeError> {
        let last = self.config.panes - 1;
        while self.front.len() + self.back_panes < last {
            let i = self.front.len() + self.back_panes;
            let c = self.counts[i];
            if c > 0 {
                self.back.merge(&self.panes[i])?;
                self.back_count += c;
            }
            self.back_panes += 1;
        }
        Ok(())
    }

    /// Pane `i` merged with `newer` (the suffix merge of the panes after it).
    fn suffix_merge(&self, i: usize, newer: Option<&S>) -> Result<S, MergeError> {
        match newer {
            Some(newer) => {
                let mut agg = newer.clone();
                if self.counts[i] > 0 {
                    agg.merge(&self.panes[i])?;
                }
                Ok(agg)
            }
            None => Ok(self.panes[i].clone()),
        }
    }

    /// Rebuilds the front suffix merges that late items made stale.
    fn clean_front(&mut self) -> Result<(), MergeError> {
        let Some(d) = self.front_dirty else {
            return Ok(());
        };
        for i in (0..=d).rev() {
            let agg = self.suffix_merge(i, self.front.get(i + 1))?;
            self.front[i] = agg;
        }
        self.front_dirty = None;
        Ok(())
    }

    /// The merge of the panes inside the horizon, as of the head pane (an
    /// empty sketch before any item).
    ///
    /// One clone and at most two merges, plus one merge per pane closed since
    /// the previous query, plus a flip when the front has run out (amortised
    /// over the panes it covers), plus a partial rebuild if late items
    /// reached the front panes.
    pub fn query(&mut self) -> Result<S, WindowError> {
        if self.head.is_none() {
            return Ok(self.proto.empty_like());
        }
        let last = self.config.panes - 1;
        if self.front.is_empty() && last > 0 {
            self.flip()?;
        } else {
            self.catch_up_back()?;
        }
        self.clean_front()?;
        let mut out = match self.front.front() {
            Some(f) => {
                let mut out = f.clone();
                if self.back_count > 0 {
                    out.merge(&self.back)?;
                }
                out
            }
            None => self.back.clone(),
        };
        if self.counts[last] > 0 {
            out.merge(&self.panes[last])?;
        }
        Ok(out)
    }

    /// Moves time forward to `now`, then [`query`](Self::query). A `now`
    /// earlier than the head pane answers for the head pane (time does not go
    /// back).
    pub fn query_at(&mut self, now: f64) -> Result<S, WindowError> {
        self.advance_to(now)?;
        self.query()
    }

    /// [`query_at`](Self::query_at) the clock's current time.
    pub fn query_now(&mut self) -> Result<S, WindowError> {
        let now = self.clock.now();
        self.query_at(now)
    }

    /// The same answer as [`query`](Self::query), computed the naive way: one
    /// merge per pane. For tests and benchmarks.
    pub fn query_naive(&self) -> Result<S, MergeError> {
        let mut out = self.proto.empty_like();
        for (pane, &c) in self.panes.iter().zip(&self.counts) {
            if c > 0 {
                out.merge(pane)?;
            }
        }
        Ok(out)
    }

    /// The configuration.
    pub fn config(&self) -> &WindowConfig {
        &self.config
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The head pane's number, `None` before time first reaches the window.
    pub fn head_pane(&self) -> Option<i64> {
        self.head
    }

    /// Start of the oldest pane inside the horizon: items stamped at or after
    /// it (and before [`window_end`](Self::window_end)) are in the answer.
    pub fn window_start(&self) -> Option<f64> {
        self.head
            .map(|h| self.config.pane_start(h - self.config.panes as i64 + 1))
    }

    /// End (exclusive) of the head pane.
    pub fn window_end(&self) -> Option<f64> {
        self.head.map(|h| self.config.pane_start(h + 1))
    }

    /// Items accepted and not yet expired (exact).
    pub fn len(&self) -> u64 {
        self.in_window
    }

    /// `true` when no item is inside the horizon.
    pub fn is_empty(&self) -> bool {
        self.in_window == 0
    }

    /// Items accepted per pane, oldest pane first, with each pane's start
    /// time.
    pub fn pane_counts(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let first = self.head.map_or(0, |h| h - self.config.panes as i64 + 1);
        self.counts
            .iter()
            .enumerate()
            .map(move |(i, &c)| (self.config.pane_start(first + i as i64), c))
    }

    /// Items that have left the horizon so far.
    pub fn expired_items(&self) -> u64 {
        self.expired_items
    }

    /// Items refused because their pane had already expired.
    pub fn rejected_too_old(&self) -> u64 {
        self.rejected_too_old
    }

    /// Items refused for a NaN, infinite or out-of-range timestamp.
    pub fn rejected_bad_timestamp(&self) -> u64 {
        self.rejected_bad_time
    }

    /// Sketches held (panes, suffix merges and the back merge): at most
    /// `2 * num_panes`.
    pub fn sketches_held(&self) -> usize {
        self.panes.len() + self.front.len() + 1
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    //! Serde support. A window is written as its configuration, prototype,
    //! head pane, panes and counters; the two-stacks merges are rebuilt on
    //! reading (so bytes stay small and cannot smuggle in inconsistent
    //! aggregates), and everything read is validated.

    use std::collections::VecDeque;

    use distilled_core::{EmptyLike, Mergeable};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{MAX_PANE_INDEX, SlidingWindow, WindowConfig};
    use crate::error::ConfigError;
    use crate::time::Clock;

    #[derive(Deserialize)]
    pub(super) struct RawConfig {
        horizon: f64,
        pane: f64,
        panes: usize,
    }

    impl TryFrom<RawConfig> for WindowConfig {
        type Error = ConfigError;
        fn try_from(raw: RawConfig) -> Result<Self, ConfigError> {
            let c = WindowConfig::new(raw.horizon, raw.pane)?;
            if c.panes != raw.panes {
                return Err(ConfigError::HorizonNotMultipleOfPane {
                    horizon: raw.horizon,
                    pane: raw.pane,
                });
            }
            Ok(c)
        }
    }

    #[derive(Serialize)]
    struct StateRef<'a, S> {
        config: &'a WindowConfig,
        prototype: &'a S,
        head: Option<i64>,
        panes: &'a VecDeque<S>,
        counts: &'a VecDeque<u64>,
        expired_items: u64,
        rejected_too_old: u64,
        rejected_bad_time: u64,
    }

    #[derive(Deserialize)]
    struct State<S> {
        config: WindowConfig,
        prototype: S,
        head: Option<i64>,
        panes: VecDeque<S>,
        counts: VecDeque<u64>,
        expired_items: u64,
        rejected_too_old: u64,
        rejected_bad_time: u64,
    }

    impl<S: Serialize, C> Serialize for SlidingWindow<S, C> {
        fn serialize<Se: Serializer>(&self, serializer: Se) -> Result<Se::Ok, Se::Error> {
            StateRef {
                config: &self.config,
                prototype: &self.proto,
                head: self.head,
                panes: &self.panes,
                counts: &self.counts,
                expired_items: self.expired_items,
                rejected_too_old: self.rejected_too_old,
                rejected_bad_time: self.rejected_bad_time,
            }
            .serialize(serializer)
        }
    }

    /// Reads a window; the clock is `C::default()` (clocks are not data).
    impl<'de, S, C> Deserialize<'de> for SlidingWindow<S, C>
    where
        S: Deserialize<'de> + Mergeable + EmptyLike + Clone,
        C: Clock + Default,
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            use serde::de::Error;
            let st = State::<S>::deserialize(deserializer)?;
            let n = st.config.panes;
            let mut w = SlidingWindow::with_clock(st.prototype, st.config, C::default());
            w.expired_items = st.expired_items;
            w.rejected_too_old = st.rejected_too_old;
            w.rejected_bad_time = st.rejected_bad_time;
            let Some(head) = st.head else {
                if !st.panes.is_empty() || !st.counts.is_empty() {
                    return Err(D::Error::custom("window without a head pane holds panes"));
                }
                return Ok(w);
            };
            if (head as f64).abs() >= MAX_PANE_INDEX {
                return Err(D::Error::custom("head pane out of range"));
            }
            if st.panes.len() != n || st.counts.len() != n {
                return Err(D::Error::custom(format!(
                    "window of {n} panes holds {} panes and {} counts",
                    st.panes.len(),
                    st.counts.len()
                )));
            }
            let mut total = 0u64;
            for &c in &st.counts {
                total = total
                    .checked_add(c)
                    .ok_or_else(|| D::Error::custom("pane counts overflow"))?;
            }
            // Counts are trusted: a pane that accepted no item is empty,
            // whatever the bytes hold for it. The query paths skip such
            // panes, so keeping a non-empty one would make their answers
            // depend on which path ran.
            let mut panes = st.panes;
            for (p, &c) in panes.iter_mut().zip(&st.counts) {
                if c == 0 {
                    *p = w.proto.empty_like();
                }
            }
            w.head = Some(head);
            w.panes = panes;
            w.counts = st.counts;
            w.in_window = total;
            // No front and an empty back: the next query flips the closed
            // panes into a front.
            Ok(w)
        }
    }
}
