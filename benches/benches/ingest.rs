//! Update throughput through `distilled-ingest` with 1 and 2 writer threads
//! (and 4, 8, 16 on machines with that many cores), beside a plain
//! single-threaded sketch and a `Mutex<sketch>` shared by as many threads,
//! all in the same run.
//!
//! Every iteration builds a fresh front and has each thread update from its
//! own pre-generated slice of `PER_THREAD` items, one `update` call per item,
//! until the first thread has been through its whole slice (see
//! `time_threads`: a fixed interval, not a fixed share per thread); for
//! ingest it then takes the final merged snapshot, so publication and merge
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
//! * `independent_{1,2,..}_threads`: each thread its own plain sketch and
//!   bulk method, nothing shared and nothing merged: the machine's ceiling.
//! * `mutex_{1,2,..}_threads`: `Mutex<sketch>`, one lock per update, as users
//!   write it (the baseline of the targets);
//!   `mutex_2_threads_batched`: each thread buffers 512 items and applies them
//!   with the bulk method under one lock (a better-written Mutex user,
//!   reported separately).
//!
//! The interval runs from a common start (all threads spawned and spinning
//! until the last one arrives), so thread start-up is not counted. The
//! interleaved rounds also print the threads' on-CPU time per update, which
//! tells writers slowing each other down from writers waiting for a core, and
//! how far the slowest thread got against the fastest.
//!
//! Run: `cargo xtask bench ingest`. On a loaded machine, also
//! `INGEST_ROUNDS=31 cargo bench -p distilled-benches --bench ingest -- ingest_interleaved`
//! (interleaved rounds, min and median per case, ratios from the same rounds).
//! Figures: docs/bench-ingest.md.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
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
/// `INGEST_PER_THREAD` overrides it.
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
/// Updates the timed threads made since the last reset (the on-CPU time is
/// reported per update).
static WORKER_ITEMS: AtomicU64 = AtomicU64::new(0);
/// In the last multi-thread run: the updates of the thread that made the
/// fewest, per million of the thread that made the most. For the
/// `independent_*` contenders, which share nothing, this is how unequal the
/// cores were.
static SLOWEST_SHARE_PPM: AtomicU64 = AtomicU64::new(1_000_000);

/// Nanoseconds of the last ingest contender's final read of the merge.
static READ_NS: AtomicU64 = AtomicU64::new(0);

/// Items a thread updates between looks at the stop flag: about 10 us of
/// the fastest contender, so the threads stop within that of each other.
const STOP_CHECK: usize = 4096;

/// Feeds `items` to `update` a block of [`STOP_CHECK`] at a time until they
/// are all fed or `stop` is set; the thread that gets through its whole
/// slice sets `stop`. Returns the number of items fed.
fn feed<T>(items: &[T], stop: &AtomicBool, mut update: impl FnMut(&[T])) -> usize {
    let mut done = 0;
    for block in items.chunks(STOP_CHECK) {
        if stop.load(Relaxed) {
            return done;
        }
        update(block);
        done += block.len();
    }
    stop.store(true, Relaxed);
    done
}

/// What [`time_threads`] measured.
struct Run {
    /// From the first thread's start to the last thread's end.
    span: Duration,
    /// Updates made by all threads together.
    done: usize,
    /// Updates the threads were given (`threads` times the slice length).
    given: usize,
}

impl Run {
    /// The time all `given` updates would have taken at the rate measured,
    /// `extra` (the final read) included: what criterion divides the
    /// contender's element count by.
    fn scaled(&self, extra: Duration) -> Duration {
        (self.span + extra).mul_f64(self.given as f64 / self.done.max(1) as f64)
    }
}

