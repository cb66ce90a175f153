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
