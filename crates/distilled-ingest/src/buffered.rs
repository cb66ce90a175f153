//! [`BufferedWriter`]: a [`Writer`] that collects items in a small fixed
//! array and hands them to the sketch's bulk update a block at a time.
//!
//! # Why
//!
//! On a machine with few cores the throughput of several writers over a
//! `Mutex<sketch>` is bounded by how fast one writer updates its shard. A
//! sketch's bulk path (t-digest `add_many`, Theta `update_many`, KLL
//! `update_slice`) is cheaper per item than its single-value `update`: it
//! hashes or converts a block at once, screens it against theta or appends it
//! to a buffer with one capacity check, and tracks min/max over the block.
//! The buffered writer's per-item cost is one store into the array and one
//! increment; the sketch sees only blocks.
//!
//! # Guarantees (on top of [`Writer`]'s)
//!
//! The buffer is applied to the shard before every publication: when it is
//! full (the writer then publishes if its interval is due), on
//! [`BufferedWriter::flush`], [`BufferedWriter::publish_if_due`] and on drop,
//! also while a panicking thread unwinds. So
//!
//! * after `flush` or drop the ingest holds every item exactly once;
//! * a snapshot misses fewer than `publish_every + N` of this writer's items
//!   (the publication interval plus the buffer), see
//!   [`BufferedWriter::unpublished`];
//! * with `max_delay`, the clock is looked at when a full buffer is applied
//!   (every `N` items) instead of every 256 updates.
//!
//! The protocol between writers and readers is unchanged: the buffer is
//! private to the writer's thread and never seen by readers.

use distilled_core::{EmptyLike, MergeError, Mergeable, Update};

use crate::{Ingest, Writer};

/// Default buffer length of a [`BufferedWriter`] (items).
///
/// Large enough that the bulk paths reach their block speed (Theta hashes
/// blocks of 8 or 16; t-digest and KLL copy a block into their own buffers),
/// small enough that the array stays in L1 and adds little staleness.
pub const DEFAULT_BUFFER: usize = 512;

/// A bulk update that applies every item of the slice to the sketch, in
/// order, for sketches without a faster bulk path of their own:
/// `ingest.buffered_writer(update_each)`.
pub fn update_each<S: Update<T>, T: Copy>(sketch: &mut S, items: &[T]) {
    for &x in items {
        sketch.update(x);
    }
}

/// A writer that buffers up to `N` items of type `T` and applies them with a
/// bulk update function.
///
/// Created by [`Ingest::buffered_writer`] (buffer [`DEFAULT_BUFFER`]) or
/// [`BufferedWriter::new`] (any `N >= 1`). `bulk` must have the same effect
/// as updating the sketch with each item in turn; the sketch crates' bulk
/// methods (`TDigest::add_many`, `ThetaSketch::update_many`,
/// `KllSketch::update_slice`) do, and [`update_each`] is the generic
/// fallback.
///
/// ```
/// # use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
/// # #[derive(Clone, Default)] struct Count(u64);
/// # impl Mergeable for Count { fn merge(&mut self, o: &Self) -> Result<(), MergeError> { self.0 += o.0; Ok(()) } }
/// # impl EmptyLike for Count { fn empty_like(&self) -> Self { Count(0) } }
/// # impl Update<f64> for Count { fn update(&mut self, _: f64) { self.0 += 1 } }
/// # impl Count { fn add_many(&mut self, xs: &[f64]) { self.0 += xs.len() as u64 } }
/// use distilled_ingest::Ingest;
///
/// let ingest = Ingest::new(Count(0));
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         // any `fn(&mut S, &[T])`: here the sketch's own bulk method
///         let mut w = ingest.buffered_writer(Count::add_many);
///         s.spawn(move || {
///             for i in 0..1000 { w.update(i as f64) }
///         }); // dropping `w` applies its buffer and publishes
///     }
/// });
/// assert_eq!(ingest.snapshot().unwrap().0, 2000);
/// ```
pub struct BufferedWriter<S, T, const N: usize = DEFAULT_BUFFER>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    /// Items in `core.buf`. Kept outside the box on purpose: the cold path
    /// gets only the box, so a writer held in a local variable never has its
    /// address taken and the compiler keeps `len` in a register across a
    /// loop of updates, instead of loading and storing it on every update
    /// (docs/bench-ingest.md, round 4).
    len: usize,
    core: Box<BufferCore<S, T, N>>,
}

/// Everything of a [`BufferedWriter`] but its fill level.
struct BufferCore<S, T, const N: usize>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    writer: Writer<S>,
    bulk: fn(&mut S, &[T]),
    buf: [T; N],
}

impl<S, T, const N: usize> BufferCore<S, T, N>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    /// Applies the first `len` buffered items to the shard, counting them
    /// towards the publication interval (which publishes if due).
    fn apply(&mut self, len: usize) {
        let Some(items) = self.buf.get(..len).filter(|items| !items.is_empty()) else {
            return;
        };
        let bulk = self.bulk;
        self.writer.update_with(len as u64, |s| bulk(s, items));
    }

    /// Applies a full buffer, then starts the next one with `item`; returns
    /// the new fill level.
    #[cold]
    #[inline(never)]
    fn apply_then_push(&mut self, len: usize, item: T) -> usize {
        self.apply(len);
        match self.buf.first_mut() {
            Some(slot) => {
                *slot = item;
                1
            }
            // N == 0: nothing to buffer in.
            None => {
                let bulk = self.bulk;
                self.writer.update_with(1, |s| bulk(s, &[item]));
                0
            }
        }
    }
}

