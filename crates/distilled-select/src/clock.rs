//! Where arrival time comes from when records carry no timestamp.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A source of "now", in unix seconds. Tests drive time by hand with
/// [`ManualClock`]; production uses [`SystemClock`].
pub trait Clock {
    /// The current time in (fractional) unix seconds.
    fn now(&self) -> f64;
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }
}

/// A clock set by hand. Clones share one time, so a test keeps a clone and
/// advances the processor's clock from outside.
///
/// ```
/// use distilled_select::{Clock, ManualClock};
/// let c = ManualClock::new(100.0);
/// let shared = c.clone();
/// shared.advance(5.5);
/// assert_eq!(c.now(), 105.5);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    bits: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock showing `t` unix seconds.
    pub fn new(t: f64) -> Self {
        Self {
            bits: Arc::new(AtomicU64::new(t.to_bits())),
        }
    }
    /// Sets the time to `t`.
    pub fn set(&self, t: f64) {
        self.bits.store(t.to_bits(), Ordering::Relaxed);
    }
    /// Moves the time forward by `secs`.
    pub fn advance(&self, secs: f64) {
        self.set(self.now() + secs);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> f64 {
        (**self).now()
    }
}
