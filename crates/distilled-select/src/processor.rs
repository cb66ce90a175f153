//! The distiller users build: [`DistilledProcessor`] and its builder.

use std::fmt;

use crate::engine::{Engine, LeafCoder, Spec};
use crate::grader::{
    CategoricalGrader, CategoricalRefGrader, DataPoint, DiscoveredCategoricalGrader, FnGrader,
    Grade, Grader, GraderKind, NumericGrader,
};
use crate::metrics::{ks_distance, total_variation};
use distilled_window::{Clock, SystemClock};

/// What happened to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Decision {
    /// Passed on (part of the distilled stream).
    Passed,
    /// Valid and inside the window, but not selected.
    NotSelected,
    /// Timestamp at or before the window's start: rejected and counted.
    Late,
    /// Non-finite timestamp or non-finite numeric value: rejected and counted.
    Invalid,
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The pass rate must lie in `(0, 1]`.
    InvalidRate(f64),
    /// The horizon must be a positive, finite number of seconds.
    InvalidHorizon(f64),
    /// The batch size must be at least 1.
    ZeroBatchSize,
    /// The window length bound must be at least 1.
    ZeroWindowLen,
    /// At least one grader is needed.
    NoGraders,
    /// Two graders share a name.
    DuplicateGraderName(String),
    /// A grader's name is empty.
    EmptyGraderName,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidRate(r) => {
                write!(f, "pass rate must be in (0, 1], got {r}")
            }
            ConfigError::InvalidHorizon(h) => {
                write!(
                    f,
                    "horizon must be a positive, finite number of seconds, got {h}"
                )
            }
            ConfigError::ZeroBatchSize => write!(f, "batch size must be at least 1"),
            ConfigError::ZeroWindowLen => write!(f, "maximum window length must be at least 1"),
            ConfigError::NoGraders => write!(f, "at least one grader is required"),
            ConfigError::DuplicateGraderName(n) => {
                write!(
                    f,
                    "two graders are named {n:?}; grader names must be unique"
                )
            }
            ConfigError::EmptyGraderName => write!(f, "grader names must not be empty"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// [`DistilledProcessor::classify_rows_at`] was given a number of graded
/// values other than one per grader and record; nothing was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsLengthError {
    /// Records times graders.
    pub expected: usize,
    /// Values given.
    pub found: usize,
}

impl fmt::Display for RowsLengthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "expected one graded value per grader and record ({}), got {}",
            self.expected, self.found
        )
    }
}

impl std::error::Error for RowsLengthError {}

/// The kind of a characteristic, as reported in [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CharacteristicKind {
    /// Shares of categories; distance is total variation.
    Categorical,
    /// A numeric distribution; distance is Kolmogorov-Smirnov.
    Numeric,
}

/// One bucket of a characteristic in the window.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BucketShare {
    /// Category name, `"other"`, `"missing"`, or a numeric range `[lo, hi)`.
    pub label: String,
    /// Share of all window records in this bucket.
    pub share_all: f64,
    /// Share of the window's passed records in this bucket.
    pub share_passed: f64,
}

/// Representativeness of one characteristic over the window.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CharacteristicStats {
    /// The grader's name.
    pub name: String,
    /// Categorical or numeric.
    pub kind: CharacteristicKind,
    /// Window shares per bucket (numeric: deciles of the window plus
    /// "missing").
    pub buckets: Vec<BucketShare>,
    /// Total variation (categorical) or Kolmogorov-Smirnov on the raw values
    /// (numeric) between passed and all records of the window.
    pub distance: f64,
    /// Numeric only: leaves of the quantile bucket tree now in use.
    pub quantile_buckets: Option<usize>,
    /// Discovered categories only: values pooled into "other" over the
    /// whole stream because the category limit was reached (0 otherwise).
    pub overflow_to_other: u64,
}

/// A snapshot of the processor: counts and per-characteristic shares.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stats {
    /// Records offered since start (or the last reset).
    pub seen: u64,
    /// Records passed on.
    pub passed: u64,
    /// Valid records not selected.
    pub not_selected: u64,
    /// Records rejected as invalid (non-finite timestamp or numeric value).
    pub rejected_invalid: u64,
    /// Records rejected as older than the window.
    pub rejected_late: u64,
    /// Records in the window now.
    pub window_len: usize,
    /// Passed records in the window now.
    pub window_passed: u64,
    /// `passed / (passed + not_selected)`, 0 before any valid record.
    pub pass_rate: f64,
    /// The configured rate.
    pub target_rate: f64,
    /// The processor's "now" (unix seconds), or `None` before any record.
    pub now: Option<f64>,
    /// Times the numeric quantile boundaries were rebuilt.
    pub boundary_rebuilds: u64,
    /// One entry per grader, in grader order.
    pub characteristics: Vec<CharacteristicStats>,
}

