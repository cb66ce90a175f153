//! Sliding-window cost: a 3600 s horizon cut into 60 panes of 60 s, over KLL
//! (k = 200, f64) and Theta (lg_k = 12), filled at 50 items per second
//! (3000 items per pane, 180 000 per horizon).
//!
//! Measured in the same run, on the same items:
//! * `update/*`: cost per item of `SlidingWindow::update_at` (two-stacks
//!   panes) against a naive ring of panes (update its pane, replace expired
//!   panes) and against the bare sketch with no window at all. Time advances
//!   through the items, so pane changes, expiries and two-stacks flips are
//!   all included.
//! * `query/*`: one query of the full horizon: `SlidingWindow::query`
//!   (one clone and at most two merges) against the naive ring's query (60
//!   merges).
//! * `pane_then_query/*`: one pane's worth of items (3000) then one query,
//!   repeated: the steady state of a dashboard refreshed once a minute, where
//!   the two-stacks window also pays its deferred merges (back merge and
//!   amortised flips).
//!
//! Run with `cargo xtask bench window` (or
//! `cargo bench -p distilled-benches --bench window`).

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use distilled::core::{EmptyLike, Mergeable, Update};
use distilled::kll::KllSketch;
use distilled::theta::ThetaSketch;
use distilled::window::{SlidingWindow, WindowConfig};
use distilled_benches::{Dist, u64_keys, values};
use std::hint::black_box;
use std::time::Duration;

const HORIZON: f64 = 3600.0;
const PANES: usize = 60;
const RATE: f64 = 50.0; // items per second
const T0: f64 = 1_700_000_000.0;
/// Items per update iteration (200 s of stream: a few pane changes).
const CHUNK: usize = 10_000;

/// The obvious window: a ring of panes, each query merges all of them.
struct NaiveWindow<S> {
    proto: S,
    pane: f64,
    panes: Vec<S>,
    /// Pane number held by each slot (`i64::MIN` when empty).
    ids: Vec<i64>,
}

impl<S: Mergeable + EmptyLike + Clone> NaiveWindow<S> {
    fn new(proto: S, horizon: f64, panes: usize) -> Self {
        NaiveWindow {
            pane: horizon / panes as f64,
            panes: (0..panes).map(|_| proto.empty_like()).collect(),
            ids: vec![i64::MIN; panes],
            proto,
        }
    }

    fn update_at<T>(&mut self, t: f64, item: T)
    where
        S: Update<T>,
    {
        let p = (t / self.pane).floor() as i64;
        let slot = p.rem_euclid(self.panes.len() as i64) as usize;
        if self.ids[slot] != p {
            self.panes[slot] = self.proto.empty_like();
            self.ids[slot] = p;
        }
        self.panes[slot].update(item);
    }

    fn query(&self) -> S {
        let mut out = self.proto.empty_like();
        for p in &self.panes {
            out.merge(p).unwrap();
        }
        out
    }
}

fn bench_kind<S, T: Copy>(c: &mut Criterion, name: &str, proto: S, items: &[T])
where
    S: Mergeable + EmptyLike + Clone + Update<T>,
{
    let cfg = WindowConfig::with_panes(HORIZON, PANES).unwrap();
    let fill = (HORIZON * RATE) as usize;
    let time = |i: usize| T0 + i as f64 / RATE;
    let item = |i: usize| items[i % items.len()];

    let mut window = SlidingWindow::new(proto.clone(), cfg);
    let mut naive = NaiveWindow::new(proto.clone(), HORIZON, PANES);
    for i in 0..fill {
        window.update_at(time(i), item(i)).unwrap();
        naive.update_at(time(i), item(i));
    }

    let mut g = c.benchmark_group(format!("window_{name}_query"));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(2));
    g.warm_up_time(Duration::from_millis(500));
    g.bench_function("two_stacks", |b| {
        b.iter(|| black_box(window.query().unwrap()))
    });
    g.bench_function("naive_merge_all_panes", |b| {
        b.iter(|| black_box(naive.query()))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("window_{name}_update"));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(2));
    g.warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Elements(CHUNK as u64));
    // Time only moves forward: each window keeps its own cursor across groups.
    let mut next_w = fill;
    let mut next_n = fill;
    g.bench_function("two_stacks", |b| {
        b.iter(|| {
            for i in next_w..next_w + CHUNK {
                window.update_at(time(i), item(i)).unwrap();
            }
            next_w += CHUNK;
        })
    });
    g.bench_function("naive_ring", |b| {
        b.iter(|| {
            for i in next_n..next_n + CHUNK {
                naive.update_at(time(i), item(i));
            }
            next_n += CHUNK;
        })
    });
    g.finish();

    let per_pane = (HORIZON / PANES as f64 * RATE) as usize;
    let mut g = c.benchmark_group(format!("window_{name}_pane_then_query"));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Elements(per_pane as u64));
    g.bench_function("two_stacks", |b| {
        b.iter(|| {
            for i in next_w..next_w + per_pane {
                window.update_at(time(i), item(i)).unwrap();
            }
            next_w += per_pane;
            black_box(window.query().unwrap())
        })
    });
    g.bench_function("naive_ring", |b| {
        b.iter(|| {
            for i in next_n..next_n + per_pane {
                naive.update_at(time(i), item(i));
            }
            next_n += per_pane;
            black_box(naive.query())
        })
    });
    g.finish();

    let mut g = c.benchmark_group(format!("window_{name}_update_bare"));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(2));
    g.warm_up_time(Duration::from_millis(500));
    g.throughput(Throughput::Elements(CHUNK as u64));
    let mut bare = proto.empty_like();
    let mut next = 0;
    g.bench_function("bare_sketch_no_window", |b| {
        b.iter(|| {
            for i in next..next + CHUNK {
                bare.update(item(i));
            }
            next += CHUNK;
        })
    });
    g.finish();
}

fn window(c: &mut Criterion) {
    let xs = values(Dist::LogNormal, 1 << 20, 7);
    let kll = KllSketch::<f64>::builder().seed(1).build().unwrap();
    bench_kind(c, "kll_k200", kll, &xs);
    let keys = u64_keys(1 << 20, 11);
    let theta = ThetaSketch::new(12).unwrap();
    bench_kind(c, "theta_lgk12", theta, &keys);
}

criterion_group!(benches, window);
criterion_main!(benches);
