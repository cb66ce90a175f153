//! The sharded ingest layer: [`Ingest`], its [`Writer`] handles and the
//! publication protocol between them.
//!
//! # Protocol
//!
//! Every writer owns a private sketch (its *shard*) and a [`Slot`] shared with
//! readers. A slot has two *cells*, each a `Mutex<Option<S>>` used purely as a
//! safe ownership cell:
//!
//! * **Update** touches the shard only: no atomics, no locks.
//! * **Publish** (every `publish_every` updates, on [`Writer::flush`], when
//!   `max_delay` has passed, and on drop) swaps the shard for a fresh empty one
//!   and deposits the full one into a cell with `try_lock`: moved in if the
//!   cell is empty, merged into what is there otherwise. The writer does not
//!   wait: readers are serialised among themselves, a reader holds at most
//!   one cell of a slot at a time and only for an `Option::take`, and the
//!   writer tries the cells in the opposite order to readers, so one of the
//!   two is free unless a whole new read reached the slot between its two
//!   attempts. Then a periodic publication is simply postponed to the next
//!   update (nothing is lost), while `flush` and drop retry.
//! * **Read** (serialised by the reader lock) adopts newly registered slots,
//!   then for each slot reads its `retired` flag, *then* takes both cells and
//!   merges them into the running total, and drops the slot if it was retired.
//!   Reading the flag before draining is what makes a departing writer's last
//!   publication safe: the writer deposits first and retires second, so a slot
//!   seen retired has nothing left to deposit. (Draining first and checking
//!   second would lose a deposit made in between; `tests/loom.rs` shows loom
//!   finding that bug under `--cfg broken_ordering`.)
//!
//! Readers never wait for writers that are idle (an idle writer holds no
//! lock); they wait at most for one in-progress deposit per cell.

use std::mem;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use distilled_core::{EmptyLike, MergeError, Mergeable, Update};

use crate::sync::{self, Arc, AtomicBool, AtomicUsize, Mutex, MutexGuard, Ordering};

/// Default number of updates a writer buffers before publishing.
pub const DEFAULT_PUBLISH_EVERY: u64 = 4096;

/// How often (in updates) a writer with a `max_delay` looks at the clock.
const CLOCK_CHECK_MASK: u64 = 255;

/// One writer's publication mailbox, shared with readers.
struct Slot<S> {
    /// Two cells so that the writer always finds one free (see module docs).
    cells: [Mutex<Option<S>>; 2],
    /// Set (Release) by the writer after its final deposit.
    retired: AtomicBool,
}

impl<S> Slot<S> {
    fn new() -> Self {
        Slot {
            cells: [Mutex::new(None), Mutex::new(None)],
            retired: AtomicBool::new(false),
        }
    }
}

/// Why a deposit did not happen; the delta comes back to the writer.
enum DepositError {
    /// Both cells were held (impossible while the protocol holds).
    Busy,
    /// The sketch refused the merge.
    Merge(MergeError),
}

impl<S: Mergeable> Slot<S> {
    fn deposit(&self, delta: S) -> Result<(), (S, DepositError)> {
        // Readers drain cell 0 then cell 1; trying them in the opposite
        // order means a writer that finds cell 1 busy finds cell 0 free
        // unless a whole new read reached this slot in between.
        for cell in self.cells.iter().rev() {
            let Some(mut guard) = sync::try_lock(cell) else {
                continue;
            };
            return match guard.as_mut() {
                None => {
                    *guard = Some(delta);
                    Ok(())
                }
                Some(acc) => acc
                    .merge(&delta)
                    .map_err(|e| (delta, DepositError::Merge(e))),
            };
        }
        Err((delta, DepositError::Busy))
    }
}

/// What readers keep between snapshots.
struct ReaderState<S> {
    /// Everything drained so far, merged.
    total: S,
    /// Slots of live writers (and of retired ones not yet drained).
    slots: Vec<Arc<CachePadded<Slot<S>>>>,
    /// Deltas the total refused to merge, kept so that nothing is dropped.
    unmerged: Vec<S>,
}

