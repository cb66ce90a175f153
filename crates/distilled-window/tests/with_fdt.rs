//! A window over `distilled-fdt` (Frequent Distinct Tuples), used through the
//! core traits: in exact mode the distinct-tuple count of the window equals
//! the exact count over the items inside the horizon, and the per-key groups
//! equal those of one sketch built from exactly those items.

mod common;

use std::collections::{HashMap, HashSet};

use common::stream::{drifting, run};
use distilled_core::{DistinctCount, EmptyLike, NumStdDev, Update};
use distilled_fdt::FdtSketch;
use distilled_window::WindowConfig;

#[test]
fn fdt_window_is_exact_in_exact_mode() {
    let cfg = WindowConfig::new(600.0, 10.0).unwrap();
    let proto = FdtSketch::with_lg_k(12).unwrap();
    let mut checks = 0;
    for seed in 0..3u64 {
        // Tuples (page, user): 8 pages; users drift with time, so the set of
        // distinct tuples inside the horizon changes as the window slides.
        let stream: Vec<(f64, Vec<String>)> = drifting(400 + seed, 8_000, 0.15, 40.0, 600.0)
            .into_iter()
            .map(|(t, v)| {
                let user = (v / 3.0).floor() as u64;
                let page = (v * 7.3).floor() as u64 % 8;
                (t, vec![format!("page{page}"), format!("user{user}")])
            })
            .collect();
        checks += run(
            proto.clone(),
            cfg,
            &stream,
            1000,
            |got: &FdtSketch, exact| {
                let distinct: HashSet<&Vec<String>> = exact.iter().collect();
                assert!(!got.is_estimation_mode());
                assert_eq!(got.estimate(), distinct.len() as f64);
                assert_eq!(got.upper_bound(NumStdDev::Two), distinct.len() as f64);
                // Distinct users per page, from the window and from the truth.
                let groups = got.result(&[0], 0, NumStdDev::Two, '|').unwrap();
                let mut truth: HashMap<&str, u64> = HashMap::new();
                for t in &distinct {
                    *truth.entry(t[0].as_str()).or_insert(0) += 1;
                }
                assert_eq!(groups.len(), truth.len());
                for g in &groups {
                    assert_eq!(g.count, truth[g.primary_key.as_str()], "{}", g.primary_key);
                }
                let mut one = proto.empty_like();
                for t in exact {
                    Update::update(&mut one, t.clone());
                }
                let one_groups = one.result(&[0], 0, NumStdDev::Two, '|').unwrap();
                let key = |gs: &[distilled_fdt::Group]| -> Vec<(String, u64)> {
                    gs.iter()
                        .map(|g| (g.primary_key.clone(), g.count))
                        .collect()
                };
                assert_eq!(key(&groups), key(&one_groups));
            },
        );
    }
    assert!(checks >= 20);
}
