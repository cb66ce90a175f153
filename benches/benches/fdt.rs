//! distilled-fdt: update cost per tuple and `result()` time at 1e6 tuples.
//!
//! No other Rust library has an FDT sketch. The peer row is the `datasketches`
//! 0.6 generic tuple sketch doing the same work by hand: the same Java-exact
//! tuple key (`tuple_key64`, so both hash the same 64-bit key) and a
//! `Vec<String>` summary filled on first sight, so that it retains the same
//! tuples. Run with `cargo xtask bench fdt`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datasketches::tuple::{SummaryPolicy, SummaryUpdatePolicy, TupleSketchBuilder};
use distilled::core::NumStdDev;
use distilled::core::hash::theta_hash_i64;
use distilled::fdt::FdtSketch;
use distilled::fdt::hash::tuple_key64;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const N: usize = 1_000_000;

/// 1e6 (ip, user) tuples: three heavy IPs own 25%, 15% and 10% of the
/// tuples, one user appears from 12% of them, the rest is spread thin
/// (about 950k distinct tuples).
fn ip_user_tuples(n: usize, seed: u64) -> Vec<[String; 2]> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let r: u32 = rng.random_range(0..100);
            let user = format!("user{}", rng.random_range(0..2_000_000u32));
            match r {
                0..=24 => ["10.1.1.1".to_string(), user],
                25..=39 => ["10.2.2.2".to_string(), user],
                40..=49 => ["10.3.3.3".to_string(), user],
                50..=61 => [
                    format!(
                        "172.{}.{}.{}",
                        16 + rng.random_range(0..16u32),
                        rng.random_range(0..256u32),
                        rng.random_range(0..256u32)
                    ),
                    "crawler".to_string(),
                ],
                _ => [
                    format!(
                        "192.168.{}.{}",
                        rng.random_range(0..256u32),
                        rng.random_range(0..256u32)
                    ),
                    user,
                ],
            }
        })
        .collect()
}

/// The peer's summary policy: keep the first tuple seen under a key.
#[derive(Default)]
struct FirstTuple;

impl SummaryPolicy for FirstTuple {
    type Summary = Vec<String>;
    fn create(&self) -> Vec<String> {
        Vec::new()
    }
}

impl SummaryUpdatePolicy<&[String; 2]> for FirstTuple {
    fn update(&self, summary: &mut Vec<String>, value: &[String; 2]) {
        if summary.is_empty() {
            summary.extend(value.iter().cloned());
        }
    }
}

fn configure() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

fn updates(c: &mut Criterion) {
    let tuples = ip_user_tuples(N, 1);
    let mut g = c.benchmark_group("fdt_update");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("key_hash_only_floor", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for t in &tuples {
                acc ^= theta_hash_i64(tuple_key64(t), 9001);
            }
            black_box(acc)
        })
    });
    g.bench_function("distilled_fdt_lg12", |b| {
        b.iter(|| {
            let mut s = FdtSketch::new(0.1, 0.05).unwrap();
            for t in &tuples {
                s.update(t);
            }
            black_box(s.num_retained())
        })
    });
    g.bench_function("datasketches_tuple_lg12", |b| {
        b.iter(|| {
            let mut s = TupleSketchBuilder::new(FirstTuple)
                .lg_k(12)
                .build()
                .unwrap();
            for t in &tuples {
                s.update(tuple_key64(t), t);
            }
            black_box(s.num_retained())
        })
    });
    g.bench_function("distilled_fdt_lg16", |b| {
        b.iter(|| {
            let mut s = FdtSketch::new(0.01, 0.05).unwrap();
            for t in &tuples {
                s.update(t);
            }
            black_box(s.num_retained())
        })
    });
    g.finish();
}

fn results(c: &mut Criterion) {
    let tuples = ip_user_tuples(N, 1);
    let mut g = c.benchmark_group("fdt_result");
    for (name, threshold) in [("lg12", 0.1), ("lg16", 0.01)] {
        let mut s = FdtSketch::new(threshold, 0.05).unwrap();
        for t in &tuples {
            s.update(t);
        }
        let retained = s.num_retained();
        g.throughput(Throughput::Elements(retained as u64));
        g.bench_function(format!("by_ip_top20_{name}_{retained}_entries"), |b| {
            b.iter(|| black_box(s.result(&[0], 20, NumStdDev::Two, '|').unwrap()))
        });
        g.bench_function(format!("by_user_top20_{name}_{retained}_entries"), |b| {
            b.iter(|| black_box(s.result(&[1], 20, NumStdDev::Two, '|').unwrap()))
        });
        g.bench_function(format!("serialize_{name}"), |b| {
            b.iter(|| black_box(s.to_datasketches_bytes()))
        });
        let bytes = s.to_datasketches_bytes();
        g.bench_function(format!("deserialize_{name}"), |b| {
            b.iter(|| {
                black_box(FdtSketch::from_datasketches_bytes_with_lg_k(
                    &bytes,
                    s.lg_k(),
                ))
            })
        });
    }
    g.finish();
}

#[allow(missing_docs)]
mod entry {
    use super::*;
    criterion_group! {
        name = benches;
        config = configure();
        targets = updates, results
    }
}
criterion_main!(entry::benches);
