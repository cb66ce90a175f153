//! Benchmarks for distilled-select (to be written).
fn main() {}