impl Stats {
    /// The entry for the grader named `name`.
    pub fn characteristic(&self, name: &str) -> Option<&CharacteristicStats> {
        self.characteristics.iter().find(|c| c.name == name)
    }
}

type BoxedGrader<R> = Box<dyn Grader<R> + Send>;

/// Configures a [`DistilledProcessor`]. Defaults: horizon 3600 s, rate 0.1,
/// batch size 100, seed 0, system clock.
pub struct ProcessorBuilder<R> {
    graders: Vec<BoxedGrader<R>>,
    horizon: f64,
    rate: f64,
    batch_size: usize,
    seed: u64,
    max_window_len: usize,
    clock: Box<dyn Clock + Send>,
}

impl<R> fmt::Debug for ProcessorBuilder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessorBuilder")
            .field(
                "graders",
                &self.graders.iter().map(|g| g.name()).collect::<Vec<_>>(),
            )
            .field("horizon", &self.horizon)
            .field("rate", &self.rate)
            .field("batch_size", &self.batch_size)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl<R> Default for ProcessorBuilder<R> {
    fn default() -> Self {
        Self {
            graders: Vec::new(),
            horizon: 3600.0,
            rate: 0.1,
            batch_size: 100,
            seed: 0,
            max_window_len: usize::MAX,
            clock: Box::new(SystemClock),
        }
    }
}

impl<R: 'static> ProcessorBuilder<R> {
    /// Adds any grader.
    pub fn grader(mut self, g: impl Grader<R> + Send + 'static) -> Self {
        self.graders.push(Box::new(g));
        self
    }

    /// Adds a numeric characteristic (`None` = missing).
    pub fn numeric(
        self,
        name: &str,
        f: impl Fn(&R) -> Option<f64> + Send + Sync + 'static,
    ) -> Self {
        self.grader(NumericGrader::new(name, f))
    }

    /// Adds a categorical characteristic over `categories` (`None` = missing;
    /// values outside `categories` go to "other").
    pub fn categorical(
        self,
        name: &str,
        categories: &[&str],
        f: impl Fn(&R) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.grader(CategoricalGrader::new(name, categories, f))
    }

    /// A categorical characteristic whose categories are discovered from the
    /// stream in order of first appearance, at most `max_categories` of
    /// them (see [`GraderKind::DiscoveredCategorical`]); later new values
    /// go to "other" and are counted in
    /// [`CharacteristicStats::overflow_to_other`]. `None` = missing.
    ///
    /// ```
    /// use distilled_select::{DistilledProcessor, ManualClock};
    /// let mut p = DistilledProcessor::<(f64, &str)>::builder()
    ///     .numeric("x", |r| Some(r.0))
    ///     .categorical_discovered("tag", 16, |r| Some(r.1))
    ///     .clock(ManualClock::new(0.0))
    ///     .build()
    ///     .unwrap();
    /// p.process_batch((0..100).map(|i| (f64::from(i), ["a", "b"][i as usize % 2])).collect());
    /// let labels: Vec<String> = p.stats().characteristic("tag").unwrap()
    ///     .buckets.iter().map(|b| b.label.clone()).collect();
    /// assert_eq!(labels, ["a", "b", "other", "missing"]);
    /// ```
    pub fn categorical_discovered(
        self,
        name: &str,
        max_categories: usize,
        f: impl for<'a> Fn(&'a R) -> Option<&'a str> + Send + Sync + 'static,
    ) -> Self {
        self.grader(DiscoveredCategoricalGrader::new(name, max_categories, f))
    }

    /// Like [`ProcessorBuilder::categorical`], with a closure that borrows the
    /// value from the record (no allocation per record).
    pub fn categorical_ref(
        self,
        name: &str,
        categories: &[&str],
        f: impl for<'a> Fn(&'a R) -> Option<&'a str> + Send + Sync + 'static,
    ) -> Self {
        self.grader(CategoricalRefGrader::new(name, categories, f))
    }

    /// The quick lambda grader: a closure returning a [`Grade`] directly.
    pub fn lambda(
        self,
        name: &str,
        kind: GraderKind,
        f: impl Fn(&R) -> Grade + Send + Sync + 'static,
    ) -> Self {
        self.grader(FnGrader::new(name, kind, f))
    }
}

