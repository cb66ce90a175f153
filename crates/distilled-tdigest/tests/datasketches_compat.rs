//! Byte compatibility with the Apache DataSketches 5.2.0 Python wheel, using
//! the fixtures written by `xtask/fixtures/tdigest.py`.

use std::path::PathBuf;

use distilled_core::{DataSketchesFormat, DecodeError};
use distilled_tdigest::{FormatLayout, Scale, TDigest};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_values(name: &str) -> Vec<f64> {
    read(name)
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn cases() -> Vec<serde_json::Value> {
    let text = String::from_utf8(read("wheel_cases.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

#[test]
fn k2_bytes_equal_the_wheel_for_the_same_input_order() {
    let cases = cases();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let k = case["k"].as_u64().unwrap() as u16;
        let xs = read_values(&format!("{name}.values.bin"));
        assert_eq!(xs.len() as u64, case["n"].as_u64().unwrap());
        let expected = read(&format!("{name}.double.bin"));
        // One value at a time, and in one batch: the same bytes.
        let mut d = TDigest::datasketches(k).unwrap();
        for &x in &xs {
            d.add(x);
        }
        assert_eq!(d.to_datasketches_bytes(), expected, "{name}: add");
        let mut b = TDigest::datasketches(k).unwrap();
        b.add_many(&xs);
        assert_eq!(b.to_datasketches_bytes(), expected, "{name}: add_many");
        // Reading the wheel's image and writing it again is the identity.
        let back = TDigest::from_datasketches_bytes(&expected).unwrap();
        assert_eq!(back.to_datasketches_bytes(), expected, "{name}: round trip");
        assert_eq!(back.scale(), Scale::K2);
        assert_eq!(back.count(), xs.len() as f64, "{name}");
        if !xs.is_empty() {
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(back.min(), Some(lo));
            assert_eq!(back.max(), Some(hi));
            // serde_json's default float parsing may be off by one ulp.
            assert!((case["min"].as_f64().unwrap() - lo).abs() <= 1e-15 * lo.abs());
            assert!((case["max"].as_f64().unwrap() - hi).abs() <= 1e-15 * hi.abs());
        }
    }
}

#[test]
fn float_layout_images_are_read() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let k = case["k"].as_u64().unwrap() as u16;
        let xs = read_values(&format!("{name}.values.bin"));
        let image = read(&format!("{name}.float.bin"));
        let d = TDigest::from_datasketches_bytes(&image).unwrap();
        let e = TDigest::from_datasketches_bytes_layout(&image, FormatLayout::Float).unwrap();
        assert_eq!(d.centroids(), e.centroids());
        assert_eq!(d.compression(), k);
        assert_eq!(d.count(), xs.len() as f64, "{name}");
        if xs.is_empty() {
            assert!(d.is_empty());
            continue;
        }
        let lo = xs.iter().map(|&x| x as f32).fold(f32::INFINITY, f32::min);
        let hi = xs
            .iter()
            .map(|&x| x as f32)
            .fold(f32::NEG_INFINITY, f32::max);
        assert_eq!(d.min(), Some(f64::from(lo)), "{name}");
        assert_eq!(d.max(), Some(f64::from(hi)), "{name}");
        // The float digest answers close to the double one.
        let dd = TDigest::from_datasketches_bytes(&read(&format!("{name}.double.bin"))).unwrap();
        for q in [0.01, 0.5, 0.99] {
            let (a, b) = (d.quantile(q).unwrap(), dd.quantile(q).unwrap());
            let scale = (hi - lo) as f64;
            assert!(
                (a - b).abs() <= 0.05 * scale + 1e-6,
                "{name} q={q}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn merge_matches_the_wheel() {
    let xa = read_values("merge_a.values.bin");
    let xb = read_values("merge_b.values.bin");
    let mut a = TDigest::datasketches(100).unwrap();
    let mut b = TDigest::datasketches(100).unwrap();
    a.add_many(&xa);
    b.add_many(&xb);
    a.merge(&b).unwrap();
    assert_eq!(a.to_datasketches_bytes(), read("merge_ab.double.bin"));
}

/// Rust-written images that the wheel must read (checked by
/// `xtask/fixtures/tdigest.py`). Regenerate with DISTILLED_WRITE_FIXTURES=1.
#[test]
fn rust_images_are_stable() {
    let mut images: Vec<(&str, TDigest)> = Vec::new();
    images.push(("rust_empty.bin", TDigest::datasketches(100).unwrap()));
    let mut single = TDigest::new(100).unwrap();
    single.add(-3.25);
    images.push(("rust_single.bin", single));
    let mut small = TDigest::new(100).unwrap();
    small.add_many(
        &(0..50)
            .map(|i| (i * 7 % 50) as f64 / 4.0)
            .collect::<Vec<_>>(),
    );
    images.push(("rust_small_k1.bin", small));
    let lcg = |n: usize, seed: u64| -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    };
    let mut k1 = TDigest::new(100).unwrap();
    k1.add_many(
        &lcg(50_000, 1)
            .iter()
            .map(|x| x * 100.0 - 20.0)
            .collect::<Vec<_>>(),
    );
    images.push(("rust_uniform_k1.bin", k1));
    let mut k2 = TDigest::datasketches(200).unwrap();
    k2.add_many(
        &lcg(30_000, 2)
            .iter()
            .map(|x| (x * 10.0).exp())
            .collect::<Vec<_>>(),
    );
    images.push(("rust_exp_k2.bin", k2));
    let mut weighted = TDigest::new(50).unwrap();
    for i in 0..5000 {
        weighted.add_weighted(i as f64, (i % 5 + 1) as f64).unwrap();
    }
    images.push(("rust_weighted_k1.bin", weighted));

    let write = std::env::var("DISTILLED_WRITE_FIXTURES").is_ok();
    let mut manifest = Vec::new();
    for (file, d) in &images {
        let bytes = d.to_datasketches_bytes();
        // Our own reader gives back the same count, min, max and bytes.
        let back = TDigest::from_datasketches_bytes(&bytes).unwrap();
        assert_eq!(back.count(), d.count(), "{file}");
        assert_eq!(back.min(), d.min(), "{file}");
        assert_eq!(back.max(), d.max(), "{file}");
        assert_eq!(back.to_datasketches_bytes(), bytes, "{file}");
        if write {
            std::fs::write(dir().join(file), &bytes).unwrap();
        } else {
            assert_eq!(
                read(file),
                bytes,
                "{file} changed: regenerate and re-check with the wheel"
            );
        }
        manifest.push(serde_json::json!({
            "file": file,
            "k": d.compression(),
            "count": d.count(),
            "min": d.min(),
            "max": d.max(),
        }));
    }
    if write {
        let text = serde_json::to_string_pretty(&manifest).unwrap() + "\n";
        std::fs::write(dir().join("rust_images.json"), text).unwrap();
    }
}

fn be_verbose(min: f64, max: f64, c: f64, cs: &[(f64, f64)]) -> Vec<u8> {
    let mut v = 1i32.to_be_bytes().to_vec();
    v.extend_from_slice(&min.to_be_bytes());
    v.extend_from_slice(&max.to_be_bytes());
    v.extend_from_slice(&c.to_be_bytes());
    v.extend_from_slice(&(cs.len() as i32).to_be_bytes());
    for &(w, m) in cs {
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&m.to_be_bytes());
    }
    v
}

#[test]
fn reference_big_endian_images_are_read() {
    let cs = [(1.0, 0.5), (3.0, 2.0), (5.0, 4.0), (1.0, 9.0)];
    let img = be_verbose(0.5, 9.0, 100.0, &cs);
    let d = TDigest::from_datasketches_bytes(&img).unwrap();
    assert_eq!(d.compression(), 100);
    assert_eq!(d.count(), 10.0);
    assert_eq!(d.min(), Some(0.5));
    assert_eq!(d.max(), Some(9.0));
    assert_eq!(d.centroids().len(), 4);
    assert_eq!(d.centroids()[2].mean, 4.0);

    // Small (float) variant.
    let mut s = 2i32.to_be_bytes().to_vec();
    s.extend_from_slice(&0.5f64.to_be_bytes());
    s.extend_from_slice(&9.0f64.to_be_bytes());
    s.extend_from_slice(&200.0f32.to_be_bytes());
    s.extend_from_slice(&[0, 0, 0, 0]);
    s.extend_from_slice(&(cs.len() as u16).to_be_bytes());
    for &(w, m) in &cs {
        s.extend_from_slice(&(w as f32).to_be_bytes());
        s.extend_from_slice(&(m as f32).to_be_bytes());
    }
    let e = TDigest::from_datasketches_bytes(&s).unwrap();
    assert_eq!(e.compression(), 200);
    assert_eq!(e.centroids(), d.centroids());

    // Bad compression, negative count, truncation.
    assert!(TDigest::from_datasketches_bytes(&be_verbose(0.0, 1.0, 5.0, &[])).is_err());
    let mut neg = be_verbose(0.0, 1.0, 100.0, &[]);
    let at = neg.len() - 4;
    neg[at..].copy_from_slice(&(-1i32).to_be_bytes());
    assert!(TDigest::from_datasketches_bytes(&neg).is_err());
    assert!(matches!(
        TDigest::from_datasketches_bytes(&img[..img.len() - 3]),
        Err(DecodeError::Truncated { .. })
    ));
}