struct Shared<S> {
    reader: Mutex<ReaderState<S>>,
    /// Slots registered since the last read; writers touch this only when
    /// they are created.
    newcomers: Mutex<Vec<Arc<CachePadded<Slot<S>>>>>,
    /// Deltas a dropped writer could not deposit because the merge failed.
    orphans: Mutex<Vec<S>>,
    live_writers: AtomicUsize,
    prototype: Mutex<S>,
    publish_every: u64,
    max_delay: Option<Duration>,
}

/// Configures an [`Ingest`].
///
/// ```
/// # use distilled_ingest::Ingest;
/// # #[derive(Default)] struct Count(u64);
/// # impl distilled_core::Mergeable for Count { fn merge(&mut self, o: &Self) -> Result<(), distilled_core::MergeError> { self.0 += o.0; Ok(()) } }
/// # impl distilled_core::EmptyLike for Count { fn empty_like(&self) -> Self { Count(0) } }
/// use std::time::Duration;
/// let ingest = Ingest::builder(Count(0))
///     .publish_every(1000)
///     .max_delay(Duration::from_millis(50))
///     .build();
/// ```
#[derive(Debug, Clone)]
pub struct IngestBuilder<S> {
    prototype: S,
    publish_every: u64,
    max_delay: Option<Duration>,
}

impl<S: Mergeable + EmptyLike + Send> IngestBuilder<S> {
    /// Publish after this many updates (at least 1). Bounds how many updates
    /// of one writer a snapshot can miss: at most `publish_every - 1`.
    pub fn publish_every(mut self, n: u64) -> Self {
        self.publish_every = n.max(1);
        self
    }

    /// Also publish when an update finds the last publication older than
    /// `d` (the clock is read once every 256 updates, so this costs nothing
    /// measurable). An idle writer cannot publish by itself: call
    /// [`Writer::flush`] or [`Writer::publish_if_due`] when going idle.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = Some(d);
        self
    }

    /// Builds the ingest; `prototype` only provides the configuration
    /// (through [`EmptyLike`]), its content is not counted.
    pub fn build(self) -> Ingest<S> {
        let total = self.prototype.empty_like();
        Ingest {
            shared: Arc::new(Shared {
                reader: Mutex::new(ReaderState {
                    total,
                    slots: Vec::new(),
                    unmerged: Vec::new(),
                }),
                newcomers: Mutex::new(Vec::new()),
                orphans: Mutex::new(Vec::new()),
                live_writers: AtomicUsize::new(0),
                prototype: Mutex::new(self.prototype),
                publish_every: self.publish_every,
                max_delay: self.max_delay,
            }),
        }
    }
}

