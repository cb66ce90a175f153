//! t-digest: add throughput, accuracy at an equal retained-centroid budget, and
//! merging 100 digests, for distilled-tdigest against the `tdigest` 1.x and
//! `datasketches` 0.6 crates, in the same run and on the same data.
//!
//! Run with `cargo xtask bench tdigest` (or
//! `cargo bench -p distilled-benches --bench tdigest`). `TDIGEST_BENCH_N` sets
//! the stream length for add throughput (default 1e6; the peer figures were
//! taken at 1e7). The accuracy table is printed once before the timings
//! (`TDIGEST_BENCH_ACCURACY=0` skips it for quick timing runs). Accuracy
//! options: `TDIGEST_BENCH_SEEDS` (default 21), `TDIGEST_BENCH_TAILS=1`
//! (per-q median |error| and mean signed error in ranks, and the mean over
//! seeds of the worst tail error), `TDIGEST_BENCH_DISTS=uniform,normal`
//! (some rows only), `TDIGEST_BENCH_FAST=1` (only the matched K1 row and
//! `datasketches`), `TDIGEST_BENCH_MATCH_FROM` (first compression the
//! matched search tries, default 30). `-- none` runs no criterion group.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use datasketches::tdigest::TDigestMut as DsDigest;
use distilled::tdigest::{Scale, TDigest};
use distilled_benches::{Dist, values};
use std::hint::black_box;
use std::time::Duration;

