//! KLL update and merge cost, distilled-kll against the `datasketches` 0.6 crate,
//! same run, same data (k = 200).
//!
//! Run with `cargo xtask bench kll` (or `cargo bench -p distilled-benches --bench kll`).
//! Set `KLL_BENCH_N` to change the stream length (default 1e7).

#![allow(missing_docs)] // criterion_group! generates undocumented functions.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datasketches::common::SearchCriteria as DsCriteria;
use datasketches::kll::{KllFloat, KllSketch as DsKll};
use distilled::kll::KllSketch;
use distilled_benches::{Dist, values};
use std::hint::black_box;
use std::time::Duration;

/// Nanoseconds this thread has spent on a CPU (Linux schedstat; 0 elsewhere).
/// The machine these figures come from is shared and loaded, so the update
/// benchmarks time thread CPU time, which other processes disturb far less
/// than wall time; ours and the peer's are measured the same way.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs `f` `iters` times and returns the thread CPU time spent (wall time
/// where schedstat is unavailable).
fn cpu_time(iters: u64, mut f: impl FnMut()) -> Duration {
    let wall = std::time::Instant::now();
    let start = cpu_ns();
    for _ in 0..iters {
        f();
    }
    let end = cpu_ns();
    if start == 0 && end == 0 {
        wall.elapsed()
    } else {
        Duration::from_nanos(end - start)
    }
}

fn n_values() -> usize {
    std::env::var("KLL_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000)
}

fn update(c: &mut Criterion) {
    let n = n_values();
    for dist in [Dist::Uniform, Dist::Ascending] {
        let xs = values(dist, n, 42);
        let wrapped: Vec<KllFloat<f64>> = xs
            .iter()
            .map(|&x| KllFloat::<f64>::new(x).unwrap())
            .collect();
        // Retained items at equal k and n, printed once for the report.
        let mut ours = KllSketch::<f64>::builder().seed(1).build().unwrap();
        ours.update_slice(&xs);
        let mut peer = DsKll::<KllFloat<f64>>::new(200).unwrap();
        for &x in &wrapped {
            peer.update(x);
        }
        let truth = {
            let mut s = xs.clone();
            s.sort_by(f64::total_cmp);
            s
        };
        let our_err = distilled_benches::max_rank_error(&truth, 1000, |x| {
            ours.rank(&x, distilled::kll::SearchCriteria::Inclusive)
                .unwrap()
        });
        let peer_err = distilled_benches::max_rank_error(&truth, 1000, |x| {
            peer.rank(&KllFloat::<f64>::new(x).unwrap(), DsCriteria::Inclusive)
                .unwrap()
        });
        println!(
            "kll {} n={n}: retained distilled {} / datasketches {}; max rank error (1000 ranks) {:.4}% / {:.4}%",
            dist.name(),
            ours.num_retained(),
            peer.num_retained(),
            our_err * 100.0,
            peer_err * 100.0
        );

        let mut g = c.benchmark_group(format!("kll_update_k200_{}", dist.name()));
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(3));
        g.warm_up_time(Duration::from_secs(1));
        g.bench_function("distilled_update", |b| {
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    let mut sk = KllSketch::<f64>::builder().seed(7).build().unwrap();
                    for &x in &xs {
                        sk.update(x);
                    }
                    black_box(sk.num_retained());
                })
            })
        });
        g.bench_function("distilled_update_slice", |b| {
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    let mut sk = KllSketch::<f64>::builder().seed(7).build().unwrap();
                    sk.update_slice(&xs);
                    black_box(sk.num_retained());
                })
            })
        });
        g.bench_function("datasketches_0.6", |b| {
            b.iter_custom(|iters| {
                cpu_time(iters, || {
                    let mut sk = DsKll::<KllFloat<f64>>::new(200).unwrap();
                    for &x in &wrapped {
                        sk.update(x);
                    }
                    black_box(sk.num_retained());
                })
            })
        });
        g.finish();
    }
}

fn merge(c: &mut Criterion) {
    // 100 sketches of 1e5 values each, merged into a fresh sketch.
    let xs = values(Dist::Normal, 10_000_000, 43);
    let ours: Vec<KllSketch<f64>> = xs
        .chunks(100_000)
        .enumerate()
        .map(|(i, ch)| {
            let mut s = KllSketch::<f64>::builder().seed(i as u64).build().unwrap();
            s.update_slice(ch);
            s
        })
        .collect();
    let peers: Vec<DsKll<KllFloat<f64>>> = xs
        .chunks(100_000)
        .map(|ch| {
            let mut s = DsKll::<KllFloat<f64>>::new(200).unwrap();
            for &x in ch {
                s.update(KllFloat::<f64>::new(x).unwrap());
            }
            s
        })
        .collect();
    let mut g = c.benchmark_group("kll_merge_100_sketches_of_1e5");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(2));
    g.warm_up_time(Duration::from_secs(1));
    g.bench_function("distilled", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let mut acc = KllSketch::<f64>::builder().seed(9).build().unwrap();
                for s in &ours {
                    acc.merge(s).unwrap();
                }
                black_box(acc.n());
            })
        })
    });
    g.bench_function("datasketches_0.6", |b| {
        b.iter_custom(|iters| {
            cpu_time(iters, || {
                let mut acc = DsKll::<KllFloat<f64>>::new(200).unwrap();
                for s in &peers {
                    acc.merge(s).unwrap();
                }
                black_box(acc.n());
            })
        })
    });
    g.finish();
}

criterion_group!(benches, update, merge);
criterion_main!(benches);
