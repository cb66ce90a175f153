//! Update throughput through `distilled-ingest` with 1 and 2 writer threads
//! (and 4, 8, 16 on machines with that many cores), beside a plain
//! single-threaded sketch and a `Mutex<sketch>` shared by as many threads,
//! all in the same run.
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
//! * `ingest_{1,2,..}_writers`: `BufferedWriter` (512 items, applied with the
//!   sketch's bulk method), one `update` call per item;
//!   `ingest_{1,2,..}_writers_unbuffered`: the plain `Writer`.
//! * `mutex_{1,2,..}_threads`: `Mutex<sketch>`, one lock per update, as users
//!   write it (the baseline of the targets);
//!   `mutex_2_threads_batched`: each thread buffers 512 items and applies them
//!   with the bulk method under one lock (a better-written Mutex user,
//!   reported separately).
//!
//! Each thread's time runs from a common start (all threads spawned and
//! spinning until the last one arrives) to its own end, so thread start-up is not counted.
//! The interleaved rounds also print the writers' on-CPU time, which tells
//! writers slowing each other down from writers waiting for a core.
//!
//! Run: `cargo xtask bench ingest`. On a loaded machine, also
//! `INGEST_ROUNDS=31 cargo bench -p distilled-benches --bench ingest -- ingest_interleaved`
//! (interleaved rounds, min and median per case, ratios from the same rounds).
//! Figures: docs/bench-ingest.md.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use distilled::core::{EmptyLike, MergeError, Mergeable, Update};
use distilled::ingest::{DEFAULT_BUFFER, DEFAULT_PUBLISH_EVERY, Ingest, update_each};
use distilled::kll::KllSketch;
use distilled::tdigest::TDigest;
use distilled::theta::ThetaSketch;
use distilled_benches::{Dist, thread_cpu_s, u64_keys, values};

/// Updates per thread per iteration: enough that a scheduler tick on the
/// shared machine is a small part of one iteration (Theta, the fastest,
/// takes about 5 ms for 2^20 updates).
const PER_THREAD: usize = 1 << 20;

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

/// On-CPU nanoseconds of the timed threads since the last reset, summed
/// over threads (read by the interleaved rounds).
static WORKER_CPU_NS: AtomicU64 = AtomicU64::new(0);

/// Runs `work(t)` on `threads` fresh threads and returns the time from the
/// first thread's start to the last thread's end, every thread starting
/// when all of them are spawned: thread start-up, which is not an update
/// cost, is left out for every contender alike (spawning the second thread
/// used to land inside the 2-thread figures only). The threads meet by
/// spinning on a counter, not at a `Barrier`: on this virtual machine a
/// thread asleep in the barrier's futex wait started 14 us after the other
/// one (median of 200 pairs; up to 280 us), against 0.1 us when spinning,
/// and the 2-thread figures counted that skew as update time. The workers take
/// the times themselves: the spawning thread may not get a core before they
/// are done.
fn time_threads<F: Fn(usize) + Sync>(threads: usize, work: F) -> Duration {
    let arrived = AtomicUsize::new(0);
    let spans: Vec<Mutex<Option<(Instant, Instant)>>> =
        (0..threads).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (work, arrived, spans) = (&work, &arrived, &spans);
            s.spawn(move || {
                arrived.fetch_add(1, Relaxed);
                while arrived.load(Relaxed) < threads {
                    std::hint::spin_loop();
                }
                let cpu = thread_cpu_s();
                let start = Instant::now();
                work(t);
                let end = Instant::now();
                if let (Some(a), Some(b)) = (cpu, thread_cpu_s()) {
                    WORKER_CPU_NS.fetch_add(((b - a) * 1e9) as u64, Relaxed);
                }
                *spans[t].lock().unwrap() = Some((start, end));
            });
        }
    });
    let spans: Vec<(Instant, Instant)> = spans
        .into_iter()
        .map(|s| s.into_inner().unwrap().expect("every thread ran"))
        .collect();
    let first = spans
        .iter()
        .map(|s| s.0)
        .min()
        .expect("at least one thread");
    let last = spans
        .iter()
        .map(|s| s.1)
        .max()
        .expect("at least one thread");
    last - first
}

/// Writer counts measured: 1 and 2 always (the figures), and 4, 8
/// and 16 where the machine has that many cores (more writers than cores
/// would measure the scheduler, not the layer).
fn writer_counts() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    [1, 2, 4, 8, 16]
        .into_iter()
        .filter(|&t| t <= 2 || t <= cores)
        .collect()
}

/// The thread count in a contender's name (`ingest_4_writers` -> 4).
fn threads_of(name: &str) -> usize {
    name.split('_')
        .find_map(|part| part.parse().ok())
        .unwrap_or(1)
}

