//! Benchmarks for distilled-tdigest (to be written).
fn main() {}
