//! The rank-error guarantee, measured: over many seeded trials and several
//! distributions (sorted and heavily duplicated included), the maximum
//! normalized rank error over 1000 ranks stays within
//! `normalized_rank_error(false)` in at least 99% of trials, PMF errors within
//! the double-sided bound, and the same after merging 10-100 sketches.

use distilled_kll::{KllSketch, SearchCriteria};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Pareto};
use rand_xoshiro::Xoshiro256PlusPlus;

const N: usize = 100_000;

fn data(dist: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    match dist {
        0 => (0..N).map(|_| rng.random::<f64>()).collect(),
        1 => {
            let d = Normal::new(0.0, 1.0).unwrap();
            (0..N).map(|_| d.sample(&mut rng)).collect()
        }
        2 => {
            let d = LogNormal::new(0.0, 1.5).unwrap();
            (0..N).map(|_| d.sample(&mut rng)).collect()
        }
        3 => {
            let d = Pareto::new(1.0, 1.2).unwrap();
            (0..N).map(|_| d.sample(&mut rng)).collect()
        }
        // Sorted ascending, then descending.
        4 => (0..N).map(|i| i as f64).collect(),
        5 => (0..N).rev().map(|i| i as f64 * 0.5).collect(),
        // Heavy duplicates: 12 distinct values, skewed.
        6 => (0..N)
            .map(|_| {
                let u: f64 = rng.random();
                (u * u * 12.0).floor()
            })
            .collect(),
        // Duplicates plus noise: half the stream one value.
        _ => (0..N)
            .map(|_| {
                if rng.random::<bool>() {
                    7.0
                } else {
                    rng.random::<f64>() * 14.0
                }
            })
            .collect(),
    }
}

/// Max |sketch rank - true rank| over 1000 evenly spaced probe items, and max
/// |sketch mass - true mass| over the 50 PMF buckets those probes define.
fn errors(sk: &KllSketch<f64>, xs: &[f64]) -> (f64, f64) {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let view = sk.sorted_view().unwrap();
    let mut max_rank_err: f64 = 0.0;
    for j in 0..1000 {
        let v = sorted[j * sorted.len() / 1000];
        for c in [SearchCriteria::Inclusive, SearchCriteria::Exclusive] {
            let truth = match c {
                SearchCriteria::Inclusive => sorted.partition_point(|x| *x <= v),
                SearchCriteria::Exclusive => sorted.partition_point(|x| *x < v),
            } as f64
                / n;
            max_rank_err = max_rank_err.max((view.rank(&v, c) - truth).abs());
        }
    }
    let mut splits: Vec<f64> = (1..50).map(|j| sorted[j * sorted.len() / 50]).collect();
    splits.dedup();
    let pmf = view.pmf(&splits, SearchCriteria::Inclusive).unwrap();
    let mut prev = 0usize;
    let mut max_pmf_err: f64 = 0.0;
    for (i, m) in pmf.iter().enumerate() {
        let upto = if i < splits.len() {
            sorted.partition_point(|x| *x <= splits[i])
        } else {
            sorted.len()
        };
        let truth = (upto - prev) as f64 / n;
        prev = upto;
        max_pmf_err = max_pmf_err.max((m - truth).abs());
    }
    (max_rank_err, max_pmf_err)
}

struct Tally {
    trials: usize,
    rank_fail: usize,
    pmf_fail: usize,
    worst: f64,
}

impl Tally {
    fn check(&self, what: &str) {
        eprintln!(
            "{what}: {} trials, rank bound missed {}, pmf bound missed {}, worst rank error {:.5}",
            self.trials, self.rank_fail, self.pmf_fail, self.worst
        );
        assert!(self.trials >= 100);
        // At least 99% of trials within the bound.
        assert!(
            self.rank_fail * 100 <= self.trials,
            "{what}: rank bound missed in {} trials",
            self.rank_fail
        );
        assert!(
            self.pmf_fail * 100 <= self.trials,
            "{what}: pmf bound missed in {} trials",
            self.pmf_fail
        );
    }
    fn add(&mut self, sk: &KllSketch<f64>, xs: &[f64]) {
        let (r, p) = errors(sk, xs);
        self.trials += 1;
        self.worst = self.worst.max(r);
        self.rank_fail += usize::from(r > sk.normalized_rank_error(false));
        self.pmf_fail += usize::from(p > sk.normalized_rank_error(true));
    }
}

#[test]
fn rank_and_pmf_error_within_the_bound_for_single_sketches() {
    let mut t = Tally {
        trials: 0,
        rank_fail: 0,
        pmf_fail: 0,
        worst: 0.0,
    };
    for trial in 0..112u64 {
        let dist = (trial % 8) as usize;
        let xs = data(dist, 1000 + trial);
        let mut sk = KllSketch::<f64>::builder().seed(trial).build().unwrap();
        if trial % 2 == 0 {
            sk.update_slice(&xs);
        } else {
            for &x in &xs {
                sk.update(x);
            }
        }
        assert_eq!(sk.n(), N as u64);
        assert_eq!(sk.min_item(), xs.iter().copied().reduce(f64::min));
        assert_eq!(sk.max_item(), xs.iter().copied().reduce(f64::max));
        t.add(&sk, &xs);
    }
    t.check("single sketches, k=200, n=1e5");
}

#[test]
fn rank_and_pmf_error_within_the_bound_after_merging() {
    let mut t = Tally {
        trials: 0,
        rank_fail: 0,
        pmf_fail: 0,
        worst: 0.0,
    };
    for trial in 0..104u64 {
        let dist = (trial % 8) as usize;
        let xs = data(dist, 5000 + trial);
        let parts = 10 + (trial as usize * 37) % 91; // 10..=100 sketches
        let mut acc = KllSketch::<f64>::builder().seed(trial).build().unwrap();
        for (i, chunk) in xs.chunks(xs.len().div_ceil(parts)).enumerate() {
            let mut p = KllSketch::<f64>::builder()
                .seed(trial * 1000 + i as u64)
                .build()
                .unwrap();
            p.update_slice(chunk);
            acc.merge(&p).unwrap();
        }
        assert_eq!(acc.n(), N as u64);
        t.add(&acc, &xs);
    }
    t.check("merged sketches, k=200, 10-100 parts");
}

#[test]
fn merging_a_smaller_k_reports_its_error() {
    let xs = data(1, 77);
    let mut big = KllSketch::<f64>::builder().k(400).seed(1).build().unwrap();
    let mut small = KllSketch::<f64>::builder().k(100).seed(2).build().unwrap();
    big.update_slice(&xs[..N / 2]);
    small.update_slice(&xs[N / 2..]);
    big.merge(&small).unwrap();
    assert_eq!(big.k(), 400);
    assert_eq!(big.min_k(), 100);
    assert_eq!(
        big.normalized_rank_error(false),
        distilled_kll::normalized_rank_error(100, false)
    );
    let (r, _) = errors(&big, &xs);
    assert!(r <= big.normalized_rank_error(false), "{r}");
    // An exact-mode sketch of smaller k does not lower min_k.
    let mut tiny = KllSketch::<f64>::builder().k(8).seed(3).build().unwrap();
    tiny.update(1.0);
    let mut a = KllSketch::<f64>::builder().k(200).seed(4).build().unwrap();
    a.update_slice(&xs);
    a.merge(&tiny).unwrap();
    assert_eq!(a.min_k(), 200);
}
