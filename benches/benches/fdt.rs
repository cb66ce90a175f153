//! Benchmarks for distilled-fdt (to be written).
fn main() {}
