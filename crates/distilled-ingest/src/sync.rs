//! The synchronisation primitives of the publication protocol, in one place.
//!
//! Under `--cfg loom` they are loom's model-checked versions, so that
//! `tests/loom.rs` explores every interleaving of the protocol (the same trick
//! as crossbeam's private `primitive` module). Nothing else in the crate may
//! name `std::sync` directly.

#[cfg(loom)]
pub(crate) use loom::sync::{
    Arc, Mutex, MutexGuard,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};
// loom's `try_lock` reports std's error type.
#[cfg(loom)]
use std::sync::TryLockError;

#[cfg(not(loom))]
pub(crate) use std::sync::{
    Arc, Mutex, MutexGuard, TryLockError,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

/// Locks `m`, ignoring poisoning.
///
/// A poisoned lock here means a sketch's own `merge` panicked while the lock
/// was held; the data behind it is still the best we have, and refusing to
/// read it would turn one panic into lost updates everywhere.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Tries to lock `m` without waiting; `None` if another thread holds it.
pub(crate) fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

#[cfg(loom)]
pub(crate) use loom::thread::yield_now;
#[cfg(not(loom))]
pub(crate) use std::thread::yield_now;
