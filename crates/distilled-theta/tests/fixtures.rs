//! Byte-level compatibility with the Python `datasketches` 5.2.0 wheel, in
//! both directions (fixtures from `xtask/fixtures/theta.py`).

use distilled_core::NumStdDev;
use distilled_theta::{
    CompactThetaSketch, ThetaIntersection, ThetaSketch, ThetaUnion, a_not_b, jaccard,
};
use serde_json::{Value, json};

const WHEEL: &str = include_str!("fixtures/theta_wheel.json");
const RUST_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/theta_rust.json"
);

const SDS: [NumStdDev; 3] = [NumStdDev::One, NumStdDev::Two, NumStdDev::Three];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn feed(sk: &mut ThetaSketch, input: &Value) {
    let start = input["start"].as_i64().unwrap_or(0);
    let count = input["count"].as_i64().unwrap_or(0);
    match input["kind"].as_str().unwrap() {
        "ints" => (start..start + count).for_each(|i| sk.update(i)),
        "strs" => (start..start + count).for_each(|i| sk.update(format!("k{i}").as_str())),
        "floats" => (start..start + count).for_each(|i| sk.update(i as f64 * 0.5)),
        "list" => {
            for v in input["values"].as_array().unwrap() {
                let (t, v) = (v[0].as_str().unwrap(), &v[1]);
                match t {
                    "i" => sk.update(v.as_i64().unwrap()),
                    "s" => sk.update(v.as_str().unwrap()),
                    "f" => sk.update(match v.as_str() {
                        Some(s) => s.parse::<f64>().unwrap(),
                        None => v.as_f64().unwrap(),
                    }),
                    _ => panic!("unknown type {t}"),
                }
            }
        }
        k => panic!("unknown kind {k}"),
    }
}

fn build(spec: &Value) -> ThetaSketch {
    let mut sk = ThetaSketch::builder()
        .lg_k(spec["lg_k"].as_u64().unwrap_or(12) as u8)
        .p(spec["p"].as_f64().unwrap_or(1.0) as f32)
        .seed(spec["seed"].as_u64().unwrap_or(9001))
        .build()
        .unwrap();
    feed(&mut sk, &spec["input"]);
    sk
}

