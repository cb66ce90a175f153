//! Benchmarks for distilled-ingest (to be written).
fn main() {}