/// A multi-writer front for a mergeable sketch.
///
/// Cheap to clone (a shared handle). Create one [`Writer`] per producing
/// thread with [`Ingest::writer`]; read a merged view at any time with
/// [`Ingest::snapshot`] or [`Ingest::read`].
///
/// Guarantees:
///
/// * **Exactness.** Once every writer has flushed or been dropped, a snapshot
///   holds exactly the updates made: every update is in exactly one published
///   delta, and every delta is merged into the total exactly once.
/// * **Bounded staleness.** A snapshot taken while writers run misses, per
///   writer, only what that writer has not yet published: fewer than
///   `publish_every` updates, and (with `max_delay`) nothing older than
///   `max_delay` at the writer's latest update.
/// * **Departures.** A dropped writer publishes what it holds (also when its
///   thread is unwinding from a panic); what it published is never lost.
/// * **Progress.** Updates never synchronise; publication never waits;
///   readers wait only for each other and for deposits in progress, never for
///   idle writers.
pub struct Ingest<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for Ingest<S> {
    fn clone(&self) -> Self {
        Ingest {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S> std::fmt::Debug for Ingest<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("publish_every", &self.shared.publish_every)
            .field("max_delay", &self.shared.max_delay)
            .field(
                "live_writers",
                &self.shared.live_writers.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl<S: Mergeable + EmptyLike + Send> Ingest<S> {
    /// An ingest with default settings (publish every
    /// [`DEFAULT_PUBLISH_EVERY`] updates, no time limit).
    pub fn new(prototype: S) -> Self {
        Self::builder(prototype).build()
    }

    /// Starts configuring an ingest whose shards are `prototype.empty_like()`.
    pub fn builder(prototype: S) -> IngestBuilder<S> {
        IngestBuilder {
            prototype,
            publish_every: DEFAULT_PUBLISH_EVERY,
            max_delay: None,
        }
    }

    /// Registers a new writer. Writers may come and go at any time.
    pub fn writer(&self) -> Writer<S> {
        let local = sync::lock(&self.shared.prototype).empty_like();
        let slot = Arc::new(CachePadded::new(Slot::new()));
        sync::lock(&self.shared.newcomers).push(Arc::clone(&slot));
        self.shared.live_writers.fetch_add(1, Ordering::Relaxed);
        Writer {
            shared: Arc::clone(&self.shared),
            slot,
            local,
            pending: 0,
            publish_every: self.shared.publish_every,
            max_delay: self.shared.max_delay,
            last_publish: self.shared.max_delay.map(|_| Instant::now()),
            error: None,
        }
    }

    /// Number of writers not yet dropped.
    pub fn live_writers(&self) -> usize {
        self.shared.live_writers.load(Ordering::Relaxed)
    }

    /// Calls `f` with the merge of everything published so far.
    ///
    /// Returns an error if a published delta could not be merged (the delta
    /// is kept and retried on the next read; the total stays consistent).
    pub fn read<R>(&self, f: impl FnOnce(&S) -> R) -> Result<R, MergeError> {
        let state = self.collect()?;
        Ok(f(&state.total))
    }

    /// A copy of the merge of everything published so far.
    pub fn snapshot(&self) -> Result<S, MergeError>
    where
        S: Clone,
    {
        self.read(S::clone)
    }

    /// Drains every slot into the running total and returns the reader state.
    fn collect(&self) -> Result<MutexGuard<'_, ReaderState<S>>, MergeError> {
        let mut st = sync::lock(&self.shared.reader);
        let st_ref = &mut *st;
        st_ref.slots.append(&mut sync::lock(&self.shared.newcomers));
        let mut first_error = None;
        let mut retry = mem::take(&mut st_ref.unmerged);
        retry.append(&mut sync::lock(&self.shared.orphans));
        for delta in retry {
            absorb(st_ref, delta, &mut first_error);
        }
        let mut i = 0;
        while i < st_ref.slots.len() {
            let slot = Arc::clone(&st_ref.slots[i]);
            // The flag must be read before the cells are drained: a writer
            // retires only after its final deposit, so `retired == true`
            // here means the drain below sees that deposit.
            #[cfg(not(broken_ordering))]
            let retired = slot.retired.load(Ordering::Acquire);
            for cell in &slot.cells {
                // Hold the cell only for the `take`; merge outside it.
                let taken = sync::lock(cell).take();
                if let Some(delta) = taken {
                    absorb(st_ref, delta, &mut first_error);
                }
            }
            #[cfg(broken_ordering)]
            let retired = slot.retired.load(Ordering::Acquire);
            if retired {
                st_ref.slots.swap_remove(i);
            } else {
                i += 1;
            }
        }
        match first_error {
            None => Ok(st),
            Some(e) => Err(e),
        }
    }
}

fn absorb<S: Mergeable>(st: &mut ReaderState<S>, delta: S, first_error: &mut Option<MergeError>) {
    if let Err(e) = st.total.merge(&delta) {
        st.unmerged.push(delta);
        first_error.get_or_insert(e);
    }
}

/// One producer's handle: owns a private shard that updates go to.
///
/// `Send` but not shared: move it into the thread that produces. Dropping it
/// publishes what it holds.
pub struct Writer<S: Mergeable + EmptyLike> {
    shared: Arc<Shared<S>>,
    slot: Arc<CachePadded<Slot<S>>>,
    local: S,
    pending: u64,
    publish_every: u64,
    max_delay: Option<Duration>,
    last_publish: Option<Instant>,
    error: Option<MergeError>,
}

impl<S: Mergeable + EmptyLike> std::fmt::Debug for Writer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("unpublished", &self.pending)
            .field("publish_every", &self.publish_every)
            .finish_non_exhaustive()
    }
}

impl<S: Mergeable + EmptyLike> Writer<S> {
    /// Adds `item` to this writer's shard; publishes when due.
    #[inline]
    pub fn update<T>(&mut self, item: T)
    where
        S: Update<T>,
    {
        self.local.update(item);
        self.pending += 1;
        if self.pending >= self.publish_every
            || (self.pending & CLOCK_CHECK_MASK == 0 && self.max_delay.is_some())
        {
            self.publish_if_due();
        }
    }

