//! Sliding time horizons over any mergeable sketch, exact invertible window
//! counters, and a bounded FIFO of timestamped items with expiry.
//!
//! Written against the traits of `distilled-core` only, so it works with every
//! sketch of the workspace (t-digest, KLL, Theta, FDT) and with your own.
//!
//! * [`counters`]: [`BucketCounts`], [`KeyedCounts`], [`WindowSum`] — add on
//!   arrival, subtract on expiry, totals in O(1).
//! * [`fifo`]: [`ExpiringFifo`] — timestamped items kept in time order,
//!   expired by a moving `now`, bounded in length, observable.
//! * [`sliding`]: [`SlidingWindow`] — the merge of the panes inside a time
//!   horizon over any sketch implementing [`distilled_core::Mergeable`] and
//!   [`distilled_core::EmptyLike`], with amortised O(1) merges per query
//!   (two-stacks aggregation); [`WindowConfig`] validates horizon and panes.
//! * [`time`]: units (`f64` seconds), the [`Clock`] abstraction, validation.
//!
//! Errors are in [`error`].
//!
//! Feature `serde`: `Serialize`/`Deserialize` for [`SlidingWindow`] (when the
//! sketch has them; the clock is not data and comes back as `C::default()`),
//! [`WindowConfig`], [`ExpiringFifo`] and the counters. Everything read is
//! validated (pane counts, ordering, totals), so inconsistent input is an
//! error, not a window that misbehaves later. The per-pane item counts of a
//! window cannot be checked against opaque sketches: [`SlidingWindow::len`]
//! trusts them.

pub mod counters;
pub mod error;
pub mod fifo;
pub mod sliding;
pub mod time;

pub use counters::{BucketCounts, KeyedCounts, WindowSum};
pub use error::{ConfigError, CounterError, TimeError, WindowError};
pub use fifo::{Entry, ExpiringFifo, Rejected};
pub use sliding::{SlidingWindow, WindowConfig};
pub use time::{Clock, ManualClock, SystemClock};

/// The most panes a window may have (a bound on its memory).
pub const MAX_PANES: u64 = 1 << 20;