impl<R> ProcessorBuilder<R> {
    /// The sliding time horizon in seconds (default 3600).
    pub fn horizon_secs(mut self, secs: f64) -> Self {
        self.horizon = secs;
        self
    }
    /// Share of records passed on, in `(0, 1]` (default 0.1).
    pub fn rate(mut self, r: f64) -> Self {
        self.rate = r;
        self
    }
    /// Records per selection batch for [`DistilledProcessor::distil`]
    /// (default 100).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }
    /// Seed of the deterministic tie-break.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Hard bound on the number of records kept in the window (default:
    /// none but the horizon). When full, the oldest records leave early.
    pub fn max_window_len(mut self, n: usize) -> Self {
        self.max_window_len = n;
        self
    }
    /// Clock giving arrival times to [`DistilledProcessor::process_batch`].
    pub fn clock(mut self, c: impl Clock + Send + 'static) -> Self {
        self.clock = Box::new(c);
        self
    }

    /// Checks the configuration and builds the processor.
    pub fn build(self) -> Result<DistilledProcessor<R>, ConfigError> {
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return Err(ConfigError::InvalidRate(self.rate));
        }
        if !(self.horizon > 0.0 && self.horizon.is_finite()) {
            return Err(ConfigError::InvalidHorizon(self.horizon));
        }
        if self.batch_size == 0 {
            return Err(ConfigError::ZeroBatchSize);
        }
        if self.max_window_len == 0 {
            return Err(ConfigError::ZeroWindowLen);
        }
        if self.graders.is_empty() {
            return Err(ConfigError::NoGraders);
        }
        let mut names: Vec<String> = Vec::with_capacity(self.graders.len());
        let mut kinds = Vec::with_capacity(self.graders.len());
        for g in &self.graders {
            let name = g.name().to_owned();
            if name.is_empty() {
                return Err(ConfigError::EmptyGraderName);
            }
            if names.contains(&name) {
                return Err(ConfigError::DuplicateGraderName(name));
            }
            names.push(name);
            kinds.push(g.kind());
        }
        let specs = kinds
            .iter()
            .map(|k| match k {
                GraderKind::Numeric => Spec::Numeric,
                GraderKind::Categorical { categories } => Spec::Categorical {
                    buckets: categories.len() as u32 + 2,
                },
                // Buckets for every category that may be found, allocated up
                // front: a late category's bucket is there, empty, until
                // its first record.
                GraderKind::DiscoveredCategorical { max_categories } => Spec::Categorical {
                    buckets: (*max_categories).max(1) + 2,
                },
            })
            .collect();
        Ok(DistilledProcessor {
            engine: Engine::new(
                specs,
                self.rate,
                self.horizon,
                self.max_window_len,
                self.seed,
            ),
            graders: self.graders,
            names,
            cat_ids: kinds.iter().map(cat_ids).collect(),
            kinds,
            rate: self.rate,
            batch_size: self.batch_size,
            clock: self.clock,
            seen: 0,
            rejected_invalid: 0,
            rejected_late: 0,
            rows: Vec::new(),
            ts: Vec::new(),
            pre: Vec::new(),
        })
    }
}

/// The distiller: passes on a fixed share of a record stream, chosen so that
/// over the sliding time horizon the passed records keep the proportions of
/// all records, characteristic by characteristic.
///
/// ```
/// use distilled_select::{DistilledProcessor, ManualClock};
/// struct Person { age: f64, gender: String }
/// let mut p = DistilledProcessor::<Person>::builder()
///     .numeric("age", |p| Some(p.age))
///     .categorical("gender", &["f", "m"], |p| Some(p.gender.clone()))
///     .rate(0.1)
///     .clock(ManualClock::new(0.0))
///     .build()
///     .unwrap();
/// let batch: Vec<Person> = (0..100)
///     .map(|i| Person { age: f64::from(i), gender: if i % 3 == 0 { "f".into() } else { "m".into() } })
///     .collect();
/// let passed = p.process_batch(batch);
/// assert_eq!(passed.len(), 10);
/// ```
pub struct DistilledProcessor<R> {
    engine: Engine,
    graders: Vec<BoxedGrader<R>>,
    names: Vec<String>,
    kinds: Vec<GraderKind>,
    /// Per grader, [`cat_ids`] of its kind (fixed at build), read per value.
    cat_ids: Vec<Option<u32>>,
    rate: f64,
    batch_size: usize,
    clock: Box<dyn Clock + Send>,
    seen: u64,
    rejected_invalid: u64,
    rejected_late: u64,
    // Scratch buffers reused across batches.
    rows: Vec<f64>,
    ts: Vec<f64>,
    pre: Vec<u32>,
}