impl<S, T, const N: usize> std::fmt::Debug for BufferedWriter<S, T, N>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferedWriter")
            .field("buffered", &self.len)
            .field("capacity", &N)
            .field("writer", &self.core.writer)
            .finish_non_exhaustive()
    }
}

impl<S: Mergeable + EmptyLike + Clone + Send> Ingest<S> {
    /// Registers a new writer that buffers [`DEFAULT_BUFFER`] items and
    /// applies them with `bulk` (see [`BufferedWriter`]).
    pub fn buffered_writer<T: Copy + Default>(
        &self,
        bulk: fn(&mut S, &[T]),
    ) -> BufferedWriter<S, T> {
        BufferedWriter::new(self, bulk)
    }
}

impl<S, T, const N: usize> BufferedWriter<S, T, N>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    /// Registers a new writer on `ingest` with a buffer of `N` items
    /// (`N = 0` is treated as no buffering: every item goes straight to
    /// `bulk`). The buffer is an array inside the writer, so keep `N` small
    /// (hundreds to a few thousand): it adds to staleness and to the
    /// writer's size, and the bulk paths gain nothing from longer blocks.
    pub fn new(ingest: &Ingest<S>, bulk: fn(&mut S, &[T])) -> Self
    where
        S: Send,
        T: Default,
    {
        BufferedWriter {
            len: 0,
            core: Box::new(BufferCore {
                writer: ingest.writer(),
                bulk,
                buf: [T::default(); N],
            }),
        }
    }

    /// Adds `item`; when the buffer is full, applies it to the shard first
    /// (and publishes if the interval is due).
    #[inline]
    pub fn update(&mut self, item: T) {
        match self.core.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = item;
                self.len += 1;
            }
            None => {
                // Cleared first: if `bulk` panics, the drop that follows
                // must not apply the items a second time.
                let full = std::mem::take(&mut self.len);
                self.len = self.core.apply_then_push(full, item);
            }
        }
    }

    /// Adds every item of `items`: the buffer is applied first, then the
    /// slice goes to `bulk` directly in blocks of `N` (no copy), publishing
    /// between blocks when due, so staleness stays bounded.
    pub fn update_slice(&mut self, items: &[T]) {
        self.apply();
        let bulk = self.core.bulk;
        for block in items.chunks(N.max(1)) {
            self.core
                .writer
                .update_with(block.len() as u64, |s| bulk(s, block));
        }
    }

    /// Applies the buffered items to the shard (see [`BufferCore::apply`]).
    fn apply(&mut self) {
        // Cleared first: if `bulk` panics the items are not applied twice
        // by the drop that follows (the sketch's state is suspect anyway).
        let n = std::mem::take(&mut self.len);
        self.core.apply(n);
    }

    /// Applies the buffer, then publishes everything this writer holds (see
    /// [`Writer::flush`]).
    pub fn flush(&mut self) -> Result<(), MergeError> {
        self.apply();
        self.core.writer.flush()
    }

    /// Applies the buffer, then publishes if the interval or `max_delay` is
    /// due. Call it from idle loops.
    pub fn publish_if_due(&mut self) {
        self.apply();
        self.core.writer.publish_if_due();
    }

    /// Items added through this handle and not yet published (buffered or
    /// applied): fewer than `publish_every + N`.
    pub fn unpublished(&self) -> u64 {
        self.core.writer.unpublished() + self.len as u64
    }

    /// Items waiting in the buffer.
    pub fn buffered(&self) -> &[T] {
        self.core.buf.get(..self.len).unwrap_or_default()
    }

    /// Applies the buffer and returns the shard: everything this writer has
    /// seen, published or not.
    pub fn shard(&mut self) -> &S {
        self.apply();
        self.core.writer.shard()
    }

    /// Runs `f` on the shard after applying the buffer, counting it as
    /// `updates` updates (see [`Writer::update_with`]).
    pub fn update_with(&mut self, updates: u64, f: impl FnOnce(&mut S)) {
        self.apply();
        self.core.writer.update_with(updates, f);
    }
}

/// Like [`Writer`], a buffered writer can stand in for a sketch in code
/// generic over [`Update`].
impl<S, T, const N: usize> Update<T> for BufferedWriter<S, T, N>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    #[inline]
    fn update(&mut self, item: T) {
        BufferedWriter::update(self, item);
    }
}

impl<S, T, const N: usize> Drop for BufferedWriter<S, T, N>
where
    S: Mergeable + EmptyLike + Clone,
    T: Copy,
{
    fn drop(&mut self) {
        // The inner writer's own drop (run right after this) publishes the
        // shard and retires the slot.
        self.apply();
    }
}
