//! Benchmarks for distilled-window (to be written).
fn main() {}
