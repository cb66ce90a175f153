//! Hash vectors produced by the Python `datasketches` 5.2.0 wheel
//! (`cargo xtask fixtures`, script `xtask/fixtures/core_hash.py`).

use distilled_core::hash::{DsHash, compute_seed_hash, theta_hash_f64, theta_hash_i64};
use serde_json::Value;

fn fixture() -> Value {
    let text = include_str!("fixtures/hash_vectors.json");
    serde_json::from_str(text).expect("valid fixture JSON")
}

fn hash_field(v: &Value) -> Option<u64> {
    v["hash"].as_u64()
}

#[test]
fn seed_hashes_match_the_wheel() {
    let fx = fixture();
    let cases = fx["seed_hashes"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for c in cases {
        let seed = c["seed"].as_u64().unwrap();
        let expected = c["seed_hash"].as_u64().unwrap() as u16;
        assert_eq!(compute_seed_hash(seed), Some(expected), "seed {seed}");
    }
    assert_eq!(compute_seed_hash(9001), Some(0x93CC));
}

#[test]
fn integer_hashes_match_the_wheel() {
    let fx = fixture();
    let cases = fx["i64"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for c in cases {
        let value = c["value"].as_i64().unwrap();
        let seed = c["seed"].as_u64().unwrap();
        let expected = hash_field(c).unwrap();
        assert_eq!(
            theta_hash_i64(value, seed),
            expected,
            "i64 {value} seed {seed}"
        );
        assert_eq!(value.theta_hash(seed), Some(expected));
        assert_eq!((value as u64).theta_hash(seed), Some(expected));
    }
}

#[test]
fn float_hashes_match_the_wheel_including_negative_zero_and_nan() {
    let fx = fixture();
    let cases = fx["f64"].as_array().unwrap();
    let mut saw_neg_zero = false;
    let mut saw_nan = false;
    for c in cases {
        let bits =
            u64::from_str_radix(c["bits"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        let value = f64::from_bits(bits);
        saw_neg_zero |= value == 0.0 && value.is_sign_negative();
        saw_nan |= value.is_nan();
        let expected = hash_field(c).unwrap();
        assert_eq!(theta_hash_f64(value, 9001), expected, "f64 bits {bits:#x}");
    }
    assert!(saw_neg_zero && saw_nan, "fixture covers -0.0 and NaN");
    // -0.0 and 0.0 collide; every NaN payload collides with the canonical one.
    assert_eq!(theta_hash_f64(-0.0, 9001), theta_hash_f64(0.0, 9001));
    assert_eq!(
        theta_hash_f64(f64::from_bits(0xfff0_0000_0000_0abc), 9001),
        theta_hash_f64(f64::NAN, 9001)
    );
}

#[test]
fn string_hashes_match_the_wheel_including_non_ascii_and_empty() {
    let fx = fixture();
    let cases = fx["str"].as_array().unwrap();
    let mut saw_empty = false;
    let mut saw_non_ascii = false;
    for c in cases {
        let s = c["value"].as_str().unwrap();
        saw_empty |= s.is_empty();
        saw_non_ascii |= !s.is_ascii();
        // The wheel leaves a sketch updated with "" empty: no hash at all.
        assert_eq!(s.theta_hash(9001), hash_field(c), "string {s:?}");
    }
    assert!(saw_empty && saw_non_ascii);
}
