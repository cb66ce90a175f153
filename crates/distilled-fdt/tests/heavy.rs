//! Planted heavy groups: the question FDT answers, checked against the truth.
//!
//! Each seed builds 100,000 distinct (ip, user) pairs and streams them as
//! 400,000 tuples (every pair once, then 300,000 repeats drawn at random, shuffled). Four IPs own 30%,
//! 20%, 15% and 11% of the distinct pairs; one user ("bot") connects from 12%
//! of them through distinct IPs; the rest are light. The sketch is the
//! documentation's configuration (threshold 0.1, rse 0.05, lg_k 12), so the
//! sketch samples about 4-8% of the distinct pairs.

use std::collections::HashMap;

use distilled_core::{DistinctCount, NumStdDev};
use distilled_fdt::FdtSketch;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const DISTINCT: usize = 100_000;
const TUPLES: usize = 400_000;
const HEAVY_IPS: [(&str, f64); 4] = [
    ("10.0.0.1", 0.30),
    ("10.0.0.2", 0.20),
    ("10.0.0.3", 0.15),
    ("10.0.0.4", 0.11),
];
const BOT_SHARE: f64 = 0.12;

struct Stream {
    pairs: Vec<[String; 2]>,
    order: Vec<u32>,
}

fn stream(seed: u64) -> Stream {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pairs = Vec::with_capacity(DISTINCT);
    // Distinct by construction: every pair gets a fresh user (heavy IPs) or a
    // fresh IP (the bot), tagged with the seed so that seeds differ.
    for (ip, share) in HEAVY_IPS {
        for _ in 0..(share * DISTINCT as f64) as usize {
            pairs.push([ip.to_string(), format!("u{seed}-{}", pairs.len())]);
        }
    }
    for _ in 0..(BOT_SHARE * DISTINCT as f64) as usize {
        pairs.push([format!("172.16.{seed}.{}", pairs.len()), "bot".to_string()]);
    }
    while pairs.len() < DISTINCT {
        let ip = format!(
            "192.168.{}.{}",
            rng.random_range(0..80u32),
            rng.random_range(0..256u32)
        );
        pairs.push([ip, format!("u{seed}-{}", pairs.len())]);
    }
    let mut order = Vec::with_capacity(TUPLES);
    for i in 0..DISTINCT {
        order.push(i as u32);
    }
    while order.len() < TUPLES {
        order.push(rng.random_range(0..DISTINCT as u32));
    }
    order.shuffle(&mut rng);
    Stream { pairs, order }
}

fn truth(s: &Stream, dim: usize) -> HashMap<&str, u64> {
    let mut t = HashMap::new();
    for p in &s.pairs {
        *t.entry(p[dim].as_str()).or_insert(0) += 1;
    }
    t
}

