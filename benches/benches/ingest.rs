//! Update throughput through `distilled-ingest` with 1 and 2 writer threads,
//! beside a plain single-threaded sketch and a `Mutex<sketch>` shared by 1 and
//! 2 threads, all in the same run.
//!
//! Every iteration builds a fresh front, has each thread make `PER_THREAD`
//! updates from its own pre-generated slice, one `update` call per item, and
//! (for ingest) takes the final merged snapshot, so publication and merge
//! costs are included. Throughput is reported in updates per second over all
//! threads.
//!
//! Contenders per sketch:
//! * `single_thread`: the sketch's own `update` per item, no sharing;
//!   `single_thread_bulk`: its bulk method over blocks of 512 (the floor for
//!   a buffered writer).
//! * `ingest_{1,2}_writers`: `BufferedWriter` (512 items, applied with the
//!   sketch's bulk method), one `update` call per item;
//!   `ingest_{1,2}_writers_unbuffered`: the plain `Writer`.
//! * `mutex_{1,2}_threads`: `Mutex<sketch>`, one lock per update, as users
//!   write it (the baseline of the targets);
//!   `mutex_2_threads_batched`: each thread buffers 512 items and applies them
//!   with the bulk method under one lock (a better-written Mutex user,
//!   reported separately).
//!
//! Run: `cargo xtask bench ingest`. Figures: docs/bench-ingest.md.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use distilled::core::{EmptyLike, MergeError, Mergeable, Update};
use distilled::ingest::{DEFAULT_BUFFER, DEFAULT_PUBLISH_EVERY, Ingest, update_each};
use distilled::kll::KllSketch;
use distilled::tdigest::TDigest;
use distilled::theta::ThetaSketch;
use distilled_benches::{Dist, u64_keys, values};

/// Updates per thread per iteration (kept small: the machine is shared).
const PER_THREAD: usize = 1 << 19;

/// An exact count-and-sum "sketch": the cheapest possible update, so that
/// the layer's own overhead is what shows.
#[derive(Clone, Copy, Default)]
struct CountSum {
    n: u64,
    sum: f64,
}

impl Mergeable for CountSum {
    fn merge(&mut self, o: &Self) -> Result<(), MergeError> {
        self.n += o.n;
        self.sum += o.sum;
        Ok(())
    }
}
impl EmptyLike for CountSum {
    fn empty_like(&self) -> Self {
        CountSum::default()
    }
}
impl Update<f64> for CountSum {
    fn update(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
    }
}

fn time_threads<F: Fn(usize) + Sync>(threads: usize, work: F) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let work = &work;
            s.spawn(move || work(t));
        }
    });
    start.elapsed()
}

/// The five contenders for one sketch type.
fn contenders<S, T>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    proto: &S,
    data: &[Vec<T>; 2],
    bulk: fn(&mut S, &[T]),
) where
    S: Mergeable + EmptyLike + Update<T> + Clone + Send + Sync,
    T: Copy + Default + Send + Sync,
{
    let n = data[0].len() as u64;

    g.throughput(Throughput::Elements(n));
    // Run on a spawned thread too, so that every contender pays the same
    // thread start-up cost.
    g.bench_function("single_thread", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += time_threads(1, |_| {
                    let mut s = proto.empty_like();
                    for &x in &data[0] {
                        s.update(x);
                    }
                    black_box(s);
                });
            }
            total
        })
    });

    g.bench_function("single_thread_bulk", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += time_threads(1, |_| {
                    let mut s = proto.empty_like();
                    for block in data[0].chunks(DEFAULT_BUFFER) {
                        bulk(&mut s, block);
                    }
                    black_box(s);
                });
            }
            total
        })
    });

    for threads in [1usize, 2] {
        g.throughput(Throughput::Elements(n * threads as u64));
        g.bench_function(format!("ingest_{threads}_writers"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let ingest = Ingest::builder(proto.empty_like())
                        .publish_every(DEFAULT_PUBLISH_EVERY)
                        .build();
                    let writers: Vec<_> = (0..threads)
                        .map(|_| Mutex::new(Some(ingest.buffered_writer(bulk))))
                        .collect();
                    let start = Instant::now();
                    let spent = time_threads(threads, |t| {
                        let mut w = writers[t].lock().unwrap().take().unwrap();
                        for &x in &data[t] {
                            w.update(x);
                        }
                    });
                    ingest.read(|s| black_box(s as *const S)).unwrap();
                    total += spent.max(start.elapsed());
                }
                total
            })
        });
        g.bench_function(format!("ingest_{threads}_writers_unbuffered"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let ingest = Ingest::builder(proto.empty_like())
                        .publish_every(DEFAULT_PUBLISH_EVERY)
                        .build();
                    let writers: Vec<_> = (0..threads)
                        .map(|_| Mutex::new(Some(ingest.writer())))
                        .collect();
                    let start = Instant::now();
                    let spent = time_threads(threads, |t| {
                        let mut w = writers[t].lock().unwrap().take().unwrap();
                        for &x in &data[t] {
                            w.update(x);
                        }
                    });
                    ingest.read(|s| black_box(s as *const S)).unwrap();
                    total += spent.max(start.elapsed());
                }
                total
            })
        });
        g.bench_function(format!("mutex_{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let shared = Mutex::new(proto.empty_like());
                    total += time_threads(threads, |t| {
                        for &x in &data[t] {
                            shared.lock().unwrap().update(x);
                        }
                    });
                    black_box(&shared);
                }
                total
            })
        });
    }
    g.bench_function("mutex_2_threads_batched", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let shared = Mutex::new(proto.empty_like());
                total += time_threads(2, |t| {
                    let mut buf = [T::default(); DEFAULT_BUFFER];
                    let mut len = 0;
                    for &x in &data[t] {
                        buf[len] = x;
                        len += 1;
                        if len == DEFAULT_BUFFER {
                            bulk(&mut shared.lock().unwrap(), &buf);
                            len = 0;
                        }
                    }
                    bulk(&mut shared.lock().unwrap(), &buf[..len]);
                });
                black_box(&shared);
            }
            total
        })
    });
}

