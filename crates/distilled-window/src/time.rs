//! Time: units, clocks, and validation of horizons and panes.
//!
//! # Units
//!
//! Time is an `f64` number of **seconds**. The epoch is the caller's choice;
//! [`SystemClock`] uses the unix epoch, and event timestamps are normally unix
//! seconds too (an `f64` resolves unix times of this century to better than a
//! microsecond). Horizons and pane widths are durations in the same unit.
//!
//! # Event time and processing time
//!
//! *Event time* is the timestamp a record carries: pass it explicitly
//! (`update_at(t, ..)`, `push(t, ..)`). *Processing time* is the time a record
//! is seen: the window's [`Clock`] supplies it (`update(..)`, `query_now()`).
//! Tests use [`ManualClock`] to drive processing time by hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::ConfigError;

/// A source of the current time, in seconds.
pub trait Clock {
    /// The current time, in seconds.
    fn now(&self) -> f64;
}

/// Wall-clock time: seconds since the unix epoch (negative before it).
///
/// Wall clocks can step backwards; windows treat a time earlier than one
/// already seen as "no time has passed".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        }
    }
}

/// A clock that moves only when told, for tests and replays.
///
/// Clones share one time, so a test can keep a handle while a window owns
/// another. It is `Send + Sync`.
///
/// ```
/// use distilled_window::{Clock, ManualClock};
/// let clock = ManualClock::new(100.0);
/// let handle = clock.clone();
/// handle.advance(2.5);
/// assert_eq!(clock.now(), 102.5);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    bits: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock showing `t` seconds.
    pub fn new(t: f64) -> Self {
        ManualClock {
            bits: Arc::new(AtomicU64::new(t.to_bits())),
        }
    }

    /// Sets the time to `t` (it may go backwards, as wall clocks do).
    pub fn set(&self, t: f64) {
        self.bits.store(t.to_bits(), Ordering::Relaxed);
    }

    /// Moves the time forward by `dt` seconds.
    pub fn advance(&self, dt: f64) {
        self.set(self.now() + dt);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> f64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> f64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> f64 {
        (**self).now()
    }
}

/// `Ok(horizon)` when it is a positive finite number of seconds.
pub fn validate_horizon(horizon: f64) -> Result<f64, ConfigError> {
    if !horizon.is_finite() {
        Err(ConfigError::NonFiniteHorizon(horizon))
    } else if horizon <= 0.0 {
        Err(ConfigError::NonPositiveHorizon(horizon))
    } else {
        Ok(horizon)
    }
}

/// `Ok(pane)` when it is a positive finite number of seconds.
pub fn validate_pane(pane: f64) -> Result<f64, ConfigError> {
    if !pane.is_finite() {
        Err(ConfigError::NonFinitePane(pane))
    } else if pane <= 0.0 {
        Err(ConfigError::NonPositivePane(pane))
    } else {
        Ok(pane)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_recent_unix_time() {
        let t = SystemClock.now();
        assert!(t > 1.6e9 && t < 1e11, "{t}");
    }

    #[test]
    fn manual_clock_is_shared() {
        let c = ManualClock::new(1.0);
        let d = c.clone();
        d.set(5.0);
        assert_eq!(c.now(), 5.0);
        let arc: Arc<dyn Clock + Send + Sync> = Arc::new(c);
        assert_eq!(arc.now(), 5.0);
    }

    #[test]
    fn validation() {
        assert!(validate_horizon(1.0).is_ok());
        assert_eq!(validate_pane(0.0), Err(ConfigError::NonPositivePane(0.0)));
        assert!(matches!(
            validate_pane(f64::INFINITY),
            Err(ConfigError::NonFinitePane(_))
        ));
        assert!(matches!(
            validate_horizon(f64::NEG_INFINITY),
            Err(ConfigError::NonFiniteHorizon(_))
        ));
    }
}
