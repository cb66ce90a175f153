//! Benchmarks for distilled-kll (to be written).
fn main() {}