fn check_answers(name: &str, c: &CompactThetaSketch, exp: &Value) {
    assert_eq!(
        c.num_retained() as u64,
        exp["num_retained"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(c.is_empty(), exp["is_empty"].as_bool().unwrap(), "{name}");
    assert_eq!(
        c.is_estimation_mode(),
        exp["is_estimation_mode"].as_bool().unwrap(),
        "{name}"
    );
    assert_eq!(c.theta64(), exp["theta64"].as_u64().unwrap(), "{name}");
    assert_eq!(
        c.estimate(),
        exp["estimate"].as_f64().unwrap(),
        "{name} estimate"
    );
    for (i, s) in SDS.into_iter().enumerate() {
        assert_eq!(
            c.lower_bound(s),
            exp["lb"][i].as_f64().unwrap(),
            "{name} lb {s:?}"
        );
        assert_eq!(
            c.upper_bound(s),
            exp["ub"][i].as_f64().unwrap(),
            "{name} ub {s:?}"
        );
    }
}

#[test]
fn rust_writes_the_wheels_bytes() {
    let w: Value = serde_json::from_str(WHEEL).unwrap();
    for case in w["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let sk = build(&case["spec"]);
        let ordered = case["ordered"].as_bool().unwrap();
        let c = sk.compact(ordered);
        check_answers(name, &c, case);
        assert_eq!(
            hex(&c.serialize()),
            case["v3"].as_str().unwrap(),
            "{name} v3"
        );
        if let Some(v4) = case["v4"].as_str() {
            assert_eq!(hex(&c.serialize_compressed()), v4, "{name} v4");
        }
    }
}

#[test]
fn rust_reads_the_wheels_bytes() {
    let w: Value = serde_json::from_str(WHEEL).unwrap();
    for case in w["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let seed = case["spec"]["seed"].as_u64().unwrap_or(9001);
        for key in ["v3", "v4"] {
            let Some(h) = case[key].as_str() else {
                continue;
            };
            let c = CompactThetaSketch::deserialize_with_seed(&unhex(h), seed).unwrap();
            check_answers(name, &c, case);
            // Reading and writing again reproduces the bytes.
            let again = if key == "v3" {
                c.serialize()
            } else {
                c.serialize_compressed()
            };
            assert_eq!(hex(&again), h, "{name} {key} rewrite");
        }
    }
}

#[test]
fn set_operations_match_the_wheel() {
    let w: Value = serde_json::from_str(WHEEL).unwrap();
    let ops = &w["ops"];
    let a = build(&ops["a"]);
    let b = build(&ops["b"]);
    let mut u = ThetaUnion::new(10).unwrap();
    u.update(&a).unwrap();
    u.update(&b).unwrap();
    let ur = u.result(true);
    assert_eq!(hex(&ur.serialize()), ops["union"]["v3"].as_str().unwrap());
    check_answers("union", &ur, &ops["union"]);
    let mut x = ThetaIntersection::new(9001).unwrap();
    x.update(&a).unwrap();
    x.update(&b).unwrap();
    let xr = x.result().unwrap();
    assert_eq!(
        hex(&xr.serialize()),
        ops["intersection"]["v3"].as_str().unwrap()
    );
    check_answers("intersection", &xr, &ops["intersection"]);
    let d = a_not_b(&a, &b, true).unwrap();
    assert_eq!(hex(&d.serialize()), ops["a_not_b"]["v3"].as_str().unwrap());
    check_answers("a_not_b", &d, &ops["a_not_b"]);
    let j = jaccard(&a, &b).unwrap();
    let wj: Vec<f64> = ops["jaccard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        (j.estimate - wj[1]).abs() < 1e-12
            && (j.lower - wj[0]).abs() < 1e-12
            && (j.upper - wj[2]).abs() < 1e-12,
        "{j:?} vs {wj:?}"
    );
    // Disjoint estimation-mode inputs: non-empty, zero entries, theta kept.
    let a2 = build(&json!({"lg_k": 5, "input": {"kind": "ints", "start": 0, "count": 1000}}));
    let b2 = build(&json!({"lg_k": 5, "input": {"kind": "ints", "start": 5000, "count": 1000}}));
    let mut x2 = ThetaIntersection::new(9001).unwrap();
    x2.update(&a2).unwrap();
    x2.update(&b2).unwrap();
    let r2 = x2.result().unwrap();
    assert_eq!(
        hex(&r2.serialize()),
        ops["disjoint_intersection"]["v3"].as_str().unwrap()
    );
}

/// Sketches Rust writes for the wheel to read (checked by the xtask script).
fn rust_sketches() -> Value {
    let mut out = Vec::new();
    let mut push = |name: &str, c: &CompactThetaSketch, bytes: Vec<u8>, seed: u64| {
        out.push(json!({
            "name": name, "seed": seed, "bytes": hex(&bytes),
            "estimate": c.estimate(),
            "lb": SDS.map(|s| c.lower_bound(s)), "ub": SDS.map(|s| c.upper_bound(s)),
            "theta64": c.theta64(), "num_retained": c.num_retained(),
            "is_empty": c.is_empty(), "is_estimation_mode": c.is_estimation_mode(),
        }));
    };
    let mut sk = ThetaSketch::new(11).unwrap();
    let c = sk.compact(true);
    push("empty", &c, c.serialize(), 9001);
    sk.update("only");
    let c = sk.compact(true);
    push("single", &c, c.serialize(), 9001);
    for i in 0..1500u64 {
        sk.update(i * 7);
    }
    let c = sk.compact(false);
    push("exact_unordered", &c, c.serialize(), 9001);
    let c = sk.compact(true);
    push("exact_v4", &c, c.serialize_compressed(), 9001);
    sk.update_many(&(0..200_000u64).collect::<Vec<_>>());
    let c = sk.compact(false);
    push("estimation_unordered", &c, c.serialize(), 9001);
    let c = sk.compact(true);
    push("estimation_v3", &c, c.serialize(), 9001);
    push("estimation_v4", &c, c.serialize_compressed(), 9001);
    let mut s7 = ThetaSketch::builder()
        .seed(7)
        .lg_k(6)
        .p(0.25)
        .build()
        .unwrap();
    s7.update_many(&["x", "y", "z", "w", "v"]);
    let c = s7.compact(true);
    push("seed7_p025", &c, c.serialize(), 7);
    json!({ "generator": "distilled-theta tests/fixtures.rs", "sketches": out })
}

#[test]
fn rust_written_bytes_are_committed_and_current() {
    let now = serde_json::to_string_pretty(&rust_sketches()).unwrap() + "\n";
    if std::env::var_os("DISTILLED_WRITE_FIXTURES").is_some() {
        std::fs::write(RUST_PATH, &now).unwrap();
    }
    let committed =
        std::fs::read_to_string(RUST_PATH).expect("run with DISTILLED_WRITE_FIXTURES=1");
    assert_eq!(
        committed, now,
        "Rust output changed; regenerate and re-check with the wheel"
    );
    // And Rust reads its own bytes back to the same answers.
    let v: Value = serde_json::from_str(&committed).unwrap();
    for s in v["sketches"].as_array().unwrap() {
        let c = CompactThetaSketch::deserialize_with_seed(
            &unhex(s["bytes"].as_str().unwrap()),
            s["seed"].as_u64().unwrap(),
        )
        .unwrap();
        check_answers(s["name"].as_str().unwrap(), &c, s);
    }
}

/// Jaccard similarity and its bounds equal the wheel's
/// `theta_jaccard_similarity.jaccard` on pairs of sketches covering exact and
/// estimation mode, different lg_k, p < 1, nested, disjoint, identical and
/// empty inputs (xtask/fixtures/theta_jaccard.py), for update and compact
/// (ordered and not) inputs.
#[test]
fn jaccard_equals_the_wheel() {
    let v: Value = serde_json::from_str(include_str!("fixtures/theta_jaccard.json")).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    let side = |d: &Value| {
        let mut b = ThetaSketch::builder().lg_k(d["lg_k"].as_u64().unwrap() as u8);
        if let Some(p) = d.get("p") {
            b = b.p(p.as_f64().unwrap() as f32);
        }
        let mut s = b.build().unwrap();
        let start = d["start"].as_i64().unwrap();
        let count = d["count"].as_i64().unwrap();
        for i in start..start + count {
            s.update(i);
        }
        s
    };
    for c in cases {
        let (a, b) = (side(&c["a"]), side(&c["b"]));
        let want: Vec<f64> = c["jaccard"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let answers = [
            jaccard(&a, &b).unwrap(),
            jaccard(&a.compact(true), &b.compact(false)).unwrap(),
            jaccard(&a.compact(false), &b).unwrap(),
        ];
        for j in answers {
            let got = [j.lower, j.estimate, j.upper];
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-12 * w.abs().max(1e-3),
                    "{c}: got {got:?}, wheel {want:?}"
                );
            }
        }
    }
}
