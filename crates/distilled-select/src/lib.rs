//! Graders, proportion tracking and selection: the distiller at the heart of
//! `distilled`.
//!
//! A [`DistilledProcessor`] passes on a configurable share (default 10%) of a
//! record stream. Which records go is decided batch by batch so that, over a
//! sliding time horizon, the passed records keep the proportions of all
//! records in the window, for every characteristic at once: the shares of
//! each category, the whole distribution of each numeric value (not only its
//! mean), the share of missing values, and the joint shares of pairs of
//! characteristics.
//!
//! # How
//!
//! * [`Grader`]s turn a record into characteristics: numeric
//!   ([`NumericGrader`]), categorical over predefined categories with an
//!   "other" bucket ([`CategoricalGrader`]), categorical over categories
//!   discovered from the stream up to a bound, overflow pooled as "other"
//!   and counted ([`DiscoveredCategoricalGrader`],
//!   [`ProcessorBuilder::categorical_discovered`]), a quick closure
//!   ([`FnGrader`]), or your own implementation of the trait. Missing values
//!   are a bucket of their own.
//! * Per bucket, the window keeps the count of all records and of passed
//!   records (added on arrival, subtracted on expiry). Numeric values are
//!   bucketed by quantiles of the window, in a binary tree whose number of
//!   leaves grows with the number of passed records in the window;
//!   boundaries are rebuilt from the window's values when the window has
//!   grown or drifted (amortised, not per record).
//! * Each batch gets a budget of `rate * batch_len` plus the carried
//!   remainder: after every batch, exactly `floor(rate * valid records so
//!   far)` have been passed, so the long-run rate is exact and every window's
//!   pass count stays within one batch budget of `rate` times its size.
//! * The budget is spent greedily on the records whose buckets lag most
//!   (`rate * all - passed`, summed over characteristics, tree levels and
//!   pairs), updating scores after each pick; ties go to the rarest
//!   buckets, then to a seeded hash. Only the past and the current batch are
//!   used, and the cost is `O(n log n)` per batch.
//!
//! Against Bernoulli sampling at the same rate, the passed subset's total
//! variation and Kolmogorov-Smirnov distances to the window are several times
//! smaller (see the crate's tests and `docs/benchmarks.md`).
//!
//! # Example
//!
//! ```
//! use distilled_select::{DistilledProcessor, ManualClock};
//!
//! struct Person { age: f64, gender: &'static str, income: Option<f64> }
//!
//! let clock = ManualClock::new(1_700_000_000.0);
//! let mut distiller = DistilledProcessor::<Person>::builder()
//!     .numeric("age", |p| Some(p.age))
//!     .categorical("gender", &["female", "male"], |p| Some(p.gender.to_owned()))
//!     .numeric("income", |p| p.income)
//!     .horizon_secs(3600.0)
//!     .rate(0.1)
//!     .clock(clock.clone())
//!     .build()?;
//!
//! let mut kept = 0;
//! for batch in 0..50 {
//!     let people: Vec<Person> = (0..100u32)
//!         .map(|i| Person {
//!             age: f64::from(18 + (i * 7 + batch) % 60),
//!             gender: if i % 3 == 0 { "female" } else { "male" },
//!             income: (i % 10 != 0).then(|| f64::from(20_000 + i * 500)),
//!         })
//!         .collect();
//!     kept += distiller.process_batch(people).len();
//!     clock.advance(1.0);
//! }
//! assert_eq!(kept, 500);
//! let stats = distiller.stats();
//! assert!(stats.characteristic("gender").unwrap().distance < 0.01);
//! # Ok::<(), distilled_select::ConfigError>(())
//! ```

mod baseline;
mod engine;
mod grader;
pub mod metrics;
mod processor;

pub use baseline::Bernoulli;
pub use distilled_window::{Clock, ManualClock, SystemClock};
pub use engine::LeafCoder;
pub use grader::{
    CategoricalGrader, CategoricalRefGrader, CategoryDictionary, DataPoint,
    DiscoveredCategoricalGrader, FnGrader, Grade, Grader, GraderKind, NumericGrader,
};
pub use processor::{
    BucketShare, CharacteristicKind, CharacteristicStats, ConfigError, Decision, Distil, DistilAt,
    DistilledProcessor, ProcessorBuilder, RowsLengthError, Stats,
};
