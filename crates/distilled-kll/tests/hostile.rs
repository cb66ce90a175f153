//! Hostile bytes: random and mutated inputs give typed errors, never a panic,
//! and whatever decodes is a usable sketch.

use distilled_core::{DataSketchesFormat, DecodeError, SearchCriteria};
use distilled_kll::KllSketch;
use proptest::prelude::*;

fn valid(n: usize, k: u32, seed: u64) -> Vec<u8> {
    let mut sk = KllSketch::<f64>::builder().k(k).seed(seed).build().unwrap();
    sk.update_slice(
        &(0..n)
            .map(|i| ((i * 7919) % 1000) as f64)
            .collect::<Vec<_>>(),
    );
    sk.to_datasketches_bytes()
}

fn exercise<T>(r: Result<KllSketch<T>, DecodeError>)
where
    T: distilled_kll::KllItem + Copy,
    KllSketch<T>: DataSketchesFormat,
{
    if let Ok(sk) = r {
        let bytes = sk.to_datasketches_bytes();
        let again = KllSketch::<T>::from_datasketches_bytes(&bytes).unwrap();
        assert_eq!(again.n(), sk.n());
        if !sk.is_empty() {
            let q = sk.quantile(0.5, SearchCriteria::Inclusive).unwrap();
            let _ = sk.rank(&q, SearchCriteria::Exclusive).unwrap();
            let weights: u64 = sk.sorted_view().unwrap().iter().map(|p| p.1).sum();
            assert_eq!(weights, sk.n());
            let mut m = sk.clone();
            m.merge(&sk).unwrap();
            m.update(q);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        exercise(KllSketch::<f64>::from_datasketches_bytes(&bytes));
        exercise(KllSketch::<f32>::from_datasketches_bytes(&bytes));
    }

    #[test]
    fn random_bytes_with_a_valid_header_never_panic(
        pre in prop_oneof![Just(2u8), Just(5u8)],
        ver in 1u8..3,
        flags in 0u8..8,
        k in 0u16..300,
        tail in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut bytes = vec![pre, ver, 15, flags, k as u8, (k >> 8) as u8, 8, 0];
        bytes.extend(tail);
        exercise(KllSketch::<f64>::from_datasketches_bytes(&bytes));
        exercise(KllSketch::<f32>::from_datasketches_bytes(&bytes));
    }

    #[test]
    fn mutated_valid_bytes_never_panic(
        n in 0usize..3000,
        k in 8u32..64,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = valid(n, k, 1);
        if !bytes.is_empty() {
            for (i, v) in &edits {
                let at = i.index(bytes.len());
                bytes[at] = *v;
            }
        }
        if truncate && !bytes.is_empty() {
            bytes.truncate(cut.index(bytes.len()));
        }
        exercise(KllSketch::<f64>::from_datasketches_bytes(&bytes));
    }
}

#[test]
fn specific_corruptions_are_typed() {
    let good = valid(1000, 200, 2);
    assert!(KllSketch::<f64>::from_datasketches_bytes(&good).is_ok());
    let mut b = good.clone();
    b[2] = 3;
    assert!(matches!(
        KllSketch::<f64>::from_datasketches_bytes(&b),
        Err(DecodeError::WrongFamily { .. })
    ));
    let mut b = good.clone();
    b[1] = 3;
    assert!(matches!(
        KllSketch::<f64>::from_datasketches_bytes(&b),
        Err(DecodeError::UnsupportedSerialVersion { found: 3 })
    ));
    let mut b = good.clone();
    b[6] = 4;
    assert!(matches!(
        KllSketch::<f64>::from_datasketches_bytes(&b),
        Err(DecodeError::Inconsistent { .. })
    ));
    assert!(matches!(
        KllSketch::<f64>::from_datasketches_bytes(&good[..good.len() - 3]),
        Err(DecodeError::Truncated { .. })
    ));
    let mut b = good.clone();
    b.push(0);
    assert!(matches!(
        KllSketch::<f64>::from_datasketches_bytes(&b),
        Err(DecodeError::TrailingBytes { .. })
    ));
    // n that disagrees with the level weights.
    let mut b = good.clone();
    b[8] ^= 1;
    assert!(matches!(
        KllSketch::<f64>::from_datasketches_bytes(&b),
        Err(DecodeError::Inconsistent { field: "n", .. })
    ));
    // A NaN item.
    let mut b = good.clone();
    let at = b.len() - 8;
    b[at..].copy_from_slice(&f64::NAN.to_le_bytes());
    assert!(KllSketch::<f64>::from_datasketches_bytes(&b).is_err());
    // f32 bytes are not f64 bytes.
    assert!(KllSketch::<f32>::from_datasketches_bytes(&good).is_err());
}
