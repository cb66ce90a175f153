//! The library behind the `distill` command: the input layer, `distill select`'s streaming
//! pipeline over `DistilledProcessor`, the sketch subcommands, the demo and the HTML report.
//!
//! It is a library so that benchmarks and tests can drive the pipeline in process
//! ([`select::distil`]); the command itself is `src/main.rs`.

// The pipeline's plumbing (readers over boxed input, outcome bundles) is
// public for benches and tests, not a library API to print.
#![allow(missing_debug_implementations)]

pub mod cli;
pub mod demo;
pub mod engine;
pub mod input;
pub mod report;
pub mod select;
pub mod sketches;
pub mod stats;
