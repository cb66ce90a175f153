//! Values near the ends of the `f64` range: the centroid arithmetic
//! (weighted offsets, curvature fits, interpolation) must not overflow into
//! infinities or NaN, and answers must stay finite, inside `[min, max]` and
//! monotone.

use distilled_core::DataSketchesFormat;
use distilled_tdigest::{Scale, TDigest};

fn streams() -> Vec<(&'static str, Vec<f64>)> {
    let n = 100_000;
    let symmetric: Vec<f64> = (0..n)
        .map(|i| {
            let f = i as f64 / n as f64;
            if i % 2 == 0 {
                f64::MAX * f
            } else {
                -f64::MAX * f
            }
        })
        .collect();
    let top: Vec<f64> = (0..n).map(|i| f64::MAX * (1.0 - i as f64 * 1e-7)).collect();
    let mixed: Vec<f64> = (0..n)
        .map(|i| match i % 4 {
            0 => f64::MAX / (1.0 + i as f64),
            1 => -f64::MAX / (1.0 + i as f64),
            2 => f64::MIN_POSITIVE * i as f64,
            _ => 5e-324 * (i % 7) as f64,
        })
        .collect();
    vec![("symmetric", symmetric), ("top", top), ("mixed", mixed)]
}

fn check(name: &str, d: &TDigest) {
    let (min, max) = (d.min().unwrap(), d.max().unwrap());
    for c in d.centroids() {
        assert!(
            c.mean.is_finite() && c.mean >= min && c.mean <= max,
            "{name}: {c:?}"
        );
    }
    assert!(
        d.centroids().windows(2).all(|w| w[0].mean <= w[1].mean),
        "{name}: centroids out of order"
    );
    let mut prev = f64::NEG_INFINITY;
    for i in 0..=1000 {
        let q = i as f64 / 1000.0;
        let v = d.quantile(q).unwrap();
        assert!(
            v.is_finite() && v >= min && v <= max,
            "{name}: q={q} -> {v}"
        );
        assert!(
            v >= prev,
            "{name}: quantile not monotone at q={q}: {v} < {prev}"
        );
        prev = v;
    }
    let mut prev = 0.0;
    for i in 0..=1000 {
        let x = min + (max / 1000.0 - min / 1000.0) * i as f64;
        let x = x.clamp(min, max);
        // `rank` is the weight below `x`.
        let r = d.rank(x).unwrap();
        assert!((0.0..=d.count()).contains(&r), "{name}: rank({x}) = {r}");
        assert!(r >= prev, "{name}: rank not monotone at {x}");
        prev = r;
    }
}

#[test]
fn values_near_the_ends_of_the_f64_range_give_finite_ordered_answers() {
    for scale in [Scale::K1, Scale::K2] {
        for (name, xs) in streams() {
            let mut d = TDigest::with_scale(100, scale).unwrap();
            d.add_many(&xs);
            assert_eq!(d.count(), xs.len() as f64);
            check(name, &d);
            d.compress();
            check(name, &d);
            // Merges and the DataSketches bytes keep them usable.
            let mut m = TDigest::with_scale(100, scale).unwrap();
            for chunk in xs.chunks(7000) {
                let mut part = TDigest::with_scale(100, scale).unwrap();
                part.add_many(chunk);
                m.merge(&part).unwrap();
            }
            check(name, &m);
            let back = TDigest::from_datasketches_bytes(&d.to_datasketches_bytes()).unwrap();
            check(name, &back);
        }
    }
}

#[test]
fn huge_weights_give_finite_ordered_answers() {
    let mut d = TDigest::new(50).unwrap();
    for i in 0..2000 {
        let x = if i % 2 == 0 { 1e300 } else { -1e300 } * (i as f64 / 2000.0);
        d.add_weighted(x, 1e300).unwrap();
        d.add(i as f64);
    }
    check("huge weights", &d);
}

#[test]
fn a_total_weight_that_would_overflow_is_refused() {
    let mut d = TDigest::new(50).unwrap();
    d.add_weighted(1.0, f64::MAX / 2.0).unwrap();
    d.add_weighted(2.0, f64::MAX / 4.0).unwrap();
    assert!(d.add_weighted(3.0, f64::MAX / 2.0).is_err());
    assert_eq!(d.count(), f64::MAX / 2.0 + f64::MAX / 4.0);
    let other = d.clone();
    assert!(d.merge(&other).is_err());
    assert!(TDigest::merge_many([&d, &other], 50).is_err());
    // The refused merge left the digest as it was.
    assert_eq!(d.count(), other.count());
    assert!(d.quantile(0.5).unwrap().is_finite());
}
