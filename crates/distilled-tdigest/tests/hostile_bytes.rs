//! Hostile and random bytes give typed errors, never a panic, and whatever
//! decodes is a usable digest.

use distilled_core::{DataSketchesFormat, QuantileSketch, SearchCriteria};
use distilled_tdigest::{FormatLayout, TDigest};
use proptest::prelude::*;

fn valid_images() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for n in [0usize, 1, 2, 40, 3000] {
        let mut d = TDigest::datasketches(20).unwrap();
        d.add_many(
            &(0..n)
                .map(|i| ((i * 37) % 101) as f64 - 50.0)
                .collect::<Vec<_>>(),
        );
        out.push(d.to_datasketches_bytes());
    }
    // A reference big-endian image.
    let mut v = 1i32.to_be_bytes().to_vec();
    for x in [0.0f64, 10.0, 100.0] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v.extend_from_slice(&2i32.to_be_bytes());
    for (w, m) in [(2.0f64, 1.0f64), (3.0, 9.0)] {
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&m.to_be_bytes());
    }
    out.push(v);
    out
}

fn exercise(d: &TDigest) {
    let _ = d.quantile(0.5);
    let _ = d.rank(0.0);
    let _ = d.cdf(1.0);
    let _ = d.trimmed_mean(0.1, 0.9);
    let _ = QuantileSketch::quantile(d, 0.9, SearchCriteria::Inclusive);
    let _ = d.to_datasketches_bytes();
    let mut m = d.clone();
    m.add(1.0);
    m.compress();
    let _ = m.quantile(0.99);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(d) = TDigest::from_datasketches_bytes(&bytes) {
            exercise(&d);
        }
        for layout in [FormatLayout::Double, FormatLayout::Float] {
            if let Ok(d) = TDigest::from_datasketches_bytes_layout(&bytes, layout) {
                exercise(&d);
            }
        }
    }

    #[test]
    fn mutated_images_never_panic(
        which in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let images = valid_images();
        let mut bytes = images[which % images.len()].clone();
        for (pos, val) in edits {
            if !bytes.is_empty() {
                let p = pos % bytes.len();
                bytes[p] = val;
            }
        }
        if cut % 3 == 0 && !bytes.is_empty() {
            bytes.truncate(cut % bytes.len());
        }
        if let Ok(d) = TDigest::from_datasketches_bytes(&bytes) {
            exercise(&d);
        }
    }
}

#[test]
fn valid_images_decode() {
    for img in valid_images() {
        let d = TDigest::from_datasketches_bytes(&img).unwrap();
        exercise(&d);
    }
}
