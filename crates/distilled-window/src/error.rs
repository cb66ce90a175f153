//! Errors of the window crate: bad configuration, rejected input, counter
//! misuse and failed merges. Each is a plain enum with a readable `Display`.

use std::fmt;

use distilled_core::MergeError;

/// A horizon, pane width, pane count or capacity that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The horizon is NaN or infinite.
    NonFiniteHorizon(f64),
    /// The horizon is zero or negative.
    NonPositiveHorizon(f64),
    /// The pane width is NaN or infinite.
    NonFinitePane(f64),
    /// The pane width is zero or negative.
    NonPositivePane(f64),
    /// The pane is wider than the horizon, so not even one pane fits.
    PaneWiderThanHorizon {
        /// The horizon, in seconds.
        horizon: f64,
        /// The pane width, in seconds.
        pane: f64,
    },
    /// The horizon is not a whole number of panes.
    HorizonNotMultipleOfPane {
        /// The horizon, in seconds.
        horizon: f64,
        /// The pane width, in seconds.
        pane: f64,
    },
    /// Zero panes were asked for.
    ZeroPanes,
    /// More panes than [`crate::MAX_PANES`] were asked for.
    TooManyPanes(u64),
    /// A bounded container was given a capacity of zero.
    ZeroCapacity,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NonFiniteHorizon(h) => {
                write!(f, "horizon {h} is not a finite number of seconds")
            }
            ConfigError::NonPositiveHorizon(h) => {
                write!(f, "horizon {h} s must be greater than zero")
            }
            ConfigError::NonFinitePane(p) => {
                write!(f, "pane width {p} is not a finite number of seconds")
            }
            ConfigError::NonPositivePane(p) => {
                write!(f, "pane width {p} s must be greater than zero")
            }
            ConfigError::PaneWiderThanHorizon { horizon, pane } => {
                write!(
                    f,
                    "pane width {pane} s is wider than the horizon {horizon} s"
                )
            }
            ConfigError::HorizonNotMultipleOfPane { horizon, pane } => write!(
                f,
                "horizon {horizon} s is not a whole number of panes of {pane} s"
            ),
            ConfigError::ZeroPanes => f.write_str("a window needs at least one pane"),
            ConfigError::TooManyPanes(n) => write!(
                f,
                "{n} panes asked for, at most {} allowed",
                crate::MAX_PANES
            ),
            ConfigError::ZeroCapacity => f.write_str("capacity must be at least one item"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Why a timestamped item was not accepted. Every rejection is also counted by
/// the container that refused it, so nothing is dropped silently.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum TimeError {
    /// The timestamp is NaN or infinite.
    NonFiniteTimestamp(f64),
    /// The timestamp is so large in magnitude that its pane number cannot be
    /// computed exactly (|t / pane| >= 2^53).
    TimestampOutOfRange(f64),
    /// The item is older than the horizon: it would already have expired.
    TooOld {
        /// The item's timestamp.
        timestamp: f64,
        /// Items must be newer than this (strictly after it for a FIFO; at or
        /// after it for a paned window, where it is the start of the oldest
        /// pane inside the horizon).
        cutoff: f64,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::NonFiniteTimestamp(t) => write!(f, "timestamp {t} is not finite"),
            TimeError::TimestampOutOfRange(t) => {
                write!(f, "timestamp {t} is too large to place in a pane")
            }
            TimeError::TooOld { timestamp, cutoff } => write!(
                f,
                "timestamp {timestamp} is older than the horizon (cutoff {cutoff})"
            ),
        }
    }
}

impl std::error::Error for TimeError {}

/// Misuse of an invertible counter. The counter is unchanged when one is
/// returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CounterError {
    /// A bucket index at or past the number of buckets.
    BucketOutOfRange {
        /// The index given.
        bucket: usize,
        /// The number of buckets.
        num_buckets: usize,
    },
    /// More was subtracted than was added (the bucket or key would go below
    /// zero). This always means an item was expired twice or never added.
    Underflow {
        /// The count held.
        count: u64,
        /// The amount asked to subtract.
        subtract: u64,
    },
    /// A count would pass `u64::MAX`.
    Overflow,
    /// A NaN or infinite value was offered to a sum.
    NonFiniteValue(u64),
}

impl fmt::Display for CounterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CounterError::BucketOutOfRange {
                bucket,
                num_buckets,
            } => write!(f, "bucket {bucket} out of range (there are {num_buckets})"),
            CounterError::Underflow { count, subtract } => write!(
                f,
                "cannot subtract {subtract} from a count of {count}: removed more than was added"
            ),
            CounterError::Overflow => f.write_str("count overflow"),
            CounterError::NonFiniteValue(bits) => {
                write!(f, "value {} is not finite", f64::from_bits(*bits))
            }
        }
    }
}

impl std::error::Error for CounterError {}

/// Why a window operation failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WindowError {
    /// The input's timestamp was refused (and counted).
    Time(TimeError),
    /// Merging panes failed. Panes are all made with
    /// [`distilled_core::EmptyLike::empty_like`] from one prototype, so this
    /// only happens with a sketch whose merge is stricter than its own
    /// `empty_like` copies.
    Merge(MergeError),
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowError::Time(e) => write!(f, "{e}"),
            WindowError::Merge(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for WindowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WindowError::Time(e) => Some(e),
            WindowError::Merge(e) => Some(e),
        }
    }
}

impl From<TimeError> for WindowError {
    fn from(e: TimeError) -> Self {
        WindowError::Time(e)
    }
}

impl From<MergeError> for WindowError {
    fn from(e: MergeError) -> Self {
        WindowError::Merge(e)
    }
}
