//! Lock-free sharded multi-writer ingest over any mergeable sketch.
//!
//! A mutex around one sketch serialises every thread that updates it. This
//! crate gives each producing thread its own shard instead and merges the
//! shards for readers. It is written against `distilled-core`'s traits only:
//! any sketch implementing [`Mergeable`](distilled_core::Mergeable),
//! [`EmptyLike`](distilled_core::EmptyLike) and
//! [`Update<T>`](distilled_core::Update) (KLL, t-digest, Theta, FDT, ...) can
//! be ingested.
//!
//! # Guide
//!
//! ```
//! use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
//! use distilled_ingest::Ingest;
//!
//! // Any mergeable sketch; here an exact counter.
//! #[derive(Clone, Default)]
//! struct Count(u64);
//! impl Mergeable for Count {
//!     fn merge(&mut self, o: &Self) -> Result<(), MergeError> { self.0 += o.0; Ok(()) }
//! }
//! impl EmptyLike for Count { fn empty_like(&self) -> Self { Count(0) } }
//! impl Update<u64> for Count { fn update(&mut self, _: u64) { self.0 += 1 } }
//!
//! let ingest = Ingest::builder(Count(0)).publish_every(1024).build();
//! std::thread::scope(|s| {
//!     for t in 0..2 {
//!         let mut w = ingest.writer(); // one writer per thread
//!         s.spawn(move || {
//!             for i in 0..10_000u64 { w.update(i + t) }
//!             // dropping `w` publishes what it still holds
//!         });
//!     }
//!     // a reader may look at any time: boundedly stale, never blocked by writers
//!     let _partial = ingest.snapshot().unwrap();
//! });
//! assert_eq!(ingest.snapshot().unwrap().0, 20_000); // exact once writers are gone
//! ```
//!
//! With a real sketch, let each writer buffer items and hand them to the
//! sketch's bulk path:
//!
//! ```
//! use distilled_core::QuantileSketch;
//! use distilled_ingest::Ingest;
//! use distilled_tdigest::TDigest;
//!
//! let ingest = Ingest::new(TDigest::new(100).unwrap());
//! std::thread::scope(|s| {
//!     for t in 0..2 {
//!         let mut w = ingest.buffered_writer(TDigest::add_many);
//!         s.spawn(move || {
//!             for i in 0..10_000 { w.update(f64::from(i * 2 + t)) }
//!         });
//!     }
//! });
//! assert_eq!(ingest.snapshot().unwrap().n(), 20_000);
//! ```
//!
//! * [`Ingest`]: the shared front; [`Ingest::writer`] registers a writer,
//!   [`Ingest::snapshot`] / [`Ingest::read`] give the merged view.
//! * [`Writer`]: one thread's handle. Updates touch only its private shard,
//!   which it keeps for its whole life; every `publish_every` updates, after
//!   `max_delay`, on [`Writer::flush`] and on drop it publishes a copy of the
//!   whole shard, replacing its previous publication (no merge, no fresh
//!   sketch on the writer's side).
//! * [`BufferedWriter`]: a writer that collects up to `N` items (default
//!   [`DEFAULT_BUFFER`], 512) in a fixed array and applies them with the
//!   sketch's bulk update (`TDigest::add_many`, `ThetaSketch::update_many`,
//!   `KllSketch::update_slice`, or the generic [`update_each`]). Its per-item
//!   cost is a store and an increment, and the sketch's block path is
//!   cheaper per item than its single-value `update`, so this is the fast
//!   way to feed a sketch from several threads. The buffer is applied before
//!   every publication, on flush and on drop (also on panic unwind);
//!   staleness grows by at most `N` items.
//! * [`fan_in::Producer`]: several producer threads feeding one consumer
//!   (the distiller): sketch updates through a writer, records to the
//!   consumer in batches over a crossbeam channel.
//!
//! Sketches must be `Clone` (publication copies the shard) and `Sync` for the
//! ingest to be shared between threads (publications are read through an
//! `Arc`).
//!
//! The protocol and its guarantees are described in the docs of [`Ingest`]
//! and of the `ingest` module source; `tests/loom.rs` model-checks them.
//!
//! # Compared with other designs
//!
//! * A `Mutex<sketch>` pays a lock per update, contended between threads.
//!   On few cores the best multi-writer speed is bounded by how fast one
//!   thread updates its shard, hence [`BufferedWriter`]: its throughput per
//!   thread is that of the sketch's bulk path, not of its single update.
//! * HdrHistogram's `Recorder` makes each update pay an atomic increment of a
//!   writer-reader phaser; here updates pay nothing and a publication (a
//!   clone of the shard and one uncontended `try_lock` around a pointer
//!   swap) happens every `publish_every` updates.
//! * Publishing deltas (swap the shard for an empty one, readers merge each
//!   delta into a running total) was this crate's first design; it made the
//!   writer rebuild an empty sketch and readers merge once per publication,
//!   which for Theta and t-digest cost more than the updates. Publishing
//!   cumulative copies moves the merging to reads (one merge per live writer
//!   per read) and keeps staleness bounded by the same `publish_every`.
//! * Rust `hdrhistogram::sync` refreshes by waiting for every recorder to
//!   answer, so an idle recorder stalls the reader; here a reader only takes
//!   what was published and never waits for an idle writer.
//! * DataSketches' concurrent Theta (Java) has writers spin on one shared
//!   flag while the sketch is small and propagates through a global executor;
//!   here there is no shared flag and no background thread: writers publish
//!   on their own thread, readers merge on theirs.

mod buffered;
mod ingest;
mod sync;

#[cfg(not(loom))]
pub mod fan_in;

pub use buffered::{BufferedWriter, DEFAULT_BUFFER, update_each};
pub use ingest::{DEFAULT_PUBLISH_EVERY, Ingest, IngestBuilder, Writer};
