//! The guarantees of `BufferedWriter`: exact totals after flush or drop,
//! staleness bounded by the publication interval plus the buffer, nothing
//! lost on drop or panic, items applied in order through the bulk function.

mod common;

use std::time::Duration;

use common::Tally;
use distilled_core::{EmptyLike, MergeError, Mergeable, Update};
use distilled_ingest::{BufferedWriter, Ingest, update_each};

fn tally_bulk(t: &mut Tally, items: &[u64]) {
    update_each(t, items);
}

fn expected(threads: u64, per_thread: u64) -> Tally {
    Tally::of((0..threads).flat_map(|t| (0..per_thread).map(move |i| t * 1_000_000 + i)))
}

/// Runs 4 threads with buffer `N`, each making `per` updates, dropping or
/// flushing at the end.
fn four_threads<const N: usize>(every: u64, per: u64, flush: bool) -> Ingest<Tally> {
    let ingest = Ingest::builder(Tally::default())
        .publish_every(every)
        .build();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let mut w = BufferedWriter::<Tally, u64, N>::new(&ingest, tally_bulk);
            s.spawn(move || {
                for i in 0..per {
                    w.update(t * 1_000_000 + i);
                }
                if flush {
                    w.flush().unwrap();
                    assert_eq!(w.unpublished(), 0);
                    assert!(w.buffered().is_empty());
                }
            });
        }
    });
    ingest
}

#[test]
fn exact_once_writers_are_dropped_or_flushed() {
    // Per-thread counts that are not multiples of the buffer or interval.
    for every in [1, 100, 4096] {
        for flush in [false, true] {
            let want = expected(4, 20_003);
            let got = four_threads::<1>(every, 20_003, flush).snapshot().unwrap();
            assert_eq!(got, want, "N=1 every={every}");
            let got = four_threads::<7>(every, 20_003, flush).snapshot().unwrap();
            assert_eq!(got, want, "N=7 every={every}");
            let got = four_threads::<512>(every, 20_003, flush)
                .snapshot()
                .unwrap();
            assert_eq!(got, want, "N=512 every={every}");
            let got = four_threads::<0>(every, 20_003, flush).snapshot().unwrap();
            assert_eq!(got, want, "N=0 every={every}");
        }
    }
}

#[test]
fn flush_publishes_the_buffer_with_writers_alive() {
    let ingest = Ingest::builder(Tally::default())
        .publish_every(1000)
        .build();
    let mut writers: Vec<_> = (0..3).map(|_| ingest.buffered_writer(tally_bulk)).collect();
    for (t, w) in writers.iter_mut().enumerate() {
        for i in 0..2_500 {
            w.update(t as u64 * 1_000_000 + i);
        }
        // 2_500 = 4 full buffers of 512 (2_048 applied; published at 1_024
        // and 2_048, the first applications past the interval) plus 452
        // waiting in the buffer.
        assert_eq!(w.buffered().len(), 452);
        assert_eq!(w.unpublished(), 452);
    }
    assert_eq!(ingest.snapshot().unwrap().n, 3 * 2_048);
    for w in &mut writers {
        w.flush().unwrap();
        assert_eq!(w.unpublished(), 0);
    }
    assert_eq!(ingest.snapshot().unwrap(), expected(3, 2_500));
    assert_eq!(ingest.snapshot().unwrap(), expected(3, 2_500));
    // The shard holds everything, buffered or not.
    writers[0].update(5);
    assert_eq!(writers[0].shard().n, 2_501);
    assert!(writers[0].buffered().is_empty());
}

#[test]
fn staleness_is_bounded_by_interval_plus_buffer() {
    const N: usize = 7;
    for every in [1u64, 10, 100] {
        let ingest = Ingest::builder(Tally::default())
            .publish_every(every)
            .build();
        let mut w = BufferedWriter::<Tally, u64, N>::new(&ingest, tally_bulk);
        let mut max_lag = 0;
        for k in 1..=2_000u64 {
            w.update(k);
            let seen = ingest.snapshot().unwrap().n;
            let lag = k - seen;
            assert_eq!(lag, w.unpublished(), "after {k} updates, every={every}");
            assert!(lag < every + N as u64, "lag {lag} after {k}, every={every}");
            max_lag = max_lag.max(lag);
        }
        // The bound is reached, not just respected: buffer full and the
        // applied part one short of an interval.
        assert!(
            max_lag + 2 >= every + N as u64 - 1,
            "every={every}: {max_lag}"
        );
    }
}

#[test]
fn a_panicking_buffered_writer_publishes_on_unwind() {
    let ingest = Ingest::builder(Tally::default()).publish_every(64).build();
    let w = ingest.buffered_writer(tally_bulk);
    common::check_panicking_writer_publishes_on_unwind(&ingest, w);
}

