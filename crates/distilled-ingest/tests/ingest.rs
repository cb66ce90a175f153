//! The guarantees of `Ingest`, checked with an exact tally.

mod common;

use std::sync::Barrier;
use std::time::Duration;

use common::Tally;
use distilled_ingest::Ingest;

fn expected(threads: u64, per_thread: u64) -> Tally {
    Tally::of((0..threads).flat_map(|t| (0..per_thread).map(move |i| t * 1_000_000 + i)))
}

#[test]
fn exact_once_all_writers_are_dropped() {
    for every in [1, 7, 64, 4096] {
        let ingest = Ingest::builder(Tally::default())
            .publish_every(every)
            .build();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let mut w = ingest.writer();
                s.spawn(move || {
                    for i in 0..20_000 {
                        w.update(t * 1_000_000 + i);
                    }
                });
            }
        });
        assert_eq!(
            ingest.snapshot().unwrap(),
            expected(4, 20_000),
            "every={every}"
        );
        assert_eq!(ingest.live_writers(), 0);
    }
}

#[test]
fn exact_after_flush_with_writers_still_alive() {
    let ingest = Ingest::builder(Tally::default())
        .publish_every(1000)
        .build();
    let mut writers: Vec<_> = (0..3).map(|_| ingest.writer()).collect();
    for (t, w) in writers.iter_mut().enumerate() {
        for i in 0..2_500 {
            w.update(t as u64 * 1_000_000 + i);
        }
    }
    // Unflushed: each writer has 500 updates waiting.
    assert_eq!(ingest.snapshot().unwrap().n, 3 * 2_000);
    for w in &mut writers {
        assert_eq!(w.unpublished(), 500);
        w.flush().unwrap();
        assert_eq!(w.unpublished(), 0);
    }
    assert_eq!(ingest.snapshot().unwrap(), expected(3, 2_500));
    // Reading twice does not count twice.
    assert_eq!(ingest.snapshot().unwrap(), expected(3, 2_500));
    assert_eq!(ingest.live_writers(), 3);
}

#[test]
fn staleness_is_bounded_by_the_publication_interval() {
    let every = 100;
    let ingest = Ingest::builder(Tally::default())
        .publish_every(every)
        .build();
    let mut w = ingest.writer();
    for k in 1..=1_000u64 {
        w.update(k);
        let seen = ingest.snapshot().unwrap().n;
        assert_eq!(seen, k - k % every, "after {k} updates");
        assert!(k - seen < every);
    }
}

#[test]
fn concurrent_snapshots_are_monotone_and_never_exceed_the_input() {
    let ingest = Ingest::builder(Tally::default()).publish_every(97).build();
    let start = Barrier::new(3);
    std::thread::scope(|s| {
        for t in 0..2u64 {
            let mut w = ingest.writer();
            let start = &start;
            s.spawn(move || {
                start.wait();
                for i in 0..97 * 500 {
                    w.update(t * 1_000_000 + i);
                }
            });
        }
        start.wait();
        let mut last = 0;
        for _ in 0..200 {
            let n = ingest.snapshot().unwrap().n;
            assert!(n >= last && n <= 2 * 97 * 500);
            assert_eq!(n % 97, 0, "only whole publications are visible mid-run");
            last = n;
        }
    });
    assert_eq!(ingest.snapshot().unwrap(), expected(2, 97 * 500));
}

#[test]
fn max_delay_publishes_without_reaching_the_count() {
    let ingest = Ingest::builder(Tally::default())
        .publish_every(u64::MAX)
        .max_delay(Duration::ZERO)
        .build();
    let mut w = ingest.writer();
    for i in 0..255 {
        w.update(i);
    }
    assert_eq!(ingest.snapshot().unwrap().n, 0);
    w.update(255); // the clock is read every 256 updates
    assert_eq!(ingest.snapshot().unwrap().n, 256);
    w.update(256);
    w.publish_if_due();
    assert_eq!(ingest.snapshot().unwrap().n, 257);
}

#[test]
fn a_panicking_writer_publishes_on_unwind() {
    let ingest = Ingest::builder(Tally::default()).publish_every(64).build();
    common::check_panicking_writer_publishes_on_unwind(&ingest, ingest.writer());
}

#[test]
fn idle_writers_do_not_stall_readers() {
    let ingest = Ingest::builder(Tally::default()).publish_every(10).build();
    let mut idle = ingest.writer();
    for i in 0..15 {
        idle.update(i);
    }
    // The idle writer holds 5 unpublished updates and never comes back
    // until the end; readers see what it published and go on.
    let mut busy = ingest.writer();
    for i in 0..1_000 {
        busy.update(100 + i);
    }
    assert_eq!(ingest.snapshot().unwrap().n, 10 + 1_000);
    drop(idle);
    drop(busy);
    assert_eq!(
        ingest.snapshot().unwrap(),
        Tally::of((0..15).chain(100..1_100))
    );
}

