//! `distill quantiles` and `distill distinct`: JSON output, --save/--load round trips, and
//! sketches written by the Python `datasketches` 5.2.0 wheel (see xtask/fixtures/cli.py).

mod common;

use std::path::PathBuf;

use common::{distill, json, scratch};
use serde_json::Value;

const RANKS: &str = "0,0.01,0.1,0.5,0.9,0.99,1";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture_str(name: &str) -> String {
    fixture(name).to_str().unwrap().to_owned()
}

fn ok(args: &[&str], stdin: &[u8]) -> Value {
    let r = distill(args, stdin);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    json(&r.stdout)
}

fn values(v: &Value) -> Vec<f64> {
    v["quantiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["value"].as_f64().unwrap())
        .collect()
}

fn numbers() -> Vec<f64> {
    let mut v: Vec<f64> = std::fs::read_to_string(fixture("numbers.txt"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Normalised rank of `x` in sorted `data` (midpoint of ties).
fn rank_of(data: &[f64], x: f64) -> f64 {
    let below = data.partition_point(|&v| v < x);
    let upto = data.partition_point(|&v| v <= x);
    (below + upto) as f64 / 2.0 / data.len() as f64
}

#[test]
fn kll_from_the_wheel_answers_like_the_wheel() {
    let w = json(&std::fs::read(fixture("wheel.json")).unwrap());
    let v = ok(
        &[
            "quantiles",
            "--load",
            &fixture_str("wheel_kll.bin"),
            "--ranks",
            RANKS,
        ],
        b"",
    );
    assert_eq!(v["n"], w["kll"]["n"]);
    assert_eq!(v["min"], w["kll"]["min"]);
    assert_eq!(v["max"], w["kll"]["max"]);
    let want: Vec<f64> = w["kll"]["quantiles_inclusive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(values(&v), want);
}

#[test]
fn tdigest_from_the_wheel_is_read_and_accurate() {
    let w = json(&std::fs::read(fixture("wheel.json")).unwrap());
    let v = ok(
        &[
            "quantiles",
            "--sketch",
            "tdigest",
            "--load",
            &fixture_str("wheel_tdigest.bin"),
            "--ranks",
            RANKS,
        ],
        b"",
    );
    assert_eq!(v["n"].as_f64(), w["tdigest"]["n"].as_f64());
    assert_eq!(v["min"], w["tdigest"]["min"]);
    assert_eq!(v["max"], w["tdigest"]["max"]);
    let data = numbers();
    let ranks = [0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0];
    for (r, x) in ranks.iter().zip(values(&v)) {
        assert!((rank_of(&data, x) - r).abs() < 0.02, "rank {r}: value {x}");
    }
}

#[test]
fn tdigest_saved_from_the_same_input_is_the_wheels_bytes() {
    // The command's t-digest is DataSketches' variant, so the same numbers in the same order
    // with the same k give the very bytes the Python wheel wrote (xtask/fixtures/cli.py).
    let dir = scratch("td_bytes");
    let p = dir.join("numbers.td");
    let input = std::fs::read(fixture("numbers.txt")).unwrap();
    ok(
        &[
            "quantiles",
            "--sketch",
            "tdigest",
            "-k",
            "100",
            "--save",
            p.to_str().unwrap(),
        ],
        &input,
    );
    let ours = std::fs::read(&p).unwrap();
    let wheel = std::fs::read(fixture("wheel_tdigest.bin")).unwrap();
    assert!(
        ours == wheel,
        "{} bytes vs the wheel's {}",
        ours.len(),
        wheel.len()
    );
}

#[test]
fn theta_from_the_wheel_and_same_hashing() {
    let w = json(&std::fs::read(fixture("wheel.json")).unwrap());
    let v = ok(
        &["distinct", "--load", &fixture_str("wheel_theta.bin")],
        b"",
    );
    for k in [
        "estimate",
        "lower_bound",
        "upper_bound",
        "num_retained",
        "theta",
    ] {
        assert_eq!(v[k], w["theta"][k], "{k}");
    }
    // The same items through our sketch: identical hashes, so the identical estimate.
    let users = std::fs::read(fixture("users.txt")).unwrap();
    let mine = ok(&["distinct"], &users);
    assert_eq!(mine["estimate"], w["theta"]["estimate"]);
    assert_eq!(mine["num_retained"], w["theta"]["num_retained"]);
    let exact = w["exact_distinct"].as_f64().unwrap();
    assert!(mine["lower_bound"].as_f64().unwrap() <= exact);
    assert!(mine["upper_bound"].as_f64().unwrap() >= exact);
}

#[test]
fn committed_rust_bytes_still_load() {
    // rust_*.bin were written by `distill ... --save`; xtask/fixtures/cli.py checks them with
    // the wheel against rust.json.
    let want = json(&std::fs::read(fixture("rust.json")).unwrap());
    let k = ok(
        &[
            "quantiles",
            "--load",
            &fixture_str("rust_kll.bin"),
            "--ranks",
            RANKS,
        ],
        b"",
    );
    assert_eq!(k, want["kll"]);
    let t = ok(
        &[
            "quantiles",
            "--sketch",
            "tdigest",
            "--load",
            &fixture_str("rust_tdigest.bin"),
            "--ranks",
            RANKS,
        ],
        b"",
    );
    assert_eq!(t, want["tdigest"]);
    let mut th = ok(&["distinct", "--load", &fixture_str("rust_theta.bin")], b"");
    th["lg_k"] = want["theta"]["lg_k"].clone();
    assert_eq!(th, want["theta"]);
}

#[test]
fn save_load_round_trips() {
    let dir = scratch("roundtrip");
    let input = std::fs::read(fixture("numbers.txt")).unwrap();
    for (kind, k) in [("kll", "100"), ("tdigest", "50")] {
        let p = dir.join(format!("s.{kind}"));
        let ps = p.to_str().unwrap();
        let a = ok(
            &[
                "quantiles",
                "--sketch",
                kind,
                "-k",
                k,
                "--ranks",
                RANKS,
                "--save",
                ps,
            ],
            &input,
        );
        let b = ok(
            &[
                "quantiles",
                "--sketch",
                kind,
                "--ranks",
                RANKS,
                "--load",
                ps,
            ],
            b"",
        );
        // A loaded sketch has no input to account for; everything else must agree.
        let mut a = a;
        for f in ["missing", "skipped_invalid"] {
            assert_eq!(a.as_object_mut().unwrap().remove(f), Some(Value::from(0)));
        }
        assert_eq!(a, b, "{kind}");
        assert_eq!(a["n"], 20_000);
        assert_eq!(a["k"].as_u64().unwrap().to_string(), k);
        let data = numbers();
        for (r, x) in [0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0].iter().zip(values(&a)) {
            assert!((rank_of(&data, x) - r).abs() < 0.03, "{kind} rank {r}: {x}");
        }
    }
    let p = dir.join("users.theta");
    let ps = p.to_str().unwrap();
    let users = std::fs::read(fixture("users.txt")).unwrap();
    let mut a = ok(&["distinct", "--lg-k", "10", "--save", ps], &users);
    let b = ok(&["distinct", "--load", ps], b"");
    assert_eq!(a["lg_k"], 10);
    for f in ["lg_k", "missing", "skipped_invalid"] {
        a.as_object_mut().unwrap().remove(f);
    }
    assert_eq!(a, b);
}

#[test]
fn columns_of_csv_and_json_lines() {
    let csv = "a,b\n1,x\n2,y\n3,\n4,x\n";
    let v = ok(
        &["quantiles", "--column", "a", "--ranks", "0.5,1"],
        csv.as_bytes(),
    );
    assert_eq!(v["n"], 4);
    assert_eq!(values(&v), [2.0, 4.0]);
    let v = ok(&["distinct", "--column", "b"], csv.as_bytes());
    assert_eq!(v["estimate"], 2.0);
    let jl = "{\"a\":1.5,\"b\":\"x\"}\n{\"a\":null,\"b\":7}\n{\"b\":\"x\"}\n{\"a\":\"2.5\"}\n";
    let v = ok(
        &[
            "quantiles",
            "--format",
            "jsonl",
            "--column",
            "a",
            "--ranks",
            "1",
        ],
        jl.as_bytes(),
    );
    assert_eq!(v["n"], 2);
    assert_eq!(v["max"], 2.5);
    let v = ok(
        &["distinct", "--format", "jsonl", "--column", "b"],
        jl.as_bytes(),
    );
    assert_eq!(v["estimate"], 2.0);
    // Unknown column.
    let r = distill(&["quantiles", "--column", "zz"], csv.as_bytes());
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unknown column"), "{}", r.stderr);
}

#[test]
fn bad_numbers_and_empty_input() {
    let r = distill(&["quantiles"], b"1\n2\nthree\n4\n");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    let v = ok(
        &["quantiles", "--skip-invalid", "--ranks", "1"],
        b"1\n2\nthree\n4\n",
    );
    assert_eq!(v["n"], 3);
    let v = ok(&["quantiles", "--ranks", "0.5"], b"");
    assert_eq!(v["n"], 0);
    assert_eq!(v["min"], Value::Null);
    assert_eq!(v["quantiles"][0]["value"], Value::Null);
    let r = distill(&["quantiles", "--ranks", "1.5"], b"1\n");
    assert_eq!(r.code, 1);
    let v = ok(&["distinct"], b"");
    assert_eq!(v["estimate"], 0.0);
    // Hostile bytes for --load are an error, not a crash.
    let dir = scratch("hostile");
    let p = dir.join("junk.bin");
    std::fs::write(&p, b"\x02\x03\x0f\x00junkjunkjunk").unwrap();
    for args in [
        vec!["quantiles", "--load", p.to_str().unwrap()],
        vec![
            "quantiles",
            "--sketch",
            "tdigest",
            "--load",
            p.to_str().unwrap(),
        ],
        vec!["distinct", "--load", p.to_str().unwrap()],
    ] {
        let r = distill(&args, b"");
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stderr.starts_with("distill: "), "{}", r.stderr);
    }
}

/// Users with known numbers of distinct pages (A: 3000, B: 1000, C..: 20 each), each visit
/// listed twice so that duplicates must not count.
fn visits() -> (String, String) {
    let mut csv = String::from("user,page,country\n");
    let mut jl = String::new();
    let mut add = |u: &str, p: usize| {
        for _ in 0..2 {
            csv.push_str(&format!("{u},p{p},fr\n"));
            jl.push_str(&format!("{{\"user\":\"{u}\",\"page\":\"p{p}\"}}\n"));
        }
    };
    for p in 0..3000 {
        add("A", p);
    }
    for p in 0..1000 {
        add("B", p * 7);
    }
    for u in 0..200 {
        for p in 0..20 {
            add(&format!("c{u}"), p);
        }
    }
    (csv, jl)
}

#[test]
fn fdt_groups_json_and_table() {
    let (csv, jl) = visits();
    // Bounds at 3 standard deviations: on this fixed data set A's estimate lands 2.5 sd low.
    let v = ok(
        &[
            "fdt",
            "--columns",
            "user,page",
            "--primary",
            "user",
            "--top",
            "3",
            "--json",
            "--std-dev",
            "3",
        ],
        csv.as_bytes(),
    );
    assert_eq!(v["rows"], 2 * (3000 + 1000 + 4000));
    let g = v["groups"].as_array().unwrap();
    assert_eq!(g.len(), 3);
    assert_eq!(g[0]["primary_key"], serde_json::json!(["A"]));
    assert_eq!(g[1]["primary_key"], serde_json::json!(["B"]));
    for (grp, truth) in [(&g[0], 3000.0), (&g[1], 1000.0)] {
        let lb = grp["lower_bound"].as_f64().unwrap();
        let ub = grp["upper_bound"].as_f64().unwrap();
        assert!(lb <= truth && truth <= ub, "{grp}");
    }
    // The same from JSON lines.
    let w = ok(
        &[
            "fdt",
            "--format",
            "jsonl",
            "--columns",
            "user,page",
            "--primary",
            "user",
            "--top",
            "3",
            "--json",
            "--std-dev",
            "3",
        ],
        jl.as_bytes(),
    );
    assert_eq!(w["groups"], v["groups"]);
    // Table form.
    let r = distill(
        &[
            "fdt",
            "--columns",
            "user,page",
            "--primary",
            "user",
            "--top",
            "2",
        ],
        csv.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = String::from_utf8(r.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    for h in ["Count", "Est", "UB", "LB", "Fraction", "RSE", "PriKey"] {
        assert!(lines[0].contains(h), "{h}");
    }
    assert!(
        lines[1].ends_with(" A") && lines[2].ends_with(" B"),
        "{out}"
    );
    // Errors.
    let r = distill(
        &["fdt", "--columns", "user,page", "--primary", "x"],
        csv.as_bytes(),
    );
    assert_eq!(r.code, 1);
    let r = distill(
        &["fdt", "--columns", "user,nope", "--primary", "user"],
        csv.as_bytes(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("unknown column"), "{}", r.stderr);
    let r = distill(
        &[
            "fdt",
            "--columns",
            "user,page",
            "--primary",
            "user",
            "--std-dev",
            "4",
        ],
        csv.as_bytes(),
    );
    assert_eq!(r.code, 1);
}

#[test]
fn every_input_record_is_accounted_for_in_sketch_queries() {
    // 6 records: 3 numbers, 2 empty cells, 1 unparsable cell (skipped under --skip-invalid).
    let csv = b"x,y\n1,a\n,b\n2.5,\nnope,c\n,d\n4,a\n";
    let q = ok(
        &[
            "quantiles",
            "--column",
            "x",
            "--skip-invalid",
            "--ranks",
            "0.5",
        ],
        csv,
    );
    assert_eq!(q["n"].as_u64(), Some(3));
    assert_eq!(q["missing"].as_u64(), Some(2));
    assert_eq!(q["skipped_invalid"].as_u64(), Some(1));
    let r = distill(&["quantiles", "--column", "x"], csv);
    assert_ne!(
        r.code, 0,
        "an unparsable number stops the read without --skip-invalid"
    );
    assert!(r.stderr.contains("line 5"), "{}", r.stderr);

    let d = ok(&["distinct", "--column", "y"], csv);
    assert_eq!(d["estimate"].as_f64(), Some(4.0)); // a, b, c, d
    assert_eq!(d["missing"].as_u64(), Some(1));
    assert_eq!(d["skipped_invalid"].as_u64(), Some(0));
}

#[test]
fn fdt_table_keeps_one_line_per_group_when_a_key_holds_a_line_break() {
    let csv = "user,page\n\"a\nb\",1\n\"a\nb\",2\nc,1\n";
    let args = ["fdt", "--columns", "user,page", "--primary", "user"];
    let r = distill(&args, csv.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = String::from_utf8(r.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].ends_with(r" a\nb"), "{out}");
    // --json keeps the exact key.
    let v = ok(&[&args[..], &["--json"]].concat(), csv.as_bytes());
    assert_eq!(v["groups"][0]["primary_key"], serde_json::json!(["a\nb"]));
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let csv: String = std::iter::once("k\n".to_owned())
        .chain((0..5000).map(|i| format!("{i}\n")))
        .collect();
    for args in [
        &["distinct", "--column", "k"][..],
        &["quantiles", "--column", "k"],
        &["fdt", "--columns", "k", "--primary", "k"],
    ] {
        let r = common::distill_into_closed_pipe(args, csv.as_bytes());
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    }
}