impl<R> fmt::Debug for DistilledProcessor<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DistilledProcessor")
            .field("graders", &self.names)
            .field("rate", &self.rate)
            .field("batch_size", &self.batch_size)
            .field("window_len", &self.engine.window_len())
            .finish_non_exhaustive()
    }
}

impl<R> DistilledProcessor<R> {
    /// A builder with the defaults.
    pub fn builder() -> ProcessorBuilder<R> {
        ProcessorBuilder::default()
    }

    /// The configured batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The configured pass rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Grades a record onto the end of `self.rows` (one value per grader);
    /// `false` if a numeric value is not finite (the caller truncates).
    #[inline]
    fn grade_onto_rows(&mut self, record: &R) -> bool {
        let mut ok = true;
        for (c, g) in self.graders.iter().enumerate() {
            let v = match g.grade(record) {
                Grade::Missing => self.kinds_missing_code(c).unwrap_or(f64::NAN),
                Grade::Number(x) => {
                    ok &= x.is_finite();
                    x
                }
                Grade::Category(i) => self.category_code(c, Some(i)),
                Grade::Other => self.category_code(c, None),
            };
            self.rows.push(v);
        }
        ok
    }

    /// Bucket code of "missing" for a categorical characteristic (None for
    /// numeric: NaN marks missing there).
    #[inline]
    fn kinds_missing_code(&self, c: usize) -> Option<f64> {
        self.cat_ids[c].map(|n| f64::from(n) + 1.0)
    }

    #[inline]
    fn category_code(&self, c: usize, i: Option<u32>) -> f64 {
        match self.cat_ids[c] {
            Some(n) => f64::from(i.map_or(n, |i| i.min(n))),
            // A category from a numeric grader is a grader bug: treat the
            // index as the number.
            None => i.map_or(f64::NAN, f64::from),
        }
    }