#[test]
fn heavy_groups_are_found_and_bounded_over_many_seeds() {
    let seeds = 20u64;
    let mut checks = 0u32;
    let mut misses = [0u32; 3];
    let mut sq_rel_err_at_threshold = 0.0;
    for seed in 0..seeds {
        let s = stream(seed);
        let mut sk = FdtSketch::new(0.1, 0.05).unwrap();
        assert_eq!(sk.lg_k(), 12);
        for &i in &s.order {
            let [ip, user] = &s.pairs[i as usize];
            sk.update(&[ip.as_str(), user.as_str()]);
        }
        assert!(sk.is_estimation_mode());
        let total = DISTINCT as f64;
        assert!(sk.lower_bound(NumStdDev::Three) <= total);
        assert!(total <= sk.upper_bound(NumStdDev::Three));

        for (dim, expected_heavy) in [(0usize, HEAVY_IPS.len()), (1, 1)] {
            let truth = truth(&s, dim);
            let nsds = [NumStdDev::One, NumStdDev::Two, NumStdDev::Three];
            let per_nsd: Vec<_> = nsds
                .iter()
                .map(|&n| sk.result(&[dim], 20, n, '|').unwrap())
                .collect();
            let top = &per_nsd[1];
            assert!(top.len() <= 20);
            assert!(top.windows(2).all(|w| w[0].count >= w[1].count));
            // Every group above the threshold is reported, and they lead.
            let heavy: Vec<&str> = truth
                .iter()
                .filter(|(_, c)| **c as f64 > 0.1 * total)
                .map(|(k, _)| *k)
                .collect();
            assert_eq!(heavy.len(), expected_heavy);
            for key in &heavy {
                let pos = top.iter().position(|g| g.primary_key == *key);
                assert!(
                    pos.is_some_and(|p| p < expected_heavy),
                    "seed {seed}: heavy key {key} missing from the top"
                );
            }
            for g in top.iter().take(expected_heavy) {
                let t = truth[g.primary_key.as_str()] as f64;
                assert!(g.lower_bound <= g.estimate && g.estimate <= g.upper_bound);
                assert!((g.fraction - t / total).abs() < 0.03, "{g}");
                for (i, res) in per_nsd.iter().enumerate() {
                    let same = res.iter().find(|h| h.primary_key == g.primary_key).unwrap();
                    assert_eq!((same.count, same.estimate), (g.count, g.estimate));
                    if !(same.lower_bound <= t && t <= same.upper_bound) {
                        misses[i] += 1;
                    }
                }
                checks += 1;
                if g.primary_key == "10.0.0.4" {
                    sq_rel_err_at_threshold += (g.estimate / t - 1.0).powi(2);
                }
            }
        }
    }
    // 100 interval checks: two-sided coverage 68.3%, 95.4%, 99.7%.
    assert_eq!(checks, 100);
    println!("misses at 1/2/3 sd over {checks} intervals: {misses:?}");
    let cover = |m: u32| 1.0 - f64::from(m) / f64::from(checks);
    assert!(
        (0.52..=0.85).contains(&cover(misses[0])),
        "1 sd coverage {}",
        cover(misses[0])
    );
    assert!(
        cover(misses[1]) >= 0.88,
        "2 sd coverage {}",
        cover(misses[1])
    );
    assert!(
        cover(misses[2]) >= 0.97,
        "3 sd coverage {}",
        cover(misses[2])
    );
    // The key just above the threshold (11%) is estimated with an RSE of at
    // most about `rse` = 5% (sqrt(1/(k * 0.11)) = 4.7% at k = 4096).
    let rms = (sq_rel_err_at_threshold / seeds as f64).sqrt();
    assert!(rms < 0.075, "rms relative error {rms}");
}

#[test]
fn exact_mode_counts_are_exact() {
    let mut sk = FdtSketch::with_lg_k(12).unwrap();
    let mut truth: HashMap<String, u64> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    for _ in 0..5_000 {
        let ip = format!("ip{}", rng.random_range(0..40u32));
        let user = format!("user{}", rng.random_range(0..60u32));
        if seen.insert((ip.clone(), user.clone())) {
            *truth.entry(ip.clone()).or_insert(0) += 1;
        }
        sk.update_owned(vec![ip, user]);
    }
    assert!(!sk.is_estimation_mode());
    assert_eq!(sk.estimate(), seen.len() as f64);
    let all = sk.result(&[0], 0, NumStdDev::Three, '|').unwrap();
    assert_eq!(all.len(), truth.len());
    for g in &all {
        let t = truth[&g.primary_key];
        assert_eq!(g.count, t);
        assert_eq!(
            (g.estimate, g.lower_bound, g.upper_bound, g.rse),
            (t as f64, t as f64, t as f64, 0.0)
        );
        assert!((g.fraction - t as f64 / seen.len() as f64).abs() < 1e-12);
    }
    let limited = sk.result(&[0], 3, NumStdDev::Three, '|').unwrap();
    assert_eq!(limited, all[..3].to_vec());
}
