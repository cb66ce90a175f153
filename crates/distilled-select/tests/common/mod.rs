//! Synthetic streams and the window-representativeness evaluation shared by
//! the integration tests: every figure is taken for the distiller and for
//! Bernoulli sampling at the same rate on the same stream.
#![allow(dead_code, clippy::needless_range_loop, clippy::useless_vec)]

use distilled_select::metrics::{ks_distance, total_variation};
use distilled_select::{Bernoulli, Decision, DistilledProcessor, ManualClock};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal, Pareto};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Categories of the drifting "region" characteristic.
pub const REGIONS: [&str; 4] = ["north", "south", "east", "west"];
/// Categories of the "tier" characteristic (correlated with `spend`).
pub const TIERS: [&str; 3] = ["basic", "plus", "pro"];

/// One synthetic record: values as the graders see them.
#[derive(Debug, Clone)]
pub struct Rec {
    /// Drifting shares; ~3% missing, ~2% values outside the list.
    pub region: Option<String>,
    /// Trimodal mixture; ~5% missing.
    pub spend: Option<f64>,
    /// Pareto(1, 1.3): heavy tail.
    pub latency: f64,
    /// Correlated with spend.
    pub tier: Option<String>,
}

/// Grader kinds in order: true = numeric.
pub const NUMERIC: [bool; 4] = [false, true, true, false];

/// Per-record row for evaluation: numeric value (NaN = missing) or category
/// code (categories, then other, then missing).
pub fn row(r: &Rec) -> [f64; 4] {
    let code = |v: &Option<String>, cats: &[&str]| match v {
        None => cats.len() as f64 + 1.0,
        Some(s) => cats.iter().position(|c| c == s).unwrap_or(cats.len()) as f64,
    };
    [
        code(&r.region, &REGIONS),
        r.spend.unwrap_or(f64::NAN),
        r.latency,
        code(&r.tier, &TIERS),
    ]
}

/// Number of buckets of categorical characteristic `c`.
pub fn cat_buckets(c: usize) -> usize {
    match c {
        0 => REGIONS.len() + 2,
        3 => TIERS.len() + 2,
        _ => 0,
    }
}

/// A stream of `n` records, `per_sec` per second on average, with bursts
/// (every 50 s a second with 10x the load) and drifting region shares.
pub fn stream(n: usize, per_sec: f64, seed: u64) -> Vec<(f64, Rec)> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let modes = [
        Normal::new(20.0, 3.0).unwrap(),
        Normal::new(60.0, 8.0).unwrap(),
        Normal::new(200.0, 30.0).unwrap(),
    ];
    let pareto = Pareto::new(1.0, 1.3).unwrap();
    let mut out = Vec::with_capacity(n);
    let mut t = 1_000_000.0f64;
    while out.len() < n {
        let sec = (t - 1_000_000.0) as u64;
        let load = if sec % 50 == 49 {
            per_sec * 10.0
        } else {
            per_sec
        };
        let count = (load + rng.random::<f64>()).floor() as usize;
        let phase = (out.len() as f64 / n as f64) * std::f64::consts::TAU;
        for _ in 0..count.min(n - out.len()) {
            // Region shares drift: north grows, west shrinks, with a wave.
            let w = [
                1.0 + phase.sin(),
                1.0,
                0.5 + 0.5 * phase.cos().abs(),
                1.5 - 0.2 * phase,
            ];
            let total: f64 = w.iter().map(|x: &f64| x.max(0.05)).sum();
            let mut u = rng.random::<f64>() * total;
            let mut reg = 3;
            for (i, x) in w.iter().enumerate() {
                u -= x.max(0.05);
                if u <= 0.0 {
                    reg = i;
                    break;
                }
            }
            let region = match rng.random::<f64>() {
                x if x < 0.03 => None,
                x if x < 0.05 => Some("elsewhere".to_owned()),
                _ => Some(REGIONS[reg].to_owned()),
            };
            let m = match rng.random::<f64>() {
                x if x < 0.5 => 0,
                x if x < 0.8 => 1,
                _ => 2,
            };
            let s = modes[m].sample(&mut rng);
            let spend = (rng.random::<f64>() >= 0.05).then_some(s);
            // Tier follows the spend mode most of the time.
            let tier_i = if rng.random::<f64>() < 0.8 {
                m
            } else {
                rng.random_range(0..3)
            };
            let tier = (rng.random::<f64>() >= 0.02).then(|| TIERS[tier_i].to_owned());
            let latency = pareto.sample(&mut rng);
            out.push((
                t + rng.random::<f64>() * 0.999,
                Rec {
                    region,
                    spend,
                    latency,
                    tier,
                },
            ));
        }
        t += 1.0;
    }
    // Within a second the records arrive in time order.
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The processor the tests use on [`Rec`] streams.
pub fn processor(rate: f64, horizon: f64, seed: u64) -> DistilledProcessor<Rec> {
    DistilledProcessor::<Rec>::builder()
        .categorical("region", &REGIONS, |r: &Rec| r.region.clone())
        .numeric("spend", |r: &Rec| r.spend)
        .numeric("latency", |r: &Rec| Some(r.latency))
        .categorical("tier", &TIERS, |r: &Rec| r.tier.clone())
        .rate(rate)
        .horizon_secs(horizon)
        .seed(seed)
        .clock(ManualClock::new(0.0))
        .build()
        .unwrap()
}

