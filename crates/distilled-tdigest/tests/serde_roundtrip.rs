//! serde round trips through bincode 2 and postcard (feature `serde`).
#![cfg(feature = "serde")]

use distilled_core::DataSketchesFormat;
use distilled_tdigest::{Scale, TDigest};

fn digests() -> Vec<TDigest> {
    let mut out = vec![TDigest::default()];
    for scale in [Scale::K1, Scale::K2] {
        let mut d = TDigest::with_scale(50, scale).unwrap();
        d.add_many(
            &(0..20_000)
                .map(|i| ((i * 7919) % 10_007) as f64 * 0.5)
                .collect::<Vec<_>>(),
        );
        d.add(f64::NAN);
        d.add_weighted(3.5, 2.25).unwrap();
        out.push(d); // leaves values in the buffer
    }
    let mut small = TDigest::new(100).unwrap();
    small.add_many(&[3.0, -1.0, 2.0]);
    out.push(small);
    // Heavy repeated values: atom flags must survive the round trip.
    let mut dup = TDigest::new(50).unwrap();
    dup.add_many(&(0..50_000).map(|i| (i % 7) as f64).collect::<Vec<_>>());
    dup.compress();
    assert!(dup.atoms().iter().filter(|&&a| a).count() > 7);
    out.push(dup);
    out
}

fn same(a: &TDigest, b: &TDigest) {
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
    assert_eq!(a.count(), b.count());
    assert_eq!(a.min(), b.min());
    assert_eq!(a.max(), b.max());
    assert_eq!(a.rejected_non_finite(), b.rejected_non_finite());
    assert_eq!(a.centroids(), b.centroids());
    assert_eq!(a.atoms(), b.atoms());
    let (mut ia, mut ib) = (a.info(), b.info());
    // Allocated capacity is not state.
    ia.memory_bytes = 0;
    ib.memory_bytes = 0;
    assert_eq!(ia, ib);
    if !a.is_empty() {
        for q in [0.0, 0.1, 0.3, 0.5, 0.999, 1.0] {
            assert_eq!(a.quantile(q).unwrap(), b.quantile(q).unwrap());
        }
        for x in [0.5, 1.0, 3.0] {
            assert_eq!(a.rank(x).unwrap(), b.rank(x).unwrap());
        }
    }
}

#[test]
fn bincode_round_trip() {
    let config = bincode::config::standard();
    for d in digests() {
        let bytes = bincode::serde::encode_to_vec(&d, config).unwrap();
        let (back, used): (TDigest, usize) =
            bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(used, bytes.len());
        same(&d, &back);
    }
}

#[test]
fn postcard_round_trip() {
    for d in digests() {
        let bytes = postcard::to_allocvec(&d).unwrap();
        let back: TDigest = postcard::from_bytes(&bytes).unwrap();
        same(&d, &back);
    }
}

#[test]
fn invalid_documents_are_rejected() {
    let d = &digests()[1];
    let mut v = serde_json::to_value(d).unwrap();
    v["compression"] = serde_json::json!(3);
    assert!(serde_json::from_value::<TDigest>(v).is_err());
    let mut v = serde_json::to_value(d).unwrap();
    v["centroids"][0]["weight"] = serde_json::json!(-1.0);
    assert!(serde_json::from_value::<TDigest>(v).is_err());
    let mut v = serde_json::to_value(d).unwrap();
    v["min"] = serde_json::json!(1e9);
    assert!(serde_json::from_value::<TDigest>(v).is_err());
    // One atom flag per centroid.
    let mut v = serde_json::to_value(d).unwrap();
    v["atoms"].as_array_mut().unwrap().pop();
    assert!(serde_json::from_value::<TDigest>(v).is_err());
}
