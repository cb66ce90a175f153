//! Model checks of the publication protocol with loom.
//!
//! Run (as `cargo xtask ci` does):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p distilled-ingest --test loom --release --target-dir target/loom
//! ```
//!
//! Under `--cfg loom` the crate's private `sync` module swaps std's
//! `Mutex`, `Arc` and atomics for loom's, so each test below is run under
//! every interleaving (up to the preemption bound) of its threads.
//!
//! The protocol step whose order matters is the reader's "read the
//! `retired` flag, then take the newest publication from the cells" (the
//! writer deposits its final state, then retires). Adding
//! `--cfg broken_ordering` to RUSTFLAGS swaps the reader's two steps; loom
//! then finds the interleaving in which the reader takes an older
//! publication, the departing writer deposits its final state and retires in
//! between, and the reader folds the older state into the retired
//! accumulator and drops the slot: the final updates are lost. Every test in
//! which a writer departs mid-read fails (they are marked `should_panic`
//! under that cfg, so that run passes exactly when loom catches the bug):
//!
//! ```text
//! RUSTFLAGS="--cfg loom --cfg broken_ordering" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test -p distilled-ingest --test loom --release --target-dir target/loom
//! ```
#![cfg(loom)]

mod common;

use common::Tally;
use distilled_ingest::{BufferedWriter, Ingest, update_each};
use loom::thread;

fn ingest(every: u64) -> Ingest<Tally> {
    Ingest::builder(Tally::default())
        .publish_every(every)
        .build()
}

/// A snapshot is always a set of whole publications: here prefixes of 1, 2.
fn assert_prefix(t: Tally) {
    let ok = [Tally::of([]), Tally::of([1]), Tally::of([1, 2])];
    assert!(ok.contains(&t), "unexpected snapshot {t:?}");
}

#[test]
#[cfg_attr(broken_ordering, should_panic(expected = "left == right"))]
fn a_departing_writer_loses_nothing() {
    loom::model(|| {
        let ing = ingest(1);
        let mut w = ing.writer();
        let h = thread::spawn(move || {
            w.update(1);
            w.update(2);
            // drop: retire after the last deposit
        });
        assert_prefix(ing.snapshot().unwrap());
        h.join().unwrap();
        assert_eq!(ing.snapshot().unwrap(), Tally::of([1, 2]));
    });
}

#[test]
fn flush_is_visible_and_never_waits_out_concurrent_readers() {
    loom::model(|| {
        let ing = ingest(u64::MAX);
        let mut w = ing.writer();
        let r = ing.clone();
        let reader = thread::spawn(move || {
            let a = r.snapshot().unwrap();
            let b = r.snapshot().unwrap();
            assert!(a.n <= b.n, "snapshots go backwards: {a:?} then {b:?}");
            assert!(b == Tally::of([]) || b == Tally::of([1]) || b == Tally::of([1, 2]));
        });
        w.update(1);
        w.flush().unwrap();
        assert_eq!(w.unpublished(), 0);
        // Published data is visible to this thread's next read.
        assert!(ing.snapshot().unwrap().n >= 1);
        w.update(2);
        w.flush().unwrap();
        assert_eq!(w.unpublished(), 0);
        reader.join().unwrap();
        assert_eq!(ing.snapshot().unwrap(), Tally::of([1, 2]));
        drop(w);
        assert_eq!(ing.snapshot().unwrap(), Tally::of([1, 2]));
    });
}

