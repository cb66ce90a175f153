//! The KLL quantile sketch: a proven rank-error guarantee (about 1.33% at
//! `k = 200`, 99% confidence), seedable and reproducible, with integer
//! weights, and byte-compatible with Apache DataSketches (Java, C++, Python).
//!
//! # Quick start
//!
//! ```
//! use distilled_kll::{KllSketch, SearchCriteria};
//! use distilled_core::DataSketchesFormat;
//!
//! let mut sk = KllSketch::<f64>::builder().k(200).seed(42).build().unwrap();
//! for i in 0..10_000 {
//!     sk.update(f64::from(i));
//! }
//! sk.update(f64::NAN); // rejected and counted, per the workspace policy
//! assert_eq!(sk.n(), 10_000);
//! assert_eq!(sk.rejected_non_finite(), 1);
//! let p99 = sk.quantile(0.99, SearchCriteria::Inclusive).unwrap();
//! assert!((p99 - 9_900.0).abs() <= 0.0133 * 10_000.0);
//!
//! // DataSketches bytes, readable by `datasketches.kll_doubles_sketch.deserialize`.
//! let bytes = sk.to_datasketches_bytes();
//! let back = KllSketch::<f64>::from_datasketches_bytes(&bytes).unwrap();
//! assert_eq!(back.n(), sk.n());
//! ```
//!
//! # Semantics
//!
//! * Search criteria follow DataSketches C++ and Python; the default
//!   ([`SearchCriteria::default`]) is **inclusive** (Python's default is
//!   exclusive, Java's inclusive). Quantiles come from retained items; the
//!   exact min and max are available separately.
//! * NaN and infinities are rejected ([`KllSketch::update`] counts them,
//!   [`KllSketch::try_update`] returns the error). DataSketches ignores NaN
//!   and accepts infinities; a DataSketches sketch holding an infinity is
//!   refused by our decoder.
//! * Reproducibility: with [`KllBuilder::seed`] the coin flips of compaction
//!   are a fixed xoshiro256++ stream, so the same seed, inputs and merges give
//!   identical bytes on every platform. Batched ([`KllSketch::update_slice`])
//!   and single updates give the same sketch.
//! * The level layout (populations, capacities, offsets) is the one
//!   DataSketches computes, so retained counts and bytes sizes match theirs at
//!   equal `k` and `n`, and for `n <= k` the bytes are identical.

mod capacity;
#[doc(hidden)]
pub mod compact;
mod format;
mod item;
mod rng;
#[cfg(feature = "serde")]
mod serde_impl;
mod sketch;
mod sort;
mod view;

pub use capacity::M;
pub use distilled_core::{QueryError, SearchCriteria};
pub use item::KllItem;
pub use sketch::{DEFAULT_K, InvalidK, KllBuilder, KllSketch, MIN_K, normalized_rank_error};
pub use view::KllSortedView;
