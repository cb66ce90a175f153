//! Accuracy against exact ranks, over many seeds and the distributions of the
//! issue. The error of an estimate `x` for normalized rank `q` is the distance
//! from `q` to the interval of exact ranks `[#(< x), #(<= x)] / n` (so that
//! duplicates are judged fairly).

use distilled_core::{QuantileSketch, SearchCriteria};
use distilled_tdigest::{Scale, TDigest};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Pareto};
use rand_xoshiro::Xoshiro256PlusPlus;

#[derive(Debug, Clone, Copy)]
enum Dist {
    Uniform,
    Normal,
    LogNormal,
    Pareto,
    Ascending,
    Descending,
    Duplicates,
}

const ALL: [Dist; 7] = [
    Dist::Uniform,
    Dist::Normal,
    Dist::LogNormal,
    Dist::Pareto,
    Dist::Ascending,
    Dist::Descending,
    Dist::Duplicates,
];

fn values(dist: Dist, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    match dist {
        Dist::Uniform => (0..n).map(|_| rng.random::<f64>()).collect(),
        Dist::Normal => {
            let d = Normal::new(0.0, 1.0).unwrap();
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Dist::LogNormal => {
            let d = LogNormal::new(0.0, 1.5).unwrap();
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Dist::Pareto => {
            let d = Pareto::new(1.0, 1.2).unwrap();
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Dist::Ascending => (0..n).map(|i| i as f64 + seed as f64).collect(),
        Dist::Descending => (0..n).rev().map(|i| i as f64 * 0.5).collect(),
        // 50 distinct values with a skewed frequency.
        Dist::Duplicates => (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                (u * u * 50.0).floor()
            })
            .collect(),
    }
}

/// Distance from `q` to the exact rank interval of `x` in `sorted`.
fn rank_error(sorted: &[f64], x: f64, q: f64) -> f64 {
    let n = sorted.len() as f64;
    let lo = sorted.partition_point(|&v| v < x) as f64 / n;
    let hi = sorted.partition_point(|&v| v <= x) as f64 / n;
    if q < lo {
        lo - q
    } else if q > hi {
        q - hi
    } else {
        0.0
    }
}

struct Errors {
    at: [f64; 5],
    max: f64,
    cdf_max: f64,
}

const QS: [f64; 5] = [0.001, 0.01, 0.5, 0.99, 0.999];

fn measure(d: &TDigest, sorted: &[f64]) -> Errors {
    let mut at = [0.0; 5];
    for (e, &q) in at.iter_mut().zip(&QS) {
        *e = rank_error(sorted, d.quantile(q).unwrap(), q);
    }
    let ranks: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
    let xs = d.quantiles(&ranks, SearchCriteria::Exclusive).unwrap();
    let max = ranks
        .iter()
        .zip(&xs)
        .map(|(&q, &x)| rank_error(sorted, x, q))
        .fold(0.0, f64::max);
    // The other direction: rank estimates at 200 data points.
    let n = sorted.len();
    let mut cdf_max: f64 = 0.0;
    for i in 0..200 {
        let x = sorted[(i * n) / 200];
        let est = d.rank(x).unwrap() / n as f64;
        let lo = sorted.partition_point(|&v| v < x) as f64 / n as f64;
        let hi = sorted.partition_point(|&v| v <= x) as f64 / n as f64;
        let err = if est < lo {
            lo - est
        } else if est > hi {
            est - hi
        } else {
            0.0
        };
        cdf_max = cdf_max.max(err);
    }
    Errors { at, max, cdf_max }
}

/// Worst errors over the seeds for one distribution.
struct Worst {
    at: [f64; 5],
    max: f64,
    cdf: f64,
}

fn run(scale: Scale, compression: u16, n: usize, dist: Dist, seeds: std::ops::Range<u64>) -> Worst {
    let mut w = Worst {
        at: [0.0; 5],
        max: 0.0,
        cdf: 0.0,
    };
    for seed in seeds {
        let xs = values(dist, n, seed);
        let mut d = TDigest::with_scale(compression, scale).unwrap();
        d.add_many(&xs);
        let mut sorted = xs;
        sorted.sort_by(f64::total_cmp);
        let e = measure(&d, &sorted);
        if std::env::var("TDIGEST_PRINT").is_ok() {
            println!(
                "{scale} c={compression} {dist:?} seed {seed}: at {:?} max {:.5} cdf {:.5} centroids {}",
                e.at.map(|v| (v * 1e5).round() / 1e5),
                e.max,
                e.cdf_max,
                d.centroids().len()
            );
        }
        for (a, v) in w.at.iter_mut().zip(e.at) {
            *a = a.max(v);
        }
        w.max = w.max.max(e.max);
        w.cdf = w.cdf.max(e.cdf_max);
        // Exact extremes whatever the distribution.
        assert_eq!(d.min(), Some(sorted[0]));
        assert_eq!(d.max(), Some(sorted[n - 1]));
        assert_eq!(d.count(), n as f64);
    }
    w
}

/// Bounds: about twice the worst error seen over these seeds. A digest
/// without tail-scaled centroids, with a wrong merge pass or with a broken
/// interpolation exceeds them by a wide margin (a uniform histogram of 100
/// bins has tail errors near 1e-3 and max errors near 5e-3; the uncompressed
/// mix of raw values and centroids we once queried gave 7e-3).
fn check(scale: Scale, n: usize, seeds: std::ops::Range<u64>, tail: f64, max: f64) {
    for dist in ALL {
        let w = run(scale, 100, n, dist, seeds.clone());
        let (at, m) = (w.at, w.max);
        assert!(
            at[0] < tail && at[4] < tail,
            "{scale} {dist:?}: tails {at:?}"
        );
        let mid_tail = if matches!(dist, Dist::Duplicates) {
            2e-3
        } else {
            2.0 * tail
        };
        assert!(
            at[1] < mid_tail && at[3] < mid_tail,
            "{scale} {dist:?}: q=0.01/0.99 {at:?}"
        );
        match dist {
            // K1 keeps heavy repeated values in atoms of their own (value
            // cuts): exact answers here. K2 keeps DataSketches' merge
            // decisions, so a centroid can mix two repeated values and an
            // answer between them misses by up to a value's frequency (~3%).
            Dist::Duplicates if scale == Scale::K1 => {
                assert!(m < 1e-3, "{scale} {dist:?}: max {m}");
                assert!(w.cdf < 1e-3, "{scale} {dist:?}: rank() error {}", w.cdf);
            }
            Dist::Duplicates => assert!(m < 0.05, "{scale} {dist:?}: max {m}"),
            _ => {
                assert!(at[2] < max, "{scale} {dist:?}: median {at:?}");
                assert!(m < max, "{scale} {dist:?}: max over 1000 ranks {m}");
                assert!(w.cdf < max, "{scale} {dist:?}: rank() error {}", w.cdf);
            }
        }
    }
}

#[test]
fn k1_accuracy_over_seeds_and_distributions() {
    check(Scale::K1, 100_000, 0..8, 1.5e-4, 3e-3);
}

#[test]
fn k2_accuracy_over_seeds_and_distributions() {
    check(Scale::K2, 100_000, 100..106, 1.5e-4, 3e-3);
}

#[test]
fn k1_accuracy_at_one_million() {
    for dist in [Dist::Normal, Dist::Pareto, Dist::Descending] {
        let w = run(Scale::K1, 100, 1_000_000, dist, 7..8);
        assert!(
            w.at[0] < 1e-4 && w.at[4] < 1e-4,
            "{dist:?}: tails {:?}",
            w.at
        );
        assert!(w.max < 3.5e-3, "{dist:?}: max {}", w.max);
    }
}

#[test]
fn merged_digests_are_as_accurate() {
    for dist in [Dist::Normal, Dist::Pareto, Dist::Duplicates] {
        let xs = values(dist, 200_000, 42);
        let parts: Vec<TDigest> = xs
            .chunks(10_000)
            .map(|c| {
                let mut d = TDigest::new(100).unwrap();
                d.add_many(c);
                d
            })
            .collect();
        let merged = TDigest::merge_many(parts.iter(), 100).unwrap();
        let mut pairwise = parts[0].clone();
        for p in &parts[1..] {
            pairwise.merge(p).unwrap();
        }
        let mut sorted = xs;
        sorted.sort_by(f64::total_cmp);
        for d in [&merged, &pairwise] {
            let e = measure(d, &sorted);
            let max = if matches!(dist, Dist::Duplicates) {
                0.05
            } else {
                4e-3
            };
            assert!(e.max < max, "{dist:?}: {}", e.max);
            assert!(e.at[0] < 6e-4 && e.at[4] < 6e-4, "{dist:?}: {:?}", e.at);
            assert_eq!(d.count(), 200_000.0);
            assert_eq!(d.min(), Some(sorted[0]));
        }
    }
}

/// Signed distance from `q·n` to the exact rank interval of `x` among `xs`
/// (unsorted), in ranks: positive when `x` ranks above `q·n`.
fn signed_rank_error(xs: &[f64], x: f64, q: f64) -> f64 {
    let lo = xs.iter().filter(|&&v| v < x).count() as f64;
    let hi = lo + xs.iter().filter(|&&v| v == x).count() as f64;
    let r = q * xs.len() as f64;
    if r < lo {
        lo - r
    } else if r > hi {
        hi - r
    } else {
        0.0
    }
}

/// The tails at equal memory, over many seeds of 1e6 values: K1 at
/// compression 60 keeps 150-160 centroids, as many as DataSketches keeps at
/// k = 100. Tail centroids are spread along the interpolation model before
/// each merge pass and queries correct for curvature, so the estimates at
/// q = 1e-3 and 0.999 are unbiased to about one rank (mean over seeds;
/// measured: within ±2). Before, tail centroids overlapping in value pulled
/// uniform estimates towards the median by +7 / −6 ranks (DataSketches: +6 /
/// −8), and the convex Pareto tails were biased upwards by +9 / +7 ranks
/// (DataSketches: +7 / +8): both fail the bound of 3.5 ranks.
#[test]
fn k1_tails_are_unbiased_over_seeds() {
    const SEEDS: u64 = 24;
    const N: usize = 1_000_000;
    let qs = [1e-4, 1e-3, 0.999, 0.9999];
    for dist in [Dist::Uniform, Dist::Pareto] {
        let mut signed = [0.0f64; 4];
        let mut worst_sum = 0.0;
        for seed in 0..SEEDS {
            let xs = values(dist, N, 1000 + seed);
            let mut d = TDigest::new(60).unwrap();
            d.add_many(&xs);
            d.compress();
            assert!(
                d.centroids().len() <= 162,
                "{dist:?}: {}",
                d.centroids().len()
            );
            let mut worst: f64 = 0.0;
            for (s, &q) in signed.iter_mut().zip(&qs) {
                let e = signed_rank_error(&xs, d.quantile(q).unwrap(), q);
                *s += e / SEEDS as f64;
                worst = worst.max(e.abs());
            }
            worst_sum += worst;
        }
        let mean_worst = worst_sum / SEEDS as f64;
        if std::env::var("TDIGEST_PRINT").is_ok() {
            println!("{dist:?}: mean signed {signed:?} mean worst {mean_worst:.2} ranks");
        }
        for (s, q) in signed.iter().zip(qs) {
            assert!(
                s.abs() < 3.5,
                "{dist:?}: mean signed error at q={q}: {s} ranks"
            );
        }
        // Measured 7.1 (uniform) and 6.9 (Pareto); DataSketches 10.3 and 12.6.
        assert!(
            mean_worst < 9.5,
            "{dist:?}: mean worst tail error {mean_worst} ranks"
        );
    }
}

/// K1 away from the extreme tails: no bias towards the median at P1/P99 or
/// in the body (spreading only the outer 1% of centroids once left +190 and
/// -130 ranks at q = 0.01 and 0.99 on 1e6 uniform values, 3-4x DataSketches'
/// bias), and a max rank error far below DataSketches' (0.15-0.27% at the
/// same memory).
#[test]
fn k1_is_unbiased_across_the_range() {
    const SEEDS: u64 = 10;
    const N: usize = 1_000_000;
    let qs = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
    for dist in [Dist::Uniform, Dist::Normal, Dist::Pareto] {
        let mut signed = [0.0f64; 7];
        let mut worst_max: f64 = 0.0;
        for seed in 0..SEEDS {
            let mut xs = values(dist, N, 3000 + seed);
            let mut d = TDigest::new(60).unwrap();
            d.add_many(&xs);
            d.compress();
            for (s, &q) in signed.iter_mut().zip(&qs) {
                *s += signed_rank_error(&xs, d.quantile(q).unwrap(), q) / SEEDS as f64;
            }
            xs.sort_by(f64::total_cmp);
            let max = (0..1000)
                .map(|i| {
                    let q = (i as f64 + 0.5) / 1000.0;
                    rank_error(&xs, d.quantile(q).unwrap(), q)
                })
                .fold(0.0, f64::max);
            worst_max = worst_max.max(max);
        }
        if std::env::var("TDIGEST_PRINT").is_ok() {
            println!("{dist:?}: mean signed {signed:?} ranks, worst max error {worst_max:.5}");
        }
        // Body centroids hold tens of thousands of values, so 10 seeds leave
        // a standard error of ~100 ranks on the mean there; the bias is
        // checked at P1 and P99, where it was and where the noise is lower.
        for (s, q) in signed.iter().zip(qs) {
            if q == 0.01 || q == 0.99 {
                assert!(
                    s.abs() < 60.0,
                    "{dist:?}: mean signed error at q={q}: {s} ranks"
                );
            }
        }
        assert!(worst_max < 0.0008, "{dist:?}: max rank error {worst_max}");
    }
}

/// The curvature-corrected interpolation stays monotone in the rank, and
/// `rank` inverts `quantile` (both read the same curve).
#[test]
fn k1_quantiles_are_monotone_and_rank_inverts_them() {
    for dist in [Dist::Uniform, Dist::Normal, Dist::LogNormal, Dist::Pareto] {
        for seed in 0..3 {
            let xs = values(dist, 300_000, 500 + seed);
            let mut d = TDigest::new(60).unwrap();
            d.add_many(&xs);
            d.compress();
            let n = d.count();
            let mut prev = f64::NEG_INFINITY;
            for i in 0..=20_000 {
                let q = i as f64 / 20_000.0;
                let x = d.quantile(q).unwrap();
                assert!(
                    x >= prev,
                    "{dist:?} seed {seed}: quantile({q}) = {x} < {prev}"
                );
                prev = x;
                if i % 50 == 25 {
                    let r = d.rank(x).unwrap();
                    assert!(
                        (r - q * n).abs() <= 1.0 + 1e-9 * n,
                        "{dist:?} seed {seed}: rank(quantile({q})) = {r}, expected {}",
                        q * n
                    );
                }
            }
        }
    }
}
