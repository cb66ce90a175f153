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
    out
}

fn same(a: &TDigest, b: &TDigest) {
    assert_eq!(a.to_datasketches_bytes(), b.to_datasketches_bytes());
    assert_eq!(a.count(), b.count());
    assert_eq!(a.min(), b.min());
    assert_eq!(a.max(), b.max());
    assert_eq!(a.rejected_non_finite(), b.rejected_non_finite());
    let (mut ia, mut ib) = (a.info(), b.info());
    // Allocated capacity is not state.
    ia.memory_bytes = 0;
    ib.memory_bytes = 0;
    assert_eq!(ia, ib);
    if !a.is_empty() {
        for q in [0.0, 0.1, 0.5, 0.999, 1.0] {
            assert_eq!(a.quantile(q).unwrap(), b.quantile(q).unwrap());
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
}
