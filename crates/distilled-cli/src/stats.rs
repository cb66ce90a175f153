//! Whole-stream bookkeeping beside the selection: counts per category, numeric reservoirs and
//! the pass rate over time, for all records, the passed ones, and a random sample of the same
//! size (drawn per batch, so that it matches the passed set's size and timing). Feeds `--report`
//! and `distill demo`. Memory is bounded: fixed-size reservoirs and at most [`MAX_BINS`] bins.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::engine::{Characteristics, Rec, Verdict};

/// Values kept per numeric characteristic and set.
pub const RESERVOIR: usize = 100_000;
/// Most time bins kept (bins double in width beyond).
pub const MAX_BINS: usize = 120;

/// A uniform reservoir sample (algorithm R).
#[derive(Debug, Clone, Default)]
pub struct Reservoir {
    /// Values kept.
    pub values: Vec<f64>,
    /// Values offered.
    pub seen: u64,
}

impl Reservoir {
    fn offer(&mut self, v: f64, rng: &mut Xoshiro256PlusPlus) {
        self.seen += 1;
        if self.values.len() < RESERVOIR {
            self.values.push(v);
        } else {
            let j = rng.random_range(0..self.seen);
            if (j as usize) < RESERVOIR {
                self.values[j as usize] = v;
            }
        }
    }

    /// Sorted copy of the kept values.
    pub fn sorted(&self) -> Vec<f64> {
        let mut v = self.values.clone();
        v.sort_by(f64::total_cmp);
        v
    }
}

/// Pass rate over time, in bins that double in width as the stream grows.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Time of the first record.
    pub t0: Option<f64>,
    /// Bin width in seconds.
    pub width: f64,
    /// (eligible, passed) per bin.
    pub bins: Vec<(u64, u64)>,
}

impl Timeline {
    fn add(&mut self, t: f64, passed: bool) {
        let t0 = *self.t0.get_or_insert(t);
        if self.width == 0.0 {
            self.width = 1.0;
        }
        let mut idx = ((t - t0) / self.width).max(0.0) as usize;
        while idx >= MAX_BINS {
            let merged: Vec<(u64, u64)> = self
                .bins
                .chunks(2)
                .map(|c| c.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)))
                .collect();
            self.bins = merged;
            self.width *= 2.0;
            idx = ((t - t0) / self.width).max(0.0) as usize;
        }
        if self.bins.len() <= idx {
            self.bins.resize(idx + 1, (0, 0));
        }
        self.bins[idx].0 += 1;
        self.bins[idx].1 += u64::from(passed);
    }
}

/// Everything the report and the demo table show.
#[derive(Debug, Clone)]
pub struct Tracker {
    /// The characteristics.
    pub chars: Characteristics,
    /// Per categorical column, per set: counts per category id, then one for missing.
    pub cat_counts: Vec<[Vec<u64>; 3]>,
    /// Per numeric column, per set: reservoir of present values and count of missing.
    pub num: Vec<[(Reservoir, u64); 3]>,
    /// Pass rate over time.
    pub timeline: Timeline,
    /// Records per set.
    pub totals: [u64; 3],
    rng: Xoshiro256PlusPlus,
    pick: Vec<usize>,
}

impl Tracker {
    /// A tracker for these characteristics.
    pub fn new(chars: &Characteristics, seed: u64) -> Self {
        let cat_counts = chars
            .categorical
            .iter()
            .map(|(_, cats)| std::array::from_fn(|_| vec![0; cats.len() + 1]))
            .collect();
        let num = chars
            .numeric
            .iter()
            .map(|_| std::array::from_fn(|_| (Reservoir::default(), 0)))
            .collect();
        Self {
            chars: chars.clone(),
            cat_counts,
            num,
            timeline: Timeline::default(),
            totals: [0; 3],
            rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed_f07a_11ed),
            pick: Vec::new(),
        }
    }

    fn add(&mut self, set: usize, rec: &Rec) {
        self.totals[set] += 1;
        let nn = self.chars.numeric.len();
        for (i, slot) in self.num.iter_mut().enumerate() {
            let v = rec[i];
            if v.is_nan() {
                slot[set].1 += 1;
            } else {
                slot[set].0.offer(v, &mut self.rng);
            }
        }
        for (j, counts) in self.cat_counts.iter_mut().enumerate() {
            let v = rec[nn + j];
            let c = &mut counts[set];
            let idx = if v.is_nan() { c.len() - 1 } else { v as usize };
            c[idx] += 1;
        }
    }

    /// Account for one classified batch.
    pub fn observe(&mut self, batch: &[(f64, Rec)], verdicts: &[Verdict]) {
        self.pick.clear();
        let mut passed = 0;
        for (i, ((t, rec), v)) in batch.iter().zip(verdicts).enumerate() {
            match v {
                Verdict::Passed | Verdict::NotSelected => {
                    let p = *v == Verdict::Passed;
                    passed += usize::from(p);
                    self.pick.push(i);
                    self.add(0, rec);
                    if p {
                        self.add(1, rec);
                    }
                    self.timeline.add(*t, p);
                }
                Verdict::Late | Verdict::Invalid => {}
            }
        }
        // A random sample of the same size from the same batch: partial Fisher-Yates.
        for k in 0..passed.min(self.pick.len()) {
            let j = self.rng.random_range(k..self.pick.len());
            self.pick.swap(k, j);
            let i = self.pick[k];
            self.add(2, &batch[i].1);
        }
    }

    /// Shares per category (then missing) for categorical column `j` and `set`.
    pub fn shares(&self, j: usize, set: usize) -> Vec<f64> {
        let c = &self.cat_counts[j][set];
        let total: u64 = c.iter().sum();
        c.iter()
            .map(|&x| {
                if total == 0 {
                    0.0
                } else {
                    x as f64 / total as f64
                }
            })
            .collect()
    }
}

/// Total variation distance between two share vectors.
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>()
}

/// Two-sample Kolmogorov-Smirnov distance between sorted samples (0 if either is empty).
pub fn ks(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

/// The `q`-quantile of a sorted sample (NaN if empty).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ks_and_tv() {
        assert_eq!(ks(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 0.0);
        assert_eq!(ks(&[1.0, 2.0], &[3.0, 4.0]), 1.0);
        assert!((ks(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0]) - 0.5).abs() < 1e-12);
        assert!((total_variation(&[0.5, 0.5], &[0.25, 0.75]) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn timeline_doubles() {
        let mut t = Timeline::default();
        for s in 0..1000 {
            t.add(f64::from(s), s % 10 == 0);
        }
        assert!(t.bins.len() <= MAX_BINS);
        let (a, p): (u64, u64) = t.bins.iter().fold((0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
        assert_eq!((a, p), (1000, 100));
    }
}
