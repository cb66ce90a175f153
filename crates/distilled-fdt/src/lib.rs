//! Frequent Distinct Tuples (FDT): given a stream of string tuples (say
//! `(ip, user)`), find the combinations of some primary dimensions that own
//! the most distinct combinations of the other dimensions: which IPs serve
//! the most distinct users or, from the same sketch, which users come from
//! the most distinct IPs. The primary dimensions are chosen at query time.
//!
//! This is the first implementation outside Apache DataSketches Java, and it
//! interoperates with it: tuples are hashed exactly as Java's `FdtSketch`
//! does ([`hash`]), so sketches made by either side deduplicate the same
//! tuples, and the compact tuple bytes with array-of-strings summaries are
//! read and written ([`FdtSketch::to_datasketches_bytes`]).
//!
//! Sizing: [`FdtSketch::new`]`(threshold, rse)` makes a sketch in which a key
//! owning at least `threshold` of all distinct tuples is estimated with
//! relative standard error at most `rse`.
//!
//! ```
//! use distilled_core::{DistinctCount, NumStdDev};
//! use distilled_fdt::FdtSketch;
//!
//! let mut sketch = FdtSketch::new(0.05, 0.1).unwrap();
//! sketch.update(&["1.2.3.4", "alice"]);
//! sketch.update(&["1.2.3.4", "bob"]);
//! sketch.update(&["5.6.7.8", "alice"]);
//! sketch.update(&["1.2.3.4", "alice"]); // a duplicate tuple counts once
//! assert_eq!(sketch.estimate(), 3.0);
//! let by_ip = sketch.result(&[0], 0, NumStdDev::Two, '|').unwrap();
//! assert_eq!((by_ip[0].primary_key.as_str(), by_ip[0].count), ("1.2.3.4", 2));
//! let by_user = sketch.result(&[1], 0, NumStdDev::Two, '|').unwrap();
//! assert_eq!((by_user[0].primary_key.as_str(), by_user[0].count), ("alice", 2));
//! ```
//!
//! Features: `serde` adds `Serialize`/`Deserialize` for [`FdtSketch`] and
//! [`Group`].

mod bounds;
pub mod error;
pub mod group;
pub mod hash;
pub mod params;
pub mod sketch;
pub mod summary;

pub use error::FdtError;
pub use group::Group;
pub use params::{MAX_LG_K, MIN_LG_K, lg_k_for};
pub use sketch::FdtSketch;
pub use summary::ArrayOfStrings;