    /// The core: decides a batch given each record's time.
    fn decide<'a, I>(&mut self, items: I, len: usize, pre: Option<(&[u32], u64)>) -> Vec<Decision>
    where
        I: Iterator<Item = (f64, &'a R)> + Clone,
        R: 'a,
    {
        self.decide_with(items, len, pre, |p, r| p.grade_onto_rows(r))
    }

    /// Decides a batch of `len` items, each a time and what `grade` turns
    /// into a row of `self.rows` (`false`: invalid). The one admission path
    /// for records graded here and for pre-graded rows.
    fn decide_with<X, I>(
        &mut self,
        items: I,
        len: usize,
        pre: Option<(&[u32], u64)>,
        mut grade: impl FnMut(&mut Self, X) -> bool,
    ) -> Vec<Decision>
    where
        I: Iterator<Item = (f64, X)> + Clone,
    {
        self.seen += len as u64;
        let mut decisions = vec![Decision::NotSelected; len];
        // "Now" moves to the newest valid timestamp of the batch.
        let newest = items
            .clone()
            .map(|(t, _)| t)
            .filter(|t| t.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let cutoff = self.engine.advance(newest);
        self.ts.clear();
        self.rows.clear();
        let mut index = Vec::with_capacity(len);
        for (i, (t, x)) in items.enumerate() {
            let start = self.rows.len();
            if !t.is_finite() || !grade(self, x) {
                self.rows.truncate(start);
                decisions[i] = Decision::Invalid;
                self.rejected_invalid += 1;
                continue;
            }
            if t <= cutoff {
                self.rows.truncate(start);
                decisions[i] = Decision::Late;
                self.rejected_late += 1;
                continue;
            }
            self.ts.push(t);
            index.push(i);
        }
        self.select_accepted(&mut decisions, &index, len, pre);
        decisions
    }

    /// Grades a pre-graded row onto the end of `self.rows` (see
    /// [`DistilledProcessor::classify_rows_at`]): what
    /// [`DistilledProcessor::grade_onto_rows`] does with the graders'
    /// answers; `false` if a numeric value is not finite and not NaN.
    #[inline]
    fn push_graded_row(&mut self, row: &[f64]) -> bool {
        let mut ok = true;
        for (c, &v) in row.iter().enumerate() {
            let v = match self.cat_ids[c] {
                // Categorical: an index below n is a category, NaN is
                // missing, anything else "other" (as `Grade::Other`).
                Some(n) if v.is_nan() => f64::from(n) + 1.0,
                Some(n) if v >= 0.0 && v < f64::from(n) && v.fract() == 0.0 => f64::from(v as u32),
                Some(n) => f64::from(n),
                None => {
                    ok &= v.is_finite() || v.is_nan();
                    v
                }
            };
            self.rows.push(v);
        }
        ok
    }

    /// [`DistilledProcessor::decide`] for pre-graded rows.
    fn decide_rows(
        &mut self,
        ts: &[f64],
        rows: &[f64],
        pre: Option<(&[u32], u64)>,
    ) -> Vec<Decision> {
        let w = self.graders.len();
        let items = ts.iter().copied().zip(rows.chunks_exact(w));
        self.decide_with(items, ts.len(), pre, |p, row| p.push_graded_row(row))
    }

    /// Selection over the accepted records (`self.ts`, `self.rows`; their
    /// positions in the batch in `index`), with precomputed codes if given.
    fn select_accepted(
        &mut self,
        decisions: &mut [Decision],
        index: &[usize],
        len: usize,
        pre: Option<(&[u32], u64)>,
    ) {
        // Precomputed codes of the accepted records, if they are all there.
        let w = self.graders.len();
        let pre = match pre {
            // Every record accepted (the usual case): the codes as given.
            Some((codes, g)) if codes.len() == len * w && index.len() == len => Some((codes, g)),
            Some((codes, g)) if codes.len() == len * w => {
                self.pre.clear();
                for &i in index {
                    self.pre.extend_from_slice(&codes[i * w..(i + 1) * w]);
                }
                Some((&self.pre[..], g))
            }
            _ => None,
        };
        if !index.is_empty() {
            let picks = self.engine.select_precoded(&self.ts, &self.rows, pre);
            for (&i, p) in index.iter().zip(picks) {
                if p {
                    decisions[i] = Decision::Passed;
                }
            }
        }
    }

    /// Distils one batch arriving now (time from the processor's clock).
    /// Returns the passed records, in input order.
    pub fn process_batch(&mut self, batch: Vec<R>) -> Vec<R> {
        let now = self.clock.now();
        let d = self.decide(batch.iter().map(|r| (now, r)), batch.len(), None);
        batch
            .into_iter()
            .zip(d)
            .filter_map(|(r, d)| (d == Decision::Passed).then_some(r))
            .collect()
    }

    /// Distils one batch with event times (unix seconds per record). Returns
    /// the passed records, in input order.
    ///
    /// "Now" moves to the newest finite timestamp of the batch (never
    /// backwards), and the window keeps what lies within the horizon before
    /// it. The processor cannot tell a real gap in the stream from a wrong
    /// clock, so a single timestamp far in the future moves "now" there: the
    /// window empties, and later records older than that time minus the
    /// horizon are rejected as late (counted in [`Stats::rejected_late`], so
    /// the damage is visible). Filter implausible timestamps before this
    /// call if the source can produce them.
    pub fn process_batch_at(&mut self, batch: Vec<(f64, R)>) -> Vec<R> {
        let d = self.decide(batch.iter().map(|(t, r)| (*t, r)), batch.len(), None);
        batch
            .into_iter()
            .zip(d)
            .filter_map(|((_, r), d)| (d == Decision::Passed).then_some(r))
            .collect()
    }

    /// The same decisions as [`DistilledProcessor::process_batch_at`],
    /// without moving records: one [`Decision`] per input, in input order.
    pub fn classify_batch_at(&mut self, batch: &[(f64, R)]) -> Vec<Decision> {
        self.decide(batch.iter().map(|(t, r)| (*t, r)), batch.len(), None)
    }

    /// A snapshot of the numeric bucket boundaries, to compute leaf codes
    /// elsewhere (for example on the thread that parses the input) for
    /// [`DistilledProcessor::classify_batch_precoded_at`]. Cheap while the
    /// boundaries do not change (a shared snapshot is reused).
    pub fn leaf_coder(&mut self) -> LeafCoder {
        self.engine.leaf_coder()
    }

    /// [`DistilledProcessor::classify_batch_at`] with the records' numeric
    /// leaf codes computed beforehand: `codes[i * w + c]` is
    /// `coder.code(c, v)` for record `i` and grader `c`, where `v` is the
    /// value grader `c` gives the record (NaN for missing), `w` the number
    /// of graders, and `coder` a [`LeafCoder`] of generation `generation`.
    ///
    /// The decisions are exactly those of `classify_batch_at`: the codes are
    /// used only if the processor's boundaries are still those of that
    /// generation (else, or if `codes` has the wrong length, they are
    /// computed here), and an out-of-range code is recomputed. Codes that
    /// do not follow the rule above (from other values) place records in
    /// the wrong buckets until the next boundary rebuild.
    ///
    /// ```
    /// use distilled_select::{Decision, DistilledProcessor};
    /// let mut p = DistilledProcessor::<f64>::builder()
    ///     .numeric("x", |x| Some(*x))
    ///     .build()
    ///     .unwrap();
    /// let batch: Vec<(f64, f64)> = (0..100).map(|i| (1.0, f64::from(i))).collect();
    /// let coder = p.leaf_coder();
    /// let codes: Vec<u32> = batch.iter().map(|(_, x)| coder.code(0, *x)).collect();
    /// let d = p.classify_batch_precoded_at(&batch, &codes, coder.generation());
    /// assert_eq!(d.iter().filter(|d| **d == Decision::Passed).count(), 10);
    /// ```
    pub fn classify_batch_precoded_at(
        &mut self,
        batch: &[(f64, R)],
        codes: &[u32],
        generation: u64,
    ) -> Vec<Decision> {
        self.decide(
            batch.iter().map(|(t, r)| (*t, r)),
            batch.len(),
            Some((codes, generation)),
        )
    }

    /// Classifies records given as the graders' answers, without calling
    /// the graders: for record `i` (event time `ts[i]`), `rows[i * w + c]`
    /// is what grader `c` gives it (`w` graders): a numeric value (NaN for
    /// missing), or for a categorical grader the category's index (below
    /// its number of categories `n`; `max_categories` for discovered ones),
    /// `n` or any other number for "other", NaN for missing. `codes` as in
    /// [`DistilledProcessor::classify_batch_precoded_at`], or empty.
    ///
    /// For a caller that already holds the graded values (a parser, say),
    /// this saves the graders' calls; the decisions, the window and the
    /// stats are exactly those of grading the same records. A categorical
    /// value that is not a whole number below `n` counts as "other". An
    /// error, with nothing classified, if `rows.len() != ts.len() * w`.
    ///
    /// ```
    /// use distilled_select::{Decision, DistilledProcessor};
    /// let mut p = DistilledProcessor::<(f64, &str)>::builder()
    ///     .numeric("x", |r| Some(r.0))
    ///     .categorical_ref("c", &["a", "b"], |r| Some(r.1))
    ///     .build()
    ///     .unwrap();
    /// let ts = vec![1.0; 100];
    /// // x = i, c = "a" for even i, "b" for odd i.
    /// let rows: Vec<f64> = (0..100).flat_map(|i| [f64::from(i), f64::from(i % 2)]).collect();
    /// let d = p.classify_rows_at(&ts, &rows, &[], 0).unwrap();
    /// assert_eq!(d.iter().filter(|d| **d == Decision::Passed).count(), 10);
    /// assert!(p.classify_rows_at(&ts, &rows[1..], &[], 0).is_err());
    /// ```
    pub fn classify_rows_at(
        &mut self,
        ts: &[f64],
        rows: &[f64],
        codes: &[u32],
        generation: u64,
    ) -> Result<Vec<Decision>, RowsLengthError> {
        let expected = ts.len() * self.graders.len();
        if rows.len() != expected {
            return Err(RowsLengthError {
                expected,
                found: rows.len(),
            });
        }
        let pre = (!codes.is_empty()).then_some((codes, generation));
        Ok(self.decide_rows(ts, rows, pre))
    }

    /// Like [`DistilledProcessor::classify_batch_at`] for records arriving
    /// now (time from the clock).
    pub fn classify_batch(&mut self, batch: &[R]) -> Vec<Decision> {
        let now = self.clock.now();
        self.decide(batch.iter().map(|r| (now, r)), batch.len(), None)
    }

    /// Distils a batch with event times and returns every record as a
    /// [`DataPoint`] (grades and pass flag included); rejected records come
    /// back with `passed == false`.
    pub fn process_points_at(&mut self, batch: Vec<(f64, R)>) -> Vec<DataPoint<R>> {
        let d = self.classify_batch_at(&batch);
        batch
            .into_iter()
            .zip(d)
            .map(|((timestamp, record), d)| DataPoint {
                grades: self.graders.iter().map(|g| g.grade(&record)).collect(),
                record,
                timestamp,
                passed: d == Decision::Passed,
            })
            .collect()
    }

    /// Distils any iterator lazily, `batch_size` records at a time, arrival
    /// time from the clock.
    ///
    /// ```
    /// use distilled_select::{DistilledProcessor, ManualClock};
    /// let mut p = DistilledProcessor::<u32>::builder()
    ///     .numeric("x", |x| Some(f64::from(*x)))
    ///     .clock(ManualClock::new(0.0))
    ///     .build()
    ///     .unwrap();
    /// let kept: Vec<u32> = p.distil(0..1000).collect();
    /// assert_eq!(kept.len(), 100);
    /// ```
    pub fn distil<I: IntoIterator<Item = R>>(&mut self, iter: I) -> Distil<'_, R, I::IntoIter> {
        Distil {
            processor: self,
            inner: iter.into_iter(),
            ready: std::collections::VecDeque::new(),
        }
    }

    /// Distils an iterator of `(unix seconds, record)` lazily, `batch_size`
    /// records at a time.
    pub fn distil_at<I: IntoIterator<Item = (f64, R)>>(
        &mut self,
        iter: I,
    ) -> DistilAt<'_, R, I::IntoIter> {
        DistilAt {
            processor: self,
            inner: iter.into_iter(),
            ready: std::collections::VecDeque::new(),
        }
    }