/// Runs `work(t, stop)` on `threads` fresh threads over a common interval
/// and measures how many updates they made in it.
///
/// Every thread starts when all of them are spawned: thread start-up, which
/// is not an update cost, is left out for every contender alike. The threads
/// meet by spinning on a counter, not at a `Barrier`: on this virtual machine
/// a thread asleep in the barrier's futex wait started 14 us after the other
/// one (median of 200 pairs; up to 280 us), and the 2-thread figures counted
/// that skew as update time. The workers take the times themselves: the
/// spawning thread may not get a core before they are done.
///
/// The interval ends when the first thread has made all its updates (`work`
/// feeds its slice through [`feed`]): the others stop at their next look at
/// the flag. Throughput is the updates made over the interval, the usual
/// measure for concurrent structures. Waiting instead for every thread to
/// finish a fixed share (as this bench did before) measures the slowest core:
/// the two virtual CPUs of the test machine often differ by 20-30% in speed
/// for the same single-threaded loop (their host cores are shared), so a
/// fork-join figure understated every 2-thread contender, plain independent
/// sketches included (docs/bench-ingest.md, round 4).
fn time_threads<F: Fn(usize, &AtomicBool) -> usize + Sync>(
    threads: usize,
    given_per_thread: usize,
    work: F,
) -> Run {
    let arrived = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let spans: Vec<Mutex<Option<(Instant, Instant, usize)>>> =
        (0..threads).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (work, arrived, spans, stop) = (&work, &arrived, &spans, &stop);
            s.spawn(move || {
                arrived.fetch_add(1, Relaxed);
                while arrived.load(Relaxed) < threads {
                    std::hint::spin_loop();
                }
                let cpu = thread_cpu_s();
                let start = Instant::now();
                let done = work(t, stop);
                let end = Instant::now();
                if let (Some(a), Some(b)) = (cpu, thread_cpu_s()) {
                    WORKER_CPU_NS.fetch_add(((b - a) * 1e9) as u64, Relaxed);
                    WORKER_ITEMS.fetch_add(done as u64, Relaxed);
                }
                *spans[t].lock().unwrap() = Some((start, end, done));
            });
        }
    });
    let spans: Vec<(Instant, Instant, usize)> = spans
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
    let done: usize = spans.iter().map(|s| s.2).sum();
    if threads > 1 {
        let most = spans.iter().map(|s| s.2).max().unwrap_or(1).max(1);
        let fewest = spans.iter().map(|s| s.2).min().unwrap_or(0);
        SLOWEST_SHARE_PPM.store((fewest as u64 * 1_000_000) / most as u64, Relaxed);
    }
    Run {
        span: last - first,
        done,
        given: given_per_thread * threads,
    }
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
/// its own slice of `data` through `update`, then one read of the merge
/// (timed apart, in [`READ_NS`]).
fn writers_case<'a, S, T, W>(
    proto: &'a S,
    data: &'a [Vec<T>],
    threads: usize,
    publish_every: u64,
    make: impl Fn(&Ingest<S>) -> W + 'a,
) -> Box<dyn Fn() -> Duration + 'a>
where
    S: Mergeable + EmptyLike + Clone + Send + Sync,
    T: Copy + Sync,
    W: Update<T> + Send,
{
    Box::new(move || {
        let ingest = Ingest::builder(proto.empty_like())
            .publish_every(publish_every)
            .build();
        let writers: Vec<_> = (0..threads)
            .map(|_| Mutex::new(Some(make(&ingest))))
            .collect();
        let run = time_threads(threads, data[0].len(), |t, stop| {
            let mut w = writers[t].lock().unwrap().take().unwrap();
            feed(&data[t], stop, |block| {
                for &x in block {
                    w.update(x);
                }
            })
        });
        // The final read is a reader's cost, not an update's: timed apart
        // (printed by the interleaved rounds; `snapshot_*` in criterion).
        // The writers' final publications, made as they are dropped inside
        // their threads, are in the update time.
        let read = Instant::now();
        ingest.read(|s| black_box(s as *const S)).unwrap();
        READ_NS.store(read.elapsed().as_nanos() as u64, Relaxed);
        run.scaled(Duration::ZERO)
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
            time_threads(1, data[0].len(), |_, stop| {
                let mut s = proto.empty_like();
                let done = feed(&data[0], stop, |block| {
                    for &x in block {
                        s.update(x);
                    }
                });
                black_box(s);
                done
            })
            .scaled(Duration::ZERO)
        }),
    ));
    out.push((
        "single_thread_bulk".into(),
        Box::new(move || {
            time_threads(1, data[0].len(), |_, stop| {
                let mut s = proto.empty_like();
                let done = feed(&data[0], stop, |block| {
                    for b in block.chunks(DEFAULT_BUFFER) {
                        bulk(&mut s, b);
                    }
                });
                black_box(s);
                done
            })
            .scaled(Duration::ZERO)
        }),
    ));
    for threads in writer_counts().into_iter().filter(|&t| t <= data.len()) {
        // The machine's ceiling: every thread updates its own plain sketch
        // with the bulk method, with no layer and no merge. Writers cannot
        // scale better than this; below 2x at 2 threads is the hardware
        // (shared caches, memory bandwidth, a virtual CPU's sibling), not
        // the layer.
        out.push((
            format!("independent_{threads}_threads"),
            Box::new(move || {
                time_threads(threads, data[0].len(), |t, stop| {
                    let mut s = proto.empty_like();
                    let done = feed(&data[t], stop, |block| {
                        for b in block.chunks(DEFAULT_BUFFER) {
                            bulk(&mut s, b);
                        }
                    });
                    black_box(s);
                    done
                })
                .scaled(Duration::ZERO)
            }),
        ));
        out.push((
            format!("ingest_{threads}_writers"),
            writers_case(proto, data, threads, DEFAULT_PUBLISH_EVERY, move |i| {
                i.buffered_writer(bulk)
            }),
        ));
        out.push((
            format!("ingest_{threads}_writers_unbuffered"),
            writers_case(proto, data, threads, DEFAULT_PUBLISH_EVERY, Ingest::writer),
        ));
        out.push((
            format!("mutex_{threads}_threads"),
            Box::new(move || {
                let shared = Mutex::new(proto.empty_like());
                let run = time_threads(threads, data[0].len(), |t, stop| {
                    feed(&data[t], stop, |block| {
                        for &x in block {
                            shared.lock().unwrap().update(x);
                        }
                    })
                });
                black_box(&shared);
                run.scaled(Duration::ZERO)
            }),
        ));
    }
    out.push((
        "mutex_2_threads_batched".into(),
        Box::new(move || {
            let shared = Mutex::new(proto.empty_like());
            let run = time_threads(2, data[0].len(), |t, stop| {
                let mut buf = [T::default(); DEFAULT_BUFFER];
                let mut len = 0;
                let done = feed(&data[t], stop, |block| {
                    for &x in block {
                        buf[len] = x;
                        len += 1;
                        if len == DEFAULT_BUFFER {
                            bulk(&mut shared.lock().unwrap(), &buf);
                            len = 0;
                        }
                    }
                });
                bulk(&mut shared.lock().unwrap(), &buf[..len]);
                done
            });
            black_box(&shared);
            run.scaled(Duration::ZERO)
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
    let mut shares = vec![Vec::with_capacity(rounds); flat.len()];
    let mut reads = vec![Vec::with_capacity(rounds); flat.len()];
    for r in 0..rounds {
        for k in 0..flat.len() {
            let i = (k + r * 7) % flat.len();
            WORKER_CPU_NS.store(0, Relaxed);
            WORKER_ITEMS.store(0, Relaxed);
            SLOWEST_SHARE_PPM.store(1_000_000, Relaxed);
            READ_NS.store(0, Relaxed);
            times[i].push(flat[i].1.1().as_secs_f64() * 1e3);
            reads[i].push(READ_NS.load(Relaxed) as f64 * 1e-6);
            let items = WORKER_ITEMS.load(Relaxed).max(1) as f64;
            cpus[i].push(WORKER_CPU_NS.load(Relaxed) as f64 / items);
            shares[i].push(SLOWEST_SHARE_PPM.load(Relaxed) as f64 * 1e-4);
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
        let (_, share) = stat(&mut shares[i]);
        let (_, read) = stat(&mut reads[i]);
        let mut share = if threads_of(name) > 1 {
            format!(", slowest thread made {share:.0}% of the fastest's updates")
        } else {
            String::new()
        };
        if read > 0.0 {
            share += &format!(", then a read of the merge {read:.3} ms");
        }
        println!(
            "interleaved {g}/{name}: min {min:.3} ms, median {med:.3} ms, \
             median on-CPU {cpu:.2} ns per update{share} ({rounds} rounds)"
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
        if let (Some(i1), Some(i2)) = (get("independent_1_threads"), get("independent_2_threads")) {
            println!(
                "ceiling {g}: independent plain sketches 2t/1t {:.2}x (min), {:.2}x (median)",
                2.0 * i1.0 / i2.0,
                2.0 * i1.1 / i2.1
            );
        }
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
        // cost per update. Below 2x means the writers slow each other down
        // (shared cache, memory, the layer, a slower core), not merely that
        // they lacked a core.
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
        for (one, two) in [
            ("ingest_1_writers", "ingest_2_writers"),
            ("ingest_1_writers_unbuffered", "ingest_2_writers_unbuffered"),
            ("independent_1_threads", "independent_2_threads"),
        ] {
            if let (Some(c1), Some(c2)) = (cpu(one), cpu(two)) {
                println!(
                    "on-CPU {g}/{one}: {c1:.2} ns per update, {two}: {c2:.2} ns, \
                     2 threads / 1 with a core each {:.2}x",
                    2.0 * c1 / c2
                );
            }
        }
    }
}

/// A reader's cost (`ingest/snapshot/<sketch>_<t>_writers`): one
/// [`Ingest::read`] of the merge while `threads` live writers have each
/// published their whole slice (a clone of the empty accumulator and one
/// merge per writer), for the writer counts measured.
fn snapshots<S, T>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    sketch: &str,
    proto: &S,
    data: &[Vec<T>],
    bulk: fn(&mut S, &[T]),
) where
    S: Mergeable + EmptyLike + Clone + Send + Sync,
    T: Copy + Default + Send + Sync,
{
    g.throughput(Throughput::Elements(1));
    for threads in writer_counts().into_iter().filter(|&t| t <= data.len()) {
        let ingest = Ingest::new(proto.empty_like());
        // Live writers: once a writer has left, its final state is merged
        // into the retired accumulator once and later reads only clone it.
        let _live: Vec<_> = data[..threads]
            .iter()
            .map(|slice| {
                let mut w = ingest.buffered_writer(bulk);
                w.update_slice(slice);
                w.flush().expect("same configuration");
                w
            })
            .collect();
        g.bench_function(format!("{sketch}_{threads}_writers"), |b| {
            b.iter(|| ingest.read(|s| black_box(s as *const S)).unwrap())
        });
    }
}

/// One writer at several publication intervals: the writer's cost per
/// publication is one clone of its shard, so larger intervals trade
/// staleness for less copying.
fn intervals<S, T>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    proto: &S,
    data: &[Vec<T>],
    bulk: fn(&mut S, &[T]),
) where
    S: Mergeable + EmptyLike + Update<T> + Clone + Send + Sync,
    T: Copy + Default + Send + Sync,
{
    g.throughput(Throughput::Elements(data[0].len() as u64));
    for every in [1u64 << 10, 1 << 12, 1 << 14, 1 << 16] {
        let run = writers_case(proto, data, 1, every, move |i| i.buffered_writer(bulk));
        g.bench_function(format!("ingest_1_writer_every_{every}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run()).sum())
        });
    }
}

fn bench_ingest(c: &mut Criterion) {
    let per_thread = std::env::var("INGEST_PER_THREAD")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(PER_THREAD);
    // One slice per thread of the largest writer count, all different.
    let most = writer_counts().last().copied().unwrap_or(2);
    let f64_data: Vec<Vec<f64>> = (0..most)
        .map(|t| values(Dist::Uniform, per_thread, 1 + 2 * t as u64))
        .collect();
    let keys: Vec<Vec<u64>> = (0..most)
        .map(|t| u64_keys(per_thread, 3 + 2 * t as u64))
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
        contenders(&mut g, per_thread, cs);
        g.finish();
    }

    let mut g = c.benchmark_group("ingest/snapshot");
    snapshots(&mut g, "kll", &kll, &f64_data, KllSketch::update_slice);
    snapshots(&mut g, "tdigest", &td, &f64_data, TDigest::add_many);
    snapshots(
        &mut g,
        "theta",
        &theta,
        &keys,
        ThetaSketch::update_many::<u64>,
    );
    g.finish();

    let mut g = c.benchmark_group("ingest/interval_theta");
    intervals(&mut g, &theta, &keys[..1], ThetaSketch::update_many::<u64>);
    g.finish();
    let mut g = c.benchmark_group("ingest/interval_tdigest");
    intervals(&mut g, &td, &f64_data[..1], TDigest::add_many);
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
