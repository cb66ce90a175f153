//! distilled: streaming data reduction.
//!
//! One dependency for everything: the distiller at the root of this crate,
//! and every building block under its own name —
//! [`tdigest`], [`kll`] (quantiles), [`theta`], [`fdt`] (distinct counts),
//! [`window`] (sliding time horizons), [`select`] (the distiller's
//! internals), [`ingest`] (multi-threaded ingest) and [`core`] (the shared
//! traits).
//!
//! # Quick start
//!
//! Pass on 10% of a stream of people so that, over the last hour, the passed
//! people have the same age distribution, gender shares and income
//! distribution as everyone seen in that hour:
//!
//! ```
//! use distilled::{DistilledProcessor, ManualClock};
//!
//! #[derive(Debug, Clone)]
//! struct Person {
//!     age: u32,
//!     gender: String,
//!     income: Option<f64>,
//! }
//!
//! let clock = ManualClock::new(1_700_000_000.0);
//! let mut distiller = DistilledProcessor::<Person>::builder()
//!     .numeric("age", |p| Some(f64::from(p.age)))
//!     .categorical("gender", &["female", "male", "diverse"], |p| Some(p.gender.clone()))
//!     .numeric("income", |p| p.income) // None = missing, a bucket of its own
//!     .horizon_secs(3600.0) // the default
//!     .rate(0.1) // the default: pass on 10%
//!     .clock(clock.clone())
//!     .build()?;
//!
//! let mut passed = Vec::new();
//! for second in 0..60u32 {
//!     let batch: Vec<Person> = (0..100u32)
//!         .map(|i| {
//!             let n = second * 100 + i;
//!             Person {
//!                 age: 18 + (n * 37) % 70,
//!                 gender: ["female", "male", "diverse"][(n % 7 % 3) as usize].to_owned(),
//!                 income: (n % 11 != 0).then(|| f64::from(20_000 + (n * 7919) % 90_000)),
//!             }
//!         })
//!         .collect();
//!     passed.extend(distiller.process_batch(batch));
//!     clock.advance(1.0);
//! }
//! assert_eq!(passed.len(), 600); // exactly 10%
//!
//! let stats = distiller.stats();
//! for c in &stats.characteristics {
//!     println!("{:>7}: distance {:.4}", c.name, c.distance);
//!     assert!(c.distance < 0.05);
//! }
//! # Ok::<(), distilled::ConfigError>(())
//! ```
//!
//! `cargo run -p distilled --example quickstart` runs a longer version and
//! compares it with Bernoulli sampling.

pub use distilled_core as core;
pub use distilled_fdt as fdt;
pub use distilled_ingest as ingest;
pub use distilled_kll as kll;
pub use distilled_select as select;
pub use distilled_tdigest as tdigest;
pub use distilled_theta as theta;
pub use distilled_window as window;

pub use distilled_select::metrics;
pub use distilled_select::{
    Bernoulli, BucketShare, CategoricalGrader, CategoricalRefGrader, CategoryDictionary,
    CharacteristicKind, CharacteristicStats, Clock, ConfigError, DataPoint, Decision,
    DiscoveredCategoricalGrader, Distil, DistilAt, DistilledProcessor, FnGrader, Grade, Grader,
    GraderKind, ManualClock, NumericGrader, ProcessorBuilder, Stats, SystemClock,
};