/// One writer at several publication intervals: the writer's cost per
/// publication is one clone of its shard, so larger intervals trade
/// staleness for less copying.
fn intervals<S, T>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    proto: &S,
    data: &[T],
    bulk: fn(&mut S, &[T]),
) where
    S: Mergeable + EmptyLike + Update<T> + Clone + Send + Sync,
    T: Copy + Default + Send + Sync,
{
    g.throughput(Throughput::Elements(data.len() as u64));
    for every in [1u64 << 10, 1 << 12, 1 << 14, 1 << 16] {
        g.bench_function(format!("ingest_1_writer_every_{every}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let ingest = Ingest::builder(proto.empty_like())
                        .publish_every(every)
                        .build();
                    let w = Mutex::new(Some(ingest.buffered_writer(bulk)));
                    let start = Instant::now();
                    time_threads(1, |_| {
                        let mut w = w.lock().unwrap().take().unwrap();
                        for &x in data {
                            w.update(x);
                        }
                    });
                    ingest.read(|s| black_box(s as *const S)).unwrap();
                    total += start.elapsed();
                }
                total
            })
        });
    }
}

fn bench_ingest(c: &mut Criterion) {
    let f64_data = [
        values(Dist::Uniform, PER_THREAD, 1),
        values(Dist::Uniform, PER_THREAD, 2),
    ];

    let mut g = c.benchmark_group("ingest/count_sum");
    contenders(&mut g, &CountSum::default(), &f64_data, update_each);
    g.finish();

    let mut g = c.benchmark_group("ingest/kll");
    let kll = distilled::kll::KllSketch::<f64>::new();
    contenders(&mut g, &kll, &f64_data, KllSketch::update_slice);
    g.finish();

    let mut g = c.benchmark_group("ingest/tdigest");
    let td = distilled::tdigest::TDigest::new(100).expect("valid compression");
    contenders(&mut g, &td, &f64_data, TDigest::add_many);
    g.finish();

    let keys = [u64_keys(PER_THREAD, 3), u64_keys(PER_THREAD, 4)];
    let mut g = c.benchmark_group("ingest/theta");
    let theta = distilled::theta::ThetaSketch::new(12).expect("valid lg_k");
    contenders(&mut g, &theta, &keys, ThetaSketch::update_many::<u64>);
    g.finish();

    let mut g = c.benchmark_group("ingest/interval_theta");
    intervals(&mut g, &theta, &keys[0], ThetaSketch::update_many::<u64>);
    g.finish();
    let mut g = c.benchmark_group("ingest/interval_tdigest");
    intervals(&mut g, &td, &f64_data[0], TDigest::add_many);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench_ingest
}
criterion_main!(benches);