/// Mean distances over the checkpoints, per characteristic and per pair,
/// for the distiller and for Bernoulli.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per characteristic: (distiller, bernoulli).
    pub single: Vec<(f64, f64)>,
    /// Per pair (i, j): (distiller, bernoulli).
    pub pairs: Vec<((usize, usize), f64, f64)>,
    /// Mean number of passed records in the evaluated windows.
    pub mean_kept: f64,
    /// Mean window length.
    pub mean_window: f64,
}

/// Distance of one characteristic over a window for a pass mask.
fn single_distance(rows: &[[f64; 4]], mask: &[bool], c: usize) -> f64 {
    if NUMERIC[c] {
        let mut all: Vec<f64> = rows.iter().map(|r| r[c]).collect();
        let mut pas: Vec<f64> = rows
            .iter()
            .zip(mask)
            .filter(|(_, m)| **m)
            .map(|(r, _)| r[c])
            .collect();
        ks_distance(&mut all, &mut pas)
    } else {
        let nb = cat_buckets(c);
        let mut all = vec![0u64; nb];
        let mut pas = vec![0u64; nb];
        for (r, &m) in rows.iter().zip(mask) {
            all[r[c] as usize] += 1;
            if m {
                pas[r[c] as usize] += 1;
            }
        }
        total_variation(&all, &pas)
    }
}

/// Coarse code for joint shares: category, or numeric quartile of the
/// window (0..4) with 4 = missing.
fn coarse_codes(rows: &[[f64; 4]], c: usize) -> (Vec<usize>, usize) {
    if NUMERIC[c] {
        let mut v: Vec<f64> = rows.iter().map(|r| r[c]).filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let q: Vec<f64> = (1..4)
            .map(|i| v.get(i * v.len() / 4).copied().unwrap_or(0.0))
            .collect();
        let codes = rows
            .iter()
            .map(|r| {
                if r[c].is_nan() {
                    4
                } else {
                    q.partition_point(|&b| b <= r[c])
                }
            })
            .collect();
        (codes, 5)
    } else {
        (rows.iter().map(|r| r[c] as usize).collect(), cat_buckets(c))
    }
}

fn pair_distance(codes: &[(Vec<usize>, usize)], mask: &[bool], i: usize, j: usize) -> f64 {
    let (ci, _) = &codes[i];
    let (cj, nj) = &codes[j];
    let cells = codes[i].1 * nj;
    let mut all = vec![0u64; cells];
    let mut pas = vec![0u64; cells];
    for k in 0..mask.len() {
        let cell = ci[k] * nj + cj[k];
        all[cell] += 1;
        if mask[k] {
            pas[cell] += 1;
        }
    }
    total_variation(&all, &pas)
}

/// Runs the distiller and Bernoulli over `stream` in batches of `batch`,
/// evaluating the window every `every` batches once the first horizon has
/// passed.
pub fn evaluate(
    stream: &[(f64, Rec)],
    rate: f64,
    horizon: f64,
    batch: usize,
    every: usize,
    seed: u64,
) -> Report {
    let mut p = processor(rate, horizon, seed);
    let mut bern = Bernoulli::new(rate, seed ^ 0xB0B);
    let rows: Vec<[f64; 4]> = stream.iter().map(|(_, r)| row(r)).collect();
    let mut dist_mask = vec![false; stream.len()];
    let mut bern_mask = vec![false; stream.len()];
    let mut sums_single = vec![(0.0, 0.0); 4];
    let mut pair_ids = Vec::new();
    for i in 0..4 {
        for j in i + 1..4 {
            pair_ids.push((i, j));
        }
    }
    let mut sums_pairs = vec![(0.0, 0.0); pair_ids.len()];
    let (mut checks, mut kept, mut wlen) = (0usize, 0.0, 0.0);
    let start = stream[0].0;
    for (b, chunk) in stream.chunks(batch).enumerate() {
        let off = b * batch;
        let d = p.classify_batch_at(chunk);
        for (k, d) in d.iter().enumerate() {
            assert!(matches!(d, Decision::Passed | Decision::NotSelected));
            dist_mask[off + k] = *d == Decision::Passed;
            bern_mask[off + k] = bern.keep();
        }
        let now = chunk.last().unwrap().0;
        if now - start < horizon * 1.05 || b % every != 0 {
            continue;
        }
        let end = off + chunk.len();
        let lo = stream[..end].partition_point(|(t, _)| *t <= now - horizon);
        let w = &rows[lo..end];
        let (dm, bm) = (&dist_mask[lo..end], &bern_mask[lo..end]);
        for c in 0..4 {
            sums_single[c].0 += single_distance(w, dm, c);
            sums_single[c].1 += single_distance(w, bm, c);
        }
        let codes: Vec<_> = (0..4).map(|c| coarse_codes(w, c)).collect();
        for (k, &(i, j)) in pair_ids.iter().enumerate() {
            sums_pairs[k].0 += pair_distance(&codes, dm, i, j);
            sums_pairs[k].1 += pair_distance(&codes, bm, i, j);
        }
        checks += 1;
        kept += dm.iter().filter(|m| **m).count() as f64;
        wlen += w.len() as f64;
    }
    assert!(checks > 0, "no checkpoint evaluated");
    let n = checks as f64;
    Report {
        single: sums_single.iter().map(|(a, b)| (a / n, b / n)).collect(),
        pairs: pair_ids
            .iter()
            .zip(&sums_pairs)
            .map(|(&ij, (a, b))| (ij, a / n, b / n))
            .collect(),
        mean_kept: kept / n,
        mean_window: wlen / n,
    }
}

/// Median of a slice.
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}
