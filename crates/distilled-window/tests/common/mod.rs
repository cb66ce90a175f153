//! Exact "sketches" implementing the core traits, used as references.

#![allow(dead_code)]

use std::collections::BTreeSet;

use distilled_core::{
    DistinctCount, EmptyLike, MergeError, Mergeable, NumStdDev, QuantileSketch, QueryError,
    SearchCriteria, Update,
};

/// Every item, kept: merging concatenates. Equality is as multisets.
#[derive(Debug, Clone, Default)]
pub struct Multiset(pub Vec<i64>);

impl Multiset {
    pub fn sorted(&self) -> Vec<i64> {
        let mut v = self.0.clone();
        v.sort_unstable();
        v
    }
}

impl Mergeable for Multiset {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.0.extend_from_slice(&other.0);
        Ok(())
    }
}

impl EmptyLike for Multiset {
    fn empty_like(&self) -> Self {
        Multiset(Vec::new())
    }
}

impl Update<i64> for Multiset {
    fn update(&mut self, item: i64) {
        self.0.push(item);
    }
}

impl QuantileSketch for Multiset {
    type Item = i64;
    fn n(&self) -> u64 {
        self.0.len() as u64
    }
    fn min_item(&self) -> Option<i64> {
        self.0.iter().copied().min()
    }
    fn max_item(&self) -> Option<i64> {
        self.0.iter().copied().max()
    }
    fn rank(&self, item: &i64, c: SearchCriteria) -> Result<f64, QueryError> {
        if self.0.is_empty() {
            return Err(QueryError::Empty);
        }
        let below = self
            .0
            .iter()
            .filter(|&&v| match c {
                SearchCriteria::Inclusive => v <= *item,
                SearchCriteria::Exclusive => v < *item,
            })
            .count();
        Ok(below as f64 / self.0.len() as f64)
    }
    fn quantile(&self, rank: f64, _: SearchCriteria) -> Result<i64, QueryError> {
        if !(0.0..=1.0).contains(&rank) {
            return Err(QueryError::RankOutOfRange(rank));
        }
        let v = self.sorted();
        if v.is_empty() {
            return Err(QueryError::Empty);
        }
        let idx = ((rank * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        Ok(v[idx])
    }
}

/// An exact distinct counter.
#[derive(Debug, Clone, Default)]
pub struct ExactSet(pub BTreeSet<u64>);

impl Mergeable for ExactSet {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        self.0.extend(other.0.iter().copied());
        Ok(())
    }
}

impl EmptyLike for ExactSet {
    fn empty_like(&self) -> Self {
        ExactSet(BTreeSet::new())
    }
}

impl Update<u64> for ExactSet {
    fn update(&mut self, item: u64) {
        self.0.insert(item);
    }
}

impl DistinctCount for ExactSet {
    fn estimate(&self) -> f64 {
        self.0.len() as f64
    }
    fn lower_bound(&self, _: NumStdDev) -> f64 {
        self.estimate()
    }
    fn upper_bound(&self, _: NumStdDev) -> f64 {
        self.estimate()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A sketch whose merge refuses a tagged other, to check error propagation.
#[derive(Debug, Clone, Default)]
pub struct Picky {
    pub poisoned: bool,
    pub n: u64,
}

impl Mergeable for Picky {
    fn merge(&mut self, other: &Self) -> Result<(), MergeError> {
        if other.poisoned {
            return Err(MergeError::Incompatible("poisoned pane".into()));
        }
        self.n += other.n;
        Ok(())
    }
}

impl EmptyLike for Picky {
    fn empty_like(&self) -> Self {
        Picky::default()
    }
}

impl Update<bool> for Picky {
    fn update(&mut self, poison: bool) {
        self.n += 1;
        self.poisoned |= poison;
    }
}

pub mod stream {
    //! A seeded, drifting, out-of-order stream and the exact content of the
    //! horizon, to check real sketches through a window.

    use distilled_core::{EmptyLike, Mergeable, Update};
    use distilled_window::{SlidingWindow, WindowConfig};
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// `n` items `(t, value)`: time advances `dt` per item with up to `jitter`
    /// seconds of lateness (and 1% of items a whole horizon late, to be
    /// refused); values drift with time (`value = t + noise`) so that a window
    /// holding the wrong panes answers visibly wrong quantiles.
    pub fn drifting(seed: u64, n: usize, dt: f64, jitter: f64, horizon: f64) -> Vec<(f64, f64)> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                let now = 1_700_000_000.0 + i as f64 * dt;
                let late = if rng.random_bool(0.01) {
                    horizon * rng.random_range(1.0..1.5)
                } else {
                    jitter * rng.random::<f64>()
                };
                let t = now - late;
                let v = (t - 1_700_000_000.0) + 50.0 * rng.random::<f64>();
                (t, v)
            })
            .collect()
    }

    /// Feeds `stream` to a window over `proto` and, every `every` items, calls
    /// `check(window answer, exact items inside the horizon)`. Returns how
    /// many checks ran.
    pub fn run<S, I, F>(
        proto: S,
        cfg: WindowConfig,
        stream: &[(f64, I)],
        every: usize,
        mut check: F,
    ) -> usize
    where
        S: Mergeable + EmptyLike + Clone + Update<I>,
        I: Clone,
        F: FnMut(&S, &[I]),
    {
        let mut w = SlidingWindow::new(proto, cfg);
        let n = cfg.num_panes() as i64;
        let mut head = i64::MIN;
        let mut inside: Vec<(i64, I)> = Vec::new();
        let mut checks = 0;
        for (i, (t, v)) in stream.iter().enumerate() {
            let p = cfg.pane_of(*t).unwrap();
            head = head.max(p);
            let ok = w.update_at(*t, v.clone()).is_ok();
            assert_eq!(ok, p > head - n, "acceptance of t = {t}");
            if ok {
                inside.push((p, v.clone()));
            }
            if (i + 1) % every == 0 {
                inside.retain(|&(q, _)| q > head - n);
                let exact: Vec<I> = inside.iter().map(|(_, v)| v.clone()).collect();
                let got = w.query().unwrap();
                assert_eq!(w.len(), exact.len() as u64);
                check(&got, &exact);
                checks += 1;
            }
        }
        checks
    }

    /// Exact normalized inclusive rank of `x` among `sorted`.
    pub fn true_rank(sorted: &[f64], x: f64) -> f64 {
        sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
    }
}