    /// Counts and per-characteristic window shares and distances. Costs a
    /// pass over the window (sorting numeric values), so call it when
    /// reporting, not per record.
    pub fn stats(&self) -> Stats {
        let e = &self.engine;
        let passed = e.total_passed();
        let valid = e.total_valid();
        let characteristics = (0..e.num_chars())
            .map(|c| match cat_ids(&self.kinds[c]) {
                Some(ids) => {
                    let ids = ids as usize;
                    let nb = ids + 2;
                    // Discovered graders know fewer names than buckets until
                    // they fill up; unnamed buckets are empty and not shown.
                    let categories = self.graders[c].categories_now();
                    let named = categories.len().min(ids);
                    let mut all = vec![0u64; nb];
                    let mut pas = vec![0u64; nb];
                    for (v, p) in e.column(c) {
                        all[v as usize] += 1;
                        if p {
                            pas[v as usize] += 1;
                        }
                    }
                    let (na, np) = (all.iter().sum::<u64>(), pas.iter().sum::<u64>());
                    let labels = categories
                        .into_iter()
                        .take(named)
                        .map(Some)
                        .chain(std::iter::repeat_n(None, ids - named))
                        .chain([Some("other".to_owned()), Some("missing".to_owned())]);
                    CharacteristicStats {
                        name: self.names[c].clone(),
                        kind: CharacteristicKind::Categorical,
                        buckets: labels
                            .zip(all.iter().zip(&pas))
                            .filter_map(|(label, (&a, &p))| {
                                Some(BucketShare {
                                    label: label?,
                                    share_all: share(a, na),
                                    share_passed: share(p, np),
                                })
                            })
                            .collect(),
                        distance: total_variation(&all, &pas),
                        quantile_buckets: None,
                        overflow_to_other: self.graders[c].overflow(),
                    }
                }
                None => {
                    let mut all: Vec<f64> = Vec::with_capacity(e.window_len());
                    let mut pas: Vec<f64> = Vec::new();
                    for (v, p) in e.column(c) {
                        all.push(v);
                        if p {
                            pas.push(v);
                        }
                    }
                    let distance = ks_distance(&mut all, &mut pas);
                    CharacteristicStats {
                        name: self.names[c].clone(),
                        kind: CharacteristicKind::Numeric,
                        buckets: decile_buckets(&all, &pas),
                        distance,
                        quantile_buckets: e.leaves(c),
                        overflow_to_other: 0,
                    }
                }
            })
            .collect();
        Stats {
            seen: self.seen,
            passed,
            not_selected: valid - passed,
            rejected_invalid: self.rejected_invalid,
            rejected_late: self.rejected_late,
            window_len: e.window_len(),
            window_passed: e.window_passed(),
            pass_rate: if valid == 0 {
                0.0
            } else {
                passed as f64 / valid as f64
            },
            target_rate: self.rate,
            now: e.now().is_finite().then(|| e.now()),
            boundary_rebuilds: e.rebuilds(),
            characteristics,
        }
    }