    /// Runs `f` on the shard (for batch paths such as `update_many`) and
    /// counts it as `updates` updates towards the publication interval.
    pub fn update_with(&mut self, updates: u64, f: impl FnOnce(&mut S)) {
        f(&mut self.local);
        self.pending = self.pending.saturating_add(updates.max(1));
        self.publish_if_due();
    }

    /// Publishes if `publish_every` updates are waiting or `max_delay` has
    /// passed since the last publication. Call it from idle loops.
    #[cold]
    pub fn publish_if_due(&mut self) {
        if self.pending == 0 {
            return;
        }
        let due = self.pending >= self.publish_every
            || match (self.max_delay, self.last_publish) {
                (Some(d), Some(t)) => t.elapsed() >= d,
                _ => false,
            };
        if due {
            self.publish();
        }
    }

    /// Publishes everything this writer holds, so that the next snapshot
    /// includes it. Returns the first merge error met since the last flush
    /// (the refused updates stay in the shard; nothing is dropped).
    pub fn flush(&mut self) -> Result<(), MergeError> {
        if self.pending > 0 {
            self.publish_now();
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Updates made through this handle and not yet published.
    pub fn unpublished(&self) -> u64 {
        self.pending
    }

    /// The shard's current, unpublished content.
    pub fn shard(&self) -> &S {
        &self.local
    }

    fn publish(&mut self) {
        let fresh = self.local.empty_like();
        let delta = mem::replace(&mut self.local, fresh);
        match self.slot.deposit(delta) {
            Ok(()) => {
                self.pending = 0;
                if self.max_delay.is_some() {
                    self.last_publish = Some(Instant::now());
                }
            }
            Err((delta, why)) => {
                // Keep the updates: they will go out with the next
                // publication (the fresh shard had nothing yet).
                self.local = delta;
                if let DepositError::Merge(e) = why {
                    self.error.get_or_insert(e);
                }
            }
        }
    }

    /// Publishes, retrying while both cells are busy (readers are making
    /// progress then, so this terminates). Used where the caller must know
    /// the data went out: `flush` and drop.
    fn publish_now(&mut self) {
        loop {
            let fresh = self.local.empty_like();
            let delta = mem::replace(&mut self.local, fresh);
            match self.slot.deposit(delta) {
                Ok(()) => {
                    self.pending = 0;
                    if self.max_delay.is_some() {
                        self.last_publish = Some(Instant::now());
                    }
                    return;
                }
                Err((delta, DepositError::Busy)) => {
                    self.local = delta;
                    sync::yield_now();
                }
                Err((delta, DepositError::Merge(e))) => {
                    self.local = delta;
                    self.error.get_or_insert(e);
                    return;
                }
            }
        }
    }
}

impl<S: Mergeable + EmptyLike> Drop for Writer<S> {
    fn drop(&mut self) {
        if self.pending > 0 {
            self.publish_now();
            if self.pending > 0 {
                // The merge was refused: hand the shard to the readers
                // directly so that it is counted (or its error reported).
                let fresh = self.local.empty_like();
                let delta = mem::replace(&mut self.local, fresh);
                sync::lock(&self.shared.orphans).push(delta);
            }
        }
        // After the final deposit: a reader that sees the flag will drain it.
        self.slot.retired.store(true, Ordering::Release);
        self.shared.live_writers.fetch_sub(1, Ordering::Relaxed);
    }
}
