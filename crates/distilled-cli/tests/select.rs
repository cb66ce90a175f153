//! `distill select` end to end: verbatim output, order, rate, accounting, bad input.

mod common;

use common::{csv, distill, json, lines, scratch};

const CHARS: [&str; 4] = ["--categorical", "city,kind", "--numeric", "price,score"];

fn select_args<'a>(extra: &[&'a str], stats: &'a str) -> Vec<&'a str> {
    let mut v = vec!["select", "--time-column", "ts", "--stats", stats];
    v.extend_from_slice(&CHARS);
    v.extend_from_slice(extra);
    v
}

/// Every output line is an input line, in input order, header first.
fn check_verbatim_subsequence(input: &[u8], output: &[u8]) -> usize {
    let inl = lines(input);
    let outl = lines(output);
    assert_eq!(outl[0], inl[0], "header first, verbatim");
    let mut j = 1;
    for o in &outl[1..] {
        while j < inl.len() && inl[j] != *o {
            j += 1;
        }
        assert!(
            j < inl.len(),
            "output line not found in order: {:?}",
            String::from_utf8_lossy(o)
        );
        j += 1;
    }
    outl.len() - 1
}

fn check_accounting(s: &serde_json::Value) {
    let g = |k: &str| {
        s[k].as_u64()
            .unwrap_or_else(|| panic!("missing {k} in {s}"))
    };
    assert_eq!(
        g("read"),
        g("passed") + g("not_selected") + g("late") + g("invalid"),
        "{s}"
    );
    assert_eq!(g("invalid"), g("skipped_invalid") + g("rejected_invalid"));
}