fn n_values() -> usize {
    std::env::var("TDIGEST_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// Distance from `q` to the exact rank interval of `x`.
fn rank_error(sorted: &[f64], x: f64, q: f64) -> f64 {
    signed_rank_error(sorted, x, q).abs()
}

/// Signed distance from `q` to the exact rank interval of `x`: positive when
/// `x` ranks above `q` (the estimate is too large), zero inside the interval.
fn signed_rank_error(sorted: &[f64], x: f64, q: f64) -> f64 {
    let n = sorted.len() as f64;
    let lo = sorted.partition_point(|&v| v < x) as f64 / n;
    let hi = sorted.partition_point(|&v| v <= x) as f64 / n;
    if q < lo {
        lo - q
    } else if q > hi {
        hi - q
    } else {
        0.0
    }
}

struct Acc {
    centroids: usize,
    max: f64,
    tail: f64,
    /// Rank error at each of [`REPORT_QS`].
    tails: [f64; 7],
    /// Signed rank error at each of [`REPORT_QS`] (estimate's rank minus q).
    signed: [f64; 7],
    p999_rel: f64,
}

/// Ranks whose errors are reported one by one: the tails and the issue's
/// points (0.001, 0.01, 0.5, 0.99, 0.999).
const REPORT_QS: [f64; 7] = [0.0001, 0.001, 0.01, 0.5, 0.99, 0.999, 0.9999];

/// The tail ranks: `tail` is the worst error over these.
const TAIL_QS: [f64; 4] = [0.0001, 0.001, 0.999, 0.9999];

fn accuracy(sorted: &[f64], centroids: usize, quantile: impl Fn(f64) -> f64) -> Acc {
    let max = (0..1000)
        .map(|i| {
            let q = (i as f64 + 0.5) / 1000.0;
            rank_error(sorted, quantile(q), q)
        })
        .fold(0.0, f64::max);
    let tails = REPORT_QS.map(|q| rank_error(sorted, quantile(q), q));
    let signed = REPORT_QS.map(|q| signed_rank_error(sorted, quantile(q), q));
    let tail = TAIL_QS
        .map(|q| rank_error(sorted, quantile(q), q))
        .into_iter()
        .fold(0.0, f64::max);
    let truth = sorted[((0.999 * sorted.len() as f64) as usize).min(sorted.len() - 1)];
    let p999_rel = if truth != 0.0 {
        ((quantile(0.999) - truth) / truth).abs()
    } else {
        (quantile(0.999) - truth).abs()
    };
    Acc {
        centroids,
        max,
        tail,
        tails,
        signed,
        p999_rel,
    }
}

/// The accuracy inputs: the shared distributions plus a heavy-duplicate
/// stream (50 distinct integers, skewed counts: integer latencies).
fn acc_values(dist: Option<Dist>, n: usize, seed: u64) -> Vec<f64> {
    match dist {
        Some(d) => values(d, n, seed),
        None => {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
            (0..n)
                .map(|_| {
                    let u: f64 = rng.random();
                    (u * u * 50.0).floor()
                })
                .collect()
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn ours(xs: &[f64], scale: Scale, compression: u16) -> TDigest {
    let mut d = TDigest::with_scale(compression, scale).unwrap();
    d.add_many(xs);
    d.compress();
    d
}

/// Accuracy, median over `TDIGEST_BENCH_SEEDS` seeds (default 21), at equal
/// memory: `datasketches` k = 100 keeps 140-170 centroids; `tdigest` gets
/// max_size 150; distilled K1 is shown at compression 50 and at the largest
/// compression whose median centroid count does not exceed the
/// `datasketches` median on that distribution ("matched"; K1 keeps about 2.5
/// centroids per unit of compression at 1e6 values). Distilled K2 at k = 100 is the same algorithm as `datasketches`
/// (byte-identical), shown for reference.
fn print_accuracy(n: usize) {
    let seeds: u64 = std::env::var("TDIGEST_BENCH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    println!(
        "t-digest accuracy, n = {n}, median over {seeds} seeds, about 150 retained centroids each"
    );
    println!(
        "{:<11} {:<22} {:>9} {:>14} {:>14} {:>12}",
        "dist", "digest", "centroids", "max rank err", "tail rank err", "p99.9 rel"
    );
    let dists = [
        Some(Dist::Uniform),
        Some(Dist::Normal),
        Some(Dist::LogNormal),
        Some(Dist::Pareto),
        Some(Dist::Ascending),
        None,
    ];
    // `TDIGEST_BENCH_DISTS=uniform,normal` restricts the table to some rows.
    let only = std::env::var("TDIGEST_BENCH_DISTS").ok();
    let tails = std::env::var("TDIGEST_BENCH_TAILS").is_ok();
    for dist in dists {
        let name = dist.map_or("dup50", Dist::name);
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|d| d == name))
        {
            continue;
        }
        let inputs: Vec<(Vec<f64>, Vec<f64>)> = (0..seeds)
            .map(|s| {
                let xs = acc_values(dist, n, 7 + s);
                let mut sorted = xs.clone();
                sorted.sort_by(f64::total_cmp);
                (xs, sorted)
            })
            .collect();
        let mut rows: Vec<(String, Vec<Acc>)> = Vec::new();
        let mut ds_acc = Vec::new();
        for (xs, sorted) in &inputs {
            let mut ds = DsDigest::new(100).unwrap();
            for &x in xs {
                ds.update(x);
            }
            let ds_bytes = ds.serialize();
            let ds_centroids = (ds_bytes.len().saturating_sub(32)) / 16;
            let ds = ds.freeze();
            ds_acc.push(accuracy(sorted, ds_centroids, |q| {
                ds.quantile(q).unwrap().unwrap()
            }));
        }
        let ds_median = median(ds_acc.iter().map(|a| a.centroids as f64).collect());
        // The largest K1 compression within the datasketches budget.
        let count = |c: u16| {
            median(
                inputs
                    .iter()
                    .map(|(xs, _)| ours(xs, Scale::K1, c).centroids().len() as f64)
                    .collect(),
            )
        };
        let mut matched: u16 = std::env::var("TDIGEST_BENCH_MATCH_FROM")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        while matched < 100 && count(matched + 1) <= ds_median {
            matched += 1;
        }
        // `TDIGEST_BENCH_FAST=1`: only the matched K1 row and `datasketches`.
        let fast = std::env::var("TDIGEST_BENCH_FAST").is_ok();
        for (label, scale, c) in [
            ("distilled K1 c=50".to_string(), Scale::K1, 50),
            (format!("distilled K1 c={matched}*"), Scale::K1, matched),
            ("distilled K2 k=100".to_string(), Scale::K2, 100),
        ] {
            if fast && c != matched {
                continue;
            }
            let accs = inputs
                .iter()
                .map(|(xs, sorted)| {
                    let d = ours(xs, scale, c);
                    accuracy(sorted, d.centroids().len(), |q| d.quantile(q).unwrap())
                })
                .collect();
            rows.push((label, accs));
        }
        if !fast {
            let td_acc = inputs
                .iter()
                .map(|(xs, sorted)| {
                    let mut td = tdigest::TDigest::new_with_size(150);
                    td.extend_values(xs.iter().copied());
                    td.flush();
                    accuracy(sorted, td.centroids().len(), |q| {
                        td.estimate_quantile(q).unwrap()
                    })
                })
                .collect();
            rows.push(("tdigest 1.0 size=150".to_string(), td_acc));
        }
        rows.push(("datasketches 0.6 k=100".to_string(), ds_acc));
        for (label, accs) in rows {
            let med = |f: fn(&Acc) -> f64| median(accs.iter().map(f).collect());
            println!(
                "{:<11} {:<22} {:>9} {:>13.4}% {:>13.4}% {:>11.3}%",
                name,
                label,
                med(|a| a.centroids as f64),
                med(|a| a.max) * 100.0,
                med(|a| a.tail) * 100.0,
                med(|a| a.p999_rel) * 100.0
            );
            if tails {
                // Per q: median absolute and mean signed rank error, in
                // ranks (items) out of n.
                let per_q: Vec<String> = (0..REPORT_QS.len())
                    .map(|i| {
                        let m = median(accs.iter().map(|a| a.tails[i]).collect());
                        let s = accs.iter().map(|a| a.signed[i]).sum::<f64>() / accs.len() as f64;
                        format!(
                            "q={}: {:.1} ({:+.1})",
                            REPORT_QS[i],
                            m * n as f64,
                            s * n as f64
                        )
                    })
                    .collect();
                let mean_tail = accs.iter().map(|a| a.tail).sum::<f64>() / accs.len() as f64;
                println!(
                    "{:<11} {:<22} {}  mean worst: {:.2}",
                    "",
                    "  median |err| (mean signed), ranks:",
                    per_q.join("  "),
                    mean_tail * n as f64
                );
            }
        }
    }
    println!("* matched: largest K1 compression with median centroids <= datasketches' median");
}

fn add(c: &mut Criterion) {
    let n = n_values();
    if std::env::var("TDIGEST_BENCH_ACCURACY").as_deref() != Ok("0") {
        print_accuracy(n);
    }
    for dist in [Dist::Uniform, Dist::Ascending] {
        let xs = values(dist, n, 42);
        let mut g = c.benchmark_group(format!("tdigest_add_{}", dist.name()));
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(3));
        g.warm_up_time(Duration::from_secs(1));
        g.bench_function("distilled_k1_c50_add", |b| {
            b.iter(|| {
                let mut d = TDigest::new(50).unwrap();
                for &x in &xs {
                    d.add(x);
                }
                d.compress();
                black_box(d.centroids().len())
            })
        });
        g.bench_function("distilled_k1_c50_add_many", |b| {
            b.iter(|| {
                let mut d = TDigest::new(50).unwrap();
                d.add_many(&xs);
                d.compress();
                black_box(d.centroids().len())
            })
        });
        g.bench_function("distilled_k2_k100_add", |b| {
            b.iter(|| {
                let mut d = TDigest::with_scale(100, Scale::K2).unwrap();
                for &x in &xs {
                    d.add(x);
                }
                d.compress();
                black_box(d.centroids().len())
            })
        });
        g.bench_function("tdigest_size150_push", |b| {
            b.iter(|| {
                let mut d = tdigest::TDigest::new_with_size(150);
                for &x in &xs {
                    d.push(x);
                }
                d.flush();
                black_box(d.centroids().len())
            })
        });
        g.bench_function("datasketches_k100_update", |b| {
            b.iter(|| {
                let mut d = DsDigest::new(100).unwrap();
                for &x in &xs {
                    d.update(x);
                }
                black_box(d.freeze())
            })
        });
        g.finish();
    }
}

/// The merge benchmark's inputs, built from the same values for each crate.
fn merge_inputs() -> (Vec<TDigest>, Vec<tdigest::TDigest>, Vec<DsDigest>) {
    let parts_n = 100;
    let each = 100_000;
    let mut ours = Vec::new();
    let mut tds = Vec::new();
    let mut dss = Vec::new();
    for i in 0..parts_n {
        let xs = values(Dist::Normal, each, 1000 + i as u64);
        let mut d = TDigest::new(50).unwrap();
        d.add_many(&xs);
        d.compress();
        ours.push(d);
        let mut t = tdigest::TDigest::new_with_size(150);
        t.extend_values(xs.iter().copied());
        t.flush();
        tds.push(t);
        let mut s = DsDigest::new(100).unwrap();
        for &x in &xs {
            s.update(x);
        }
        let _ = s.serialize(); // compress, as a shipped digest would be
        dss.push(s);
    }
    (ours, tds, dss)
}

/// 100 digests of 1e5 normal values each, about 150 centroids per digest
/// (distilled K1 c=50, `tdigest` size 150, `datasketches` k=100).
fn merge(c: &mut Criterion) {
    let (ours, tds, dss) = merge_inputs();
    let mut g = c.benchmark_group("tdigest_merge_100x1e5");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(2));
    g.warm_up_time(Duration::from_millis(500));
    g.bench_function("distilled_merge_many", |b| {
        b.iter(|| black_box(TDigest::merge_many(ours.iter(), 50).unwrap()))
    });
    g.bench_function("distilled_pairwise", |b| {
        b.iter_batched(
            || ours[0].clone(),
            |mut acc| {
                for d in &ours[1..] {
                    acc.merge(d).unwrap();
                }
                black_box(acc)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("tdigest_merge_digests", |b| {
        b.iter_batched(
            || tds.clone(),
            |v| black_box(tdigest::TDigest::merge_digests(v)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("datasketches_merge", |b| {
        b.iter_batched(
            || DsDigest::new(100).unwrap(),
            |mut acc| {
                for d in &dss {
                    acc.merge(d);
                }
                black_box(acc.freeze())
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Merging one digest that still holds a full buffer of raw values into an
/// empty one: what an ingest reader does for every live t-digest writer.
/// `distilled_merge` sorts only the buffered values and merges sorted runs;
/// `distilled_merge_sort_all` is the same merge sorting every item (the path
/// it replaced, bit-identical results); the peer merges a digest fed the same
/// values without a final compression.
fn merge_buffered(c: &mut Criterion) {
    let xs = values(Dist::Uniform, 1 << 20, 77);
    let mut ours = TDigest::new(100).unwrap();
    ours.add_many(&xs);
    let mut ds = DsDigest::new(100).unwrap();
    for &x in &xs {
        ds.update(x);
    }
    let mut g = c.benchmark_group("tdigest_merge_buffered_1e6");
    g.sample_size(20);
    g.bench_function("distilled_merge", |b| {
        b.iter(|| {
            let mut acc = TDigest::new(100).unwrap();
            acc.merge(&ours).unwrap();
            black_box(acc)
        })
    });
    g.bench_function("distilled_merge_sort_all", |b| {
        b.iter(|| {
            let mut acc = TDigest::new(100).unwrap();
            acc.merge_by_sorting_all(&ours).unwrap();
            black_box(acc)
        })
    });
    g.bench_function("datasketches_merge", |b| {
        b.iter(|| {
            let mut acc = DsDigest::new(100).unwrap();
            acc.merge(&ds);
            black_box(acc.freeze())
        })
    });
    g.finish();
}

/// Interleaved rounds, best of each: on a loaded machine the minimum over
/// many short rounds is far steadier than criterion's mean. Enabled with
/// `TDIGEST_QUICK=<rounds>`; prints ns/value (add) and ms (merge) and exits.
fn quick(rounds: usize) {
    let n = n_values();
    let time = |f: &mut dyn FnMut() -> usize| {
        let t = std::time::Instant::now();
        black_box(f());
        t.elapsed().as_secs_f64()
    };
    for dist in [Dist::Uniform, Dist::Ascending] {
        let xs = values(dist, n, 42);
        let mut best = [f64::INFINITY; 4];
        for _ in 0..rounds {
            let ts = [
                time(&mut || {
                    let mut d = TDigest::new(50).unwrap();
                    for &x in &xs {
                        d.add(x);
                    }
                    d.compress();
                    d.centroids().len()
                }),
                time(&mut || {
                    let mut d = TDigest::new(50).unwrap();
                    d.add_many(&xs);
                    d.compress();
                    d.centroids().len()
                }),
                time(&mut || {
                    let mut d = tdigest::TDigest::new_with_size(150);
                    for &x in &xs {
                        d.push(x);
                    }
                    d.flush();
                    d.centroids().len()
                }),
                time(&mut || {
                    let mut d = DsDigest::new(100).unwrap();
                    for &x in &xs {
                        d.update(x);
                    }
                    d.freeze().is_empty() as usize
                }),
            ];
            for (b, t) in best.iter_mut().zip(ts) {
                *b = b.min(t);
            }
        }
        let ns = |t: f64| t * 1e9 / n as f64;
        println!(
            "{:<10} best of {rounds}: distilled add {:.1} ns, add_many {:.1} ns, tdigest push {:.1} ns ({:.2}x / {:.2}x), datasketches update {:.1} ns",
            dist.name(),
            ns(best[0]),
            ns(best[1]),
            ns(best[2]),
            best[2] / best[0],
            best[2] / best[1],
            ns(best[3]),
        );
    }
    let (ours, tds, dss) = merge_inputs();
    let mut best = [f64::INFINITY; 3];
    for _ in 0..rounds {
        let ts = [
            time(&mut || {
                TDigest::merge_many(ours.iter(), 50)
                    .unwrap()
                    .centroids()
                    .len()
            }),
            time(&mut || {
                let mut acc = DsDigest::new(100).unwrap();
                for d in &dss {
                    acc.merge(d);
                }
                acc.freeze().is_empty() as usize
            }),
            {
                let v = tds.clone();
                time(&mut || tdigest::TDigest::merge_digests(v.clone()).centroids().len())
            },
        ];
        for (b, t) in best.iter_mut().zip(ts) {
            *b = b.min(t);
        }
    }
    println!(
        "merge 100x1e5 best of {rounds}: distilled merge_many {:.3} ms, datasketches {:.3} ms ({:.2}x), tdigest merge_digests {:.3} ms (incl. clone)",
        best[0] * 1e3,
        best[1] * 1e3,
        best[1] / best[0],
        best[2] * 1e3,
    );
}

criterion_group!(benches, add, merge, merge_buffered);

fn main() {
    if let Some(rounds) = std::env::var("TDIGEST_QUICK")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        quick(rounds);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
