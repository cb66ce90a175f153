//! Benchmarks for distilled-theta (to be written).
fn main() {}