/// One iteration of `threads` ingest writers made by `make`, each feeding
/// its own slice of `data` through `update`, then one read of the merge.
fn writers_case<'a, S, T, W>(
    proto: &'a S,
    data: &'a [Vec<T>],
    threads: usize,
    make: impl Fn(&Ingest<S>) -> W + 'a,
) -> Box<dyn Fn() -> Duration + 'a>
where
    S: Mergeable + EmptyLike + Clone + Send + Sync,
    T: Copy + Sync,
    W: Update<T> + Send,
{
    Box::new(move || {
        let ingest = Ingest::builder(proto.empty_like())
            .publish_every(DEFAULT_PUBLISH_EVERY)
            .build();
        let writers: Vec<_> = (0..threads)
            .map(|_| Mutex::new(Some(make(&ingest))))
            .collect();
        let spent = time_threads(threads, |t| {
            let mut w = writers[t].lock().unwrap().take().unwrap();
            for &x in &data[t] {
                w.update(x);
            }
        });
        // The final merged snapshot is part of the cost.
        let read = Instant::now();
        ingest.read(|s| black_box(s as *const S)).unwrap();
        spent + read.elapsed()
    })
}

/// One timed iteration of a contender.
type Case<'a> = (String, Box<dyn Fn() -> Duration + 'a>);

/// The contenders for one sketch type, each as a function timing one
/// iteration (so criterion and the interleaved rounds run the same code).
fn cases<'a, S, T>(proto: &'a S, data: &'a [Vec<T>], bulk: fn(&mut S, &[T])) -> Vec<Case<'a>>
where
    S: Mergeable + EmptyLike + Update<T> + Clone + Send + Sync,
    T: Copy + Default + Send + Sync,
{
    let mut out: Vec<Case<'a>> = Vec::new();
    // Run on a spawned thread too, timed the same way as every other
    // contender.
    out.push((
        "single_thread".into(),
        Box::new(move || {
            time_threads(1, |_| {
                let mut s = proto.empty_like();
                for &x in &data[0] {
                    s.update(x);
                }
                black_box(s);
            })
        }),
    ));
    out.push((
        "single_thread_bulk".into(),
        Box::new(move || {
            time_threads(1, |_| {
                let mut s = proto.empty_like();
                for block in data[0].chunks(DEFAULT_BUFFER) {
                    bulk(&mut s, block);
                }
                black_box(s);
            })
        }),
    ));
    for threads in writer_counts().into_iter().filter(|&t| t <= data.len()) {
        out.push((
            format!("ingest_{threads}_writers"),
            writers_case(proto, data, threads, move |i| i.buffered_writer(bulk)),
        ));
        out.push((
            format!("ingest_{threads}_writers_unbuffered"),
            writers_case(proto, data, threads, Ingest::writer),
        ));
        out.push((
            format!("mutex_{threads}_threads"),
            Box::new(move || {
                let shared = Mutex::new(proto.empty_like());
                let spent = time_threads(threads, |t| {
                    for &x in &data[t] {
                        shared.lock().unwrap().update(x);
                    }
                });
                black_box(&shared);
                spent
            }),
        ));
    }
    out.push((
        "mutex_2_threads_batched".into(),
        Box::new(move || {
            let shared = Mutex::new(proto.empty_like());
            let spent = time_threads(2, |t| {
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
            spent
        }),
    ));
    out
}

/// Criterion measurements of every case of one sketch type.
fn contenders(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    per_thread: usize,
    cases: &[Case<'_>],
) {
    for (name, run) in cases {
        let threads = threads_of(name);
        g.throughput(Throughput::Elements((per_thread * threads) as u64));
        g.bench_function(name.as_str(), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run()).sum())
        });
    }
}