    /// Forgets the window, the counters and the rate accounting; keeps the
    /// configuration.
    pub fn reset(&mut self) {
        self.engine.reset();
        self.seen = 0;
        self.rejected_invalid = 0;
        self.rejected_late = 0;
    }
}

/// A bucket edge for a label: plain decimals for ordinary magnitudes,
/// scientific notation for very large or small ones (`{}` would print all
/// 309 digits of 1.7e308), and -0 as 0 (one value to users).
fn edge(v: f64) -> String {
    let v = v + 0.0;
    if v == 0.0 || (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Number of category ids of a categorical kind (the "other" bucket's
/// code; "missing" is one more), `None` for numeric.
fn cat_ids(kind: &GraderKind) -> Option<u32> {
    match kind {
        GraderKind::Categorical { categories } => Some(categories.len() as u32),
        GraderKind::DiscoveredCategorical { max_categories } => Some((*max_categories).max(1)),
        GraderKind::Numeric => None,
    }
}

fn share(a: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { a as f64 / n as f64 }
}

/// Decile buckets of the window's values (sorted, NaN = missing last) with
/// the passed records' shares in them.
fn decile_buckets(all_sorted: &[f64], pas_sorted: &[f64]) -> Vec<BucketShare> {
    let present = all_sorted.iter().take_while(|v| !v.is_nan()).count();
    let pas_present = pas_sorted.iter().take_while(|v| !v.is_nan()).count();
    let (na, np) = (all_sorted.len() as u64, pas_sorted.len() as u64);
    let mut out = Vec::new();
    if present > 0 {
        let mut cuts: Vec<f64> = (1..10)
            .map(|i| all_sorted[(i * present / 10).min(present - 1)])
            .collect();
        cuts.dedup();
        let mut lo = all_sorted[0];
        let mut prev_a = 0;
        let mut prev_p = 0;
        for (i, &hi) in cuts
            .iter()
            .chain(std::iter::once(&f64::INFINITY))
            .enumerate()
        {
            let last = i == cuts.len();
            let ca = if last {
                present
            } else {
                all_sorted[..present].partition_point(|&v| v < hi)
            };
            let cp = if last {
                pas_present
            } else {
                pas_sorted[..pas_present].partition_point(|&v| v < hi)
            };
            if ca > prev_a || cp > prev_p {
                let label = if last {
                    format!("[{}, {}]", edge(lo), edge(all_sorted[present - 1]))
                } else {
                    format!("[{}, {})", edge(lo), edge(hi))
                };
                out.push(BucketShare {
                    label,
                    share_all: share((ca - prev_a) as u64, na),
                    share_passed: share((cp - prev_p) as u64, np),
                });
            }
            prev_a = ca;
            prev_p = cp;
            lo = hi;
        }
    }
    out.push(BucketShare {
        label: "missing".to_owned(),
        share_all: share(na - present as u64, na),
        share_passed: share(np - pas_present as u64, np),
    });
    out
}

/// Lazy distillation of an iterator (see [`DistilledProcessor::distil`]).
pub struct Distil<'p, R, I> {
    processor: &'p mut DistilledProcessor<R>,
    inner: I,
    ready: std::collections::VecDeque<R>,
}

impl<R, I> fmt::Debug for Distil<'_, R, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Distil")
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}

impl<R, I: Iterator<Item = R>> Iterator for Distil<'_, R, I> {
    type Item = R;
    fn next(&mut self) -> Option<R> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Some(r);
            }
            let batch: Vec<R> = self
                .inner
                .by_ref()
                .take(self.processor.batch_size)
                .collect();
            if batch.is_empty() {
                return None;
            }
            self.ready.extend(self.processor.process_batch(batch));
        }
    }
}

/// Lazy distillation of a timestamped iterator (see
/// [`DistilledProcessor::distil_at`]).
pub struct DistilAt<'p, R, I> {
    processor: &'p mut DistilledProcessor<R>,
    inner: I,
    ready: std::collections::VecDeque<R>,
}

impl<R, I> fmt::Debug for DistilAt<'_, R, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DistilAt")
            .field("ready", &self.ready.len())
            .finish_non_exhaustive()
    }
}

impl<R, I: Iterator<Item = (f64, R)>> Iterator for DistilAt<'_, R, I> {
    type Item = R;
    fn next(&mut self) -> Option<R> {
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Some(r);
            }
            let batch: Vec<(f64, R)> = self
                .inner
                .by_ref()
                .take(self.processor.batch_size)
                .collect();
            if batch.is_empty() {
                return None;
            }
            self.ready.extend(self.processor.process_batch_at(batch));
        }
    }
}