#[test]
fn max_delay_is_honoured_when_the_buffer_is_applied() {
    let ingest = Ingest::builder(Tally::default())
        .publish_every(u64::MAX)
        .max_delay(Duration::from_millis(1))
        .build();
    let mut w = BufferedWriter::<Tally, u64, 16>::new(&ingest, tally_bulk);
    for i in 0..10 {
        w.update(i);
    }
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(ingest.snapshot().unwrap().n, 0);
    // An idle loop's publish_if_due applies the buffer and publishes.
    w.publish_if_due();
    assert_eq!(ingest.snapshot().unwrap(), Tally::of(0..10));
    // Item 26 finds the buffer full (10..26): applied, clock not yet due.
    for i in 10..30 {
        w.update(i);
    }
    assert_eq!(ingest.snapshot().unwrap().n, 10);
    std::thread::sleep(Duration::from_millis(5));
    // Item 42 finds the buffer full again (26..42): applied, clock due,
    // everything applied so far published.
    for i in 30..50 {
        w.update(i);
    }
    assert_eq!(ingest.snapshot().unwrap(), Tally::of(0..42));
    drop(w);
    assert_eq!(ingest.snapshot().unwrap(), Tally::of(0..50));
}

/// A "sketch" that logs items in arrival order, to check that buffering
/// keeps order and applies each item once.
#[derive(Clone, Default, Debug, PartialEq)]
struct Log(Vec<u64>);

impl Mergeable for Log {
    fn merge(&mut self, o: &Self) -> Result<(), MergeError> {
        self.0.extend_from_slice(&o.0);
        Ok(())
    }
}
impl EmptyLike for Log {
    fn empty_like(&self) -> Self {
        Log::default()
    }
}
impl Update<u64> for Log {
    fn update(&mut self, x: u64) {
        self.0.push(x);
    }
}
fn log_bulk(l: &mut Log, xs: &[u64]) {
    assert!(xs.len() <= 32, "bulk got a block larger than the buffer");
    l.0.extend_from_slice(xs);
}

#[test]
fn order_is_kept_across_update_update_slice_and_update_with() {
    let ingest = Ingest::builder(Log::default()).publish_every(50).build();
    let mut w = BufferedWriter::<Log, u64, 32>::new(&ingest, log_bulk);
    let mut want = Vec::new();
    let mut next = 0u64;
    for round in 0..20 {
        for _ in 0..(round * 7 % 45) {
            w.update(next);
            want.push(next);
            next += 1;
        }
        let block: Vec<u64> = (next..next + round * 13).collect();
        w.update_slice(&block);
        want.extend_from_slice(&block);
        next += round * 13;
        w.update_with(1, |l| l.0.push(next));
        want.push(next);
        next += 1;
        let seen = ingest.snapshot().unwrap().0;
        assert!(
            want.starts_with(&seen),
            "a snapshot is a prefix of the input"
        );
        assert_eq!(want.len() - seen.len(), w.unpublished() as usize);
    }
    drop(w);
    assert_eq!(ingest.snapshot().unwrap().0, want);
}

#[test]
fn real_sketches_through_their_bulk_paths_count_exactly() {
    use distilled_core::QuantileSketch;
    const THREADS: u64 = 4;
    const PER: u64 = 30_001;

    let td = Ingest::builder(distilled_tdigest::TDigest::new(100).unwrap())
        .publish_every(4096)
        .build();
    let kll = Ingest::builder(distilled_kll::KllSketch::<f64>::new())
        .publish_every(4096)
        .build();
    let theta = Ingest::builder(distilled_theta::ThetaSketch::new(12).unwrap())
        .publish_every(1000)
        .build();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let mut a = td.buffered_writer(distilled_tdigest::TDigest::add_many);
            let mut b = kll.buffered_writer(distilled_kll::KllSketch::update_slice);
            let mut c = theta.buffered_writer(distilled_theta::ThetaSketch::update_many::<u64>);
            s.spawn(move || {
                for i in 0..PER {
                    let x = (i * THREADS + t) as f64;
                    a.update(x);
                    b.update(x);
                    // Overlapping keys: 3_000 distinct over all threads.
                    c.update((i + t * 7) % 3_000);
                }
            });
        }
    });
    let total = THREADS * PER;
    let s = td.snapshot().unwrap();
    assert_eq!(s.n(), total);
    assert_eq!(s.min_item(), Some(0.0));
    assert_eq!(s.max_item(), Some((total - 1) as f64));
    let s = kll.snapshot().unwrap();
    assert_eq!(s.n(), total);
    assert_eq!(s.max_item(), Some((total - 1) as f64));
    let s = theta.snapshot().unwrap();
    assert!(!s.is_estimation_mode());
    assert_eq!(s.estimate(), 3_000.0);
}

#[test]
fn a_buffered_writer_shows_its_fill_level_in_debug() {
    let ingest = Ingest::new(Tally::default());
    let mut w = ingest.buffered_writer(update_each);
    w.update(3u64);
    let shown = format!("{w:?}");
    assert!(
        shown.contains("buffered: 1") && shown.contains("capacity: 512"),
        "{shown}"
    );
}