/// Interleaved rounds outside criterion, for a loaded machine: each round
/// runs every case of every sketch once (rotating the start), so a burst of
/// load hits all cases alike. Prints per case the minimum and median
/// milliseconds, and the ratios from the minima and from the
/// medians, all from the same rounds. The minimum favours the Mutex at 2
/// threads too (its least contended round), so the ratios against it are
/// conservative. Skipped unless the filter names `ingest_interleaved`;
/// `INGEST_ROUNDS` sets the number of rounds (default 21).
fn interleaved(groups: &[(&str, Vec<Case<'_>>)]) {
    let rounds: usize = std::env::var("INGEST_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(21);
    let flat: Vec<(&str, &Case<'_>)> = groups
        .iter()
        .flat_map(|(g, cs)| cs.iter().map(move |c| (*g, c)))
        .collect();
    let mut times = vec![Vec::with_capacity(rounds); flat.len()];
    let mut cpus = vec![Vec::with_capacity(rounds); flat.len()];
    for r in 0..rounds {
        for k in 0..flat.len() {
            let i = (k + r * 7) % flat.len();
            WORKER_CPU_NS.store(0, Relaxed);
            times[i].push(flat[i].1.1().as_secs_f64() * 1e3);
            cpus[i].push(WORKER_CPU_NS.load(Relaxed) as f64 * 1e-6);
        }
    }
    let stat = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2])
    };
    let mut table = std::collections::HashMap::new();
    let mut cpu_table = std::collections::HashMap::new();
    for (i, (g, (name, _))) in flat.iter().enumerate() {
        let (min, med) = stat(&mut times[i]);
        let (_, cpu) = stat(&mut cpus[i]);
        println!(
            "interleaved {g}/{name}: min {min:.3} ms, median {med:.3} ms, \
             median on-CPU {cpu:.3} ms over all threads ({rounds} rounds)"
        );
        table.insert((g.to_string(), name.clone()), (min, med));
        cpu_table.insert((g.to_string(), name.clone()), cpu);
    }
    for (g, _) in groups {
        let get = |n: &str| table.get(&(g.to_string(), n.to_string())).copied();
        let (Some(w1), Some(w2), Some(m2), Some(mb), Some(u1), Some(u2), Some(s1), Some(sb)) = (
            get("ingest_1_writers"),
            get("ingest_2_writers"),
            get("mutex_2_threads"),
            get("mutex_2_threads_batched"),
            get("ingest_1_writers_unbuffered"),
            get("ingest_2_writers_unbuffered"),
            get("single_thread"),
            get("single_thread_bulk"),
        ) else {
            continue;
        };
        for (which, pick) in [("min", 0usize), ("median", 1)] {
            let v = |p: (f64, f64)| if pick == 0 { p.0 } else { p.1 };
            println!(
                "ratios {g} ({which}): 2w/1w {:.2}x, vs Mutex 2 thr {:.2}x, vs batched Mutex {:.2}x, \
                 unbuffered 2w/1w {:.2}x, unbuffered vs Mutex {:.2}x, 1 writer / single {:.2}, \
                 1 writer / single bulk {:.2}",
                2.0 * v(w1) / v(w2),
                v(m2) / v(w2),
                v(mb) / v(w2),
                2.0 * v(u1) / v(u2),
                v(m2) / v(u2),
                v(w1) / v(s1),
                v(w1) / v(sb),
            );
        }
        // What two free cores would give if each writer kept its on-CPU
        // cost: 2 writers do twice the updates in half their summed CPU
        // time. Below 2x means the writers slow each other down (shared
        // cache, memory, the layer), not merely that they lacked a core.
        let cpu = |n: &str| cpu_table.get(&(g.to_string(), n.to_string())).copied();
        for t in writer_counts().into_iter().filter(|&t| t > 2) {
            if let (Some(wt), Some(mt)) = (
                get(&format!("ingest_{t}_writers")),
                get(&format!("mutex_{t}_threads")),
            ) {
                println!(
                    "ratios {g} (median): {t}w/1w {:.2}x, vs Mutex {t} thr {:.2}x",
                    t as f64 * w1.1 / wt.1,
                    mt.1 / wt.1
                );
            }
        }
        for kind in ["", "_unbuffered"] {
            let (w1, w2) = (
                format!("ingest_1_writers{kind}"),
                format!("ingest_2_writers{kind}"),
            );
            if let (Some(c1), Some(c2)) = (cpu(&w1), cpu(&w2)) {
                println!(
                    "on-CPU {g}{kind}: 1 writer {c1:.3} ms, 2 writers {c2:.3} ms summed, \
                     2w/1w with a core each {:.2}x",
                    4.0 * c1 / c2
                );
            }
        }
    }
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
                    total += time_threads(1, |_| {
                        let mut w = w.lock().unwrap().take().unwrap();
                        for &x in data {
                            w.update(x);
                        }
                    });
                    let read = Instant::now();
                    ingest.read(|s| black_box(s as *const S)).unwrap();
                    total += read.elapsed();
                }
                total
            })
        });
    }
}

fn bench_ingest(c: &mut Criterion) {
    // One slice per thread of the largest writer count, all different.
    let most = writer_counts().last().copied().unwrap_or(2);
    let f64_data: Vec<Vec<f64>> = (0..most)
        .map(|t| values(Dist::Uniform, PER_THREAD, 1 + 2 * t as u64))
        .collect();
    let keys: Vec<Vec<u64>> = (0..most)
        .map(|t| u64_keys(PER_THREAD, 3 + 2 * t as u64))
        .collect();
    let cs = CountSum::default();
    let kll = KllSketch::<f64>::new();
    let td = TDigest::new(100).expect("valid compression");
    let theta = ThetaSketch::new(12).expect("valid lg_k");

    let groups = [
        ("ingest/count_sum", cases(&cs, &f64_data, update_each)),
        (
            "ingest/kll",
            cases(&kll, &f64_data, KllSketch::update_slice),
        ),
        ("ingest/tdigest", cases(&td, &f64_data, TDigest::add_many)),
        (
            "ingest/theta",
            cases(&theta, &keys, ThetaSketch::update_many::<u64>),
        ),
    ];

    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if args
        .iter()
        .any(|a| "ingest_interleaved".contains(a.as_str()))
    {
        interleaved(&groups);
    }

    for (name, cs) in &groups {
        let mut g = c.benchmark_group(*name);
        contenders(&mut g, PER_THREAD, cs);
        g.finish();
    }

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
