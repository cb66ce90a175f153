//! A window over `distilled-tdigest`, used through the core traits only: the
//! answer's count, min and max are exact and its quantiles are within the
//! t-digest's error of the exact quantiles of the items inside the horizon,
//! as are those of one t-digest built from exactly those items.

mod common;

use common::stream::{drifting, run, true_rank};
use distilled_core::{QuantileSketch, SearchCriteria, Update};
use distilled_tdigest::TDigest;
use distilled_window::WindowConfig;

const RANKS: [f64; 7] = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

#[test]
fn tdigest_window_matches_items_inside_horizon() {
    let cfg = WindowConfig::new(600.0, 10.0).unwrap();
    let proto = TDigest::new(100).unwrap();
    let mut worst = 0.0f64;
    let mut checks = 0;
    for seed in 0..6 {
        let stream = drifting(seed, 12_000, 0.15, 40.0, 600.0);
        checks += run(
            proto.clone(),
            cfg,
            &stream,
            1000,
            |got: &TDigest, exact: &[f64]| {
                let mut sorted = exact.to_vec();
                sorted.sort_by(f64::total_cmp);
                assert_eq!(QuantileSketch::n(got), sorted.len() as u64);
                assert_eq!(got.min_item(), sorted.first().copied());
                assert_eq!(got.max_item(), sorted.last().copied());
                let mut one = proto.clone();
                for &v in exact {
                    Update::update(&mut one, v);
                }
                for r in RANKS {
                    let q = QuantileSketch::quantile(got, r, SearchCriteria::Inclusive).unwrap();
                    let err = (true_rank(&sorted, q) - r).abs();
                    worst = worst.max(err);
                    assert!(err < 0.01, "rank {r}: window answer has rank error {err}");
                    let q1 = QuantileSketch::quantile(&one, r, SearchCriteria::Inclusive).unwrap();
                    assert!((true_rank(&sorted, q1) - r).abs() < 0.01);
                }
            },
        );
    }
    assert!(checks >= 60);
    eprintln!("t-digest window: worst rank error {worst:.4} over {checks} queries");
}
