//! The shared vocabulary of the distilled workspace.
//!
//! Every sketch crate (`distilled-tdigest`, `distilled-kll`, `distilled-theta`,
//! `distilled-fdt`) depends on this crate alone, and the layers above them
//! (`distilled-window`, `distilled-ingest`, `distilled-select`) are written
//! against the traits defined here, never against a concrete sketch.
//!
//! What lives here:
//!
//! * [`traits`]: what sketches have in common — fallible merging
//!   ([`Mergeable`]), fresh empty copies ([`EmptyLike`]), updates ([`Update`]),
//!   quantile queries ([`QuantileSketch`]) and distinct counts
//!   ([`DistinctCount`]).
//! * [`hash`]: MurmurHash3_x64_128 and the canonical byte forms used by Apache
//!   DataSketches, so that a value hashes to the same 63-bit theta hash in Rust,
//!   Java, C++ and Python.
//! * [`codec`]: a bounds-checked little-endian (and big-endian) reader and
//!   writer for binary sketch formats, with typed [`DecodeError`]s.
//! * [`policy`]: the one policy for NaN and infinities that every sketch follows.
//!
//! This crate has no required dependencies; `serde` is an optional feature.
//!
//! ```
//! use distilled_core::hash::{theta_hash_u64, compute_seed_hash, DEFAULT_SEED};
//! assert_eq!(compute_seed_hash(DEFAULT_SEED).unwrap(), 0x93CC);
//! assert_eq!(theta_hash_u64(1, DEFAULT_SEED), 0x05a1_86bd_cb7d_f915);
//! ```

pub mod codec;
pub mod error;
pub mod hash;
pub mod order_key;
pub mod policy;
pub mod traits;

pub use codec::{ByteReader, ByteWriter, Family};
pub use error::{DecodeError, MergeError, QueryError};
pub use policy::NonFiniteError;
pub use traits::{
    DataSketchesFormat, DistinctCount, EmptyLike, Mergeable, NumStdDev, QuantileSketch,
    SearchCriteria, Update,
};
