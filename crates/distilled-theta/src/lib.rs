//! Theta (KMV) distinct counting with set operations, byte-compatible with
//! Apache DataSketches, and the generic tuple-sketch core it is built on.
//!
//! A Theta sketch hashes every item to 63 bits and keeps the hashes below a
//! threshold theta, at most about `k` of them; `retained / theta` estimates
//! the number of distinct items with relative standard error about
//! `1/sqrt(k-1)` (1.56% at the default `lg_k = 12`), and sketches of different
//! streams combine by union, intersection and difference.
//!
//! * [`ThetaSketch`]: the update sketch (DataSketches QuickSelect), fed with
//!   `u64`, `i64`, `f64`, `&str` or `&[u8]` items hashed exactly as Java, C++
//!   and Python hash them; [`ThetaSketch::update_many`] for batches.
//! * [`CompactThetaSketch`]: the immutable form, serialized in the
//!   DataSketches compact format (serial versions 3 and 4 written and read,
//!   1 and 2 read).
//! * [`ThetaUnion`], [`ThetaIntersection`], [`a_not_b`], [`jaccard`]: set
//!   operations; a seed mismatch is a [`distilled_core::MergeError`].
//! * [`tuple`](mod@tuple): the generic core (hash + summary per entry) that the Theta
//!   sketch and FDT share; [`bounds`]: the DataSketches binomial bounds;
//!   [`ratio_bounds`]: bounds on a ratio of sampled sets (Jaccard).
//!
//! ```
//! use distilled_theta::{CompactThetaSketch, ThetaSketch, ThetaUnion};
//! use distilled_core::NumStdDev;
//!
//! let mut a = ThetaSketch::new(12).unwrap();
//! a.update_many(&(0..50_000u64).collect::<Vec<_>>());
//! let mut b = ThetaSketch::new(12).unwrap();
//! b.update("alice");
//! b.update(7u64);
//!
//! let mut u = ThetaUnion::new(12).unwrap();
//! u.update(&a).unwrap();
//! u.update(&b).unwrap();
//! let result = u.result(true);
//! let bytes = result.serialize();
//! let back = CompactThetaSketch::deserialize(&bytes).unwrap();
//! assert_eq!(back.estimate(), result.estimate());
//! assert!(back.lower_bound(NumStdDev::Two) < 50_001.0);
//! ```

mod batch;
pub mod bounds;
mod equiv_tables;
pub mod ratio_bounds;
#[cfg(feature = "serde")]
mod serde_impl;
mod serial;
mod sorted_union;
mod theta;
pub mod tuple;

pub use distilled_core::hash::{DEFAULT_SEED, MAX_THETA};
pub use theta::{
    CompactThetaSketch, Jaccard, ThetaBuilder, ThetaIntersection, ThetaSketch, ThetaUnion, a_not_b,
    jaccard,
};
pub use tuple::{ConfigError, ResizeFactor};
