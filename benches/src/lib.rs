//! Shared, seeded data generators for the benchmarks, so that every sketch and
//! every peer is measured on the same values.

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal, Pareto};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The value distributions the quantile benchmarks run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Uniform on [0, 1).
    Uniform,
    /// Standard normal.
    Normal,
    /// Lognormal(0, 1.5).
    LogNormal,
    /// Pareto with shape 1.2 (heavy tail).
    Pareto,
    /// 0, 1, 2, ... (sorted input).
    Ascending,
}

impl Dist {
    /// All distributions, in report order.
    pub const ALL: [Dist; 5] = [
        Dist::Uniform,
        Dist::Normal,
        Dist::LogNormal,
        Dist::Pareto,
        Dist::Ascending,
    ];

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::Normal => "normal",
            Dist::LogNormal => "lognormal",
            Dist::Pareto => "pareto1.2",
            Dist::Ascending => "ascending",
        }
    }
}

/// `n` values of `dist`, reproducible from `seed`.
pub fn values(dist: Dist, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    match dist {
        Dist::Uniform => (0..n).map(|_| rng.random::<f64>()).collect(),
        Dist::Normal => {
            let d = Normal::new(0.0, 1.0).expect("valid");
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Dist::LogNormal => {
            let d = LogNormal::new(0.0, 1.5).expect("valid");
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Dist::Pareto => {
            let d = Pareto::new(1.0, 1.2).expect("valid");
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Dist::Ascending => (0..n).map(|i| i as f64).collect(),
    }
}

/// `n` distinct-ish u64 keys, reproducible from `seed`.
pub fn u64_keys(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n).map(|_| rng.random::<u64>()).collect()
}

/// `n` short strings (8 to 16 ASCII characters), reproducible from `seed`.
pub fn short_strings(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let len = rng.random_range(8..=16);
            (0..len)
                .map(|_| char::from(rng.random_range(b'a'..=b'z')))
                .collect()
        })
        .collect()
}

/// Exact normalized rank error of `estimate_rank` against sorted `truth`,
/// taken as the largest error over `points` evenly spaced ranks.
pub fn max_rank_error(
    sorted_truth: &[f64],
    points: usize,
    estimate_rank: impl Fn(f64) -> f64,
) -> f64 {
    let n = sorted_truth.len() as f64;
    let mut worst: f64 = 0.0;
    for i in 1..points {
        let q = i as f64 / points as f64;
        let x = sorted_truth[((q * n) as usize).min(sorted_truth.len() - 1)];
        let lo = sorted_truth.partition_point(|&v| v < x) as f64 / n;
        let hi = sorted_truth.partition_point(|&v| v <= x) as f64 / n;
        let est = estimate_rank(x);
        let err = if est < lo {
            lo - est
        } else if est > hi {
            est - hi
        } else {
            0.0
        };
        worst = worst.max(err);
    }
    worst
}

/// Seconds the calling thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`,
/// exact to the nanosecond, unlike `/proc/thread-self/schedstat`, which lags
/// by up to a scheduler tick), or `None` where the platform cannot tell. On a
/// shared machine this separates a contender's own cost from the time it
/// waited for a core.
pub fn thread_cpu_s() -> Option<f64> {
    cpu_time::ThreadTime::try_now()
        .ok()
        .map(|t| t.as_duration().as_secs_f64())
}