#[test]
fn writers_join_and_leave_while_readers_read() {
    let ingest = Ingest::builder(Tally::default()).publish_every(33).build();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let ingest = &ingest;
            s.spawn(move || {
                // Each thread registers a fresh writer per wave.
                for wave in 0..25u64 {
                    let mut w = ingest.writer();
                    for i in 0..400 {
                        w.update(t * 1_000_000 + wave * 1_000 + i);
                    }
                }
            });
        }
        s.spawn(|| {
            for _ in 0..300 {
                let n = ingest.snapshot().unwrap().n;
                assert!(n <= 4 * 25 * 400);
            }
        });
    });
    let want = Tally::of((0..4u64).flat_map(|t| {
        (0..25u64).flat_map(move |w| (0..400).map(move |i| t * 1_000_000 + w * 1_000 + i))
    }));
    assert_eq!(ingest.snapshot().unwrap(), want);
    assert_eq!(ingest.live_writers(), 0);
}

#[test]
fn merge_errors_are_reported_and_nothing_is_dropped() {
    let ingest = Ingest::builder(Tally::default()).publish_every(1).build();
    let mut w = ingest.writer();
    w.update(1);
    w.update(2);
    assert_eq!(ingest.snapshot().unwrap().n, 2);
    // The writer's shard is poisoned; publishing it never merges, so the
    // refusal shows up on every read.
    w.update(u64::MAX);
    assert!(w.flush().is_ok());
    assert!(ingest.snapshot().is_err());
    assert!(ingest.snapshot().is_err());
    assert_eq!(
        ingest.read(|t| t.n).unwrap_err().to_string(),
        "cannot merge sketches: poisoned tally"
    );
    drop(w);
    // The departed writer's final state is refused by the accumulator; it
    // is kept and retried, so reads keep failing instead of dropping it.
    assert!(ingest.snapshot().is_err());
    assert!(ingest.snapshot().is_err());
}

#[test]
fn publication_replaces_the_previous_one_and_keeps_the_shard() {
    let ingest = Ingest::builder(Tally::default())
        .publish_every(u64::MAX)
        .build();
    let mut w = ingest.writer();
    w.update(3);
    w.flush().unwrap();
    w.update(4);
    assert_eq!(w.unpublished(), 1);
    // The shard holds everything seen, published or not.
    assert_eq!(*w.shard(), Tally::of([3, 4]));
    assert_eq!(ingest.snapshot().unwrap(), Tally::of([3]));
    w.flush().unwrap();
    // The second publication replaced the first: counted once.
    assert_eq!(ingest.snapshot().unwrap(), Tally::of([3, 4]));
    assert_eq!(ingest.snapshot().unwrap(), Tally::of([3, 4]));
    drop(w);
    assert_eq!(ingest.snapshot().unwrap(), Tally::of([3, 4]));
    // A later writer adds to the retired accumulator.
    let mut w = ingest.writer();
    w.update(5);
    drop(w);
    assert_eq!(ingest.snapshot().unwrap(), Tally::of([3, 4, 5]));
}

/// A tally that counts how often it was copied with `clone` (a fresh
/// allocation for a real sketch) and with `clone_from` (reusing one).
#[derive(Debug, Default)]
struct CopyCounting {
    tally: Tally,
    copies: std::sync::Arc<[std::sync::atomic::AtomicU64; 2]>,
}

impl Clone for CopyCounting {
    fn clone(&self) -> Self {
        self.copies[0].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        CopyCounting {
            tally: self.tally,
            copies: self.copies.clone(),
        }
    }
    fn clone_from(&mut self, source: &Self) {
        source.copies[1].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.tally = source.tally;
        self.copies = source.copies.clone();
    }
}

impl distilled_core::Mergeable for CopyCounting {
    fn merge(&mut self, other: &Self) -> Result<(), distilled_core::MergeError> {
        self.tally.merge(&other.tally)
    }
}

impl distilled_core::EmptyLike for CopyCounting {
    fn empty_like(&self) -> Self {
        CopyCounting {
            tally: Tally::default(),
            copies: self.copies.clone(),
        }
    }
}

#[test]
fn publications_reuse_the_copy_they_replace() {
    use distilled_core::Update;
    let proto = CopyCounting::default();
    let copies = proto.copies.clone();
    let count = |i: usize| copies[i].load(std::sync::atomic::Ordering::Relaxed);
    let ingest = Ingest::builder(proto).publish_every(100).build();
    let mut w = ingest.writer();
    for i in 0..10_000u64 {
        w.update_with(1, |s| s.tally.update(i));
    }
    // 100 publications: the first two allocate (nothing to reuse yet), the
    // rest write over the copy the previous one replaced.
    assert_eq!((count(0), count(1)), (2, 98));
    let snapshot = ingest.snapshot().unwrap();
    assert_eq!(snapshot.tally, Tally::of(0..10_000));
    // Reads between publications: each copies the accumulator once (with
    // `clone`) and holds a publication only while it merges it, so the
    // publications still reuse their spare, and each is exact.
    let before = count(0);
    let mut reads = 0;
    for i in 10_000..10_500u64 {
        w.update_with(1, |s| s.tally.update(i));
        if i % 37 == 0 {
            w.flush().unwrap();
            assert_eq!(ingest.snapshot().unwrap().tally, Tally::of(0..=i));
            reads += 1;
        }
    }
    assert_eq!(count(0) - before, reads);
    drop(w);
    assert_eq!(ingest.snapshot().unwrap().tally, Tally::of(0..10_500));
}
