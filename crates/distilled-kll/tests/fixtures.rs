//! Cross-language fixtures: sketches written by the DataSketches 5.2.0 Python
//! wheel must read here with identical answers (and re-serialize to identical
//! bytes), short streams must serialize to the wheel's exact bytes, and the
//! Rust-written fixtures (checked by the wheel in `xtask/fixtures/kll.py`)
//! must stay what this code writes.

use distilled_core::DataSketchesFormat;
use distilled_kll::{KllItem, KllSketch, SearchCriteria};
use serde_json::{Value, json};

const WHEEL: &str = include_str!("fixtures/kll_wheel.json");
const RUST: &str = include_str!("fixtures/kll_rust.json");
const RANKS: [f64; 11] = [
    0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0,
];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Float items as f64, for comparison with JSON numbers.
trait AsF64: KllItem + Copy {
    fn f(self) -> f64;
    fn from_f64(x: f64) -> Self;
}
impl AsF64 for f64 {
    fn f(self) -> f64 {
        self
    }
    fn from_f64(x: f64) -> f64 {
        x
    }
}
impl AsF64 for f32 {
    fn f(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(x: f64) -> f32 {
        x as f32
    }
}

/// The same answers the Python script computes, from a Rust sketch.
fn answers<T: AsF64>(sk: &KllSketch<T>) -> Value {
    let mut out = json!({
        "n": sk.n(),
        "k": sk.k(),
        "num_retained": sk.num_retained(),
        "is_empty": sk.is_empty(),
        "estimation": sk.is_estimation_mode(),
        "eps": sk.normalized_rank_error(false),
        "eps_pmf": sk.normalized_rank_error(true),
    });
    if sk.is_empty() {
        return out;
    }
    let min = sk.min_item().unwrap().f();
    let max = sk.max_item().unwrap().f();
    let mut retained: Vec<(f64, u64)> = sk.iter().map(|(x, w)| (x.f(), w)).collect();
    retained.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let step = (retained.len() / 15).max(1);
    let mid = T::from_f64((min + max) / 2.0).f();
    let mut probes: Vec<f64> = retained.iter().step_by(step).map(|p| p.0).collect();
    probes.extend([min, max, mid]);
    probes.sort_by(f64::total_cmp);
    probes.dedup();
    let view = sk.sorted_view().unwrap();
    let pt = |p: &f64| T::from_f64(*p);
    let splits: Vec<f64> = if probes.len() > 2 {
        probes[1..probes.len() - 1].to_vec()
    } else {
        vec![]
    };
    let tsplits: Vec<T> = splits.iter().map(pt).collect();
    let o = out.as_object_mut().unwrap();
    o.insert("min".into(), json!(min));
    o.insert("max".into(), json!(max));
    o.insert(
        "retained".into(),
        json!(
            retained
                .iter()
                .map(|(x, w)| json!([x, w]))
                .collect::<Vec<_>>()
        ),
    );
    o.insert(
        "rank_incl".into(),
        json!(
            probes
                .iter()
                .map(|p| view.rank(&pt(p), SearchCriteria::Inclusive))
                .collect::<Vec<_>>()
        ),
    );
    o.insert(
        "rank_excl".into(),
        json!(
            probes
                .iter()
                .map(|p| view.rank(&pt(p), SearchCriteria::Exclusive))
                .collect::<Vec<_>>()
        ),
    );
    o.insert("rank_probes".into(), json!(probes));
    o.insert("ranks".into(), json!(RANKS));
    for (name, c) in [
        ("quantile_incl", SearchCriteria::Inclusive),
        ("quantile_excl", SearchCriteria::Exclusive),
    ] {
        let q: Vec<f64> = RANKS
            .iter()
            .map(|&r| view.quantile(r, c).unwrap().f())
            .collect();
        o.insert(name.into(), json!(q));
    }
    o.insert("splits".into(), json!(splits));
    let (pmf, cdf) = if tsplits.is_empty() {
        (vec![], vec![])
    } else {
        (
            sk.pmf(&tsplits, SearchCriteria::Inclusive).unwrap(),
            sk.cdf(&tsplits, SearchCriteria::Exclusive).unwrap(),
        )
    };
    o.insert("pmf_incl".into(), json!(pmf));
    o.insert("cdf_excl".into(), json!(cdf));
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

fn assert_same(label: &str, got: &Value, want: &Value) {
    let items = |v: &Value| -> Vec<Value> {
        v["retained"]
            .as_array()
            .map_or(vec![], |a| a.iter().map(|p| p[0].clone()).collect())
    };
    let wheel_weight: u64 = want["retained"]
        .as_array()
        .map_or(0, |a| a.iter().map(|p| p[1].as_u64().unwrap()).sum());
    let weights_reliable =
        want.get("retained").is_none() || wheel_weight == want["n"].as_u64().unwrap();
    // The 5.2.0 wheel's iterator reports weight 1 for every item when the
    // lowest levels are empty; its queries are right. Compare items only then.
    assert_eq!(items(got), items(want), "{label}: retained items");
    for key in [
        "n",
        "k",
        "num_retained",
        "is_empty",
        "estimation",
        "min",
        "max",
        if weights_reliable { "retained" } else { "n" },
        "rank_probes",
        "quantile_incl",
        "quantile_excl",
        "splits",
    ] {
        assert_eq!(got.get(key), want.get(key), "{label}: {key}");
    }
    for key in ["eps", "eps_pmf"] {
        assert!(
            close(got[key].as_f64().unwrap(), want[key].as_f64().unwrap()),
            "{label}: {key}"
        );
    }
    for key in ["rank_incl", "rank_excl", "pmf_incl", "cdf_excl"] {
        if let (Some(a), Some(b)) = (got.get(key), want.get(key)) {
            let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
            assert_eq!(a.len(), b.len(), "{label}: {key}");
            for (x, y) in a.iter().zip(b) {
                assert!(
                    close(x.as_f64().unwrap(), y.as_f64().unwrap()),
                    "{label}: {key} {x} vs {y}"
                );
            }
        }
    }
}

fn check_wheel_case<T: AsF64>(case: &Value)
where
    KllSketch<T>: DataSketchesFormat,
{
    let label = case["label"].as_str().unwrap();
    let bytes = unhex(case["bytes"].as_str().unwrap());
    let sk =
        KllSketch::<T>::from_datasketches_bytes(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
    // Reading keeps the layout exactly, so re-serializing gives the wheel's bytes.
    assert_eq!(
        hex(&sk.to_datasketches_bytes()),
        hex(&bytes),
        "{label}: re-serialized"
    );
    assert_same(label, &answers(&sk), case);
    if let Some(input) = case.get("input") {
        let k = case["k"].as_u64().unwrap() as u32;
        let xs: Vec<T> = input
            .as_array()
            .unwrap()
            .iter()
            .map(|v| T::from_f64(v.as_f64().unwrap()))
            .collect();
        let mut mine = KllSketch::<T>::builder().k(k).seed(3).build().unwrap();
        for &x in &xs {
            mine.update(x);
        }
        let mut batched = KllSketch::<T>::builder().k(k).seed(3).build().unwrap();
        batched.update_slice(&xs);
        let b = mine.to_datasketches_bytes();
        assert_eq!(
            b,
            batched.to_datasketches_bytes(),
            "{label}: batch vs single"
        );
        if xs.len() <= k as usize {
            assert_eq!(
                hex(&b),
                hex(&bytes),
                "{label}: bytes equal the wheel's for n <= k"
            );
        } else {
            // Past the first compaction only the coin differs: same layout and size.
            assert_eq!(b.len(), bytes.len(), "{label}: size");
            assert_eq!(
                b[..20 + 4 * mine.num_levels()],
                bytes[..20 + 4 * mine.num_levels()],
                "{label}: preamble and levels"
            );
            assert_eq!(
                mine.num_retained(),
                case["num_retained"].as_u64().unwrap() as usize
            );
        }
    }
}

#[test]
fn wheel_sketches_read_with_identical_answers() {
    let data: Value = serde_json::from_str(WHEEL).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        match case["kind"].as_str().unwrap() {
            "f32" => check_wheel_case::<f32>(case),
            "f64" => check_wheel_case::<f64>(case),
            other => panic!("unknown kind {other}"),
        }
    }
}

fn rust_cases() -> Value {
    fn stream(i: u64, n: usize) -> Vec<f64> {
        // A small LCG-free generator: splitmix-like hashing of the index.
        (0..n as u64)
            .map(|j| {
                let mut z = (j + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                let u = (z >> 11) as f64 / (1u64 << 53) as f64;
                match i % 3 {
                    0 => u,
                    1 => (u * 20.0).floor(),
                    _ => (-u.ln_1p()) * 1e3,
                }
            })
            .collect()
    }
    fn one<T: AsF64>(kind: &str, k: u32, n: usize, i: u64, merges: usize) -> Value
    where
        KllSketch<T>: DataSketchesFormat,
    {
        let xs: Vec<T> = stream(i, n).into_iter().map(T::from_f64).collect();
        let mut sk = KllSketch::<T>::builder().k(k).seed(i).build().unwrap();
        if merges == 0 {
            sk.update_slice(&xs);
        } else {
            for (j, part) in xs.chunks(n.div_ceil(merges)).enumerate() {
                let pk = if j % 2 == 1 { k / 2 } else { k };
                let mut p = KllSketch::<T>::builder()
                    .k(pk)
                    .seed(i + j as u64)
                    .build()
                    .unwrap();
                p.update_slice(part);
                sk.merge(&p).unwrap();
            }
        }
        // Include weighted updates so that the wheel checks that layout too.
        if i % 2 == 1 {
            sk.update_weighted(xs[0], 1000);
        }
        let mut v = answers(&sk);
        let o = v.as_object_mut().unwrap();
        o.insert("kind".into(), json!(kind));
        o.insert(
            "label".into(),
            json!(format!("rust-{kind}-k{k}-n{n}-s{i}-m{merges}")),
        );
        o.insert("bytes".into(), json!(hex(&sk.to_datasketches_bytes())));
        v
    }
    let mut cases = vec![];
    for (k, n, i, merges) in [
        (200, 0, 0, 0),
        (200, 1, 1, 0),
        (200, 5, 2, 0),
        (200, 201, 3, 0),
        (8, 100, 4, 0),
        (200, 50_000, 5, 0),
        (100, 20_000, 6, 0),
        (200, 40_000, 7, 9),
        (300, 30_000, 8, 5),
    ] {
        cases.push(one::<f64>("f64", k, n, i, merges));
        cases.push(one::<f32>("f32", k, n, i, merges));
    }
    json!({ "generator": "distilled-kll (tests/fixtures.rs, write_rust_fixtures)", "cases": cases })
}

/// Regenerates `tests/fixtures/kll_rust.json`; then run
/// `/tmp/dsvenv/bin/python xtask/fixtures/kll.py` to check it with the wheel.
#[test]
#[ignore]
fn write_rust_fixtures() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kll_rust.json");
    std::fs::write(path, serde_json::to_string(&rust_cases()).unwrap() + "\n").unwrap();
}

#[test]
fn rust_fixtures_are_reproducible_and_self_consistent() {
    // Seeded sketches: the code must still write exactly the committed bytes
    // (which the wheel has read and checked).
    let committed: Value = serde_json::from_str(RUST).unwrap();
    let now = rust_cases();
    let (a, b) = (
        committed["cases"].as_array().unwrap(),
        now["cases"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x["bytes"], y["bytes"], "{}", x["label"]);
        assert_same(x["label"].as_str().unwrap(), y, x);
    }
}
