//! Helpers shared by the integration tests: run the built binary, generate inputs.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Run `distill args...` with `stdin` as input.
pub fn distill(args: &[&str], stdin: &[u8]) -> Run {
    run(args, stdin, false)
}

/// Like [`distill`], with the reading end of standard output closed before
/// distill writes anything (as `distill ... | head -0` does).
pub fn distill_into_closed_pipe(args: &[&str], stdin: &[u8]) -> Run {
    run(args, stdin, true)
}

fn run(args: &[&str], stdin: &[u8], close_stdout: bool) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_distill"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn distill");
    if close_stdout {
        drop(child.stdout.take());
    }
    let mut sin = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Feed stdin from a thread so that a large output cannot deadlock the pipe.
    let feeder = std::thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait");
    feeder.join().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("distill-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small deterministic generator (splitmix64).
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// CSV with header `ts,id,city,kind,price,score,note`: `n` rows, one per second, a quoted
/// note with an embedded comma on every 7th row, some missing prices.
pub fn csv(n: usize, seed: u64) -> Vec<u8> {
    let mut g = Gen(seed);
    let mut s = String::from("ts,id,city,kind,price,score,note\n");
    let cities = ["paris", "lyon", "nice", "lille", "metz"];
    for i in 0..n {
        let city = cities[(g.unit() * g.unit() * 5.0) as usize];
        let kind = if g.unit() < 0.3 { "a" } else { "b" };
        let price = if g.unit() < 0.05 {
            String::new()
        } else {
            format!("{:.2}", 10.0 + 90.0 * g.unit() * g.unit())
        };
        let score = (g.unit() * 1000.0) as i64;
        let note = if i % 7 == 0 {
            format!("\"n{i}, \"\"quoted\"\"\"")
        } else {
            format!("n{i}")
        };
        s.push_str(&format!(
            "{},{i},{city},{kind},{price},{score},{note}\n",
            1_700_000_000 + i
        ));
    }
    s.into_bytes()
}

/// Lines of a byte buffer, terminators kept.
pub fn lines(b: &[u8]) -> Vec<&[u8]> {
    b.split_inclusive(|&c| c == b'\n').collect()
}

/// Parse JSON.
pub fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(b)))
}
