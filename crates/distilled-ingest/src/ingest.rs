//! The sharded ingest layer: [`Ingest`], its [`Writer`] handles and the
//! publication protocol between them.
//!
//! # Protocol: cumulative snapshots
//!
//! Every writer owns a private sketch (its *shard*) for its whole life and a
//! [`Slot`] shared with readers. A slot has two *cells*, each a
//! `Mutex<Option<Published>>` used purely as a safe ownership cell; a
//! publication is an `Arc` of a copy of the shard tagged with a sequence
//! number that grows with every publication of that writer.
//!
//! * **Update** touches the shard only: no atomics, no locks. (A
//!   [`crate::BufferedWriter`] first collects items in a private array and
//!   applies them to the shard a block at a time, always before publishing;
//!   the protocol below does not see the difference.)
//! * **Publish** (every `publish_every` updates, on [`Writer::flush`], when
//!   `max_delay` has passed, and on drop) copies the whole shard into an
//!   `Arc` and puts it into a cell with `try_lock`, *replacing* whatever was
//!   there. The shard itself is kept, so there is no fresh sketch to grow
//!   again and no merge on this path: for array-based sketches a copy is a
//!   few `memcpy`s. The replaced publication becomes the writer's spare: the
//!   next publication is written over it with `clone_from` if no reader
//!   still holds it, so a steady writer allocates nothing. The writer does
//!   not wait: readers are serialised among
//!   themselves, a reader holds a cell only for an `Arc` clone, and the writer
//!   tries the cells in the opposite order to readers, so one of the two is
//!   free unless a whole new read reached the slot between its two attempts.
//!   Then a periodic publication is simply postponed to the next update
//!   (nothing is lost: the next one carries everything), while `flush` and
//!   drop retry.
//! * **Read** (slot bookkeeping serialised by the reader lock) adopts newly
//!   registered slots, then for each slot reads its `retired` flag, *then*
//!   takes the newest publication of its two cells (the higher sequence
//!   number). A retired slot's newest publication is the writer's final state:
//!   it is merged once into the *retired accumulator* and the slot is dropped.
//!   A live slot's newest publication is merged, together with the
//!   accumulator, into the result of this read only. Reading the flag before
//!   the cells is what makes a departing writer's last publication safe: the
//!   writer deposits first and retires second, so a slot seen retired has
//!   nothing newer to come. (Reading the cells first and the flag second
//!   would fold an older publication into the accumulator and lose the final
//!   one; `tests/loom.rs` shows loom finding that bug under
//!   `--cfg broken_ordering`.)
//!
//! Readers never wait for writers that are idle (an idle writer holds no
//! lock); they wait at most for one in-progress pointer swap per cell.
//!
//! # Why not deltas
//!
//! The previous protocol published *deltas*: the writer swapped its shard for
//! `empty_like()` and readers merged each delta into a running total. For
//! real sketches that cost more than the updates themselves (a Theta table
//! regrowing from 2^7 slots after every publication, a t-digest buffer
//! allocated per publication, and a union or merge per 4096-item delta), see
//! docs/benchmarks.md. Cumulative snapshots move the merge to readers,
//! which pay one merge per live writer per read instead of one per
//! publication, and keep the writer's cost at one clone per interval.

use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use distilled_core::{EmptyLike, MergeError, Mergeable, Update};

use crate::sync::{self, Arc, AtomicBool, AtomicUsize, Mutex, Ordering};

/// Default number of updates a writer makes between publications.
///
/// Each publication clones the writer's shard. At 16384 that clone costs a
/// Theta sketch of lg_k 12 about 15% over the plain sketch (about 30% at
/// 4096, nothing measurable at 65536); KLL and t-digest are insensitive
/// above 4096 (docs/benchmarks.md). Lower it where readers need fresher
/// snapshots: staleness per writer is below this many updates.
pub const DEFAULT_PUBLISH_EVERY: u64 = 16384;

/// How often (in updates) a writer with a `max_delay` looks at the clock.
const CLOCK_CHECK_EVERY: u64 = 256;

/// One publication: a copy of a writer's whole shard.
struct Published<S> {
    /// Grows with every publication of the writer; the newest one wins.
    seq: u64,
    state: Arc<S>,
}

/// One writer's publication mailbox, shared with readers.
struct Slot<S> {
    /// Two cells so that the writer always finds one free (see module docs).
    cells: [Mutex<Option<Published<S>>>; 2],
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

