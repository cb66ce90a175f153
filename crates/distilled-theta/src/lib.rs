//! Theta (KMV) distinct counting with set operations, byte-compatible with
//! Apache DataSketches, and the generic tuple-sketch core it is built on.
//!
//! * [`tuple`]: the QuickSelect table of `(hash, summary)` pairs, compact
//!   tuple sketches and their DataSketches serialization, union,
//!   intersection and A-not-B, generic over a [`tuple::Summary`].
//! * [`bounds`]: the DataSketches binomial confidence bounds.

pub mod bounds;
mod equiv_tables;
pub mod tuple;

pub use distilled_core::hash::{DEFAULT_SEED, MAX_THETA};
