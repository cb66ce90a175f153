//! `clone_from` over a digest in another state gives the same digest as
//! `clone`, now and after further updates (the ingest layer publishes with
//! it).

use distilled_core::DataSketchesFormat;
use distilled_tdigest::{Scale, TDigest};

fn values(n: usize, step: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * step) % 10_007) as f64 * 0.5).collect()
}

fn assert_same(a: &TDigest, b: &TDigest) {
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
    assert_eq!(a.centroids(), b.centroids());
    assert_eq!(a.atoms(), b.atoms());
    assert_eq!((a.count(), a.min(), a.max()), (b.count(), b.min(), b.max()));
    assert_eq!(a.rejected_non_finite(), b.rejected_non_finite());
    let (mut ia, mut ib) = (a.info(), b.info());
    // Allocated capacity is not state.
    ia.memory_bytes = 0;
    ib.memory_bytes = 0;
    assert_eq!(ia, ib);
}

#[test]
fn clone_from_over_another_digest_behaves_as_a_clone() {
    let mut sources = Vec::new();
    for scale in [Scale::K1, Scale::K2] {
        let mut d = TDigest::with_scale(60, scale).unwrap();
        d.add_many(&values(30_000, 7919));
        d.add(f64::NAN);
        d.add_weighted(3.5, 2.25).unwrap();
        sources.push(d); // values left in the buffer
    }
    sources.push(TDigest::new(100).unwrap()); // empty
    for source in &sources {
        // A target with another compression and scale, more centroids and a
        // fuller buffer: every field must be overwritten.
        let mut target = TDigest::with_scale(200, Scale::K2).unwrap();
        target.add_many(&values(90_000, 31));
        target.add(f64::INFINITY);
        target.clone_from(source);
        let mut clone = source.clone();
        assert_same(&target, &clone);
        let more = values(20_000, 101);
        target.add_many(&more);
        clone.add_many(&more);
        target.compress();
        clone.compress();
        assert_same(&target, &clone);
    }
}

/// A digest in an arbitrary state: compressed centroids, buffered unit
/// values and weighted values, with repeats, signed zeros and ties.
fn digest(scale: Scale, seed: u64, n: usize) -> TDigest {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut d = TDigest::with_scale(30 + (seed % 5) as u16 * 20, scale).unwrap();
    for _ in 0..n {
        let r = next();
        let v = match r % 6 {
            0 => (r >> 20) as f64 % 7.0,
            1 => -0.0,
            2 => 0.0,
            _ => ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.3) * 1e3,
        };
        if r % 97 == 0 {
            d.add_weighted(v, 1.0 + (r >> 40) as f64 % 5.0).unwrap();
        } else {
            d.add(v);
        }
        if r % 40_009 == 0 {
            d.compress();
        }
    }
    d
}

#[test]
fn merge_by_linear_runs_equals_merge_by_sorting_everything() {
    for scale in [Scale::K1, Scale::K2] {
        for seed in 0..150u64 {
            let a = digest(scale, seed, [0, 3, 500, 20_000, 70_000][seed as usize % 5]);
            let b = digest(
                scale,
                seed + 1000,
                [70_000, 1, 0, 9_000, 30_000][seed as usize % 5],
            );
            let (mut fast, mut slow) = (a.clone(), a.clone());
            fast.merge(&b).unwrap();
            slow.merge_by_sorting_all(&b).unwrap();
            assert_same(&fast, &slow);
        }
    }
}