    /// Puts `p` into a free cell and returns what it replaced; gives `p`
    /// back if both cells are held (impossible while the protocol holds).
    fn deposit(&self, p: Published<S>) -> Result<Option<Published<S>>, Published<S>> {
        // Readers look at cell 0 then cell 1; trying them in the opposite
        // order means a writer that finds cell 1 busy finds cell 0 free
        // unless a whole new read reached this slot in between.
        for cell in self.cells.iter().rev() {
            let Some(mut guard) = sync::try_lock(cell) else {
                continue;
            };
            // The replaced copy leaves the cell with the guard released:
            // the writer recycles or frees it outside.
            return Ok(guard.replace(p));
        }
        Err(p)
    }

    /// The newest publication in the cells, if any.
    fn latest(&self) -> Option<Arc<S>> {
        let mut best: Option<(u64, Arc<S>)> = None;
        for cell in &self.cells {
            // Hold the cell only for an `Arc` clone; merge outside it.
            let seen = sync::lock(cell)
                .as_ref()
                .map(|p| (p.seq, Arc::clone(&p.state)));
            if let Some((seq, state)) = seen
                && best.as_ref().is_none_or(|(b, _)| seq > *b)
            {
                best = Some((seq, state));
            }
        }
        best.map(|(_, s)| s)
    }
}

/// What readers keep between reads.
struct ReaderState<S> {
    /// The final states of departed writers, merged.
    retired: S,
    /// Slots of live writers (and of retired ones not yet folded in).
    slots: Vec<Arc<CachePadded<Slot<S>>>>,
    /// Final states the accumulator refused to merge, kept so that nothing
    /// is dropped (retried on every read).
    unmerged: Vec<Arc<S>>,
}

struct Shared<S> {
    reader: Mutex<ReaderState<S>>,
    /// Slots registered since the last read; writers touch this only when
    /// they are created.
    newcomers: Mutex<Vec<Arc<CachePadded<Slot<S>>>>>,
    live_writers: AtomicUsize,
    prototype: Mutex<S>,
    publish_every: u64,
    max_delay: Option<Duration>,
}

/// Configures an [`Ingest`].
///
/// ```
/// # use distilled_ingest::Ingest;
/// # #[derive(Clone, Default)] struct Count(u64);
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

