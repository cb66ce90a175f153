//! Cross-language checks against the Python `datasketches` 5.2.0 wheel
//! (fixtures from `xtask/fixtures/fdt.py`, committed).

use std::path::PathBuf;

use distilled_core::{DataSketchesFormat, DistinctCount, Mergeable, NumStdDev};
use distilled_fdt::FdtSketch;
use distilled_fdt::hash::{tuple_hash, tuple_key64};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn tuple_hashes_match_the_wheel() {
    let v = json("hash_vectors.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 15);
    for vec in vectors {
        let tuple = strings(&vec["tuple"]);
        assert_eq!(
            tuple_key64(&tuple),
            vec["key64"].as_i64().unwrap(),
            "{tuple:?}"
        );
        assert_eq!(
            tuple_hash(&tuple, 9001),
            vec["theta_hash"].as_u64().unwrap(),
            "{tuple:?}"
        );
        // And the sketch retains exactly that hash.
        let mut sk = FdtSketch::with_lg_k(12).unwrap();
        sk.update(&tuple);
        let kept: Vec<u64> = sk.entries().map(|e| e.0).collect();
        assert_eq!(kept, vec![vec["theta_hash"].as_u64().unwrap()]);
    }
}

fn check_against(sk: &FdtSketch, exp: &Value, name: &str) {
    assert_eq!(sk.is_empty(), exp["empty"].as_bool().unwrap(), "{name}");
    assert_eq!(
        sk.is_estimation_mode(),
        exp["estimation_mode"].as_bool().unwrap(),
        "{name}"
    );
    assert_eq!(sk.theta64(), exp["theta64"].as_u64().unwrap(), "{name}");
    assert_eq!(
        sk.num_retained() as u64,
        exp["num_retained"].as_u64().unwrap(),
        "{name}"
    );
    let est = exp["estimate"].as_f64().unwrap();
    assert!((sk.estimate() - est).abs() <= 1e-9 * est.max(1.0), "{name}");
    for (s, nsd) in [
        ("1", NumStdDev::One),
        ("2", NumStdDev::Two),
        ("3", NumStdDev::Three),
    ] {
        let lb = exp["bounds"][s][0].as_f64().unwrap();
        let ub = exp["bounds"][s][1].as_f64().unwrap();
        assert!(
            (sk.lower_bound(nsd) - lb).abs() <= 1e-9 * lb.max(1.0),
            "{name} lb {s}"
        );
        assert!(
            (sk.upper_bound(nsd) - ub).abs() <= 1e-9 * ub.max(1.0),
            "{name} ub {s}"
        );
    }
    let mut ours: Vec<(u64, Vec<String>)> = sk
        .entries()
        .map(|(h, t)| (h, t.iter().map(|s| s.to_string()).collect()))
        .collect();
    ours.sort();
    let theirs: Vec<(u64, Vec<String>)> = exp["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e[0].as_u64().unwrap(), strings(&e[1])))
        .collect();
    assert_eq!(ours, theirs, "{name}");
}

#[test]
fn reads_wheel_sketches_and_writes_the_same_bytes() {
    let all = json("wheel_sketches.json");
    for name in ["empty", "single", "three", "unicode", "estimation"] {
        let exp = &all[name];
        let bytes = std::fs::read(fixture(exp["file"].as_str().unwrap())).unwrap();
        let sk = FdtSketch::from_datasketches_bytes(&bytes).unwrap();
        check_against(&sk, exp, name);
        // Our compact form is the wheel's, byte for byte (ordered entries).
        assert_eq!(sk.to_datasketches_bytes(), bytes, "{name}");
        // With the sketch's own lg_k, too.
        let lg_k = exp["lg_k"].as_u64().unwrap() as u8;
        let sk2 = FdtSketch::from_datasketches_bytes_with_lg_k(&bytes, lg_k).unwrap();
        check_against(&sk2, exp, name);
    }
}

/// Java's FdtSketch and the wheel's generic tuple sketch run the same
/// QuickSelect rules, so feeding the same tuples gives the same sketch.
#[test]
fn same_stream_same_sketch_as_the_wheel() {
    let all = json("wheel_sketches.json");
    let three = [
        ["1.2.3.4", "alice"],
        ["5.6.7.8", "alice"],
        ["1.2.3.4", "bob"],
        ["1.2.3.4", "alice"],
    ];
    let mut sk = FdtSketch::with_lg_k(12).unwrap();
    for t in &three {
        sk.update(t);
    }
    check_against(&sk, &all["three"], "three");
    let bytes = std::fs::read(fixture("wheel_three.bin")).unwrap();
    assert_eq!(sk.to_datasketches_bytes(), bytes);
}

#[test]
fn union_matches_the_wheel() {
    let all = json("wheel_sketches.json");
    let a = FdtSketch::from_datasketches_bytes_with_lg_k(
        &std::fs::read(fixture("wheel_union_a.bin")).unwrap(),
        8,
    )
    .unwrap();
    let b = FdtSketch::from_datasketches_bytes_with_lg_k(
        &std::fs::read(fixture("wheel_union_b.bin")).unwrap(),
        8,
    )
    .unwrap();
    let mut u = a.clone();
    u.merge(&b).unwrap();
    // The wheel's union result is trimmed to k entries.
    u.trim();
    check_against(&u, &all["union_result"], "union");
    // Merge is symmetric in what it estimates.
    let mut v = b.clone();
    v.merge(&a).unwrap();
    v.trim();
    check_against(&v, &all["union_result"], "union reversed");
}

/// Bytes written by this crate, committed with the answers expected; the
/// fixture script checks that the wheel reads them (`cargo xtask fixtures`).
/// `DISTILLED_WRITE_FIXTURES=1 cargo test -p distilled-fdt --test wheel`
/// rewrites them.
#[test]
fn rust_written_fixtures() {
    let cases = rust_cases();
    if std::env::var_os("DISTILLED_WRITE_FIXTURES").is_some() {
        let mut out = serde_json::Map::new();
        for (name, sk, tuples) in &cases {
            let file = format!("rust_{name}.bin");
            std::fs::write(fixture(&file), bytes_of(name, sk)).unwrap();
            let entries: Vec<Value> = sk
                .entries()
                .map(|(h, t)| {
                    serde_json::json!([h, t.iter().map(|s| s.to_string()).collect::<Vec<_>>()])
                })
                .collect();
            let hashes: Vec<Value> = tuples
                .iter()
                .take(5)
                .map(|t| serde_json::json!({"tuple": t, "theta_hash": tuple_hash(t, 9001)}))
                .collect();
            out.insert(
                name.to_string(),
                serde_json::json!({
                    "file": file,
                    "empty": sk.is_empty(),
                    "theta64": sk.theta64(),
                    "num_retained": sk.num_retained(),
                    "estimate": sk.estimate(),
                    "entries": entries,
                    "tuples_with_hashes": hashes,
                }),
            );
        }
        std::fs::write(
            fixture("rust_sketches.json"),
            serde_json::to_string_pretty(&Value::Object(out)).unwrap() + "\n",
        )
        .unwrap();
    }
    let expected = json("rust_sketches.json");
    for (name, sk, _) in &cases {
        let exp = &expected[name.as_str()];
        let bytes = std::fs::read(fixture(exp["file"].as_str().unwrap())).unwrap();
        assert_eq!(bytes_of(name, sk), bytes, "{name}: output changed");
        assert_eq!(sk.theta64(), exp["theta64"].as_u64().unwrap());
    }
}

/// Cases named `java_*` are written with Java's flags (no ORDERED).
fn bytes_of(name: &str, sk: &FdtSketch) -> Vec<u8> {
    if name.starts_with("java_") {
        sk.to_java_bytes()
    } else {
        sk.to_datasketches_bytes()
    }
}

fn rust_cases() -> Vec<(String, FdtSketch, Vec<Vec<String>>)> {
    let mut out = Vec::new();
    let mk = |lg_k: u8, tuples: &[Vec<String>]| {
        let mut sk = FdtSketch::with_lg_k(lg_k).unwrap();
        for t in tuples {
            sk.update(t);
        }
        sk
    };
    let empty: Vec<Vec<String>> = vec![];
    out.push(("empty".to_string(), mk(12, &empty), empty));
    let one = vec![vec!["ü".to_string(), "🦀".to_string(), String::new()]];
    out.push(("single".to_string(), mk(12, &one), one));
    let small: Vec<Vec<String>> = (0..50)
        .map(|i| {
            vec![
                format!("ip{}", i % 7),
                format!("user{i}"),
                "x,y".to_string(),
            ]
        })
        .collect();
    out.push(("exact".to_string(), mk(10, &small), small));
    let big: Vec<Vec<String>> = (0..30_000u64)
        .map(|i| {
            let ip = if i % 5 == 0 {
                "10.0.0.1".to_string()
            } else {
                format!("ip{}", i % 3000)
            };
            vec![ip, format!("user{}", i.wrapping_mul(2654435761) % 20_000)]
        })
        .collect();
    out.push(("estimation".to_string(), mk(9, &big), big.clone()));
    out.push(("java_estimation".to_string(), mk(9, &big), big));
    out
}

/// Group statistics equal the wheel's bounds for a sketch filtered down to
/// the group (same theta, `count` entries): the DataSketches formulas,
/// including the small-count paths of the binomial bounds.
#[test]
fn group_statistics_match_the_wheel() {
    let all = json("wheel_sketches.json");
    let exp = &all["estimation"];
    let bytes = std::fs::read(fixture("wheel_estimation.bin")).unwrap();
    let sk = FdtSketch::from_datasketches_bytes(&bytes).unwrap();
    let groups = exp["groups"].as_array().unwrap();
    assert!(groups.len() > 20);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    for (s, nsd) in [
        ("1", NumStdDev::One),
        ("2", NumStdDev::Two),
        ("3", NumStdDev::Three),
    ] {
        let by_dim = [
            sk.result(&[0], 0, nsd, '|').unwrap(),
            sk.result(&[1], 0, nsd, '|').unwrap(),
        ];
        for g in groups {
            let dim = g["dim"].as_u64().unwrap() as usize;
            let key = g["key"].as_str().unwrap();
            let ours = by_dim[dim].iter().find(|x| x.primary_key == key).unwrap();
            assert_eq!(ours.count, g["count"].as_u64().unwrap(), "{key}");
            assert!(
                close(ours.estimate, g["estimate"].as_f64().unwrap()),
                "{key}"
            );
            assert!(
                close(ours.fraction, g["fraction"].as_f64().unwrap()),
                "{key}"
            );
            assert!(close(ours.rse, g["rse"].as_f64().unwrap()), "{key}");
            assert!(
                close(ours.lower_bound, g["bounds"][s][0].as_f64().unwrap()),
                "{key} lb {s}"
            );
            assert!(
                close(ours.upper_bound, g["bounds"][s][1].as_f64().unwrap()),
                "{key} ub {s}"
            );
        }
    }
}

#[test]
fn java_dialect_differs_only_in_the_ordered_flag() {
    let mut sk = FdtSketch::with_lg_k(5).unwrap();
    for i in 0..500 {
        sk.update(&[format!("a{}", i % 7), format!("b{i}")]);
    }
    let (cpp, java) = (sk.to_datasketches_bytes(), sk.to_java_bytes());
    assert_eq!((cpp[5], java[5]), (0x1A, 0x0A));
    assert_eq!(cpp[6..], java[6..]);
    assert_eq!(
        FdtSketch::from_datasketches_bytes(&java).unwrap(),
        FdtSketch::from_datasketches_bytes(&cpp).unwrap()
    );
}

/// The direct writer and distilled-theta's generic compact-tuple writer give
/// the same bytes.
#[test]
fn direct_writer_equals_the_tuple_core_writer() {
    use distilled_theta::tuple::Dialect;
    for (name, sk, _) in rust_cases() {
        let c = sk.compact();
        assert_eq!(sk.to_datasketches_bytes(), c.serialize(), "{name}");
        assert_eq!(
            sk.to_java_bytes(),
            c.serialize_dialect(Dialect::Java),
            "{name}"
        );
    }
}