#[test]
fn selects_verbatim_rows_in_order_at_the_rate() {
    let dir = scratch("verbatim");
    let stats = dir.join("stats.json");
    let input = csv(20_000, 1);
    let r = distill(&select_args(&[], stats.to_str().unwrap()), &input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // No progress bar (or anything else) on stderr when it is not a terminal.
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let passed = check_verbatim_subsequence(&input, &r.stdout);
    // Quoted fields with embedded commas and quotes survive byte for byte.
    assert!(r.stdout.windows(9).any(|w| w == b"\"\"quoted\"") || passed < 100);
    let s = json(&std::fs::read(&stats).unwrap());
    check_accounting(&s);
    assert_eq!(s["read"], 20_000);
    assert_eq!(s["passed"].as_u64().unwrap() as usize, passed);
    // The processor passes floor(rate * valid) after each batch.
    assert!((1990..=2000).contains(&passed), "passed {passed}");
    assert_eq!(s["processor"]["seen"], 20_000);
    assert_eq!(
        s["processor"]["characteristics"].as_array().unwrap().len(),
        4
    );
}

#[test]
fn same_seed_same_output_and_rate_option() {
    let input = csv(5_000, 2);
    let dir = scratch("seed");
    let st = dir.join("s.json");
    let args = select_args(&["--rate", "0.25", "--seed", "9"], st.to_str().unwrap());
    let a = distill(&args, &input);
    let b = distill(&args, &input);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
    let n = check_verbatim_subsequence(&input, &a.stdout);
    assert!((1240..=1250).contains(&n), "{n}");
}

#[test]
fn arrival_time_without_time_column() {
    let input = csv(3_000, 3);
    let r = distill(
        &["select", "--categorical", "city", "--numeric", "score"],
        &input,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let n = check_verbatim_subsequence(&input, &r.stdout);
    assert!((290..=300).contains(&n), "{n}");
}

fn with_bad_rows() -> (Vec<u8>, usize) {
    let mut s = String::from_utf8(csv(1_000, 4)).unwrap();
    // Line numbers: header is line 1, so data row i is line i + 2.
    s.push_str("1700005000,x1,paris,a,12.5\n"); // too few fields
    s.push_str("1700005001,x2,paris,a,abc,5,n\n"); // bad number
    s.push_str("not-a-time,x3,paris,a,1,5,n\n"); // bad timestamp
    let mut b = s.into_bytes();
    b.extend_from_slice(b"1700005002,x4,par\xffis,a,1,5,n\n"); // invalid UTF-8
    let mut tail = String::from_utf8(csv(1_000, 5)).unwrap();
    tail = tail
        .split_once('\n')
        .unwrap()
        .1
        .replace("1700000", "1700010"); // later times
    b.extend_from_slice(tail.as_bytes());
    (b, 4)
}

#[test]
fn malformed_rows_stop_with_line_and_column() {
    let (input, _) = with_bad_rows();
    let r = distill(
        &[
            "select",
            "--time-column",
            "ts",
            "--numeric",
            "price",
            "--categorical",
            "city",
        ],
        &input,
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("line 1002"), "{}", r.stderr);
    assert!(r.stderr.contains("expected 7 fields"), "{}", r.stderr);
    // Rows before the bad one were processed and written.
    let n = check_verbatim_subsequence(&input, &r.stdout);
    assert!(n >= 90, "{n}");

    let mut only_number = String::from_utf8(csv(50, 6)).unwrap();
    only_number.push_str("1700005001,x2,paris,a,abc,5,n\n");
    let r = distill(&["select", "--numeric", "price"], only_number.as_bytes());
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("line 52, column \"price\""),
        "{}",
        r.stderr
    );

    let mut bad_time = String::from_utf8(csv(10, 6)).unwrap();
    bad_time.push_str("yesterday,x3,paris,a,1,5,n\n");
    let r = distill(
        &["select", "--time-column", "ts", "--numeric", "price"],
        bad_time.as_bytes(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("line 12, column \"ts\""), "{}", r.stderr);

    let mut bad_utf8 = csv(10, 6);
    bad_utf8.extend_from_slice(b"1700005002,x4,par\xffis,a,1,5,n\n");
    let r = distill(&["select", "--categorical", "kind"], &bad_utf8);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("line 12, column \"city\": invalid UTF-8"),
        "{}",
        r.stderr
    );
}

#[test]
fn skip_invalid_counts_every_record() {
    let (input, bad) = with_bad_rows();
    let dir = scratch("skip");
    let st = dir.join("s.json");
    let r = distill(
        &select_args(&["--skip-invalid"], st.to_str().unwrap()),
        &input,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let n = check_verbatim_subsequence(&input, &r.stdout);
    let s = json(&std::fs::read(&st).unwrap());
    check_accounting(&s);
    assert_eq!(s["read"], 2_000 + bad as u64);
    assert_eq!(s["skipped_invalid"], bad as u64);
    assert_eq!(s["passed"].as_u64().unwrap() as usize, n);
}

#[test]
fn late_records_are_counted() {
    // 2000 rows a second apart, then 300 rows two hours in the past.
    let mut s = String::from_utf8(csv(2_000, 7)).unwrap();
    for i in 0..300 {
        s.push_str(&format!(
            "{},L{i},paris,a,10,5,late\n",
            1_700_000_000 - 7200 + i
        ));
    }
    let dir = scratch("late");
    let st = dir.join("s.json");
    let r = distill(
        &select_args(&["--horizon", "600"], st.to_str().unwrap()),
        s.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = String::from_utf8(r.stdout).unwrap();
    assert!(!out.contains("late"));
    let s = json(&std::fs::read(&st).unwrap());
    check_accounting(&s);
    assert_eq!(s["late"], 300);
}

#[test]
fn unknown_columns_fail_before_any_output() {
    let input = csv(100, 8);
    for args in [
        vec!["select", "--numeric", "nope"],
        vec!["select", "--categorical", "city", "--time-column", "when"],
        vec!["select", "--format", "jsonl", "--numeric", "nope"],
    ] {
        let data = if args.contains(&"jsonl") {
            b"{\"a\":1}\n{\"a\":2}\n".to_vec()
        } else {
            input.clone()
        };
        let r = distill(&args, &data);
        assert_eq!(r.code, 1, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}");
        assert!(r.stderr.contains("unknown column"), "{}", r.stderr);
    }
    let r = distill(&["select"], &input);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("at least one"), "{}", r.stderr);
    let r = distill(&["select", "--numeric", "price", "--rate", "1.5"], &input);
    assert_eq!(r.code, 1);
}

#[test]
fn json_lines() {
    let mut g = common::Gen(11);
    let mut input = String::new();
    for i in 0..4_000 {
        let city = ["paris", "lyon", "nice"][(g.unit() * 3.0) as usize];
        // RFC 3339 times, a null now and then, a missing key now and then.
        let secs = i % 60;
        let mins = (i / 60) % 60;
        let hours = i / 3600;
        let price = if i % 13 == 0 {
            "null".to_string()
        } else {
            format!("{:.1}", g.unit() * 100.0)
        };
        if i % 17 == 0 {
            input.push_str(&format!(
                "{{\"t\":\"2024-03-01T{hours:02}:{mins:02}:{secs:02}Z\",\"city\":\"{city}\",\"id\":{i}}}\n"
            ));
        } else {
            input.push_str(&format!(
                "{{\"t\":\"2024-03-01T{hours:02}:{mins:02}:{secs:02}Z\",\"city\":\"{city}\",\"price\":{price},\"id\":{i}}}\n"
            ));
        }
    }
    let dir = scratch("jsonl");
    let st = dir.join("s.json");
    let r = distill(
        &[
            "select",
            "--format",
            "jsonl",
            "--time-column",
            "t",
            "--categorical",
            "city",
            "--numeric",
            "price",
            "--stats",
            st.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let inl = lines(input.as_bytes());
    let outl = lines(&r.stdout);
    let mut j = 0;
    for o in &outl {
        while inl[j] != *o {
            j += 1;
        }
        j += 1;
    }
    assert!((395..=400).contains(&outl.len()), "{}", outl.len());
    let s = json(&std::fs::read(&st).unwrap());
    check_accounting(&s);
    assert_eq!(s["read"], 4_000);

    let bad = "{\"t\":1,\"city\":\"a\"}\n{\"t\":2,\"city\":\n";
    let r = distill(
        &["select", "--format", "jsonl", "--categorical", "city"],
        bad.as_bytes(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("line 2"), "{}", r.stderr);
    let bad = "{\"t\":1,\"v\":1}\n{\"t\":2,\"v\":\"x\"}\n";
    let r = distill(
        &["select", "--format", "jsonl", "--numeric", "v"],
        bad.as_bytes(),
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("line 2, column \"v\""), "{}", r.stderr);
}

#[test]
fn output_file_and_streaming_order_with_tiny_batches() {
    let input = csv(2_000, 12);
    let dir = scratch("outfile");
    let out = dir.join("out.csv");
    let r = distill(
        &[
            "select",
            "--numeric",
            "score",
            "--batch-size",
            "7",
            "--time-column",
            "ts",
            "--output",
            out.to_str().unwrap(),
        ],
        &input,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let written = std::fs::read(&out).unwrap();
    let n = check_verbatim_subsequence(&input, &written);
    assert!((195..=200).contains(&n), "{n}");
}

#[test]
fn header_only_and_empty_input() {
    let r = distill(&["select", "--numeric", "price"], b"");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let r = distill(&["select", "--numeric", "price"], b"id,price\n");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, b"id,price\n");
}

#[test]
fn output_flows_while_input_is_still_open() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = Command::new(env!("CARGO_BIN_EXE_distill"))
        .args([
            "select",
            "--time-column",
            "ts",
            "--numeric",
            "score",
            "--rate",
            "0.5",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut sin = child.stdin.take().unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // Three batches' worth of rows, then wait with stdin still open.
    let input = csv(300, 13);
    sin.write_all(&input).unwrap();
    sin.flush().unwrap();
    let header = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("header while input open");
    assert!(header.starts_with("ts,id,"));
    let row = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("rows while input open");
    assert!(row.starts_with("17000"));
    drop(sin);
    child.wait().unwrap();
    reader.join().unwrap();
}

/// Categories are discovered on the fly: a city first appearing long after the first 1,000
/// records gets its own bucket and is passed in its share; with `--max-categories 2`, later
/// new cities are pooled as "other" and counted.
#[test]
fn late_category_is_discovered_and_balanced() {
    let dir = scratch("late-category");
    let stats = dir.join("stats.json");
    // 8,000 records, 1 per second, horizon 3600 s: from record 3,000 on, every fourth
    // record's city is "brest".
    let mut s = String::from("ts,city,score\n");
    for i in 0..8000u64 {
        let city = match i % 4 {
            0 if i >= 3000 => "brest",
            0 | 1 => "paris",
            _ => "lyon",
        };
        s.push_str(&format!(
            "{},{city},{}\n",
            1_700_000_000 + i,
            (i * 7919) % 1000
        ));
    }
    let args = [
        "select",
        "--time-column",
        "ts",
        "--categorical",
        "city",
        "--numeric",
        "score",
        "--stats",
        stats.to_str().unwrap(),
    ];
    let r = distill(&args, s.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let st = json(&std::fs::read(&stats).unwrap());
    let city = &st["processor"]["characteristics"][1];
    assert_eq!(city["name"], "city");
    let buckets = city["buckets"].as_array().unwrap();
    let brest = buckets
        .iter()
        .find(|b| b["label"] == "brest")
        .expect("brest bucket");
    let (all, passed) = (
        brest["share_all"].as_f64().unwrap(),
        brest["share_passed"].as_f64().unwrap(),
    );
    // The window (3,600 records, 360 passed) holds 25% "brest".
    assert!((all - 0.25).abs() < 0.01, "{brest}");
    assert!((all - passed).abs() < 0.01, "{brest}");
    assert_eq!(city["overflow_to_other"], 0);

    let r = distill(
        &[&args[..], &["--max-categories", "2"]].concat(),
        s.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let st = json(&std::fs::read(&stats).unwrap());
    let city = &st["processor"]["characteristics"][1];
    let labels: Vec<&str> = city["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["paris", "lyon", "other", "missing"]);
    assert_eq!(city["overflow_to_other"], 1250);
}