impl<S: Mergeable + EmptyLike + Clone + Send> IngestBuilder<S> {
    /// Publish after this many updates (at least 1). Bounds how many updates
    /// of one writer a snapshot can miss: at most `publish_every - 1`.
    ///
    /// Each publication clones the writer's whole shard, so the cost per
    /// update is about `clone / publish_every`: for a Theta sketch of
    /// lg_k 12 (a 64 KiB table) the clone is worth about 2500 plain updates,
    /// so 4096 costs about 30% and the default 16384 about 15%. Raise it for
    /// large sketches that can tolerate more staleness.
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
        let retired = self.prototype.empty_like();
        Ingest {
            shared: Arc::new(Shared {
                reader: Mutex::new(ReaderState {
                    retired,
                    slots: Vec::new(),
                    unmerged: Vec::new(),
                }),
                newcomers: Mutex::new(Vec::new()),
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
///   holds exactly the updates made: a read merges, for each writer, exactly
///   one copy of its state (its newest publication while it lives, its final
///   state once, into the retired accumulator, when it has left).
/// * **Bounded staleness.** A snapshot taken while writers run misses, per
///   writer, only what that writer has not yet published: fewer than
///   `publish_every` updates, and (with `max_delay`) nothing older than
///   `max_delay` at the writer's latest update.
/// * **Departures.** A dropped writer publishes what it holds (also when its
///   thread is unwinding from a panic); what it published is never lost.
/// * **Progress.** Updates never synchronise; publication never waits;
///   readers wait only for each other and for pointer swaps in progress,
///   never for idle writers.
///
/// Costs: a writer pays one clone of its shard per publication and nothing
/// per update; memory per writer is its shard, one publication and one
/// spare copy kept for the next publication (plus a publication in the second
/// cell when one had to go there, and any an in-flight read still holds); a
/// read pays one merge per
/// live writer (so frequent reads with many writers cost more than with the
/// delta protocol this replaced; see the `ingest` module docs).
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

impl<S: Mergeable + EmptyLike + Clone + Send> Ingest<S> {
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
    ///
    /// Each update through it is one call to the sketch's `update`; for
    /// sketches with a bulk path, [`Ingest::buffered_writer`] is faster.
    pub fn writer(&self) -> Writer<S> {
        let local = sync::lock(&self.shared.prototype).empty_like();
        let slot = Arc::new(CachePadded::new(Slot::new()));
        sync::lock(&self.shared.newcomers).push(Arc::clone(&slot));
        self.shared.live_writers.fetch_add(1, Ordering::Relaxed);
        let mut w = Writer {
            shared: Arc::clone(&self.shared),
            slot,
            local,
            pending_at_arm: 0,
            armed: 0,
            countdown: 0,
            seq: 0,
            publish_every: self.shared.publish_every,
            max_delay: self.shared.max_delay,
            last_publish: self.shared.max_delay.map(|_| Instant::now()),
            spare: None,
        };
        w.arm();
        w
    }

    /// Number of writers not yet dropped.
    pub fn live_writers(&self) -> usize {
        self.shared.live_writers.load(Ordering::Relaxed)
    }

    /// Calls `f` with the merge of everything published so far.
    ///
    /// Returns an error if a publication could not be merged (a departed
    /// writer's refused state is kept and retried on every read; nothing is
    /// dropped).
    pub fn read<R>(&self, f: impl FnOnce(&S) -> R) -> Result<R, MergeError> {
        let merged = self.collect()?;
        Ok(f(&merged))
    }

    /// A copy of the merge of everything published so far.
    pub fn snapshot(&self) -> Result<S, MergeError> {
        self.collect()
    }

    /// Folds departed writers into the accumulator, then merges the newest
    /// publication of every live writer into a copy of it.
    fn collect(&self) -> Result<S, MergeError> {
        let mut first_error = None;
        let mut live = Vec::new();
        let mut out = {
            let mut st = sync::lock(&self.shared.reader);
            let st = &mut *st;
            st.slots.append(&mut sync::lock(&self.shared.newcomers));
            for state in std::mem::take(&mut st.unmerged) {
                fold_retired(st, state, &mut first_error);
            }
            let mut i = 0;
            while i < st.slots.len() {
                let slot = Arc::clone(&st.slots[i]);
                // The flag must be read before the cells: a writer retires
                // only after its final deposit, so `retired == true` here
                // means `latest` below returns that final state.
                #[cfg(not(broken_ordering))]
                let retired = slot.retired.load(Ordering::Acquire);
                let latest = slot.latest();
                #[cfg(broken_ordering)]
                let retired = slot.retired.load(Ordering::Acquire);
                if retired {
                    if let Some(state) = latest {
                        fold_retired(st, state, &mut first_error);
                    }
                    st.slots.swap_remove(i);
                } else {
                    live.extend(latest);
                    i += 1;
                }
            }
            st.retired.clone()
        };
        // Merging live publications needs no lock: they are immutable.
        for state in live {
            if let Err(e) = out.merge(&state) {
                first_error.get_or_insert(e);
            }
        }
        match first_error {
            None => Ok(out),
            Some(e) => Err(e),
        }
    }
}

fn fold_retired<S: Mergeable>(
    st: &mut ReaderState<S>,
    state: Arc<S>,
    first_error: &mut Option<MergeError>,
) {
    if let Err(e) = st.retired.merge(&state) {
        st.unmerged.push(state);
        first_error.get_or_insert(e);
    }
}

/// One producer's handle: owns a private shard that updates go to.
///
/// `Send` but not shared: move it into the thread that produces. Dropping it
/// publishes what it holds.
pub struct Writer<S: Mergeable + EmptyLike + Clone> {
    shared: Arc<Shared<S>>,
    slot: Arc<CachePadded<Slot<S>>>,
    local: S,
    /// Unpublished updates when the countdown was last armed.
    pending_at_arm: u64,
    /// The value the countdown was armed with.
    armed: u64,
    /// Updates left before the writer next looks at its interval and clock.
    /// One decrement and a branch per update: the cheapest check there is.
    countdown: u64,
    seq: u64,
    publish_every: u64,
    max_delay: Option<Duration>,
    last_publish: Option<Instant>,
    /// The publication the last deposit replaced, kept to be overwritten
    /// (with `clone_from`) by the next one instead of allocating a new copy
    /// and freeing the old: page faults and frees on every publication
    /// slowed writers down and, through the kernel, each other.
    spare: Option<Arc<S>>,
}

impl<S: Mergeable + EmptyLike + Clone> std::fmt::Debug for Writer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("unpublished", &self.unpublished())
            .field("publish_every", &self.publish_every)
            .finish_non_exhaustive()
    }
}

impl<S: Mergeable + EmptyLike + Clone> Writer<S> {
    /// Adds `item` to this writer's shard; publishes when due.
    #[inline]
    pub fn update<T>(&mut self, item: T)
    where
        S: Update<T>,
    {
        self.local.update(item);
        self.countdown -= 1;
        if self.countdown == 0 {
            self.publish_if_due();
        }
    }

    /// Runs `f` on the shard (for batch paths such as `update_many`) and
    /// counts it as `updates` updates towards the publication interval.
    pub fn update_with(&mut self, updates: u64, f: impl FnOnce(&mut S)) {
        f(&mut self.local);
        self.pending_at_arm = self.pending_at_arm.saturating_add(updates.max(1));
        self.publish_if_due();
    }

    /// Publishes if `publish_every` updates are waiting or `max_delay` has
    /// passed since the last publication. Call it from idle loops.
    #[cold]
    pub fn publish_if_due(&mut self) {
        let pending = self.unpublished();
        if pending == 0 {
            return self.arm();
        }
        let due = pending >= self.publish_every
            || match (self.max_delay, self.last_publish) {
                (Some(d), Some(t)) => t.elapsed() >= d,
                _ => false,
            };
        if due {
            let p = self.snapshot_for_readers();
            match self.slot.deposit(p) {
                Ok(replaced) => self.published(replaced),
                // Kept for the next attempt.
                Err(back) => self.spare = Some(back.state),
            }
        }
        // Otherwise not due, or both cells were busy: `arm` sets the next
        // check (the very next update when a publication is overdue).
        self.arm();
    }

    /// Sets the countdown to the next point where a publication may be due:
    /// the end of the interval, or the next clock reading with `max_delay`.
    fn arm(&mut self) {
        let pending = self.unpublished();
        let mut next = self.publish_every.saturating_sub(pending).max(1);
        if self.max_delay.is_some() {
            next = next.min(CLOCK_CHECK_EVERY - pending % CLOCK_CHECK_EVERY);
        }
        self.pending_at_arm = pending;
        self.armed = next;
        self.countdown = next;
    }

    /// Publishes everything this writer holds, so that the next snapshot
    /// includes it.
    ///
    /// Publication never merges (it replaces the writer's previous
    /// publication), so this does not fail today; merge errors surface in
    /// [`Ingest::read`]. The `Result` is kept for sketches whose publication
    /// might fail in future protocols.
    pub fn flush(&mut self) -> Result<(), MergeError> {
        if self.unpublished() > 0 {
            self.publish_now();
        }
        Ok(())
    }

    /// Updates made through this handle and not yet published.
    pub fn unpublished(&self) -> u64 {
        self.pending_at_arm + (self.armed - self.countdown)
    }

    /// The shard: everything this writer has seen, published or not.
    pub fn shard(&self) -> &S {
        &self.local
    }

    /// A copy of the shard to publish, written over the spare when no reader
    /// still holds it (with `clone_from`, which reuses the copy's memory for
    /// sketches that implement it; the workspace's sketches do).
    fn snapshot_for_readers(&mut self) -> Published<S> {
        let state = match self.spare.take() {
            Some(mut spare) => {
                if let Some(copy) = Arc::get_mut(&mut spare) {
                    copy.clone_from(&self.local);
                    spare
                } else {
                    // A reader is still merging it: it frees it when done.
                    Arc::new(self.local.clone())
                }
            }
            None => Arc::new(self.local.clone()),
        };
        Published {
            seq: self.seq + 1,
            state,
        }
    }

    fn published(&mut self, replaced: Option<Published<S>>) {
        self.spare = replaced.map(|p| p.state);
        self.seq += 1;
        self.pending_at_arm = 0;
        self.armed = 0;
        self.countdown = 0;
        if self.max_delay.is_some() {
            self.last_publish = Some(Instant::now());
        }
        self.arm();
    }

    /// Publishes, retrying while both cells are busy (readers are making
    /// progress then, so this terminates). Used where the caller must know
    /// the data went out: `flush` and drop.
    fn publish_now(&mut self) {
        let mut p = self.snapshot_for_readers();
        loop {
            match self.slot.deposit(p) {
                Ok(replaced) => {
                    self.published(replaced);
                    return;
                }
                Err(back) => {
                    p = back;
                    sync::yield_now();
                }
            }
        }
    }
}

/// A writer is a sketch to code that only updates: it can be handed to any
/// function generic over [`Update`].
impl<S, T> Update<T> for Writer<S>
where
    S: Mergeable + EmptyLike + Clone + Update<T>,
{
    #[inline]
    fn update(&mut self, item: T) {
        Writer::update(self, item);
    }
}

impl<S: Mergeable + EmptyLike + Clone> Drop for Writer<S> {
    fn drop(&mut self) {
        if self.unpublished() > 0 {
            self.publish_now();
        }
        // After the final deposit: a reader that sees the flag will take it.
        self.slot.retired.store(true, Ordering::Release);
        self.shared.live_writers.fetch_sub(1, Ordering::Relaxed);
    }
}
