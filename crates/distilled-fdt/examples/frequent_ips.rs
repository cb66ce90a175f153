//! The Frequent Distinct Tuples worked example of the DataSketches
//! documentation: a stream of (IP address, user id) pairs, a sketch sized for
//! threshold 0.1 and rse 0.05, and the top 20 groups with 2-standard-deviation
//! bounds, first by IP (which IPs serve the most distinct users) and then,
//! from the same sketch, by user (which users come from the most distinct IPs).
//!
//! Run with `cargo run --release -p distilled-fdt --example frequent_ips`.

use distilled_core::{DistinctCount, NumStdDev};
use distilled_fdt::{FdtSketch, Group};

/// A small deterministic generator, so that the example prints the same
/// table on every run without extra dependencies.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (threshold, rse) = (0.1, 0.05);
    let mut sketch = FdtSketch::new(threshold, rse)?;
    println!(
        "FdtSketch(threshold {threshold}, rse {rse}): lg_k = {}",
        sketch.lg_k()
    );

    // 1,000,000 (ip, user) pairs. Three IPs are heavy: a proxy shared by 25%
    // of the pairs, a NAT by 15%, a campus gateway by 10%; one crawler account
    // logs in from 12% of the pairs' IPs. Everything else is spread thin.
    let mut rng = SplitMix(2019);
    let n = 1_000_000u64;
    for _ in 0..n {
        let r = rng.below(100);
        let (ip, user) = match r {
            0..=24 => (
                "10.1.1.1".to_string(),
                format!("user{}", rng.below(2_000_000)),
            ),
            25..=39 => (
                "10.2.2.2".to_string(),
                format!("user{}", rng.below(2_000_000)),
            ),
            40..=49 => (
                "10.3.3.3".to_string(),
                format!("user{}", rng.below(2_000_000)),
            ),
            50..=61 => (
                format!(
                    "172.{}.{}.{}",
                    16 + rng.below(16),
                    rng.below(256),
                    rng.below(256)
                ),
                "crawler".to_string(),
            ),
            _ => (
                format!("192.168.{}.{}", rng.below(256), rng.below(256)),
                format!("user{}", rng.below(2_000_000)),
            ),
        };
        sketch.update(&[ip, user]);
    }
    println!(
        "{n} pairs, about {:.0} distinct (2 sd: {:.0} .. {:.0}), {} retained, theta {:.5}\n",
        sketch.estimate(),
        sketch.lower_bound(NumStdDev::Two),
        sketch.upper_bound(NumStdDev::Two),
        sketch.num_retained(),
        sketch.theta()
    );

    println!("Top 20 IP addresses by distinct users:");
    println!("{}", Group::header());
    for g in sketch.result(&[0], 20, NumStdDev::Two, '|')? {
        println!("{g}");
    }

    println!("\nTop 20 users by distinct IP addresses (same sketch):");
    println!("{}", Group::header());
    for g in sketch.result(&[1], 20, NumStdDev::Two, '|')? {
        println!("{g}");
    }
    Ok(())
}