/// From the third publication on, the writer writes over the copy the
/// previous deposit replaced, unless a reader still holds it: snapshots taken
/// meanwhile must still be whole publications, in order.
#[test]
fn a_reused_publication_is_never_one_a_reader_holds() {
    loom::model(|| {
        let ing = ingest(u64::MAX);
        let mut w = ing.writer();
        let r = ing.clone();
        let prefixes = [
            Tally::of([]),
            Tally::of([1]),
            Tally::of([1, 2]),
            Tally::of([1, 2, 3]),
        ];
        let reader = thread::spawn(move || {
            let a = r.snapshot().unwrap();
            let b = r.snapshot().unwrap();
            let rank = |t: &Tally| prefixes.iter().position(|p| p == t);
            let (ra, rb) = (rank(&a), rank(&b));
            assert!(ra.is_some() && rb.is_some(), "torn snapshot {a:?} / {b:?}");
            assert!(ra <= rb, "snapshots go backwards: {a:?} then {b:?}");
        });
        for i in 1..=3 {
            w.update(i);
            w.flush().unwrap();
        }
        reader.join().unwrap();
        assert_eq!(ing.snapshot().unwrap(), Tally::of([1, 2, 3]));
    });
}

#[test]
#[cfg_attr(broken_ordering, should_panic(expected = "left == right"))]
fn two_writers_and_a_reader_count_exactly() {
    loom::model(|| {
        let ing = ingest(1);
        let hs: Vec<_> = [10u64, 20]
            .into_iter()
            .map(|base| {
                let mut w = ing.writer();
                thread::spawn(move || {
                    w.update(base);
                    w.update(base + 1);
                })
            })
            .collect();
        let mid = ing.snapshot().unwrap();
        assert!(mid.n <= 4);
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(ing.snapshot().unwrap(), Tally::of([10, 11, 20, 21]));
    });
}

#[test]
#[cfg_attr(broken_ordering, should_panic(expected = "left == right"))]
fn writers_register_while_a_reader_reads() {
    loom::model(|| {
        let ing = ingest(1);
        let r = ing.clone();
        let h = thread::spawn(move || {
            let mut w = r.writer();
            w.update(7);
            drop(w);
            let mut w = r.writer();
            w.update(8);
        });
        let mid = ing.snapshot().unwrap();
        assert!(mid.n <= 2);
        h.join().unwrap();
        assert_eq!(ing.snapshot().unwrap(), Tally::of([7, 8]));
        assert_eq!(ing.live_writers(), 0);
    });
}

#[test]
#[cfg_attr(broken_ordering, should_panic(expected = "left == right"))]
fn two_readers_and_a_writer_count_each_update_once() {
    loom::model(|| {
        let ing = ingest(1);
        let mut w = ing.writer();
        let r = ing.clone();
        let reader = thread::spawn(move || r.snapshot().unwrap());
        let writer = thread::spawn(move || {
            w.update(1);
            w.update(2);
        });
        let mine = ing.snapshot().unwrap();
        let theirs = reader.join().unwrap();
        assert_prefix(mine);
        assert_prefix(theirs);
        writer.join().unwrap();
        assert_eq!(ing.snapshot().unwrap(), Tally::of([1, 2]));
    });
}

/// A buffered writer (buffer of 2) departing while a reader reads: its
/// drop applies the buffer, publishes and retires, in that order, so the
/// final snapshot holds every item and a mid-run one a published prefix
/// (never 3 without 1 and 2, never a buffered item before its drop).
#[test]
#[cfg_attr(broken_ordering, should_panic(expected = "left == right"))]
fn a_departing_buffered_writer_loses_nothing() {
    loom::model(|| {
        let ing = ingest(2);
        let mut w = BufferedWriter::<Tally, u64, 2>::new(&ing, update_each);
        let h = thread::spawn(move || {
            // 1 and 2 fill the buffer; 3 applies them (published: interval
            // 2 reached) and waits in the buffer until the drop.
            w.update(1);
            w.update(2);
            w.update(3);
        });
        let mid = ing.snapshot().unwrap();
        assert!(
            [Tally::of([]), Tally::of([1, 2]), Tally::of([1, 2, 3])].contains(&mid),
            "unexpected snapshot {mid:?}"
        );
        h.join().unwrap();
        assert_eq!(ing.snapshot().unwrap(), Tally::of([1, 2, 3]));
    });
}
