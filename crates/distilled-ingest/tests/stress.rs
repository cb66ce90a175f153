//! Many threads on real sketches: exact totals after the writers are gone,
//! with readers and writer churn running throughout.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU64, Ordering};

use distilled_core::{EmptyLike, Mergeable, NumStdDev, QuantileSketch, SearchCriteria, Update};
use distilled_ingest::Ingest;

const THREADS: u64 = 12;
const WAVES: u64 = 4;
const PER_WAVE: u64 = 20_000;

/// The value thread `t` sends at step `i`: distinct over the whole run, so
/// the exact minimum, maximum and median are known.
fn value(t: u64, i: u64) -> f64 {
    (i * THREADS + t) as f64
}

/// `bulk`: run the writers as `BufferedWriter`s applying blocks with it.
fn stress<S>(proto: S, publish_every: u64, bulk: Option<fn(&mut S, &[f64])>) -> S
where
    S: QuantileSketch<Item = f64> + Mergeable + EmptyLike + Update<f64> + Send + Sync + Clone,
{
    let ingest = Ingest::builder(proto).publish_every(publish_every).build();
    let total = THREADS * WAVES * PER_WAVE;
    let start = Barrier::new(THREADS as usize + 1);
    let done = AtomicU64::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (ingest, start, done) = (&ingest, &start, &done);
            s.spawn(move || {
                start.wait();
                // Writers come and go: a fresh one per wave; every other wave
                // ends with an explicit flush, the others just drop.
                for wave in 0..WAVES {
                    let items = wave * PER_WAVE..(wave + 1) * PER_WAVE;
                    if let Some(bulk) = bulk {
                        let mut w = ingest.buffered_writer(bulk);
                        items.for_each(|i| w.update(value(t, i)));
                        if wave % 2 == 0 {
                            w.flush().unwrap();
                        }
                    } else {
                        let mut w = ingest.writer();
                        items.for_each(|i| w.update(value(t, i)));
                        if wave % 2 == 0 {
                            w.flush().unwrap();
                        }
                    }
                }
                done.fetch_add(1, Ordering::Release);
            });
        }
        start.wait();
        let mut last = 0;
        while done.load(Ordering::Acquire) < THREADS {
            let n = ingest.read(|s| s.n()).unwrap();
            assert!(last <= n && n <= total, "snapshot n {n} after {last}");
            last = n;
        }
    });
    let snap = ingest.snapshot().unwrap();
    assert_eq!(snap.n(), total, "every update counted exactly once");
    assert_eq!(snap.min_item(), Some(0.0));
    assert_eq!(snap.max_item(), Some((total - 1) as f64));
    snap
}

fn check_median(s: &impl QuantileSketch<Item = f64>, tolerance: f64) {
    let n = s.n() as f64;
    let r = s.rank(&(n / 2.0), SearchCriteria::Inclusive).unwrap();
    assert!((r - 0.5).abs() < tolerance, "rank of the true median: {r}");
}

#[test]
fn tdigest_from_many_threads_counts_exactly() {
    for every in [1_000, 4_096] {
        let s = stress(distilled_tdigest::TDigest::new(100).unwrap(), every, None);
        check_median(&s, 0.02);
        let bulk = distilled_tdigest::TDigest::add_many;
        let s = stress(
            distilled_tdigest::TDigest::new(100).unwrap(),
            every,
            Some(bulk),
        );
        check_median(&s, 0.02);
    }
}

#[test]
fn kll_from_many_threads_counts_exactly() {
    for every in [1_000, 4_096] {
        let s = stress(distilled_kll::KllSketch::<f64>::new(), every, None);
        check_median(&s, 0.02);
        let bulk = distilled_kll::KllSketch::update_slice;
        let s = stress(distilled_kll::KllSketch::<f64>::new(), every, Some(bulk));
        check_median(&s, 0.02);
    }
}

/// Theta from many threads with heavy overlap: each thread sends keys
/// `t, t + 1, ...` so most keys arrive from several threads.
fn theta_run(distinct: u64, every: u64, buffered: bool) -> distilled_theta::ThetaSketch {
    let ingest = Ingest::builder(distilled_theta::ThetaSketch::new(12).unwrap())
        .publish_every(every)
        .build();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let ingest = &ingest;
            s.spawn(move || {
                let keys = (0..distinct).map(|k| (k + t * 7) % distinct);
                if buffered {
                    let bulk = distilled_theta::ThetaSketch::update_many::<u64>;
                    let mut w = ingest.buffered_writer(bulk);
                    keys.for_each(|k| w.update(k));
                } else {
                    let mut w = ingest.writer();
                    keys.for_each(|k| w.update(k));
                }
            });
        }
        for _ in 0..50 {
            let e = ingest.read(|s| s.estimate()).unwrap();
            assert!(e <= distinct as f64 * 1.2);
        }
    });
    ingest.snapshot().unwrap()
}

#[test]
fn theta_in_exact_mode_gives_the_exact_distinct_count() {
    for every in [100, 4_096] {
        for buffered in [false, true] {
            let s = theta_run(3_000, every, buffered);
            assert!(!s.is_estimation_mode());
            assert_eq!(s.estimate(), 3_000.0);
        }
    }
}

#[test]
fn theta_in_estimation_mode_stays_within_its_bounds() {
    for buffered in [false, true] {
        let s = theta_run(60_000, 4_096, buffered);
        assert!(s.is_estimation_mode());
        let truth = 60_000.0;
        let (lo, hi) = (
            s.lower_bound(NumStdDev::Three),
            s.upper_bound(NumStdDev::Three),
        );
        assert!(lo <= truth && truth <= hi);
    }
}
